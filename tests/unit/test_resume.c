/* test_resume.c - what a rerun does with each row (ledger/resume.h), against real ledger files
 * built through ledger.h in a fresh directory: every line of the header's table, for derived
 * and given tokens, with retry_failed off and on, the last record winning, the same answers
 * after a replay from disk (fast path, jansson, read-only), the counts, which actions send, and
 * a job read from CSV whose rows are then done, in doubt, edited or given a clashing token. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "job.h"
#include "ledger.h"
#include "resume.h"
#include "tmpfile.h"

static char dir[256];
static unsigned char salt[LEDGER_SALT_LEN];
static unsigned char spec_a[32], spec_b[32]; /* the recorded request, and another one */

static const char *const action_names[] = {"NEW",         "IN_DOUBT",     "SKIP_DONE",
                                           "SKIP_FAILED", "RETRY_FAILED", "CONFLICT"};

/* ---- Helpers --------------------------------------------------------------------------------- */

static const char *path_of(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
    return buf[k];
}

static struct ledger *create(const char *name)
{
    struct ledger_batch b = {"jobs.csv", "", "https://cps.example.com", salt, NULL};
    struct ledger *l = NULL;
    struct ledger_diag d;
    int rc = ledger_open(path_of(name), &b, NULL, &l, &d);
    CHECK_INT(rc, ==, 0);
    if (rc)
        fprintf(stderr, "  %s\n", d.msg);
    return rc ? NULL : l;
}

/* A valid row of the job as resume sees it: its token and its request's digest. */
static struct job_row row_of(const char *token, const unsigned char digest[32], bool given)
{
    struct job_row r = {.row = 2, .valid = true, .token_given = given, .in_shard = true};
    snprintf(r.token, sizeof(r.token), "%s", token);
    memcpy(r.digest, digest, 32);
    return r;
}

/* resume_classify must give want; the case is named when it does not. */
static void expect_action(const struct ledger *l, const struct job_row *r, bool retry,
                          enum resume_action want, const char *where)
{
    enum resume_action got = resume_classify(l, r, retry);
    CHECK_INT(got, ==, want);
    if (got != want)
        fprintf(stderr, "  %s: token %s, %s digest, %s, retry_failed %d: want %s, got %s\n", where,
                r->token, memcmp(r->digest, spec_a, 32) ? "other" : "same",
                r->token_given ? "given" : "derived", retry, action_names[want],
                (unsigned)got < 6 ? action_names[got] : "?");
}

/* ---- The ledger of the table ----------------------------------------------------------------- */

/* One token per line of the table, and the histories that end in each state. */
static void fill(struct ledger *l)
{
    const char *one[] = {"cps-1"}, *two[] = {"cps-2", "cps-3"};
    CHECK_INT(ledger_append_intent(l, "t-intent", 2, spec_a), ==, 0);

    CHECK_INT(ledger_append_intent(l, "t-attempt", 3, spec_a), ==, 0);
    CHECK_INT(ledger_append_attempt(l, "t-attempt", 1, 503, "UNAVAILABLE", 800, NULL), ==, 0);

    CHECK_INT(ledger_append_intent(l, "t-done", 4, spec_a), ==, 0);
    CHECK_INT(ledger_append_done(l, "t-done", 4, two, 2, "req-1", 1), ==, 0);

    CHECK_INT(ledger_append_intent(l, "t-failed", 5, spec_a), ==, 0);
    CHECK_INT(ledger_append_failed(l, "t-failed", 5, 400, "INVALID_ARGUMENT", "no", "req-2"), ==,
              0);

    /* A failed row sent again (--retry-failed): its new intent wins. */
    CHECK_INT(ledger_append_intent(l, "t-refailed", 6, spec_a), ==, 0);
    CHECK_INT(ledger_append_failed(l, "t-refailed", 6, 500, NULL, NULL, NULL), ==, 0);
    CHECK_INT(ledger_append_intent(l, "t-refailed", 6, spec_a), ==, 0);

    /* ... and then done: done wins over the earlier failed. */
    CHECK_INT(ledger_append_intent(l, "t-redone", 7, spec_a), ==, 0);
    CHECK_INT(ledger_append_failed(l, "t-redone", 7, 409, "ABORTED", NULL, NULL), ==, 0);
    CHECK_INT(ledger_append_intent(l, "t-redone", 7, spec_a), ==, 0);
    CHECK_INT(ledger_append_done(l, "t-redone", 7, one, 1, NULL, 2), ==, 0);
}

