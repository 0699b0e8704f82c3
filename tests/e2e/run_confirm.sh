#!/usr/bin/env bash
# Against an endpoint that is not loopback, on a terminal, `run` shows the plan and asks
# first; "n" sends nothing, "y" sends, --yes does not ask, and without a terminal it does not
# ask either. The endpoint is cps-sim reached as http://2130706433:PORT (127.0.0.1 written as
# one decimal number), which cpsbatch does not recognise as loopback, so it treats it as
# remote: plain http needs --insecure-http, and the prompt appears. `script` gives a real pty.
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
make_job "$WORK/job.csv" 4
start_sim --verify-signatures
remote="http://2130706433:${SIM_URL##*:}"
requests() { sim_stat "['requests']"; }
on_tty() { # answer, then cpsbatch arguments
    local answer=$1
    shift
    printf '%s\n' "$answer" | timeout 60 script -qec "$(printf '%q ' "$BUILD/cpsbatch" "$@")" /dev/null >"$WORK/tty.out" 2>&1
}

timeout 60 "$BUILD/cpsbatch" run "$WORK/job.csv" --endpoint "$remote" --progress never >"$WORK/plain.out" 2>&1
check "plain http to a remote host refused (exit $?)" grep -q "refusing plain http" "$WORK/plain.out"

on_tty n run "$WORK/job.csv" --endpoint "$remote" --insecure-http --ledger "$WORK/n.jsonl"
check "asked" grep -q "Send 4 createInstances calls? \[y/N\]" "$WORK/tty.out"
check "the plan came first" grep -q "4 rows, 6 instances in cn-north-1" "$WORK/tty.out"
check "'n': nothing sent" [ "$(requests)" = 0 ]

on_tty y run "$WORK/job.csv" --endpoint "$remote" --insecure-http --ledger "$WORK/y.jsonl"
check "'y': sent" [ "$(requests)" = 4 ]
check "'y': done, signed for the host as written" [ "$(grep -c '"type":"done"' "$WORK/y.jsonl")" = 4 ]

sim_reset
on_tty n run "$WORK/job.csv" --endpoint "$remote" --insecure-http --ledger "$WORK/yes.jsonl" --yes
check "--yes: not asked" bash -c "! grep -q 'y/N' '$WORK/tty.out'"
check "--yes: sent" [ "$(requests)" = 4 ]

sim_reset
timeout 60 "$BUILD/cpsbatch" run "$WORK/job.csv" --endpoint "$remote" --insecure-http \
    --ledger "$WORK/notty.jsonl" </dev/null >"$WORK/notty.out" 2>&1
check "no terminal: not asked, sent" [ "$(requests)" = 4 ]

# The live line is drawn on a terminal (and not without one).
check "live line on a terminal" grep -q "done 4/4" "$WORK/tty.out"
check "no live line without a terminal" bash -c "! grep -q 'ETA' '$WORK/notty.out'"
finish
