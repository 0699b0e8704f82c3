/* test_transport.c - the transport against a real HTTP server (libmicrohttpd on 127.0.0.1).
 *
 * The server answers by path: /ok echoes what it saw as JSON, /slow answers after 300 ms,
 * /stall answers only once the test releases it (or after STALL_MAX_MS), /503 says
 * Retry-After: 2, /reset closes the connection without answering, /big sends 2 MiB.
 * Each test starts its own server, so its connection count is its own. Every wait is bounded.
 *
 * No check here depends on the machine being idle: where a test must be sure an answer did
 * not come first (a timeout, a stop, a free), it asks /stall, whose answer cannot come until
 * the test says so; time bounds are deadlines that must not pass early, or far beyond what is
 * measured. The transport's timing to the millisecond is for tests on a stepped clock.
 */
#include "check.h"
#include "clock.h"
#include "err.h"
#include "tmpfile.h"
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BIG_SIZE ((size_t)2 << 20)
#define STALL_MAX_MS 20000 /* /stall answers by then even if never released */
#define MIB ((size_t)1 << 20)

/* ---- The server ---------------------------------------------------------------------------- */

struct server {
    struct MHD_Daemon *daemon;
    unsigned port;
    atomic_int connections; /* connections ever opened */
    atomic_int resets;      /* connections closed unanswered (/reset) */
    atomic_int bodies_ok;   /* request bodies equal to body_for(X-Id) */
    atomic_int bodies_bad;
    atomic_bool release; /* /stall may answer */
    char *big;
};

/* One request's upload as the server gathers it. */
struct upload {
    char *data;
    size_t len, cap;
};

/* The test body of request id: 0..1999 bytes of a pattern that includes NULs and high bytes. */
static size_t body_for(uint64_t id, char *out, size_t cap)
{
    size_t len = (size_t)((id * 37) % 2000);
    for (size_t i = 0; i < len && i < cap; i++)
        out[i] = (char)(unsigned char)(id * 131 + i * 7);
    return len;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)c;
    (void)socket_context;
    struct server *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add(&s->connections, 1);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct upload *u = *req_cls;
    if (u) {
        free(u->data);
        free(u);
        *req_cls = NULL;
    }
}

static void upload_append(struct upload *u, const char *data, size_t len)
{
    if (u->len + len > u->cap) {
        u->cap = (u->len + len) * 2;
        u->data = realloc(u->data, u->cap);
    }
    memcpy(u->data + u->len, data, len);
    u->len += len;
}

static enum MHD_Result send_response(struct MHD_Connection *c, unsigned status, const void *body,
                                     size_t len, enum MHD_ResponseMemoryMode mode,
                                     const char *extra_name, const char *extra_value)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, mode);
    if (extra_name)
        MHD_add_response_header(r, extra_name, extra_value);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Check the body against the pattern its X-Id names. */
static void check_upload(struct server *s, struct MHD_Connection *c, const struct upload *u)
{
    const char *xid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Id");
    if (!xid)
        return;
    char want[2000];
    size_t len = body_for(strtoull(xid, NULL, 10), want, sizeof want);
    bool same = len == u->len && (len == 0 || memcmp(want, u->data, len) == 0);
    atomic_fetch_add(same ? &s->bodies_ok : &s->bodies_bad, 1);
}

/* /ok: {"method":M,"len":N,"ctype":"...","expect":true|false}, x-jdcloud-request-id: req-ID. */
static enum MHD_Result answer_ok(struct server *s, struct MHD_Connection *c, const char *method,
                                 const struct upload *u)
{
    check_upload(s, c, u);
    const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");
    const char *xid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Id");
    char json[256], rid[64];
    int n = snprintf(json, sizeof json,
                     "{\"method\":\"%s\",\"len\":%zu,\"ctype\":\"%s\","
                     "\"expect\":%s}",
                     method, u->len, ctype ? ctype : "", expect ? "true" : "false");
    snprintf(rid, sizeof rid, "req-%s", xid ? xid : "none");
    return send_response(c, 200, json, (size_t)n, MHD_RESPMEM_MUST_COPY, "x-jdcloud-request-id",
                         rid);
}

