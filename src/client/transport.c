/* transport.c - see transport.h for the contract; this file says how.
 *
 * Who owns what:
 *   - struct transport: the config (written before the workers start, read only after), the
 *     completion queue, and atomics (inflight, stopping, deadline, the round-robin cursor).
 *   - struct worker: its multi handle, its transfers (easy handles) and the requests riding on
 *     them belong to the worker thread alone. Other threads touch only its submit queue, its
 *     load counter (atomic) and curl_multi_wakeup() on its multi handle, which libcurl allows
 *     from any thread.
 *   - A request (and the response made for it at submit time) belongs to the submitter until
 *     queue_push(), to the worker until it is pushed onto the completion queue, and to the
 *     caller of transport_poll() after that.
 *
 * Life of a request:
 *
 *   submit --> [submit queue] --> started --> finished --> [completion queue] --> polled
 *                   |                 |
 *                   +-----------------+----> aborted (deadline passed) ----^
 *
 * A worker's loop: take the whole submit queue; start each request (or abort it when the stop
 * deadline has passed); abort running transfers when it has; let libcurl work; collect what
 * finished; push it back in one batch; exit when the submit queue is closed and drained and
 * nothing runs; otherwise sleep in curl_multi_poll() until a socket, a libcurl timer, a wakeup
 * or the stop deadline.
 */
#include "transport.h"

#include "clock.h"
#include "err.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_WORKERS 2
#define MAX_WORKERS 64
#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_CONNECT_TIMEOUT_MS 10000
#define DEFAULT_MAX_CONNECTIONS 64
#define DEFAULT_MAX_BODY ((size_t)1 << 20)
#define IDLE_WAIT_MS 1000 /* a worker with nothing to do still looks at its deadline this often */
#define NO_DEADLINE INT64_MAX
#define PRECISE_US 2000 /* inline mode: closer to a deadline than this, wake by a timer */

/* Header lines that switch off what libcurl would add on its own (see transport.h, inv. 4).
 * libcurl only reads them. */
static char hdr_no_expect[] = "Expect:";
static char hdr_no_content_type[] = "Content-Type:";

/* One easy handle and the exchange riding on it. Owned by one worker thread. */
struct transfer {
    CURL *easy;
    struct worker *w;
    struct http_request *req;     /* NULL while idle */
    struct http_response *resp;   /* req->resp while running */
    struct buf body;              /* the response body so far (at most config.max_body) */
    struct curl_slist *hdr_nodes; /* reused nodes pointing into req->hdr */
    size_t hdr_nodes_cap;
    int socket_errno;     /* errno of a socket() that failed for this transfer; 0 if none */
    unsigned sends;       /* times the request went out (on_prereq), libcurl's re-sends too */
    unsigned connections; /* sockets opened for it (open_socket) */
    CURLU *url;           /* the last URL given to this handle, parsed; NULL before the first */
    char *url_string;     /* and as it was written */
    struct transfer *all_next;  /* every transfer of the worker */
    struct transfer *idle_next; /* the idle stack */
    char errbuf[CURL_ERROR_SIZE];
};

struct worker {
    struct transport *t; /* borrowed: config, completion queue, counters */
    pthread_t thread;
    bool thread_started;
    bool queue_ready;
    CURLM *multi;
    struct queue submitq;
    atomic_size_t load; /* requests given to this worker and not finished */
    /* The worker thread's alone: */
    int timerfd; /* inline mode: wakes curl_multi_poll at a precise time; -1 until needed */
    struct transfer *all;
    struct transfer *idle;
    size_t active;           /* transfers added to multi */
    struct queue_chain done; /* finished, not yet pushed back */
};

struct transport {
    struct transport_config cfg;        /* cfg.workers == 0: inline mode, one worker, no thread;
                                         * cfg.ca_file and cfg.ca_dir point at the copies below */
    char *ca_file, *ca_dir;             /* owned copies, or NULL */
    char trust[TRANSPORT_MESSAGE_SIZE]; /* "the CA file F", ...: what a TLS error names */
    struct worker *workers;
    unsigned nworkers;
    struct queue completions;
    atomic_size_t inflight;
    atomic_uint cursor; /* where the least-loaded search starts */
    atomic_bool stopping;
    _Atomic int64_t deadline_us; /* NO_DEADLINE until transport_stop() */
};

/* ---- Requests and responses ---------------------------------------------------------------- */

