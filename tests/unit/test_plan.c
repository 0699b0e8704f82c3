/* test_plan.c - the first pass over a job (job/plan.h), on small CSVs in temporary files: data
 * rows, instances, regions in order of appearance, the regions past PLAN_REGIONS, every
 * problem counted and passed on, on_row for valid rows only, shares (--shard K/N) that add up
 * to the whole job, the errors of a missing file and a bad header, and the totals line. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lines.h"
#include "err.h"
#include "job.h"
#include "plan.h"
#include "tmpfile.h"

#define HDR                                                                                        \
    "regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId,networkType,name,"     \
    "password,count"
/* A valid row of region with count instances. */
#define ROW(region, name, count)                                                                   \
    region ",az-1,cps.c.normal,standard,os,r1,r10,basic," name ",Passw0rd!," count "\n"

/* ---- Helpers --------------------------------------------------------------------------------- */

/* The problems reported, one per line. */
/* What on_row saw: spreadsheet rows, names and regions, in order. */
#define SEEN_MAX 64
struct seen {
    int n;
    long row[SEEN_MAX];
    char name[SEEN_MAX][32];
    bool valid, in_shard; /* every row seen was valid and in the shard */
};

static void on_row(void *ctx, const struct job_row *r)
{
    struct seen *s = ctx;
    if (s->n == 0)
        s->valid = s->in_shard = true;
    s->valid = s->valid && r->valid;
    s->in_shard = s->in_shard && r->in_shard;
    if (s->n < SEEN_MAX) {
        s->row[s->n] = r->row;
        snprintf(s->name[s->n], sizeof(s->name[0]), "%s", r->spec.str[FIELD_NAME]);
    }
    s->n++;
}

/* plan_scan over csv written to a temporary file (removed after), with base's options. The
 * temporary name in the problems is replaced by "JOB". Returns plan_scan's result. */
static int scan(const char *csv, const struct job_options *base, struct plan *p, struct lines *l,
                struct seen *s)
{
    char path[64];
    int wrote = tmpfile_write(path, csv, strlen(csv));
    CHECK_INT(wrote, ==, 0);
    struct job_options o = base ? *base : (struct job_options){0};
    o.path = path;
    memset(l, 0, sizeof(*l));
    if (s)
        memset(s, 0, sizeof(*s));
    int rc = plan_scan(&o, lines_collect, l, s ? on_row : NULL, s, p);
    remove(path);
    for (char *q; (q = strstr(l->text, path));)
        memmove(q + 3, q + strlen(path), strlen(q + strlen(path)) + 1), memcpy(q, "JOB", 3);
    return rc;
}

/* Region i of p is name with rows and instances. */
static void check_region(const struct plan *p, size_t i, const char *name, long rows,
                         long long instances)
{
    CHECK_INT(p->nregions, >, i);
    if (p->nregions <= i)
        return;
    CHECK_STR(p->regions[i].name, name);
    CHECK_INT(p->regions[i].rows, ==, rows);
    CHECK_INT(p->regions[i].instances, ==, instances);
}

/* ---- Totals ---------------------------------------------------------------------------------- */

static void test_totals(void)
{
    struct plan p;
    struct lines l;
    struct seen s;
    const char *csv = HDR "\n" ROW("cn-north-1", "a", "2") ROW("cn-east-2", "b", "1")
        ROW("cn-north-1", "c", "3") ROW("cn-south-1", "d", "10") ROW("cn-east-2", "e", "4");
    CHECK_INT(scan(csv, NULL, &p, &l, &s), ==, 0);
    CHECK_INT(p.rows, ==, 5);
    CHECK_INT(p.instances, ==, 20);
    CHECK_INT(p.problems, ==, 0);
    CHECK_INT(l.n, ==, 0);
    CHECK_INT(p.other_shards, ==, 0);
    CHECK_INT(p.other_rows, ==, 0);
    CHECK_INT(p.nregions, ==, 3);
    check_region(&p, 0, "cn-north-1", 2, 5); /* in order of first appearance */
    check_region(&p, 1, "cn-east-2", 2, 5);
    check_region(&p, 2, "cn-south-1", 1, 10);
    CHECK_INT(s.n, ==, 5);
    CHECK(s.valid && s.in_shard);
    static const char *const names[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5 && i < s.n; i++) {
        CHECK_INT(s.row[i], ==, i + 2); /* the header is row 1 */
        CHECK_STR(s.name[i], names[i]);
    }
    /* on_row may be NULL: same plan. */
    struct plan q;
    CHECK_INT(scan(csv, NULL, &q, &l, NULL), ==, 0);
    CHECK_INT(q.rows, ==, 5);
    CHECK_INT(q.instances, ==, 20);
    CHECK_INT(q.nregions, ==, 3);
}

