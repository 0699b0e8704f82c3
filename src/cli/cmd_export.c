/* cmd_export.c - the job CSV's rows with each one's outcome from the ledger, as a job.
 *
 * Output columns: the CSV's own (the password column blanked; outcome columns of an earlier
 * export dropped), then clientToken (unless the CSV has one; every valid row's token is
 * written, given or derived), then the outcome as '#' columns, which a job ignores: #status
 * (done, failed, in doubt, not sent, invalid), #instanceIds (";"-joined), #state, #privateIps,
 * #publicIps (per instance, ";"-joined, as `wait` recorded them), #error, #requestId, #attempts. So
 * the export is itself a job: run again, every row replays its token and the API answers with the
 * first result. Rows are matched to the ledger by their token, derived again from the ledger's salt
 * exactly as `run` derived it. The ledger is opened read-only, so this works while a run is
 * writing. With -o the file appears whole (written aside, then renamed).
 *
 * Several ledgers: the shares of one batch (`run --shard K/N`, one ledger each, each with its
 * own salt) exported into one sheet. The CSV is read once, spooled, and passed over once per
 * share, each pass deriving that share's tokens from its salt and keeping, for each row the
 * share owns, its token and outcome; a last pass writes every row in the CSV's order with its
 * owner's. Rows of shares not given are left out, as one share's export leaves out the others.
 */
#include "cmd_export.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cliopt.h"
#include "err.h"
#include "exitcode.h"
#include "jobcli.h"
#include "ledger.h"
#include "outfile.h"
#include "source.h"
#include "token.h"

static const char usage[] =
    "usage: cpsbatch export LEDGER [--ledger LEDGER]... [-o OUT.csv] [--csv JOB.csv] [options]\n"
    "Print the job's rows with each one's outcome, as a job that can be run again: the CSV's\n"
    "columns (password blanked), clientToken, then #status, #instanceIds, #state, #privateIps,\n"
    "#publicIps (per instance, as `run --wait` or `wait` recorded them), #error, #requestId,\n"
    "#attempts ('#' columns are ignored on input). UTF-8, separated as the CSV is.\n"
    "\n"
    "  -o, --output FILE      write to FILE (default: standard output)\n"
    "  --ledger LEDGER        one more share's ledger (run --shard K/N), repeatable: the\n"
    "                         shares of one batch into one sheet, each row's outcome from\n"
    "                         the share that owns it\n"
    "  --csv FILE             the job CSV (default: the one the ledger names)\n"
    "  --bom                  begin with a UTF-8 byte-order mark (default: when the CSV had\n"
    "                         one, as Excel wants)\n"
    "  --crlf                 end lines with CRLF (default: when the CSV's did)\n" JOBCLI_HELP
    "  -h, --help             this text\n"
    "Give the same --region and --password-env/--password-file as the run had, so rows match.\n"
    "\n"
    "Exit status: 0 written, 2 usage error (also: ledgers that are not shares of one split),\n"
    "65 corrupt ledger or invalid CSV, 66 no such or unreadable ledger or CSV, 73 OUT cannot\n"
    "be created, 74 OUT or standard output cannot be written (a full disk), 70 out of memory.\n";

/* Stands in for the password of rows that have none: the token does not depend on it. */
#define PLACEHOLDER_PASSWORD "Export#Placeholder1"

/* A row's owner: its share's token and ledger entry (NULL: not sent). */
struct owner {
    char token[TOKEN_LEN + 1];
    const struct ledger_entry *entry;
};

/* One ledger given: a share of the batch, or the whole batch (k == n == 0). */
struct share {
    const char *path;
    struct ledger *ledger;
    unsigned k, n;
};

struct export
{
    const char *csv, *output;
    struct jobcli cli;
    struct share *shares;
    size_t n_shares;
    struct owner *owners; /* by spreadsheet row; token "" for a row no share given owns */
    long n_owners;
    FILE *out;
    struct outfile file; /* -o FILE */
    bool bom, crlf;      /* the output's style: forced by options, else the input's */
    char separator;      /* the input's */
    int out_errno;       /* why the output could not be created or written */
    bool token_column;   /* the CSV has its own clientToken column */
    long rows, matched;
};

