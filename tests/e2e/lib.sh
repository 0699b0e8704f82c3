# tests/e2e/lib.sh - what every end-to-end test sources: a work directory removed on exit,
# cps-sim on an ephemeral loopback port, assertions that print both sides, bounded waits, and
# the closing "N passed, N failed" line.
#
# Env: BUILD (the build tree: cpsbatch, cps-sim), SRC (the repository root); ctest sets both.
#
# Rules the helpers keep, so a test holds on a busy machine:
# - Nothing waits by sleeping a fixed time: wait_until polls a file, a port or a count, and
#   gives up after a bound in seconds (and in tries); reap waits for a process the same way.
# - Time bounds are the ones a busy machine cannot break: a lower bound that a rate limiter or
#   a Retry-After guarantees, or an upper bound far beyond what is measured (a deadline that
#   must not pass); never "this took under N ms".
# - Everything started in the background is killed on exit, and the exit status is kept.
#
# Exit status: 0 all passed, 1 something failed, 77 a part could not run (skip: ctest
# reports the test as skipped, SKIP_RETURN_CODE in tests/CMakeLists.txt).
set -euo pipefail
: "${BUILD:?set BUILD to the build directory}" "${SRC:?set SRC to the repository root}"

WORK=$(mktemp -d /tmp/cpsbatch-e2e.XXXXXX)
SIM_PID=""
SIM_URL=""
BG_PIDS=()
PASSED=0
FAILED=0
SKIPPED=0
FINISHED=0

