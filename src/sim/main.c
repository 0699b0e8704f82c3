/* cps-sim - the CPS emulator as a program: flags into a struct sim_config, listen, write the
 * port file, serve until SIGINT or SIGTERM. */
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "err.h"
#include "outfile.h"
#include "sim.h"
#include "version.h"

static const char usage[] =
    "usage: cps-sim [--listen HOST:PORT] [--port-file F] [options]\n"
    "\n"
    "A local JD Cloud CPS emulator: createInstances, describeInstance(s), the catalog calls,\n"
    "and GET /__sim/stats, POST /__sim/reset, GET|POST /__sim/faults.\n"
    "\n"
    "Server:\n"
    "  --listen HOST:PORT     address to listen on (default 127.0.0.1:0, an ephemeral port)\n"
    "  --port-file F          write the port to F once listening (atomically)\n"
    "  --threads N            server threads (default 2)\n"
    "  --max-connections N    concurrent connections (default 4096)\n"
    "  --tls-cert FILE        serve HTTPS with this PEM certificate (chain) ...\n"
    "  --tls-key FILE         ... and its PEM private key (both or neither)\n"
    "  --catalog FILE         catalog JSON {regions,deviceTypes,oss,raids,softwares}\n"
    "  --state FILE           remember tokens and instances in FILE across restarts: loaded\n"
    "                         at start, every order and reset on disk before it is answered\n"
    "  --strict-catalog       createInstances also checks az, deviceType, osTypeId, RAID ids\n"
    "  --verbose              log one line per request to stderr\n"
    "  --help                 this text\n"
    "  --version              the version: cps-sim X.Y.Z (git REV)\n"
    "\n"
    "Faults (also at run time: POST /__sim/faults {\"p503\":0.1,...}, keys with '_'):\n"
    "  --p503 P --p429 P --p500 P    probability of 503 UNAVAILABLE / 429 RATE_LIMIT / 500\n"
    "  --reset-before P              close the connection unanswered, nothing created\n"
    "  --reset-after P               create, then close the connection unanswered\n"
    "  --latency-ms MS --jitter-ms MS  delay every answer by MS + uniform(0, jitter)\n"
    "  --rate-limit N [--rate-burst B]  server token bucket, requests/s (burst default N)\n"
    "  --limit-status 503|429        answer over the rate limit (default 503)\n"
    "  --retry-after S               send Retry-After: S with 503 and 429\n"
    "  --quota N                     at most N instances (then 429 QUOTA_EXCEEDED)\n"
    "  --seed N                      repeatable fault sequence\n"
    "  --all-calls                   faults on every API call, not only createInstances\n"
    "  --create-seconds S            instances are 'creating' S seconds (default 2)\n"
    "  --p-error P                   share of instances that end in 'error', not 'running'\n"
    "  --verify-signatures           check JDCLOUD2-HMAC-SHA256 with the keys in\n"
    "                                JDCLOUD_ACCESS_KEY / JDCLOUD_SECRET_KEY (401 otherwise)\n"
    "  --clock YYYYMMDDThhmmssZ      fixed 'now' for the signature date check\n";

enum {
    OPT_LISTEN = 256,
    OPT_PORT_FILE,
    OPT_THREADS,
    OPT_MAX_CONN,
    OPT_CATALOG,
    OPT_STATE,
    OPT_STRICT,
    OPT_VERBOSE,
    OPT_HELP,
    OPT_VERSION,
    OPT_SEED,
    OPT_KNOB,
    OPT_TLS_CERT,
    OPT_TLS_KEY
};

