/* ledger_writer.c - group commit with a flusher thread (see ledger_writer.h). */
#include "ledger_writer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"

/* ---- The flusher thread ---------------------------------------------------------------------- */

/* write(2) as much of p[0..n) as goes, retrying on EINTR. Returns the bytes written; *e is 0
 * when all went, else the errno of the write that failed (EIO for one that wrote nothing). */
static size_t write_some(int fd, const char *p, size_t n, int *e)
{
    size_t done = 0;
    *e = 0;
    while (done < n) {
        ssize_t k = write(fd, p + done, n - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            *e = k < 0 && errno ? errno : EIO;
            break;
        }
        done += (size_t)k;
    }
    return done;
}

int ledger_writer_write_all(int fd, const char *p, size_t n)
{
    int e;
    write_some(fd, p, n, &e);
    errno = e;
    return e ? -1 : 0;
}

/* The length of the whole lines at the start of p[0..n): up to and including the last '\n'. */
static size_t whole_lines(const char *p, size_t n)
{
    while (n > 0 && p[n - 1] != '\n')
        n--;
    return n;
}

/* The length of the first line of p[0..n), its '\n' included. */
static size_t first_line(const char *p, size_t n)
{
    const char *nl = memchr(p, '\n', n);
    return nl ? (size_t)(nl - p) + 1 : n;
}

/* The write of the group p[0..n) failed after `written` bytes went in (a full disk, a file size
 * limit). Keep what fits, record by record, never a torn one: the whole records that went in
 * stay, the torn rest is cut off, then the records after them are tried one at a time until
 * one fails (a file system may refuse a large write whole and take a small one). Returns the
 * bytes kept. If a cut fails, the torn tail stays, and nothing is written after it: the next
 * open cuts it (ledger.h, invariant 3), as after kill -9. */
static size_t keep_what_fits(struct ledger_writer *w, const char *p, size_t n, size_t written)
{
    size_t kept = whole_lines(p, written);
    int e = 0;
    for (;;) {
        if (written > kept && ftruncate(w->fd, w->size + (off_t)kept) != 0)
            return kept;
        if (e || kept == n)
            return kept;
        written = kept + write_some(w->fd, p + kept, first_line(p + kept, n - kept), &e);
        if (!e)
            kept = written;
    }
}

/* Write and sync drain (no lock held). Returns the bytes of drain now durable, all of them
 * unless *e (the errno of the first failure) says otherwise. After a failed write the records
 * that fit are kept and synced; after a failed fdatasync nothing of drain is known to be on
 * disk, so it is cut off again (best effort), leaving the file as durable as it was. */
static size_t flush_drain(struct ledger_writer *w, int *e)
{
    const char *p = w->drain.data;
    size_t n = w->drain.len, kept = write_some(w->fd, p, n, e);
    if (*e)
        kept = keep_what_fits(w, p, n, kept);
    if (fdatasync(w->fd) != 0) {
        if (!*e)
            *e = errno ? errno : EIO;
        if (ftruncate(w->fd, w->size) == 0)
            (void)fdatasync(w->fd);
        return 0;
    }
    w->size += (off_t)kept;
    return kept;
}

static struct timespec deadline_of(int64_t us)
{
    struct timespec ts = {.tv_sec = (time_t)(us / 1000000), .tv_nsec = (long)(us % 1000000) * 1000};
    return ts;
}

/* Under the lock: sleep until there is something to write now, or stop. The interval starts
 * when fill became non-empty; an empty fill sleeps without a timer. */
static void wait_for_work(struct ledger_writer *w)
{
    while (!w->stop && !w->flush_now) {
        if (w->fill.len == 0) {
            pthread_cond_wait(&w->wake, &w->lock);
            continue;
        }
        int64_t due = w->dirty_since_us + w->interval_us;
        if (clock_now_us() >= due)
            return;
        struct timespec ts = deadline_of(due);
        pthread_cond_timedwait(&w->wake, &w->lock, &ts);
    }
}