# On any exit: stop what was started, say so if the script stopped before finish(), remove
# the work directory; the exit status stays the script's.
cleanup() {
    local rc=$? pid
    set +e
    trap - ERR
    [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null
    # Twice TERM (a cpsbatch stops at once on the second), then KILL what is left.
    for pid in "${BG_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${BG_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${BG_PIDS[@]}" $SIM_PID; do
        wait_until 10 "process $pid to end" gone "$pid" >/dev/null || kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [ "$FINISHED" = 0 ]; then
        echo "ABORTED (exit $rc) after $PASSED passed, $FAILED failed"
        [ "$rc" = 0 ] && rc=1
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "ERROR: ${BASH_SOURCE[0]##*/}:$LINENO: exit $?: $BASH_COMMAND"' ERR

# ---- Assertions ----------------------------------------------------------------------------

pass_() { PASSED=$((PASSED + 1)); }
fail_() {
    FAILED=$((FAILED + 1))
    echo "FAIL: $*"
}

# check WHAT COMMAND...: the command must succeed (it may print why not).
check() {
    local what=$1
    shift
    if "$@"; then pass_; else fail_ "$what"; fi
}

# check_eq WHAT GOT WANT: the two strings are equal.
check_eq() {
    if [ "$2" = "$3" ]; then pass_; else fail_ "$1: got '$2', want '$3'"; fi
}

# check_ne WHAT GOT UNWANTED: the two strings differ.
check_ne() {
    if [ "$2" != "$3" ]; then pass_; else fail_ "$1: got '$2', want anything else"; fi
}

# check_num WHAT GOT OP BOUND: numbers (integers or decimals); OP is < <= == != >= >.
check_num() {
    if awk -v a="$2" -v b="$4" -v op="$3" 'BEGIN {
        if (a !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/ || b !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) exit 1
        a += 0; b += 0
        ok = op == "<" ? a < b : op == "<=" ? a <= b : op == "==" ? a == b : \
             op == "!=" ? a != b : op == ">=" ? a >= b : op == ">" ? a > b : 0
        exit !ok }'; then
        pass_
    else
        fail_ "$1: got $2, want $3 $4"
    fi
}

# grep_ PATTERN FILE [grep options]: grep -q, extended expressions unless -F is given.
grep_() {
    local how=-E o
    for o in "${@:3}"; do [ "$o" != -F ] || how=-F; done
    grep -q "$how" "${@:3}" -- "$1" "$2" 2>/dev/null
}

# check_grep WHAT PATTERN FILE [grep options]: FILE has a line matching PATTERN (ERE).
check_grep() {
    if grep_ "${@:2}"; then
        pass_
    else
        fail_ "$1: no line matches '$2' in ${3##*/}:"
        tail -n 5 "$3" 2>/dev/null | sed 's/^/    /' | cut -c1-300
    fi
}

# check_no_grep WHAT PATTERN FILE [grep options]: no line of FILE matches PATTERN (ERE).
check_no_grep() {
    if ! grep_ "${@:2}"; then
        pass_
    else
        fail_ "$1: '$2' is in ${3##*/}:"
        grep -n "${@:4}" -- "$2" "$3" | head -n 3 | sed 's/^/    /' | cut -c1-300
    fi
}

# skip WHY: a part that cannot run here (a tool is missing); finish then exits 77.
skip() {
    SKIPPED=$((SKIPPED + 1))
    echo "SKIPPED: $*"
}

# add_counts PASSED FAILED: counts from a checker in another language (e.g. Python).
add_counts() {
    PASSED=$((PASSED + $1))
    FAILED=$((FAILED + $2))
}

# The closing line; the exit status says it all (1 failed, 77 skipped, 0 passed).
finish() {
    FINISHED=1
    local line="$PASSED passed, $FAILED failed"
    [ "$SKIPPED" = 0 ] || line+=", $SKIPPED skipped"
    echo "$line"
    [ "$FAILED" = 0 ] || exit 1
    [ "$SKIPPED" = 0 ] || exit 77
    exit 0
}

# ---- Running things ------------------------------------------------------------------------

# rc COMMAND...: run it; RC is its exit status (a failure does not stop the script).
rc() {
    RC=0
    "$@" || RC=$?
}

# spawn VAR COMMAND...: start it in the background (killed on exit if still running); VAR is
# its pid. Redirections given to spawn apply to the command.
spawn() {
    local var=$1
    shift
    "$@" &
    BG_PIDS+=($!)
    printf -v "$var" '%s' "$!"
}

# wait_until SECONDS WHAT COMMAND...: poll COMMAND (every 50 ms) until it succeeds; at most
# SECONDS seconds and SECONDS*20 tries. Returns 1, saying what it waited for, if it never did.
wait_until() {
    local secs=$1 what=$2
    shift 2
    local end=$((SECONDS + secs + 1)) tries=$((secs * 20))
    while [ "$tries" -gt 0 ] && [ "$SECONDS" -lt "$end" ]; do
        if "$@" 2>/dev/null; then return 0; fi
        tries=$((tries - 1))
        sleep 0.05
    done
    echo "  gave up after ${secs}s waiting for $what"
    return 1
}

# gone PID: the process has ended.
gone() { ! kill -0 "$1" 2>/dev/null; }

# reap PID SECONDS: wait for a background process at most SECONDS, then kill it; RC is its
# exit status (137 when it had to be killed).
reap() {
    wait_until "$2" "process $1 to end" gone "$1" || kill -KILL "$1" 2>/dev/null || true
    RC=0
    wait "$1" || RC=$?
}

# interrupt_twice WHAT PID OUTPUT: Ctrl-C, then (once OUTPUT shows the process said it is
# stopping: the first was handled) Ctrl-C again; reap it (at most 60 s). Sets RC and
# ELAPSED_MS, from just before the first signal to the end.
interrupt_twice() {
    local start
    start=$(now_ms)
    kill -INT "$2"
    check "$1: the first was taken" wait_until 60 "the stopping message" grep -q "stopping:" "$3"
    kill -INT "$2"
    reap "$2" 60
    ELAPSED_MS=$(($(now_ms) - start))
}

# now_ms: wall-clock milliseconds, to measure what a test reports (never to decide a bound
# that the machine's load could break).
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ---- cps-sim -------------------------------------------------------------------------------

# start_sim [cps-sim options]: cps-sim on an ephemeral loopback port (it writes the port to
# a file once it listens; bounded wait); sets SIM_URL. Any running one is stopped first.
start_sim() {
    [ -z "$SIM_PID" ] || stop_sim
    rm -f "$WORK/sim.port"
    "$BUILD/cps-sim" --port-file "$WORK/sim.port" "$@" 2>"$WORK/sim.err" & # 127.0.0.1:0
    SIM_PID=$!
    if ! wait_until 30 "cps-sim's port file" test -s "$WORK/sim.port"; then
        echo "cps-sim did not start: $(cat "$WORK/sim.err")"
        exit 1
    fi
    SIM_URL="http://127.0.0.1:$(cat "$WORK/sim.port")"
}

stop_sim() {
    kill "$SIM_PID" 2>/dev/null || true
    wait "$SIM_PID" 2>/dev/null || true
    SIM_PID=""
}

sim_stats() { curl -sf -m 30 "$SIM_URL/__sim/stats"; }
# sim_stat EXPR: one value of the stats, e.g. sim_stat "['by_status'].get('429', 0)".
sim_stat() {
    sim_stats | python3 -c "import json,sys; print(eval('json.load(sys.stdin)' + sys.argv[1]))" "$1"
}
# sim_count NAME: one counter of the stats (requests, creates, ...; or an API's calls, e.g.
# createInstances: 0 when there were none), without Python (whose start-up alone can take
# seconds on a busy machine): for polling. `run` reads the catalog first (pre-flight): count
# createInstances, not requests, for what a run sent.
sim_count() {
    local n
    n=$(curl -sf -m 30 "$SIM_URL/__sim/stats?tokens=0" | grep -o "\"$1\":[0-9]*" | head -n 1 |
        cut -d: -f2)
    echo "${n:-0}"
}
# sim_count_ge NAME N: the counter is at least N (for wait_until).
sim_count_ge() { [ "$(sim_count "$1")" -ge "$2" ]; }
sim_faults() { curl -sf -m 30 -X POST -d "$1" "$SIM_URL/__sim/faults" >/dev/null; }
sim_reset() { curl -sf -m 30 -X POST "$SIM_URL/__sim/reset" >/dev/null; }

# ---- Jobs and ledgers ----------------------------------------------------------------------

# make_job FILE ROWS: a valid job of ROWS distinct rows in cn-north-1.
make_job() {
    awk -v n="$2" 'BEGIN {
        print "regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId," \
              "networkType,name,password,count"
        for (i = 1; i <= n; i++)
            printf "cn-north-1,cn-north-1a,cps.c.normal,standard,centos-7.9-x64,r-sys-raid1,r-data-raid10,basic,node-%05d," \
                   "Test#Passw0rd,%d\n", i, 1 + i % 2
    }' >"$1"
}

