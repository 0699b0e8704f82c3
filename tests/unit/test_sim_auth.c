/* test_sim_auth.c - cps-sim's signature check (simauth_verify) with the official vectors as
 * the requests it must accept, given each vector's own date as "now", and the ways a request
 * must be refused: a changed body, path, query or header, a wrong access or secret key, a date
 * more than 5 minutes off, missing headers.
 *
 * The vectors are tests/data/sign_vectors.json (vectors.h loads them).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vectors.h"
#include "err.h"
#include "sign.h"
#include "simauth.h"

static const char *str(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

/* One vector as a received request: its parts, its Authorization header, its date. */
struct received {
    struct sign_url url;
    struct sign_request parts;
    const char *authorization;
    long long now;
};

static int receive(json_t *v, struct received *r)
{
    json_t *in = json_object_get(v, "inputs"), *body = json_object_get(in, "body");
    if (sign_parse_url(str(in, "url"), &r->url) != 0)
        return -1;
    r->parts = (struct sign_request){
        .method = str(in, "method"),
        .host = r->url.host,
        .path = r->url.path,
        .query = r->url.query,
        .body = json_string_value(body),
        .body_len = json_string_length(body),
        .content_type = str(json_object_get(in, "headers_before_signing"), "Content-Type"),
        .date = str(in, "x_jdcloud_date"),
        .nonce = str(in, "x_jdcloud_nonce"),
        .region = str(in, "region_for_scope"),
        .service = str(in, "service")};
    r->authorization = str(json_object_get(v, "expected"), "authorization");
    return simauth_parse_date(r->parts.date, &r->now);
}

static bool verify(const struct received *r, const char *ak, const char *sk, long long now,
                   char *why)
{
    return simauth_verify(&r->parts, r->authorization, ak, sk, now, why, 256);
}

/* Everything that must be refused, for one vector. */
static void check_refusals(struct received *r, const char *ak, const char *sk)
{
    char why[256];
    struct sign_request keep = r->parts;
    CHECK(!verify(r, "AKWRONGWRONGWRONGWRO", sk, r->now, why));
    CHECK(strstr(why, "access key") != NULL);
    CHECK(!verify(r, ak, "SKWRONG", r->now, why));
    CHECK(strstr(why, "signature") != NULL);
    CHECK(!verify(r, ak, sk, r->now + SIMAUTH_MAX_SKEW + 1, why));
    CHECK(strstr(why, "x-jdcloud-date") != NULL);
    CHECK(!verify(r, ak, sk, r->now - SIMAUTH_MAX_SKEW - 1, why));
    CHECK(verify(r, ak, sk, r->now + SIMAUTH_MAX_SKEW, why));
    CHECK(verify(r, ak, sk, r->now - SIMAUTH_MAX_SKEW, why));
    r->parts.body = "{\"tampered\":true}";
    r->parts.body_len = strlen(r->parts.body);
    CHECK(!verify(r, ak, sk, r->now, why));
    r->parts = keep;
    r->parts.path = "/v1/regions/cn-north-1/other";
    CHECK(!verify(r, ak, sk, r->now, why));
    r->parts = keep;
    r->parts.query = "pageSize=100";
    CHECK(!verify(r, ak, sk, r->now, why));
    r->parts = keep;
    r->parts.nonce = "another-nonce";
    CHECK(!verify(r, ak, sk, r->now, why));
    r->parts = keep;
    r->parts.host = "127.0.0.1:8080";
    CHECK(!verify(r, ak, sk, r->now, why));
    r->parts = keep;
    r->parts.nonce = NULL;
    CHECK(!verify(r, ak, sk, r->now, why));
    r->parts = keep;
    r->parts.date = NULL;
    CHECK(!verify(r, ak, sk, r->now, why));
    r->parts = keep;
    CHECK(!simauth_verify(&r->parts, NULL, ak, sk, r->now, why, sizeof why));
    CHECK(strstr(why, "Authorization") != NULL);
    CHECK(!simauth_verify(&r->parts, "Bearer abc", ak, sk, r->now, why, sizeof why));
}

static void test_vectors(void)
{
    json_t *root = load_vectors();
    CHECK(root != NULL);
    if (!root)
        return;
    const char *ak = str(root, "access_key"), *sk = str(root, "secret_key");
    size_t i;
    json_t *v;
    int seen = 0;
    json_array_foreach(json_object_get(root, "vectors"), i, v)
    {
        struct received r;
        char why[256] = "";
        CHECK_INT(receive(v, &r), ==, 0);
        bool ok = verify(&r, ak, sk, r.now, why);
        if (!ok)
            fprintf(stderr, "vector %s refused: %s\n", str(v, "id"), why);
        CHECK(ok);
        check_refusals(&r, ak, sk);
        sign_url_release(&r.url);
        seen++;
    }
    CHECK_INT(seen, >=, 4);
    json_decref(root);
}

/* The credential scope must name the path's region: a request for cn-north-1 signed with the
 * scope of another region is refused even with the right key. */
static void test_scope(void)
{
    struct sign_request p = {.method = "GET",
                             .host = "127.0.0.1:9",
                             .path = "/v1/regions",
                             .query = "",
                             .body = "",
                             .body_len = 0,
                             .content_type = "application/json",
                             .date = "20240315T081530Z",
                             .nonce = "n-1",
                             .region = "cn-east-2",
                             .service = "cps"};
    struct sign_result res;
    char why[256];
    long long now;
    CHECK_INT(simauth_parse_date(p.date, &now), ==, 0);
    CHECK_INT(sign_compute(&p, "AK", "SK", &res), ==, 0);
    CHECK(simauth_verify(&p, res.authorization, "AK", "SK", now, why, sizeof why));
    p.region = "jdcloud-api";
    CHECK(!simauth_verify(&p, res.authorization, "AK", "SK", now, why, sizeof why));
    CHECK(strstr(why, "scope") != NULL);
    sign_result_release(&res);
}

static void test_dates(void)
{
    long long t;
    CHECK_INT(simauth_parse_date("19700101T000000Z", &t), ==, 0);
    CHECK_INT(t, ==, 0);
    CHECK_INT(simauth_parse_date("20240315T081530Z", &t), ==, 0);
    CHECK_INT(t, ==, 1710490530LL);
    CHECK_INT(simauth_parse_date("20000229T235959Z", &t), ==, 0);
    CHECK_INT(t, ==, 951868799LL);
    CHECK_INT(simauth_parse_date("20240315 081530Z", &t), ==, ERR_PARSE);
    CHECK_INT(simauth_parse_date("20241315T081530Z", &t), ==, ERR_PARSE);
    CHECK_INT(simauth_parse_date("20240315T081530", &t), ==, ERR_PARSE);
    CHECK_INT(simauth_parse_date("2024031XT081530Z", &t), ==, ERR_PARSE);
    CHECK_INT(simauth_parse_date(NULL, &t), ==, ERR_PARSE);
}

int main(void)
{
    test_vectors();
    test_scope();
    test_dates();
    return check_done();
}
