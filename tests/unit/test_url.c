/* test_url.c - the one URL parser: what it splits, and the hostile inputs it refuses. */
#include "check.h"
#include "err.h"
#include "url.h"

#include <stdlib.h>

/* url parses to these parts (query NULL: no '?'). */
static void check_parts(const char *url, const char *scheme, const char *host, int port,
                        const char *path, const char *query)
{
    int failed_before = check_failed;
    struct url u;
    CHECK_INT(url_parse(url, &u), ==, 0);
    CHECK_STR(u.scheme ? u.scheme : "(null)", scheme);
    CHECK_STR(u.host ? u.host : "(null)", host);
    CHECK_INT(u.port, ==, port);
    CHECK_STR(u.path ? u.path : "(null)", path);
    CHECK_STR(u.query ? u.query : "(null)", query ? query : "(null)");
    if (check_failed > failed_before)
        fprintf(stderr, "  in URL %s\n", url);
    url_release(&u);
}

static void check_refused(const char *url, int want)
{
    struct url u;
    int rc = url_parse(url, &u);
    CHECK_INT(rc, ==, want);
    CHECK(u.scheme == NULL && u.host == NULL && u.path == NULL && u.query == NULL);
    if (rc != want)
        fprintf(stderr, "  URL %s\n", url ? url : "(null)");
    url_release(&u);
}

static void test_parts(void)
{
    check_parts("https://cps.jdcloud-api.com/v1/regions/cn-north-1/instances", "https",
                "cps.jdcloud-api.com", 443, "/v1/regions/cn-north-1/instances", NULL);
    check_parts("http://127.0.0.1:8080", "http", "127.0.0.1", 8080, "", NULL);
    check_parts("http://[::1]:80/", "http", "[::1]", 80, "/", NULL);
    check_parts("https://[2001:DB8::1]/x", "https", "[2001:db8::1]", 443, "/x", NULL);
    check_parts("http://[::ffff:127.0.0.1]/", "http", "[::ffff:127.0.0.1]", 80, "/", NULL);
    check_parts("HTTPS://CPS.JDCloud-API.com/V1/X", "https", "cps.jdcloud-api.com", 443, "/V1/X",
                NULL);
    check_parts("HtTp://h:00081/", "http", "h", 81, "/", NULL);
    check_parts("svn+ssh://h/r", "svn+ssh", "h", 0, "/r", NULL); /* no default port known */
    check_parts("https://h:65535?a=1&b", "https", "h", 65535, "", "a=1&b");
    check_parts("https://h/p?", "https", "h", 443, "/p", "");
}

static void test_fragments_and_escapes(void)
{
    check_parts("https://h/p?a=1#frag?b=2", "https", "h", 443, "/p", "a=1");
    check_parts("https://h/p#x?a=1", "https", "h", 443, "/p", NULL);
    check_parts("http://h#@evil/", "http", "h", 80, "", NULL); /* '#' ends the authority */
    check_parts("http://evil#@127.0.0.1/", "http", "evil", 80, "", NULL);
    check_parts("http://h?@evil", "http", "h", 80, "", "@evil");
    check_parts("http://h/a@b", "http", "h", 80, "/a@b", NULL); /* '@' in a path is a byte */
    /* Escapes in path and query are kept as written: the signer decides what they mean. */
    check_parts("https://h/a%2Fb%zz?k=%41%", "https", "h", 443, "/a%2Fb%zz", "k=%41%");
    check_parts("https://h/a b?q=c d", "https", "h", 443, "/a b", "q=c d");
    check_parts("https://h/\xC3\xA9", "https", "h", 443, "/\xC3\xA9", NULL);
}