/* Flags that set a knob: the knob is the flag's name with '-' as '_'. */
static const struct option options[] = {
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"port-file", required_argument, NULL, OPT_PORT_FILE},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"max-connections", required_argument, NULL, OPT_MAX_CONN},
    {"catalog", required_argument, NULL, OPT_CATALOG},
    {"state", required_argument, NULL, OPT_STATE},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"strict-catalog", no_argument, NULL, OPT_STRICT},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {"seed", required_argument, NULL, OPT_SEED},
    {"p503", required_argument, NULL, OPT_KNOB},
    {"p429", required_argument, NULL, OPT_KNOB},
    {"p500", required_argument, NULL, OPT_KNOB},
    {"reset-before", required_argument, NULL, OPT_KNOB},
    {"reset-after", required_argument, NULL, OPT_KNOB},
    {"latency-ms", required_argument, NULL, OPT_KNOB},
    {"jitter-ms", required_argument, NULL, OPT_KNOB},
    {"rate-limit", required_argument, NULL, OPT_KNOB},
    {"rate-burst", required_argument, NULL, OPT_KNOB},
    {"limit-status", required_argument, NULL, OPT_KNOB},
    {"retry-after", required_argument, NULL, OPT_KNOB},
    {"quota", required_argument, NULL, OPT_KNOB},
    {"create-seconds", required_argument, NULL, OPT_KNOB},
    {"p-error", required_argument, NULL, OPT_KNOB},
    {"clock", required_argument, NULL, OPT_KNOB},
    {"all-calls", no_argument, NULL, OPT_KNOB},
    {"verify-signatures", no_argument, NULL, OPT_KNOB},
    {NULL, 0, NULL, 0},
};

struct cli {
    struct sim_config cfg;
    json_t *knobs; /* owned: the knob flags as a POST /__sim/faults object */
    char host[256];
    unsigned port;
    const char *port_file;
};

