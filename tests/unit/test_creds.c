/* test_creds.c - credentials from the environment and from real ~/.jdc files in a temporary
 * home directory (mkdtemp): profiles, ~/.jdc/current, missing and malformed files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "creds.h"
#include "err.h"

static char home[256];

/* Write text to home/.jdc/name (creating .jdc), or remove the file when text is NULL. */
static void put_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/.jdc", home);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/.jdc/%s", home, name);
    if (!text) {
        unlink(path);
        return;
    }
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void clean_home(void)
{
    char path[512];
    put_file("config", NULL);
    put_file("current", NULL);
    snprintf(path, sizeof path, "%s/.jdc", home);
    rmdir(path);
}

static void clear_env(void)
{
    unsetenv("JDCLOUD_ACCESS_KEY");
    unsetenv("JDCLOUD_SECRET_KEY");
}

static const char config_text[] = "# written by jdc configure\n"
                                  "[default]\n"
                                  "access_key = AKDEFAULT\n"
                                  "secret_key = SKDEFAULT\n"
                                  "region_id = cn-north-1\n"
                                  "endpoint = cps.jdcloud-api.com\n"
                                  "scheme = https\n"
                                  "timeout = 20\n"
                                  "\n"
                                  "; another profile, in another spelling\r\n"
                                  "  [prod]  \r\n"
                                  "ACCESS_KEY:AKPROD\r\n"
                                  "\tSecret_Key   =   SK=PROD:x  \r\n"
                                  "[half]\n"
                                  "access_key = AKHALF\n"
                                  "[empty]\n";

/* Load with the given profile and expect rc; on success, the keys and the source. */
static void check_load(const char *profile, int rc, const char *ak, const char *sk,
                       const char *source)
{
    struct creds c;
    char msg[256];
    int got = creds_load(&c, home, profile, msg, sizeof msg);
    CHECK_INT(got, ==, rc);
    if (ak) {
        CHECK_STR(c.access_key, ak);
        CHECK_STR(c.secret_key, sk);
        CHECK_STR(c.source, source);
    } else {
        CHECK(c.access_key == NULL && c.secret_key == NULL);
    }
    CHECK(rc == 0 ? msg[0] == '\0' : msg[0] != '\0');
    creds_release(&c);
}

/* Expect the error rc with a message containing want. */
static void check_error(const char *profile, int rc, const char *want)
{
    struct creds c;
    char msg[256];
    CHECK_INT(creds_load(&c, home, profile, msg, sizeof msg), ==, rc);
    CHECK(strstr(msg, want) != NULL);
    if (!strstr(msg, want))
        fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", msg, want);
    CHECK(!strstr(msg, "SKDEFAULT") && !strstr(msg, "SK=PROD") && !strstr(msg, "SKENV"));
    CHECK(c.access_key == NULL && c.secret_key == NULL && c.region_id == NULL);
    creds_release(&c);
}

static void test_environment(void)
{
    put_file("config", config_text);
    setenv("JDCLOUD_ACCESS_KEY", "AKENV", 1);
    setenv("JDCLOUD_SECRET_KEY", "SKENV", 1);
    check_load(NULL, 0, "AKENV", "SKENV", "environment");
    /* A profile named on the command line wins over the environment; a missing one is an
     * error, not a quiet fall back to the environment's keys. */
    check_load("prod", 0, "AKPROD", "SK=PROD:x", "profile prod");
    check_error("nosuch", ERR_NOTFOUND, "nosuch");
    struct creds c;
    CHECK_INT(creds_load(&c, home, NULL, NULL, 0), ==, 0);
    CHECK(c.region_id == NULL && c.endpoint == NULL);
    creds_release(&c);
    unsetenv("JDCLOUD_SECRET_KEY");
    check_error(NULL, ERR_INVALID, "JDCLOUD_SECRET_KEY");
    setenv("JDCLOUD_SECRET_KEY", "SKENV", 1);
    unsetenv("JDCLOUD_ACCESS_KEY");
    check_error(NULL, ERR_INVALID, "JDCLOUD_ACCESS_KEY");
    setenv("JDCLOUD_ACCESS_KEY", "", 1); /* empty counts as unset */
    check_error(NULL, ERR_INVALID, "but JDCLOUD_ACCESS_KEY is not");
    setenv("JDCLOUD_SECRET_KEY", "", 1);
    check_load(NULL, 0, "AKDEFAULT", "SKDEFAULT", "profile default");
    clear_env();
    clean_home();
}

