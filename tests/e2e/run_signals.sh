#!/usr/bin/env bash
# What the world does to a running `cpsbatch run` besides Ctrl-C: the terminal goes away
# (SIGHUP drains as SIGTERM does), its output is a pipe that closes early (the run goes on),
# and another process of the same user looks at its memory (none may: it holds secrets).
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET

# SIGHUP: a stop request like SIGTERM: the answers in flight are recorded, the summary is
# written, exit 3 (incomplete) - not death by signal with rows left unrecorded.
start_sim --verify-signatures --latency-ms 2000
JOB="$WORK/hup.csv"
make_job "$JOB" 40
spawn pid "$BUILD/cpsbatch" run "$JOB" --endpoint "$SIM_URL" --rate 0 --concurrency 4 \
    --drain-timeout 60 --progress never >"$WORK/hup.out" 2>&1
check "hup: four requests in flight" wait_until 60 "4 requests at cps-sim" sim_count_ge createInstances 4
kill -HUP "$pid"
reap "$pid" 60
check_eq "hup: exit 3 (incomplete), not killed by the signal" "$RC" 3
check_grep "hup: says it is stopping" "stopping" "$WORK/hup.out"
check_grep "hup: summary written" "this run:" "$WORK/hup.out"
done=$(grep -c '"type":"done"' "$WORK/hup.ledger.jsonl" || true)
check_num "hup: the four answers in flight were recorded" "$done" ">=" 4
check_num "hup: nothing new started after it" "$(sim_count createInstances)" "<=" 8

# A closed pipe on stderr (the live line piped into head) never ends the run: every row done.
start_sim --verify-signatures
JOB="$WORK/pipe.csv"
make_job "$JOB" 200
rc bash -c '"$1" run "$2" --endpoint "$3" --rate 400 --progress always --ledger "$4" 2>&1 |
    head -c 100 >/dev/null; exit "${PIPESTATUS[0]}"' _ "$BUILD/cpsbatch" "$JOB" "$SIM_URL" \
    "$WORK/pipe.ledger.jsonl"
check_eq "closed pipe: the run finished (exit 0)" "$RC" 0
check "closed pipe: every row created exactly once" exactly_once "$WORK/pipe.ledger.jsonl" 200

# Secrets stay in the process: it is not dumpable, so no core file holds the keys or
# passwords and no other process of the same user may read its memory. The kernel shows it:
# the /proc files of a non-dumpable process belong to root, whoever runs it (run as nobody).
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
    start_sim --verify-signatures --latency-ms 60000
    chmod 0711 "$WORK"
    mkdir -m 0777 "$WORK/nobody"
    make_job "$WORK/nobody/job.csv" 4
    chmod 0644 "$WORK/nobody/job.csv"
    spawn pid setpriv --reuid=nobody --regid=nogroup --clear-groups "$BUILD/cpsbatch" run \
        "$WORK/nobody/job.csv" --endpoint "$SIM_URL" --rate 0 --drain-timeout 0 \
        --progress never >"$WORK/nobody.out" 2>&1
    check "dumpable: the run is sending" wait_until 60 "a request at cps-sim" \
        sim_count_ge createInstances 1
    check_eq "dumpable: its /proc files are root's (not dumpable)" \
        "$(stat -c %U "/proc/$pid/status")" root
    check_eq "dumpable: ... though it runs as nobody" \
        "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" "$(id -u nobody)"
    kill -INT "$pid"
    reap "$pid" 60
else
    skip "not dumpable: needs root and setpriv to run as another user"
fi
finish
