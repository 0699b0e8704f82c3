#include "resume.h"

#include <string.h>

enum resume_action resume_classify(const struct ledger *l, const struct job_row *row,
                                   bool retry_failed)
{
    const struct ledger_entry *e = l ? ledger_find(l, row->token) : NULL;
    if (!e)
        return RESUME_NEW;
    if (row->token_given && e->has_spec && memcmp(e->spec_sha256, row->digest, 32) != 0)
        return RESUME_CONFLICT;
    switch (e->state) {
    case LEDGER_DONE: return RESUME_SKIP_DONE;
    case LEDGER_FAILED: return retry_failed ? RESUME_RETRY_FAILED : RESUME_SKIP_FAILED;
    case LEDGER_INTENT: return RESUME_IN_DOUBT;
    default: return RESUME_NEW;
    }
}

void resume_count(struct resume_counts *c, const struct ledger *l, const struct job_row *row,
                  enum resume_action a)
{
    c->actions[a]++;
    if (a == RESUME_SKIP_DONE)
        c->instances_done += (long long)ledger_find(l, row->token)->n_instance_ids;
}

bool resume_sends(enum resume_action a)
{
    return a == RESUME_NEW || a == RESUME_IN_DOUBT || a == RESUME_RETRY_FAILED;
}
