/* test_sim_state.c - what cps-sim remembers: a token creates once (also when many threads
 * send it at once), replays give the first ids, the quota holds, ids lead back to serials,
 * a reset forgets everything but never reuses an id, and the stats text is the JSON that
 * sim.h documents (arrivals per second included). The state file (simstore.h): what it
 * records comes back after a restart (tokens, ids, fields, resets, the key); an answer waits
 * until its record is on disk; a torn or garbled last line is ignored and cut off; any other
 * bad line refuses the file, naming the line; a second cps-sim cannot open it; a record that
 * cannot be written fails the answers that wait for it. */
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "simstate.h"
#include "simstore.h"
#include "tmpfile.h"

/* An order as a checked spec would give it. token may be NULL. */
static struct simorder *order(const char *token, int count, const char *region)
{
    struct spec s;
    spec_init(&s);
    s.present[FIELD_REGION_ID] = true;
    s.str[FIELD_REGION_ID] = region;
    if (token) {
        s.present[FIELD_CLIENT_TOKEN] = true;
        s.str[FIELD_CLIENT_TOKEN] = token;
    }
    s.present[FIELD_NAME] = true;
    s.str[FIELD_NAME] = "web";
    s.present[FIELD_COUNT] = true;
    s.num[FIELD_COUNT] = count;
    struct simorder *o = simstate_order_new(&s, 1000, 1700000000);
    spec_release(&s);
    return o;
}

static void test_create_replay_quota(void)
{
    struct simstate *st;
    struct simstate_answer a, b;
    CHECK_INT(simstate_new(5, &st), ==, 0);
    struct simorder *o = order("tok-a", 3, "cn-north-1");
    CHECK_STR(simstate_order_text(o, FIELD_NAME), "web");
    CHECK(simstate_order_text(o, FIELD_AZ) == NULL);
    CHECK_INT(simstate_create(st, o, -1, &a), ==, 0);
    CHECK_INT(a.outcome, ==, SIMSTATE_CREATED);
    CHECK_INT(a.count, ==, 3);
    CHECK(a.seq == 0); /* no journal */
    struct simorder *dup = order("tok-a", 1, "cn-north-1");
    CHECK_INT(simstate_create(st, dup, -1, &b), ==, 0);
    CHECK_INT(b.outcome, ==, SIMSTATE_REPLAYED);
    CHECK(b.first == a.first);
    CHECK_INT(b.count, ==, 3);
    free(dup);
    /* no token: always creates */
    for (int i = 0; i < 2; i++) {
        CHECK_INT(simstate_create(st, order(NULL, 1, "cn-north-1"), -1, &b), ==, 0);
        CHECK_INT(b.outcome, ==, SIMSTATE_CREATED);
    }
    /* quota 6: 5 exist, 2 more is over; 1 more fits; a refused token may come back later */
    struct simorder *big = order("tok-b", 2, "cn-north-1");
    CHECK_INT(simstate_create(st, big, 6, &b), ==, 0);
    CHECK_INT(b.outcome, ==, SIMSTATE_OVER_QUOTA);
    CHECK_INT(simstate_create(st, big, -1, &b), ==, 0);
    CHECK_INT(b.outcome, ==, SIMSTATE_CREATED);
    struct simorder *zero = order("tok-c", 0, "cn-north-1");
    CHECK_INT(simstate_create(st, zero, -1, &b), ==, ERR_RANGE);
    free(zero);
    simstate_free(st);
}

static void test_ids(void)
{
    struct simstate *st, *other;
    char id[SIMSTATE_ID_LEN + 1], id2[SIMSTATE_ID_LEN + 1];
    uint64_t serial;
    CHECK_INT(simstate_new(5, &st), ==, 0);
    CHECK_INT(simstate_new(6, &other), ==, 0);
    for (uint64_t s = 0; s < 5000; s += 7) {
        simstate_id(st, s, id);
        CHECK_INT(strlen(id), ==, SIMSTATE_ID_LEN);
        CHECK(strncmp(id, "cps-", 4) == 0);
        CHECK(simstate_serial(st, id, &serial));
        CHECK(serial == s);
        simstate_id(other, s, id2);
        CHECK(strcmp(id, id2) != 0);
    }
    simstate_id(st, 1, id);
    simstate_id(st, 2, id2);
    CHECK(strcmp(id, id2) != 0);
    CHECK(!simstate_serial(st, "cps-", &serial));
    CHECK(!simstate_serial(st, "cps-ABCDEFGHIJ", &serial));
    CHECK(!simstate_serial(st, "vm-0123456789", &serial));
    CHECK(!simstate_serial(st, "cps-zzzzzzzzzz", &serial)); /* beyond 50 bits */
    simstate_free(st);
    simstate_free(other);
}

