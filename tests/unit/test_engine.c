/* test_engine.c - the run scheduler driven by hand: a fake port (fake_port.h) answered by the
 * test, a clock stepped by the test, a real ledger in a fresh directory and a real request
 * maker. No network, no sleeps, no threads; the jitter has a fixed seed, so every run is the
 * same run.
 */
#include "check.h"
#include "tmpfile.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backoff.h"
#include "engine.h"
#include "err.h"
#include "fake_port.h"
#include "ledger.h"
#include "request.h"

#define WALL0 INT64_C(1764547200) /* Mon, 01 Dec 2025 00:00:00 GMT */
#define T0 INT64_C(5000000)       /* the monotonic clock when each engine starts */
#define SEC INT64_C(1000000)
#define OK_BODY "{\"requestId\":\"req-ok\",\"result\":{\"instanceIds\":[\"i-1\",\"i-2\"]}}"
#define BACKOFF_CEILING(n) (BACKOFF_DEFAULT_BASE_US << ((n)-1)) /* retry n's jitter bound */
#define ERR_BODY(status) "{\"requestId\":\"req-e\",\"error\":{\"status\":\"" status "\"}}"

static char dir[256];

/* ---- The fixture ----------------------------------------------------------------------------- */

/* The source: rows 1..n, token "tok-%06ld", body {"clientToken":...,"name":...}. */
struct rows {
    long n, next;
};

static int rows_next(void *ctx, struct engine_item *it)
{
    struct rows *r = ctx;
    if (r->next >= r->n)
        return 0;
    long i = ++r->next;
    char body[128];
    snprintf(it->token, sizeof(it->token), "tok-%06ld", i);
    int len =
        snprintf(body, sizeof(body), "{\"clientToken\":\"%s\",\"name\":\"row-%ld\"}", it->token, i);
    it->row = i + 1;
    snprintf(it->region, sizeof(it->region), "cn-north-1");
    memset(it->digest, (int)(i & 0xff), sizeof(it->digest));
    it->needs_intent = true;
    it->body = strdup(body);
    it->body_len = (size_t)len;
    return it->body ? 1 : ERR_NOMEM;
}

struct fx {
    struct fake_rig rig; /* ledger, maker, port */
    struct rows rows;
    struct engine_config cfg;
    struct engine_stats st;
    struct engine *e;
    atomic_int stop;
    int64_t now;
};

static struct fx fixture;

/* A fresh fixture with n rows and the defaults; the test may change cfg before fx_start. */
static struct fx *fx_init(const char *name, long n)
{
    struct fx *f = &fixture;
    memset(f, 0, sizeof(*f));
    CHECK_INT(fake_rig_open(&f->rig, dir, name), ==, 0);
    f->rows.n = n;
    f->now = T0;
    f->cfg = (struct engine_config){.rate = 0,
                                    .concurrency = 8,
                                    .max_attempts = 5,
                                    .drain_us = 2 * SEC,
                                    .stop = &f->stop,
                                    .wall_offset_us = WALL0 * SEC - T0,
                                    .seed = 42};
    return f;
}

static void fx_start(struct fx *f)
{
    CHECK_INT(engine_new(&f->cfg, rows_next, &f->rows, f->rig.ledger, f->rig.port.port,
                         f->rig.maker, &f->st, f->now, &f->e),
              ==, 0);
}

/* End the engine, release everything; engine_end's result. */
static int fx_end(struct fx *f)
{
    int rc = engine_end(f->e);
    fake_rig_close(&f->rig);
    return rc;
}

static int64_t advance(struct fx *f)
{
    return engine_advance(f->e, f->now);
}

/* Hand every ready answer to the engine at f->now. */
static size_t pump(struct fx *f)
{
    struct http_response *out[64];
    size_t n, total = 0;
    while ((n = port_poll_until(&f->rig.port.port, out, 64, 0)) > 0) {
        for (size_t i = 0; i < n; i++)
            engine_answer(f->e, out[i], f->now);
        total += n;
    }
    return total;
}