static bool is_token_char(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_token(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (!is_token_char((unsigned char)*s))
            return false;
    return true;
}

struct http_request *http_request_new(const char *method, const char *url)
{
    if (!is_token(method) || !url)
        return NULL;
    size_t mlen = strlen(method), ulen = strlen(url);
    struct http_request *r = calloc(1, sizeof *r + mlen + 1 + ulen + 1);
    if (!r)
        return NULL;
    char *strings = (char *)(r + 1);
    memcpy(strings, method, mlen + 1);
    memcpy(strings + mlen + 1, url, ulen + 1);
    r->method = strings;
    r->url = strings + mlen + 1;
    buf_init(&r->hdr, TRANSPORT_HEADERS_MAX);
    return r;
}

static bool header_part_ok(const char *s, bool is_name)
{
    if (is_name && !*s)
        return false;
    for (; *s; s++) {
        if (*s == '\r' || *s == '\n')
            return false;
        if (is_name && (*s == ':' || *s == ' ' || *s == '\t'))
            return false;
    }
    return true;
}

int http_request_add_header(struct http_request *r, const char *name, const char *value)
{
    if (!header_part_ok(name, true) || !header_part_ok(value, false))
        return ERR_INVALID;
    size_t nlen = strlen(name), vlen = strlen(value);
    int rc = buf_grow(&r->hdr, nlen + 2 + vlen + 1); /* then the appends cannot fail */
    if (rc)
        return rc;
    buf_add(&r->hdr, name, nlen);
    buf_add(&r->hdr, ": ", 2);
    buf_add(&r->hdr, value, vlen + 1); /* its NUL too */
    r->hdr_count++;
    return 0;
}

const char *http_request_header(const struct http_request *r, size_t i)
{
    if (i >= r->hdr_count)
        return NULL;
    const char *p = r->hdr.data;
    while (i--)
        p += strlen(p) + 1;
    return p;
}

/* Take body (malloc'ed, len bytes) as the body, replacing and freeing any body. */
static void http_request_take_body(struct http_request *r, char *body, size_t len)
{
    free(r->body);
    r->body = body;
    r->body_len = len;
}

int http_request_set_body(struct http_request *r, const void *body, size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return ERR_NOMEM;
    if (len)
        memcpy(copy, body, len);
    http_request_take_body(r, copy, len);
    return 0;
}

void http_request_free(struct http_request *r)
{
    if (!r)
        return;
    free(r->body);
    buf_release(&r->hdr);
    free(r);
}

void http_response_free(struct http_response *r)
{
    if (!r)
        return;
    http_request_free(r->req);
    free(r->body);
    free(r);
}

const char *transport_error_name(enum transport_error e)
{
    switch (e) {
    case TRANSPORT_ERROR_NONE: return "none";
    case TRANSPORT_ERROR_TIMEOUT: return "timeout";
    case TRANSPORT_ERROR_CONNECT: return "connect";
    case TRANSPORT_ERROR_RESET: return "reset";
    case TRANSPORT_ERROR_TLS: return "tls";
    case TRANSPORT_ERROR_ABORTED: return "aborted";
    case TRANSPORT_ERROR_OTHER: return "other";
    }
    return "other";
}

/* The kind of a libcurl result code. */
static enum transport_error error_kind(CURLcode code)
{
    switch (code) {
    case CURLE_OK: return TRANSPORT_ERROR_NONE;
    case CURLE_OPERATION_TIMEDOUT: return TRANSPORT_ERROR_TIMEOUT;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return TRANSPORT_ERROR_CONNECT;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2_STREAM: return TRANSPORT_ERROR_RESET;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED: return TRANSPORT_ERROR_TLS;
    default: return TRANSPORT_ERROR_OTHER;
    }
}

/* r->message = msg without its line end, then " (trusting TRUST)" when trust is not NULL;
 * cut to fit. */
static void set_message_trust(struct http_response *r, const char *msg, const char *trust)
{
    size_t len = strlen(msg);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
        len--;
    snprintf(r->message, sizeof r->message, "%.*s%s%s%s", (int)len, msg, trust ? " (trusting " : "",
             trust ? trust : "", trust ? ")" : "");
}

static void set_message(struct http_response *r, const char *msg)
{
    set_message_trust(r, msg, NULL);
}

/* ---- Receiving --------------------------------------------------------------------------- */

/* Whether the header line [p, p+len) is "name:" (name matched without regard to case). */
static bool header_is(const char *p, size_t len, const char *name)
{
    size_t n = strlen(name);
    if (len <= n || p[n] != ':')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != name[i])
            return false;
    }
    return true;
}

