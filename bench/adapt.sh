#!/usr/bin/env bash
# bench/adapt.sh [ROWS] [LIMIT_ROWS] - the adaptive rate of `cpsbatch run --rate 0` against
# cps-sim on loopback, in two cases:
#  1. random 503s (--p503 0.1): errors that do not grow with the rate. ROWS rows (default
#     20,000) adaptive and with --no-adapt, three runs each; prints the times and the ratio of
#     the best of each.
#     Target: adaptive within 1.5x of --no-adapt.
#  2. a server-side limit (--rate-limit 200 --limit-status 429): LIMIT_ROWS rows (default
#     4,000, about 20 s). Prints the server's answers second by second, the rows created per
#     second and the share of 429s from the 5th second to the end.
#     Target: 170..200 created/s (within 15% below the limit), 429s <= 5% of requests. The
#     server's bucket holds a burst of 200, so a window may see a little more than 200/s.
# Every run is bounded (timeout 300 s); the figures are repeatable (--seed 1).
set -euo pipefail
rows=${1:-20000}
limit_rows=${2:-4000}
limit=200
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
work=$(mktemp -d)
sim_pid=""
stop_sim() {
    if [ -n "$sim_pid" ]; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
        sim_pid=""
    fi
}
trap 'stop_sim; rm -rf "$work"' EXIT
export JDCLOUD_ACCESS_KEY=AKBENCH JDCLOUD_SECRET_KEY=SKBENCHSECRET

make_job() { # make_job FILE N
    awk -v n="$2" 'BEGIN {
        print "regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId," \
              "networkType,enableInternet,lineType,bandwidth,name,password,count,description"
        for (i = 0; i < n; i++)
            printf "cn-north-1,cn-north-1a,cps.c.normal,standard,centos-7.9-x64,r-sys-raid1," \
                   "r-data-raid10,basic,yes,bgp,%d,bench-%07d,Bench#Passw0rd,1,\"row %d\"\n",
                   1 + i % 200, i, i
    }' >"$1"
}

start_sim() { # start_sim FAULT-FLAGS...
    stop_sim
    rm -f "$work/port"
    "$build/cps-sim" --port-file "$work/port" --seed 1 "$@" 2>/dev/null &
    sim_pid=$!
    for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
    url="http://127.0.0.1:$(cat "$work/port")"
}

# run NAME JOB OPTIONS... : one bounded run; prints its wall time in seconds.
run() {
    local name=$1 job=$2
    shift 2
    local start end
    rm -f "$work/$name.ledger.jsonl"
    start=$(date +%s.%N)
    timeout 300 "$build/cpsbatch" run "$job" --endpoint "$url" --rate 0 --concurrency 64 \
        --ledger "$work/$name.ledger.jsonl" --progress never --yes "$@" \
        >"$work/$name.out" 2>&1 || true
    end=$(date +%s.%N)
    echo "$start $end" | awk '{ printf "%.2f\n", $2 - $1 }'
}

make_job "$work/random.csv" "$rows"
# Three of each, alternating (other load on the machine hits both alike); the best of each.
best() { sort -n | head -1; }
adaptive_all="" fixed_all=""
for _ in 1 2 3; do
    start_sim --p503 0.1
    adaptive_all+="$(run random-adapt "$work/random.csv") "
    start_sim --p503 0.1
    fixed_all+="$(run random-fixed "$work/random.csv" --no-adapt) "
done
adaptive=$(echo $adaptive_all | tr ' ' '\n' | best)
fixed=$(echo $fixed_all | tr ' ' '\n' | best)
echo "random 10% 503s, $rows rows, best of 3: adaptive $adaptive s ($adaptive_all), --no-adapt" \
    "$fixed s ($fixed_all), ratio $(echo "$adaptive $fixed" | awk '{ printf "%.2f", $1 / $2 }')" \
    "(target <= 1.5)"
echo "  adaptive:    $(tail -1 "$work/random-adapt.out")"
echo "  --no-adapt:  $(tail -1 "$work/random-fixed.out")"

# The limit: poll the server's counters every second while the run goes on.
make_job "$work/limit.csv" "$limit_rows"
start_sim --rate-limit "$limit" --limit-status 429
timeout 300 "$build/cpsbatch" run "$work/limit.csv" --endpoint "$url" --rate 0 \
    --concurrency 64 --max-attempts 50 --ledger "$work/limit.ledger.jsonl" --progress never \
    --yes >"$work/limit.out" 2>&1 &
run_pid=$!
python3 - "$url" "$run_pid" "$limit" <<'PY'
import json, os, sys, time, urllib.request
url, pid, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
def stats():  # stamped halfway through the call
    t = time.monotonic()
    with urllib.request.urlopen(url + "/__sim/stats", timeout=10) as r:
        s = json.load(r)
    t = (t + time.monotonic()) / 2 - start
    return t, s["creates"], s["requests"], s["by_status"].get("429", 0)
def alive():
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
samples, start = [], time.monotonic()
while alive() and time.monotonic() - start < 300:
    samples.append(stats())
    time.sleep(1 - (time.monotonic() - start) % 1)
print(f"server limit {limit:.0f}/s answering 429: second, created, requests, 429s")
for a, b in zip(samples, samples[1:]):
    print(f"  {b[0]:5.1f} {b[1] - a[1]:6d} {b[2] - a[2]:6d} {b[3] - a[3]:6d}")
after = [s for s in samples if s[0] >= 5]
if len(after) < 2:
    sys.exit("the run ended before its 6th second: give it more rows")
(t0, c0, r0, x0), (t1, c1, r1, x1) = after[0], after[-1]
rate, share = (c1 - c0) / (t1 - t0), (x1 - x0) / max(r1 - r0, 1)
print(f"from {t0:.1f} s to {t1:.1f} s: {rate:.1f} created/s ({rate / limit:.0%} of the limit;"
      f" target 85..100%; the server's burst of {limit:.0f} can lift it a little above)," f" 429s {share:.1%} of {r1 - r0} requests (target <= 5%)")
PY
wait "$run_pid" || true
echo "  $(tail -1 "$work/limit.out")"
echo "command: bench/adapt.sh $rows $limit_rows"
