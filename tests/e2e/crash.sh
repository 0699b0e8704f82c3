#!/usr/bin/env bash
# Exactly-once under kill -9: a 2,000-row batch against a faulty cps-sim (resets after the
# create, 503s, latency) is killed with SIGKILL at random moments at least 20 times, then run
# to completion. cps-sim must have created every row's token exactly once, with as many
# distinct tokens as rows, and every done record must hold the ids cps-sim made for it.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
ROWS=2000
KILLS=20
JOB="$WORK/crash.csv"
LEDGER="$WORK/crash.ledger.jsonl"
make_job "$JOB" $ROWS
start_sim --verify-signatures --reset-after 0.2 --p503 0.2 --latency-ms 5 --seed 11
run_args=(run "$JOB" --endpoint "$SIM_URL" --rate 200 --burst 10 --concurrency 32 --max-attempts 50 --progress never)

# The kills land at random moments (a random 50..340 ms after each start: the moment is the
# point, not a synchronisation); the loop is bounded in count and in time.
kills=0 torn=0
RANDOM=42
end=$((SECONDS + 120))
for _ in $(seq $((KILLS * 2))); do
    [ $kills -ge $KILLS ] || [ $SECONDS -ge $end ] && break
    spawn pid "$BUILD/cpsbatch" "${run_args[@]}" >>"$WORK/runs.out" 2>&1
    sleep "0.$((RANDOM % 30 + 5))"
    if kill -KILL "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
    wait "$pid" 2>/dev/null || true
    [ -n "$(tail -c 1 "$LEDGER" 2>/dev/null)" ] && torn=$((torn + 1))
done
echo "killed $kills times; $torn kills left a torn last line"
check_num "killed at least $KILLS times" "$kills" ">=" "$KILLS"

# Run to completion: a bounded number of resumes (each may stop at its retry budget), within
# a bounded time.
end=$((SECONDS + 150))
for i in $(seq 10); do
    rc timeout 120 "$BUILD/cpsbatch" "${run_args[@]}" --rate 0 >"$WORK/final.out" 2>&1
    [ "$RC" = 0 ] || [ $SECONDS -ge $end ] && break
done
check_eq "final run: exit status after $i runs ($(tail -2 "$WORK/final.out"))" "$RC" 0
check "exactly once over $kills kills" exactly_once "$LEDGER" $ROWS
check "cps-sim replayed some tokens (the kills and resets mattered)" python3 -c "
import json, sys; sys.exit(json.load(sys.stdin)['replays'] == 0)" < <(sim_stats)
finish
