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

int ledger_writer_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Write and sync drain (no lock held). On failure cut what was written of it, best effort, so
 * the file still ends with a whole line. Returns 0 or the errno. */
static int flush_drain(struct ledger_writer *w)
{
    if (ledger_writer_write_all(w->fd, w->drain.data, w->drain.len) != 0 || fdatasync(w->fd) != 0) {
        int e = errno;
        if (ftruncate(w->fd, w->size) == 0)
            (void)fdatasync(w->fd);
        return e ? e : EIO;
    }
    w->size += (off_t)w->drain.len;
    return 0;
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
    int e = broken ? 0 : flush_drain(w);
    size_t n = w->drain.len;
    buf_reset(&w->drain);
    pthread_mutex_lock(&w->lock);
    if (e && !w->err) {
        w->err = ERR_IO;
        w->err_errno = e;
    }
    if (!w->err)
        w->durable += n;
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
        return ERR_IO;
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

void ledger_writer_counters(struct ledger_writer *w, uint64_t *appended, uint64_t *durable,
                            uint64_t *flushes)
{
    pthread_mutex_lock(&w->lock);
    *appended = w->appended;
    *durable = w->durable;
    *flushes = w->flushes;
    pthread_mutex_unlock(&w->lock);
}
