/* simdescribe.c - describeInstance and describeInstances: an instance as the API shows it
 * (status "creating" until create_seconds have passed, then "running" or "error"), pages, and the
 * filters instanceId, status, deviceType, az, name and subnetId. */
#include "simdescribe.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "field.h"
#include "simbuf.h"

#define MAX_FILTERS 8
#define MAX_FILTER_VALUES 100

static void fail(struct simctx *ctx, struct simreply *out, int code, const char *status,
                 const char *message)
{
    simreply_error(out, &ctx->ids, code, status, message, NULL);
}

static const char *instance_status(struct simctx *ctx, const struct simorder *o, uint64_t serial,
                                   int64_t now_us, const struct sim_faults *k)
{
    if ((double)(now_us - o->created_us) < k->create_seconds * 1e6)
        return "creating";
    uint64_t h = serial ^ simstate_key(ctx->state);
    return simfault_rng_unit(&h) < k->p_error ? "error" : "running";
}

static void put_text(struct buf *b, const struct simorder *o, enum field_id f)
{
    const char *v = simstate_order_text(o, f);
    if (v == NULL)
        return;
    buf_addf(b, ",\"%s\":", field_json_key(f));
    simbuf_json_str(b, v);
}

static void put_time(struct buf *b, const char *key, long long t)
{
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    buf_addf(b, ",\"%s\":\"%04d-%02d-%02dT%02d:%02d:%02dZ\"", key, tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void put_charge(struct buf *b, const struct simorder *o)
{
    const char *mode = simstate_order_text(o, FIELD_CHARGE_MODE);
    buf_addstr(b, ",\"charge\":{\"chargeMode\":");
    simbuf_json_str(b, mode ? mode : "postpaid_by_duration");
    put_text(b, o, FIELD_CHARGE_UNIT);
    if (o->charge_duration >= 0)
        buf_addf(b, ",\"chargeDuration\":%lld", o->charge_duration);
    buf_addstr(b, ",\"chargeStatus\":\"normal\"");
    put_time(b, "chargeStartTime", o->created_wall);
    buf_addch(b, '}');
}

/* The fields of an instance that the order sets, as describeInstance shows them. */
static const enum field_id instance_fields[] = {
    FIELD_AZ,
    FIELD_DEVICE_TYPE,
    FIELD_NAME,
    FIELD_DESCRIPTION,
    FIELD_IMAGE_TYPE,
    FIELD_OS_TYPE_ID,
    FIELD_SYS_RAID_TYPE_ID,
    FIELD_DATA_RAID_TYPE_ID,
    FIELD_NETWORK_TYPE,
    FIELD_SUBNET_ID,
    FIELD_CIDR,
    FIELD_LINE_TYPE,
};

static void put_instance(struct buf *b, struct simctx *ctx, const struct simorder *o,
                         uint64_t serial, int64_t now_us, const struct sim_faults *k)
{
    char id[SIMSTATE_ID_LEN + 1];
    simstate_id(ctx->state, serial, id);
    const char *internet = simstate_order_text(o, FIELD_ENABLE_INTERNET);
    bool public_ip = internet == NULL || strcmp(internet, "yes") == 0;
    buf_addf(b, "{\"instanceId\":\"%s\",\"region\":", id);
    simbuf_json_str(b, simstate_order_text(o, FIELD_REGION_ID));
    for (size_t i = 0; i < sizeof instance_fields / sizeof instance_fields[0]; i++)
        put_text(b, o, instance_fields[i]);
    buf_addf(b, ",\"enableInternet\":\"%s\"", public_ip ? "yes" : "no");
    if (o->bandwidth >= 0)
        buf_addf(b, ",\"bandwidth\":%lld", o->bandwidth);
    buf_addf(b, ",\"status\":\"%s\",\"privateIp\":\"10.%u.%u.%u\"",
             instance_status(ctx, o, serial, now_us, k), (unsigned)(serial >> 16) & 255,
             (unsigned)(serial >> 8) & 255, (unsigned)serial & 255);
    if (public_ip)
        buf_addf(b, ",\"publicIp\":\"116.196.%u.%u\"", (unsigned)(serial >> 8) & 255,
                 (unsigned)serial & 255);
    put_time(b, "createTime", o->created_wall);
    put_charge(b, o);
    buf_addch(b, '}');
}

/* One describeInstance: the region to match, where to write. */
struct one_visit {
    struct simctx *ctx;
    const char *region;
    int64_t now_us;
    const struct sim_faults *k;
    struct buf *b;
    bool found;
};

static bool visit_one(void *arg, const struct simorder *o, uint64_t serial)
{
    struct one_visit *v = arg;
    if (strcmp(simstate_order_text(o, FIELD_REGION_ID), v->region) != 0)
        return false;
    buf_addstr(v->b, ",\"result\":{\"instance\":");
    put_instance(v->b, v->ctx, o, serial, v->now_us, v->k);
    buf_addstr(v->b, "}}");
    v->found = true;
    return false;
}

void simdescribe_instance(struct simctx *ctx, const struct simcall *call, const char *region,
                          const char *id, const struct sim_faults *k, struct simreply *out)
{
    struct buf b;
    buf_init(&b, SIMBUF_MAX);
    buf_addch(&b, '{');
    simreply_request_id(&ctx->ids, &b);
    struct one_visit v = {ctx, region, call->now_us, k, &b, false};
    uint64_t serial;
    if (simstate_serial(ctx->state, id, &serial))
        simstate_find(ctx->state, serial, visit_one, &v);
    if (v.found)
        simreply_take(out, 200, &b);
    else
        simreply_not_found(out, &ctx->ids, "instance", id);
    buf_release(&b);
}

/* filters.N.name / filters.N.values.M of describeInstances. */
struct filters {
    struct {
        const char *name;
        const char *values[MAX_FILTER_VALUES];
        int nvalues;
    } f[MAX_FILTERS];
    int n;           /* filters used: 1 + the highest N seen */
    char error[160]; /* first problem, "" if none */
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
            snprintf(fl->error, sizeof fl->error,
                     "bad query parameter %.64s (filters.1..%d, "
                     "values.1..%d)",
                     key, MAX_FILTERS, MAX_FILTER_VALUES);
        return MHD_YES;
    }
    if (n > fl->n)
        fl->n = (int)n;
    return MHD_YES;
}

static const char *const filter_names[] = {"instanceId", "status", "deviceType",
                                           "az",         "name",   "subnetId"};

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
                snprintf(fl->error, sizeof fl->error, "filters.%d.values.%d missing", i + 1, m + 1);
    }
    return fl->error[0] == '\0';
}

