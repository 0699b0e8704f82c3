#!/usr/bin/env bash
# `cpsbatch load` against cps-sim on loopback: the arrival rate is kept, lateness shows in the
# corrected latency, statuses and errors are counted as cps-sim answered them, thresholds
# decide the exit status, and nothing is sent for an invalid job or a refused endpoint.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
JOB="$WORK/job.csv"
make_job "$JOB" 20

load() { # name, options... ; the JSON report in $WORK/NAME.json, stderr in NAME.err; sets RC
    local name=$1
    shift
    rc timeout 120 "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --progress never \
        --report json -o "$WORK/$name.json" "$@" 2>"$WORK/$name.err"
}
# py NAME EXPR: EXPR evaluated with r = the JSON report NAME, s = cps-sim's stats.
py() {
    curl -sf -m 30 "$SIM_URL/__sim/stats?tokens=0" >"$WORK/stats.json"
    python3 - "${1:+$WORK/$1.json}" "$WORK/stats.json" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])) if sys.argv[1] else None
s = json.load(open(sys.argv[2]))
v = eval(sys.argv[3])
print(v if not isinstance(v, bool) else int(v))
PY
}
ok() { # NAME EXPR [SHOW]: EXPR holds; else say so, showing SHOW (default: the report)
    [ "$(py "$1" "$2")" = 1 ] && return 0
    echo "  $1: $2 is false: $(py "$1" "${3:-r}" | cut -c1-600)"
    return 1
}

# 1. 2,000/s for 3 s: every request of the schedule goes out once and is answered once, none
#    before it is due, and lateness shows in the corrected latency. How many sends are late
#    (past 1 ms) depends on the machine: an idle one has a handful, one running `ctest -j2`
#    twice over has thousands. That count is measured here, not bounded: what holds on any
#    machine is that a late send is timed from when it was due, so the corrected latency has
#    at least as many answers over 1 ms as there were late sends. (The scheduler's timing to
#    the microsecond is checked by unit tests with a hand-stepped clock.)
start_sim --verify-signatures
load rate --rate 2000 --duration 3s --concurrency 64
echo "  rate: late sends $(py rate "r['late_sends']"), achieved $(py rate "r['achieved_rate']")/s;" \
    "load average $(cut -d' ' -f1 /proc/loadavg)"
check_eq "rate: exit status ($(cat "$WORK/rate.err"))" "$RC" 0
check "rate: 6000 requests" ok rate "r['requests'] == 6000 and r['sent'] == 6000"
check "rate: all 200, every token created once" ok rate \
    "r['status'] == {'200': 6000} and s['creates'] == 6000 and s['replays'] == 0" \
    "(r['status'], s['creates'])"
check "rate: the timeline counts every send" ok rate \
    "sum(e['sent'] for e in r['timeline']) == 6000" "r['timeline']"
check "rate: never ahead of the schedule (at most 2000 sent by the end of each second)" ok rate \
    "all(sum(e['sent'] for e in r['timeline'][:k + 1]) <= 2000 * (k + 1) for k in range(len(r['timeline'])))" \
    "r['timeline']"
check "rate: the run lasts the schedule's 3 s at least" ok rate "r['duration_s'] >= 2.999" \
    "r['duration_s']"
check "rate: late sends counted among the sends" ok rate "0 <= r['late_sends'] <= 6000" \
    "r['late_sends']"
LATE_SHOWS="(all(r['latency_ms'][p] >= 0.99 for p, share in
                 (('p50', .5), ('p90', .1), ('p99', .01), ('p999', .001), ('p9999', .0001))
                 if r['late_sends'] > share * r['requests'])
             and (r['late_sends'] == 0 or r['latency_ms']['max'] >= 0.99))"
check "rate: late sends show in the corrected latency" ok rate "$LATE_SHOWS" \
    "(r['late_sends'], r['latency_ms'])"
SERVICE_BELOW="all(r['service_time_ms'][p] <= r['latency_ms'][p] for p in r['latency_ms'])"
check "rate: service time never above the corrected latency" ok rate "$SERVICE_BELOW" \
    "(r['service_time_ms'], r['latency_ms'])"

