#!/usr/bin/env bash
# run_diskfull.sh - a run whose ledger cannot be written: on a full file system (a 256 KiB
# tmpfs, ENOSPC) and past a file size limit (ulimit -f, EFBIG). Each time: the cause is named,
# the exit status is 74, the summary's counts are what `cpsbatch status` reads from the ledger,
# the ledger ends on a whole record, the records that fitted are kept (a rerun with a little
# room makes progress), and once there is room a rerun finishes with every row created
# exactly once. The tmpfs part needs mount (root); without it that part is skipped (exit 77).
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
bin=$BUILD/cpsbatch
FS=$WORK/fs
MOUNTED=0
trap 'rc=$?; set +e; [ "$MOUNTED" = 0 ] || umount "$FS"; (exit $rc); cleanup' EXIT

start_sim

# run_to NAME LEDGER CSV [shell prefix]: one run, its summary as JSON in NAME.json, stderr in
# NAME.err; RC its exit status.
run_to() {
    rc "$bin" run "$3" --ledger "$2" --endpoint "$SIM_URL" --rate 0 --yes --progress never \
        --json >"$WORK/$1.json" 2>"$WORK/$1.err"
}

# json_get FILE KEY: one member of a one-line JSON object (0 when absent).
json_get() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], 0))' "$1" "$2"
}

# stopped_right WHAT CAUSE LEDGER: the run NAME=WHAT stopped on the ledger, saying CAUSE and the
# ledger's path, with exit 74; its counts are the ledger's; the ledger ends on a whole record.
stopped_right() {
    local what=$1 cause=$2 ledger=$3 k
    check_eq "$what: exit status ($(tail -n 2 "$WORK/$what.err"))" "$RC" 74
    check_grep "$what: the cause and the ledger are named" "$cause: $ledger" "$WORK/$what.err" -F
    check_eq "$what: the summary's exit" "$(json_get "$WORK/$what.json" exit)" 74
    rc "$bin" status "$ledger" --json >"$WORK/$what.status" 2>"$WORK/$what.status.err"
    check_eq "$what: status reads the ledger ($(cat "$WORK/$what.status.err"))" "$RC" 0
    local done_before
    done_before=$(json_get "$WORK/$what.json" already_done)
    check_eq "$what: done (this run and before) is the ledger's" \
        "$(($(json_get "$WORK/$what.json" done) + done_before))" \
        "$(json_get "$WORK/$what.status" done)"
    check_eq "$what: failed (this run and before) is the ledger's" \
        "$(($(json_get "$WORK/$what.json" failed) + $(json_get "$WORK/$what.json" already_failed)))" \
        "$(json_get "$WORK/$what.status" failed)"
    check_eq "$what: in doubt is the ledger's" \
        "$(json_get "$WORK/$what.json" in_doubt)" "$(json_get "$WORK/$what.status" in_doubt)"
    if [ "$done_before" = 0 ]; then
        check_eq "$what: instances are the ledger's" \
            "$(json_get "$WORK/$what.json" instances)" "$(json_get "$WORK/$what.status" instances)"
    fi
    check_eq "$what: the ledger ends with a whole line" "$(tail -c 1 "$ledger" | od -An -c | tr -d ' ')" '\n'
    check_no_grep "$what: no torn line noted" "torn" "$WORK/$what.status.err"
}

# ---- ENOSPC: a small tmpfs -----------------------------------------------------------------

mkdir -p "$FS"
if mount -t tmpfs -o size=256k tmpfs "$FS" 2>/dev/null; then
    MOUNTED=1
    make_job "$WORK/full.csv" 600
    L=$FS/full.ledger.jsonl
    # Fill it but about 40 KiB, in two files: one freed later for a little room.
    dd if=/dev/zero of="$FS/filler-a" bs=1k count=150 status=none
    dd if=/dev/zero of="$FS/filler-b" bs=1k count=60 status=none 2>/dev/null || true
    run_to full "$L" "$WORK/full.csv"
    stopped_right full "No space left on device" "$L"
    first=$(json_get "$WORK/full.json" done)
    check_num "full: some rows done and kept" "$first" ">" 0
    check_num "full: not every row done" "$first" "<" 600

    # A little room (60 KiB): the records that fit are kept, so the rerun makes progress.
    rm -f "$FS/filler-b"
    run_to room "$L" "$WORK/full.csv"
    stopped_right room "No space left on device" "$L"
    rc "$bin" status "$L" --json >"$WORK/room.total" 2>/dev/null
    check_num "room: more rows done after the rerun" "$(json_get "$WORK/room.total" done)" ">" "$first"

    # Room enough: the rerun finishes, every row created exactly once.
    rm -f "$FS/filler-a"
    mount -o remount,size=4m "$FS"
    run_to after "$L" "$WORK/full.csv"
    check_eq "after: exit status ($(tail -n 2 "$WORK/after.err"))" "$RC" 0
    check "after: every row created exactly once" exactly_once "$L" 600
    umount "$FS"
    MOUNTED=0
else
    skip "mount -t tmpfs is not permitted here: the ENOSPC part did not run"
fi

# ---- EFBIG: a file size limit (ulimit -f; cpsbatch ignores SIGXFSZ) --------------------------

sim_reset
make_job "$WORK/big.csv" 300 # its spool fits under the limit, its ledger does not
L=$WORK/big.ledger.jsonl
rc bash -c 'ulimit -f 40 && exec "$@"' _ "$bin" run "$WORK/big.csv" --ledger "$L" \
    --endpoint "$SIM_URL" --rate 0 --yes --progress never --json >"$WORK/fsize.json" \
    2>"$WORK/fsize.err"
stopped_right fsize "File too large" "$L"
check_num "fsize: the ledger reached the limit" "$(stat -c %s "$L")" ">" 30000
run_to fsize-after "$L" "$WORK/big.csv"
check_eq "fsize-after: exit status ($(tail -n 2 "$WORK/fsize-after.err"))" "$RC" 0
check "fsize-after: every row created exactly once" exactly_once "$L" 300

finish