/* Answer pending request i now and give the answer to the engine. */
static void answer(struct fx *f, size_t i, long status, const char *body, const char *ra)
{
    CHECK_INT(i, <, f->rig.port.n_pending);
    if (i >= f->rig.port.n_pending)
        return;
    fake_port_answer(&f->rig.port, i, status, body, ra, f->now);
    pump(f);
}

static void answer_all(struct fx *f, long status, const char *body)
{
    while (f->rig.port.n_pending)
        fake_port_answer(&f->rig.port, 0, status, body, NULL, f->now);
    pump(f);
}

/* Let the row waiting to retry go: step the clock to its due time and advance. */
static void resend(struct fx *f)
{
    int64_t wake = advance(f);
    if (wake != ENGINE_IDLE)
        f->now = wake;
    advance(f);
}

static const char *token_of(long i)
{
    static char buf[4][32];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof(buf[k]), "tok-%06ld", i);
    return buf[k];
}

/* ---- Reading the ledger file ----------------------------------------------------------------- */

static bool streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* How many records of type (NULL: any) the file holds for token, after a sync; *first_line
 * (may be NULL) gets the line of the first (the header is line 1). */
static int records(struct fx *f, const char *token, const char *type, int *first_line)
{
    CHECK_INT(ledger_sync(f->rig.ledger), ==, 0);
    FILE *fp = fopen(f->rig.path, "r");
    char line[4096];
    int n = 0, lineno = 0;
    while (fp && fgets(line, sizeof(line), fp)) {
        lineno++;
        json_t *j = json_loads(line, 0, NULL);
        if (streq(json_string_value(json_object_get(j, "token")), token) &&
            (!type || streq(json_string_value(json_object_get(j, "type")), type))) {
            if (n++ == 0 && first_line)
                *first_line = lineno;
        }
        json_decref(j);
    }
    if (fp)
        fclose(fp);
    return n;
}

/* Attempt record n of token (new reference), or NULL. */
static json_t *attempt_record(struct fx *f, const char *token, int n)
{
    ledger_sync(f->rig.ledger);
    FILE *fp = fopen(f->rig.path, "r");
    char line[4096];
    json_t *found = NULL;
    while (fp && fgets(line, sizeof(line), fp)) {
        json_t *j = json_loads(line, 0, NULL);
        if (streq(json_string_value(json_object_get(j, "token")), token) &&
            streq(json_string_value(json_object_get(j, "type")), "attempt") &&
            json_integer_value(json_object_get(j, "n")) == n) {
            json_decref(found);
            found = json_incref(j);
        }
        json_decref(j);
    }
    if (fp)
        fclose(fp);
    return found;
}

/* wait_ms of attempt record n of token, or -1. */
static long long attempt_wait_ms(struct fx *f, const char *token, int n)
{
    json_t *j = attempt_record(f, token, n);
    long long wait = j ? json_integer_value(json_object_get(j, "wait_ms")) : -1;
    json_decref(j);
    return wait;
}

/* A header of a request ("Name: value"), or NULL. */
static const char *header_of(const struct http_request *r, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < r->hdr_count; i++) {
        const char *h = http_request_header(r, i);
        if (h && strncmp(h, name, len) == 0 && h[len] == ':')
            return h + len + 2;
    }
    return NULL;
}

/* ---- Records --------------------------------------------------------------------------------- */

/* The intent is written before the first send: with a port that refuses every request, the
 * intent is there all the same and the row is left in doubt (nothing was sent). */
static void test_intent_before_send(void)
{
    struct fx *f = fx_init("intent", 1);
    f->rig.port.refuse = true;
    fx_start(f);
    CHECK(ledger_find(f->rig.ledger, token_of(1)) == NULL);
    advance(f);
    CHECK_INT(f->rig.port.submits, ==, 0);
    const struct ledger_entry *en = ledger_find(f->rig.ledger, token_of(1));
    CHECK(en && en->state == LEDGER_INTENT && en->row == 2);
    CHECK_INT(f->st.sent, ==, 0);
    CHECK_INT(f->st.in_doubt, ==, 1);
    CHECK(engine_finished(f->e));
    CHECK_INT(fx_end(f), ==, ERR_STOPPED);
}

