/* transport.h - many HTTP requests at once, over keep-alive connections, from worker threads.
 *
 * The scheduler (the main thread) hands a request over with transport_submit() and later gets
 * its outcome back from transport_poll(). The transport knows nothing of CSV, ledgers, signing
 * or retries: it sends the method, URL, header lines and body bytes it was given, exactly, and
 * reports what came back.
 *
 * Threads (see STYLE.md, "Concurrency by ownership"):
 *
 *     main thread                          worker k (of config.workers)
 *     -----------                          ----------------------------
 *     transport_submit(req) --[submit queue k]--> owns ONE curl multi handle, its easy handles
 *                                                 (reused, so connections stay alive) and the
 *                                                 requests it is sending
 *     transport_poll() <---[completion queue]---- hands each finished exchange back
 *
 *   The threads meet only at those queues (queue.h); a worker never calls into its owner. A
 *   worker is woken with curl_multi_wakeup() only when its submit queue goes from empty to not
 *   empty, and it takes the whole queue at each wakeup, so a burst of submits costs one wakeup.
 *   Finished exchanges are pushed back in batches, one lock round per batch.
 *   The worker for a request is the least loaded one (fewest requests given and not finished).
 *   Workers run with every signal blocked: signal handlers run on the caller's threads.
 *
 * Inline mode (config.inline_mode): no threads. transport_submit() only queues; the caller's
 * thread starts the transfers and drives libcurl inside transport_poll(), sleeping in
 * curl_multi_poll() (the last 2 ms of a wait on a timerfd, so a deadline is kept to the
 * microsecond, not the millisecond). Nothing crosses threads, so a request starts when the
 * caller polls after submitting it and an answer is timed when it lands: the cheaper and more
 * exact choice while one thread has CPU to spare for the traffic. transport_submit() and
 * transport_poll() must then be called from the same thread.
 *
 * Connections: each worker keeps up to config.max_connections keep-alive connections (its own
 * cache; workers do not share connections). A request beyond that waits inside libcurl for a
 * free connection; its t_sent and its timeout count from when the worker took it, not from
 * when its bytes left. The caller is expected to cap what it has in flight itself.
 *
 * Invariants:
 *   1. Every request that transport_submit() accepted comes back exactly once, as the req of one
 *      response from transport_poll() - completed, failed or aborted (TRANSPORT_ERROR_ABORTED),
 *      whatever happens, out of memory included.
 *   2. transport_inflight() counts requests accepted and not yet returned by transport_poll();
 *      it is 0 after every response has been polled.
 *   3. After transport_stop() nothing new is accepted; the requests already accepted finish
 *      until the deadline and are aborted then.
 *   4. The transport sends the caller's header lines as given. libcurl adds only what HTTP
 *      needs: Host (unless given), Content-Length and an Accept for any type. It suppresses
 *      "Expect: 100-continue" and libcurl's default form Content-Type, so what goes on the
 *      wire is what the caller signed. Redirects are not followed; only http and https URLs
 *      are served (others fail with TRANSPORT_ERROR_OTHER).
 *   5. TLS peers are always verified (the certificate chain and the host name): against the
 *      CAs of config.ca_file and/or config.ca_dir when either is given (those only), else
 *      against libcurl's built-in store (the system's). There is no switch to turn it off. A
 *      TLS failure's message is libcurl's words, then which CAs were trusted:
 *      "SSL certificate problem: ... (trusting the CA file F)".
 *
 * libcurl: transport_new() runs curl_global_init() once for the process (pthread_once); nothing
 * calls curl_global_cleanup(), which is safe to leave to process exit. A program that uses
 * libcurl elsewhere too should call transport_global_init() before starting other threads.
 */
#ifndef CPSBATCH_TRANSPORT_H
#define CPSBATCH_TRANSPORT_H

#include "buf.h"
#include "queue.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_response;

/* ---- Requests ------------------------------------------------------------------------------ */

/* One HTTP request. Build it with http_request_new() and the setters below; the fields marked
 * "caller's" may be read and written freely until the request is submitted. */
