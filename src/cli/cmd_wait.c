/* cmd_wait.c - `cpsbatch wait LEDGER` (cmd_wait.h). */
#include "cmd_wait.h"

#include <stdio.h>
#include <string.h>

#include "cliopt.h"
#include "clock.h"
#include "creds.h"
#include "err.h"
#include "exitcode.h"
#include "ratelimit.h"
#include "retrybudget.h"
#include "signals.h"
#include "target.h"
#include "transport.h"
#include "waitrun.h"

static const char usage[] =
    "usage: cpsbatch wait LEDGER [options]\n"
    "Wait until the servers of a batch run: describeInstances about the instances of the\n"
    "ledger's done rows, in sets of up to 100 ids, each change of state recorded in the ledger.\n"
    "Creates nothing. Resumes where an interrupted `run --wait` (or wait) stopped.\n"
    "\n"
    "  --endpoint URL         API endpoint (default: the one the ledger's batch was sent to)\n"
    "  --region R             region of instances whose done record does not say it (ledgers\n"
    "                         of older versions)\n"
    "  --profile NAME         keys from this profile of ~/.jdc/config (default:\n"
    "                         JDCLOUD_ACCESS_KEY/JDCLOUD_SECRET_KEY, else the current profile)\n"
    "  --rate N               requests per second, 0 = no limit (default 10)\n"
    "  --burst N              requests that may go at once after a quiet spell (default: rate)\n"
    "  --concurrency N        requests in flight at most (default 16)\n"
    "  --timeout S            seconds per request (default 30)\n"
    "  --drain-timeout S      after Ctrl-C, seconds in-flight requests get (default 10)\n" WAIT_HELP
    "  --progress WHEN        auto (on a terminal), always or never\n"
    "  --json                 print the summary as JSON on stdout\n"
    "  --insecure-http        allow http:// to a host that is not loopback\n" TARGET_CA_HELP
    "  -h, --help             this text\n"
    "\n"
    "Exit status: 0 every instance runs, 1 some ended in error (or were never found), 2 usage\n"
    "error, 3 some still pending (run again to go on waiting) or not waited for (no region:\n"
    "give --region), 65 a corrupt ledger, 66 no\n"
    "ledger, 74 the ledger cannot be written, 75 a run holds the ledger.\n";

struct wait_cmd {
    const char *ledger, *endpoint, *region, *profile;
    double rate, burst, timeout_s, drain_s;
    int concurrency;
    bool json, insecure_http;
    enum runview_progress progress;
    struct wait_options w;
    struct target_ca ca;
};

static int parse(int argc, char **argv, struct wait_cmd *o)
{
    *o = (struct wait_cmd){
        .rate = 10, .concurrency = 16, .timeout_s = 30, .drain_s = 10, .progress = RUNVIEW_AUTO};
    wait_options_default(&o->w);
    /* clang-format off */
    const struct cliopt opts[] = {
        CLIOPT_STRING("endpoint", &o->endpoint),
        CLIOPT_STRING("region", &o->region),
        CLIOPT_STRING("profile", &o->profile),
        CLIOPT_NUMBER("rate", &o->rate, 0, 1e6),
        CLIOPT_NUMBER("burst", &o->burst, 1, 1e6),
        CLIOPT_INT("concurrency", &o->concurrency, 1, 4096),
        CLIOPT_NUMBER("timeout", &o->timeout_s, 0.001, 3600),
        CLIOPT_NUMBER("drain-timeout", &o->drain_s, 0, 3600),
        WAIT_OPTIONS(&o->w),
        CLIOPT_PROGRESS("progress", &o->progress),
        CLIOPT_SET("json", &o->json),
        CLIOPT_SET("insecure-http", &o->insecure_http),
        TARGET_CA_OPTIONS(&o->ca)};
    /* clang-format on */
    const struct cliopt_command cmd = {
        .name = "wait", .usage = usage, .opts = opts, .nopts = sizeof(opts) / sizeof(opts[0])};
    int rc = cliopt_parse(&cmd, argc, argv, &o->ledger);
    return rc ? rc : wait_options_check(&o->w);
}

