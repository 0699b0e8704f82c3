#!/usr/bin/env bash
# HTTPS with a private CA, end to end: cps-sim serves TLS (--tls-cert, --tls-key) with a server
# certificate for 127.0.0.1 signed by a throwaway CA made here with openssl. Without that CA
# (the system's store, or another CA) the batch stops at the first certificate failure, naming
# it and the CAs trusted, nothing created (exit 3); with it, through --cacert, --capath (a
# directory hashed by openssl rehash), CURL_CA_BUNDLE, SSL_CERT_FILE or SSL_CERT_DIR, every row
# is created exactly once. The curl tool's order: an option over the variables, CURL_CA_BUNDLE
# over SSL_CERT_FILE. A CA file or directory that is not there is a usage error (exit 2)
# before anything is sent. `load` takes the same options.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
export JDCLOUD_ACCESS_KEY=AKE2ETESTKEY JDCLOUD_SECRET_KEY=SKE2ETESTSECRET
# The machine's own choices must not decide what "without the CA" means.
unset CURL_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR
command -v openssl >/dev/null || { skip "no openssl command (Debian package openssl)"; finish; }

# ---- A CA, a server certificate it signs (for IP 127.0.0.1), another CA that signs nothing.
PKI="$WORK/pki"
mkdir -p "$PKI/capath"
newca() { # NAME
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=cpsbatch e2e $1" -keyout "$PKI/$1.key" -out "$PKI/$1.pem" 2>>"$PKI/log"
}
newca ca
newca other
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$PKI/server.key" -out "$PKI/server.csr" 2>>"$PKI/log"
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    >"$PKI/server.ext"
openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
    -CAcreateserial -days 2 -extfile "$PKI/server.ext" -out "$PKI/server.pem" 2>>"$PKI/log"
cp "$PKI/ca.pem" "$PKI/capath/"
openssl rehash "$PKI/capath" 2>>"$PKI/log" || c_rehash "$PKI/capath" >>"$PKI/log"
check "the CA directory is hashed" compgen -G "$PKI/capath/*.0" >/dev/null
CA="$PKI/ca.pem"

start_sim --verify-signatures --tls-cert "$PKI/server.pem" --tls-key "$PKI/server.key"
SIM_URL="https://127.0.0.1:$(cat "$WORK/sim.port")"
# lib.sh's helpers ask cps-sim with curl: through the CA (the test's own curl only).
curl() { command curl --cacert "$CA" "$@"; }
check_grep "cps-sim speaks TLS" '"requests":0' <(curl -sf -m 30 "$SIM_URL/__sim/stats?tokens=0")

JOB="$WORK/job.csv"
make_job "$JOB" 5

# (The sending's TLS, without the pre-flight; the pre-flight's own TLS is checked below.)
run() { # NAME [options...]: env vars as given by the caller; sets RC, NAME.out
    rc timeout 120 "$BUILD/cpsbatch" run "$JOB" --endpoint "$SIM_URL" --rate 0 --yes \
        --ledger "$WORK/$1.ledger.jsonl" --progress never --no-preflight "${@:2}" \
        >"$WORK/$1.out" 2>&1
}

# refused NAME TRUSTING: exit 3, the certificate failure said with the CAs trusted, nothing
# reached cps-sim, the rows left in doubt.
refused() {
    check_eq "$1: exit 3" "$RC" 3
    check_grep "$1: the certificate failure is named" \
        "stopped: .*SSL certificate problem: .*\(trusting $2\)" "$WORK/$1.out"
    check_no_grep "$1: not taken for a connection failure" "Couldn't connect" "$WORK/$1.out"
    check_eq "$1: nothing reached cps-sim" "$(sim_count requests)" 0
}

# accepted NAME: exit 0, every row created exactly once; cps-sim is reset for the next.
accepted() {
    check_eq "$1: exit 0" "$RC" 0
    check "$1: every row created exactly once" exactly_once "$WORK/$1.ledger.jsonl" 5
    sim_reset
}

# ---- Without the CA: refused, and the batch stops at the first failure.
run system
refused system "the system's CA store"
check_grep "system: incomplete, say so" "run the same command again to resume" "$WORK/system.out"
run other --cacert "$PKI/other.pem"
refused other "the CA file $PKI/other.pem"

# The pre-flight's catalog calls are verified the same way: refused, nothing created, no ledger.
rc timeout 120 "$BUILD/cpsbatch" run "$JOB" --endpoint "$SIM_URL" --yes --progress never \
    --ledger "$WORK/pre.ledger.jsonl" >"$WORK/pre.out" 2>&1
check_eq "pre-flight without the CA: exit 3" "$RC" 3
check_grep "pre-flight without the CA: the certificate failure is named" \
    "catalog .*SSL certificate problem: .*\(trusting the system's CA store\)" "$WORK/pre.out"