/* The table of resume.h, on the ledger fill() made (live or replayed). */
static void check_table(const struct ledger *l, const char *where)
{
    static const struct {
        const char *token;
        enum resume_action plain, retry; /* retry_failed off, on */
    } cases[] = {
        {"t-never-seen", RESUME_NEW, RESUME_NEW},
        {"t-intent", RESUME_IN_DOUBT, RESUME_IN_DOUBT},
        {"t-attempt", RESUME_IN_DOUBT, RESUME_IN_DOUBT},
        {"t-done", RESUME_SKIP_DONE, RESUME_SKIP_DONE},
        {"t-failed", RESUME_SKIP_FAILED, RESUME_RETRY_FAILED},
        {"t-refailed", RESUME_IN_DOUBT, RESUME_IN_DOUBT},
        {"t-redone", RESUME_SKIP_DONE, RESUME_SKIP_DONE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool seen = i > 0;
        for (int given = 0; given < 2; given++) {
            /* The same request: the state decides. */
            struct job_row r = row_of(cases[i].token, spec_a, given);
            expect_action(l, &r, false, cases[i].plain, where);
            expect_action(l, &r, true, cases[i].retry, where);
            /* Another request under the token: a given token the ledger saw is refused
             * whatever its state; a derived one cannot clash (an edited row derives a new
             * token), so the state still decides. */
            r = row_of(cases[i].token, spec_b, given);
            enum resume_action other = given && seen ? RESUME_CONFLICT : cases[i].plain;
            expect_action(l, &r, false, other, where);
            other = given && seen ? RESUME_CONFLICT : cases[i].retry;
            expect_action(l, &r, true, other, where);
        }
    }
}

static void test_table_live(void)
{
    struct ledger *l = create("table.jsonl");
    if (!l)
        return;
    fill(l);
    check_table(l, "live");
    CHECK_INT(ledger_close(l), ==, 0);
}

/* The same answers from the file: read-write and read-only opens, fast path and jansson. */
static void test_table_replayed(void)
{
    for (int ro = 0; ro < 2; ro++) {
        for (int jansson = 0; jansson < 2; jansson++) {
            struct ledger_options o = {.jansson_only = jansson};
            struct ledger *l = NULL;
            struct ledger_diag d;
            int rc = ro ? ledger_open_readonly(path_of("table.jsonl"), &o, &l, &d)
                        : ledger_open(path_of("table.jsonl"), NULL, &o, &l, &d);
            CHECK_INT(rc, ==, 0);
            if (rc) {
                fprintf(stderr, "  %s\n", d.msg);
                continue;
            }
            CHECK(!ledger_was_created(l));
            check_table(l, ro ? (jansson ? "read-only, jansson" : "read-only")
                              : (jansson ? "replayed, jansson" : "replayed"));
            ledger_close(l);
        }
    }
}

/* No ledger yet (a first run): every row is new, whatever it carries. */
static void test_first_run(void)
{
    for (int given = 0; given < 2; given++) {
        struct job_row r = row_of("t-done", spec_a, given);
        expect_action(NULL, &r, false, RESUME_NEW, "no ledger");
        expect_action(NULL, &r, true, RESUME_NEW, "no ledger");
    }
    /* An empty ledger (header only) says the same. */
    struct ledger *l = create("empty.jsonl");
    if (!l)
        return;
    struct job_row r = row_of("t-done", spec_a, true);
    expect_action(l, &r, false, RESUME_NEW, "empty ledger");
    r = row_of("", spec_a, false);
    expect_action(l, &r, false, RESUME_NEW, "empty ledger");
    ledger_close(l);
}

/* An edited row under a given token is refused even after the token came back in a later
 * record without a digest of its own (attempt, done): the intent's digest still counts. */
static void test_conflict_kept(void)
{
    struct ledger *l = create("kept.jsonl");
    if (!l)
        return;
    const char *ids[] = {"cps-9"};
    CHECK_INT(ledger_append_intent(l, "tok-1", 2, spec_a), ==, 0);
    CHECK_INT(ledger_append_attempt(l, "tok-1", 1, 0, NULL, 100, "timeout"), ==, 0);
    struct job_row r = row_of("tok-1", spec_b, true);
    expect_action(l, &r, false, RESUME_CONFLICT, "after an attempt");
    CHECK_INT(ledger_append_done(l, "tok-1", 2, ids, 1, NULL, 2), ==, 0);
    expect_action(l, &r, false, RESUME_CONFLICT, "after done");
    expect_action(l, &r, true, RESUME_CONFLICT, "after done");
    r = row_of("tok-1", spec_a, true);
    expect_action(l, &r, false, RESUME_SKIP_DONE, "after done");
    ledger_close(l);
}

/* ---- Counting and sending -------------------------------------------------------------------- */

static void test_sends(void)
{
    CHECK(resume_sends(RESUME_NEW));
    CHECK(resume_sends(RESUME_IN_DOUBT));
    CHECK(resume_sends(RESUME_RETRY_FAILED));
    CHECK(!resume_sends(RESUME_SKIP_DONE));
    CHECK(!resume_sends(RESUME_SKIP_FAILED));
    CHECK(!resume_sends(RESUME_CONFLICT));
}

/* Rows per action, and the instances of the rows already done (only those). */
static void test_counts(void)
{
    struct ledger *l = NULL;
    CHECK_INT(ledger_open_readonly(path_of("table.jsonl"), NULL, &l, NULL), ==, 0);
    if (!l)
        return;
    static const struct {
        const char *token;
        bool other, given;
    } rows[] = {
        {"t-new-1", false, false},  {"t-new-2", false, true},
        {"t-intent", false, false}, {"t-attempt", false, true},
        {"t-done", false, false},  /* 2 instances */
        {"t-redone", false, true}, /* 1 instance */
        {"t-failed", false, false}, {"t-refailed", false, false},
        {"t-done", true, true}, /* a conflict on a done token: not counted as done */
        {"t-failed", true, true},
    };
    struct resume_counts c = {0}, c_retry = {0};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct job_row r = row_of(rows[i].token, rows[i].other ? spec_b : spec_a, rows[i].given);
        resume_count(&c, l, &r, resume_classify(l, &r, false));
        resume_count(&c_retry, l, &r, resume_classify(l, &r, true));
    }
    CHECK_INT(c.actions[RESUME_NEW], ==, 2);
    CHECK_INT(c.actions[RESUME_IN_DOUBT], ==, 3);
    CHECK_INT(c.actions[RESUME_SKIP_DONE], ==, 2);
    CHECK_INT(c.actions[RESUME_SKIP_FAILED], ==, 1);
    CHECK_INT(c.actions[RESUME_RETRY_FAILED], ==, 0);
    CHECK_INT(c.actions[RESUME_CONFLICT], ==, 2);
    CHECK_INT(c.instances_done, ==, 3);
    CHECK_INT(c_retry.actions[RESUME_SKIP_FAILED], ==, 0);
    CHECK_INT(c_retry.actions[RESUME_RETRY_FAILED], ==, 1);
    CHECK_INT(c_retry.actions[RESUME_NEW], ==, 2);
    CHECK_INT(c_retry.actions[RESUME_CONFLICT], ==, 2);
    CHECK_INT(c_retry.instances_done, ==, 3);
    /* Counting adds to what is there. */
    struct job_row r = row_of("t-done", spec_a, false);
    resume_count(&c, l, &r, RESUME_SKIP_DONE);
    CHECK_INT(c.actions[RESUME_SKIP_DONE], ==, 3);
    CHECK_INT(c.instances_done, ==, 5);
    ledger_close(l);
}

