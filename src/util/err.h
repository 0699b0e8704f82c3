/* err.h - the project's one list of error codes.
 *
 * Actions return 0 on success or one of these negative codes; predicates return bool.
 * err_str() gives the message for a code. A caller that needs to say *where* something failed
 * (file, row, column) says so in its own message and uses the code only for the kind.
 */
#ifndef CPSBATCH_ERR_H
#define CPSBATCH_ERR_H

enum err_code {
    ERR_OK = 0,
    ERR_NOMEM = -1,   /* out of memory */
    ERR_IO = -2,      /* a read, write, open or fsync failed (see errno) */
    ERR_INVALID = -3, /* bad input: a value that breaks a rule */
    ERR_PARSE = -4,   /* malformed syntax: CSV, JSON, a number */
    ERR_NOTFOUND = -5,
    ERR_LOCKED = -6,  /* another process holds the lock */
    ERR_CORRUPT = -7, /* a file's content is not what its format says */
    ERR_RANGE = -8,   /* a number or size out of its range */
    ERR_NET = -9,     /* a network or HTTP-level failure */
    ERR_AUTH = -10,   /* credentials missing or rejected */
    ERR_STOPPED = -11 /* stopped on request (signal) */
};

/* The message for code, a static string; never NULL. */
const char *err_str(int code);

#endif
