#!/usr/bin/env bash
# What Kubernetes does with deploy/kubernetes/run-job.yaml, done locally against one cps-sim:
# the manifest's own arguments (read from it), N share processes each started with
# JOB_COMPLETION_INDEX as the Indexed Job sets it (0-based), each share's ledger in its own
# folder of one "claim" (the manifest's subPathExpr). One share is killed with SIGKILL mid-run
# and started again with the same index (a replaced pod); a second process for another index
# is started while the first runs (an index running twice at once) and is refused by the
# ledger lock with exit 75. At the end every row was created exactly once over all ledgers
# (cps-sim's stats), each share's ledger holds all its rows, done, and `export` of all the
# shares' ledgers gives one sheet with every row's outcome.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET CPS_PASSWORD='Test#Passw0rd'
MANIFEST="$SRC/deploy/kubernetes/run-job.yaml"
ROWS=120
JOB="$WORK/job.csv"
make_job "$JOB" $ROWS
start_sim --verify-signatures --latency-ms 20 --seed 7

# ---- The manifest: N, the container's arguments, where the ledger is mounted --------------------

# field NAME: the value of the Job spec's "  NAME: VALUE" line.
field() { sed -n "s/^  $1: *//p" "$MANIFEST"; }
N=$(field completions)
check_eq "parallelism = completions" "$(field parallelism)" "$N"
check_eq "completionMode" "$(field completionMode)" Indexed
mapfile -t ARGS < <(awk '/^ +args:$/ { on = 1; next }
    on && /^ +- / { sub(/^ +- /, ""); gsub(/^"|"$/, ""); print; next }
    on && !/^ *#/ { exit }' "$MANIFEST")
check_eq "the container runs cpsbatch run" "${ARGS[0]:-} ${ARGS[1]:-}" "run /job/job.csv"
SHARD=""
for i in "${!ARGS[@]}"; do [ "${ARGS[$i]}" != --shard ] || SHARD=${ARGS[$((i + 1))]}; done
check_eq "--shard index/N with N = completions" "$SHARD" "index/$N"
MOUNT=$(grep -B1 'subPathExpr:' "$MANIFEST" | sed -n 's/^ *mountPath: *//p')
SUBPATH=$(sed -n 's/^ *subPathExpr: *//p' "$MANIFEST")
check_eq "the ledger's mount takes its folder from the index" "$MOUNT $SUBPATH" \
    '/ledger index-$(JOB_COMPLETION_INDEX)'
check "the manifest's keys come from the Secret" grep -q "secretKeyRef:" "$MANIFEST"
[ "$N" -ge 2 ] && [ "${#ARGS[@]}" -ge 4 ] || { fail_ "cannot read the manifest"; finish; }

# ledger_of INDEX: where the pod of INDEX has its ledger (the claim's folder for it).
ledger_of() {
    local a
    for a in "${ARGS[@]}"; do
        case $a in "$MOUNT"/*) echo "$WORK/claim/${SUBPATH//\$(JOB_COMPLETION_INDEX)/$1}/${a#"$MOUNT"/}" ;; esac
    done
}
# pod INDEX: the container's command for INDEX, as the kubelet would run it: its arguments, the
# paths of the mounts mapped to this machine's, and the endpoint (cps-sim's).
pod() {
    local a out=()
    for a in "${ARGS[@]}"; do
        case $a in
        /job/job.csv) out+=("$JOB") ;;
        "$MOUNT"/*) out+=("$(ledger_of "$1")") ;;
        *) out+=("$a") ;;
        esac
    done
    JOB_COMPLETION_INDEX=$1 exec "$BUILD/cpsbatch" "${out[@]}" --endpoint "$SIM_URL"
}
for i in $(seq 0 $((N - 1))); do mkdir -p "$(dirname "$(ledger_of "$i")")"; done

# ---- The Job: N pods at once --------------------------------------------------------------------

declare -A PIDS
for i in $(seq 0 $((N - 1))); do
    spawn pid pod "$i" >"$WORK/pod$i.out" 2>&1
    PIDS[$i]=$pid
done
# The manifest's --rate (5/s a share) makes each share of ~$((ROWS / N)) rows last seconds: a
# kill once 3 rows are done lands before it could finish, however slow the machine.
done_rows() { grep -c '"type":"done"' "$(ledger_of "$1")" 2>/dev/null || true; }
at_least_done() { [ "$(done_rows "$1")" -ge "$2" ]; }
check "pod 0 has rows done" wait_until 120 "3 done rows in share 1's ledger" at_least_done 0 3
kill -KILL "${PIDS[0]}"
reap "${PIDS[0]}" 60
check_eq "pod 0 was killed" "$RC" 137

# Index 1 twice at once: its pod runs; another pod for index 1 is refused by the ledger's lock.
check "pod 1 has a row done" wait_until 120 "a done row in share 2's ledger" at_least_done 1 1
rc timeout 120 bash -c "$(declare -f pod ledger_of); $(declare -p ARGS MOUNT SUBPATH JOB WORK BUILD SIM_URL); pod 1" \
    >"$WORK/twice.out" 2>&1
check_eq "a second pod for index 1: exit 75 (locked)" "$RC" 75
check_grep "it says another run holds the ledger" "lock|another" "$WORK/twice.out" -i
check "pod 1 was still running then" kill -0 "${PIDS[1]}"

# The replacement of pod 0: the same index again; it resumes the share.
spawn pid pod 0 >"$WORK/pod0b.out" 2>&1
PIDS[0]=$pid
for i in $(seq 0 $((N - 1))); do
    reap "${PIDS[$i]}" 240
    out="$WORK/pod$i.out"
    [ "$i" != 0 ] || out="$WORK/pod0b.out"
    check_eq "pod $i: exit status ($(tail -n 1 "$out" 2>/dev/null))" "$RC" 0
done
check "the replacement resumed (rows already done)" grep -qE "[1-9][0-9]* already done" \
    "$WORK/pod0b.out"

# ---- Every row exactly once, every share complete -----------------------------------------------

for i in $(seq 0 $((N - 1))); do cat "$(ledger_of "$i")"; done >"$WORK/all.ledger.jsonl"
check "every row created exactly once over all ledgers (cps-sim)" \
    exactly_once "$WORK/all.ledger.jsonl" $ROWS
total=0
for i in $(seq 0 $((N - 1))); do
    L=$(ledger_of "$i")
    rc "$BUILD/cpsbatch" status "$L" >"$WORK/status$i.out" 2>&1
    check_eq "status of share $((i + 1)): exit status" "$RC" 0
    check_grep "status names share $((i + 1))/$N" "^shard +$((i + 1))/$N" "$WORK/status$i.out"
    # The share's rows, as run would send them (a dry run against its ledger): all done there.
    JOB_COMPLETION_INDEX=$i "$BUILD/cpsbatch" run "$JOB" --shard "index/$N" --ledger "$L" \
        --dry-run 2>/dev/null >"$WORK/dry$i.jsonl"
    own=$(wc -l <"$WORK/dry$i.jsonl")
    total=$((total + own))
    check_eq "share $((i + 1)): every row of it done in its ledger" \
        "$(python3 -c 'import json,sys
rows = [json.loads(l)["token"] for l in open(sys.argv[1])]
done = {json.loads(l).get("token") for l in open(sys.argv[2]) if "\"type\":\"done\"" in l}
print(sum(t in done for t in rows))' "$WORK/dry$i.jsonl" "$L")" "$own"
done
check_eq "the shares together hold every row" "$total" $ROWS

# ---- All shares exported into one sheet -------------------------------------------------------

more=()
for i in $(seq 1 $((N - 1))); do more+=(--ledger "$(ledger_of "$i")"); done
rc "$BUILD/cpsbatch" export "$(ledger_of 0)" "${more[@]}" -o "$WORK/all.csv" 2>"$WORK/export.err"
check_eq "export of all shares: exit status ($(cat "$WORK/export.err"))" "$RC" 0
check_grep "it names the shares" "$ROWS rows \\(shares 1/$N, 2/$N" "$WORK/export.err"
python3 - "$WORK/all.csv" "$JOB" "$WORK/all.ledger.jsonl" $ROWS >"$WORK/sheet.out" <<'PY' || true
import csv, json, sys
sheet, job, ledger, rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
out = list(csv.DictReader(open(sheet)))
names = [r["name"] for r in csv.DictReader(open(job))]
done = {}
for line in open(ledger):
    r = json.loads(line)
    if r["type"] == "done":
        done[r["token"]] = ";".join(r["instanceIds"])
bad = []
if [r["name"] for r in out] != names:
    bad.append("the sheet's rows are not the CSV's, in its order")
for r in out:
    if r["#status"] != "done" or done.get(r["clientToken"]) != r["#instanceIds"] or not r["#instanceIds"]:
        bad.append(f"row {r['name']}: {r['#status']} {r['clientToken']} {r['#instanceIds']}")
print(f"{len(out)} rows, {len(bad)} bad: {bad[:3]}")
PY
check_eq "every row in the sheet, done, with its share's token and ids" \
    "$(cat "$WORK/sheet.out")" "$ROWS rows, 0 bad: []"

# The CSV from a pipe: read once, spooled, passed over once per share; the same sheet.
rc "$BUILD/cpsbatch" export "$(ledger_of 0)" "${more[@]}" --csv - <"$JOB" >"$WORK/piped.csv" \
    2>/dev/null
check_eq "export of all shares, the CSV from a pipe: exit status" "$RC" 0
check "the same sheet" cmp -s "$WORK/piped.csv" "$WORK/all.csv"

# Some of the shares: their rows only. Ledgers of no one split: refused.
rc "$BUILD/cpsbatch" export "$(ledger_of 0)" --ledger "$(ledger_of 1)" -o "$WORK/two.csv" \
    2>"$WORK/two.err"
check_eq "export of two shares: exit status" "$RC" 0
check_eq "their rows only" "$(($(wc -l <"$WORK/two.csv") - 1))" \
    "$(($(wc -l <"$WORK/dry0.jsonl") + $(wc -l <"$WORK/dry1.jsonl")))"
rc "$BUILD/cpsbatch" export "$(ledger_of 1)" --ledger "$(ledger_of 1)" >/dev/null 2>"$WORK/same.err"
check_eq "one share twice: usage error" "$RC" 2
check_grep "says so" "both hold share 2/$N" "$WORK/same.err"
make_job "$WORK/other.csv" 3
rc "$BUILD/cpsbatch" run "$WORK/other.csv" --endpoint "$SIM_URL" --yes --progress never \
    --ledger "$WORK/whole.ledger.jsonl" >/dev/null 2>&1
rc "$BUILD/cpsbatch" export "$(ledger_of 0)" --ledger "$WORK/whole.ledger.jsonl" >/dev/null \
    2>"$WORK/whole.err"
check_eq "a whole batch's ledger among shares: usage error" "$RC" 2
check_grep "says so" "holds a whole batch, not a share" "$WORK/whole.err"

# ---- The index from the environment: refused when Kubernetes did not set it -----------------------

rc env -u JOB_COMPLETION_INDEX "$BUILD/cpsbatch" run "$JOB" --shard "index/$N" --dry-run \
    >/dev/null 2>"$WORK/unset.err"
check_eq "index/N without JOB_COMPLETION_INDEX: usage error" "$RC" 2
check_grep "names the variable" "JOB_COMPLETION_INDEX.*not set" "$WORK/unset.err"
rc env JOB_COMPLETION_INDEX=$N "$BUILD/cpsbatch" run "$JOB" --shard "index/$N" --dry-run \
    >/dev/null 2>"$WORK/range.err"
check_eq "index N of N: usage error" "$RC" 2
check_grep "names the range" "JOB_COMPLETION_INDEX='$N' is not an index 0 .. $((N - 1)) of $N" \
    "$WORK/range.err"
finish
