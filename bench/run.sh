#!/usr/bin/env bash
# bench/run.sh [ROWS] - `cpsbatch run` flat out: no rate limit, 64 in flight, signing and the
# ledger on, against cps-sim on loopback. Prints rows/s and CPU microseconds per row (user+sys
# of cpsbatch alone), next to `cpsbatch load --max` on the same server when load exists.
# Target (issue 4): >= 30,000 rows/s on the 2-core machine.
set -euo pipefail
rows=${1:-200000}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
work=$(mktemp -d)
sim_pid=""
trap '[ -n "$sim_pid" ] && kill $sim_pid 2>/dev/null; rm -rf "$work"' EXIT
export JDCLOUD_ACCESS_KEY=AKBENCH JDCLOUD_SECRET_KEY=SKBENCHSECRET

awk -v n="$rows" 'BEGIN {
    print "regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId,networkType," \
          "enableInternet,lineType,bandwidth,name,password,count,description"
    for (i = 0; i < n; i++)
        printf "cn-north-1,cn-north-1a,cps.c.normal,standard,centos-7.9-x64,r-sys-raid1," \
               "r-data-raid10,basic,yes,bgp,%d,bench-%07d,Bench#Passw0rd,1,\"bench row %d\"\n",
               1 + i % 200, i, i
}' >"$work/job.csv"

"$build/cps-sim" --port-file "$work/port" --threads "${SIM_THREADS:-1}" 2>/dev/null &
sim_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$work/port")"

/usr/bin/time -f "%e %U %S %M" -o "$work/time" "$build/cpsbatch" run "$work/job.csv" \
    --endpoint "$url" --rate 0 --concurrency 64 --progress never >"$work/out" 2>&1
read -r secs user sys kib <"$work/time"
creates=$(curl -sf "$url/__sim/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['creates'])")
echo "cpsbatch run: $rows rows in $secs s = $(echo "$rows / $secs" | bc) rows/s;" \
     "CPU $(echo "($user + $sys) * 1000000 / $rows" | bc) us/row; peak RSS $((kib / 1024)) MiB;" \
     "cps-sim creates: $creates"
tail -1 "$work/out"
if "$build/cpsbatch" load --help >/dev/null 2>&1; then
    /usr/bin/time -f "%e %U %S" -o "$work/time" "$build/cpsbatch" load "$work/job.csv" \
        --endpoint "$url" --max --concurrency 64 --requests "$rows" --progress never \
        >"$work/load.out" 2>&1 || true
    read -r secs user sys <"$work/time"
    echo "cpsbatch load --max: $rows requests in $secs s = $(echo "$rows / $secs" | bc) req/s;" \
         "CPU $(echo "($user + $sys) * 1000000 / $rows" | bc) us/request"
fi
echo "command: bench/run.sh $rows (SIM_THREADS=${SIM_THREADS:-1})"