static enum MHD_Result answer(struct server *s, struct MHD_Connection *c, const char *url,
                              const char *method, const struct upload *u)
{
    if (strcmp(url, "/slow") == 0) {
        sleep_ms(300);
        return send_response(c, 200, "slow", 4, MHD_RESPMEM_PERSISTENT, NULL, NULL);
    }
    if (strcmp(url, "/stall") == 0) {
        for (int ms = 0; ms < STALL_MAX_MS && !atomic_load(&s->release); ms += 5)
            sleep_ms(5);
        return send_response(c, 200, "late", 4, MHD_RESPMEM_PERSISTENT, NULL, NULL);
    }
    if (strcmp(url, "/503") == 0)
        return send_response(c, 503, "busy", 4, MHD_RESPMEM_PERSISTENT, "Retry-After", "2");
    if (strcmp(url, "/big") == 0)
        return send_response(c, 200, s->big, BIG_SIZE, MHD_RESPMEM_PERSISTENT, NULL, NULL);
    return answer_ok(s, c, method, u);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **req_cls)
{
    (void)version;
    struct server *s = cls;
    if (strcmp(url, "/reset") == 0) {
        atomic_fetch_add(&s->resets, 1);
        return MHD_NO; /* MHD closes the connection without a word */
    }
    struct upload *u = *req_cls;
    if (!u) {
        *req_cls = calloc(1, sizeof *u);
        return MHD_YES;
    }
    if (*upload_size > 0) {
        upload_append(u, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    return answer(s, c, url, method, u);
}

/* Start a server; with key and cert (PEM, borrowed) it speaks HTTPS. */
static int server_start_tls(struct server *s, const char *key, const char *cert)
{
    memset(s, 0, sizeof *s);
    s->big = malloc(BIG_SIZE);
    for (size_t i = 0; i < BIG_SIZE; i++)
        s->big[i] = (char)('a' + i % 26);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_TURBO | (key ? MHD_USE_TLS : 0);
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &addr,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        s, MHD_OPTION_CONNECTION_TIMEOUT, 30u, key ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, key,
        MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_END);
    if (!s->daemon) {
        free(s->big);
        return -1;
    }
    s->port = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT)->port;
    return 0;
}

static int server_start(struct server *s)
{
    return server_start_tls(s, NULL, NULL);
}

static void server_stop(struct server *s)
{
    atomic_store(&s->release, true);
    MHD_stop_daemon(s->daemon);
    free(s->big);
}

/* ---- Helpers ------------------------------------------------------------------------------- */

static struct http_request *make(const char *method, const struct server *s, const char *path,
                                 uint64_t id)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", s ? s->port : 1u, path);
    struct http_request *r = http_request_new(method, url);
    r->id = id;
    return r;
}

/* Poll until n responses arrived or timeout_ms passed. Returns how many arrived. */
static size_t collect(struct transport *t, struct http_response **out, size_t n, int timeout_ms)
{
    size_t got = 0;
    int64_t deadline = clock_now_us() + (int64_t)timeout_ms * 1000;
    while (got < n && clock_now_us() < deadline)
        got += transport_poll(t, out + got, n - got, 100);
    return got;
}

/* Wait until *counter reaches at least n, at most 10 s; whether it did. */
static bool wait_count(atomic_int *counter, int n)
{
    int64_t deadline = clock_now_us() + 10000000;
    while (atomic_load(counter) < n && clock_now_us() < deadline)
        sleep_ms(1);
    return atomic_load(counter) >= n;
}

/* Submit one request, wait for its response (new, or NULL after 10 s). */
static struct http_response *exchange(struct transport *t, struct http_request *req)
{
    struct http_response *resp = NULL;
    if (transport_submit(t, req) != 0) {
        http_request_free(req);
        return NULL;
    }
    return collect(t, &resp, 1, 10000) == 1 ? resp : NULL;
}

static void free_all(struct http_response **r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        http_response_free(r[i]);
}

/* One worker: one easy-handle pool and one connection cache, for tests that count on reuse. */
static const struct transport_config one_worker = {.workers = 1};

/* ---- Tests --------------------------------------------------------------------------------- */

static void test_request_api(void)
{
    CHECK(http_request_new("", "http://x/") == NULL);
    CHECK(http_request_new("GE T", "http://x/") == NULL);
    CHECK(http_request_new("GET\r\n", "http://x/") == NULL);
    struct http_request *r = http_request_new("PUT", "http://127.0.0.1/a?b=c");
    CHECK_STR(r->method, "PUT");
    CHECK_STR(r->url, "http://127.0.0.1/a?b=c");
    CHECK_INT(http_request_add_header(r, "Content-Type", "application/json"), ==, 0);
    CHECK_INT(http_request_add_header(r, "x-jdcloud-nonce", "abc"), ==, 0);
    CHECK_INT(http_request_add_header(r, "Bad", "v\r\nInjected: 1"), ==, ERR_INVALID);
    CHECK_INT(http_request_add_header(r, "Bad:Name", "v"), ==, ERR_INVALID);
    CHECK_INT(http_request_add_header(r, "", "v"), ==, ERR_INVALID);
    for (int i = 0; i < 40; i++) /* grows the header buffer */
        CHECK_INT(http_request_add_header(r, "X-Filler", "0123456789abcdef"), ==, 0);
    CHECK_INT(r->hdr_count, ==, 42);
    CHECK_STR(http_request_header(r, 0), "Content-Type: application/json");
    CHECK_STR(http_request_header(r, 1), "x-jdcloud-nonce: abc");
    CHECK_STR(http_request_header(r, 41), "X-Filler: 0123456789abcdef");
    CHECK(http_request_header(r, 42) == NULL);
    CHECK_INT(http_request_set_body(r, "a\0b", 3), ==, 0);
    CHECK_INT(r->body_len, ==, 3);
    CHECK(memcmp(r->body, "a\0b", 3) == 0);
    CHECK_INT(http_request_set_body(r, "", 0), ==, 0);
    CHECK_INT(r->body_len, ==, 0);
    http_request_free(r);
    http_request_free(NULL);
    http_response_free(NULL);
    CHECK_STR(transport_error_name(TRANSPORT_ERROR_NONE), "none");
    CHECK_STR(transport_error_name(TRANSPORT_ERROR_RESET), "reset");
    CHECK_STR(transport_error_name(TRANSPORT_ERROR_ABORTED), "aborted");
}

