#!/usr/bin/env bash
# Against an endpoint that is not loopback, on a terminal, `run` shows the plan and asks
# first; "n" sends nothing, "y" sends, --yes does not ask, and without a terminal it does not
# ask either. The endpoint is cps-sim reached as http://2130706433:PORT (127.0.0.1 written as
# one decimal number), which cpsbatch does not recognise as loopback, so it treats it as
# remote: plain http needs --insecure-http, and the prompt appears. `script` gives a real pty.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
make_job "$WORK/job.csv" 4
start_sim --verify-signatures
remote="http://2130706433:${SIM_URL##*:}"
requests() { sim_stat "['by_api'].get('createInstances', 0)"; }
on_tty() { # answer, then cpsbatch arguments
    local answer=$1
    shift
    printf '%s\n' "$answer" | timeout 120 script -qec "$(printf '%q ' "$BUILD/cpsbatch" "$@")" \
        /dev/null >"$WORK/tty.out" 2>&1 || true
}

rc timeout 120 "$BUILD/cpsbatch" run "$WORK/job.csv" --endpoint "$remote" --progress never \
    >"$WORK/plain.out" 2>&1
check_eq "plain http to a remote host: exit status" "$RC" 2
check_grep "plain http to a remote host refused" "refusing plain http" "$WORK/plain.out"

on_tty n run "$WORK/job.csv" --endpoint "$remote" --insecure-http --ledger "$WORK/n.jsonl"
check_grep "asked" "Send 4 createInstances calls\? \[y/N\]" "$WORK/tty.out"
check_grep "the plan came first" "4 rows, 6 instances in cn-north-1" "$WORK/tty.out"
check_eq "'n': nothing sent" "$(requests)" 0

on_tty y run "$WORK/job.csv" --endpoint "$remote" --insecure-http --ledger "$WORK/y.jsonl"
check_eq "'y': sent" "$(requests)" 4
check_eq "'y': done, signed for the host as written" "$(grep -c '"type":"done"' "$WORK/y.jsonl")" 4

sim_reset
on_tty n run "$WORK/job.csv" --endpoint "$remote" --insecure-http --ledger "$WORK/yes.jsonl" --yes
check_no_grep "--yes: not asked" "y/N" "$WORK/tty.out"
check_eq "--yes: sent" "$(requests)" 4

sim_reset
rc timeout 120 "$BUILD/cpsbatch" run "$WORK/job.csv" --endpoint "$remote" --insecure-http \
    --ledger "$WORK/notty.jsonl" </dev/null >"$WORK/notty.out" 2>&1
check_eq "no terminal: exit status" "$RC" 0
check_eq "no terminal: not asked, sent" "$(requests)" 4

# The live line is drawn on a terminal (and not without one).
check_grep "live line on a terminal" "done 4/4" "$WORK/tty.out"
check_no_grep "no live line without a terminal" "ETA" "$WORK/notty.out"
finish