/* A 200 writes done (instance ids, request id, attempts), a 400 writes failed; each after its
 * intent. The request is signed with the wall clock now + wall_offset. */
static void test_done_and_failed(void)
{
    struct fx *f = fx_init("final", 2);
    fx_start(f);
    f->now = T0 + 61 * SEC;
    advance(f);
    CHECK_INT(f->rig.port.n_pending, ==, 2);
    CHECK_INT(f->st.inflight, ==, 2);
    CHECK_STR(header_of(f->rig.port.pending[0], "x-jdcloud-date"), "20251201T000101Z");
    answer(f, 0, 200, OK_BODY, NULL);
    answer(f, 0, 400,
           "{\"requestId\":\"req-f\",\"error\":{\"status\":\"INVALID_ARGUMENT\","
           "\"message\":\"bad az\"}}",
           NULL);
    const struct ledger_entry *d = ledger_find(f->rig.ledger, token_of(1));
    CHECK(d && d->state == LEDGER_DONE);
    if (d && d->state == LEDGER_DONE) {
        CHECK_INT(d->n_instance_ids, ==, 2);
        CHECK_STR(d->instance_ids[0], "i-1");
        CHECK_STR(d->instance_ids[1], "i-2");
        CHECK_STR(d->request_id, "req-ok");
        CHECK_INT(d->attempts, ==, 1);
    }
    const struct ledger_entry *x = ledger_find(f->rig.ledger, token_of(2));
    CHECK(x && x->state == LEDGER_FAILED);
    if (x && x->state == LEDGER_FAILED) {
        CHECK_INT(x->http, ==, 400);
        CHECK_STR(x->status, "INVALID_ARGUMENT");
        CHECK_STR(x->message, "bad az");
        CHECK_STR(x->request_id, "req-f");
    }
    int intent_line = 0, done_line = 0;
    CHECK_INT(records(f, token_of(1), "intent", &intent_line), ==, 1);
    CHECK_INT(records(f, token_of(1), "done", &done_line), ==, 1);
    CHECK_INT(intent_line, <, done_line);
    CHECK_INT(f->st.done, ==, 1);
    CHECK_INT(f->st.failed, ==, 1);
    CHECK_INT(f->st.instances, ==, 2);
    CHECK_INT(f->st.inflight, ==, 0);
    advance(f);
    CHECK(engine_finished(f->e));
    CHECK_INT(fx_end(f), ==, 0);
}

/* ---- Retries --------------------------------------------------------------------------------- */

/* Every retry of a row is the same body, byte for byte (so the same clientToken); it is not
 * sent before its backoff ends, and is sent when it does; out of attempts, the row is left in
 * doubt: intent and attempts in the ledger, no final record. */
static void test_retry_same_body(void)
{
    struct fx *f = fx_init("same", 1);
    f->cfg.max_attempts = 4;
    fx_start(f);
    advance(f);
    char first[128] = "";
    snprintf(first, sizeof(first), "%.*s", (int)f->rig.port.pending[0]->body_len,
             f->rig.port.pending[0]->body);
    CHECK(strstr(first, "\"clientToken\":\"tok-000001\"") != NULL);
    int64_t total_delay = 0;
    for (int n = 1; n <= 3 && f->rig.port.n_pending == 1; n++) {
        const struct http_request *r = f->rig.port.pending[0];
        CHECK_INT(r->body_len, ==, strlen(first));
        CHECK(memcmp(r->body, first, strlen(first)) == 0);
        answer(f, 0, 500, ERR_BODY("INTERNAL"), NULL);
        CHECK_INT(f->st.waiting, ==, 1);
        int64_t wake = advance(f), delay = wake - f->now;
        total_delay += delay;
        CHECK_INT(delay, >=, 0);
        CHECK_INT(delay, <, BACKOFF_CEILING(n));
        CHECK_INT(attempt_wait_ms(f, token_of(1), n), ==, delay / 1000);
        f->now = wake - 1;
        advance(f);
        CHECK_INT(f->rig.port.submits, ==, (size_t)n);
        f->now = wake;
        advance(f);
        CHECK_INT(f->rig.port.submits, ==, (size_t)n + 1);
    }
    CHECK_INT(total_delay, >, 0);
    answer(f, 0, 500, ERR_BODY("INTERNAL"), NULL);
    CHECK_INT(f->st.in_doubt, ==, 1);
    CHECK_INT(f->st.exhausted, ==, 1);
    CHECK_INT(f->st.retries, ==, 3);
    CHECK_INT(records(f, token_of(1), "intent", NULL), ==, 1);
    CHECK_INT(records(f, token_of(1), "attempt", NULL), ==, 4);
    CHECK_INT(records(f, token_of(1), "done", NULL) + records(f, token_of(1), "failed", NULL), ==,
              0);
    CHECK(engine_finished(f->e));
    CHECK_INT(fx_end(f), ==, 0);
}

