/* test_cliopt.c - the option table of every command: each kind of value, numbers and
 * durations refused with a message that names the option, repeated options, --help, operands,
 * getopt's own messages (unknown, ambiguous, missing value) and the hint after them. */
#include <stdarg.h>
#include <stdint.h>

#include "capture.h"
#include "check.h"
#include "cliopt.h"
#include "duration.h"
#include "err.h"
#include "jobcli.h"

static const char usage[] = "usage: cpsbatch test X [options]\n";
static const char try_hint[] = "Try 'cpsbatch test --help'.\n";

struct opts {
    bool set, cleared;
    const char *text, *output;
    double number;
    int trunc, whole;
    uint64_t count;
    int64_t duration_us;
    enum runview_progress progress;
    int customs;
    struct jobcli cli;
};

/* Counts its calls; refuses "bad". */
static bool take_custom(void *dest, const char *value)
{
    struct opts *o = dest;
    if (strcmp(value, "bad") == 0) {
        fputs("cpsbatch: --custom: bad\n", stderr);
        return false;
    }
    o->customs++;
    return true;
}

struct outcome {
    int rc;
    const char *operand;
    struct opts o;
    char out[CAPTURE_MAX], err[CAPTURE_MAX];
};

/* Parse "test" and the NULL-terminated arguments with the table below (hint h for both
 * kinds of usage error). */
static void parse_with(struct outcome *r, enum cliopt_hint h, const char *first, ...)
{
    static char store[32][256]; /* getopt may permute argv: copies, not the literals */
    char *argv[32] = {strcpy(store[0], "test")};
    int argc = 1;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *), argc++)
        argv[argc] = strcpy(store[argc], a);
    va_end(ap);
    memset(r, 0, sizeof(*r));
    r->o.cleared = true;
    struct opts *o = &r->o;
    const struct cliopt opts[] = {JOBCLI_OPTIONS(&o->cli),
                                  CLIOPT_SET("set", &o->set),
                                  CLIOPT_CLEAR("no-clear", &o->cleared),
                                  CLIOPT_STRING("text", &o->text),
                                  CLIOPT_STRING_SHORT("output", 'o', &o->output),
                                  CLIOPT_NUMBER("number", &o->number, 0, 10),
                                  CLIOPT_INT("trunc", &o->trunc, 1, 100),
                                  CLIOPT_WHOLE("whole", &o->whole, 1, 4096),
                                  CLIOPT_COUNT("count", &o->count, 1, 1e12),
                                  CLIOPT_DURATION("duration", &o->duration_us),
                                  CLIOPT_PROGRESS("progress", &o->progress),
                                  CLIOPT_CUSTOM("custom", o, take_custom)};
    const struct cliopt_command cmd = {.name = "test",
                                       .usage = usage,
                                       .opts = opts,
                                       .nopts = sizeof(opts) / sizeof(opts[0]),
                                       .bad_option = h,
                                       .bad_operands = h};
    struct capture out, err;
    capture_begin(&out, stdout);
    capture_begin(&err, stderr);
    r->rc = cliopt_parse(&cmd, argc, argv, &r->operand);
    strcpy(r->err, capture_end(&err));
    strcpy(r->out, capture_end(&out));
}

#define PARSE(r, ...) parse_with(r, CLIOPT_HINT_TRY, __VA_ARGS__, (const char *)NULL)

/* A refusal: ERR_INVALID, nothing on stdout, exactly want then the hint on stderr. */
static void check_refused(const struct outcome *r, const char *want)
{
    char expect[1024];
    snprintf(expect, sizeof(expect), "%s%s", want, try_hint);
    CHECK_INT(r->rc, ==, ERR_INVALID);
    CHECK_STR(r->err, expect);
    CHECK_STR(r->out, "");
}

static void test_every_kind(void)
{
    struct outcome r;
    PARSE(&r, "--set", "--no-clear", "--text", "hi", "-o", "f.txt", "--number", "2.5", "--trunc",
          "2.7", "--whole", "3", "--count", "1e3", "--duration", "500ms", "--progress", "never",
          "--custom", "x", "--region", "cn-east-2", "--profile", "p", "job.csv");
    CHECK_INT(r.rc, ==, 0);
    CHECK_STR(r.operand, "job.csv");
    CHECK(r.o.set && !r.o.cleared);
    CHECK_STR(r.o.text, "hi");
    CHECK_STR(r.o.output, "f.txt");
    CHECK_DBL(r.o.number, ==, 2.5);
    CHECK_INT(r.o.trunc, ==, 2); /* the fraction dropped, as run always did */
    CHECK_INT(r.o.whole, ==, 3);
    CHECK_INT(r.o.count, ==, 1000);
    CHECK_INT(r.o.duration_us, ==, 500000);
    CHECK_INT(r.o.progress, ==, RUNVIEW_NEVER);
    CHECK_INT(r.o.customs, ==, 1);
    CHECK_STR(r.o.cli.region, "cn-east-2");
    CHECK_STR(r.o.cli.profile, "p");
    CHECK_STR(r.err, "");
}

