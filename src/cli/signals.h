/* signals.h - Ctrl-C, SIGTERM and SIGHUP for the commands that send (run, load).
 *
 * SIGHUP (the terminal went away) is a stop request like the others: a batch is never cut off
 * mid-flight by a closed ssh session. (SIGPIPE is ignored from the start of every command,
 * main.c: a closed stdout or stderr, a pipe into `head`, makes writes fail, never ends a run.)
 *
 * The first signal asks for a stop: the stop flag becomes 1, the schedulers start nothing new
 * and give the requests in flight their drain time, and one line on stderr says so. The second
 * one, by the command's choice, either ends the process at once with EXIT_INCOMPLETE (run: the
 * ledger stays readable; a torn last line is cut off on its next open) or raises the flag to 2,
 * for the scheduler to cut off what is in flight and still report (load).
 *
 * Only the handler writes the flag; the schedulers read it. One set of handlers per process.
 */
#ifndef CPSBATCH_SIGNALS_H
#define CPSBATCH_SIGNALS_H

#include <stdatomic.h>

/* What a second signal does. */
enum signals_second {
    SIGNALS_SECOND_EXITS, /* _exit(EXIT_INCOMPLETE) */
    SIGNALS_SECOND_COUNTS /* the flag counts it; the scheduler decides */
};

/* The stop flag: how many signals came since signals_catch. Lives as long as the process. */
atomic_int *signals_stop_flag(void);

/* Set the flag to 0 and catch SIGINT, SIGTERM and SIGHUP from now on; second says what a
 * second signal does. */
void signals_catch(enum signals_second second);

#endif
