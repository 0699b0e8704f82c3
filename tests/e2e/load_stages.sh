#!/usr/bin/env bash
# `cpsbatch load --stages`: a ramp up, a plateau and a ramp down against cps-sim send the
# integral of the rate, every second of the report carries its target beside what was sent
# (text, JSON, HTML), and a bad schedule is refused before anything is sent. (The per-second
# accuracy to 1% is checked on a hand-stepped clock in tests/unit/test_stages.c; bench/ramp.sh
# measures it on the wire.)
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
JOB="$WORK/job.csv"
make_job "$JOB" 10
STAGES=1s:0-400,1s:400,1s:400-0 # 200 + 400 + 200 requests

load() { # NAME FORMAT OPTIONS...: the report in $WORK/NAME.FORMAT; sets RC
    local name=$1 format=$2
    shift 2
    rc timeout 120 "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --progress never \
        --report "$format" -o "$WORK/$name.$format" "$@" 2>"$WORK/$name.err"
}
# py EXPR: EXPR evaluated with r = the JSON report, s = cps-sim's stats.
py() {
    curl -sf -m 30 "$SIM_URL/__sim/stats?tokens=0" >"$WORK/stats.json"
    python3 - "$WORK/ramp.json" "$WORK/stats.json" "$1" <<'PY'
import json, sys
r, s = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
v = eval(sys.argv[3])
print(v if not isinstance(v, bool) else int(v))
PY
}

start_sim --verify-signatures
load ramp json --stages "$STAGES" --concurrency 64
check_eq "ramp: exit status ($(cat "$WORK/ramp.err"))" "$RC" 0
check_eq "ramp: 800 sent, answered and created" \
    "$(py "(r['sent'], r['ok'], s['creates'])")" "(800, 800, 800)"
check_eq "ramp: the stages in the report" "$(py "r['stages']")" "$STAGES"
check_eq "ramp: target_rate is their mean" "$(py "round(r['target_rate'], 3)")" "266.667"
check_eq "ramp: the targets of the three seconds" \
    "$(py "[round(e['target'], 6) for e in r['timeline'][:3]]")" "[200.0, 400.0, 200.0]"
check_eq "ramp: targets add up to the schedule" \
    "$(py "round(sum(e['target'] for e in r['timeline']), 6)")" "800.0"
check_eq "ramp: the timeline counts every send" "$(py "sum(e['sent'] for e in r['timeline'])")" 800
# Never ahead of the schedule: by the end of second k at most the integral up to it was sent.
check_eq "ramp: never ahead of the schedule" \
    "$(py "all(sum(e['sent'] for e in r['timeline'][:k + 1]) <= [200, 600, 800][min(k, 2)] for k in range(len(r['timeline'])))")" 1

load ramp-text text --stages "$STAGES"
check_eq "text: exit 0" "$RC" 0
check_grep "text: the stages in the header" "stages $STAGES (266.7 req/s on average)" \
    "$WORK/ramp-text.text" -F
check_grep "text: sent against target per second" \
    "^Per second +sent vs target in 3 full seconds: [0-3] within 1% \(\+1\)" "$WORK/ramp-text.text"
load ramp-html html --stages "$STAGES"
check_eq "html: exit 0" "$RC" 0
check_grep "html: a target line in the throughput chart" "target (schedule)" "$WORK/ramp-html.html" -F
check_grep "html: the stages in the summary" "Stages $STAGES" "$WORK/ramp-html.html" -F
check_grep "html: the wire counts" "On the wire: 800 attempts (0 re-sends by libcurl)" "$WORK/ramp-html.html" -F

# A fixed rate has a target too: the rate (the JSON's timeline), none in a closed loop.
load fixed json --rate 300 --duration 2s
check_eq "fixed: targets" "$(python3 -c "import json; print([e['target'] for e in json.load(open('$WORK/fixed.json'))['timeline'][:2]])")" \
    "[300.0, 300.0]"
load closed json --max --requests 100
check_eq "closed loop: no target" "$(python3 -c "import json; print(json.load(open('$WORK/closed.json'))['timeline'][0]['target'])")" None

# Refused before anything is sent, with what is wrong.
start_sim
bad() { # NAME WANT OPTIONS...: exit 2, stderr holds WANT, nothing sent
    local name=$1 want=$2
    shift 2
    rc timeout 60 "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --progress never "$@" \
        >/dev/null 2>"$WORK/$name.err"
    check_eq "$name: exit 2" "$RC" 2
    check_grep "$name: says why" "$want" "$WORK/$name.err" -F
}
bad syntax "--stages: stage 2 '2m:fast': the rate 'fast' is not a number" --stages 10s:0-5,2m:fast
bad both "give either --stages or --rate N or --max" --stages 10s:5 --rate 5
bad length "--stages sets the test's length" --stages 10s:5 --duration 10s
bad zero "the stages schedule no request" --stages 10s:0,5s:0-0.1
bad warmup "is not shorter than the stages (10" --stages 10s:5 --warmup 10s
check_eq "refused: nothing sent" "$(sim_count requests)" 0
finish
