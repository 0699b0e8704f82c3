#include "simapi.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "err.h"
#include "field.h"
#include "simauth.h"
#include "simbody.h"
#include "simdescribe.h"
#include "simbuf.h"
#include "spec.h"

#define REGION_MAX 64
#define ARG_MAX 128
#define MAX_PROBLEMS_IN_MESSAGE 8

/* A request's operation and the path parameters it carries. */
struct route {
    enum simstate_api api;
    char region[REGION_MAX]; /* "" when the path has none */
    char arg[ARG_MAX];       /* instanceId or osTypeId */
};

/* ---- routing ---- */

/* Split url into at most max segments (pointers into url, lengths). Returns the count, or
 * -1 when there are more or the path does not start with '/'. */
static int split(const char *url, const char **seg, size_t *len, int max)
{
    int n = 0;
    if (url[0] != '/')
        return -1;
    for (const char *p = url + 1;; n++) {
        const char *e = strchr(p, '/');
        if (n == max)
            return -1;
        seg[n] = p;
        len[n] = e ? (size_t)(e - p) : strlen(p);
        if (e == NULL)
            return n + 1;
        p = e + 1;
    }
}

static bool seg_is(const char *seg, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(seg, word, len) == 0;
}

static bool copy_seg(char *dst, size_t cap, const char *seg, size_t len)
{
    if (len == 0 || len >= cap)
        return false;
    memcpy(dst, seg, len);
    dst[len] = '\0';
    return true;
}

/* The GET operations under /v1/regions/{r}/, by the segments after the region. */
static enum simstate_api route_get(const char **seg, size_t *len, int n, struct route *r)
{
    if (n == 4 && seg_is(seg[3], len[3], "instances"))
        return SIMSTATE_API_DESCRIBE_INSTANCES;
    if (n == 5 && seg_is(seg[3], len[3], "instances") && copy_seg(r->arg, ARG_MAX, seg[4], len[4]))
        return SIMSTATE_API_DESCRIBE_INSTANCE;
    if (n == 4 && seg_is(seg[3], len[3], "deviceTypes"))
        return SIMSTATE_API_DEVICE_TYPES;
    if (n == 4 && seg_is(seg[3], len[3], "os"))
        return SIMSTATE_API_OS;
    if (n == 4 && seg_is(seg[3], len[3], "raids"))
        return SIMSTATE_API_RAIDS;
    if (n == 6 && seg_is(seg[3], len[3], "os") && seg_is(seg[5], len[5], "softwares") &&
        copy_seg(r->arg, ARG_MAX, seg[4], len[4]))
        return SIMSTATE_API_SOFTWARES;
    return SIMSTATE_API_UNKNOWN;
}

static void route_parse(const char *method, const char *url, struct route *r)
{
    const char *seg[8];
    size_t len[8];
    int n = split(url, seg, len, 8);
    bool get = strcmp(method, "GET") == 0, put = strcmp(method, "PUT") == 0;
    r->api = SIMSTATE_API_UNKNOWN;
    r->region[0] = r->arg[0] = '\0';
    if (n < 2 || !seg_is(seg[0], len[0], "v1") || !seg_is(seg[1], len[1], "regions"))
        return;
    if (n == 2) {
        r->api = get ? SIMSTATE_API_REGIONS : SIMSTATE_API_UNKNOWN;
        return;
    }
    if (!copy_seg(r->region, REGION_MAX, seg[2], len[2]))
        return;
    if (put && n == 4 && seg_is(seg[3], len[3], "instances"))
        r->api = SIMSTATE_API_CREATE;
    else if (get)
        r->api = route_get(seg, len, n, r);
}

bool simapi_is_create(const char *method, const char *url)
{
    struct route r;
    if (strcmp(method, "PUT") != 0)
        return false;
    route_parse(method, url, &r);
    return r.api == SIMSTATE_API_CREATE;
}

bool simapi_is_admin(const char *url)
{
    return strncmp(url, "/__sim/", 7) == 0;
}

/* ---- answers ---- */

static void fail(struct simctx *ctx, struct simreply *out, int code, const char *status,
                 const char *message)
{
    simreply_error(out, &ctx->ids, code, status, message, NULL);
}

