#include "simreply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "simfault.h"

void simreply_init(struct simreply *r)
{
    r->status = 500;
    r->body = NULL;
    r->len = 0;
    r->retry_after = -1;
    r->reset = false;
    r->delay_us = 0;
    r->seq = 0;
}

void simreply_release(struct simreply *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

static void put_hex64(char *out, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--, v >>= 4)
        out[i] = hex[v & 15];
}

void simreply_request_id(struct simreply_ids *ids, struct buf *b)
{
    uint64_t st = atomic_fetch_add_explicit(&ids->seq, 1, memory_order_relaxed) ^ ids->key;
    char text[] = "\"requestId\":\"0123456789abcdef0123456789abcdef\"";
    put_hex64(text + 13, simfault_rng_next(&st));
    put_hex64(text + 29, simfault_rng_next(&st));
    buf_add(b, text, sizeof text - 1);
}

void simreply_take(struct simreply *r, int status, struct buf *b)
{
    static const char oom[] = "{\"error\":{\"code\":500,\"status\":\"INTERNAL\","
                              "\"message\":\"cps-sim is out of memory\"}}";
    simreply_release(r);
    r->status = status;
    if (buf_take(b, &r->body, &r->len) != 0) {
        r->status = 500;
        r->body = malloc(sizeof oom);
        r->len = r->body ? sizeof oom - 1 : 0;
        if (r->body)
            memcpy(r->body, oom, sizeof oom);
    }
}

void simreply_text(struct simreply *r, int status, char *text)
{
    struct buf b;
    buf_init(&b, SIMBUF_MAX);
    if (text)
        buf_addstr(&b, text);
    else
        b.err = ERR_NOMEM; /* answered as such by simreply_take */
    free(text);
    simreply_take(r, status, &b);
}

void simreply_error(struct simreply *r, struct simreply_ids *ids, int code, const char *status,
                    const char *message, const char *details)
{
    struct buf b;
    buf_init(&b, SIMBUF_MAX);
    buf_addch(&b, '{');
    simreply_request_id(ids, &b);
    buf_addf(&b, ",\"error\":{\"code\":%d,\"status\":\"%s\",\"message\":", code, status);
    simbuf_json_str(&b, message);
    if (details) {
        buf_addstr(&b, ",\"details\":");
        buf_addstr(&b, details);
    }
    buf_addstr(&b, "}}");
    simreply_take(r, code, &b);
}

void simreply_not_found(struct simreply *r, struct simreply_ids *ids, const char *what,
                        const char *id)
{
    char msg[256];
    snprintf(msg, sizeof msg, "%s %.200s not found", what, id);
    simreply_error(r, ids, 404, "NOT_FOUND", msg, NULL);
}

void simreply_result(struct simreply *r, struct simreply_ids *ids, const json_t *result)
{
    char *text = result ? json_dumps(result, JSON_COMPACT) : NULL;
    if (text == NULL) {
        simreply_error(r, ids, 500, "INTERNAL", "cps-sim is out of memory", NULL);
        return;
    }
    struct buf b;
    buf_init(&b, SIMBUF_MAX);
    buf_addch(&b, '{');
    simreply_request_id(ids, &b);
    buf_addstr(&b, ",\"result\":");
    buf_addstr(&b, text);
    buf_addch(&b, '}');
    free(text);
    simreply_take(r, 200, &b);
}
