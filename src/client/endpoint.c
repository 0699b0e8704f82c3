#include "endpoint.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "err.h"

/* The host of an http(s) URL into host (lower case kept as given); false when not a URL. */
static bool url_host(const char *url, char *host, size_t len)
{
    const char *p = strstr(url, "://");
    if (!p)
        return false;
    p += 3;
    size_t n;
    if (*p == '[') {
        n = strcspn(p, "]");
        n += p[n] == ']';
    } else {
        n = strcspn(p, ":/?#");
    }
    if (n == 0 || n >= len)
        return false;
    memcpy(host, p, n);
    host[n] = '\0';
    return true;
}

bool endpoint_is_loopback(const char *url)
{
    char host[256];
    if (!url_host(url, host, sizeof(host)))
        return false;
    return strcasecmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
           strcmp(host, "[::1]") == 0;
}

bool endpoint_is_production(const char *url)
{
    char host[256];
    if (!url_host(url, host, sizeof(host)))
        return false;
    size_t n = strlen(host), s = strlen("jdcloud-api.com");
    return n >= s && strcasecmp(host + n - s, "jdcloud-api.com") == 0 &&
           (n == s || host[n - s - 1] == '.');
}

int endpoint_check(const char *url, bool insecure_http, char *msg, size_t msglen)
{
    char host[256];
    bool https = strncasecmp(url, "https://", 8) == 0;
    bool http = strncasecmp(url, "http://", 7) == 0;
    if ((!https && !http) || !url_host(url, host, sizeof(host))) {
        snprintf(msg, msglen, "--endpoint must be an http(s) URL, got '%s'", url);
        return ERR_INVALID;
    }
    if (http && !insecure_http && !endpoint_is_loopback(url)) {
        snprintf(msg, msglen,
                 "refusing plain http to %s: credentials and passwords would cross the network "
                 "unencrypted (use https, or --insecure-http if you mean it)",
                 host);
        return ERR_INVALID;
    }
    return 0;
}