/* A header and no rows; and the plan is filled afresh, whatever the struct held before. */
static void test_empty_job(void)
{
    struct plan p;
    memset(&p, 0x5a, sizeof(p));
    struct lines l;
    struct seen s;
    CHECK_INT(scan(HDR "\n", NULL, &p, &l, &s), ==, 0);
    CHECK_INT(p.rows, ==, 0);
    CHECK_INT(p.instances, ==, 0);
    CHECK_INT(p.problems, ==, 0);
    CHECK_INT(p.nregions, ==, 0);
    CHECK_INT(p.other_rows, ==, 0);
    CHECK_INT(p.other_shards, ==, 0);
    CHECK_INT(s.n, ==, 0);
}

/* Rows without a regionId count under --region's; a quoted multi-line cell is one row. */
static void test_default_region(void)
{
    struct plan p;
    struct lines l;
    struct job_options o = {.default_region = "cn-east-2"};
    const char *csv =
        HDR "\n" ROW("", "a", "1") ROW("cn-north-1", "b", "2") ROW("", "\"c\nc\"", "3");
    CHECK_INT(scan(csv, &o, &p, &l, NULL), ==, 0);
    CHECK_INT(p.problems, ==, 0);
    CHECK_INT(p.rows, ==, 3);
    CHECK_INT(p.instances, ==, 6);
    CHECK_INT(p.nregions, ==, 2);
    check_region(&p, 0, "cn-east-2", 2, 4);
    check_region(&p, 1, "cn-north-1", 1, 2);
}

/* Blank lines are no rows: skipped, never reported. */
static void test_blank_lines(void)
{
    struct plan p;
    struct lines l;
    struct seen s;
    const char *csv =
        HDR "\r\n" ROW("cn-north-1", "a", "2") "\n\r\n" ROW("cn-north-1", "b", "1") "\n";
    CHECK_INT(scan(csv, NULL, &p, &l, &s), ==, 0);
    CHECK_INT(p.problems, ==, 0);
    CHECK_STR(l.text, "");
    CHECK_INT(p.rows, ==, 2);
    CHECK_INT(p.instances, ==, 3);
    CHECK_INT(s.n, ==, 2);
}

/* ---- Problems -------------------------------------------------------------------------------- */

/* Every problem is counted and passed on; invalid rows are data rows but add no instances, no
 * region and no on_row call. */
static void test_problems(void)
{
    struct plan p;
    struct lines l;
    struct seen s;
    const char *csv = HDR ",bandwidth\n"
                          "cn-north-1,az-1,cps.c.normal,standard,os,r1,r10,basic,a,Passw0rd!,2,\n"
                          "cn-west-9,az-1,cps.c.normal,standard,os,r1,r10,basic,b,Passw0rd!,0,300\n"
                          "cn-north-1,az-1,cps.c.normal,standard,os,r1,r10,basic,c,Passw0rd!,x,\n"
                          "cn-north-1,az-1,cps.c.normal,standard,os,r1,r10,basic,d,Passw0rd!,3,\n"
                          "cn-south-1,az-1,cps.c.normal,standard,os,r1,r10,basic,e,Passw0rd!,4\n";
    CHECK_INT(scan(csv, NULL, &p, &l, &s), ==, 0);
    CHECK_INT(p.rows, ==, 5);
    CHECK_INT(p.problems, ==, 4);
    CHECK_INT(l.n, ==, 4);
    CHECK_STR(l.text, "JOB:3:count: must be at least 1, got 0\n"
                      "JOB:3:bandwidth: must be 1..200 (Mbps), got 300\n"
                      "JOB:4:count: must be a whole number, got 'x'\n"
                      "JOB:6: has 11 fields, the header has 12\n");
    CHECK_INT(p.instances, ==, 5);
    CHECK_INT(p.nregions, ==, 1); /* cn-west-9 and cn-south-1 were only in invalid rows */
    check_region(&p, 0, "cn-north-1", 2, 5);
    CHECK_INT(s.n, ==, 2);
    CHECK(s.valid);
    CHECK_STR(s.name[0], "a");
    CHECK_STR(s.name[1], "d");
    CHECK_INT(s.row[1], ==, 5);
}

