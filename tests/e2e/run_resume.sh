#!/usr/bin/env bash
# Resuming: the sandbox quick start, reruns that send nothing twice, dry runs that show the
# ledger's tokens, edited rows, a second run on the same ledger refused, SIGINT then resume.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET

# The README's quick start: the sample job on the built-in sandbox.
cp "$SRC/jobs/sample.csv" "$WORK/sample.csv"
rc bash -c 'cd "$1" && timeout 120 "$2" run --sandbox sample.csv' _ "$WORK" "$BUILD/cpsbatch" \
    >"$WORK/sb.out" 2>&1
check_eq "sandbox: exit status" "$RC" 0
check_eq "sandbox: 10 done" "$(grep -c '"type":"done"' "$WORK/sample.sandbox.ledger.jsonl")" 10
check_eq "sandbox: ledger mode 0600" "$(stat -c %a "$WORK/sample.sandbox.ledger.jsonl")" 600
check_no_grep "sandbox: no password in the ledger" "Sample#Passw0rd" "$WORK/sample.sandbox.ledger.jsonl"
check_no_grep "sandbox: no password in the output" "Sample#Passw0rd" "$WORK/sb.out"

# export: the sheet back, from another directory, with every row's ids and the password blank.
rc bash -c 'cd / && "$1" export "$2" -o "$3"' _ "$BUILD/cpsbatch" \
    "$WORK/sample.sandbox.ledger.jsonl" "$WORK/out.csv" 2>/dev/null
check_eq "export: exit status" "$RC" 0
check "export: rows, columns, outcomes" python3 - "$WORK/out.csv" "$WORK/sample.sandbox.ledger.jsonl" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
done = {r["token"]: r["instanceIds"] for r in map(json.loads, open(sys.argv[2])) if r["type"] == "done"}
assert len(rows) == 10, len(rows)
assert all(r["password"] == "" for r in rows)
assert all(r["#status"] == "done" for r in rows)
assert all(r["#instanceIds"].split(";") == done[r["clientToken"]] for r in rows)
assert rows[0]["description"] == "web tier, front end" and rows[0]["#owner"] == "alice"
assert sum(len(r["#instanceIds"].split(";")) for r in rows) == 14
PY

# An emulator on loopback that checks no signatures needs no keys.
make_job "$WORK/nokeys.csv" 3
start_sim
rc env -u JDCLOUD_ACCESS_KEY -u JDCLOUD_SECRET_KEY HOME="$WORK" timeout 120 "$BUILD/cpsbatch" \
    run "$WORK/nokeys.csv" --endpoint "$SIM_URL" --progress never >/dev/null 2>&1
check_eq "no keys, loopback emulator: exit status" "$RC" 0
# ... but a real endpoint needs them, and nothing is sent or written without.
rc env -u JDCLOUD_ACCESS_KEY -u JDCLOUD_SECRET_KEY HOME="$WORK" timeout 120 "$BUILD/cpsbatch" \
    run "$WORK/nokeys.csv" --endpoint https://cps.example.invalid --ledger "$WORK/nokeys2.jsonl" \
    --yes >"$WORK/nokeys.out" 2>&1
check_eq "no keys, remote endpoint: refused" "$RC" 2
check "no keys: says which variables" grep -q JDCLOUD_ACCESS_KEY "$WORK/nokeys.out"
check "no keys: no ledger" [ ! -e "$WORK/nokeys2.jsonl" ]

JOB="$WORK/job.csv"
LEDGER="$WORK/job.ledger.jsonl"
make_job "$JOB" 50
start_sim --verify-signatures
run() {
    rc timeout 120 "$BUILD/cpsbatch" run "$JOB" --endpoint "$SIM_URL" --rate 0 --progress never \
        "$@" >"$WORK/run.out" 2>&1
}
requests() { sim_stat "['by_api'].get('createInstances', 0)"; }

run
check_eq "first run: exit 0" $RC 0
check "first run: default ledger beside the CSV" [ -f "$LEDGER" ]
run
check_eq "rerun: exit 0" $RC 0
check_eq "rerun: nothing sent (requests $(requests))" "$(requests)" 50
check_grep "rerun: says so" "0 new, 0 in doubt.*50 already done" "$WORK/run.out"

