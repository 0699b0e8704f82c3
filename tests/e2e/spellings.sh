#!/usr/bin/env bash
# Spreadsheet spellings: enumerations in another case (BGP, Basic, Yes, Standard,
# Postpaid_By_Duration), numbers shown with decimals (10.0), cells padded with Unicode spaces
# (a web paste's U+00A0, U+2007, U+202F, U+3000, U+200B, U+FEFF) are what a person meant: the
# dry run shows every row as the API spells it, and a sandbox run creates every row. The same
# spaces inside an identifier, and identifiers too long or with characters a URL would mangle,
# are refused by validate, run --dry-run and run alike, naming the character.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"

NBSP=$'\xc2\xa0' FIGSP=$'\xe2\x80\x87' NNBSP=$'\xe2\x80\xaf' IDSP=$'\xe3\x80\x80'
ZWSP=$'\xe2\x80\x8b' BOM=$'\xef\xbb\xbf'
HDR="regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId,networkType,"
HDR+="enableInternet,lineType,bandwidth,name,password,count,softwares,charge.chargeMode"
JOB="$WORK/sheet.csv"
{
    printf '%s\n' "$HDR"
    printf '%s\n' "cn-north-1${NBSP},cn-north-1a,cps.c.normal,Standard,centos-7.9-x64,r-sys-raid1,r-data-raid10,Basic,Yes,BGP,10.0,web-01,Sample#Passw0rd,2.0,\" mysql:5.7 ; php:7.4 \",Postpaid_By_Duration"
    printf '%s\n' "${IDSP}cn-north-1${IDSP},${BOM}cn-north-1a${ZWSP},${FIGSP}cps.c.normal,STANDARD_APP,centos-7.9-x64${NNBSP},r-sys-raid1,r-data-raid10,basic,YES,Bgp,${FIGSP}5.00${FIGSP},${NBSP}web-02${NBSP},Sample#Passw0rd,1,,POSTPAID_BY_USAGE"
    printf '%s\n' "\"${NBSP} cn-east-2 ${NBSP}\",cn-east-2a,cps.c.normal,standard,centos-7.9-x64,r-sys-raid1,r-data-raid10,basic,No,,,app-01,Sample#Passw0rd,3,mysql : 5.7,"
} >"$JOB"

rc "$BUILD/cpsbatch" validate "$JOB" >"$WORK/validate.out" 2>&1
check_eq "validate: exit status" "$RC" 0
check_grep "validate: 3 rows, 6 instances" "3 rows, 6 instances" "$WORK/validate.out" -F

# The dry run: every row, in the API's spelling, the spaces gone.
rc "$BUILD/cpsbatch" run --dry-run "$JOB" >"$WORK/dry.out" 2>"$WORK/dry.err"
check_eq "dry run: exit status" "$RC" 0
check "dry run: what is sent" python3 - "$WORK/dry.out" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 3, len(lines)
a, b, c = (l["body"] for l in lines)
assert lines[0]["url"].endswith("/v1/regions/cn-north-1/instances"), lines[0]["url"]
assert lines[2]["url"].endswith("/v1/regions/cn-east-2/instances"), lines[2]["url"]
assert [l["body"]["regionId"] for l in lines] == ["cn-north-1", "cn-north-1", "cn-east-2"]
s = a["instanceSpec"]
assert (s["imageType"], s["networkType"], s["enableInternet"], s["lineType"]) == \
    ("standard", "basic", "yes", "bgp"), s
assert (s["bandwidth"], s["count"]) == (10, 2), s
assert s["softwares"] == [{"name": "mysql", "version": "5.7"}, {"name": "php", "version": "7.4"}]
assert s["charge"] == {"chargeMode": "postpaid_by_duration"}, s["charge"]
s = b["instanceSpec"]
assert (s["az"], s["deviceType"], s["osTypeId"], s["name"]) == \
    ("cn-north-1a", "cps.c.normal", "centos-7.9-x64", "web-02"), s
assert (s["imageType"], s["enableInternet"], s["lineType"], s["bandwidth"]) == \
    ("standard_app", "yes", "bgp", 5), s
assert s["charge"] == {"chargeMode": "postpaid_by_usage"}, s["charge"]
s = c["instanceSpec"]
assert s["enableInternet"] == "no" and s["softwares"] == [{"name": "mysql", "version": "5.7"}]
PY

# The sandbox (cps-sim checks every signature and body): every row created.
rc bash -c 'cd "$1" && timeout 120 "$2" run --sandbox --yes --progress never sheet.csv' _ \
    "$WORK" "$BUILD/cpsbatch" >"$WORK/sandbox.out" 2>&1
check_eq "sandbox: exit status" "$RC" 0
LEDGER="$WORK/sheet.sandbox.ledger.jsonl"
check_eq "sandbox: 3 rows done" "$(grep -c '"type":"done"' "$LEDGER")" 3
check_eq "sandbox: no failed row" "$(grep -c '"type":"failed"' "$LEDGER" || true)" 0

# Inside an identifier, too long, or a character a URL would mangle: refused before anything
# is sent, the character named; the dry run refuses it the same way (it ended with exit 70).
LONG=$(printf 'r%.0s' $(seq 1 80))
bad() { # name, regionId cell, expected message fragment
    printf '%s\n%s\n' "$HDR" \
        "$2,cn-north-1a,cps.c.normal,standard,os-1,r1,r10,basic,yes,bgp,10,n,Sample#Passw0rd,1,," \
        >"$WORK/bad.csv"
    rc "$BUILD/cpsbatch" validate "$WORK/bad.csv" >/dev/null 2>"$WORK/bad.err"
    check_eq "$1: validate exit status" "$RC" 65
    check_grep "$1: validate names it" "$3" "$WORK/bad.err" -F
    rc "$BUILD/cpsbatch" run --dry-run "$WORK/bad.csv" >"$WORK/bad.out" 2>"$WORK/bad.err"
    check_eq "$1: dry run exit status" "$RC" 65
    check_eq "$1: dry run prints no request" "$(wc -l <"$WORK/bad.out")" 0
    check_grep "$1: dry run names it" "$3" "$WORK/bad.err" -F
}
bad "no-break space inside" "cn-north${NBSP}1" "regionId: contains U+00A0 NO-BREAK SPACE at character 9"
bad "80 characters" "$LONG" "regionId: must be 1..32 characters, got 80"
bad "question mark" "cn-north-1?x" "contains '?'"
bad "hash" "cn-north-1#x" "contains '#'"
bad "escaped slash" "cn%2Fnorth-1" "contains '%'"
finish
