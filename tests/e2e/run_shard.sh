#!/usr/bin/env bash
# `run --shard K/N`: three processes, one per share, run at once against one faulty cps-sim;
# each share has its own ledger; together they create every row exactly once. A share keeps
# its rows when the file is reordered (a rerun sends nothing), one share killed with SIGKILL
# finishes on resume without creating twice, and a run that would split the batch another way
# (without --shard, or into another number of shares) is refused before anything is sent.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
ROWS=300
JOB="$WORK/job.csv"
make_job "$JOB" $ROWS
start_sim --verify-signatures --p503 0.1 --reset-after 0.05 --latency-ms 20 --seed 5
args=(--endpoint "$SIM_URL" --rate 0 --concurrency 8 --max-attempts 30 --progress never)

# 1. Three shares at once; the second is killed early and resumed. Share 2 sends at 4/s, so
#    its 100 rows take 25 s at least: the kill, once it has a row done, lands before it could
#    finish however slow the machine (shares 1 and 3 run unlimited, as before).
pids=()
for k in 1 2 3; do
    rate=0
    [ "$k" = 2 ] && rate=4
    spawn pid "$BUILD/cpsbatch" run "$JOB" --shard $k/3 "${args[@]}" --rate $rate \
        >"$WORK/s$k.out" 2>&1
    pids+=("$pid")
done
check "share 2 has a row done" wait_until 60 "a done row in share 2's ledger" \
    grep -q '"type":"done"' "$WORK/job.shard-2-of-3.ledger.jsonl"
kill -KILL "${pids[1]}" 2>/dev/null || true
for k in 1 2 3; do
    reap "${pids[$((k - 1))]}" 120
    echo "$RC" >"$WORK/s$k.rc"
done
check_eq "share 2 was killed (exit status)" "$(cat "$WORK/s2.rc")" 137
check_eq "shares 1 and 3: exit statuses" "$(cat "$WORK/s1.rc") $(cat "$WORK/s3.rc")" "0 0"
rc timeout 120 "$BUILD/cpsbatch" run "$JOB" --shard 2/3 "${args[@]}" >"$WORK/s2b.out" 2>&1
check_eq "share 2 resumed: exit status ($(tail -2 "$WORK/s2b.out"))" "$RC" 0
check "share 2 resumed what the kill left (some rows already done)" \
    grep -qE "[1-9][0-9]* already done" "$WORK/s2b.out"
for k in 1 2 3; do
    check "share $k has its own ledger" [ -s "$WORK/job.shard-$k-of-3.ledger.jsonl" ]
done
check "no unsharded ledger" [ ! -e "$WORK/job.ledger.jsonl" ]
cat "$WORK"/job.shard-*-of-3.ledger.jsonl >"$WORK/all.ledger.jsonl"
check "three shares: every row created exactly once" exactly_once "$WORK/all.ledger.jsonl" $ROWS
check "each share holds a third or so of the rows" python3 - "$WORK" <<'PY'
import json, sys
for k in (1, 2, 3):
    tokens = {json.loads(l).get("token") for l in open(f"{sys.argv[1]}/job.shard-{k}-of-3.ledger.jsonl")}
    n = len(tokens - {None})
    if not 60 <= n <= 140:
        print(f"  share {k}: {n} rows"); sys.exit(1)
PY

# 2. Rows reordered (and the header kept): every share finds its rows done, nothing is sent.
{ head -1 "$JOB"; tail -n +2 "$JOB" | sort -r; } >"$WORK/shuffled.csv"
mv "$WORK/shuffled.csv" "$JOB"
before=$(sim_stat "['by_api'].get('createInstances', 0)")
for k in 1 2 3; do
    rc timeout 120 "$BUILD/cpsbatch" run "$JOB" --shard $k/3 "${args[@]}" >"$WORK/again$k.out" 2>&1
    check_eq "reordered, share $k: exit status" "$RC" 0
    check "reordered, share $k: exit 0, all already done (got $RC)" \
        grep -q "0 new, 0 in doubt" "$WORK/again$k.out"
done
check_eq "reordered: nothing sent" "$(sim_stat "['by_api'].get('createInstances', 0)")" "$before"

# 3. A dry run of a share shows that share's rows, with the tokens its ledger gave them.
for k in 1 2 3; do
    "$BUILD/cpsbatch" run "$JOB" --shard $k/3 --dry-run >"$WORK/dry$k.jsonl" 2>/dev/null
done
check "dry runs: the shares' rows, each once, with the ledgers' tokens" python3 - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
shown = [json.loads(l)["token"] for k in (1, 2, 3) for l in open(f"{w}/dry{k}.jsonl")]
ledger = {json.loads(l).get("token") for l in open(f"{w}/all.ledger.jsonl")} - {None}
sys.exit(not (len(shown) == len(set(shown)) == 300 and set(shown) == ledger))
PY

# 4. Another split of the same batch is refused, naming a ledger; nothing is sent.
refused() { # what, options...
    local what=$1
    shift
    rc timeout 120 "$BUILD/cpsbatch" run "$JOB" "$@" "${args[@]}" >"$WORK/refused.out" 2>&1
    check_eq "$what: exit status ($(head -c 300 "$WORK/refused.out"))" "$RC" 2
    check_grep "$what: names the ledger" "job.shard-.-of-3.ledger.jsonl" "$WORK/refused.out"
}
refused "without --shard"
refused "--shard 1/2" --shard 1/2
# A ledger given by name says which share it holds: another share's is refused.
rc timeout 120 "$BUILD/cpsbatch" run "$JOB" --shard 1/3 \
    --ledger "$WORK/job.shard-2-of-3.ledger.jsonl" "${args[@]}" >"$WORK/other.out" 2>&1
check_eq "another share's ledger by name: exit 2" "$RC" 2
check "another share's ledger by name: says which share it holds" \
    grep -q "holds share 2/3 of its batch: give --shard 2/3" "$WORK/other.out"

# 5. status and export, per share: the share in the header; export lists the share's rows.
check "status: shows the share" bash -c \
    "'$BUILD/cpsbatch' status '$WORK/job.shard-2-of-3.ledger.jsonl' | grep -q '^shard      2/3'"
for k in 1 2 3; do
    "$BUILD/cpsbatch" export "$WORK/job.shard-$k-of-3.ledger.jsonl" -o "$WORK/export$k.csv" \
        2>"$WORK/export$k.err"
done
check "export: each share's rows once, all done, with their ledgers' tokens" python3 - "$WORK" <<'PY'
import csv, json, sys
w = sys.argv[1]
names, ok = [], True
for k in (1, 2, 3):
    ledger = {json.loads(l).get("token") for l in open(f"{w}/job.shard-{k}-of-3.ledger.jsonl")} - {None}
    rows = list(csv.DictReader(open(f"{w}/export{k}.csv")))
    ok &= {r["clientToken"] for r in rows} == ledger and all(r["#status"] == "done" for r in rows)
    names += [r["name"] for r in rows]
sys.exit(not (ok and len(names) == len(set(names)) == 300))
PY
check_eq "refused: nothing sent" "$(sim_stat "['by_api'].get('createInstances', 0)")" "$before"
rc "$BUILD/cpsbatch" run "$JOB" --shard 4/3 >/dev/null 2>&1
check_eq "bad --shard: exit status" "$RC" 2
finish