/* Under the lock, returns under the lock: hand fill over, write it without the lock. */
static void flush_once(struct ledger_writer *w)
{
    struct buf t = w->drain;
    w->drain = w->fill;
    w->fill = t;
    w->flush_now = false;
    bool broken = w->err != 0; /* after a failure nothing more is written */
    pthread_mutex_unlock(&w->lock);
    int e = 0;
    size_t kept = broken ? 0 : flush_drain(w, &e);
    buf_reset(&w->drain);
    pthread_mutex_lock(&w->lock);
    if (e && !w->err) {
        w->err = ERR_IO;
        w->err_errno = e;
    }
    w->durable += kept;
    w->flushes++;
}

static void *flusher_main(void *arg)
{
    struct ledger_writer *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        wait_for_work(w);
        if (w->fill.len > 0)
            flush_once(w);
        else
            w->flush_now = false;
        pthread_cond_broadcast(&w->flushed);
        if (w->stop && w->fill.len == 0)
            break;
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* ---- The owner's side ------------------------------------------------------------------------ */

static int init_sync(struct ledger_writer *w)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr))
        return ERR_NOMEM;
    /* clock_now_us() is CLOCK_MONOTONIC: the timed wait must use the same clock. */
    int rc =
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) || pthread_mutex_init(&w->lock, NULL);
    if (rc == 0 && pthread_cond_init(&w->wake, &attr) != 0) {
        pthread_mutex_destroy(&w->lock);
        rc = 1;
    }
    if (rc == 0 && pthread_cond_init(&w->flushed, NULL) != 0) {
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        rc = 1;
    }
    pthread_condattr_destroy(&attr);
    return rc ? ERR_NOMEM : 0;
}

static void destroy_sync(struct ledger_writer *w)
{
    pthread_cond_destroy(&w->flushed);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
}

int ledger_writer_start(struct ledger_writer *w, int fd, off_t size, int interval_ms)
{
    memset(w, 0, sizeof(*w));
    w->fd = fd;
    w->size = size;
    w->interval_us = (int64_t)interval_ms * 1000;
    buf_init(&w->fill, LEDGER_WRITER_PENDING_MAX);
    buf_init(&w->drain, LEDGER_WRITER_PENDING_MAX);
    int rc = init_sync(w);
    if (rc)
        return rc;
    if (pthread_create(&w->thread, NULL, flusher_main, w) != 0) {
        destroy_sync(w);
        return ERR_NOMEM; /* EAGAIN: no resources for a thread */
    }
    return 0;
}

int ledger_writer_append(struct ledger_writer *w, const char *data, size_t n)
{
    pthread_mutex_lock(&w->lock);
    int rc = w->err;
    while (rc == 0 && w->fill.len > 0 && n > w->fill.max - w->fill.len) {
        w->flush_now = true;
        pthread_cond_signal(&w->wake);
        pthread_cond_wait(&w->flushed, &w->lock);
        rc = w->err;
    }
    bool was_empty = w->fill.len == 0;
    if (rc == 0)
        rc = buf_add(&w->fill, data, n);
    if (rc == 0) {
        w->appended += n;
        if (was_empty) {
            w->dirty_since_us = clock_now_us();
            pthread_cond_signal(&w->wake);
        }
    }
    pthread_mutex_unlock(&w->lock);
    return rc;
}

int ledger_writer_sync(struct ledger_writer *w)
{
    pthread_mutex_lock(&w->lock);
    uint64_t target = w->appended;
    while (w->err == 0 && w->durable < target) {
        w->flush_now = true;
        pthread_cond_signal(&w->wake);
        pthread_cond_wait(&w->flushed, &w->lock);
    }
    int rc = w->err;
    pthread_mutex_unlock(&w->lock);
    return rc;
}

int ledger_writer_stop(struct ledger_writer *w)
{
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    int rc = w->err;
    buf_release(&w->fill);
    buf_release(&w->drain);
    destroy_sync(w);
    return rc;
}

int ledger_writer_errno(struct ledger_writer *w)
{
    pthread_mutex_lock(&w->lock);
    int e = w->err ? w->err_errno : 0;
    pthread_mutex_unlock(&w->lock);
    return e;
}

void ledger_writer_counters(struct ledger_writer *w, uint64_t *appended, uint64_t *durable,
                            uint64_t *flushes)
{
    pthread_mutex_lock(&w->lock);
    *appended = w->appended;
    *durable = w->durable;
    *flushes = w->flushes;
    pthread_mutex_unlock(&w->lock);
}
