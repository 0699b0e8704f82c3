/* simtest.h - for the tests of cps-sim: start the emulator in-process on a loopback port and
 * talk to it over real HTTP with libcurl (every call with a timeout). */
#ifndef CPSBATCH_SIMTEST_H
#define CPSBATCH_SIMTEST_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"
#include "sim.h"

static inline void simtest_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

struct simtest_resp {
    int curl_rc; /* CURLE_OK, or why there was no answer */
    long status;
    char *body; /* NUL-terminated */
    size_t len;
    char retry_after[32]; /* the Retry-After header, "" if none */
    double seconds;       /* from sending to the end of the answer */
};

static size_t simtest_on_body(char *p, size_t size, size_t n, void *arg)
{
    struct simtest_resp *r = arg;
    char *b = realloc(r->body, r->len + size * n + 1);
    if (b == NULL)
        return 0;
    memcpy(b + r->len, p, size * n);
    r->len += size * n;
    b[r->len] = '\0';
    r->body = b;
    return size * n;
}

static size_t simtest_on_header(char *p, size_t size, size_t n, void *arg)
{
    struct simtest_resp *r = arg;
    size_t len = size * n;
    if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
        size_t i = 12, j = 0;
        while (i < len && p[i] == ' ')
            i++;
        while (i < len && p[i] != '\r' && p[i] != '\n' && j + 1 < sizeof r->retry_after)
            r->retry_after[j++] = p[i++];
        r->retry_after[j] = '\0';
    }
    return len;
}

/* One call. headers: NULL-terminated list of "Name: value", or NULL. body may be NULL. */
static inline void simtest_call_h(unsigned port, const char *method, const char *target,
                                  const char *body, const char *const *headers,
                                  struct simtest_resp *r)
{
    char url[8192];
    memset(r, 0, sizeof *r);
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, target);
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    for (int i = 0; headers && headers[i]; i++)
        h = curl_slist_append(h, headers[i]);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, simtest_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, simtest_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    int64_t t0 = clock_now_us();
    r->curl_rc = (int)curl_easy_perform(c);
    r->seconds = (double)(clock_now_us() - t0) / 1e6;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (r->body == NULL)
        r->body = calloc(1, 1);
}

static inline void simtest_call(unsigned port, const char *method, const char *target,
                                const char *body, struct simtest_resp *r)
{
    simtest_call_h(port, method, target, body, NULL, r);
}

static inline void simtest_release(struct simtest_resp *r)
{
    free(r->body);
    r->body = NULL;
}

/* The answer's JSON (new reference; NULL if it is not JSON). */
static inline json_t *simtest_json(const struct simtest_resp *r)
{
    return json_loads(r->body ? r->body : "", 0, NULL);
}

/* The string at error.status / error.message of an error answer, "" when absent. */
static inline const char *simtest_error_field(json_t *j, const char *key)
{
    const char *s = json_string_value(json_object_get(json_object_get(j, "error"), key));
    return s ? s : "";
}

/* A fresh emulator listening on 127.0.0.1; c may be NULL for the defaults. */
static inline struct sim *simtest_start(const struct sim_config *c)
{
    struct sim_config d;
    struct sim *s = NULL;
    char msg[256] = "";
    if (c == NULL) {
        sim_config_default(&d);
        d.seed = 1;
        c = &d;
    }
    if (sim_new(c, &s, msg, sizeof msg) != 0 || sim_start(s, "127.0.0.1", 0, msg, sizeof msg)) {
        fprintf(stderr, "cannot start cps-sim: %s\n", msg);
        exit(1);
    }
    return s;
}

/* GET /__sim/stats as JSON (new reference). */
static inline json_t *simtest_stats(unsigned port)
{
    struct simtest_resp r;
    simtest_call(port, "GET", "/__sim/stats", NULL, &r);
    json_t *j = simtest_json(&r);
    simtest_release(&r);
    return j;
}

static inline long long simtest_stat(unsigned port, const char *key)
{
    json_t *j = simtest_stats(port);
    long long v = json_integer_value(json_object_get(j, key));
    json_decref(j);
    return v;
}

/* POST /__sim/faults; returns the HTTP status. */
static inline long simtest_faults(unsigned port, const char *json)
{
    struct simtest_resp r;
    simtest_call(port, "POST", "/__sim/faults", json, &r);
    long st = r.status;
    simtest_release(&r);
    return st;
}

/* A valid createInstances body with the given token (NULL = none) and count. */
static inline void simtest_body(char *buf, size_t len, const char *token, int count)
{
    char tok[96] = "";
    if (token)
        snprintf(tok, sizeof tok, "\"clientToken\":\"%s\",", token);
    snprintf(buf, len,
             "{\"regionId\":\"cn-north-1\",%s\"instanceSpec\":{\"az\":\"cn-north-1a\","
             "\"deviceType\":\"cps.c.normal\",\"imageType\":\"standard\",\"osTypeId\":\"os-1\","
             "\"sysRaidTypeId\":\"r-sys-raid1\",\"dataRaidTypeId\":\"r-data-raid10\","
             "\"networkType\":\"basic\",\"enableInternet\":\"yes\",\"lineType\":\"bgp\","
             "\"bandwidth\":10,\"name\":\"web\",\"password\":\"Passw0rd!2024\",\"count\":%d,"
             "\"charge\":{\"chargeMode\":\"postpaid_by_duration\"}}}",
             tok, count);
}

#define SIMTEST_CREATE "/v1/regions/cn-north-1/instances"

/* Replace the first old in buf (of size cap) with new. Returns whether old was there. */
static inline int simtest_replace(char *buf, size_t cap, const char *old, const char *new)
{
    char *at = strstr(buf, old);
    size_t lo = strlen(old), ln = strlen(new), tail;
    if (at == NULL)
        return 0;
    tail = strlen(at + lo) + 1;
    if ((size_t)(at - buf) + ln + tail > cap)
        return 0;
    memmove(at + ln, at + lo, tail);
    memcpy(at, new, ln);
    return 1;
}

/* PUT a create with token and count; returns the answer. */
static inline void simtest_create(unsigned port, const char *token, int count,
                                  struct simtest_resp *r)
{
    char body[2048];
    simtest_body(body, sizeof body, token, count);
    simtest_call(port, "PUT", SIMTEST_CREATE, body, r);
}

#endif