/* A whole number in [lo, hi] from text, or false. */
static bool parse_uint(const char *text, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end;
    if (text[0] < '0' || text[0] > '9')
        return false;
    unsigned long v = strtoul(text, &end, 10);
    if (*end != '\0' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* HOST:PORT, [V6]:PORT or :PORT. */
static bool parse_listen(const char *arg, struct cli *c)
{
    const char *colon = strrchr(arg, ':');
    unsigned long port;
    if (colon == NULL || !parse_uint(colon + 1, 0, 65535, &port))
        return false;
    const char *h = arg;
    size_t n = (size_t)(colon - arg);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n >= sizeof c->host)
        return false;
    memcpy(c->host, h, n);
    c->host[n] = '\0';
    if (n == 0)
        snprintf(c->host, sizeof c->host, "127.0.0.1");
    c->port = (unsigned)port;
    return true;
}

/* The JSON value of a knob flag's argument: a number, or the --clock date as a string. */
static json_t *knob_value(const char *name, const char *arg)
{
    char *end;
    if (arg == NULL)
        return json_true();
    double v = strtod(arg, &end);
    if (end != arg && *end == '\0')
        return v == (double)(long long)v ? json_integer((json_int_t)v) : json_real(v);
    if (strcmp(name, "clock") == 0)
        return json_string(arg);
    return NULL;
}

static int add_knob(struct cli *c, const char *flag, const char *arg)
{
    char name[32];
    snprintf(name, sizeof name, "%s", flag);
    for (char *p = name; *p; p++)
        if (*p == '-')
            *p = '_';
    json_t *v = knob_value(name, arg); /* new; stolen by json_object_set_new */
    if (v == NULL) {
        fprintf(stderr, "cps-sim: --%s: not a number: %s\n", flag, arg);
        return ERR_INVALID;
    }
    return json_object_set_new(c->knobs, name, v) == 0 ? 0 : ERR_NOMEM;
}

static int parse_option(struct cli *c, int opt, int idx, const char *arg)
{
    unsigned long v;
    switch (opt) {
    case OPT_LISTEN:
        if (parse_listen(arg, c))
            return 0;
        fprintf(stderr, "cps-sim: --listen wants HOST:PORT, got %s\n", arg);
        return ERR_INVALID;
    case OPT_PORT_FILE: c->port_file = arg; return 0;
    case OPT_CATALOG: c->cfg.catalog_file = arg; return 0;
    case OPT_STATE: c->cfg.state_file = arg; return 0;
    case OPT_TLS_CERT: c->cfg.tls_cert_file = arg; return 0;
    case OPT_TLS_KEY: c->cfg.tls_key_file = arg; return 0;
    case OPT_STRICT: c->cfg.strict_catalog = true; return 0;
    case OPT_VERBOSE: c->cfg.log = stderr; return 0;
    case OPT_KNOB: return add_knob(c, options[idx].name, arg);
    case OPT_SEED:
        if (!parse_uint(arg, 0, 9007199254740991UL, &v))
            break;
        c->cfg.seed = (long long)v;
        return 0;
    case OPT_THREADS:
        if (!parse_uint(arg, 1, 256, &v))
            break;
        c->cfg.threads = (int)v;
        return 0;
    case OPT_MAX_CONN:
        if (!parse_uint(arg, 1, 1000000, &v))
            break;
        c->cfg.max_connections = (unsigned)v;
        return 0;
    default: return ERR_INVALID;
    }
    fprintf(stderr, "cps-sim: --%s: bad value %s\n", options[idx].name, arg);
    return ERR_INVALID;
}

/* Flags into c. Returns 0, 1 for --help, 2 for --version, or ERR_INVALID after saying why. */
static int parse_args(int argc, char **argv, struct cli *c)
{
    int opt, idx = 0;
    while ((opt = getopt_long(argc, argv, "h", options, &idx)) != -1) {
        if (opt == OPT_HELP || opt == 'h')
            return 1;
        if (opt == OPT_VERSION)
            return 2;
        if (opt == '?' || parse_option(c, opt, idx, optarg) != 0)
            return ERR_INVALID;
    }
    if (optind < argc) {
        fprintf(stderr, "cps-sim: unexpected argument %s\n", argv[optind]);
        return ERR_INVALID;
    }
    char msg[256];
    if (sim_faults_apply_json(&c->cfg.faults, c->knobs, msg, sizeof msg) != 0) {
        fprintf(stderr, "cps-sim: %s\n", msg);
        return ERR_INVALID;
    }
    return 0;
}

/* Write the port to path through outfile.h (a temporary file and a rename), so a reader sees
 * either no file or the whole number. */
static int write_port_file(const char *path, unsigned port)
{
    struct outfile out;
    int rc = outfile_open(&out, path);
    if (rc)
        return rc;
    if (fprintf(out.f, "%u\n", port) < 0) {
        outfile_abandon(&out);
        return ERR_IO;
    }
    return outfile_commit(&out);
}

/* Many keep-alive connections need many descriptors: take what the hard limit allows. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* Serve until SIGINT or SIGTERM. The signals are blocked in every thread (the server's
 * threads inherit the mask) and taken here with sigwait. */
static int serve(struct cli *c, const sigset_t *stop)
{
    char msg[512] = "";
    struct sim *sim;
    int rc = sim_new(&c->cfg, &sim, msg, sizeof msg);
    if (rc != 0) {
        fprintf(stderr, "cps-sim: %s\n", msg[0] ? msg : err_str(rc));
        return 2;
    }
    rc = sim_start(sim, c->host, c->port, msg, sizeof msg);
    if (rc != 0) {
        fprintf(stderr, "cps-sim: %s\n", msg[0] ? msg : err_str(rc));
        sim_free(sim);
        return 1;
    }
    if (c->port_file && write_port_file(c->port_file, sim_port(sim)) != 0) {
        fprintf(stderr, "cps-sim: cannot write the port file %s\n", c->port_file);
        sim_free(sim);
        return 1;
    }
    if (c->cfg.log)
        fprintf(c->cfg.log, "cps-sim: listening on %s port %u\n", c->host, sim_port(sim));
    int sig;
    sigwait(stop, &sig);
    sim_free(sim);
    return 0;
}

int main(int argc, char **argv)
{
    struct cli c = {.port = 0, .port_file = NULL};
    sim_config_default(&c.cfg);
    snprintf(c.host, sizeof c.host, "127.0.0.1");
    c.cfg.access_key = getenv("JDCLOUD_ACCESS_KEY");
    c.cfg.secret_key = getenv("JDCLOUD_SECRET_KEY");
    c.knobs = json_object();
    if (c.knobs == NULL)
        return 1;
    int rc = parse_args(argc, argv, &c);
    if (rc == 2) {
        json_decref(c.knobs);
        printf("cps-sim %s\n", cps_version());
        return 0;
    }
    if (rc != 0) {
        json_decref(c.knobs);
        fputs(rc == 1 ? usage : "try cps-sim --help\n", rc == 1 ? stdout : stderr);
        return rc == 1 ? 0 : 2;
    }
    json_decref(c.knobs);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    return serve(&c, &stop);
}