struct http_request {
    struct queue_node node; /* private to the transport */
    uint64_t id;            /* caller's: copied into the response */
    void *user;             /* caller's: copied into the response, never touched */
    int64_t due_us;         /* caller's: when it was due (clock_now_us()), copied; not acted on */
    const char *method;     /* "GET", "PUT", ... (points into the request; read only) */
    const char *url;        /* absolute http(s) URL (points into the request; read only) */
    char *body;             /* owned; sent byte for byte; may hold NULs; NULL when none */
    size_t body_len;
    /* Private: header lines "Name: value", each NUL-terminated, one after the other. */
    struct buf hdr; /* at most TRANSPORT_HEADERS_MAX */
    size_t hdr_count;
    struct http_response *resp; /* private: made by transport_submit() */
};

/* The most bytes of header lines one request may carry (each line's ": " and NUL counted).
 * A signed API call carries well under 1 KiB. */
#define TRANSPORT_HEADERS_MAX ((size_t)64 * 1024)

/* A new request (free with http_request_free, or hand it to transport_submit). method and url
 * are copied (borrowed). Returns NULL when out of memory or when method is empty or holds a
 * character that cannot appear in an HTTP method. */
struct http_request *http_request_new(const char *method, const char *url);

/* Add the header line "name: value" (both borrowed, copied). Returns 0, ERR_INVALID when either
 * holds CR or LF, name is empty or holds ':' or a blank, ERR_RANGE when the lines would pass
 * TRANSPORT_HEADERS_MAX, or ERR_NOMEM. */
int http_request_add_header(struct http_request *r, const char *name, const char *value);

/* The header lines in order: the i-th "Name: value" (i < r->hdr_count), borrowed, or NULL. */
const char *http_request_header(const struct http_request *r, size_t i);

/* Copy len bytes (borrowed) as the body, replacing any body. Returns 0 or ERR_NOMEM. */
int http_request_set_body(struct http_request *r, const void *body, size_t len);

/* Free r and all it owns. NULL is fine. Never call it on a submitted request. */
void http_request_free(struct http_request *r);

/* ---- Responses ----------------------------------------------------------------------------- */

/* What went wrong below HTTP. An HTTP error status (4xx, 5xx) is not one: it has
 * TRANSPORT_ERROR_NONE and its status. */
enum transport_error {
    TRANSPORT_ERROR_NONE = 0, /* a response arrived; see status */
    TRANSPORT_ERROR_TIMEOUT,  /* the request or connect timeout expired */
    TRANSPORT_ERROR_CONNECT,  /* connection refused or failed, host not resolved; no
                               * descriptor left for a socket (message: "too many open
                               * files (ulimit -n): ...", not libcurl's "Couldn't connect") */
    TRANSPORT_ERROR_RESET,    /* reset, send/recv error, empty reply, response cut short */
    TRANSPORT_ERROR_TLS,      /* handshake failed, certificate not trusted, ... */
    TRANSPORT_ERROR_ABORTED,  /* not finished when transport_stop()'s deadline came */
    TRANSPORT_ERROR_OTHER     /* anything else (bad URL, out of memory, protocol error) */
};

/* "none", "timeout", "connect", "reset", "tls", "aborted", "other": stable names for reports. */
const char *transport_error_name(enum transport_error e);

#define TRANSPORT_MESSAGE_SIZE 256
#define TRANSPORT_HEADER_VALUE_SIZE 128

/* The outcome of one request. All fields are the caller's once transport_poll() returned it. */
struct http_response {
    struct queue_node node;   /* private to the transport */
    struct http_request *req; /* owned: the request as submitted; set it to NULL to keep it */
    uint64_t id;              /* req->id */
    void *user;               /* req->user */
    int64_t due_us;           /* req->due_us */
    long status;              /* HTTP status; 0 when no response arrived (a transfer that
                               * failed after the status line keeps it: check error first) */
    enum transport_error error;
    char message[TRANSPORT_MESSAGE_SIZE]; /* libcurl's words for the error; "" when none */
    char *body;          /* owned; NUL-terminated for convenience (not counted); may be NULL */
    size_t body_len;     /* at most config.max_body */
    bool body_truncated; /* the server sent more than max_body; the rest was dropped */
    char retry_after[TRANSPORT_HEADER_VALUE_SIZE]; /* Retry-After value, trimmed; "" if none */
    char request_id[TRANSPORT_HEADER_VALUE_SIZE];  /* x-jdcloud-request-id; "" if none */
    int64_t t_sent; /* clock_now_us() when the worker started the transfer (handed it
                     * to libcurl); 0 if it never started */
    int64_t t_done; /* clock_now_us() when it finished (or was aborted) */
    /* What went over the wire for it (0 when it never started). libcurl sends a request again
     * by itself, on a fresh connection, when a kept-alive connection it reused died under the
     * request before any answer came (the server reset or closed it): each such re-send is one
     * more send, and the connection that died is a reset the error alone does not show. */
    unsigned sends;       /* times its request went out (headers sent), re-sends included */
    unsigned resends;     /* of which libcurl's own re-sends: sends - 1, or 0 */
    unsigned resets;      /* connections that died under it: resends, + 1 when error is
                           * TRANSPORT_ERROR_RESET */
    unsigned connections; /* new connections opened for it (0: it rode a kept-alive one) */
};