# The dry run now shows the ledger's tokens: the ones the run sent.
rc "$BUILD/cpsbatch" run --dry-run "$JOB" 2>/dev/null >"$WORK/dry.jsonl"
check "dry run shows the ledger's tokens" python3 -c "
import json, sys
ledger = {r['row']: r['token'] for r in map(json.loads, open(sys.argv[1])) if r['type'] == 'intent'}
shown = {r['row']: r['token'] for r in map(json.loads, open(sys.argv[2]))}
sys.exit(ledger != shown)" "$LEDGER" "$WORK/dry.jsonl"

# An edited row gets a new token; the other rows are not sent again.
sed -i '10s/node-00009/node-00009-renamed/' "$JOB"
run
check_eq "edited: exit 0" $RC 0
check_eq "edited: one request more" "$(requests)" 51
check_grep "edited: the old token is reported as a stray" "1 token in the ledger match no row" "$WORK/run.out"

# A torn last line (a crash mid-write) is reported, cut off, and the batch completes.
python3 - "$LEDGER" <<'PY'
import sys
path = sys.argv[1]
data = open(path, "rb").read()
last = data.rstrip(b"\n").rfind(b"\n")            # cut the last record in half
open(path, "wb").write(data[: last + 1 + (len(data) - last) // 2])
PY
run
check_eq "torn tail: exit 0" "$RC" 0
check_grep "torn tail: reported" "torn" "$WORK/run.out"
check "torn tail: the file ends with a whole line" [ -z "$(tail -c 1 "$LEDGER")" ]
check "torn tail: every token done, once (50 rows + the edited row's old token)" exactly_once "$LEDGER" 51

# A corrupt line in the middle is an error naming the line; the file is left as it was.
cp "$LEDGER" "$WORK/before.jsonl"
sed -i '5s/.*/{"type":"intent","token":/' "$LEDGER"
run
check_ne "corrupt line: refused (exit status)" "$RC" 0
check_grep "corrupt line: names line 5" ":5:" "$WORK/run.out"
check "corrupt line: file untouched" cmp -s "$LEDGER" <(sed '5s/.*/{"type":"intent","token":/' "$WORK/before.jsonl")
cp "$WORK/before.jsonl" "$LEDGER"

# A second run on the same ledger while one is running is refused. The first cannot end
# before it is signalled: 40 rows, two at a time, each answer held 2 s. Its ledger appears
# under its name only once locked (written aside, locked, renamed), so that is the wait.
sim_reset
sim_faults '{"latency_ms":2000}'
make_job "$WORK/slow.csv" 40
spawn first "$BUILD/cpsbatch" run "$WORK/slow.csv" --endpoint "$SIM_URL" --rate 0 --concurrency 2 \
    --progress never >"$WORK/first.out" 2>&1
check "the first run holds its ledger" wait_until 60 "the first run's ledger" \
    test -s "$WORK/slow.ledger.jsonl"
rc timeout 120 "$BUILD/cpsbatch" run "$WORK/slow.csv" --endpoint "$SIM_URL" --progress never \
    >"$WORK/second.out" 2>&1
check_eq "concurrent run refused (75: try again when it ends)" "$RC" 75
check_grep "concurrent run says why" "lock" "$WORK/second.out" -i

# SIGINT: stop, finish what is in flight, exit 3; the same command then finishes: exit 0.
kill -INT "$first"
reap "$first" 60
check_eq "SIGINT: exit status" "$RC" 3
sim_faults '{"latency_ms":0}'
rc timeout 120 "$BUILD/cpsbatch" run "$WORK/slow.csv" --endpoint "$SIM_URL" --rate 0 \
    --progress never >"$WORK/resume.out" 2>&1
check_eq "after SIGINT: resume exit status" "$RC" 0
check "after SIGINT: every row created once" exactly_once "$WORK/slow.ledger.jsonl" 40
finish