# 2. 50 ms answers, 8 slots, 400/s due: the cap holds requests back; the corrected latency
#    shows the wait, the service time does not.
start_sim --latency-ms 50
load capped --rate 400 --duration 2s --concurrency 8
check_eq "capped: exit 0" "$RC" 0
check "capped: all 800 sent" ok capped "r['requests'] == 800"
# cps-sim holds every answer 50 ms, so no service time is shorter; a busy machine only makes
# it longer, and the wait for a slot longer still (800 requests through 8 slots take 5 s).
check "capped: service p99 at least cps-sim's 50 ms" ok capped \
    "r['service_time_ms']['p99'] >= 49.9" "r['service_time_ms']"
check "capped: corrected p99 far above service p99" ok capped \
    "r['latency_ms']['p99'] > 5 * r['service_time_ms']['p99']" \
    "(r['latency_ms'], r['service_time_ms'])"
check "capped: late sends counted" ok capped "r['late_sends'] > 400" "r['late_sends']"
# 8 slots of at least 50 ms each carry at most 160 requests a second, however slow the machine.
check "capped: at most 8 in flight (achieved < 170/s)" ok capped "r['achieved_rate'] < 170" \
    "r['achieved_rate']"

# 3. Faults: statuses as cps-sim answered them, resets counted as errors.
start_sim --verify-signatures --p503 0.2 --reset-before 0.05 --seed 7
load faults --rate 1000 --requests 1000 --threshold 'errors<1%' --threshold 'p99<30s'
check_eq "faults: errors<1% fails: exit 4" "$RC" 4
check "faults: the failed threshold is named" \
    grep -q "threshold errors<1%: FAILED" "$WORK/faults.err"
check "faults: the one that held says ok" grep -q "threshold p99<30s: ok" "$WORK/faults.err"
check "faults: 1000 requests, ok + failed" ok faults \
    "r['requests'] == 1000 and r['ok'] + r['failed'] == 1000" "r"
check "faults: 503 count is cps-sim's" ok faults \
    "r['status'].get('503') == s['by_status'].get('503') and 120 <= r['status']['503'] <= 300" \
    "(r['status'], s['by_status'])"
check "faults: 5xx errors are the 503s" ok faults \
    "r['errors']['5xx'] == r['status']['503']" "r['errors']"
check "faults: resets counted" ok faults \
    "r['errors']['reset'] >= 1" "(r['errors'], s['resets_before'])"
check "faults: every request accounted for" ok faults \
    "sum(r['status'].values()) + r['errors']['reset'] + r['errors']['other'] == 1000" "r"
check "faults: threshold results in the report" ok faults \
    "[t['ok'] for t in r['thresholds']] == [False, True]" "r['thresholds']"
load faults-pass --rate 1000 --requests 500 --threshold 'errors<50%' --threshold 'p99<30s'
check_eq "faults: thresholds that hold: exit 0" "$RC" 0
start_sim
load strict --rate 500 --requests 200 --threshold 'max<1us'
check_eq "latency threshold fails: exit 4" "$RC" 4
check "latency threshold named" grep -q "threshold max<1us: FAILED" "$WORK/strict.err"
load slowrate --rate 500 --requests 200 --threshold 'rate>=1000'
check_eq "rate threshold fails: exit 4" "$RC" 4

# 4. Tokens: fresh creates every time; replay re-sends each row's own token.
start_sim
load replay --rate 1000 --requests 300 --tokens replay
check_eq "replay: exit 0" "$RC" 0
check "replay: 20 created, 280 replayed" ok replay "s['creates'] == 20 and s['replays'] == 280" "s"

# 5. Closed loop and warmup.
start_sim
load max --max --requests 2000 --concurrency 8
check_eq "max: exit 0" "$RC" 0
check "max: 2000 ok, nothing late" ok max \
    "r['ok'] == 2000 and r['late_sends'] == 0 and r['target_rate'] is None" "r"
