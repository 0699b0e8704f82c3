/* unsent.h - the rows of a batch's CSV that its ledger holds nothing of (never sent), for
 * `cpsbatch status`.
 *
 * The CSV is the one the ledger's header names, counted only when it is readable and unchanged
 * (its SHA-256 is the header's csv_sha256), or the one given (--csv), taken as it is. Rows are
 * matched by token, derived from the ledger's salt as `run` derived them (as export does);
 * rows of other shares and invalid rows are not counted.
 */
#ifndef CPSBATCH_UNSENT_H
#define CPSBATCH_UNSENT_H

#include <stdbool.h>
#include <stddef.h>

#include "jobcli.h"
#include "ledger.h"

struct unsent {
    bool known;      /* the rows could be counted; else why says why not */
    long count;      /* rows not sent */
    long *rows;      /* their row numbers, ascending (owned) */
    long valid_rows; /* rows of the CSV (this share's) */
    char why[300];
};

/* Fill u (zeroed first) for ledger l and csv (NULL: the header's). Returns 0 (u->known tells),
 * or ERR_NOMEM. */
int unsent_scan(const struct ledger *l, const char *csv, struct jobcli *cli, struct unsent *u);
void unsent_release(struct unsent *u);

#endif
