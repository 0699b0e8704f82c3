/* preflight.h - the catalog a job's rows are checked against before anything is sent
 * (catalog.h): read from a file (--catalog), or fetched (catalogfetch.h) from the sandbox or
 * an endpoint. Every function prints its own message on stderr, "cpsbatch: ...".
 */
#ifndef CPSBATCH_PREFLIGHT_H
#define CPSBATCH_PREFLIGHT_H

#include <stdbool.h>

#include "catalog.h"
#include "cliopt.h"
#include "endpoint.h"
#include "ratelimit.h"
#include "retrybudget.h"
#include "target.h"

/* Where the catalog comes from: the options of the commands that read one. */
struct preflight {
    const char *endpoint, *catalog_file; /* borrowed from argv */
    bool sandbox, insecure_http;
    struct target_ca ca;
};

#define PREFLIGHT_OPTIONS(p)                                                                       \
    CLIOPT_STRING("endpoint", &(p)->endpoint), CLIOPT_SET("sandbox", &(p)->sandbox),               \
        CLIOPT_SET("insecure-http", &(p)->insecure_http), TARGET_CA_OPTIONS(&(p)->ca)

#define PREFLIGHT_HELP                                                                             \
    "  --endpoint URL         API endpoint, scheme://host[:port] (default:\n"                      \
    "                         " ENDPOINT_DEFAULT ")\n"                                             \
    "  --sandbox              ask the built-in emulator (cps-sim's catalog)\n"                     \
    "  --insecure-http        allow http:// to a host that is not loopback\n" TARGET_CA_HELP

/* Calls per second (and burst) of `catalog` and `validate --preflight` to an endpoint: run's
 * default --rate. */
#define PREFLIGHT_RATE 10

/* The catalog from p (file, sandbox or endpoint; the keys of profile, NULL: the default
 * order), kept to the region, zone and device type given (each NULL: all); an endpoint's calls
 * within PREFLIGHT_RATE. Returns 0 with *out, or a negative code after saying why
 * (exit_for_err(rc, EXIT_READING) is the status). */
int preflight_catalog(const struct preflight *p, const char *profile, const char *region,
                      const char *az, const char *device_type, struct catalog **out);

/* What a run's pre-flight shares with its creates and describes (catalogfetch.h): its bucket
 * (NULL: no limit), its retry budget, --max-attempts and --timeout. */
struct preflight_pace {
    struct ratelimit *bucket;
    struct retrybudget *budget;
    int max_attempts;
    long timeout_ms;
};

/* The whole catalog of a running endpoint, with these keys and CAs (borrowed), its calls paced
 * and retried as pace says. Returns 0 with *out, or a negative code after saying why and that
 * --no-preflight skips the check. */
int preflight_fetch(const char *endpoint, const char *access_key, const char *secret_key,
                    const struct target_ca *ca, const struct preflight_pace *pace,
                    struct catalog **out);

#endif
