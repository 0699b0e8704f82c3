/* test_target.c - where run and load may send, the keys they sign with and the CAs they
 * trust: a real temporary home (mkdtemp) with ~/.jdc/config, the environment's keys, loopback
 * without keys, real CA files and directories with the curl tool's variables, and each
 * refusal's message on stderr. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "capture.h"
#include "check.h"
#include "err.h"
#include "target.h"
#include "tmpfile.h"

static char home[64];
static char config[128];

static const char config_text[] = "[default]\n"
                                  "access_key = AKDEFAULT\n"
                                  "secret_key = SKDEFAULT\n"
                                  "region_id = cn-north-1\n"
                                  "[half]\n"
                                  "access_key = AKHALF\n";

/* A home whose ~/.jdc/config holds text, or has no config at all (text NULL). */
static void set_home(const char *text)
{
    char dir[128];
    snprintf(dir, sizeof(dir), "%s/.jdc", home);
    mkdir(dir, 0700);
    unlink(config);
    FILE *f = text ? fopen(config, "w") : NULL;
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_endpoint(void)
{
    struct capture err;
    capture_begin(&err, stderr);
    CHECK_INT(target_check("https://cps.example.com", false), ==, 0);
    CHECK_INT(target_check("http://127.0.0.1:8080", false), ==, 0);
    CHECK_INT(target_check("http://example.com", true), ==, 0);
    CHECK_STR(capture_end(&err), "");
    capture_begin(&err, stderr);
    CHECK_INT(target_check("http://example.com", false), ==, ERR_INVALID);
    CHECK(strncmp(capture_end(&err), "cpsbatch: ", 10) == 0 && strstr(err.text, "example.com"));
    capture_begin(&err, stderr);
    CHECK_INT(target_check("ftp://example.com", false), ==, ERR_INVALID);
    CHECK_STR(capture_end(&err), "cpsbatch: --endpoint must be an http(s) URL, got "
                                 "'ftp://example.com'\n");
}

static void test_no_keys(void)
{
    struct creds c;
    struct capture err;
    set_home(NULL);
    capture_begin(&err, stderr);
    CHECK_INT(target_keys(&c, NULL, "http://127.0.0.1:9"), ==, 0); /* an emulator */
    CHECK(c.access_key == NULL && c.secret_key == NULL);
    CHECK_STR(capture_end(&err), "");
    creds_release(&c);
    capture_begin(&err, stderr);
    CHECK_INT(target_keys(&c, NULL, "https://cps.example.com"), ==, ERR_AUTH);
    CHECK_STR(capture_end(&err), "cpsbatch: no credentials for https://cps.example.com: set "
                                 "JDCLOUD_ACCESS_KEY and JDCLOUD_SECRET_KEY, or configure "
                                 "~/.jdc/config (see --profile)\n");
    creds_release(&c);
}

static void test_keys_found(void)
{
    struct creds c;
    set_home(config_text);
    CHECK_INT(target_keys(&c, NULL, "https://cps.example.com"), ==, 0);
    CHECK_STR(c.access_key, "AKDEFAULT");
    CHECK_STR(c.region_id, "cn-north-1");
    creds_release(&c);
    setenv("JDCLOUD_ACCESS_KEY", "AKENV", 1);
    setenv("JDCLOUD_SECRET_KEY", "SKENV", 1);
    CHECK_INT(target_keys(&c, NULL, "https://cps.example.com"), ==, 0);
    CHECK_STR(c.access_key, "AKENV");
    creds_release(&c);
    CHECK_INT(target_keys(&c, "default", "https://cps.example.com"), ==, 0);
    CHECK_STR(c.access_key, "AKDEFAULT"); /* a profile named wins over the environment */
    creds_release(&c);
    unsetenv("JDCLOUD_ACCESS_KEY");
    unsetenv("JDCLOUD_SECRET_KEY");
}

/* creds_load's errors: said, and nothing kept, even against loopback. */
static void test_errors(void)
{
    struct creds c;
    struct capture err;
    char want[256];
    set_home(config_text);
    capture_begin(&err, stderr);
    CHECK_INT(target_keys(&c, "nosuch", "http://127.0.0.1:9"), ==, ERR_NOTFOUND);
    snprintf(want, sizeof(want), "cpsbatch: profile [nosuch] not found in %s\n", config);
    CHECK_STR(capture_end(&err), want);
    CHECK(c.access_key == NULL && c.region_id == NULL);
    capture_begin(&err, stderr);
    CHECK_INT(target_creds(&c, "half"), ==, ERR_INVALID);
    CHECK(strncmp(capture_end(&err), "cpsbatch: ", 10) == 0 && !strstr(err.text, "SKDEFAULT"));
    CHECK(c.access_key == NULL);
    setenv("JDCLOUD_ACCESS_KEY", "AKENV", 1); /* one of the two */
    capture_begin(&err, stderr);
    CHECK_INT(target_creds(&c, NULL), ==, ERR_INVALID);
    CHECK(strstr(capture_end(&err), "JDCLOUD_SECRET_KEY") != NULL);
    unsetenv("JDCLOUD_ACCESS_KEY");
}

/* A file holding a throwaway self-signed certificate as PEM; its path into path (64 bytes). */
static void write_cert(char *path)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)"test CA", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_sign(x, key, EVP_sha256());
    strcpy(path, "/tmp/cpsbatch-test-XXXXXX");
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    CHECK(f != NULL && PEM_write_X509(f, x) == 1);
    if (f)
        fclose(f);
    X509_free(x);
    EVP_PKEY_free(key);
}

