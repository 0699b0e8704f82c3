/* exitcode.h - the exit statuses of cpsbatch (DESIGN.md "Exit status"; the table is in the
 * README's "Exit status" and in `cpsbatch --help`), and the one mapping from an error code
 * (err.h) to a status, used by every command. Statuses 65 and up are the BSD sysexits. */
#ifndef CPSBATCH_EXITCODE_H
#define CPSBATCH_EXITCODE_H

enum exit_code {
    EXIT_DONE = 0,       /* every row done (validate: valid; status, export: shown) */
    EXIT_FAILED = 1,     /* finished; some rows failed permanently */
    EXIT_USAGE = 2,      /* bad command line, or a refusal it explains (another endpoint's
                          * ledger, another share's, a hostile endpoint, no credentials) */
    EXIT_INCOMPLETE = 3, /* some rows not final: run again to resume */
    EXIT_THRESHOLD = 4,  /* a load threshold failed */
    EXIT_DATAERR = 65,   /* the input is invalid (a bad CSV: nothing was sent; a corrupt ledger) */
    EXIT_NOINPUT = 66,   /* an input file cannot be read */
    EXIT_SOFTWARE = 70,  /* internal error: out of memory (anything else here is a bug) */
    EXIT_CANTCREAT = 73, /* an output file (ledger, export, report) cannot be created */
    EXIT_IOERR = 74,     /* an I/O error while writing (a full disk, a full standard output);
                          * the cause is named */
    EXIT_TEMPFAIL = 75   /* the ledger is locked by another run: try again when it ends */
};

/* What a command was doing when an operation failed: an I/O error means another status in
 * each. */
enum exit_doing {
    EXIT_READING,  /* reading an input: ERR_IO and ERR_NOTFOUND give EXIT_NOINPUT */
    EXIT_CREATING, /* creating an output file: ERR_IO and ERR_NOTFOUND give EXIT_CANTCREAT */
    EXIT_WRITING,  /* writing to an output: ERR_IO gives EXIT_IOERR */
    EXIT_SENDING   /* a batch under way: what stops it leaves rows not final, EXIT_INCOMPLETE
                    * (but out of memory) */
};

/* The status for err (0 or an ERR_* code) met while doing what `doing` says:
 *   0 -> EXIT_DONE; ERR_NOMEM -> EXIT_SOFTWARE; ERR_LOCKED -> EXIT_TEMPFAIL;
 *   ERR_CORRUPT, ERR_PARSE -> EXIT_DATAERR; ERR_INVALID, ERR_RANGE, ERR_AUTH -> EXIT_USAGE;
 *   ERR_STOPPED, ERR_NET -> EXIT_INCOMPLETE; ERR_IO, ERR_NOTFOUND -> by `doing`;
 *   anything while EXIT_SENDING but ERR_NOMEM -> EXIT_INCOMPLETE; an unknown code ->
 *   EXIT_SOFTWARE. */
int exit_for_err(int err, enum exit_doing doing);

#endif
