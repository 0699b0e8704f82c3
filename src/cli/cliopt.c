/* cliopt.c - one getopt_long loop for every command (contract in cliopt.h). */
#include "cliopt.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "duration.h"
#include "err.h"

/* getopt_long's value for entry i of a table when it has no letter: above every char. */
#define VAL_BASE 256

/* getopt_long's tables, made from a command's: its entries in order, then --help. */
struct getopt_tables {
    struct option longopts[CLIOPT_MAX + 1];
    char shortopts[2 * CLIOPT_MAX + 1];
};

static bool takes_value(enum cliopt_kind k)
{
    return k != CLIOPT_KIND_SET && k != CLIOPT_KIND_CLEAR;
}

static int build_tables(const struct cliopt_command *c, struct getopt_tables *t)
{
    if (c->nopts > CLIOPT_MAX - 1) {
        fprintf(stderr, "cpsbatch %s: more than %d options\n", c->name, CLIOPT_MAX - 1);
        return ERR_RANGE;
    }
    char *s = t->shortopts;
    *s++ = 'h';
    for (size_t i = 0; i < c->nopts; i++) {
        const struct cliopt *o = &c->opts[i];
        int has = takes_value(o->kind) ? required_argument : no_argument;
        int val = o->letter ? o->letter : VAL_BASE + (int)i;
        t->longopts[i] = (struct option){o->name, has, NULL, val};
        if (o->letter)
            *s++ = o->letter;
        if (o->letter && has)
            *s++ = ':';
    }
    *s = '\0';
    t->longopts[c->nopts] = (struct option){"help", no_argument, NULL, 'h'};
    t->longopts[c->nopts + 1] = (struct option){NULL, 0, NULL, 0};
    return 0;
}

/* The entry getopt_long's val stands for; NULL for '?' (getopt said why). */
static const struct cliopt *find(const struct cliopt_command *c, int val)
{
    if (val >= VAL_BASE && (size_t)(val - VAL_BASE) < c->nopts)
        return &c->opts[val - VAL_BASE];
    for (size_t i = 0; i < c->nopts; i++) {
        if (c->opts[i].letter && c->opts[i].letter == val)
            return &c->opts[i];
    }
    return NULL;
}

bool cliopt_number(const char *name, const char *value, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    if (errno || end == value || *end || !(v >= lo && v <= hi)) {
        fprintf(stderr, "cpsbatch: --%s must be a number from %g to %g, got '%s'\n", name, lo, hi,
                value);
        return false;
    }
    *out = v;
    return true;
}

static bool take_whole(const char *name, const char *value, double lo, double hi, double *out)
{
    if (!cliopt_number(name, value, lo, hi, out))
        return false;
    if (*out == (double)(int64_t)*out)
        return true;
    fprintf(stderr, "cpsbatch: --%s must be a whole number, got '%s'\n", name, value);
    return false;
}

static bool take_integer(const struct cliopt *o, const char *value)
{
    double v;
    bool ok = o->kind == CLIOPT_KIND_INT ? cliopt_number(o->name, value, o->lo, o->hi, &v)
                                         : take_whole(o->name, value, o->lo, o->hi, &v);
    if (ok && o->kind == CLIOPT_KIND_COUNT)
        *(uint64_t *)o->dest = (uint64_t)v;
    else if (ok)
        *(int *)o->dest = (int)v;
    return ok;
}

static bool take_duration(const char *name, const char *value, int64_t *out)
{
    int rc = duration_parse(value, DURATION_S, out);
    if (rc)
        fprintf(stderr, "cpsbatch: --%s must be a duration such as 500ms, 10s or 2m%s, got '%s'\n",
                name, rc == ERR_RANGE ? " (at most a week)" : "", value);
    return rc == 0;
}

static bool take(const struct cliopt *o, const char *value)
{
    switch (o->kind) {
    case CLIOPT_KIND_SET: *(bool *)o->dest = true; return true;
    case CLIOPT_KIND_CLEAR: *(bool *)o->dest = false; return true;
    case CLIOPT_KIND_STRING: *(const char **)o->dest = value; return true;
    case CLIOPT_KIND_NUMBER: return cliopt_number(o->name, value, o->lo, o->hi, o->dest);
    case CLIOPT_KIND_DURATION: return take_duration(o->name, value, o->dest);
    case CLIOPT_KIND_PROGRESS: return runview_parse_progress(value, o->dest);
    case CLIOPT_KIND_CUSTOM: return o->take(o->dest, value);
    default: return take_integer(o, value);
    }
}

void cliopt_hint(const struct cliopt_command *c, enum cliopt_hint h)
{
    if (h == CLIOPT_HINT_USAGE)
        fputs(c->usage, stderr);
    else
        fprintf(stderr, "Try 'cpsbatch %s --help'.\n", c->name);
}

/* Every option of argv, in order: 0, 1 after --help, or ERR_INVALID after the hint. */
static int take_options(const struct cliopt_command *c, const struct getopt_tables *t, int argc,
                        char **argv)
{
    optind = 0; /* glibc: start again from argv[1], whatever was parsed before */
    opterr = 1; /* getopt names an unknown option or a missing value itself */
    int val;
    while ((val = getopt_long(argc, argv, t->shortopts, t->longopts, NULL)) != -1) {
        if (val == 'h') {
            fputs(c->usage, stdout);
            return 1;
        }
        const struct cliopt *o = find(c, val);
        if (!o || !take(o, optarg)) {
            cliopt_hint(c, c->bad_option);
            return ERR_INVALID;
        }
    }
    return 0;
}

int cliopt_parse(const struct cliopt_command *c, int argc, char **argv, const char **operand)
{
    char **operands;
    size_t n, want = operand != NULL;
    int rc = cliopt_parse_operands(c, argc, argv, want, want, &operands, &n);
    if (!rc && operand)
        *operand = operands[0];
    return rc;
}

int cliopt_parse_operands(const struct cliopt_command *c, int argc, char **argv, size_t min,
                          size_t max, char ***operands, size_t *n)
{
    struct getopt_tables t;
    int rc = build_tables(c, &t);
    if (!rc)
        rc = take_options(c, &t, argc, argv);
    if (rc)
        return rc;
    *operands = argv + optind;
    *n = (size_t)(argc - optind);
    if (*n < min || *n > max) {
        cliopt_hint(c, c->bad_operands);
        return ERR_INVALID;
    }
    return 0;
}
