/* endpoint.c - which API endpoints a command may talk to (rules: endpoint.h). The host is the
 * one url_parse (url.h) finds, so the guard judges the host a request would go to. */
#include "endpoint.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "url.h"

bool endpoint_is_loopback(const char *url)
{
    struct url u;
    if (url_parse(url, &u) != 0)
        return false;
    bool yes = strcmp(u.host, "localhost") == 0 || strncmp(u.host, "127.", 4) == 0 ||
               strcmp(u.host, "[::1]") == 0;
    url_release(&u);
    return yes;
}

bool endpoint_is_production(const char *url)
{
    struct url u;
    if (url_parse(url, &u) != 0)
        return false;
    size_t n = strlen(u.host), s = strlen("jdcloud-api.com");
    bool yes = n >= s && strcmp(u.host + n - s, "jdcloud-api.com") == 0 &&
               (n == s || u.host[n - s - 1] == '.');
    url_release(&u);
    return yes;
}

int endpoint_check(const char *url, bool insecure_http, char *msg, size_t msglen)
{
    struct url u;
    bool ok = url_parse(url, &u) == 0;
    if (!ok || (strcmp(u.scheme, "https") != 0 && strcmp(u.scheme, "http") != 0)) {
        snprintf(msg, msglen, "--endpoint must be an http(s) URL, got '%s'", url);
        url_release(&u);
        return ERR_INVALID;
    }
    int rc = 0;
    if (strcmp(u.scheme, "http") == 0 && !insecure_http && !endpoint_is_loopback(url)) {
        snprintf(msg, msglen,
                 "refusing plain http to %s: credentials and passwords would cross the network "
                 "unencrypted (use https, or --insecure-http if you mean it)",
                 u.host);
        rc = ERR_INVALID;
    }
    url_release(&u);
    return rc;
}
