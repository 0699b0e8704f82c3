/* test_reportmerge.c - load reports written as JSON, read back, merged and compared: a merge of
 * shares equals one generator that recorded every sample (the same histograms bucket by bucket,
 * so the same percentiles; the same counts and timeline), and the reader refuses what it
 * cannot take, naming the file and the member. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "check.h"
#include "err.h"
#include "report.h"
#include "reportdiff.h"
#include "reportmerge.h"
#include "reportread.h"
#include "tmpfile.h"

#define T0 INT64_C(1796000000000000) /* a whole second, epoch us */
#define SEC INT64_C(1000000)
#define REQUESTS 6000 /* 2,000/s for 3 s */

static char dir[256];

/* One request of the test run: due every 500 us, a long-tailed latency, some failures. */
struct sample {
    int64_t due, sent, done;
    long status;
    enum transport_error error;
};

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint64_t next_random(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1Du;
}

static struct sample make_sample(int i)
{
    struct sample s = {.due = T0 + i * 500, .status = 200};
    s.sent = s.due + (int64_t)(next_random() % 300);
    double u = (double)(next_random() % 1000000) / 1e6;
    s.done = s.sent + 200 + (int64_t)(300.0 / (1.0 - u * 0.999)); /* 0.5 ms .. 300 ms */
    if (i % 97 == 0)
        s.status = 503;
    if (i % 251 == 0)
        s.error = TRANSPORT_ERROR_RESET;
    return s;
}

/* An event of a run: a send or an answer, at its time. */
struct event {
    int64_t t;
    int index;
    bool done;
};

static int by_time(const void *x, const void *y)
{
    const struct event *a = x, *b = y;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return a->index != b->index ? (a->index < b->index ? -1 : 1) : (int)a->done - (int)b->done;
}

/* Feed the samples whose index i has keep(i) to s, in time order as a run would. */
static void feed(struct loadstats *s, const struct sample *samples, int share, int shares)
{
    static struct event ev[2 * REQUESTS];
    size_t n = 0;
    for (int i = 0; i < REQUESTS; i++) {
        if (shares && i % shares != share)
            continue;
        ev[n++] = (struct event){samples[i].sent, i, false};
        ev[n++] = (struct event){samples[i].done, i, true};
    }
    qsort(ev, n, sizeof(ev[0]), by_time);
    uint64_t inflight = 0;
    for (size_t k = 0; k < n; k++) {
        const struct sample *x = &samples[ev[k].index];
        CHECK_INT(loadstats_tick(s, ev[k].t), ==, 0);
        inflight = ev[k].done ? inflight - 1 : inflight + 1;
        CHECK_INT(loadstats_inflight(s, ev[k].t, inflight), ==, 0);
        if (!ev[k].done) {
            CHECK_INT(loadstats_sent(s, x->due, x->sent), ==, 0);
            continue;
        }
        struct http_response r = {.status = x->error ? 0 : x->status,
                                  .error = x->error,
                                  .due_us = x->due,
                                  .t_sent = x->sent,
                                  .t_done = x->done};
        CHECK_INT(loadstats_done(s, &r), ==, 0);
    }
    loadstats_finish(s);
}

static void write_json(const struct loadstats *s, unsigned k, unsigned n, const char *name,
                       char *path, size_t len)
{
    struct threshold_values values;
    report_threshold_values(s, &values);
    struct report_info info = {.endpoint = "http://127.0.0.1:8000",
                               .csv = "job.csv",
                               .target_rate = n ? 2000.0 / n : 2000,
                               .concurrency = 64,
                               .sent_total = s->sent,
                               .shard_k = k,
                               .shard_n = n,
                               .values = &values};
    snprintf(path, len, "%s/%s", dir, name);
    CHECK_INT(report_write(REPORT_JSON, &info, s, path), ==, 0);
}

