#include "runview.h"

#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

bool runview_parse_progress(const char *arg, enum runview_progress *out)
{
    static const char *const names[] = {"auto", "always", "never"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(arg, names[i]) == 0) {
            *out = (enum runview_progress)i;
            return true;
        }
    }
    fprintf(stderr, "cpsbatch: --progress must be auto, always or never, got '%s'\n", arg);
    return false;
}

bool runview_live(enum runview_progress mode, FILE *err)
{
    return mode == RUNVIEW_ALWAYS || (mode == RUNVIEW_AUTO && isatty(fileno(err)));
}

void runview_init(struct runview *v, enum runview_progress mode, long rows, FILE *err)
{
    memset(v, 0, sizeof(*v));
    v->err = err;
    v->live = runview_live(mode, err);
    v->to_send = rows;
    v->start_us = clock_now_us();
}

void runview_plan(struct runview *v, const struct plan *p, const struct resume_counts *c,
                  long strays, const char *endpoint, const char *ledger)
{
    const long *a = c->actions;
    v->to_send = a[RESUME_NEW] + a[RESUME_IN_DOUBT] + a[RESUME_RETRY_FAILED];
    v->skipped = a[RESUME_SKIP_DONE] + a[RESUME_SKIP_FAILED];
    fprintf(v->err, "cpsbatch: ");
    plan_print(p, v->err);
    fprintf(v->err, "cpsbatch: endpoint %s, ledger %s\n", endpoint, ledger);
    fprintf(v->err,
            "cpsbatch: %ld new, %ld in doubt (re-sent with the same token), %ld already done, "
            "%ld failed%s, %ld refused\n",
            a[RESUME_NEW], a[RESUME_IN_DOUBT], a[RESUME_SKIP_DONE],
            a[RESUME_SKIP_FAILED] + a[RESUME_RETRY_FAILED],
            a[RESUME_RETRY_FAILED] ? " (re-sent: --retry-failed)" : "", a[RESUME_CONFLICT]);
    if (strays)
        fprintf(v->err,
                "cpsbatch: %ld token%s in the ledger match no row of the CSV (edited or removed "
                "rows); left untouched\n",
                strays, strays == 1 ? "" : "s");
}

bool runview_confirm(struct runview *v)
{
    if (!isatty(STDIN_FILENO))
        return true;
    fprintf(v->err, "Send %ld createInstances calls? [y/N] ", v->to_send);
    fflush(v->err);
    char answer[16] = "";
    if (!fgets(answer, sizeof(answer), stdin) || (answer[0] != 'y' && answer[0] != 'Y')) {
        fputs("cpsbatch: nothing sent\n", v->err);
        return false;
    }
    return true;
}

static void format_eta(double secs, char *buf, size_t len)
{
    if (secs < 0 || secs > 360000)
        snprintf(buf, len, "?");
    else if (secs >= 3600)
        snprintf(buf, len, "%dh%02dm", (int)secs / 3600, (int)secs % 3600 / 60);
    else
        snprintf(buf, len, "%dm%02ds", (int)secs / 60, (int)secs % 60);
}

void runview_progress(void *ctx, const struct engine_stats *s)
{
    struct runview *v = ctx;
    if (!v->live)
        return;
    double elapsed = (double)(clock_now_us() - v->start_us) / 1e6;
    long final = s->done + s->failed;
    char eta[32], rate[32];
    format_eta(final ? elapsed * (double)(v->to_send - final) / (double) final : -1, eta,
               sizeof(eta));
    if (s->rate > 0)
        snprintf(rate, sizeof(rate), "%.1f/s", s->rate);
    else
        snprintf(rate, sizeof(rate), "unlimited");
    char next[48] = "";
    if (s->waiting && s->next_retry_us >= 0)
        snprintf(next, sizeof(next), " (next in %.1fs)", (double)s->next_retry_us / 1e6);
    fprintf(v->err,
            "\r\033[K%6.1fs  done %ld/%ld  failed %ld  in flight %ld  retrying %ld%s  rate %s  "
            "ETA %s",
            elapsed, s->done, v->to_send, s->failed, s->inflight, s->waiting, next, rate, eta);
    if (v->wait_stats)
        fprintf(v->err, "  servers: creating %ld  running %ld  error %ld", v->wait_stats->pending,
                v->wait_stats->running, v->wait_stats->failed);
    fflush(v->err);
    v->drawn = true;
}

static void summary_json(const struct runview *v, const struct engine_stats *s,
                         const struct resume_counts *c, long refused, int status, FILE *out)
{
    double elapsed = (double)(clock_now_us() - v->start_us) / 1e6;
    json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:b,s:b,s:i}", "done",
                          (json_int_t)s->done, "failed", (json_int_t)s->failed, "in_doubt",
                          (json_int_t)s->in_doubt, "refused", (json_int_t)refused, "already_done",
                          (json_int_t)c->actions[RESUME_SKIP_DONE], "already_failed",
                          (json_int_t)c->actions[RESUME_SKIP_FAILED], "instances",
                          (json_int_t)s->instances, "sent", (json_int_t)s->sent, "retries",
                          (json_int_t)s->retries, "elapsed_s", elapsed, "auth_stopped",
                          s->auth_stopped, "interrupted", s->interrupted, "exit", status);
    if (o && s->unrecorded)
        json_object_set_new(o, "unrecorded", json_integer(s->unrecorded));
    if (o && s->stop_message[0])
        json_object_set_new(o, "stop_message", json_string(s->stop_message));
    if (o && v->wait)
        json_object_set(o, "wait", v->wait);
    json_dumpf(o, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(o);
}

void runview_summary(struct runview *v, const struct engine_stats *s, const struct resume_counts *c,
                     long refused, int status, bool json, FILE *out)
{
    if (v->drawn)
        fputc('\n', v->err);
    v->drawn = false;
    if (json) {
        summary_json(v, s, c, refused, status, out);
        return;
    }
    double elapsed = (double)(clock_now_us() - v->start_us) / 1e6;
    fprintf(out,
            "cpsbatch: this run: %ld done (%lld instances), %ld failed, %ld left in doubt, "
            "%ld refused; %ld requests (%ld retries) in %.1f s\n",
            s->done, s->instances, s->failed, s->in_doubt, refused, s->sent, s->retries, elapsed);
    if (v->skipped)
        fprintf(out, "cpsbatch: before this run: %ld done (%lld instances), %ld failed\n",
                c->actions[RESUME_SKIP_DONE], c->instances_done, c->actions[RESUME_SKIP_FAILED]);
    if (s->wait_refused)
        fprintf(out,
                "cpsbatch: %ld left in doubt because the API asked them to wait longer than "
                "--max-retry-wait (see their last attempt in the ledger)\n",
                s->wait_refused);
    if (s->unrecorded)
        fprintf(out,
                "cpsbatch: %ld rows have no record in the ledger (it could not be written): the "
                "next run sends them again, with the same token\n",
                s->unrecorded);
    if (s->stop_message[0])
        fprintf(out, "cpsbatch: stopped: %s\n", s->stop_message);
    if (s->ledger_failed)
        fputs("cpsbatch: incomplete: the counts above are what the ledger holds; make room "
              "for it, then run the same command again to resume\n",
              out);
    else if (status == 3)
        fputs("cpsbatch: incomplete: run the same command again to resume\n", out);
}
