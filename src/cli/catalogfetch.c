#include "catalogfetch.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "clock.h"
#include "err.h"
#include "request.h"
#include "transport.h"

#define FETCH_IN_FLIGHT 8  /* calls in flight at once */
#define FETCH_PATH_MAX 512 /* a catalog call's path and query */

/* One call: its path and query, and where its answer goes: dest[store] = result[key]. */
struct call {
    char path[FETCH_PATH_MAX];
    const char *key, *store;
    json_t *dest; /* borrowed: a node of the catalog being built */
    int attempts;
    int retry_cost; /* what the budget gave for the retry out; refunded on success */
    int64_t due_us; /* when it may be (re)sent */
    bool sent, done;
};

struct fetcher {
    const struct catalog_fetch *f;
    struct transport *t;
    struct request_maker *m;
    unsigned seed;
    struct retrybudget own_budget, *budget; /* f->budget, or own_budget */
    int max_attempts;
    char *msg;
    size_t msglen;
};

/* Append s to out percent-encoded (all but A-Z a-z 0-9 - _ . ~). */
static void append_escaped(char *out, size_t size, const char *s)
{
    size_t len = strlen(out);
    for (; *s && len + 4 < size; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            strchr("-_.~", c))
            out[len++] = (char)c;
        else
            len += (size_t)snprintf(out + len, size - len, "%%%02X", c);
    }
    out[len] = '\0';
}

/* A call GET /v1/regions/{region}/{what}?{param}={value}[&volumeType=vt]. */
static void call_init(struct call *c, const char *region, const char *what, const char *param,
                      const char *value, const char *volume_type)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->path, sizeof(c->path), "/v1/regions/");
    append_escaped(c->path, sizeof(c->path), region);
    size_t len = strlen(c->path);
    snprintf(c->path + len, sizeof(c->path) - len, "/%s?%s=", what, param);
    append_escaped(c->path, sizeof(c->path), value);
    len = strlen(c->path);
    if (volume_type)
        snprintf(c->path + len, sizeof(c->path) - len, "&volumeType=%s", volume_type);
}

/* The API's words for a failed answer: its error message, else the start of the body. */
static void say_failure(struct fetcher *fe, const struct call *c, const struct http_response *r,
                        bool transient)
{
    const char *why = !transient                        ? ""
                      : c->attempts >= fe->max_attempts ? " (retries exhausted)"
                                                        : " (the retry budget is spent)";
    if (r->error != TRANSPORT_ERROR_NONE) {
        snprintf(fe->msg, fe->msglen, "GET %s: %s (%s), after %d attempts%s", c->path,
                 transport_error_name(r->error), r->message, c->attempts, why);
        return;
    }
    json_t *body = r->body ? json_loads(r->body, 0, NULL) : NULL;
    const char *words =
        json_string_value(json_object_get(json_object_get(body, "error"), "message"));
    snprintf(fe->msg, fe->msglen, "GET %s: HTTP %ld%s%.200s%s", c->path, r->status,
             words ? ": " : "", words ? words : "", why);
    json_decref(body);
}

/* Store a 200's result[key] in dest[store]. */
static int take_answer(struct fetcher *fe, struct call *c, const struct http_response *r)
{
    json_t *body = r->body ? json_loads(r->body, 0, NULL) : NULL;
    json_t *list = json_object_get(json_object_get(body, "result"), c->key);
    int rc = json_is_array(list) ? 0 : ERR_NET;
    if (rc)
        snprintf(fe->msg, fe->msglen, "GET %s: the answer has no result.%s array", c->path, c->key);
    else if (json_object_set(c->dest, c->store, list) != 0)
        rc = ERR_NOMEM;
    else
        retrybudget_release_on_success(fe->budget, c->retry_cost);
    json_decref(body);
    c->done = rc == 0;
    return rc;
}

