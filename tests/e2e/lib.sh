# tests/e2e/lib.sh - shared by the end-to-end tests: a real cps-sim on loopback, real files.
# Source it; it sets up a work directory that is removed on exit. Every wait is bounded.
set -u
WORK=$(mktemp -d /tmp/cpsbatch-e2e.XXXXXX)
SIM_PID=""
PASSED=0
FAILED=0
cleanup() {
    [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

check() { # description, then a command that must succeed
    local what=$1
    shift
    if "$@"; then
        PASSED=$((PASSED + 1))
    else
        FAILED=$((FAILED + 1))
        echo "FAIL: $what"
    fi
}

finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ]
}

# start_sim [cps-sim options]: starts cps-sim on an ephemeral loopback port; sets SIM_URL.
start_sim() {
    [ -n "$SIM_PID" ] && stop_sim
    rm -f "$WORK/sim.port"
    "$BUILD/cps-sim" --port-file "$WORK/sim.port" "$@" 2>"$WORK/sim.err" &
    SIM_PID=$!
    for _ in $(seq 100); do
        [ -s "$WORK/sim.port" ] && break
        sleep 0.05
    done
    if [ ! -s "$WORK/sim.port" ]; then
        echo "cps-sim did not start: $(cat "$WORK/sim.err")"
        exit 1
    fi
    SIM_URL="http://127.0.0.1:$(cat "$WORK/sim.port")"
}

stop_sim() {
    kill "$SIM_PID" 2>/dev/null
    wait "$SIM_PID" 2>/dev/null
    SIM_PID=""
}

sim_stats() { curl -sf "$SIM_URL/__sim/stats"; }
# sim_stat EXPR: one value of the stats, e.g. sim_stat "['by_status'].get('429', 0)".
sim_stat() { sim_stats | python3 -c "import json,sys; print(eval('json.load(sys.stdin)' + sys.argv[1]))" "$1"; }
sim_faults() { curl -sf -X POST -d "$1" "$SIM_URL/__sim/faults" >/dev/null; }
sim_reset() { curl -sf -X POST "$SIM_URL/__sim/reset" >/dev/null; }

# make_job FILE ROWS: a valid job of ROWS distinct rows in cn-north-1.
make_job() {
    awk -v n="$2" 'BEGIN {
        print "regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId," \
              "networkType,name,password,count"
        for (i = 1; i <= n; i++)
            printf "cn-north-1,cn-north-1a,cps.c.normal,standard,os-1,r1,r10,basic,node-%05d," \
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
    if r["type"] == "batch":
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
