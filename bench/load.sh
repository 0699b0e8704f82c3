#!/bin/bash
# bench/load.sh - how fast `cpsbatch load` drives an endpoint, next to wrk and hey, and how
# exactly it keeps a fixed arrival rate.
#
# Part 1, the ceiling: against one cps-sim on a loopback port, 64 connections, 10 s each, in
# alternating rounds (so a noisy neighbour hurts all three alike):
#   cpsbatch load --max --concurrency 64   (signed PUT createInstances, fresh clientToken each)
#   wrk -t1 -c64 -s bench/sim_create.lua  (the same ~600-byte body, fresh clientToken each)
#   hey -c 64 -m PUT -D body              (the same body every time: after the first, the
#                                          emulator answers idempotent replays)
#   bench/curl_floor                      (the floor: one thread of bare libcurl multi, the same
#                                          body with a fresh token, no signing, no measuring),
#                                          twice: with Content-Type only, as hey sends, and
#                                          with the headers of a signed call as cpsbatch sends
#                                          them (signed once, ~400 bytes more)
# prints req/s of each round, the medians and the ratios. Targets on the 2-core machine:
# cpsbatch >= 0.45 x wrk and >= 1.2 x hey; cpsbatch / signed floor says what cpsbatch's own
# work (signing each request, scheduling, timing) costs on top of libcurl's.
#
# Part 2, rate accuracy: cpsbatch load --rate R for R in 1k, 5k, 20k/s; the achieved rate
# must be within 0.5% of R.
#
# usage: bench/load.sh [BUILD_DIR]   (default ./build; env SIM_THREADS (1), DURATION (10s),
#                                     ROUNDS (2), SWEEP_DURATION (5s), SKIP_SWEEP=1)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-${BUILD:-$here/../build}}
sim_threads=${SIM_THREADS:-1}
duration=${DURATION:-10s}
rounds=${ROUNDS:-2}
sweep_duration=${SWEEP_DURATION:-5s}
for tool in wrk hey python3 curl cc; do
    command -v $tool >/dev/null || { echo "bench/load.sh: $tool is not installed (.ci/deps --bench)" >&2; exit 2; }
done
[ -x "$build/cps-sim" ] && [ -x "$build/cpsbatch" ] || { echo "bench/load.sh: build first ($build)" >&2; exit 2; }

tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/curl_floor" "$here/curl_floor.c" -lcurl
"$build/cps-sim" --port-file "$tmp/port" --threads "$sim_threads" 2>"$tmp/sim.err" &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || { echo "bench/load.sh: cps-sim did not start" >&2; exit 1; }
url="http://127.0.0.1:$(cat "$tmp/port")"

# The job: one row whose request is the one bench/sim_create.lua sends (no softwares).
cat >"$tmp/job.csv" <<'CSV'
regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId,networkType,enableInternet,lineType,bandwidth,name,password,count,description,charge.chargeMode,charge.chargeUnit,charge.chargeDuration
cn-north-1,cn-north-1a,cps.c.normal,standard,bbbbbbbb-cccc-dddd-eeee-ffffffffffff,r-sys-raid1,r-data-raid10,basic,yes,bgp,10,bench-web-server-01,Passw0rd!2024,1,created by bench/sim.sh to measure how many createInstances calls per second cps-sim answers,prepaid_by_duration,month,3
CSV
"$build/cpsbatch" run --dry-run "$tmp/job.csv" 2>/dev/null |
    python3 -c 'import json,sys; b=json.loads(sys.stdin.readline())["body"]; b["instanceSpec"]["password"]="Passw0rd!2024"; sys.stdout.write(json.dumps(b,separators=(",",":")))' >"$tmp/body.json"
# The headers of a signed call, as request.c writes them (for the signed floor).
sig_date=$(date -u +%Y%m%dT%H%M%SZ)
sig_nonce=$(python3 -c 'import uuid; print(uuid.uuid4())')
JDCLOUD_ACCESS_KEY=AKBENCH JDCLOUD_SECRET_KEY=SKBENCH "$build/cpsbatch" sign --method PUT \
    --url "$url/v1/regions/cn-north-1/instances" --body-file "$tmp/body.json" \
    --date "$sig_date" --nonce "$sig_nonce" >"$tmp/sig.json"
python3 - "$tmp/sig.json" "${url#http://}" "$sig_date" "$sig_nonce" >"$tmp/headers.txt" <<'PY'
import json, sys
auth = json.load(open(sys.argv[1]))["authorization"]
print("Host: %s\nx-jdcloud-date: %s\nx-jdcloud-nonce: %s\nAuthorization: %s\nUser-Agent: cpsbatch/0.1"
      % (sys.argv[2], sys.argv[3], sys.argv[4], auth))
PY
echo "body: $(wc -c <"$tmp/body.json") bytes; cps-sim threads: $sim_threads; $(nproc) cores; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