struct racer {
    struct simstate *st;
    int created, replayed;
};

/* 2000 tokens, each sent by every thread. */
static void *race(void *arg)
{
    struct racer *r = arg;
    char token[32];
    for (int i = 0; i < 2000; i++) {
        struct simstate_answer a;
        snprintf(token, sizeof token, "race-%d", i);
        struct simorder *o = order(token, 1, "cn-north-1");
        if (simstate_create(r->st, o, -1, &a) != 0 || a.outcome != SIMSTATE_CREATED)
            free(o);
        r->created += a.outcome == SIMSTATE_CREATED;
        r->replayed += a.outcome == SIMSTATE_REPLAYED;
    }
    return NULL;
}

static void test_concurrent_tokens(void)
{
    struct simstate *st;
    pthread_t t[4];
    struct racer r[4];
    CHECK_INT(simstate_new(9, &st), ==, 0);
    for (int i = 0; i < 4; i++) {
        r[i] = (struct racer){st, 0, 0};
        pthread_create(&t[i], NULL, race, &r[i]);
    }
    int created = 0, replayed = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        created += r[i].created;
        replayed += r[i].replayed;
    }
    CHECK_INT(created, ==, 2000);
    CHECK_INT(replayed, ==, 6000);
    struct buf b;
    buf_init(&b, SIMBUF_MAX);
    simstate_stats(st, true, &b);
    json_t *stats = json_loads(buf_str(&b), 0, NULL);
    CHECK(stats != NULL);
    CHECK_INT(json_integer_value(json_object_get(stats, "instances")), ==, 2000);
    CHECK_INT(json_integer_value(json_object_get(stats, "creates")), ==, 2000);
    CHECK_INT(json_integer_value(json_object_get(stats, "replays")), ==, 6000);
    json_t *tokens = json_object_get(stats, "tokens");
    CHECK_INT(json_object_size(tokens), ==, 2000);
    CHECK_INT(json_integer_value(json_object_get(tokens, "race-1999")), ==, 1);
    json_decref(stats);
    buf_release(&b);
    simstate_free(st);
}

struct finder {
    int seen;
    uint64_t last;
};

static bool visit(void *arg, const struct simorder *o, uint64_t serial)
{
    struct finder *f = arg;
    (void)o;
    f->seen++;
    f->last = serial;
    return true;
}

static void test_reset(void)
{
    struct simstate *st;
    struct simstate_answer a, a2;
    struct finder f = {0, 0};
    CHECK_INT(simstate_new(3, &st), ==, 0);
    CHECK_INT(simstate_create(st, order("t", 70000, "r"), -1, &a), ==, 0);
    uint64_t first = a.first;
    simstate_each(st, visit, &f);
    CHECK_INT(f.seen, ==, 70000); /* across a chunk boundary */
    CHECK(simstate_find(st, first + 69999, visit, &f));
    simstate_count_status(st, 200);
    simstate_arrival(st, 5000000, true);
    simstate_reset(st);
    CHECK(!simstate_find(st, first, visit, &f));
    f.seen = 0;
    simstate_each(st, visit, &f);
    CHECK_INT(f.seen, ==, 0);
    /* the token is forgotten; the new ids are new */
    CHECK_INT(simstate_create(st, order("t", 1, "r"), -1, &a2), ==, 0);
    CHECK_INT(a2.outcome, ==, SIMSTATE_CREATED);
    CHECK(a2.first == first + 70000);
    struct buf b;
    buf_init(&b, SIMBUF_MAX);
    simstate_stats(st, true, &b);
    json_t *stats = json_loads(buf_str(&b), 0, NULL);
    CHECK_INT(json_integer_value(json_object_get(stats, "instances")), ==, 1);
    CHECK_INT(json_object_size(json_object_get(stats, "by_status")), ==, 0);
    CHECK_INT(json_array_size(json_object_get(stats, "arrivals_per_s")), ==, 0);
    json_decref(stats);
    buf_release(&b);
    simstate_free(st);
}

