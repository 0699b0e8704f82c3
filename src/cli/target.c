/* target.c - the endpoint and keys of run and load (contract in target.h). */
#include "target.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "endpoint.h"
#include "err.h"

/* The value of the environment variable name, NULL when unset or empty. */
static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* How a path is named in a message: "--cacert FILE" or "CURL_CA_BUNDLE=FILE". */
static void say_path(const char *source, const char *path, const char *why)
{
    fprintf(stderr, "cpsbatch: %s%s%s: %s\n", source, source[0] == '-' ? " " : "=", path, why);
}

/* Whether path (named by source: an option or a variable) is a readable file that holds a PEM
 * certificate; says why not. */
static bool ca_file_usable(const char *path, const char *source)
{
    FILE *f = fopen(path, "r");
    struct stat st;
    const char *why = NULL;
    if (!f) {
        why = strerror(errno);
    } else if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        why = "a directory, not a file (a directory of CAs is --capath)";
    } else {
        X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
        if (!x)
            why = "holds no PEM certificate (-----BEGIN CERTIFICATE-----)";
        X509_free(x);
        ERR_clear_error();
    }
    if (f)
        fclose(f);
    if (why)
        say_path(source, path, why);
    return why == NULL;
}

/* Whether path (named by source) is a directory that can be read; says why not. */
static bool ca_dir_usable(const char *path, const char *source)
{
    DIR *d = opendir(path);
    if (!d) {
        say_path(source, path, strerror(errno));
        return false;
    }
    closedir(d);
    return true;
}

int target_ca_resolve(struct target_ca *c, const char *endpoint)
{
    const char *file_from = "--cacert", *dir_from = "--capath";
    bool https = endpoint && strncasecmp(endpoint, "https:", 6) == 0, from_env = false;
    if (!c->file && !c->dir && https) { /* the curl tool's order */
        if ((c->file = env("CURL_CA_BUNDLE")) != NULL) {
            file_from = "CURL_CA_BUNDLE";
        } else {
            c->file = env("SSL_CERT_FILE");
            c->dir = env("SSL_CERT_DIR");
            file_from = "SSL_CERT_FILE";
            dir_from = "SSL_CERT_DIR";
        }
        from_env = c->file || c->dir;
    }
    if ((c->file && !ca_file_usable(c->file, file_from)) ||
        (c->dir && !ca_dir_usable(c->dir, dir_from)))
        return ERR_INVALID;
    if (from_env) { /* not on the command line: say what the environment chose */
        fprintf(stderr, "cpsbatch: verifying %s against", endpoint);
        if (c->file)
            fprintf(stderr, " the CA file %s (%s)", c->file, file_from);
        if (c->dir)
            fprintf(stderr, "%s the CA directory %s (%s)", c->file ? " and" : "", c->dir, dir_from);
        fputc('\n', stderr);
    }
    return 0;
}

int target_check(const char *endpoint, bool insecure_http)
{
    char msg[256];
    if (endpoint_check(endpoint, insecure_http, msg, sizeof(msg))) {
        fprintf(stderr, "cpsbatch: %s\n", msg);
        return ERR_INVALID;
    }
    return 0;
}

int target_creds(struct creds *c, const char *profile)
{
    char msg[256] = "";
    int rc = creds_load(c, NULL, profile, msg, sizeof(msg));
    if (rc) {
        fprintf(stderr, "cpsbatch: %s\n", *msg ? msg : err_str(rc));
        creds_release(c);
    }
    return rc;
}

int target_keys(struct creds *c, const char *profile, const char *endpoint)
{
    int rc = target_creds(c, profile);
    if (rc || (c->access_key && c->secret_key) || endpoint_is_loopback(endpoint))
        return rc; /* on loopback: an emulator that does not check signatures */
    fprintf(stderr,
            "cpsbatch: no credentials for %s: set JDCLOUD_ACCESS_KEY and "
            "JDCLOUD_SECRET_KEY, or configure ~/.jdc/config (see --profile)\n",
            endpoint);
    return ERR_AUTH;
}
