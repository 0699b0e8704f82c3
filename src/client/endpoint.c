/* endpoint.c - which API endpoints a command may talk to (rules: endpoint.h). The host is the
 * one url_parse (url.h) finds, so the guard judges the host a request would go to. */
#include "endpoint.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "url.h"

/* Whether a parsed URL's host is loopback: the name "localhost", an IPv4 address in
 * 127.0.0.0/8 (dotted quad), or the IPv6 address ::1 in any spelling. The address is the one
 * url_parse read, never matched by prefix: "127.evil.example" is a name. */
static bool host_is_loopback(const struct url *u)
{
    static const unsigned char v6_loopback[16] = {[15] = 1};
    switch (u->host_kind) {
    case URL_HOST_IPV4: return u->addr[0] == 127;
    case URL_HOST_IPV6: return memcmp(u->addr, v6_loopback, sizeof(v6_loopback)) == 0;
    default: return strcmp(u->host, "localhost") == 0;
    }
}

/* Whether scheme is one the commands speak. */
static bool scheme_is_http(const char *scheme)
{
    return strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0;
}

bool endpoint_is_loopback(const char *url)
{
    struct url u;
    if (url_parse(url, &u) != 0)
        return false;
    bool yes = scheme_is_http(u.scheme) && host_is_loopback(&u);
    url_release(&u);
    return yes;
}

/* Whether a parsed host names JD Cloud's API: jdcloud-api.com or a name under it, with or
 * without the trailing dot of a fully qualified name (both reach the same servers). */
static bool host_is_production(const char *host)
{
    static const char domain[] = "jdcloud-api.com";
    size_t n = strlen(host), s = sizeof(domain) - 1;
    if (n && host[n - 1] == '.')
        n--;
    return n >= s && strncmp(host + n - s, domain, s) == 0 && (n == s || host[n - s - 1] == '.');
}

bool endpoint_is_production(const char *url)
{
    struct url u;
    if (url_parse(url, &u) != 0)
        return false;
    bool yes = host_is_production(u.host);
    url_release(&u);
    return yes;
}

int endpoint_check(const char *url, bool insecure_http, char *msg, size_t msglen)
{
    struct url u;
    bool ok = url_parse(url, &u) == 0;
    if (!ok || !scheme_is_http(u.scheme)) {
        snprintf(msg, msglen, "--endpoint must be an http(s) URL, got '%s'", url);
        url_release(&u);
        return ERR_INVALID;
    }
    int rc = 0;
    if (strcmp(u.scheme, "http") == 0 && !insecure_http && !host_is_loopback(&u)) {
        snprintf(msg, msglen,
                 "refusing plain http to %s: credentials and passwords would cross the network "
                 "unencrypted (use https, or --insecure-http if you mean it)",
                 u.host);
        rc = ERR_INVALID;
    } else if ((*u.path && strcmp(u.path, "/") != 0) || u.query) {
        snprintf(msg, msglen,
                 "--endpoint must name a server only (scheme://host[:port]), without a path or "
                 "query: got '%s'",
                 url);
        rc = ERR_INVALID;
    }
    url_release(&u);
    return rc;
}
