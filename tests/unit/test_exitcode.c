/* test_exitcode.c - the one mapping from error codes to exit statuses (exitcode.h), row by
 * row: every error code, in each of the four things a command may be doing. */
#include "check.h"

#include "err.h"
#include "exitcode.h"

struct row {
    int err;
    int reading, creating, writing, sending;
};

static const struct row table[] = {
    {ERR_OK, EXIT_DONE, EXIT_DONE, EXIT_DONE, EXIT_DONE},
    {ERR_NOMEM, EXIT_SOFTWARE, EXIT_SOFTWARE, EXIT_SOFTWARE, EXIT_SOFTWARE},
    {ERR_IO, EXIT_NOINPUT, EXIT_CANTCREAT, EXIT_IOERR, EXIT_INCOMPLETE},
    {ERR_NOTFOUND, EXIT_NOINPUT, EXIT_CANTCREAT, EXIT_IOERR, EXIT_INCOMPLETE},
    {ERR_LOCKED, EXIT_TEMPFAIL, EXIT_TEMPFAIL, EXIT_TEMPFAIL, EXIT_INCOMPLETE},
    {ERR_CORRUPT, EXIT_DATAERR, EXIT_DATAERR, EXIT_DATAERR, EXIT_INCOMPLETE},
    {ERR_PARSE, EXIT_DATAERR, EXIT_DATAERR, EXIT_DATAERR, EXIT_INCOMPLETE},
    {ERR_INVALID, EXIT_USAGE, EXIT_USAGE, EXIT_USAGE, EXIT_INCOMPLETE},
    {ERR_RANGE, EXIT_USAGE, EXIT_USAGE, EXIT_USAGE, EXIT_INCOMPLETE},
    {ERR_AUTH, EXIT_USAGE, EXIT_USAGE, EXIT_USAGE, EXIT_INCOMPLETE},
    {ERR_NET, EXIT_INCOMPLETE, EXIT_INCOMPLETE, EXIT_INCOMPLETE, EXIT_INCOMPLETE},
    {ERR_STOPPED, EXIT_INCOMPLETE, EXIT_INCOMPLETE, EXIT_INCOMPLETE, EXIT_INCOMPLETE},
    {-99, EXIT_SOFTWARE, EXIT_SOFTWARE, EXIT_SOFTWARE, EXIT_INCOMPLETE},
};

int main(void)
{
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        const struct row *r = &table[i];
        CHECK_INT(exit_for_err(r->err, EXIT_READING), ==, r->reading);
        CHECK_INT(exit_for_err(r->err, EXIT_CREATING), ==, r->creating);
        CHECK_INT(exit_for_err(r->err, EXIT_WRITING), ==, r->writing);
        CHECK_INT(exit_for_err(r->err, EXIT_SENDING), ==, r->sending);
    }
    /* The sysexits values, as documented. */
    CHECK_INT(EXIT_DATAERR, ==, 65);
    CHECK_INT(EXIT_NOINPUT, ==, 66);
    CHECK_INT(EXIT_SOFTWARE, ==, 70);
    CHECK_INT(EXIT_CANTCREAT, ==, 73);
    CHECK_INT(EXIT_IOERR, ==, 74);
    CHECK_INT(EXIT_TEMPFAIL, ==, 75);
    return check_done();
}
