/* cmd_sign.c - `cpsbatch sign` (contract in cmd_sign.h).
 *
 * Steps, each undone by cmd_sign_release: parse the options; prepare the request's parts
 * (URL, date, nonce, body); load the keys; sign and print. Each step prints its own message,
 * and cmd_sign maps the step that failed to the exit status.
 */
#include "cmd_sign.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "creds.h"
#include "token.h"
#include "err.h"
#include "sign.h"

enum {
    CMD_SIGN_OK = 0,
    CMD_SIGN_FAIL = 1,
    CMD_SIGN_USAGE = 2,
    CMD_SIGN_NO_CREDS = 3,
};

#define CMD_SIGN_CONTENT_TYPE "application/json"
/* The largest body signed, in bytes: far above a createInstances body (a few KiB), low enough
 * that a wrong file (a disk image) is refused instead of read into memory. */
#define CMD_SIGN_BODY_MAX ((size_t)64 << 20)

static const char cmd_sign_usage[] =
    "Usage: cpsbatch sign --method M --url URL [--body-file F] [--date YYYYMMDDThhmmssZ]\n"
    "                     [--nonce N] [--profile NAME]\n"
    "\n"
    "Sign one request (JDCLOUD2-HMAC-SHA256) and print one JSON object with its\n"
    "canonical_request, string_to_sign, signature and authorization.\n"
    "\n"
    "  --method M         HTTP method: GET, PUT, POST, DELETE, ...\n"
    "  --url URL          absolute http(s) URL, with its query if any\n"
    "  --body-file F      the body, byte for byte ('-': standard input; default: empty)\n"
    "  --date D           x-jdcloud-date, YYYYMMDDThhmmssZ (default: now, UTC)\n"
    "  --nonce N          x-jdcloud-nonce (default: a fresh random UUID v4)\n"
    "  --profile NAME     profile of ~/.jdc/config to take the keys from\n"
    "  -h, --help         show this help\n"
    "\n"
    "The keys come from the --profile named, else from JDCLOUD_ACCESS_KEY and\n"
    "JDCLOUD_SECRET_KEY, else from ~/.jdc/config's profile named in ~/.jdc/current, else\n"
    "default; never from the command line.\n"
    "Content-Type is application/json.\n"
    "Exit status: 0 ok, 1 internal error, 2 usage error, 3 no usable credentials.\n";

/* The options as given; all borrowed from argv. */
struct cmd_sign_opts {
    const char *method, *url, *body_file, *date, *nonce, *profile;
    bool help;
};

/* Everything one run holds. */
struct cmd_sign_run {
    struct cmd_sign_opts opt;
    struct sign_url url; /* owned */
    char date[17];
    char nonce_buf[37];        /* the generated nonce, when none was given */
    const char *nonce;         /* opt.nonce or nonce_buf */
    struct buf body;           /* owned; empty without --body-file */
    struct creds creds;        /* owned */
    struct sign_result result; /* owned */
};

/* Print "cpsbatch sign: what[: arg]" and return ERR_INVALID (a usage error). */
static int cmd_sign_bad(const char *what, const char *arg)
{
    fprintf(stderr, "cpsbatch sign: %s%s%s\nTry 'cpsbatch sign --help'.\n", what, arg ? ": " : "",
            arg ? arg : "");
    return ERR_INVALID;
}

/* Record option c (from getopt_long) in o. Returns false for '?' and ':'. */
static bool cmd_sign_take(struct cmd_sign_opts *o, int c)
{
    switch (c) {
    case 'm': o->method = optarg; return true;
    case 'u': o->url = optarg; return true;
    case 'b': o->body_file = optarg; return true;
    case 'd': o->date = optarg; return true;
    case 'n': o->nonce = optarg; return true;
    case 'p': o->profile = optarg; return true;
    case 'h': o->help = true; return true;
    default: return false;
    }
}