/* Many rows failing together: each wait is within the jittered bounds of backoff.h
 * ([0, 100 ms) for the first retry, [0, 200 ms) for the second), and the waits are spread
 * over that range rather than equal. 50 rows: two retries each spend the whole budget. */
static void test_backoff_bounds(void)
{
    struct fx *f = fx_init("bounds", 50);
    f->cfg.concurrency = 50;
    f->cfg.max_attempts = 3;
    fx_start(f);
    for (int n = 1; n <= 2; n++) {
        advance(f);
        CHECK_INT(f->rig.port.n_pending, ==, 50);
        answer_all(f, 502, ERR_BODY("BAD_GATEWAY"));
        CHECK_INT(f->st.waiting, ==, 50);
        long long lo = 1 << 30, hi = -1;
        for (long i = 1; i <= 50; i++) {
            long long w = attempt_wait_ms(f, token_of(i), n);
            lo = w < lo ? w : lo;
            hi = w > hi ? w : hi;
        }
        CHECK_INT(lo, >=, 0);
        CHECK_INT(hi, <, BACKOFF_CEILING(n) / 1000);
        CHECK_INT(hi - lo, >=, BACKOFF_CEILING(n) / 2000);
        f->now += BACKOFF_CEILING(n);
    }
    advance(f);
    answer_all(f, 500, ERR_BODY("INTERNAL"));
    CHECK_INT(f->st.in_doubt, ==, 50);
    CHECK_INT(f->st.exhausted, ==, 50);
    CHECK_INT(f->st.sent, ==, 150);
    advance(f); /* the source has not said it is empty yet */
    CHECK(engine_finished(f->e));
    CHECK_INT(fx_end(f), ==, 0);
}

/* Retry-After as seconds, then as an HTTP-date read against now + wall_offset: the wait is
 * exactly what the server asked (the jitter of a first retry is below 100 ms). */
static void test_retry_after(void)
{
    struct fx *f = fx_init("ra", 1);
    fx_start(f);
    advance(f);
    answer(f, 0, 503, ERR_BODY("UNAVAILABLE"), "3");
    CHECK_INT(advance(f) - f->now, ==, 3 * SEC);
    CHECK_INT(attempt_wait_ms(f, token_of(1), 1), ==, 3000);
    f->now += 3 * SEC;
    advance(f);
    answer(f, 0, 429, ERR_BODY("RATE_LIMIT"), "Mon, 01 Dec 2025 00:00:10 GMT");
    CHECK_INT(advance(f) - f->now, ==, 7 * SEC);
    f->now += 7 * SEC;
    advance(f);
    CHECK_INT(f->rig.port.submits, ==, 3);
    answer(f, 0, 429, ERR_BODY("RATE_LIMIT"), "Mon, 01 Dec 2025 00:00:12 GMT");
    CHECK_INT(advance(f) - f->now, ==, 2 * SEC);
    f->now += 2 * SEC;
    advance(f);
    answer(f, 0, 200, OK_BODY, NULL);
    CHECK_INT(f->st.done, ==, 1);
    CHECK_INT(fx_end(f), ==, 0);
}

