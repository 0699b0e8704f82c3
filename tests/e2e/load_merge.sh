#!/usr/bin/env bash
# `load --shard K/N` and `report merge|diff` against one cps-sim: two shares at 1,000/s each
# (--rate 2000 split in two, run at once) send exactly what one generator at 2,000/s sends,
# their merged report's counts are the shares' sums and cps-sim's, its rate is the pair's;
# `report diff` compares reports and exits 4 when a relative threshold fails; a report that
# cannot be read is refused naming the file and the member.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
JOB="$WORK/job.csv"
make_job "$JOB" 20
N=4000 # requests: 2 s at 2,000/s

load() { # name, options...: a JSON report in $WORK/NAME.json, stderr in NAME.err
    timeout 120 "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --progress never \
        --report json -o "$WORK/$1.json" "${@:2}" 2>"$WORK/$1.err"
}
report() { rc timeout 60 "$BUILD/cpsbatch" report "$@"; }
# py EXPR: EXPR with r(NAME) = the JSON report NAME, s = cps-sim's stats.
py() {
    curl -sf -m 30 "$SIM_URL/__sim/stats?tokens=0" >"$WORK/stats.json"
    (cd "$WORK" && python3 - "$1" <<'PY'
import functools, json, sys
r = functools.lru_cache()(lambda name: json.load(open(name + ".json")))
s = json.load(open("stats.json"))
v = eval("(" + sys.argv[1] + ")")
print(v if not isinstance(v, bool) else int(v))
PY
    )
}
ok() { [ "$(py "$1")" = 1 ] || { echo "  $1 is false: $(py "${2:-0}" | cut -c1-400)"; return 1; }; }

# 1. Two shares at once (the second by its Kubernetes index), then one generator: each side sends the N requests once.
start_sim --verify-signatures
# Shares start at the next whole second: start both early in a second, so that (unless the
# machine stalls them for most of a second) they start in the same one.
early_in_second() { [ "$(date +%N | cut -c1)" -lt 3 ]; }
wait_until 5 "the start of a second" early_in_second
spawn A load share1 --rate 2000 --requests $N --shard 1/2 --concurrency 64
export JOB_COMPLETION_INDEX=1 # share 2/2 as a Kubernetes Indexed Job's pod 1 names it
spawn B load share2 --rate 2000 --requests $N --shard index/2 --concurrency 64
unset JOB_COMPLETION_INDEX
reap "$A" 150
check_eq "share 1/2: exit status ($(cat "$WORK/share1.err"))" "$RC" 0
reap "$B" 150
check_eq "share 2/2: exit status ($(cat "$WORK/share2.err"))" "$RC" 0
check_eq "shares: cps-sim got every request once" "$(sim_count requests)" $N
check "shares: half each (K-1, K-1+N, ...)" ok \
    "r('share1')['sent'] == r('share2')['sent'] == $N // 2 and r('share1')['target_rate'] == 1000"
check "shares: each on a whole second, both on one clock" ok \
    "all(r(n)['start_epoch_us'] % 1000000 == 0 for n in ('share1', 'share2'))"
check "shares: carry their share and full histograms" ok \
    "r('share2')['shard'] == {'k': 2, 'n': 2} and r('share2')['histograms']['latency']['count'] == $N // 2"

report merge "$WORK/share1.json" "$WORK/share2.json" --report json -o "$WORK/merged.json" \
    2>"$WORK/merge.err"
check_eq "merge: exit status ($(cat "$WORK/merge.err"))" "$RC" 0
check "merge: counts are the shares' sums and cps-sim's" ok \
    "r('merged')['sent'] == r('merged')['requests'] == $N == s['requests'] and
     r('merged')['status'] == {'200': $N} and r('merged')['merged_reports'] == 2 and
     all(r('merged')['counts'][k] == r('share1')['counts'][k] + r('share2')['counts'][k]
         for k in r('merged')['counts'])" "r('merged')['counts']"
check "merge: the timeline holds every send, aligned on the wall clock" ok \
    "sum(e['sent'] for e in r('merged')['timeline']) == $N and
     r('merged')['start_epoch_us'] == min(r('share1')['start_epoch_us'], r('share2')['start_epoch_us'])"
check "merge: histograms added bucket by bucket" ok \
    "r('merged')['histograms']['latency']['count'] == $N and
     r('merged')['histograms']['latency']['max'] == max(r(n)['histograms']['latency']['max'] for n in ('share1', 'share2'))"
check "merge: target 2000/s" ok "abs(r('merged')['target_rate'] - 2000) < 1e-6"

load one --rate 2000 --requests $N --concurrency 64 || true
check_eq "one generator: cps-sim got its requests once" "$(sim_count requests)" $((2 * N))
py "'  achieved: shares %.0f/s + %.0f/s, merged %.0f/s, one generator %.0f/s; p99 merged %s ms, one %s ms' % (
    r('share1')['achieved_rate'], r('share2')['achieved_rate'], r('merged')['achieved_rate'],
    r('one')['achieved_rate'], r('merged')['latency_ms']['p99'], r('one')['latency_ms']['p99'])"
# A busy 2-core machine keeps the schedule only roughly: generous bounds.
check "merged rate: the union of the sends, (sent - 1) / (last send - first send)" ok \
    "abs(r('merged')['achieved_rate'] * (r('merged')['span_us']['last_send'] -
         r('merged')['span_us']['first_send']) / 1e6 / ($N - 1) - 1) < 1e-6"
