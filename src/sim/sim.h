/* sim.h - cps-sim, the CPS emulator: a real HTTP server on libmicrohttpd that answers the JD
 * Cloud CPS calls the runner makes, with knobs for faults.
 *
 * It is the test partner of cpsbatch, the target of its benchmarks and the backend of
 * `cpsbatch run --sandbox` (started in-process on a loopback port). It speaks the API as
 * the official SDKs speak it:
 *
 *   PUT  /v1/regions/{r}/instances              createInstances (idempotent by clientToken)
 *   GET  /v1/regions/{r}/instances/{id}         describeInstance (creating -> running)
 *   GET  /v1/regions/{r}/instances              describeInstances (paging, filters)
 *   GET  /v1/regions                            describeRegiones
 *   GET  /v1/regions/{r}/deviceTypes?az=        describeDeviceTypes
 *   GET  /v1/regions/{r}/os?deviceType=         describeOS
 *   GET  /v1/regions/{r}/raids?deviceType=      describeDeviceRaids
 *   GET  /v1/regions/{r}/os/{osTypeId}/softwares describeSoftware
 *
 * and, for tests, never subject to faults or signatures:
 *
 *   GET  /__sim/stats[?tokens=0]   counts (see simstate_stats, simstate.h)
 *   POST /__sim/reset              forget stats, tokens and instances (and record it)
 *   GET  /__sim/faults             the knobs as JSON (keys as in struct sim_faults)
 *   POST /__sim/faults             change the knobs given in a JSON object, keep the others
 *
 * Order of checks on an API call: connection reset before (nothing happens) -> signature
 * (401) -> server rate limit (503/429) -> injected 503, 429, 500 -> the call itself (400,
 * 404, quota 429, 200) -> connection reset after (the call took effect, no answer) ->
 * latency. Faults apply to createInstances; with all_calls to every API call.
 *
 * Thread safety: every function below may be called from any thread while the server runs,
 * except sim_free (and sim_stop, once).
 */
#ifndef CPSBATCH_SIM_H
#define CPSBATCH_SIM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "simfault.h"

struct sim_config {
    struct sim_faults faults;
    long long seed;           /* -1 = seed from the clock */
    int threads;              /* server threads (thread pool when > 1) */
    unsigned max_connections; /* concurrent connections accepted */
    size_t max_body;          /* bigger request bodies get 413 */
    const char *catalog_file; /* borrowed; NULL = the built-in catalog */
    const char *state_file;   /* borrowed; NULL = remember nothing across restarts
                                 (else simstore.h: load it, record every order and reset) */
    bool strict_catalog;      /* createInstances also checks az/deviceType/os/raid ids */
    const char *access_key;   /* borrowed (copied by sim_new); for verify_signatures */
    const char *secret_key;   /* borrowed (copied, wiped on free) */
    FILE *log;                /* one line per request, or NULL */
    /* HTTPS with this PEM certificate (chain) and its PEM key, both borrowed, read by sim_new
     * (the key wiped on free); both NULL = plain HTTP. */
    const char *tls_cert_file, *tls_key_file;
};

struct sim;

/* Defaults: no faults, limit_status 503, retry_after -1, quota -1, create_seconds 2,
 * seed -1, 2 threads, 4096 connections, 1 MiB bodies, built-in catalog, no log. */
void sim_config_default(struct sim_config *c);

/* Build an emulator (not yet listening). Copies what it needs from c. Returns 0,
 * ERR_INVALID (bad knob, a TLS certificate without its key or the other way round, or TLS
 * asked of a libmicrohttpd without it; msg says which), ERR_IO / ERR_PARSE (catalog or TLS
 * file; msg names the file and what is wrong), ERR_IO / ERR_LOCKED / ERR_CORRUPT (state file;
 * msg names the file, and the line) or ERR_NOMEM. msg may be NULL. */
int sim_new(const struct sim_config *c, struct sim **out, char *msg, size_t msglen);

/* Listen on host (numeric IPv4/IPv6 or a name; NULL = 127.0.0.1) and port (0 = ephemeral)
 * and serve from background threads (HTTPS when the config had a certificate). Returns 0,
 * ERR_NET (msg says why: the address, or a key that does not fit the certificate) or
 * ERR_NOMEM. */
int sim_start(struct sim *s, const char *host, unsigned port, char *msg, size_t msglen);

/* The port listened on (after sim_start), else 0. */
unsigned sim_port(const struct sim *s);

/* Stop serving: delayed answers are released, connections closed, threads joined. Safe to
 * call when not started or already stopped. */
void sim_stop(struct sim *s);

/* Stop (if needed) and free everything. NULL is fine. */
void sim_free(struct sim *s);

/* Apply a JSON object of knobs (borrowed) onto f, e.g. to build a config from flags: only the
 * keys given change ("seed" is not one of them here: use sim_config.seed). Returns 0 or
 * ERR_INVALID with msg naming the key; f is unchanged on error. */
int sim_faults_apply_json(struct sim_faults *f, json_t *obj, char *msg, size_t msglen);

#endif
