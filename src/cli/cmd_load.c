/* cmd_load.c - `cpsbatch load`: check the job, make one body template per row, drive the
 * endpoint at a fixed arrival rate (or as fast as the concurrency allows), report.
 *
 * Nothing is sent unless every row is valid, the endpoint is not JD Cloud's production API (a
 * load test creates servers) and plain http goes only to loopback.
 */
#include "cmd_load.h"

#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cliargs.h"
#include "cliopt.h"
#include "cmdline.h"
#include "clock.h"
#include "cmd_validate.h"
#include "creds.h"
#include "duration.h"
#include "endpoint.h"
#include "err.h"
#include "exitcode.h"
#include "fdlimit.h"
#include "jobcli.h"
#include "load.h"
#include "loadview.h"
#include "plan.h"
#include "report.h"
#include "signals.h"
#include "target.h"
#include "version.h"

#define MAX_TEMPLATES 100000 /* rows kept as templates; later rows are checked, not sent */
#define DRAIN_US 2000000     /* after Ctrl-C, how long requests in flight get */
#define SALT_LEN 32
#define COMMAND_MAX 4096 /* the command line as the report shows it */

/* Signing needs keys; an emulator on loopback that does not check signatures takes these. */
#define PLACEHOLDER_ACCESS_KEY "cpsbatch-load-unsigned"
#define PLACEHOLDER_SECRET_KEY "cpsbatch-load-unsigned"

static const char usage[] =
    "usage: cpsbatch load JOB.csv --endpoint URL (--rate N | --max) (--duration D | --requests N)\n"
    "                     [options]\n"
    "       cpsbatch load JOB.csv --endpoint URL --stages D:R[-R2],... [options]\n"
    "Load-test a createInstances endpoint (cps-sim, a test environment; never production): the\n"
    "rows of JOB.csv are sent in turn, over and over, each request with a fresh clientToken, at\n"
    "a fixed arrival rate. Latency is measured from when each request was due (corrected) and\n"
    "from when it was sent (service time). Durations: 500ms, 10s, 2m, 1h.\n"
    "\n"
    "  --endpoint URL         the endpoint to test (required; *.jdcloud-api.com is refused)\n"
    "  --rate N               requests per second, on schedule whatever the answers take\n"
    "                         (up to 25000/s one thread schedules, sends and reads; above,\n"
    "                         two more threads send)\n"
    "  --max                  closed loop instead: as fast as --concurrency allows\n"
    "  --stages D:R[-R2],...  a ramping rate instead of --rate and --duration: each stage\n"
    "                         lasts D, its rate going linearly from R to R2 (or staying at R):\n"
    "                         30s:0-2000,2m:2000,30s:2000-0 ramps up, holds, ramps down.\n"
    "                         The k-th request is due when the rate's integral reaches k; the\n"
    "                         report shows each second's target beside what was sent\n"
    "  --duration D           how long to measure\n"
    "  --requests N           or how many requests to measure\n"
    "  --warmup D             send for D first without recording (default 0); with --stages,\n"
    "                         the first D of the stages\n"
    "  --warmup D             send for D first without recording (default 0)\n"
    "  --shard K/N            send share K of N of the schedule (rate/N, requests/N): its\n"
    "                         global requests K-1, K-1+N, ...; the schedule starts at the next\n"
    "                         whole second, so N shares started in the same second keep it\n"
    "                         together; merge their JSON reports with 'cpsbatch report merge'.\n"
    "                         index/N: K is $JOB_COMPLETION_INDEX + 1 (a Kubernetes Indexed Job)\n"
    "  --concurrency N        requests in flight at most (default 64; lowered to what\n"
    "                         ulimit -n carries); a request due while all are busy waits,\n"
    "                         and the wait counts in its latency\n"
    "  --timeout S            seconds per request (default 10)\n"
    "  --tokens fresh|replay  a new clientToken per request (default), or each row's own token\n"
    "                         every time (measures the idempotent replay path)\n"
    "  --report text|json|html  the report's format (default text)\n"
    "  -o, --output FILE      write the report to FILE (default standard output)\n"
    "  --threshold EXPR       fail (exit 4) unless EXPR holds; repeatable: p99<250ms,\n"
    "                         p50/p90/p999/p9999/max<D, errors<1%, errors<=5, rate>=1900\n"
    "  --progress WHEN        live line on stderr: auto (on a terminal), always or never\n"
    "  --insecure-http        allow http:// to a host that is not loopback\n" TARGET_CA_HELP
        JOBCLI_HELP "  -h, --help             this text\n"
    "\n"
    "Exit status: 0 done and every threshold met, 2 usage error or refused endpoint, 3\n"
    "interrupted (the report covers what was sent), 4 a threshold failed, 65 invalid input\n"
    "(nothing sent), 66 unreadable input, 74 the report cannot be written (a full disk or\n"
    "standard output), 70 an internal error (out of memory).\n";

