/* test_request.c - the createInstances request as built (client/request.h): PUT on
 * {endpoint}/v1/regions/{region}/instances, the header lines in order, the date and nonce
 * formats, the Authorization recomputed independently with sign.h, the body bytes as given,
 * one signing key per day that still follows the date, and the refusals of bad endpoints and
 * regions. No network: the requests are built and inspected, never sent. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "endpoint.h"
#include "err.h"
#include "field.h"
#include "request.h"
#include "sign.h"
#include "transport.h"

#define ENDPOINT_TEST "https://cps.example.com"
#define AK "AKTEST0123456789"
#define SK "SKtest/secret+key=="
#define T0 ((time_t)1700000000) /* 2023-11-14T22:13:20Z */
#define BODY "{\"regionId\":\"cn-north-1\",\"instanceSpec\":{\"count\":1}}"

/* ---- Helpers --------------------------------------------------------------------------------- */

static struct request_maker *maker(const char *endpoint, const char *ak, const char *sk)
{
    struct request_maker *m = NULL;
    int rc = request_maker_new(endpoint, ak, sk, &m);
    CHECK_INT(rc, ==, 0);
    CHECK(rc != 0 || m != NULL);
    if (rc)
        fprintf(stderr, "  request_maker_new(\"%s\")\n", endpoint);
    return rc ? NULL : m;
}

/* The value of header line i if it is named name (exact case), else NULL (and a failed check
 * naming what was there). */
static const char *header(const struct http_request *r, size_t i, const char *name)
{
    const char *line = http_request_header(r, i);
    size_t n = strlen(name);
    bool ok = line && strncmp(line, name, n) == 0 && line[n] == ':' && line[n + 1] == ' ';
    CHECK(ok);
    if (!ok)
        fprintf(stderr, "  header %zu: want %s, got \"%s\"\n", i, name, line ? line : "(none)");
    return ok ? line + n + 2 : NULL;
}

