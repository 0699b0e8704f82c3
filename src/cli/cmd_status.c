/* cmd_status.c - `cpsbatch status LEDGER [--json]` (see cmd_status.h). */
#include "cmd_status.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliopt.h"
#include "err.h"
#include "exitcode.h"
#include "ledger.h"
#include "unsent.h"

enum {
    EXAMPLE_ROWS = 5,    /* rows shown per failure group */
    IN_DOUBT_SHOWN = 10, /* in-doubt rows shown */
    UNSENT_SHOWN = 40    /* unsent row numbers shown */
};

static const char usage[] =
    "usage: cpsbatch status LEDGER [--csv JOB.csv] [--json]\n"
    "Show what a ledger says: rows done, failed and in doubt (pending: sent, outcome not\n"
    "recorded; a rerun resends them with the same token; each with what its attempts met:\n"
    "HTTP 503 UNAVAILABLE \u00d72, then timeout), instances created, failures grouped\n"
    "by HTTP status, API status and message, each server's state and addresses (as `run\n"
    "--wait` or `wait` recorded them), and the rows of the job CSV not sent yet (when the CSV\n"
    "the ledger names is readable and unchanged, or given with --csv). Safe while a run is\n"
    "writing the ledger.\n"
    "\n"
    "  --csv FILE             count unsent rows against this CSV (default: the ledger's, if\n"
    "                         unchanged)\n"
    "  --region R             region for rows without regionId, as the run had it\n"
    "  --json                 one JSON object instead of text\n"
    "  -h, --help             this text\n"
    "\n"
    "Exit status: 0 shown, 2 usage error, 65 corrupt ledger, 66 no such or unreadable file,\n"
    "74 standard output cannot be written, 70 out of memory.\n";

/* Rows that failed the same way. Strings borrowed from the ledger. */
struct failure_group {
    int http;
    const char *status;
    const char *message;
    size_t count;
    long long rows[EXAMPLE_ROWS];
    size_t n_rows;
};

struct failures {
    struct failure_group *groups;
    size_t n;
};

/* 0 go on, 1 help shown, -1 usage error. */
static int parse_args(int argc, char **argv, bool *json, const char **path, const char **csv,
                      struct jobcli *cli)
{
    const struct cliopt opts[] = {CLIOPT_SET("json", json), CLIOPT_STRING("csv", csv),
                                  CLIOPT_STRING("region", &cli->region)};
    const struct cliopt_command cmd = {.name = "status",
                                       .usage = usage,
                                       .opts = opts,
                                       .nopts = sizeof(opts) / sizeof(opts[0]),
                                       .bad_option = CLIOPT_HINT_USAGE,
                                       .bad_operands = CLIOPT_HINT_USAGE};
    int rc = cliopt_parse(&cmd, argc, argv, path);
    return rc < 0 ? -1 : rc;
}

static int exit_for_open(int rc, const struct ledger_diag *diag)
{
    fprintf(stderr, "cpsbatch: %s\n", diag->msg[0] ? diag->msg : err_str(rc));
    return exit_for_err(rc, EXIT_READING);
}

/* ---- Failures, grouped ----------------------------------------------------------------------- */