/* resolve(cacert, capath, endpoint): target_ca_resolve's verdict; file and dir what it chose,
 * msg what it said (both borrowed until the next call). */
static const char *got_file, *got_dir;
static struct capture said;
static int resolve(const char *cacert, const char *capath, const char *endpoint)
{
    struct target_ca c = {.file = cacert, .dir = capath};
    capture_begin(&said, stderr);
    int rc = target_ca_resolve(&c, endpoint);
    capture_end(&said);
    got_file = c.file;
    got_dir = c.dir;
    return rc;
}

static void unset_ca_env(void)
{
    unsetenv("CURL_CA_BUNDLE");
    unsetenv("SSL_CERT_FILE");
    unsetenv("SSL_CERT_DIR");
}

/* The order of the curl tool: an option wins over every variable; CURL_CA_BUNDLE over
 * SSL_CERT_FILE and SSL_CERT_DIR (which go together); empty means unset; none: the system's. */
static void test_ca_order(const char *cert, const char *other, const char *dir)
{
    const char *https = "https://127.0.0.1:8443";
    unset_ca_env();
    CHECK_INT(resolve(NULL, NULL, https), ==, 0);
    CHECK(got_file == NULL && got_dir == NULL && said.text[0] == '\0');
    setenv("CURL_CA_BUNDLE", cert, 1);
    setenv("SSL_CERT_FILE", other, 1);
    setenv("SSL_CERT_DIR", dir, 1);
    CHECK_INT(resolve(other, NULL, https), ==, 0); /* the option: nothing from the environment */
    CHECK(got_file == other && got_dir == NULL && said.text[0] == '\0');
    CHECK_INT(resolve(NULL, dir, https), ==, 0);
    CHECK(got_file == NULL && got_dir == dir);
    CHECK_INT(resolve(NULL, NULL, https), ==, 0); /* CURL_CA_BUNDLE, alone */
    CHECK(got_file && strcmp(got_file, cert) == 0 && got_dir == NULL);
    char want[512];
    snprintf(want, sizeof want, "cpsbatch: verifying %s against the CA file %s (CURL_CA_BUNDLE)\n",
             https, cert);
    CHECK_STR(said.text, want);
    setenv("CURL_CA_BUNDLE", "", 1); /* empty: unset; then both SSL_CERT_ variables */
    CHECK_INT(resolve(NULL, NULL, https), ==, 0);
    CHECK(got_file && strcmp(got_file, other) == 0 && got_dir && strcmp(got_dir, dir) == 0);
    snprintf(want, sizeof want,
             "cpsbatch: verifying %s against the CA file %s (SSL_CERT_FILE) and the CA "
             "directory %s (SSL_CERT_DIR)\n",
             https, other, dir);
    CHECK_STR(said.text, want);
    unsetenv("SSL_CERT_FILE");
    CHECK_INT(resolve(NULL, NULL, https), ==, 0);
    CHECK(got_file == NULL && got_dir && strcmp(got_dir, dir) == 0);
    /* Plain http (an emulator): the variables are not read. */
    setenv("SSL_CERT_DIR", "/nonexistent", 1);
    CHECK_INT(resolve(NULL, NULL, "http://127.0.0.1:8080"), ==, 0);
    CHECK(got_file == NULL && got_dir == NULL && said.text[0] == '\0');
    unset_ca_env();
}