# The achieved rates are compared only when every generator kept its schedule (under 10% late
# sends) and the two shares started in the same second: a busy 2-core machine, or a sanitizer
# build, cannot keep 2,000/s, and then the rates say how busy it was, not whether the shares
# add up. (That N shares' due times are one generator's is test_arrival's, on a stepped clock.)
kept="all(r(n)['late_sends'] < 0.1 * r(n)['sent'] for n in ('share1', 'share2', 'one'))"
if [ "$(py "r('share1')['start_epoch_us'] == r('share2')['start_epoch_us'] and $kept")" = 1 ]; then
    check "merged rate near one generator's (within 25%)" ok \
        "abs(r('merged')['achieved_rate'] / r('one')['achieved_rate'] - 1) < 0.25"
    check "merged rate near 2,000/s (within 25%)" ok \
        "abs(r('merged')['achieved_rate'] / 2000 - 1) < 0.25"
else
    echo "  rates not compared: the shares started in different seconds, or a generator fell" \
        "behind its schedule (late sends: $(py "[r(n)['late_sends'] for n in ('share1', 'share2', 'one')]"))"
fi
check "same counts as one generator" ok \
    "r('merged')['requests'] == r('one')['requests'] and r('merged')['sent'] == r('one')['sent']"

# 2. The merged report in the other formats.
report merge "$WORK/share1.json" "$WORK/share2.json" >"$WORK/merged.txt" 2>"$WORK/merge.err"
check_eq "merge text: exit status" "$RC" 0
check_grep "merge text: counts" "$N sent, $N finished" "$WORK/merged.txt"
check_grep "merge text: says it is a merge" "(2 reports merged)" "$WORK/merged.txt" -F
report merge "$WORK/share1.json" "$WORK/share2.json" --report html -o "$WORK/merged.html"
check_eq "merge html: exit status" "$RC" 0
check_grep "merge html: a page" "</html>" "$WORK/merged.html"
report merge "$WORK/share1.json" --threshold 'errors<1' -o /dev/null 2>"$WORK/merge.err"
check_eq "merge: one share alone is a report too, and says what is missing" "$RC" 0
check_grep "merge: the missing share named" "share 2/2 is missing" "$WORK/merge.err" -F
report merge "$WORK/share1.json" "$WORK/share2.json" --threshold 'p99<1us' -o /dev/null \
    2>"$WORK/merge.err"
check_eq "merge: a failed threshold exits 4" "$RC" 4
# Written to as it is: as root, a report written aside and renamed over it replaced the device
# with a plain file (outfile.h).
check "-o /dev/null: still the character device" [ -c /dev/null ]

# 3. diff: a table, and the exit status CI keys on.
report diff "$WORK/one.json" "$WORK/merged.json" --threshold 'rate>=-90%' \
    --threshold 'errors<=+0%' >"$WORK/diff.txt" 2>&1
check_eq "diff: generous thresholds hold ($(cat "$WORK/diff.txt"))" "$RC" 0
check_grep "diff: the p99 row" "^latency p99 \(ms\) +[0-9.]+ +[0-9.]+ +[-+][0-9.]+%" "$WORK/diff.txt"
check_grep "diff: service time rows" "^service p99.9 \(ms\)" "$WORK/diff.txt"
check_grep "diff: the verdict" "rate>=-90%: ok" "$WORK/diff.txt" -F
report diff "$WORK/one.json" "$WORK/merged.json" --threshold 'p50<-100%' >"$WORK/diff.txt" 2>&1
check_eq "diff: a relative threshold that fails exits 4" "$RC" 4
check_grep "diff: says which" "p50<-100%: FAILED" "$WORK/diff.txt" -F
report diff "$WORK/one.json" "$WORK/one.json" --threshold 'p99<=+0%' --json >"$WORK/diff.json"
check_eq "diff --json: exit status" "$RC" 0
check "diff --json: rows and verdict" ok \
    "r('diff')['ok'] and any(x['metric'] == 'latency p99' and x['change'] == 0 for x in r('diff')['rows'])"

# 4. Refusals: the file and the member named; exit 65/66/2.
echo '{"requests": 1}' >"$WORK/old.json"
report merge "$WORK/share1.json" "$WORK/old.json" 2>"$WORK/bad.err" >/dev/null
check_eq "merge: a report without histograms: exit 65" "$RC" 65
check_grep "merge: names the file and the member" "old.json: schema: missing" "$WORK/bad.err" -F
python3 -c "
import json; r = json.load(open('$WORK/share1.json'))
r['histograms']['layout']['sub_bucket_bits'] = 7
json.dump(r, open('$WORK/layout.json', 'w'))"
report diff "$WORK/share1.json" "$WORK/layout.json" 2>"$WORK/bad.err" >/dev/null
check_eq "diff: another histogram layout: exit 65" "$RC" 65
check_grep "diff: says why" "layout.json: histograms.layout: sub_bucket_bits 7" "$WORK/bad.err" -F
report merge "$WORK/nothing.json" 2>"$WORK/bad.err"
check_eq "merge: a missing file: exit 66" "$RC" 66
report diff "$WORK/one.json" 2>/dev/null
check_eq "diff: one report: usage error" "$RC" 2
report merge "$WORK/one.json" --threshold 'p99<+10%' 2>"$WORK/bad.err"
check_eq "merge: a change needs a base: usage error" "$RC" 2
report frobnicate 2>/dev/null
check_eq "report: unknown action: usage error" "$RC" 2
rc "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --rate 10 --requests 1 --shard 3/2 \
    2>"$WORK/bad.err"
check_eq "load --shard 3/2: usage error" "$RC" 2
check_grep "load --shard: says what it takes" "give K/N" "$WORK/bad.err" -F
check_eq "refusals sent nothing" "$(sim_count requests)" $((2 * N))
finish
