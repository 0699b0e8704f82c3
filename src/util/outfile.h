/* outfile.h - an output file a reader never sees half written, that never replaces a device.
 *
 * outfile_open writes to a temporary file beside PATH (PATH.tmp.PID) that outfile_commit
 * renames over PATH once complete, so a failed write leaves the previous file in place. When
 * PATH already names something that is not a regular file (/dev/null, /dev/stdout, a FIFO, a
 * terminal), it is written as it is: a rename would put a plain file in its place (as root,
 * `-o /dev/null` would replace the device for every program on the machine).
 *
 * The functions return 0, ERR_NOMEM or ERR_IO with errno telling why.
 */
#ifndef CPSBATCH_OUTFILE_H
#define CPSBATCH_OUTFILE_H

#include <stdio.h>

struct outfile {
    FILE *f;    /* write here */
    char *tmp;  /* owned: the temporary file; NULL when PATH is written as it is */
    char *path; /* owned */
};

/* Open the output for path; on failure nothing is left open or created. */
int outfile_open(struct outfile *o, const char *path);

/* Flush, sync (a temporary file), close and put it in place. On failure the temporary file is
 * removed. Releases o either way. */
int outfile_commit(struct outfile *o);

/* Give the output up: close it, remove the temporary file. Releases o. Safe on a zeroed o. */
void outfile_abandon(struct outfile *o);

#endif
