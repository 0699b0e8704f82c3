/* cmd_run.c - `cpsbatch run`: check the job, open the ledger, send, report.
 *
 * The order matters for exactly-once:
 *   1. an existing ledger is opened (and locked) first: its salt derives the tokens;
 *   2. the whole CSV is checked (nothing is sent if any row is bad), and each row is matched
 *      against the ledger (done, in doubt, new, failed, conflicting);
 *   3. a new ledger is created only then, its header (the salt) durable before any request;
 *   4. the engine sends what is left and records every outcome.
 */
#include "cmd_run.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cliargs.h"
#include "cliopt.h"
#include "clock.h"
#include "cmd_validate.h"
#include "creds.h"
#include "endpoint.h"
#include "engine.h"
#include "err.h"
#include "exitcode.h"
#include "fdlimit.h"
#include "jobcli.h"
#include "plan.h"
#include "preflight.h"
#include "resume.h"
#include "runview.h"
#include "sandbox.h"
#include "signals.h"
#include "strmap.h"
#include "target.h"
#include "waitrun.h"

static const char usage[] =
    "usage: cpsbatch run JOB.csv [options]\n"
    "Create the servers of every row of JOB.csv: one createInstances call per row, each with\n"
    "its own clientToken, every outcome recorded in a ledger. Run the same command again to\n"
    "resume: rows already done are skipped, rows in doubt are re-sent with the same token.\n"
    "\n"
    "  --endpoint URL         API endpoint, scheme://host[:port] (default " ENDPOINT_DEFAULT ")\n"
    "  --sandbox              run against a built-in emulator on a loopback port (no\n"
    "                         credentials needed; ledger JOB.sandbox.ledger.jsonl)\n"
    "  --ledger FILE          the ledger (default JOB.ledger.jsonl beside the CSV; required\n"
    "                         when JOB.csv is - (standard input) or a FIFO)\n"
    "  --shard K/N            send only the K-th of N shares of the rows (run N of these, one\n"
    "                         per K, in parallel); each share has its own ledger\n"
    "                         (JOB.shard-K-of-N.ledger.jsonl) and keeps its rows, wherever\n"
    "                         they move in the file; resume with the same K/N.\n"
    "                         --shard index/N: K is $JOB_COMPLETION_INDEX + 1 (the 0-based\n"
    "                         index a Kubernetes Indexed Job gives each pod)\n"
    "  --rate N               requests per second, 0 = no limit (default 10)\n"
    "  --burst N              requests that may go at once after a quiet spell (default: rate)\n"
    "  --concurrency N        requests in flight at most (default 16; lowered to what the\n"
    "                         open-files limit, ulimit -n, carries)\n"
    "  --max-attempts N       tries per row in this run (default 8)\n"
    "  --max-retry-wait D     longest Retry-After waited for (default 5m); a row asked to\n"
    "                         wait longer is left in doubt, saying why\n"
    "  --timeout S            seconds per request (default 30)\n"
    "  --drain-timeout S      after Ctrl-C, seconds in-flight requests get (default 10)\n"
    "  --no-adapt             keep the rate fixed when the API throttles\n"
    "  --retry-failed         send rows that failed permanently again (same token)\n"
    "  --no-preflight         do not check the rows against the endpoint's catalog first\n"
    "                         (by default every row's zone, device type, OS and RAID types\n"
    "                         are checked, as validate --preflight does, before any is sent)\n"
    "  --dry-run              send nothing; print each request as one JSON line (no\n"
    "                         pre-flight)\n"
    "  --yes                  do not ask for confirmation\n"
    "  --progress WHEN        auto (on a terminal), always or never\n"
    "  --json                 print the summary as JSON on stdout\n"
    "  --insecure-http        allow http:// to a host that is not loopback\n"
    "  --wait                 then wait until the servers run (describeInstances through the\n"
    "                         same rate limit), recording state and addresses in the "
    "ledger\n" WAIT_HELP TARGET_CA_HELP JOBCLI_HELP "  -h, --help             this text\n"
    "\n"
    "Exit status: 0 every row done (with --wait: and every server running), 1 some rows\n"
    "failed (or servers ended in error), 2 usage error, 3 incomplete (run again to resume;\n"
    "with --wait: servers still pending, `cpsbatch wait LEDGER` goes on waiting), 65 invalid input "
    "(nothing sent) or a corrupt ledger, 66 unreadable\n"
    "input, 73 the ledger (or the CSV's spool in $TMPDIR) cannot be created, 74 the ledger cannot "
    "be written (a full disk:\n"
    "make room, run again), 75 another run holds the ledger, 70 out of memory.\n";