/* Hostile or malformed URLs, refused with ERR_PARSE. */
static const char *const refused[] = {
    /* user info: the host would not be what it looks like */
    "http://127.0.0.1@evil",
    "http://127.0.0.1@evil/",
    "http://u:p@h/",
    "http://@h/",
    "http://evil\\@127.0.0.1/",
    "http://127.0.0.1:80@evil/",
    "http://[::1]@evil/",
    /* hosts: missing, malformed IPv6, escapes, characters outside the name set */
    "http://",
    "http:///x",
    "http://?a",
    "http://#f",
    "http://:80/",
    "http://[::1/",
    "http://[]/",
    "http://[::1]x/",
    "http://[::1]:/",
    "http://[g::1]/",
    "http://[1.2.3.4]/",
    "http://[fe80::1%25eth0]/",
    "http://[v1.x]/",
    "http://h%41/",
    "http://h!/",
    "http://h,e/",
    "http://::1/",
    "http://[::1]]/",
    "http://h]/",
    "http://a[::1]/",
    /* ports: empty, zero, out of range, signed, not decimal */
    "http://h:0/",
    "http://h:65536/",
    "http://h:123456/",
    "http://h:99999/",
    "http://h:/",
    "http://h:-1/",
    "http://h:+80/",
    "http://h:8a/",
    "http://h:80:81/",
    "http://h: 80/",
    "http://h:0x50/",
    /* schemes: missing, malformed, not followed by "://" */
    "",
    "h/x",
    "//h/x",
    "http:/h/x",
    "http:h",
    "1http://h",
    "+http://h",
    "ht tp://h",
    "http//h",
    "://h",
    "http:\\\\h",
    "cps.jdcloud-api.com/v1",
    /* blanks before the path, control characters anywhere */
    " http://h/",
    "http://h /",
    "http:// h/",
    "http://h\t/",
    "\thttp://h/",
    "http://h/\n",
    "http://h/a\rb",
    "http://h\n.evil/",
    "http://h/\x7f",
    "http://h/?a=\x01",
    "http://h/\t",
};

static void test_refused(void)
{
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        check_refused(refused[i], ERR_PARSE);
    check_refused(NULL, ERR_PARSE);
}

static void test_length(void)
{
    size_t n = URL_MAX + 1;
    char *s = malloc(n + 1);
    memcpy(s, "http://h/", 9);
    memset(s + 9, 'a', n - 9);
    s[n] = '\0';
    check_refused(s, ERR_RANGE);
    s[URL_MAX] = '\0'; /* exactly URL_MAX bytes: accepted */
    struct url u;
    CHECK_INT(url_parse(s, &u), ==, 0);
    CHECK_INT(strlen(u.path), ==, URL_MAX - 8);
    url_release(&u);
    url_release(&u); /* twice is safe */
    free(s);
}

static void test_default_port(void)
{
    CHECK_INT(url_default_port("http"), ==, 80);
    CHECK_INT(url_default_port("https"), ==, 443);
    CHECK_INT(url_default_port("ftp"), ==, 0);
}

/* The host's kind and parsed address: a dotted quad is an IPv4 address, a bracketed IPv6
 * literal an IPv6 address (any spelling, same bytes), everything else a name. */
static void test_host_kind(void)
{
    static const struct {
        const char *url;
        enum url_host_kind kind;
        unsigned char first, last; /* addr[0] and the address's last byte */
    } cases[] = {
        {"http://127.0.0.1:8080/", URL_HOST_IPV4, 127, 1},
        {"http://10.1.2.3", URL_HOST_IPV4, 10, 3},
        {"http://[::1]/", URL_HOST_IPV6, 0, 1},
        {"http://[0:0:0:0:0:0:0:1]", URL_HOST_IPV6, 0, 1},
        {"http://[FE80::2]", URL_HOST_IPV6, 0xfe, 2},
        {"http://localhost/", URL_HOST_NAME, 0, 0},
        {"http://127.evil.example/", URL_HOST_NAME, 0, 0},
        {"http://127.0.0.1.evil.example/", URL_HOST_NAME, 0, 0},
        {"http://127.1/", URL_HOST_NAME, 0, 0},
        {"http://127.0.0.999/", URL_HOST_NAME, 0, 0},
        {"http://2130706433/", URL_HOST_NAME, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct url u;
        CHECK_INT(url_parse(cases[i].url, &u), ==, 0);
        CHECK_INT(u.host_kind, ==, cases[i].kind);
        size_t len = u.host_kind == URL_HOST_IPV6 ? 16 : 4;
        CHECK_INT(u.addr[0], ==, cases[i].first);
        CHECK_INT(u.addr[len - 1], ==, cases[i].last);
        url_release(&u);
    }
}

int main(void)
{
    test_parts();
    test_fragments_and_escapes();
    test_refused();
    test_length();
    test_default_port();
    test_host_kind();
    return check_done();
}