/* A malformed record is reported and counted, and the rows before it are planned. */
static void test_malformed(void)
{
    struct plan p;
    struct lines l;
    const char *csv = HDR "\n" ROW("cn-north-1", "a", "2") ROW("cn-north-1", "\"b", "1");
    scan(csv, NULL, &p, &l, NULL);
    CHECK_INT(p.problems, >=, 1);
    CHECK_INT(p.problems, ==, l.n);
    CHECK(strstr(l.text, "JOB:3: unterminated quoted field\n") != NULL);
    CHECK_INT(p.instances, ==, 2);
}

/* The file cannot be opened, or its header is wrong: an error, and nothing planned. */
static void test_errors(void)
{
    struct plan p;
    struct lines l = {0};
    struct job_options o = {.path = "/nonexistent/dir/jobs.csv"};
    errno = 0;
    CHECK_INT(plan_scan(&o, lines_collect, &l, NULL, NULL, &p), ==, ERR_IO);
    CHECK_INT(errno, ==, ENOENT);
    CHECK_INT(p.rows, ==, 0);

    struct seen s;
    CHECK_INT(scan(HDR ",bandwith\n" ROW("cn-north-1", "a", "1"), NULL, &p, &l, &s), ==,
              ERR_INVALID);
    CHECK_STR(l.text, "JOB:1:bandwith: unknown column (did you mean 'bandwidth'?)\n");
    CHECK_INT(p.problems, ==, 1);
    CHECK_INT(p.rows, ==, 0);
    CHECK_INT(p.instances, ==, 0);
    CHECK_INT(s.n, ==, 0);

    CHECK_INT(scan("", NULL, &p, &l, &s), ==, ERR_INVALID);
    CHECK_INT(p.problems, ==, 1);
    CHECK_STR(l.text, "JOB:1: empty file: no header row\n");

    /* A malformed header: the CSV cannot be read at all. */
    CHECK_INT(scan("\"regionId,az\n", NULL, &p, &l, &s), ==, ERR_PARSE);
    CHECK_INT(p.problems, ==, 1);
    CHECK_STR(l.text, "JOB:1: unterminated quoted field\n");
    CHECK_INT(s.n, ==, 0);

    /* No regionId column and no --region: every missing column reported, nothing read. */
    CHECK_INT(scan("az,name\n"
                   "a,b\n",
                   NULL, &p, &l, &s),
              ==, ERR_INVALID);
    CHECK_INT(p.problems, ==, l.n);
    CHECK_INT(p.problems, >, 1);
    CHECK(strstr(l.text, "missing required column 'regionId' (or give --region)") != NULL);
    CHECK_INT(s.n, ==, 0);
}

/* ---- Regions past PLAN_REGIONS --------------------------------------------------------------- */