/* The error of attempt record n of token ("" when it has none), in buf. */
static const char *attempt_message(struct fx *f, const char *token, int n, char *buf, size_t len)
{
    json_t *j = attempt_record(f, token, n);
    const char *m = json_string_value(json_object_get(j, "error"));
    snprintf(buf, len, "%s", m ? m : "");
    json_decref(j);
    return buf;
}

/* A Retry-After longer than max_retry_wait_us leaves the row in doubt at once, saying why, and
 * the others go on; one within it is waited for, and the stats say how long is left. Seconds,
 * an HTTP-date far ahead and a number too large for microseconds alike. */
static void test_retry_wait_capped(void)
{
    static const char *const too_long[] = {"99999999", "Fri, 01 Jan 2100 00:00:00 GMT",
                                           "99999999999999999999", "301"};
    for (size_t i = 0; i < sizeof(too_long) / sizeof(too_long[0]); i++) {
        struct fx *f = fx_init(i == 0 ? "cap0" : i == 1 ? "cap1" : i == 2 ? "cap2" : "cap3", 2);
        fx_start(f);
        advance(f);
        CHECK_INT(f->st.next_retry_us, ==, -1);
        answer(f, 0, 503, ERR_BODY("UNAVAILABLE"), too_long[i]);
        CHECK_INT(f->st.in_doubt, ==, 1);
        CHECK_INT(f->st.wait_refused, ==, 1);
        CHECK_INT(f->st.waiting, ==, 0);
        char msg[300];
        attempt_message(f, token_of(1), 1, msg, sizeof(msg));
        CHECK(strstr(msg, "more than --max-retry-wait (300 s)") != NULL);
        CHECK_INT(records(f, token_of(1), "done", NULL), ==, 0);
        answer(f, 0, 200, OK_BODY, NULL); /* the other row is not held up */
        advance(f);
        CHECK_INT(f->st.done, ==, 1);
        CHECK(engine_finished(f->e));
        CHECK_INT(f->rig.port.submits, ==, 2);
        CHECK_INT(fx_end(f), ==, 0);
    }
    struct fx *f = fx_init("cap-ok", 1);
    f->cfg.max_retry_wait_us = 10 * SEC;
    fx_start(f);
    advance(f);
    answer(f, 0, 503, ERR_BODY("UNAVAILABLE"), "10"); /* at the cap: waited for */
    CHECK_INT(advance(f) - f->now, ==, 10 * SEC);
    CHECK_INT(f->st.next_retry_us, ==, 10 * SEC);
    f->now += 4 * SEC;
    advance(f);
    CHECK_INT(f->st.next_retry_us, ==, 6 * SEC);
    f->now += 6 * SEC;
    advance(f);
    answer(f, 0, 503, ERR_BODY("UNAVAILABLE"), "11"); /* past this engine's cap */
    CHECK_INT(f->st.wait_refused, ==, 1);
    char msg[300];
    CHECK(strstr(attempt_message(f, token_of(1), 2, msg, sizeof(msg)),
                 "asked to wait 11 s (Retry-After), more than --max-retry-wait (10 s)") != NULL);
    CHECK_INT(fx_end(f), ==, 0);
}

/* A fresh engine (same seed) whose row fails `fails` times; the last answer carries
 * Retry-After ra (NULL: none). The wait it then chooses. */
static int64_t delay_after(const char *name, int fails, const char *ra)
{
    struct fx *f = fx_init(name, 1);
    f->cfg.max_attempts = 20;
    fx_start(f);
    advance(f);
    for (int n = 1; n < fails; n++) {
        answer(f, 0, 500, ERR_BODY("INTERNAL"), NULL);
        resend(f);
    }
    answer(f, 0, 500, ERR_BODY("INTERNAL"), ra);
    int64_t delay = advance(f) - f->now;
    CHECK_INT(f->rig.port.submits, ==, fails);
    CHECK_INT(fx_end(f), ==, 0);
    return delay;
}