static int cmd_sign_parse(int argc, char **argv, struct cmd_sign_opts *o)
{
    static const struct option longopts[] = {{"method", required_argument, NULL, 'm'},
                                             {"url", required_argument, NULL, 'u'},
                                             {"body-file", required_argument, NULL, 'b'},
                                             {"date", required_argument, NULL, 'd'},
                                             {"nonce", required_argument, NULL, 'n'},
                                             {"profile", required_argument, NULL, 'p'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    char shortopt[3] = {'-', 0, 0};
    *o = (struct cmd_sign_opts){0};
    optind = 0; /* glibc: rescan from argv[1], whatever the caller parsed before */
    opterr = 0; /* our messages, not getopt's */
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        shortopt[1] = (char)optopt; /* a long option's own text is in argv, not in optopt */
        const char *arg = strncmp(argv[optind - 1], "--", 2) == 0 ? argv[optind - 1] : shortopt;
        if (c == ':')
            return cmd_sign_bad("option needs a value", arg);
        if (!cmd_sign_take(o, c))
            return cmd_sign_bad("unknown option", arg);
    }
    if (optind < argc)
        return cmd_sign_bad("unexpected argument", argv[optind]);
    if (!o->help && (!o->method || !o->url))
        return cmd_sign_bad(o->method ? "--url is required" : "--method is required", NULL);
    return 0;
}

/* Whether s is non-empty visible ASCII: what a method or nonce may hold (it goes into a
 * header and into JSON, which must be valid UTF-8). */
static bool cmd_sign_visible(const char *s, bool letters_only)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        bool letter = (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z');
        if (*s <= ' ' || *s > '~' || (letters_only && !letter))
            return false;
    }
    return true;
}

/* Append everything fd holds to b, up to its cap (one byte more is ERR_RANGE). */
static int cmd_sign_slurp(int fd, struct buf *b)
{
    size_t got = 1;
    int rc = 0;
    while (rc == 0 && got > 0)
        rc = buf_read(b, fd, 64 * 1024, &got);
    if (rc == ERR_RANGE) {
        char probe;
        ssize_t k = read(fd, &probe, 1);
        rc = k == 0 ? 0 : k < 0 ? ERR_IO : ERR_RANGE; /* exactly the cap is fine */
    }
    return rc;
}

/* Read all of path ('-': stdin) into run->body. */
static int cmd_sign_read_body(struct cmd_sign_run *run, const char *path)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cpsbatch sign: cannot open the body file %s: %s\n", path, strerror(errno));
        return ERR_INVALID;
    }
    int rc = cmd_sign_slurp(fileno(f), &run->body);
    if (rc == ERR_IO)
        rc = cmd_sign_bad("cannot read the body file", path);
    if (rc == ERR_RANGE) {
        fprintf(stderr, "cpsbatch sign: the body file %s is larger than %zu bytes\n", path,
                CMD_SIGN_BODY_MAX);
        rc = ERR_INVALID;
    }
    if (rc == ERR_NOMEM)
        fputs("cpsbatch sign: out of memory reading the body\n", stderr);
    if (!is_stdin)
        fclose(f);
    return rc;
}

/* The date and nonce: given (and checked), or now and fresh. */
static int cmd_sign_date_nonce(struct cmd_sign_run *run)
{
    const struct cmd_sign_opts *o = &run->opt;
    if (o->date && !sign_date_valid(o->date))
        return cmd_sign_bad("--date must be YYYYMMDDThhmmssZ (UTC)", o->date);
    if (o->date)
        memcpy(run->date, o->date, sizeof run->date);
    else if (sign_format_date(clock_wall(), run->date))
        return cmd_sign_bad("the system clock is out of range", NULL);
    if (o->nonce && !cmd_sign_visible(o->nonce, false))
        return cmd_sign_bad("--nonce must be visible ASCII characters", o->nonce);
    run->nonce = o->nonce ? o->nonce : run->nonce_buf;
    if (!o->nonce && token_random(run->nonce_buf)) {
        fputs("cpsbatch sign: the random generator failed\n", stderr);
        return ERR_IO;
    }
    return 0;
}

/* Everything of the request but the keys. */
static int cmd_sign_prepare(struct cmd_sign_run *run)
{
    const struct cmd_sign_opts *o = &run->opt;
    if (!cmd_sign_visible(o->method, true))
        return cmd_sign_bad("--method must be letters only", o->method);
    int rc = sign_parse_url(o->url, &run->url);
    if (rc == ERR_PARSE)
        return cmd_sign_bad("--url must be an absolute http(s) URL", o->url);
    if (rc == ERR_RANGE)
        return cmd_sign_bad("--url is too long", NULL);
    if (rc == 0)
        rc = cmd_sign_date_nonce(run);
    if (rc == 0 && o->body_file)
        rc = cmd_sign_read_body(run, o->body_file);
    return rc;
}

