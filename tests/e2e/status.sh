#!/usr/bin/env bash
# status.sh - `cpsbatch status` on ledgers written by hand: text and --json (an in-doubt row's
# attempts in order: "HTTP 503 UNAVAILABLE x2, then timeout"), a torn tail (a run still
# writing), a locked ledger, and the exit statuses (0, 2, 65, 66).
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
bin=$BUILD/cpsbatch
dir=$WORK

expect_status() { # expect_status WANT CMD...
    local want=$1
    shift
    rc "$@" >"$dir/out" 2>"$dir/err"
    check_eq "${*#"$BUILD/"}: exit status ($(head -c 300 "$dir/err"))" "$RC" "$want"
}
has() { # has FILE TEXT: a line of FILE holds TEXT (a fixed string)
    check_grep "${1##*/} holds '$2'" "$2" "$1" -F
}

salt=$(printf '%064d' 7)
spec=$(printf 'ab%062d' 0)
t() { printf '2026-11-27T03:%02d:00.000Z' "$1"; }
rec() { local IFS=; printf '%s\n' "$*"; } # one record: its pieces joined, then '\n'
intent() { # intent TOKEN ROW MINUTE
    rec '{"type":"intent","token":"'"$1"'","row":'"$2"',"spec_sha256":"'"$spec"'",' \
        '"t":"'"$(t "$3")"'"}'
}
L=$dir/jobs.ledger.jsonl
{
    rec '{"type":"batch","v":1,"salt":"'"$salt"'","created":"'"$(t 0)"'","csv":"jobs.csv",' \
        '"csv_sha256":"'"$spec"'","endpoint":"http://127.0.0.1:8080"}'
    intent tok-a 2 1
    rec '{"type":"attempt","token":"tok-a","n":1,"http":503,"status":"UNAVAILABLE",' \
        '"wait_ms":840,"t":"'"$(t 2)"'"}'
    rec '{"type":"done","token":"tok-a","row":2,"instanceIds":["cps-a1","cps-a2"],' \
        '"requestId":"r1","attempts":2,"t":"'"$(t 3)"'"}'
    for r in 3 4; do
        intent "tok-$r" "$r" 4
        rec '{"type":"failed","token":"tok-'"$r"'","row":'"$r"',"http":400,' \
            '"status":"INVALID_ARGUMENT","message":"bandwidth must be 1..200",' \
            '"requestId":"q'"$r"'","t":"'"$(t 5)"'"}'
    done
    intent tok-5 5 6
    rec '{"type":"failed","token":"tok-5","row":5,"http":429,"status":"QUOTA_EXCEEDED",' \
        '"message":"quota","t":"'"$(t 7)"'"}'
    intent tok-6 6 8
    rec '{"type":"attempt","token":"tok-6","n":1,"http":0,"wait_ms":100,"error":"timeout",' \
        '"t":"'"$(t 9)"'"}'
    intent tok-7 7 10
    for n in 1 2; do
        rec '{"type":"attempt","token":"tok-7","n":'"$n"',"http":503,"status":"UNAVAILABLE",' \
            '"wait_ms":100,"t":"'"$(t 10)"'"}'
    done
    rec '{"type":"attempt","token":"tok-7","n":3,"http":0,"wait_ms":100,"error":"timeout",' \
        '"t":"'"$(t 10)"'"}'
    intent tok-8 8 11
    rec '{"type":"done","token":"tok-8","row":8,"instanceIds":["cps-8"],"attempts":1,' \
        '"t":"'"$(t 12)"'"}'
} >"$L"

# Text.
expect_status 0 "$bin" status "$L"
cp "$dir/out" "$dir/text"
has "$dir/text" "csv        jobs.csv"
has "$dir/text" "endpoint   http://127.0.0.1:8080"
has "$dir/text" "records    $(t 1) .. $(t 12)"
has "$dir/text" "rows       7: 2 done, 3 failed, 2 in doubt (pending)"
has "$dir/text" "instances  3 created"
has "$dir/text" "      2  400 INVALID_ARGUMENT  bandwidth must be 1..200"
has "$dir/text" "rows 3, 4"
has "$dir/text" "      1  429 QUOTA_EXCEEDED  quota"
has "$dir/text" "row 6        tok-6  1 attempt, last: timeout"
has "$dir/text" "row 7        tok-7  3 attempts, last: timeout (HTTP 503 UNAVAILABLE ×2, then timeout)"
check "stderr is empty ($(head -c 300 "$dir/err"))" test ! -s "$dir/err"

