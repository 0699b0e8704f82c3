/* cmd_status.h - `cpsbatch status LEDGER [--json]`: what a ledger says.
 *
 * Reads only the ledger, read-only and without its lock (ledger_open_readonly), so it works
 * while a run is still writing; a torn last line is then reported and ignored. Shows: the
 * header (csv, endpoint, created), the time span of the records, counts by state (done,
 * failed, in doubt = pending), instances created, failures grouped by (HTTP status, API
 * status, message) with counts and example rows, and the first in-doubt rows with their
 * tokens. Text by default; --json prints one JSON object on one line.
 */
#ifndef CPSBATCH_CMD_STATUS_H
#define CPSBATCH_CMD_STATUS_H

/* argv[0] is "status". Returns the exit status: 0 shown, 2 usage, 65 the ledger is corrupt,
 * 66 it does not exist or cannot be read, 70 out of memory or output failed. */
int cmd_status(int argc, char **argv);

#endif
