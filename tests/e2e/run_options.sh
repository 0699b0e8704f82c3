#!/usr/bin/env bash
# `cpsbatch run` options that change what happens: --retry-failed, --timeout, --drain-timeout,
# a second Ctrl-C, --json, --password-env, malformed and hostile endpoints.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
run() { # ledger-name, options... ; sets RC
    rc timeout 120 "$BUILD/cpsbatch" run "$JOB" --endpoint "$SIM_URL" \
        --ledger "$WORK/$1.ledger.jsonl" --progress never "${@:2}" >"$WORK/$1.out" 2>"$WORK/$1.err"
}

# --retry-failed: rows refused for quota stay failed on a plain rerun (nothing sent, exit 1)
# and are sent again, same token, with --retry-failed once the quota allows (exit 0).
JOB="$WORK/quota.csv"
make_job "$JOB" 5
start_sim --verify-signatures --quota 4
run quota --rate 0 --concurrency 1
check_eq "quota: exit 1" "$RC" 1
failed=$(grep -c '"type":"failed"' "$WORK/quota.ledger.jsonl" || true)
check_num "quota: some rows failed ($failed)" "$failed" ">=" 1
sim_faults '{"quota":-1}'
before=$(sim_stat "['by_api'].get('createInstances', 0)")
run quota --rate 0
check_eq "rerun: failed rows stay failed" "$RC" 1
check_eq "rerun: nothing sent" "$(sim_stat "['by_api'].get('createInstances', 0)")" "$before"
run quota --rate 0 --retry-failed
check_eq "--retry-failed: exit 0" "$RC" 0
check "--retry-failed: only the failed rows sent" [ "$(sim_stat "['by_api'].get('createInstances', 0)")" = $((before + failed)) ]
check "--retry-failed: exactly once" exactly_once "$WORK/quota.ledger.jsonl" 5

# A given clientToken that the ledger saw with another request is refused for that row (the
# API would answer with the first request's servers); the other rows go on: exit 1.
JOB="$WORK/given.csv"
printf 'regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId,networkType,name,password,count,clientToken\n' >"$JOB"
for i in 1 2; do
    printf 'cn-north-1,cn-north-1a,cps.c.normal,standard,centos-7.9-x64,r-sys-raid1,r-data-raid10,basic,given-%d,Test#Passw0rd,1,tok-%d\n' $i $i >>"$JOB"
done
run given --rate 0
check_eq "given tokens: exit 0" "$RC" 0
sed -i 's/given-2,Test#Passw0rd,1/given-2,Test#Passw0rd,3/' "$JOB"
printf 'cn-north-1,cn-north-1a,cps.c.normal,standard,centos-7.9-x64,r-sys-raid1,r-data-raid10,basic,given-3,Test#Passw0rd,1,tok-3\n' >>"$JOB"
before=$(sim_stat "['by_api'].get('createInstances', 0)")
run given --rate 0
check_eq "edited row with its old token: exit 1" "$RC" 1
check_grep "edited row with its old token: refused, saying why" "3:clientToken: 'tok-2' was sent by this batch for a different request" "$WORK/given.err"
check "edited row with its old token: only the new row sent" [ "$(sim_stat "['by_api'].get('createInstances', 0)")" = $((before + 1)) ]

# --json: one object on stdout with the counts.
JOB="$WORK/json.csv"
make_job "$JOB" 3
run json --rate 0 --json
check_eq "--json: exit 0" $RC 0
check "--json: one object with the counts" python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(not (s['done'] == 3 and s['instances'] == 5 and s['exit'] == 0 and s['failed'] == 0))" "$WORK/json.out"

# --timeout: answers slower than it are timeouts, retried, and recorded as such. cps-sim
# holds each answer 5 s, 25 times the timeout, so no answer can beat it on a busy machine.
JOB="$WORK/slow.csv"
make_job "$JOB" 2
start_sim --verify-signatures --latency-ms 5000
run timeout --rate 0 --timeout 0.2 --max-attempts 2
check_eq "--timeout: exit status" "$RC" 3
check_grep "--timeout: recorded as timeouts" '"type":"attempt".*"status":"timeout"' \
    "$WORK/timeout.ledger.jsonl"

# (The runs below are signalled directly, not through timeout(1); reap() bounds the wait.)
# Each signal goes once cps-sim holds all four requests (answers take 60 s), and a second one
# once cpsbatch said it took the first. Rows still in doubt prove the answers were not waited
# for; the time bounds are the ones a busy machine cannot break: at least the drain, and less
# than the answers' 60 s (or the 30-s drain).