/* 0 when the call will be retried (its cost taken from the budget), else its error (said). */
static int retry_or_fail(struct fetcher *fe, struct call *c, const struct http_response *r)
{
    bool transient = r->error == TRANSPORT_ERROR_TIMEOUT || r->error == TRANSPORT_ERROR_CONNECT ||
                     r->error == TRANSPORT_ERROR_RESET ||
                     (r->error == TRANSPORT_ERROR_NONE && (r->status == 429 || r->status >= 500));
    if (transient && c->attempts < fe->max_attempts &&
        retrybudget_acquire(fe->budget, r->error == TRANSPORT_ERROR_TIMEOUT, &c->retry_cost)) {
        int64_t after = -1;
        if (r->retry_after[0])
            backoff_parse_retry_after(r->retry_after, clock_wall(), &after);
        double u = (double)rand_r(&fe->seed) / ((double)RAND_MAX + 1);
        c->due_us = clock_now_us() + backoff_next_us(c->attempts, BACKOFF_DEFAULT_BASE_US,
                                                     BACKOFF_DEFAULT_CAP_US, u, after);
        c->sent = false;
        return 0;
    }
    say_failure(fe, c, r, transient);
    return ERR_NET;
}

/* Send the due calls while fewer than FETCH_IN_FLIGHT are out; the earliest due time of
 * those waiting (INT64_MAX: none). */
static int64_t submit_due(struct fetcher *fe, struct call *calls, size_t n, int *rc)
{
    int64_t next = INT64_MAX, now = clock_now_us();
    for (size_t i = 0; i < n && !*rc; i++) {
        struct call *c = &calls[i];
        if (c->done || c->sent)
            continue;
        if (c->due_us > now || transport_inflight(fe->t) >= FETCH_IN_FLIGHT) {
            next = c->due_us < next ? c->due_us : next;
            continue;
        }
        if (fe->f->bucket && !ratelimit_take(fe->f->bucket, now)) {
            int64_t when = now + ratelimit_wait_us(fe->f->bucket, now);
            next = when < next ? when : next;
            break; /* the rate says: not yet */
        }
        struct http_request *req;
        *rc = request_make_get(fe->m, c->path, clock_wall(), &req);
        if (*rc)
            break;
        req->user = c;
        *rc = transport_submit(fe->t, req);
        if (*rc)
            http_request_free(req);
        c->sent = true;
        c->attempts++;
    }
    return next;
}

/* Make every call of calls[n]; 0 when each has its answer stored. */
static int run_calls(struct fetcher *fe, struct call *calls, size_t n)
{
    int rc = 0;
    size_t left = n;
    while (left > 0 && !rc) {
        int64_t next = submit_due(fe, calls, n, &rc);
        if (rc)
            break;
        int64_t deadline = clock_now_us() + 1000000;
        if (next != INT64_MAX && next < deadline)
            deadline = next;
        struct http_response *resp[FETCH_IN_FLIGHT];
        size_t got = transport_poll_until(fe->t, resp, FETCH_IN_FLIGHT, deadline);
        for (size_t i = 0; i < got; i++) {
            struct call *c = resp[i]->user;
            int r = 0;
            if (resp[i]->error == TRANSPORT_ERROR_NONE && resp[i]->status == 200)
                r = take_answer(fe, c, resp[i]);
            else
                r = retry_or_fail(fe, c, resp[i]);
            left -= c->done;
            rc = rc ? rc : r;
            http_response_free(resp[i]);
        }
    }
    /* What is still out on an error is aborted and polled, so nothing is left behind. */
    transport_stop(fe->t, 0);
    while (transport_inflight(fe->t) > 0) {
        struct http_response *resp[FETCH_IN_FLIGHT];
        size_t got = transport_poll(fe->t, resp, FETCH_IN_FLIGHT, 100);
        for (size_t i = 0; i < got; i++)
            http_response_free(resp[i]);
    }
    return rc;
}

/* ---- The steps ---------------------------------------------------------------------------- */

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static bool wanted(const char *filter, const char *value)
{
    return !filter || (value && strcmp(filter, value) == 0);
}

