#!/usr/bin/env bash
# `cpsbatch run` against cps-sim with each fault knob: every row ends done and cps-sim created
# every token exactly once; signatures verified throughout.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
ROWS=200
make_job "$WORK/job.csv" $ROWS

run_with() { # name, cps-sim options...
    local name=$1
    shift
    start_sim --verify-signatures --seed 7 "$@"
    local ledger="$WORK/$name.ledger.jsonl"
    rc timeout 120 "$BUILD/cpsbatch" run "$WORK/job.csv" --endpoint "$SIM_URL" --ledger "$ledger" \
        --rate 0 --concurrency 32 --max-attempts 30 --progress never >"$WORK/$name.out" 2>&1
    check_eq "$name: exit status ($(tail -3 "$WORK/$name.out"))" "$RC" 0
    check "$name: exactly once" exactly_once "$ledger" $ROWS
    check_eq "$name: no 401" "$(sim_stat "['by_status'].get('401', 0)")" 0
}

run_with clean
run_with p503 --p503 0.3
run_with p429 --p429 0.3
run_with p500 --p500 0.3
run_with reset-before --reset-before 0.2
run_with reset-after --reset-after 0.2
run_with latency --latency-ms 20 --jitter-ms 10
run_with mixed --p503 0.1 --p500 0.1 --reset-after 0.1 --reset-before 0.1 --latency-ms 2

# The faults were really there: the p503 run saw 503s and retried with the same tokens.
check_grep "p503 ledger has 503 attempts" '"type":"attempt".*"http":503' "$WORK/p503.ledger.jsonl"
check_grep "reset-after ledger has reset attempts" '"type":"attempt".*"http":0' "$WORK/reset-after.ledger.jsonl"
finish
