#include "simstore.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "field.h"
#include "simbuf.h"
#include "spec.h"

#define HEADER_TYPE "cps-sim-state"
#define KEY_MAX ((UINT64_C(1) << 50) - 1)
#define NEVER UINT64_MAX /* the sequence number of a record that could not be written */

struct simstore {
    int fd;
    char *path;
    struct simstate *st;
    struct buf line; /* the record being written: one writer at a time (under ilock) */
    pthread_mutex_t lock;
    pthread_cond_t work; /* the thread waits on it for records to sync */
    pthread_t thread;
    bool started;                /* the thread was created (the owner's, no lock) */
    bool stopping, gone, broken; /* gone: the thread has ended */
    uint64_t written, synced;    /* sequence numbers: records written, records on disk */
    struct simstore_waiter *waiters;
};

static void say(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *msg, size_t len, const char *fmt, ...)
{
    va_list ap;
    if (msg == NULL || len == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
}

/* ---- writing ---- */

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return ERR_IO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Break the store (durability 4). Caller holds the lock. */
static void broke(struct simstore *s, const char *what)
{
    if (!s->broken)
        fprintf(stderr, "cps-sim: cannot %s the state file %s: %s; answers that need it fail\n",
                what, s->path, strerror(errno));
    s->broken = true;
}

/* Write the record in s->line. Returns its sequence number, NEVER when it was not written.
 * Callers are serialised by simstate's ilock (struct simstate_journal). */
static uint64_t append(struct simstore *s)
{
    bool bad = s->line.err != 0 || s->broken;
    if (!bad && write_all(s->fd, s->line.data, s->line.len) != 0)
        bad = true;
    /* Lock: written, broken and the thread's wake-up. */
    pthread_mutex_lock(&s->lock);
    uint64_t seq = NEVER;
    if (bad) {
        broke(s, "write");
    } else {
        seq = ++s->written;
        pthread_cond_signal(&s->work);
    }
    pthread_mutex_unlock(&s->lock);
    return seq;
}

static uint64_t journal_order(void *arg, const struct simorder *o)
{
    struct simstore *s = arg;
    struct buf *b = &s->line;
    char id[SIMSTATE_ID_LEN + 1];
    buf_reset(b);
    buf_addstr(b, "{\"type\":\"order\",\"ids\":[");
    for (int k = 0; k < o->count; k++) {
        simstate_id(s->st, o->first + (uint64_t)k, id);
        buf_addf(b, "%s\"%s\"", k ? "," : "", id);
    }
    buf_addf(b, "],\"t\":%lld", o->created_wall);
    for (int f = 0; f < FIELD_N; f++) {
        const char *v = simstate_order_text(o, (enum field_id)f);
        if (v == NULL)
            continue;
        buf_addch(b, ',');
        simbuf_json_str(b, field_name((enum field_id)f));
        buf_addch(b, ':');
        simbuf_json_str(b, v);
    }
    if (o->bandwidth >= 0)
        buf_addf(b, ",\"%s\":%lld", field_name(FIELD_BANDWIDTH), o->bandwidth);
    if (o->charge_duration >= 0)
        buf_addf(b, ",\"%s\":%lld", field_name(FIELD_CHARGE_DURATION), o->charge_duration);
    buf_addstr(b, "}\n");
    return append(s);
}

static uint64_t journal_reset(void *arg, uint64_t next)
{
    struct simstore *s = arg;
    buf_reset(&s->line);
    buf_addf(&s->line, "{\"type\":\"reset\",\"next\":%llu}\n", (unsigned long long)next);
    return append(s);
}

/* ---- syncing ---- */

/* Sync what is written. Caller holds the lock; it is let go during the sync. */
static void sync_now(struct simstore *s)
{
    uint64_t target = s->written;
    pthread_mutex_unlock(&s->lock);
    int rc = fdatasync(s->fd);
    pthread_mutex_lock(&s->lock);
    if (rc != 0)
        broke(s, "sync");
    else if (target > s->synced)
        s->synced = target;
}

/* Take the waiters whose outcome is known. Caller holds the lock. */
static struct simstore_waiter *take_decided(struct simstore *s)
{
    struct simstore_waiter *done = NULL, **p = &s->waiters;
    while (*p) {
        struct simstore_waiter *w = *p;
        if (w->seq <= s->synced || s->broken) {
            *p = w->next;
            w->next = done;
            done = w;
        } else {
            p = &w->next;
        }
    }
    return done;
}

/* Call the waiters taken when synced was what it says. */
static void call_waiters(struct simstore_waiter *w, uint64_t synced)
{
    while (w) {
        struct simstore_waiter *next = w->next; /* w may be freed by its call */
        w->fn(w->arg, w->seq <= synced);
        w = next;
    }
}

static void *sync_thread(void *arg)
{
    struct simstore *s = arg;
    /* Lock: held but for the sync and the calls. */
    pthread_mutex_lock(&s->lock);
    for (;;) {
        bool idle = s->broken || s->synced == s->written;
        if (!idle)
            sync_now(s);
        struct simstore_waiter *ready = take_decided(s);
        uint64_t synced = s->synced;
        if (ready) {
            pthread_mutex_unlock(&s->lock);
            call_waiters(ready, synced);
            pthread_mutex_lock(&s->lock);
        } else if (idle && s->stopping) {
            break;
        } else if (idle) {
            pthread_cond_wait(&s->work, &s->lock);
        }
    }
    s->gone = true; /* from now on simstore_wait syncs itself */
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

void simstore_wait(struct simstore *s, struct simstore_waiter *w, uint64_t seq, simstore_done_fn fn,
                   void *arg)
{
    *w = (struct simstore_waiter){NULL, seq, fn, arg};
    /* Lock: synced, broken and the waiter list. */
    pthread_mutex_lock(&s->lock);
    if (s->gone && seq > s->synced && !s->broken)
        sync_now(s);
    if (seq > s->synced && !s->broken) {
        w->next = s->waiters;
        s->waiters = w;
        pthread_mutex_unlock(&s->lock);
        return;
    }
    bool ok = seq <= s->synced;
    pthread_mutex_unlock(&s->lock);
    fn(arg, ok);
}

void simstore_flush(struct simstore *s)
{
    if (!s->started)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_signal(&s->work);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    s->started = false;
}

void simstore_free(struct simstore *s)
{
    if (s == NULL)
        return;
    simstore_flush(s);
    if (s->fd >= 0)
        close(s->fd); /* also lets go of the flock */
    pthread_cond_destroy(&s->work);
    pthread_mutex_destroy(&s->lock);
    buf_release(&s->line);
    free(s->path);
    free(s);
}

/* ---- loading ---- */

/* What loading gathers before the orders go into the simstate: a reset may come after
 * orders it drops. */
struct loaded {
    struct simorder **orders;
    long *lines; /* the line of each order */
    size_t n, cap;
    uint64_t base; /* the highest reset's next */
};

struct loader {
    struct simstore *s;
    const char *path;
    long line;
    char *msg;
    size_t msglen;
};

static int bad_line(struct loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad_line(struct loader *l, const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    say(l->msg, l->msglen, "%s:%ld: %s", l->path, l->line, text);
    return ERR_CORRUPT;
}

static int keep(struct loaded *d, struct simorder *o, long line)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 256;
        struct simorder **orders = realloc(d->orders, cap * sizeof *orders);
        if (orders)
            d->orders = orders;
        long *lines = orders ? realloc(d->lines, cap * sizeof *lines) : NULL;
        if (lines == NULL)
            return ERR_NOMEM;
        d->lines = lines;
        d->cap = cap;
    }
    d->orders[d->n] = o;
    d->lines[d->n++] = line;
    return 0;
}

/* One member of an order record into the spec (strings borrowed from the record). */
static int order_member(struct loader *l, struct spec *sp, const char *key, json_t *v)
{
    int f = field_lookup(key, strlen(key));
    if (f < 0 || f == FIELD_PASSWORD || f == FIELD_SOFTWARES || f == FIELD_COUNT ||
        strcmp(key, field_name((enum field_id)f)) != 0)
        return bad_line(l, "an order has an unknown member \"%.64s\"", key);
    if (field_is_integer((enum field_id)f) ? !json_is_integer(v) : !json_is_string(v))
        return bad_line(l, "an order's \"%s\" has the wrong type", key);
    sp->present[f] = true;
    if (field_is_integer((enum field_id)f))
        sp->num[f] = json_integer_value(v);
    else
        sp->str[f] = json_string_value(v);
    return 0;
}

/* The serials of an order's ids: consecutive under the file's key. */
static int order_serials(struct loader *l, json_t *ids, uint64_t *first)
{
    size_t n = json_array_size(ids);
    if (!json_is_array(ids) || n < 1 || n > SIMSTATE_MAX_COUNT)
        return bad_line(l, "an order needs \"ids\": 1..10000 instance ids");
    for (size_t i = 0; i < n; i++) {
        const char *id = json_string_value(json_array_get(ids, i));
        uint64_t serial;
        if (id == NULL || !simstate_serial(l->s->st, id, &serial) ||
            (i > 0 && serial != *first + i))
            return bad_line(l, "instance id %.32s is not the next of this file's ids",
                            id ? id : "(not a string)");
        if (i == 0)
            *first = serial;
    }
    return 0;
}

static int load_order(struct loader *l, json_t *rec, struct loaded *d)
{
    struct spec sp;
    const char *key;
    json_t *v, *t = json_object_get(rec, "t");
    uint64_t first = 0;
    if (!json_is_integer(t) || json_integer_value(t) < 0)
        return bad_line(l, "an order needs \"t\": its time in epoch seconds");
    int rc = order_serials(l, json_object_get(rec, "ids"), &first);
    spec_init(&sp);
    json_object_foreach(rec, key, v)
    {
        if (rc == 0 && strcmp(key, "type") != 0 && strcmp(key, "ids") != 0 && strcmp(key, "t") != 0)
            rc = order_member(l, &sp, key, v);
    }
    if (rc == 0 && !sp.present[FIELD_REGION_ID])
        rc = bad_line(l, "an order needs \"regionId\"");
    sp.present[FIELD_COUNT] = true;
    sp.num[FIELD_COUNT] = (long long)json_array_size(json_object_get(rec, "ids"));
    /* The monotonic creation time, as far back as the wall clock says. */
    long long wall = (long long)json_integer_value(t), now = (long long)clock_wall();
    int64_t made_us = clock_now_us() - (wall < now ? (int64_t)(now - wall) * 1000000 : 0);
    struct simorder *o = rc == 0 ? simstate_order_new(&sp, made_us, wall) : NULL;
    spec_release(&sp);
    if (rc != 0)
        return rc;
    if (o == NULL)
        return bad_line(l, "an order's fields are too long");
    o->first = first;
    rc = keep(d, o, l->line);
    if (rc != 0)
        free(o);
    return rc;
}

static int load_record(struct loader *l, json_t *rec, struct loaded *d)
{
    const char *type = json_string_value(json_object_get(rec, "type"));
    if (type && strcmp(type, "order") == 0)
        return load_order(l, rec, d);
    if (type && strcmp(type, "reset") == 0) {
        json_t *next = json_object_get(rec, "next");
        if (!json_is_integer(next) || json_integer_value(next) < 0)
            return bad_line(l, "a reset needs \"next\": a serial");
        if ((uint64_t)json_integer_value(next) > d->base)
            d->base = (uint64_t)json_integer_value(next);
        return 0;
    }
    return bad_line(l, "not a record of a cps-sim state file (type %.32s)", type ? type : "none");
}

/* The first line: the ids' key. Makes the simstate. */
static int load_header(struct loader *l, json_t *rec)
{
    const char *type = json_string_value(json_object_get(rec, "type"));
    json_t *key = json_object_get(rec, "key");
    if (type == NULL || strcmp(type, HEADER_TYPE) != 0)
        return bad_line(l, "not a cps-sim state file (no \"type\":\"" HEADER_TYPE "\")");
    if (json_integer_value(json_object_get(rec, "v")) != 1)
        return bad_line(l, "a state file of another version");
    if (!json_is_integer(key) || json_integer_value(key) < 0 ||
        (uint64_t)json_integer_value(key) > KEY_MAX)
        return bad_line(l, "the header needs \"key\": 0..2^50-1");
    return simstate_new((uint64_t)json_integer_value(key), &l->s->st);
}

/* Cut the file back to its first len bytes (an ignored last line), durably. */
static int cut(struct loader *l, off_t len)
{
    if (ftruncate(l->s->fd, len) != 0 || fsync(l->s->fd) != 0) {
        say(l->msg, l->msglen, "cannot cut the torn last line off %s: %s", l->path,
            strerror(errno));
        return ERR_IO;
    }
    return 0;
}

/* Each line of data into d (or the simstate, for the header). */
static int load_lines(struct loader *l, const char *data, size_t size, FILE *notes,
                      struct loaded *d)
{
    int rc = 0;
    for (size_t at = 0; rc == 0 && at < size; l->line++) {
        const char *nl = memchr(data + at, '\n', size - at);
        size_t end = nl ? (size_t)(nl - data) : size;
        json_error_t jerr;
        json_t *rec = nl ? json_loadb(data + at, end - at, 0, &jerr) : NULL; /* new */
        if (rec == NULL && (nl == NULL || end + 1 == size)) {
            if (notes)
                fprintf(notes,
                        "cps-sim: %s:%ld: the last line is %s (a write cut off by a crash); "
                        "ignored and cut off the file\n",
                        l->path, l->line, nl ? "garbled" : "cut short");
            return cut(l, (off_t)at);
        }
        if (rec == NULL || !json_is_object(rec))
            rc = bad_line(l, "not a JSON object: %.160s", rec ? "" : jerr.text);
        else if (l->line == 1)
            rc = load_header(l, rec);
        else
            rc = load_record(l, rec, d);
        json_decref(rec);
        at = end + 1;
    }
    return rc;
}

/* The gathered orders into the simstate. */
static int restore(struct loader *l, struct loaded *d)
{
    simstate_restore_base(l->s->st, d->base);
    for (size_t i = 0; i < d->n; i++) {
        int rc = simstate_restore(l->s->st, d->orders[i]);
        if (rc == 0) {
            d->orders[i] = NULL;
            continue;
        }
        l->line = d->lines[i];
        if (rc == ERR_CORRUPT)
            return bad_line(l, "an order whose ids or clientToken an earlier line has");
        return bad_line(l, "cannot restore an order: %s", err_str(rc));
    }
    return 0;
}

static int read_all(int fd, char **data, size_t *size)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return ERR_IO;
    *size = (size_t)sb.st_size;
    *data = malloc(*size + 1);
    if (*data == NULL)
        return ERR_NOMEM;
    for (size_t got = 0; got < *size;) {
        ssize_t r = pread(fd, *data + got, *size - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return ERR_IO;
        got += (size_t)r;
    }
    return 0;
}

/* The directory entry of a new file is durable once its directory is synced. */
static int sync_dir(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL)
        return ERR_NOMEM;
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    int rc = dfd >= 0 && fsync(dfd) == 0 ? 0 : ERR_IO;
    if (dfd >= 0)
        close(dfd);
    return rc;
}