static void test_stats_shape(void)
{
    struct simstate *st;
    CHECK_INT(simstate_new(3, &st), ==, 0);
    int64_t t0 = 10000000;
    for (int i = 0; i < 30; i++)
        simstate_arrival(st, t0 + i * 1000, true); /* 30 in the first 30 ms */
    for (int i = 0; i < 5; i++)
        simstate_arrival(st, t0 + 2500000 + i, true); /* 5 in second 2 */
    simstate_arrival(st, t0 + 2950000, true);
    simstate_count(st, SIMSTATE_REQUESTS);
    simstate_count_status(st, 503);
    simstate_count_status(st, 503);
    simstate_count_api(st, SIMSTATE_API_OS);
    simstate_count(st, SIMSTATE_RESETS_AFTER);
    struct buf b;
    buf_init(&b, SIMBUF_MAX);
    simstate_stats(st, false, &b);
    json_t *s = json_loads(buf_str(&b), 0, NULL);
    CHECK(s != NULL);
    CHECK_INT(json_integer_value(json_object_get(s, "requests")), ==, 1);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(s, "by_status"), "503")), ==, 2);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(s, "by_api"), "describeOS")), ==,
              1);
    CHECK_INT(json_integer_value(json_object_get(s, "resets_after")), ==, 1);
    json_t *a = json_object_get(s, "arrivals_per_s");
    CHECK_INT(json_array_size(a), ==, 3);
    CHECK_INT(json_integer_value(json_array_get(a, 0)), ==, 30);
    CHECK_INT(json_integer_value(json_array_get(a, 1)), ==, 0);
    CHECK_INT(json_integer_value(json_array_get(a, 2)), ==, 6);
    CHECK_INT(json_integer_value(json_object_get(s, "arrivals_max_1s")), ==, 30);
    CHECK_INT(json_integer_value(json_object_get(s, "arrivals_max_1s_upper")), ==, 30);
    CHECK(json_object_get(s, "tokens") == NULL);
    const char *keys[] = {"creates",      "replays",        "instances",      "resets_before",
                          "rate_limited", "quota_exceeded", "arrivals_bin_ms"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        CHECK(json_is_integer(json_object_get(s, keys[i])));
    json_decref(s);
    buf_release(&b);
    simstate_free(st);
}

/* 21 arrivals in the first 10 ms bin (20 of them at its end) and 20 in bin 100: the 1 s
 * window [t0 + 9.99 ms, t0 + 1009.99 ms) holds 40; 100 whole bins see at most 21, 101 see 41. */
static void test_window_bounds(void)
{
    struct simstate *st;
    CHECK_INT(simstate_new(3, &st), ==, 0);
    int64_t t0 = 5000000;
    simstate_arrival(st, t0, true);
    for (int i = 0; i < 20; i++)
        simstate_arrival(st, t0 + 9990, true);
    for (int i = 0; i < 20; i++)
        simstate_arrival(st, t0 + 1009000, true);
    struct buf b;
    buf_init(&b, SIMBUF_MAX);
    simstate_stats(st, false, &b);
    json_t *s = json_loads(buf_str(&b), 0, NULL);
    CHECK_INT(json_integer_value(json_object_get(s, "arrivals_max_1s")), ==, 21);
    CHECK_INT(json_integer_value(json_object_get(s, "arrivals_max_1s_upper")), ==, 41);
    json_decref(s);
    buf_release(&b);
    simstate_free(st);
}

/* ---- the state file ---- */

/* An order with every kind of member a record holds (and a name that needs escaping). */
static struct simorder *full_order(const char *token, int count)
{
    struct spec s;
    spec_init(&s);
    const enum field_id f[] = {FIELD_REGION_ID, FIELD_CLIENT_TOKEN, FIELD_NAME, FIELD_CHARGE_MODE};
    const char *v[] = {"cn-north-1", token, "web \"1\"\n", "prepaid_by_duration"};
    for (int i = 0; i < 4; i++) {
        s.present[f[i]] = v[i] != NULL;
        s.str[f[i]] = v[i];
    }
    s.present[FIELD_COUNT] = s.present[FIELD_BANDWIDTH] = s.present[FIELD_CHARGE_DURATION] = true;
    s.num[FIELD_COUNT] = count;
    s.num[FIELD_BANDWIDTH] = 7;
    s.num[FIELD_CHARGE_DURATION] = 3;
    struct simorder *o = simstate_order_new(&s, 1000, 1700000000);
    spec_release(&s);
    return o;
}

struct durable {
    pthread_mutex_t m;
    pthread_cond_t c;
    int calls;
    bool ok;
};