/* A new transport for each step: run_calls stops it at the end. */
static int step(struct fetcher *fe, struct call *calls, size_t n)
{
    struct transport_config tc = {.inline_mode = true,
                                  .timeout_ms = fe->f->timeout_ms ? fe->f->timeout_ms : 30000,
                                  .max_connections = FETCH_IN_FLIGHT,
                                  .ca_file = fe->f->ca_file,
                                  .ca_dir = fe->f->ca_dir};
    int rc = transport_new(&tc, &fe->t);
    if (rc) {
        snprintf(fe->msg, fe->msglen, "cannot start the HTTP transport: %s", err_str(rc));
        return rc;
    }
    rc = run_calls(fe, calls, n);
    transport_free(fe->t);
    fe->t = NULL;
    return rc;
}

/* Step 1: describeRegiones, into root.regions, kept to the regions and zones asked for, each
 * zone with an empty deviceTypes and each region with an empty deviceTypes. */
static int fetch_regions(struct fetcher *fe, json_t *root)
{
    struct call c;
    memset(&c, 0, sizeof(c));
    snprintf(c.path, sizeof(c.path), "/v1/regions");
    c.key = c.store = "regions";
    c.dest = root;
    int rc = step(fe, &c, 1);
    if (rc)
        return rc;
    json_t *all = json_object_get(root, "regions"), *kept = json_array(), *r, *z;
    size_t i, k;
    if (!kept)
        return ERR_NOMEM;
    json_array_foreach(all, i, r)
    {
        if (!json_is_object(r) || !str(r, "region") || !wanted(fe->f->region, str(r, "region")))
            continue;
        json_t *azs = json_array(), *item = json_pack("{s:s}", "region", str(r, "region"));
        if (str(r, "regionName"))
            json_object_set(item, "regionName", json_object_get(r, "regionName"));
        json_array_foreach(json_object_get(r, "azs"), k, z)
        {
            if (str(z, "az") && wanted(fe->f->az, str(z, "az")))
                json_array_append_new(azs, json_pack("{s:s,s:s,s:[]}", "az", str(z, "az"), "azName",
                                                     str(z, "azName") ? str(z, "azName") : "",
                                                     "deviceTypes"));
        }
        json_object_set_new(item, "azs", azs);
        json_object_set_new(item, "deviceTypes", json_array());
        if (!fe->f->az || json_array_size(azs) > 0)
            json_array_append_new(kept, item);
        else
            json_decref(item);
    }
    json_object_set_new(root, "regions", kept);
    if (json_array_size(kept) > 0)
        return 0;
    snprintf(fe->msg, fe->msglen, "the API offers no %s%s%s", fe->f->az ? "zone " : "region ",
             fe->f->az       ? fe->f->az
             : fe->f->region ? fe->f->region
                             : "at all",
             fe->f->az && fe->f->region ? " in that region" : "");
    return ERR_INVALID;
}

/* Step 2: describeDeviceTypes per zone. */
static int fetch_device_types(struct fetcher *fe, json_t *root, size_t *nzones)
{
    json_t *r, *z;
    size_t i, k, n = 0;
    json_array_foreach(json_object_get(root, "regions"), i, r) n +=
        json_array_size(json_object_get(r, "azs"));
    struct call *calls = calloc(n ? n : 1, sizeof(*calls));
    if (!calls)
        return ERR_NOMEM;
    n = 0;
    json_array_foreach(json_object_get(root, "regions"), i, r)
    {
        json_array_foreach(json_object_get(r, "azs"), k, z)
        {
            call_init(&calls[n], str(r, "region"), "deviceTypes", "az", str(z, "az"), NULL);
            calls[n].key = calls[n].store = "deviceTypes";
            calls[n++].dest = z;
        }
    }
    int rc = step(fe, calls, n);
    free(calls);
    *nzones = n;
    return rc;
}

/* The device types named in a region's zones (those asked for), once each, in order, as
 * entries of its deviceTypes (their members made now, so the file's order does not depend on
 * which answer came first); the zones' lists kept to those asked for. */
