#!/usr/bin/env bash
# exit_codes.sh - one row per cause of failure: the command, what it is given, the exit status
# the README's "Exit status" table promises, and a fragment of the message that names the
# cause. Statuses: 0 2 65 66 73 74 75 (1, 3, 4: the run and load tests; 74 for a ledger on a
# full disk: run_diskfull.sh).
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
bin=$BUILD/cpsbatch
RO=$WORK/ro
MOUNTED=0
trap 'rc=$?; set +e; [ "$MOUNTED" = 0 ] || umount "$RO"; (exit $rc); cleanup' EXIT

make_job "$WORK/job.csv" 3
# A ledger of that job, written by a run on the built-in sandbox.
rc "$bin" run "$WORK/job.csv" --sandbox --ledger "$WORK/good.ledger.jsonl" --yes \
    --progress never >/dev/null 2>"$WORK/setup.err"
check_eq "setup: a sandbox run ($(tail -n 1 "$WORK/setup.err"))" "$RC" 0
G=$WORK/good.ledger.jsonl
printf 'this is not a ledger\n' >"$WORK/corrupt.ledger.jsonl"
C=$WORK/corrupt.ledger.jsonl
ln -s "$WORK/nowhere/x.ledger.jsonl" "$WORK/dangling.ledger.jsonl"
# Nothing is sent in these rows, nor is a catalog read (preflight.sh covers the pre-flight).
EP=(--endpoint http://127.0.0.1:9 --yes --progress never --no-preflight)

# row NAME WANT FRAGMENT STDOUT COMMAND...: COMMAND (stdout to STDOUT) exits WANT, and its
# standard error holds FRAGMENT (a fixed string; "" for none).
row() {
    local name=$1 want=$2 fragment=$3 out=$4
    shift 4
    rc "$@" >"$out" 2>"$WORK/$name.err"
    check_eq "$name: exit status ($(head -c 300 "$WORK/$name.err"))" "$RC" "$want"
    [ -z "$fragment" ] || check_grep "$name: the message" "$fragment" "$WORK/$name.err" -F
}
O=$WORK/out

row usage 2 "unknown command" "$O" "$bin" frobnicate
row dry-run 0 "" "$O" "$bin" run "$WORK/job.csv" --dry-run
row dry-run-ledger 0 "" "$O" "$bin" run "$WORK/job.csv" --dry-run --ledger "$G"
check_eq "dry-run-ledger: a line per row" "$(wc -l <"$O")" 3
row status 0 "" "$O" "$bin" status "$G"
row export 0 "3 rows" "$O" "$bin" export "$G"

# 65: a corrupt ledger, whichever command reads it.
row corrupt-run 65 "corrupt ledger" "$O" "$bin" run "$WORK/job.csv" --ledger "$C" "${EP[@]}"
row corrupt-dry-run 65 "corrupt ledger" "$O" "$bin" run "$WORK/job.csv" --ledger "$C" --dry-run
row corrupt-status 65 "corrupt ledger" "$O" "$bin" status "$C"
row corrupt-export 65 "corrupt ledger" "$O" "$bin" export "$C"

# 66: an input that cannot be read.
row missing-status 66 "No such file or directory" "$O" "$bin" status "$WORK/none.ledger.jsonl"
row missing-export 66 "No such file or directory" "$O" "$bin" export "$WORK/none.ledger.jsonl"
row missing-csv 66 "No such file or directory" "$O" "$bin" validate "$WORK/none.csv"

# 73: the ledger (or an export) cannot be created.
row dangling-ledger 73 "symbolic link to a file that does not exist" "$O" \
    "$bin" run "$WORK/job.csv" --ledger "$WORK/dangling.ledger.jsonl" "${EP[@]}"
row no-such-dir 73 "cannot create: No such file or directory" "$O" \
    "$bin" run "$WORK/job.csv" --ledger "$WORK/nodir/x.ledger.jsonl" "${EP[@]}"
row export-no-such-dir 73 "cannot create: No such file or directory" "$O" \
    "$bin" export "$G" -o "$WORK/nodir/out.csv"
# run's spool of the CSV (its second pass reads it) cannot be made in $TMPDIR.
row spool-no-such-dir 73 "cannot make a temporary file in $WORK/notmp: No such file or directory" \
    "$O" env TMPDIR="$WORK/notmp" "$bin" run "$WORK/job.csv" --ledger "$WORK/sp.ledger.jsonl" \
    "${EP[@]}"
check "spool-no-such-dir: no ledger" test ! -e "$WORK/sp.ledger.jsonl"
# A directory the ledger cannot be created in: read-only to a user; for root (who may write
# anywhere) a read-only file system.
mkdir -p "$RO"
if [ "$(id -u)" != 0 ]; then
    chmod 0555 "$RO"
    row unwritable-dir 73 "cannot create: Permission denied" "$O" \
        "$bin" run "$WORK/job.csv" --ledger "$RO/x.ledger.jsonl" "${EP[@]}"
    row spool-unwritable-dir 73 "cannot make a temporary file in $RO: Permission denied" "$O" \
        env TMPDIR="$RO" "$bin" run "$WORK/job.csv" --ledger "$WORK/sp.ledger.jsonl" "${EP[@]}"
elif mount -t tmpfs -o ro,size=16k tmpfs "$RO" 2>/dev/null; then
    MOUNTED=1
    row unwritable-dir 73 "cannot create: Read-only file system" "$O" \
        "$bin" run "$WORK/job.csv" --ledger "$RO/x.ledger.jsonl" "${EP[@]}"
    row spool-unwritable-dir 73 "cannot make a temporary file in $RO: Read-only file system" \
        "$O" env TMPDIR="$RO" "$bin" run "$WORK/job.csv" --ledger "$WORK/sp.ledger.jsonl" \
        "${EP[@]}"
    # A full disk when the ledger is created: its header cannot be written.
    mount -o remount,rw "$RO"
    dd if=/dev/zero of="$RO/filler" bs=1k count=16 status=none 2>/dev/null || true
    row full-at-creation 73 "cannot create: No space left on device" "$O" \
        "$bin" run "$WORK/job.csv" --ledger "$RO/x.ledger.jsonl" "${EP[@]}"
    check "full-at-creation: no ledger, no temporary file left" \
        test -z "$(ls "$RO" | grep -v '^filler$')"
    # ... and a full $TMPDIR while the check reads the CSV into the spool.
    row spool-full 73 "cannot write the spool of $WORK/job.csv: No space left on device" "$O" \
        env TMPDIR="$RO" "$bin" run "$WORK/job.csv" --ledger "$WORK/sp.ledger.jsonl" "${EP[@]}"
    check "spool-full: no ledger" test ! -e "$WORK/sp.ledger.jsonl"
    umount "$RO"
    MOUNTED=0
else
    skip "a read-only directory for root needs mount: unwritable-dir and full-at-creation"
fi

# 74: standard output cannot be written (the cause named, never silence).
if [ -w /dev/full ]; then
    row status-full 74 "cannot write standard output: No space left on device" /dev/full \
        "$bin" status "$G"
    row status-json-full 74 "cannot write standard output: No space left on device" /dev/full \
        "$bin" status "$G" --json
    row validate-full 74 "cannot write standard output: No space left on device" /dev/full \
        "$bin" validate "$WORK/job.csv"
    row dry-run-full 74 "cannot write standard output: No space left on device" /dev/full \
        "$bin" run "$WORK/job.csv" --dry-run
    row export-full 74 "cannot write standard output: No space left on device" /dev/full \
        "$bin" export "$G"
    row help-full 74 "cannot write standard output: No space left on device" /dev/full \
        "$bin" --help
else
    skip "/dev/full is not writable here: the full standard output rows"
fi
# A reader that goes away is no error: `status | head -n 1` exits 0, silent.
rc bash -c 'set -o pipefail; "$1" status "$2" 2>"$3" | head -n 1 >/dev/null' _ "$bin" "$G" \
    "$WORK/pipe.err"
check_eq "closed pipe: exit status" "$RC" 0
check_eq "closed pipe: nothing said" "$(cat "$WORK/pipe.err")" ""

# 75: another run holds the ledger.
spawn LOCKER flock -x "$G" sleep 60
check "locked: the lock is taken" wait_until 30 "flock to hold $G" \
    bash -c '! flock -n -x "$1" true' _ "$G"
row locked 75 "locked: another process" "$O" \
    "$bin" run "$WORK/job.csv" --ledger "$G" --sandbox --yes --progress never
kill "$LOCKER"
reap "$LOCKER" 30

# The table is in --help, and every status of it in the README.
rc "$bin" --help >"$WORK/help.out"
for code in 0 1 2 3 4 65 66 70 73 74 75; do
    check_grep "--help lists $code" "^ *$code  " "$WORK/help.out"
    check_grep "README lists $code" "^\| $code \|" "$SRC/README.md"
done

finish
