/* resume.h - what a rerun does with each row, given what the ledger already holds.
 *
 *   ledger has          row's token is        action
 *   nothing             -                     NEW: intent, then send
 *   intent, no final    same request          IN_DOUBT: send again with the same token
 *   done                same request          SKIP_DONE
 *   failed              same request          SKIP_FAILED, or RETRY_FAILED (--retry-failed)
 *   anything            a given clientToken   CONFLICT: refused; sending it would return the
 *                       for another request   first request's result, not this row's
 *
 * Derived tokens cannot conflict: an edited row derives a new token (token.h).
 */
#ifndef CPSBATCH_RESUME_H
#define CPSBATCH_RESUME_H

#include <stdbool.h>

#include "job.h"
#include "ledger.h"

enum resume_action {
    RESUME_NEW,
    RESUME_IN_DOUBT,
    RESUME_SKIP_DONE,
    RESUME_SKIP_FAILED,
    RESUME_RETRY_FAILED,
    RESUME_CONFLICT
};

struct resume_counts {
    long actions[RESUME_CONFLICT + 1]; /* rows per action */
    long long instances_done;          /* instances of the rows already done */
};

/* The action for a valid row (its token and digest set). ledger may be NULL (first run). */
enum resume_action resume_classify(const struct ledger *l, const struct job_row *row,
                                   bool retry_failed);

/* Count a row whose action (resume_classify) is a. */
void resume_count(struct resume_counts *c, const struct ledger *l, const struct job_row *row,
                  enum resume_action a);

/* Whether the action sends the row. */
bool resume_sends(enum resume_action a);

#endif