/* --ledger: one more share, after the operand's (which parse() puts first). */
static bool take_ledger(void *dest, const char *arg)
{
    struct export *x = dest;
    struct share *s = realloc(x->shares, (x->n_shares + 1) * sizeof(*s));
    if (!s) {
        fputs("cpsbatch: out of memory\n", stderr);
        return false;
    }
    x->shares = s;
    x->shares[x->n_shares++] = (struct share){.path = arg};
    return true;
}

static int parse(int argc, char **argv, struct export *x)
{
    const struct cliopt opts[] = {
        JOBCLI_OPTIONS(&x->cli),       CLIOPT_STRING_SHORT("output", 'o', &x->output),
        CLIOPT_STRING("csv", &x->csv), CLIOPT_SET("bom", &x->bom),
        CLIOPT_SET("crlf", &x->crlf),  CLIOPT_CUSTOM("ledger", x, take_ledger)};
    const struct cliopt_command cmd = {.name = "export",
                                       .usage = usage,
                                       .opts = opts,
                                       .nopts = sizeof(opts) / sizeof(opts[0]),
                                       .bad_option = CLIOPT_HINT_TRY,
                                       .bad_operands = CLIOPT_HINT_USAGE};
    const char *first = NULL;
    int rc = cliopt_parse(&cmd, argc, argv, &first);
    if (rc == 0 && !take_ledger(x, first))
        rc = ERR_NOMEM;
    if (rc == 0) /* the operand first, the --ledger ones in their order */
        memmove(x->shares + 1, x->shares, (x->n_shares - 1) * sizeof(*x->shares));
    if (rc == 0)
        x->shares[0] = (struct share){.path = first};
    return rc;
}

/* A cell quoted only when it must be (it holds the separator, a quote, a line end, or spaces
 * at an end that a reader would trim), so numbers stay numbers in a spreadsheet. */
static void put_field(const struct export *x, const char *text, bool first)
{
    size_t len = strlen(text);
    char special[] = {x->separator, '"', '\r', '\n', '\0'};
    if (!first)
        fputc(x->separator, x->out);
    if (strpbrk(text, special) || (len && (text[0] == ' ' || text[len - 1] == ' ')))
        csv_fwrite(x->out, text, len);
    else
        fputs(text, x->out);
}

static void end_line(const struct export *x)
{
    fputs(x->crlf ? "\r\n" : "\n", x->out);
}

static const char *const outcome_columns[] = {"#status",     "#instanceIds", "#state",
                                              "#privateIps", "#publicIps",   "#error",
                                              "#requestId",  "#attempts"};
#define OUTCOME_COLUMNS (sizeof(outcome_columns) / sizeof(outcome_columns[0]))

/* A column of an earlier export's outcome: replaced, not repeated. */
static bool is_outcome_column(const char *name)
{
    for (size_t i = 0; i < OUTCOME_COLUMNS; i++)
        if (strcmp(name, outcome_columns[i]) == 0)
            return true;
    return false;
}

static void put_header(struct export *x, struct job *j)
{
    const char *const *names;
    const int *fields;
    size_t n = job_columns(j, &names, &fields);
    bool first = true;
    if (x->bom)
        fputs("\xEF\xBB\xBF", x->out);
    for (size_t c = 0; c < n; c++) {
        if (!is_outcome_column(names[c])) {
            put_field(x, names[c], first);
            first = false;
        }
    }
    if (!x->token_column) {
        put_field(x, "clientToken", first);
        first = false;
    }
    for (size_t i = 0; i < OUTCOME_COLUMNS; i++)
        put_field(x, outcome_columns[i], first && i == 0);
    end_line(x);
}

static const char *state_name(const struct ledger_entry *e)
{
    if (!e)
        return "not sent";
    switch (e->state) {
    case LEDGER_DONE: return "done";
    case LEDGER_FAILED: return "failed";
    default: return "in doubt";
    }
}

/* The instances' states or addresses (which: 0 status, 1 private, 2 public), ';' between
 * instances as in #instanceIds; "" when nothing of them is recorded (not waited for). */