static void test_config(void)
{
    struct transport *t = NULL;
    struct transport_config cfg = {.workers = 65};
    CHECK_INT(transport_new(&cfg, &t), ==, ERR_RANGE);
    CHECK(t == NULL);
    cfg = (struct transport_config){.timeout_ms = -1};
    CHECK_INT(transport_new(&cfg, &t), ==, ERR_RANGE);
    CHECK_INT(transport_new(NULL, &t), ==, 0); /* all defaults */
    CHECK_INT(transport_inflight(t), ==, 0);
    transport_free(t);
    transport_free(NULL);
}

#define MANY 1000

static struct http_request *make_put(const struct server *s, uint64_t id, int *users)
{
    char path[64], xid[32], body[2000];
    snprintf(path, sizeof path, "/ok?id=%llu", (unsigned long long)id);
    struct http_request *r = make("PUT", s, path, id);
    r->user = &users[id];
    snprintf(xid, sizeof xid, "%llu", (unsigned long long)id);
    http_request_add_header(r, "Content-Type", "application/octet-stream");
    http_request_add_header(r, "X-Id", xid);
    http_request_set_body(r, body, body_for(id, body, sizeof body));
    return r;
}

/* Check one /ok PUT response; returns whether all was right. */
static bool put_ok(const struct http_response *r, int *users)
{
    char want[256], rid[64];
    snprintf(want, sizeof want,
             "{\"method\":\"PUT\",\"len\":%zu,\"ctype\":\"application/octet-stream\","
             "\"expect\":false}",
             body_for(r->id, NULL, 0));
    snprintf(rid, sizeof rid, "req-%llu", (unsigned long long)r->id);
    return r->error == TRANSPORT_ERROR_NONE && r->status == 200 && r->user == &users[r->id] &&
           r->req && r->req->id == r->id && r->body && strcmp(r->body, want) == 0 &&
           strcmp(r->request_id, rid) == 0 && r->t_sent > 0 && r->t_done >= r->t_sent;
}

/* inline_mode: the same, with the caller's thread doing the work (no worker threads). */
static void test_many_puts(bool inline_mode)
{
    struct server s;
    CHECK_INT(server_start(&s), ==, 0);
    struct transport_config cfg = {.workers = 2, .max_connections = 4, .inline_mode = inline_mode};
    struct transport *t = NULL;
    CHECK_INT(transport_new(&cfg, &t), ==, 0);
    static int users[MANY];
    static struct http_response *resp[MANY];
    for (uint64_t id = 0; id < MANY; id++)
        CHECK_INT(transport_submit(t, make_put(&s, id, users)), ==, 0);
    size_t got = collect(t, resp, MANY, 30000);
    CHECK_INT(got, ==, MANY);
    static unsigned char seen[MANY];
    memset(seen, 0, sizeof seen);
    int bad = 0, dup = 0, sends = 0, connections = 0;
    for (size_t i = 0; i < got; i++) {
        bad += !put_ok(resp[i], users);
        dup += resp[i]->id >= MANY || seen[resp[i]->id]++;
        sends += (int)resp[i]->sends;
        connections += (int)resp[i]->connections;
    }
    CHECK_INT(bad, ==, 0);
    CHECK_INT(dup, ==, 0);
    CHECK_INT(sends, ==, MANY); /* nothing died: one send each */
    CHECK_INT(connections, ==, atomic_load(&s.connections));
    CHECK_INT(transport_inflight(t), ==, 0);
    CHECK_INT(atomic_load(&s.bodies_ok), ==, MANY);
    CHECK_INT(atomic_load(&s.bodies_bad), ==, 0);
    /* Keep-alive: a handful of connections carried the thousand requests. */
    CHECK_INT(atomic_load(&s.connections), >=, 1);
    CHECK_INT(atomic_load(&s.connections), <=, 2 * 4);
    free_all(resp, got);
    transport_free(t);
    server_stop(&s);
}

