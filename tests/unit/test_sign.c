/* test_sign.c - the signer against every official vector of sign_vectors.json, byte for byte,
 * and the URL and Authorization parsers, dates, nonces and bad requests on their edges.
 *
 * The vectors are tests/data/sign_vectors.json (vectors.h loads them).
 */
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vectors.h"
#include "err.h"
#include "sign.h"

/* ---- the official vectors ---------------------------------------------------------------- */

/* The string member key of obj (borrowed), or "" (and a failed check) when it is missing. */
static const char *member(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    CHECK(s != NULL);
    if (!s)
        fprintf(stderr, "  missing string member \"%s\"\n", key);
    return s ? s : "";
}

/* The request of vector inputs in, its URL parsed into u. */
static struct sign_request vector_request(json_t *in, const struct sign_url *u)
{
    json_t *body = json_object_get(in, "body");
    json_t *headers = json_object_get(in, "headers_before_signing");
    return (struct sign_request){.method = member(in, "method"),
                                 .host = u->host,
                                 .path = u->path,
                                 .query = u->query,
                                 .body = json_string_value(body),
                                 .body_len = json_string_length(body),
                                 .content_type = member(headers, "Content-Type"),
                                 .date = member(in, "x_jdcloud_date"),
                                 .nonce = member(in, "x_jdcloud_nonce"),
                                 .region = u->region,
                                 .service = member(in, "service")};
}

/* The hashes and the derived key of one vector. */
static void check_vector_keys(const struct sign_request *req, json_t *exp, const char *sk)
{
    char hex[65], scope_date[9];
    unsigned char key[32];
    CHECK_INT(sign_sha256_hex(req->body, req->body_len, hex), ==, 0);
    CHECK_STR(hex, member(exp, "payload_sha256"));
    memcpy(scope_date, req->date, 8);
    scope_date[8] = '\0';
    CHECK_INT(sign_signing_key(sk, scope_date, req->region, req->service, key), ==, 0);
    char key_hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(key_hex + 2 * i, 3, "%02x", key[i]);
    OPENSSL_cleanse(key, sizeof key);
    CHECK_STR(key_hex, member(exp, "signing_key_hex"));
    CHECK_STR(SIGN_SIGNED_HEADERS, member(exp, "signed_headers"));
}

/* The header a vector expects parses back into its parts. */
static void check_vector_auth(const struct sign_request *req, json_t *exp, const char *ak)
{
    struct sign_auth a;
    CHECK_INT(sign_parse_authorization(member(exp, "authorization"), &a), ==, 0);
    CHECK_STR(a.access_key, ak);
    CHECK(a.scope_date && strncmp(a.scope_date, req->date, 8) == 0);
    CHECK_STR(a.region, req->region);
    CHECK_STR(a.service, req->service);
    CHECK_STR(a.signed_headers, SIGN_SIGNED_HEADERS);
    CHECK_STR(a.signature, member(exp, "signature"));
    CHECK(sign_signature_equal(a.signature, member(exp, "signature")));
    sign_auth_release(&a);
}

static void check_vector(json_t *v, const char *ak, const char *sk)
{
    json_t *in = json_object_get(v, "inputs"), *exp = json_object_get(v, "expected");
    int failed_before = check_failed;
    struct sign_url u;
    CHECK_INT(sign_parse_url(member(in, "url"), &u), ==, 0);
    CHECK_STR(u.region, member(in, "region_for_scope"));
    struct sign_request req = vector_request(in, &u);
    struct sign_result r;
    CHECK_INT(sign_compute(&req, ak, sk, &r), ==, 0);
    CHECK_STR(r.canonical_request, member(exp, "canonical_request"));
    CHECK_STR(r.string_to_sign, member(exp, "string_to_sign"));
    CHECK_STR(r.signature, member(exp, "signature"));
    CHECK_STR(r.authorization, member(exp, "authorization"));
    check_vector_keys(&req, exp, sk);
    check_vector_auth(&req, exp, ak);
    sign_result_release(&r);
    sign_url_release(&u);
    printf("vector %s: %s\n", member(v, "id"), check_failed > failed_before ? "FAIL" : "ok");
}