static void test_defaults_untouched(void)
{
    struct outcome r;
    PARSE(&r, "job.csv");
    CHECK_INT(r.rc, ==, 0);
    CHECK(!r.o.set && r.o.cleared && !r.o.text && r.o.count == 0 && r.o.customs == 0);
    CHECK(!r.o.cli.region && !r.o.cli.password_env && !r.o.cli.password_file);
}

static void test_repeated(void)
{
    struct outcome r;
    PARSE(&r, "--number", "1", "--number", "7", "--text", "a", "--text", "b", "--custom", "1",
          "--custom", "2", "job.csv");
    CHECK_INT(r.rc, ==, 0);
    CHECK_DBL(r.o.number, ==, 7); /* the last one wins */
    CHECK_STR(r.o.text, "b");
    CHECK_INT(r.o.customs, ==, 2); /* a custom option decides: this one counts */
}

static void test_numbers_refused(void)
{
    static const char *const bad[] = {"abc", "", "5x", "nan", "inf", "-1", "11", "0x", " "};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct outcome r;
        char want[128];
        PARSE(&r, "--number", bad[i], "job.csv");
        snprintf(want, sizeof(want), "cpsbatch: --number must be a number from 0 to 10, got '%s'\n",
                 bad[i]);
        check_refused(&r, want);
    }
    struct outcome r;
    PARSE(&r, "--number", "1e1", "job.csv");
    CHECK_DBL(r.o.number, ==, 10); /* the bounds are in the range */
    PARSE(&r, "--count", "1e13", "job.csv");
    check_refused(&r, "cpsbatch: --count must be a number from 1 to 1e+12, got '1e13'\n");
    PARSE(&r, "--trunc", "0.5", "job.csv");
    check_refused(&r, "cpsbatch: --trunc must be a number from 1 to 100, got '0.5'\n");
}

static void test_whole_numbers(void)
{
    struct outcome r;
    PARSE(&r, "--whole", "2.5", "job.csv");
    check_refused(&r, "cpsbatch: --whole must be a whole number, got '2.5'\n");
    PARSE(&r, "--count", "1.5", "job.csv");
    check_refused(&r, "cpsbatch: --count must be a whole number, got '1.5'\n");
    PARSE(&r, "--whole", "0", "job.csv"); /* the range is checked first */
    check_refused(&r, "cpsbatch: --whole must be a number from 1 to 4096, got '0'\n");
    PARSE(&r, "--count", "1000000000000", "job.csv");
    CHECK_INT(r.o.count, ==, INT64_C(1000000000000));
}

static void test_durations(void)
{
    struct outcome r;
    PARSE(&r, "--duration", "2m", "job.csv");
    CHECK_INT(r.o.duration_us, ==, 120000000);
    PARSE(&r, "--duration", "3", "job.csv"); /* a bare number is seconds */
    CHECK_INT(r.o.duration_us, ==, 3000000);
    PARSE(&r, "--duration", "10x", "job.csv");
    check_refused(&r,
                  "cpsbatch: --duration must be a duration such as 500ms, 10s or 2m, got '10x'\n");
    PARSE(&r, "--duration", "9999h", "job.csv");
    check_refused(&r, "cpsbatch: --duration must be a duration such as 500ms, 10s or 2m (at most "
                      "a week), got '9999h'\n");
    PARSE(&r, "--duration", "-1s", "job.csv");
    CHECK_INT(r.rc, ==, ERR_INVALID);
}

static void test_other_values_refused(void)
{
    struct outcome r;
    PARSE(&r, "--progress", "sometimes", "job.csv");
    check_refused(&r, "cpsbatch: --progress must be auto, always or never, got 'sometimes'\n");
    PARSE(&r, "--custom", "bad", "job.csv");
    check_refused(&r, "cpsbatch: --custom: bad\n");
}

static void test_help(void)
{
    struct outcome r;
    PARSE(&r, "--help");
    CHECK_INT(r.rc, ==, 1);
    CHECK_STR(r.out, usage);
    CHECK_STR(r.err, "");
    PARSE(&r, "job.csv", "-h");
    CHECK_INT(r.rc, ==, 1);
    CHECK_STR(r.out, usage);
    PARSE(&r, "--help", "--number", "x"); /* in order: help first */
    CHECK_INT(r.rc, ==, 1);
    PARSE(&r, "--number", "x", "--help"); /* the bad value first */
    check_refused(&r, "cpsbatch: --number must be a number from 0 to 10, got 'x'\n");
}