/* The longer of the jittered backoff and Retry-After wins, either way round. */
static void test_longer_wins(void)
{
    int64_t jitter = delay_after("w0", 8, NULL); /* ceiling 12.8 s */
    CHECK_INT(jitter, >=, 2 * SEC);              /* so that a shorter Retry-After exists */
    char shorter[16], longer[16];
    snprintf(shorter, sizeof(shorter), "%lld", (long long)(jitter / SEC / 2));
    snprintf(longer, sizeof(longer), "%lld", (long long)(jitter / SEC + 2));
    CHECK_INT(delay_after("w1", 8, shorter), ==, jitter);
    CHECK_INT(delay_after("w2", 8, longer), ==, (jitter / SEC + 2) * SEC);
}

/* With no success at all, the retry budget (500, 5 a retry) allows 100 retries: the 101st
 * failure leaves the row in doubt though attempts remain. */
static void test_budget_exhausted(void)
{
    struct fx *f = fx_init("budget", 1);
    f->cfg.max_attempts = 1000;
    fx_start(f);
    advance(f);
    for (int i = 0; i < 200 && f->rig.port.n_pending; i++) {
        answer(f, 0, 500, ERR_BODY("INTERNAL"), NULL);
        resend(f);
    }
    CHECK_INT(f->st.sent, ==, 101);
    CHECK_INT(f->st.retries, ==, 100);
    CHECK_INT(f->st.exhausted, ==, 1);
    CHECK_INT(f->st.in_doubt, ==, 1);
    CHECK_INT(records(f, token_of(1), "intent", NULL), ==, 1);
    CHECK_INT(records(f, token_of(1), "attempt", NULL), ==, 101);
    CHECK_INT(records(f, token_of(1), "done", NULL) + records(f, token_of(1), "failed", NULL), ==,
              0);
    const struct ledger_entry *en = ledger_find(f->rig.ledger, token_of(1));
    CHECK(en && en->state == LEDGER_INTENT);
    CHECK(engine_finished(f->e));
    CHECK_INT(fx_end(f), ==, 0);
}

/* ---- Stopping -------------------------------------------------------------------------------- */

/* The first stop: a row waiting to retry is left in doubt, nothing new starts, answers in
 * flight are still recorded (a retryable one is not retried); at the drain deadline the port is
 * stopped and what it aborts is left in doubt (intent, no final record); rows never pulled are not
 * in the ledger. */
static void test_drain(void)
{
    struct fx *f = fx_init("drain", 6);
    f->cfg.concurrency = 3;
    fx_start(f);
    advance(f);
    answer(f, 0, 503, ERR_BODY("UNAVAILABLE"), "10"); /* row 1 waits 10 s */
    advance(f);                                       /* row 4 takes its slot */
    CHECK_INT(f->rig.port.submits, ==, 4);
    CHECK_INT(f->st.waiting, ==, 1);
    atomic_store(&f->stop, 1);
    int64_t stop_at = f->now, wake = advance(f);
    CHECK(f->st.interrupted);
    CHECK_INT(wake, ==, stop_at + 2 * SEC);
    CHECK_INT(f->st.waiting, ==, 0);
    CHECK_INT(f->st.in_doubt, ==, 1);
    CHECK(!f->rig.port.stopped);
    answer(f, 0, 200, OK_BODY, NULL); /* row 2 */
    const struct ledger_entry *en = ledger_find(f->rig.ledger, token_of(2));
    CHECK(en && en->state == LEDGER_DONE);
    answer(f, 0, 500, ERR_BODY("INTERNAL"), NULL); /* row 3: no retry while stopping */
    CHECK_INT(f->st.waiting, ==, 0);
    CHECK_INT(f->st.in_doubt, ==, 2);
    CHECK_INT(attempt_wait_ms(f, token_of(3), 1), ==, 0);
    f->now = stop_at + SEC;
    advance(f);
    CHECK_INT(f->rig.port.submits, ==, 4);
    CHECK(!f->rig.port.stopped);
    CHECK(!engine_finished(f->e));
    f->now = stop_at + 2 * SEC;
    CHECK_INT(advance(f), ==, ENGINE_IDLE);
    CHECK(f->rig.port.stopped);
    CHECK_INT(f->rig.port.stop_deadline, ==, f->now);
    fake_port_abort_all(&f->rig.port, f->now);
    pump(f);
    CHECK(engine_finished(f->e));
    CHECK_INT(f->st.in_doubt, ==, 3);
    CHECK_INT(f->st.done, ==, 1);
    for (long i = 3; i <= 4; i++) {
        en = ledger_find(f->rig.ledger, token_of(i));
        CHECK(en && en->state == LEDGER_INTENT);
        CHECK_INT(records(f, token_of(i), "intent", NULL), ==, 1);
    }
    CHECK_INT(records(f, token_of(3), NULL, NULL), ==, 2); /* intent, attempt */
    CHECK_INT(records(f, token_of(4), NULL, NULL), ==, 1); /* aborted: intent only */
    CHECK(ledger_find(f->rig.ledger, token_of(5)) == NULL);
    CHECK(ledger_find(f->rig.ledger, token_of(6)) == NULL);
    CHECK_INT(fx_end(f), ==, 0);
}