static void on_durable(void *arg, bool ok)
{
    struct durable *d = arg;
    pthread_mutex_lock(&d->m);
    d->calls++;
    d->ok = ok;
    pthread_cond_signal(&d->c);
    pthread_mutex_unlock(&d->m);
}

/* Wait (at most 30 s) for record seq; returns 1 when on disk, 0 when not, -1 no call. */
static int wait_durable(struct simstore *s, uint64_t seq)
{
    struct durable d = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false};
    struct simstore_waiter w;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    simstore_wait(s, &w, seq, on_durable, &d);
    pthread_mutex_lock(&d.m);
    while (d.calls == 0 && pthread_cond_timedwait(&d.c, &d.m, &until) == 0)
        ;
    int rc = d.calls == 1 ? d.ok : -1;
    pthread_mutex_unlock(&d.m);
    return rc;
}

/* Create (or replay) an order through the journal and wait for its record. */
static struct simstate_answer create_durably(struct simstore *s, struct simstate *st,
                                             struct simorder *o)
{
    struct simstate_answer a = {0};
    CHECK_INT(simstate_create(st, o, -1, &a), ==, 0);
    if (a.outcome != SIMSTATE_CREATED)
        free(o);
    CHECK(a.seq > 0 || a.outcome == SIMSTATE_REPLAYED); /* a restored order: 0, on disk */
    CHECK_INT(wait_durable(s, a.seq), ==, 1);
    return a;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = calloc(1, 1 << 20);
    *len = f && data ? fread(data, 1, (1 << 20) - 1, f) : 0;
    if (f)
        fclose(f);
    return data;
}

