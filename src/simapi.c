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
#include "simbuf.h"
#include "spec.h"

#define REGION_MAX 64
#define ARG_MAX 128
#define MAX_FILTERS 8
#define MAX_FILTER_VALUES 100
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

void simapi_reply_release(struct simreply *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

static void reply_init(struct simreply *out)
{
    out->status = 500;
    out->body = NULL;
    out->len = 0;
    out->retry_after = -1;
    out->reset = false;
    out->delay_us = 0;
}

static void put_hex64(char *out, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--, v >>= 4)
        out[i] = hex[v & 15];
}

/* requestId: 32 lower-case hex digits, unique per call. */
static void request_id(struct simctx *ctx, struct simbuf *b)
{
    uint64_t s = atomic_fetch_add_explicit(&ctx->request_seq, 1, memory_order_relaxed);
    uint64_t st = s ^ ctx->request_key;
    char text[] = "\"requestId\":\"0123456789abcdef0123456789abcdef\"";
    put_hex64(text + 13, simfault_rng_next(&st));
    put_hex64(text + 29, simfault_rng_next(&st));
    simbuf_put(b, text, sizeof text - 1);
}

/* Hand the buffer over as the answer's body; out of memory becomes a bare 500. */
static void reply_take(struct simreply *out, int status, struct simbuf *b)
{
    simapi_reply_release(out);
    out->status = status;
    out->body = simbuf_take(b, &out->len);
    if (out->body == NULL) {
        static const char oom[] = "{\"error\":{\"code\":500,\"status\":\"INTERNAL\","
                                  "\"message\":\"cps-sim is out of memory\"}}";
        out->status = 500;
        out->body = malloc(sizeof oom);
        out->len = out->body ? sizeof oom - 1 : 0;
        if (out->body)
            memcpy(out->body, oom, sizeof oom);
    }
}

/* The envelope {"requestId":..,"error":{code,status,message[,details]}}. details: a JSON
 * array text or NULL. */
static void error_details(struct simctx *ctx, struct simreply *out, int code, const char *status,
                          const char *message, const char *details)
{
    struct simbuf b;
    simbuf_init(&b);
    simbuf_putc(&b, '{');
    request_id(ctx, &b);
    simbuf_printf(&b, ",\"error\":{\"code\":%d,\"status\":\"%s\",\"message\":", code, status);
    simbuf_json_str(&b, message);
    if (details) {
        simbuf_puts(&b, ",\"details\":");
        simbuf_puts(&b, details);
    }
    simbuf_puts(&b, "}}");
    reply_take(out, code, &b);
}

void simapi_error(struct simctx *ctx, struct simreply *out, int code, const char *status,
                  const char *message)
{
    error_details(ctx, out, code, status, message, NULL);
}

/* {"requestId":..,"result":<result>} with result a JSON object (borrowed). */
static void result_json(struct simctx *ctx, struct simreply *out, const json_t *result)
{
    char *text = result ? json_dumps(result, JSON_COMPACT) : NULL;
    if (text == NULL) {
        simapi_error(ctx, out, 500, "INTERNAL", "cps-sim is out of memory");
        return;
    }
    struct simbuf b;
    simbuf_init(&b);
    simbuf_putc(&b, '{');
    request_id(ctx, &b);
    simbuf_puts(&b, ",\"result\":");
    simbuf_puts(&b, text);
    simbuf_putc(&b, '}');
    free(text);
    reply_take(out, 200, &b);
}

static void not_found(struct simctx *ctx, struct simreply *out, const char *what, const char *id)
{
    char msg[256];
    snprintf(msg, sizeof msg, "%s %s not found", what, id);
    simapi_error(ctx, out, 404, "NOT_FOUND", msg);
}

static bool region_known(struct simctx *ctx, const struct route *r, struct simreply *out)
{
    if (simcatalog_has_region(ctx->catalog, r->region))
        return true;
    not_found(ctx, out, "region", r->region);
    return false;
}