/* The paged walk of describeInstances. */
struct list_visit {
    struct simctx *ctx;
    const char *region;
    const struct filters *fl;
    int64_t now_us;
    const struct sim_faults *k;
    long long skip, take; /* matches to pass over, then to write */
    long long total;
    struct buf *b;
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
        return instance_status(v->ctx, o, serial, v->now_us, v->k);
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
        buf_addstr(v->b, v->total > v->skip ? "," : "");
        put_instance(v->b, v->ctx, o, serial, v->now_us, v->k);
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

/* pageNumber / pageSize: a whole number in [min, max], def when absent. -1 when bad. */
static long long page_arg(const struct simcall *call, const char *key, long long def, long min,
                          long max)
{
    const char *s = MHD_lookup_connection_value(call->conn, MHD_GET_ARGUMENT_KIND, key);
    const char *end;
    if (s == NULL)
        return def;
    long v = parse_index(s, &end, max);
    return *end == '\0' && v >= min ? v : -1;
}

void simdescribe_instances(struct simctx *ctx, const struct simcall *call, const char *region,
                           const struct sim_faults *k, struct simreply *out)
{
    struct filters *fl = calloc(1, sizeof *fl);
    long long page = page_arg(call, "pageNumber", 1, 1, 1000000000L);
    long long size = page_arg(call, "pageSize", 20, 20, 100); /* the API's bounds */
    if (fl == NULL) {
        fail(ctx, out, 500, "INTERNAL", "cps-sim is out of memory");
        return;
    }
    MHD_get_connection_values(call->conn, MHD_GET_ARGUMENT_KIND, filter_arg, fl);
    if (page < 0 || size < 0) {
        fail(ctx, out, 400, "INVALID_ARGUMENT",
             page < 0 ? "pageNumber must be a whole number >= 1"
                      : "pageSize must be a whole number 20..100");
    } else if (!filters_check(fl)) {
        fail(ctx, out, 400, "INVALID_ARGUMENT", fl->error);
    } else {
        struct buf b;
        buf_init(&b, SIMBUF_MAX);
        buf_addch(&b, '{');
        simreply_request_id(&ctx->ids, &b);
        buf_addstr(&b, ",\"result\":{\"instances\":[");
        struct list_visit v = {ctx, region, fl, call->now_us, k, (page - 1) * size, size, 0, &b};
        if (!walk_ids(ctx, fl, &v))
            simstate_each(ctx->state, visit_list, &v);
        buf_addf(&b, "],\"pageNumber\":%lld,\"pageSize\":%lld,\"totalCount\":%lld}}", page, size,
                 v.total);
        simreply_take(out, 200, &b);
    }
    free(fl);
}
