#!/usr/bin/env bash
# export: the sheet back as a job. Run a job, export it, run the export with a fresh ledger
# against the same cps-sim: nothing new is created (every row replays its token), the export
# validates, outcome columns of an earlier export are replaced (not repeated), and the style
# of the output is what was asked for.
source "$(dirname "$0")/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
export PW='Test#Passw0rd'

JOB="$WORK/job.csv"
make_job "$JOB" 20
start_sim --verify-signatures
run() {
    rc timeout 120 "$BUILD/cpsbatch" run "$@" --endpoint "$SIM_URL" --rate 0 --progress never \
        --password-env PW >"$WORK/run.out" 2>&1
}

run "$JOB"
check_eq "first run: exit 0" "$RC" 0
creates=$(sim_count creates)
instances=$(sim_stat "['instances']")

rc "$BUILD/cpsbatch" export "$WORK/job.ledger.jsonl" -o "$WORK/out.csv" 2>"$WORK/export.err"
check_eq "export: exit 0" "$RC" 0
check "export: header is the job's, then clientToken and the # outcome columns" \
    grep -qx 'regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId,networkType,name,password,count,clientToken,#status,#instanceIds,#state,#privateIps,#publicIps,#error,#requestId,#attempts' \
    <(head -n 1 "$WORK/out.csv")
check_no_grep "export: no password" "$PW" "$WORK/out.csv"

rc "$BUILD/cpsbatch" validate "$WORK/out.csv" --password-env PW >"$WORK/validate.out" 2>&1
check_eq "the export validates" "$RC" 0

run "$WORK/out.csv" --ledger "$WORK/again.ledger.jsonl"
check_eq "run of the export: exit 0" "$RC" 0
check_eq "run of the export: no new create" "$(sim_count creates)" "$creates"
check_eq "run of the export: no new instance" "$(sim_stat "['instances']")" "$instances"
check "run of the export: every token replayed, each created once" python3 - \
    "$WORK/job.ledger.jsonl" "$WORK/again.ledger.jsonl" <(sim_stats) <<'PY'
import json, sys
def done(path):
    return {r["token"]: r["instanceIds"] for r in map(json.loads, open(path)) if r["type"] == "done"}
first, again, stats = done(sys.argv[1]), done(sys.argv[2]), json.load(open(sys.argv[3]))
assert len(first) == 20 and first == again, (len(first), len(again))
assert all(n == 1 for n in stats["tokens"].values()) and len(stats["tokens"]) == 20
PY

# An export of an export: the outcome columns are replaced, not repeated.
rc "$BUILD/cpsbatch" export "$WORK/again.ledger.jsonl" -o "$WORK/out2.csv" 2>/dev/null
check_eq "export of the export: exit 0" "$RC" 0
check_eq "export of the export: same header" "$(head -n 1 "$WORK/out2.csv")" \
    "$(head -n 1 "$WORK/out.csv")"
check_eq "export of the export: same rows" "$(cut -d, -f1-14 "$WORK/out2.csv" | md5sum)" \
    "$(cut -d, -f1-14 "$WORK/out.csv" | md5sum)"

# --bom --crlf: what Excel reads as UTF-8.
rc "$BUILD/cpsbatch" export "$WORK/job.ledger.jsonl" --bom --crlf -o "$WORK/excel.csv" 2>/dev/null
check_eq "--bom --crlf: exit 0" "$RC" 0
check_eq "--bom: starts with EF BB BF" "$(head -c 3 "$WORK/excel.csv" | od -An -tx1 | tr -d ' ')" \
    efbbbf
check_eq "--crlf: every line ends CRLF" "$(grep -c $'\r$' "$WORK/excel.csv")" 21

# The export keeps the input's style: a BOM, CRLF and ';' in, the same out (UTF-8 always: a
# UTF-16 input comes out as UTF-8 with a BOM).
{
    printf '\xef\xbb\xbf'
    head -n 4 "$JOB" | tr , ';' | sed 's/$/\r/'
} >"$WORK/excel-in.csv"
rc "$BUILD/cpsbatch" run --sandbox "$WORK/excel-in.csv" --password-env PW --progress never \
    >/dev/null 2>&1
check_eq "BOM+CRLF+';' input: run exit 0" "$RC" 0
rc "$BUILD/cpsbatch" export "$WORK/excel-in.sandbox.ledger.jsonl" -o "$WORK/excel-out.csv" \
    2>/dev/null
check_eq "BOM+CRLF+';' input: export exit 0" "$RC" 0
check_eq "BOM+CRLF+';' input: the export starts with a BOM" \
    "$(head -c 3 "$WORK/excel-out.csv" | od -An -tx1 | tr -d ' ')" efbbbf
check_eq "BOM+CRLF+';' input: every line of the export ends CRLF" \
    "$(grep -c $'\r$' "$WORK/excel-out.csv")" 4
check_grep "BOM+CRLF+';' input: the export is separated by ';'" \
    ';count;clientToken;#status;#instanceIds;#state;#privateIps;#publicIps;#error;#requestId;#attempts.$' "$WORK/excel-out.csv"
rc "$BUILD/cpsbatch" validate "$WORK/excel-out.csv" --password-env PW >"$WORK/v.out" 2>&1
check_eq "BOM+CRLF+';' input: the export validates ($(cat "$WORK/v.out"))" "$RC" 0
iconv -f utf-8 -t utf-16le "$WORK/excel-in.csv" >"$WORK/u16.csv" # the BOM becomes FF FE
rc "$BUILD/cpsbatch" run --sandbox "$WORK/u16.csv" --password-env PW --progress never >/dev/null \
    2>&1
check_eq "UTF-16LE input: run exit 0" "$RC" 0
rc "$BUILD/cpsbatch" export "$WORK/u16.sandbox.ledger.jsonl" -o "$WORK/u16-out.csv" 2>/dev/null
check_eq "UTF-16LE input: the export is UTF-8 with a BOM" \
    "$(head -c 4 "$WORK/u16-out.csv" | od -An -tx1 | tr -d ' ')" efbbbf72
finish
