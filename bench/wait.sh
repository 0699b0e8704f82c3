#!/usr/bin/env bash
# bench/wait.sh [ROWS] [CREATE_SECONDS] [RATE] - `cpsbatch run --wait` against cps-sim on
# loopback: ROWS rows of one instance each (default 2,000; the issue's figure is 10,000, about
# 9 minutes at rate 20), instances "creating" CREATE_SECONDS (default 30) before they run, a
# tenth of them ending in error, at --rate RATE (default 20) for creates and describes together.
# Prints: wall time, cpsbatch's CPU (user + sys), createInstances and describeInstances calls
# the server saw, sweeps and the most calls in one sweep, and the most API calls the server saw
# in any second (must stay <= RATE + 1 with --burst 1).
# Bounded: the run gets at most ROWS / RATE + CREATE_SECONDS + 300 s.
set -euo pipefail
rows=${1:-2000}
create_s=${2:-30}
rate=${3:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
work=$(mktemp -d)
sim_pid=""
trap '[ -z "$sim_pid" ] || kill "$sim_pid" 2>/dev/null; rm -rf "$work"' EXIT
export JDCLOUD_ACCESS_KEY=AKBENCH JDCLOUD_SECRET_KEY=SKBENCHSECRET

awk -v n="$rows" 'BEGIN {
    print "regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId," \
          "networkType,name,password,count"
    for (i = 0; i < n; i++)
        printf "cn-north-1,cn-north-1a,cps.c.normal,standard,os-1,r1,r10,basic,bench-%07d," \
               "Bench#Passw0rd,1\n", i
}' >"$work/job.csv"

"$build/cps-sim" --port-file "$work/port" --create-seconds "$create_s" --p-error 0.1 \
    --seed 1 2>"$work/sim.err" &
sim_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$work/port")"

bound=$((rows / rate + create_s + 300))
start=$(date +%s%N)
set +e
/usr/bin/env time -f "%U %S" -o "$work/cpu" timeout "$bound" "$build/cpsbatch" run \
    "$work/job.csv" --endpoint "$url" --rate "$rate" --burst 1 --wait --progress never --json \
    >"$work/run.json" 2>"$work/run.err"
rc=$?
set -e
end=$(date +%s%N)
curl -sf "$url/__sim/stats?tokens=0" >"$work/stats.json"
python3 - "$work/run.json" "$work/stats.json" "$work/cpu" "$rows" "$create_s" "$rate" \
    "$(((end - start) / 1000000))" "$rc" <<'PY'
import json, sys
run, st = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
user, sys_ = map(float, open(sys.argv[3]).read().split()[-2:])
rows, create_s, rate, wall_ms, rc = sys.argv[4], sys.argv[5], sys.argv[6], int(sys.argv[7]), sys.argv[8]
w = run["wait"]
print(f"rows {rows}, --create-seconds {create_s}, --rate {rate} --burst 1: exit {rc}")
print(f"  wall {wall_ms / 1000:.1f} s, cpsbatch CPU {user + sys_:.2f} s (user {user:.2f}, sys {sys_:.2f})")
print(f"  instances {w['instances']}: {w['running']} running, {w['error']} error, {w['pending']} pending")
print(f"  server saw {st['by_api'].get('createInstances', 0)} createInstances, "
      f"{st['by_api'].get('describeInstances', 0)} describeInstances")
print(f"  {w['sweeps']} sweeps, at most {w['max_sweep_calls']} calls in one, {w['retries']} retries")
print(f"  most API calls in any second (server side, upper bound): {st['calls_max_1s_upper']}")
PY
