/* Unit tests for job: header mapping, every problem reported with its place, tokens. */
#include "../../src/err.h"
#include "../../src/job.h"
#include "check.h"
#include "tmpfile.h"

#define HDR "regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId,networkType,"   \
            "name,password,count"
#define ROW(name, count) "cn-north-1,cn-north-1a,cps.c.normal,standard,os,r1,r10,basic," name       \
                         ",Passw0rd!," count

struct lines {
    int n;
    char text[4096];
};

static void collect(void *ctx, const char *line)
{
    struct lines *l = ctx;
    l->n++;
    size_t used = strlen(l->text);
    snprintf(l->text + used, sizeof(l->text) - used, "%s\n", line);
}

static const unsigned char salt[32] = {7};

/* Read the whole CSV text; tokens of valid rows go to tokens[] (up to 8). */
static int run_job(const char *csv, const struct job_options *base, struct lines *out,
                   char tokens[][TOKEN_LEN + 1], long *rows)
{
    char path[64];
    tmpfile_write(path, csv, strlen(csv));
    struct job_options o = base ? *base : (struct job_options){0};
    o.path = path;
    o.salt = salt;
    o.salt_len = sizeof(salt);
    memset(out, 0, sizeof(*out));
    struct job *j;
    int rc = job_open(&o, collect, out, &j);
    if (rc == 0) {
        struct job_row r = {0};
        int i = 0;
        while ((rc = job_next(j, &r)) == 1) {
            if (tokens && i < 8)
                strcpy(tokens[i++], r.token);
        }
        job_row_release(&r);
        if (rows)
            *rows = job_rows(j);
        job_close(j);
    }
    remove(path);
    /* Make messages independent of the temporary name. */
    for (char *p; (p = strstr(out->text, path));)
        memmove(p + 3, p + strlen(path), strlen(p + strlen(path)) + 1), memcpy(p, "JOB", 3);
    return rc;
}

static void test_header(void)
{
    struct lines l;
    CHECK_INT(run_job(" RegionID ,AZ,devicetype,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId,"
                      "networkType,name,password,count,#notes\n" ROW("a", "1") "\n",
                      NULL, &l, NULL, NULL), ==, 0);
    CHECK_INT(l.n, ==, 1); /* the ragged row: 11 fields for 12 columns */
    CHECK_STR(l.text, "JOB:2: has 11 fields, the header has 12\n");
    CHECK_INT(run_job(HDR ",bandwith,count\n", NULL, &l, NULL, NULL), ==, ERR_INVALID);
    CHECK_STR(l.text, "JOB:1:bandwith: unknown column (did you mean 'bandwidth'?)\n"
                      "JOB:1:count: column given twice (columns 11 and 13)\n");
    CHECK_INT(run_job("az,name\n", NULL, &l, NULL, NULL), ==, ERR_INVALID);
    CHECK(strstr(l.text, "JOB:1: missing required column 'regionId' (or give --region)\n"));
    CHECK(strstr(l.text, "JOB:1: missing required column 'dataRaidTypeId'\n"));
    CHECK_INT(l.n, ==, 9);
    CHECK_INT(run_job("", NULL, &l, NULL, NULL), ==, ERR_INVALID);
    CHECK_STR(l.text, "JOB:1: empty file: no header row\n");
}

static void test_all_problems_reported(void)
{
    struct lines l;
    long rows = 0;
    run_job(HDR ",bandwidth,\n" ROW("a", "0") ",,\n" ROW("b", "x") ",300,\n" ROW("c", "1") ",,z\n"
                "\"unterminated\n",
            NULL, &l, NULL, &rows);
    CHECK_STR(l.text, "JOB:2:count: must be at least 1, got 0\n"
                      "JOB:3:count: must be a whole number, got 'x'\n"
                      "JOB:3:bandwidth: must be 1..200 (Mbps), got 300\n"
                      "JOB:4: column 13 has a value but no header\n"
                      "JOB:5: unterminated quoted field\n");
    CHECK_INT(rows, ==, 3);
}

static void test_defaults(void)
{
    struct lines l;
    const char *csv = "az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId,networkType,"
                      "name,count,regionId\na,d,standard,o,r,r,basic,n,1,\n";
    struct job_options o = {.default_region = "cn-east-2", .password = "Shared#Pass1"};
    char tok[8][TOKEN_LEN + 1];
    CHECK_INT(run_job(csv, &o, &l, tok, NULL), ==, 0);
    CHECK_INT(l.n, ==, 0);
    o.default_region = NULL;
    run_job(csv, &o, &l, NULL, NULL);
    CHECK_STR(l.text, "JOB:2:regionId: required: fill the regionId column or give --region\n");
}

static void test_tokens(void)
{
    struct lines l;
    char t1[8][TOKEN_LEN + 1], t2[8][TOKEN_LEN + 1];
    run_job(HDR "\n" ROW("a", "1") "\n" ROW("b", "1") "\n" ROW("a", "1") "\n", NULL, &l, t1,
            NULL);
    CHECK(strcmp(t1[0], t1[1]) != 0);
    CHECK(strcmp(t1[0], t1[2]) != 0); /* identical rows: distinct tokens */
    /* Rows moved, one added in front, one edited: unchanged rows keep their tokens. */
    run_job(HDR "\n" ROW("z", "1") "\n" ROW("b", "1") "\n" ROW("a", "1") "\n" ROW("a", "2") "\n",
            NULL, &l, t2, NULL);
    CHECK_STR(t2[1], t1[1]);
    CHECK_STR(t2[2], t1[0]);
    CHECK(strcmp(t2[3], t1[2]) != 0);
    /* The password alone changed: same token. */
    run_job(HDR "\ncn-north-1,cn-north-1a,cps.c.normal,standard,os,r1,r10,basic,a,Other#Pw12,1\n",
            NULL, &l, t2, NULL);
    CHECK_STR(t2[0], t1[0]);
    /* Given tokens are used as they are, and must be unique. */
    run_job(HDR ",clientToken\n" ROW("a", "1") ",tok-1\n" ROW("b", "1") ",tok-1\n", NULL, &l, t2,
            NULL);
    CHECK_STR(t2[0], "tok-1");
    CHECK_STR(l.text, "JOB:3:clientToken: 'tok-1' is already used in row 2\n");
}

int main(void)
{
    test_header();
    test_all_problems_reported();
    test_defaults();
    test_tokens();
    return check_done();
}
