/* sim.c - cps-sim's HTTP server: connections, request bodies, delayed answers and resets.
 *
 * Life of one request (one struct simreq, created by the URI callback, freed when MHD says
 * the request is complete):
 *
 *   HEADERS --first call--> BODY --body chunks--> BODY --last call--> READY: answer computed
 *                                                                       |            |
 *                                  delay > 0: suspend; the timer resumes |            | no delay
 *                                  and MHD calls again (upload size 0)   v            v
 *                                                                     READY -------> send / reset
 *
 * A request whose Content-Length is over the limit is answered 413 at its first call; one
 * that sends more than the limit without saying so is read to the end (nothing is kept) and
 * then answered 413. "Reset" returns MHD_NO, which closes the connection without an answer.
 */
#include "sim.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "err.h"
#include "simapi.h"
#include "simstore.h"
#include "simtimer.h"

#define INLINE_BODY 1024

struct sim {
    struct simctx ctx;
    struct simtimer *timer;
    struct simstore *store; /* the state file, or NULL */
    struct MHD_Daemon *daemon;
    unsigned port;
    int threads;
    unsigned max_connections;
    size_t max_body;
    FILE *log;
    char *tls_cert, *tls_key; /* PEM text, or NULL for plain HTTP; the key wiped on free */
    bool fault_ready;         /* ctx.fault was initialised */
};

enum phase { PHASE_HEADERS, PHASE_BODY, PHASE_READY };

struct simreq {
    struct sim *sim;
    struct MHD_Connection *conn;
    enum phase phase;
    bool too_big;
    int64_t start_us;
    int64_t due_us; /* when a delayed answer is due */
    char method[12];
    struct simreply reply;
    struct simstore_waiter waiter; /* while the answer waits for the state file */
    char *body;                    /* inline_body or a heap block of cap bytes */
    size_t len, cap;
    char inline_body[INLINE_BODY];
    char uri[]; /* the request target as received */
};

/* ---- configuration ---- */

void sim_config_default(struct sim_config *c)
{
    memset(c, 0, sizeof *c);
    c->faults.limit_status = 503;
    c->faults.retry_after = -1;
    c->faults.quota = -1;
    c->faults.create_seconds = 2;
    c->seed = -1;
    c->threads = 2;
    c->max_connections = 4096;
    c->max_body = 1024 * 1024;
}

static void say(char *msg, size_t len, const char *text)
{
    if (msg && len)
        snprintf(msg, len, "%s", text);
}

static char *dup_or_null(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static uint64_t pick_seed(long long seed)
{
    if (seed >= 0)
        return (uint64_t)seed;
    uint64_t s = (uint64_t)clock_now_us() ^ ((uint64_t)clock_wall() << 20);
    return simfault_rng_next(&s) & ((UINT64_C(1) << 53) - 1); /* fits a JSON number */
}

static int check_config(const struct sim_config *c, char *msg, size_t msglen)
{
    if (simfault_check(&c->faults, msg, msglen) != 0)
        return ERR_INVALID;
    if (c->threads < 1 || c->threads > 256 || c->max_connections < 1 || c->max_body < 1) {
        say(msg, msglen, "threads must be 1..256, connections and body size > 0");
        return ERR_INVALID;
    }
    if (c->faults.verify_signatures && (c->access_key == NULL || c->secret_key == NULL)) {
        say(msg, msglen, "verifying signatures needs an access key and a secret key");
        return ERR_INVALID;
    }
    if ((c->tls_cert_file == NULL) != (c->tls_key_file == NULL)) {
        say(msg, msglen, "TLS needs both a certificate and its key");
        return ERR_INVALID;
    }
    if (c->tls_cert_file && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        say(msg, msglen, "this libmicrohttpd was built without TLS");
        return ERR_INVALID;
    }
    return 0;
}

#define TLS_FILE_MAX (1024 * 1024)

/* The whole file at path (what it holds: "certificate", "key") as a new string in *out.
 * Returns 0, ERR_IO or ERR_PARSE (empty or too big) with msg naming the file, or ERR_NOMEM. */
static int read_tls_file(const char *path, const char *what, char **out, char *msg, size_t msglen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (msg)
            snprintf(msg, msglen, "cannot read the TLS %s %s: %s", what, path, strerror(errno));
        return ERR_IO;
    }
    char *text = malloc(TLS_FILE_MAX + 1);
    size_t n = text ? fread(text, 1, TLS_FILE_MAX + 1, f) : 0;
    bool bad = ferror(f) != 0;
    fclose(f);
    if (text == NULL)
        return ERR_NOMEM;
    if (bad || n == 0 || n > TLS_FILE_MAX) {
        if (msg)
            snprintf(msg, msglen, "the TLS %s %s is %s", what, path,
                     bad      ? "unreadable"
                     : n == 0 ? "empty"
                              : "over 1 MiB");
        free(text);
        return bad ? ERR_IO : ERR_PARSE;
    }
    text[n] = '\0';
    *out = text;
    return 0;
}

