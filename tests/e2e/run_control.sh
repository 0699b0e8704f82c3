#!/usr/bin/env bash
# `cpsbatch run` rate control and stopping rules against cps-sim: the arrival rate bound,
# Retry-After as a minimum wait, the retry budget, 401 stops the batch, permanent errors.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
run() { # ledger-name, options... ; sets RC
    rc timeout 120 "$BUILD/cpsbatch" run "$JOB" --endpoint "$SIM_URL" \
        --ledger "$WORK/$1.ledger.jsonl" --progress never "${@:2}" >"$WORK/$1.out" 2>&1
}

# Rate: 120 rows at 40/s, burst 5. A token bucket lets at most burst + rate * w requests go
# in any w seconds, however late the sender runs, so the bound is checked where the requests
# leave: the intent records, stamped (in ms) as each row is sent for the first time. (cps-sim's
# own arrival count is no judge on a busy machine: a stalled server reads a backlog at once.)
# The same bucket makes the batch take at least (120 - 5) / 40 s; the upper bound, 30 s, is
# ten times the schedule: a limiter off by a unit, not a slow machine. (Exact pacing: the
# unit tests of the rate limiter, on a hand-stepped clock.)
JOB="$WORK/rate.csv"
make_job "$JOB" 120
start_sim --verify-signatures
start=$(now_ms)
run rate --rate 40 --burst 5 --no-adapt
elapsed=$(($(now_ms) - start))
check_eq "rate: exit status" "$RC" 0
check_eq "rate: 120 requests" "$(sim_count createInstances)" 120
window=$(python3 - "$WORK/rate.ledger.jsonl" <<'PY'
import datetime, json, sys
t = sorted(datetime.datetime.fromisoformat(r["t"].replace("Z", "+00:00")).timestamp()
           for r in map(json.loads, open(sys.argv[1])) if r["type"] == "intent")
# The most intents within any 1 s (stamps are whole ms: a window of 1.001 s, one more at most).
most = max(sum(1 for u in t[i:] if u - s <= 1.0005) for i, s in enumerate(t))
print(most, round(t[-1] - t[0], 3))
PY
)
check_num "rate: at most 5 + 40 + 2 sent in any second (intents)" "${window% *}" "<=" 47
check_num "rate: the first and last sends at least 115/40 s apart (s)" "${window#* }" ">=" 2.85
check_num "rate: took at least 2.8 s (ms)" "$elapsed" ">=" 2800
check_num "rate: took under 30 s (ms)" "$elapsed" "<" 30000

# Adaptive rate: cps-sim takes 40/s and throttles the rest with 429 RATE_LIMIT. Asking for
# 100/s, the adaptive run slows down toward 40/s and finishes; with --no-adapt the 429s keep
# coming until the retry budget is spent (exit 3), with far more 429s drawn.
JOB="$WORK/adapt.csv"
make_job "$JOB" 400
throttled() { sim_stat "['by_status'].get('429', 0)"; }
start_sim --verify-signatures --rate-limit 40 --limit-status 429
run adapt-on --rate 100 --burst 10 --concurrency 16 --max-attempts 50
on=$(throttled)
check_eq "adapt: adaptive run completes" "$RC" 0
check "adapt: exactly once" exactly_once "$WORK/adapt-on.ledger.jsonl" 400
start_sim --verify-signatures --rate-limit 40 --limit-status 429
run adapt-off --rate 100 --burst 10 --concurrency 16 --max-attempts 50 --no-adapt
off=$(throttled)
check_eq "adapt: --no-adapt runs out of retry budget" "$RC" 3
check_num "adapt: twice the adaptive run's 429s under --no-adapt's ($off)" $((on * 2)) "<" "$off"