struct run_options {
    const char *csv, *endpoint, *ledger;
    bool sandbox, dry_run, yes, json, insecure_http, retry_failed, adapt, preflight;
    double rate, burst, timeout_s, drain_s;
    int concurrency, max_attempts;
    int64_t max_retry_wait_us;
    struct cli_shard shard; /* 0/0: no sharding */
    enum runview_progress progress;
    struct jobcli cli;
    struct target_ca ca;
    struct wait_options wait;
};

/* ---- Options ---------------------------------------------------------------------------- */

/* 0, 1 for --help, or ERR_INVALID after printing why. */
static int parse_options(int argc, char **argv, struct run_options *o)
{
    *o = (struct run_options){.rate = 10,
                              .concurrency = 16,
                              .max_attempts = 8,
                              .max_retry_wait_us = ENGINE_MAX_RETRY_WAIT_DEFAULT_US,
                              .timeout_s = 30,
                              .drain_s = 10,
                              .adapt = true,
                              .preflight = true,
                              .progress = RUNVIEW_AUTO};
    wait_options_default(&o->wait);
    /* One option a line, in the order getopt names them when one is ambiguous. */
    /* clang-format off */
    const struct cliopt opts[] = {
        JOBCLI_OPTIONS(&o->cli),
        CLIOPT_STRING("endpoint", &o->endpoint),
        CLIOPT_SET("sandbox", &o->sandbox),
        CLIOPT_STRING("ledger", &o->ledger),
        CLIOPT_NUMBER("rate", &o->rate, 0, 1e6),
        CLIOPT_NUMBER("burst", &o->burst, 1, 1e6),
        CLIOPT_INT("concurrency", &o->concurrency, 1, 4096),
        CLIOPT_INT("max-attempts", &o->max_attempts, 1, 100),
        CLIOPT_DURATION("max-retry-wait", &o->max_retry_wait_us),
        CLIOPT_NUMBER("timeout", &o->timeout_s, 0.001, 3600),
        CLIOPT_NUMBER("drain-timeout", &o->drain_s, 0, 3600),
        CLIOPT_CLEAR("no-adapt", &o->adapt),
        CLIOPT_SET("retry-failed", &o->retry_failed),
        CLIOPT_CLEAR("no-preflight", &o->preflight),
        CLIOPT_SET("dry-run", &o->dry_run),
        CLIOPT_SET("yes", &o->yes),
        CLIOPT_PROGRESS("progress", &o->progress),
        CLIOPT_SET("json", &o->json),
        CLIOPT_SET("insecure-http", &o->insecure_http),
        TARGET_CA_OPTIONS(&o->ca),
        CLIOPT_CUSTOM("shard", &o->shard, cliargs_take_shard),
        CLIOPT_SET("wait", &o->wait.wait),
        WAIT_OPTIONS(&o->wait)};
    /* clang-format on */
    const struct cliopt_command cmd = {
        .name = "run", .usage = usage, .opts = opts, .nopts = sizeof(opts) / sizeof(opts[0])};
    int rc = cliopt_parse(&cmd, argc, argv, &o->csv);
    if (rc == 0 && o->sandbox && o->endpoint) {
        fputs("cpsbatch: --sandbox and --endpoint exclude each other\n", stderr);
        rc = ERR_INVALID;
    }
    return rc ? rc : o->wait.wait ? wait_options_check(&o->wait) : 0;
}

/* ---- The source: read once, spooled for the second pass ------------------------------------- */

/* Standard input, a FIFO or a device can be read once only: its batch needs a ledger named by
 * the user (the default is named after the CSV file). */