static int build(struct sim *s, const struct sim_config *c, char *msg, size_t msglen)
{
    struct sim_faults k = c->faults;
    k.seed = (long long)pick_seed(c->seed);
    uint64_t key = (uint64_t)k.seed;
    s->ctx.ids.key = simfault_rng_next(&key);
    s->ctx.strict_catalog = c->strict_catalog;
    int rc = c->state_file ? simstore_open(c->state_file, simfault_rng_next(&key), stderr,
                                           &s->store, &s->ctx.state, msg, msglen)
                           : simstate_new(simfault_rng_next(&key), &s->ctx.state);
    if (rc == 0)
        rc = simfault_init(&s->ctx.fault, &k);
    s->fault_ready = rc == 0;
    if (rc == 0)
        rc = simcatalog_load(c->catalog_file, &s->ctx.catalog, msg, msglen);
    if (rc == 0 && c->access_key && c->secret_key) {
        s->ctx.access_key = dup_or_null(c->access_key);
        s->ctx.secret_key = dup_or_null(c->secret_key);
        if (!s->ctx.access_key || !s->ctx.secret_key)
            rc = ERR_NOMEM;
    }
    if (rc == 0 && c->tls_cert_file)
        rc = read_tls_file(c->tls_cert_file, "certificate", &s->tls_cert, msg, msglen);
    if (rc == 0 && c->tls_key_file)
        rc = read_tls_file(c->tls_key_file, "key", &s->tls_key, msg, msglen);
    if (rc == 0)
        rc = simtimer_new(&s->timer);
    return rc;
}

