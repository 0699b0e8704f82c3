#!/usr/bin/env bash
# The version: `cpsbatch --version`, `cpsbatch version` and `cps-sim --version` print
# "NAME X.Y.Z" with CMakeLists.txt's project(VERSION), plus "(git REV)" in a build from a git
# checkout; cmake/version.cmake gives the version alone outside a checkout (a tarball) and
# rewrites its header only when the text changes; a run's ledger header and a load's JSON and
# HTML reports carry the same text.
# Needs python3.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
want=$(sed -n 's/^project(cpsbatch VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
check "CMakeLists.txt names a version" test -n "$want"

# --- the programs ---
rc "$BUILD/cpsbatch" --version >"$WORK/v" 2>"$WORK/err"
check_eq "cpsbatch --version: exit status" "$RC" 0
check_grep "cpsbatch --version: the format" \
    "^cpsbatch $want( \(git [0-9a-f]{7,}(-dirty)?\))?$" "$WORK/v"
check_eq "cpsbatch --version: one line" "$(wc -l <"$WORK/v")" 1
check_eq "cpsbatch --version: nothing on stderr" "$(cat "$WORK/err")" ""
text=$(sed 's/^cpsbatch //' "$WORK/v")
check_eq "cpsbatch version" "$("$BUILD/cpsbatch" version)" "cpsbatch $text"
check_eq "cps-sim --version" "$("$BUILD/cps-sim" --version)" "cps-sim $text"
"$BUILD/cpsbatch" --help >"$WORK/help"
check_grep "cpsbatch --help names --version" "--version" "$WORK/help" -F
"$BUILD/cps-sim" --help >"$WORK/help"
check_grep "cps-sim --help names --version" "--version" "$WORK/help" -F
# Built from this checkout: its commit (the build may be older than the newest commit only
# by commits made since; this test runs after a build of the tree it tests).
if git -C "$SRC" rev-parse --show-toplevel >/dev/null 2>&1 &&
    [ "$(cd "$(git -C "$SRC" rev-parse --show-toplevel)" && pwd -P)" = "$(cd "$SRC" && pwd -P)" ]; then
    head=$(git -C "$SRC" rev-parse --short=7 HEAD)
    check_grep "a checkout's build names its commit" "\(git $head" "$WORK/v"
fi

# --- cmake/version.cmake ---
gen() { # DIR OUT: the header for a source tree at DIR
    cmake -DSOURCE_DIR="$1" -DVERSION="$want" -DOUTPUT="$2" -P "$SRC/cmake/version.cmake"
}
mkdir "$WORK/tarball"
gen "$WORK/tarball" "$WORK/tar.h"
check_grep "outside a checkout: the version alone" "^#define CPS_VERSION_TEXT \"$want\"$" \
    "$WORK/tar.h"
touch -d '2001-01-01' "$WORK/tar.h"
gen "$WORK/tarball" "$WORK/tar.h"
check_eq "the same text: the header is not rewritten" "$(date -r "$WORK/tar.h" +%Y)" 2001
echo "stale" >"$WORK/tar.h"
gen "$WORK/tarball" "$WORK/tar.h"
check_grep "another text: the header is rewritten" "\"$want\"" "$WORK/tar.h"
if command -v git >/dev/null; then
    git -C "$WORK/tarball" init -q
    git -C "$WORK/tarball" -c user.name=t -c user.email=t@t commit -q --allow-empty -m one
    gen "$WORK/tarball" "$WORK/git.h"
    rev=$(git -C "$WORK/tarball" rev-parse --short=7 HEAD)
    check_grep "a checkout: the version and the commit" "\"$want \(git $rev\)\"" "$WORK/git.h"
    echo x >"$WORK/tarball/f" && git -C "$WORK/tarball" add f
    gen "$WORK/tarball" "$WORK/git.h"
    check_grep "a changed tree: -dirty" "\"$want \(git $rev-dirty\)\"" "$WORK/git.h"
    mkdir "$WORK/tarball/sub"
    gen "$WORK/tarball/sub" "$WORK/sub.h"
    check_grep "a tarball unpacked inside another checkout: the version alone" \
        "\"$want\"" "$WORK/sub.h"
fi

# --- what the programs write ---
start_sim
JOB="$WORK/job.csv"
make_job "$JOB" 2
rc timeout 120 "$BUILD/cpsbatch" run "$JOB" --endpoint "$SIM_URL" --yes --progress never \
    >/dev/null 2>"$WORK/run.err"
check_eq "run: exit status" "$RC" 0
got=$(head -1 "$WORK/job.ledger.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
check_eq "the ledger's header: the version" "$got" "$text"
"$BUILD/cpsbatch" status "$WORK/job.ledger.jsonl" >"$WORK/status"
check_grep "status: the version that created the ledger" "version    cpsbatch $text created it" \
    "$WORK/status" -F
rc timeout 120 "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --rate 20 --requests 4 \
    --progress never --report json -o "$WORK/load.json" 2>"$WORK/load.err"
check_eq "load: exit status" "$RC" 0
got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$WORK/load.json")
check_eq "the JSON load report: the version" "$got" "$text"
rc timeout 120 "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --rate 20 --requests 4 \
    --progress never --report html -o "$WORK/load.html" 2>"$WORK/load.err"
check_eq "load --report html: exit status" "$RC" 0
check_grep "the HTML load report: the version" "cpsbatch $text" "$WORK/load.html" -F
finish
