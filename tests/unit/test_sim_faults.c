/* test_sim_faults.c - every fault knob of cps-sim over real HTTP, each checked so that it
 * would fail if the knob did nothing: 503/429/500 probabilities, Retry-After, resets before
 * and after the create, the quota, the server rate limit (503, 429, Retry-After), latency and
 * jitter (without blocking other connections), the seed, all_calls, signatures (good, tampered,
 * wrong key, stale date, the official vectors), and /__sim/ never being subject to faults. */
#include <jansson.h>
#include <pthread.h>
#include <time.h>

#include "check.h"
#include "sign.h"
#include "simauth.h"
#include "simtest.h"
#include "vectors.h"

static unsigned port;

static void fresh(const char *faults)
{
    struct simtest_resp r;
    simtest_call(port, "POST", "/__sim/reset", NULL, &r);
    simtest_release(&r);
    CHECK_INT(simtest_faults(port, "{\"p503\":0,\"p429\":0,\"p500\":0,\"reset_before\":0,"
                                   "\"reset_after\":0,\"latency_ms\":0,\"jitter_ms\":0,"
                                   "\"rate_limit\":0,\"rate_burst\":0,\"limit_status\":503,"
                                   "\"retry_after\":-1,\"quota\":-1,\"all_calls\":false,"
                                   "\"verify_signatures\":false,\"clock\":0}"),
              ==, 200);
    if (faults)
        CHECK_INT(simtest_faults(port, faults), ==, 200);
}

/* n creates with fresh tokens; counts answers with status want and error status word. */
static int creates_with(int n, long want, const char *word, const char *retry_after)
{
    int hits = 0;
    for (int i = 0; i < n; i++) {
        struct simtest_resp r;
        char token[32];
        snprintf(token, sizeof token, "f-%ld-%d-%d", want, i, rand());
        simtest_create(port, token, 1, &r);
        json_t *j = simtest_json(&r);
        hits += r.status == want &&
                (!word || strcmp(simtest_error_field(j, "status"), word) == 0) &&
                (!retry_after || strcmp(r.retry_after, retry_after) == 0);
        json_decref(j);
        simtest_release(&r);
    }
    return hits;
}

static void test_status_faults(void)
{
    fresh("{\"p503\":1}");
    CHECK_INT(creates_with(10, 503, "UNAVAILABLE", ""), ==, 10);
    CHECK_INT(simtest_stat(port, "creates"), ==, 0);
    fresh("{\"p503\":1,\"retry_after\":7}");
    CHECK_INT(creates_with(5, 503, "UNAVAILABLE", "7"), ==, 5);
    fresh("{\"p429\":1}");
    CHECK_INT(creates_with(10, 429, "RATE_LIMIT", ""), ==, 10);
    fresh("{\"p429\":1,\"retry_after\":0}");
    CHECK_INT(creates_with(3, 429, "RATE_LIMIT", "0"), ==, 3);
    fresh("{\"p500\":1,\"retry_after\":5}");
    CHECK_INT(creates_with(10, 500, "INTERNAL", ""), ==, 10); /* no Retry-After with 500 */
    CHECK_INT(simtest_stat(port, "instances"), ==, 0);
    fresh("{\"p503\":0.5}");
    int n = creates_with(200, 503, NULL, NULL);
    CHECK_INT(n, >, 60);
    CHECK_INT(n, <, 140);
    CHECK_INT(simtest_stat(port, "creates"), ==, 200 - n);
    fresh(NULL);
    CHECK_INT(creates_with(10, 200, NULL, NULL), ==, 10);
}