/* ---- A job read from CSV --------------------------------------------------------------------- */

#define HDR                                                                                        \
    "regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId,networkType,name,"     \
    "password,count"
#define ROW(name, count)                                                                           \
    "cn-north-1,cn-north-1a,cps.c.normal,standard,os,r1,r10,basic," name ",Passw0rd!," count "\n"

#define MAX_ROWS 8

static void no_problem(void *ctx, const char *line)
{
    (void)ctx;
    CHECK_STR(line, "(no problem expected)");
}

/* The valid rows of csv (up to MAX_ROWS) read with the ledger's salt. Returns how many. */
static int read_rows(const char *csv, const struct ledger *l, struct job_row out[MAX_ROWS])
{
    char path[64];
    int wrote = tmpfile_write(path, csv, strlen(csv));
    CHECK_INT(wrote, ==, 0);
    if (wrote)
        return 0;
    struct job_options o = {.path = path, .salt = ledger_salt(l), .salt_len = LEDGER_SALT_LEN};
    struct job *j = NULL;
    int n = 0, rc = job_open(&o, no_problem, NULL, &j);
    CHECK_INT(rc, ==, 0);
    struct job_row r = {0};
    while (rc == 0 && job_next(j, &r) == 1) {
        CHECK(r.valid);
        if (n < MAX_ROWS) {
            out[n] = r;
            memset(&out[n].spec, 0, sizeof(out[n].spec)); /* borrowed: not kept */
            n++;
        }
    }
    job_row_release(&r);
    job_close(j);
    remove(path);
    return n;
}

/* Derived tokens: done and in-doubt rows are recognised on the rerun, a row never sent is new,
 * an edited row is new (its token changed), a moved row keeps its action. */
