/* url.c - the one URL parser (rules: url.h). */
#include "url.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* ASCII only: the locale must not change what a URL means. */
static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* The characters of a host name or IPv4 address (RFC 3986 unreserved). */
static bool is_host_char(char c)
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 3986: a scheme is a letter, then these. */
static bool is_scheme_char(char c)
{
    return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* A new copy of the n bytes at p, in lower case if asked; NULL when out of memory. */
static char *copy_span(const char *p, size_t n, bool lower)
{
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++)
        s[i] = lower ? ascii_lower(p[i]) : p[i];
    s[n] = '\0';
    return s;
}

/* Whether text has no control character in its first URL_MAX + 1 bytes; *len gets its length
 * (at most URL_MAX + 1). */
static bool no_controls(const char *text, size_t *len)
{
    size_t i = 0;
    for (; i <= URL_MAX && text[i]; i++)
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
            return false;
    *len = i;
    return true;
}

/* The scheme and its "://"; *rest is set to the authority. */
static int parse_scheme(const char *text, struct url *u, const char **rest)
{
    size_t n = 0;
    if (!is_alpha(text[0]))
        return ERR_PARSE;
    while (is_scheme_char(text[n]))
        n++;
    if (strncmp(text + n, "://", 3) != 0)
        return ERR_PARSE;
    u->scheme = copy_span(text, n, true);
    *rest = text + n + 3;
    return u->scheme ? 0 : ERR_NOMEM;
}

/* The length of the IPv6 literal "[...]" at the start of the n bytes at a, its address into
 * bin; 0 if malformed. */
static size_t ipv6_len(const char *a, size_t n, unsigned char bin[16])
{
    const char *close = memchr(a, ']', n);
    size_t inner = close ? (size_t)(close - a) - 1 : 0;
    char addr[INET6_ADDRSTRLEN];
    if (inner == 0 || inner >= sizeof addr)
        return 0;
    memcpy(addr, a + 1, inner);
    addr[inner] = '\0';
    return inet_pton(AF_INET6, addr, bin) == 1 ? inner + 2 : 0;
}

/* Whether the hlen bytes at a are a dotted-quad IPv4 address; its address into bin. */
static bool is_ipv4(const char *a, size_t hlen, unsigned char bin[4])
{
    char addr[INET_ADDRSTRLEN];
    if (hlen >= sizeof addr)
        return false;
    memcpy(addr, a, hlen);
    addr[hlen] = '\0';
    return inet_pton(AF_INET, addr, bin) == 1;
}

/* The length of the host at the start of the n bytes of authority at a, its kind and address
 * into u; 0 if malformed. */
static size_t host_len(const char *a, size_t n, struct url *u)
{
    if (n > 0 && a[0] == '[') {
        u->host_kind = URL_HOST_IPV6;
        return ipv6_len(a, n, u->addr);
    }
    size_t i = 0;
    while (i < n && is_host_char(a[i]))
        i++;
    u->host_kind = is_ipv4(a, i, u->addr) ? URL_HOST_IPV4 : URL_HOST_NAME;
    return i;
}

/* The port in the n bytes at p: 1 to 5 digits, 1..65535. */
static bool parse_port(const char *p, size_t n, int *port)
{
    if (n < 1 || n > 5)
        return false;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(p[i]))
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *port = v;
    return v >= 1 && v <= 65535;
}

/* host[:port] at a; *rest is set to what follows it. User info is refused. */
static int parse_authority(const char *a, struct url *u, const char **rest)
{
    size_t n = strcspn(a, "/?#");
    size_t hlen = host_len(a, n, u);
    *rest = a + n;
    if (hlen == 0 || memchr(a, '@', n))
        return ERR_PARSE;
    u->port = url_default_port(u->scheme);
    if (hlen < n) {
        if (a[hlen] != ':' || !parse_port(a + hlen + 1, n - hlen - 1, &u->port))
            return ERR_PARSE;
        u->port_given = true;
    }
    u->host = copy_span(a, hlen, true);
    return u->host ? 0 : ERR_NOMEM;
}

/* Path and query from what follows the authority; the fragment is dropped. */
static int parse_path_query(const char *p, struct url *u)
{
    size_t plen = strcspn(p, "?#");
    u->path = copy_span(p, plen, false);
    if (!u->path)
        return ERR_NOMEM;
    if (p[plen] != '?')
        return 0;
    const char *q = p + plen + 1;
    u->query = copy_span(q, strcspn(q, "#"), false);
    return u->query ? 0 : ERR_NOMEM;
}

int url_parse(const char *text, struct url *out)
{
    *out = (struct url){0};
    size_t len = 0;
    if (!text || !no_controls(text, &len))
        return ERR_PARSE;
    if (len > URL_MAX)
        return ERR_RANGE;
    const char *rest = NULL;
    int rc = parse_scheme(text, out, &rest);
    if (rc == 0)
        rc = parse_authority(rest, out, &rest);
    if (rc == 0)
        rc = parse_path_query(rest, out);
    if (rc)
        url_release(out);
    return rc;
}

void url_release(struct url *u)
{
    free(u->scheme);
    free(u->host);
    free(u->path);
    free(u->query);
    *u = (struct url){0};
}

int url_default_port(const char *scheme)
{
    if (strcmp(scheme, "http") == 0)
        return 80;
    return strcmp(scheme, "https") == 0 ? 443 : 0;
}
