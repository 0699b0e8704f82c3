/* test_endpoint.c - which endpoints a command may talk to (client/endpoint.h): loopback and
 * production hosts recognised in every spelling the header promises, https anywhere, plain http
 * only to loopback unless --insecure-http, anything that is not an http(s) URL refused, and the
 * refusals' sentences.
 *
 * The hostile spellings come last in each list: a host that merely starts with "127.", user
 * info, a trailing dot, IPv4 in spellings other than the dotted quad, other schemes. */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "endpoint.h"
#include "err.h"

/* ---- Helpers --------------------------------------------------------------------------------- */

/* Every url of list must give want from pred; the failing url is named. */
static void check_all(bool (*pred)(const char *), const char *name, const char *const *list,
                      bool want)
{
    for (size_t i = 0; list[i]; i++) {
        bool got = pred(list[i]);
        CHECK_INT(got, ==, want);
        if (got != want)
            fprintf(stderr, "  %s(\"%s\")\n", name, list[i]);
    }
}

/* endpoint_check(url, insecure) must return want; the failing url is named. */
static void check_verdict(const char *url, bool insecure, int want)
{
    char msg[512] = "unset";
    int rc = endpoint_check(url, insecure, msg, sizeof(msg));
    CHECK_INT(rc, ==, want);
    if (rc != want)
        fprintf(stderr, "  endpoint_check(\"%s\", %d): %s\n", url, insecure, msg);
}

/* ---- endpoint_is_loopback -------------------------------------------------------------------- */

static void test_loopback(void)
{
    static const char *const yes[] = {
        "http://127.0.0.1",
        "http://127.0.0.1/",
        "http://127.0.0.1:8080",
        "http://127.0.0.1:8080/v1/regions/cn-north-1/instances",
        "http://127.0.0.1?x=1",
        "http://127.0.0.1#frag",
        "http://127.255.255.254/", /* all of 127.0.0.0/8, not only .1 */
        "http://127.10.20.30:1/",
        "https://127.0.0.1:8443/",
        "http://localhost",
        "http://localhost:8080/",
        "http://LOCALHOST/",
        "http://LocalHost:1/",
        "HTTP://LOCALHOST:8080",
        "http://[::1]",
        "http://[::1]/",
        "http://[::1]:8080/x",
        "https://[::1]:8443",
        "http://[0:0:0:0:0:0:0:1]/", /* ::1 spelled out */
        NULL};
    static const char *const no[] = {
        "http://128.0.0.1/", "http://126.255.255.255/", "http://10.0.0.1/",
        "http://192.168.1.1:8080/", "http://0.0.0.0/", /* "any address", not loopback */
        "http://[::]/", "http://[::2]/", "http://[fe80::1]/", "http://example.com/",
        "http://localhost.evil.com/", "http://localhostevil/", "http://evil-localhost/",
        "http://mylocalhost:80/", "http://cps.jdcloud-api.com/", "https://cps.jdcloud-api.com/",
        /* Not URLs: no scheme, no host. */
        "", "localhost", "127.0.0.1", "127.0.0.1:8080", "//127.0.0.1/", "http://",
        "http:///127.0.0.1",
        /* Names that start like loopback addresses are names: plain http would carry the
         * password to whoever owns them. */
        "http://127.0.0.1.evil.com", "http://127.evil.com/", "http://127.0.0.999/",
        "http://127.0.0.1./", "http://localhost./", "http://localhost.evil.com:8080/",
        /* Only the dotted quad is an IPv4 address here (curl would read these as 127.0.0.1,
         * so refusing them is the safe side). */
        "http://127.1/", "http://2130706433/", "http://0x7f.1/", "http://0x7f000001/",
        "http://[::ffff:127.0.0.1]/",
        /* User info, other schemes. */
        "http://127.0.0.1@evil.com", "http://127.0.0.1:80@evil.com/", "http://[::1]@evil.com/",
        "http://localhost@evil.com/", "ftp://127.0.0.1/", "x://127.0.0.1", "file://localhost/",
        NULL};
    check_all(endpoint_is_loopback, "endpoint_is_loopback", yes, true);
    check_all(endpoint_is_loopback, "endpoint_is_loopback", no, false);
}