static void test_many_regions(void)
{
    static char csv[8192];
    snprintf(csv, sizeof(csv), "%s\n", HDR);
    /* PLAN_REGIONS + 2 regions; the first and the two beyond appear twice. */
    int order[PLAN_REGIONS + 5], n = 0;
    for (int i = 0; i < PLAN_REGIONS + 2; i++)
        order[n++] = i;
    order[n++] = 0;
    order[n++] = PLAN_REGIONS;
    order[n++] = PLAN_REGIONS + 1;
    for (int i = 0; i < n; i++) {
        size_t used = strlen(csv);
        snprintf(csv + used, sizeof(csv) - used,
                 "rg-%02d,az-1,cps.c.normal,standard,os,r1,r10,basic,n%d,Passw0rd!,%d\n", order[i],
                 i, order[i] + 1);
    }
    struct plan p;
    struct lines l;
    CHECK_INT(scan(csv, NULL, &p, &l, NULL), ==, 0);
    CHECK_INT(p.problems, ==, 0);
    CHECK_INT(p.rows, ==, n);
    CHECK_INT(p.nregions, ==, PLAN_REGIONS);
    CHECK_INT(p.other_rows, ==, 4);
    check_region(&p, 0, "rg-00", 2, 2);
    check_region(&p, PLAN_REGIONS - 1, "rg-15", 1, PLAN_REGIONS);
    /* Instances count every valid row, the regions beyond included. */
    long long want = 0;
    for (int i = 0; i < n; i++)
        want += order[i] + 1;
    CHECK_INT(p.instances, ==, want);
    long long in_regions = 0;
    long rows_in_regions = 0;
    for (size_t i = 0; i < p.nregions; i++) {
        in_regions += p.regions[i].instances;
        rows_in_regions += p.regions[i].rows;
    }
    CHECK_INT(rows_in_regions + p.other_rows, ==, p.rows);
    CHECK_INT(in_regions, ==, want - 2 * (PLAN_REGIONS + 1) - 2 * (PLAN_REGIONS + 2));
}

/* ---- Shares ---------------------------------------------------------------------------------- */

/* Each share plans its own valid rows; the others are counted as other_shards; problems are
 * reported in every share's scan; the shares add up to the whole job. */
static void test_shards(void)
{
    static char csv[8192];
    snprintf(csv, sizeof(csv), "%s\n", HDR);
    const int nrows = 30;
    long long total = 0;
    for (int i = 0; i < nrows; i++) {
        size_t used = strlen(csv);
        snprintf(csv + used, sizeof(csv) - used,
                 "%s,az-1,cps.c.normal,standard,os,r1,r10,basic,s%02d,Passw0rd!,%d\n",
                 i % 3 ? "cn-north-1" : "cn-east-2", i, i % 4 + 1);
        total += i % 4 + 1;
    }
    size_t used = strlen(csv);
    snprintf(csv + used, sizeof(csv) - used, "%s",
             "cn-north-1,az-1,cps.c.normal,standard,os,r1,r10,basic,bad,Passw0rd!,0\n");
    struct plan whole;
    struct lines l;
    CHECK_INT(scan(csv, NULL, &whole, &l, NULL), ==, 0);
    CHECK_INT(whole.instances, ==, total);
    CHECK_INT(whole.problems, ==, 1);

    const unsigned n = 3;
    long rows = 0, in_shard = 0;
    long long instances = 0, north = 0;
    bool seen_name[64] = {false};
    int seen_twice = 0;
    for (unsigned k = 1; k <= n; k++) {
        struct plan p;
        struct seen s;
        struct job_options o = {.shard_k = k, .shard_n = n};
        CHECK_INT(scan(csv, &o, &p, &l, &s), ==, 0);
        CHECK_INT(p.rows, ==, nrows + 1);
        CHECK_INT(p.problems, ==, 1);
        CHECK_STR(l.text, "JOB:32:count: must be at least 1, got 0\n");
        CHECK_INT(s.n + p.other_shards, ==, nrows);
        CHECK(s.n == 0 || s.in_shard);
        CHECK_INT(s.n, >, 0); /* a split, not everything in one share */
        CHECK_INT(s.n, <, nrows);
        for (int i = 0; i < s.n && i < SEEN_MAX; i++) {
            int idx = atoi(s.name[i] + 1);
            seen_twice += seen_name[idx];
            seen_name[idx] = true;
        }
        long region_rows = 0;
        for (size_t i = 0; i < p.nregions; i++) {
            region_rows += p.regions[i].rows;
            if (strcmp(p.regions[i].name, "cn-north-1") == 0)
                north += p.regions[i].instances;
        }
        CHECK_INT(region_rows, ==, s.n);
        rows = p.rows;
        in_shard += s.n;
        instances += p.instances;
    }
    CHECK_INT(rows, ==, nrows + 1);
    CHECK_INT(in_shard, ==, nrows);
    CHECK_INT(seen_twice, ==, 0);
    CHECK_INT(instances, ==, total);
    for (size_t i = 0; i < whole.nregions; i++) {
        if (strcmp(whole.regions[i].name, "cn-north-1") == 0)
            CHECK_INT(north, ==, whole.regions[i].instances);
    }
}