static bool region_known(struct simctx *ctx, const struct route *r, struct simreply *out)
{
    if (simcatalog_has_region(ctx->catalog, r->region))
        return true;
    simreply_not_found(out, &ctx->ids, "region", r->region);
    return false;
}

/* ---- createInstances ---- */

/* Validation problems, gathered through the spec report callback. */
struct problems {
    int n;
    struct buf msg;     /* "path: message; path: message" (the first few) */
    struct buf details; /* [{"field":path,"message":..},...] */
};

static void problem(void *arg, enum field_id f, const char *msg)
{
    struct problems *p = arg;
    const char *path = field_json_path(f);
    if (p->n < MAX_PROBLEMS_IN_MESSAGE)
        buf_addf(&p->msg, "%s%s: %s", p->n ? "; " : "", path, msg);
    buf_addstr(&p->details, p->n ? ",{\"field\":" : "[{\"field\":");
    simbuf_json_str(&p->details, path);
    buf_addstr(&p->details, ",\"message\":");
    simbuf_json_str(&p->details, msg);
    buf_addch(&p->details, '}');
    p->n++;
}

static void count_problem(void *arg, enum field_id f, const char *msg)
{
    (void)f;
    (void)msg;
    ++*(int *)arg;
}

/* The body's regionId is the path's unless it says otherwise. */
static void region_from_path(struct spec *s, const struct route *r, struct problems *p)
{
    char msg[160];
    if (!s->present[FIELD_REGION_ID]) {
        s->present[FIELD_REGION_ID] = true;
        s->str[FIELD_REGION_ID] = r->region;
    } else if (s->str[FIELD_REGION_ID] && strcmp(s->str[FIELD_REGION_ID], r->region) != 0) {
        snprintf(msg, sizeof msg, "must be the path's region %s, got %.64s", r->region,
                 s->str[FIELD_REGION_ID]);
        problem(p, FIELD_REGION_ID, msg);
    }
}

/* The fast path: the plain body shape (simbody.h) with no problem at all. On false s is
 * fresh and the body as received. */
static bool parse_plain(struct simctx *ctx, const struct simcall *call, const struct route *r,
                        struct spec *s)
{
    struct simbody_marks marks;
    if (!simbody_read(call->body, call->body_len, s, &marks))
        return false;
    if (!s->present[FIELD_REGION_ID]) {
        s->present[FIELD_REGION_ID] = true;
        s->str[FIELD_REGION_ID] = r->region;
    }
    int quiet_problems = 0;
    if (strcmp(s->str[FIELD_REGION_ID], r->region) == 0 &&
        spec_check(s, count_problem, &quiet_problems) == 0 &&
        (!ctx->strict_catalog ||
         simcatalog_check(ctx->catalog, s, count_problem, &quiet_problems) == 0))
        return true;
    simbody_restore(call->body, &marks);
    spec_release(s);
    spec_init(s);
    return false;
}

/* Fill and check the spec from the body. Returns false after answering 400. */
static bool parse_spec(struct simctx *ctx, const struct simcall *call, const struct route *r,
                       json_t **root, struct spec *s, struct simreply *out)
{
    json_error_t jerr;
    char msg[320];
    if (parse_plain(ctx, call, r, s))
        return true;
    *root = json_loadb(call->body, call->body_len, 0, &jerr);
    if (*root == NULL || !json_is_object(*root)) {
        if (*root)
            snprintf(msg, sizeof msg, "malformed JSON: the body must be an object");
        else
            snprintf(msg, sizeof msg, "malformed JSON at line %d column %d: %s", jerr.line,
                     jerr.column, jerr.text);
        fail(ctx, out, 400, "INVALID_ARGUMENT", msg);
        return false;
    }
    struct problems p = {0};
    buf_init(&p.msg, SIMBUF_MAX);
    buf_init(&p.details, SIMBUF_MAX);
    spec_from_json(s, *root, problem, &p);
    region_from_path(s, r, &p);
    if (p.n == 0)
        spec_check(s, problem, &p);
    if (p.n == 0 && ctx->strict_catalog)
        simcatalog_check(ctx->catalog, s, problem, &p);
    if (p.n) {
        buf_addch(&p.details, ']');
        simreply_error(out, &ctx->ids, 400, "INVALID_ARGUMENT",
                       p.msg.data ? p.msg.data : "invalid request",
                       p.details.err ? NULL : p.details.data);
    }
    buf_release(&p.msg);
    buf_release(&p.details);
    return p.n == 0;
}