# Above 25,000/s the transport's threads send (below, the scheduler's thread does): every
# request still goes out once and is answered once.
start_sim
load fast --rate 40000 --requests 4000 --concurrency 64
check_eq "fast: exit 0" "$RC" 0
check "fast: 4000 sent, answered and created once" ok fast \
    "r['sent'] == 4000 and r['ok'] == 4000 and s['creates'] == 4000" "(r, s)"
start_sim
load warmup --rate 200 --warmup 1s --duration 1s
check_eq "warmup: exit 0" "$RC" 0
check "warmup: 200 measured of 400 sent" ok warmup \
    "r['requests'] == 200 and s['requests'] == 400" "(r['requests'], s['requests'])"
check "warmup: no temporary file left" [ -z "$(ls "$WORK" | grep '\.tmp\.')" ]

# 6. The text report on stdout, and the credential-less loopback case.
start_sim
rc env -u JDCLOUD_ACCESS_KEY -u JDCLOUD_SECRET_KEY HOME="$WORK" timeout 120 "$BUILD/cpsbatch" \
    load "$JOB" --endpoint "$SIM_URL" --rate 500 --requests 100 --progress never \
    >"$WORK/text.out" 2>"$WORK/text.err"
check_eq "text: exit status without credentials on loopback" "$RC" 0
check_grep "text: counts" "100 sent, 100 finished" "$WORK/text.out"
check_grep "text: both latencies" "corrected" "$WORK/text.out"
check_grep "text: status line" "200: 100" "$WORK/text.out"

# 7. Ctrl-C: sending stops, the report covers what was sent, exit 3. The signal goes once
#    cps-sim has seen 50 requests (not after a fixed sleep): however slow the machine, that
#    many were sent, and the 20-s schedule (2000 requests) was cut short.
start_sim --latency-ms 100
spawn LOAD_PID "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --rate 100 --duration 20s \
    --progress never --report json -o "$WORK/int.json" 2>"$WORK/int.err"
check "interrupted: 50 requests reached cps-sim" \
    wait_until 60 "50 requests at cps-sim" sim_count_ge requests 50
kill -INT "$LOAD_PID"
reap "$LOAD_PID" 60
check_eq "interrupted: exit status" "$RC" 3
check_grep "interrupted: said it is stopping" "stopping: letting requests in flight finish" \
    "$WORK/int.err"
check "interrupted: report says so, every sent request counted, the schedule cut short" ok int \
    "r['interrupted'] and 50 <= r['sent'] < 2000 and r['requests'] == r['sent']" "r"
check "interrupted: cps-sim saw every request the report counts" ok int \
    "s['requests'] == r['sent']" "(r['sent'], s['requests'])"

# A second Ctrl-C does not wait out the 2-s drain: the requests in flight (answers take 60 s)
# are cut off at once and counted as aborted (the schedule's thread sends at 100/s, so this is
# the inline path). The second signal goes once cpsbatch said it is stopping (the first was
# handled). Whether the second cut the drain short is read from the report, in cpsbatch's own
# clock: with slots for the whole schedule, sending went on until the first signal, which came
# no sooner than the last send was due ((sent - 1) / 100 s), and the drain would have ended
# 2 s after it; the report's duration runs to the aborted answers. Measured from outside, the
# run only has to end before the answers would have come (60 s), which a busy machine cannot
# make late.
start_sim --latency-ms 60000
spawn LOAD_PID "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --rate 100 --duration 20s \
    --concurrency 2000 --progress never --report json -o "$WORK/int2.json" 2>"$WORK/int2.err"
check "second Ctrl-C: 50 requests reached cps-sim" \
    wait_until 60 "50 requests at cps-sim" sim_count_ge requests 50
interrupt_twice "second Ctrl-C" "$LOAD_PID" "$WORK/int2.err"
check_eq "second Ctrl-C: exit status" "$RC" 3
check "second Ctrl-C: aborted before the drain would have ended" ok int2 \
    "r['duration_s'] < (r['sent'] - 1) / 100 + 2" "(r['duration_s'], r['sent'])"
check_num "second Ctrl-C: out before any answer could come (ms after the first signal)" \
    "$ELAPSED_MS" "<" 60000