static int cmp_text(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int cmp_reason(const struct ledger_entry *a, const struct ledger_entry *b)
{
    if (a->http != b->http)
        return a->http < b->http ? -1 : 1;
    int c = cmp_text(a->status, b->status);
    return c ? c : cmp_text(a->message, b->message);
}

static int cmp_failed(const void *pa, const void *pb)
{
    const struct ledger_entry *a = *(const struct ledger_entry *const *)pa;
    const struct ledger_entry *b = *(const struct ledger_entry *const *)pb;
    int c = cmp_reason(a, b);
    return c ? c : (a->row > b->row) - (a->row < b->row);
}

/* Most rows first; ties by reason. */
static int cmp_group(const void *pa, const void *pb)
{
    const struct failure_group *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    if (a->http != b->http)
        return a->http < b->http ? -1 : 1;
    int c = cmp_text(a->status, b->status);
    return c ? c : cmp_text(a->message, b->message);
}

/* failed[] is sorted by reason: one group per run of equal reasons. */
static void group_sorted(const struct ledger_entry **failed, size_t n, struct failures *f)
{
    for (size_t i = 0; i < n; i++) {
        const struct ledger_entry *e = failed[i];
        struct failure_group *g = f->n ? &f->groups[f->n - 1] : NULL;
        if (!g || cmp_reason(failed[i - 1], e) != 0) {
            g = &f->groups[f->n++];
            *g =
                (struct failure_group){.http = e->http, .status = e->status, .message = e->message};
        }
        if (g->n_rows < EXAMPLE_ROWS)
            g->rows[g->n_rows++] = e->row;
        g->count++;
    }
}

static int collect_failures(const struct ledger *l, size_t n_failed, struct failures *f)
{
    const struct ledger_entry **failed = malloc((n_failed ? n_failed : 1) * sizeof(*failed));
    f->groups = malloc((n_failed ? n_failed : 1) * sizeof(*f->groups));
    f->n = 0;
    if (!failed || !f->groups) {
        free(failed);
        free(f->groups);
        f->groups = NULL;
        return ERR_NOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < ledger_size(l) && k < n_failed; i++) {
        const struct ledger_entry *e = ledger_entry_at(l, i);
        if (e->state == LEDGER_FAILED)
            failed[k++] = e;
    }
    qsort(failed, k, sizeof(*failed), cmp_failed);
    group_sorted(failed, k, f);
    qsort(f->groups, f->n, sizeof(*f->groups), cmp_group);
    free(failed);
    return 0;
}

/* ---- Text ------------------------------------------------------------------------------------ */

static void print_header_text(const struct ledger *l)
{
    const struct ledger_header *h = ledger_header(l);
    const char *first = ledger_first_time(l), *last = ledger_last_time(l);
    printf("ledger     %s\n", ledger_path(l));
    printf("csv        %s%s%.12s%s\n", h->csv[0] ? h->csv : "-",
           h->csv_sha256[0] ? " (sha256 " : "", h->csv_sha256, h->csv_sha256[0] ? "...)" : "");
    printf("endpoint   %s\n", h->endpoint[0] ? h->endpoint : "-");
    if (h->shard[0])
        printf("shard      %s (this ledger holds that share of the CSV's rows)\n", h->shard);
    printf("created    %s\n", h->created);
    if (h->version[0])
        printf("version    cpsbatch %s created it\n", h->version);
    printf("records    %s .. %s\n", first ? first : "-", last ? last : "-");
}

/* Text from the ledger (API messages, user tokens) with control characters shown as '?', so
 * a message cannot break the layout or send escape sequences to the terminal; "-" for NULL. */
static void put_clean(const char *s)
{
    if (!s)
        s = "-";
    for (; *s; s++)
        putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void print_failures_text(const struct failures *f)
{
    if (f->n == 0)
        return;
    printf("\nfailures (rows, HTTP status, API status, message):\n");
    for (size_t i = 0; i < f->n; i++) {
        const struct failure_group *g = &f->groups[i];
        printf("%7zu  %3d ", g->count, g->http);
        put_clean(g->status);
        fputs("  ", stdout);
        put_clean(g->message);
        fputs("\n         rows", stdout);
        for (size_t r = 0; r < g->n_rows; r++)
            printf("%s %lld", r ? "," : "", g->rows[r]);
        printf("%s\n", g->count > g->n_rows ? ", ..." : "");
    }
}

/* ---- In doubt: what each attempt met ------------------------------------------------------- */

#define HISTORY_RUNS 4 /* runs of one error kept per row: the last ones */

/* The errors of one row's attempts, as runs of the same one: "HTTP 503 UNAVAILABLE x2, then
 * timeout". The index keeps only the last error; the rest is read from the file again. */
struct history {
    const char *token;
    int attempts;
    int n, dropped; /* runs kept; runs before them, dropped */
    struct {
        char what[64];
        int count;
    } run[HISTORY_RUNS];
};

/* One attempt record's error: "HTTP 503 UNAVAILABLE", "HTTP 500", or the transport's. */
static void history_add(struct history *h, const json_t *rec)
{
    char what[64];
    long long http = json_integer_value(json_object_get(rec, "http"));
    const char *status = json_string_value(json_object_get(rec, "status"));
    const char *error = json_string_value(json_object_get(rec, "error"));
    if (http)
        snprintf(what, sizeof(what), "HTTP %lld%s%.40s", http, status ? " " : "",
                 status ? status : "");
    else
        snprintf(what, sizeof(what), "%.60s", error && *error ? error : "no answer");
    h->attempts++;
    if (h->n > 0 && strcmp(h->run[h->n - 1].what, what) == 0) {
        h->run[h->n - 1].count++;
        return;
    }
    if (h->n == HISTORY_RUNS) {
        memmove(h->run, h->run + 1, (HISTORY_RUNS - 1) * sizeof(h->run[0]));
        h->n--;
        h->dropped++;
    }
    snprintf(h->run[h->n].what, sizeof(h->run[h->n].what), "%s", what);
    h->run[h->n++].count = 1;
}

/* The attempt records of the rows in hs[n] (tokens set), read from the ledger's file. A file
 * that cannot be read leaves them empty: the index's last error is still shown. */
static void history_read(const struct ledger *l, struct history *hs, size_t n)
{
    FILE *in = n ? fopen(ledger_path(l), "r") : NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while (in && (len = getline(&line, &cap, in)) > 0) {
        if (!strstr(line, "\"attempt\""))
            continue;
        json_t *rec = json_loadb(line, (size_t)len, 0, NULL);
        const char *token = json_string_value(json_object_get(rec, "token"));
        const char *type = json_string_value(json_object_get(rec, "type"));
        for (size_t i = 0; token && type && strcmp(type, "attempt") == 0 && i < n; i++)
            if (strcmp(hs[i].token, token) == 0)
                history_add(&hs[i], rec);
        json_decref(rec);
    }
    free(line);
    if (in)
        fclose(in);
}

/* "HTTP 503 UNAVAILABLE x2, then timeout" (x is the multiplication sign); "" for none. */
static void history_text(const struct history *h, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    if (h->dropped)
        len += (size_t)snprintf(out, size, "...");
    for (int i = 0; i < h->n && len < size; i++) {
        len +=
            (size_t)snprintf(out + len, size - len, "%s%s", len ? ", then " : "", h->run[i].what);
        if (h->run[i].count > 1 && len < size)
            len += (size_t)snprintf(out + len, size - len, " \u00d7%d", h->run[i].count);
    }
}

/* The in-doubt rows shown (the first IN_DOUBT_SHOWN, in the index's order), with their
 * histories (every run's attempts, in the file's order). */
static void in_doubt_shown(const struct ledger *l, struct history hs[IN_DOUBT_SHOWN])
{
    size_t n = 0;
    for (size_t i = 0; i < ledger_size(l) && n < IN_DOUBT_SHOWN; i++) {
        const struct ledger_entry *e = ledger_entry_at(l, i);
        if (e->state == LEDGER_INTENT)
            hs[n++] = (struct history){.token = e->token};
    }
    history_read(l, hs, n);
}

static void print_in_doubt_text(const struct ledger *l, size_t in_doubt)
{
    if (in_doubt == 0)
        return;
    printf("\nin doubt (sent, outcome not recorded; a rerun resends with the same token):\n");
    struct history hs[IN_DOUBT_SHOWN];
    in_doubt_shown(l, hs);
    size_t shown = 0;
    for (size_t i = 0; i < ledger_size(l) && shown < IN_DOUBT_SHOWN; i++) {
        const struct ledger_entry *e = ledger_entry_at(l, i);
        if (e->state != LEDGER_INTENT)
            continue;
        char error[512], before[512];
        printf("  row %-8lld ", e->row);
        put_clean(e->token);
        if (e->attempts) {
            printf("  %d attempt%s, last: ", e->attempts, e->attempts == 1 ? "" : "s");
            put_clean(*ledger_entry_error(e, error, sizeof(error)) ? error : "no answer");
        }
        history_text(&hs[shown], before, sizeof(before));
        if (hs[shown].attempts > 1) { /* what the attempts met, in order */
            fputs(" (", stdout);
            put_clean(before);
            putchar(')');
        }
        putchar('\n');
        shown++;
    }
    if (in_doubt > shown)
        printf("  ... and %zu more\n", in_doubt - shown);
}

static json_t *text_or_null(const char *s);

/* ---- Instances: what waiting recorded (state records) ---------------------------------------- */

struct inst_counts {
    size_t running, error, pending; /* pending: no final state recorded (or never waited for) */
};

static const struct ledger_instance *instance_of(const struct ledger_entry *e, size_t k)
{
    return e->instances && e->instances[k].status ? &e->instances[k] : NULL;
}

static void count_instances(const struct ledger *l, struct inst_counts *c)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < ledger_size(l); i++) {
        const struct ledger_entry *e = ledger_entry_at(l, i);
        for (size_t k = 0; e->state == LEDGER_DONE && k < e->n_instance_ids; k++) {
            const struct ledger_instance *in = instance_of(e, k);
            const char *status = in ? in->status : NULL;
            if (!ledger_status_final(status))
                c->pending++;
            else if (ledger_status_failed(status))
                c->error++;
            else
                c->running++;
        }
    }
}