check "pre-flight without the CA: no ledger" test ! -e "$WORK/pre.ledger.jsonl"
rc timeout 120 "$BUILD/cpsbatch" catalog --endpoint "$SIM_URL" --cacert "$CA" >"$WORK/cat.out" 2>&1
check_eq "catalog --cacert: exit 0" "$RC" 0
sim_reset

# ---- With it: the refused batch resumes, and each way of naming the CA works.
run system --cacert "$CA"
accepted system
run capath --capath "$PKI/capath"
accepted capath
CURL_CA_BUNDLE="$CA" run bundle
accepted bundle
check_grep "CURL_CA_BUNDLE: the choice is said" \
    "verifying $SIM_URL against the CA file $CA (CURL_CA_BUNDLE)" "$WORK/bundle.out" -F
SSL_CERT_FILE="$CA" run certfile
accepted certfile
SSL_CERT_DIR="$PKI/capath" run certdir
accepted certdir
check_grep "SSL_CERT_DIR: the choice is said" "(SSL_CERT_DIR)" "$WORK/certdir.out" -F

# ---- The order: an option over every variable; CURL_CA_BUNDLE over SSL_CERT_FILE/_DIR.
CURL_CA_BUNDLE="$PKI/other.pem" SSL_CERT_FILE="$CA" SSL_CERT_DIR="$PKI/capath" run order1
refused order1 "the CA file $PKI/other.pem"
CURL_CA_BUNDLE="$PKI/other.pem" run order2 --cacert "$CA"
accepted order2
CURL_CA_BUNDLE="$PKI/other.pem" run order3 --capath "$PKI/capath"
accepted order3
check_no_grep "an option: the environment is not read" "CURL_CA_BUNDLE" "$WORK/order3.out"

# ---- The host name is verified too: the certificate is for 127.0.0.1, not localhost.
rc timeout 120 "$BUILD/cpsbatch" run "$JOB" --endpoint "https://localhost:${SIM_URL##*:}" \
    --cacert "$CA" --rate 0 --ledger "$WORK/host.ledger.jsonl" --progress never --no-preflight \
    >"$WORK/host.out" 2>&1
check_eq "another host name: exit 3" "$RC" 3
check_grep "another host name: said" \
    "stopped: .*(subject name|does not match|localhost).*\(trusting" "$WORK/host.out"
check_eq "another host name: nothing created" "$(sim_count creates)" 0

# ---- What is named must be there: exit 2, said, nothing sent.
run missing --cacert "$WORK/nonexistent.pem"
check_eq "--cacert missing: exit 2" "$RC" 2
check_grep "--cacert missing: said" "cpsbatch: --cacert $WORK/nonexistent.pem: No such file" \
    "$WORK/missing.out" -F
run missingdir --capath "$WORK/nonexistent"
check_eq "--capath missing: exit 2" "$RC" 2
check_grep "--capath missing: said" "--capath $WORK/nonexistent: No such file" \
    "$WORK/missingdir.out" -F
CURL_CA_BUNDLE="$WORK/nonexistent.pem" run missingenv
check_eq "CURL_CA_BUNDLE missing: exit 2" "$RC" 2
check_grep "CURL_CA_BUNDLE missing: said" "CURL_CA_BUNDLE=$WORK/nonexistent.pem: No such file" \
    "$WORK/missingenv.out" -F
run notpem --cacert "$JOB"
check_eq "--cacert of no certificate: exit 2" "$RC" 2
check_grep "--cacert of no certificate: said" "holds no PEM certificate" "$WORK/notpem.out"
check_eq "refused options: nothing reached cps-sim" "$(sim_count requests)" 0
for name in missing missingdir missingenv notpem; do
    check "$name: no ledger made" test ! -e "$WORK/$name.ledger.jsonl"
done

# ---- load: the same options; without the CA every request is a TLS error.
load() { # NAME [options...]: JSON report NAME.json; sets RC
    rc timeout 120 "$BUILD/cpsbatch" load "$JOB" --endpoint "$SIM_URL" --rate 200 --requests 20 \
        --progress never --report json -o "$WORK/$1.json" "${@:2}" >"$WORK/$1.out" 2>&1
}
load load-ca --cacert "$CA"
check_eq "load --cacert: exit 0" "$RC" 0
check "load --cacert: 20 answered 200" python3 -c "
import json, sys; r = json.load(open(sys.argv[1]))
sys.exit(not (r['status'].get('200') == 20 and r['errors']['tls'] == 0))" "$WORK/load-ca.json"
load load-none --threshold 'errors<1'
check_eq "load without the CA: the threshold fails (exit 4)" "$RC" 4
check "load without the CA: every request a TLS error" python3 -c "
import json, sys; r = json.load(open(sys.argv[1]))
sys.exit(not (r['errors']['tls'] == 20 and not r['status']))" "$WORK/load-none.json"
load load-missing --capath "$WORK/nonexistent"
check_eq "load --capath missing: exit 2" "$RC" 2
finish
