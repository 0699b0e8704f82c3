# bash completion for cpsbatch and cps-sim. Installed as
# share/bash-completion/completions/cpsbatch and .../cps-sim (bash-completion loads it by
# the command's name); or source it.
#
# The commands, each command's options, and which options take a value are read from the
# program's own --help when completing, so they are always the installed program's. Values:
# the choices an option's help names (--report text|json|html), --progress, --method,
# --profile (the profiles of ~/.jdc/config), file names (CSV jobs, ledgers, PEM files) and
# directories.

# _cpsbatch_help PROG [COMMAND]: the option lines of PROG [COMMAND] --help: "  --opt ARG ...".
_cpsbatch_help() {
    "$@" --help 2>/dev/null | grep -E '^ {2,4}(-[a-zA-Z], )?--[a-z]'
}

# _cpsbatch_options HELP: every long option (and -o/-h short ones) the option lines name.
_cpsbatch_options() {
    local line opt
    while IFS= read -r line; do
        line=${line#"${line%%[! ]*}"}
        if [[ $line == -?,\ * ]]; then
            printf '%s\n' "${line%%,*}"
            line=${line#*, }
        fi
        opt=${line%%[ =]*}
        printf '%s\n' "$opt"
    done <<<"$1"
}

# _cpsbatch_argument HELP OPT: what OPT takes, as its option line writes it ("N", "FILE",
# "text|json|html"), or nothing for a flag.
_cpsbatch_argument() {
    local line arg opt
    while IFS= read -r line; do
        line=${line#"${line%%[! ]*}"}
        if [[ $line == -?,\ * ]]; then # "-o, --output FILE": -o takes what --output takes
            opt=${line%%,*}
            line=${line#*, }
            [[ $opt == "$2" ]] && line="$opt${line#"${line%% *}"}"
        fi
        [[ ${line%% *} == "$2" ]] || continue
        arg=${line#"$2"}
        arg=${arg#" "}
        [[ $arg == " "* || -z $arg ]] && return 0 # two blanks: the description, a flag
        printf '%s\n' "${arg%% *}"
        return 0
    done <<<"$1"
}

# _cpsbatch_files PATTERN: file names matching the glob PATTERN, and directories.
_cpsbatch_files() {
    local IFS=$'\n' f
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -d -- "$cur"))
    for f in $(compgen -f -X "!$1" -- "$cur"); do
        [ -d "$f" ] || COMPREPLY+=("$f")
    done
}

_cpsbatch_profiles() {
    local config=${HOME:-}/.jdc/config
    [ -r "$config" ] && sed -n 's/^[[:space:]]*\[\([^]]*\)\].*/\1/p' "$config"
}

# _cpsbatch_value OPT ARG: COMPREPLY for the value of OPT, whose help says it takes ARG.
_cpsbatch_value() {
    case $1 in
    --progress) COMPREPLY=($(compgen -W "auto always never" -- "$cur")) ;;
    --method) COMPREPLY=($(compgen -W "GET PUT POST DELETE PATCH HEAD" -- "$cur")) ;;
    --profile) COMPREPLY=($(compgen -W "$(_cpsbatch_profiles)" -- "$cur")) ;;
    --ledger) _cpsbatch_files '*.jsonl' ;;
    --csv) _cpsbatch_files '*.[cC][sS][vV]' ;;
    --catalog | --state) _cpsbatch_files '*.json' ;;
    --password-env) COMPREPLY=($(compgen -e -- "$cur")) ;;
    --capath) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")) ;;
    -o | --output | --port-file | --body-file | --password-file | --cacert | --tls-cert | --tls-key)
        _cpsbatch_files '*'
        ;;
    *)
        if [[ $2 == *"|"* ]]; then # the choices, as the help names them
            COMPREPLY=($(compgen -W "${2//|/ }" -- "$cur"))
        else
            COMPREPLY=() # a number, a duration, a URL, a name: nothing to offer
        fi
        ;;
    esac
}

_cpsbatch() {
    local prog=$1 cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()
    if [ "$COMP_CWORD" -eq 1 ]; then
        local commands
        commands=$("$prog" --help 2>/dev/null | awk '/^usage:/ {u = 1; next}
            u && /^$/ && n {exit} u && /^  [a-z]/ {print $1; n++}')
        COMPREPLY=($(compgen -W "$commands --help --version version" -- "$cur"))
        return 0
    fi
    local cmd=${COMP_WORDS[1]} help arg
    case $cmd in
    -* | version) return 0 ;;
    esac
    help=$(_cpsbatch_help "$prog" "$cmd")
    if [[ $prev == -* ]]; then
        arg=$(_cpsbatch_argument "$help" "$prev")
        if [ -n "$arg" ]; then
            _cpsbatch_value "$prev" "$arg"
            return 0
        fi
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_cpsbatch_options "$help")" -- "$cur"))
        return 0
    fi
    case $cmd in
    validate | run | load) _cpsbatch_files '*.[cC][sS][vV]' ;;
    wait | status | export) _cpsbatch_files '*.jsonl' ;;
    esac
    return 0
}

_cps_sim() {
    local prog=$1 cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} help arg
    COMPREPLY=()
    help=$(_cpsbatch_help "$prog")
    if [[ $prev == -* ]]; then
        arg=$(_cpsbatch_argument "$help" "$prev")
        if [ -n "$arg" ]; then
            _cpsbatch_value "$prev" "$arg"
            return 0
        fi
    fi
    # cps-sim's fault options share lines: "  --p503 P --p429 P --p500 P".
    COMPREPLY=($(compgen -W "$(printf '%s\n' "$help" | grep -oE -- '--[a-z][a-z0-9-]*')" -- "$cur"))
    return 0
}

complete -F _cpsbatch cpsbatch
complete -F _cps_sim cps-sim
