/* ledger_bench.c - what the ledger costs: appends under group commit, appends with one fsync
 * each, and replay. Not a unit test: it prints figures. bench/ledger.sh builds and runs it:
 *
 *     ledger_bench append FILE ROWS        intent + done per row, the flusher running
 *     ledger_bench fsync FILE ROWS         the same, with ledger_sync() after every record
 *     ledger_bench replay FILE [jansson]   ledger_open_readonly, then ledger_open (read-write)
 *
 * Records have realistic sizes: UUID-shaped tokens, SHA-256 digests, cps- instance ids and
 * 32-character request ids, as the runner would write them.
 */
#include "clock.h"
#include "err.h"
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct row_data {
    char token[40];
    char id[24];
    char request_id[40];
    unsigned char spec[32];
};

static void make_row(long i, struct row_data *r)
{
    unsigned long h = (unsigned long)i * 2654435761UL;
    snprintf(r->token, sizeof(r->token), "%08lx-%04lx-8%03lx-9%03lx-%012lx", h & 0xffffffffUL,
             (unsigned long)i & 0xffff, h >> 20 & 0xfff, h >> 8 & 0xfff, (unsigned long)i);
    snprintf(r->id, sizeof(r->id), "cps-%012lx", h ^ 0x5a5a5a5aUL);
    snprintf(r->request_id, sizeof(r->request_id), "c2l8a4ne5ujbkb7n%016lx", h);
    for (int k = 0; k < 32; k++)
        r->spec[k] = (unsigned char)(h >> (k % 8) ^ (unsigned long)k);
}

static int open_new(const char *path, struct ledger **l)
{
    remove(path);
    struct ledger_batch b = {"jobs.csv", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
                                         "abcdef", "https://cps.jdcloud-api.com", NULL};
    struct ledger_diag d;
    int rc = ledger_open(path, &b, NULL, l, &d);
    if (rc)
        fprintf(stderr, "ledger_bench: %s\n", d.msg[0] ? d.msg : err_str(rc));
    return rc;
}

static int append_row(struct ledger *l, long i, bool sync_each)
{
    struct row_data r;
    make_row(i, &r);
    const char *ids[] = {r.id};
    int rc = ledger_append_intent(l, r.token, i + 2, r.spec);
    if (rc == 0 && sync_each)
        rc = ledger_sync(l);
    if (rc == 0)
        rc = ledger_append_done(l, r.token, i + 2, ids, 1, r.request_id, 1);
    if (rc == 0 && sync_each)
        rc = ledger_sync(l);
    return rc;
}

static int bench_append(const char *path, long rows, bool sync_each)
{
    struct ledger *l;
    int rc = open_new(path, &l);
    if (rc)
        return rc;
    int64_t start = clock_now_us();
    for (long i = 0; i < rows && rc == 0; i++)
        rc = append_row(l, i, sync_each);
    int64_t appended = clock_now_us();
    if (rc == 0)
        rc = ledger_sync(l);
    int64_t synced = clock_now_us();
    struct ledger_stats s;
    ledger_stats(l, &s);
    rc = rc ? rc : ledger_close(l);
    double records = 2.0 * (double)rows;
    printf("%s: %ld rows, %.0f records, %.1f MB: %.3f us/record appending "
           "(%.2f s), %.2f s to the last sync; %llu fsyncs (%.0f records per fsync)\n",
           sync_each ? "fsync each" : "group commit", rows, records,
           (double)s.bytes_appended / 1e6, (double)(appended - start) / records,
           (double)(appended - start) / 1e6, (double)(synced - start) / 1e6,
           (unsigned long long)s.flushes, records / (double)(s.flushes ? s.flushes : 1));
    return rc;
}

static int time_open(const char *path, bool readonly, bool jansson)
{
    struct ledger_options o = {0, jansson};
    struct ledger *l;
    struct ledger_diag d;
    int64_t start = clock_now_us();
    int rc = readonly ? ledger_open_readonly(path, &o, &l, &d) : ledger_open(path, NULL, &o, &l, &d);
    int64_t end = clock_now_us();
    if (rc) {
        fprintf(stderr, "ledger_bench: %s\n", d.msg[0] ? d.msg : err_str(rc));
        return rc;
    }
    struct ledger_counts c;
    ledger_counts(l, &c);
    printf("replay %-10s %-8s %zu records, %zu tokens: %.3f s (%.3f us/record)\n",
           readonly ? "read-only" : "read-write", jansson ? "jansson" : "fast", c.records,
           c.tokens, (double)(end - start) / 1e6,
           (double)(end - start) / (double)(c.records ? c.records : 1));
    return ledger_close(l);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: ledger_bench append|fsync FILE ROWS | replay FILE [jansson]\n", stderr);
        return 2;
    }
    int rc = 2;
    if ((strcmp(argv[1], "append") == 0 || strcmp(argv[1], "fsync") == 0) && argc == 4)
        rc = bench_append(argv[2], atol(argv[3]), argv[1][0] == 'f');
    else if (strcmp(argv[1], "replay") == 0) {
        bool jansson = argc > 3 && strcmp(argv[3], "jansson") == 0;
        rc = time_open(argv[2], true, jansson);
        if (rc == 0)
            rc = time_open(argv[2], false, jansson);
    }
    return rc ? 1 : 0;
}
