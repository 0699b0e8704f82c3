#!/usr/bin/env bash
# The man pages docs/man/cpsbatch.1 and docs/man/cps-sim.1: each lints clean with every groff
# warning on (a warning is a failure), names the version CMakeLists.txt declares, has a
# section for every command `cpsbatch --help` lists, and names every long option that each
# command's --help prints in that command's section (or the shared option sections), and every
# one cps-sim --help prints, so a page cannot fall behind the programs.
# Needs groff (groff-base); skipped (77) without it.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
command -v groff >/dev/null || skip "groff is not installed (apt-get install groff-base)"
MAN="$SRC/docs/man"
want=$(sed -n 's/^project(cpsbatch VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")

for page in "$MAN/cpsbatch.1" "$MAN/cps-sim.1"; do
    name=${page##*/}
    rc groff -ww -z -man "$page" >"$WORK/lint" 2>&1
    check_eq "$name: groff -ww: exit status" "$RC" 0
    check_eq "$name: groff -ww: no warnings" "$(cat "$WORK/lint")" ""
    if command -v man >/dev/null; then
        MANWIDTH=80 man --warnings=w -l "$page" >"$WORK/text" 2>"$WORK/lint" || true
        check_eq "$name: man --warnings=w: no warnings" "$(cat "$WORK/lint")" ""
        check "$name: man renders it" test -s "$WORK/text"
    fi
    check_grep "$name: .TH names version $want" "^\.TH .* \"cpsbatch $want\"" "$page"
done

# covers PAGE WHAT HELPFILE: every long option of HELPFILE is in PAGE (roff's \- read as -).
covers() {
    local opt missing=""
    sed 's/\\-/-/g' "$1" >"$WORK/page"
    for opt in $(grep -oE -- '--[a-z][a-z0-9-]*' "$3" | sort -u); do
        grep -qE -- "$opt([^a-z0-9-]|$)" "$WORK/page" || missing+=" $opt"
    done
    check_eq "$2: long options of --help missing from ${1##*/}" "$missing" ""
}

"$BUILD/cpsbatch" --help >"$WORK/help"
covers "$MAN/cpsbatch.1" "cpsbatch --help" "$WORK/help"
commands=$(awk '/^usage:/ {u = 1; next} u && /^$/ && n {exit} u && /^  [a-z]/ {print $1; n++}' "$WORK/help")
check_ne "cpsbatch --help lists commands" "$commands" ""
for cmd in $commands; do
    check_grep "cpsbatch.1 has a section for '$cmd'" "^\.SS \"cpsbatch $cmd( |\")" "$MAN/cpsbatch.1"
    rc "$BUILD/cpsbatch" "$cmd" --help >"$WORK/help.$cmd" 2>&1
    check_eq "cpsbatch $cmd --help: exit status" "$RC" 0
    # The command's own section and the shared ones (endpoint, job options, every command).
    awk -v cmd="$cmd" '/^\.SS / { on = index($0, "\"cpsbatch " cmd " ") || index($0, "\"cpsbatch " cmd "\"") ||
            /"Endpoint options"|"Job options"|"Every command"/ } on' "$MAN/cpsbatch.1" >"$WORK/section.$cmd"
    covers "$WORK/section.$cmd" "cpsbatch $cmd --help (its section of cpsbatch.1)" "$WORK/help.$cmd"
done
"$BUILD/cps-sim" --help >"$WORK/help.sim"
covers "$MAN/cps-sim.1" "cps-sim --help" "$WORK/help.sim"

# The check itself: an option the page does not name is caught.
printf '  --no-such-option-here  x\n' >"$WORK/help.fake"
FAILED_BEFORE=$FAILED
covers "$MAN/cpsbatch.1" "a made-up option (expected to be reported)" "$WORK/help.fake" >/dev/null
if [ "$FAILED" = $((FAILED_BEFORE + 1)) ]; then FAILED=$FAILED_BEFORE; pass_; else fail_ "an option missing from the page went unnoticed"; fi
finish