static int collect_device_types(struct fetcher *fe, json_t *r, size_t *count)
{
    json_t *z, *d, *entries = json_object_get(r, "deviceTypes");
    size_t k, m;
    json_array_foreach(json_object_get(r, "azs"), k, z)
    {
        json_t *kept = json_array();
        json_array_foreach(json_object_get(z, "deviceTypes"), m, d)
        {
            const char *name = str(d, "deviceType");
            if (!name || !wanted(fe->f->device_type, name))
                continue;
            json_array_append(kept, d);
            size_t e;
            json_t *have;
            bool seen = false;
            json_array_foreach(entries, e, have) seen =
                seen || strcmp(str(have, "deviceType"), name) == 0;
            if (!seen) {
                json_array_append_new(entries, json_pack("{s:s,s:[],s:[],s:[]}", "deviceType", name,
                                                         "oss", "sysRaids", "dataRaids"));
                (*count)++;
            }
        }
        json_object_set_new(z, "deviceTypes", kept);
    }
    return 0;
}

/* Step 3: describeOS and describeDeviceRaids (system, data) per device type of each region. */
static int fetch_details(struct fetcher *fe, json_t *root)
{
    json_t *r, *d;
    size_t i, k, n = 0;
    json_array_foreach(json_object_get(root, "regions"), i, r) collect_device_types(fe, r, &n);
    if (fe->f->device_type && n == 0) {
        snprintf(fe->msg, fe->msglen, "no zone asked about offers device type %s",
                 fe->f->device_type);
        return ERR_INVALID;
    }
    struct call *calls = calloc(3 * n + 1, sizeof(*calls));
    if (!calls)
        return ERR_NOMEM;
    n = 0;
    json_array_foreach(json_object_get(root, "regions"), i, r)
    {
        json_array_foreach(json_object_get(r, "deviceTypes"), k, d)
        {
            const char *region = str(r, "region"), *dt = str(d, "deviceType");
            call_init(&calls[n], region, "os", "deviceType", dt, NULL);
            calls[n].key = calls[n].store = "oss";
            calls[n++].dest = d;
            call_init(&calls[n], region, "raids", "deviceType", dt, "system");
            calls[n].key = "raids";
            calls[n].store = "sysRaids";
            calls[n++].dest = d;
            call_init(&calls[n], region, "raids", "deviceType", dt, "data");
            calls[n].key = "raids";
            calls[n].store = "dataRaids";
            calls[n++].dest = d;
        }
    }
    int rc = step(fe, calls, n);
    free(calls);
    return rc;
}

int catalog_fetch(const struct catalog_fetch *f, struct catalog **out, char *msg, size_t msglen)
{
    struct fetcher fe = {.f = f,
                         .seed = (unsigned)clock_now_us(),
                         .budget = f->budget ? f->budget : &fe.own_budget,
                         .max_attempts =
                             f->max_attempts > 0 ? f->max_attempts : CATALOG_FETCH_ATTEMPTS,
                         .msg = msg,
                         .msglen = msglen};
    json_t *root = json_object();
    size_t zones = 0;
    int rc = root ? transport_global_init() : ERR_NOMEM;
    rc = rc ? rc : retrybudget_init(&fe.own_budget, RETRYBUDGET_DEFAULT_CAPACITY);
    rc = rc ? rc : request_maker_new(f->endpoint, f->access_key, f->secret_key, &fe.m);
    rc = rc ? rc : fetch_regions(&fe, root);
    rc = rc ? rc : fetch_device_types(&fe, root, &zones);
    rc = rc ? rc : fetch_details(&fe, root);
    request_maker_free(fe.m);
    if (rc) {
        json_decref(root);
        return rc;
    }
    char what[256];
    rc = catalog_from_json(root, out, what, sizeof(what));
    if (rc == ERR_PARSE) {
        snprintf(msg, msglen, "the API's catalog is not what API.md says: %s", what);
        rc = ERR_NET;
    }
    return rc;
}
