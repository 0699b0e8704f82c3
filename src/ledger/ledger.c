/* ledger.c - the batch ledger: create, lock, replay, append (format and contracts: ledger.h).
 *
 * The pieces: ledger_record (one line <-> struct), ledger_index (token -> state),
 * ledger_writer (group commit). This file owns the file itself: its creation under a temporary
 * name, the lock, the replay with its torn-tail rule, and the order of an append.
 */
#define _DEFAULT_SOURCE /* flock(): see invariant 4 in ledger.h for why not fcntl */

#include "ledger.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "err.h"
#include "ledger_index.h"
#include "ledger_record.h"
#include "ledger_writer.h"
#include "version.h"

#define READ_CHUNK ((size_t)1 << 20)
#define TIME_MAX 40

struct ledger {
    char *path;
    int fd;
    bool readonly;
    bool created;
    bool writer_running;
    int flush_ms;
    bool jansson_only;
    struct ledger_header hdr;
    struct ledger_index ix;
    struct ledger_writer w;
    struct buf line;        /* the record being appended, formatted (LEDGER_LINE_MAX) */
    char first_t[TIME_MAX]; /* "" until a record is seen */
    char last_t[TIME_MAX];
    char now_t[TIME_MAX]; /* "t" for appends, remade every millisecond (record_time) */
    int64_t now_t_us;
};

/* ---- Messages -------------------------------------------------------------------------------- */