# Ctrl-C with --drain-timeout: requests in flight get that long, then are cut off (in doubt).
start_sim --verify-signatures --latency-ms 60000
JOB="$WORK/drain.csv"
make_job "$JOB" 4
spawn pid "$BUILD/cpsbatch" run "$JOB" --endpoint "$SIM_URL" --rate 0 --drain-timeout 0.5 \
    --progress never >"$WORK/drain.out" 2>&1
check "drain: four requests in flight" wait_until 60 "4 requests at cps-sim" sim_count_ge createInstances 4
start=$(now_ms)
kill -INT "$pid"
reap "$pid" 60
took=$(($(now_ms) - start))
check_eq "drain: exit status" "$RC" 3
check_num "drain: waited the drain (ms)" "$took" ">=" 500
check_num "drain: did not wait for the answers (ms)" "$took" "<" 60000
check_grep "drain: rows left in doubt" "4 left in doubt" "$WORK/drain.out"

# A second Ctrl-C stops at once, even with a long drain; the ledger stays readable.
JOB="$WORK/twice.csv"
make_job "$JOB" 4
sim_reset
spawn pid "$BUILD/cpsbatch" run "$JOB" --endpoint "$SIM_URL" --rate 0 --drain-timeout 30 \
    --progress never >"$WORK/twice.out" 2>&1
check "second Ctrl-C: four requests in flight" \
    wait_until 60 "4 requests at cps-sim" sim_count_ge createInstances 4
# Intents are group-committed (written within 100 ms, ledger.h); the second signal ends the
# process at once, so wait until they are on disk: the point is that they stay readable.
intents_ge() { [ "$(grep -c '"type":"intent"' "$1" 2>/dev/null || true)" -ge "$2" ]; }
check "second Ctrl-C: the four intents written" \
    wait_until 60 "4 intents in the ledger" intents_ge "$WORK/twice.ledger.jsonl" 4
interrupt_twice "second Ctrl-C" "$pid" "$WORK/twice.out"
check_eq "second Ctrl-C: exit status" "$RC" 3
check_num "second Ctrl-C: out before the 30-s drain (ms)" "$ELAPSED_MS" "<" 30000
rc "$BUILD/cpsbatch" status "$WORK/twice.ledger.jsonl" >"$WORK/twice.status" 2>&1
check_grep "second Ctrl-C: ledger readable, rows in doubt" "4 in doubt" "$WORK/twice.status"

# --password-env: rows without a password get it; it reaches the API, never the ledger.
cp "$SRC/jobs/shared-password.csv" "$WORK/shared.csv"
JOB="$WORK/shared.csv"
start_sim --verify-signatures
SHARED_PW='Shared#Pass1' run shared --rate 0 --region cn-north-1 --password-env SHARED_PW
check_eq "--password-env: exit 0" "$RC" 0
check_no_grep "--password-env: not in the ledger" "Shared#Pass1" "$WORK/shared.ledger.jsonl"
SHARED_PW='short' run shared2 --rate 0 --region cn-north-1 --password-env SHARED_PW
check_eq "--password-env: a bad password is caught before sending" "$RC" 65
check_no_grep "--password-env: ... and not shown" "short" "$WORK/shared2.err"

# A malformed or hostile endpoint is a usage error found before any file is written: no ledger,
# exit 2, the message names the endpoint. A name that merely starts with "127." is not
# loopback: plain http to it is refused, not sent.
for ep in "https://127.0.0.1:" "https://127.0.0.1:99999" "http://127.0.0.1@example.invalid/" \
    "http://127.0.0.1.example.invalid:1/" "http://127.example.invalid:1/"; do
    rc "$BUILD/cpsbatch" run "$JOB" --endpoint "$ep" --ledger "$WORK/bad-ep.ledger.jsonl" \
        --progress never --yes >"$WORK/bad-ep.out" 2>"$WORK/bad-ep.err"
    check_eq "endpoint $ep: usage error" "$RC" 2
    host=${ep#*://}
    check_grep "endpoint $ep: its host named" "${host%%[:/]*}" "$WORK/bad-ep.err"
    check "endpoint $ep: no ledger written" [ ! -e "$WORK/bad-ep.ledger.jsonl" ]
done
finish
