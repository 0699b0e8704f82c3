/* loadview.c - the live line of `cpsbatch load`; see loadview.h. */
#include "loadview.h"

#include "duration.h"

void loadview_init(struct loadview *v, enum runview_progress mode, FILE *err)
{
    v->err = err;
    v->live = runview_live(mode, err);
    v->drawn = false;
}

void loadview_progress(void *ctx, const struct load_progress *p)
{
    struct loadview *v = ctx;
    if (!v->live)
        return;
    char p99[32];
    double share = p->requests ? 100.0 * (double)p->errors / (double)p->requests : 0;
    fprintf(v->err,
            "\r%5llds%s  sent %llu  %.0f/s  in flight %zu  p99 %s  errors %llu (%.2f%%)"
            "\033[K",
            (long long)(p->elapsed_us / 1000000), p->warmup ? " (warmup)" : "",
            (unsigned long long)p->sent, p->rate, p->inflight,
            p->requests ? duration_format(p->p99_us, p99, sizeof(p99)) : "-",
            (unsigned long long)p->errors, share);
    fflush(v->err);
    v->drawn = true;
}

void loadview_end(struct loadview *v)
{
    if (v->drawn)
        fputs("\r\033[K", v->err);
    v->drawn = false;
}