/* ---- The totals line ------------------------------------------------------------------------- */

/* What plan_print writes for p, NUL-terminated in buf. */
static void print_to(const struct plan *p, char *buf, size_t len)
{
    FILE *f = tmpfile();
    CHECK(f != NULL);
    buf[0] = '\0';
    if (!f)
        return;
    plan_print(p, f);
    rewind(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* "10 rows, 14 instances in 3 regions: cn-north-1 (6 rows, 8 instances), ..." as plan.h shows
 * it: the totals, then each region with its rows and instances, on one line. */
static void test_print(void)
{
    struct plan p = {.rows = 10, .instances = 14, .nregions = 3};
    static const struct {
        const char *name;
        long rows;
        long long instances;
    } regions[] = {{"cn-north-1", 6, 8}, {"cn-east-2", 3, 5}, {"cn-south-1", 1, 1}};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p.regions[i].name, sizeof(p.regions[i].name), "%s", regions[i].name);
        p.regions[i].rows = regions[i].rows;
        p.regions[i].instances = regions[i].instances;
    }
    char out[1024];
    print_to(&p, out, sizeof(out));
    CHECK(strncmp(out, "10 rows, 14 instances", 21) == 0);
    const char *north = strstr(out, "cn-north-1 (6 rows, 8 instances), ");
    const char *east = strstr(out, "cn-east-2 (3 rows, 5 instances), ");
    const char *south = strstr(out, "cn-south-1 (1 row, 1 instance)");
    CHECK(north != NULL);
    CHECK(east != NULL);
    CHECK(south != NULL);
    CHECK(north && east && south && north < east && east < south);
    size_t len = strlen(out);
    CHECK(len > 0 && out[len - 1] == '\n');
    CHECK(strchr(out, '\n') == out + len - 1);

    struct plan one = {.rows = 1, .instances = 1, .nregions = 1};
    snprintf(one.regions[0].name, sizeof(one.regions[0].name), "cn-east-2");
    one.regions[0].rows = 1;
    one.regions[0].instances = 1;
    print_to(&one, out, sizeof(out));
    CHECK(strncmp(out, "1 row, 1 instance", 17) == 0);
    CHECK(strstr(out, "cn-east-2 (1 row, 1 instance)") != NULL);

    struct plan none = {0};
    print_to(&none, out, sizeof(out));
    CHECK_STR(out, "0 rows, 0 instances\n");

    /* the separator when not a comma, the empty rows when any */
    none.separator = ',';
    none.empty_rows = 1;
    print_to(&none, out, sizeof(out));
    CHECK_STR(out, "0 rows, 0 instances; 1 empty row skipped\n");
    none.separator = '\t';
    none.empty_rows = 0;
    print_to(&none, out, sizeof(out));
    CHECK_STR(out, "0 rows, 0 instances; separated by tab\n");
}

/* plan_scan counts the empty rows and keeps the separator. */
static void test_empty_rows_and_separator(void)
{
    struct plan p;
    struct lines l;
    char csv[512];
    snprintf(csv, sizeof(csv), "%s", HDR "\n;;;\n" ROW("cn-north-1", "a", "1") " ; \n");
    for (char *c = csv; (c = strchr(c, ',')) != NULL;)
        *c = ';';
    CHECK_INT(scan(csv, NULL, &p, &l, NULL), ==, 0);
    CHECK_INT(p.rows, ==, 1);
    CHECK_INT(p.empty_rows, ==, 2);
    CHECK_INT(p.separator, ==, ';');
    CHECK_INT(l.n, ==, 0);
}

int main(void)
{
    test_empty_rows_and_separator();
    test_totals();
    test_empty_job();
    test_default_region();
    test_blank_lines();
    test_problems();
    test_malformed();
    test_errors();
    test_many_regions();
    test_shards();
    test_print();
    return check_done();
}