static void created(struct simctx *ctx, struct simreply *out, uint64_t first, int count)
{
    struct buf b;
    char id[SIMSTATE_ID_LEN + 3]; /* quoted */
    buf_init(&b, SIMBUF_MAX);
    buf_addch(&b, '{');
    simreply_request_id(&ctx->ids, &b);
    buf_addstr(&b, ",\"result\":{\"instanceIds\":[");
    for (int i = 0; i < count; i++) {
        id[0] = '"';
        simstate_id(ctx->state, first + (uint64_t)i, id + 1);
        id[SIMSTATE_ID_LEN + 1] = '"';
        buf_add(&b, ",", i > 0);
        buf_add(&b, id, SIMSTATE_ID_LEN + 2);
    }
    buf_addstr(&b, "]}}");
    simreply_take(out, 200, &b);
}

/* Record the order and answer with its ids (or the earlier ones of its token), once the
 * state file holds them (out->seq). */
static void create_order(struct simctx *ctx, const struct simcall *call, const struct spec *s,
                         long long quota, struct simreply *out)
{
    struct simorder *o = simstate_order_new(s, call->now_us, (long long)clock_wall());
    struct simstate_answer a;
    char msg[128];
    int rc = o ? simstate_create(ctx->state, o, quota, &a) : ERR_NOMEM;
    if (rc != 0 || a.outcome != SIMSTATE_CREATED)
        free(o);
    if (rc != 0) {
        fail(ctx, out, 500, "INTERNAL", err_str(rc));
    } else if (a.outcome == SIMSTATE_OVER_QUOTA) {
        snprintf(msg, sizeof msg, "quota exceeded: at most %lld instances", quota);
        fail(ctx, out, 429, "QUOTA_EXCEEDED", msg);
    } else {
        created(ctx, out, a.first, a.count);
        out->seq = a.seq;
    }
}

static void create_instances(struct simctx *ctx, const struct simcall *call, const struct route *r,
                             const struct sim_faults *k, struct simreply *out)
{
    if (!region_known(ctx, r, out))
        return;
    json_t *root = NULL; /* new; the spec borrows its strings, so it outlives the spec */
    struct spec s;
    spec_init(&s);
    if (!parse_spec(ctx, call, r, &root, &s, out))
        ; /* answered 400 */
    else if (s.num[FIELD_COUNT] > SIMSTATE_MAX_COUNT)
        fail(ctx, out, 400, "INVALID_ARGUMENT",
             "instanceSpec.count: cps-sim makes at most 10000 instances per request");
    else
        create_order(ctx, call, &s, k->quota, out);
    spec_release(&s);
    json_decref(root);
}

/* ---- catalog calls ---- */

static const char *query(const struct simcall *call, const char *key)
{
    const char *v = MHD_lookup_connection_value(call->conn, MHD_GET_ARGUMENT_KIND, key);
    return v && v[0] ? v : NULL;
}

static void catalog_answer(struct simctx *ctx, struct simreply *out, json_t *result)
{
    simreply_result(out, &ctx->ids, result);
    json_decref(result);
}

static bool required(struct simctx *ctx, struct simreply *out, const char *value, const char *name)
{
    char msg[96];
    if (value)
        return true;
    snprintf(msg, sizeof msg, "%s is required", name);
    fail(ctx, out, 400, "INVALID_ARGUMENT", msg);
    return false;
}

