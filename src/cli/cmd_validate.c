/* cmd_validate.c - `cpsbatch validate JOB.csv`. */
#include "cmd_validate.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cliopt.h"
#include "err.h"
#include "exitcode.h"
#include "source.h"
#include "jobcli.h"
#include "plan.h"
#include "preflight.h"

static const char usage[] =
    "usage: cpsbatch validate JOB.csv [options]\n"
    "Check every row of JOB.csv against the createInstances rules; send nothing.\n"
    "JOB.csv may be - (standard input) or a FIFO: it is read once.\n"
    "Every problem is printed as FILE:ROW:COLUMN: message (the header is row 1).\n"
    "\n"
    "  --preflight            also check each row against the catalog (cpsbatch catalog):\n"
    "                         region and zone, device type offered there and not sold out,\n"
    "                         OS and RAID types of that device type; the catalog is read\n"
    "                         once from the endpoint (--endpoint, --sandbox) or from --catalog\n"
    "  --catalog FILE         the catalog file (catalog --json) to check against, offline;\n"
    "                         implies --preflight\n" PREFLIGHT_HELP JOBCLI_HELP
    "  -h, --help             this text\n"
    "\n"
    "Exit status: 0 valid, 65 invalid, 66 unreadable, 2 usage error, 3 the catalog could not\n"
    "be read from the endpoint, 74 standard output cannot be written, 70 out of memory.\n";

int cmd_exit_for_scan(int rc, const struct job_options *jo, const struct plan *p)
{
    const char *path = jo->path;
    if (rc == ERR_IO && jo->source) { /* it names what failed: the CSV, or the spool */
        fprintf(stderr, "cpsbatch: %s\n", source_error(jo->source));
        return exit_for_err(rc, source_spool_failed(jo->source) ? EXIT_CREATING : EXIT_READING);
    }
    if (rc == ERR_IO || rc == ERR_NOMEM) {
        fprintf(stderr, "cpsbatch: %s: %s\n", strcmp(path, "-") ? path : "standard input",
                rc == ERR_IO ? strerror(errno) : err_str(rc));
        return exit_for_err(rc, EXIT_READING);
    }
    if (rc || p->problems) {
        fprintf(stderr, "%s: %ld problem%s; nothing was sent\n", path, p->problems,
                p->problems == 1 ? "" : "s");
        return EXIT_DATAERR;
    }
    return EXIT_DONE;
}

int cmd_validate(int argc, char **argv)
{
    struct jobcli cli = {0};
    struct preflight pf = {0};
    bool preflight = false;
    const struct cliopt opts[] = {JOBCLI_OPTIONS(&cli), CLIOPT_SET("preflight", &preflight),
                                  CLIOPT_STRING("catalog", &pf.catalog_file),
                                  PREFLIGHT_OPTIONS(&pf)};
    const struct cliopt_command cmd = {.name = "validate",
                                       .usage = usage,
                                       .opts = opts,
                                       .nopts = sizeof(opts) / sizeof(opts[0]),
                                       .bad_option = CLIOPT_HINT_USAGE,
                                       .bad_operands = CLIOPT_HINT_USAGE};
    const char *path;
    int rc = cliopt_parse(&cmd, argc, argv, &path);
    if (rc)
        return rc > 0 ? EXIT_DONE : EXIT_USAGE;
    if (pf.sandbox + (pf.endpoint != NULL) + (pf.catalog_file != NULL) > 1) {
        fputs("cpsbatch: give one of --sandbox, --endpoint and --catalog\n", stderr);
        return EXIT_USAGE;
    }
    if (!preflight && !pf.catalog_file && (pf.sandbox || pf.endpoint)) {
        fputs("cpsbatch: --sandbox and --endpoint are where --preflight reads the catalog: "
              "give --preflight too\n",
              stderr);
        return EXIT_USAGE;
    }
    struct job_options o;
    struct plan p = {0};
    struct catalog *catalog = NULL;
    rc = jobcli_prepare(&cli, path, &o);
    if (rc) {
        jobcli_release(&cli);
        return EXIT_USAGE;
    }
    if ((preflight || pf.catalog_file) &&
        (rc = preflight_catalog(&pf, cli.profile, NULL, NULL, NULL, &catalog)) != 0) {
        jobcli_release(&cli);
        return exit_for_err(rc, EXIT_READING);
    }
    o.catalog = catalog;
    rc = plan_scan(&o, jobcli_report, NULL, NULL, NULL, &p);
    int status = cmd_exit_for_scan(rc, &o, &p);
    if (status == EXIT_DONE) {
        printf("%s: valid: ", path);
        plan_print(&p, stdout);
    }
    catalog_free(catalog);
    jobcli_release(&cli);
    return status;
}