static void spill(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static int count_lines(const char *path)
{
    size_t len;
    char *data = slurp(path, &len);
    int n = 0;
    for (size_t i = 0; i < len; i++)
        n += data[i] == '\n';
    free(data);
    return n;
}

static bool visit_check(void *arg, const struct simorder *o, uint64_t serial)
{
    (void)serial;
    const struct simorder **seen = arg;
    *seen = o;
    return false;
}

static void test_store_restart(void)
{
    char dir[256], path[300], msg[512] = "";
    struct simstore *s, *again;
    struct simstate *st, *st2;
    CHECK_INT(tmpdir_make(dir, sizeof dir, "cpsbatch-simstore"), ==, 0);
    snprintf(path, sizeof path, "%s/state.jsonl", dir);
    CHECK_INT(simstore_open(path, 77, NULL, &s, &st, msg, sizeof msg), ==, 0);
    CHECK_INT(count_lines(path), ==, 1); /* the header, on disk before anything */
    struct stat sb;
    CHECK_INT(stat(path, &sb), ==, 0);
    CHECK_INT(sb.st_mode & 0777, ==, 0600);
    /* one cps-sim per file */
    CHECK_INT(simstore_open(path, 77, NULL, &again, &st2, msg, sizeof msg), ==, ERR_LOCKED);
    CHECK(strstr(msg, "in use by another cps-sim") != NULL);
    struct simstate_answer gone = create_durably(s, st, full_order("tok-gone", 2));
    create_durably(s, st, full_order(NULL, 1));
    uint64_t seq = simstate_reset(st);
    CHECK(seq > gone.seq);
    CHECK_INT(wait_durable(s, seq), ==, 1);
    struct simstate_answer kept = create_durably(s, st, full_order("tok-kept", 3));
    CHECK(kept.first == gone.first + 3);
    struct simstate_answer replay = create_durably(s, st, full_order("tok-kept", 1));
    CHECK_INT(replay.outcome, ==, SIMSTATE_REPLAYED);
    CHECK(replay.seq == kept.seq); /* a replay waits for the first answer's record */
    /* after a flush, a wait syncs in the caller's thread */
    simstore_flush(s);
    struct simstate_answer late = create_durably(s, st, full_order(NULL, 1));
    CHECK_INT(count_lines(path), ==, 6);
    simstore_free(s);
    simstate_free(st);

    /* restart: another default key, the file's wins; tokens, ids and fields come back */
    CHECK_INT(simstore_open(path, 99, NULL, &s, &st, msg, sizeof msg), ==, 0);
    CHECK(simstate_key(st) == 77);
    struct simstate_answer back = create_durably(s, st, full_order("tok-kept", 1));
    CHECK_INT(back.outcome, ==, SIMSTATE_REPLAYED);
    CHECK(back.first == kept.first);
    CHECK_INT(back.count, ==, 3);
    CHECK(back.seq == 0);
    const struct simorder *o = NULL;
    CHECK(simstate_find(st, kept.first + 2, visit_check, &o));
    CHECK(o != NULL);
    if (o) {
        CHECK_STR(simstate_order_text(o, FIELD_NAME), "web \"1\"\n");
        CHECK_STR(simstate_order_text(o, FIELD_CHARGE_MODE), "prepaid_by_duration");
        CHECK(simstate_order_text(o, FIELD_AZ) == NULL);
        CHECK_INT(o->bandwidth, ==, 7);
        CHECK_INT(o->charge_duration, ==, 3);
        CHECK_INT(o->created_wall, ==, 1700000000);
    }
    /* the reset holds: the token before it creates anew, on a serial never given out */
    CHECK(!simstate_find(st, gone.first, visit_check, &o));
    struct simstate_answer anew = create_durably(s, st, full_order("tok-gone", 1));
    CHECK_INT(anew.outcome, ==, SIMSTATE_CREATED);
    CHECK(anew.first == late.first + 1);
    struct buf b;
    buf_init(&b, SIMBUF_MAX);
    simstate_stats(st, true, &b);
    json_t *stats = json_loads(buf_str(&b), 0, NULL);
    CHECK_INT(json_integer_value(json_object_get(stats, "instances")), ==, 3 + 1 + 1);
    CHECK_INT(json_object_size(json_object_get(stats, "token_ids")), ==, 2);
    json_decref(stats);
    buf_release(&b);
    simstore_free(s);
    simstate_free(st);
    unlink(path);
    rmdir(dir);
}

/* A file of a header and two orders (tok-x with 2 ids, tok-y); its lines go to line[0..2]. */
static void make_state(const char *path, char line[3][1024])
{
    char msg[256];
    struct simstore *s;
    struct simstate *st;
    CHECK_INT(simstore_open(path, 5, NULL, &s, &st, msg, sizeof msg), ==, 0);
    create_durably(s, st, full_order("tok-x", 2));
    create_durably(s, st, full_order("tok-y", 1));
    simstore_free(s);
    simstate_free(st);
    size_t len;
    char *data = slurp(path, &len), *p = data;
    for (int i = 0; i < 3; i++) {
        char *nl = strchr(p, '\n');
        CHECK(nl != NULL && nl - p < 1000);
        snprintf(line[i], 1024, "%.*s\n", nl ? (int)(nl - p) : 0, p);
        p = nl ? nl + 1 : p;
    }
    free(data);
}

/* Open path; returns the result and what was said on the notes stream (or msg) in said. */
static int reopen(const char *path, char *said, size_t len)
{
    char *notes = NULL;
    size_t notes_len = 0;
    FILE *f = open_memstream(&notes, &notes_len);
    struct simstore *s;
    struct simstate *st;
    int rc = simstore_open(path, 5, f, &s, &st, said, len);
    fclose(f);
    if (rc == 0) {
        snprintf(said, len, "%s", notes);
        simstore_free(s);
        simstate_free(st);
    }
    free(notes);
    return rc;
}

static void test_store_torn_last_line(void)
{
    char dir[256], path[300], said[512], line[3][1024], text[4096];
    CHECK_INT(tmpdir_make(dir, sizeof dir, "cpsbatch-simstore"), ==, 0);
    snprintf(path, sizeof path, "%s/state.jsonl", dir);
    make_state(path, line);
    /* the last record cut in half (no newline): ignored, said, cut off */
    snprintf(text, sizeof text, "%s%s%.*s", line[0], line[1], (int)strlen(line[2]) / 2, line[2]);
    spill(path, text);
    CHECK_INT(reopen(path, said, sizeof said), ==, 0);
    CHECK(strstr(said, "state.jsonl:3: the last line is cut short") != NULL);
    size_t len;
    char *data = slurp(path, &len);
    CHECK_INT(len, ==, strlen(line[0]) + strlen(line[1]));
    free(data);
    /* a garbled last line with its newline: the same */
    snprintf(text, sizeof text, "%s%s%s{\"type\":\"ord\n", line[0], line[1], line[2]);
    spill(path, text);
    CHECK_INT(reopen(path, said, sizeof said), ==, 0);
    CHECK(strstr(said, "state.jsonl:4: the last line is garbled") != NULL);
    CHECK_INT(count_lines(path), ==, 3);
    CHECK_INT(reopen(path, said, sizeof said), ==, 0); /* clean now: nothing said */
    CHECK_STR(said, "");
    /* a header cut short: a new file */
    snprintf(text, sizeof text, "%.10s", line[0]);
    spill(path, text);
    CHECK_INT(reopen(path, said, sizeof said), ==, 0);
    CHECK(strstr(said, ":1: the last line is cut short") != NULL);
    CHECK_INT(count_lines(path), ==, 1);
    unlink(path);
    rmdir(dir);
}

static void test_store_corrupt(void)
{
    char dir[256], path[300], said[512], line[3][1024], text[4096], edited[1024];
    CHECK_INT(tmpdir_make(dir, sizeof dir, "cpsbatch-simstore"), ==, 0);
    snprintf(path, sizeof path, "%s/state.jsonl", dir);
    make_state(path, line);
    char *r = strstr(line[1], "\"regionId\"");
    CHECK(r != NULL);
    snprintf(edited, sizeof edited, "%.*s\"password\"%s", (int)(r - line[1]), line[1],
             r + strlen("\"regionId\""));
    char other_key[128];
    snprintf(other_key, sizeof other_key, "{\"type\":\"cps-sim-state\",\"v\":1,\"key\":6}\n");
    struct {
        const char *a, *b, *c, *want;
    } cases[] = {
        {line[0], "xx\n", line[2], ":2: not a JSON object"},
        {line[0], line[1], line[1], ":3: an order whose ids or clientToken an earlier line has"},
        {line[0], edited, line[2], ":2: an order has an unknown member \"password\""},
        {line[1], line[2], "", ":1: not a cps-sim state file"},
        {other_key, line[1], line[2], ":2: instance id cps-"},
        {line[0], "{\"type\":\"bogus\"}\n", line[2], ":2: not a record of a cps-sim state file"},
        /* a last line that parses is no torn write: refused as well */
        {line[0], line[1], "{\"type\":\"reset\"}\n", ":3: a reset needs \"next\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(text, sizeof text, "%s%s%s", cases[i].a, cases[i].b, cases[i].c);
        spill(path, text);
        said[0] = '\0';
        CHECK_INT(reopen(path, said, sizeof said), ==, ERR_CORRUPT);
        if (strstr(said, cases[i].want) == NULL || strstr(said, path) != said)
            CHECK_STR(said, cases[i].want);
        size_t len;
        char *data = slurp(path, &len);
        CHECK_INT(len, ==, strlen(text)); /* a refused file is left as it was */
        free(data);
    }
    unlink(path);
    rmdir(dir);
}

/* A record that cannot be written (the file size limit, a real EFBIG): its answer fails, and
 * so does every later one that needs the file; records already on disk still answer. */
static void test_store_broken(void)
{
    char dir[256], path[300], msg[256];
    struct simstore *s;
    struct simstate *st;
    struct rlimit was, small;
    CHECK_INT(tmpdir_make(dir, sizeof dir, "cpsbatch-simstore"), ==, 0);
    snprintf(path, sizeof path, "%s/state.jsonl", dir);
    CHECK_INT(simstore_open(path, 5, NULL, &s, &st, msg, sizeof msg), ==, 0);
    struct simstate_answer first = create_durably(s, st, full_order("tok-1", 1));
    struct stat sb;
    CHECK_INT(stat(path, &sb), ==, 0);
    signal(SIGXFSZ, SIG_IGN);
    CHECK_INT(getrlimit(RLIMIT_FSIZE, &was), ==, 0);
    small = was;
    small.rlim_cur = (rlim_t)sb.st_size + 10;
    CHECK_INT(setrlimit(RLIMIT_FSIZE, &small), ==, 0);
    struct simstate_answer a;
    CHECK_INT(simstate_create(st, full_order("tok-2", 1), -1, &a), ==, 0);
    CHECK_INT(wait_durable(s, a.seq), ==, 0);
    CHECK_INT(setrlimit(RLIMIT_FSIZE, &was), ==, 0);
    CHECK_INT(simstate_create(st, full_order("tok-3", 1), -1, &a), ==, 0);
    CHECK_INT(wait_durable(s, a.seq), ==, 0); /* broken stays broken */
    CHECK_INT(wait_durable(s, first.seq), ==, 1);
    simstore_free(s);
    simstate_free(st);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    test_create_replay_quota();
    test_ids();
    test_concurrent_tokens();
    test_reset();
    test_stats_shape();
    test_window_bounds();
    test_store_restart();
    test_store_torn_last_line();
    test_store_corrupt();
    test_store_broken();
    return check_done();
}
