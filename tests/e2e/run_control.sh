#!/usr/bin/env bash
# `cpsbatch run` rate control and stopping rules against cps-sim: the arrival rate bound,
# Retry-After as a minimum wait, the retry budget, 401 stops the batch, permanent errors.
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
run() { # ledger-name, options... ; sets RC
    timeout 120 "$BUILD/cpsbatch" run "$JOB" --endpoint "$SIM_URL" --ledger "$WORK/$1.ledger.jsonl" \
        --progress never "${@:2}" >"$WORK/$1.out" 2>&1
    RC=$?
}

# Rate: 120 rows at 40/s, burst 5: no 1-s window over 40*1.05+5, and not much slower either.
JOB="$WORK/rate.csv"
make_job "$JOB" 120
start_sim --verify-signatures
start=$(date +%s.%N)
run rate --rate 40 --burst 5 --no-adapt
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
max1s=$(sim_stat "['arrivals_max_1s']")
check "rate: exit 0 (got $RC)" [ $RC = 0 ]
check "rate: at most 47 arrivals in any second (got $max1s)" [ "$max1s" -le 47 ]
check "rate: took >= 2.8 s (got $elapsed)" [ "$(echo "$elapsed >= 2.8" | bc)" = 1 ]
check "rate: took < 6 s (got $elapsed)" [ "$(echo "$elapsed < 6" | bc)" = 1 ]

# Adaptive rate: cps-sim takes 40/s and throttles the rest with 429 RATE_LIMIT. Asking for
# 100/s, the adaptive run slows down toward 40/s and finishes; with --no-adapt the 429s keep
# coming until the retry budget is spent (exit 3), with far more 429s drawn.
JOB="$WORK/adapt.csv"
make_job "$JOB" 400
throttled() { sim_stat "['by_status'].get('429', 0)"; }
start_sim --verify-signatures --rate-limit 40 --limit-status 429
run adapt-on --rate 100 --burst 10 --concurrency 16 --max-attempts 50
on=$(throttled)
check "adapt: adaptive run completes (exit $RC)" [ $RC = 0 ]
check "adapt: exactly once" exactly_once "$WORK/adapt-on.ledger.jsonl" 400
start_sim --verify-signatures --rate-limit 40 --limit-status 429
run adapt-off --rate 100 --burst 10 --concurrency 16 --max-attempts 50 --no-adapt
off=$(throttled)
check "adapt: --no-adapt runs out of retry budget (exit $RC)" [ $RC = 3 ]
check "adapt: under half the 429s of --no-adapt ($on vs $off)" [ $((on * 2)) -lt "$off" ]

# Retry-After: every 503 says "wait 1 s"; the runner never comes back sooner.
JOB="$WORK/ra.csv"
make_job "$JOB" 3
start_sim --verify-signatures --p503 1 --retry-after 1
start=$(date +%s.%N)
run retry-after --max-attempts 3 --rate 0
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
check "retry-after: exit 3 (got $RC)" [ $RC = 3 ]
check "retry-after: two waits of >= 1 s (took $elapsed)" [ "$(echo "$elapsed >= 2" | bc)" = 1 ]
check "retry-after: 9 requests" [ "$(sim_stat "['requests']")" = 9 ]
# Six retries were scheduled (the third attempt of each row gives up: wait 0), each >= 1 s.
check "retry-after: every wait_ms >= 1000" python3 -c "
import json, sys
waits = [r['wait_ms'] for r in map(json.loads, open(sys.argv[1])) if r['type'] == 'attempt' and r['wait_ms'] > 0]
sys.exit(len(waits) != 6 or min(waits) < 1000)" "$WORK/retry-after.ledger.jsonl"

# Retry budget: with every answer a 503 the budget (500, 5 per retry) allows ~100 retries in
# all, however many attempts each row may make; the rows stay in doubt (exit 3).
JOB="$WORK/budget.csv"
make_job "$JOB" 300
start_sim --verify-signatures --p503 1
run budget --max-attempts 50 --rate 0 --concurrency 64 --no-adapt
requests=$(sim_stat "['requests']")
check "budget: exit 3 (got $RC)" [ $RC = 3 ]
check "budget: at most 300 + 100 requests (got $requests)" [ "$requests" -le 400 ]
check "budget: no row failed or done" python3 -c "
import json, sys
sys.exit(any(r['type'] in ('done', 'failed') for r in map(json.loads, open(sys.argv[1]))))" "$WORK/budget.ledger.jsonl"

# 401: wrong keys stop the batch at once instead of failing every row.
JOB="$WORK/auth.csv"
make_job "$JOB" 200
start_sim --verify-signatures
JDCLOUD_SECRET_KEY=wrong run auth --rate 0 --concurrency 4
requests=$(sim_stat "['requests']")
check "401: exit 3 (got $RC)" [ $RC = 3 ]
check "401: stopped early (got $requests requests)" [ "$requests" -le 8 ]
check "401: said why" grep -q "401 UNAUTHENTICATED" "$WORK/auth.out"
check "401: no row failed" bash -c "! grep -q '\"type\":\"failed\"' '$WORK/auth.ledger.jsonl'"
# ... and the same command with the right keys finishes the batch.
run auth --rate 0 --concurrency 4
check "401 then right keys: exit 0 (got $RC)" [ $RC = 0 ]

# Permanent: a region cps-sim does not have is 404 for that row; the others are done: exit 1.
JOB="$WORK/perm.csv"
make_job "$JOB" 5
sed -i '3s/^cn-north-1,/cn-west-9,/' "$JOB"
start_sim --verify-signatures
run perm --rate 0
check "permanent: exit 1 (got $RC)" [ $RC = 1 ]
check "permanent: one failed record" [ "$(grep -c '"type":"failed"' "$WORK/perm.ledger.jsonl")" = 1 ]
check "permanent: four done" [ "$(grep -c '"type":"done"' "$WORK/perm.ledger.jsonl")" = 4 ]
check "permanent: 404 recorded" grep -q '"type":"failed".*"http":404' "$WORK/perm.ledger.jsonl"
# Quota: 429 QUOTA_EXCEEDED is permanent too.
start_sim --verify-signatures --quota 3
run quota --rate 0 --concurrency 1
check "quota: exit 1 (got $RC)" [ $RC = 1 ]
check "quota: QUOTA_EXCEEDED recorded" grep -q '"status":"QUOTA_EXCEEDED"' "$WORK/quota.ledger.jsonl"
finish
