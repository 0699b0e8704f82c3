/* simstore.h - cps-sim's state file (cps-sim --state FILE): the orders and resets of
 * simstate.h as JSON Lines, so clientTokens and instances survive a restart of the emulator,
 * as the real API's survive its own.
 *
 * Format: one JSON object a line, append-only, mode 0600.
 *
 *   {"type":"cps-sim-state","v":1,"key":N}
 *       the first line: the key the instance ids are scrambled with (simstate_key)
 *   {"type":"order","ids":["cps-…",...],"t":EPOCH,"regionId":"…","clientToken":"…",...}
 *       one accepted createInstances: its instance ids (consecutive serials under the key),
 *       when (epoch seconds), and the request's fields under their CSV names (field.h), the
 *       integers bandwidth and charge.chargeDuration as numbers; never the password or
 *       softwares (simstate does not keep them)
 *   {"type":"reset","next":N}
 *       POST /__sim/reset: every instance with a serial below N is gone, with its token
 *
 * Durability (the real API may create and then be cut off before it answers; the client then
 * retries the token and must get the same instances):
 *  1. A record is written (one write(2)) through the simstate_journal hooks, while what it
 *     records is visible to no other call, so a kill -9 never loses a record that any answer
 *     could have reported.
 *  2. A thread fdatasyncs whatever has been written, again as soon as it is done (group
 *     commit: one sync covers every record written meanwhile).
 *  3. An answer that reports a record (a create, its replay, a reset) is sent only once the
 *     record is on disk (simstore_wait).
 *  4. A record that cannot be written or synced breaks the store: from then on every answer
 *     that waits for a record not yet on disk fails (the server answers 500).
 *
 * Loading: every line must be a record. The last line may be cut short or garbled (a write
 * cut off by a crash: its answer was never sent): it is ignored, said on the notes stream,
 * and cut off the file. Anything else wrong refuses the file, naming the line. Counts
 * (requests, creates, statuses, arrivals) are not recorded: they start at zero.
 *
 * Thread safety: simstore_wait from any thread; the rest from one.
 */
#ifndef CPSBATCH_SIMSTORE_H
#define CPSBATCH_SIMSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "simstate.h"

typedef void (*simstore_done_fn)(void *arg, bool ok);

/* One answer waiting for its record; the caller's memory until fn is called. */
struct simstore_waiter {
    struct simstore_waiter *next;
    uint64_t seq;
    simstore_done_fn fn;
    void *arg;
};

struct simstore;

/* Open path (created when missing), lock it (one cps-sim per file), load it into a new
 * simstate (*st; the ids' key is the file's, or default_key for a new file), and record into
 * it from then on. notes: where an ignored last line is said, or NULL. Returns 0, or
 * ERR_LOCKED / ERR_IO / ERR_CORRUPT / ERR_NOMEM with msg saying what ("FILE:LINE: ..." for
 * a bad line); nothing is left open then. */
int simstore_open(const char *path, uint64_t default_key, FILE *notes, struct simstore **out,
                  struct simstate **st, char *msg, size_t msglen);

/* Call fn(arg, ok) once record seq is on disk (ok) or the store is broken (not ok): at once,
 * in this thread, when that is already decided, else later from the store's thread. */
void simstore_wait(struct simstore *s, struct simstore_waiter *w, uint64_t seq, simstore_done_fn fn,
                   void *arg);

/* Sync what was written and call every waiter; from then on simstore_wait syncs in the
 * calling thread. */
void simstore_flush(struct simstore *s);

/* Flush, stop the thread, unlock and close the file. NULL is fine. The simstate stays the
 * caller's (free it after this). */
void simstore_free(struct simstore *s);

#endif