static void test_resets(void)
{
    struct simtest_resp r;
    fresh("{\"reset_before\":1}");
    simtest_create(port, "reset-b", 1, &r);
    CHECK(r.curl_rc == CURLE_GOT_NOTHING || r.curl_rc == CURLE_RECV_ERROR);
    CHECK_INT(r.status, ==, 0);
    simtest_release(&r);
    json_t *s = simtest_stats(port);
    CHECK_INT(json_integer_value(json_object_get(s, "creates")), ==, 0);
    CHECK_INT(json_integer_value(json_object_get(s, "instances")), ==, 0);
    CHECK_INT(json_integer_value(json_object_get(s, "resets_before")), ==, 1);
    CHECK_INT(json_integer_value(json_object_get(s, "requests")), ==, 1);
    CHECK_INT(json_array_size(json_object_get(s, "arrivals_per_s")), ==, 1);
    json_decref(s);
    fresh("{\"reset_after\":1}");
    simtest_create(port, "reset-a", 2, &r);
    CHECK(r.curl_rc == CURLE_GOT_NOTHING || r.curl_rc == CURLE_RECV_ERROR);
    simtest_release(&r);
    s = simtest_stats(port);
    CHECK_INT(json_integer_value(json_object_get(s, "creates")), ==, 1);
    CHECK_INT(json_integer_value(json_object_get(s, "instances")), ==, 2);
    CHECK_INT(json_integer_value(json_object_get(s, "resets_after")), ==, 1);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(s, "tokens"), "reset-a")), ==, 1);
    json_decref(s);
    /* the retry with the same token gets the ids the lost answer had, and creates nothing */
    CHECK_INT(simtest_faults(port, "{\"reset_after\":0}"), ==, 200);
    simtest_create(port, "reset-a", 2, &r);
    CHECK_INT(r.status, ==, 200);
    simtest_release(&r);
    CHECK_INT(simtest_stat(port, "instances"), ==, 2);
    CHECK_INT(simtest_stat(port, "replays"), ==, 1);
}

static void test_quota(void)
{
    struct simtest_resp r;
    fresh("{\"quota\":3}");
    simtest_create(port, "q1", 2, &r);
    CHECK_INT(r.status, ==, 200);
    simtest_release(&r);
    simtest_create(port, "q2", 2, &r);
    CHECK_INT(r.status, ==, 429);
    json_t *j = simtest_json(&r);
    CHECK_STR(simtest_error_field(j, "status"), "QUOTA_EXCEEDED");
    json_decref(j);
    simtest_release(&r);
    simtest_create(port, "q3", 1, &r);
    CHECK_INT(r.status, ==, 200);
    simtest_release(&r);
    simtest_create(port, "q1", 2, &r); /* a replay needs no quota */
    CHECK_INT(r.status, ==, 200);
    simtest_release(&r);
    CHECK_INT(simtest_stat(port, "instances"), ==, 3);
    CHECK_INT(simtest_stat(port, "quota_exceeded"), ==, 1);
    CHECK_INT(simtest_faults(port, "{\"quota\":0}"), ==, 200);
    CHECK_INT(creates_with(2, 429, "QUOTA_EXCEEDED", NULL), ==, 2);
}

/* 12 creates in a row against a bucket of burst 2 that refills once in 100 s: 2 pass, 10 are
 * refused (however slow the machine, the 12 take less than 100 s). */
static void test_rate_limit(void)
{
    fresh("{\"rate_limit\":0.01,\"rate_burst\":2}");
    int ok = creates_with(12, 200, NULL, NULL);
    CHECK_INT(ok, ==, 2);
    CHECK_INT(simtest_stat(port, "rate_limited"), ==, 12 - ok);
    fresh("{\"rate_limit\":0.01,\"rate_burst\":2}");
    CHECK_INT(creates_with(12, 503, "UNAVAILABLE", ""), ==, 10);
    fresh("{\"rate_limit\":0.01,\"rate_burst\":2,\"retry_after\":2}");
    CHECK_INT(creates_with(12, 503, "UNAVAILABLE", "2"), ==, 10);
    fresh("{\"rate_limit\":0.01,\"rate_burst\":2,\"limit_status\":429}");
    CHECK_INT(creates_with(12, 429, "RATE_LIMIT", ""), ==, 10);
    fresh("{\"rate_limit\":0.01,\"rate_burst\":2,\"limit_status\":429,\"retry_after\":1}");
    CHECK_INT(creates_with(12, 429, "RATE_LIMIT", "1"), ==, 10);
    /* 1/s, burst 1: no more pass than the bucket held plus what it refilled meanwhile, and
     * after a pause of 1.1 s one more passes */
    fresh("{\"rate_limit\":1,\"rate_burst\":1}");
    int64_t t0 = clock_now_us();
    ok = creates_with(3, 200, NULL, NULL);
    int64_t took_s = (clock_now_us() - t0) / 1000000;
    CHECK_INT(ok, >=, 1);
    CHECK_INT(ok, <=, 1 + took_s);
    simtest_sleep_ms(1100);
    CHECK_INT(creates_with(1, 200, NULL, NULL), ==, 1);
}

struct slow_call {
    struct simtest_resp r;
    int64_t done_us; /* when its answer was complete */
};