/* ---- endpoint_is_production ------------------------------------------------------------------ */

static void test_production(void)
{
    static const char *const yes[] = {
        ENDPOINT_DEFAULT, "https://cps.jdcloud-api.com", "https://cps.jdcloud-api.com/",
        "https://cps.jdcloud-api.com:443/v1/regions/cn-north-1/instances",
        "https://cps.jdcloud-api.com:8443", "https://cps.jdcloud-api.com?x=1",
        "https://CPS.JDCLOUD-API.COM", "https://Cps.JdCloud-Api.Com/",
        "http://cps.jdcloud-api.com", /* the scheme does not matter */
        "https://jdcloud-api.com", "https://vm.jdcloud-api.com/", "https://a.b.c.jdcloud-api.com/",
        /* The same host fully qualified: it reaches the same servers. */
        "https://cps.jdcloud-api.com./", "https://CPS.JDCLOUD-API.COM.:443/",
        "https://jdcloud-api.com.", NULL};
    static const char *const no[] = {"https://evil-jdcloud-api.com",
                                     "https://evil.com/cps.jdcloud-api.com",
                                     "https://evil.com/?u=https://cps.jdcloud-api.com",
                                     "https://jdcloud-api.com.evil.com/",
                                     "https://cps.jdcloud-api.co",
                                     "https://cps.jdcloud-api.community",
                                     "https://cps.jdcloud.com",
                                     "https://jdcloud-api/",
                                     "https://127.0.0.1/",
                                     "http://localhost:8080/",
                                     "http://[::1]/",
                                     "cps.jdcloud-api.com",
                                     "",
                                     "https://",
                                     "https://cps.jdcloud-api.com..",
                                     "https://cps.jdcloud-api.com.evil.com./",
                                     "https://cps.jdcloud-api.com:443@evil.com/",
                                     NULL};
    check_all(endpoint_is_production, "endpoint_is_production", yes, true);
    check_all(endpoint_is_production, "endpoint_is_production", no, false);
}

/* ---- endpoint_check -------------------------------------------------------------------------- */

/* https anywhere, with or without --insecure-http. */
static void test_check_https(void)
{
    static const char *const ok[] = {ENDPOINT_DEFAULT,          "https://cps.jdcloud-api.com/",
                                     "https://example.com",     "https://example.com:8443/",
                                     "https://10.0.0.1/",       "https://[2001:db8::1]:443/",
                                     "HTTPS://EXAMPLE.COM/",    "Https://example.com",
                                     "https://127.0.0.1:8443/", NULL};
    for (size_t i = 0; ok[i]; i++) {
        check_verdict(ok[i], false, 0);
        check_verdict(ok[i], true, 0);
    }
}

/* Plain http: loopback only, unless --insecure-http. */
static void test_check_http(void)
{
    static const char *const loop[] = {"http://127.0.0.1:8080",  "http://127.0.0.1",
                                       "http://127.1.2.3:9/",    "http://localhost",
                                       "http://localhost:8080/", "http://LOCALHOST:8080/",
                                       "HTTP://127.0.0.1/",      "http://[::1]:8080",
                                       "http://[::1]",           NULL};
    static const char *const remote[] = {
        "http://cps.jdcloud-api.com", "http://example.com",    "http://example.com:80/",
        "http://10.0.0.1:8080/",      "http://128.0.0.1/",     "http://0.0.0.0:8080/",
        "http://[::]:8080/",          "http://[2001:db8::1]/", "http://localhost.evil.com/",
        "http://localhostevil:8080/", "HTTP://EXAMPLE.COM/",   "http://127.0.0.1.evil.com/",
        "http://127.evil.com:8080/",  "http://127.1/",         NULL};
    for (size_t i = 0; loop[i]; i++) {
        check_verdict(loop[i], false, 0);
        check_verdict(loop[i], true, 0);
    }
    for (size_t i = 0; remote[i]; i++) {
        check_verdict(remote[i], false, ERR_INVALID);
        check_verdict(remote[i], true, 0);
    }
}