static void test_job_derived(void)
{
    struct ledger *l = create("job.jsonl");
    if (!l)
        return;
    struct job_row rows[MAX_ROWS], again[MAX_ROWS];
    int n = read_rows(HDR "\n" ROW("web-1", "2") ROW("web-2", "1") ROW("web-3", "1"), l, rows);
    CHECK_INT(n, ==, 3);
    if (n != 3)
        goto out_close;
    const char *ids[] = {"cps-a", "cps-b"};
    CHECK_INT(ledger_append_intent(l, rows[0].token, rows[0].row, rows[0].digest), ==, 0);
    CHECK_INT(ledger_append_done(l, rows[0].token, rows[0].row, ids, 2, "r", 1), ==, 0);
    CHECK_INT(ledger_append_intent(l, rows[1].token, rows[1].row, rows[1].digest), ==, 0);
    CHECK_INT(ledger_sync(l), ==, 0);

    /* The rerun, rows moved and web-3 edited (count 1 -> 3). */
    n = read_rows(HDR "\n" ROW("web-3", "3") ROW("web-2", "1") ROW("web-1", "2"), l, again);
    CHECK_INT(n, ==, 3);
    if (n != 3)
        goto out_close;
    CHECK_STR(again[2].token, rows[0].token);
    CHECK_STR(again[1].token, rows[1].token);
    CHECK(strcmp(again[0].token, rows[2].token) != 0);
    expect_action(l, &again[2], false, RESUME_SKIP_DONE, "csv web-1");
    expect_action(l, &again[1], false, RESUME_IN_DOUBT, "csv web-2");
    expect_action(l, &again[0], false, RESUME_NEW, "csv web-3 edited");
    expect_action(l, &rows[2], false, RESUME_NEW, "csv web-3 never sent");
    struct resume_counts c = {0};
    for (int i = 0; i < n; i++)
        resume_count(&c, l, &again[i], resume_classify(l, &again[i], false));
    CHECK_INT(c.instances_done, ==, 2);
    CHECK_INT(c.actions[RESUME_NEW] + c.actions[RESUME_IN_DOUBT], ==, 2);
out_close:
    ledger_close(l);
}

/* Given tokens: the same row resumes; the row edited under its token is refused. */
static void test_job_given(void)
{
    struct ledger *l = create("given.jsonl");
    if (!l)
        return;
    struct job_row rows[MAX_ROWS], again[MAX_ROWS];
    int n = read_rows(HDR ",clientToken\n"
                          "cn-north-1,cn-north-1a,cps.c.normal,standard,os,r1,"
                          "r10,basic,db-1,Passw0rd!,1,tok-db-1\n",
                      l, rows);
    CHECK_INT(n, ==, 1);
    if (n != 1)
        goto out_close;
    CHECK_STR(rows[0].token, "tok-db-1");
    CHECK(rows[0].token_given);
    CHECK_INT(ledger_append_intent(l, "tok-db-1", rows[0].row, rows[0].digest), ==, 0);
    expect_action(l, &rows[0], false, RESUME_IN_DOUBT, "given, unchanged");

    /* The password alone is not part of the request's identity: still the same row. */
    n = read_rows(HDR ",clientToken\n"
                      "cn-north-1,cn-north-1a,cps.c.normal,standard,os,r1,"
                      "r10,basic,db-1,Other#Pass9,1,tok-db-1\n",
                  l, again);
    CHECK_INT(n, ==, 1);
    if (n == 1)
        expect_action(l, &again[0], false, RESUME_IN_DOUBT, "given, new password");

    n = read_rows(HDR ",clientToken\n"
                      "cn-north-1,cn-north-1a,cps.c.normal,standard,os,r1,"
                      "r10,basic,db-1-renamed,Passw0rd!,1,tok-db-1\n",
                  l, again);
    CHECK_INT(n, ==, 1);
    if (n == 1) {
        CHECK_STR(again[0].token, "tok-db-1");
        expect_action(l, &again[0], false, RESUME_CONFLICT, "given, edited");
        expect_action(l, &again[0], true, RESUME_CONFLICT, "given, edited");
        CHECK(!resume_sends(resume_classify(l, &again[0], true)));
    }
out_close:
    ledger_close(l);
}

int main(void)
{
    if (tmpdir_make(dir, sizeof(dir), "test_resume"))
        return 1;
    for (int i = 0; i < 32; i++) {
        salt[i] = (unsigned char)(i * 5 + 3);
        spec_a[i] = (unsigned char)(i + 1);
        spec_b[i] = (unsigned char)(i + 1);
    }
    spec_b[31] ^= 1; /* differs in the last byte only */
    test_first_run();
    test_sends();
    test_table_live();
    test_table_replayed();
    test_conflict_kept();
    test_counts();
    test_job_derived();
    test_job_given();
    if (check_failed == 0) {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    return check_done();
}