static void *slow_create(void *arg)
{
    struct slow_call *c = arg;
    simtest_create(port, "slow", 1, &c->r);
    c->done_us = clock_now_us();
    return NULL;
}

static void test_latency(void)
{
    struct simtest_resp r;
    fresh("{\"latency_ms\":150}");
    simtest_create(port, "lat-1", 1, &r);
    CHECK_INT(r.status, ==, 200);
    CHECK_DBL(r.seconds, >=, 0.15);
    simtest_release(&r);
    fresh("{\"latency_ms\":50,\"jitter_ms\":100}");
    double lo = 1e9, hi = 0;
    for (int i = 0; i < 8; i++) {
        char token[16];
        snprintf(token, sizeof token, "jit-%d", i);
        simtest_create(port, token, 1, &r);
        lo = r.seconds < lo ? r.seconds : lo;
        hi = r.seconds > hi ? r.seconds : hi;
        simtest_release(&r);
    }
    CHECK_DBL(lo, >=, 0.05);
    CHECK_DBL(hi, >, lo); /* jitter varies the delay */
    /* a delayed answer holds no server thread: other calls are answered meanwhile (before the
     * delayed one, once the emulator has it) */
    fresh("{\"latency_ms\":2000}");
    struct slow_call slow;
    pthread_t t;
    pthread_create(&t, NULL, slow_create, &slow);
    for (int i = 0; i < 1000 && simtest_stat(port, "requests") < 1; i++) /* ~10 s at most */
        simtest_sleep_ms(10);
    CHECK_INT(simtest_stat(port, "requests"), ==, 1);
    simtest_call(port, "GET", "/v1/regions", NULL, &r);
    int64_t get_done = clock_now_us();
    CHECK_INT(r.status, ==, 200);
    simtest_release(&r);
    pthread_join(t, NULL);
    CHECK_INT(slow.r.status, ==, 200);
    CHECK_DBL(slow.r.seconds, >=, 2.0);
    CHECK_INT(get_done, <, slow.done_us);
    simtest_release(&slow.r);
    /* a reset comes after the delay too */
    fresh("{\"latency_ms\":100,\"reset_before\":1}");
    simtest_create(port, "lat-reset", 1, &r);
    CHECK_INT(r.status, ==, 0);
    CHECK_DBL(r.seconds, >=, 0.1);
    simtest_release(&r);
}

/* The statuses of 40 creates, as a string of digits (5 = 503, 4 = 429, 2 = 200...). */
static void sequence(char *out)
{
    for (int i = 0; i < 40; i++) {
        struct simtest_resp r;
        char token[32];
        snprintf(token, sizeof token, "seq-%d-%d", i, rand());
        simtest_create(port, token, 1, &r);
        out[i] = (char)('0' + r.status / 100 + (r.status == 429 ? 2 : 0));
        simtest_release(&r);
    }
    out[40] = '\0';
}

static void test_seed(void)
{
    char a[41], b[41], c[41];
    fresh("{\"p503\":0.3,\"p429\":0.3,\"seed\":1234}");
    sequence(a);
    fresh("{\"p503\":0.3,\"p429\":0.3,\"seed\":1234}");
    sequence(b);
    fresh("{\"p503\":0.3,\"p429\":0.3,\"seed\":99}");
    sequence(c);
    CHECK_STR(a, b);
    CHECK(strcmp(a, c) != 0);
    CHECK(strchr(a, '5') && strchr(a, '6') && strchr(a, '2'));
}

static void test_all_calls(void)
{
    struct simtest_resp r;
    fresh("{\"p503\":1,\"reset_before\":1}");
    simtest_call(port, "GET", "/v1/regions", NULL, &r);
    CHECK_INT(r.status, ==, 200);
    simtest_release(&r);
    /* /__sim/ is never subject to faults */
    simtest_call(port, "GET", "/__sim/stats", NULL, &r);
    CHECK_INT(r.status, ==, 200);
    simtest_release(&r);
    CHECK_INT(simtest_faults(port, "{\"all_calls\":true,\"reset_before\":0}"), ==, 200);
    simtest_call(port, "GET", "/v1/regions", NULL, &r);
    CHECK_INT(r.status, ==, 503);
    simtest_release(&r);
    simtest_call(port, "GET", "/v1/regions/cn-north-1/instances", NULL, &r);
    CHECK_INT(r.status, ==, 503);
    simtest_release(&r);
    simtest_call(port, "GET", "/__sim/faults", NULL, &r);
    CHECK_INT(r.status, ==, 200);
    simtest_release(&r);
}