static void test_vectors(void)
{
    json_t *root = load_vectors();
    CHECK(root != NULL);
    if (!root)
        return;
    json_t *vectors = json_object_get(root, "vectors");
    CHECK_INT(json_array_size(vectors), >, 0);
    size_t i;
    json_t *v;
    json_array_foreach(vectors, i, v)
        check_vector(v, member(root, "access_key"), member(root, "secret_key"));
    json_decref(root);
}

/* ---- sign_compute on requests built by hand ---------------------------------------------- */

#define AK "AKTESTAKTESTAKTESTAK"
#define SK "SKTESTSKTESTSKTESTSKTESTSKTESTSK"
/* Vector v3 (describeOS), for the variations below. */
#define V3_SIGNATURE "26dd98460224cb7717681153bad60ac7665f893ed4bc7b5b20864091d6add03d"

static struct sign_request v3_request(void)
{
    return (struct sign_request){.method = "GET",
                                 .host = "cps.jdcloud-api.com",
                                 .path = "/v1/regions/cn-north-1/os",
                                 .query = "deviceType=cps.c.normal&osType=CentOS",
                                 .content_type = "application/json",
                                 .date = "20240315T081530Z",
                                 .nonce = "11111111-2222-4333-8444-555555555555",
                                 .region = "cn-north-1",
                                 .service = "cps"};
}

/* The signature of req, or "" when signing fails; into sig. */
static void signature_of(const struct sign_request *req, char sig[65])
{
    struct sign_result r;
    sig[0] = '\0';
    if (sign_compute(req, AK, SK, &r) == 0)
        memcpy(sig, r.signature, 65);
    sign_result_release(&r);
}

/* Spellings that must sign exactly as the vector does. */
static void test_compute_equivalents(void)
{
    char sig[65];
    struct sign_request req = v3_request();
    req.query = "osType=CentOS&deviceType=cps.c.normal"; /* unsorted on the wire */
    signature_of(&req, sig);
    CHECK_STR(sig, V3_SIGNATURE);
    req = v3_request();
    req.method = "get";
    req.content_type = "  application/json\t";
    req.nonce = " 11111111-2222-4333-8444-555555555555 ";
    req.query = "&deviceType=cps.c.normal&&osType=CentOS&";
    signature_of(&req, sig);
    CHECK_STR(sig, V3_SIGNATURE);
}

/* A prepared key signs exactly as sign_compute, many times over, and only its own scope. */
static void test_prepared_key(void)
{
    struct sign_key *k = NULL;
    struct sign_result r;
    struct sign_request req = v3_request();
    CHECK_INT(sign_key_new(SK, "20240315", "cn-north-1", "cps", &k), ==, 0);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(sign_compute_with_key(&req, AK, k, &r), ==, 0);
        CHECK_STR(r.signature, V3_SIGNATURE);
        sign_result_release(&r);
    }
    req.region = "cn-east-2";
    CHECK_INT(sign_compute_with_key(&req, AK, k, &r), ==, ERR_INVALID);
    req = v3_request();
    req.date = "20240316T081530Z";
    CHECK_INT(sign_compute_with_key(&req, AK, k, &r), ==, ERR_INVALID);
    sign_key_free(k);
    CHECK_INT(sign_key_new("", "20240315", "cn-north-1", "cps", &k), ==, ERR_INVALID);
}

static void test_compute_canonical_forms(void)
{
    struct sign_request req = v3_request();
    struct sign_result r, r2;
    req.path = "";
    req.query = "b=2&a";
    CHECK_INT(sign_compute(&req, AK, SK, &r), ==, 0);
    CHECK(r.canonical_request && strncmp(r.canonical_request, "GET\n/\na=&b=2\n", 13) == 0);
    sign_result_release(&r);
    req.query = NULL;
    CHECK_INT(sign_compute(&req, AK, SK, &r), ==, 0);
    req.query = "";
    CHECK_INT(sign_compute(&req, AK, SK, &r2), ==, 0);
    CHECK_STR(r.signature, r2.signature);
    CHECK(r.canonical_request && strncmp(r.canonical_request, "GET\n/\n\ncontent-type:", 20) == 0);
    sign_result_release(&r);
    sign_result_release(&r2);
    sign_result_release(&r2); /* twice is safe */
    CHECK(r2.canonical_request == NULL && r2.signature[0] == '\0');
}

