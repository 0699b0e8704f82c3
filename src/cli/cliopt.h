/* cliopt.h - a command's options, parsed by one table-driven getopt_long loop.
 *
 * A command lists its options in a table of struct cliopt: the long name, an optional short
 * letter, the kind of value and where it goes. cliopt_parse builds getopt_long's tables from
 * it (in the table's order, which is the order getopt names the candidates of an ambiguous
 * abbreviation), adds -h/--help, checks every value with a message that names the option, and
 * takes exactly one operand. The same option given twice: the last one wins (a CUSTOM option
 * decides for itself, e.g. --threshold adds one more).
 *
 * Messages go to stderr: getopt's own for an unknown option or a missing value ("run:
 * unrecognized option '--x'"), else "cpsbatch: --NAME must be ..., got 'ARG'"; then the
 * command's hint: "Try 'cpsbatch NAME --help'." or its whole usage text.
 *
 * Everything a table points to is borrowed; values stored are borrowed from argv.
 */
#ifndef CPSBATCH_CLIOPT_H
#define CPSBATCH_CLIOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runview.h"

/* Options one command may have, --help included. */
#define CLIOPT_MAX 48

enum cliopt_kind {
    CLIOPT_KIND_SET,      /* no value; bool *dest = true */
    CLIOPT_KIND_CLEAR,    /* no value; bool *dest = false (--no-adapt) */
    CLIOPT_KIND_STRING,   /* const char **dest = the value */
    CLIOPT_KIND_NUMBER,   /* double *dest: a number in [lo, hi] */
    CLIOPT_KIND_INT,      /* int *dest: a number in [lo, hi], its fraction dropped (run's
                             --concurrency 2.5 is 2, as it always was) */
    CLIOPT_KIND_WHOLE,    /* int *dest: a whole number in [lo, hi] */
    CLIOPT_KIND_COUNT,    /* uint64_t *dest: a whole number in [lo, hi] */
    CLIOPT_KIND_DURATION, /* int64_t *dest, microseconds: 500ms, 10s, 2m, 1h (bare: seconds),
                             at most DURATION_MAX_US */
    CLIOPT_KIND_PROGRESS, /* enum runview_progress *dest: auto, always or never */
    CLIOPT_KIND_CUSTOM,   /* take(dest, value); false after its own message */
};

/* One option: its long name (without "--"), its short letter or 0, the kind of its value,
 * where the value goes (the kind's type), a number's range, and a CUSTOM option's function. */
struct cliopt {
    const char *name;
    char letter;
    enum cliopt_kind kind;
    void *dest;
    double lo, hi;
    bool (*take)(void *dest, const char *value);
};

/* Table entries, one per kind; the compiler checks the destination's type. */
#define CLIOPT_DEST_(type, p) ((void *)(1 ? (p) : (type *)NULL))
#define CLIOPT_ENTRY_(name, letter, kind, type, p, lo, hi)                                         \
    {                                                                                              \
        (name), (letter), CLIOPT_KIND_##kind, CLIOPT_DEST_(type, p), (lo), (hi), NULL              \
    }
#define CLIOPT_SET(name, p) CLIOPT_ENTRY_(name, 0, SET, bool, p, 0, 0)
#define CLIOPT_CLEAR(name, p) CLIOPT_ENTRY_(name, 0, CLEAR, bool, p, 0, 0)
#define CLIOPT_STRING(name, p) CLIOPT_ENTRY_(name, 0, STRING, const char *, p, 0, 0)
#define CLIOPT_STRING_SHORT(name, letter, p)                                                       \
    CLIOPT_ENTRY_(name, letter, STRING, const char *, p, 0, 0)
#define CLIOPT_NUMBER(name, p, lo, hi) CLIOPT_ENTRY_(name, 0, NUMBER, double, p, lo, hi)
#define CLIOPT_INT(name, p, lo, hi) CLIOPT_ENTRY_(name, 0, INT, int, p, lo, hi)
#define CLIOPT_WHOLE(name, p, lo, hi) CLIOPT_ENTRY_(name, 0, WHOLE, int, p, lo, hi)
#define CLIOPT_COUNT(name, p, lo, hi) CLIOPT_ENTRY_(name, 0, COUNT, uint64_t, p, lo, hi)
#define CLIOPT_DURATION(name, p) CLIOPT_ENTRY_(name, 0, DURATION, int64_t, p, 0, 0)
#define CLIOPT_PROGRESS(name, p) CLIOPT_ENTRY_(name, 0, PROGRESS, enum runview_progress, p, 0, 0)
#define CLIOPT_CUSTOM(name, p, fn)                                                                 \
    {                                                                                              \
        (name), 0, CLIOPT_KIND_CUSTOM, (p), 0, 0, (fn)                                             \
    }

/* What follows a usage error on stderr. */
enum cliopt_hint {
    CLIOPT_HINT_TRY,  /* "Try 'cpsbatch NAME --help'." */
    CLIOPT_HINT_USAGE /* the whole usage text */
};

struct cliopt_command {
    const char *name;  /* "run", as the hint names it */
    const char *usage; /* the --help text */
    const struct cliopt *opts;
    size_t nopts;
    enum cliopt_hint bad_option;   /* after an option that is unknown or has a bad value */
    enum cliopt_hint bad_operands; /* after none, or more than one, operand */
};

/* Parse argv (argv[0] names the command) against c: the options, anywhere, and exactly one
 * operand, stored in *operand (borrowed from argv); none when operand is NULL. Returns 0; 1 after
 * printing the usage on stdout for -h/--help; ERR_INVALID after printing why and the hint;
 * ERR_RANGE (after a message) for a table of more than CLIOPT_MAX - 1 options, a mistake of the
 * program. */
int cliopt_parse(const struct cliopt_command *c, int argc, char **argv, const char **operand);

/* As cliopt_parse, for a command of min to max operands: *operands points at them in argv
 * (getopt moves them last), *n says how many. */
int cliopt_parse_operands(const struct cliopt_command *c, int argc, char **argv, size_t min,
                          size_t max, char ***operands, size_t *n);

/* Print c's hint h on stderr: for a usage error found after parsing (conflicting options). */
void cliopt_hint(const struct cliopt_command *c, enum cliopt_hint h);

/* The number value of --name, in [lo, hi] (not NaN); false after "cpsbatch: --NAME must be a
 * number from LO to HI, got 'VALUE'". */
bool cliopt_number(const char *name, const char *value, double lo, double hi, double *out);

#endif
