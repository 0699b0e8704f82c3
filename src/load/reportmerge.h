/* reportmerge.h - shares' reports (load --shard K/N, or any runs) added into one, exactly.
 *
 * What one generator recording every sample would have reported: the histograms are added
 * bucket by bucket (percentiles come from the sum, never from averaging percentiles), every
 * count is summed, the achieved rate spans the union of the sends (first send of any share to
 * the last of any), and the timelines are aligned on the wall clock: second i of the merged
 * timeline is the second starting at the earliest share's start + i, each share's seconds
 * shifted by its start's distance from it rounded to whole seconds (exact for shares, which
 * start on a whole second; nearest otherwise). A second's p99 is recomputed from the shares'
 * per-second histograms; when a report lacks them, from that report on every merged second's
 * p99 is the largest of the shares' (an upper bound) and the merged report has none.
 *
 * Per second, failures by kind and the in-flight integral are summed (exact); the most in
 * flight is the sum of the shares' (an upper bound: their peaks need not coincide).
 *
 * The settings: target rates, concurrency and cores summed, the endpoint, CSV, its digest and
 * the command line kept when the same everywhere, else listed ("a, b"); the earliest start;
 * interrupted when any was.
 */
#ifndef CPSBATCH_REPORTMERGE_H
#define CPSBATCH_REPORTMERGE_H

#include <stddef.h>
#include <stdio.h>

#include "reportread.h"

/* Merge docs[0..n) (n >= 1; names[i] names docs[i] in notes) into *out (new: reportread_release).
 * What a reader should know (different endpoints, shares missing or given twice, no per-second
 * histograms) is said on notes, one line each, when notes is set. 0 or ERR_NOMEM. */
int reportmerge(const struct report_doc *docs, const char *const *names, size_t n,
                struct report_doc *out, FILE *notes);

#endif