/* A second stop brings the drain deadline to now: the port is stopped at once. */
static void test_second_stop(void)
{
    struct fx *f = fx_init("second", 3);
    f->cfg.drain_us = 30 * SEC;
    fx_start(f);
    advance(f);
    atomic_store(&f->stop, 1);
    CHECK_INT(advance(f), ==, f->now + 30 * SEC);
    CHECK(!f->rig.port.stopped);
    f->now += 1000;
    atomic_store(&f->stop, 2);
    advance(f);
    CHECK(f->rig.port.stopped);
    CHECK_INT(f->rig.port.stop_deadline, ==, f->now);
    fake_port_abort_all(&f->rig.port, f->now);
    pump(f);
    CHECK(engine_finished(f->e));
    CHECK_INT(f->st.in_doubt, ==, 3);
    CHECK_INT(fx_end(f), ==, 0);
}

/* 403 stops the batch with the API's message: nothing new starts, the answers in flight are
 * still recorded. */
static void test_auth_stop(void)
{
    struct fx *f = fx_init("auth", 5);
    f->cfg.concurrency = 2;
    fx_start(f);
    advance(f);
    answer(f, 0, 403, "{\"error\":{\"status\":\"FORBIDDEN\",\"message\":\"signature mismatch\"}}",
           NULL);
    advance(f);
    CHECK(f->st.auth_stopped);
    CHECK(strstr(f->st.stop_message, "HTTP 403") != NULL);
    CHECK(strstr(f->st.stop_message, "signature mismatch") != NULL);
    CHECK_INT(f->rig.port.submits, ==, 2);
    answer(f, 0, 200, OK_BODY, NULL);
    advance(f);
    CHECK_INT(f->rig.port.submits, ==, 2);
    CHECK_INT(f->st.done, ==, 1);
    CHECK_INT(f->st.in_doubt, ==, 1);
    CHECK(engine_finished(f->e));
    CHECK_INT(fx_end(f), ==, 0);
}

/* ---- Pace ------------------------------------------------------------------------------------ */

/* Step from wake to wake until `until`, answering every request at once with status; returns
 * how many were sent. */
static long run_until(struct fx *f, int64_t until, long status, const char *body)
{
    size_t before = f->rig.port.submits;
    while (f->now < until) {
        int64_t wake = advance(f);
        answer_all(f, status, body);
        f->now = wake > f->now ? (wake < until ? wake : until) : f->now + 1;
    }
    return (long)(f->rig.port.submits - before);
}

