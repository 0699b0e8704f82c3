/* endpoint.c - which API endpoints a command may talk to (rules: endpoint.h). The host is the
 * one url_parse (url.h) finds, so the guard judges the host a request would go to. */
#include "endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "url.h"

/* Whether a parsed host (lower case; IPv6 in brackets) is loopback: the name "localhost", an
 * IPv4 address in 127.0.0.0/8 in dotted-quad form, or the IPv6 address ::1 in any spelling.
 * Addresses are parsed (inet_pton), never matched by prefix: "127.evil.example" is a name. */
static bool host_is_loopback(const char *host)
{
    if (strcmp(host, "localhost") == 0)
        return true;
    struct in_addr v4;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    size_t n = strlen(host);
    char inner[INET6_ADDRSTRLEN + 1];
    struct in6_addr v6;
    if (n < 2 || host[0] != '[' || host[n - 1] != ']' || n - 2 >= sizeof(inner))
        return false;
    memcpy(inner, host + 1, n - 2);
    inner[n - 2] = '\0';
    return inet_pton(AF_INET6, inner, &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
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
    bool yes = scheme_is_http(u.scheme) && host_is_loopback(u.host);
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
    if (strcmp(u.scheme, "http") == 0 && !insecure_http && !host_is_loopback(u.host)) {
        snprintf(msg, msglen,
                 "refusing plain http to %s: credentials and passwords would cross the network "
                 "unencrypted (use https, or --insecure-http if you mean it)",
                 u.host);
        rc = ERR_INVALID;
    }
    url_release(&u);
    return rc;
}
