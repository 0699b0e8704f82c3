#!/usr/bin/env bash
# The machine's limits met by `cpsbatch run`: few open files allowed (ulimit -n) with a
# --concurrency that would need more. The run lowers the concurrency to what the limit
# carries, says so, and sends every row; a soft limit below the hard one is simply raised.
# When descriptors run out all the same (held by someone else: here inherited), a request
# that gets no socket is recorded as that, "too many open files", never as libcurl's
# "Couldn't connect to server", and the rows left in doubt are sent by the next run.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
start_sim --verify-signatures
JOB="$WORK/many.csv"
make_job "$JOB" 3000

# Hard limit 256: --concurrency 2000 is cut to (256 - 64 reserved) / 2 = 96, said once.
rc bash -c 'ulimit -n 256 && exec "$@"' _ "$BUILD/cpsbatch" run "$JOB" --endpoint "$SIM_URL" \
    --rate 0 --concurrency 2000 --progress never --ledger "$WORK/hard.ledger.jsonl" \
    >"$WORK/hard.out" 2>&1
check_eq "ulimit -n 256: every row sent (exit 0)" "$RC" 0
check_grep "ulimit -n 256: the cut said" \
    "--concurrency 2000 needs more open files than the limit allows \(256, ulimit -n\): using 96" \
    "$WORK/hard.out"
check_no_grep "ulimit -n 256: no connection errors" "open files|connect" "$WORK/hard.ledger.jsonl"
check "ulimit -n 256: exactly once" exactly_once "$WORK/hard.ledger.jsonl" 3000

# Soft limit 256 under a higher hard one: raised at start, nothing cut.
sim_reset
hard=$(ulimit -H -n)
if [ "$hard" = unlimited ] || [ "$hard" -ge 4200 ]; then
    rc bash -c 'ulimit -S -n 256 && exec "$@"' _ "$BUILD/cpsbatch" run "$JOB" \
        --endpoint "$SIM_URL" --rate 0 --concurrency 2000 --progress never \
        --ledger "$WORK/soft.ledger.jsonl" >"$WORK/soft.out" 2>&1
    check_eq "ulimit -S -n 256: every row sent (exit 0)" "$RC" 0
    check_no_grep "ulimit -S -n 256: raised, not cut" "needs more open files" "$WORK/soft.out"
    check "ulimit -S -n 256: exactly once" exactly_once "$WORK/soft.ledger.jsonl" 3000
else
    skip "soft limit: the hard limit ($hard) is too low to show a raise"
fi

# Soft and hard limit 100, all but 8 descriptors held open by the parent (inherited): the cut
# to (100 - 64) / 2 = 18 cannot help, and sockets run out.
sim_reset
rc bash -c 'ulimit -n 100 && for ((fd = 3; fd < 92; fd++)); do eval "exec $fd</dev/null"; done &&
    exec "$@"' _ "$BUILD/cpsbatch" run "$JOB" --endpoint "$SIM_URL" --rate 0 --concurrency 500 \
    --max-attempts 2 --no-preflight --progress never --ledger "$WORK/emfile.ledger.jsonl" \
    >"$WORK/emfile.out" 2>&1
check_eq "no descriptors left: incomplete (exit 3)" "$RC" 3
check_grep "no descriptors left: the cut said" \
    "--concurrency 500 needs more open files than the limit allows \(100, ulimit -n\): using 18" \
    "$WORK/emfile.out"
check_grep "no descriptors left: recorded as that" \
    '"error":"too many open files \(ulimit -n\): no socket for the connection"' \
    "$WORK/emfile.ledger.jsonl"
check_no_grep "no descriptors left: never taken for a refused connection" "Couldn't connect" \
    "$WORK/emfile.ledger.jsonl"
check_no_grep "no descriptors left: nor said so" "Couldn't connect" "$WORK/emfile.out"
rc "$BUILD/cpsbatch" run "$JOB" --endpoint "$SIM_URL" --rate 0 --progress never \
    --ledger "$WORK/emfile.ledger.jsonl" >"$WORK/emfile2.out" 2>&1
check_eq "with descriptors back: the rest sent (exit 0)" "$RC" 0
check "with descriptors back: exactly once" exactly_once "$WORK/emfile.ledger.jsonl" 3000
finish
