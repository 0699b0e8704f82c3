#!/usr/bin/env bash
# `cpsbatch sign` end to end: for every vector of tests/data/sign_vectors.json, run the
# built program with the vector's keys (environment), --date, --nonce and --body-file, and
# compare canonical_request, string_to_sign, signature and authorization byte for byte. Then
# the same through a ~/.jdc/config profile and a body on stdin, and the exit statuses of a
# usage error (2) and of missing credentials (3).
# Env: BUILD (build directory), SRC (repository root).
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
vectors="$SRC/tests/data/sign_vectors.json"

# The checks are Python's (JSON in, JSON out); it prints each failure and leaves its counts in
# counts.txt for the closing line.
rc python3 - "$BUILD/cpsbatch" "$vectors" "$WORK" <<'EOF'
import json, os, subprocess, sys

program, vectors_path, work = sys.argv[1:4]
fields = ("canonical_request", "string_to_sign", "signature", "authorization")
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {name}: {detail}")


def run(args, env, stdin=b""):
    return subprocess.run([program, "sign", *args], env=env, input=stdin,
                          capture_output=True, timeout=30)


def base_env(**extra):
    # A home of our own: the developer's real ~/.jdc must never be read.
    env = {k: v for k, v in os.environ.items() if not k.startswith("JDCLOUD_")}
    env["HOME"] = work
    env.update(extra)
    return env


def compare(name, proc, expected):
    check(f"{name} exit", proc.returncode == 0,
          f"exit {proc.returncode}: {proc.stderr.decode(errors='replace')}")
    lines = proc.stdout.decode().splitlines()
    check(f"{name} one line", len(lines) == 1, f"{len(lines)} lines on stdout")
    try:
        got = json.loads(proc.stdout)
    except ValueError as e:
        check(f"{name} json", False, str(e))
        return
    check(f"{name} keys", list(got) == list(fields), f"keys {list(got)}")
    for f in fields:
        check(f"{name} {f}", got.get(f) == expected[f],
              f"\n  got  {got.get(f)!r}\n  want {expected[f]!r}")


with open(vectors_path) as f:
    doc = json.load(f)
keys_env = base_env(JDCLOUD_ACCESS_KEY=doc["access_key"], JDCLOUD_SECRET_KEY=doc["secret_key"])
check("vectors present", len(doc["vectors"]) > 0, "no vectors")

for v in doc["vectors"]:
    inp, exp = v["inputs"], v["expected"]
    body = os.path.join(work, v["id"] + ".body")
    with open(body, "wb") as f:
        f.write(inp["body"].encode("utf-8"))
    args = ["--method", inp["method"], "--url", inp["url"], "--body-file", body,
            "--date", inp["x_jdcloud_date"], "--nonce", inp["x_jdcloud_nonce"]]
    compare(v["id"], run(args, keys_env), exp)

# The first vector again: keys from a named profile, body on standard input.
v = doc["vectors"][0]
inp = v["inputs"]
os.makedirs(os.path.join(work, ".jdc"), exist_ok=True)
with open(os.path.join(work, ".jdc", "config"), "w") as f:
    f.write(f"[ci]\naccess_key = {doc['access_key']}\nsecret_key = {doc['secret_key']}\n")
args = ["--method", inp["method"], "--url", inp["url"], "--body-file", "-",
        "--date", inp["x_jdcloud_date"], "--nonce", inp["x_jdcloud_nonce"]]
compare(v["id"] + " via --profile", run(args + ["--profile", "ci"], base_env(),
                                         inp["body"].encode("utf-8")), v["expected"])
# A profile named on the command line wins over keys in the environment.
other_env = base_env(JDCLOUD_ACCESS_KEY="AKOTHER", JDCLOUD_SECRET_KEY="SKOTHER")
compare(v["id"] + " via --profile over the environment's keys",
        run(args + ["--profile", "ci"], other_env, inp["body"].encode("utf-8")), v["expected"])

# Without --date and --nonce: a fresh UUID v4 nonce, today's date, still one JSON object.
p = run(["--method", "GET", "--url", "https://cps.jdcloud-api.com/v1/regions"], keys_env)
check("defaults exit", p.returncode == 0, p.stderr.decode(errors="replace"))
if p.returncode == 0:
    cr = json.loads(p.stdout)["canonical_request"].split("\n")
    nonce = cr[6].split(":", 1)[1]
    check("defaults nonce", len(nonce) == 36 and nonce[14] == "4", nonce)
    check("defaults date", len(cr[5]) == len("x-jdcloud-date:") + 16, cr[5])

# Exit statuses: 2 for usage errors, 3 without usable credentials; nothing on stdout.
usage = [[], ["--method", "GET"], ["--url", "https://h/"], ["--bogus"],
         ["--method", "GET", "--url", "ftp://h/"], ["--method", "GET", "--url", "https://h/", "x"],
         ["--method", "GET", "--url", "https://h/", "--date", "2024-03-15"],
         ["--method", "G T", "--url", "https://h/"],
         ["--method", "GET", "--url", "https://h/", "--body-file", os.path.join(work, "none")],
         ["--method", "GET", "--url"]]
for args in usage:
    p = run(args, keys_env)
    check(f"usage {args}", p.returncode == 2 and p.stdout == b"" and p.stderr != b"",
          f"exit {p.returncode}, stdout {p.stdout!r}")
ok = ["--method", "GET", "--url", "https://h/"]
os.remove(os.path.join(work, ".jdc", "config"))
for name, env, args in [("no credentials", base_env(), ok),
                        ("missing profile", base_env(), ok + ["--profile", "nope"]),
                        ("one variable", base_env(JDCLOUD_ACCESS_KEY="AK"), ok)]:
    p = run(args, env)
    check(name, p.returncode == 3 and p.stdout == b"", f"exit {p.returncode}")
p = run(["--help"], base_env())
check("help", p.returncode == 0 and b"--body-file" in p.stdout, f"exit {p.returncode}")
secret = doc["secret_key"].encode()
p = run(ok, keys_env)
check("secret never printed", secret not in p.stdout + p.stderr, "the secret key was printed")

with open(os.path.join(work, "counts.txt"), "w") as f:
    f.write(f"{passed} {failed}\n")
EOF
check_eq "the Python checker ran to its end" "$RC" 0
[ ! -s "$WORK/counts.txt" ] || add_counts $(cat "$WORK/counts.txt")
finish