static void put_instance_column(const struct export *x, const struct ledger_entry *e, int which)
{
    char out[4096] = "";
    for (size_t i = 0; e && e->instances && i < e->n_instance_ids; i++) {
        const struct ledger_instance *in = &e->instances[i];
        const char *v = which == 0 ? in->status : which == 1 ? in->private_ip : in->public_ip;
        size_t used = strlen(out);
        snprintf(out + used, sizeof(out) - used, "%s%s", i ? ";" : "", v ? v : "");
    }
    put_field(x, out, false);
}

/* #error: "HTTP 400 INVALID_ARGUMENT: message" for failed rows, and in-doubt rows' last try
 * (also a transport error such as "Timeout was reached"). */
static void put_outcome(const struct export *x, const struct ledger_entry *e)
{
    char ids[4096] = "", error[512] = "", attempts[16] = "";
    for (size_t i = 0; e && i < e->n_instance_ids; i++) {
        size_t used = strlen(ids);
        snprintf(ids + used, sizeof(ids) - used, "%s%s", i ? ";" : "", e->instance_ids[i]);
    }
    if (e && e->state != LEDGER_DONE)
        ledger_entry_error(e, error, sizeof(error));
    if (e && e->attempts)
        snprintf(attempts, sizeof(attempts), "%d", e->attempts);
    put_field(x, state_name(e), false);
    put_field(x, ids, false);
    for (int which = 0; which < 3; which++)
        put_instance_column(x, e, which);
    put_field(x, error, false);
    put_field(x, e && e->request_id ? e->request_id : "", false);
    put_field(x, attempts, false);
}

/* The cell of column c as exported: the password blanked, every valid row's token written. */
static const char *cell_out(const struct job_row *r, const char *token, const char *cell, int field)
{
    if (field == FIELD_PASSWORD)
        return "";
    if (field == FIELD_CLIENT_TOKEN && r->valid && token[0])
        return token;
    return cell;
}

static void put_row(struct export *x, struct job *j, const struct job_row *r, const struct owner *o)
{
    const char *const *names, *const *cells;
    const int *fields;
    size_t n = job_columns(j, &names, &fields), have = job_cells(j, &cells);
    bool first = true;
    for (size_t c = 0; c < n; c++) {
        if (!is_outcome_column(names[c])) {
            put_field(x, cell_out(r, o ? o->token : "", c < have ? cells[c] : "", fields[c]),
                      first);
            first = false;
        }
    }
    if (!x->token_column)
        put_field(x, o ? o->token : "", first);
    x->matched += o && o->entry;
    if (o) {
        put_outcome(x, o->entry);
    } else {
        for (size_t i = 0; i < OUTCOME_COLUMNS; i++)
            put_field(x, i == 0 ? "invalid" : "", false);
    }
    end_line(x);
}

static void quiet(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
}

/* One pass for share s: the token and outcome of every row it owns, into x->owners. */
static int collect(struct export *x, struct job_options *jo, const struct share *s)
{
    jo->salt = ledger_salt(s->ledger);
    jo->salt_len = LEDGER_SALT_LEN;
    jo->shard_k = s->k;
    jo->shard_n = s->n;
    struct job *j;
    int rc = job_open(jo, quiet, NULL, &j); /* the last pass reports the CSV's problems */
    if (rc)
        return rc;
    struct job_row row = {0};
    while ((rc = job_next(j, &row)) == 1) {
        if (!row.valid || !row.in_shard)
            continue;
        if (row.row >= x->n_owners) {
            long n = row.row < 64 ? 128 : 2 * row.row;
            struct owner *o = realloc(x->owners, (size_t)n * sizeof(*o));
            if (!o) {
                rc = ERR_NOMEM;
                break;
            }
            memset(o + x->n_owners, 0, (size_t)(n - x->n_owners) * sizeof(*o));
            x->owners = o;
            x->n_owners = n;
        }
        struct owner *o = &x->owners[row.row];
        memcpy(o->token, row.token, sizeof(o->token));
        o->entry = ledger_find(s->ledger, row.token);
    }
    job_row_release(&row);
    job_close(j);
    return rc < 0 ? rc : source_rewind(jo->source);
}

