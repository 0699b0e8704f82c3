/* reportread.h - a JSON load report read back (schema 1, reportdata.h) into the structures
 * the writers render from, so `report merge` and `report diff` can work on it.
 *
 * Everything the reader needs is checked: the schema, the histograms' layout (a report written
 * with another layout is refused: its buckets cannot be added to ours) and every histogram's
 * consistency. Members a report of schema 1 may lack (counts added later, the per-second
 * histograms) read as 0 / absent, so older reports still load. Every error is said on stderr
 * naming the file and the member: "cpsbatch: a.json: histograms.latency.buckets[3]: ...".
 */
#ifndef CPSBATCH_REPORTREAD_H
#define CPSBATCH_REPORTREAD_H

#include <stdbool.h>

#include "loadstats.h"
#include "reportinfo.h"

/* A report read back. The times of stats are on the wall clock: start_us == start_wall_us. */
struct report_doc {
    struct loadstats stats;  /* second_hists_lost when some second has no histogram */
    struct report_info info; /* its strings are the ones below; no thresholds */
    char *endpoint, *csv, *command, *csv_sha256, *stages, *version; /* owned */
};

/* Read the report at path into *out (release it with reportread_release, also after an
 * error). Returns 0, ERR_IO (cannot read it), ERR_PARSE (not JSON, not a report, a member
 * missing or wrong, another layout) or ERR_NOMEM; said on stderr. */
int reportread_file(const char *path, struct report_doc *out);

void reportread_release(struct report_doc *d);

#endif