/* What goes on the wire: no Expect, no default Content-Type, the method as given. */
static void test_wire(void)
{
    struct server s;
    CHECK_INT(server_start(&s), ==, 0);
    struct transport *t = NULL;
    CHECK_INT(transport_new(&one_worker, &t), ==, 0);
    struct http_request *req = make("POST", &s, "/ok", 1);
    char body[5000];
    memset(body, 'x', sizeof body);
    http_request_set_body(req, body, sizeof body); /* big enough for libcurl to want Expect */
    for (int i = 0; i < 30; i++) /* more header lines than a transfer starts with room for */
        http_request_add_header(req, "X-Filler", "0123456789");
    struct http_response *r = exchange(t, req);
    CHECK(r != NULL);
    if (r)
        CHECK_STR(r->body, "{\"method\":\"POST\",\"len\":5000,\"ctype\":\"\",\"expect\":false}");
    http_response_free(r);
    const char *methods[] = {"GET", "DELETE", "PATCH"};
    for (int i = 0; i < 3; i++) {
        r = exchange(t, make(methods[i], &s, "/ok", 2));
        CHECK(r != NULL && r->status == 200);
        char want[128];
        snprintf(want, sizeof want, "{\"method\":\"%s\",\"len\":0,\"ctype\":\"\",\"expect\":false}",
                 methods[i]);
        if (r)
            CHECK_STR(r->body, want);
        http_response_free(r);
    }
    r = exchange(t, make("HEAD", &s, "/ok", 3));
    CHECK(r != NULL && r->status == 200 && r->body_len == 0 && r->error == TRANSPORT_ERROR_NONE);
    http_response_free(r);
    /* The same easy handle again: nothing of the HEAD or the POST body is left over. */
    r = exchange(t, make("GET", &s, "/ok", 4));
    if (r)
        CHECK_STR(r->body, "{\"method\":\"GET\",\"len\":0,\"ctype\":\"\",\"expect\":false}");
    http_response_free(r);
    req = make("PUT", &s, "/ok", 5); /* a PUT with no body sends Content-Length: 0 */
    r = exchange(t, req);
    if (r)
        CHECK_STR(r->body, "{\"method\":\"PUT\",\"len\":0,\"ctype\":\"\",\"expect\":false}");
    http_response_free(r);
    transport_free(t);
    server_stop(&s);
}

static void test_timeout(bool inline_mode)
{
    struct server s;
    CHECK_INT(server_start(&s), ==, 0);
    struct transport_config cfg = {.timeout_ms = 100, .inline_mode = inline_mode};
    struct transport *t = NULL;
    CHECK_INT(transport_new(&cfg, &t), ==, 0);
    /* /stall cannot answer before the test releases it: a timeout is the only way out. */
    struct http_response *r = exchange(t, make("GET", &s, "/stall", 7));
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(transport_error_name(r->error), "timeout");
        CHECK_INT(r->status, ==, 0);
        CHECK_INT(r->id, ==, 7);
        CHECK(r->message[0] != '\0');
        CHECK_INT(r->t_done - r->t_sent, >=, 90000); /* never before the timeout */
    }
    http_response_free(r);
    transport_free(t);
    server_stop(&s);
}

static void test_reset(void)
{
    struct server s;
    CHECK_INT(server_start(&s), ==, 0);
    struct transport *t = NULL;
    CHECK_INT(transport_new(&one_worker, &t), ==, 0);
    /* A kept-alive connection first, so the reset also hits a reused one. */
    struct http_response *r = exchange(t, make("GET", &s, "/ok", 1));
    CHECK(r != NULL);
    if (r) { /* one send, on a new connection */
        CHECK_INT(r->sends, ==, 1);
        CHECK_INT(r->resends + r->resets, ==, 0);
        CHECK_INT(r->connections, ==, 1);
    }
    http_response_free(r);
    r = exchange(t, make("GET", &s, "/reset", 2));
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(transport_error_name(r->error), "reset");
        CHECK_INT(r->status, ==, 0);
        /* The reused connection died under it: libcurl sent it again on a new one, which died
         * too. Both sends and both resets are counted, as the server saw them. */
        CHECK_INT(r->sends, ==, 2);
        CHECK_INT(r->resends, ==, 1);
        CHECK_INT(r->resets, ==, 2);
        CHECK_INT(r->resets, ==, atomic_load(&s.resets));
        CHECK_INT(r->connections, ==, 1);
    }
    http_response_free(r);
    r = exchange(t, make("GET", &s, "/ok", 3)); /* and the transport goes on */
    CHECK(r != NULL && r->status == 200);
    if (r) { /* on a new connection: the last one died */
        CHECK_INT(r->sends, ==, 1);
        CHECK_INT(r->resets, ==, 0);
        CHECK_INT(r->connections, ==, 1);
    }
    http_response_free(r);
    CHECK_INT(atomic_load(&s.connections), ==, 3);
    transport_free(t);
    server_stop(&s);
}

