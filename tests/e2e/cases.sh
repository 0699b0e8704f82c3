#!/usr/bin/env bash
# Data-driven cases. tests/cases/bad/NAME.csv: `validate` must exit 65 and print exactly
# NAME.expected on stderr. tests/cases/good/NAME.csv (+ NAME.args, extra options): `validate`
# exits 0 and `run --dry-run` prints exactly NAME.dryrun.jsonl, with the tokens (random until a
# ledger exists) replaced by TOKEN.
set -u
fail=0 pass=0
cases="$SRC/tests/cases"
check() { # name, condition-result, detail
    if [ "$2" = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: $3"; fi
}
for csv in "$cases"/bad/*.csv; do
    name=$(basename "$csv" .csv)
    out=$(cd "$cases/bad" && "$BUILD/cpsbatch" validate "$name.csv" 2>&1 >/dev/null)
    rc=$?
    check "bad/$name exit" "$([ $rc = 65 ] && echo 0 || echo 1)" "exit $rc, want 65"
    diff <(echo "$out") "$cases/bad/$name.expected" >/tmp/cases.diff.$$
    check "bad/$name messages" $? "$(cat /tmp/cases.diff.$$)"
    # The dry run refuses the same file, and prints no request.
    lines=$(cd "$cases/bad" && "$BUILD/cpsbatch" run --dry-run "$name.csv" 2>/dev/null | wc -l)
    check "bad/$name dry-run sends nothing" "$([ "$lines" = 0 ] && echo 0 || echo 1)" "$lines lines"
done
for csv in "$cases"/good/*.csv; do
    name=$(basename "$csv" .csv)
    args=""
    [ -f "$cases/good/$name.args" ] && args=$(cat "$cases/good/$name.args")
    (cd "$cases/good" && "$BUILD/cpsbatch" validate "$name.csv" $args >/dev/null)
    check "good/$name validate" $? "validate failed"
    out=$(cd "$cases/good" && "$BUILD/cpsbatch" run --dry-run "$name.csv" $args 2>/dev/null |
        sed -E 's/"(token|clientToken)":"[0-9a-f-]{36}"/"\1":"TOKEN"/g')
    diff <(echo "$out") "$cases/good/$name.dryrun.jsonl" >/tmp/cases.diff.$$
    check "good/$name dry-run" $? "$(cat /tmp/cases.diff.$$)"
    if grep -q 'Passw0rd\|Shared#Pass1\|Lamp#2024\|Export!2024\|Sample#Passw0rd' <<<"$out"; then
        check "good/$name password masked" 1 "a password is in the dry-run output"
    fi
done
rm -f /tmp/cases.diff.$$
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
