#!/usr/bin/env bash
# The input side: standard input and FIFOs, rows appended during a run (never sent), endless
# and huge inputs refused quickly with flat memory, UTF-16 and GBK files, separators, rows of
# empty cells. Files are made here with printf, awk and iconv.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
CPS="$BUILD/cpsbatch"
JOB="$WORK/job.csv"
make_job "$JOB" 6

# ---- Standard input and FIFOs ---------------------------------------------------------------

rc "$CPS" validate - <"$JOB" >"$WORK/stdin.out" 2>&1
check_eq "stdin validate: exit status" "$RC" 0
check_grep "stdin validate: the summary" "^-: valid: 6 rows" "$WORK/stdin.out"

mkfifo "$WORK/fifo.csv"
spawn writer sh -c "cat '$JOB' >'$WORK/fifo.csv'"
rc timeout 60 "$CPS" validate "$WORK/fifo.csv" >"$WORK/fifo.out" 2>&1
check_eq "FIFO validate: exit status" "$RC" 0
check_grep "FIFO validate: the summary" "valid: 6 rows" "$WORK/fifo.out"
reap "$writer" 30

(cd "$WORK" && rc timeout 60 "$CPS" run --sandbox - --progress never <"$JOB" >stdin-run.out 2>&1
    echo "$RC" >stdin-run.rc)
check_eq "stdin run without --ledger: a usage error" "$(cat "$WORK/stdin-run.rc")" 2
check_grep "stdin run without --ledger: says why" \
    "standard input is read once \(a pipe, FIFO or device\): give --ledger FILE" \
    "$WORK/stdin-run.out"
check "stdin run without --ledger: no '-.ledger.jsonl'" test ! -e "$WORK/-.ledger.jsonl"
rc timeout 60 "$CPS" run --sandbox "$WORK/fifo.csv" --progress never >"$WORK/fifo-run0.out" 2>&1
check_eq "FIFO run without --ledger: a usage error, at once" "$RC" 2

start_sim
spawn writer sh -c "cat '$JOB' >'$WORK/fifo.csv'"
rc timeout 120 "$CPS" run "$WORK/fifo.csv" --endpoint "$SIM_URL" --ledger "$WORK/fifo.ledger.jsonl" \
    --progress never >"$WORK/fifo-run.out" 2>&1
check_eq "FIFO run --ledger: exit status" "$RC" 0
check "FIFO run --ledger: exactly once" exactly_once "$WORK/fifo.ledger.jsonl" 6
reap "$writer" 30
rc "$CPS" run --sandbox - --ledger "$WORK/stdin.ledger.jsonl" --progress never <"$JOB" \
    >"$WORK/stdin-run2.out" 2>&1
check_eq "stdin run --ledger: exit status" "$RC" 0
check_grep "stdin run --ledger: every row done" "6 done" "$WORK/stdin-run2.out"
rc "$CPS" export "$WORK/stdin.ledger.jsonl" >"$WORK/export.out" 2>&1
check_eq "export of a batch read from standard input: a usage error" "$RC" 2
check_grep "export of a batch read from standard input: says why" \
    "read from standard input, which cannot be read again: give --csv JOB.csv" "$WORK/export.out"
rc "$CPS" export "$WORK/stdin.ledger.jsonl" --csv "$JOB" >"$WORK/export2.out" 2>&1
check_eq "export --csv of that batch: exit status" "$RC" 0
check_eq "export --csv of that batch: every row done" "$(grep -c ',done,' "$WORK/export2.out")" 6

# ---- Rows appended during a run are not sent -------------------------------------------------
# 20 rows at 2/s (burst 1) take at least 9.5 s: the rate limiter guarantees the run is still
# sending when the rows are appended, after the first request arrives.
start_sim
JOB2="$WORK/grow.csv"
make_job "$JOB2" 20
spawn runner sh -c "'$CPS' run '$JOB2' --endpoint '$SIM_URL' --rate 2 --burst 1 --progress never \
    >'$WORK/grow.out' 2>&1"
check "append: the run has started sending" wait_until 60 "a first request" sim_count_ge createInstances 1
awk 'NR > 1 { sub(/node-/, "late-"); print }' "$JOB2" >>"$JOB2"
reap "$runner" 120
check_eq "append: exit status" "$RC" 0
check_eq "append: the 20 checked rows sent, not the 20 appended" "$(sim_count creates)" 20
check_grep "append: the change is reported" \
    "grow.csv changed since it was checked; the rows sent are the ones checked" "$WORK/grow.out"

# ---- Endless and huge inputs: refused quickly, memory flat ----------------------------------
if [ -x /usr/bin/time ]; then
    limited() { # name, file
        rc timeout 60 /usr/bin/time -f "%M" -o "$WORK/$1.kib" "$CPS" validate "$2" \
            >"$WORK/$1.out" 2>&1
        check_eq "$1: refused as invalid" "$RC" 65
        check_grep "$1: the limit, with row and column" \
            ":1:column 1: a cell longer than 65536 bytes, the limit \(is this a CSV file\?\)" \
            "$WORK/$1.out"
        check_num "$1: peak memory (KiB)" "$(tail -n 1 "$WORK/$1.kib")" "<" 65536
    }
    limited zero /dev/zero
    truncate -s 200M "$WORK/nul.csv"
    limited nul "$WORK/nul.csv"
    rm -f "$WORK/nul.csv"
    awk 'BEGIN { c = sprintf("%2000s", ""); gsub(/ /, "x", c)
                 for (i = 0; i < 8000; i++) printf "%s,", c; print "" }' >"$WORK/wide.csv"
    rc timeout 60 /usr/bin/time -f "%M" -o "$WORK/wide.kib" "$CPS" validate "$WORK/wide.csv" \
        >"$WORK/wide.out" 2>&1
    check_eq "16 MB header: refused" "$RC" 65
    check_grep "16 MB header: the limit" "wide.csv:1: a header row longer than 65536 bytes" \
        "$WORK/wide.out"
    check_num "16 MB header: peak memory (KiB)" "$(tail -n 1 "$WORK/wide.kib")" "<" 65536
