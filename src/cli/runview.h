/* runview.h - what `cpsbatch run` shows a person: the plan, the live line, the summary.
 *
 * The engine knows nothing of terminals; it calls runview_progress with its counters. The live
 * line goes to stderr, redrawn in place, only on a terminal (or with --progress always); the
 * summary goes to stdout (JSON with --json).
 */
#ifndef CPSBATCH_RUNVIEW_H
#define CPSBATCH_RUNVIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "engine.h"
#include "plan.h"
#include "resume.h"

enum runview_progress { RUNVIEW_AUTO, RUNVIEW_ALWAYS, RUNVIEW_NEVER };

struct runview {
    FILE *err;    /* where the plan and the live line go */
    bool live;    /* draw the live line */
    bool drawn;   /* a live line is on screen */
    long to_send; /* rows this run sends */
    long skipped; /* rows already final */
    int64_t start_us;
    const struct waiter_stats *wait_stats; /* run --wait: shown on the live line while set */
    json_t *wait; /* run --wait: what waiting found, the "wait" member of the JSON summary
                   * (borrowed); NULL when it did not wait */
};

/* "auto", "always", "never"; false (after a message) for anything else. */
bool runview_parse_progress(const char *arg, enum runview_progress *out);

/* Whether a live line is drawn on err: always, or with auto when err is a terminal. */
bool runview_live(enum runview_progress mode, FILE *err);

void runview_init(struct runview *v, enum runview_progress mode, long rows, FILE *err);

/* What the run will do: rows, instances, regions, and against the ledger: done, in doubt,
 * new, failed, refused, and ledger tokens that match no row. */
void runview_plan(struct runview *v, const struct plan *p, const struct resume_counts *c,
                  long strays, const char *endpoint, const char *ledger);

/* Ask "Proceed?" when standard input is a terminal; true to go on. */
bool runview_confirm(struct runview *v);

/* The engine's progress callback (ctx is the runview). */
void runview_progress(void *ctx, const struct engine_stats *s);

/* The closing summary on out: a sentence, or one JSON object with json. */
void runview_summary(struct runview *v, const struct engine_stats *s, const struct resume_counts *c,
                     long refused, int status, bool json, FILE *out);

#endif
