/* ledger_writer.h - group commit for the ledger: appends land in memory, a flusher thread
 * writes and fdatasync()s them, so one fsync covers every record of an interval.
 *
 * Two buffers alternate: the owner (the main thread) appends to `fill`; the flusher swaps
 * `fill` and `drain` under the lock, then writes and syncs `drain` without the lock. So an
 * append costs a memcpy under a lock that is never held across I/O.
 *
 * When the flusher writes:
 *   - interval after `fill` became non-empty (the timer starts with the first byte, so a
 *     record waits at most one interval plus a flush already under way);
 *   - at once when ledger_writer_sync() asks, or when an append would take `fill` past its
 *     cap, LEDGER_WRITER_PENDING_MAX (then the append waits: back-pressure when the disk falls
 *     far behind);
 *   - a last time when stopped.
 *
 * Lock rules (the lock is `lock`):
 *   - fill, appended, durable, flushes, flush_now, stop, dirty_since_us, err are read and
 *     written only under it;
 *   - drain belongs to the flusher thread; it is touched under the lock only to swap it;
 *   - no I/O under the lock; the owner may grow `fill` (realloc) under it.
 *
 * Errors: the first failed write or fdatasync is sticky (err = ERR_IO, errno kept). A group
 * that does not go in whole (ENOSPC, EFBIG under a file size limit, EDQUOT) keeps what fits,
 * record by record, never a torn one: the whole records of the failed write stay, the torn
 * rest is cut off, the records after them are tried one at a time until one fails, and what
 * was kept is fdatasync'd and counted durable. So `durable` is always the length of a prefix
 * of what was appended, ending on a record boundary, that is on disk. After a failed fdatasync
 * nothing of the group counts as durable (and it is cut off again, best effort). Nothing is
 * written after the failure (a later record after a torn one would turn a torn tail into a
 * corrupt middle); every later append and sync returns ERR_IO. If even a cut fails, the torn
 * tail stays and the next open cuts it (ledger.h, invariant 3).
 */
#ifndef CPSBATCH_LEDGER_WRITER_H
#define CPSBATCH_LEDGER_WRITER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

/* The most bytes waiting in `fill`: the cap of both buffers (they trade places). */
#define LEDGER_WRITER_PENDING_MAX ((size_t)64 * 1024 * 1024)

struct ledger_writer {
    int fd; /* borrowed, opened with O_APPEND */
    int64_t interval_us;
    off_t size; /* file size after the last successful write (flusher only) */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;    /* to the flusher: something to do */
    pthread_cond_t flushed; /* from the flusher: a flush ended */
    struct buf fill;
    struct buf drain;
    uint64_t appended; /* bytes given to ledger_writer_append */
    uint64_t durable;  /* of those, written and fdatasync'd */
    uint64_t flushes;
    int64_t dirty_since_us; /* clock_now_us() when fill became non-empty */
    bool flush_now;
    bool stop;
    int err; /* 0 or ERR_IO */
    int err_errno;
};

/* Start the flusher for fd (borrowed; its current size is `size`). interval_ms > 0.
 * Returns 0 or ERR_NOMEM (no memory, or no resources for the thread). */
int ledger_writer_start(struct ledger_writer *w, int fd, off_t size, int interval_ms);

/* Copy n bytes (whole lines) into the pending buffer. Returns 0, ERR_RANGE (n is more than
 * LEDGER_WRITER_PENDING_MAX), ERR_NOMEM or ERR_IO. */
int ledger_writer_append(struct ledger_writer *w, const char *data, size_t n);

/* Return once everything appended before the call is written and fdatasync'd. 0 or ERR_IO. */
int ledger_writer_sync(struct ledger_writer *w);

/* Write what is pending, stop and join the flusher, free the buffers. Returns 0 or ERR_IO. */
int ledger_writer_stop(struct ledger_writer *w);

/* write(2) until all n bytes are written, retrying on EINTR. 0, or -1 with errno set. */
int ledger_writer_write_all(int fd, const char *p, size_t n);

/* 0 while every write and fdatasync succeeded, else the errno of the first that failed. */
int ledger_writer_errno(struct ledger_writer *w);

/* Counters, read under the lock. */
void ledger_writer_counters(struct ledger_writer *w, uint64_t *appended, uint64_t *durable,
                            uint64_t *flushes);

#endif
