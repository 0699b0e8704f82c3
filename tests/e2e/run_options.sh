#!/usr/bin/env bash
# `cpsbatch run` options that change what happens: --retry-failed, --timeout, --drain-timeout,
# a second Ctrl-C, --json, --password-env.
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
run() { # ledger-name, options... ; sets RC
    timeout 120 "$BUILD/cpsbatch" run "$JOB" --endpoint "$SIM_URL" --ledger "$WORK/$1.ledger.jsonl" \
        --progress never "${@:2}" >"$WORK/$1.out" 2>"$WORK/$1.err"
    RC=$?
}

# --retry-failed: rows refused for quota stay failed on a plain rerun (nothing sent, exit 1)
# and are sent again, same token, with --retry-failed once the quota allows (exit 0).
JOB="$WORK/quota.csv"
make_job "$JOB" 5
start_sim --verify-signatures --quota 4
run quota --rate 0 --concurrency 1
check "quota: exit 1 (got $RC)" [ $RC = 1 ]
failed=$(grep -c '"type":"failed"' "$WORK/quota.ledger.jsonl")
check "quota: some rows failed ($failed)" [ "$failed" -ge 1 ]
sim_faults '{"quota":-1}'
before=$(sim_stat "['requests']")
run quota --rate 0
check "rerun: failed rows stay failed (exit $RC)" [ $RC = 1 ]
check "rerun: nothing sent" [ "$(sim_stat "['requests']")" = "$before" ]
run quota --rate 0 --retry-failed
check "--retry-failed: exit 0 (got $RC)" [ $RC = 0 ]
check "--retry-failed: only the failed rows sent" [ "$(sim_stat "['requests']")" = $((before + failed)) ]
check "--retry-failed: exactly once" exactly_once "$WORK/quota.ledger.jsonl" 5

# A given clientToken that the ledger saw with another request is refused for that row (the
# API would answer with the first request's servers); the other rows go on: exit 1.
JOB="$WORK/given.csv"
printf 'regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId,networkType,name,password,count,clientToken\n' >"$JOB"
for i in 1 2; do
    printf 'cn-north-1,cn-north-1a,cps.c.normal,standard,os-1,r1,r10,basic,given-%d,Test#Passw0rd,1,tok-%d\n' $i $i >>"$JOB"
done
run given --rate 0
check "given tokens: exit 0 (got $RC)" [ $RC = 0 ]
sed -i 's/given-2,Test#Passw0rd,1/given-2,Test#Passw0rd,3/' "$JOB"
printf 'cn-north-1,cn-north-1a,cps.c.normal,standard,os-1,r1,r10,basic,given-3,Test#Passw0rd,1,tok-3\n' >>"$JOB"
before=$(sim_stat "['requests']")
run given --rate 0
check "edited row with its old token: exit 1 (got $RC)" [ $RC = 1 ]
check "edited row with its old token: refused, saying why" grep -q "3:clientToken: 'tok-2' was sent by this batch for a different request" "$WORK/given.err"
check "edited row with its old token: only the new row sent" [ "$(sim_stat "['requests']")" = $((before + 1)) ]

# --json: one object on stdout with the counts.
JOB="$WORK/json.csv"
make_job "$JOB" 3
run json --rate 0 --json
check "--json: exit 0" [ $RC = 0 ]
check "--json: one object with the counts" python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(not (s['done'] == 3 and s['instances'] == 5 and s['exit'] == 0 and s['failed'] == 0))" "$WORK/json.out"

# --timeout: answers slower than it are timeouts, retried, and recorded as such.
JOB="$WORK/slow.csv"
make_job "$JOB" 2
start_sim --verify-signatures --latency-ms 600
run timeout --rate 0 --timeout 0.2 --max-attempts 2
check "--timeout: exit 3 (got $RC)" [ $RC = 3 ]
check "--timeout: recorded as timeouts" grep -q '"type":"attempt".*"status":"timeout"' "$WORK/timeout.ledger.jsonl"

# (The runs below are signalled directly, not through timeout(1); reap() bounds the wait.)
reap() { # pid: wait at most 20 s, then kill; sets RC
    for _ in $(seq 200); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null
    wait "$1"
    RC=$?
}

# Ctrl-C with --drain-timeout: requests in flight get that long, then are cut off (in doubt).
start_sim --verify-signatures --latency-ms 5000
JOB="$WORK/drain.csv"
make_job "$JOB" 4
"$BUILD/cpsbatch" run "$JOB" --endpoint "$SIM_URL" --rate 0 --drain-timeout 0.5 \
    --progress never >"$WORK/drain.out" 2>&1 &
pid=$!
for _ in $(seq 100); do [ "$(sim_stat "['requests']")" = 4 ] && break; sleep 0.05; done
start=$(date +%s.%N)
kill -INT $pid
reap $pid
took=$(echo "$(date +%s.%N) - $start" | bc)
check "drain: exit 3 (got $RC)" [ $RC = 3 ]
check "drain: stopped after about 0.5 s, not 5 (took $took)" [ "$(echo "$took < 2.5" | bc)" = 1 ]
check "drain: rows left in doubt" grep -q "4 left in doubt" "$WORK/drain.out"

# A second Ctrl-C stops at once, even with a long drain; the ledger stays readable.
JOB="$WORK/twice.csv"
make_job "$JOB" 4
sim_reset
"$BUILD/cpsbatch" run "$JOB" --endpoint "$SIM_URL" --rate 0 --drain-timeout 30 \
    --progress never >"$WORK/twice.out" 2>&1 &
pid=$!
for _ in $(seq 100); do [ "$(sim_stat "['requests']")" = 4 ] && break; sleep 0.05; done
start=$(date +%s.%N)
kill -INT $pid
sleep 0.2
kill -INT $pid
reap $pid
took=$(echo "$(date +%s.%N) - $start" | bc)
check "second Ctrl-C: exit 3 (got $RC)" [ $RC = 3 ]
check "second Ctrl-C: at once (took $took)" [ "$(echo "$took < 2" | bc)" = 1 ]
"$BUILD/cpsbatch" status "$WORK/twice.ledger.jsonl" >"$WORK/twice.status" 2>&1
check "second Ctrl-C: ledger readable, rows in doubt" grep -q "4 in doubt" "$WORK/twice.status"

# --password-env: rows without a password get it; it reaches the API, never the ledger.
cp "$SRC/jobs/shared-password.csv" "$WORK/shared.csv"
JOB="$WORK/shared.csv"
start_sim --verify-signatures
SHARED_PW='Shared#Pass1' run shared --rate 0 --region cn-north-1 --password-env SHARED_PW
check "--password-env: exit 0 (got $RC)" [ $RC = 0 ]
check "--password-env: not in the ledger" bash -c "! grep -q 'Shared#Pass1' '$WORK/shared.ledger.jsonl'"
SHARED_PW='short' run shared2 --rate 0 --region cn-north-1 --password-env SHARED_PW
check "--password-env: a bad password is caught before sending (exit $RC)" [ $RC = 65 ]
check "--password-env: ... and not shown" bash -c "! grep -q 'short' '$WORK/shared2.err'"
finish