static int write_rows(struct export *x, struct job_options *jo)
{
    struct job *j;
    const char *tmp = getenv("TMPDIR");
    int rc = jobcli_open_source(&x->cli, jo, tmp && *tmp ? tmp : "/tmp", false);
    for (size_t i = 0; !rc && i < x->n_shares; i++)
        rc = collect(x, jo, &x->shares[i]);
    rc = rc ? rc : job_open(jo, jobcli_report, NULL, &j);
    if (rc)
        return rc;
    const struct source_style *style = source_style(jo->source);
    x->bom |= style->bom;
    x->crlf |= style->crlf;
    x->separator = style->separator ? style->separator : ',';
    const char *const *names;
    const int *fields;
    size_t n = job_columns(j, &names, &fields);
    for (size_t c = 0; c < n; c++)
        x->token_column |= fields[c] == FIELD_CLIENT_TOKEN;
    put_header(x, j);
    struct job_row row = {0};
    while ((rc = job_next(j, &row)) == 1) {
        const struct owner *o = row.valid && row.row < x->n_owners ? &x->owners[row.row] : NULL;
        if (row.valid && (!o || !o->token[0]))
            continue; /* a row of a share not given: in another ledger */
        put_row(x, j, &row, o);
        x->rows++;
    }
    job_row_release(&row);
    job_close(j);
    return rc;
}

static int open_output(struct export *x)
{
    if (!x->output) {
        x->out = stdout;
        return 0;
    }
    int rc = outfile_open(&x->file, x->output);
    x->out_errno = errno;
    x->out = rc ? NULL : x->file.f;
    return rc;
}

/* Put the output in place, unless reading failed (rc). Returns 0 or ERR_IO (out_errno says
 * why). Standard output is left to main(), which reports a write that failed. */
static int close_output(struct export *x, int rc)
{
    if (x->out == stdout)
        return 0;
    x->out = NULL;
    if (rc) {
        outfile_abandon(&x->file);
        return 0;
    }
    int wrc = outfile_commit(&x->file);
    x->out_errno = errno;
    return wrc;
}

/* Whether the CSV a ledger names was a stream (standard input, a FIFO): gone once read. */
static bool read_once(const char *csv)
{
    struct stat st;
    return strcmp(csv, "-") == 0 || (stat(csv, &st) == 0 && S_ISFIFO(st.st_mode));
}

/* Open every ledger given, each as a share (k/n from its header; 0/0 for a whole batch), and
 * check they are shares of one split: one whole batch alone, or shares of one N, each K once.
 * Returns 0 or an exit status, after saying why. */
static int open_shares(struct export *x)
{
    for (size_t i = 0; i < x->n_shares; i++) {
        struct share *s = &x->shares[i];
        struct ledger_diag diag = {0};
        int rc = ledger_open_readonly(s->path, NULL, &s->ledger, &diag);
        if (rc) {
            fprintf(stderr, "cpsbatch: %s\n", diag.msg[0] ? diag.msg : err_str(rc));
            return exit_for_err(rc, EXIT_READING);
        }
        const char *shard = ledger_header(s->ledger)->shard;
        if (*shard && !token_shard_parse(shard, &s->k, &s->n)) {
            fprintf(stderr, "cpsbatch: %s: the header's shard '%s' is not K/N\n", s->path, shard);
            return EXIT_DATAERR;
        }
        if (x->n_shares > 1 && !*shard) {
            fprintf(stderr,
                    "cpsbatch: %s holds a whole batch, not a share: export it alone (several "
                    "ledgers are the shares of one batch, run --shard K/N)\n",
                    s->path);
            return EXIT_USAGE;
        }
        for (size_t k = 0; k < i; k++) {
            const struct share *t = &x->shares[k];
            if (t->n != s->n) {
                fprintf(stderr, "cpsbatch: %s holds share %u/%u, %s share %u/%u: not one split\n",
                        s->path, s->k, s->n, t->path, t->k, t->n);
                return EXIT_USAGE;
            }
            if (t->k == s->k) {
                fprintf(stderr, "cpsbatch: %s and %s both hold share %u/%u\n", t->path, s->path,
                        s->k, s->n);
                return EXIT_USAGE;
            }
        }
    }
    return 0;
}

