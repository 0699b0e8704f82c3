/* fdlimit.h - open files for the commands that send: every connection costs descriptors, and
 * a limit met halfway through a batch would turn into connection errors on every row.
 *
 * At the start the soft limit is raised to the hard one (as a shell's `ulimit -n` would
 * allow); then a --concurrency the limit cannot carry is lowered to what it can, and that is
 * said on stderr, before anything is sent.
 */
#ifndef CPSBATCH_FDLIMIT_H
#define CPSBATCH_FDLIMIT_H

/* Descriptors kept aside for everything but connections: the ledger, the CSV, stdio, the
 * workers' wakeup pipes, libcurl's resolver. */
#define FDLIMIT_RESERVE 64

/* Raise the soft limit on open files to the hard one. Returns the limit now in force (a very
 * large number when there is none). */
long fdlimit_raise(void);

/* concurrency, or the most that limit allows when each request may hold per_request
 * descriptors (limit - FDLIMIT_RESERVE, divided; at least 1). When it cuts, one line on stderr
 * names option, the value given, the value used and the limit. */
int fdlimit_cap(int concurrency, int per_request, long limit, const char *option);

#endif