/* What is named must be there: each refusal names the option or variable, the path, why. */
static void test_ca_refused(const char *cert, const char *dir)
{
    const char *https = "https://cps.example.com";
    char empty[64], want[512];
    CHECK_INT(tmpfile_write(empty, "not a certificate\n", 18), ==, 0);
    CHECK_INT(resolve("/nonexistent/ca.pem", NULL, https), ==, ERR_INVALID);
    CHECK_STR(said.text, "cpsbatch: --cacert /nonexistent/ca.pem: No such file or directory\n");
    CHECK_INT(resolve(NULL, "/nonexistent/certs", https), ==, ERR_INVALID);
    CHECK_STR(said.text, "cpsbatch: --capath /nonexistent/certs: No such file or directory\n");
    CHECK_INT(resolve(dir, NULL, https), ==, ERR_INVALID);
    snprintf(want, sizeof want,
             "cpsbatch: --cacert %s: a directory, not a file (a directory of CAs is --capath)\n",
             dir);
    CHECK_STR(said.text, want);
    CHECK_INT(resolve(NULL, cert, https), ==, ERR_INVALID);
    snprintf(want, sizeof want, "cpsbatch: --capath %s: Not a directory\n", cert);
    CHECK_STR(said.text, want);
    CHECK_INT(resolve(empty, NULL, https), ==, ERR_INVALID);
    snprintf(want, sizeof want,
             "cpsbatch: --cacert %s: holds no PEM certificate (-----BEGIN CERTIFICATE-----)\n",
             empty);
    CHECK_STR(said.text, want);
    /* Options are checked whatever the endpoint. */
    CHECK_INT(resolve("/nonexistent/ca.pem", NULL, "http://127.0.0.1:8080"), ==, ERR_INVALID);
    setenv("CURL_CA_BUNDLE", "/nonexistent/bundle.pem", 1);
    CHECK_INT(resolve(NULL, NULL, https), ==, ERR_INVALID);
    CHECK_STR(said.text,
              "cpsbatch: CURL_CA_BUNDLE=/nonexistent/bundle.pem: No such file or directory\n");
    unset_ca_env();
    setenv("SSL_CERT_DIR", "/nonexistent/certs", 1);
    CHECK_INT(resolve(NULL, NULL, https), ==, ERR_INVALID);
    CHECK_STR(said.text, "cpsbatch: SSL_CERT_DIR=/nonexistent/certs: No such file or directory\n");
    unset_ca_env();
    unlink(empty);
}

static void test_ca(void)
{
    char cert[64], other[64], dir[128];
    write_cert(cert);
    write_cert(other);
    CHECK_INT(tmpdir_make(dir, sizeof dir, "cpsbatch-capath"), ==, 0);
    test_ca_order(cert, other, dir);
    test_ca_refused(cert, dir);
    unlink(cert);
    unlink(other);
    rmdir(dir);
}

int main(void)
{
    strcpy(home, "/tmp/cpsbatch-test-XXXXXX");
    if (!mkdtemp(home))
        return 1;
    snprintf(config, sizeof(config), "%s/.jdc/config", home);
    setenv("HOME", home, 1);
    unsetenv("JDCLOUD_ACCESS_KEY");
    unsetenv("JDCLOUD_SECRET_KEY");
    test_endpoint();
    test_no_keys();
    test_keys_found();
    test_errors();
    test_ca();
    set_home(NULL);
    char dir[128];
    snprintf(dir, sizeof(dir), "%s/.jdc", home);
    rmdir(dir);
    rmdir(home);
    return check_done();
}
