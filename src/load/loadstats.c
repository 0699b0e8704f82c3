/* loadstats.c - counting and timing a load test's requests; see loadstats.h. */
#include "loadstats.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

static const char *const error_names[LOADSTATS_ERR_N] = {
    "timeout", "reset", "connect", "tls", "aborted", "other", "4xx", "5xx",
};

const char *loadstats_error_name(enum loadstats_error e)
{
    return (unsigned)e < LOADSTATS_ERR_N ? error_names[e] : "other";
}

int loadstats_init(struct loadstats *s, int64_t start_us)
{
    memset(s, 0, sizeof(*s));
    s->start_us = start_us;
    s->inflight_at = start_us;
    s->latency = malloc(sizeof(*s->latency));
    s->service = malloc(sizeof(*s->service));
    s->second = malloc(sizeof(*s->second));
    if (!s->latency || !s->service || !s->second)
        return ERR_NOMEM;
    hist_init(s->latency);
    hist_init(s->service);
    hist_init(s->second);
    return 0;
}

void loadstats_release(struct loadstats *s)
{
    free(s->latency);
    free(s->service);
    free(s->second);
    free(s->timeline);
    memset(s, 0, sizeof(*s));
}

/* The timeline entry of the second holding t, made (zeroed) when new. NULL when out of
 * memory. */
static struct loadstats_second *second_at(struct loadstats *s, int64_t t)
{
    size_t i = t > s->start_us ? (size_t)((t - s->start_us) / 1000000) : 0;
    if (i >= s->timeline_cap) {
        size_t cap = s->timeline_cap ? s->timeline_cap * 2 : 64;
        while (cap <= i)
            cap *= 2;
        struct loadstats_second *v = realloc(s->timeline, cap * sizeof(*v));
        if (!v)
            return NULL;
        s->timeline = v;
        s->timeline_cap = cap;
    }
    if (i >= s->seconds) {
        memset(s->timeline + s->seconds, 0, (i + 1 - s->seconds) * sizeof(*s->timeline));
        s->seconds = i + 1;
    }
    return &s->timeline[i];
}

/* The second the `second` histogram gathers is over: keep its p99, start the next one. */
static void close_second(struct loadstats *s, size_t next)
{
    if (s->current < s->seconds)
        s->timeline[s->current].p99_us = hist_percentile(s->second, 99);
    if (hist_count(s->second))
        hist_reset(s->second);
    s->current = next;
}

int loadstats_tick(struct loadstats *s, int64_t now)
{
    if (now < s->start_us)
        return 0;
    size_t i = (size_t)((now - s->start_us) / 1000000);
    if (i > s->current) {
        if (i > 0 && !second_at(s, now - 1000000))
            return ERR_NOMEM; /* the second being closed has an entry */
        close_second(s, i);
    }
    return 0;
}

/* Add the in-flight count held since inflight_at, up to t, to the seconds it spans. Their
 * entries exist. */
static void inflight_until(struct loadstats *s, int64_t t)
{
    for (int64_t a = s->inflight_at > s->start_us ? s->inflight_at : s->start_us; a < t;) {
        size_t i = (size_t)((a - s->start_us) / 1000000);
        int64_t end = s->start_us + (int64_t)(i + 1) * 1000000, b = t < end ? t : end;
        struct loadstats_second *sec = &s->timeline[i];
        sec->inflight_us += (double)s->inflight * (double)(b - a);
        if (s->inflight > sec->inflight_max)
            sec->inflight_max = s->inflight;
        a = b;
    }
    s->inflight_at = t;
}

int loadstats_inflight(struct loadstats *s, int64_t t, uint64_t n)
{
    t = t > s->start_us ? t : s->start_us;
    t = t > s->inflight_at ? t : s->inflight_at;
    struct loadstats_second *sec = second_at(s, t);
    if (!sec)
        return ERR_NOMEM;
    inflight_until(s, t);
    s->inflight = n;
    if (n > sec->inflight_max)
        sec->inflight_max = n;
    return 0;
}

