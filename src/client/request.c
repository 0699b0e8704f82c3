#include "request.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "field.h"
#include "sign.h"
#include "token.h"
#include "url.h"

/* What a region's calls share: the URL and the parts the signature covers. */
struct target {
    char region[FIELD_REGION_ID_MAX + 1];
    char *url;            /* full URL as sent */
    char *path;           /* percent-encoded path */
    char key_date[9];     /* the scope date key was derived for ("" until then) */
    struct sign_key *key; /* signing key of (key_date, region, "cps") */
};

struct request_maker {
    struct sign_url base; /* the endpoint */
    char *access_key, *secret_key;
    struct target *targets; /* one per region seen, as many as there are */
    size_t ntargets, cap;
};

/* Whether endpoint names a server and nothing more: no path but "/", no query. The API's
 * paths are absolute (/v1/regions/...): a path or a query on the endpoint would be dropped
 * or, worse, half kept. */
static bool endpoint_bare(const char *endpoint)
{
    struct url u;
    bool bare = url_parse(endpoint, &u) == 0 && (!*u.path || strcmp(u.path, "/") == 0) && !u.query;
    url_release(&u);
    return bare;
}

int request_maker_new(const char *endpoint, const char *access_key, const char *secret_key,
                      struct request_maker **out)
{
    struct request_maker *m = calloc(1, sizeof(*m));
    if (!m)
        return ERR_NOMEM;
    int rc = sign_parse_url(endpoint, &m->base);
    if (!rc && !endpoint_bare(endpoint)) {
        sign_url_release(&m->base);
        rc = ERR_PARSE;
    }
    if (rc) {
        free(m);
        return rc;
    }
    m->access_key = strdup(access_key ? access_key : "");
    m->secret_key = strdup(secret_key ? secret_key : "");
    if (!m->access_key || !m->secret_key) {
        request_maker_free(m);
        return ERR_NOMEM;
    }
    *out = m;
    return 0;
}

void request_maker_free(struct request_maker *m)
{
    if (!m)
        return;
    sign_url_release(&m->base);
    free(m->access_key);
    if (m->secret_key)
        OPENSSL_cleanse(m->secret_key, strlen(m->secret_key));
    free(m->secret_key);
    for (size_t i = 0; i < m->ntargets; i++) {
        free(m->targets[i].url);
        free(m->targets[i].path);
        sign_key_free(m->targets[i].key);
    }
    free(m->targets);
    free(m);
}

/* Room for one more target. */
static bool targets_grow(struct request_maker *m)
{
    if (m->ntargets < m->cap)
        return true;
    size_t cap = m->cap ? 2 * m->cap : 4;
    struct target *t = realloc(m->targets, cap * sizeof(*t));
    if (!t)
        return false;
    m->targets = t;
    m->cap = cap;
    return true;
}

static struct target *target_new(struct request_maker *m, const char *region)
{
    char url[URL_MAX];
    struct sign_url u;
    /* A valid regionId needs no escape in a path and cannot end it early (no '/', '?', '#'). */
    if (!field_ident_ok(FIELD_REGION_ID, region) || !targets_grow(m))
        return NULL;
    snprintf(url, sizeof(url), "%s/v1/regions/%s/instances", m->base.connect, region);
    if (sign_parse_url(url, &u))
        return NULL;
    struct target *t = &m->targets[m->ntargets];
    memset(t, 0, sizeof(*t));
    snprintf(t->region, sizeof(t->region), "%s", region);
    t->path = strdup(u.path);
    size_t len = strlen(u.connect) + strlen(u.path) + 1;
    t->url = malloc(len);
    if (t->url)
        snprintf(t->url, len, "%s%s", u.connect, u.path);
    sign_url_release(&u);
    if (!t->path || !t->url) {
        free(t->path);
        free(t->url);
        return NULL;
    }
    m->ntargets++;
    return t;
}

static struct target *target_for(struct request_maker *m, const char *region)
{
    for (size_t i = 0; i < m->ntargets; i++) {
        if (strcmp(m->targets[i].region, region) == 0)
            return &m->targets[i];
    }
    return target_new(m, region);
}

