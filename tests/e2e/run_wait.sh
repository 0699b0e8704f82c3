#!/usr/bin/env bash
# Waiting (issue 13): 500 rows (750 instances), --create-seconds 2, a fifth ending in error, a
# server-side rate limit on every call: every instance ends running or error as cps-sim says;
# describe calls per sweep <= ceil(instances/100); one rate for the catalog, the creates and the
# describes; kill -9 while waiting (the server limit still on), then `cpsbatch wait` finishes
# without a create; --wait-timeout; status and export show states.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET

RATE=50 # 500 creates in 10 s; the server allows twice that
LIMIT=100
POLL=(--poll-initial 1s --poll-min 1s --poll-max 2s)
JOB="$WORK/job.csv"
LEDGER="$WORK/job.ledger.jsonl"
make_job "$JOB" 500 # 750 instances
start_sim --create-seconds 2 --p-error 0.2 --rate-limit $LIMIT --all-calls --seed 7

start_ms=$(now_ms)
rc timeout 240 "$BUILD/cpsbatch" run "$JOB" --endpoint "$SIM_URL" --rate $RATE --burst 1 --wait \
    "${POLL[@]}" --progress never --json >"$WORK/run.json" 2>"$WORK/run.err"
elapsed_s=$((($(now_ms) - start_ms + 999) / 1000))
check_eq "run --wait: exit 1 (some servers ended in error)" "$RC" 1
check "run --wait: exactly once" exactly_once "$LEDGER" 500
sim_stats >"$WORK/stats.json"
# cps-sim's own view of every instance, 100 a page.
for page in $(seq 1 8); do
    curl -sf -m 30 "$SIM_URL/v1/regions/cn-north-1/instances?pageSize=100&pageNumber=$page"
    echo
done >"$WORK/sim_instances.jsonl"
check "run --wait: every instance running or error, as cps-sim says" python3 - "$LEDGER" \
    "$WORK/sim_instances.jsonl" "$WORK/run.json" <<'PY'
import json, sys
ledger, pages, summary = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
sim = {}
for line in open(pages):
    if line.strip():
        for i in json.loads(line)["result"]["instances"]:
            sim[i["instanceId"]] = i
state, ids = {}, []
for r in map(json.loads, open(ledger)):
    if r["type"] == "done":
        ids += r["instanceIds"]
    if r["type"] == "state":
        state[r["instanceId"]] = r
assert len(ids) == 750 and len(sim) == 750, (len(ids), len(sim))
for i in ids:
    s = state[i]
    assert s["status"] in ("running", "error"), s
    assert s["status"] == sim[i]["status"], (s, sim[i]["status"])
    assert s["privateIp"] == sim[i]["privateIp"], s
    assert s.get("publicIp") == sim[i].get("publicIp"), s
errors = sum(1 for i in ids if state[i]["status"] == "error")
assert 0 < errors < 750, errors
w = summary["wait"]
assert w["instances"] == 750 and w["running"] == 750 - errors and w["error"] == errors, w
assert w["pending"] == 0 and summary["exit"] == 1, summary
PY
python3 - "$WORK/run.json" "$WORK/stats.json" >"$WORK/figures" <<'PY'
import json, sys
w, st = json.load(open(sys.argv[1]))["wait"], json.load(open(sys.argv[2]))
print(w["max_sweep_calls"], w["sweeps"], w["retries"], st["by_api"].get("describeInstances", 0),
      sum(st["by_api"].values()))
PY
read -r max_sweep sweeps retries describes calls <"$WORK/figures"
echo "run --wait: $calls API calls ($describes describes in $sweeps sweeps) in ${elapsed_s}s"
check_num "describe calls per sweep <= ceil(750/100)" "$max_sweep" "<=" 8
check_num "describe calls in all <= sweeps x 8 + retries" "$describes" "<=" $((sweeps * 8 + retries))
# One rate for every call: the catalog's, the creates and the describes take from one bucket,
# so together they never go past the rate over the run (a busy machine only makes the run
# longer, the bound looser) plus its one burst of 1.
check_num "API calls in all (catalog, creates, describes) <= rate x run time + 1 burst" \
    "$calls" "<=" $((RATE * elapsed_s + 1))

