#!/usr/bin/env bash
# The fault matrix: each way the world breaks a promise, as one row — the emulator's faults,
# the command, and what must hold after: the exit status, what the ledger says (done/failed/in
# doubt, or no ledger at all), how many creates cps-sim saw, a fragment of what the user is
# told. Deeper tests of each behaviour live in the other scripts; this table is the overview
# that every promise of the README keeps at once.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
export PW='Test#Passw0rd'
ROWS=10
make_job "$WORK/job.csv" $ROWS

# ledger_says LEDGER: "done/failed/in_doubt" as `status` reads them, or "none".
ledger_says() {
    [ -e "$1" ] || {
        echo none
        return
    }
    "$BUILD/cpsbatch" status "$1" --json |
        python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["done"], s["failed"], s["in_doubt"], sep="/")'
}

# row NAME EXIT LEDGER CREATES MESSAGE [cps-sim options] -- [run options]: start cps-sim with
# the options, run the job against it (@SIM in run options is its URL; without --endpoint in
# the options it is the endpoint), and check the four outcomes. ENV_* variables set before the
# call are passed to the run.
row() {
    local name=$1 want_rc=$2 want_ledger=$3 want_creates=$4 message=$5 sim=() args=()
    shift 5
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        sim+=("$1")
        shift
    done
    [ $# -gt 0 ] && shift
    start_sim --verify-signatures --seed 11 "${sim[@]}"
    local has_endpoint=0 a
    for a in "$@"; do
        [ "$a" = --endpoint ] && has_endpoint=1
        args+=("${a//@SIM/$SIM_URL}")
    done
    [ "$has_endpoint" = 1 ] || args+=(--endpoint "$SIM_URL")
    local ledger="$WORK/$name.ledger.jsonl"
    rc timeout 120 env "${ROW_ENV[@]}" "$BUILD/cpsbatch" run "$WORK/job.csv" --ledger "$ledger" \
        --progress never "${args[@]}" >"$WORK/$name.out" 2>&1
    check_eq "$name: exit status" "$RC" "$want_rc"
    check_eq "$name: ledger (done/failed/in doubt)" "$(ledger_says "$ledger")" "$want_ledger"
    check_eq "$name: creates seen by cps-sim" "$(sim_count creates)" "$want_creates"
    [ -z "$message" ] || check_grep "$name: says '$message'" "$message" "$WORK/$name.out" -F
    check_no_grep "$name: the password is never shown" "$PW" "$WORK/$name.out" -F
    ROW_ENV=()
}
ROW_ENV=()

#   name               exit ledger   creates message                          cps-sim -- run
row clean              0    10/0/0   10      "10 done"                        -- --rate 0
row p503-storm         0    10/0/0   10      "10 done"                        --p503 0.5 -- --rate 0 --max-attempts 40
row quota              1    4/6/0    4       "6 failed"                       --quota 6 -- --concurrency 1
row retry-after-years  3    0/0/10   0       "wait longer than --max-retry-wait" --p503 1 --retry-after 86400 -- --max-retry-wait 2s
row retries-exhausted  3    0/0/10   0       "in doubt"                       --p503 1 -- --max-attempts 2
# ... and status tells each in-doubt row's last error.
"$BUILD/cpsbatch" status "$WORK/retries-exhausted.ledger.jsonl" >"$WORK/status.out"
check_grep "status: an in-doubt row's last error" \
    "row +[0-9]+ +[-0-9a-f]+ +2 attempts, last: HTTP 503 UNAVAILABLE" "$WORK/status.out"
# (the engine's handling of a 401 mid-batch; preflight.sh covers the pre-flight's own 401)
ROW_ENV=(JDCLOUD_SECRET_KEY=wrong)
row keys-rejected      3    0/0/10   0       "401"                            -- --rate 0 --no-preflight
row bad-port           2    none     0       "http(s) URL"                    -- --endpoint http://127.0.0.1:99999
row empty-port         2    none     0       "http(s) URL"                    -- --endpoint http://127.0.0.1:
ROW_ENV=(-u JDCLOUD_ACCESS_KEY -u JDCLOUD_SECRET_KEY)
row guard-not-loopback 2    none     0       "refusing plain http"            -- --endpoint http://127.attacker.example:1
row no-password-var     2    none     0       "NOSUCHVAR"                      -- --password-env NOSUCHVAR
finish