const char *request_create_url(struct request_maker *m, const char *region)
{
    struct target *t = target_for(m, region);
    return t ? t->url : NULL;
}

static int add_headers(struct http_request *r, const struct sign_request *s, const char *auth)
{
    /* The Host the signature covers, sent as such: libcurl would otherwise write its own
     * normalised spelling (an IPv4 address given as one number, say). */
    int rc = http_request_add_header(r, "Host", s->host);
    rc = rc ? rc : http_request_add_header(r, "Content-Type", s->content_type);
    rc = rc ? rc : http_request_add_header(r, "x-jdcloud-date", s->date);
    rc = rc ? rc : http_request_add_header(r, "x-jdcloud-nonce", s->nonce);
    rc = rc ? rc : http_request_add_header(r, "Authorization", auth);
    rc = rc ? rc : http_request_add_header(r, "User-Agent", REQUEST_USER_AGENT);
    return rc;
}

/* The target's signing key for date's day: derived once per day, not per request. */
static int signing_key(struct request_maker *m, struct target *t, const char *date)
{
    if (strncmp(t->key_date, date, 8) == 0)
        return 0;
    char day[9];
    struct sign_key *k;
    memcpy(day, date, 8);
    day[8] = '\0';
    int rc = sign_key_new(m->secret_key, day, t->region, "cps", &k);
    if (rc)
        return rc;
    sign_key_free(t->key);
    t->key = k;
    memcpy(t->key_date, day, sizeof(day));
    return 0;
}

int request_make_create(struct request_maker *m, const char *region, const char *body,
                        size_t body_len, time_t now_wall, struct http_request **out)
{
    struct target *t = target_for(m, region);
    if (!t)
        return ERR_INVALID;
    char date[17], nonce[TOKEN_LEN + 1];
    int rc = sign_format_date(now_wall, date);
    rc = rc ? rc : token_random(nonce);
    if (rc)
        return rc;
    struct sign_request s = {.method = "PUT",
                             .host = m->base.host,
                             .path = t->path,
                             .query = "",
                             .body = body,
                             .body_len = body_len,
                             .content_type = "application/json",
                             .date = date,
                             .nonce = nonce,
                             .region = t->region,
                             .service = "cps"};
    struct sign_result sig;
    rc = signing_key(m, t, date);
    rc = rc ? rc : sign_compute_with_key(&s, m->access_key, t->key, &sig);
    if (rc)
        return rc;
    struct http_request *r = http_request_new("PUT", t->url);
    rc = r ? add_headers(r, &s, sig.authorization) : ERR_NOMEM;
    rc = rc ? rc : http_request_set_body(r, body, body_len);
    sign_result_release(&sig);
    if (rc) {
        http_request_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int request_make_get(struct request_maker *m, const char *path_query, time_t now_wall,
                     struct http_request **out)
{
    char url[URL_MAX], date[17], nonce[TOKEN_LEN + 1];
    struct sign_url u = {0};
    struct sign_result sig = {0};
    struct http_request *r = NULL;
    if (path_query[0] != '/' ||
        (size_t)snprintf(url, sizeof(url), "%s%s", m->base.connect, path_query) >= sizeof(url))
        return ERR_PARSE;
    int rc = sign_parse_url(url, &u);
    rc = rc ? rc : sign_format_date(now_wall, date);
    rc = rc ? rc : token_random(nonce);
    struct sign_request s = {.method = "GET",
                             .host = m->base.host,
                             .path = u.path,
                             .query = u.query,
                             .content_type = "application/json",
                             .date = date,
                             .nonce = nonce,
                             .region = u.region,
                             .service = "cps"};
    rc = rc ? rc : sign_compute(&s, m->access_key, m->secret_key, &sig);
    if (!rc) {
        snprintf(url, sizeof(url), "%s%s%s%s", u.connect, u.path, u.query[0] ? "?" : "", u.query);
        r = http_request_new("GET", url);
        rc = r ? add_headers(r, &s, sig.authorization) : ERR_NOMEM;
    }
    sign_result_release(&sig);
    sign_url_release(&u);
    if (rc) {
        http_request_free(r);
        return rc;
    }
    *out = r;
    return 0;
}