/* A loopback port nobody listens on: bind one, read it, close it. */
static unsigned closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    bind(fd, (struct sockaddr *)&addr, sizeof addr);
    getsockname(fd, (struct sockaddr *)&addr, &len);
    close(fd);
    return ntohs(addr.sin_port);
}

static void test_connect_refused(void)
{
    struct transport *t = NULL;
    CHECK_INT(transport_new(NULL, &t), ==, 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/ok", closed_port());
    struct http_request *req = http_request_new("GET", url);
    struct http_response *r = exchange(t, req);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(transport_error_name(r->error), "connect");
        CHECK_INT(r->status, ==, 0);
        CHECK(r->message[0] != '\0');
    }
    http_response_free(r);
    transport_free(t);
}

static void test_retry_after(void)
{
    struct server s;
    CHECK_INT(server_start(&s), ==, 0);
    struct transport *t = NULL;
    CHECK_INT(transport_new(NULL, &t), ==, 0);
    struct http_response *r = exchange(t, make("PUT", &s, "/503", 5));
    CHECK(r != NULL);
    if (r) {
        CHECK_INT(r->error, ==, TRANSPORT_ERROR_NONE);
        CHECK_INT(r->status, ==, 503);
        CHECK_STR(r->retry_after, "2");
        CHECK_STR(r->request_id, "");
        CHECK_STR(r->body, "busy");
    }
    http_response_free(r);
    transport_free(t);
    server_stop(&s);
}

static void test_big_body(void)
{
    struct server s;
    CHECK_INT(server_start(&s), ==, 0);
    struct transport *t = NULL;
    CHECK_INT(transport_new(NULL, &t), ==, 0);
    struct http_response *r = exchange(t, make("GET", &s, "/big", 1));
    CHECK(r != NULL);
    if (r) {
        CHECK_INT(r->error, ==, TRANSPORT_ERROR_NONE);
        CHECK_INT(r->status, ==, 200);
        CHECK_INT(r->body_len, ==, MIB);
        CHECK(r->body_truncated);
        CHECK(r->body && memcmp(r->body, s.big, MIB) == 0 && r->body[MIB] == '\0');
    }
    http_response_free(r);
    transport_free(t);
    struct transport_config cfg = {.max_body = 1000};
    CHECK_INT(transport_new(&cfg, &t), ==, 0);
    r = exchange(t, make("GET", &s, "/big", 2));
    CHECK(r != NULL && r->body_len == 1000 && r->body_truncated && r->status == 200);
    http_response_free(r);
    r = exchange(t, make("GET", &s, "/ok", 3)); /* small bodies are whole */
    CHECK(r != NULL && r->body_len > 0 && !r->body_truncated);
    http_response_free(r);
    transport_free(t);
    server_stop(&s);
}

/* TLS spoken to a plain HTTP server: the handshake fails. */
static void test_tls_failure(void)
{
    struct server s;
    CHECK_INT(server_start(&s), ==, 0);
    struct transport *t = NULL;
    CHECK_INT(transport_new(NULL, &t), ==, 0);
    char url[64];
    snprintf(url, sizeof url, "https://127.0.0.1:%u/ok", s.port);
    struct http_response *r = exchange(t, http_request_new("GET", url));
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(transport_error_name(r->error), "tls");
        CHECK_INT(r->status, ==, 0);
    }
    http_response_free(r);
    transport_free(t);
    server_stop(&s);
}

/* The contents of a memory BIO as a new string. */
static char *bio_string(BIO *b)
{
    char *data = NULL;
    long len = BIO_get_mem_data(b, &data);
    char *out = malloc((size_t)len + 1);
    memcpy(out, data, (size_t)len);
    out[len] = '\0';
    return out;
}

/* A throwaway P-256 key and a self-signed certificate for 127.0.0.1, as PEM (new strings). */
static int self_signed(char **key_pem, char **cert_pem)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    if (!key || !x)
        return -1;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"127.0.0.1", -1, -1,
                               0);
    X509_set_issuer_name(x, name);
    X509_EXTENSION *san = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, "IP:127.0.0.1");
    X509_add_ext(x, san, -1);
    X509_EXTENSION_free(san);
    X509_sign(x, key, EVP_sha256());
    BIO *kb = BIO_new(BIO_s_mem()), *cb = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL);
    PEM_write_bio_X509(cb, x);
    *key_pem = bio_string(kb);
    *cert_pem = bio_string(cb);
    BIO_free(kb);
    BIO_free(cb);
    X509_free(x);
    EVP_PKEY_free(key);
    return 0;
}

