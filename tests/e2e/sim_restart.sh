#!/usr/bin/env bash
# cps-sim --state: the emulator is killed (-9) mid-batch and restarted on the same port with
# the same state file; the run rides over the outage (or is rerun) and every row's token has
# created exactly once, as many instances as the rows ask for, each done record holding the
# ids cps-sim made, and the state file records each token once. Then a state file whose last
# line was cut in half by the kill: the line is ignored (and said), the token it held creates
# anew, the others replay their first ids; and a bad line elsewhere refuses to start.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET

# state_check STATE TOKENS INSTANCES: the file holds one order record per token, TOKENS
# tokens, INSTANCES ids in all, each id once.
state_check() {
    python3 - "$@" <<'PY'
import collections, json, sys
path, tokens, instances = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seen, ids, problems = collections.Counter(), [], []
lines = open(path).read().split("\n")
if lines[-1] != "":
    problems.append("the last line has no newline")
for r in map(json.loads, lines[1:-1]):
    if r["type"] == "order":
        seen[r["clientToken"]] += 1
        ids += r["ids"]
twice = [t for t, n in seen.items() if n != 1]
if twice:
    problems.append(f"tokens recorded more than once: {twice[:3]}")
if len(seen) != tokens:
    problems.append(f"{len(seen)} tokens recorded, want {tokens}")
if len(ids) != instances or len(set(ids)) != len(ids):
    problems.append(f"{len(ids)} ids recorded ({len(set(ids))} distinct), want {instances}")
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
PY
}

# ---- kill -9 mid-batch, restart on the same port ----
ROWS=300
JOB="$WORK/job.csv"
LEDGER="$WORK/job.ledger.jsonl"
STATE="$WORK/sim.state.jsonl"
make_job "$JOB" $ROWS
WANT=$(awk -F, 'NR > 1 { n += $NF } END { print n }' "$JOB")
start_sim --state "$STATE" --verify-signatures --reset-after 0.1 --seed 5
PORT=$(cat "$WORK/sim.port")
run_args=(run "$JOB" --endpoint "$SIM_URL" --rate 50 --concurrency 16 --max-attempts 100 --progress never)
spawn run_pid "$BUILD/cpsbatch" "${run_args[@]}" >"$WORK/run1.out" 2>&1
check "some rows created before the kill" wait_until 60 "100 instances" sim_count_ge instances 100
before=$(sim_count instances)
kill -KILL "$SIM_PID"
wait "$SIM_PID" 2>/dev/null || true
SIM_PID=""
echo "killed cps-sim after $before instances; the state file has $(wc -l <"$STATE") lines"
start_sim --listen "127.0.0.1:$PORT" --state "$STATE" --verify-signatures --seed 6
check_eq "restarted on the same port" "$SIM_URL" "http://127.0.0.1:$PORT"
check_num "every instance reported before the kill is back" "$(sim_count instances)" ">=" "$before"

# Let the run finish; rerun the same command (it resumes) while it ends incomplete.
reap "$run_pid" 180
for i in $(seq 5); do
    [ "$RC" = 0 ] && break
    rc timeout 120 "$BUILD/cpsbatch" "${run_args[@]}" >"$WORK/rerun.out" 2>&1
done
check_eq "the batch finished (exit status; $(tail -n 1 "$WORK/run1.out"))" "$RC" 0
check_grep "the kill mattered: the run met a refused connection" '"status":"connect"' "$LEDGER" -F
check "exactly once across the restart" exactly_once "$LEDGER" $ROWS
check_eq "instances: the sum of the counts" "$(sim_count instances)" "$WANT"
check "the state file: each token once" state_check "$STATE" $ROWS "$WANT"
check_eq "the state file is 0600" "$(stat -c %a "$STATE")" 600

