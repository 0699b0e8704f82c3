/* cmd_report.c - `cpsbatch report merge A.json B.json ...` and `cpsbatch report diff BASE.json
 * NEW.json`: JSON reports of `cpsbatch load` read back (reportread.h), merged exactly
 * (reportmerge.h) and rendered by the load report's writers, or compared (reportdiff.h).
 */
#include "cmd_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliargs.h"
#include "cliopt.h"
#include "err.h"
#include "exitcode.h"
#include "report.h"
#include "reportdiff.h"
#include "reportmerge.h"
#include "reportread.h"

#define MAX_REPORTS 10000

static const char usage[] =
    "usage: cpsbatch report merge A.json B.json ... [--report text|json|html] [-o FILE]\n"
    "                             [--threshold EXPR ...]\n"
    "       cpsbatch report diff BASE.json NEW.json [--threshold EXPR ...] [--json]\n"
    "JSON reports of 'cpsbatch load --report json' read back.\n"
    "\n"
    "merge: the shares of a split test (load --shard K/N) into one report, exactly as one\n"
    "generator recording every request would have written it: histograms added bucket by\n"
    "bucket (percentiles are never averaged), counts summed, the achieved rate over the union\n"
    "of the sends, the timelines aligned on the wall clock.\n"
    "  --report text|json|html  the merged report's format (default text)\n"
    "  -o, --output FILE      write it to FILE (default standard output)\n"
    "  --threshold EXPR       fail (exit 4) unless EXPR holds for the merged figures:\n"
    "                         p99<250ms, errors<1%, rate>=1900 (as for load)\n"
    "\n"
    "diff: BASE and NEW side by side (requests, rate, error share, p50/p90/p99/p99.9 of the\n"
    "corrected latency and the service time, each with its change).\n"
    "  --threshold EXPR       fail (exit 4) unless EXPR holds; repeatable. A change against\n"
    "                         BASE: p99<+10% (NEW's p99 below BASE's + 10%), rate>=-5%,\n"
    "                         errors<=+0% (error shares); or an absolute limit on NEW:\n"
    "                         p99<250ms, errors<1%\n"
    "  --json                 the comparison as one JSON object\n"
    "  In CI: keep the main branch's report as BASE and run\n"
    "    cpsbatch report diff base.json new.json --threshold 'p99<+10%' --threshold 'rate>=-5%'\n"
    "\n"
    "  -h, --help             this text\n"
    "\n"
    "Exit status: 0 done (every threshold met), 2 usage error, 4 a threshold failed, 65 a\n"
    "report is not one this cpsbatch reads (the member is named), 66 a report cannot be read,\n"
    "73/74 the output cannot be written, 70 out of memory.\n";

struct report_options {
    enum report_format format;
    const char *output;
    bool json;
    struct cli_thresholds thresholds;
};

static bool take_report(void *dest, const char *arg)
{
    return report_parse_format(arg, dest);
}

/* Read every report; *docs is new (free_docs). The exit status: 0, 65, 66 or 70. */
static int read_all(char **paths, size_t n, struct report_doc **docs)
{
    *docs = calloc(n, sizeof(**docs));
    if (!*docs) {
        fprintf(stderr, "cpsbatch: %s\n", err_str(ERR_NOMEM));
        return EXIT_SOFTWARE;
    }
    for (size_t i = 0; i < n; i++) {
        int rc = reportread_file(paths[i], &(*docs)[i]); /* said why */
        if (rc)
            return rc == ERR_PARSE ? EXIT_DATAERR : exit_for_err(rc, EXIT_READING);
    }
    return EXIT_DONE;
}

static void free_docs(struct report_doc *docs, size_t n)
{
    for (size_t i = 0; docs && i < n; i++)
        reportread_release(&docs[i]);
    free(docs);
}

/* Write the merged report and judge its thresholds. */
static int write_merged(const struct report_options *o, struct report_doc *m)
{
    struct threshold_values values;
    report_threshold_values(&m->stats, &values);
    m->info.thresholds = o->thresholds.list;
    m->info.nthresholds = o->thresholds.n;
    m->info.values = &values;
    int rc = report_write(o->format, &m->info, &m->stats, o->output);
    if (rc) /* said why */
        return exit_for_err(rc, EXIT_WRITING);
    return cliargs_judge(&o->thresholds, &values) ? EXIT_DONE : EXIT_THRESHOLD;
}

static int run_merge(const struct report_options *o, char **paths, size_t n)
{
    struct report_doc *docs = NULL, merged = {0};
    int status = read_all(paths, n, &docs);
    if (status == EXIT_DONE) {
        int rc = reportmerge(docs, (const char *const *)paths, n, &merged, stderr);
        if (rc) {
            fprintf(stderr, "cpsbatch: cannot merge the reports: %s\n", err_str(rc));
            status = exit_for_err(rc, EXIT_READING);
        } else {
            status = write_merged(o, &merged);
        }
    }
    reportread_release(&merged);
    free_docs(docs, n);
    return status;
}

static int run_diff(const struct report_options *o, char **paths)
{
    struct report_doc *docs = NULL;
    int status = read_all(paths, 2, &docs);
    if (status == EXIT_DONE) {
        bool passed;
        int rc = reportdiff_write(stdout, o->json, paths[0], &docs[0], paths[1], &docs[1],
                                  o->thresholds.list, o->thresholds.n, &passed);
        if (rc)
            fprintf(stderr, "cpsbatch: cannot write the comparison: %s\n", err_str(rc));
        status = rc ? exit_for_err(rc, EXIT_WRITING) : passed ? EXIT_DONE : EXIT_THRESHOLD;
    }
    free_docs(docs, 2);
    return status;
}

int cmd_report(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(usage, stdout);
        return EXIT_DONE;
    }
    bool merge = argc >= 2 && strcmp(argv[1], "merge") == 0;
    bool diff = argc >= 2 && strcmp(argv[1], "diff") == 0;
    if (!merge && !diff) {
        fprintf(stderr, "cpsbatch: report: give 'merge' or 'diff'%s%s%s\n",
                argc >= 2 ? " (got '" : "", argc >= 2 ? argv[1] : "", argc >= 2 ? "')" : "");
        fprintf(stderr, "Try 'cpsbatch report --help'.\n");
        return EXIT_USAGE;
    }
    struct report_options o = {.format = REPORT_TEXT, .thresholds.relative_allowed = diff};
    /* clang-format off */
    const struct cliopt merge_opts[] = {
        CLIOPT_CUSTOM("report", &o.format, take_report),
        CLIOPT_STRING_SHORT("output", 'o', &o.output),
        CLIOPT_CUSTOM("threshold", &o.thresholds, cliargs_take_threshold)};
    const struct cliopt diff_opts[] = {
        CLIOPT_CUSTOM("threshold", &o.thresholds, cliargs_take_threshold),
        CLIOPT_SET("json", &o.json)};
    /* clang-format on */
    const struct cliopt_command cmd = {.name = "report",
                                       .usage = usage,
                                       .opts = merge ? merge_opts : diff_opts,
                                       .nopts = merge ? sizeof(merge_opts) / sizeof(merge_opts[0])
                                                      : sizeof(diff_opts) / sizeof(diff_opts[0])};
    char **paths;
    size_t n;
    int rc = cliopt_parse_operands(&cmd, argc - 1, argv + 1, merge ? 1 : 2, merge ? MAX_REPORTS : 2,
                                   &paths, &n);
    if (rc)
        return rc > 0 ? EXIT_DONE : EXIT_USAGE;
    return merge ? run_merge(&o, paths, n) : run_diff(&o, paths);
}