/* ---- signatures ---- */

#define AK "AKSIMTESTAKSIMTEST01"
#define SK "SKSIMTESTSKSIMTESTSKSIMTEST0001"

static void date_of(time_t t, char *out)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* A signed call: method, path (no query), query, body, keys, date. */
static void signed_call(const char *method, const char *path, const char *query, const char *body,
                        const char *ak, const char *sk, const char *date, const char *send_body,
                        struct simtest_resp *r)
{
    char host[32], target[1024];
    char h_date[64], h_nonce[64], h_auth[512];
    snprintf(host, sizeof host, "127.0.0.1:%u", port);
    struct sign_request p = {.method = method,
                             .host = host,
                             .path = path,
                             .query = query,
                             .body = body,
                             .body_len = strlen(body),
                             .content_type = "application/json",
                             .date = date,
                             .nonce = "2b1d8c3e-1111-4222-8333-444455556666",
                             .region = strncmp(path, "/v1/regions/", 12) == 0 ? "cn-north-1"
                                                                              : "jdcloud-api",
                             .service = "cps"};
    struct sign_result res;
    CHECK_INT(sign_compute(&p, ak, sk, &res), ==, 0);
    snprintf(h_date, sizeof h_date, "x-jdcloud-date: %s", date);
    snprintf(h_nonce, sizeof h_nonce, "x-jdcloud-nonce: %s", p.nonce);
    snprintf(h_auth, sizeof h_auth, "Authorization: %s", res.authorization);
    const char *headers[] = {h_date, h_nonce, h_auth, NULL};
    snprintf(target, sizeof target, "%s%s%s", path, query[0] ? "?" : "", query);
    simtest_call_h(port, method, target, send_body[0] ? send_body : NULL, headers, r);
    sign_result_release(&res);
}

static void expect_401(struct simtest_resp *r, const char *why)
{
    json_t *j = simtest_json(r);
    CHECK_INT(r->status, ==, 401);
    CHECK_STR(simtest_error_field(j, "status"), "UNAUTHENTICATED");
    if (strstr(simtest_error_field(j, "message"), why) == NULL)
        fprintf(stderr, "401 message \"%s\" lacks \"%s\"\n", simtest_error_field(j, "message"),
                why);
    CHECK(strstr(simtest_error_field(j, "message"), why) != NULL);
    json_decref(j);
    simtest_release(r);
}

static void test_signatures(void)
{
    struct simtest_resp r;
    char body[2048], now[17], stale[17];
    fresh("{\"verify_signatures\":true}");
    date_of(clock_wall(), now);
    date_of(clock_wall() - 400, stale);
    simtest_body(body, sizeof body, "signed-1", 1);
    signed_call("PUT", SIMTEST_CREATE, "", body, AK, SK, now, body, &r);
    CHECK_INT(r.status, ==, 200);
    simtest_release(&r);
    signed_call("GET", "/v1/regions/cn-north-1/instances", "pageSize=20&pageNumber=1", "", AK, SK,
                now, "", &r);
    CHECK_INT(r.status, ==, 200);
    simtest_release(&r);
    signed_call("GET", "/v1/regions", "", "", AK, SK, now, "", &r);
    CHECK_INT(r.status, ==, 200);
    simtest_release(&r);
    /* unsigned; tampered body; wrong access key; wrong secret; stale date */
    simtest_create(port, "unsigned", 1, &r);
    expect_401(&r, "Authorization");
    char tampered[2048];
    simtest_body(tampered, sizeof tampered, "signed-2", 1);
    signed_call("PUT", SIMTEST_CREATE, "", body, AK, SK, now, tampered, &r);
    expect_401(&r, "signature");
    signed_call("PUT", SIMTEST_CREATE, "", body, "AKSOMEONEELSE0000000", SK, now, body, &r);
    expect_401(&r, "access key");
    signed_call("PUT", SIMTEST_CREATE, "", body, AK, "SKWRONG", now, body, &r);
    expect_401(&r, "signature");
    signed_call("PUT", SIMTEST_CREATE, "", body, AK, SK, stale, body, &r);
    expect_401(&r, "x-jdcloud-date");
    signed_call("GET", "/v1/regions/cn-north-1/instances", "pageSize=20", "", AK, SK, now, "", &r);
    CHECK_INT(r.status, ==, 200);
    simtest_release(&r);
    signed_call("GET", "/v1/regions/cn-north-1/instances", "pageSize=20", "", AK, SK, now, "", &r);
    simtest_release(&r);
    json_t *s = simtest_stats(port);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(s, "by_status"), "401")), ==, 5);
    CHECK_INT(json_integer_value(json_object_get(s, "creates")), ==, 1);
    json_decref(s);
}