static void print_instances_text(const struct ledger *l, const struct inst_counts *c)
{
    printf("servers    %zu running, %zu error, %zu pending (no final state recorded: "
           "`cpsbatch wait LEDGER`)\n",
           c->running, c->error, c->pending);
    if (c->error == 0)
        return;
    printf("\nservers in error:\n");
    size_t shown = 0;
    for (size_t i = 0; i < ledger_size(l) && shown < IN_DOUBT_SHOWN; i++) {
        const struct ledger_entry *e = ledger_entry_at(l, i);
        for (size_t k = 0; e->state == LEDGER_DONE && k < e->n_instance_ids; k++) {
            const struct ledger_instance *in = instance_of(e, k);
            if (!in || !ledger_status_failed(in->status) || shown >= IN_DOUBT_SHOWN)
                continue;
            printf("  row %-8lld ", e->row);
            put_clean(e->instance_ids[k]);
            fputs("  ", stdout);
            put_clean(in->status);
            if (in->private_ip) {
                fputs("  ", stdout);
                put_clean(in->private_ip);
            }
            putchar('\n');
            shown++;
        }
    }
    if (c->error > shown)
        printf("  ... and %zu more\n", c->error - shown);
}

/* Every instance: row, id, state and addresses (null when not recorded). */
static json_t *instances_json(const struct ledger *l)
{
    json_t *arr = json_array(); /* new */
    for (size_t i = 0; arr && i < ledger_size(l); i++) {
        const struct ledger_entry *e = ledger_entry_at(l, i);
        for (size_t k = 0; e->state == LEDGER_DONE && k < e->n_instance_ids; k++) {
            const struct ledger_instance *in = instance_of(e, k);
            json_t *o = json_pack("{s:I,s:s,s:o,s:o,s:o}", "row", (json_int_t)e->row, "instanceId",
                                  e->instance_ids[k], "state", text_or_null(in ? in->status : NULL),
                                  "privateIp", text_or_null(in ? in->private_ip : NULL), "publicIp",
                                  text_or_null(in ? in->public_ip : NULL));
            if (!o || json_array_append_new(arr, o)) {
                json_decref(arr);
                return NULL;
            }
        }
    }
    return arr;
}