/* The name c_rehash gives the PEM certificate cert in a CA directory: its subject hash, ".0". */
static void hash_name(const char *cert, char *out, size_t size)
{
    BIO *b = BIO_new_mem_buf(cert, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    snprintf(out, size, "%08lx.0", x ? X509_subject_name_hash(x) : 0UL);
    X509_free(x);
    BIO_free(b);
}

/* One GET to url through a one-worker transport with cfg's CAs; the response (new). */
static struct http_response *get_with(const struct transport_config *cfg, const char *url)
{
    struct transport *t = NULL;
    if (transport_new(cfg, &t) != 0)
        return NULL;
    struct http_response *r = exchange(t, http_request_new("GET", url));
    transport_free(t);
    return r;
}

/* TLS peers are always verified: a server whose CA is not trusted is refused, naming what was
 * trusted; the same server is accepted through its CA as a file (ca_file) and as a hashed
 * directory (ca_dir), and the TLS connection is kept alive. */
static void test_tls_verify(void)
{
    char *key = NULL, *cert = NULL, *other_key = NULL, *other = NULL;
    CHECK_INT(self_signed(&key, &cert), ==, 0);
    CHECK_INT(self_signed(&other_key, &other), ==, 0); /* a CA that did not sign the server */
    struct server s;
    CHECK_INT(server_start_tls(&s, key, cert), ==, 0);
    char url[64], ca[64], wrong[64], dir[128], hashed[192];
    snprintf(url, sizeof url, "https://127.0.0.1:%u/ok", s.port);
    CHECK_INT(tmpfile_write(ca, cert, strlen(cert)), ==, 0);
    CHECK_INT(tmpfile_write(wrong, other, strlen(other)), ==, 0);
    CHECK_INT(tmpdir_make(dir, sizeof dir, "cpsbatch-capath"), ==, 0);
    char name[32];
    hash_name(cert, name, sizeof name);
    snprintf(hashed, sizeof hashed, "%s/%s", dir, name);
    FILE *f = fopen(hashed, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(cert, f);
        fclose(f);
    }

    /* The system's store: refused. */
    struct http_response *r = get_with(&one_worker, url);
    CHECK(r != NULL && r->error == TRANSPORT_ERROR_TLS && r->status == 0);
    if (r)
        CHECK(strstr(r->message, "(trusting the system's CA store)") != NULL);
    http_response_free(r);
    /* Another CA: refused, and the message names the file trusted. */
    struct transport_config cfg = {.workers = 1, .ca_file = wrong};
    r = get_with(&cfg, url);
    CHECK(r != NULL && r->error == TRANSPORT_ERROR_TLS);
    char want[128];
    snprintf(want, sizeof want, "(trusting the CA file %s)", wrong);
    if (r) {
        CHECK(strstr(r->message, "SSL certificate problem") != NULL);
        CHECK(strstr(r->message, want) != NULL);
    }
    http_response_free(r);
    /* Its CA as a directory: accepted; as a file: accepted, with the connection kept alive. */
    cfg = (struct transport_config){.workers = 1, .ca_dir = dir};
    r = get_with(&cfg, url);
    CHECK(r != NULL && r->error == TRANSPORT_ERROR_NONE && r->status == 200);
    http_response_free(r);
    cfg = (struct transport_config){.workers = 1, .ca_file = ca};
    struct transport *t = NULL;
    CHECK_INT(transport_new(&cfg, &t), ==, 0);
    int before = atomic_load(&s.connections);
    for (int i = 0; i < 3; i++) {
        r = exchange(t, http_request_new("GET", url));
        CHECK(r != NULL && r->error == TRANSPORT_ERROR_NONE && r->status == 200);
        http_response_free(r);
    }
    CHECK_INT(atomic_load(&s.connections) - before, ==, 1); /* one for three */
    transport_free(t);
    server_stop(&s);
    unlink(hashed);
    rmdir(dir);
    unlink(ca);
    unlink(wrong);
    free(key);
    free(cert);
    free(other_key);
    free(other);
}

/* No descriptor left for a connection's socket: the message says so (the open-files limit),
 * not libcurl's "Couldn't connect to server". The table is filled with dup()s of a real
 * descriptor after the transport started (its wakeup pipe is open), under a lowered soft limit
 * so filling it is cheap. */
static void test_no_descriptors(void)
{
    struct server s;
    CHECK_INT(server_start(&s), ==, 0);
    struct rlimit was, low;
    CHECK_INT(getrlimit(RLIMIT_NOFILE, &was), ==, 0);
    low = was;
    low.rlim_cur = was.rlim_cur < 256 ? was.rlim_cur : 256;
    CHECK_INT(setrlimit(RLIMIT_NOFILE, &low), ==, 0);
    struct transport_config cfg = {.inline_mode = true};
    struct transport *t = NULL;
    CHECK_INT(transport_new(&cfg, &t), ==, 0);
    int fds[1024], n = 0;
    while (n < 1024 && (fds[n] = dup(2)) >= 0)
        n++;
    CHECK(n < 1024 && errno == EMFILE);
    struct http_response *r = exchange(t, make("GET", &s, "/ok", 1));
    for (int i = 0; i < n; i++)
        close(fds[i]);
    CHECK(r != NULL && r->error == TRANSPORT_ERROR_CONNECT);
    if (r) {
        CHECK_STR(r->message, "too many open files (ulimit -n): no socket for the connection");
    }
    http_response_free(r);
    r = exchange(t, make("GET", &s, "/ok", 2)); /* and with descriptors back, it works */
    CHECK(r != NULL && r->error == TRANSPORT_ERROR_NONE && r->status == 200);
    http_response_free(r);
    transport_free(t);
    CHECK_INT(setrlimit(RLIMIT_NOFILE, &was), ==, 0);
    server_stop(&s);
}

/* URLs libcurl cannot or must not serve fail as "other", and the transport goes on. */
static void test_bad_urls(void)
{
    struct server s;
    CHECK_INT(server_start(&s), ==, 0);
    struct transport *t = NULL;
    CHECK_INT(transport_new(NULL, &t), ==, 0);
    const char *urls[] = {"ftp://127.0.0.1/x", "file:///etc/passwd", "http://[::1/x", ""};
    for (int i = 0; i < 4; i++) {
        struct http_response *r = exchange(t, http_request_new("GET", urls[i]));
        CHECK(r != NULL);
        if (r) {
            CHECK_STR(transport_error_name(r->error), "other");
            CHECK_INT(r->status, ==, 0);
            CHECK(r->body == NULL);
        }
        http_response_free(r);
    }
    struct http_response *r = exchange(t, make("GET", &s, "/ok", 1));
    CHECK(r != NULL && r->status == 200);
    http_response_free(r);
    transport_free(t);
    server_stop(&s);
}

/* Stop with a deadline that passes while requests run: each comes back once, aborted. */
static void test_stop_aborts(bool inline_mode)
{
    struct server s;
    CHECK_INT(server_start(&s), ==, 0);
    struct transport_config cfg = {.workers = 2, .inline_mode = inline_mode};
    struct transport *t = NULL;
    CHECK_INT(transport_new(&cfg, &t), ==, 0);
    for (uint64_t id = 0; id < 4; id++) /* answers that cannot come before the stop */
        CHECK_INT(transport_submit(t, make("GET", &s, "/stall", id)), ==, 0);
    struct http_response *resp[4];
    if (inline_mode) /* let them start: in inline mode, polling does that */
        CHECK_INT(transport_poll(t, resp, 1, 50), ==, 0);
    CHECK(wait_count(&s.connections, 1)); /* running: the server has one */
    transport_stop(t, clock_now_us() + 50000);
    struct http_request *late = make("GET", &s, "/ok", 99);
    CHECK_INT(transport_submit(t, late), ==, ERR_STOPPED);
    http_request_free(late);                 /* refused: still ours */
    size_t got = collect(t, resp, 4, 10000); /* all four, though no answer was released */
    CHECK_INT(got, ==, 4);
    int aborted = 0, connections = 0;
    for (size_t i = 0; i < got; i++) {
        aborted += resp[i]->error == TRANSPORT_ERROR_ABORTED && resp[i]->status == 0;
        connections += (int)resp[i]->connections; /* counted though aborted */
    }
    CHECK_INT(aborted, ==, 4);
    /* Every connection the server took was opened by one of them (it may not have taken
     * them all yet: at most one each). */
    CHECK_INT(connections, >=, atomic_load(&s.connections));
    CHECK_INT(connections, <=, 4);
    CHECK_INT(transport_inflight(t), ==, 0);
    CHECK_INT(transport_poll(t, resp, 4, 0), ==, 0);
    free_all(resp, got);
    transport_free(t);
    server_stop(&s);
}

/* Stop with a generous deadline: what was accepted finishes normally. */
static void test_stop_graceful(void)
{
    struct server s;
    CHECK_INT(server_start(&s), ==, 0);
    struct transport *t = NULL;
    CHECK_INT(transport_new(NULL, &t), ==, 0);
    static int users[50];
    for (uint64_t id = 0; id < 50; id++)
        CHECK_INT(transport_submit(t, make_put(&s, id, users)), ==, 0);
    transport_stop(t, clock_now_us() + 10000000);
    transport_stop(t, clock_now_us() + 20000000); /* a later deadline changes nothing */
    struct http_response *resp[50];
    size_t got = collect(t, resp, 50, 10000);
    CHECK_INT(got, ==, 50);
    int ok = 0;
    for (size_t i = 0; i < got; i++)
        ok += put_ok(resp[i], users);
    CHECK_INT(ok, ==, 50);
    CHECK_INT(transport_inflight(t), ==, 0);
    free_all(resp, got);
    transport_free(t);
    server_stop(&s);
}

/* Free with requests queued, running and finished-but-unpolled: nothing leaks or hangs. */
static void test_free_busy(bool inline_mode)
{
    struct server s;
    CHECK_INT(server_start(&s), ==, 0);
    struct transport_config cfg = {.workers = 2, .max_connections = 2, .inline_mode = inline_mode};
    struct transport *t = NULL;
    CHECK_INT(transport_new(&cfg, &t), ==, 0);
    static int users[100];
    for (uint64_t id = 0; id < 100; id++)
        CHECK_INT(transport_submit(t, make_put(&s, id, users)), ==, 0);
    struct http_response *r = NULL;
    if (inline_mode) { /* start them, and leave what finished unpolled */
        size_t got = 0;
        for (int i = 0; i < 100 && got == 0; i++)
            got = transport_poll(t, &r, 1, 100);
        CHECK_INT(got, ==, 1);
        http_response_free(r);
    }
    CHECK(wait_count(&s.bodies_ok, 1));     /* some answered, the rest queued or running */
    for (uint64_t id = 100; id < 103; id++) /* answers that come only once released */
        CHECK_INT(transport_submit(t, make("GET", &s, "/stall", id)), ==, 0);
    /* Had it waited for the stalled answers, it would take STALL_MAX_MS. */
    int64_t t0 = clock_now_us();
    transport_free(t);
    CHECK_INT(clock_now_us() - t0, <, STALL_MAX_MS * 1000 / 2);
    server_stop(&s);
}

/* transport_poll_until never returns before its deadline, in both modes, and hands over an
 * answer as soon as it lands (before a deadline 10 s off). How close to the deadline it
 * returns is the machine's business here (the stepped-clock tests check the schedule); a
 * return a second late would be a wait on something else. */
static void test_poll_until(bool inline_mode)
{
    struct server s;
    CHECK_INT(server_start(&s), ==, 0);
    struct transport_config cfg = {.workers = 1, .inline_mode = inline_mode};
    struct transport *t = NULL;
    CHECK_INT(transport_new(&cfg, &t), ==, 0);
    struct http_response *r = NULL;
    int early = 0;
    int64_t worst = 0;
    for (int i = 0; i < 20; i++) {
        int64_t deadline = clock_now_us() + 300 + 150 * i; /* 0.3 to 3.2 ms */
        CHECK_INT(transport_poll_until(t, &r, 1, deadline), ==, 0);
        int64_t now = clock_now_us();
        early += now < deadline;
        worst = now - deadline > worst ? now - deadline : worst;
    }
    CHECK_INT(early, ==, 0);
    CHECK_INT(worst, <, 1000000);
    CHECK_INT(transport_submit(t, make("GET", &s, "/ok", 1)), ==, 0);
    int64_t deadline = clock_now_us() + 10000000;
    size_t got = transport_poll_until(t, &r, 1, deadline);
    CHECK_INT(got, ==, 1);
    CHECK_INT(clock_now_us(), <, deadline);
    if (got) {
        CHECK_INT(r->status, ==, 200);
        http_response_free(r);
    }
    transport_free(t);
    server_stop(&s);
}

/* Taking the request out of a response and sending it again. */
static void test_resubmit(void)
{
    struct server s;
    CHECK_INT(server_start(&s), ==, 0);
    struct transport *t = NULL;
    CHECK_INT(transport_new(NULL, &t), ==, 0);
    struct http_response *r = exchange(t, make("GET", &s, "/503", 1));
    CHECK(r != NULL && r->status == 503);
    if (!r)
        goto out;
    struct http_request *again = r->req;
    r->req = NULL;
    http_response_free(r);
    r = exchange(t, again);
    CHECK(r != NULL && r->status == 503 && r->req == again);
    http_response_free(r);
out:
    transport_free(t);
    server_stop(&s);
}

int main(void)
{
    test_request_api();
    test_config();
    test_many_puts(false);
    test_many_puts(true);
    test_wire();
    test_timeout(false);
    test_timeout(true);
    test_reset();
    test_connect_refused();
    test_retry_after();
    test_big_body();
    test_tls_failure();
    test_tls_verify();
    test_no_descriptors();
    test_bad_urls();
    test_stop_aborts(false);
    test_stop_aborts(true);
    test_stop_graceful();
    test_free_busy(false);
    test_free_busy(true);
    test_poll_until(false);
    test_poll_until(true);
    test_resubmit();
    return check_done();
}
