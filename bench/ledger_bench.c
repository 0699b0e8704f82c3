/* ledger_bench.c - what the ledger costs: appends under group commit, appends with one fsync
 * each, and replay. Not a unit test: it prints figures. bench/ledger.sh builds and runs it:
 *
 *     ledger_bench append FILE ROWS        intent + done per row, the flusher running
 *     ledger_bench fsync FILE ROWS         the same, with ledger_sync() after every record
 *     ledger_bench replay FILE [jansson]   ledger_open_readonly, then ledger_open (read-write)
 *
 * Records have realistic sizes: UUID-shaped tokens, SHA-256 digests, cps- instance ids and
 * 32-character request ids, as the runner would write them.
 *
 * Two times are shown: wall time, and the CPU time of the appending thread alone
 * (CLOCK_THREAD_CPUTIME_ID; read here directly, as this is a measuring tool, not a module).
 * On a shared machine the second is the honest cost of an append; the flusher's write() and
 * fdatasync() run on the other thread. The cost of making up the rows is measured apart and
 * taken off.
 */
#include "clock.h"
#include "err.h"
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct row_data {
    char token[40];
    char id[24];
    char request_id[40];
    unsigned char spec[32];
};

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* digits hex digits of v into p (no NUL). */
static void put_hex(char *p, unsigned long long v, int digits)
{
    for (int k = digits - 1; k >= 0; k--, v >>= 4)
        p[k] = "0123456789abcdef"[v & 15];
}

static void make_row(long i, struct row_data *r)
{
    unsigned long long h = (unsigned long long)i * 0x9e3779b97f4a7c15ULL;
    memcpy(r->token, "xxxxxxxx-xxxx-8xxx-9xxx-xxxxxxxxxxxx", 37);
    put_hex(r->token, h >> 32, 8);
    put_hex(r->token + 9, h >> 16, 4);
    put_hex(r->token + 15, h >> 4, 3);
    put_hex(r->token + 20, h, 3);
    put_hex(r->token + 24, (unsigned long long)i, 12);
    memcpy(r->id, "cps-", 4);
    put_hex(r->id + 4, h ^ 0x5a5a5a5a5aULL, 12);
    r->id[16] = '\0';
    memcpy(r->request_id, "c2l8a4ne5ujbkb7n", 16);
    put_hex(r->request_id + 16, h, 16);
    r->request_id[32] = '\0';
    for (int k = 0; k < 32; k++)
        r->spec[k] = (unsigned char)(h >> (k % 8 * 8) ^ (unsigned long long)k);
}

/* CPU seconds that making up rows rows costs, to take off the append figure. */
static double row_cost_s(long rows)
{
    struct row_data r;
    volatile unsigned char sink = 0;
    double start = thread_cpu_s();
    for (long i = 0; i < rows; i++) {
        make_row(i, &r);
        sink ^= (unsigned char)(r.token[30] ^ r.id[10] ^ r.spec[3]);
    }
    (void)sink;
    return thread_cpu_s() - start;
}

static int open_new(const char *path, struct ledger **l)
{
    remove(path);
    struct ledger_batch b = {"jobs.csv",
                             "0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
                             "abcdef",
                             "https://cps.jdcloud-api.com", NULL, NULL};
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
    double cpu = thread_cpu_s();
    int64_t start = clock_now_us();
    for (long i = 0; i < rows && rc == 0; i++)
        rc = append_row(l, i, sync_each);
    int64_t appended = clock_now_us();
    cpu = thread_cpu_s() - cpu - row_cost_s(rows);
    if (rc == 0)
        rc = ledger_sync(l);
    int64_t synced = clock_now_us();
    struct ledger_stats s;
    ledger_stats(l, &s);
    rc = rc ? rc : ledger_close(l);
    double records = 2.0 * (double)rows;
    printf("%s: %ld rows, %.0f records, %.1f MB\n"
           "  append: %.3f us/record wall (%.2f s), %.3f us/record CPU of the appending thread\n"
           "  %.2f s to the last sync; %llu fsyncs (%.0f records per fsync)\n",
           sync_each ? "fsync each" : "group commit", rows, records, (double)s.bytes_appended / 1e6,
           (double)(appended - start) / records, (double)(appended - start) / 1e6,
           cpu * 1e6 / records, (double)(synced - start) / 1e6, (unsigned long long)s.flushes,
           records / (double)(s.flushes ? s.flushes : 1));
    return rc;
}

static int time_open(const char *path, bool readonly, bool jansson)
{
    struct ledger_options o = {0, jansson};
    struct ledger *l;
    struct ledger_diag d;
    double cpu = thread_cpu_s();
    int64_t start = clock_now_us();
    int rc =
        readonly ? ledger_open_readonly(path, &o, &l, &d) : ledger_open(path, NULL, &o, &l, &d);
    int64_t end = clock_now_us();
    cpu = thread_cpu_s() - cpu;
    if (rc) {
        fprintf(stderr, "ledger_bench: %s\n", d.msg[0] ? d.msg : err_str(rc));
        return rc;
    }
    struct ledger_counts c;
    ledger_counts(l, &c);
    printf("replay %-10s %-8s %zu records, %zu tokens: %.3f s wall, %.3f s CPU (%.3f us/record)\n",
           readonly ? "read-only" : "read-write", jansson ? "jansson" : "fast", c.records, c.tokens,
           (double)(end - start) / 1e6, cpu,
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