static void print_unsent_text(const struct unsent *u)
{
    if (!u->known) {
        printf("not sent   unknown: %s\n", u->why);
        return;
    }
    printf("not sent   %ld of the CSV's %ld rows", u->count, u->valid_rows);
    for (long i = 0; i < u->count && i < UNSENT_SHOWN; i++)
        printf("%s%ld", i ? ", " : ": rows ", u->rows[i]);
    printf("%s\n", u->count > UNSENT_SHOWN ? ", ..." : "");
}

/* Write errors on stdout are not looked at here: main() reports them (exit 74). */
static void print_text(const struct ledger *l, const struct failures *f, const struct unsent *u)
{
    struct ledger_counts c;
    ledger_counts(l, &c);
    print_header_text(l);
    printf("rows       %zu: %zu done, %zu failed, %zu in doubt (pending)\n", c.tokens, c.done,
           c.failed, c.in_doubt);
    print_unsent_text(u);
    printf("instances  %zu created\n", c.instances);
    struct inst_counts ic;
    count_instances(l, &ic);
    print_instances_text(l, &ic);
    print_failures_text(f);
    print_in_doubt_text(l, c.in_doubt);
}

/* ---- JSON ------------------------------------------------------------------------------------ */

/* A string or null; new reference. */
static json_t *text_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *failures_json(const struct failures *f)
{
    json_t *arr = json_array(); /* new */
    for (size_t i = 0; arr && i < f->n; i++) {
        const struct failure_group *g = &f->groups[i];
        json_t *rows = json_array();
        for (size_t r = 0; rows && r < g->n_rows; r++)
            json_array_append_new(rows, json_integer(g->rows[r]));
        json_t *o = json_pack("{s:i,s:o,s:o,s:I,s:o}", "http", g->http, "status",
                              text_or_null(g->status), "message", text_or_null(g->message), "count",
                              (json_int_t)g->count, "rows", rows);
        if (!o || json_array_append_new(arr, o)) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *in_doubt_json(const struct ledger *l)
{
    json_t *arr = json_array(); /* new */
    struct history hs[IN_DOUBT_SHOWN];
    in_doubt_shown(l, hs);
    size_t shown = 0;
    for (size_t i = 0; arr && i < ledger_size(l) && shown < IN_DOUBT_SHOWN; i++) {
        const struct ledger_entry *e = ledger_entry_at(l, i);
        if (e->state != LEDGER_INTENT)
            continue;
        char error[512], history[512];
        history_text(&hs[shown], history, sizeof(history));
        json_t *o = json_pack("{s:I,s:s,s:i,s:s,s:s}", "row", (json_int_t)e->row, "token", e->token,
                              "attempts", e->attempts, "last_error",
                              ledger_entry_error(e, error, sizeof(error)), "history", history);
        if (!o || json_array_append_new(arr, o)) {
            json_decref(arr);
            return NULL;
        }
        shown++;
    }
    return arr;
}

static json_t *torn_json(const struct ledger_diag *d)
{
    if (!d->torn)
        return json_null();
    return json_pack("{s:I,s:I}", "line", (json_int_t)d->line, "bytes", (json_int_t)d->bytes);
}

static json_t *header_json(const struct ledger *l)
{
    const struct ledger_header *h = ledger_header(l);
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:o,s:o}", "ledger", ledger_path(l), "csv", h->csv,
                     "csv_sha256", h->csv_sha256, "endpoint", h->endpoint, "shard",
                     text_or_null(h->shard[0] ? h->shard : NULL), "created", h->created, "first",
                     text_or_null(ledger_first_time(l)), "last", text_or_null(ledger_last_time(l)));
}