# status and export: per instance state and addresses.
rc "$BUILD/cpsbatch" status "$LEDGER" >"$WORK/status.out" 2>&1
check_grep "status: instances running and in error" "servers +[0-9]+ running, [0-9]+ error, 0 pending" "$WORK/status.out"
rc "$BUILD/cpsbatch" export "$LEDGER" -o "$WORK/out.csv" 2>/dev/null
check_eq "export: exit status" "$RC" 0
check "export: #state, #privateIps, #publicIps" python3 - "$WORK/out.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows) == 500
for r in rows:
    n = len(r["#instanceIds"].split(";"))
    states = r["#state"].split(";")
    assert len(states) == n and set(states) <= {"running", "error"}, r
    assert len(r["#privateIps"].split(";")) == n and r["#privateIps"].startswith("10."), r
    assert len(r["#publicIps"].split(";")) == n, r
PY

# kill -9 while waiting, then `cpsbatch wait` finishes and creates nothing.
JOB2="$WORK/job2.csv"
LEDGER2="$WORK/job2.ledger.jsonl"
make_job "$JOB2" 60
sim_reset
# The server limit stays on: the run's --rate is below it, so it spends no retry budget.
sim_faults '{"create_seconds":600}'
spawn PID "$BUILD/cpsbatch" run "$JOB2" --endpoint "$SIM_URL" --rate $RATE --wait \
    "${POLL[@]}" --progress never >"$WORK/run2.out" 2>&1
describes_ge() { [ "$(sim_stat "['by_api'].get('describeInstances', 0)")" -ge "$1" ]; }
wait_until 120 "60 creates" sim_count_ge creates 60
wait_until 120 "waiting under way" describes_ge 2
kill -9 "$PID"
reap "$PID" 30
check_eq "kill -9: 60 creates" "$(sim_count creates)" 60
create_calls=$(sim_stat "['by_api'].get('createInstances', 0)")
rc timeout 120 "$BUILD/cpsbatch" wait "$LEDGER2" --wait-timeout 2s "${POLL[@]}" \
    >"$WORK/wait1.out" 2>&1
check_eq "wait --wait-timeout: exit 3 (still pending)" "$RC" 3
check_grep "wait --wait-timeout: says how to go on" "cpsbatch wait LEDGER" "$WORK/wait1.out"
sim_faults '{"create_seconds":0}'
rc timeout 120 "$BUILD/cpsbatch" wait "$LEDGER2" "${POLL[@]}" --json >"$WORK/wait2.json" 2>&1
check_num "wait: exit 0 or 1 (running, or some in error)" "$RC" "<=" 1
check_eq "wait: no create" "$(sim_count creates)" 60
check_eq "wait: no createInstances call" "$(sim_stat "['by_api'].get('createInstances', 0)")" \
    "$create_calls"
check "wait: every instance final" python3 - "$LEDGER2" "$WORK/wait2.json" <<'PY'
import json, sys
state, ids = {}, []
for r in map(json.loads, open(sys.argv[1])):
    if r["type"] == "done":
        ids += r["instanceIds"]
    if r["type"] == "state":
        state[r["instanceId"]] = r["status"]
assert len(ids) == 90, len(ids)
assert all(state.get(i) in ("running", "error") for i in ids), [state.get(i) for i in ids][:5]
w = json.load(open(sys.argv[2]))
assert w["pending"] == 0 and w["instances"] == 90, w
PY
rc timeout 60 "$BUILD/cpsbatch" wait "$LEDGER2" "${POLL[@]}" >"$WORK/wait3.out" 2>&1
check_grep "wait again: all final from the ledger" "90 instances: [0-9]+ running, [0-9]+ error, 0 still pending; 0 describe calls" "$WORK/wait3.out"

# Done records that do not say their region (older ledgers): not waited for without --region,
# which is not "every server runs" (exit 3); with --region they are.
python3 - "$LEDGER2" "$WORK/noregion.ledger.jsonl" <<'PY'
import json, sys
with open(sys.argv[2], "w") as out:
    for r in map(json.loads, open(sys.argv[1])):
        if r["type"] == "state":
            continue
        r.pop("regionId", None)
        out.write(json.dumps(r, separators=(",", ":")) + "\n")