static void test_profiles(void)
{
    put_file("config", config_text);
    check_load(NULL, 0, "AKDEFAULT", "SKDEFAULT", "profile default");
    check_load("prod", 0, "AKPROD", "SK=PROD:x", "profile prod");
    put_file("current", "prod\n");
    check_load(NULL, 0, "AKPROD", "SK=PROD:x", "profile prod");
    check_load("default", 0, "AKDEFAULT", "SKDEFAULT", "profile default"); /* --profile wins */
    put_file("current", "  \n");
    check_load(NULL, 0, "AKDEFAULT", "SKDEFAULT", "profile default");
    check_load("empty", 0, NULL, NULL, NULL);
    struct creds c;
    CHECK_INT(creds_load(&c, home, NULL, NULL, 0), ==, 0);
    CHECK_STR(c.region_id, "cn-north-1");
    CHECK_STR(c.endpoint, "cps.jdcloud-api.com");
    creds_release(&c);
    CHECK(c.access_key == NULL && c.secret_key == NULL && c.region_id == NULL);
    creds_release(&c); /* twice is safe */
    clean_home();
}

static void test_missing(void)
{
    check_load(NULL, 0, NULL, NULL, NULL); /* nothing anywhere: no keys, no error */
    check_error("prod", ERR_NOTFOUND, "profile [prod] not found (no file ");
    put_file("config", config_text);
    check_error("staging", ERR_NOTFOUND, "profile [staging] not found in");
    check_error("Prod", ERR_NOTFOUND, "[Prod]"); /* section names keep their case */
    put_file("current", "gone");
    check_error(NULL, ERR_NOTFOUND, "profile [gone]");
    put_file("current", NULL);
    put_file("config", "[other]\naccess_key = A\nsecret_key = B\n");
    check_load(NULL, 0, NULL, NULL, NULL); /* no [default], none named: no keys */
    put_file("config", config_text);
    check_error("half", ERR_INVALID, "has access_key but no secret_key");
    clean_home();
}

static void test_malformed(void)
{
    put_file("config", "[default]\naccess_key = A\nthis is not ini\nsecret_key = B\n");
    check_error(NULL, ERR_PARSE, "config:3:");
    put_file("config", "access_key = A\n[default]\n");
    check_error(NULL, ERR_PARSE, "config:1: key = value before any [profile] section");
    put_file("config", "[default]\nsecret_key = B\n\n[broken\n");
    check_error(NULL, ERR_PARSE, "config:4: malformed section header");
    put_file("config", "[default]\n= value\n");
    check_error(NULL, ERR_PARSE, "config:2:");
    put_file("config", "[]\n");
    check_error("prod", ERR_PARSE, "config:1:");
    /* The whole file is checked, even past the profile sought. */
    put_file("config", "[default]\naccess_key = A\nsecret_key = B\n[x]\nbad line\n");
    check_error(NULL, ERR_PARSE, "config:5:");
    static char long_line[5000];
    memset(long_line, 'a', sizeof long_line - 1);
    long_line[0] = '#';
    put_file("config", "[default]\n");
    char path[512];
    snprintf(path, sizeof path, "%s/.jdc/config", home);
    FILE *f = fopen(path, "a");
    CHECK(f != NULL);
    if (f) {
        fputs(long_line, f);
        fclose(f);
    }
    check_error(NULL, ERR_PARSE, "config:2: line longer than");
    clean_home();
}

static void test_ini_details(void)
{
    /* BOM, no final newline, last value wins, unknown keys ignored. */
    put_file("config", "\xEF\xBB\xBF[default]\naccess_key = OLD\nfoo = bar\n"
                       "access_key = NEW\nsecret_key = S");
    check_load(NULL, 0, "NEW", "S", "profile default");
    put_file("config", "[default]\naccess_key =\nsecret_key =\n"); /* empty = absent */
    check_load(NULL, 0, NULL, NULL, NULL);
    clean_home();
}

static void test_home_from_env(void)
{
    put_file("config", config_text);
    char *saved = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("HOME", home, 1);
    struct creds c;
    CHECK_INT(creds_load(&c, NULL, "prod", NULL, 0), ==, 0);
    CHECK_STR(c.access_key, "AKPROD");
    creds_release(&c);
    unsetenv("HOME");
    char msg[128];
    CHECK_INT(creds_load(&c, NULL, "prod", msg, sizeof msg), ==, ERR_NOTFOUND);
    CHECK(strstr(msg, "HOME") != NULL);
    CHECK_INT(creds_load(&c, NULL, NULL, msg, sizeof msg), ==, 0);
    CHECK(c.access_key == NULL);
    if (saved)
        setenv("HOME", saved, 1);
    free(saved);
    clean_home();
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(home, sizeof home, "%s/test_creds.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(home)) {
        perror("mkdtemp");
        return 1;
    }
    clear_env();
    test_environment();
    test_profiles();
    test_missing();
    test_malformed();
    test_ini_details();
    test_home_from_env();
    rmdir(home);
    return check_done();
}
