#!/usr/bin/env bash
# ledger.sh - what the ledger costs. Prints figures; asserts nothing.
#
#   BUILD=build bash bench/ledger.sh            (BUILD: a build tree)
#
# (a) replay: a ledger of 1,000,000 records (500,000 rows, intent + done) and one of 1,000,000
#     rows (2,000,000 records), opened read-only and read-write, with the fast path and with
#     jansson alone; and `cpsbatch status` on both. Target: <= 1 s for 1,000,000 records.
# (b) group commit: the appends of (a) with the flusher running, in us per record (target
#     <= 2 us) and fsyncs done; against ledger_sync() after every record on 2,000 records.
#
# Files go to $BENCH_DIR (default: a fresh directory under /tmp, removed at the end). The
# disk under it decides the fsync figures.
set -euo pipefail

SRC=${SRC:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-$SRC/build}
bin=$BUILD/bench/ledger_bench
if [ ! -x "$bin" ]; then
    echo "ledger.sh: $bin not found: build first (cmake --build $BUILD)" >&2
    exit 2
fi

dir=${BENCH_DIR:-$(mktemp -d /tmp/ledger-bench.XXXXXX)}
[ -n "${BENCH_DIR:-}" ] || trap 'rm -rf "$dir"' EXIT

echo "== machine: $(nproc) cores; files in $dir ($(df -P "$dir" | awk 'NR==2 {print $1}'))"

echo "== (b) group commit: 500,000 rows = 1,000,000 records"
"$bin" append "$dir/m1.jsonl" 500000
echo "== (b) one fsync per record: 1,000 rows = 2,000 records"
"$bin" fsync "$dir/f.jsonl" 1000

echo "== 1,000,000 rows = 2,000,000 records (for the row-sized figure)"
"$bin" append "$dir/r1.jsonl" 1000000

ms_of() { # run "$@", print its wall time in ms; its output is discarded
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}

for f in m1 r1; do
    echo "== (a) replay $f.jsonl ($(du -m "$dir/$f.jsonl" | cut -f1) MB," \
        "$(wc -l <"$dir/$f.jsonl") lines)"
    "$bin" replay "$dir/$f.jsonl"
    "$bin" replay "$dir/$f.jsonl" jansson
    if "$BUILD/cpsbatch" status "$dir/$f.jsonl" >/dev/null 2>&1; then
        echo "cpsbatch status: $(ms_of "$BUILD/cpsbatch" status "$dir/$f.jsonl") ms;" \
            "--json: $(ms_of "$BUILD/cpsbatch" status --json "$dir/$f.jsonl") ms"
    else
        echo "cpsbatch status: not available in $BUILD/cpsbatch (not wired into main yet?)"
    fi
done
