/* loadview.h - what `cpsbatch load` shows while it runs: one live line on stderr.
 *
 * Redrawn in place once a second, only on a terminal (or with --progress always):
 *   "  12s  sent 24000  2000/s  in flight 3  p99 4.21ms  errors 0 (0.00%)"
 * The report itself goes to stdout or -o FILE, never mixed with this line.
 */
#ifndef CPSBATCH_LOADVIEW_H
#define CPSBATCH_LOADVIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "load.h"
#include "runview.h"

struct loadview {
    FILE *err;
    bool live;  /* draw the line */
    bool drawn; /* a line is on screen */
};

void loadview_init(struct loadview *v, enum runview_progress mode, FILE *err);

/* The load scheduler's progress callback (ctx is the loadview). */
void loadview_progress(void *ctx, const struct load_progress *p);

/* Clear the live line, if one is drawn. */
void loadview_end(struct loadview *v);

#endif
