#!/usr/bin/env bash
# preflight.sh - the catalog and the pre-flight against cps-sim: one row per rule (sold out; a
# zone of another region; an OS not offered for the device type; a data RAID as system RAID;
# an unknown region) flagged at its row and column with the choices, by run and by validate
# --preflight, with cps-sim receiving no create; the catalog read once per run (each distinct
# call once), with retries through 503s; `catalog --json` read back by --catalog gives the same
# answers offline; the table against the sandbox; the README's quick start passes; keys the
# API refuses stop the run before anything is sent.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
bin=$BUILD/cpsbatch
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
start_sim --verify-signatures

JOB=$WORK/bad.csv
{
    echo "regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId,networkType,name,password,count"
    echo "cn-north-1,cn-north-1a,cps.c.normal,standard,centos-7.9-x64,r-sys-raid1,r-data-raid10,basic,ok,Test#Passw0rd,1"
    echo "cn-north-1,cn-north-1a,cps.gpu.1,standard,d4f9a2b5-6c7e-4d8f-8a91-b2c3d4e5f604,r-sys-raid1,r-data-raid10,basic,a,Test#Passw0rd,1"
    echo "cn-north-1,cn-east-2a,cps.c.normal,standard,centos-7.9-x64,r-sys-raid1,r-data-raid10,basic,b,Test#Passw0rd,1"
    echo "cn-north-1,cn-north-1b,cps.s.normal,standard,centos-7.9-x64,r-sys-raid1,r-data-raid10,basic,c,Test#Passw0rd,1"
    echo "cn-north-1,cn-north-1a,cps.c.normal,standard,centos-7.9-x64,r-data-raid10,r-data-raid10,basic,d,Test#Passw0rd,1"
    echo "cn-west-9,cn-west-9a,cps.c.normal,standard,centos-7.9-x64,r-sys-raid1,r-data-raid10,basic,e,Test#Passw0rd,1"
} >"$JOB"
cat >"$WORK/want.err" <<WANT
$JOB:3:deviceType: cps.gpu.1 is sold out in cn-north-1a; available there: cps.c.normal, cps.s.normal, cps.c.highfreq
$JOB:4:az: cn-east-2a is a zone of cn-east-2, not of cn-north-1; zones of cn-north-1: cn-north-1a, cn-north-1b
$JOB:5:osTypeId: centos-7.9-x64 is not an OS offered for cps.s.normal; offered: ubuntu-22.04-x64, 0a7d3c52-9e41-4b8f-a6d2-3f5e7c9b1d02
$JOB:6:sysRaidTypeId: r-data-raid10 is a data RAID of cps.c.normal, not a system RAID; system RAIDs: r-sys-raid1
$JOB:7:regionId: cn-west-9 is not a region; regions: cn-north-1, cn-east-2, cn-south-1
$JOB: 5 problems; nothing was sent
WANT

# run: every problem, exit 65, no create, no ledger; the catalog read once (1 describeRegiones,
# 6 zones, 3 calls for each of the 11 device types of the 3 regions), not per row.
before=$(sim_count requests)
rc "$bin" run "$JOB" --endpoint "$SIM_URL" --yes --progress never >/dev/null 2>"$WORK/run.err"
check_eq "run: exit status" "$RC" 65
check "run: each rule at its row and column, with the choices" diff "$WORK/want.err" \
    <(grep -v '^cpsbatch: ' "$WORK/run.err")
check_eq "run: no create" "$(sim_count creates)" 0
check_eq "run: the catalog's calls, each once" "$(($(sim_count requests) - before))" 40
check "run: no ledger" test ! -e "$WORK/bad.ledger.jsonl"

# validate --preflight against the endpoint: the same lines.
rc "$bin" validate "$JOB" --preflight --endpoint "$SIM_URL" 2>"$WORK/validate.err"
check_eq "validate --preflight: exit status" "$RC" 65
check "validate --preflight: the same problems" diff "$WORK/want.err" "$WORK/validate.err"
# without --preflight, the catalog is not asked
rc "$bin" validate "$JOB" 2>/dev/null
check_eq "validate: no pre-flight by default" "$RC" 0