/* A new (or emptied) file: its header, durably. */
static int start_file(struct loader *l, uint64_t default_key)
{
    int rc = simstate_new(default_key, &l->s->st);
    if (rc != 0)
        return rc;
    struct buf *b = &l->s->line;
    buf_reset(b);
    buf_addf(b, "{\"type\":\"" HEADER_TYPE "\",\"v\":1,\"key\":%llu}\n",
             (unsigned long long)simstate_key(l->s->st));
    if (b->err || write_all(l->s->fd, b->data, b->len) != 0 || fsync(l->s->fd) != 0 ||
        sync_dir(l->path) != 0) {
        say(l->msg, l->msglen, "cannot write %s: %s", l->path, strerror(errno));
        return ERR_IO;
    }
    return 0;
}

static int load(struct loader *l, uint64_t default_key, FILE *notes)
{
    char *data = NULL;
    size_t size = 0;
    struct loaded d = {0};
    int rc = read_all(l->s->fd, &data, &size);
    if (rc != 0)
        say(l->msg, l->msglen, "cannot read %s: %s", l->path, strerror(errno));
    l->line = 1;
    if (rc == 0)
        rc = load_lines(l, data, size, notes, &d);
    if (rc == 0 && l->s->st == NULL)
        rc = start_file(l, default_key);
    if (rc == 0)
        rc = restore(l, &d);
    for (size_t i = 0; i < d.n; i++)
        free(d.orders[i]);
    free(d.orders);
    free(d.lines);
    free(data);
    return rc;
}