static json_t *unsent_json(const struct unsent *u)
{
    if (!u->known)
        return json_pack("{s:n,s:n,s:s}", "count", "rows", "why", u->why);
    json_t *rows = json_array();
    for (long i = 0; rows && i < u->count; i++)
        json_array_append_new(rows, json_integer(u->rows[i]));
    return json_pack("{s:I,s:o,s:I}", "count", (json_int_t)u->count, "rows", rows, "csv_rows",
                     (json_int_t)u->valid_rows);
}

static int print_json(const struct ledger *l, const struct failures *f, const struct ledger_diag *d,
                      const struct unsent *u)
{
    struct ledger_counts c;
    ledger_counts(l, &c);
    json_t *o = header_json(l); /* new */
    json_t *counts = json_pack(
        "{s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o}", "records", (json_int_t)c.records, "rows",
        (json_int_t)c.tokens, "done", (json_int_t)c.done, "failed", (json_int_t)c.failed,
        "in_doubt", (json_int_t)c.in_doubt, "instances", (json_int_t)c.instances, "failures",
        failures_json(f), "in_doubt_rows", in_doubt_json(l), "torn_tail", torn_json(d));
    struct inst_counts ic;
    count_instances(l, &ic);
    json_t *servers = json_pack("{s:I,s:I,s:I,s:o}", "running", (json_int_t)ic.running, "error",
                                (json_int_t)ic.error, "pending", (json_int_t)ic.pending,
                                "instances", instances_json(l));
    int rc = o && counts && servers && json_object_update(o, counts) == 0 &&
                     json_object_set(o, "servers", servers) == 0 &&
                     json_object_set_new(o, "not_sent", unsent_json(u)) == 0
                 ? 0
                 : ERR_NOMEM;
    json_decref(servers);
    if (rc == 0) { /* a write error shows on stdout: main() reports it */
        json_dumpf(o, stdout, JSON_COMPACT);
        fputc('\n', stdout);
    }
    json_decref(counts);
    json_decref(o);
    return rc;
}

/* ---- The command ----------------------------------------------------------------------------- */

int cmd_status(int argc, char **argv)
{
    bool json = false;
    const char *path = NULL, *csv = NULL;
    struct jobcli cli = {0};
    int rc = parse_args(argc, argv, &json, &path, &csv, &cli);
    if (rc)
        return rc > 0 ? EXIT_DONE : EXIT_USAGE;
    struct ledger *l;
    struct ledger_diag diag;
    rc = ledger_open_readonly(path, NULL, &l, &diag);
    if (rc)
        return exit_for_open(rc, &diag);
    if (diag.msg[0] && !json)
        fprintf(stderr, "cpsbatch: note: %s (a run may be writing it)\n", diag.msg);
    struct ledger_counts c;
    ledger_counts(l, &c);
    struct failures f;
    struct unsent u = {0};
    rc = collect_failures(l, c.failed, &f);
    rc = rc ? rc : unsent_scan(l, csv, &cli, &u);
    if (rc == 0) {
        if (json)
            rc = print_json(l, &f, &diag, &u);
        else
            print_text(l, &f, &u);
    }
    free(f.groups);
    unsent_release(&u);
    jobcli_release(&cli);
    ledger_close(l);
    if (rc)
        fprintf(stderr, "cpsbatch: status: %s\n", err_str(rc));
    return exit_for_err(rc, EXIT_WRITING);
}