/* a and b hold the same figures. */
static void check_same(const struct loadstats *a, const struct loadstats *b)
{
    CHECK(memcmp(a->latency, b->latency, sizeof(*a->latency)) == 0);
    CHECK(memcmp(a->service, b->service, sizeof(*a->service)) == 0);
    for (int i = 0; i < REPORT_PERCENTILES; i++) {
        CHECK_INT(hist_percentile(a->latency, report_percentiles[i].p), ==,
                  hist_percentile(b->latency, report_percentiles[i].p));
        CHECK_INT(hist_percentile(a->service, report_percentiles[i].p), ==,
                  hist_percentile(b->service, report_percentiles[i].p));
    }
    CHECK_INT(a->sent, ==, b->sent);
    CHECK_INT(a->requests, ==, b->requests);
    CHECK_INT(a->ok, ==, b->ok);
    CHECK_INT(a->errors, ==, b->errors);
    CHECK_INT(a->late_sends, ==, b->late_sends);
    CHECK(memcmp(a->status, b->status, sizeof(a->status)) == 0);
    CHECK(memcmp(a->error_kinds, b->error_kinds, sizeof(a->error_kinds)) == 0);
    CHECK_DBL(loadstats_achieved_rate(a), ==, loadstats_achieved_rate(b));
    CHECK_DBL(loadstats_duration_s(a), ==, loadstats_duration_s(b));
    CHECK_INT(a->seconds, ==, b->seconds);
    for (size_t t = 0; t < a->seconds && t < b->seconds; t++) {
        CHECK_INT(a->timeline[t].sent, ==, b->timeline[t].sent);
        CHECK_INT(a->timeline[t].ok, ==, b->timeline[t].ok);
        CHECK_INT(a->timeline[t].err, ==, b->timeline[t].err);
        CHECK_INT(a->timeline[t].p99_us, ==, b->timeline[t].p99_us);
        CHECK_INT(a->timeline[t].hist.count, ==, b->timeline[t].hist.count);
        CHECK_DBL(a->timeline[t].inflight_us, ==, b->timeline[t].inflight_us);
        CHECK(memcmp(a->timeline[t].err_kinds, b->timeline[t].err_kinds,
                     sizeof(a->timeline[t].err_kinds)) == 0);
    }
}

static void test_merge_equals_one_generator(void)
{
    static struct sample samples[REQUESTS];
    for (int i = 0; i < REQUESTS; i++)
        samples[i] = make_sample(i);
    /* one generator, and three shares; share 3 started a second earlier (its timeline has an
     * empty first second), as one generator that started then */
    struct loadstats all, share[3];
    loadstats_init(&all, T0 - SEC);
    all.start_wall_us = T0 - SEC;
    feed(&all, samples, 0, 0);
    char paths[3][300], all_path[300];
    for (int k = 0; k < 3; k++) {
        int64_t start = k == 2 ? T0 - SEC : T0;
        loadstats_init(&share[k], start);
        share[k].start_wall_us = start;
        feed(&share[k], samples, k, 3);
        char name[32];
        snprintf(name, sizeof(name), "share%d.json", k + 1);
        write_json(&share[k], (unsigned)k + 1, 3, name, paths[k], sizeof(paths[k]));
    }
    CHECK_INT(share[0].requests + share[1].requests + share[2].requests, ==, REQUESTS);
    write_json(&all, 0, 0, "all.json", all_path, sizeof(all_path));

    /* a report read back holds what was written */
    struct report_doc docs[3], one, merged;
    CHECK_INT(reportread_file(all_path, &one), ==, 0);
    check_same(&one.stats, &all);
    CHECK_INT(one.stats.start_us, ==, T0 - SEC);
    CHECK_STR(one.info.endpoint, "http://127.0.0.1:8000");
    CHECK_STR(one.info.csv, "job.csv");
    CHECK_INT(one.info.concurrency, ==, 64);

    for (int k = 0; k < 3; k++) {
        CHECK_INT(reportread_file(paths[k], &docs[k]), ==, 0);
        CHECK_INT(docs[k].info.shard_k, ==, k + 1);
        CHECK_INT(docs[k].info.shard_n, ==, 3);
    }
    const char *names[3] = {paths[0], paths[1], paths[2]};
    struct capture notes;
    capture_begin(&notes, stderr);
    CHECK_INT(reportmerge(docs, names, 3, &merged, stderr), ==, 0);
    CHECK_STR(capture_end(&notes), ""); /* the shares of one split, one endpoint: nothing */
    check_same(&merged.stats, &all);
    CHECK_INT(merged.info.merged, ==, 3);
    CHECK_DBL(fabs(merged.info.target_rate - 2000), <, 1e-6);
    CHECK_INT(merged.info.concurrency, ==, 192);
    CHECK_STR(merged.info.endpoint, "http://127.0.0.1:8000");

    /* merging merged reports: the same again (a merge is a report like any other) */
    char merged_path[300];
    write_json(&merged.stats, 0, 0, "merged.json", merged_path, sizeof(merged_path));
    struct report_doc again;
    CHECK_INT(reportread_file(merged_path, &again), ==, 0);
    check_same(&again.stats, &all);

    /* averaging the shares' p99 is what the merge must not do: the shares differ */
    CHECK_INT(hist_percentile(docs[0].stats.latency, 99), !=,
              hist_percentile(docs[1].stats.latency, 99));

    reportread_release(&again);
    reportread_release(&merged);
    for (int k = 0; k < 3; k++) {
        reportread_release(&docs[k]);
        loadstats_release(&share[k]);
        unlink(paths[k]);
    }
    reportread_release(&one);
    loadstats_release(&all);
    unlink(all_path);
    unlink(merged_path);
}

