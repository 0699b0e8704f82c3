#!/usr/bin/env bash
# The bash completion (completions/cpsbatch.bash), sourced in bash and called as bash calls
# it (COMP_WORDS, COMP_CWORD, the function's arguments): commands, each command's options
# (exactly the long options its --help lists), enumerated values, file names of the right
# kind, cps-sim's options and values.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
. "$SRC/completions/cpsbatch.bash"
set +u # bash-completion functions run without nounset, as bash runs them

# comp WORD...: COMPREPLY for the last word, sorted, one line.
comp() {
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMPREPLY=()
    case ${1##*/} in
    cps-sim) _cps_sim "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" ;;
    *) _cpsbatch "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" ;;
    esac
    printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
B=$BUILD/cpsbatch
S=$BUILD/cps-sim

check_eq "registered for cpsbatch" "$(complete -p cpsbatch)" "complete -F _cpsbatch cpsbatch"
check_eq "registered for cps-sim" "$(complete -p cps-sim)" "complete -F _cps_sim cps-sim"
check_eq "commands" "$(comp "$B" "")" \
    "$(printf '%s\n' catalog export load report run sign status validate wait --help --version version | sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "a command's prefix" "$(comp "$B" st)" "status"
check_eq "options by prefix" "$(comp "$B" run --re)" "--region --retry-failed"
check_eq "--report's values" "$(comp "$B" load jobs.csv --report "")" "html json text"
check_eq "--report j" "$(comp "$B" load jobs.csv --report j)" "json"
check_eq "--progress's values" "$(comp "$B" run jobs.csv --progress "")" "always auto never"
check_eq "--tokens's values" "$(comp "$B" load --tokens "")" "fresh replay"
check_eq "--method's values" "$(comp "$B" sign --method P)" "PATCH POST PUT"
check_eq "a number: nothing offered" "$(comp "$B" run jobs.csv --rate "")" ""
check_eq "after a flag: files again" "$(cd "$SRC/jobs" && comp "$B" run --yes sa)" "sample.csv"

mkdir -p "$WORK/d/sub"
touch "$WORK/d/a.csv" "$WORK/d/b.CSV" "$WORK/d/a.ledger.jsonl" "$WORK/d/notes.txt"
cd "$WORK/d"
check_eq "run: CSV files and directories" "$(comp "$B" run "")" "a.csv b.CSV sub"
check_eq "status: ledgers and directories" "$(comp "$B" status "")" "a.ledger.jsonl sub"
check_eq "export -o: any file" "$(comp "$B" export a.ledger.jsonl -o "")" \
    "a.csv a.ledger.jsonl b.CSV notes.txt sub"
check_eq "--ledger: ledgers" "$(comp "$B" run a.csv --ledger "")" "a.ledger.jsonl sub"
check_eq "--capath: directories" "$(comp "$B" run a.csv --capath "")" "sub"
mkdir -p "$WORK/home/.jdc"
printf '[default]\naccess_key = x\n[prod]\nregion_id = cn-north-1\n' >"$WORK/home/.jdc/config"
check_eq "--profile: the profiles of ~/.jdc/config" \
    "$(HOME=$WORK/home comp "$B" run a.csv --profile "")" "default prod"
cd "$WORK"

# Every command's options are exactly the long options its --help lists (plus -o, -h).
for cmd in $("$B" --help | awk '/^usage:/ {u = 1; next} u && /^$/ && n {exit} u && /^  [a-z]/ {print $1; n++}'); do
    want=$("$B" "$cmd" --help | grep -E '^ {2,4}(-[a-zA-Z], )?--[a-z]' |
        awk '{ if ($1 ~ /^-[a-zA-Z],$/) { print substr($1, 1, 2); print $2 } else print $1 }' |
        sort -u | tr '\n' ' ' | sed 's/ $//')
    got=$(comp "$B" "$cmd" - | tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/ $//')
    check_ne "$cmd --help has options" "$want" ""
    check_eq "$cmd: the options completed are its --help's" "$got" "$want"
done

check_eq "cps-sim: options" "$(comp "$S" --ver)" "--verbose --verify-signatures --version"
check_eq "cps-sim: fault options on shared lines" "$(comp "$S" --p5)" "--p500 --p503"
check_eq "cps-sim --limit-status's values" "$(comp "$S" --limit-status "")" "429 503"
want=$("$S" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u | tr '\n' ' ' | sed 's/ $//')
check_eq "cps-sim: the options completed are its --help's" "$(comp "$S" --)" "$want"
check_eq "cps-sim --state: files" "$(cd "$WORK/d" && comp "$S" --state "")" "sub"
finish