struct load_options {
    const char *csv, *endpoint, *output;
    double rate, timeout_s;
    bool max, replay, insecure_http;
    int64_t duration_us, warmup_us;
    uint64_t requests;
    int concurrency;
    struct cli_shard shard; /* 0/0: the whole schedule */
    enum report_format format;
    const char *stages_text; /* --stages as given; NULL without */
    struct stages stages;
    enum runview_progress progress;
    struct cli_thresholds thresholds;
    struct jobcli cli;
    struct target_ca ca;
};

/* ---- Options ------------------------------------------------------------------------------ */

static bool take_tokens(void *dest, const char *arg)
{
    struct load_options *o = dest;
    if (strcmp(arg, "fresh") == 0 || strcmp(arg, "replay") == 0) {
        o->replay = arg[0] == 'r';
        return true;
    }
    fprintf(stderr, "cpsbatch: --tokens must be fresh or replay, got '%s'\n", arg);
    return false;
}

static bool take_stages(void *dest, const char *arg)
{
    struct load_options *o = dest;
    char msg[256];
    if (stages_parse(arg, &o->stages, msg, sizeof(msg))) {
        fprintf(stderr, "cpsbatch: --stages: %s\n", msg);
        return false;
    }
    o->stages_text = arg;
    return true;
}

static bool take_report(void *dest, const char *arg)
{
    return report_parse_format(arg, dest);
}

/* The combinations getopt cannot check. */
static bool options_consistent(const struct load_options *o)
{
    const char *why = NULL;
    char warmup[32], length[32];
    if (!o->endpoint)
        why = "--endpoint is required";
    else if (o->stages_text && (o->max || o->rate > 0))
        why = "give either --stages or --rate N or --max, not two";
    else if (o->stages_text && (o->duration_us > 0 || o->requests > 0))
        why = "--stages sets the test's length: drop --duration and --requests";
    else if (o->stages_text && o->warmup_us >= stages_duration_us(&o->stages)) {
        fprintf(stderr, "cpsbatch: --warmup %s is not shorter than the stages (%s)\n",
                duration_format(o->warmup_us, warmup, sizeof(warmup)),
                duration_format(stages_duration_us(&o->stages), length, sizeof(length)));
        return false;
    } else if (o->stages_text)
        return true;
    else if (o->max == (o->rate > 0))
        why = "give either --rate N or --max";
    else if ((o->duration_us > 0) == (o->requests > 0))
        why = "give either --duration D (more than 0) or --requests N";
    if (why)
        fprintf(stderr, "cpsbatch: %s\n", why);
    return why == NULL;
}