/* If the line is the header "name:", copy its trimmed value to out (cut to size - 1). */
static void capture_header(const char *p, size_t len, const char *name, char *out, size_t size)
{
    if (!header_is(p, len, name))
        return;
    size_t start = strlen(name) + 1, end = len;
    while (start < end && (p[start] == ' ' || p[start] == '\t'))
        start++;
    while (end > start &&
           (p[end - 1] == '\r' || p[end - 1] == '\n' || p[end - 1] == ' ' || p[end - 1] == '\t'))
        end--;
    size_t n = end - start < size - 1 ? end - start : size - 1;
    memcpy(out, p + start, n);
    out[n] = '\0';
}

/* libcurl's header callback: one header line per call, status lines included. */
static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    struct http_response *r = ((struct transfer *)arg)->resp;
    size_t len = size * n;
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        /* A new response head (after a 1xx): forget what an earlier one said. */
        r->retry_after[0] = '\0';
        r->request_id[0] = '\0';
        return len;
    }
    capture_header(data, len, "retry-after", r->retry_after, sizeof r->retry_after);
    capture_header(data, len, "x-jdcloud-request-id", r->request_id, sizeof r->request_id);
    return len;
}

/* libcurl's write callback: keep up to max_body bytes, drop the rest but keep reading, so the
 * status arrives and the connection stays usable. */
static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct transfer *x = arg;
    size_t len = size * n, room = x->body.max - x->body.len;
    size_t keep = len < room ? len : room;
    if (buf_add(&x->body, data, keep) != 0 || keep < len)
        x->resp->body_truncated = true;
    return len;
}

/* ---- Setting up a transfer ----------------------------------------------------------------- */

static int nodes_reserve(struct transfer *x, size_t need)
{
    if (need <= x->hdr_nodes_cap)
        return 0;
    size_t cap = x->hdr_nodes_cap ? x->hdr_nodes_cap * 2 : 16;
    if (cap < need)
        cap = need;
    struct curl_slist *nodes = realloc(x->hdr_nodes, cap * sizeof *nodes);
    if (!nodes)
        return ERR_NOMEM;
    x->hdr_nodes = nodes;
    x->hdr_nodes_cap = cap;
    return 0;
}

/* The header list for req, built in x's reused nodes (no allocation per header): the caller's
 * lines, then the switches that keep libcurl from adding an Expect or a form Content-Type. */
static int set_headers(struct transfer *x, struct http_request *req)
{
    if (nodes_reserve(x, req->hdr_count + 2) != 0)
        return ERR_NOMEM;
    bool has_expect = false, has_type = false;
    size_t n = 0;
    char *p = req->hdr.data;
    for (size_t i = 0; i < req->hdr_count; i++) {
        size_t len = strlen(p);
        has_expect = has_expect || header_is(p, len, "expect");
        has_type = has_type || header_is(p, len, "content-type");
        x->hdr_nodes[n++].data = p;
        p += len + 1;
    }
    if (!has_expect)
        x->hdr_nodes[n++].data = hdr_no_expect;
    if (!has_type)
        x->hdr_nodes[n++].data = hdr_no_content_type;
    for (size_t i = 0; i < n; i++)
        x->hdr_nodes[i].next = i + 1 < n ? &x->hdr_nodes[i + 1] : NULL;
    curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdr_nodes);
    return 0;
}

static bool method_is(const struct http_request *req, const char *m)
{
    return strcmp(req->method, m) == 0;
}

/* Method and body: the body goes out exactly as given, with its length, in one request. Every
 * option that an earlier request on the same handle may have set is set again. */
static void set_method(CURL *e, const struct http_request *req)
{
    static char empty[] = "";
    /* Back to a plain GET: forget the last request's body pointer, method and NOBODY. */
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    bool head = method_is(req, "HEAD"), get = method_is(req, "GET"), post = method_is(req, "POST");
    bool body_method = post || method_is(req, "PUT") || method_is(req, "PATCH");
    if (head) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (req->body || body_method) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body ? req->body : empty);
    }
    bool custom = !(head || post || (get && !req->body));
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, custom ? req->method : NULL);
}

