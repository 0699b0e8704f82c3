#!/usr/bin/env bash
# Counts that match the wire: with cps-sim resetting connections, `load` reports every send
# attempt and every reset exactly as cps-sim counted them (libcurl's own re-sends on a dead
# kept-alive connection included, which no error shows), and `run`'s ledger holds as many
# attempts as cps-sim saw createInstances calls.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
JOB="$WORK/job.csv"
make_job "$JOB" 20

# wire_ok NAME: the JSON report NAME's wire counts against cps-sim's stats; prints 1 when
# attempts == requests and resets == resets_before + resets_after, else both sides.
wire_ok() {
    curl -sf -m 30 "$SIM_URL/__sim/stats?tokens=0" >"$WORK/stats.json"
    python3 - "$WORK/$1.json" "$WORK/stats.json" <<'PY'
import json, sys
w, s = json.load(open(sys.argv[1]))["wire"], json.load(open(sys.argv[2]))
resets = s["resets_before"] + s["resets_after"]
if w["attempts"] == s["requests"] and w["resets"] == resets:
    print(1)
else:
    print("report %s; cps-sim requests %d, resets %d" % (w, s["requests"], resets))
PY
}
load() { # NAME OPTIONS...: a JSON report in $WORK/NAME.json; sets RC
    local name=$1
    shift
    rc timeout 120 "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --progress never \
        --report json -o "$WORK/$name.json" "$@" 2>"$WORK/$name.err"
}
# py NAME EXPR: EXPR evaluated with r = the JSON report NAME, s = cps-sim's stats.
py() {
    curl -sf -m 30 "$SIM_URL/__sim/stats?tokens=0" >"$WORK/stats.json"
    python3 - "$WORK/$1.json" "$WORK/stats.json" "$2" <<'PY'
import json, sys
r, s = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
v = eval(sys.argv[3])
print(v if not isinstance(v, bool) else int(v))
PY
}

# 1. Resets before the answer, at a fixed rate (the scheduler's thread sends) and above 25,000/s
#    (the transport's threads send), and resets after the create (the re-send is a replay).
for spec in "before:--reset-before 0.05:--rate 1000 --requests 2000" \
    "threads:--reset-before 0.05:--rate 40000 --requests 3000" \
    "after:--reset-after 0.05:--max --requests 2000 --concurrency 16"; do
    IFS=: read -r name sim opts <<<"$spec"
    # shellcheck disable=SC2086
    start_sim --verify-signatures --seed 11 $sim
    # shellcheck disable=SC2086
    load "$name" $opts
    check_eq "$name: exit status ($(cat "$WORK/$name.err"))" "$RC" 0
    check_eq "$name: attempts and resets are cps-sim's" "$(wire_ok "$name")" 1
    # With 5% of calls reset and connections kept alive, libcurl re-sends some requests by
    # itself (about one in twenty at this share): the report shows them.
    check_num "$name: libcurl's re-sends counted" "$(py "$name" "r['wire']['resends']")" ">" 0
    check_eq "$name: resets = re-sends + requests that ended in one" \
        "$(py "$name" "r['wire']['resets'] == r['wire']['resends'] + r['errors']['reset']")" 1
    check_eq "$name: attempts = requests + re-sends" \
        "$(py "$name" "r['wire']['attempts'] == r['requests'] + r['wire']['resends']")" 1
    check_num "$name: connections opened" "$(py "$name" "r['wire']['connections_opened']")" ">=" 1
done
check_num "after: a re-sent create is answered as a replay" "$(sim_count replays)" ">" 0

# 2. The text report says it in one line.
start_sim --reset-before 0.05 --seed 3
rc timeout 120 "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --rate 1000 --requests 500 \
    --progress never >"$WORK/text.out" 2>"$WORK/text.err"
check_eq "text: exit 0" "$RC" 0
check_grep "text: the wire line" \
    "^Wire +$(sim_count requests) attempts \([0-9]+ re-sends by libcurl\), $(sim_count resets_before) resets, [0-9]+ connections opened$" \
    "$WORK/text.out"

# 3. run: the ledger's attempts (done's attempts, or the last attempt's n) add up to the
#    createInstances calls cps-sim saw, re-sends included; every row still created once.
start_sim --verify-signatures --seed 7 --reset-before 0.1
LEDGER="$WORK/run.ledger.jsonl"
rc timeout 120 "$BUILD/cpsbatch" run "$JOB" --endpoint "$SIM_URL" --ledger "$LEDGER" --rate 0 \
    --concurrency 8 --max-attempts 30 --progress never >"$WORK/run.out" 2>&1
check_eq "run: exit status ($(tail -3 "$WORK/run.out"))" "$RC" 0
check "run: exactly once" exactly_once "$LEDGER" 20
ATTEMPTS=$(python3 - "$LEDGER" <<'PY'
import json, sys
n = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["type"] == "attempt":
        n[r["token"]] = r["n"]
    elif r["type"] == "done":
        n[r["token"]] = r["attempts"]
print(sum(n.values()))
PY
)
check_eq "run: the ledger's attempts are cps-sim's createInstances calls" "$ATTEMPTS" \
    "$(sim_count createInstances)"
finish