PY
chmod 600 "$WORK/noregion.ledger.jsonl"
rc timeout 60 "$BUILD/cpsbatch" wait "$WORK/noregion.ledger.jsonl" "${POLL[@]}" >"$WORK/nr.out" 2>&1
check_eq "wait, no region known: exit 3 (not waited for)" "$RC" 3
check_grep "wait, no region known: says to give --region" "90 instances not waited for.*give --region" "$WORK/nr.out"
rc timeout 60 "$BUILD/cpsbatch" wait "$WORK/noregion.ledger.jsonl" --region cn-north-1 \
    "${POLL[@]}" >"$WORK/nr2.out" 2>&1
check_num "wait --region: exit 0 or 1" "$RC" "<=" 1
check_grep "wait --region: all 90 waited for" "90 instances: [0-9]+ running, [0-9]+ error, 0 still pending" "$WORK/nr2.out"

# A ledger a run holds is not waited on (exit 75); a sandbox batch needs --endpoint (exit 2).
if command -v flock >/dev/null; then
    rc flock "$LEDGER2" timeout 60 "$BUILD/cpsbatch" wait "$LEDGER2" >"$WORK/locked.out" 2>&1
    check_eq "wait on a locked ledger: exit 75" "$RC" 75
fi
sed '1s/"endpoint":"[^"]*"/"endpoint":"sandbox"/' "$LEDGER2" >"$WORK/sandbox.ledger.jsonl"
chmod 600 "$WORK/sandbox.ledger.jsonl"
rc timeout 60 "$BUILD/cpsbatch" wait "$WORK/sandbox.ledger.jsonl" >"$WORK/sb.out" 2>&1
check_eq "wait on a sandbox batch: exit 2" "$RC" 2
check_grep "wait on a sandbox batch: says to give --endpoint" "give --endpoint" "$WORK/sb.out"

# status after an interrupted run: the rows never sent, by row number.
JOB3="$WORK/job3.csv"
LEDGER3="$WORK/job3.ledger.jsonl"
make_job "$JOB3" 100
sim_reset
sim_faults '{"create_seconds":0,"rate_limit":0}'
spawn PID "$BUILD/cpsbatch" run "$JOB3" --endpoint "$SIM_URL" --rate 10 --burst 1 \
    --progress never >"$WORK/run3.out" 2>&1
wait_until 60 "10 creates" sim_count_ge creates 10
kill -9 "$PID"
reap "$PID" 30
rc "$BUILD/cpsbatch" status "$LEDGER3" --json >"$WORK/status3.json" 2>&1
check_eq "status (interrupted): exit 0" "$RC" 0
check "status --json: the unsent rows are the rows without a record" python3 - "$LEDGER3" \
    "$WORK/status3.json" <<'PY'
import json, sys
sent = {r["row"] for r in map(json.loads, open(sys.argv[1])) if r["type"] == "intent"}
ns = json.load(open(sys.argv[2]))["not_sent"]
want = sorted(set(range(2, 102)) - sent)
assert ns["csv_rows"] == 100, ns
assert ns["rows"] == want and ns["count"] == len(want) and 0 < len(want) < 100, (ns, len(sent))
PY
rc "$BUILD/cpsbatch" status "$LEDGER3" >"$WORK/status3.out" 2>&1
check_grep "status: not sent, by row number" "^not sent +[0-9]+ of the CSV's 100 rows: rows [0-9]+, " "$WORK/status3.out"
echo "cn-north-1,cn-north-1a,cps.c.normal,standard,os-1,r1,r10,basic,extra,Test#Passw0rd,1" >>"$JOB3"
rc "$BUILD/cpsbatch" status "$LEDGER3" >"$WORK/status4.out" 2>&1
check_grep "status: a changed CSV is not counted against" "not sent +unknown: .*changed" "$WORK/status4.out"
rc "$BUILD/cpsbatch" status "$LEDGER3" --csv "$JOB3" --json >"$WORK/status5.json" 2>&1
check_eq "status --csv: counts against the CSV as it is" \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["not_sent"]["csv_rows"])' "$WORK/status5.json")" 101

finish