# ---- the last line cut in half ----
stop_sim
JOB2="$WORK/given.csv"
STATE2="$WORK/given.state.jsonl"
make_job "$WORK/plain.csv" 20
awk -F, -v OFS=, 'NR == 1 { print $0, "clientToken"; next } { print $0, "given-" NR }' \
    "$WORK/plain.csv" >"$JOB2"
WANT2=$(awk -F, 'NR > 1 { n += $(NF - 1) } END { print n }' "$JOB2")
start_sim --state "$STATE2"
rc timeout 120 "$BUILD/cpsbatch" run "$JOB2" --endpoint "$SIM_URL" --ledger "$WORK/a.jsonl" \
    --rate 0 --progress never >"$WORK/a.out" 2>&1
check_eq "given tokens: first run" "$RC" 0
kill -KILL "$SIM_PID"
wait "$SIM_PID" 2>/dev/null || true
SIM_PID=""
lines=$(wc -l <"$STATE2")
cut_token=$(tail -n 1 "$STATE2" | python3 -c "import json,sys; print(json.load(sys.stdin)['clientToken'])")
cut_count=$(tail -n 1 "$STATE2" | python3 -c "import json,sys; print(len(json.load(sys.stdin)['ids']))")
python3 - "$STATE2" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
last = data.rstrip(b"\n").rsplit(b"\n", 1)[1]
open(sys.argv[1], "wb").write(data[: len(data) - len(last) - 1] + last[: len(last) // 2])
PY
start_sim --state "$STATE2"
check_grep "the cut line is said, by file and line" \
    "given.state.jsonl:$lines: the last line is cut short" "$WORK/sim.err" -F
check_eq "the cut line is cut off the file" "$(wc -l <"$STATE2")" $((lines - 1))
check_eq "the cut order's instances are gone" "$(sim_count instances)" $((WANT2 - cut_count))
# The same tokens again (a fresh ledger): the cut one creates anew, the others replay.
rc timeout 120 "$BUILD/cpsbatch" run "$JOB2" --endpoint "$SIM_URL" --ledger "$WORK/b.jsonl" \
    --rate 0 --progress never >"$WORK/b.out" 2>&1
check_eq "given tokens: second run" "$RC" 0
check_eq "replays" "$(sim_count replays)" 19
check_eq "creates" "$(sim_count creates)" 1
check "exactly once after the cut" exactly_once "$WORK/b.jsonl" 20
check "the replays gave the first run's ids" python3 - "$WORK/a.jsonl" "$WORK/b.jsonl" "$cut_token" <<'PY'
import json, sys
def done(path):
    return {r["token"]: r["instanceIds"] for r in map(json.loads, open(path)) if r["type"] == "done"}
a, b, cut = done(sys.argv[1]), done(sys.argv[2]), sys.argv[3]
bad = [t for t in a if t != cut and a[t] != b.get(t)]
if bad or cut not in b:
    print(f"  other ids for {bad[:3]}; the cut token {'done' if cut in b else 'not done'}")
sys.exit(1 if bad or cut not in b else 0)
PY
check "the state file: each token once" state_check "$STATE2" 20 "$WANT2"
# Restarted once more, it loads clean: nothing said, the same instances.
stop_sim
start_sim --state "$STATE2"
check_no_grep "a clean file: nothing said" "last line" "$WORK/sim.err"
check_eq "a clean file: the same instances" "$(sim_count instances)" "$WANT2"
stop_sim

# ---- a bad line before the last: refused, naming it ----
{
    head -n 1 "$STATE2"
    echo '{"type":"order","ids":'
    tail -n +2 "$STATE2"
} >"$WORK/bad.state.jsonl"
rc timeout 60 "$BUILD/cps-sim" --state "$WORK/bad.state.jsonl" --port-file "$WORK/bad.port" \
    >"$WORK/bad.out" 2>&1
check_eq "a bad line: exit status" "$RC" 2
check_grep "a bad line: named" "bad.state.jsonl:2: not a JSON object" "$WORK/bad.out" -F
check "a bad line: never listened" [ ! -e "$WORK/bad.port" ]
finish