static int check_stream(const struct run_options *o)
{
    struct stat st;
    bool stream = strcmp(o->csv, "-") == 0 ||
                  (stat(o->csv, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode));
    if (!stream || o->ledger)
        return 0;
    fprintf(stderr,
            "cpsbatch: %s is read once (a pipe, FIFO or device): give --ledger FILE for its "
            "batch's ledger\n",
            strcmp(o->csv, "-") == 0 ? "standard input" : o->csv);
    return ERR_INVALID;
}

/* The CSV, opened once for the check and the pass that sends (or prints): the bytes the check
 * read are spooled, so the second pass reads exactly those. The spool goes where temporary
 * files go ($TMPDIR, else /tmp), not beside the ledger: a full ledger disk must stop the
 * sending, not the check. */
static int open_source(struct run_options *o, struct job_options *jo)
{
    const char *tmp = getenv("TMPDIR");
    return jobcli_open_source(&o->cli, jo, tmp && *tmp ? tmp : "/tmp", true);
}

/* A pass after the check: the spooled bytes again. */
static int second_pass(struct job_options *jo, struct job **j)
{
    int rc = source_rewind(jo->source);
    if (rc) {
        fprintf(stderr, "cpsbatch: %s\n", source_error(jo->source));
        return rc;
    }
    return job_open(jo, jobcli_report, NULL, j);
}

/* After the sending: a file that changed meanwhile is said to have (its new rows were not
 * read, nor sent). */
static void say_if_changed(const struct job_options *jo)
{
    if (source_changed(jo->source))
        fprintf(stderr,
                "cpsbatch: %s changed since it was checked; the rows sent are the ones "
                "checked\n",
                jo->path);
}

/* ---- The dry run ---------------------------------------------------------------------------- */

