/* exitcode.c - error code to exit status: the one table (exitcode.h). */
#include "exitcode.h"

#include "err.h"

static int exit_for_io(enum exit_doing doing)
{
    switch (doing) {
    case EXIT_READING: return EXIT_NOINPUT;
    case EXIT_CREATING: return EXIT_CANTCREAT;
    case EXIT_WRITING: return EXIT_IOERR;
    case EXIT_SENDING: break;
    }
    return EXIT_INCOMPLETE;
}

int exit_for_err(int err, enum exit_doing doing)
{
    if (err == ERR_OK)
        return EXIT_DONE;
    if (err == ERR_NOMEM)
        return EXIT_SOFTWARE;
    if (doing == EXIT_SENDING)
        return EXIT_INCOMPLETE;
    switch ((enum err_code)err) {
    case ERR_LOCKED: return EXIT_TEMPFAIL;
    case ERR_CORRUPT:
    case ERR_PARSE: return EXIT_DATAERR;
    case ERR_INVALID:
    case ERR_RANGE:
    case ERR_AUTH: return EXIT_USAGE;
    case ERR_STOPPED:
    case ERR_NET: return EXIT_INCOMPLETE;
    case ERR_IO:
    case ERR_NOTFOUND: return exit_for_io(doing);
    case ERR_OK:
    case ERR_NOMEM: break;
    }
    return EXIT_SOFTWARE;
}