static void say(struct ledger_diag *diag, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(struct ledger_diag *diag, const char *fmt, ...)
{
    if (!diag)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
    va_end(ap);
}

/* Add one line to diag->notes (cut, never overrun, when it is full). */
static void note(struct ledger_diag *diag, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note(struct ledger_diag *diag, const char *fmt, ...)
{
    if (!diag)
        return;
    size_t used = strlen(diag->notes), room = sizeof(diag->notes) - used;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(diag->notes + used, room, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n + 1 < room)
        strcat(diag->notes, "\n");
}

static int fail_errno(struct ledger_diag *diag, const char *path, const char *what)
{
    int e = errno;
    say(diag, "%s: %s: %s", path, what, strerror(e));
    return e == ENOENT ? ERR_NOTFOUND : ERR_IO;
}

/* ---- The ledger object ----------------------------------------------------------------------- */

static int ledger_new(const char *path, const struct ledger_options *opt, bool readonly,
                      struct ledger **out)
{
    struct ledger *l = calloc(1, sizeof(*l));
    if (!l)
        return ERR_NOMEM;
    l->fd = -1;
    l->readonly = readonly;
    buf_init(&l->line, LEDGER_LINE_MAX);
    l->flush_ms =
        opt && opt->flush_interval_ms > 0 ? opt->flush_interval_ms : LEDGER_FLUSH_MS_DEFAULT;
    l->jansson_only = opt && opt->jansson_only;
    l->path = malloc(strlen(path) + 1);
    if (!l->path || ledger_index_init(&l->ix)) {
        free(l->path);
        free(l);
        return ERR_NOMEM;
    }
    strcpy(l->path, path);
    *out = l;
    return 0;
}

static void ledger_free(struct ledger *l)
{
    if (l->fd >= 0)
        close(l->fd); /* also releases the flock */
    ledger_index_release(&l->ix);
    buf_release(&l->line);
    free(l->path);
    free(l);
}

static void copy_time(char dst[TIME_MAX], struct ledger_str t)
{
    size_t n = t.n < TIME_MAX - 1 ? t.n : TIME_MAX - 1;
    memcpy(dst, t.p, n);
    dst[n] = '\0';
}

/* Every record after the header goes through here, replayed or appended. */
static int apply_record(struct ledger *l, const struct ledger_record *r)
{
    int rc = ledger_index_apply(&l->ix, r);
    if (rc)
        return rc;
    if (!l->first_t[0])
        copy_time(l->first_t, r->t);
    copy_time(l->last_t, r->t);
    return 0;
}

static int load_header(struct ledger *l, const struct ledger_record *r)
{
    struct ledger_header *h = &l->hdr;
    h->v = (int)r->v;
    memcpy(h->salt, r->salt, sizeof(h->salt));
    ledger_hex32(h->salt, h->salt_hex);
    h->created = ledger_index_strdup(&l->ix, r->created);
    h->csv = ledger_index_strdup(&l->ix, r->csv);
    h->csv_sha256 = ledger_index_strdup(&l->ix, r->csv_sha256);
    h->endpoint = ledger_index_strdup(&l->ix, r->endpoint);
    h->shard = ledger_index_strdup(&l->ix, r->shard.p ? r->shard : (struct ledger_str){"", 0});
    h->version =
        ledger_index_strdup(&l->ix, r->version.p ? r->version : (struct ledger_str){"", 0});
    return h->created && h->csv && h->csv_sha256 && h->endpoint && h->shard && h->version
               ? 0
               : ERR_NOMEM;
}

/* jansson's output, appended to the line being formatted. */
static int add_dumped(const char *p, size_t n, void *line)
{
    return buf_add(line, p, n) ? -1 : 0;
}

/* Format r into l->line with its '\n'; *len gets the length. Returns 0, ERR_INVALID (from
 * ledger_record_to_json), ERR_RANGE (longer than LEDGER_LINE_MAX) or ERR_NOMEM. */
static int format_line(struct ledger *l, const struct ledger_record *r, size_t *len)
{
    json_t *j;
    int rc = ledger_record_to_json(r, &j); /* new reference */
    if (rc)
        return rc;
    buf_reset(&l->line);
    int dumped = json_dump_callback(j, add_dumped, &l->line, JSON_COMPACT);
    if (dumped == 0)
        buf_addch(&l->line, '\n');
    json_decref(j);
    rc = l->line.err ? l->line.err : dumped ? ERR_NOMEM : 0;
    *len = l->line.len;
    return rc;
}

/* ---- Creating a new ledger (invariant 1) ----------------------------------------------------- */

static struct ledger_str str_or_empty(const char *s)
{
    return (struct ledger_str){s ? s : "", s ? strlen(s) : 0};
}

static int make_header(const struct ledger_batch *b, char created[TIME_MAX],
                       struct ledger_record *r)
{
    memset(r, 0, sizeof(*r));
    r->type = LEDGER_R_BATCH;
    r->v = LEDGER_VERSION;
    r->version = str_or_empty(cps_version());
    if (b->salt)
        memcpy(r->salt, b->salt, LEDGER_SALT_LEN);
    else if (RAND_bytes(r->salt, LEDGER_SALT_LEN) != 1)
        return ERR_IO;
    r->created = str_or_empty(clock_iso8601(created, TIME_MAX));
    r->csv = str_or_empty(b->csv);
    r->csv_sha256 = str_or_empty(b->csv_sha256);
    r->endpoint = str_or_empty(b->endpoint);
    if (b->shard && *b->shard)
        r->shard = str_or_empty(b->shard);
    return 0;
}

/* fsync the directory holding path, so a new name in it is durable. Some file systems cannot
 * sync a directory (EINVAL): there is nothing more to do on those. */
static int sync_dir(const char *path, struct ledger_diag *diag)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? malloc((size_t)(slash - path) + 2) : NULL;
    if (slash && !dir)
        return ERR_NOMEM;
    if (dir) {
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int rc = 0, fd = open(dir ? dir : ".", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL))
        rc = fail_errno(diag, dir ? dir : ".", "cannot sync directory");
    if (fd >= 0)
        close(fd);
    free(dir);
    return rc;
}

/* Write the header under a temporary name, locked and synced; fd stays open. Messages name
 * path, the ledger the temporary file is for (it is removed on failure). */
static int write_temp(const char *path, int fd, const char *text, size_t n,
                      struct ledger_diag *diag)
{
    if (fchmod(fd, 0600) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
        return fail_errno(diag, path, "cannot set mode");
    if (flock(fd, LOCK_EX | LOCK_NB) != 0)
        return fail_errno(diag, path, "cannot lock");
    if (ledger_writer_write_all(fd, text, n) != 0 || fsync(fd) != 0)
        return fail_errno(diag, path, "cannot create");
    return 0;
}

/* Put the synced temporary file in place: link() fails if path exists, so a ledger that
 * another process created at the same moment is never replaced. *exists tells. */
static int publish(struct ledger *l, const char *tmp_name, bool *exists, struct ledger_diag *diag)
{
    int rc = 0;
    *exists = false;
    if (link(tmp_name, l->path) != 0) {
        if (errno == EEXIST)
            *exists = true;
        else
            rc = fail_errno(diag, l->path, "cannot create");
    }
    unlink(tmp_name);
    if (rc == 0 && !*exists)
        rc = sync_dir(l->path, diag);
    return rc;
}

static int create_file(struct ledger *l, const struct ledger_batch *b, bool *exists,
                       struct ledger_diag *diag)
{
    struct ledger_record r;
    char created[TIME_MAX];
    size_t n;
    int rc = make_header(b, created, &r);
    if (rc == 0)
        rc = format_line(l, &r, &n);
    if (rc)
        return rc;
    char *tmp_name = malloc(strlen(l->path) + 12);
    if (!tmp_name)
        return ERR_NOMEM;
    snprintf(tmp_name, strlen(l->path) + 12, "%s.tmp-XXXXXX", l->path);
    int fd = mkstemp(tmp_name);
    if (fd < 0) {
        rc = fail_errno(diag, l->path, "cannot create");
        goto out_free;
    }
    rc = write_temp(l->path, fd, l->line.data, n, diag);
    if (rc) {
        unlink(tmp_name);
        goto out_close;
    }
    rc = publish(l, tmp_name, exists, diag);
    if (rc || *exists)
        goto out_close;
    if (fcntl(fd, F_SETFL, O_APPEND) != 0) {
        rc = fail_errno(diag, l->path, "cannot set O_APPEND");
        goto out_close;
    }
    l->fd = fd;
    l->created = true;
    rc = load_header(l, &r);
    goto out_free;
out_close:
    close(fd);
out_free:
    free(tmp_name);
    return rc;
}

/* ---- Replay ---------------------------------------------------------------------------------- */

struct replay {
    struct ledger *l;
    struct ledger_diag *diag;
    struct ledger_parser parser;
    struct buf in;  /* bytes read and not yet consumed: a line and a chunk at most */
    off_t base;     /* file offset of in.data[0] */
    long long line; /* number of the last line seen */
    off_t good_end; /* offset just after the last good line */
    bool bad;       /* the last whole line was not JSON: torn if nothing follows */
    long long bad_line;
    char bad_why[LEDGER_WHY_MAX];
    long long torn_line; /* the torn tail, found by replay_end */
    long long torn_bytes;
};

static int corrupt(struct replay *rp, long long line, const char *why)
{
    if (rp->diag)
        rp->diag->line = line;
    say(rp->diag, "%s:%lld: corrupt ledger: %s", rp->l->path, line, why);
    return ERR_CORRUPT;
}

static int take_record(struct replay *rp, const struct ledger_record *r)
{
    if (rp->line == 1 && r->type != LEDGER_R_BATCH)
        return corrupt(rp, 1, "the first line is not a batch header");
    if (rp->line == 1)
        return load_header(rp->l, r);
    if (r->type == LEDGER_R_BATCH)
        return corrupt(rp, rp->line, "a second batch header");
    return apply_record(rp->l, r);
}

static int too_long(struct replay *rp, long long line)
{
    char why[64];
    snprintf(why, sizeof(why), "line longer than %zu bytes", LEDGER_LINE_MAX);
    return corrupt(rp, line, why);
}

/* One whole line (without '\n') at file offset off. */
static int replay_line(struct replay *rp, const char *p, size_t n, off_t off)
{
    rp->line++;
    if (rp->bad)
        return corrupt(rp, rp->bad_line, rp->bad_why);
    struct ledger_record r;
    int rc = ledger_record_parse(&rp->parser, p, n, &r);
    if (rc == ERR_PARSE && rp->line > 1) {
        rp->bad = true;
        rp->bad_line = rp->line;
        memcpy(rp->bad_why, rp->parser.why, sizeof(rp->bad_why));
        return 0;
    }
    if (rc == ERR_PARSE || rc == ERR_CORRUPT)
        return corrupt(rp, rp->line, rp->parser.why);
    if (rc == 0)
        rc = take_record(rp, &r);
    if (rc == 0)
        rp->good_end = off + (off_t)n + 1;
    return rc;
}

/* Consume the whole lines in rp->in; keep the unfinished one, which may not be longer than a
 * line can be (LEDGER_LINE_MAX, '\n' included). */
static int replay_lines(struct replay *rp)
{
    size_t start = 0;
    const char *data = rp->in.data;
    for (;;) {
        const char *nl = memchr(data + start, '\n', rp->in.len - start);
        if (!nl)
            break;
        size_t n = (size_t)(nl - (data + start));
        if (n >= LEDGER_LINE_MAX)
            return too_long(rp, rp->line + 1);
        int rc = replay_line(rp, data + start, n, rp->base + (off_t)start);
        if (rc)
            return rc;
        start += n + 1;
    }
    buf_consume(&rp->in, start);
    rp->base += (off_t)start;
    return rp->in.len < LEDGER_LINE_MAX ? 0 : too_long(rp, rp->line + 1);
}

static int replay_read(struct replay *rp, bool *eof)
{
    size_t got = 0;
    int rc = buf_read(&rp->in, rp->l->fd, READ_CHUNK, &got);
    if (rc == ERR_IO)
        return fail_errno(rp->diag, rp->l->path, "cannot read");
    *eof = got == 0;
    return rc;
}

/* At the end of the file: is there a torn tail, and where does it start? */
static int replay_end(struct replay *rp, bool *torn)
{
    *torn = rp->bad || rp->in.len > 0;
    if (rp->bad && rp->in.len > 0)
        return corrupt(rp, rp->bad_line, rp->bad_why);
    if (rp->line == 0)
        return corrupt(rp, 1, rp->in.len ? "the batch header is incomplete" : "empty file");
    rp->torn_line = rp->bad ? rp->bad_line : rp->line + 1;
    rp->torn_bytes = (long long)(rp->base + (off_t)rp->in.len - rp->good_end);
    if (*torn && rp->diag) {
        rp->diag->torn = true;
        rp->diag->line = rp->torn_line;
        rp->diag->bytes = rp->torn_bytes;
    }
    return 0;
}

/* Cut the torn tail (read-write) or say it is ignored (read-only). */
static int handle_torn(struct replay *rp)
{
    const char *path = rp->l->path;
    if (rp->l->readonly) {
        say(rp->diag, "%s:%lld: torn last line (%lld bytes) ignored", path, rp->torn_line,
            rp->torn_bytes);
        return 0;
    }
    if (ftruncate(rp->l->fd, rp->good_end) != 0 || fsync(rp->l->fd) != 0)
        return fail_errno(rp->diag, path, "cannot cut the torn last line");
    say(rp->diag, "%s:%lld: torn last line (%lld bytes) cut off", path, rp->torn_line,
        rp->torn_bytes);
    return 0;
}

static int replay(struct ledger *l, struct ledger_diag *diag)
{
    struct replay rp = {.l = l, .diag = diag, .in = BUF_INIT(LEDGER_LINE_MAX + READ_CHUNK)};
    rp.parser.jansson_only = l->jansson_only;
    bool eof = false, torn = false;
    int rc = 0;
    while (rc == 0 && !eof) {
        rc = replay_read(&rp, &eof);
        if (rc == 0)
            rc = replay_lines(&rp);
    }
    if (rc == 0)
        rc = replay_end(&rp, &torn);
    if (rc == 0 && torn)
        rc = handle_torn(&rp);
    ledger_parser_release(&rp.parser);
    buf_release(&rp.in);
    return rc;
}

/* ---- Opening --------------------------------------------------------------------------------- */

static int lock_file(struct ledger *l, struct ledger_diag *diag)
{
    if (flock(l->fd, LOCK_EX | LOCK_NB) == 0)
        return 0;
    if (errno != EWOULDBLOCK)
        return fail_errno(diag, l->path, "cannot lock");
    say(diag,
        "%s: locked: another process (or another open) is writing this ledger; "
        "wait for it to finish or stop it",
        l->path);
    return ERR_LOCKED;
}

/* An existing ledger readable or writable by others is made 0600, and the open says so. */
static void tighten_mode(struct ledger *l, struct ledger_diag *diag)
{
    struct stat st;
    if (l->created || fstat(l->fd, &st) != 0 || !(st.st_mode & 077))
        return;
    unsigned mode = (unsigned)st.st_mode & 07777;
    if (fchmod(l->fd, 0600) == 0)
        note(diag, "%s: was mode %04o, open to others: made 0600", l->path, mode);
    else
        note(diag, "%s: is mode %04o, open to others, and cannot be made 0600: %s", l->path, mode,
             strerror(errno));
}

/* Whether dir/name is a temporary file of a creation that was killed: a regular file, older
 * than LEDGER_TEMP_STALE_S, whose lock nobody holds (a creation holds it from the moment it
 * writes the header until the file is in place). */
static bool temp_is_stale(int dirfd, const char *name, time_t now)
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return false;
    struct stat st;
    bool stale = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                 now - st.st_mtime >= LEDGER_TEMP_STALE_S && flock(fd, LOCK_EX | LOCK_NB) == 0;
    close(fd);
    return stale;
}

/* Remove the stale temporary files of path's creation (path.tmp-XXXXXX, as mkstemp names
 * them) from its directory, and say how many. */
static void remove_stale_temps(const char *path, struct ledger_diag *diag)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path + 1)) : strdup(".");
    const char *base = slash ? slash + 1 : path;
    DIR *d = dir ? opendir(dir) : NULL;
    size_t blen = strlen(base);
    int removed = 0;
    time_t now = time(NULL);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (strncmp(e->d_name, base, blen) != 0 || strncmp(e->d_name + blen, ".tmp-", 5) != 0 ||
            strlen(e->d_name + blen + 5) != 6)
            continue;
        if (temp_is_stale(dirfd(d), e->d_name, now) && unlinkat(dirfd(d), e->d_name, 0) == 0)
            removed++;
    }
    if (removed)
        note(diag, "%s: removed %d temporary file%s left by a creation that was interrupted", path,
             removed, removed == 1 ? "" : "s");
    if (d)
        closedir(d);
    free(dir);
}

