#include "outcome.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

static enum outcome_kind kind_of_transport_error(enum transport_error e)
{
    switch (e) {
    case TRANSPORT_ERROR_TLS: return OUTCOME_STOP;
    case TRANSPORT_ERROR_ABORTED: return OUTCOME_ABORTED;
    default: return OUTCOME_RETRY;
    }
}

/* The kind an error status means, by HTTP code and the envelope's status word. */
static enum outcome_kind kind_of_error(int http, const char *status)
{
    if (http == 401 || http == 403)
        return OUTCOME_STOP;
    if (http == 429)
        return strcmp(status, "QUOTA_EXCEEDED") == 0 ? OUTCOME_PERMANENT : OUTCOME_THROTTLED;
    if (http == 503)
        return OUTCOME_THROTTLED;
    if (http == 409)
        return strcmp(status, "ABORTED") == 0 ? OUTCOME_RETRY : OUTCOME_PERMANENT;
    if (http >= 500 || http < 400)
        return OUTCOME_RETRY;
    return OUTCOME_PERMANENT;
}

/* Copy src into dst, cut to fit. */
static void copy(char *dst, size_t len, const char *src)
{
    size_t n = src ? strnlen(src, len - 1) : 0;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

/* A 200's result.instanceIds: a non-empty array of strings, else NULL. Borrowed. */
static json_t *instance_ids(json_t *body)
{
    json_t *ids = json_object_get(json_object_get(body, "result"), "instanceIds");
    size_t i;
    json_t *id;
    if (!json_is_array(ids) || json_array_size(ids) == 0)
        return NULL;
    json_array_foreach(ids, i, id)
    {
        if (!json_is_string(id))
            return NULL;
    }
    return ids;
}

static void from_body(const struct http_response *r, struct outcome *o)
{
    json_t *body = r->body ? json_loadb(r->body, r->body_len, 0, NULL) : NULL;
    json_t *err = json_object_get(body, "error");
    copy(o->request_id, sizeof(o->request_id),
         json_string_value(json_object_get(body, "requestId")));
    if (r->status == 200) {
        json_t *ids = instance_ids(body);
        o->kind = ids ? OUTCOME_DONE : OUTCOME_RETRY;
        o->instance_ids = json_incref(ids);
        if (!ids) {
            copy(o->status, sizeof(o->status), "BAD_RESPONSE");
            copy(o->message, sizeof(o->message), "200 without result.instanceIds");
        }
    } else {
        copy(o->status, sizeof(o->status), json_string_value(json_object_get(err, "status")));
        copy(o->message, sizeof(o->message), json_string_value(json_object_get(err, "message")));
        if (!err && r->body_len)
            copy(o->message, sizeof(o->message), r->body);
        o->kind = kind_of_error((int)r->status, o->status);
    }
    json_decref(body);
}

int outcome_classify(const struct http_response *r, struct outcome *o)
{
    memset(o, 0, sizeof(*o));
    o->http = (int)r->status;
    if (r->error != TRANSPORT_ERROR_NONE) {
        o->kind = kind_of_transport_error(r->error);
        o->timeout = r->error == TRANSPORT_ERROR_TIMEOUT;
        copy(o->status, sizeof(o->status), transport_error_name(r->error));
        copy(o->message, sizeof(o->message), r->message);
        return 0;
    }
    from_body(r, o);
    if (!o->request_id[0])
        copy(o->request_id, sizeof(o->request_id), r->request_id);
    return 0;
}

void outcome_release(struct outcome *o)
{
    json_decref(o->instance_ids);
    o->instance_ids = NULL;
}
