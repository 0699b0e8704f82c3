/* cpsbatch - create JD Cloud Cloud Physical Servers in bulk from a CSV. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "cmd_catalog.h"
#include "cmd_export.h"
#include "cmd_load.h"
#include "cmd_report.h"
#include "cmd_run.h"
#include "cmd_sign.h"
#include "cmd_status.h"
#include "cmd_validate.h"
#include "cmd_wait.h"
#include "exitcode.h"
#include "version.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"validate", cmd_validate, "check every row of a job CSV; send nothing"},
    {"catalog", cmd_catalog, "what the API offers: zones, device types, OS and RAID ids"},
    {"run", cmd_run, "provision every row; rerun the same command to resume"},
    {"wait", cmd_wait, "wait until a batch's servers run; records their state and addresses"},
    {"status", cmd_status, "what a ledger says: done, failed, in doubt, instances"},
    {"export", cmd_export, "the job's rows with each one's outcome and instance ids"},
    {"load", cmd_load, "load-test an endpoint at a fixed arrival rate"},
    {"report", cmd_report, "merge load reports of shares exactly, or diff two (CI thresholds)"},
    {"sign", cmd_sign, "sign one request (JDCLOUD2-HMAC-SHA256) and print every step"},
};

/* The README's "Exit status" table. */
static const char exit_statuses[] =
    "\nExit status (every command):\n"
    "   0  success: every row done, the file valid, the ledger shown or exported (with\n"
    "      --wait and wait: every server running)\n"
    "   1  finished; some rows failed permanently (or, waiting, some servers in error)\n"
    "   2  usage error, or a refusal that says why (another endpoint's or share's ledger,\n"
    "      an endpoint not allowed, no credentials)\n"
    "   3  incomplete: some rows are not final (interrupted, retries exhausted, credentials\n"
    "      rejected; waiting: servers still pending); run the same command again to resume\n"
    "   4  a load threshold failed (load, report merge, report diff)\n"
    "  65  invalid input: a bad CSV (nothing was sent), a corrupt ledger, a load report\n"
    "      that report cannot take (the file and member named)\n"
    "  66  an input file cannot be read (CSV, ledger, password file, load report)\n"
    "  70  internal error: out of memory\n"
    "  73  an output cannot be created (the ledger: no such or unwritable directory, a\n"
    "      dangling symbolic link, a full disk; run's spool of the CSV in $TMPDIR; an\n"
    "      export or report file)\n"
    "  74  an I/O error while writing: the ledger (a full disk: make room, run again), an\n"
    "      output file or standard output; the cause is named\n"
    "  75  another run holds the ledger: try again when it ends\n";

static void usage(FILE *out)
{
    fputs("usage: cpsbatch COMMAND [options]   (cpsbatch COMMAND --help for each)\n"
          "       cpsbatch --version\n\n",
          out);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

/* Every command writes its results to stdout through stdio, whose write errors (a full disk,
 * /dev/full) show only here, at the last flush: such an error is said, and the status is 74,
 * unless the command's status tells more (1, 3, 4: what became of the rows or thresholds) or
 * already is 74 (said). A reader that went away (EPIPE: `... | head`) is not an error. */
static int check_stdout(int status)
{
    errno = 0;
    int failed = fflush(stdout) != 0 || ferror(stdout);
    int e = errno;
    if (!failed || e == EPIPE || status == EXIT_IOERR)
        return status;
    fprintf(stderr, "cpsbatch: cannot write standard output: %s\n",
            e ? strerror(e) : "a write failed");
    bool told = status == EXIT_FAILED || status == EXIT_INCOMPLETE || status == EXIT_THRESHOLD;
    return told ? status : EXIT_IOERR;
}

int main(int argc, char **argv)
{
    /* Every command but status may hold keys or passwords: none of them may end up in a core
     * dump or be read by another process of the same user (ptrace, /proc/PID/mem). */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    /* A closed stdout or stderr (output piped into head) makes writes fail with EPIPE; it
     * never ends a command, least of all a run with requests in flight. */
    signal(SIGPIPE, SIG_IGN);
    /* A file size limit (ulimit -f) reached by the ledger or an output makes the write fail
     * with EFBIG, reported like a full disk, instead of killing the process mid-batch. */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        fputs(exit_statuses, stdout);
        return check_stdout(EXIT_DONE);
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("cpsbatch %s\n", cps_version());
        return check_stdout(EXIT_DONE);
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return check_stdout(commands[i].fn(argc - 1, argv + 1));
    }
    fprintf(stderr, "cpsbatch: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
