#!/usr/bin/env bash
# bench/validate.sh [ROWS] - `cpsbatch validate` on a generated 20-column CSV: wall time and
# peak memory, next to libcsv alone parsing the same file (the floor); then the same file
# transcoded, as UTF-16LE with a byte-order mark and as GB18030 (--encoding gb18030).
# Targets (issue 2): 1,000,000 rows in <= 1.5 s and <= 16 MiB on the 2-core CI machine, for
# the UTF-8 file (transcoding costs what iconv costs; its figures are for information).
set -euo pipefail
rows=${1:-1000000}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

awk -v n="$rows" 'BEGIN {
    print "regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId,networkType," \
          "enableInternet,lineType,bandwidth,name,password,count,description,cidr,subnetId," \
          "charge.chargeMode,charge.chargeUnit,charge.chargeDuration"
    for (i = 0; i < n; i++)
        printf "cn-north-1,cn-north-1a,cps.c.normal,standard,centos-7.9-x64,r-sys-raid1," \
               "r-data-raid10,basic,yes,bgp,%d,web-%07d,Bench#Passw0rd,1,\"row %d, generated\"," \
               "10.%d.0.0/16,subnet-%06d,prepaid_by_duration,month,%d\n",
               1 + i % 200, i, i, i % 256, i % 1000000, 1 + i % 9
}' > "$work/job.csv"
size=$(stat -c %s "$work/job.csv")
cc -O2 -o "$work/csvcount" "$root/bench/csvcount.c" -lcsv

measure() { # label, command...
    local label=$1
    shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || {
        cat "$work/err"
        exit 1
    }
    read -r secs kib <"$work/time"
    printf '%-22s %8.2f s  %8.1f MiB peak RSS\n' "$label" "$secs" "$(echo "$kib / 1024" | bc -l)"
}

echo "input: $rows rows x 20 columns, $((size / 1048576)) MiB"
for run in 1 2 3; do
    measure "libcsv alone (#$run)" "$work/csvcount" "$work/job.csv"
    measure "cpsbatch validate (#$run)" "$build/cpsbatch" validate "$work/job.csv"
done
{ printf '\xff\xfe'; iconv -f utf-8 -t utf-16le "$work/job.csv"; } >"$work/job16.csv"
iconv -f utf-8 -t gb18030 "$work/job.csv" >"$work/jobgb.csv"
for run in 1 2; do
    measure "UTF-16LE+BOM (#$run)" "$build/cpsbatch" validate "$work/job16.csv"
    measure "gb18030 (#$run)" "$build/cpsbatch" validate --encoding gb18030 "$work/jobgb.csv"
done
echo "command: bench/validate.sh $rows  (build: $build)"
