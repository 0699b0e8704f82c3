#!/usr/bin/env bash
# fuzz/run.sh [RUNS] - build the libFuzzer targets with clang (ASan+UBSan) and run each for a
# bounded number of inputs (default 20000, at most 60 s each), seeded from the repository's
# own examples. Any crash, leak or sanitizer report fails the run. For a longer hunt:
#   build-fuzz/fuzz_job -max_total_time=600 build-fuzz/corpus/job
set -euo pipefail
runs=${1:-20000}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build-fuzz
CC=clang cmake -S "$root" -B "$out" -DCPSBATCH_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$out" -j"$(nproc)" --target fuzz_job fuzz_spec_json fuzz_ledger fuzz_parsers \
    fuzz_validate_send >/dev/null

seed() { # target, files...
    local dir=$out/corpus/$1
    shift
    mkdir -p "$dir"
    for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/"; done
    return 0
}
seed job "$root"/jobs/*.csv "$root"/tests/cases/bad/*.csv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Request bodies: the dry runs of the good cases.
i=0
for f in "$root"/tests/cases/good/*.dryrun.jsonl; do
    while IFS= read -r line; do
        i=$((i + 1))
        python3 -c "import json,sys; print(json.dumps(json.loads(sys.argv[1])['body'], separators=(',',':')))" "$line" >"$tmp/body$i.json"
    done <"$f"
done
seed spec_json "$tmp"/body*.json
printf '{"type":"batch","v":1,"salt":"%064d","created":"2026-01-01T00:00:00.000Z","csv":"a.csv","csv_sha256":"","endpoint":"sandbox"}\n{"type":"intent","token":"t1","row":2,"spec_sha256":"%064d","t":"2026-01-01T00:00:00.001Z"}\n{"type":"attempt","token":"t1","n":1,"http":503,"status":"UNAVAILABLE","wait_ms":80,"t":"2026-01-01T00:00:00.002Z"}\n{"type":"done","token":"t1","row":2,"instanceIds":["cps-1"],"requestId":"r","attempts":2,"t":"2026-01-01T00:00:00.003Z"}\n' 0 0 >"$tmp/ledger.jsonl"
seed ledger "$tmp/ledger.jsonl"
printf '\x00JDCLOUD2-HMAC-SHA256 Credential=AK/20240315/cn-north-1/cps/jdcloud2_request, SignedHeaders=content-type;host;x-jdcloud-date;x-jdcloud-nonce, Signature=00' >"$tmp/p0"
printf '\x01https://cps.jdcloud-api.com:8443/v1/regions/cn-north-1/os?b=2&a=1%%20x' >"$tmp/p1"
printf '\x02Wed, 21 Oct 2015 07:28:00 GMT' >"$tmp/p2"
printf '\x031m30s' >"$tmp/p3"
printf '\x04p99<250ms' >"$tmp/p4"
printf '\x0530s:0-2000,2m:2000,500ms:0,30s:2000-0.5' >"$tmp/p5"
printf '\x06{"requestId":"r","error":{"code":429,"status":"QUOTA_EXCEEDED","message":"m"}}' >"$tmp/p6"
seed parsers "$tmp"/p[0-6]
# Cells over a valid row: [field index][cell]NUL (field.h's order: regionId is 0, az 2,
# lineType 10, count 14, softwares 18): pasted spaces, spreadsheet spellings, hostile regions.
printf '\000cn-north-1\302\240\000' >"$tmp/v0"
printf '\012BGP\000\010Basic\000\011Yes\000\023Prepaid_By_Duration\000' >"$tmp/v1"
printf '\01610.0\000\01310.0\000' >"$tmp/v2"
printf '\022 mysql:5.7 ; php:7.4 \000' >"$tmp/v3"
printf '\000cn-north-1?x#y%%2F\000\002\343\200\200cn-north-1a\357\273\277\000' >"$tmp/v4"
printf '\014web\342\200\257 01\000\017line one\nline two\000' >"$tmp/v5"
seed validate_send "$tmp"/v[0-5]

# The file-reading targets run about 1,000 inputs a second, the others 100 times faster
# (validate_send, which signs each valid row, in between).
for t in job:1 ledger:1 spec_json:10 parsers:10 validate_send:5; do
    n=$((runs * ${t#*:}))
    t=${t%:*}
    echo "== fuzz_$t: $n runs"
    "$out/fuzz_$t" -runs="$n" -max_total_time=60 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$out/crash-$t-" "$out/corpus/$t" 2>&1 | tail -2
done
echo "fuzz: every target ran its inputs without a finding"