int sim_new(const struct sim_config *c, struct sim **out, char *msg, size_t msglen)
{
    int rc = check_config(c, msg, msglen);
    if (rc != 0)
        return rc;
    struct sim *s = calloc(1, sizeof *s);
    if (s == NULL)
        return ERR_NOMEM;
    s->threads = c->threads;
    s->max_connections = c->max_connections;
    s->max_body = c->max_body;
    s->log = c->log;
    rc = build(s, c, msg, msglen);
    if (rc != 0) {
        if (rc == ERR_NOMEM)
            say(msg, msglen, err_str(rc));
        sim_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void sim_free(struct sim *s)
{
    if (s == NULL)
        return;
    sim_stop(s);
    simtimer_free(s->timer);
    simcatalog_free(s->ctx.catalog);
    simstore_free(s->store);
    simstate_free(s->ctx.state);
    if (s->ctx.secret_key) {
        volatile char *p = s->ctx.secret_key;
        while (*p)
            *p++ = '\0';
    }
    free(s->ctx.secret_key);
    free(s->ctx.access_key);
    if (s->tls_key) {
        volatile char *p = s->tls_key;
        while (*p)
            *p++ = '\0';
    }
    free(s->tls_key);
    free(s->tls_cert);
    if (s->fault_ready)
        simfault_release(&s->ctx.fault);
    free(s);
}

/* ---- knobs and stats ---- */

int sim_faults_apply_json(struct sim_faults *f, json_t *obj, char *msg, size_t msglen)
{
    char dummy[8];
    bool reseed;
    return simfault_from_json(f, obj, &reseed, msg ? msg : dummy, msg ? msglen : sizeof dummy);
}

/* ---- requests ---- */

/* MHD's URI callback: the first thing known of a request. The raw target is kept for the
 * signature (MHD hands the handler a decoded path). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    size_t n = strlen(uri) + 1;
    struct simreq *rq = malloc(sizeof *rq + n);
    if (rq == NULL)
        return NULL;
    rq->sim = cls;
    rq->conn = conn;
    rq->phase = PHASE_HEADERS;
    rq->too_big = false;
    rq->start_us = 0;
    rq->method[0] = '\0';
    rq->reply = (struct simreply){.status = 0, .retry_after = -1};
    rq->body = rq->inline_body;
    rq->len = 0;
    rq->cap = INLINE_BODY;
    memcpy(rq->uri, uri, n);
    return rq;
}

static void log_request(struct simreq *rq)
{
    double ms = (double)(clock_now_us() - rq->start_us) / 1000.0;
    if (rq->reply.reset)
        fprintf(rq->sim->log, "%s %s reset %.3f ms\n", rq->method, rq->uri, ms);
    else
        fprintf(rq->sim->log, "%s %s %d %.3f ms\n", rq->method, rq->uri, rq->reply.status, ms);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct simreq *rq = *con_cls;
    (void)cls;
    (void)toe;
    if (rq == NULL)
        return;
    (void)conn;
    if (rq->sim->log && rq->phase == PHASE_READY)
        log_request(rq);
    simreply_release(&rq->reply);
    if (rq->body != rq->inline_body)
        free(rq->body);
    free(rq);
    *con_cls = NULL;
}

static enum MHD_Result send_reply(struct simreq *rq)
{
    struct simreply *r = &rq->reply;
    if (r->reset)
        return MHD_NO; /* MHD closes the connection without an answer */
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL)
        return MHD_NO;
    r->body = NULL; /* now the response's */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (r->retry_after >= 0) {
        char ra[24];
        snprintf(ra, sizeof ra, "%d", r->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    enum MHD_Result ok = MHD_queue_response(rq->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

static void too_big(struct simreq *rq)
{
    char msg[96];
    snprintf(msg, sizeof msg, "request body larger than %zu bytes", rq->sim->max_body);
    simreply_error(&rq->reply, &rq->sim->ctx.ids, 413, "INVALID_ARGUMENT", msg, NULL);
    simstate_count(rq->sim->ctx.state, SIMSTATE_REQUESTS);
    simstate_count_status(rq->sim->ctx.state, 413);
}

/* The first call: headers are in, the body (if any) is not. */
static enum MHD_Result on_headers(struct simreq *rq, const char *url, const char *method)
{
    struct sim *s = rq->sim;
    rq->start_us = clock_now_us();
    snprintf(rq->method, sizeof rq->method, "%s", method);
    rq->phase = PHASE_BODY;
    if (!simapi_is_admin(url))
        simstate_arrival(s->ctx.state, rq->start_us, simapi_is_create(method, url));
    const char *cl =
        MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > s->max_body) {
        too_big(rq);
        rq->phase = PHASE_READY;
        return send_reply(rq);
    }
    return MHD_YES;
}

/* Keep a piece of the body, unless the body is already over the limit. */
static void take_body(struct simreq *rq, const char *data, size_t n)
{
    if (rq->too_big || rq->len + n > rq->sim->max_body) {
        rq->too_big = true;
        return;
    }
    if (rq->len + n > rq->cap) {
        size_t cap = rq->cap * 2;
        while (cap < rq->len + n)
            cap *= 2;
        char *b = malloc(cap);
        if (b == NULL) {
            rq->too_big = true;
            return;
        }
        memcpy(b, rq->body, rq->len);
        if (rq->body != rq->inline_body)
            free(rq->body);
        rq->body = b;
        rq->cap = cap;
    }
    memcpy(rq->body + rq->len, data, n);
    rq->len += n;
}

static void resume(void *arg)
{
    struct simreq *rq = arg;
    MHD_resume_connection(rq->conn);
}

/* The state file holds what the answer reports (or cannot: then the answer is a 500).
 * Resume now, or when the delay is due. */
static void durable(void *arg, bool ok)
{
    struct simreq *rq = arg;
    struct sim *s = rq->sim;
    if (!ok) {
        simreply_release(&rq->reply);
        simreply_init(&rq->reply);
        simreply_error(&rq->reply, &s->ctx.ids, 500, "INTERNAL",
                       "cps-sim cannot write its state file", NULL);
    }
    if (rq->reply.delay_us <= 0 || simtimer_add(s->timer, rq->due_us, resume, rq) != 0)
        resume(rq);
}

/* The last call: the whole request is in. Answer now or later. */
static enum MHD_Result on_complete(struct simreq *rq, const char *url, const char *method)
{
    struct sim *s = rq->sim;
    struct simcall call = {rq->conn, method, url, rq->uri, rq->body, rq->len, clock_now_us()};
    if (rq->too_big)
        too_big(rq);
    else if (simapi_is_admin(url))
        simapi_admin(&s->ctx, &call, &rq->reply);
    else
        simapi_handle(&s->ctx, &call, &rq->reply);
    rq->phase = PHASE_READY;
    rq->due_us = call.now_us + rq->reply.delay_us;
    bool wait = s->store && rq->reply.seq > 0;
    if (rq->reply.delay_us <= 0 && !wait)
        return send_reply(rq);
    MHD_suspend_connection(rq->conn);
    if (wait)
        simstore_wait(s->store, &rq->waiter, rq->reply.seq, durable, rq);
    else if (simtimer_add(s->timer, rq->due_us, resume, rq) != 0)
        resume(rq);
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct simreq *rq = *con_cls;
    (void)cls;
    (void)version;
    if (rq == NULL)
        return MHD_NO; /* out of memory when the request began */
    rq->conn = conn;
    switch (rq->phase) {
    case PHASE_HEADERS: return on_headers(rq, url, method);
    case PHASE_BODY:
        if (*upload_data_size == 0)
            return on_complete(rq, url, method);
        take_body(rq, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    case PHASE_READY: break;
    }
    return send_reply(rq);
}

/* ---- the daemon ---- */

/* Resolve host:port into addr. Returns 0 or ERR_NET. */
static int resolve(const char *host, unsigned port, struct sockaddr_storage *addr, socklen_t *len,
                   char *msg, size_t msglen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_PASSIVE};
    struct addrinfo *res = NULL;
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    host = host ? host : "127.0.0.1";
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0 || res == NULL || res->ai_addrlen > sizeof *addr) {
        if (msg)
            snprintf(msg, msglen, "cannot resolve %s: %s", host, gai_strerror(rc));
        if (res)
            freeaddrinfo(res);
        return ERR_NET;
    }
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *len = (socklen_t)res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

int sim_start(struct sim *s, const char *host, unsigned port, char *msg, size_t msglen)
{
    struct sockaddr_storage addr;
    socklen_t alen;
    if (s->daemon || port > 65535) {
        say(msg, msglen, s->daemon ? "already started" : "port must be 0..65535");
        return ERR_INVALID;
    }
    if (resolve(host, port, &addr, &alen, msg, msglen) != 0)
        return ERR_NET;
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)s->max_connections, NULL},
        /* MHD clears a connection's memory pool after every request; 16 KiB (not the default
         * 32) still holds a request line and headers of 10+ KiB, and costs half as much. */
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 16 * 1024, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, 120, NULL},
        {MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL},
        /* last: with one thread this entry ends the list, so no pool is made */
        {s->threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, s->threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    /* HTTPS (GnuTLS inside libmicrohttpd) when there is a certificate; else an empty list. */
    struct MHD_OptionItem tls[] = {
        {s->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, s->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    if (s->tls_cert)
        flags |= MHD_USE_TLS;
    s->daemon =
        MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
                         (struct sockaddr *)&addr, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_ARRAY, tls,
                         MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (s->daemon == NULL) {
        if (msg)
            snprintf(msg, msglen, "cannot listen on %s port %u%s", host ? host : "127.0.0.1", port,
                     s->tls_cert ? " with TLS (is the key the certificate's, both PEM?)" : "");
        return ERR_NET;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : port;
    return 0;
}

unsigned sim_port(const struct sim *s)
{
    return s->port;
}

void sim_stop(struct sim *s)
{
    if (s->daemon == NULL)
        return;
    /* Suspended connections must be resumed before MHD_stop_daemon (an MHD rule); from here
     * on a new wait or delay ends at once. The store first: its waiters may add delays. */
    if (s->store)
        simstore_flush(s->store);
    simtimer_flush(s->timer);
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    s->port = 0;
}