# exactly_once LEDGER ROWS: cps-sim created each token of the ledger exactly once, there are
# ROWS distinct tokens, every row is done, and each done record's ids are what cps-sim made.
exactly_once() {
    sim_stats >"$WORK/stats.json"
    python3 - "$1" "$2" "$WORK/stats.json" <<'PY'
import json, sys
ledger, rows, stats = sys.argv[1], int(sys.argv[2]), json.load(open(sys.argv[3]))
last, done = {}, {}
for line in open(ledger):
    r = json.loads(line)
    if r["type"] in ("batch", "state"):
        continue
    last[r["token"]] = r["type"]
    if r["type"] == "done":
        done[r["token"]] = r["instanceIds"]
tokens = stats["tokens"]
problems = []
if len(last) != rows:
    problems.append(f"{len(last)} tokens in the ledger, want {rows}")
if len(tokens) != rows:
    problems.append(f"cps-sim saw {len(tokens)} tokens create, want {rows}")
twice = [t for t, n in tokens.items() if n != 1]
if twice:
    problems.append(f"{len(twice)} tokens created more than once: {twice[:3]}")
notdone = [t for t, s in last.items() if s != "done"]
if notdone:
    problems.append(f"{len(notdone)} rows not done: {notdone[:3]}")
ids = stats["token_ids"]
wrong = [t for t, v in done.items() if ids.get(t) != v]
if wrong:
    problems.append(f"{len(wrong)} done records with other ids than cps-sim made")
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
PY
}
