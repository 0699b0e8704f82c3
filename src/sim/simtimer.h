/* simtimer.h - a thread that calls functions when they fall due; cps-sim uses it to resume
 * connections whose answer it delays (latency injection), so no server thread sleeps.
 *
 * Invariants: each added call runs exactly once, from the timer thread at or after its due
 * time, or earlier from simtimer_flush / from simtimer_add once flushing has begun; calls
 * run without the timer's lock held, so they may add new calls.
 */
#ifndef CPSBATCH_SIMTIMER_H
#define CPSBATCH_SIMTIMER_H

#include <stdint.h>

typedef void (*simtimer_fn)(void *arg);

struct simtimer;

/* Start the timer thread. Returns 0, ERR_NOMEM, or ERR_IO (no thread). */
int simtimer_new(struct simtimer **out);

/* Run fn(arg) at due_us (monotonic, clock_now_us). Returns 0 or ERR_NOMEM (fn not called). */
int simtimer_add(struct simtimer *t, int64_t due_us, simtimer_fn fn, void *arg);

/* Run every pending call now and return when all have run; from then on a call runs at
 * once, in the thread that adds it. */
void simtimer_flush(struct simtimer *t);

/* Flush, stop the thread and free. NULL is fine. */
void simtimer_free(struct simtimer *t);

#endif
