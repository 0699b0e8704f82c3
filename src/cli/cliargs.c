/* cliargs.c - option values several commands take alike; see cliargs.h. */
#include "cliargs.h"

#include <stdio.h>
#include <stdlib.h>

#include "token.h"

bool cliargs_take_shard(void *dest, const char *arg)
{
    struct cli_shard *s = dest;
    char why[160];
    if (token_shard_arg(arg, getenv(TOKEN_SHARD_INDEX_ENV), &s->k, &s->n, why, sizeof(why)))
        return true;
    fprintf(stderr, "cpsbatch: --shard '%s': %s\n", arg, why);
    return false;
}

bool cliargs_take_threshold(void *dest, const char *arg)
{
    struct cli_thresholds *t = dest;
    char msg[256];
    if (t->n == CLIARGS_THRESHOLDS_MAX) {
        fprintf(stderr, "cpsbatch: at most %d thresholds\n", CLIARGS_THRESHOLDS_MAX);
        return false;
    }
    if (threshold_parse(arg, &t->list[t->n], msg, sizeof(msg))) {
        fprintf(stderr, "cpsbatch: %s\n", msg);
        return false;
    }
    if (t->list[t->n].relative && !t->relative_allowed) {
        fprintf(stderr,
                "cpsbatch: threshold '%s': a change needs a base report: use it with "
                "'cpsbatch report diff'\n",
                arg);
        return false;
    }
    t->n++;
    return true;
}

bool cliargs_judge(const struct cli_thresholds *t, const struct threshold_values *values)
{
    bool all = true;
    for (size_t i = 0; i < t->n; i++) {
        char line[160];
        all &= threshold_passes(&t->list[i], values, NULL);
        fprintf(stderr, "cpsbatch: threshold %s\n",
                threshold_describe(&t->list[i], values, line, sizeof(line)));
    }
    return all;
}
