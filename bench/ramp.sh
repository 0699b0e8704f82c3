#!/bin/bash
# bench/ramp.sh - how exactly `cpsbatch load --stages` keeps a ramping arrival rate.
#
# Against one cps-sim on a loopback port, ROUNDS runs of `load --stages STAGES` (default a ramp
# from 0 to 20,000 requests/s over 10 s: 100,000 requests). For each full second of the
# schedule it compares what was sent in that second with the target (the integral of the rate
# over it, the report's timeline[i].target) and prints the largest |sent - target| / target;
# the target is 1%. The first round's seconds are printed one by one.
#
# usage: bench/ramp.sh [BUILD_DIR]   (default ./build; env STAGES (10s:0-20000), ROUNDS (3),
#                                     CONCURRENCY (256), SIM_THREADS (1))
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-${BUILD:-$here/../build}}
stages=${STAGES:-10s:0-20000}
rounds=${ROUNDS:-3}
concurrency=${CONCURRENCY:-256}
sim_threads=${SIM_THREADS:-1}
for tool in python3 curl; do
    command -v $tool >/dev/null || { echo "bench/ramp.sh: $tool is not installed" >&2; exit 2; }
done
[ -x "$build/cps-sim" ] && [ -x "$build/cpsbatch" ] || { echo "bench/ramp.sh: build first ($build)" >&2; exit 2; }

tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
"$build/cps-sim" --port-file "$tmp/port" --threads "$sim_threads" 2>"$tmp/sim.err" &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || { echo "bench/ramp.sh: cps-sim did not start" >&2; exit 1; }
url="http://127.0.0.1:$(cat "$tmp/port")"
cat >"$tmp/job.csv" <<'CSV'
regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId,networkType,name,password,count
cn-north-1,cn-north-1a,cps.c.normal,standard,centos-7.9-x64,r-sys-raid1,r-data-raid10,basic,bench-ramp,Passw0rd!2024,1
CSV
export JDCLOUD_ACCESS_KEY=AKBENCH JDCLOUD_SECRET_KEY=SKBENCH
echo "stages $stages, concurrency $concurrency, cps-sim threads $sim_threads; $(nproc) cores;" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: cpsbatch load JOB --endpoint URL --stages $stages --concurrency $concurrency --report json"
: >"$tmp/worst"
for round in $(seq "$rounds"); do
    curl -sf -X POST "$url/__sim/reset" >/dev/null
    "$build/cpsbatch" load "$tmp/job.csv" --endpoint "$url" --stages "$stages" \
        --concurrency "$concurrency" --progress never --report json -o "$tmp/ramp.json" \
        2>"$tmp/load.err" || { cat "$tmp/load.err" >&2; exit 1; }
    curl -sf "$url/__sim/stats?tokens=0" >"$tmp/stats.json"
    python3 - "$tmp/ramp.json" "$tmp/stats.json" "$round" "$tmp/worst" <<'PY'
import json, sys
r, s, rnd = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
# The full seconds of the schedule (the stages' length, less a warmup: none here).
units = {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
def seconds(d):
    num = d.rstrip("abcdefghijklmnopqrstuvwxyz")
    return float(num) * units.get(d[len(num):] or "s")
length = sum(seconds(st.split(":")[0]) for st in r["stages"].split(","))
full = r["timeline"][:int(length + 1e-9)]
sched_s = round(sum(e["target"] for e in r["timeline"]))
worst, at = 0.0, -1
within = sum(abs(e["sent"] - e["target"]) <= 0.01 * e["target"] + 1 for e in full)
for e in full:
    if e["target"] >= 1:
        err = abs(e["sent"] - e["target"]) / e["target"]
        if err > worst:
            worst, at = err, e["t"]
if rnd == 1:
    for e in full:
        print("  second %2d: target %8.1f  sent %6d  error %6.3f%%"
              % (e["t"], e["target"], e["sent"], 100 * abs(e["sent"] - e["target"]) / max(e["target"], 1)))
print("round %d: %d sent (schedule %d, cps-sim saw %d); %d of %d seconds within 1%% (+1);"
      " worst %.3f%% (second %d, %s); late sends %d; p99 %.2f ms (service %.2f ms)"
      % (rnd, r["sent"], sched_s, s["requests"], within, len(full), 100 * worst, at,
         "ok" if worst <= 0.01 else "OVER 1%", r["late_sends"], r["latency_ms"]["p99"],
         r["service_time_ms"]["p99"]))
open(sys.argv[4], "a").write("%f\n" % worst)
PY
done
python3 - "$tmp/worst" <<'PY'
import statistics, sys
w = [float(l) for l in open(sys.argv[1])]
print("worst per-second error: median %.3f%%, max %.3f%% over %d rounds (target <= 1%%)"
      % (100 * statistics.median(w), 100 * max(w), len(w)))
PY