/* Whether s is a lower-case UUID v4: 8-4-4-4-12 hex, version 4, variant 10xx. */
static bool is_uuid_v4(const char *s)
{
    if (!s || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !(isdigit((unsigned char)s[i]) || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

/* What a request should carry, and the keys to recompute its signature with. */
struct expect {
    const char *url;
    const char *host;
    const char *path;
    const char *region;
    const char *date;
    const void *body;
    size_t body_len;
    const char *ak, *sk;
};

/* The Authorization of r recomputed from the parts it carries, with sign_compute (which derives
 * its own key, unlike the maker's cached one). Returns a new string, or NULL. */
static char *recompute(const struct expect *e, const char *nonce)
{
    struct sign_request s = {.method = "PUT",
                             .host = e->host,
                             .path = e->path,
                             .query = "",
                             .body = e->body,
                             .body_len = e->body_len,
                             .content_type = "application/json",
                             .date = e->date,
                             .nonce = nonce,
                             .region = e->region,
                             .service = "cps"};
    struct sign_result res = {0};
    int rc = sign_compute(&s, e->ak, e->sk, &res);
    CHECK_INT(rc, ==, 0);
    char *auth = rc ? NULL : strdup(res.authorization);
    sign_result_release(&res);
    return auth;
}

/* r is the request e describes, header by header; returns its nonce (borrowed from r). */
static const char *check_request(const struct http_request *r, const struct expect *e)
{
    CHECK_STR(r->method, "PUT");
    CHECK_STR(r->url, e->url);
    CHECK_INT(r->hdr_count, ==, 6);
    CHECK_STR(header(r, 0, "Host"), e->host);
    CHECK_STR(header(r, 1, "Content-Type"), "application/json");
    const char *date = header(r, 2, "x-jdcloud-date");
    CHECK_STR(date, e->date);
    CHECK(date && sign_date_valid(date));
    const char *nonce = header(r, 3, "x-jdcloud-nonce");
    CHECK(is_uuid_v4(nonce));
    const char *auth = header(r, 4, "Authorization");
    CHECK_STR(header(r, 5, "User-Agent"), REQUEST_USER_AGENT);
    CHECK(http_request_header(r, 6) == NULL);
    char *want = nonce ? recompute(e, nonce) : NULL;
    CHECK_STR(auth, want);
    free(want);
    CHECK_INT(r->body_len, ==, e->body_len);
    CHECK(r->body_len != e->body_len || memcmp(r->body, e->body, e->body_len) == 0);
    return nonce;
}

/* ---- The request ----------------------------------------------------------------------------- */

static void test_create_request(void)
{
    struct request_maker *m = maker(ENDPOINT_TEST, AK, SK);
    if (!m)
        return;
    struct http_request *r = NULL;
    CHECK_INT(request_make_create(m, "cn-north-1", BODY, strlen(BODY), T0, &r), ==, 0);
    struct expect e = {"https://cps.example.com/v1/regions/cn-north-1/instances",
                       "cps.example.com",
                       "/v1/regions/cn-north-1/instances",
                       "cn-north-1",
                       "20231114T221320Z",
                       BODY,
                       strlen(BODY),
                       AK,
                       SK};
    if (r)
        check_request(r, &e);

    /* The parsed Authorization says who signed, for which day, region and service, and which
     * headers; a wrong secret gives another signature, so the comparison above can fail. */
    const char *auth = r ? header(r, 4, "Authorization") : NULL;
    struct sign_auth a = {0};
    CHECK_INT(auth ? sign_parse_authorization(auth, &a) : -1, ==, 0);
    CHECK_STR(a.access_key, AK);
    CHECK_STR(a.scope_date, "20231114");
    CHECK_STR(a.region, "cn-north-1");
    CHECK_STR(a.service, "cps");
    CHECK_STR(a.signed_headers, SIGN_SIGNED_HEADERS);
    CHECK(auth && strncmp(auth, SIGN_ALGORITHM " ", strlen(SIGN_ALGORITHM) + 1) == 0);
    sign_auth_release(&a);
    struct expect wrong = e;
    wrong.sk = "another secret";
    char *other = r ? recompute(&wrong, header(r, 3, "x-jdcloud-nonce")) : NULL;
    CHECK(other && auth && strcmp(other, auth) != 0);
    free(other);
    http_request_free(r);
    request_maker_free(m);
}

/* A fresh nonce per request; the same request signed twice differs only by it. */
static void test_nonce_fresh(void)
{
    struct request_maker *m = maker(ENDPOINT_TEST, AK, SK);
    if (!m)
        return;
    struct http_request *a = NULL, *b = NULL;
    CHECK_INT(request_make_create(m, "cn-north-1", BODY, strlen(BODY), T0, &a), ==, 0);
    CHECK_INT(request_make_create(m, "cn-north-1", BODY, strlen(BODY), T0, &b), ==, 0);
    if (a && b) {
        CHECK(strcmp(http_request_header(a, 3), http_request_header(b, 3)) != 0);
        CHECK(strcmp(http_request_header(a, 4), http_request_header(b, 4)) != 0);
        CHECK_STR(http_request_header(a, 2), http_request_header(b, 2));
    }
    http_request_free(a);
    http_request_free(b);
    request_maker_free(m);
}

/* The date header follows now_wall, and the key the maker keeps follows the day: a request on
 * the next day, and one back on the first, are each signed for their own day. */
static void test_dates(void)
{
    struct request_maker *m = maker(ENDPOINT_TEST, AK, SK);
    if (!m)
        return;
    static const struct {
        time_t t;
        const char *date;
    } days[] = {
        {T0, "20231114T221320Z"},
        {T0 + 6 * 3600, "20231115T041320Z"}, /* past midnight UTC */
        {T0 + 1, "20231114T221321Z"},
        {0, "19700101T000000Z"},
        {253402300799, "99991231T235959Z"},
        {951782400, "20000229T000000Z"},
    };
    for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
        struct http_request *r = NULL;
        CHECK_INT(request_make_create(m, "cn-east-2", BODY, strlen(BODY), days[i].t, &r), ==, 0);
        struct expect e = {"https://cps.example.com/v1/regions/cn-east-2/instances",
                           "cps.example.com",
                           "/v1/regions/cn-east-2/instances",
                           "cn-east-2",
                           days[i].date,
                           BODY,
                           strlen(BODY),
                           AK,
                           SK};
        if (r)
            check_request(r, &e);
        http_request_free(r);
    }
    request_maker_free(m);
}

/* The body goes out byte for byte: NULs, non-ASCII, no terminator added, and a copy (the
 * caller's buffer may change afterwards); an empty body signs the hash of nothing. */
static void test_body_bytes(void)
{
    struct request_maker *m = maker(ENDPOINT_TEST, AK, SK);
    if (!m)
        return;
    char body[] = "{\"name\":\"\xe6\x9c\x8d\xe5\x8a\xa1\"}\0tail\r\n\x01\xff";
    size_t len = sizeof(body) - 1;
    char sent[sizeof(body)];
    memcpy(sent, body, sizeof(body));
    struct http_request *r = NULL;
    CHECK_INT(request_make_create(m, "cn-north-1", body, len, T0, &r), ==, 0);
    memset(body, 'x', len);
    struct expect e = {"https://cps.example.com/v1/regions/cn-north-1/instances",
                       "cps.example.com",
                       "/v1/regions/cn-north-1/instances",
                       "cn-north-1",
                       "20231114T221320Z",
                       sent,
                       len,
                       AK,
                       SK};
    if (r)
        check_request(r, &e);
    http_request_free(r);

    r = NULL;
    CHECK_INT(request_make_create(m, "cn-north-1", "", 0, T0, &r), ==, 0);
    e.body = "";
    e.body_len = 0;
    if (r)
        check_request(r, &e);
    http_request_free(r);
    request_maker_free(m);
}

/* ---- Endpoints and URLs ---------------------------------------------------------------------- */

static void test_endpoints(void)
{
    static const struct {
        const char *endpoint, *host, *url;
    } cases[] = {
        {ENDPOINT_DEFAULT, "cps.jdcloud-api.com",
         "https://cps.jdcloud-api.com/v1/regions/cn-north-1/instances"},
        {"https://CPS.Example.COM", "cps.example.com",
         "https://cps.example.com/v1/regions/cn-north-1/instances"},
        {"https://cps.example.com:443", "cps.example.com",
         "https://cps.example.com/v1/regions/cn-north-1/instances"},
        {"https://cps.example.com:8443", "cps.example.com:8443",
         "https://cps.example.com:8443/v1/regions/cn-north-1/instances"},
        {"http://127.0.0.1:8080", "127.0.0.1:8080",
         "http://127.0.0.1:8080/v1/regions/cn-north-1/instances"},
        {"http://127.0.0.1:80", "127.0.0.1", "http://127.0.0.1/v1/regions/cn-north-1/instances"},
        {"http://localhost:8080/", "localhost:8080",
         "http://localhost:8080/v1/regions/cn-north-1/instances"},
        {"http://[::1]:9000", "[::1]:9000", "http://[::1]:9000/v1/regions/cn-north-1/instances"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct request_maker *m = maker(cases[i].endpoint, AK, SK);
        if (!m)
            continue;
        const char *url = request_create_url(m, "cn-north-1");
        CHECK_STR(url, cases[i].url);
        struct http_request *r = NULL;
        CHECK_INT(request_make_create(m, "cn-north-1", BODY, strlen(BODY), T0, &r), ==, 0);
        struct expect e = {cases[i].url,
                           cases[i].host,
                           "/v1/regions/cn-north-1/instances",
                           "cn-north-1",
                           "20231114T221320Z",
                           BODY,
                           strlen(BODY),
                           AK,
                           SK};
        if (r)
            check_request(r, &e);
        http_request_free(r);
        request_maker_free(m);
    }
}

/* Each region's URL is worked out once and kept: the same pointer every time, one per region,
 * valid until the maker is freed, and the one the requests carry. */
static void test_urls_kept(void)
{
    struct request_maker *m = maker(ENDPOINT_TEST, AK, SK);
    if (!m)
        return;
    const char *north = request_create_url(m, "cn-north-1");
    const char *east = request_create_url(m, "cn-east-2");
    CHECK_STR(north, "https://cps.example.com/v1/regions/cn-north-1/instances");
    CHECK_STR(east, "https://cps.example.com/v1/regions/cn-east-2/instances");
    CHECK(north && north == request_create_url(m, "cn-north-1"));
    CHECK(east && east == request_create_url(m, "cn-east-2"));
    struct http_request *r = NULL;
    CHECK_INT(request_make_create(m, "cn-east-2", BODY, strlen(BODY), T0, &r), ==, 0);
    if (r)
        CHECK_STR(r->url, east);
    http_request_free(r);
    CHECK_STR(north, "https://cps.example.com/v1/regions/cn-north-1/instances");
    /* A region new to the maker, first seen by request_make_create, is kept the same way. */
    r = NULL;
    CHECK_INT(request_make_create(m, "cn-south-1", BODY, strlen(BODY), T0, &r), ==, 0);
    const char *south = request_create_url(m, "cn-south-1");
    CHECK_STR(south, "https://cps.example.com/v1/regions/cn-south-1/instances");
    if (r)
        CHECK_STR(r->url, south);
    http_request_free(r);
    request_maker_free(m);
}

/* ---- Refusals -------------------------------------------------------------------------------- */

static void test_bad_endpoints(void)
{
    static const char *const bad[] = {
        "", "cps.example.com", "ftp://cps.example.com", "file:///etc/passwd", "https://", "http://",
        "https://user@cps.example.com", "https://u:p@cps.example.com", "https://cps.example.com:0",
        "https://cps.example.com:65536", "https://cps.example.com:", "https://cps.example.com:x",
        "https://[::1",
        /* a path or a query was silently dropped before */
        "https://h/prefix?q", "https://h/prefix", "https://h?q", "https://h/?", NULL};
    for (size_t i = 0; bad[i]; i++) {
        struct request_maker *m = NULL;
        int rc = request_maker_new(bad[i], AK, SK, &m);
        CHECK_INT(rc, ==, ERR_PARSE);
        if (rc != ERR_PARSE)
            fprintf(stderr, "  request_maker_new(\"%s\")\n", bad[i]);
        if (rc == 0)
            request_maker_free(m);
    }
    request_maker_free(NULL); /* allowed, like every _free */
}

/* Regions that cannot go into the path and the credential scope, and a maker without a secret,
 * make no request. */
static void test_bad_regions(void)
{
    struct request_maker *m = maker(ENDPOINT_TEST, AK, SK);
    if (!m)
        return;
    char long_region[80];
    memset(long_region, 'r', sizeof(long_region) - 1);
    long_region[sizeof(long_region) - 1] = '\0';
    const char *bad[] = {"",           "cn/north",        "cn north",   "cn,north",
                         "cn\nnorth",  "cn\tnorth",       long_region,  "cn-north-1?x",
                         "cn-north#1", "cn%2Fnorth",      "CN-NORTH-1", "cn-north-1\xc2\xa0",
                         "cn.north",   "cn-north-1/../x", NULL};
    for (size_t i = 0; bad[i]; i++) {
        struct http_request *r = NULL;
        int rc = request_make_create(m, bad[i], BODY, strlen(BODY), T0, &r);
        CHECK_INT(rc, ==, ERR_INVALID);
        if (rc != ERR_INVALID)
            fprintf(stderr, "  region \"%s\"\n", bad[i]);
        CHECK(r == NULL);
        http_request_free(r);
    }
    /* A good region still works after the refusals. */
    struct http_request *r = NULL;
    CHECK_INT(request_make_create(m, "cn-north-1", BODY, strlen(BODY), T0, &r), ==, 0);
    http_request_free(r);
    request_maker_free(m);

    static const char *const no_secret[] = {NULL, ""};
    for (size_t i = 0; i < 2; i++) {
        m = maker(ENDPOINT_TEST, AK, no_secret[i]);
        if (!m)
            continue;
        r = NULL;
        CHECK_INT(request_make_create(m, "cn-north-1", BODY, strlen(BODY), T0, &r), ==,
                  ERR_INVALID);
        CHECK(r == NULL);
        request_maker_free(m);
    }
}

/* A regionId of exactly FIELD_REGION_ID_MAX characters makes a request whose URL, scope and
 * body region are all of it; one more character makes none (an 80-character region was sent
 * with its URL cut to 63 characters and its body whole). */
static void test_region_lengths(void)
{
    struct request_maker *m = maker(ENDPOINT_TEST, AK, SK);
    if (!m)
        return;
    char region[FIELD_REGION_ID_MAX + 2], want[256];
    memset(region, 'r', sizeof(region));
    region[FIELD_REGION_ID_MAX] = '\0';
    snprintf(want, sizeof(want), ENDPOINT_TEST "/v1/regions/%s/instances", region);
    CHECK_STR(request_create_url(m, region), want);
    struct http_request *r = NULL;
    CHECK_INT(request_make_create(m, region, BODY, strlen(BODY), T0, &r), ==, 0);
    if (r) {
        CHECK_STR(r->url, want);
        const char *auth = header(r, 4, "Authorization");
        char scope[128];
        snprintf(scope, sizeof(scope), "/20231114/%s/cps/jdcloud2_request", region);
        CHECK(auth && strstr(auth, scope) != NULL);
    }
    http_request_free(r);
    region[FIELD_REGION_ID_MAX] = 'r';
    region[FIELD_REGION_ID_MAX + 1] = '\0';
    CHECK(request_create_url(m, region) == NULL);
    r = NULL;
    CHECK_INT(request_make_create(m, region, BODY, strlen(BODY), T0, &r), ==, ERR_INVALID);
    CHECK(r == NULL);
    request_maker_free(m);
}

/* Any number of regions: each keeps its own URL (there was a silent limit of 64, past which
 * a dry run ended with "out of memory"). */
static void test_many_regions(void)
{
    struct request_maker *m = maker(ENDPOINT_TEST, AK, SK);
    if (!m)
        return;
    enum { N = 300 };
    static const char *urls[N];
    char region[32], want[128];
    for (int i = 0; i < N; i++) {
        snprintf(region, sizeof(region), "cn-r-%d", i);
        urls[i] = request_create_url(m, region);
        snprintf(want, sizeof(want), ENDPOINT_TEST "/v1/regions/%s/instances", region);
        CHECK_STR(urls[i], want);
    }
    for (int i = 0; i < N; i++) {
        snprintf(region, sizeof(region), "cn-r-%d", i);
        CHECK(urls[i] && urls[i] == request_create_url(m, region));
        struct http_request *r = NULL;
        CHECK_INT(request_make_create(m, region, BODY, strlen(BODY), T0, &r), ==, 0);
        if (r)
            CHECK(strcmp(r->url, urls[i]) == 0);
        http_request_free(r);
    }
    request_maker_free(m);
}

/* A time the date header cannot hold (year 10000) makes no request. */
static void test_bad_time(void)
{
    struct request_maker *m = maker(ENDPOINT_TEST, AK, SK);
    if (!m)
        return;
    struct http_request *r = NULL;
    int rc = request_make_create(m, "cn-north-1", BODY, strlen(BODY), 253402300800, &r);
    CHECK_INT(rc, <, 0);
    CHECK(r == NULL);
    http_request_free(r);
    request_maker_free(m);
}

int main(void)
{
    test_create_request();
    test_nonce_fresh();
    test_dates();
    test_body_bytes();
    test_endpoints();
    test_urls_kept();
    test_bad_endpoints();
    test_bad_regions();
    test_region_lengths();
    test_many_regions();
    test_bad_time();
    return check_done();
}