static void catalog_call(struct simctx *ctx, const struct simcall *call, const struct route *r,
                         struct simreply *out)
{
    const struct simcatalog *c = ctx->catalog;
    const char *dt = query(call, "deviceType"), *vt = query(call, "volumeType");
    if (r->api == SIMSTATE_API_REGIONS) {
        catalog_answer(ctx, out, simcatalog_regions(c));
        return;
    }
    if (!region_known(ctx, r, out))
        return;
    switch (r->api) {
    case SIMSTATE_API_DEVICE_TYPES:
        catalog_answer(ctx, out, simcatalog_device_types(c, r->region, query(call, "az")));
        break;
    case SIMSTATE_API_OS:
        if (required(ctx, out, dt, "deviceType"))
            catalog_answer(ctx, out, simcatalog_oss(c, r->region, dt, query(call, "osType")));
        break;
    case SIMSTATE_API_RAIDS:
        if (vt && strcmp(vt, "system") != 0 && strcmp(vt, "data") != 0)
            fail(ctx, out, 400, "INVALID_ARGUMENT", "volumeType must be system or data");
        else if (required(ctx, out, dt, "deviceType"))
            catalog_answer(ctx, out, simcatalog_raids(c, r->region, dt, vt));
        break;
    default: catalog_answer(ctx, out, simcatalog_softwares(c, r->region, r->arg)); break;
    }
}

/* ---- in front of the API: signature, faults ---- */

static const char *header(const struct simcall *call, const char *name)
{
    return MHD_lookup_connection_value(call->conn, MHD_HEADER_KIND, name);
}

/* Returns false after answering 401. */
static bool signature_ok(struct simctx *ctx, const struct simcall *call, const struct route *r,
                         long long now, struct simreply *out)
{
    const char *q = strchr(call->raw_uri, '?');
    size_t plen = q ? (size_t)(q - call->raw_uri) : strlen(call->raw_uri);
    char *path = malloc(plen + 1);
    char why[256] = "no access key configured in cps-sim";
    if (path == NULL) {
        fail(ctx, out, 500, "INTERNAL", "cps-sim is out of memory");
        return false;
    }
    memcpy(path, call->raw_uri, plen);
    path[plen] = '\0';
    const char *ct = header(call, "Content-Type"), *host = header(call, "Host");
    struct sign_request parts = {
        .method = call->method,
        .host = host ? host : "",
        .path = path,
        .query = q ? q + 1 : "",
        .body = call->body,
        .body_len = call->body_len,
        .content_type = ct ? ct : "",
        .date = header(call, "x-jdcloud-date"),
        .nonce = header(call, "x-jdcloud-nonce"),
        .region = r->region[0] ? r->region : "jdcloud-api",
        .service = "cps",
    };
    bool ok = ctx->access_key && ctx->secret_key &&
              simauth_verify(&parts, header(call, "Authorization"), ctx->access_key,
                             ctx->secret_key, now, why, sizeof why);
    free(path);
    if (!ok)
        fail(ctx, out, 401, "UNAUTHENTICATED", why);
    return ok;
}

/* Answer an injected fault. Returns false when there is none. */
static bool injected(struct simctx *ctx, const struct simfault_decision *d, struct simreply *out)
{
    const struct sim_faults *k = &d->knobs;
    switch (d->kind) {
    case SIMFAULT_RATE_LIMITED:
        simstate_count(ctx->state, SIMSTATE_RATE_LIMITED);
        if (k->limit_status == 429)
            fail(ctx, out, 429, "RATE_LIMIT", "request rate over the limit (cps-sim)");
        else
            fail(ctx, out, 503, "UNAVAILABLE", "request rate over the limit (cps-sim)");
        break;
    case SIMFAULT_503:
        fail(ctx, out, 503, "UNAVAILABLE", "service unavailable (cps-sim fault p503)");
        break;
    case SIMFAULT_429:
        fail(ctx, out, 429, "RATE_LIMIT", "too many requests (cps-sim fault p429)");
        break;
    case SIMFAULT_500:
        fail(ctx, out, 500, "INTERNAL", "internal error (cps-sim fault p500)");
        break;
    default: return false;
    }
    if (out->status == 503 || out->status == 429)
        out->retry_after = k->retry_after;
    return true;
}

static void dispatch(struct simctx *ctx, const struct simcall *call, const struct route *r,
                     const struct sim_faults *k, struct simreply *out)
{
    char msg[160];
    switch (r->api) {
    case SIMSTATE_API_CREATE: create_instances(ctx, call, r, k, out); break;
    case SIMSTATE_API_DESCRIBE_INSTANCE:
        if (region_known(ctx, r, out))
            simdescribe_instance(ctx, call, r->region, r->arg, k, out);
        break;
    case SIMSTATE_API_DESCRIBE_INSTANCES:
        if (region_known(ctx, r, out))
            simdescribe_instances(ctx, call, r->region, k, out);
        break;
    case SIMSTATE_API_UNKNOWN:
        snprintf(msg, sizeof msg, "no API at %.8s %.120s", call->method, call->url);
        fail(ctx, out, 404, "NOT_FOUND", msg);
        break;
    default: catalog_call(ctx, call, r, out); break;
    }
}

