#!/usr/bin/env bash
# Data-driven cases (tests/cases/README.md says how the files were made: as spreadsheets write
# them). tests/cases/bad/NAME.csv (+ NAME.args, extra options): `validate` must exit 65 and
# print exactly NAME.expected on stderr, and `run --sandbox` exits 65 with nothing sent and no
# ledger. tests/cases/good/NAME.csv (+ NAME.args): `validate` exits 0, `run --dry-run` prints
# exactly NAME.dryrun.jsonl, with the tokens (random until a ledger exists) replaced by TOKEN,
# and `run --sandbox` creates every row of it.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
cases="$SRC/tests/cases"

# in_dir DIR COMMAND...: run COMMAND in DIR (the messages name files as given).
in_dir() { (cd "$1" && shift && "$@"); }

for csv in "$cases"/bad/*.csv; do
    name=$(basename "$csv" .csv)
    args=()
    [ -f "$cases/bad/$name.args" ] && read -ra args <"$cases/bad/$name.args"
    rc in_dir "$cases/bad" "$BUILD/cpsbatch" validate "$name.csv" "${args[@]}" 2>"$WORK/bad.err" \
        >/dev/null
    check_eq "bad/$name: exit status" "$RC" 65
    check "bad/$name: messages (diff: got, want)" diff "$WORK/bad.err" "$cases/bad/$name.expected"
    # The dry run refuses the same file, and prints no request.
    rc in_dir "$cases/bad" "$BUILD/cpsbatch" run --dry-run "$name.csv" "${args[@]}" \
        >"$WORK/bad.out" 2>/dev/null
    check_eq "bad/$name: dry-run lines" "$(wc -l <"$WORK/bad.out")" 0
    # So does a run: nothing sent, no ledger.
    rc in_dir "$cases/bad" "$BUILD/cpsbatch" run --sandbox "$name.csv" "${args[@]}" \
        --ledger "$WORK/bad.ledger.jsonl" --progress never >/dev/null 2>&1
    check_eq "bad/$name: run exit status" "$RC" 65
    check "bad/$name: run made no ledger" [ ! -e "$WORK/bad.ledger.jsonl" ]
done
for csv in "$cases"/good/*.csv; do
    name=$(basename "$csv" .csv)
    args=()
    [ -f "$cases/good/$name.args" ] && read -ra args <"$cases/good/$name.args"
    rc in_dir "$cases/good" "$BUILD/cpsbatch" validate "$name.csv" "${args[@]}" >/dev/null \
        2>"$WORK/good.err"
    check_eq "good/$name: validate exit status ($(cat "$WORK/good.err"))" "$RC" 0
    rc in_dir "$cases/good" "$BUILD/cpsbatch" run --dry-run "$name.csv" "${args[@]}" \
        >"$WORK/good.raw" 2>/dev/null
    sed -E 's/"(token|clientToken)":"[0-9a-f-]{36}"/"\1":"TOKEN"/g' "$WORK/good.raw" >"$WORK/good.out"
    check "good/$name: dry-run (diff: got, want)" diff "$WORK/good.out" \
        "$cases/good/$name.dryrun.jsonl"
    check_no_grep "good/$name: password masked" \
        'Passw0rd|Shared#Pass1|Lamp#2024|Export!2024|Sample#Passw0rd' "$WORK/good.out"
    # What validate accepts, run sends: every row created on the sandbox.
    ledger="$WORK/$name.ledger.jsonl"
    rc in_dir "$cases/good" "$BUILD/cpsbatch" run --sandbox "$name.csv" "${args[@]}" \
        --ledger "$ledger" --progress never >"$WORK/good.run" 2>&1
    check_eq "good/$name: run exit status ($(tail -n 2 "$WORK/good.run"))" "$RC" 0
    check_eq "good/$name: every row done" \
        "$("$BUILD/cpsbatch" status "$ledger" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["done"])')" \
        "$(wc -l <"$cases/good/$name.dryrun.jsonl")"
done
finish
