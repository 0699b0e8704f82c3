#!/bin/bash
# bench/sim.sh - how many createInstances per second cps-sim answers.
#
# wrk (1 thread, 64 connections, 10 s) sends PUT createInstances with a ~600-byte body and a
# fresh clientToken per request (bench/sim_create.lua) to a cps-sim on a loopback port, then
# prints req/s. Target: >= 100k req/s on a 2-core machine, so cps-sim is never the bottleneck
# of a benchmark of the runner. cps-sim runs one server thread by default: on 2 cores, wrk
# and the server then have a core each (with 2 server threads they fight wrk for the cores:
# about 75-95k here, against about 103k with one).
#
# usage: bench/sim.sh [BUILD_DIR]   (default: ./build; env DURATION, CONNECTIONS, THREADS,
#                                    SIM_THREADS override the defaults; SOFTWARES=1 adds a
#                                    softwares array to every body; STATE=1 runs cps-sim
#                                    with --state, a state file in a temporary directory)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-${BUILD:-$here/../build}}
sim=$build/cps-sim
duration=${DURATION:-10s}
connections=${CONNECTIONS:-64}
threads=${THREADS:-1}
sim_threads=${SIM_THREADS:-1}
if ! command -v wrk >/dev/null; then
    echo "bench/sim.sh: wrk is not installed (.ci/deps --bench)" >&2
    exit 2
fi
[ -x "$sim" ] || { echo "bench/sim.sh: no $sim (build first)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
"$sim" --port-file "$tmp/port" --threads "$sim_threads" ${STATE:+--state "$tmp/state.jsonl"} &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || { echo "bench/sim.sh: cps-sim did not start" >&2; exit 1; }
port=$(cat "$tmp/port")

# CPU time of the emulator (utime + stime, in clock ticks) before and after: on a shared
# machine req/s depends on the neighbours, CPU per request much less.
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
cpu0=$(cpu)
wrk -t "$threads" -c "$connections" -d "$duration" -s "$here/sim_create.lua" \
    "http://127.0.0.1:$port" -- ${SOFTWARES:+softwares} | tee "$tmp/out"
cpu1=$(cpu)
stats=$(curl -s "http://127.0.0.1:$port/__sim/stats?tokens=0" || true)
echo "cps-sim stats: $stats" | cut -c1-300
rps=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/out")
reqs=$(awk '/requests in/ {print $1}' "$tmp/out")
hz=$(getconf CLK_TCK)
awk -v t=$((cpu1 - cpu0)) -v hz="$hz" -v n="$reqs" 'BEGIN {
    if (n > 0) printf "cps-sim CPU: %.2f us per request (%.2f s for %d requests)\n",
                      t / hz * 1e6 / n, t / hz, n }'
[ -z "${STATE:-}" ] || echo "state file: $(wc -l <"$tmp/state.jsonl") lines, $(du -k "$tmp/state.jsonl" | cut -f1) KiB"
echo "cps-sim createInstances: $rps req/s" \
    "(wrk -t$threads -c$connections -d$duration, sim threads $sim_threads${STATE:+, --state})"