/* libcurl's socket opener, made ours to keep why socket() failed: libcurl reports only
 * "Couldn't connect", and CURLINFO_OS_ERRNO does not carry a failed socket()'s errno. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    (void)purpose;
    struct transfer *x = arg;
    curl_socket_t fd = socket(a->family, a->socktype, a->protocol);
    if (fd == CURL_SOCKET_BAD)
        x->socket_errno = errno;
    else
        x->connections++;
    return fd;
}

/* libcurl's pre-request callback: the connection is ready and the request goes out now. It is
 * called for each send, libcurl's own re-send after a reused connection died included (the
 * re-send goes through the connect and do states again), so counting the calls counts what
 * went over the wire; it costs a call per request, where the debug callback would cost a call
 * per header and data chunk. */
static int on_prereq(void *arg, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
    (void)primary_ip;
    (void)local_ip;
    (void)primary_port;
    (void)local_port;
    ((struct transfer *)arg)->sends++;
    return CURL_PREREQFUNC_OK;
}

/* Options that are the same for every request of this transport. */
static void set_common(struct transfer *x, const struct transport_config *cfg)
{
    CURL *e = x->easy;
    curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)x);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https"); /* no file://, ftp://, ... */
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, cfg->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, (void *)x);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, (void *)x);
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, (void *)x);
    /* Peers are verified (libcurl's default, never switched off); given CAs replace the
     * built-in store rather than add to it, so a TLS error can say exactly what was trusted. */
    if (cfg->ca_file || cfg->ca_dir) {
        curl_easy_setopt(e, CURLOPT_CAINFO, cfg->ca_file);
        curl_easy_setopt(e, CURLOPT_CAPATH, cfg->ca_dir);
    }
}

/* Point x's handle at url. libcurl would parse a URL given as a string again for every
 * transfer; a parsed one (CURLOPT_CURLU) is kept per handle and parsed anew only when the URL
 * changes: a request carried on a kept-alive connection costs about 1 us less
 * (bench/curl_floor.c, 11 against 12 us). Returns 0, ERR_NOMEM, or ERR_INVALID for a URL libcurl
 * cannot parse. */
