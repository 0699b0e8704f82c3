#!/usr/bin/env bash
# cps-sim as a program: --help, usage errors (exit 2), the port file, --listen, --verbose (one
# line per request, silence without it), knobs given as flags, --catalog FILE, signatures from
# the environment with a fixed --clock and the official vectors sent by curl, a busy port
# (exit 1), and SIGTERM/SIGINT ending it cleanly (exit 0).
# Needs curl and python3.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
SIM="$BUILD/cps-sim"
BODY='{"regionId":"cn-north-1","clientToken":"TOKEN","instanceSpec":{"az":"cn-north-1a",'
BODY+='"deviceType":"cps.c.normal","imageType":"standard","osTypeId":"os-1","sysRaidTypeId":"r1",'
BODY+='"dataRaidTypeId":"r2","networkType":"basic","name":"web","password":"Passw0rd!2024",'
BODY+='"count":1,"charge":{"chargeMode":"postpaid_by_duration"}}}'

create() { # token [curl options...]: prints the HTTP status (000 when there was no answer)
    local token=$1
    shift
    curl -s -o "$WORK/out" -w '%{http_code}' -m 10 -X PUT -H 'Content-Type: application/json' \
        -d "${BODY/TOKEN/$token}" "$@" "$SIM_URL/v1/regions/cn-north-1/instances"
}
stat_of() { python3 -c "import json,sys; print(json.loads(sys.argv[1])$1)" "$(sim_stats)"; }

# --- help and usage errors ---
rc timeout 30 "$SIM" --help >"$WORK/help" 2>&1
check_eq "--help exits 0" "$RC" 0
check "--help lists the knobs" grep -q -- "--reset-after" "$WORK/help"
rc timeout 30 "$SIM" --bogus >/dev/null 2>&1
check_eq "unknown flag: exit status" "$RC" 2
rc timeout 30 "$SIM" --p503 2 2>"$WORK/err"
check_eq "--p503 2: exit status" "$RC" 2
check_grep "--p503 2: names the knob" "p503" "$WORK/err"
rc timeout 30 "$SIM" --latency-ms abc >/dev/null 2>&1
check_eq "--latency-ms abc: exit status" "$RC" 2
rc timeout 30 "$SIM" --listen nowhere >/dev/null 2>&1
check_eq "--listen without a port: exit status" "$RC" 2
rc timeout 30 "$SIM" --limit-status 500 >/dev/null 2>&1
check_eq "--limit-status 500: exit status" "$RC" 2
rc env -u JDCLOUD_ACCESS_KEY -u JDCLOUD_SECRET_KEY timeout 30 "$SIM" --verify-signatures 2>"$WORK/err"
check_eq "--verify-signatures without keys: exit status" "$RC" 2
check_grep "--verify-signatures without keys: says so" "key" "$WORK/err"

# --- port file, quiet by default, SIGTERM ---
start_sim
check "port file holds a port" grep -qE '^[0-9]+$' "$WORK/sim.port"
check "no temporary port file left" bash -c "! ls '$WORK' | grep -q 'sim.port.tmp'"
check_eq "a create answers 200" "$(create t1)" 200
check "quiet without --verbose" [ ! -s "$WORK/sim.err" ]
kill -TERM "$SIM_PID"
rc wait "$SIM_PID"
check_eq "SIGTERM: exit status" "$RC" 0
SIM_PID=""

# --- --listen HOST:PORT, --verbose, SIGINT ---
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
start_sim --listen "127.0.0.1:$port" --verbose
check_eq "--listen: the port asked for" "$(cat "$WORK/sim.port")" "$port"
create t1 >/dev/null
curl -s -m 5 "$SIM_URL/v1/regions" >/dev/null
check "--verbose: a line per request" \
    grep -q "PUT /v1/regions/cn-north-1/instances 200" "$WORK/sim.err"
check_grep "--verbose: the GET too" "GET /v1/regions 200" "$WORK/sim.err"
rc timeout 30 "$SIM" --listen "127.0.0.1:$port" >/dev/null 2>&1
check_eq "a busy port: exit status" "$RC" 1
kill -INT "$SIM_PID"
rc wait "$SIM_PID"
check_eq "SIGINT: exit status" "$RC" 0
SIM_PID=""

# --- knobs as flags ---
start_sim --p503 1 --retry-after 4
check_eq "--p503 1: 503" "$(create k1 -D "$WORK/headers")" 503
check "--retry-after 4: the header" grep -qi "^Retry-After: 4" "$WORK/headers"
start_sim --p429 1
check_eq "--p429 1: 429" "$(create k1)" 429
check "--p429 1: RATE_LIMIT" grep -q RATE_LIMIT "$WORK/out"
start_sim --p500 1
check_eq "--p500 1: 500" "$(create k1)" 500
start_sim --reset-before 1
check_eq "--reset-before 1: no answer" "$(create k1)" 000
check_eq "--reset-before 1: nothing created" "$(stat_of "['creates']")" 0
start_sim --reset-after 1
check_eq "--reset-after 1: no answer" "$(create k1)" 000
check_eq "--reset-after 1: created" "$(stat_of "['creates']")" 1
start_sim --quota 1
create q1 >/dev/null
check_eq "--quota 1: the second is 429" "$(create q2)" 429
check "--quota 1: QUOTA_EXCEEDED" grep -q QUOTA_EXCEEDED "$WORK/out"
# A bucket of one that refills once in 100 s: the second create is refused however long the
# machine takes between the two.
start_sim --rate-limit 0.01 --rate-burst 1 --limit-status 429 --retry-after 2
create r1 >/dev/null
check_eq "--rate-limit 0.01: the next is 429" "$(create r2 -D "$WORK/headers")" 429
check "--rate-limit: Retry-After 2" grep -qi "^Retry-After: 2" "$WORK/headers"
start_sim --latency-ms 300
t=$(curl -s -o /dev/null -w '%{time_total}' -m 10 -X PUT -d "${BODY/TOKEN/l1}" \
    "$SIM_URL/v1/regions/cn-north-1/instances")