else
    skip "no /usr/bin/time"
fi

# ---- Encodings ------------------------------------------------------------------------------
GB="$WORK/gb.csv"
{
    head -n 1 "$JOB" | tr -d '\n'
    echo ",description"
    tail -n +2 "$JOB" | awk '{ print $0 ",中文说明 " NR }'
} | iconv -f utf-8 -t gb18030 >"$GB"
rc "$CPS" validate "$GB" >"$WORK/gb.out" 2>&1
check_eq "GBK without --encoding: invalid" "$RC" 65
check_grep "GBK without --encoding: the message and the hint" \
    '^.*/gb.csv:2:description: not valid UTF-8; the bytes read as GBK/GB18030: save the file as "CSV UTF-8" or give --encoding gb18030$' \
    "$WORK/gb.out"
check_grep "GBK without --encoding: the others counted once" \
    "gb.csv: 5 more cells are not valid UTF-8 \(only the first is shown\)" "$WORK/gb.out"
rc "$CPS" run --sandbox "$GB" --encoding gb18030 --progress never >"$WORK/gb-run.out" 2>&1
check_eq "GBK run --sandbox --encoding gb18030: exit status" "$RC" 0
check_grep "GBK run: every row created" "6 done \(9 instances\)" "$WORK/gb-run.out"
check_eq "GBK run: 6 done records" "$(grep -c '"type":"done"' "$WORK/gb.sandbox.ledger.jsonl")" 6
check_grep "GBK run: the ledger's csv_sha256 is of the file's bytes" \
    "\"csv_sha256\":\"$(sha256sum "$GB" | cut -d' ' -f1)\"" "$WORK/gb.sandbox.ledger.jsonl" -F

U16="$WORK/u16.csv"
iconv -f utf-8 -t utf-16le "$JOB" >"$WORK/u16-nobom.csv"
{ printf '\xff\xfe'; cat "$WORK/u16-nobom.csv"; } >"$U16"
rc "$CPS" validate "$U16" >"$WORK/u16.out" 2>&1
check_eq "UTF-16LE with a BOM: valid without --encoding" "$RC" 0
rc "$CPS" validate "$WORK/u16-nobom.csv" >"$WORK/u16n.out" 2>&1
check_eq "UTF-16LE without a BOM: invalid" "$RC" 65
check_grep "UTF-16LE without a BOM: the message" \
    "u16-nobom.csv:1:column 1: not valid UTF-8: a NUL byte \(a UTF-16 file without a byte-order mark\? give --encoding utf-16le\)" \
    "$WORK/u16n.out"
rc "$CPS" validate "$WORK/u16-nobom.csv" --encoding utf-16le >"$WORK/u16e.out" 2>&1
check_eq "UTF-16LE without a BOM, --encoding utf-16le: valid" "$RC" 0
rc "$CPS" validate "$U16" --encoding gb18030 >"$WORK/u16c.out" 2>&1
check_eq "a UTF-16 BOM and --encoding gb18030: refused" "$RC" 65
check_grep "a UTF-16 BOM and --encoding gb18030: says so" \
    "starts with a UTF-16LE byte-order mark, but --encoding gb18030 was given" "$WORK/u16c.out"
rc "$CPS" validate "$JOB" --encoding no-such >"$WORK/enc.out" 2>&1
check_eq "an unknown --encoding: a usage error" "$RC" 2

# ---- Separators and empty rows --------------------------------------------------------------
tr ',' ';' <"$JOB" >"$WORK/semi.csv"
tr ',' '\t' <"$JOB" >"$WORK/tab.csv"
rc "$CPS" validate "$WORK/semi.csv" >"$WORK/semi.out" 2>&1
check_eq "';' detected: valid" "$RC" 0
check_grep "';' detected: said" "valid: 6 rows, 9 instances .*; separated by ';'$" "$WORK/semi.out"
rc "$CPS" validate "$WORK/tab.csv" --delimiter tab >"$WORK/tab.out" 2>&1
check_grep "--delimiter tab: said" "; separated by tab$" "$WORK/tab.out"
rc "$CPS" validate "$WORK/semi.csv" --delimiter , >"$WORK/semi2.out" 2>&1
check_eq "';' file, --delimiter ',': invalid" "$RC" 65
check_grep "';' file, --delimiter ',': the other separator named" \
    "semi.csv:1: the header reads as column names when separated by ';', not by ',': give --delimiter ';'" \
    "$WORK/semi2.out"
{ head -n 1 "$JOB"; echo ',,,,,,,,,,'; tail -n +2 "$JOB"; echo ' , ,,,,,,,,,'; } >"$WORK/empty.csv"
rc "$CPS" validate "$WORK/empty.csv" >"$WORK/empty.out" 2>&1
check_eq "rows of empty cells: valid" "$RC" 0
check_grep "rows of empty cells: counted" "valid: 6 rows, .*; 2 empty rows skipped$" \
    "$WORK/empty.out"

finish