export JDCLOUD_ACCESS_KEY=AKBENCH JDCLOUD_SECRET_KEY=SKBENCH
reset_sim() { curl -sf -X POST "$url/__sim/reset" >/dev/null; }
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run_cpsbatch() {
    reset_sim
    /usr/bin/time -f "%U %S" -o "$tmp/time" "$build/cpsbatch" load "$tmp/job.csv" --endpoint "$url" \
        --max --concurrency 64 --duration "$duration" --progress never --report json \
        -o "$tmp/cpsbatch.json" 2>"$tmp/cpsbatch.err"
    python3 - "$tmp/cpsbatch.json" "$tmp/time" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
u, s = map(float, open(sys.argv[2]).read().split()[-2:])
print("%.0f %.1f %d" % (r["requests"] / r["duration_s"], (u + s) * 1e6 / r["requests"], r["failed"]))
PY
}
run_wrk() {
    reset_sim
    wrk -t1 -c64 -d"$duration" -s "$here/sim_create.lua" "$url" >"$tmp/wrk.out" 2>&1
    awk '/^Requests\/sec:/ {print int($2)}' "$tmp/wrk.out"
}
run_floor() { # [HEADER_FILE]
    reset_sim
    "$tmp/curl_floor" "$url/v1/regions/cn-north-1/instances" "$tmp/body.json" 64 "${duration%s}" "$@"
}
run_hey() {
    reset_sim
    hey -z "$duration" -c 64 -m PUT -T application/json -D "$tmp/body.json" \
        "$url/v1/regions/cn-north-1/instances" >"$tmp/hey.out" 2>&1
    awk '/Requests\/sec:/ {print int($2)}' "$tmp/hey.out"
}

echo "== ceiling: $rounds rounds of $duration each, 64 connections"
: >"$tmp/results"
for round in $(seq "$rounds"); do
    read -r c cpu_us failed < <(run_cpsbatch)
    w=$(run_wrk)
    h=$(run_hey)
    read -r f f_cpu_us f_failed < <(run_floor)
    read -r fs fs_cpu_us fs_failed < <(run_floor "$tmp/headers.txt")
    printf 'round %d: cpsbatch %6d req/s (%.1f us CPU/req, %d failed)  wrk %6d  hey %6d\n' \
        "$round" "$c" "$cpu_us" "$failed" "$w" "$h"
    printf '         floor %6d (%.1f us, %d failed)  signed floor %6d (%.1f us, %d failed)\n' \
        "$f" "$f_cpu_us" "$f_failed" "$fs" "$fs_cpu_us" "$fs_failed"
    echo "$c $w $h $f $fs" >>"$tmp/results"
done
python3 - "$tmp/results" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
c, w, h, f, fs = (statistics.median(col) for col in zip(*rows))
print("median: cpsbatch %.0f req/s, wrk %.0f, hey %.0f, libcurl floor %.0f, signed floor %.0f"
      % (c, w, h, f, fs))
print("cpsbatch / wrk = %.2f (target >= 0.45): %s" % (c / w, "ok" if c / w >= 0.45 else "BELOW"))
print("cpsbatch / hey = %.2f (target >= 1.2): %s" % (c / h, "ok" if c / h >= 1.2 else "BELOW"))
print("cpsbatch / signed floor = %.2f; signed floor / hey = %.2f; floor / hey = %.2f"
      % (c / fs, fs / h, f / h))
PY
echo "commands: cpsbatch load JOB --endpoint URL --max --concurrency 64 --duration $duration;"
echo "          wrk -t1 -c64 -d$duration -s bench/sim_create.lua URL;"
echo "          hey -z $duration -c 64 -m PUT -T application/json -D body.json URL/v1/regions/cn-north-1/instances;"
echo "          curl_floor URL/v1/regions/cn-north-1/instances body.json 64 ${duration%s} [headers.txt]"

[ "${SKIP_SWEEP:-0}" = 1 ] && exit 0
echo "== rate accuracy: $sweep_duration at each rate, concurrency 256"
for rate in 1000 5000 20000; do
    reset_sim
    "$build/cpsbatch" load "$tmp/job.csv" --endpoint "$url" --rate "$rate" --concurrency 256 \
        --duration "$sweep_duration" --progress never --report json -o "$tmp/rate.json" 2>/dev/null
    python3 - "$tmp/rate.json" "$rate" <<'PY'
import json, sys
r, target = json.load(open(sys.argv[1])), float(sys.argv[2])
err = abs(r["achieved_rate"] - target) / target * 100
print("rate %6.0f/s: achieved %9.1f/s, error %.3f%% (%s), late sends %d of %d, p99 %.2f ms"
      " (service %.2f ms)" % (target, r["achieved_rate"], err, "ok" if err <= 0.5 else "OVER 0.5%",
                              r["late_sends"], r["sent"], r["latency_ms"]["p99"],
                              r["service_time_ms"]["p99"]))
PY
done