static int set_url(struct transfer *x, const char *url)
{
    if (x->url_string && strcmp(x->url_string, url) == 0)
        return 0;
    free(x->url_string);
    x->url_string = NULL;
    if (!x->url && (x->url = curl_url()) == NULL)
        return ERR_NOMEM;
    CURLUcode uc = curl_url_set(x->url, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
    if (uc != CURLUE_OK)
        return uc == CURLUE_OUT_OF_MEMORY ? ERR_NOMEM : ERR_INVALID;
    if (curl_easy_setopt(x->easy, CURLOPT_CURLU, x->url) != CURLE_OK)
        return ERR_NOMEM;
    x->url_string = strdup(url);
    return x->url_string ? 0 : ERR_NOMEM;
}

/* Put req on the idle transfer x. Returns 0, ERR_NOMEM (the URL or header nodes), or
 * ERR_INVALID (a URL libcurl cannot parse). */
static int transfer_prepare(struct transfer *x, struct http_request *req)
{
    /* The handle keeps its options from the last request (no curl_easy_reset(): the common
     * ones are set once, when the handle is made); only what differs per request is set. */
    x->errbuf[0] = '\0';
    x->socket_errno = 0;
    x->sends = x->connections = 0;
    buf_init(&x->body, x->w->t->cfg.max_body);
    x->req = req;
    x->resp = req->resp;
    set_method(x->easy, req);
    int rc = set_url(x, req->url);
    return rc ? rc : set_headers(x, req);
}

/* ---- The worker ---------------------------------------------------------------------------- */

static bool past_deadline(const struct transport *t, int64_t now)
{
    return now >= atomic_load(&t->deadline_us);
}

/* past_deadline() for when the time is not at hand: reads the clock only once stopping. */
static bool past_deadline_now(const struct transport *t)
{
    return atomic_load(&t->deadline_us) != NO_DEADLINE && past_deadline(t, clock_now_us());
}

/* An idle transfer, made when none is idle. NULL when out of memory. */
static struct transfer *worker_get_transfer(struct worker *w)
{
    struct transfer *x = w->idle;
    if (x) {
        w->idle = x->idle_next;
        return x;
    }
    x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->easy = curl_easy_init();
    if (!x->easy) {
        free(x);
        return NULL;
    }
    x->w = w;
    set_common(x, &w->t->cfg);
    x->all_next = w->all;
    w->all = x;
    return x;
}

static void worker_put_transfer(struct worker *w, struct transfer *x)
{
    if (x->resp && x->body.data) /* the body goes with the response (never NULL then) */
        x->resp->body = buf_detach(&x->body, &x->resp->body_len);
    buf_release(&x->body);
    x->req = NULL;
    x->resp = NULL;
    x->idle_next = w->idle;
    w->idle = x;
}

/* resp is finished: queue it for the next push back. */
static void worker_done(struct worker *w, struct http_response *resp)
{
    resp->req->resp = NULL;
    queue_chain_append(&w->done, &resp->node);
    atomic_fetch_sub(&w->load, 1);
}

/* Finish resp with an error before or instead of a transfer. */
static void worker_fail(struct worker *w, struct http_response *resp, enum transport_error kind,
                        const char *msg)
{
    resp->t_done = clock_now_us();
    resp->error = kind;
    set_message(resp, msg);
    worker_done(w, resp);
}

static void worker_start(struct worker *w, struct http_request *req)
{
    int64_t now = clock_now_us();
    if (past_deadline(w->t, now)) {
        worker_fail(w, req->resp, TRANSPORT_ERROR_ABORTED, "aborted: stopped before it was sent");
        return;
    }
    struct transfer *x = worker_get_transfer(w);
    if (!x) {
        worker_fail(w, req->resp, TRANSPORT_ERROR_OTHER, "out of memory");
        return;
    }
    req->resp->t_sent = now;
    int rc = transfer_prepare(x, req);
    if (rc != 0 || curl_multi_add_handle(w->multi, x->easy) != CURLM_OK) {
        worker_fail(w, req->resp, TRANSPORT_ERROR_OTHER,
                    rc == ERR_INVALID ? "bad URL" : "could not start the transfer");
        worker_put_transfer(w, x);
        return;
    }
    w->active++;
}

/* What went over the wire for x, into its response r (whose error is set). */
static void take_counts(const struct transfer *x, struct http_response *r)
{
    r->sends = x->sends;
    r->resends = x->sends > 1 ? x->sends - 1 : 0;
    r->resets = r->resends + (r->error == TRANSPORT_ERROR_RESET);
    r->connections = x->connections;
}

/* Take x off the multi handle, finish its response with code, and make x idle. */
static void transfer_finish(struct worker *w, struct transfer *x, CURLcode code)
{
    struct http_response *r = x->resp;
    r->t_done = clock_now_us();
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r->status);
    r->error = error_kind(code);
    take_counts(x, r);
    const char *words = x->errbuf[0] ? x->errbuf : curl_easy_strerror(code);
    bool no_fd = x->socket_errno == EMFILE || x->socket_errno == ENFILE;
    if (code == CURLE_COULDNT_CONNECT && no_fd)
        set_message(r, "too many open files (ulimit -n): no socket for the connection");
    else if (r->error == TRANSPORT_ERROR_TLS)
        set_message_trust(r, words, w->t->trust);
    else if (code != CURLE_OK)
        set_message(r, words);
    curl_multi_remove_handle(w->multi, x->easy);
    w->active--;
    worker_put_transfer(w, x);
    worker_done(w, r);
}

/* The stop deadline passed: end every running transfer as aborted. */
static void worker_abort_running(struct worker *w)
{
    for (struct transfer *x = w->all; x; x = x->all_next) {
        if (!x->req)
            continue;
        struct http_response *r = x->resp;
        curl_multi_remove_handle(w->multi, x->easy);
        w->active--;
        r->error = TRANSPORT_ERROR_ABORTED;
        take_counts(x, r);
        worker_put_transfer(w, x);
        worker_fail(w, r, TRANSPORT_ERROR_ABORTED, "aborted: transport stopped");
    }
}