/* ---- createInstances ---- */

/* Validation problems, gathered through the spec report callback. */
struct problems {
    int n;
    struct simbuf msg;     /* "path: message; path: message" (the first few) */
    struct simbuf details; /* [{"field":path,"message":..},...] */
};

static void problem(void *arg, enum field_id f, const char *msg)
{
    struct problems *p = arg;
    const char *path = field_json_path(f);
    if (p->n < MAX_PROBLEMS_IN_MESSAGE)
        simbuf_printf(&p->msg, "%s%s: %s", p->n ? "; " : "", path, msg);
    simbuf_puts(&p->details, p->n ? ",{\"field\":" : "[{\"field\":");
    simbuf_json_str(&p->details, path);
    simbuf_puts(&p->details, ",\"message\":");
    simbuf_json_str(&p->details, msg);
    simbuf_putc(&p->details, '}');
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
        simapi_error(ctx, out, 400, "INVALID_ARGUMENT", msg);
        return false;
    }
    struct problems p = {0};
    simbuf_init(&p.msg);
    simbuf_init(&p.details);
    spec_from_json(s, *root, problem, &p);
    region_from_path(s, r, &p);
    if (p.n == 0)
        spec_check(s, problem, &p);
    if (p.n == 0 && ctx->strict_catalog)
        simcatalog_check(ctx->catalog, s, problem, &p);
    if (p.n) {
        simbuf_putc(&p.details, ']');
        error_details(ctx, out, 400, "INVALID_ARGUMENT", p.msg.p ? p.msg.p : "invalid request",
                      p.details.oom ? NULL : p.details.p);
    }
    simbuf_release(&p.msg);
    simbuf_release(&p.details);
    return p.n == 0;
}

static void created(struct simctx *ctx, struct simreply *out, uint64_t first, int count)
{
    struct simbuf b;
    char id[SIMSTATE_ID_LEN + 3]; /* quoted */
    simbuf_init(&b);
    simbuf_putc(&b, '{');
    request_id(ctx, &b);
    simbuf_puts(&b, ",\"result\":{\"instanceIds\":[");
    for (int i = 0; i < count; i++) {
        id[0] = '"';
        simstate_id(ctx->state, first + (uint64_t)i, id + 1);
        id[SIMSTATE_ID_LEN + 1] = '"';
        simbuf_put(&b, ",", i > 0);
        simbuf_put(&b, id, SIMSTATE_ID_LEN + 2);
    }
    simbuf_puts(&b, "]}}");
    reply_take(out, 200, &b);
}

/* Record the order and answer with its ids (or the earlier ones of its token). */
static void create_order(struct simctx *ctx, const struct simcall *call, const struct spec *s,
                         long long quota, struct simreply *out)
{
    struct simorder *o = simstate_order_new(s, call->now_us, (long long)clock_wall());
    enum simstate_outcome outcome;
    uint64_t first;
    int count;
    char msg[128];
    int rc = o ? simstate_create(ctx->state, o, quota, &outcome, &first, &count) : ERR_NOMEM;
    if (rc != 0 || outcome != SIMSTATE_CREATED)
        free(o);
    if (rc != 0) {
        simapi_error(ctx, out, 500, "INTERNAL", err_str(rc));
    } else if (outcome == SIMSTATE_OVER_QUOTA) {
        snprintf(msg, sizeof msg, "quota exceeded: at most %lld instances", quota);
        simapi_error(ctx, out, 429, "QUOTA_EXCEEDED", msg);
    } else {
        created(ctx, out, first, count);
    }
}

static void create_instances(struct simctx *ctx, const struct simcall *call,
                             const struct route *r, const struct sim_faults *k,
                             struct simreply *out)
{
    if (!region_known(ctx, r, out))
        return;
    json_t *root = NULL; /* new; the spec borrows its strings, so it outlives the spec */
    struct spec s;
    spec_init(&s);
    if (!parse_spec(ctx, call, r, &root, &s, out))
        ; /* answered 400 */
    else if (s.num[FIELD_COUNT] > SIMSTATE_MAX_COUNT)
        simapi_error(ctx, out, 400, "INVALID_ARGUMENT",
                     "instanceSpec.count: cps-sim makes at most 10000 instances per request");
    else
        create_order(ctx, call, &s, k->quota, out);
    spec_release(&s);
    json_decref(root);
}