# Retry-After: every 503 says "wait 1 s"; the runner never comes back sooner.
JOB="$WORK/ra.csv"
make_job "$JOB" 3
start_sim --verify-signatures --p503 1 --retry-after 1
start=$(now_ms)
run retry-after --max-attempts 3 --rate 0
elapsed=$(($(now_ms) - start))
check_eq "retry-after: exit 3" "$RC" 3
check_num "retry-after: two waits of >= 1 s (ms)" "$elapsed" ">=" 2000
check_eq "retry-after: 9 requests" "$(sim_stat "['by_api'].get('createInstances', 0)")" 9
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
requests=$(sim_stat "['by_api'].get('createInstances', 0)")
check_eq "budget: exit 3" "$RC" 3
check_num "budget: at most 300 + 100 requests (got $requests)" "$requests" "<=" 400
check "budget: no row failed or done" python3 -c "
import json, sys
sys.exit(any(r['type'] in ('done', 'failed') for r in map(json.loads, open(sys.argv[1]))))" "$WORK/budget.ledger.jsonl"

# 401: wrong keys stop the batch at once instead of failing every row. (Without the
# pre-flight, whose own 401 stops the run before any create: preflight.sh.)
JOB="$WORK/auth.csv"
make_job "$JOB" 200
start_sim --verify-signatures
JDCLOUD_SECRET_KEY=wrong run auth --rate 0 --concurrency 4 --no-preflight
requests=$(sim_stat "['by_api'].get('createInstances', 0)")
check_eq "401: exit 3" "$RC" 3
check_num "401: stopped early (got $requests requests)" "$requests" "<=" 8
check_grep "401: said why" "401 UNAUTHENTICATED" "$WORK/auth.out"
check_no_grep "401: no row failed" "\"type\":\"failed\"" "$WORK/auth.ledger.jsonl"
# ... and the same command with the right keys finishes the batch.
run auth --rate 0 --concurrency 4
check_eq "401 then right keys: exit 0" "$RC" 0

# Permanent: a region cps-sim does not have is 404 for that row; the others are done: exit 1.
# (The pre-flight would refuse the row before sending anything: preflight.sh.)
JOB="$WORK/perm.csv"
make_job "$JOB" 5
sed -i '3s/^cn-north-1,/cn-west-9,/' "$JOB"
start_sim --verify-signatures
run perm --rate 0 --no-preflight
check_eq "permanent: exit 1" "$RC" 1
check_eq "permanent: one failed record" "$(grep -c '"type":"failed"' "$WORK/perm.ledger.jsonl")" 1
check_eq "permanent: four done" "$(grep -c '"type":"done"' "$WORK/perm.ledger.jsonl")" 4
check_grep "permanent: 404 recorded" '"type":"failed".*"http":404' "$WORK/perm.ledger.jsonl"
# Quota: 429 QUOTA_EXCEEDED is permanent too.
start_sim --verify-signatures --quota 3
run quota --rate 0 --concurrency 1 --no-preflight # the same job, its cn-west-9 row too
check_eq "quota: exit 1" "$RC" 1
check_grep "quota: QUOTA_EXCEEDED recorded" '"status":"QUOTA_EXCEEDED"' "$WORK/quota.ledger.jsonl"

# A hostile Retry-After (a day, the most cps-sim sends; test_engine has years and a date in
# 2100) is not waited for: every row is left in doubt at once with the reason in its attempt
# record and in the summary; exit 3. A run that waited would time out (timeout 120 in run()).
JOB="$WORK/hostile.csv"
make_job "$JOB" 5
start_sim --verify-signatures --p503 1 --retry-after 86400
run hostile --rate 0
check_eq "hostile Retry-After: exit 3 (in doubt), not a wait" "$RC" 3
check_eq "hostile Retry-After: five requests, none retried" "$(sim_count createInstances)" 5
check_grep "hostile Retry-After: said in the summary" "longer than --max-retry-wait" \
    "$WORK/hostile.out"
check_eq "hostile Retry-After: the reason in each row's attempt record" \
    "$(grep -c 'asked to wait 86400 s (Retry-After), more than --max-retry-wait (300 s)' \
        "$WORK/hostile.ledger.jsonl")" 5
# ... and a smaller cap given with --max-retry-wait holds a shorter one as well.
start_sim --verify-signatures --p503 1 --retry-after 30
run hostile2 --rate 0 --max-retry-wait 10s
check_eq "--max-retry-wait 10s: Retry-After 30 not waited for" "$RC" 3
check_grep "--max-retry-wait 10s: the reason" "more than --max-retry-wait (10 s)" \
    "$WORK/hostile2.ledger.jsonl" -F
finish