check "second Ctrl-C: what was in flight is counted aborted" ok int2 \
    "r['interrupted'] and r['sent'] >= 50 and r['errors']['aborted'] == r['sent']" "r"

# The live line: once a second on a terminal (a real pty through script(1)), or always when
# asked: elapsed, sent, rate, in flight, p99 so far, errors; never when stderr is no terminal.
# A 3-s schedule lasts 3 s at least, so it draws at least two lines; what they show must agree
# with the schedule (never more sent than due by the time shown) and with cps-sim's 503s.
start_sim --p503 0.3 --seed 3
LIVE='[0-9]+s  sent [0-9]+  [0-9]+/s  in flight [0-9]+  p99 [0-9.]+[mu]?s  errors [0-9]+ \([0-9.]+%\)'
rc timeout 120 "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --rate 200 --duration 3s \
    --progress always -o "$WORK/live.txt" 2>"$WORK/live.err"
check_eq "live line: exit status" "$RC" 0
lines=$(tr '\r' '\n' <"$WORK/live.err" | grep -cE "$LIVE" || true)
check_num "live line: updates in a 3-s run" "$lines" ">=" 2
check "live line: counts sends and errors as they come" python3 - "$WORK/live.err" <<'PY'
import re, sys
lines = re.findall(r"(\d+)s  sent (\d+)  (\d+)/s  in flight \d+  p99 \S+  errors (\d+)",
                   open(sys.argv[1], errors="replace").read())
last = [int(x) for x in lines[-1]] if lines else [0, 0, 0, 0]
elapsed, sent, rate, errors = last
ok = 0 < sent <= 200 * (elapsed + 1) and rate > 0 and 0 < errors <= sent
print("" if ok else f"  last live line: {elapsed}s sent {sent} {rate}/s errors {errors}")
sys.exit(0 if ok else 1)
PY
check_grep "live line: cleared before the report" $'\r\033\\[K' "$WORK/live.err"
rc timeout 120 script -qec "$(printf '%q ' "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" \
    --rate 100 --duration 2s -o "$WORK/pty.txt")" /dev/null >"$WORK/pty.out" 2>&1
check_grep "live line on a terminal by default" "$LIVE" "$WORK/pty.out"
rc timeout 120 "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --rate 100 --duration 2s \
    -o "$WORK/nolive.txt" 2>"$WORK/nolive.err"
check_no_grep "no live line without a terminal" "in flight" "$WORK/nolive.err"

# 8. Refusals: nothing is sent.
start_sim
refused() { # expected-status, what, options...
    local want=$1 what=$2
    shift 2
    rc timeout 60 "$BUILD/cpsbatch" load "$@" --progress never >"$WORK/refused.out" 2>&1
    check_eq "$what: exit status ($(head -c 300 "$WORK/refused.out"))" "$RC" "$want"
}
cp "$JOB" "$WORK/bad.csv"
echo "cn-north-1,cn-north-1a,cps.c.normal,standard,os-1,r1,r10,basic,bad,short,1" >>"$WORK/bad.csv"
refused 65 "invalid CSV" "$WORK/bad.csv" --endpoint "$SIM_URL" --rate 100 --requests 10
refused 2 "production endpoint" "$JOB" --endpoint https://cps.jdcloud-api.com --rate 1 --requests 1
refused 2 "plain http off loopback" "$JOB" --endpoint http://example.com --rate 1 --requests 1
refused 2 "no rate" "$JOB" --endpoint "$SIM_URL" --requests 1
refused 2 "rate and max" "$JOB" --endpoint "$SIM_URL" --rate 5 --max --requests 1
refused 2 "no duration" "$JOB" --endpoint "$SIM_URL" --rate 5
refused 2 "bad duration" "$JOB" --endpoint "$SIM_URL" --rate 5 --duration 10x
refused 2 "bad threshold" "$JOB" --endpoint "$SIM_URL" --rate 5 --requests 1 --threshold 'p98<1s'
refused 2 "bad report" "$JOB" --endpoint "$SIM_URL" --rate 5 --requests 1 --report xml
check "refusals: cps-sim saw no request" ok "" "s['requests'] == 0" "s"
finish
