/* cliargs.h - option values several commands take alike: `--shard K/N` (run, load) and
 * `--threshold EXPR` (load, report merge, report diff), with their messages; and the judging
 * of the thresholds once the figures are known.
 *
 * The take functions are cliopt custom handlers (CLIOPT_CUSTOM): dest points at the struct
 * below, the message for a bad value goes to stderr.
 */
#ifndef CPSBATCH_CLIARGS_H
#define CPSBATCH_CLIARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "threshold.h"

/* --shard K/N or index/N (token.h: K from JOB_COMPLETION_INDEX + 1). */
struct cli_shard {
    unsigned k, n; /* 0/0: not given */
};
bool cliargs_take_shard(void *dest, const char *arg);

#define CLIARGS_THRESHOLDS_MAX 32

/* --threshold EXPR, repeatable. A change against a base (p99<+10%) only where one exists. */
struct cli_thresholds {
    struct threshold list[CLIARGS_THRESHOLDS_MAX];
    size_t n;
    bool relative_allowed; /* set before parsing: report diff */
};
bool cliargs_take_threshold(void *dest, const char *arg);

/* Judge every threshold on values, one line each on stderr ("cpsbatch: threshold ...").
 * Returns whether all passed. */
bool cliargs_judge(const struct cli_thresholds *t, const struct threshold_values *values);

#endif
