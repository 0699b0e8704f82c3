/* target.h - where a sending command (run, load) sends, and the keys it signs with.
 *
 * The endpoint: https anywhere, plain http only to loopback unless --insecure-http. The keys
 * (creds.h gives the order: --profile, else the environment, else the current profile): never
 * from the command line; against a loopback endpoint (an emulator) they may be absent,
 * anywhere else their absence stops the command before anything is sent.
 *
 * The CAs an https endpoint is verified against (verification is never off): --cacert FILE
 * and/or --capath DIR when either is given (those only); else, as the curl tool reads them,
 * CURL_CA_BUNDLE (a file); else SSL_CERT_FILE and/or SSL_CERT_DIR; else the system's store.
 * An empty variable counts as unset. Whatever is named must exist before anything is sent.
 *
 * Every function prints its own message on stderr, "cpsbatch: ...".
 */
#ifndef CPSBATCH_TARGET_H
#define CPSBATCH_TARGET_H

#include <stdbool.h>

#include "cliopt.h"
#include "creds.h"

/* The CAs to trust: given by the options (borrowed from argv), then resolved. */
struct target_ca {
    const char *file, *dir; /* --cacert, --capath; after target_ca_resolve, what to trust
                             * (NULL, NULL: the system's store); borrowed from argv or environ */
};

/* cliopt entries for --cacert and --capath into the target_ca c, and their --help lines. */
#define TARGET_CA_OPTIONS(c) CLIOPT_STRING("cacert", &(c)->file), CLIOPT_STRING("capath", &(c)->dir)
#define TARGET_CA_HELP                                                                             \
    "  --cacert FILE          trust the CAs in this PEM file for https (default: "                 \
    "CURL_CA_BUNDLE,\n"                                                                            \
    "                         else SSL_CERT_FILE/SSL_CERT_DIR, else the system's; a peer is\n"     \
    "                         always verified)\n"                                                  \
    "  --capath DIR           ... and/or those in this directory, hashed by openssl rehash\n"

/* Fill c from the environment when neither option was given (above), and check what it names:
 * a readable file holding a PEM certificate, a directory. When a variable chose and endpoint
 * is https, one line on stderr says which CAs and which variable. Returns 0, or ERR_INVALID
 * after saying what is wrong (the option or variable, the path, why). */
int target_ca_resolve(struct target_ca *c, const char *endpoint);

/* Whether requests may go to endpoint (borrowed): 0, or ERR_INVALID after saying why. */
int target_check(const char *endpoint, bool insecure_http);

/* Load the keys (and the profile's region_id) of profile (NULL: the default order) into *c
 * (new; release with creds_release). Returns 0, with keys or without, or creds_load's error
 * after printing its message; on error *c holds nothing. */
int target_creds(struct creds *c, const char *profile);

/* target_creds, then: 0 with both keys, or with none when endpoint is loopback; ERR_AUTH, after
 * saying how to give keys, when there are none for another endpoint. */
int target_keys(struct creds *c, const char *profile, const char *endpoint);

#endif