/* ---- describeInstance(s) ---- */

static const char *instance_status(const struct simorder *o, int64_t now_us, double create_s)
{
    return (double)(now_us - o->created_us) >= create_s * 1e6 ? "running" : "creating";
}

static void put_text(struct simbuf *b, const struct simorder *o, enum field_id f)
{
    const char *v = simstate_order_text(o, f);
    if (v == NULL)
        return;
    simbuf_printf(b, ",\"%s\":", field_json_key(f));
    simbuf_json_str(b, v);
}

static void put_time(struct simbuf *b, const char *key, long long t)
{
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    simbuf_printf(b, ",\"%s\":\"%04d-%02d-%02dT%02d:%02d:%02dZ\"", key, tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void put_charge(struct simbuf *b, const struct simorder *o)
{
    const char *mode = simstate_order_text(o, FIELD_CHARGE_MODE);
    simbuf_puts(b, ",\"charge\":{\"chargeMode\":");
    simbuf_json_str(b, mode ? mode : "postpaid_by_duration");
    put_text(b, o, FIELD_CHARGE_UNIT);
    if (o->charge_duration >= 0)
        simbuf_printf(b, ",\"chargeDuration\":%lld", o->charge_duration);
    simbuf_puts(b, ",\"chargeStatus\":\"normal\"");
    put_time(b, "chargeStartTime", o->created_wall);
    simbuf_putc(b, '}');
}

/* The fields of an instance that the order sets, as describeInstance shows them. */
static const enum field_id instance_fields[] = {
    FIELD_AZ, FIELD_DEVICE_TYPE, FIELD_NAME, FIELD_DESCRIPTION, FIELD_IMAGE_TYPE,
    FIELD_OS_TYPE_ID, FIELD_SYS_RAID_TYPE_ID, FIELD_DATA_RAID_TYPE_ID, FIELD_NETWORK_TYPE,
    FIELD_SUBNET_ID, FIELD_CIDR, FIELD_LINE_TYPE,
};

static void put_instance(struct simbuf *b, struct simctx *ctx, const struct simorder *o,
                         uint64_t serial, int64_t now_us, double create_s)
{
    char id[SIMSTATE_ID_LEN + 1];
    simstate_id(ctx->state, serial, id);
    const char *internet = simstate_order_text(o, FIELD_ENABLE_INTERNET);
    bool public_ip = internet == NULL || strcmp(internet, "yes") == 0;
    simbuf_printf(b, "{\"instanceId\":\"%s\",\"region\":", id);
    simbuf_json_str(b, simstate_order_text(o, FIELD_REGION_ID));
    for (size_t i = 0; i < sizeof instance_fields / sizeof instance_fields[0]; i++)
        put_text(b, o, instance_fields[i]);
    simbuf_printf(b, ",\"enableInternet\":\"%s\"", public_ip ? "yes" : "no");
    if (o->bandwidth >= 0)
        simbuf_printf(b, ",\"bandwidth\":%lld", o->bandwidth);
    simbuf_printf(b, ",\"status\":\"%s\",\"privateIp\":\"10.%u.%u.%u\"",
                  instance_status(o, now_us, create_s), (unsigned)(serial >> 16) & 255,
                  (unsigned)(serial >> 8) & 255, (unsigned)serial & 255);
    if (public_ip)
        simbuf_printf(b, ",\"publicIp\":\"116.196.%u.%u\"", (unsigned)(serial >> 8) & 255,
                      (unsigned)serial & 255);
    put_time(b, "createTime", o->created_wall);
    put_charge(b, o);
    simbuf_putc(b, '}');
}

/* One describeInstance: the region to match, where to write. */
struct one_visit {
    struct simctx *ctx;
    const char *region;
    int64_t now_us;
    double create_s;
    struct simbuf *b;
    bool found;
};

static bool visit_one(void *arg, const struct simorder *o, uint64_t serial)
{
    struct one_visit *v = arg;
    if (strcmp(simstate_order_text(o, FIELD_REGION_ID), v->region) != 0)
        return false;
    simbuf_puts(v->b, ",\"result\":{\"instance\":");
    put_instance(v->b, v->ctx, o, serial, v->now_us, v->create_s);
    simbuf_puts(v->b, "}}");
    v->found = true;
    return false;
}

static void describe_instance(struct simctx *ctx, const struct simcall *call,
                              const struct route *r, const struct sim_faults *k,
                              struct simreply *out)
{
    if (!region_known(ctx, r, out))
        return;
    struct simbuf b;
    simbuf_init(&b);
    simbuf_putc(&b, '{');
    request_id(ctx, &b);
    struct one_visit v = {ctx, r->region, call->now_us, k->create_seconds, &b, false};
    uint64_t serial;
    if (simstate_serial(ctx->state, r->arg, &serial))
        simstate_find(ctx->state, serial, visit_one, &v);
    if (v.found)
        reply_take(out, 200, &b);
    else
        not_found(ctx, out, "instance", r->arg);
    simbuf_release(&b);
}

/* filters.N.name / filters.N.values.M of describeInstances. */
struct filters {
    struct {
        const char *name;
        const char *values[MAX_FILTER_VALUES];
        int nvalues;
    } f[MAX_FILTERS];
    int n;             /* filters used: 1 + the highest N seen */
    char error[160];   /* first problem, "" if none */
};

/* The whole number in s (1..max), or -1. */
static long parse_index(const char *s, const char **end, long max)
{
    long v = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9' && v <= max)
        v = v * 10 + (*p++ - '0');
    *end = p;
    return p == s || v < 1 || v > max ? -1 : v;
}

static enum MHD_Result filter_arg(void *arg, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    struct filters *fl = arg;
    const char *p;
    (void)kind;
    if (strncmp(key, "filters.", 8) != 0)
        return MHD_YES;
    long n = parse_index(key + 8, &p, MAX_FILTERS), m = 0;
    if (n > 0 && strcmp(p, ".name") == 0) {
        fl->f[n - 1].name = value ? value : "";
    } else if (n > 0 && strncmp(p, ".values.", 8) == 0 &&
               (m = parse_index(p + 8, &p, MAX_FILTER_VALUES)) > 0 && *p == '\0') {
        fl->f[n - 1].values[m - 1] = value ? value : "";
        if (m > fl->f[n - 1].nvalues)
            fl->f[n - 1].nvalues = (int)m;
    } else {
        if (fl->error[0] == '\0')
            snprintf(fl->error, sizeof fl->error, "bad query parameter %.64s (filters.1..%d, "
                     "values.1..%d)", key, MAX_FILTERS, MAX_FILTER_VALUES);
        return MHD_YES;
    }
    if (n > fl->n)
        fl->n = (int)n;
    return MHD_YES;
}

static const char *const filter_names[] = {"instanceId", "status", "deviceType", "az", "name",
                                           "subnetId"};

static bool filters_check(struct filters *fl)
{
    for (int i = 0; i < fl->n && fl->error[0] == '\0'; i++) {
        bool known = false;
        for (size_t j = 0; fl->f[i].name && j < sizeof filter_names / sizeof *filter_names; j++)
            known |= strcmp(fl->f[i].name, filter_names[j]) == 0;
        if (!known)
            snprintf(fl->error, sizeof fl->error, "filters.%d.name: %s%.64s", i + 1,
                     fl->f[i].name ? "unknown filter " : "missing",
                     fl->f[i].name ? fl->f[i].name : "");
        for (int m = 0; m < fl->f[i].nvalues && fl->error[0] == '\0'; m++)
            if (fl->f[i].values[m] == NULL)
                snprintf(fl->error, sizeof fl->error, "filters.%d.values.%d missing", i + 1,
                         m + 1);
    }
    return fl->error[0] == '\0';
}

/* The paged walk of describeInstances. */
struct list_visit {
    struct simctx *ctx;
    const char *region;
    const struct filters *fl;
    int64_t now_us;
    double create_s;
    long long skip, take; /* matches to pass over, then to write */
    long long total;
    struct simbuf *b;
};

static bool value_in(const char *have, const char *const *values, int n)
{
    for (int i = 0; i < n; i++)
        if (have && strcmp(have, values[i]) == 0)
            return true;
    return false;
}

/* The value instance (o, serial) has for filter name. id must hold SIMSTATE_ID_LEN + 1. */
static const char *filter_value(const struct list_visit *v, const struct simorder *o,
                                uint64_t serial, const char *name, char *id)
{
    if (strcmp(name, "instanceId") == 0) {
        simstate_id(v->ctx->state, serial, id);
        return id;
    }
    if (strcmp(name, "status") == 0)
        return instance_status(o, v->now_us, v->create_s);
    for (int f = 0; f < FIELD_N; f++)
        if (strcmp(field_json_key((enum field_id)f), name) == 0)
            return simstate_order_text(o, (enum field_id)f);
    return NULL;
}

static bool matches(const struct list_visit *v, const struct simorder *o, uint64_t serial)
{
    char id[SIMSTATE_ID_LEN + 1];
    if (strcmp(simstate_order_text(o, FIELD_REGION_ID), v->region) != 0)
        return false;
    for (int i = 0; i < v->fl->n; i++) {
        const char *have = filter_value(v, o, serial, v->fl->f[i].name, id);
        if (!value_in(have, v->fl->f[i].values, v->fl->f[i].nvalues))
            return false;
    }
    return true;
}

static bool visit_list(void *arg, const struct simorder *o, uint64_t serial)
{
    struct list_visit *v = arg;
    if (!matches(v, o, serial))
        return true;
    if (v->total >= v->skip && v->total < v->skip + v->take) {
        simbuf_puts(v->b, v->total > v->skip ? "," : "");
        put_instance(v->b, v->ctx, o, serial, v->now_us, v->create_s);
    }
    v->total++;
    return true;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* With an instanceId filter only the named instances are looked at, in serial order. */
static bool walk_ids(struct simctx *ctx, const struct filters *fl, struct list_visit *v)
{
    for (int i = 0; i < fl->n; i++) {
        if (strcmp(fl->f[i].name, "instanceId") != 0)
            continue;
        uint64_t serials[MAX_FILTER_VALUES];
        int n = 0;
        for (int m = 0; m < fl->f[i].nvalues; m++)
            if (simstate_serial(ctx->state, fl->f[i].values[m], &serials[n]))
                n++;
        qsort(serials, (size_t)n, sizeof *serials, cmp_u64);
        for (int m = 0; m < n; m++)
            if (m == 0 || serials[m] != serials[m - 1])
                simstate_find(ctx->state, serials[m], visit_list, v);
        return true;
    }
    return false;
}

/* pageNumber / pageSize: a whole number in [1, max], def when absent. -1 when bad. */
static long long page_arg(const struct simcall *call, const char *key, long long def, long max)
{
    const char *s = MHD_lookup_connection_value(call->conn, MHD_GET_ARGUMENT_KIND, key);
    const char *end;
    if (s == NULL)
        return def;
    long v = parse_index(s, &end, max);
    return *end == '\0' ? v : -1;
}

static void describe_instances(struct simctx *ctx, const struct simcall *call,
                               const struct route *r, const struct sim_faults *k,
                               struct simreply *out)
{
    if (!region_known(ctx, r, out))
        return;
    struct filters *fl = calloc(1, sizeof *fl);
    long long page = page_arg(call, "pageNumber", 1, 1000000000L);
    long long size = page_arg(call, "pageSize", 20, 100);
    if (fl == NULL) {
        simapi_error(ctx, out, 500, "INTERNAL", "cps-sim is out of memory");
        return;
    }
    MHD_get_connection_values(call->conn, MHD_GET_ARGUMENT_KIND, filter_arg, fl);
    if (page < 0 || size < 0) {
        simapi_error(ctx, out, 400, "INVALID_ARGUMENT",
                     page < 0 ? "pageNumber must be a whole number >= 1"
                              : "pageSize must be a whole number 1..100");
    } else if (!filters_check(fl)) {
        simapi_error(ctx, out, 400, "INVALID_ARGUMENT", fl->error);
    } else {
        struct simbuf b;
        simbuf_init(&b);
        simbuf_putc(&b, '{');
        request_id(ctx, &b);
        simbuf_puts(&b, ",\"result\":{\"instances\":[");
        struct list_visit v = {ctx, r->region, fl, call->now_us, k->create_seconds,
                               (page - 1) * size, size, 0, &b};
        if (!walk_ids(ctx, fl, &v))
            simstate_each(ctx->state, visit_list, &v);
        simbuf_printf(&b, "],\"pageNumber\":%lld,\"pageSize\":%lld,\"totalCount\":%lld}}", page,
                      size, v.total);
        reply_take(out, 200, &b);
    }
    free(fl);
}

/* ---- catalog calls ---- */

static const char *query(const struct simcall *call, const char *key)
{
    const char *v = MHD_lookup_connection_value(call->conn, MHD_GET_ARGUMENT_KIND, key);
    return v && v[0] ? v : NULL;
}

static void catalog_answer(struct simctx *ctx, struct simreply *out, json_t *result)
{
    result_json(ctx, out, result);
    json_decref(result);
}

static bool required(struct simctx *ctx, struct simreply *out, const char *value,
                     const char *name)
{
    char msg[96];
    if (value)
        return true;
    snprintf(msg, sizeof msg, "%s is required", name);
    simapi_error(ctx, out, 400, "INVALID_ARGUMENT", msg);
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
            simapi_error(ctx, out, 400, "INVALID_ARGUMENT", "volumeType must be system or data");
        else if (required(ctx, out, dt, "deviceType"))
            catalog_answer(ctx, out, simcatalog_raids(c, r->region, dt, vt));
        break;
    default:
        catalog_answer(ctx, out, simcatalog_softwares(c, r->region, r->arg));
        break;
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
        simapi_error(ctx, out, 500, "INTERNAL", "cps-sim is out of memory");
        return false;
    }
    memcpy(path, call->raw_uri, plen);
    path[plen] = '\0';
    const char *ct = header(call, "Content-Type"), *host = header(call, "Host");
    struct sign_request parts = {
        .method = call->method, .host = host ? host : "", .path = path, .query = q ? q + 1 : "",
        .body = call->body, .body_len = call->body_len, .content_type = ct ? ct : "",
        .date = header(call, "x-jdcloud-date"), .nonce = header(call, "x-jdcloud-nonce"),
        .region = r->region[0] ? r->region : "jdcloud-api", .service = "cps",
    };
    bool ok = ctx->access_key && ctx->secret_key &&
              simauth_verify(&parts, header(call, "Authorization"), ctx->access_key,
                             ctx->secret_key, now, why, sizeof why);
    free(path);
    if (!ok)
        simapi_error(ctx, out, 401, "UNAUTHENTICATED", why);
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
            simapi_error(ctx, out, 429, "RATE_LIMIT", "request rate over the limit (cps-sim)");
        else
            simapi_error(ctx, out, 503, "UNAVAILABLE", "request rate over the limit (cps-sim)");
        break;
    case SIMFAULT_503:
        simapi_error(ctx, out, 503, "UNAVAILABLE", "service unavailable (cps-sim fault p503)");
        break;
    case SIMFAULT_429:
        simapi_error(ctx, out, 429, "RATE_LIMIT", "too many requests (cps-sim fault p429)");
        break;
    case SIMFAULT_500:
        simapi_error(ctx, out, 500, "INTERNAL", "internal error (cps-sim fault p500)");
        break;
    default:
        return false;
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
    case SIMSTATE_API_CREATE:
        create_instances(ctx, call, r, k, out);
        break;
    case SIMSTATE_API_DESCRIBE_INSTANCE:
        describe_instance(ctx, call, r, k, out);
        break;
    case SIMSTATE_API_DESCRIBE_INSTANCES:
        describe_instances(ctx, call, r, k, out);
        break;
    case SIMSTATE_API_UNKNOWN:
        snprintf(msg, sizeof msg, "no API at %.8s %.120s", call->method, call->url);
        simapi_error(ctx, out, 404, "NOT_FOUND", msg);
        break;
    default:
        catalog_call(ctx, call, r, out);
        break;
    }
}

void simapi_handle(struct simctx *ctx, const struct simcall *call, struct simreply *out)
{
    struct route r;
    struct simfault_decision d;
    reply_init(out);
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

static void admin_text(struct simreply *out, int status, char *text)
{
    struct simbuf b;
    simbuf_init(&b);
    if (text)
        simbuf_puts(&b, text);
    else
        b.oom = true;
    free(text);
    reply_take(out, status, &b);
}

static void admin_faults_post(struct simctx *ctx, const struct simcall *call,
                              struct simreply *out)
{
    json_error_t jerr;
    char msg[256];
    json_t *obj = json_loadb(call->body, call->body_len, 0, &jerr); /* new */
    struct sim_faults k;
    bool reseed = false;
    simfault_get(&ctx->fault, &k);
    if (obj == NULL) {
        snprintf(msg, sizeof msg, "malformed JSON at line %d column %d: %s", jerr.line,
                 jerr.column, jerr.text);
        simapi_error(ctx, out, 400, "INVALID_ARGUMENT", msg);
        return;
    }
    if (simfault_from_json(&k, obj, &reseed, msg, sizeof msg) != 0) {
        simapi_error(ctx, out, 400, "INVALID_ARGUMENT", msg);
    } else {
        simfault_set(&ctx->fault, &k, reseed);
        json_t *now = simfault_to_json(&k); /* new */
        admin_text(out, 200, now ? json_dumps(now, JSON_COMPACT) : NULL);
        json_decref(now);
    }
    json_decref(obj);
}

void simapi_admin(struct simctx *ctx, const struct simcall *call, struct simreply *out)
{
    bool get = strcmp(call->method, "GET") == 0, post = strcmp(call->method, "POST") == 0;
    reply_init(out);
    if (get && strcmp(call->url, "/__sim/stats") == 0) {
        const char *t = MHD_lookup_connection_value(call->conn, MHD_GET_ARGUMENT_KIND, "tokens");
        struct simbuf b;
        simbuf_init(&b);
        simstate_stats(ctx->state, t == NULL || strcmp(t, "0") != 0, &b);
        reply_take(out, 200, &b);
    } else if (post && strcmp(call->url, "/__sim/reset") == 0) {
        simstate_reset(ctx->state);
        char *ok = malloc(12);
        if (ok)
            memcpy(ok, "{\"ok\":true}", 12);
        admin_text(out, 200, ok);
    } else if (get && strcmp(call->url, "/__sim/faults") == 0) {
        struct sim_faults k;
        simfault_get(&ctx->fault, &k);
        json_t *o = simfault_to_json(&k); /* new */
        admin_text(out, 200, o ? json_dumps(o, JSON_COMPACT) : NULL);
        json_decref(o);
    } else if (post && strcmp(call->url, "/__sim/faults") == 0) {
        admin_faults_post(ctx, call, out);
    } else {
        simapi_error(ctx, out, 404, "NOT_FOUND", "no such /__sim/ endpoint");
    }
}