# JSON.
expect_status 0 "$bin" status --json "$L"
check "--json: the fields ($(head -c 600 "$dir/out"))" python3 - "$dir/out" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
assert text.count("\n") == 1, "one line"
o = json.loads(text)
want = {"csv": "jobs.csv", "endpoint": "http://127.0.0.1:8080", "records": 17, "rows": 7,
        "done": 2, "failed": 3, "in_doubt": 2, "instances": 3, "torn_tail": None,
        "first": "2026-11-27T03:01:00.000Z", "last": "2026-11-27T03:12:00.000Z",
        "created": "2026-11-27T03:00:00.000Z"}
for k, v in want.items():
    assert o[k] == v, (k, o[k], v)
f = o["failures"]
assert f[0] == {"http": 400, "status": "INVALID_ARGUMENT", "message": "bandwidth must be 1..200",
                "count": 2, "rows": [3, 4]}, f[0]
assert f[1]["http"] == 429 and f[1]["count"] == 1 and f[1]["rows"] == [5], f[1]
assert o["in_doubt_rows"] == [
    {"row": 6, "token": "tok-6", "attempts": 1, "last_error": "timeout", "history": "timeout"},
    {"row": 7, "token": "tok-7", "attempts": 3, "last_error": "timeout",
     "history": "HTTP 503 UNAVAILABLE \u00d72, then timeout"}], o
PY

# A run still writing: a torn last line is ignored (and said so), the file is not touched.
cp "$L" "$dir/torn.jsonl"
printf '{"type":"intent","token":"tok-9","ro' >>"$dir/torn.jsonl"
cp "$dir/torn.jsonl" "$dir/torn.before"
expect_status 0 "$bin" status "$dir/torn.jsonl"
has "$dir/err" "torn.jsonl:19: torn last line (36 bytes) ignored"
has "$dir/out" "rows       7:"
check "status leaves a torn ledger as it was" cmp "$dir/torn.jsonl" "$dir/torn.before"
expect_status 0 "$bin" status --json "$dir/torn.jsonl"
check "torn_tail in --json" python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))
assert o["torn_tail"] == {"line": 19, "bytes": 36}, o["torn_tail"]' "$dir/out"

# A locked ledger (as `run` holds it) can still be read.
if command -v flock >/dev/null; then
    check "status under a lock" flock -n "$L" -c "\"$bin\" status \"$L\" >\"$dir/locked\""
    has "$dir/locked" "rows       7: 2 done"
fi

# Exit statuses.
expect_status 66 "$bin" status "$dir/nope.jsonl"
has "$dir/err" "nope.jsonl"
{ head -n 3 "$L"; echo 'not json'; tail -n 2 "$L"; } >"$dir/corrupt.jsonl"
expect_status 65 "$bin" status "$dir/corrupt.jsonl"
has "$dir/err" "corrupt.jsonl:4:"
: >"$dir/empty.jsonl"
expect_status 65 "$bin" status "$dir/empty.jsonl"
expect_status 2 "$bin" status
expect_status 2 "$bin" status "$L" "$L"
expect_status 2 "$bin" status --bogus "$L"
expect_status 0 "$bin" status --help
has "$dir/out" "usage: cpsbatch status LEDGER [--csv JOB.csv] [--json]"

# Messages come from the API: control characters must not reach the terminal.
{
    head -n 1 "$L"
    intent tok-x 9 1
    rec '{"type":"failed","token":"tok-x","row":9,"http":400,"status":"INVALID_ARGUMENT",' \
        '"message":"\u001b[31mred\nline","t":"'"$(t 2)"'"}'
} >"$dir/esc.jsonl"
expect_status 0 "$bin" status "$dir/esc.jsonl"
has "$dir/out" "INVALID_ARGUMENT  ?[31mred?line"
check_no_grep "no escape character reaches the output" $'\x1b' "$dir/out"

# An empty batch: a header only.
head -n 1 "$L" >"$dir/new.jsonl"
expect_status 0 "$bin" status "$dir/new.jsonl"
has "$dir/out" "rows       0: 0 done, 0 failed, 0 in doubt (pending)"
has "$dir/out" "records    - .. -"

finish