static int open_ledger(const char *path, struct ledger **l)
{
    struct ledger_diag diag = {0};
    int rc = ledger_open(path, NULL, NULL, l, &diag);
    if (diag.msg[0])
        fprintf(stderr, "cpsbatch: %s\n", diag.msg);
    else if (rc == ERR_LOCKED)
        fprintf(stderr, "cpsbatch: %s is in use by a run; wait until it ends\n", path);
    else if (rc)
        fprintf(stderr, "cpsbatch: %s: %s\n", path, err_str(rc));
    return rc;
}

/* The endpoint: --endpoint, else the ledger's. */
static const char *endpoint_of(const struct wait_cmd *o, const struct ledger *l)
{
    const char *was = ledger_header(l)->endpoint;
    if (o->endpoint)
        return o->endpoint;
    if (strcmp(was, "sandbox") == 0 || !*was) {
        fputs("cpsbatch: this batch was sent to the sandbox (or the ledger names no endpoint); "
              "its emulator is gone: give --endpoint\n",
              stderr);
        return NULL;
    }
    return was;
}

static int wait_on(struct wait_cmd *o, struct ledger *l, const char *endpoint, struct creds *creds,
                   struct waiter_stats *st, long *skipped)
{
    struct transport_config tc = {.workers = 2,
                                  .timeout_ms = (long)(o->timeout_s * 1000),
                                  .connect_timeout_ms = 10000,
                                  .max_connections = o->concurrency,
                                  .ca_file = o->ca.file,
                                  .ca_dir = o->ca.dir};
    struct transport *t = NULL;
    struct request_maker *m = NULL;
    struct ratelimit bucket;
    struct retrybudget budget;
    double burst = o->burst > 0 ? o->burst : (o->rate > 1 ? o->rate : 1);
    int rc = ratelimit_init(&bucket, o->rate, burst, clock_now_us());
    rc = rc ? rc : retrybudget_init(&budget, RETRYBUDGET_DEFAULT_CAPACITY);
    rc = rc ? rc : transport_global_init();
    rc = rc ? rc : transport_new(&tc, &t);
    rc = rc ? rc
            : request_maker_new(endpoint, creds->access_key ? creds->access_key : "none",
                                creds->secret_key ? creds->secret_key : "none", &m);
    if (!rc) {
        struct waitrun wr = {.ledger = l,
                             .port = transport_port(t),
                             .maker = m,
                             .bucket = &bucket,
                             .budget = &budget,
                             .concurrency = o->concurrency,
                             .drain_us = (int64_t)(o->drain_s * 1e6),
                             .region = o->region,
                             .live = runview_live(o->progress, stderr)};
        signals_catch(SIGNALS_SECOND_EXITS);
        rc = waitrun(&wr, &o->w, st, skipped);
    }
    request_maker_free(m);
    transport_free(t);
    return rc;
}

int cmd_wait(int argc, char **argv)
{
    struct wait_cmd o;
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc > 0 ? EXIT_DONE : EXIT_USAGE;
    struct ledger *l = NULL;
    rc = open_ledger(o.ledger, &l);
    if (rc)
        return exit_for_err(rc, EXIT_READING);
    struct creds creds = {0};
    const char *endpoint = endpoint_of(&o, l);
    int status = EXIT_USAGE;
    if (endpoint && !target_check(endpoint, o.insecure_http) &&
        !target_ca_resolve(&o.ca, endpoint) && !target_keys(&creds, o.profile, endpoint)) {
        struct waiter_stats st = {0}; /* as it is when the wait could not begin */
        long skipped = 0;
        rc = wait_on(&o, l, endpoint, &creds, &st, &skipped);
        status = waitrun_exit(&st, rc, skipped);
        if (o.json) {
            json_t *j = waitrun_json(&st, skipped);
            if (j)
                json_object_set_new(j, "exit", json_integer(status));
            json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
            fputc('\n', stdout);
            json_decref(j);
        } else {
            waitrun_summary(&st, skipped, stdout);
        }
    }
    creds_release(&creds);
    int close = ledger_close(l);
    if (close && status != EXIT_USAGE)
        status = exit_for_err(close, EXIT_WRITING);
    return status;
}
