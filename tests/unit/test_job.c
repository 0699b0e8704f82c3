/* Unit tests for job: header mapping, every problem reported with its place, tokens. */
#include "err.h"
#include "job.h"
#include "check.h"
#include "lines.h"
#include "tmpfile.h"

#define HDR                                                                                        \
    "regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId,networkType,"          \
    "name,password,count"
#define ROW(name, count)                                                                           \
    "cn-north-1,cn-north-1a,cps.c.normal,standard,os,r1,r10,basic," name ",Passw0rd!," count

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
    int rc = job_open(&o, lines_collect, out, &j);
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
                      NULL, &l, NULL, NULL),
              ==, 0);
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
    run_job(HDR ",bandwidth,\n" ROW("a", "0") ",,\n" ROW("b", "x") ",300,\n" ROW(
                "c", "1") ",,z\n"
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
    run_job(HDR "\n" ROW("a", "1") "\n" ROW("b", "1") "\n" ROW("a", "1") "\n", NULL, &l, t1, NULL);
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

#define SHARD_ROWS 40

/* Which rows (by name: r00..r39) shard k of n holds; with or without a salt. Returns how many
 * valid rows the job had. */
static int shard_members(const char *csv, unsigned k, unsigned n, bool salted, bool in[SHARD_ROWS])
{
    char path[64];
    tmpfile_write(path, csv, strlen(csv));
    struct job_options o = {.path = path, .shard_k = k, .shard_n = n};
    if (salted) {
        o.salt = salt;
        o.salt_len = sizeof(salt);
    }
    struct lines l = {0};
    struct job *j;
    int valid = 0;
    memset(in, 0, SHARD_ROWS * sizeof(bool));
    if (job_open(&o, lines_collect, &l, &j) == 0) {
        struct job_row r = {0};
        while (job_next(j, &r) == 1) {
            int i = atoi(r.spec.str[FIELD_NAME] + 1);
            valid += r.valid;
            if (r.valid && r.in_shard && i >= 0 && i < SHARD_ROWS)
                in[i] = true;
        }
        job_row_release(&r);
        job_close(j);
    }
    remove(path);
    return valid;
}

/* --shard K/N: every valid row is in exactly one shard, whatever the salt (there is none yet on
 * the first run) and wherever the row moves; rows with a given token are split by it. */
static void test_shards(void)
{
    char fwd[8192] = HDR ",clientToken\n", rev[8192] = HDR ",clientToken\n";
    char rows[SHARD_ROWS][160];
    for (int i = 0; i < SHARD_ROWS; i++) /* every 4th row gives its own token */
        snprintf(rows[i], sizeof(rows[i]), ROW("r%02d", "1") ",%s%.0d\n", i,
                 i % 4 == 1 ? "tok-" : "", i % 4 == 1 ? i : 0);
    for (int i = 0; i < SHARD_ROWS; i++) {
        strcat(fwd, rows[i]);
        strcat(rev, rows[SHARD_ROWS - 1 - i]);
    }
    bool in[4][SHARD_ROWS], moved[SHARD_ROWS], unsalted[SHARD_ROWS];
    int owners[SHARD_ROWS] = {0}, lost = 0, differ = 0, sizes[4] = {0};
    for (unsigned k = 1; k <= 3; k++) {
        CHECK_INT(shard_members(fwd, k, 3, true, in[k]), ==, SHARD_ROWS);
        shard_members(rev, k, 3, true, moved);
        shard_members(fwd, k, 3, false, unsalted);
        for (int i = 0; i < SHARD_ROWS; i++) {
            owners[i] += in[k][i];
            sizes[k] += in[k][i];
            differ += moved[i] != in[k][i] || unsalted[i] != in[k][i];
        }
    }
    for (int i = 0; i < SHARD_ROWS; i++)
        lost += owners[i] != 1;
    CHECK_INT(lost, ==, 0);
    CHECK_INT(differ, ==, 0);
    for (unsigned k = 1; k <= 3; k++) /* a split, not everything in one share */
        CHECK_INT(sizes[k], >=, 5);
    /* Without sharding every valid row is in. */
    CHECK_INT(shard_members(fwd, 0, 0, true, moved), ==, SHARD_ROWS);
    int all = 0;
    for (int i = 0; i < SHARD_ROWS; i++)
        all += moved[i];
    CHECK_INT(all, ==, SHARD_ROWS);
}

/* Cells that are not UTF-8: the first reported with a hint, the rest counted at the end; the
 * rows stay invalid. */
static void test_text(void)
{
    struct lines l;
    long rows = 0;
    /* "中文" in GBK in the name column of row 2 and row 4, Latin-1 "é" in row 3 */
    CHECK_INT(run_job(HDR "\n" ROW("\xD6\xD0\xCE\xC4", "1") "\n" ROW("caf\xE9", "1") "\n" ROW(
                          "\xD6\xD0", "1") "\n" ROW("ok", "1") "\n",
                      NULL, &l, NULL, &rows),
              ==, 0);
    CHECK_STR(l.text, "JOB:2:name: not valid UTF-8; the bytes read as GBK/GB18030: save the file "
                      "as \"CSV UTF-8\" or give --encoding gb18030\n"
                      "JOB: 2 more cells are not valid UTF-8 (only the first is shown)\n");
    CHECK_INT(rows, ==, 4);
    run_job(HDR "\n" ROW("caf\xE9,", "1") "\n", NULL, &l, NULL, NULL);
    CHECK_STR(l.text, "JOB:2:name: not valid UTF-8: save the file as \"CSV UTF-8\", or give its "
                      "encoding with --encoding (e.g. --encoding latin1)\n"
                      "JOB:2: has 12 fields, the header has 11\n");
    static const char nul[] = HDR "\n" ROW("a\0b", "1") "\n";
    char path[64];
    tmpfile_write(path, nul, sizeof(nul) - 1);
    struct job_options o = {.path = path};
    struct job *j;
    struct job_row r = {0};
    memset(&l, 0, sizeof(l));
    CHECK_INT(job_open(&o, lines_collect, &l, &j), ==, 0);
    CHECK_INT(job_next(j, &r), ==, 1);
    CHECK(!r.valid);
    CHECK(strstr(l.text, ":2:name: not valid UTF-8: a NUL byte (a UTF-16 file without a "
                         "byte-order mark? give --encoding utf-16le)\n"));
    job_row_release(&r);
    job_close(j);
    remove(path);
    /* the same bytes with --encoding: all valid */
    CHECK_INT(run_job(HDR "\n" ROW("\xD6\xD0\xCE\xC4", "1") "\n",
                      &(struct job_options){.encoding = "gb18030"}, &l, NULL, &rows),
              ==, 0);
    CHECK_INT(l.n, ==, 0);
    run_job(HDR "\n", &(struct job_options){.encoding = "klingon"}, &l, NULL, NULL);
    CHECK_STR(l.text, "JOB: unknown encoding 'klingon' (iconv --list names the known ones)\n");
}

/* Rows of empty cells are skipped and counted; the rows after keep their numbers. */
static void test_empty_rows(void)
{
    char path[64];
    static const char csv[] =
        HDR "\n,,,,,,,,,,\n" ROW("a", "x") "\n ,\t, ,,,,,,,,\n\n,,\n" ROW("b", "0") "\n";
    tmpfile_write(path, csv, sizeof(csv) - 1);
    struct job_options o = {.path = path};
    struct lines l = {0};
    struct job *j;
    struct job_row r = {0};
    long seen[4] = {0};
    int n = 0;
    CHECK_INT(job_open(&o, lines_collect, &l, &j), ==, 0);
    while (job_next(j, &r) == 1 && n < 4)
        seen[n++] = r.row;
    CHECK_INT(n, ==, 2);
    CHECK_INT(seen[0], ==, 3);
    CHECK_INT(seen[1], ==, 6); /* the blank line is no row; ",,,," rows are */
    CHECK_INT(job_rows(j), ==, 2);
    CHECK_INT(job_empty_rows(j), ==, 3);
    CHECK(strstr(l.text, ":3:count: must be a whole number, got 'x'\n"));
    CHECK(strstr(l.text, ":6:count: must be at least 1, got 0\n"));
    CHECK_INT(l.n, ==, 2);
    job_row_release(&r);
    job_close(j);
    remove(path);
}

/* A forced separator the header does not fit: said so. */
static void test_separator_hint(void)
{
    struct lines l;
    char semi[sizeof(HDR)];
    strcpy(semi, HDR);
    for (char *p = semi; (p = strchr(p, ',')) != NULL;)
        *p = ';';
    struct job_options o = {.delimiter = ','};
    CHECK_INT(run_job(semi, &o, &l, NULL, NULL), ==, ERR_INVALID);
    CHECK(strstr(l.text, "JOB:1: the header reads as column names when separated by ';', not by "
                         "',': give --delimiter ';' (or leave --delimiter out)\n"));
    o.delimiter = 0;
    CHECK_INT(run_job(semi, &o, &l, NULL, NULL), ==, 0);
    CHECK_INT(l.n, ==, 0);
}

/* A value echoed in a message is never the row's password: not the password cell's value
 * (here in a cell whose rules echo it), and not a value that would pass as a password (a
 * column swapped with the password's). Values that could not be one still show. */
static void test_password_never_echoed(void)
{
    struct lines l;
    CHECK_INT(run_job(HDR "\n"
                          "cn-north-1,cn-north-1a,cps.c.normal,standard,os,r1,r10,basic,a,"
                          "Passw0rd!,Passw0rd!\n"
                          "cn-north-1,cn-north-1a,cps.c.normal,standard,os,r1,r10,basic,a,"
                          "1,Secret#Pass1\n"
                          "cn-north-1,cn-north-1a,cps.c.normal,standard,os,r1,r10,BGPX,a,"
                          "Passw0rd!,many\n",
                      NULL, &l, NULL, NULL),
              ==, 0);
    CHECK(strstr(l.text, "Passw0rd!") == NULL);
    CHECK(strstr(l.text, "Secret#Pass1") == NULL);
    CHECK(strstr(l.text, "JOB:2:count: must be a whole number, got '********'\n") != NULL);
    CHECK(strstr(l.text, "JOB:3:count: must be a whole number, got '********'\n") != NULL);
    CHECK(strstr(l.text, "got 'many'") != NULL); /* could not be a password: shown */
    CHECK(strstr(l.text, "got 'BGPX'") != NULL);
    struct job_options shared = {.password = "Shared#Pass1"};
    CHECK_INT(run_job("regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId,"
                      "networkType,name,count\n"
                      "cn-north-1,cn-north-1a,cps.c.normal,standard,os,r1,r10,basic,a,"
                      "x Shared#Pass1\n",
                      &shared, &l, NULL, NULL),
              ==, 0);
    CHECK(strstr(l.text, "Shared#Pass1") == NULL);
    CHECK(strstr(l.text, "got 'x ********'") != NULL);
}

int main(void)
{
    test_text();
    test_password_never_echoed();
    test_empty_rows();
    test_separator_hint();
    test_header();
    test_all_problems_reported();
    test_defaults();
    test_tokens();
    test_shards();
    return check_done();
}