/* Let libcurl move every transfer on, then finish those it reports done. */
static void worker_perform(struct worker *w)
{
    int running, left;
    curl_multi_perform(w->multi, &running);
    CURLMsg *m;
    while ((m = curl_multi_info_read(w->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        /* m is invalid once its handle is removed: read it first. */
        CURL *easy = m->easy_handle;
        CURLcode code = m->data.result;
        char *priv = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
        transfer_finish(w, (struct transfer *)(void *)priv, code);
    }
}

/* How long to sleep: until the stop deadline if there is one, else IDLE_WAIT_MS (libcurl
 * shortens it further for its own timers). */
static int worker_wait_ms(struct worker *w)
{
    int64_t deadline = atomic_load(&w->t->deadline_us);
    if (deadline == NO_DEADLINE)
        return IDLE_WAIT_MS;
    int64_t left_us = deadline - clock_now_us();
    if (left_us <= 0)
        return 0;
    return left_us / 1000 + 1 < IDLE_WAIT_MS ? (int)(left_us / 1000 + 1) : IDLE_WAIT_MS;
}

/* One round of a worker's work: start what was submitted (or abort it past the deadline),
 * abort running transfers past the deadline, let libcurl move the rest on and collect what
 * finished into w->done. Returns whether the submit queue is closed and it took nothing. */
static bool worker_step(struct worker *w)
{
    struct queue_chain batch = {0};
    bool closed = queue_take_all(&w->submitq, &batch);
    bool took = batch.len > 0;
    struct queue_node *n;
    while ((n = queue_chain_shift(&batch)) != NULL)
        worker_start(w, queue_item(n, struct http_request, node));
    if (w->active > 0 && past_deadline_now(w->t))
        worker_abort_running(w);
    if (w->active > 0)
        worker_perform(w);
    return closed && !took;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        bool closed_and_idle = worker_step(w);
        queue_push_chain(&w->t->completions, &w->done); /* never closed: cannot fail */
        if (closed_and_idle && w->active == 0)
            break;
        curl_multi_poll(w->multi, NULL, 0, worker_wait_ms(w), NULL);
    }
    return NULL;
}

/* Free the worker's transfers; runs on the worker thread's behalf after it ended. */
static void worker_free_transfers(struct worker *w)
{
    struct transfer *x = w->all;
    while (x) {
        struct transfer *next = x->all_next;
        curl_easy_cleanup(x->easy);
        curl_url_cleanup(x->url);
        free(x->url_string);
        free(x->hdr_nodes);
        free(x);
        x = next;
    }
    w->all = w->idle = NULL;
}

static int worker_init(struct worker *w, struct transport *t)
{
    w->t = t;
    w->timerfd = -1;
    atomic_init(&w->load, 0);
    if (queue_init(&w->submitq) != 0)
        return ERR_NOMEM;
    w->queue_ready = true;
    w->multi = curl_multi_init();
    if (!w->multi)
        return ERR_NOMEM;
    long max = t->cfg.max_connections;
    curl_multi_setopt(w->multi, CURLMOPT_MAX_HOST_CONNECTIONS, max);
    curl_multi_setopt(w->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max);
    curl_multi_setopt(w->multi, CURLMOPT_MAXCONNECTS, max);
    return 0;
}

/* Called after the worker thread ended (or never started). */
static void worker_release(struct worker *w)
{
    worker_free_transfers(w);
    if (w->multi)
        curl_multi_cleanup(w->multi);
    if (w->timerfd >= 0)
        close(w->timerfd);
    if (w->queue_ready)
        queue_release(&w->submitq);
}

/* ---- The transport ------------------------------------------------------------------------- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_result = CURLE_FAILED_INIT;

static void global_init_once(void)
{
    global_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int transport_global_init(void)
{
    pthread_once(&global_once, global_init_once);
    return global_result == CURLE_OK ? 0 : ERR_NET;
}

/* cfg with zero fields replaced by defaults, checked. Returns 0 or ERR_RANGE. */
static int config_resolve(const struct transport_config *cfg, struct transport_config *out)
{
    *out = cfg ? *cfg : (struct transport_config){0};
    if (out->workers == 0 && !out->inline_mode)
        out->workers = DEFAULT_WORKERS;
    if (out->inline_mode)
        out->workers = 0;
    if (out->timeout_ms == 0)
        out->timeout_ms = DEFAULT_TIMEOUT_MS;
    if (out->connect_timeout_ms == 0)
        out->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    if (out->max_connections == 0)
        out->max_connections = DEFAULT_MAX_CONNECTIONS;
    if (out->max_body == 0)
        out->max_body = DEFAULT_MAX_BODY;
    if (out->workers > MAX_WORKERS || out->timeout_ms < 0 || out->connect_timeout_ms < 0 ||
        out->max_connections < 0 || out->max_body > SIZE_MAX / 2)
        return ERR_RANGE;
    return 0;
}

/* Copy cfg's CA paths into t (cfg then points at the copies) and describe them in t->trust.
 * Returns 0 or ERR_NOMEM. */
static int take_trust(struct transport *t)
{
    const char *file = t->cfg.ca_file, *dir = t->cfg.ca_dir;
    t->ca_file = file ? strdup(file) : NULL;
    t->ca_dir = dir ? strdup(dir) : NULL;
    t->cfg.ca_file = t->ca_file;
    t->cfg.ca_dir = t->ca_dir;
    if ((file && !t->ca_file) || (dir && !t->ca_dir))
        return ERR_NOMEM;
    if (file && dir)
        snprintf(t->trust, sizeof t->trust, "the CA file %s and the CA directory %s", file, dir);
    else if (file || dir)
        snprintf(t->trust, sizeof t->trust, "the CA %s %s", file ? "file" : "directory",
                 file ? file : dir);
    else
        snprintf(t->trust, sizeof t->trust, "the system's CA store");
    return 0;
}

/* Start the threads with every signal blocked (they inherit the mask), so signal handlers run
 * on the caller's threads and never interrupt a worker. */
static int transport_spawn(struct transport *t)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = 0;
    for (unsigned i = 0; i < t->nworkers && rc == 0; i++) {
        struct worker *w = &t->workers[i];
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
            rc = ERR_NOMEM;
        else
            w->thread_started = true;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

static int transport_start_workers(struct transport *t)
{
    for (unsigned i = 0; i < t->nworkers; i++) {
        int rc = worker_init(&t->workers[i], t);
        if (rc != 0)
            return rc;
    }
    return t->cfg.workers == 0 ? 0 : transport_spawn(t);
}

int transport_new(const struct transport_config *cfg, struct transport **out)
{
    *out = NULL;
    struct transport_config resolved;
    int rc = config_resolve(cfg, &resolved);
    if (rc != 0)
        return rc;
    if (transport_global_init() != 0)
        return ERR_NET;
    struct transport *t = calloc(1, sizeof *t);
    if (!t)
        return ERR_NOMEM;
    t->cfg = resolved;
    atomic_init(&t->inflight, 0);
    atomic_init(&t->cursor, 0);
    atomic_init(&t->stopping, false);
    atomic_init(&t->deadline_us, NO_DEADLINE);
    if (queue_init(&t->completions) != 0) {
        free(t);
        return ERR_NOMEM;
    }
    t->nworkers = resolved.workers ? resolved.workers : 1;
    t->workers = calloc(t->nworkers, sizeof *t->workers);
    if (!t->workers) {
        queue_release(&t->completions);
        free(t);
        return ERR_NOMEM;
    }
    rc = take_trust(t);
    rc = rc ? rc : transport_start_workers(t);
    if (rc != 0) {
        transport_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

/* The worker with the fewest unfinished requests; ties go round-robin. */
static struct worker *pick_worker(struct transport *t)
{
    unsigned n = t->nworkers;
    unsigned start = atomic_fetch_add_explicit(&t->cursor, 1, memory_order_relaxed) % n;
    struct worker *best = &t->workers[start];
    size_t best_load = atomic_load_explicit(&best->load, memory_order_relaxed);
    for (unsigned i = 1; i < n && best_load > 0; i++) {
        struct worker *w = &t->workers[(start + i) % n];
        size_t load = atomic_load_explicit(&w->load, memory_order_relaxed);
        if (load < best_load) {
            best = w;
            best_load = load;
        }
    }
    return best;
}

static struct http_response *response_new(struct http_request *req)
{
    struct http_response *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->req = req;
    r->id = req->id;
    r->user = req->user;
    r->due_us = req->due_us;
    return r;
}

int transport_submit(struct transport *t, struct http_request *req)
{
    if (atomic_load(&t->stopping))
        return ERR_STOPPED;
    /* Made here, on the caller's thread, so a worker never needs memory to report an outcome. */
    req->resp = response_new(req);
    if (!req->resp)
        return ERR_NOMEM;
    struct worker *w = pick_worker(t);
    atomic_fetch_add(&t->inflight, 1);
    atomic_fetch_add(&w->load, 1);
    bool was_empty = false;
    if (queue_push(&w->submitq, &req->node, &was_empty) != 0) {
        atomic_fetch_sub(&w->load, 1);
        atomic_fetch_sub(&t->inflight, 1);
        free(req->resp);
        req->resp = NULL;
        return ERR_STOPPED;
    }
    /* The worker takes its whole queue on each wakeup: only the first item needs one. In
     * inline mode the worker is the caller: it takes the queue in its next transport_poll. */
    if (was_empty && t->cfg.workers > 0)
        curl_multi_wakeup(w->multi);
    return 0;
}

/* Inline mode: sleep in curl_multi_poll until a socket is ready or deadline_us (precisely:
 * the last PRECISE_US by the worker's timer, as curl_multi_poll counts whole milliseconds). */
static void inline_wait(struct worker *w, int64_t deadline_us)
{
    int64_t left = deadline_us - clock_now_us();
    if (left <= 0)
        return;
    int ms = worker_wait_ms(w);
    if (left >= PRECISE_US) {
        if ((left - PRECISE_US / 2) / 1000 < ms)
            ms = (int)((left - PRECISE_US / 2) / 1000);
        curl_multi_poll(w->multi, NULL, 0, ms, NULL);
        return;
    }
    if (w->timerfd < 0)
        w->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    struct itimerspec when = {.it_value = {.tv_sec = 0, .tv_nsec = (long)left * 1000}};
    if (w->timerfd < 0 || timerfd_settime(w->timerfd, 0, &when, NULL) != 0) {
        curl_multi_poll(w->multi, NULL, 0, 1, NULL); /* no timer: to the millisecond */
        return;
    }
    struct curl_waitfd fd = {.fd = w->timerfd, .events = POLLIN};
    curl_multi_poll(w->multi, &fd, 1, ms, NULL);
    uint64_t expirations;
    if (read(w->timerfd, &expirations, sizeof expirations) < 0) { /* EAGAIN: woken before it */
    }
}

/* Inline mode: the caller's thread does the worker's work until something finished or
 * deadline_us passed. */
static size_t poll_inline(struct transport *t, struct http_response **out, size_t max,
                          int64_t deadline_us)
{
    struct worker *w = &t->workers[0];
    for (;;) {
        worker_step(w);
        if (w->done.len > 0 || clock_now_us() >= deadline_us)
            break;
        inline_wait(w, deadline_us);
    }
    size_t n = 0;
    struct queue_node *node;
    while (n < max && (node = queue_chain_shift(&w->done)) != NULL)
        out[n++] = queue_item(node, struct http_response, node);
    return n;
}

size_t transport_poll_until(struct transport *t, struct http_response **out, size_t max,
                            int64_t deadline_us)
{
    if (max == 0)
        return 0;
    size_t n;
    if (t->cfg.workers == 0) {
        n = poll_inline(t, out, max, deadline_us);
    } else {
        struct queue_chain got = {0};
        n = queue_wait_take(&t->completions, &got, max, deadline_us);
        for (size_t i = 0; i < n; i++)
            out[i] = queue_item(queue_chain_shift(&got), struct http_response, node);
    }
    atomic_fetch_sub(&t->inflight, n);
    return n;
}

size_t transport_poll(struct transport *t, struct http_response **out, size_t max, int timeout_ms)
{
    int64_t deadline = timeout_ms > 0 ? clock_now_us() + (int64_t)timeout_ms * 1000 : 0;
    return transport_poll_until(t, out, max, deadline);
}

size_t transport_inflight(struct transport *t)
{
    return atomic_load(&t->inflight);
}

void transport_stop(struct transport *t, int64_t deadline_us)
{
    atomic_store(&t->stopping, true);
    int64_t cur = atomic_load(&t->deadline_us);
    while (deadline_us < cur && !atomic_compare_exchange_weak(&t->deadline_us, &cur, deadline_us))
        ;
    for (unsigned i = 0; i < t->nworkers; i++) {
        struct worker *w = &t->workers[i];
        if (w->queue_ready)
            queue_close(&w->submitq);
        if (w->multi)
            curl_multi_wakeup(w->multi);
    }
}

void transport_free(struct transport *t)
{
    if (!t)
        return;
    transport_stop(t, 0);
    for (unsigned i = 0; i < t->nworkers; i++)
        if (t->workers[i].thread_started)
            pthread_join(t->workers[i].thread, NULL);
    if (t->cfg.workers == 0 && t->workers[0].multi) {
        worker_step(&t->workers[0]); /* past the deadline: aborts what is left */
        queue_push_chain(&t->completions, &t->workers[0].done);
    }
    for (unsigned i = 0; i < t->nworkers; i++)
        worker_release(&t->workers[i]);
    struct queue_chain left = {0};
    queue_take_all(&t->completions, &left);
    struct queue_node *n;
    while ((n = queue_chain_shift(&left)) != NULL)
        http_response_free(queue_item(n, struct http_response, node));
    queue_release(&t->completions);
    free(t->workers);
    free(t->ca_file);
    free(t->ca_dir);
    free(t);
}