/* Not an http(s) URL: refused whatever --insecure-http says. */
static void test_check_not_url(void)
{
    static const char *const bad[] = {"",
                                      "cps.jdcloud-api.com",
                                      "localhost:8080",
                                      "127.0.0.1",
                                      "ftp://127.0.0.1/",
                                      "file:///etc/passwd",
                                      "ws://localhost/",
                                      "httpx://localhost/",
                                      "xhttp://127.0.0.1/",
                                      "x://127.0.0.1",
                                      " http://127.0.0.1/",
                                      "http:/127.0.0.1",
                                      "http:127.0.0.1",
                                      "//127.0.0.1/",
                                      "http://",
                                      "https://",
                                      "http:///path",
                                      "https://:443/",
                                      "https://?x",
                                      NULL};
    for (size_t i = 0; bad[i]; i++) {
        check_verdict(bad[i], false, ERR_INVALID);
        check_verdict(bad[i], true, ERR_INVALID);
    }
}

/* A path or a query on the endpoint: the API's paths are absolute, so either would be
 * dropped or half kept. Refused, with or without --insecure-http; a lone "/" is no path. */
static void test_check_path_query(void)
{
    static const char *const bad[] = {"https://example.com:8443/prefix",
                                      "https://h/prefix?q",
                                      "https://h/?q",
                                      "https://h?q=1",
                                      "https://h/v1/regions/",
                                      "http://127.0.0.1:8080/x",
                                      "https://h/?",
                                      NULL};
    for (size_t i = 0; bad[i]; i++) {
        check_verdict(bad[i], false, ERR_INVALID);
        check_verdict(bad[i], true, ERR_INVALID);
    }
    char msg[512] = "";
    CHECK_INT(endpoint_check("https://h/prefix?q", false, msg, sizeof(msg)), ==, ERR_INVALID);
    CHECK_STR(msg, "--endpoint must name a server only (scheme://host[:port]), without a path or "
                   "query: got 'https://h/prefix?q'");
}

/* The sentences: what was refused, and the way out. */
static void test_check_messages(void)
{
    char msg[512] = "";
    CHECK_INT(endpoint_check("http://example.com:8080/x", false, msg, sizeof(msg)), ==,
              ERR_INVALID);
    CHECK(strstr(msg, "refusing plain http to example.com") != NULL);
    CHECK(strstr(msg, "--insecure-http") != NULL);
    CHECK(strstr(msg, "https") != NULL);
    CHECK(strchr(msg, '\n') == NULL);

    CHECK_INT(endpoint_check("ftp://h/", false, msg, sizeof(msg)), ==, ERR_INVALID);
    CHECK_STR(msg, "--endpoint must be an http(s) URL, got 'ftp://h/'");
    CHECK_INT(endpoint_check("", true, msg, sizeof(msg)), ==, ERR_INVALID);
    CHECK_STR(msg, "--endpoint must be an http(s) URL, got ''");

    /* A short buffer gets a cut, terminated sentence, never an overrun. */
    char small[16];
    memset(small, 'x', sizeof(small));
    CHECK_INT(endpoint_check("http://example.com", false, small, 10), ==, ERR_INVALID);
    CHECK_INT(strlen(small), ==, 9);
    CHECK(strncmp(small, "refusing ", 9) == 0);
    CHECK_INT(small[10], ==, 'x');
}

int main(void)
{
    test_loopback();
    test_production();
    test_check_https();
    test_check_http();
    test_check_not_url();
    test_check_path_query();
    test_check_messages();
    return check_done();
}