/* req must be refused, leaving nothing in the result. */
static void check_compute_refused(const struct sign_request *req, const char *ak, const char *sk,
                                  const char *what)
{
    struct sign_result r;
    int rc = sign_compute(req, ak, sk, &r);
    CHECK_INT(rc, ==, ERR_INVALID);
    CHECK(r.canonical_request == NULL && r.authorization == NULL && r.signature[0] == '\0');
    if (rc != ERR_INVALID)
        fprintf(stderr, "  accepted: %s\n", what);
    sign_result_release(&r);
}

static void test_compute_refusals(void)
{
    static const struct {
        const char *what, *method, *host, *path, *query, *ct, *date, *nonce, *region, *service;
    } bad[] = {
        {"NULL method", NULL, "h", "/", "", "a/j", "20240315T081530Z", "n", "r", "cps"},
        {"method with a blank", "P UT", "h", "/", "", "a/j", "20240315T081530Z", "n", "r", "s"},
        {"NULL host", "GET", NULL, "/", "", "a/j", "20240315T081530Z", "n", "r", "cps"},
        {"blank host", "GET", "  ", "/", "", "a/j", "20240315T081530Z", "n", "r", "cps"},
        {"NULL path", "GET", "h", NULL, "", "a/j", "20240315T081530Z", "n", "r", "cps"},
        {"path with a space", "GET", "h", "/a b", "", "a/j", "20240315T081530Z", "n", "r", "s"},
        {"query with LF", "GET", "h", "/", "a=1\nb", "a/j", "20240315T081530Z", "n", "r", "s"},
        {"NULL content type", "GET", "h", "/", "", NULL, "20240315T081530Z", "n", "r", "cps"},
        {"short date", "GET", "h", "/", "", "a/j", "20240315T081530", "n", "r", "cps"},
        {"month 13", "GET", "h", "/", "", "a/j", "20241315T081530Z", "n", "r", "cps"},
        {"NULL date", "GET", "h", "/", "", "a/j", NULL, "n", "r", "cps"},
        {"CRLF in nonce", "GET", "h", "/", "", "a/j", "20240315T081530Z", "n\r\nx: y", "r", "s"},
        {"empty nonce", "GET", "h", "/", "", "a/j", "20240315T081530Z", "", "r", "cps"},
        {"slash in region", "GET", "h", "/", "", "a/j", "20240315T081530Z", "n", "a/b", "cps"},
        {"NULL region", "GET", "h", "/", "", "a/j", "20240315T081530Z", "n", NULL, "cps"},
        {"empty service", "GET", "h", "/", "", "a/j", "20240315T081530Z", "n", "r", ""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sign_request req = {.method = bad[i].method,
                                   .host = bad[i].host,
                                   .path = bad[i].path,
                                   .query = bad[i].query,
                                   .content_type = bad[i].ct,
                                   .date = bad[i].date,
                                   .nonce = bad[i].nonce,
                                   .region = bad[i].region,
                                   .service = bad[i].service};
        check_compute_refused(&req, AK, SK, bad[i].what);
    }
    struct sign_request req = v3_request();
    check_compute_refused(&req, "", SK, "empty access key");
    check_compute_refused(&req, "AK/1", SK, "access key with a slash");
    check_compute_refused(&req, AK, NULL, "NULL secret key");
    check_compute_refused(&req, AK, "", "empty secret key");
    req.body_len = 3;
    check_compute_refused(&req, AK, SK, "NULL body with a length");
    check_compute_refused(NULL, AK, SK, "NULL request");
}

/* ---- URLs -------------------------------------------------------------------------------- */

static void check_url(const char *url, const char *host, const char *connect, const char *path,
                      const char *query, const char *region)
{
    int failed_before = check_failed;
    struct sign_url u;
    CHECK_INT(sign_parse_url(url, &u), ==, 0);
    CHECK_STR(u.host, host);
    CHECK_STR(u.connect, connect);
    CHECK_STR(u.path, path);
    CHECK_STR(u.query, query);
    CHECK_STR(u.region, region);
    if (check_failed > failed_before)
        fprintf(stderr, "  in URL %s\n", url);
    sign_url_release(&u);
}

static void check_url_bad(const char *url)
{
    struct sign_url u;
    int rc = sign_parse_url(url, &u);
    CHECK_INT(rc, ==, ERR_PARSE);
    CHECK(u.scheme == NULL && u.host == NULL && u.path == NULL);
    if (rc != ERR_PARSE)
        fprintf(stderr, "  accepted URL %s\n", url ? url : "(null)");
    sign_url_release(&u);
}

static void test_url_hosts_and_ports(void)
{
    const char *D = SIGN_DEFAULT_REGION;
    check_url("https://cps.jdcloud-api.com/v1/regions/cn-north-1/instances", "cps.jdcloud-api.com",
              "https://cps.jdcloud-api.com", "/v1/regions/cn-north-1/instances", "", "cn-north-1");
    check_url("https://cps.jdcloud-api.com:443/v1/regions", "cps.jdcloud-api.com",
              "https://cps.jdcloud-api.com", "/v1/regions", "", D);
    check_url("https://h.example:8443/x", "h.example:8443", "https://h.example:8443", "/x", "", D);
    check_url("https://h:00443/", "h", "https://h", "/", "", D);
    check_url("http://127.0.0.1:80", "127.0.0.1", "http://127.0.0.1", "/", "", D);
    check_url("http://h:443/", "h:443", "http://h:443", "/", "", D);
    check_url("http://127.0.0.1:8080?b=1", "127.0.0.1:8080", "http://127.0.0.1:8080", "/", "b=1",
              D);
    check_url("HTTPS://CPS.JDCloud-API.com/V1/x", "cps.jdcloud-api.com",
              "https://cps.jdcloud-api.com", "/V1/x", "", D);
    check_url("http://[::1]:9000/v1/regions/cn-east-2/instances", "[::1]:9000", "http://[::1]:9000",
              "/v1/regions/cn-east-2/instances", "", "cn-east-2");
    check_url("https://[::1]", "[::1]", "https://[::1]", "/", "", D);
    check_url("https://h:65535#f", "h:65535", "https://h:65535", "/", "", D);
}

static void test_url_bad(void)
{
    static const char *bad[] = {
        "",
        "ftp://h/",
        "https://",
        "https:///x",
        "https://u@h/",
        "https://u:p@h/x",
        "https://h:0/",
        "https://h:65536/",
        "https://h:123456/",
        "https://h:abc/",
        "https://h:/",
        "https://h:-1/",
        "cps.jdcloud-api.com/v1",
        "//h/x",
        "https:/h/x",
        "https://[::1/",
        "https://[]/",
        "https://[::1]x/",
        "https://h h/",
        "https://h%41/",
        "https://:80/",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        check_url_bad(bad[i]);
    check_url_bad(NULL);
}

static void check_query(const char *url, const char *query)
{
    check_url(url, "h", "https://h", "/p", query, SIGN_DEFAULT_REGION);
}

static void test_url_queries(void)
{
    check_query("https://h/p?osType=CentOS&deviceType=cps.c.normal",
                "deviceType=cps.c.normal&osType=CentOS");
    check_query("https://h/p?a.b=2&a=1", "a=1&a.b=2"); /* by key first: "a" < "a.b" */
    check_query("https://h/p?filters.1.values.10=y&filters.1.values.1=x",
                "filters.1.values.1=x&filters.1.values.10=y");
    check_query("https://h/p?a=2&a=1&a=10", "a=1&a=10&a=2");
    check_query("https://h/p?name=a b&plus=a+b&tilde=%7e&colon=a:b&flag&&eq=a=b",
                "colon=a%3Ab&eq=a%3Db&flag=&name=a%20b&plus=a%2Bb&tilde=~");
    check_query("https://h/p?k=%2fx%2Fy&bad=%zz&end=%4", "bad=%25zz&end=%254&k=%2Fx%2Fy");
    check_query("https://h/p?q=\xC3\xA9&%61=1&amp=%26", "a=1&amp=%26&q=%C3%A9");
    check_query("https://h/p?a=1#frag&b=2", "a=1");
    check_query("https://h/p?", "");
    check_query("https://h/p?&&", "");
    check_query("https://h/p#x?a=1", "");
}

static void check_path(const char *url, const char *path, const char *region)
{
    check_url(url, "h", "https://h", path, "", region);
}

static void test_url_paths(void)
{
    const char *D = SIGN_DEFAULT_REGION;
    check_path("https://h/v1/regions/cn-north-1/instances/cps-1:startInstance",
               "/v1/regions/cn-north-1/instances/cps-1%3AstartInstance", "cn-north-1");
    check_path("https://h/a%2fb/c%3Ad", "/a%2Fb/c%3Ad", D); /* escapes kept, not re-encoded */
    check_path("https://h/a%zz/%4", "/a%25zz/%254", D);     /* a bare % is a literal */
    check_path("https://h/a b/\xC3\xA9", "/a%20b/%C3%A9", D);
    check_path("https://h/a+b(c)!*'@$,;=", "/a%2Bb%28c%29%21%2A%27%40%24%2C%3B%3D", D);
    check_path("https://h/~user/._-", "/~user/._-", D);
    check_path("https://h", "/", D);
    check_path("https://h/v1/regions/", "/v1/regions/", D);
    check_path("https://h/v2/regions/cn-east-2", "/v2/regions/cn-east-2", "cn-east-2");
    check_path("https://h/v10/regions/r1/x/y", "/v10/regions/r1/x/y", "r1");
    check_path("https://h/v1/regionsX/a/b", "/v1/regionsX/a/b", D);
    check_path("https://h/v/regions/a/b", "/v/regions/a/b", D);
    check_path("https://h/api/v1/regions/a/b", "/api/v1/regions/a/b", D);
}

/* ---- Authorization headers --------------------------------------------------------------- */

#define GOOD_CRED "Credential=AK/20240315/cn-north-1/cps/jdcloud2_request"
#define GOOD_SIG "Signature=" V3_SIGNATURE

static void test_auth_good(void)
{
    struct sign_auth a;
    const char *h =
        "JDCLOUD2-HMAC-SHA256   " GOOD_SIG " ,SignedHeaders=host;x-jdcloud-date ,\t" GOOD_CRED "  ";
    CHECK_INT(sign_parse_authorization(h, &a), ==, 0);
    CHECK_STR(a.access_key, "AK");
    CHECK_STR(a.scope_date, "20240315");
    CHECK_STR(a.region, "cn-north-1");
    CHECK_STR(a.service, "cps");
    CHECK_STR(a.signed_headers, "host;x-jdcloud-date");
    CHECK_STR(a.signature, V3_SIGNATURE);
    sign_auth_release(&a);
    sign_auth_release(&a);
    CHECK(a.access_key == NULL && a.signature == NULL);
}

static void test_auth_bad(void)
{
    static const char *bad[] = {
        "",
        "JDCLOUD2-HMAC-SHA256",
        "JDCLOUD2-HMAC-SHA256 ",
        "AWS4-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=host, " GOOD_SIG,
        "jdcloud2-hmac-sha256 " GOOD_CRED ", SignedHeaders=host, " GOOD_SIG,
        "JDCLOUD2-HMAC-SHA256" GOOD_CRED ", SignedHeaders=host, " GOOD_SIG,
        "JDCLOUD2-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=host",
        "JDCLOUD2-HMAC-SHA256 " GOOD_CRED ", " GOOD_SIG,
        "JDCLOUD2-HMAC-SHA256 SignedHeaders=host, " GOOD_SIG,
        "JDCLOUD2-HMAC-SHA256 " GOOD_CRED ", " GOOD_CRED ", SignedHeaders=host, " GOOD_SIG,
        "JDCLOUD2-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=host, " GOOD_SIG ", Foo=bar",
        "JDCLOUD2-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=host, " GOOD_SIG ",",
        "JDCLOUD2-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=, " GOOD_SIG,
        "JDCLOUD2-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=Host, " GOOD_SIG,
        "JDCLOUD2-HMAC-SHA256 Credential=AK/20240315/cn-north-1/cps, SignedHeaders=h, " GOOD_SIG,
        "JDCLOUD2-HMAC-SHA256 Credential=AK/20240315/r/cps/jdcloud2_request/x, "
        "SignedHeaders=h, " GOOD_SIG,
        "JDCLOUD2-HMAC-SHA256 Credential=AK/20240315/r/cps/aws4_request, "
        "SignedHeaders=h, " GOOD_SIG,
        "JDCLOUD2-HMAC-SHA256 Credential=AK/2024031/r/cps/jdcloud2_request, "
        "SignedHeaders=h, " GOOD_SIG,
        "JDCLOUD2-HMAC-SHA256 Credential=AK/2024031a/r/cps/jdcloud2_request, "
        "SignedHeaders=h, " GOOD_SIG,
        "JDCLOUD2-HMAC-SHA256 Credential=/20240315/r/cps/jdcloud2_request, "
        "SignedHeaders=h, " GOOD_SIG,
        "JDCLOUD2-HMAC-SHA256 Credential=AK/20240315//cps/jdcloud2_request, "
        "SignedHeaders=h, " GOOD_SIG,
        "JDCLOUD2-HMAC-SHA256 Credential=A K/20240315/r/cps/jdcloud2_request, "
        "SignedHeaders=h, " GOOD_SIG,
        "JDCLOUD2-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=h, Signature=",
        "JDCLOUD2-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=h, Signature=abc",
        "JDCLOUD2-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=h, " GOOD_SIG "0",
        "JDCLOUD2-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=h, Signature="
        "26DD98460224CB7717681153BAD60AC7665F893ED4BC7B5B20864091D6ADD03D",
        "JDCLOUD2-HMAC-SHA256 " GOOD_CRED ", SignedHeaders=h, Signature="
        "g6dd98460224cb7717681153bad60ac7665f893ed4bc7b5b20864091d6add03d",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sign_auth a;
        int rc = sign_parse_authorization(bad[i], &a);
        CHECK_INT(rc, ==, ERR_PARSE);
        CHECK(a.access_key == NULL && a.signed_headers == NULL && a.signature == NULL);
        if (rc != ERR_PARSE)
            fprintf(stderr, "  accepted header %zu: %s\n", i, bad[i]);
        sign_auth_release(&a);
    }
    struct sign_auth a;
    CHECK_INT(sign_parse_authorization(NULL, &a), ==, ERR_PARSE);
}

/* ---- dates, nonces, hashes, keys --------------------------------------------------------- */

static void test_dates(void)
{
    static const char *good[] = {"20240315T081530Z", "20241231T235960Z", "00010101T000000Z"};
    static const char *bad[] = {
        "",
        "20240315T081530z",
        "20240315 081530Z",
        "20240015T081530Z",
        "20240300T081530Z",
        "20240315T241530Z",
        "20240315T086030Z",
        "20240315T081561Z",
        "2024031aT081530Z",
        "20240315T081530ZZ",
        "2024-03-15T08:15:30Z",
        "20240332T081530Z",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK(sign_date_valid(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!sign_date_valid(bad[i]));
    CHECK(!sign_date_valid(NULL));
    char d[17];
    CHECK_INT(sign_format_date(0, d), ==, 0);
    CHECK_STR(d, "19700101T000000Z");
    CHECK_INT(sign_format_date(1710490530, d), ==, 0);
    CHECK_STR(d, "20240315T081530Z");
    CHECK(sign_date_valid(d));
}

static void test_hashes_and_keys(void)
{
    char hex[65];
    unsigned char key[32];
    CHECK_INT(sign_sha256_hex(NULL, 0, hex), ==, 0);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_INT(sign_sha256_hex("abc", 3, hex), ==, 0);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_INT(sign_sha256_hex(NULL, 1, hex), ==, ERR_INVALID);
    CHECK_INT(sign_signing_key(SK, "2024031", "r", "cps", key), ==, ERR_INVALID);
    CHECK_INT(sign_signing_key("", "20240315", "r", "cps", key), ==, ERR_INVALID);
    CHECK_INT(sign_signing_key(SK, "20240315", "", "cps", key), ==, ERR_INVALID);
    CHECK_INT(sign_signing_key(SK, "20240315", "r", NULL, key), ==, ERR_INVALID);
    CHECK(sign_signature_equal(V3_SIGNATURE, V3_SIGNATURE));
    CHECK(!sign_signature_equal(V3_SIGNATURE, "36dd98460224cb7717681153bad60ac7665f893ed4bc7b5b"
                                              "20864091d6add03d"));
    CHECK(!sign_signature_equal(V3_SIGNATURE, "26dd"));
    CHECK(!sign_signature_equal(NULL, V3_SIGNATURE));
    CHECK(!sign_signature_equal(V3_SIGNATURE, NULL));
}

int main(void)
{
    test_vectors();
    test_compute_equivalents();
    test_prepared_key();
    test_compute_canonical_forms();
    test_compute_refusals();
    test_url_hosts_and_ports();
    test_url_bad();
    test_url_queries();
    test_url_paths();
    test_auth_good();
    test_auth_bad();
    test_dates();
    test_hashes_and_keys();
    return check_done();
}
