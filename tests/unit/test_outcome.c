/* Unit tests for outcome: every row of API.md's error table, and bodies that are not right. */
#include "outcome.h"
#include "check.h"

static enum outcome_kind classify(long status, const char *body, enum transport_error e,
                                  struct outcome *o)
{
    struct http_response r;
    memset(&r, 0, sizeof(r));
    r.status = status;
    r.error = e;
    r.body = (char *)(uintptr_t)body;
    r.body_len = body ? strlen(body) : 0;
    strcpy(r.request_id, "hdr-req");
    outcome_classify(&r, o);
    return o->kind;
}

static enum outcome_kind kind(long status, const char *err_status)
{
    char body[256];
    struct outcome o;
    snprintf(body, sizeof(body),
             "{\"requestId\":\"req-1\",\"error\":{\"code\":%ld,\"status\":\"%s\",\"message\":"
             "\"m\"}}",
             status, err_status);
    enum outcome_kind k = classify(status, body, TRANSPORT_ERROR_NONE, &o);
    outcome_release(&o);
    return k;
}

int main(void)
{
    struct outcome o;
    CHECK_INT(classify(200,
                       "{\"requestId\":\"r9\",\"result\":{\"instanceIds\":[\"cps-1\",\"cps-2\"]}}",
                       TRANSPORT_ERROR_NONE, &o),
              ==, OUTCOME_DONE);
    CHECK_INT(json_array_size(o.instance_ids), ==, 2);
    CHECK_STR(o.request_id, "r9");
    outcome_release(&o);
    CHECK_INT(classify(200, "{\"result\":{}}", TRANSPORT_ERROR_NONE, &o), ==, OUTCOME_RETRY);
    CHECK_STR(o.request_id, "hdr-req"); /* no requestId in the body: the header's */
    CHECK_STR(o.status, "BAD_RESPONSE");
    CHECK_INT(classify(200, "not json", TRANSPORT_ERROR_NONE, &o), ==, OUTCOME_RETRY);
    CHECK_INT(classify(200, "{\"result\":{\"instanceIds\":[1]}}", TRANSPORT_ERROR_NONE, &o), ==,
              OUTCOME_RETRY);
    CHECK_INT(classify(200, NULL, TRANSPORT_ERROR_NONE, &o), ==, OUTCOME_RETRY);
    CHECK_INT(kind(400, "INVALID_ARGUMENT"), ==, OUTCOME_PERMANENT);
    CHECK_INT(kind(400, "FAILED_PRECONDITION"), ==, OUTCOME_PERMANENT);
    CHECK_INT(kind(401, "UNAUTHENTICATED"), ==, OUTCOME_STOP);
    CHECK_INT(kind(403, "HTTP_FORBIDDEN"), ==, OUTCOME_STOP);
    CHECK_INT(kind(404, "NOT_FOUND"), ==, OUTCOME_PERMANENT);
    CHECK_INT(kind(409, "ABORTED"), ==, OUTCOME_RETRY);
    CHECK_INT(kind(409, "ALREADY_EXISTS"), ==, OUTCOME_PERMANENT);
    CHECK_INT(kind(429, "RATE_LIMIT"), ==, OUTCOME_THROTTLED);
    CHECK_INT(kind(429, "QUOTA_EXCEEDED"), ==, OUTCOME_PERMANENT);
    CHECK_INT(kind(500, "INTERNAL"), ==, OUTCOME_RETRY);
    CHECK_INT(kind(502, ""), ==, OUTCOME_RETRY);
    CHECK_INT(kind(503, "UNAVAILABLE"), ==, OUTCOME_THROTTLED);
    CHECK_INT(kind(504, ""), ==, OUTCOME_RETRY);
    CHECK_INT(classify(400,
                       "{\"requestId\":\"q\",\"error\":{\"code\":400,\"status\":"
                       "\"INVALID_ARGUMENT\",\"message\":\"bandwidth out of range\"}}",
                       TRANSPORT_ERROR_NONE, &o),
              ==, OUTCOME_PERMANENT);
    CHECK_STR(o.message, "bandwidth out of range");
    CHECK_STR(o.status, "INVALID_ARGUMENT");
    CHECK_INT(o.http, ==, 400);
    CHECK_INT(classify(502, "<html>Bad Gateway</html>", TRANSPORT_ERROR_NONE, &o), ==,
              OUTCOME_RETRY);
    CHECK_STR(o.message, "<html>Bad Gateway</html>");
    CHECK_INT(classify(0, NULL, TRANSPORT_ERROR_TIMEOUT, &o), ==, OUTCOME_RETRY);
    CHECK(o.timeout);
    CHECK_INT(classify(0, NULL, TRANSPORT_ERROR_RESET, &o), ==, OUTCOME_RETRY);
    CHECK(!o.timeout);
    CHECK_INT(classify(0, NULL, TRANSPORT_ERROR_CONNECT, &o), ==, OUTCOME_RETRY);
    CHECK_INT(classify(0, NULL, TRANSPORT_ERROR_TLS, &o), ==, OUTCOME_STOP);
    CHECK_INT(classify(0, NULL, TRANSPORT_ERROR_ABORTED, &o), ==, OUTCOME_ABORTED);
    return check_done();
}