/* 0, 1 for --help, or ERR_INVALID after printing why. */
static int parse_options(int argc, char **argv, struct load_options *o)
{
    *o = (struct load_options){
        .concurrency = 64, .timeout_s = 10, .format = REPORT_TEXT, .progress = RUNVIEW_AUTO};
    /* One option a line, in the order getopt names them when one is ambiguous. */
    /* clang-format off */
    const struct cliopt opts[] = {
        JOBCLI_OPTIONS(&o->cli),
        CLIOPT_STRING("endpoint", &o->endpoint),
        CLIOPT_NUMBER("rate", &o->rate, 0.001, 1e6),
        CLIOPT_SET("max", &o->max),
        CLIOPT_CUSTOM("stages", o, take_stages),
        CLIOPT_DURATION("duration", &o->duration_us),
        CLIOPT_COUNT("requests", &o->requests, 1, 1e12),
        CLIOPT_DURATION("warmup", &o->warmup_us),
        CLIOPT_CUSTOM("shard", &o->shard, cliargs_take_shard),
        CLIOPT_WHOLE("concurrency", &o->concurrency, 1, 4096),
        CLIOPT_NUMBER("timeout", &o->timeout_s, 0.001, 3600),
        CLIOPT_CUSTOM("tokens", o, take_tokens),
        CLIOPT_CUSTOM("report", &o->format, take_report),
        CLIOPT_STRING_SHORT("output", 'o', &o->output),
        CLIOPT_CUSTOM("threshold", &o->thresholds, cliargs_take_threshold),
        CLIOPT_PROGRESS("progress", &o->progress),
        CLIOPT_SET("insecure-http", &o->insecure_http),
        TARGET_CA_OPTIONS(&o->ca)};
    /* clang-format on */
    const struct cliopt_command cmd = {
        .name = "load", .usage = usage, .opts = opts, .nopts = sizeof(opts) / sizeof(opts[0])};
    int rc = cliopt_parse(&cmd, argc, argv, &o->csv);
    if (rc == 0 && !options_consistent(o)) {
        cliopt_hint(&cmd, CLIOPT_HINT_TRY);
        rc = ERR_INVALID;
    }
    return rc;
}

/* ---- The state of one test ---------------------------------------------------------------- */

struct load_test {
    struct load_options o;
    struct job_options jo;
    unsigned char salt[SALT_LEN]; /* derives replay tokens; fixed for the run */
    struct plan plan;
    struct creds creds;
    struct bodytpl *tpl;
    size_t ntpl, tpl_cap;
    int tpl_error;
    struct loadstats stats;
    struct load_summary summary;
    char command[COMMAND_MAX]; /* as typed, secrets masked (cmdline.h) */
};

static void test_release(struct load_test *t)
{
    for (size_t i = 0; i < t->ntpl; i++)
        bodytpl_release(&t->tpl[i]);
    free(t->tpl);
    loadstats_release(&t->stats);
    creds_release(&t->creds);
    jobcli_release(&t->o.cli);
}

/* ---- Step 1: where to, with which keys ---------------------------------------------------- */

static int check_endpoint(struct load_options *o)
{
    if (endpoint_is_production(o->endpoint)) {
        fprintf(stderr,
                "cpsbatch: refusing to load-test %s: it is JD Cloud's production API, "
                "and every request would create real servers; use cps-sim or a test "
                "endpoint\n",
                o->endpoint);
        return ERR_INVALID;
    }
    return target_check(o->endpoint, o->insecure_http) ? ERR_INVALID
                                                       : target_ca_resolve(&o->ca, o->endpoint);
}

static int load_keys(struct load_test *t)
{
    int rc = target_keys(&t->creds, t->o.cli.profile, t->o.endpoint);
    if (!rc && !(t->creds.access_key && t->creds.secret_key))
        fprintf(stderr, "cpsbatch: no credentials: requests carry a signature with placeholder "
                        "keys (enough for an emulator that does not check them)\n");
    return rc;
}

/* ---- Step 2: the check, and the templates ------------------------------------------------- */

static void add_template(void *ctx, const struct job_row *row)
{
    struct load_test *t = ctx;
    if (t->tpl_error || t->ntpl == MAX_TEMPLATES)
        return;
    if (t->ntpl == t->tpl_cap) {
        size_t cap = t->tpl_cap ? t->tpl_cap * 2 : 16;
        struct bodytpl *v = realloc(t->tpl, cap * sizeof(*v));
        if (!v) {
            t->tpl_error = ERR_NOMEM;
            return;
        }
        t->tpl = v;
        t->tpl_cap = cap;
    }
    t->tpl_error = bodytpl_init(&t->tpl[t->ntpl], &row->spec, t->o.replay ? row->token : NULL);
    t->ntpl += t->tpl_error == 0;
}