/* Free r, its body and its req. NULL is fine. */
void http_response_free(struct http_response *r);

/* ---- The transport ------------------------------------------------------------------------- */

/* Settings; a zeroed struct gives the defaults in brackets. */
struct transport_config {
    unsigned workers;        /* worker threads [2]; at most 64 */
    bool inline_mode;        /* no threads: the caller's thread does the work, inside
                              * transport_poll (workers is ignored) [false] */
    long timeout_ms;         /* whole-request timeout [30000] */
    long connect_timeout_ms; /* connect (TCP + TLS) timeout [10000] */
    long max_connections;    /* per worker (and so per host per worker) [64] */
    size_t max_body;         /* response body bytes kept [1 MiB]; the rest is dropped */
    const char *ca_file;     /* trust the CAs in this PEM file (CURLOPT_CAINFO) [NULL] */
    const char *ca_dir;      /* trust the CAs in this directory, named by subject hash as
                              * c_rehash makes them (CURLOPT_CAPATH) [NULL]; with neither,
                              * the system's store. Both borrowed: copied by transport_new */
};

struct transport;

/* Run curl_global_init() once for the process. Returns 0 or ERR_NET. transport_new() calls it;
 * calling it again is harmless. */
int transport_global_init(void);

/* Start the workers. cfg is borrowed (copied, its strings too); NULL means all defaults. *out
 * receives a new transport (free with transport_free). Returns 0, ERR_RANGE (a setting out of
 * range), ERR_NET (libcurl could not start) or ERR_NOMEM. */
int transport_new(const struct transport_config *cfg, struct transport **out);

/* Hand req over to a worker. Thread-safe. Takes req on success (it comes back in a response);
 * on failure req stays the caller's. Returns 0, ERR_STOPPED after transport_stop(), or
 * ERR_NOMEM. */
int transport_submit(struct transport *t, struct http_request *req);

/* Take up to max finished responses into out[] (each new: the caller frees it), waiting up to
 * timeout_ms for the first one (0: do not wait). Returns how many; 0 on timeout. Call it from
 * one thread (the owner). Loop on it with bounded timeouts, checking your own stop flags in
 * between; once transport_inflight() is 0, nothing more will come. */
size_t transport_poll(struct transport *t, struct http_response **out, size_t max, int timeout_ms);

/* transport_poll() with an absolute deadline (clock_now_us() scale; <= 0: do not wait), kept
 * to within the system's timer slack rather than to the millisecond. */
size_t transport_poll_until(struct transport *t, struct http_response **out, size_t max,
                            int64_t deadline_us);

/* Requests accepted and not yet returned by transport_poll(). Thread-safe; stale at once. */
size_t transport_inflight(struct transport *t);

/* Stop accepting requests; let those accepted finish until deadline_us (clock_now_us() scale),
 * then abort the rest (TRANSPORT_ERROR_ABORTED). Does not wait: keep polling until
 * transport_inflight() is 0. Calling it again can only bring the deadline nearer (a second
 * Ctrl-C: transport_stop(t, 0) aborts at once). Thread-safe, but not async-signal-safe: call
 * it from the main loop when it sees the flag a signal handler set, not from the handler. */
void transport_stop(struct transport *t, int64_t deadline_us);

/* Abort whatever is left (as transport_stop(t, 0)), wait for the workers to end, free the
 * responses nobody polled, close the connections and free t. No other thread may be using t.
 * NULL is fine. */
void transport_free(struct transport *t);

#endif