void loadstats_finish(struct loadstats *s)
{
    int64_t end = s->last_done_us > s->last_send_us ? s->last_done_us : s->last_send_us;
    if (end > s->inflight_at && s->seconds && end < s->start_us + (int64_t)s->seconds * 1000000)
        inflight_until(s, end);
    if (s->current < s->seconds)
        close_second(s, s->current + 1);
}

int loadstats_sent(struct loadstats *s, int64_t due_us, int64_t sent_us)
{
    struct loadstats_second *sec = second_at(s, sent_us);
    if (!sec)
        return ERR_NOMEM;
    sec->sent++;
    s->sent++;
    s->late_sends += sent_us - due_us > LOADSTATS_LATE_US;
    if (!s->first_send_us)
        s->first_send_us = sent_us;
    s->last_send_us = sent_us;
    return 0;
}

/* The kind of failure r is, or -1 for an answer that counts as success (1xx to 3xx). */
static int loadstats_classify(const struct http_response *r)
{
    switch (r->error) {
    case TRANSPORT_ERROR_NONE: break;
    case TRANSPORT_ERROR_TIMEOUT: return LOADSTATS_ERR_TIMEOUT;
    case TRANSPORT_ERROR_RESET: return LOADSTATS_ERR_RESET;
    case TRANSPORT_ERROR_CONNECT: return LOADSTATS_ERR_CONNECT;
    case TRANSPORT_ERROR_TLS: return LOADSTATS_ERR_TLS;
    case TRANSPORT_ERROR_ABORTED: return LOADSTATS_ERR_ABORTED;
    case TRANSPORT_ERROR_OTHER: return LOADSTATS_ERR_OTHER;
    }
    if (r->status >= 500)
        return LOADSTATS_ERR_5XX;
    if (r->status >= 400)
        return LOADSTATS_ERR_4XX;
    return r->status >= 100 ? -1 : LOADSTATS_ERR_OTHER;
}

/* An HTTP answer: count its status and time it. */
static void record_answer(struct loadstats *s, const struct http_response *r)
{
    if (r->status >= 0 && r->status < LOADSTATS_STATUS_MAX)
        s->status[r->status]++;
    else
        s->status_other++;
    int64_t latency = r->t_done - r->due_us;
    hist_record(s->latency, latency);
    hist_record(s->service, r->t_sent ? r->t_done - r->t_sent : latency);
    hist_record(s->second, latency);
}

int loadstats_done(struct loadstats *s, const struct http_response *r)
{
    int64_t t = r->t_done > s->start_us ? r->t_done : s->start_us;
    struct loadstats_second *sec = second_at(s, t);
    if (!sec)
        return ERR_NOMEM;
    size_t i = (size_t)(sec - s->timeline);
    if (i > s->current)
        close_second(s, i);
    int kind = loadstats_classify(r);
    if (r->error == TRANSPORT_ERROR_NONE)
        record_answer(s, r);
    if (kind >= 0) {
        s->error_kinds[kind]++;
        sec->err_kinds[kind]++;
    }
    s->errors += kind >= 0;
    s->ok += kind < 0;
    sec->err += kind >= 0;
    sec->ok += kind < 0;
    s->requests++;
    if (t > s->last_done_us)
        s->last_done_us = t;
    return 0;
}

double loadstats_achieved_rate(const struct loadstats *s)
{
    if (s->sent < 2 || s->last_send_us <= s->first_send_us)
        return 0;
    return (double)(s->sent - 1) * 1e6 / (double)(s->last_send_us - s->first_send_us);
}

double loadstats_duration_s(const struct loadstats *s)
{
    int64_t end = s->last_done_us > s->last_send_us ? s->last_done_us : s->last_send_us;
    return end > s->start_us ? (double)(end - s->start_us) / 1e6 : 0;
}
