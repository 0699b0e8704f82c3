/* transport_bench.c - how many requests a second the transport carries (closed loop).
 *
 *   transport_bench serve [--port P] [--seconds S]
 *       a minimal libmicrohttpd server on 127.0.0.1 (one polling thread, like the tests'):
 *       every request gets 200 and a small JSON body. Prints the port; stops after S seconds
 *       (default 60).
 *   transport_bench run URL [--concurrency C] [--seconds S] [--workers N] [--max-conns M]
 *                           [--method M] [--body-bytes B]
 *       keeps C requests in flight for S seconds (defaults: 64, 5, 2 workers, max-conns C) and
 *       prints requests/s, the client's CPU time per request, the statuses and the errors seen.
 *
 * Not a unit test; the build makes it: build/bench/transport_bench.
 * Compare with: wrk -t2 -cC -dSs URL against the same server.
 */
#include "clock.h"
#include "err.h"
#include "transport.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const char answer_body[] =
    "{\"requestId\":\"bench\",\"result\":{\"instanceIds\":[\"cps-1\"]}}";

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **req_cls)
{
    (void)cls, (void)url, (void)method, (void)version, (void)upload_data;
    static int marker;
    if (*req_cls == NULL) {
        *req_cls = &marker;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        *upload_size = 0; /* the body is read and dropped */
        return MHD_YES;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(
        sizeof answer_body - 1, (void *)(uintptr_t)answer_body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static int serve(unsigned port, long seconds)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_TURBO, 0, NULL,
                                            NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &addr,
                                            MHD_OPTION_CONNECTION_LIMIT, 4000u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "transport_bench: cannot listen on 127.0.0.1:%u\n", port);
        return 1;
    }
    printf("%u\n", MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port);
    fflush(stdout);
    struct timespec ts = {seconds, 0};
    nanosleep(&ts, NULL);
    MHD_stop_daemon(d);
    return 0;
}

struct run_opts {
    const char *url;
    const char *method;
    long concurrency, seconds, body_bytes;
    struct transport_config cfg;
};

struct tally {
    long done, ok, statuses[6], errors[TRANSPORT_ERROR_OTHER + 1];
};

static struct http_request *bench_request(const struct run_opts *o, uint64_t id, const char *body)
{
    struct http_request *r = http_request_new(o->method, o->url);
    if (!r)
        return NULL;
    r->id = id;
    r->due_us = clock_now_us();
    http_request_add_header(r, "Content-Type", "application/json");
    http_request_add_header(r, "x-jdcloud-nonce", "bench");
    if (o->body_bytes > 0)
        http_request_set_body(r, body, (size_t)o->body_bytes);
    return r;
}

static void count(struct tally *t, const struct http_response *r)
{
    t->done++;
    t->errors[r->error]++;
    if (r->error == TRANSPORT_ERROR_NONE)
        t->statuses[r->status / 100 <= 5 ? r->status / 100 : 0]++;
    t->ok += r->error == TRANSPORT_ERROR_NONE && r->status / 100 == 2;
}

/* CPU seconds (user + system) this process has used so far. */
static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void report(const struct run_opts *o, const struct tally *t, double secs, double cpu)
{
    printf("transport_bench: %ld requests in %.2fs = %.0f req/s (concurrency %ld, workers %u)\n",
           t->done, secs, t->done / secs, o->concurrency, o->cfg.workers ? o->cfg.workers : 1);
    printf("  client CPU %.2fs = %.2f us per request\n", cpu, t->done ? cpu * 1e6 / t->done : 0);
    printf("  2xx %ld  3xx %ld  4xx %ld  5xx %ld\n", t->statuses[2], t->statuses[3], t->statuses[4],
           t->statuses[5]);
    for (int e = 1; e <= TRANSPORT_ERROR_OTHER; e++)
        if (t->errors[e])
            printf("  %s errors: %ld\n", transport_error_name((enum transport_error)e),
                   t->errors[e]);
}

static int run(const struct run_opts *o)
{
    struct transport *t;
    int rc = transport_new(&o->cfg, &t);
    if (rc != 0) {
        fprintf(stderr, "transport_bench: %s\n", err_str(rc));
        return 1;
    }
    char *body = calloc(1, (size_t)o->body_bytes + 1);
    memset(body, 'x', (size_t)o->body_bytes);
    struct tally tally = {0};
    uint64_t next_id = 0;
    double cpu0 = cpu_seconds();
    int64_t start = clock_now_us(), end = start + o->seconds * 1000000;
    for (long i = 0; i < o->concurrency; i++)
        transport_submit(t, bench_request(o, next_id++, body));
    struct http_response *out[512];
    while (clock_now_us() < end) {
        size_t n = transport_poll(t, out, 512, 100);
        for (size_t i = 0; i < n; i++) {
            count(&tally, out[i]);
            http_response_free(out[i]);
            transport_submit(t, bench_request(o, next_id++, body));
        }
    }
    double secs = (double)(clock_now_us() - start) / 1e6, cpu = cpu_seconds() - cpu0;
    struct tally counted = tally;
    transport_stop(t, clock_now_us() + 2000000);
    for (int i = 0; i < 100 && transport_inflight(t) > 0; i++) {
        size_t n = transport_poll(t, out, 512, 100);
        for (size_t k = 0; k < n; k++)
            http_response_free(out[k]);
    }
    transport_free(t);
    free(body);
    report(o, &counted, secs, cpu);
    return counted.ok == counted.done ? 0 : 1;
}

static long arg_long(int argc, char **argv, const char *name, long dflt)
{
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return strtol(argv[i + 1], NULL, 10);
    return dflt;
}

static const char *arg_str(int argc, char **argv, const char *name, const char *dflt)
{
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return dflt;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "serve") == 0)
        return serve((unsigned)arg_long(argc, argv, "--port", 0),
                     arg_long(argc, argv, "--seconds", 60));
    if (argc < 3 || strcmp(argv[1], "run") != 0) {
        fprintf(stderr, "usage: transport_bench serve [--port P] [--seconds S]\n"
                        "       transport_bench run URL [--concurrency C] [--seconds S] "
                        "[--workers N] [--max-conns M] [--method M] [--body-bytes B]\n");
        return 2;
    }
    struct run_opts o = {.url = argv[2]};
    o.method = arg_str(argc, argv, "--method", "GET");
    o.concurrency = arg_long(argc, argv, "--concurrency", 64);
    o.seconds = arg_long(argc, argv, "--seconds", 5);
    o.body_bytes = arg_long(argc, argv, "--body-bytes", 0);
    o.cfg.workers = (unsigned)arg_long(argc, argv, "--workers", 2);
    o.cfg.max_connections = arg_long(argc, argv, "--max-conns", o.concurrency);
    if (o.concurrency < 1 || o.seconds < 1 || o.seconds > 600 || o.body_bytes < 0) {
        fprintf(stderr, "transport_bench: out of range\n");
        return 2;
    }
    return run(&o);
}