/* Open the existing file, or create it from batch. Leaves l->fd open (and locked). */
static int open_or_create(struct ledger *l, const struct ledger_batch *batch,
                          struct ledger_diag *diag)
{
    for (int tries = 0; tries < 3; tries++) {
        l->fd = open(l->path, O_RDWR | O_APPEND | O_CLOEXEC);
        if (l->fd >= 0) {
            int rc = lock_file(l, diag);
            return rc ? rc : replay(l, diag);
        }
        if (errno != ENOENT || !batch)
            return fail_errno(diag, l->path, "cannot open");
        struct stat st;
        if (lstat(l->path, &st) == 0 && S_ISLNK(st.st_mode)) { /* link() would say EEXIST */
            say(diag, "%s: cannot create: it is a symbolic link to a file that does not exist",
                l->path);
            return ERR_IO;
        }
        bool exists;
        int rc = create_file(l, batch, &exists, diag);
        if (rc || !exists)
            return rc;
    }
    say(diag, "%s: cannot open: it keeps appearing and disappearing", l->path);
    return ERR_IO;
}

static void diag_clear(struct ledger_diag *diag)
{
    if (diag)
        memset(diag, 0, sizeof(*diag));
}

int ledger_open(const char *path, const struct ledger_batch *batch,
                const struct ledger_options *opt, struct ledger **out, struct ledger_diag *diag)
{
    struct ledger *l;
    diag_clear(diag);
    int rc = ledger_new(path, opt, false, &l);
    if (rc)
        return rc;
    remove_stale_temps(path, diag);
    rc = open_or_create(l, batch, diag);
    if (rc)
        goto out_free;
    tighten_mode(l, diag);
    struct stat st;
    if (fstat(l->fd, &st) != 0) {
        rc = fail_errno(diag, path, "cannot stat");
        goto out_free;
    }
    rc = ledger_writer_start(&l->w, l->fd, st.st_size, l->flush_ms);
    if (rc)
        goto out_free;
    l->writer_running = true;
    *out = l;
    return 0;
out_free:
    ledger_free(l);
    return rc;
}

