#!/usr/bin/env bash
# `cpsbatch load` against cps-sim on loopback: the arrival rate is kept, lateness shows in the
# corrected latency, statuses and errors are counted as cps-sim answered them, thresholds
# decide the exit status, and nothing is sent for an invalid job or a refused endpoint.
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
JOB="$WORK/job.csv"
make_job "$JOB" 20

load() { # name, options... ; the JSON report in $WORK/NAME.json, stderr in NAME.err; sets RC
    local name=$1
    shift
    timeout 60 "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --progress never \
        --report json -o "$WORK/$name.json" "$@" 2>"$WORK/$name.err"
    RC=$?
}
# py NAME EXPR: EXPR evaluated with r = the JSON report NAME, s = cps-sim's stats.
py() {
    curl -sf "$SIM_URL/__sim/stats?tokens=0" >"$WORK/stats.json"
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

# 1. 2,000/s for 3 s: the rate is kept and sends are on time. A send counts as late past 1 ms;
#    on a shared 2-core virtual machine even a bare nanosleep(400us) overshoots that about 0.3%
#    of the time, and far more while `ctest -j2` runs a CPU-heavy test alongside. So up to 1%
#    may be late, and the timing gets up to five tries, a second apart, to find a quiet spell
#    (the counts must hold every time). A sanitizer build, several times slower on every
#    thread, is allowed 10%.
LATE=60
grep -qaE '__(asan|tsan|ubsan)_' "$BUILD/cpsbatch" && LATE=600
start_sim --verify-signatures
for try in 1 2 3 4 5; do
    sim_reset
    load rate --rate 2000 --duration 3s --concurrency 64
    [ "$(py rate "r['late_sends'] <= $LATE and abs(r['achieved_rate'] - 2000) <= 40")" = 1 ] &&
        break
    echo "  rate: try $try: late sends $(py rate "r['late_sends']")," \
        "rate $(py rate "r['achieved_rate']"); load average $(cut -d' ' -f1 /proc/loadavg)"
    sleep 1
done
check "rate: exit 0 (got $RC: $(cat "$WORK/rate.err"))" [ $RC = 0 ]
check "rate: 6000 requests" ok rate "r['requests'] == 6000 and r['sent'] == 6000"
check "rate: achieved within 2% of 2000/s" ok rate "abs(r['achieved_rate'] - 2000) <= 40" \
    "(r['achieved_rate'], r['duration_s'])"
check "rate: at most $LATE late sends" ok rate "r['late_sends'] <= $LATE" "r['late_sends']"
check "rate: all 200, every token created once" ok rate \
    "r['status'] == {'200': 6000} and s['creates'] == 6000 and s['replays'] == 0" \
    "(r['status'], s['creates'])"
check "rate: timeline of 3 seconds of ~2000" ok rate \
    "all(abs(e['sent'] - 2000) <= 40 for e in r['timeline'][:3])" "r['timeline']"

# 2. 50 ms answers, 8 slots, 400/s due: the cap holds requests back; the corrected latency
#    shows the wait, the service time does not.
start_sim --latency-ms 50
load capped --rate 400 --duration 2s --concurrency 8
check "capped: exit 0 (got $RC)" [ $RC = 0 ]
check "capped: all 800 sent" ok capped "r['requests'] == 800"
check "capped: service p99 about 50 ms" ok capped \
    "45 <= r['service_time_ms']['p99'] < 500" "r['service_time_ms']"
check "capped: corrected p99 far above service p99" ok capped \
    "r['latency_ms']['p99'] > 5 * r['service_time_ms']['p99']" \
    "(r['latency_ms'], r['service_time_ms'])"
check "capped: late sends counted" ok capped "r['late_sends'] > 400" "r['late_sends']"
check "capped: at most 8 in flight (achieved < 170/s)" ok capped "r['achieved_rate'] < 170" \
    "r['achieved_rate']"

# 3. Faults: statuses as cps-sim answered them, resets counted as errors.
start_sim --verify-signatures --p503 0.2 --reset-before 0.05 --seed 7
load faults --rate 1000 --requests 1000 --threshold 'errors<1%' --threshold 'p99<30s'
check "faults: errors<1% fails: exit 4 (got $RC)" [ $RC = 4 ]
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
check "faults: thresholds that hold: exit 0 (got $RC)" [ $RC = 0 ]
start_sim
load strict --rate 500 --requests 200 --threshold 'max<1us'
check "latency threshold fails: exit 4 (got $RC)" [ $RC = 4 ]
check "latency threshold named" grep -q "threshold max<1us: FAILED" "$WORK/strict.err"
load slowrate --rate 500 --requests 200 --threshold 'rate>=1000'
check "rate threshold fails: exit 4 (got $RC)" [ $RC = 4 ]

# 4. Tokens: fresh creates every time; replay re-sends each row's own token.
start_sim
load replay --rate 1000 --requests 300 --tokens replay
check "replay: exit 0 (got $RC)" [ $RC = 0 ]
check "replay: 20 created, 280 replayed" ok replay "s['creates'] == 20 and s['replays'] == 280" "s"

# 5. Closed loop and warmup.
start_sim
load max --max --requests 2000 --concurrency 8
check "max: exit 0 (got $RC)" [ $RC = 0 ]
check "max: 2000 ok, nothing late" ok max \
    "r['ok'] == 2000 and r['late_sends'] == 0 and r['target_rate'] is None" "r"
# Above 25,000/s the transport's threads send (below, the scheduler's thread does): every
# request still goes out once and is answered once.
start_sim
load fast --rate 40000 --requests 4000 --concurrency 64
check "fast: exit 0 (got $RC)" [ $RC = 0 ]
check "fast: 4000 sent, answered and created once" ok fast \
    "r['sent'] == 4000 and r['ok'] == 4000 and s['creates'] == 4000" "(r, s)"
start_sim
load warmup --rate 200 --warmup 1s --duration 1s
check "warmup: exit 0 (got $RC)" [ $RC = 0 ]
check "warmup: 200 measured of 400 sent" ok warmup \
    "r['requests'] == 200 and s['requests'] == 400" "(r['requests'], s['requests'])"
check "warmup: no temporary file left" [ -z "$(ls "$WORK" | grep '\.tmp\.')" ]

# 6. The text report on stdout, and the credential-less loopback case.
start_sim
env -u JDCLOUD_ACCESS_KEY -u JDCLOUD_SECRET_KEY HOME="$WORK" timeout 60 "$BUILD/cpsbatch" load \
    "$JOB" --endpoint "$SIM_URL" --rate 500 --requests 100 --progress never >"$WORK/text.out" \
    2>"$WORK/text.err"
RC=$?
check "text: exit 0 without credentials on loopback (got $RC)" [ $RC = 0 ]
check "text: counts" grep -q "100 sent, 100 finished" "$WORK/text.out"
check "text: both latencies" grep -q "corrected" "$WORK/text.out"
check "text: status line" grep -q "200: 100" "$WORK/text.out"

# 7. Ctrl-C: sending stops, the report covers what was sent, exit 3.
start_sim --latency-ms 100
timeout 60 "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --rate 100 --duration 20s \
    --progress never --report json -o "$WORK/int.json" 2>"$WORK/int.err" &
LOAD_PID=$!
sleep 1
kill -INT $LOAD_PID
wait $LOAD_PID
RC=$?
check "interrupted: exit 3 (got $RC)" [ $RC = 3 ]
check "interrupted: report says so, every sent request counted" ok int \
    "r['interrupted'] and 50 <= r['sent'] <= 200 and r['requests'] == r['sent']" "r"

# A second Ctrl-C does not wait out the 2-s drain: the requests in flight are cut off at once
# and counted as aborted (the schedule's thread sends at 100/s, so this is the inline path).
# The signals go to cpsbatch itself (timeout(1) would pass on only the first), with a watchdog.
start_sim --latency-ms 10000
"$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --rate 100 --duration 20s \
    --progress never --report json -o "$WORK/int2.json" 2>"$WORK/int2.err" &
LOAD_PID=$!
(for _ in $(seq 600); do [ -e "$WORK/int2.done" ] || [ ! -d "$WORK" ] && exit; sleep 0.1; done
 kill -KILL $LOAD_PID) >/dev/null 2>&1 &
sleep 1
kill -INT $LOAD_PID
sleep 0.1
T0=$(date +%s%N)
kill -INT $LOAD_PID
wait $LOAD_PID
RC=$?
ELAPSED_MS=$((($(date +%s%N) - T0) / 1000000))
touch "$WORK/int2.done"
check "second Ctrl-C: exit 3 (got $RC)" [ $RC = 3 ]
check "second Ctrl-C: out well before the drain's 2 s (${ELAPSED_MS} ms)" [ $ELAPSED_MS -lt 1500 ]
check "second Ctrl-C: what was in flight is counted aborted" ok int2 \
    "r['interrupted'] and r['sent'] >= 50 and r['errors']['aborted'] == r['sent']" "r"

# The live line: once a second on a terminal (a real pty through script(1)), or always when
# asked: elapsed, sent, rate, in flight, p99 so far, errors; never when stderr is no terminal.
start_sim --p503 0.3 --seed 3
LIVE='[0-9]+s  sent [0-9]+  [0-9]+/s  in flight [0-9]+  p99 [0-9.]+[mu]?s  errors [0-9]+ \([0-9.]+%\)'
timeout 60 "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --rate 200 --duration 3s \
    --progress always -o "$WORK/live.txt" 2>"$WORK/live.err"
check "live line: at least two updates (got $(tr '\r' '\n' <"$WORK/live.err" | grep -cE "$LIVE"))" \
    [ "$(tr '\r' '\n' <"$WORK/live.err" | grep -cE "$LIVE")" -ge 2 ]
check "live line: counts sends and errors as they come" python3 - "$WORK/live.err" <<'PY'
import re, sys
lines = re.findall(r"(\d+)s  sent (\d+)  (\d+)/s  in flight \d+  p99 \S+  errors (\d+)",
                   open(sys.argv[1], errors="replace").read())
last = lines[-1] if lines else ("0", "0", "0", "0")
ok = int(last[1]) >= 300 and 150 <= int(last[2]) <= 250 and int(last[3]) > 0
print("" if ok else f"  last live line: {last}")
sys.exit(0 if ok else 1)
PY
check "live line: cleared before the report" grep -q $'\r\033\[K' "$WORK/live.err"
timeout 60 script -qec "$(printf '%q ' "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" \
    --rate 100 --duration 2s -o "$WORK/pty.txt")" /dev/null >"$WORK/pty.out" 2>&1
check "live line on a terminal by default" grep -qE "$LIVE" "$WORK/pty.out"
timeout 60 "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --rate 100 --duration 2s \
    -o "$WORK/nolive.txt" 2>"$WORK/nolive.err"
check "no live line without a terminal" bash -c "! grep -q 'in flight' '$WORK/nolive.err'"

# 8. Refusals: nothing is sent.
start_sim
refused() { # expected-status, what, options...
    local want=$1 what=$2
    shift 2
    timeout 30 "$BUILD/cpsbatch" load "$@" --progress never >"$WORK/refused.out" 2>&1
    local rc=$?
    check "$what: exit $want (got $rc: $(head -c 300 "$WORK/refused.out"))" [ $rc = "$want" ]
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
