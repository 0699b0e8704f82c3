/* signals.c - the stop flag and its handler (contract in signals.h). */
#include "signals.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "exitcode.h"

static atomic_int stop_flag;
static volatile sig_atomic_t exit_on_second; /* set before the handler is installed */

/* What the first signal says, whole, in one write. */
static const char stopping_exits[] = "\ncpsbatch: stopping: letting requests in flight finish "
                                     "(again to stop at once)\n";
static const char stopping_counts[] = "\ncpsbatch: stopping: letting requests in flight finish "
                                      "(again to cut them off)\n";

/* Only async-signal-safe calls here: write and _exit. */
static void on_signal(int sig)
{
    (void)sig;
    if (atomic_fetch_add(&stop_flag, 1) > 0) {
        if (exit_on_second)
            _exit(EXIT_INCOMPLETE);
        return;
    }
    const char *msg = exit_on_second ? stopping_exits : stopping_counts;
    size_t len = exit_on_second ? sizeof(stopping_exits) - 1 : sizeof(stopping_counts) - 1;
    ssize_t ignored = write(STDERR_FILENO, msg, len);
    (void)ignored;
}

atomic_int *signals_stop_flag(void)
{
    return &stop_flag;
}

void signals_catch(enum signals_second second)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    atomic_store(&stop_flag, 0);
    exit_on_second = second == SIGNALS_SECOND_EXITS;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}