/* Load the keys; say why there are none. */
static int cmd_sign_creds(struct cmd_sign_run *run)
{
    char msg[512];
    int rc = creds_load(&run->creds, NULL, run->opt.profile, msg, sizeof msg);
    if (rc) {
        fprintf(stderr, "cpsbatch sign: %s\n", msg[0] ? msg : err_str(rc));
        return rc;
    }
    if (!run->creds.access_key) {
        fputs("cpsbatch sign: no credentials: set JDCLOUD_ACCESS_KEY and JDCLOUD_SECRET_KEY,"
              " or configure a profile in ~/.jdc/config\n",
              stderr);
        return ERR_AUTH;
    }
    return 0;
}

static int cmd_sign_compute(struct cmd_sign_run *run)
{
    struct sign_request req = {.method = run->opt.method,
                               .host = run->url.host,
                               .path = run->url.path,
                               .query = run->url.query,
                               .body = run->body.data,
                               .body_len = run->body.len,
                               .content_type = CMD_SIGN_CONTENT_TYPE,
                               .date = run->date,
                               .nonce = run->nonce,
                               .region = run->url.region,
                               .service = "cps"};
    int rc = sign_compute(&req, run->creds.access_key, run->creds.secret_key, &run->result);
    if (rc == ERR_INVALID)
        fprintf(stderr,
                "cpsbatch sign: the access key from %s may not contain '/', ',' or"
                " blanks\n",
                run->creds.source);
    else if (rc)
        fprintf(stderr, "cpsbatch sign: %s\n", err_str(rc));
    return rc;
}

/* The result as one JSON line on stdout. */
static int cmd_sign_print(const struct sign_result *r)
{
    json_t *o = json_object();
    int rc = json_object_set_new(o, "canonical_request", json_string(r->canonical_request));
    rc |= json_object_set_new(o, "string_to_sign", json_string(r->string_to_sign));
    rc |= json_object_set_new(o, "signature", json_string(r->signature));
    rc |= json_object_set_new(o, "authorization", json_string(r->authorization));
    if (rc == 0)
        rc = json_dumpf(o, stdout, JSON_COMPACT);
    json_decref(o);
    if (rc == 0 && (fputc('\n', stdout) == EOF || fflush(stdout) == EOF))
        rc = -1;
    if (rc)
        fputs("cpsbatch sign: writing the result failed\n", stderr);
    return rc ? ERR_IO : 0;
}

static void cmd_sign_release(struct cmd_sign_run *run)
{
    sign_url_release(&run->url);
    buf_release(&run->body);
    creds_release(&run->creds);
    sign_result_release(&run->result);
}

int cmd_sign(int argc, char **argv)
{
    struct cmd_sign_run run = {.body = BUF_INIT(CMD_SIGN_BODY_MAX)};
    int status = CMD_SIGN_USAGE;
    int rc = cmd_sign_parse(argc, argv, &run.opt);
    if (rc == 0 && run.opt.help) {
        fputs(cmd_sign_usage, stdout);
        return fflush(stdout) == EOF ? CMD_SIGN_FAIL : CMD_SIGN_OK;
    }
    if (rc == 0)
        rc = cmd_sign_prepare(&run);
    if (rc) {
        status = rc == ERR_INVALID ? CMD_SIGN_USAGE : CMD_SIGN_FAIL;
        goto out_release;
    }
    status = CMD_SIGN_NO_CREDS;
    if (cmd_sign_creds(&run))
        goto out_release;
    rc = cmd_sign_compute(&run);
    if (rc == 0)
        rc = cmd_sign_print(&run.result);
    status = rc == 0 ? CMD_SIGN_OK : rc == ERR_INVALID ? CMD_SIGN_NO_CREDS : CMD_SIGN_FAIL;
out_release:
    cmd_sign_release(&run);
    return status;
}