/* The exit status of the check: 0 when every row is valid and templates were made. */
static int scan_job(struct load_test *t)
{
    if (t->o.replay) {
        if (RAND_bytes(t->salt, sizeof(t->salt)) != 1)
            return EXIT_SOFTWARE;
        t->jo.salt = t->salt;
        t->jo.salt_len = sizeof(t->salt);
    }
    int rc = plan_scan(&t->jo, jobcli_report, NULL, add_template, t, &t->plan);
    int status = cmd_exit_for_scan(rc, &t->jo, &t->plan);
    if (status != EXIT_DONE)
        return status;
    if (t->tpl_error) {
        fprintf(stderr, "cpsbatch: cannot build the requests: %s\n", err_str(t->tpl_error));
        return EXIT_SOFTWARE;
    }
    if (t->ntpl == 0) {
        fprintf(stderr, "cpsbatch: %s has no rows to send\n", t->o.csv);
        return EXIT_DATAERR;
    }
    if (t->plan.rows > MAX_TEMPLATES)
        fprintf(stderr, "cpsbatch: using the first %d of %ld rows as templates\n", MAX_TEMPLATES,
                t->plan.rows);
    return EXIT_DONE;
}

/* ---- Step 3: the test --------------------------------------------------------------------- */

/* A second Ctrl-C cuts off what is in flight; the report still covers what was sent. */
static void catch_signals(void)
{
    signals_catch(SIGNALS_SECOND_COUNTS);
}

/* Who sends. At a fixed rate up to INLINE_MAX_RATE the scheduler's own thread does (the
 * transport's inline mode): nothing is handed between threads, so a request leaves when it is
 * due and an answer is timed when it lands (bench/load.sh: at 1,000/s the corrected p50 falls
 * from 0.22 to 0.07 ms, late sends and CPU per request drop too). Above it, and with --max, the
 * transport's worker threads do: two when there are cores for them, as one thread running
 * libcurl is the first thing to run out of CPU when the endpoint is fast. */
#define INLINE_MAX_RATE 25000.0

static void choose_senders(const struct load_options *o, struct transport_config *tc)
{
    double rate = o->stages_text ? stages_peak_rate(&o->stages) : o->rate;
    tc->inline_mode = !o->max && rate <= INLINE_MAX_RATE;
    tc->workers = o->concurrency > 1 && sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
}

static int drive(struct load_test *t, struct loadview *view)
{
    t->o.concurrency = fdlimit_cap(t->o.concurrency, 2, fdlimit_raise(), "--concurrency");
    struct transport_config tc = {.timeout_ms = (long)(t->o.timeout_s * 1000),
                                  .connect_timeout_ms = 10000,
                                  .max_connections = t->o.concurrency,
                                  .ca_file = t->o.ca.file,
                                  .ca_dir = t->o.ca.dir};
    choose_senders(&t->o, &tc);
    struct load_config lc = {.rate = t->o.rate,
                             .stages = t->o.stages_text ? &t->o.stages : NULL,
                             .max = t->o.max,
                             .warmup_us = t->o.warmup_us,
                             .duration_us = t->o.duration_us,
                             .requests = t->o.requests,
                             .concurrency = t->o.concurrency,
                             .drain_us = DRAIN_US,
                             .stop = signals_stop_flag(),
                             .progress = loadview_progress,
                             .progress_ctx = view,
                             .shard_k = t->o.shard.k,
                             .shard_n = t->o.shard.n};
    struct transport *tr = NULL;
    struct request_maker *m = NULL;
    int rc = loadstats_init(&t->stats, clock_now_us());
    rc = rc ? rc : transport_global_init();
    rc = rc ? rc : transport_new(&tc, &tr);
    const char *ak = t->creds.access_key ? t->creds.access_key : PLACEHOLDER_ACCESS_KEY;
    const char *sk = t->creds.secret_key ? t->creds.secret_key : PLACEHOLDER_SECRET_KEY;
    rc = rc ? rc : request_maker_new(t->o.endpoint, ak, sk, &m);
    if (!rc) {
        catch_signals();
        rc = load_run(&lc, t->tpl, t->ntpl, transport_port(tr), m, &t->stats, &t->summary);
    }
    loadview_end(view);
    request_maker_free(m);
    transport_free(tr);
    return rc;
}

