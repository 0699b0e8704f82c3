/* test_target.c - where run and load may send, and the keys they sign with: a real temporary
 * home (mkdtemp) with ~/.jdc/config, the environment's keys, loopback without keys, and each
 * refusal's message on stderr. */
#include <stdlib.h>
#include <sys/stat.h>

#include "capture.h"
#include "check.h"
#include "err.h"
#include "target.h"

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
    set_home(NULL);
    char dir[128];
    snprintf(dir, sizeof(dir), "%s/.jdc", home);
    rmdir(dir);
    rmdir(home);
    return check_done();
}
