/* cmd_run.c - `cpsbatch run`: options, the first pass, then the dry run or the engine. */
#include "cmd_run.h"

#include <getopt.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_validate.h"
#include "err.h"
#include "exitcode.h"
#include "jobcli.h"
#include "plan.h"

#define DEFAULT_ENDPOINT "https://cps.jdcloud-api.com"

static const char usage[] =
    "usage: cpsbatch run JOB.csv [options]\n"
    "Create the servers of every row of JOB.csv: one createInstances call per row, each with\n"
    "its own clientToken, recorded in a ledger. Run the same command again to resume.\n"
    "\n"
    "  --endpoint URL         API endpoint (default " DEFAULT_ENDPOINT ")\n"
    "  --dry-run              send nothing; print each request as one JSON line\n"
    JOBCLI_HELP
    "  -h, --help             this text\n"
    "\n"
    "Exit status: 0 every row done, 1 some rows failed, 2 usage error, 3 incomplete (run\n"
    "again), 65 invalid input (nothing sent), 66 unreadable input.\n";

struct run_options {
    const char *csv;
    const char *endpoint;
    bool dry_run;
    struct jobcli cli;
};

enum { OPT_ENDPOINT = 1, OPT_DRY_RUN };

static int parse_options(int argc, char **argv, struct run_options *o)
{
    static const struct option longopts[] = {
        JOBCLI_LONG_OPTIONS,
        {"endpoint", required_argument, NULL, OPT_ENDPOINT},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int opt;
    optind = 1;
    o->endpoint = DEFAULT_ENDPOINT;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(usage, stdout);
            return 1;
        } else if (opt == OPT_ENDPOINT) {
            o->endpoint = optarg;
        } else if (opt == OPT_DRY_RUN) {
            o->dry_run = true;
        } else if (!jobcli_take(&o->cli, opt, optarg)) {
            fputs(usage, stderr);
            return ERR_INVALID;
        }
    }
    if (optind != argc - 1) {
        fputs(usage, stderr);
        return ERR_INVALID;
    }
    o->csv = argv[optind];
    return 0;
}

/* One dry-run line: {"row","token","method","url","body"} with the password masked. */
static int print_request(const struct run_options *o, const struct job_row *r)
{
    json_t *body = spec_to_json(&r->spec, true);
    char url[1024];
    snprintf(url, sizeof(url), "%s/v1/regions/%s/instances", o->endpoint,
             r->spec.str[FIELD_REGION_ID]);
    json_t *line = json_pack("{s:i,s:s,s:s,s:s,s:o}", "row", (json_int_t)r->row, "token",
                             r->token, "method", "PUT", "url", url, "body", body);
    if (!line)
        return ERR_NOMEM;
    int rc = json_dumpf(line, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(line);
    return rc ? ERR_IO : 0;
}

static int dry_run(const struct run_options *o, struct job_options *jo)
{
    unsigned char salt[32];
    if (RAND_bytes(salt, sizeof(salt)) != 1)
        return ERR_IO;
    fputs("cpsbatch: no ledger yet: the tokens shown are examples; the first run fixes them\n",
          stderr);
    jo->salt = salt;
    jo->salt_len = sizeof(salt);
    struct job *j;
    int rc = job_open(jo, jobcli_report, NULL, &j);
    if (rc)
        return rc;
    struct job_row row = {0};
    while (!rc && (rc = job_next(j, &row)) == 1)
        rc = print_request(o, &row);
    job_row_release(&row);
    job_close(j);
    return rc < 0 ? rc : 0;
}

int cmd_run(int argc, char **argv)
{
    struct run_options o = {0};
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc > 0 ? EXIT_DONE : EXIT_USAGE;
    struct job_options jo;
    struct plan p;
    int status = EXIT_USAGE;
    if (jobcli_prepare(&o.cli, o.csv, &jo))
        goto out;
    status = cmd_exit_for_scan(plan_scan(&jo, jobcli_report, NULL, &p), o.csv, &p);
    if (status != EXIT_DONE)
        goto out;
    if (!o.dry_run) {
        fputs("cpsbatch: sending is not built yet; use --dry-run\n", stderr);
        status = EXIT_USAGE;
        goto out;
    }
    rc = dry_run(&o, &jo);
    status = rc ? EXIT_SOFTWARE : EXIT_DONE;
out:
    jobcli_release(&o.cli);
    return status;
}
