/* sim.h - cps-sim, the CPS emulator: a real HTTP server on libmicrohttpd that answers the JD
 * Cloud CPS calls the runner makes, with knobs for faults.
 *
 * It is the test partner of cpsbatch, the target of its benchmarks and the backend of
 * `cpsbatch run --sandbox` (started in-process on a loopback port). It speaks the API as
 * shared/jdcloud/API.md describes it:
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
 *   GET  /__sim/stats[?tokens=0]   counts (see sim_stats_json)
 *   POST /__sim/reset              forget stats, tokens and instances
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
    bool strict_catalog;      /* createInstances also checks az/deviceType/os/raid ids */
    const char *access_key;   /* borrowed (copied by sim_new); for verify_signatures */
    const char *secret_key;   /* borrowed (copied, wiped on free) */
    FILE *log;                /* one line per request, or NULL */
};

struct sim;

/* Defaults: no faults, limit_status 503, retry_after -1, quota -1, create_seconds 2,
 * seed -1, 2 threads, 4096 connections, 1 MiB bodies, built-in catalog, no log. */
void sim_config_default(struct sim_config *c);

/* Build an emulator (not yet listening). Copies what it needs from c. Returns 0,
 * ERR_INVALID (bad knob; msg says which), ERR_IO / ERR_PARSE (catalog file; msg names the
 * file and what is wrong) or ERR_NOMEM. msg may be NULL. */
int sim_new(const struct sim_config *c, struct sim **out, char *msg, size_t msglen);

/* Listen on host (numeric IPv4/IPv6 or a name; NULL = 127.0.0.1) and port (0 = ephemeral)
 * and serve from background threads. Returns 0, ERR_NET (msg says why) or ERR_NOMEM. */
int sim_start(struct sim *s, const char *host, unsigned port, char *msg, size_t msglen);

/* The port listened on (after sim_start), else 0. */
unsigned sim_port(const struct sim *s);

/* Stop serving: delayed answers are released, connections closed, threads joined. Safe to
 * call when not started or already stopped. */
void sim_stop(struct sim *s);

/* Stop (if needed) and free everything. NULL is fine. */
void sim_free(struct sim *s);

/* Copy of the current knobs (faults->seed is the seed in use). */
void sim_get_faults(struct sim *s, struct sim_faults *out);

/* Replace the knobs. With reseed the RNG restarts from f->seed (a repeatable fault sequence);
 * otherwise f->seed is ignored. Returns 0 or ERR_INVALID (msg says which knob). */
int sim_set_faults(struct sim *s, const struct sim_faults *f, bool reseed, char *msg,
                   size_t msglen);

/* Apply a JSON object of knobs (borrowed) as POST /__sim/faults does: only the keys given
 * change; "seed" reseeds. Unknown keys and bad values are refused whole. Returns 0 or
 * ERR_INVALID with msg naming the key. */
int sim_set_faults_json(struct sim *s, json_t *obj, char *msg, size_t msglen);

/* Apply a JSON object of knobs (borrowed) onto f, e.g. to build a config from flags: only the
 * keys given change ("seed" is not one of them here: use sim_config.seed). Returns 0 or
 * ERR_INVALID with msg naming the key; f is unchanged on error. */
int sim_faults_apply_json(struct sim_faults *f, json_t *obj, char *msg, size_t msglen);

/* The knobs as a JSON object: new reference, or NULL when out of memory. */
json_t *sim_faults_json(struct sim *s);

/* The counts of GET /__sim/stats as a JSON text (owned, free() it; NULL when out of memory):
 * {"requests":N,                       API calls received (not /__sim/ ones)
 *  "by_status":{"200":N,...},          answers sent, by HTTP status
 *  "by_api":{"createInstances":N,...}, API calls by operation
 *  "creates":N,                        createInstances that created instances
 *  "replays":N,                        createInstances answered from an earlier token
 *  "instances":N,                      instances created
 *  "resets_before":N, "resets_after":N, "rate_limited":N, "quota_exceeded":N,
 *  "arrivals_per_s":[n0,n1,...],       createInstances arrivals per second since the first
 *  "arrivals_bin_ms":10,
 *  "arrivals_max_1s":N,                most arrivals in 100 consecutive 10 ms bins (a lower
 *                                      bound of the most in any 1 s window)
 *  "arrivals_max_1s_upper":N,          most in 101 consecutive bins (an upper bound)
 *  "tokens":{"<token>":1,...},         per clientToken, the times it created (with_tokens)
 *  "token_ids":{"<token>":["cps-..."]}} per clientToken, the ids it created (with_tokens)
 */
char *sim_stats_json(struct sim *s, bool with_tokens);

/* Forget stats, tokens and instances (POST /__sim/reset). Instance ids are never reused. */
void sim_reset(struct sim *s);

#endif