# catalog --json, read back offline: the same answers; and it is the sandbox's catalog.
rc "$bin" catalog --endpoint "$SIM_URL" --json >"$WORK/catalog.json"
check_eq "catalog --json: exit status" "$RC" 0
rc "$bin" catalog --sandbox --json >"$WORK/sandbox.json"
check "catalog --json: the sandbox's is cps-sim's" cmp "$WORK/catalog.json" "$WORK/sandbox.json"
stop_sim
rc "$bin" validate "$JOB" --catalog "$WORK/catalog.json" 2>"$WORK/offline.err"
check_eq "validate --catalog: exit status" "$RC" 65
check "validate --catalog: the same problems offline" diff "$WORK/want.err" "$WORK/offline.err"
printf '{"regions":[{"azs":[]}]}\n' >"$WORK/broken.json"
rc "$bin" validate "$JOB" --catalog "$WORK/broken.json" 2>"$WORK/broken.err"
check_eq "validate --catalog: a broken file is a data error" "$RC" 65
check_grep "validate --catalog: the file and member named" "broken.json: regions[0]" \
    "$WORK/broken.err" -F

# The table against the sandbox, and a filter.
rc "$bin" catalog --sandbox >"$WORK/table.out"
check_eq "catalog: exit status" "$RC" 0
check_grep "catalog: sold out marked" \
    "zone cn-north-1a: cps.c.normal cps.s.normal cps.c.highfreq cps.gpu.1 (sold out)" \
    "$WORK/table.out" -F
check_grep "catalog: a device type's OS" "^ +ubuntu-22.04-x64 +Ubuntu 22.04 64-bit$" "$WORK/table.out"
rc "$bin" catalog --sandbox --region cn-east-2 --az cn-east-2b --device-type cps.g.normal \
    --json >"$WORK/filtered.json"
check_eq "catalog --region --az --device-type: one of each" "$(python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
r = c["regions"]
print(len(r), r[0]["region"], [z["az"] for z in r[0]["azs"]], [d["deviceType"] for d in r[0]["deviceTypes"]],
      [o["osTypeId"] for o in r[0]["deviceTypes"][0]["oss"]])' "$WORK/filtered.json")" \
    "1 cn-east-2 ['cn-east-2b'] ['cps.g.normal'] ['ubuntu-22.04-x64']"
rc "$bin" catalog --sandbox --region cn-west-9 2>"$WORK/noregion.err"
check_eq "catalog --region: a region not offered is a usage error" "$RC" 2

# Retries: catalog calls answered 503 one time in ten still make the catalog (each call has 6
# tries: at 0.5, one of the ~40 calls failing all six was likely, about one run in two).
start_sim --verify-signatures --all-calls --p503 0.1 --seed 7
rc "$bin" catalog --endpoint "$SIM_URL" --json >"$WORK/retried.json"
check_eq "catalog through 503s: exit status" "$RC" 0
check "catalog through 503s: the same catalog" cmp "$WORK/retried.json" "$WORK/catalog.json"
check "catalog through 503s: some were retried" \
    test "$(sim_stat "['by_status'].get('503', 0)")" -gt 0

# Within 10 calls a second (run's default rate): a server that allows 20 a second (burst 20)
# never throttles the 40 calls, which would come at once otherwise (8 in flight).
start_sim --all-calls --rate-limit 20 --limit-status 429
rc "$bin" catalog --endpoint "$SIM_URL" --json >"$WORK/paced.json"
check_eq "catalog within the rate: exit status" "$RC" 0
check_eq "catalog within the rate: never throttled" "$(sim_stat "['by_status'].get('429', 0)")" 0
check_eq "catalog within the rate: 40 calls" "$(sim_count requests)" 40

# Keys the API refuses: nothing sent, exit 3 (run again with the right keys).
start_sim --verify-signatures
make_job "$WORK/good.csv" 3
rc env JDCLOUD_SECRET_KEY=wrong "$bin" run "$WORK/good.csv" --endpoint "$SIM_URL" --yes \
    --progress never >/dev/null 2>"$WORK/keys.err"
check_eq "keys refused: exit status" "$RC" 3
check_grep "keys refused: said" "HTTP 401" "$WORK/keys.err" -F
check_grep "keys refused: --no-preflight named" "--no-preflight" "$WORK/keys.err" -F
check_eq "keys refused: no create" "$(sim_count creates)" 0
# ... and the job that fits the catalog runs.
rc "$bin" run "$WORK/good.csv" --endpoint "$SIM_URL" --yes --progress never >/dev/null 2>&1
check_eq "a job that fits: exit status" "$RC" 0
check_eq "a job that fits: created" "$(sim_count creates)" 3

# The README's quick start passes the sandbox's pre-flight.
cp "$SRC/jobs/sample.csv" "$WORK/sample.csv"
rc "$bin" run --sandbox "$WORK/sample.csv" --yes --progress never >/dev/null 2>"$WORK/quick.err"
check_eq "quick start: exit status ($(tail -n 1 "$WORK/quick.err"))" "$RC" 0

finish
