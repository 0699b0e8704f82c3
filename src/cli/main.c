/* cpsbatch - create JD Cloud Cloud Physical Servers in bulk from a CSV. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "cmd_export.h"
#include "cmd_load.h"
#include "cmd_run.h"
#include "cmd_sign.h"
#include "cmd_status.h"
#include "cmd_validate.h"
#include "exitcode.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"validate", cmd_validate, "check every row of a job CSV; send nothing"},
    {"run", cmd_run, "provision every row; rerun the same command to resume"},
    {"status", cmd_status, "what a ledger says: done, failed, in doubt, instances"},
    {"export", cmd_export, "the job's rows with each one's outcome and instance ids"},
    {"load", cmd_load, "load-test an endpoint at a fixed arrival rate"},
    {"sign", cmd_sign, "sign one request (JDCLOUD2-HMAC-SHA256) and print every step"},
};

static void usage(FILE *out)
{
    fputs("usage: cpsbatch COMMAND [options]   (cpsbatch COMMAND --help for each)\n\n", out);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
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
        return EXIT_DONE;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "cpsbatch: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