/* Never more than `concurrency` requests out; a full cap has nothing to wake for. */
static void test_concurrency_cap(void)
{
    struct fx *f = fx_init("cap", 20);
    f->cfg.concurrency = 3;
    fx_start(f);
    size_t most = 0;
    for (int i = 0; i < 100 && !engine_finished(f->e); i++) {
        int64_t wake = advance(f);
        most = f->rig.port.n_pending > most ? f->rig.port.n_pending : most;
        if (f->rig.port.n_pending == 3)
            CHECK_INT(wake, ==, ENGINE_IDLE);
        if (f->rig.port.n_pending)
            answer(f, 0, 200, OK_BODY, NULL);
    }
    CHECK_INT(most, ==, 3);
    CHECK_INT(f->st.done, ==, 20);
    CHECK_INT(f->rig.port.submits, ==, 20);
    CHECK_INT(fx_end(f), ==, 0);
}

/* Rate 10/s with a burst of 5: 5 at once, then one every 100 ms, so 14 in the first second of
 * stepped time and 10 in the next. */
static void test_rate_pacing(void)
{
    struct fx *f = fx_init("rate", 100);
    f->cfg.rate = 10;
    f->cfg.burst = 5;
    f->cfg.concurrency = 100;
    fx_start(f);
    int64_t wake = advance(f);
    CHECK_INT(f->rig.port.n_pending, ==, 5);
    CHECK_INT(wake, ==, T0 + 100000);
    CHECK_INT(run_until(f, T0 + SEC, 200, OK_BODY), ==, 9);
    CHECK_INT(run_until(f, T0 + 2 * SEC, 200, OK_BODY), ==, 10);
    CHECK_INT(f->st.done, ==, 24);
    run_until(f, T0 + 20 * SEC, 200, OK_BODY);
    CHECK_INT(f->st.done, ==, 100);
    CHECK_INT(fx_end(f), ==, 0);
}

/* 429 RATE_LIMIT cuts the rate (to 0.7 of what was sent) and sends slow down; successes bring
 * it back to the configured rate; a 503 with Retry-After cuts it too, a lone plain 503 does
 * not (test_adapt.c: only when plain 503s dominate). */
static void test_adapt(void)
{
    struct fx *f = fx_init("adapt", 10000);
    f->cfg.rate = 100;
    f->cfg.burst = 1;
    f->cfg.adapt = true;
    f->cfg.concurrency = 1000;
    fx_start(f);
    CHECK_INT(run_until(f, T0 + 3 * SEC, 200, OK_BODY), >=, 299);
    CHECK_DBL(f->st.rate, ==, 100);
    while (!f->rig.port.n_pending)
        f->now = advance(f);
    answer(f, 0, 429, ERR_BODY("RATE_LIMIT"), NULL);
    CHECK_DBL(f->st.rate, <=, 70.001);
    CHECK_DBL(f->st.rate, >=, 60);
    CHECK_INT(run_until(f, f->now + SEC, 200, OK_BODY), <, 90);
    run_until(f, f->now + 15 * SEC, 200, OK_BODY);
    CHECK_DBL(f->st.rate, ==, 100);
    while (!f->rig.port.n_pending)
        f->now = advance(f);
    answer(f, 0, 503, ERR_BODY("UNAVAILABLE"), NULL);
    CHECK_DBL(f->st.rate, ==, 100);
    while (!f->rig.port.n_pending)
        f->now = advance(f);
    answer(f, 0, 503, ERR_BODY("UNAVAILABLE"), "1");
    CHECK_DBL(f->st.rate, <=, 70.001);
    atomic_store(&f->stop, 2);
    advance(f);
    fake_port_abort_all(&f->rig.port, f->now);
    pump(f);
    CHECK(engine_finished(f->e));
    CHECK_INT(fx_end(f), ==, 0);
}

int main(void)
{
    if (tmpdir_make(dir, sizeof(dir), "test_engine"))
        return 1;
    test_intent_before_send();
    test_done_and_failed();
    test_retry_same_body();
    test_backoff_bounds();
    test_retry_after();
    test_retry_wait_capped();
    test_longer_wins();
    test_budget_exhausted();
    test_drain();
    test_second_stop();
    test_auth_stop();
    test_concurrency_cap();
    test_rate_pacing();
    test_adapt();
    return check_done();
}