/* The job CSV: --csv, else the one the first ledger names (which the others must name too). */
static const char *job_csv(const struct export *x)
{
    const char *csv = x->csv ? x->csv : ledger_header(x->shares[0].ledger)->csv;
    if (!csv || !*csv) {
        fputs("cpsbatch: no job CSV: give --csv\n", stderr);
        return NULL;
    }
    for (size_t i = 1; !x->csv && i < x->n_shares; i++) {
        const char *other = ledger_header(x->shares[i].ledger)->csv;
        if (!other || strcmp(other, csv) != 0) {
            fprintf(stderr, "cpsbatch: %s names the CSV %s, %s names %s: give --csv JOB.csv\n",
                    x->shares[0].path, csv, x->shares[i].path, other ? other : "none");
            return NULL;
        }
    }
    if (!x->csv && read_once(csv)) {
        fprintf(stderr,
                "cpsbatch: %s: the batch's CSV was read from %s, which cannot be read again: "
                "give --csv JOB.csv\n",
                x->shares[0].path, strcmp(csv, "-") == 0 ? "standard input" : csv);
        return NULL;
    }
    return csv;
}

/* "" for a whole batch, " (share K/N)", or " (shares K/N, K/N, ...)". */
static void shares_said(const struct export *x, char *out, size_t len)
{
    out[0] = '\0';
    for (size_t i = 0; i < x->n_shares && x->shares[i].n; i++) {
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%u/%u",
                 i                 ? ", "
                 : x->n_shares > 1 ? " (shares "
                                   : " (share ",
                 x->shares[i].k, x->shares[i].n);
    }
    if (out[0]) {
        size_t used = strlen(out);
        snprintf(out + used, len - used, ")");
    }
}

static int export_all(struct export *x)
{
    struct job_options jo;
    int status = open_shares(x);
    if (status)
        return status;
    const char *csv = job_csv(x);
    if (!csv)
        return EXIT_USAGE;
    if (jobcli_prepare(&x->cli, csv, &jo))
        return EXIT_USAGE;
    if (!jo.password)
        jo.password = PLACEHOLDER_PASSWORD;
    int rc = open_output(x);
    if (rc) {
        fprintf(stderr, "cpsbatch: %s: cannot create: %s\n", x->output,
                rc == ERR_IO ? strerror(x->out_errno) : err_str(rc));
        return exit_for_err(rc, EXIT_CREATING);
    }
    rc = write_rows(x, &jo);
    int read_errno = errno, wrc = close_output(x, rc);
    if (rc) {
        fprintf(stderr, "cpsbatch: export of %s failed: %s\n", csv,
                rc == ERR_IO ? strerror(read_errno) : err_str(rc));
        return rc == ERR_IO || rc == ERR_NOMEM ? exit_for_err(rc, EXIT_READING) : EXIT_DATAERR;
    }
    if (wrc) {
        fprintf(stderr, "cpsbatch: %s: cannot write: %s\n", x->output, strerror(x->out_errno));
        return exit_for_err(wrc, EXIT_WRITING);
    }
    char said[256];
    size_t tokens = 0;
    for (size_t i = 0; i < x->n_shares; i++)
        tokens += ledger_size(x->shares[i].ledger);
    shares_said(x, said, sizeof(said));
    fprintf(stderr, "cpsbatch: %ld rows%s, %ld with a ledger record (of %zu tokens)\n", x->rows,
            said, x->matched, tokens);
    return EXIT_DONE;
}

int cmd_export(int argc, char **argv)
{
    struct export x = {0};
    int rc = parse(argc, argv, &x);
    int status = rc == ERR_NOMEM ? EXIT_SOFTWARE
                 : rc > 0        ? EXIT_DONE
                 : rc < 0        ? EXIT_USAGE
                                 : export_all(&x);
    for (size_t i = 0; i < x.n_shares; i++)
        ledger_close(x.shares[i].ledger);
    free(x.shares);
    free(x.owners);
    jobcli_release(&x.cli);
    return status;
}