check_num "--latency-ms 300: at least 0.3 s" "$t" ">=" 0.3
start_sim --create-seconds 0
create c1 >/dev/null
id=$(python3 -c "import json; print(json.load(open('$WORK/out'))['result']['instanceIds'][0])")
check "--create-seconds 0: running at once" bash -c \
    "curl -s -m 5 '$SIM_URL/v1/regions/cn-north-1/instances/$id' | grep -q '\"status\":\"running\"'"
seq_of() { # seed, file: the statuses of 20 creates with --seed SEED --p503 0.5 into file
    # (not through $(...): the emulator would inherit the substitution's pipe and hold it)
    start_sim --seed "$1" --p503 0.5
    for i in $(seq 20); do create "s$i"; done >"$2"
    stop_sim
}
seq_of 77 "$WORK/seq.a"
seq_of 77 "$WORK/seq.b"
seq_of 78 "$WORK/seq.c"
a=$(cat "$WORK/seq.a")
b=$(cat "$WORK/seq.b")
c=$(cat "$WORK/seq.c")
check_eq "--seed: the same sequence twice" "$a" "$b"
check "--seed: another seed, another sequence" [ "$a" != "$c" ]
start_sim --p503 1 --all-calls
code_of() { curl -s -o /dev/null -w '%{http_code}' -m 5 "$SIM_URL$1"; }
check_eq "--all-calls: describe calls fail too" "$(code_of /v1/regions)" 503
check_eq "/__sim/ never fails" "$(code_of /__sim/stats)" 200

# --- --catalog FILE ---
cat >"$WORK/catalog.json" <<'JSON'
{"regions":[{"region":"xx-test-1","regionName":"Test",
               "azs":[{"region":"xx-test-1","az":"xx-test-1a","azName":"A"}]}],
 "deviceTypes":[{"deviceType":"t.small","name":"Small","isSoldOut":false}],
 "oss":[],"raids":[],"softwares":[]}
JSON
start_sim --catalog "$WORK/catalog.json"
check "--catalog: its regions" bash -c "curl -s -m 5 '$SIM_URL/v1/regions' | grep -q xx-test-1"
check_eq "--catalog: other regions are 404" "$(create x1)" 404
stop_sim
echo '{"regions":' >"$WORK/broken.json"
rc timeout 30 "$SIM" --catalog "$WORK/broken.json" 2>"$WORK/err"
check_eq "--catalog broken: exit status" "$RC" 2
check "--catalog broken: names the file" grep -q broken.json "$WORK/err"

# --- signatures: the official vectors, sent by curl, at the vectors' date ---
vectors="$SRC/tests/data/sign_vectors.json"
python3 - "$vectors" >"$WORK/vectors.sh" <<'PY'
import json, shlex, sys, urllib.parse
v = json.load(open(sys.argv[1]))
print(f"export JDCLOUD_ACCESS_KEY={shlex.quote(v['access_key'])}")
print(f"export JDCLOUD_SECRET_KEY={shlex.quote(v['secret_key'])}")
print(f"DATE={v['vectors'][0]['inputs']['x_jdcloud_date']}")
for i, vec in enumerate(v["vectors"]):
    inp, exp = vec["inputs"], vec["expected"]
    u = urllib.parse.urlsplit(inp["url"])
    path = urllib.parse.quote(u.path, safe="/-_.~")
    target = path + ("?" + u.query if u.query else "")
    args = ["-X", inp["method"], "-H", "Content-Type: application/json",
            "-H", f"Host: {u.netloc}", "-H", f"x-jdcloud-date: {inp['x_jdcloud_date']}",
            "-H", f"x-jdcloud-nonce: {inp['x_jdcloud_nonce']}",
            "-H", f"Authorization: {exp['authorization']}"]
    if inp["body"]:
        args += ["--data-binary", inp["body"]]
    print(f"V{i}_TARGET={shlex.quote(target)}")
    print(f"V{i}_ARGS=({' '.join(shlex.quote(a) for a in args)})")
print(f"NV={len(v['vectors'])}")
PY
. "$WORK/vectors.sh" # the vectors' keys, from here to the end
start_sim --verify-signatures --clock "$DATE"
for i in $(seq 0 $((NV - 1))); do
    target_var="V${i}_TARGET"
    args_var="V${i}_ARGS[@]"
    code=$(curl -s -o "$WORK/out" -w '%{http_code}' -m 10 "${!args_var}" \
        "$SIM_URL${!target_var}" || true)
    check_ne "vector $i: not refused" "$code" 401
    check_ne "vector $i: answered" "$code" 000
done
check_eq "vector 0 created" "$(stat_of "['creates']")" 1
unsigned=$(curl -s -o /dev/null -w '%{http_code}' -m 5 "$SIM_URL/v1/regions" || true)
check_eq "unsigned: 401" "$unsigned" 401
stop_sim
start_sim --verify-signatures
code=$(curl -s -o "$WORK/out" -w '%{http_code}' -m 10 "${V0_ARGS[@]}" "$SIM_URL$V0_TARGET" || true)
check_eq "a vector today is stale: 401" "$code" 401
check_grep "stale: UNAUTHENTICATED" "UNAUTHENTICATED" "$WORK/out"
stop_sim
finish