/* One dry-run line: {"row","token","method","url","body"} with the password masked. */
static int print_request(const struct job_row *r, const char *url)
{
    json_t *line = json_pack("{s:i,s:s,s:s,s:s,s:o}", "row", (json_int_t)r->row, "token", r->token,
                             "method", "PUT", "url", url, "body", spec_to_json(&r->spec, true));
    if (!line)
        return ERR_NOMEM;
    int rc = json_dumpf(line, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(line);
    return rc ? ERR_IO : 0;
}

/* "K/N" for a share of the rows, "" for the whole batch: what a ledger's header says. */
static void shard_name(const struct run_options *o, char out[24])
{
    if (o->shard.n > 1)
        snprintf(out, 24, "%u/%u", o->shard.k, o->shard.n);
    else
        out[0] = '\0';
}

/* Whether the ledger at path holds the rows this run is for; says why not. */
static bool ledger_fits_shard(const char *path, const struct ledger *l, const struct run_options *o)
{
    char want[24];
    shard_name(o, want);
    const char *has = ledger_header(l)->shard;
    if (strcmp(has, want) == 0)
        return true;
    if (!*has)
        fprintf(stderr, "cpsbatch: %s holds a whole batch, not a share: run it without --shard\n",
                path);
    else
        fprintf(stderr, "cpsbatch: %s holds share %s of its batch: give --shard %s\n", path, has,
                has);
    return false;
}

/* The salt of the batch's ledger when there is one (then the tokens shown are the ones a run
 * sends), else a random one (then they are examples). */
static int dry_run_salt(const char *ledger_path, const struct run_options *o,
                        unsigned char salt[LEDGER_SALT_LEN])
{
    struct ledger *l;
    struct ledger_diag diag = {0};
    struct stat st;
    if (stat(ledger_path, &st) != 0) {
        fputs("cpsbatch: no ledger yet: the tokens shown are examples; the first run fixes "
              "them\n",
              stderr);
        return RAND_bytes(salt, LEDGER_SALT_LEN) == 1 ? 0 : ERR_IO;
    }
    int rc = ledger_open_readonly(ledger_path, NULL, &l, &diag);
    if (rc) {
        fprintf(stderr, "cpsbatch: %s\n", diag.msg[0] ? diag.msg : err_str(rc));
        return rc;
    }
    memcpy(salt, ledger_salt(l), LEDGER_SALT_LEN);
    rc = ledger_fits_shard(ledger_path, l, o) ? 0 : ERR_INVALID;
    ledger_close(l);
    return rc;
}

static int dry_run(const char *endpoint, const char *ledger_path, const struct run_options *o,
                   struct job_options *jo)
{
    struct request_maker *m;
    struct job *j;
    unsigned char salt[LEDGER_SALT_LEN];
    int rc = dry_run_salt(ledger_path, o, salt);
    if (rc)
        return rc;
    jo->salt = salt;
    jo->salt_len = sizeof(salt);
    rc = request_maker_new(endpoint, "", "", &m);
    if (rc)
        return rc;
    rc = second_pass(jo, &j);
    struct job_row row = {0};
    while (!rc && (rc = job_next(j, &row)) == 1) {
        const char *url = request_create_url(m, row.spec.str[FIELD_REGION_ID]);
        rc = !url ? ERR_NOMEM : row.in_shard ? print_request(&row, url) : 0;
    }
    job_row_release(&row);
    job_close(j);
    request_maker_free(m);
    return rc < 0 ? rc : 0;
}

/* ---- The state of one run ------------------------------------------------------------------ */

struct run {
    struct run_options o;
    struct job_options jo;
    char *ledger_path;
    const char *endpoint;      /* what requests go to */
    char ledger_endpoint[256]; /* what the ledger records: the endpoint, or "sandbox" */
    struct creds creds;
    struct sim *sim;
    char sandbox_url[SANDBOX_URL_SIZE], sandbox_ak[SANDBOX_KEY_SIZE], sandbox_sk[SANDBOX_KEY_SIZE];
    struct catalog *catalog;   /* the pre-flight's */
    struct ratelimit bucket;   /* one rate for the pre-flight, the creates and the describes */
    struct retrybudget budget; /* one retry budget for them all */
    struct ledger *ledger;
    struct plan plan;
    struct resume_counts counts;
    struct strmap *seen; /* tokens of the CSV's rows, for the ledger's strays */
    struct job *job;     /* the second pass */
    struct job_row row;
    long refused;
};

static void run_release(struct run *r)
{
    job_row_release(&r->row);
    job_close(r->job);
    strmap_free(r->seen);
    ledger_close(r->ledger);
    if (r->sim) {
        sim_stop(r->sim);
        sim_free(r->sim);
    }
    creds_release(&r->creds);
    catalog_free(r->catalog);
    free(r->ledger_path);
    jobcli_release(&r->o.cli);
}

/* JOB[.sandbox][.shard-K-of-N].ledger.jsonl beside JOB.csv. */
static char *default_ledger_path(const struct run_options *o)
{
    size_t len = strlen(o->csv);
    if (len > 4 && strcmp(o->csv + len - 4, ".csv") == 0)
        len -= 4;
    char shard[48] = "";
    if (o->shard.n > 1)
        snprintf(shard, sizeof(shard), ".shard-%u-of-%u", o->shard.k, o->shard.n);
    size_t size = len + sizeof(".sandbox") + strlen(shard) + sizeof(".ledger.jsonl");
    char *p = malloc(size);
    if (p)
        snprintf(p, size, "%.*s%s%s.ledger.jsonl", (int)len, o->csv, o->sandbox ? ".sandbox" : "",
                 shard);
    return p;
}

/* How many shares the default ledger name at `name` (in the CSV's directory) says its batch
 * was split into: 1 for JOB[.sandbox].ledger.jsonl, N for JOB[.sandbox].shard-K-of-N..., 0 for
 * a file that is no ledger of this CSV. */
static unsigned ledger_split(const char *name, const char *prefix)
{
    size_t plen = strlen(prefix);
    if (strncmp(name, prefix, plen) != 0)
        return 0;
    name += plen;
    if (strcmp(name, ".ledger.jsonl") == 0)
        return 1;
    unsigned k, n;
    int end = 0;
    if (sscanf(name, ".shard-%u-of-%u.ledger.jsonl%n", &k, &n, &end) == 2 && name[end] == '\0')
        return n;
    return 0;
}

/* A row's token comes from its ledger's salt, so the batch of a CSV must keep the split it
 * started with: a ledger of the same CSV for another split (sharded or not) means its rows
 * were, or are being, created with other tokens. Refused, naming the ledger. Only for default
 * ledger names (an explicit --ledger is the user's own choice). */
static int check_split(const struct run *r)
{
    if (r->o.ledger || strcmp(r->o.csv, "-") == 0)
        return 0;
    /* The whole batch's default ledger, DIR/STEM[.sandbox].ledger.jsonl: its siblings
     * DIR/STEM[.sandbox]... are the other splits'. */
    struct run_options whole = r->o;
    whole.shard.n = 0;
    char *path = default_ledger_path(&whole);
    if (!path)
        return ERR_NOMEM;
    path[strlen(path) - strlen(".ledger.jsonl")] = '\0';
    char *slash = strrchr(path, '/');
    const char *dir = !slash ? "." : slash == path ? "/" : path, *prefix = slash ? slash + 1 : path;
    if (slash && slash != path)
        *slash = '\0';
    unsigned want = r->o.shard.n > 1 ? r->o.shard.n : 1;
    DIR *d = opendir(dir);
    int rc = 0;
    struct dirent *e;
    while (d && !rc && (e = readdir(d)) != NULL) {
        unsigned n = ledger_split(e->d_name, prefix);
        if (n == 0 || n == want)
            continue;
        char how[32] = "without --shard";
        if (n > 1)
            snprintf(how, sizeof(how), "with --shard K/%u", n);
        fprintf(stderr,
                "cpsbatch: %s/%s: this CSV's batch was started %s; a row's clientToken comes "
                "from its ledger, so finish the batch %s (or give --ledger to start a new one)\n",
                dir, e->d_name, how, how);
        rc = ERR_INVALID;
    }
    if (d) /* a directory that cannot be read: the ledger's own open reports it */
        closedir(d);
    free(path);
    return rc;
}

/* ---- Step 0: where to send, with which keys ------------------------------------------------- */

static int start_sandbox(struct run *r)
{
    int rc = sandbox_start(&r->sim, r->sandbox_url, r->sandbox_ak, r->sandbox_sk);
    if (rc)
        return rc;
    r->endpoint = r->sandbox_url;
    snprintf(r->ledger_endpoint, sizeof(r->ledger_endpoint), "sandbox");
    return 0;
}

static int choose_endpoint(struct run *r)
{
    if (r->o.sandbox)
        return start_sandbox(r);
    r->endpoint = r->o.endpoint ? r->o.endpoint : ENDPOINT_DEFAULT;
    if (target_check(r->endpoint, r->o.insecure_http) || target_ca_resolve(&r->o.ca, r->endpoint))
        return ERR_INVALID;
    snprintf(r->ledger_endpoint, sizeof(r->ledger_endpoint), "%s", r->endpoint);
    return target_keys(&r->creds, r->o.cli.profile, r->endpoint);
}

/* The keys requests are signed with: the sandbox's, the user's, or (an emulator on loopback
 * that checks no signatures may be used without keys) placeholders. */
static const char *access_key(const struct run *r)
{
    return r->sim ? r->sandbox_ak : r->creds.access_key ? r->creds.access_key : "none";
}

static const char *secret_key(const struct run *r)
{
    return r->sim ? r->sandbox_sk : r->creds.secret_key ? r->creds.secret_key : "none";
}

/* The pre-flight: the endpoint's catalog, read once, checks every row of the scan. */
/* --burst, else the rate (at least 1). */
static double run_burst(const struct run_options *o)
{
    return o->burst > 0 ? o->burst : (o->rate > 1 ? o->rate : 1);
}

/* The run's bucket and retry budget, made before the pre-flight: its calls, the creates and
 * the describes take from the same ones. */
static int pace_init(struct run *r)
{
    int rc = ratelimit_init(&r->bucket, r->o.rate, run_burst(&r->o), clock_now_us());
    return rc ? rc : retrybudget_init(&r->budget, RETRYBUDGET_DEFAULT_CAPACITY);
}

static int preflight(struct run *r)
{
    if (!r->o.preflight)
        return 0;
    /* Its calls count against the rate as the creates do: the API limits them all (the
     * built-in sandbox, in this process, limits nothing: its catalog calls take no token);
     * their retries spend the run's budget. */
    struct preflight_pace pace = {.bucket = r->sim ? NULL : &r->bucket,
                                  .budget = &r->budget,
                                  .max_attempts = r->o.max_attempts,
                                  .timeout_ms = (long)(r->o.timeout_s * 1000)};
    int rc =
        preflight_fetch(r->endpoint, access_key(r), secret_key(r), &r->o.ca, &pace, &r->catalog);
    r->jo.catalog = r->catalog;
    return rc;
}

/* ---- Step 1: an existing ledger ----------------------------------------------------------------
 */

/* What the ledger's open put right (ledger_diag.notes), one stderr line each. */
static void say_notes(const struct ledger_diag *d)
{
    for (const char *p = d->notes; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        fprintf(stderr, "cpsbatch: %.*s\n", (int)n, p);
        p += n + (nl != NULL);
    }
}

static int open_existing_ledger(struct run *r)
{
    struct ledger_diag diag = {0};
    struct stat st;
    if (stat(r->ledger_path, &st) != 0)
        return 0; /* the first run: created after the check */
    int rc = ledger_open(r->ledger_path, NULL, NULL, &r->ledger, &diag);
    if (diag.msg[0])
        fprintf(stderr, "cpsbatch: %s\n", diag.msg);
    say_notes(&diag);
    if (rc)
        return rc;
    const char *was = ledger_header(r->ledger)->endpoint;
    if (strcmp(was, r->ledger_endpoint) != 0) {
        fprintf(stderr,
                "cpsbatch: %s belongs to a batch sent to %s, not %s; give another "
                "--ledger to start a new batch\n",
                r->ledger_path, was, r->ledger_endpoint);
        return ERR_INVALID;
    }
    if (!ledger_fits_shard(r->ledger_path, r->ledger, &r->o))
        return ERR_INVALID;
    r->jo.salt = ledger_salt(r->ledger);
    r->jo.salt_len = LEDGER_SALT_LEN;
    return strmap_new(&r->seen);
}

/* ---- Step 2: the check ----------------------------------------------------------------------- */

static void count_row(void *ctx, const struct job_row *row)
{
    struct run *r = ctx;
    if (!r->ledger)
        return;
    enum resume_action a = resume_classify(r->ledger, row, r->o.retry_failed);
    resume_count(&r->counts, r->ledger, row, a);
    strmap_add(r->seen, row->token, strlen(row->token), 1, NULL);
    if (a == RESUME_CONFLICT)
        fprintf(stderr,
                "%s:%ld:clientToken: '%s' was sent by this batch for a different "
                "request; this row is refused (give it a new clientToken)\n",
                r->o.csv, row->row, row->token);
}

/* Ledger tokens that no row of the CSV has any more: reported, never touched. */
static long count_strays(const struct run *r)
{
    long strays = 0;
    for (size_t i = 0; r->ledger && i < ledger_size(r->ledger); i++) {
        const char *t = ledger_entry_at(r->ledger, i)->token;
        strays += strmap_get(r->seen, t, strlen(t)) < 0;
    }
    return strays;
}

/* ---- Step 3: a new ledger ---------------------------------------------------------------------
 */

static int create_ledger(struct run *r)
{
    struct ledger_diag diag = {0};
    char *csv = realpath(r->o.csv, NULL); /* so export finds it from anywhere */
    char shard[24];
    shard_name(&r->o, shard);
    struct ledger_batch batch = {.csv = csv ? csv : r->o.csv,
                                 .csv_sha256 = source_sha256(r->jo.source),
                                 .endpoint = r->ledger_endpoint,
                                 .shard = shard};
    int rc = ledger_open(r->ledger_path, &batch, NULL, &r->ledger, &diag);
    free(csv);
    say_notes(&diag);
    if (rc) {
        fprintf(stderr, "cpsbatch: %s\n", diag.msg[0] ? diag.msg : err_str(rc));
        return rc;
    }
    r->jo.salt = ledger_salt(r->ledger);
    r->jo.salt_len = LEDGER_SALT_LEN;
    r->counts.actions[RESUME_NEW] = r->plan.rows - r->plan.other_shards;
    return 0;
}

/* ---- Step 4: sending ---------------------------------------------------------------------------
 */

/* The engine's source: the second pass over the CSV, rows the ledger says to send. */
static int next_row(void *ctx, struct engine_item *it)
{
    struct run *r = ctx;
    int rc;
    while ((rc = job_next(r->job, &r->row)) == 1) {
        if (!r->row.valid)
            return ERR_INVALID; /* the file changed since the check */
        if (!r->row.in_shard)
            continue;
        enum resume_action a = resume_classify(r->ledger, &r->row, r->o.retry_failed);
        if (!resume_sends(a))
            continue;
        json_t *body = spec_to_json(&r->row.spec, false);
        it->body = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(body);
        if (!it->body)
            return ERR_NOMEM;
        it->body_len = strlen(it->body);
        snprintf(it->token, sizeof(it->token), "%s", r->row.token);
        snprintf(it->region, sizeof(it->region), "%s", r->row.spec.str[FIELD_REGION_ID]);
        memcpy(it->digest, r->row.digest, sizeof(it->digest));
        it->row = r->row.row;
        it->needs_intent = a == RESUME_NEW;
        return 1;
    }
    return rc;
}

/* The second Ctrl-C ends the run at once: the ledger stays readable, and a rerun resumes. */
static void catch_signals(void)
{
    signals_catch(SIGNALS_SECOND_EXITS);
}

/* What waiting found (run --wait). */
struct run_wait {
    bool done; /* waited */
    struct waiter_config cfg;
    struct waiter_stats st;
    long skipped;
    int rc;
};

/* run --wait: a waiter on the run's transport, bucket and budget (one rate for creates and
 * describes), holding the ledger's done instances; the engine adds the new ones as rows are
 * done and drives it. NULL without --wait or on failure (w->rc). */
static struct waiter *wait_begin(struct run *r, struct port port, struct request_maker *m,
                                 struct ratelimit *bucket, struct retrybudget *budget,
                                 struct run_wait *w)
{
    if (!r->o.wait.wait)
        return NULL;
    struct waitrun wr = {.ledger = r->ledger,
                         .port = port,
                         .maker = m,
                         .bucket = bucket,
                         .budget = budget,
                         .concurrency = r->o.concurrency,
                         .drain_us = (int64_t)(r->o.drain_s * 1e6)};
    struct waiter *waiter = NULL;
    w->rc = waitrun_begin(&wr, &r->o.wait, &w->cfg, &w->st, &waiter, &w->skipped);
    w->done = waiter != NULL;
    return waiter;
}

static int send_rows(struct run *r, struct engine_stats *st, struct runview *view,
                     struct run_wait *w)
{
    struct transport_config tc = {.workers = 2,
                                  .timeout_ms = (long)(r->o.timeout_s * 1000),
                                  .connect_timeout_ms = 10000,
                                  .max_connections = r->o.concurrency,
                                  .ca_file = r->o.ca.file,
                                  .ca_dir = r->o.ca.dir};
    struct transport *t = NULL;
    struct request_maker *m = NULL;
    const char *ak = access_key(r), *sk = secret_key(r);
    int rc = second_pass(&r->jo, &r->job);
    rc = rc ? rc : transport_global_init();
    rc = rc ? rc : transport_new(&tc, &t);
    rc = rc ? rc : request_maker_new(r->endpoint, ak, sk, &m);
    struct waiter *waiter =
        rc ? NULL : wait_begin(r, transport_port(t), m, &r->bucket, &r->budget, w);
    rc = rc ? rc : w->rc;
    view->wait_stats = waiter ? &w->st : NULL;
    if (!rc) {
        struct engine_config ec = {.rate = r->o.rate,
                                   .burst = r->o.burst,
                                   .concurrency = r->o.concurrency,
                                   .max_attempts = r->o.max_attempts,
                                   .max_retry_wait_us = r->o.max_retry_wait_us,
                                   .adapt = r->o.adapt,
                                   .drain_us = (int64_t)(r->o.drain_s * 1e6),
                                   .stop = signals_stop_flag(),
                                   .progress = runview_progress,
                                   .progress_ctx = view,
                                   .bucket = &r->bucket,
                                   .budget = &r->budget,
                                   .waiter = waiter};
        catch_signals();
        rc = engine_run(&ec, next_row, r, r->ledger, transport_port(t), m, st);
        say_if_changed(&r->jo);
    }
    if (waiter) {
        w->rc = waiter_end(waiter);
        view->wait_stats = NULL;
    }
    request_maker_free(m);
    transport_free(t);
    return rc;
}

static int exit_status(const struct run *r, const struct engine_stats *st)
{
    if (st->auth_stopped || st->interrupted || st->in_doubt)
        return EXIT_INCOMPLETE;
    if (st->failed || r->refused || r->counts.actions[RESUME_SKIP_FAILED])
        return EXIT_FAILED;
    return EXIT_DONE;
}

static int run_batch(struct run *r)
{
    struct runview view;
    struct engine_stats st;
    runview_init(&view, r->o.progress, r->plan.rows - r->plan.other_shards, stderr);
    /* A connection costs a descriptor, two with the emulator in this process. */
    r->o.concurrency =
        fdlimit_cap(r->o.concurrency, r->sim ? 4 : 2, fdlimit_raise(), "--concurrency");
    r->refused = r->counts.actions[RESUME_CONFLICT];
    runview_plan(&view, &r->plan, &r->counts, count_strays(r), r->endpoint, r->ledger_path);
    if (!r->o.yes && !endpoint_is_loopback(r->endpoint) && !runview_confirm(&view))
        return EXIT_USAGE;
    struct run_wait w = {0};
    int rc = send_rows(r, &st, &view, &w);
    int status = exit_status(r, &st);
    if (rc) {
        fprintf(stderr, "cpsbatch: %s\n", st.stop_message[0] ? st.stop_message : err_str(rc));
        status = exit_for_err(rc, st.ledger_failed ? EXIT_WRITING : EXIT_SENDING);
    }
    int wait_status = w.done ? waitrun_exit(&w.st, w.rc, w.skipped) : EXIT_DONE;
    if (status == EXIT_DONE || (status == EXIT_FAILED && wait_status == EXIT_INCOMPLETE))
        status = wait_status;
    view.wait = w.done ? waitrun_json(&w.st, w.skipped) : NULL;
    runview_summary(&view, &st, &r->counts, r->refused, status, r->o.json, stdout);
    if (w.done && !r->o.json)
        waitrun_summary(&w.st, w.skipped, stdout);
    json_decref(view.wait);
    return status;
}

int cmd_run(int argc, char **argv)
{
    struct run r = {0};
    int rc = parse_options(argc, argv, &r.o);
    if (rc)
        return rc > 0 ? EXIT_DONE : EXIT_USAGE;
    int status = EXIT_USAGE;
    if (jobcli_prepare(&r.o.cli, r.o.csv, &r.jo))
        goto out;
    r.jo.shard_k = r.o.shard.k;
    r.jo.shard_n = r.o.shard.n;
    r.ledger_path = r.o.ledger ? strdup(r.o.ledger) : default_ledger_path(&r.o);
    rc = r.ledger_path ? check_split(&r) : ERR_NOMEM;
    rc = rc ? rc : check_stream(&r.o);
    rc = rc ? rc : open_source(&r.o, &r.jo);
    if (rc) { /* a spool that cannot be made in $TMPDIR: 73, as a ledger that cannot be */
        status = exit_for_err(rc, r.o.cli.spool_failed ? EXIT_CREATING : EXIT_READING);
        goto out;
    }
    if (r.o.dry_run) {
        status = cmd_exit_for_scan(plan_scan(&r.jo, jobcli_report, NULL, NULL, NULL, &r.plan),
                                   &r.jo, &r.plan);
        if (status == EXIT_DONE) /* the ledger is read (its salt), stdout written (main) */
            status = exit_for_err(
                dry_run(r.o.endpoint ? r.o.endpoint : ENDPOINT_DEFAULT, r.ledger_path, &r.o, &r.jo),
                EXIT_READING);
        goto out;
    }
    if (choose_endpoint(&r))
        goto out;
    rc = open_existing_ledger(&r);
    rc = rc ? rc : pace_init(&r);
    rc = rc ? rc : preflight(&r);
    if (rc) {
        status = exit_for_err(rc, EXIT_READING);
        goto out;
    }
    status = cmd_exit_for_scan(plan_scan(&r.jo, jobcli_report, NULL, count_row, &r, &r.plan), &r.jo,
                               &r.plan);
    if (status != EXIT_DONE)
        goto out;
    rc = r.ledger ? 0 : create_ledger(&r);
    if (rc) {
        status = exit_for_err(rc, EXIT_CREATING);
        goto out;
    }
    status = run_batch(&r);
out:
    run_release(&r);
    return status;
}