int ledger_open_readonly(const char *path, const struct ledger_options *opt, struct ledger **out,
                         struct ledger_diag *diag)
{
    struct ledger *l;
    diag_clear(diag);
    int rc = ledger_new(path, opt, true, &l);
    if (rc)
        return rc;
    l->fd = open(path, O_RDONLY | O_CLOEXEC);
    rc = l->fd < 0 ? fail_errno(diag, path, "cannot open") : replay(l, diag);
    if (rc) {
        ledger_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

int ledger_sync(struct ledger *l)
{
    return l->writer_running ? ledger_writer_sync(&l->w) : 0;
}

int ledger_write_errno(struct ledger *l)
{
    return l->writer_running ? ledger_writer_errno(&l->w) : 0;
}

int ledger_close(struct ledger *l)
{
    if (!l)
        return 0;
    int rc = l->writer_running ? ledger_writer_stop(&l->w) : 0;
    ledger_free(l);
    return rc;
}

/* ---- Appending ------------------------------------------------------------------------------- */

/* The time to stamp on an append. clock_iso8601 costs ~0.16 us (gmtime + snprintf), a tenth
 * of the budget of an append, and "t" has millisecond resolution: so the text is made again
 * only when the monotonic clock says a millisecond has passed. It is never more than 1 ms
 * old. */
static struct ledger_str record_time(struct ledger *l)
{
    int64_t now = clock_now_us();
    if (!l->now_t[0] || now - l->now_t_us >= 1000) {
        clock_iso8601(l->now_t, sizeof(l->now_t));
        l->now_t_us = now;
    }
    return str_or_empty(l->now_t);
}

/* Texts from the API (status, message, error, requestId) are for people: one that is not
 * UTF-8 (a message cut mid-character upstream) must not stop a batch. Their bytes >= 0x80
 * become '?', in copies held by *buf (free it); the token and instance ids stay exact. */
static int asciify(struct ledger_record *r, char **buf)
{
    struct ledger_str *texts[] = {&r->status, &r->message, &r->error, &r->request_id};
    size_t total = 0;
    for (size_t i = 0; i < 4; i++)
        total += texts[i]->n;
    char *p = *buf = malloc(total + 1);
    if (!p)
        return ERR_NOMEM;
    for (size_t i = 0; i < 4; i++) {
        for (size_t k = 0; k < texts[i]->n; k++)
            p[k] = (unsigned char)texts[i]->p[k] >= 0x80 ? '?' : texts[i]->p[k];
        if (texts[i]->p)
            texts[i]->p = p;
        p += texts[i]->n;
    }
    return 0;
}

/* The order: stamp, check, format, hand to the writer, then index. A record the writer
 * refused is not in the index either. */
static int append_record(struct ledger *l, struct ledger_record *r)
{
    if (l->readonly)
        return ERR_INVALID;
    r->t = record_time(l);
    char why[LEDGER_WHY_MAX], *ascii = NULL;
    size_t n;
    int rc = ledger_record_check(r, why, sizeof(why));
    if (rc)
        return rc;
    rc = format_line(l, r, &n);
    if (rc == ERR_INVALID && (rc = asciify(r, &ascii)) == 0)
        rc = format_line(l, r, &n);
    if (rc == 0)
        rc = ledger_writer_append(&l->w, l->line.data, n);
    if (rc == 0)
        rc = apply_record(l, r);
    free(ascii);
    return rc;
}

static struct ledger_str opt_str(const char *s)
{
    return (struct ledger_str){s, s ? strlen(s) : 0};
}

int ledger_append_intent(struct ledger *l, const char *token, long long row,
                         const unsigned char spec_sha256[32])
{
    struct ledger_record r = {.type = LEDGER_R_INTENT, .token = opt_str(token), .row = row};
    memcpy(r.spec_sha256, spec_sha256, sizeof(r.spec_sha256));
    return append_record(l, &r);
}

int ledger_append_attempt(struct ledger *l, const char *token, int n, int http, const char *status,
                          long long wait_ms, const char *error)
{
    struct ledger_record r = {.type = LEDGER_R_ATTEMPT,
                              .token = opt_str(token),
                              .n = n,
                              .http = http,
                              .status = opt_str(status),
                              .wait_ms = wait_ms,
                              .error = opt_str(error)};
    return append_record(l, &r);
}

int ledger_append_done(struct ledger *l, const char *token, long long row,
                       const char *const *instance_ids, size_t n_ids, const char *request_id,
                       int attempts)
{
    return ledger_append_done_in(l, token, row, NULL, instance_ids, n_ids, request_id, attempts);
}

int ledger_append_done_in(struct ledger *l, const char *token, long long row, const char *region,
                          const char *const *instance_ids, size_t n_ids, const char *request_id,
                          int attempts)
{
    enum { IDS_ON_STACK = 16 };
    struct ledger_str stack_ids[IDS_ON_STACK], *ids = stack_ids;
    if (n_ids > IDS_ON_STACK && !(ids = malloc(n_ids * sizeof(*ids))))
        return ERR_NOMEM;
    int rc = 0;
    for (size_t i = 0; i < n_ids && rc == 0; i++) {
        ids[i] = opt_str(instance_ids[i]);
        rc = ids[i].p ? 0 : ERR_INVALID;
    }
    struct ledger_record r = {.type = LEDGER_R_DONE,
                              .token = opt_str(token),
                              .row = row,
                              .ids = ids,
                              .n_ids = n_ids,
                              .request_id = opt_str(request_id),
                              .attempts = attempts,
                              .region = opt_str(region)};
    if (rc == 0)
        rc = append_record(l, &r);
    if (ids != stack_ids)
        free(ids);
    return rc;
}

int ledger_append_failed(struct ledger *l, const char *token, long long row, int http,
                         const char *status, const char *message, const char *request_id)
{
    struct ledger_record r = {.type = LEDGER_R_FAILED,
                              .token = opt_str(token),
                              .row = row,
                              .http = http,
                              .status = opt_str(status),
                              .message = opt_str(message),
                              .request_id = opt_str(request_id)};
    return append_record(l, &r);
}

int ledger_append_state(struct ledger *l, const char *token, const char *instance_id,
                        const char *status, const char *private_ip, const char *public_ip)
{
    struct ledger_record r = {.type = LEDGER_R_STATE,
                              .token = opt_str(token),
                              .instance_id = opt_str(instance_id),
                              .status = opt_str(status),
                              .private_ip = opt_str(private_ip),
                              .public_ip = opt_str(public_ip)};
    if (!instance_id || !*instance_id || !status || !*status)
        return ERR_INVALID;
    return append_record(l, &r);
}

/* ---- Reading --------------------------------------------------------------------------------- */

const struct ledger_entry *ledger_find(const struct ledger *l, const char *token)
{
    return token ? ledger_index_find(&l->ix, token, strlen(token)) : NULL;
}

size_t ledger_size(const struct ledger *l)
{
    return l->ix.n;
}

const struct ledger_entry *ledger_entry_at(const struct ledger *l, size_t i)
{
    return i < l->ix.n ? ledger_index_at(&l->ix, i) : NULL;
}

void ledger_counts(const struct ledger *l, struct ledger_counts *out)
{
    *out = l->ix.counts;
}

void ledger_stats(struct ledger *l, struct ledger_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (l->writer_running)
        ledger_writer_counters(&l->w, &out->bytes_appended, &out->bytes_durable, &out->flushes);
}

const struct ledger_header *ledger_header(const struct ledger *l)
{
    return &l->hdr;
}

const unsigned char *ledger_salt(const struct ledger *l)
{
    return l->hdr.salt;
}

const char *ledger_salt_hex(const struct ledger *l)
{
    return l->hdr.salt_hex;
}

const char *ledger_first_time(const struct ledger *l)
{
    return l->first_t[0] ? l->first_t : NULL;
}

const char *ledger_last_time(const struct ledger *l)
{
    return l->last_t[0] ? l->last_t : NULL;
}

const char *ledger_path(const struct ledger *l)
{
    return l->path;
}

bool ledger_was_created(const struct ledger *l)
{
    return l->created;
}
