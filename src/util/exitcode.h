/* exitcode.h - the exit statuses of cpsbatch (DESIGN.md "Exit status"). */
#ifndef CPSBATCH_EXITCODE_H
#define CPSBATCH_EXITCODE_H

enum exit_code {
    EXIT_DONE = 0,       /* every row done */
    EXIT_FAILED = 1,     /* finished; some rows failed permanently */
    EXIT_USAGE = 2,      /* bad command line */
    EXIT_INCOMPLETE = 3, /* some rows not final: run again to resume */
    EXIT_THRESHOLD = 4,  /* a load threshold failed */
    EXIT_DATAERR = 65,   /* the input is invalid; nothing was sent */
    EXIT_NOINPUT = 66,   /* an input file cannot be read */
    EXIT_SOFTWARE = 70,  /* internal error (out of memory, ...) */
    EXIT_IOERR = 74      /* an I/O error while writing (a full disk); the cause is named */
};

#endif