/* ---- opening ---- */

static int open_file(struct simstore *s, char *msg, size_t msglen)
{
    s->fd = open(s->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (s->fd < 0) {
        say(msg, msglen, "cannot open the state file %s: %s", s->path, strerror(errno));
        return ERR_IO;
    }
    if (flock(s->fd, LOCK_EX | LOCK_NB) != 0) {
        say(msg, msglen, "the state file %s is in use by another cps-sim", s->path);
        return ERR_LOCKED;
    }
    return 0;
}

int simstore_open(const char *path, uint64_t default_key, FILE *notes, struct simstore **out,
                  struct simstate **st, char *msg, size_t msglen)
{
    struct simstore *s = calloc(1, sizeof *s);
    if (s == NULL || (s->path = strdup(path)) == NULL) {
        free(s);
        return ERR_NOMEM;
    }
    s->fd = -1;
    buf_init(&s->line, SIMBUF_MAX);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->work, NULL);
    struct loader l = {s, path, 0, msg, msglen};
    int rc = open_file(s, msg, msglen);
    if (rc == 0)
        rc = load(&l, default_key, notes);
    if (rc == 0 && pthread_create(&s->thread, NULL, sync_thread, s) != 0) {
        say(msg, msglen, "cannot start the thread that syncs %s", path);
        rc = ERR_IO;
    }
    if (rc != 0) {
        simstate_free(s->st);
        simstore_free(s);
        return rc;
    }
    s->started = true;
    struct simstate_journal j = {journal_order, journal_reset, s};
    simstate_set_journal(s->st, &j);
    *out = s;
    *st = s->st;
    return 0;
}
