/* waitrun.c - the waiter on the real clock, fed from the ledger (waitrun.h). */
#include "waitrun.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "exitcode.h"
#include "signals.h"

#define TICK_US 200000
#define POLL_BATCH 256
#define SEC INT64_C(1000000)

void wait_options_default(struct wait_options *o)
{
    *o = (struct wait_options){.initial_us = 5 * SEC,
                               .poll_min_us = 2 * SEC,
                               .poll_max_us = 30 * SEC,
                               .notfound_us = 120 * SEC};
}

int wait_options_check(const struct wait_options *o)
{
    if (o->poll_min_us <= 0 || o->poll_min_us > o->poll_max_us) {
        fputs("cpsbatch: --poll-min must be above 0 and at most --poll-max\n", stderr);
        return ERR_INVALID;
    }
    return 0;
}

static void log_line(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "\ncpsbatch: %s\n", line);
}

/* Every instance of the ledger's done rows that is not final yet; *skipped: without region. */
static int add_instances(struct waiter *w, const struct waitrun *wr, int64_t now, long *skipped)
{
    size_t n = ledger_size(wr->ledger);
    for (size_t i = 0; i < n; i++) {
        const struct ledger_entry *e = ledger_entry_at(wr->ledger, i);
        if (e->state != LEDGER_DONE)
            continue;
        const char *region = e->region ? e->region : wr->region;
        for (size_t k = 0; k < e->n_instance_ids; k++) {
            const char *status = e->instances ? e->instances[k].status : NULL;
            if (!region) {
                *skipped += !ledger_status_final(status);
                continue;
            }
            int rc = waiter_add(w, e->token, region, e->instance_ids[k], status, now);
            if (rc == ERR_INVALID) {
                fprintf(stderr,
                        "cpsbatch: row %lld: instance id '%.64s' or region '%.32s' cannot "
                        "be asked about; skipped\n",
                        e->row, e->instance_ids[k], region);
                ++*skipped;
            } else if (rc) {
                return rc;
            }
        }
    }
    return 0;
}

static void live_line(const struct waiter_stats *s, int64_t start)
{
    fprintf(stderr,
            "\r\033[K%6.1fs  waiting: creating %ld  running %ld  error %ld  (%ld instances, "
            "%ld describe calls)",
            (double)(clock_now_us() - start) / 1e6, s->pending, s->running, s->failed, s->instances,
            s->describes);
    fflush(stderr);
}

int waitrun_begin(const struct waitrun *wr, const struct wait_options *o, struct waiter_config *cfg,
                  struct waiter_stats *st, struct waiter **out, long *skipped)
{
    *cfg = (struct waiter_config){.initial_delay_us = o->initial_us,
                                  .poll_min_us = o->poll_min_us,
                                  .poll_max_us = o->poll_max_us,
                                  .timeout_us = o->timeout_us,
                                  .notfound_us = o->notfound_us,
                                  .drain_us = wr->drain_us,
                                  .concurrency = wr->concurrency,
                                  .max_attempts = 5,
                                  .stop = signals_stop_flag(),
                                  .seed = (uint64_t)clock_now_us(),
                                  .wall_offset_us = (int64_t)clock_wall() * SEC - clock_now_us(),
                                  .log = log_line};
    int64_t now = clock_now_us();
    *skipped = 0;
    int rc = waiter_new(cfg, wr->ledger, wr->port, wr->maker, wr->bucket, wr->budget, st, now, out);
    if (rc)
        return rc;
    rc = add_instances(*out, wr, now, skipped);
    if (rc) {
        waiter_end(*out);
        *out = NULL;
    }
    return rc;
}

int waitrun(const struct waitrun *wr, const struct wait_options *o, struct waiter_stats *st,
            long *skipped)
{
    struct waiter_config cfg;
    struct waiter *w;
    int rc = waitrun_begin(wr, o, &cfg, st, &w, skipped);
    if (rc)
        return rc;
    int64_t now = clock_now_us(), start = now, next_live = now;
    waiter_close_input(w, now);
    struct http_response *done[POLL_BATCH];
    bool drawn = false;
    for (;;) {
        int64_t wake = waiter_advance(w, now);
        if (waiter_finished(w))
            break;
        if (wake > now + TICK_US)
            wake = now + TICK_US;
        size_t n = port_poll_until(&wr->port, done, POLL_BATCH, wake);
        now = clock_now_us();
        for (size_t i = 0; i < n; i++)
            waiter_answer(w, done[i], now);
        if (wr->live && now >= next_live) {
            live_line(st, start);
            drawn = true;
            next_live = now + TICK_US;
        }
    }
    if (drawn) {
        live_line(st, start);
        fputc('\n', stderr);
    }
    rc = waiter_end(w);
    int sync = ledger_sync(wr->ledger);
    return rc ? rc : sync;
}

int waitrun_exit(const struct waiter_stats *st, int rc, long skipped)
{
    if (rc && rc != ERR_STOPPED)
        return exit_for_err(rc, st->ledger_failed ? EXIT_WRITING : EXIT_SENDING);
    if (st->pending > 0 || st->interrupted || skipped > 0)
        return EXIT_INCOMPLETE;
    if (st->failed > 0)
        return EXIT_FAILED;
    return EXIT_DONE;
}

void waitrun_summary(const struct waiter_stats *st, long skipped, FILE *out)
{
    fprintf(out,
            "cpsbatch: waited: %ld instances: %ld running, %ld error, %ld still pending; %ld "
            "describe calls (%ld retries) in %ld sweeps\n",
            st->instances, st->running, st->failed, st->pending, st->describes, st->retries,
            st->sweeps);
    if (skipped)
        fprintf(out,
                "cpsbatch: %ld instances not waited for: the ledger does not say their region "
                "(give --region)\n",
                skipped);
    if (st->stop_message[0])
        fprintf(out, "cpsbatch: waiting stopped: %s\n", st->stop_message);
    if (st->timed_out)
        fputs("cpsbatch: --wait-timeout reached: `cpsbatch wait LEDGER` resumes waiting\n", out);
    else if (st->pending > 0)
        fputs("cpsbatch: still pending: `cpsbatch wait LEDGER` resumes waiting\n", out);
}

json_t *waitrun_json(const struct waiter_stats *st, long skipped)
{
    json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:b}", "instances",
                          (json_int_t)st->instances, "running", (json_int_t)st->running, "error",
                          (json_int_t)st->failed, "pending", (json_int_t)st->pending, "describes",
                          (json_int_t)st->describes, "retries", (json_int_t)st->retries, "sweeps",
                          (json_int_t)st->sweeps, "max_sweep_calls",
                          (json_int_t)st->max_sweep_calls, "skipped", (json_int_t)skipped,
                          "timed_out", st->timed_out, "interrupted", st->interrupted);
    if (o && st->stop_message[0])
        json_object_set_new(o, "stop_message", json_string(st->stop_message));
    return o;
}