/* The official vectors, sent over HTTP as the official signers sent them, are accepted when
 * the emulator's clock is the vectors' date. */
static void test_vectors_over_http(void)
{
    json_t *root = load_vectors();
    CHECK(root != NULL);
    if (root == NULL)
        return;
    struct sim_config c;
    sim_config_default(&c);
    c.access_key = json_string_value(json_object_get(root, "access_key"));
    c.secret_key = json_string_value(json_object_get(root, "secret_key"));
    c.faults.verify_signatures = true;
    struct sim *s = simtest_start(&c);
    unsigned p = sim_port(s);
    size_t i;
    json_t *v;
    int accepted = 0;
    json_array_foreach(json_object_get(root, "vectors"), i, v)
    {
        json_t *in = json_object_get(v, "inputs");
        const char *date = json_string_value(json_object_get(in, "x_jdcloud_date"));
        char knob[64], h_date[64], h_nonce[96], h_auth[512], h_host[128], target[1024];
        snprintf(knob, sizeof knob, "{\"clock\":\"%s\"}", date);
        struct simtest_resp r;
        simtest_call(p, "POST", "/__sim/faults", knob, &r);
        CHECK_INT(r.status, ==, 200);
        simtest_release(&r);
        struct sign_url u;
        CHECK_INT(sign_parse_url(json_string_value(json_object_get(in, "url")), &u), ==, 0);
        snprintf(h_date, sizeof h_date, "x-jdcloud-date: %s", date);
        snprintf(h_nonce, sizeof h_nonce, "x-jdcloud-nonce: %s",
                 json_string_value(json_object_get(in, "x_jdcloud_nonce")));
        snprintf(
            h_auth, sizeof h_auth, "Authorization: %s",
            json_string_value(json_object_get(json_object_get(v, "expected"), "authorization")));
        snprintf(h_host, sizeof h_host, "Host: %s", u.host);
        snprintf(target, sizeof target, "%s%s%s", u.path, u.query[0] ? "?" : "", u.query);
        const char *headers[] = {h_date, h_nonce, h_auth, h_host, NULL};
        const char *body = json_string_value(json_object_get(in, "body"));
        simtest_call_h(p, json_string_value(json_object_get(in, "method")), target,
                       body[0] ? body : NULL, headers, &r);
        if (r.status == 401)
            fprintf(stderr, "vector %s: %s\n", json_string_value(json_object_get(v, "id")), r.body);
        CHECK(r.status != 401 && r.status != 0);
        accepted += r.status != 401;
        simtest_release(&r);
        /* the same request an hour later is stale */
        long long t;
        CHECK_INT(simauth_parse_date(date, &t), ==, 0);
        snprintf(knob, sizeof knob, "{\"clock\":%lld}", t + 3600);
        CHECK_INT(simtest_faults(p, knob), ==, 200);
        simtest_call_h(p, json_string_value(json_object_get(in, "method")), target,
                       body[0] ? body : NULL, headers, &r);
        CHECK_INT(r.status, ==, 401);
        simtest_release(&r);
        sign_url_release(&u);
    }
    CHECK_INT(accepted, >=, 4);
    CHECK_INT(simtest_stat(p, "creates"), ==, 1); /* v1 is a valid createInstances */
    sim_free(s);
    json_decref(root);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct sim_config c;
    sim_config_default(&c);
    c.access_key = AK;
    c.secret_key = SK;
    c.threads = 1; /* one server thread: a delayed answer must not hold it */
    struct sim *s = simtest_start(&c);
    port = sim_port(s);
    srand((unsigned)clock_now_us());
    test_status_faults();
    test_resets();
    test_quota();
    test_rate_limit();
    test_latency();
    test_seed();
    test_all_calls();
    test_signatures();
    test_vectors_over_http();
    sim_free(s);
    curl_global_cleanup();
    return check_done();
}