/* Write text to dir/name; its path into path. */
static void put(const char *name, const char *text, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* Reading text as a report fails with rc, and stderr names the file and `member`. */
static void check_refused(const char *text, int rc, const char *member)
{
    char path[300];
    put("bad.json", text, path, sizeof(path));
    struct report_doc d;
    struct capture c;
    capture_begin(&c, stderr);
    CHECK_INT(reportread_file(path, &d), ==, rc);
    const char *said = capture_end(&c);
    CHECK(strstr(said, path) != NULL);
    if (!strstr(said, member))
        fprintf(stderr, "  said: %s  (want it to name %s)\n", said, member);
    CHECK(strstr(said, member) != NULL);
    reportread_release(&d);
    unlink(path);
}

#define LAYOUT "\"layout\":{\"sub_bucket_bits\":10,\"max_us\":3600000000,\"counters\":23221}"
#define EMPTY_H "{\"count\":0,\"overflow\":0,\"sum\":0,\"min\":0,\"max\":0,\"buckets\":[]}"
#define ONE_H "{\"count\":2,\"overflow\":0,\"sum\":10,\"min\":5,\"max\":5,\"buckets\":[[5,2]]}"

static void test_reader_refuses(void)
{
    check_refused("{\"requests\": 3", ERR_PARSE, "not JSON");
    check_refused("[1]", ERR_PARSE, "(top)");
    check_refused("{\"requests\": 3}", ERR_PARSE, "schema");
    check_refused("{\"schema\": 2}", ERR_PARSE, "newer");
    check_refused("{\"schema\": 1}", ERR_PARSE, "start_epoch_us");
    check_refused("{\"schema\":1,\"start_epoch_us\":1}", ERR_PARSE, "histograms: missing");
    check_refused("{\"schema\":1,\"start_epoch_us\":1,\"histograms\":{\"layout\":{"
                  "\"sub_bucket_bits\":11,\"max_us\":3600000000,\"counters\":45000}}}",
                  ERR_PARSE, "histograms.layout: sub_bucket_bits 11");
    check_refused("{\"schema\":1,\"start_epoch_us\":1,\"histograms\":{" LAYOUT
                  ",\"latency\":{\"count\":3,\"overflow\":0,\"sum\":15,\"min\":5,\"max\":5,"
                  "\"buckets\":[[5,2]]},\"service\":" EMPTY_H "}}",
                  ERR_PARSE, "histograms.latency: the buckets' counts do not add up");
    check_refused("{\"schema\":1,\"start_epoch_us\":1,\"histograms\":{" LAYOUT ",\"latency\":" ONE_H
                  ",\"service\":{\"count\":1,\"overflow\":0,\"sum\":5,"
                  "\"min\":5,\"max\":5,\"buckets\":[[99999,1]]}}}",
                  ERR_PARSE, "histograms.service.buckets[0]");
    check_refused("{\"schema\":1,\"start_epoch_us\":1,\"histograms\":{" LAYOUT ",\"latency\":" ONE_H
                  ",\"service\":" ONE_H "},\"counts\":{\"sent\":-1}}",
                  ERR_PARSE, "counts.sent");
    check_refused("{\"schema\":1,\"start_epoch_us\":1,\"histograms\":{" LAYOUT ",\"latency\":" ONE_H
                  ",\"service\":" ONE_H "},\"counts\":{},\"timeline\":[{\"t\":1},{\"t\":0}]}",
                  ERR_PARSE, "timeline");
    struct report_doc d;
    struct capture c;
    capture_begin(&c, stderr);
    CHECK_INT(reportread_file("/nonexistent/report.json", &d), ==, ERR_IO);
    CHECK(strstr(capture_end(&c), "/nonexistent/report.json") != NULL);
    reportread_release(&d);
}

static void test_reader_tolerates(void)
{
    /* the least a report of schema 1 must have; every other member reads as 0 or absent */
    char path[300];
    put("least.json",
        "{\"schema\":1,\"start_epoch_us\":1796000000000000,\"histograms\":{" LAYOUT
        ",\"latency\":" ONE_H ",\"service\":" ONE_H "},\"counts\":{\"requests\":2,\"ok\":2},"
        "\"timeline\":[{\"t\":0,\"ok\":2,\"p99_ms\":0.005},{\"t\":2,\"sent\":0}],"
        "\"a_member_from_later\":[1,2]}",
        path, sizeof(path));
    struct report_doc d;
    CHECK_INT(reportread_file(path, &d), ==, 0);
    CHECK_INT(d.stats.requests, ==, 2);
    CHECK_INT(d.stats.sent, ==, 0);
    CHECK_INT(hist_percentile(d.stats.latency, 99), ==, 5);
    CHECK_INT(d.stats.seconds, ==, 3);
    CHECK_INT(d.stats.timeline[0].p99_us, ==, 5);
    CHECK(d.stats.second_hists_lost); /* no per-second histograms */
    CHECK_STR(d.info.endpoint, "(unknown)");
    /* merged with a report that has them: the per-second p99 becomes the bound, and says so */
    struct report_doc docs[2] = {d, d}, m;
    const char *names[2] = {"a.json", "b.json"};
    struct capture c;
    capture_begin(&c, stderr);
    CHECK_INT(reportmerge(docs, names, 2, &m, stderr), ==, 0);
    const char *said = capture_end(&c);
    CHECK(strstr(said, "upper bound") != NULL);
    CHECK_INT(m.stats.requests, ==, 4);
    CHECK_INT(m.stats.timeline[0].p99_us, ==, 5);
    CHECK_INT(m.stats.timeline[0].ok, ==, 4);
    reportread_release(&m);
    reportread_release(&d);
    unlink(path);
}

/* report diff on two real reports: the table, the changes, the verdict. */
static void test_diff(void)
{
    static struct sample samples[REQUESTS];
    rng = 12345;
    for (int i = 0; i < REQUESTS; i++)
        samples[i] = make_sample(i);
    struct loadstats base, slow;
    loadstats_init(&base, T0);
    loadstats_init(&slow, T0);
    feed(&base, samples, 0, 0);
    for (int i = 0; i < REQUESTS; i++)
        samples[i].done += (samples[i].done - samples[i].sent) / 5; /* 20% slower */
    feed(&slow, samples, 0, 0);
    char base_path[300], new_path[300];
    write_json(&base, 0, 0, "base.json", base_path, sizeof(base_path));
    write_json(&slow, 0, 0, "new.json", new_path, sizeof(new_path));
    struct report_doc b, n;
    CHECK_INT(reportread_file(base_path, &b), ==, 0);
    CHECK_INT(reportread_file(new_path, &n), ==, 0);
    struct threshold t[3];
    char msg[200];
    CHECK_INT(threshold_parse("p99<+10%", &t[0], msg, sizeof(msg)), ==, 0);
    CHECK_INT(threshold_parse("p99<+30%", &t[1], msg, sizeof(msg)), ==, 0);
    CHECK_INT(threshold_parse("errors<=+0%", &t[2], msg, sizeof(msg)), ==, 0);
    bool passed;
    struct capture c;
    capture_begin(&c, stdout);
    CHECK_INT(reportdiff_write(stdout, false, "base.json", &b, "new.json", &n, t, 3, &passed), ==,
              0);
    const char *out = capture_end(&c);
    CHECK(!passed);
    CHECK(strstr(out, "latency p99 (ms)") != NULL);
    CHECK(strstr(out, "service p99.9 (ms)") != NULL);
    CHECK(strstr(out, "errors (%)") != NULL);
    CHECK(strstr(out, "+0.0 pt") != NULL);
    CHECK(strstr(out, "p99<+10%: FAILED (+") != NULL);
    CHECK(strstr(out, "p99<+30%: ok (+") != NULL);
    CHECK(strstr(out, "errors<=+0%: ok (+0.0%") != NULL);
    FILE *devnull = fopen("/dev/null", "w");
    CHECK_INT(reportdiff_write(devnull, false, "base.json", &b, "new.json", &n, t + 1, 2, &passed),
              ==, 0);
    CHECK(passed);
    capture_begin(&c, stdout);
    CHECK_INT(reportdiff_write(stdout, true, "base.json", &b, "new.json", &n, t, 1, &passed), ==,
              0);
    out = capture_end(&c);
    CHECK(strstr(out, "\"metric\": \"latency p99\"") != NULL);
    CHECK(strstr(out, "\"ok\": false") != NULL);
    /* the same report against itself: no change */
    CHECK_INT(reportdiff_write(devnull, false, "base.json", &b, "base.json", &b, t, 3, &passed), ==,
              0);
    CHECK(passed);
    fclose(devnull);
    reportread_release(&b);
    reportread_release(&n);
    loadstats_release(&base);
    loadstats_release(&slow);
    unlink(base_path);
    unlink(new_path);
}

int main(void)
{
    if (tmpdir_make(dir, sizeof(dir), "cpsbatch-reportmerge"))
        return 1;
    test_merge_equals_one_generator();
    test_reader_refuses();
    test_reader_tolerates();
    test_diff();
    rmdir(dir);
    return check_done();
}