static void test_operands(void)
{
    struct outcome r;
    PARSE(&r, "--set");
    check_refused(&r, "");
    PARSE(&r, "a.csv", "b.csv");
    check_refused(&r, "");
    PARSE(&r, "job.csv", "--number", "3"); /* options after the operand */
    CHECK_INT(r.rc, ==, 0);
    CHECK_STR(r.operand, "job.csv");
    CHECK_DBL(r.o.number, ==, 3);
    PARSE(&r, "--set", "--", "--odd.csv"); /* after --, an operand */
    CHECK_STR(r.operand, "--odd.csv");
    parse_with(&r, CLIOPT_HINT_USAGE, "a", "b", (const char *)NULL);
    CHECK_INT(r.rc, ==, ERR_INVALID);
    CHECK_STR(r.err, usage); /* the whole usage, for commands that print it */
}

/* getopt's own message first (it names the command, argv[0]), then the hint. */
static void check_getopt_refusal(const struct outcome *r, const char *getopt_says)
{
    char expect[512];
    snprintf(expect, sizeof(expect), "test: %s\n%s", getopt_says, try_hint);
    CHECK_INT(r->rc, ==, ERR_INVALID);
    CHECK_STR(r->err, expect);
}

static void test_getopt_messages(void)
{
    struct outcome r;
    PARSE(&r, "--bogus", "job.csv");
    check_getopt_refusal(&r, "unrecognized option '--bogus'");
    PARSE(&r, "job.csv", "--number");
    check_getopt_refusal(&r, "option '--number' requires an argument");
    PARSE(&r, "--set=1", "job.csv");
    check_getopt_refusal(&r, "option '--set' doesn't allow an argument");
    PARSE(&r, "-x", "job.csv");
    check_getopt_refusal(&r, "invalid option -- 'x'");
    PARSE(&r, "job.csv", "-o");
    check_getopt_refusal(&r, "option requires an argument -- 'o'");
    PARSE(&r, "--pa", "x", "job.csv"); /* candidates in the table's order */
    check_getopt_refusal(&r, "option '--pa' is ambiguous; possibilities: '--password-env' "
                             "'--password-file'");
}

static void test_spellings(void)
{
    struct outcome r;
    PARSE(&r, "-of.txt", "job.csv");
    CHECK_STR(r.o.output, "f.txt");
    PARSE(&r, "--output=g.txt", "--number=4", "job.csv");
    CHECK_STR(r.o.output, "g.txt");
    CHECK_DBL(r.o.number, ==, 4);
    PARSE(&r, "--te", "abbreviated", "--no", "job.csv"); /* unique prefixes */
    CHECK_STR(r.o.text, "abbreviated");
    CHECK(!r.o.cleared);
}

static void test_too_many_options(void)
{
    bool flags[CLIOPT_MAX];
    struct cliopt opts[CLIOPT_MAX];
    for (size_t i = 0; i < CLIOPT_MAX; i++)
        opts[i] = (struct cliopt)CLIOPT_SET("flag", &flags[i]);
    const struct cliopt_command cmd = {
        .name = "test", .usage = usage, .opts = opts, .nopts = CLIOPT_MAX};
    char name[] = "test", operand_x[] = "x";
    char *argv[] = {name, operand_x, NULL};
    const char *operand = NULL;
    struct capture err;
    capture_begin(&err, stderr);
    CHECK_INT(cliopt_parse(&cmd, 2, argv, &operand), ==, ERR_RANGE);
    CHECK_STR(capture_end(&err), "cpsbatch test: more than 47 options\n");
    CHECK(operand == NULL);
}

/* Options that exclude each other are the command's check, after parsing; the job options'
 * own pair is jobcli's. */
static void test_conflicting_job_options(void)
{
    struct outcome r;
    PARSE(&r, "--password-env", "PW", "--password-file", "pw.txt", "job.csv");
    CHECK_INT(r.rc, ==, 0);
    struct job_options jo;
    struct capture err;
    capture_begin(&err, stderr);
    CHECK_INT(jobcli_prepare(&r.o.cli, r.operand, &jo), ==, ERR_INVALID);
    CHECK_STR(capture_end(&err), "cpsbatch: give --password-env or --password-file, not both\n");
    jobcli_release(&r.o.cli);
}

static void test_hint(void)
{
    const struct cliopt_command cmd = {.name = "test", .usage = usage};
    struct capture err;
    capture_begin(&err, stderr);
    cliopt_hint(&cmd, CLIOPT_HINT_TRY);
    cliopt_hint(&cmd, CLIOPT_HINT_USAGE);
    char expect[256];
    snprintf(expect, sizeof(expect), "%s%s", try_hint, usage);
    CHECK_STR(capture_end(&err), expect);
}

int main(void)
{
    test_every_kind();
    test_defaults_untouched();
    test_repeated();
    test_numbers_refused();
    test_whole_numbers();
    test_durations();
    test_other_values_refused();
    test_help();
    test_operands();
    test_getopt_messages();
    test_spellings();
    test_too_many_options();
    test_conflicting_job_options();
    test_hint();
    return check_done();
}