/* ---- Step 4: the report and the verdict --------------------------------------------------- */

/* The rate this process was to send: its share's. */
static double share_rate(const struct load_options *o)
{
    return o->shard.n ? o->rate / o->shard.n : o->rate;
}

static int report(struct load_test *t)
{
    struct threshold_values values;
    report_threshold_values(&t->stats, &values);
    struct report_info info = {.endpoint = t->o.endpoint,
                               .csv = t->o.csv,
                               .csv_sha256 = t->jo.source ? source_sha256(t->jo.source) : NULL,
                               .command = t->command,
                               .started_unix_us =
                                   t->stats.start_us + (clock_wall_us() - clock_now_us()),
                               .cores = sysconf(_SC_NPROCESSORS_ONLN),
                               .duration_us = t->o.duration_us,
                               .requests = t->o.requests,
                               .target_rate = t->o.max ? 0 : share_rate(&t->o),
                               .stages = t->o.stages_text,
                               .max = t->o.max,
                               .concurrency = t->o.concurrency,
                               .warmup_us = t->o.warmup_us,
                               .replay_tokens = t->o.replay,
                               .interrupted = t->summary.interrupted,
                               .sent_total = t->summary.sent,
                               .shard_k = t->o.shard.k,
                               .shard_n = t->o.shard.n,
                               .thresholds = t->o.thresholds.list,
                               .nthresholds = t->o.thresholds.n,
                               .values = &values,
                               .version = cps_version()};
    if (t->o.stages_text) { /* the mean rate of the measured part (longer than 0: checked) */
        const struct stages *st = &t->o.stages;
        int64_t end = stages_duration_us(st);
        info.target_rate = (stages_integral(st, end) - stages_integral(st, t->o.warmup_us)) * 1e6 /
                           (double)(end - t->o.warmup_us) / (t->o.shard.n ? t->o.shard.n : 1);
        info.duration_us = t->stats.scheduled_us;
    }
    int rc = report_write(t->o.format, &info, &t->stats, t->o.output);
    if (rc) /* said why */
        return exit_for_err(rc, EXIT_WRITING);
    bool passed = cliargs_judge(&t->o.thresholds, &values);
    return t->summary.interrupted ? EXIT_INCOMPLETE : passed ? EXIT_DONE : EXIT_THRESHOLD;
}

int cmd_load(int argc, char **argv)
{
    struct load_test t = {0};
    /* as typed: before getopt permutes argv */
    cmdline_format("cpsbatch", argc, (const char *const *)argv, t.command, sizeof(t.command));
    int rc = parse_options(argc, argv, &t.o);
    if (rc)
        return rc > 0 ? EXIT_DONE : EXIT_USAGE;
    int status = EXIT_USAGE;
    if (check_endpoint(&t.o) || jobcli_prepare(&t.o.cli, t.o.csv, &t.jo))
        goto out;
    rc = jobcli_open_source(&t.o.cli, &t.jo, NULL, true); /* read once: its digest is reported */
    if (rc) {
        status = exit_for_err(rc, EXIT_READING);
        goto out;
    }
    status = scan_job(&t);
    if (status != EXIT_DONE)
        goto out;
    status = EXIT_USAGE;
    if (load_keys(&t))
        goto out;
    struct loadview view;
    loadview_init(&view, t.o.progress, stderr);
    rc = drive(&t, &view);
    if (rc) {
        fprintf(stderr, "cpsbatch: the load test failed: %s\n", err_str(rc));
        status = EXIT_SOFTWARE;
        goto out;
    }
    status = report(&t);
out:
    test_release(&t);
    return status;
}