void simapi_handle(struct simctx *ctx, const struct simcall *call, struct simreply *out)
{
    struct route r;
    struct simfault_decision d;
    simreply_init(out);
    route_parse(call->method, call->url, &r);
    simstate_count(ctx->state, SIMSTATE_REQUESTS);
    simstate_count_api(ctx->state, r.api);
    simfault_decide(&ctx->fault, call->now_us, r.api == SIMSTATE_API_CREATE, &d);
    out->delay_us = d.delay_us;
    if (d.kind == SIMFAULT_RESET_BEFORE) {
        simstate_count(ctx->state, SIMSTATE_RESETS_BEFORE);
        out->reset = true;
        return;
    }
    long long now = d.knobs.clock ? d.knobs.clock : (long long)clock_wall();
    if (d.knobs.verify_signatures && !signature_ok(ctx, call, &r, now, out))
        goto out_count;
    if (!injected(ctx, &d, out))
        dispatch(ctx, call, &r, &d.knobs, out);
    if (d.reset_after) {
        simstate_count(ctx->state, SIMSTATE_RESETS_AFTER);
        out->reset = true;
        return;
    }
out_count:
    simstate_count_status(ctx->state, out->status);
}

/* ---- /__sim/ ---- */

static void admin_faults_post(struct simctx *ctx, const struct simcall *call, struct simreply *out)
{
    json_error_t jerr;
    char msg[256];
    json_t *obj = json_loadb(call->body, call->body_len, 0, &jerr); /* new */
    struct sim_faults k;
    bool reseed = false;
    simfault_get(&ctx->fault, &k);
    if (obj == NULL) {
        snprintf(msg, sizeof msg, "malformed JSON at line %d column %d: %s", jerr.line, jerr.column,
                 jerr.text);
        fail(ctx, out, 400, "INVALID_ARGUMENT", msg);
        return;
    }
    if (simfault_from_json(&k, obj, &reseed, msg, sizeof msg) != 0) {
        fail(ctx, out, 400, "INVALID_ARGUMENT", msg);
    } else {
        simfault_set(&ctx->fault, &k, reseed);
        json_t *now = simfault_to_json(&k); /* new */
        simreply_text(out, 200, now ? json_dumps(now, JSON_COMPACT) : NULL);
        json_decref(now);
    }
    json_decref(obj);
}

void simapi_admin(struct simctx *ctx, const struct simcall *call, struct simreply *out)
{
    bool get = strcmp(call->method, "GET") == 0, post = strcmp(call->method, "POST") == 0;
    simreply_init(out);
    if (get && strcmp(call->url, "/__sim/stats") == 0) {
        const char *t = MHD_lookup_connection_value(call->conn, MHD_GET_ARGUMENT_KIND, "tokens");
        struct buf b;
        buf_init(&b, SIMBUF_MAX);
        simstate_stats(ctx->state, t == NULL || strcmp(t, "0") != 0, &b);
        simreply_take(out, 200, &b);
    } else if (post && strcmp(call->url, "/__sim/reset") == 0) {
        uint64_t seq = simstate_reset(ctx->state);
        char *ok = malloc(12);
        if (ok)
            memcpy(ok, "{\"ok\":true}", 12);
        simreply_text(out, 200, ok);
        out->seq = seq;
    } else if (get && strcmp(call->url, "/__sim/faults") == 0) {
        struct sim_faults k;
        simfault_get(&ctx->fault, &k);
        json_t *o = simfault_to_json(&k); /* new */
        simreply_text(out, 200, o ? json_dumps(o, JSON_COMPACT) : NULL);
        json_decref(o);
    } else if (post && strcmp(call->url, "/__sim/faults") == 0) {
        admin_faults_post(ctx, call, out);
    } else {
        fail(ctx, out, 404, "NOT_FOUND", "no such /__sim/ endpoint");
    }
}
