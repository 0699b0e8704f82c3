/* waitrun.h - waiting until servers run, for `run --wait` and `cpsbatch wait LEDGER`.
 *
 * Reads the done rows' instances out of the ledger (and what it last recorded of each), hands
 * those not final yet to the waiter (engine/waiter.h) and drives it on the real clock through
 * the caller's port, bucket and retry budget, with a live line on a terminal. The exit status:
 * 0 every instance runs, 1 some ended in error (or not found), 3 some still pending.
 */
#ifndef CPSBATCH_WAITRUN_H
#define CPSBATCH_WAITRUN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cliopt.h"
#include "waiter.h"

struct wait_options {
    bool wait; /* run --wait */
    int64_t initial_us, poll_min_us, poll_max_us, timeout_us, notfound_us;
};

/* The defaults: first look 5s after creation, sweeps 2s..30s apart, no timeout, "not found"
 * tolerated 2m. */
void wait_options_default(struct wait_options *o);

/* cliopt entries (without --wait) and their --help lines. */
#define WAIT_OPTIONS(o)                                                                            \
    CLIOPT_DURATION("wait-timeout", &(o)->timeout_us),                                             \
        CLIOPT_DURATION("poll-initial", &(o)->initial_us),                                         \
        CLIOPT_DURATION("poll-min", &(o)->poll_min_us),                                            \
        CLIOPT_DURATION("poll-max", &(o)->poll_max_us),                                            \
        CLIOPT_DURATION("not-found-grace", &(o)->notfound_us)
#define WAIT_HELP                                                                                  \
    "  --wait-timeout D       give up waiting D after the last create (e.g. 20m; default: no\n"    \
    "                         bound): exit 3, and `cpsbatch wait LEDGER` resumes waiting\n"        \
    "  --poll-initial D       first describeInstances this long after a create (default 5s)\n"     \
    "  --poll-min D           shortest pause between sweeps (default 2s) ...\n"                    \
    "  --poll-max D           ... growing, with jitter, up to this (default 30s)\n"                \
    "  --not-found-grace D    how long an instance the API does not list yet is waited for\n"      \
    "                         (default 2m), then it counts as failed ('notfound')\n"

/* ERR_INVALID after a message when the durations do not fit together (min > max). */
int wait_options_check(const struct wait_options *o);

struct waitrun {
    struct ledger *ledger;
    struct port port;
    struct request_maker *maker;
    struct ratelimit *bucket;
    struct retrybudget *budget;
    int concurrency;
    int64_t drain_us;
    const char *region; /* for done records without regionId (older ledgers); may be NULL */
    bool live;          /* draw the live line on stderr */
};

/* A waiter (in *out, its config in *cfg, which must outlive it) holding the instances of the
 * ledger's done rows that are not final, its input still open: for run --wait, which hands it
 * to the engine (engine_config.waiter). Returns 0, or ERR_NOMEM (*out NULL). */
int waitrun_begin(const struct waitrun *wr, const struct wait_options *o, struct waiter_config *cfg,
                  struct waiter_stats *st, struct waiter **out, long *skipped);

/* Wait for every instance the ledger's done rows made. Returns 0 or the waiter's error (see
 * st->stop_message); *skipped counts instances without a known region. */
int waitrun(const struct waitrun *wr, const struct wait_options *o, struct waiter_stats *st,
            long *skipped);

/* The exit status the wait's outcome gives (rc: waitrun's return; skipped: instances not
 * waited for, which are not known to run: 3). */
int waitrun_exit(const struct waiter_stats *st, int rc, long skipped);

/* The summary: one line of text, or the members of a JSON object. */
void waitrun_summary(const struct waiter_stats *st, long skipped, FILE *out);
json_t *waitrun_json(const struct waiter_stats *st, long skipped);

#endif
