/* test_jobcli.c - jobcli_open_source computes the CSV's SHA-256 only when asked: run and status
 * need it (the ledger's header, the unchanged-CSV check), export does not. */
#include <string.h>

#include "check.h"
#include "jobcli.h"
#include "source.h"
#include "tmpfile.h"

/* The SHA-256 source_sha256 gives after one whole pass over path, opened with sha256. */
static void digest_of(const char *path, bool sha256, char out[65])
{
    struct jobcli c = {.region = "cn-north-1"}; /* no profile read */
    struct job_options o;
    CHECK_INT(jobcli_prepare(&c, path, &o), ==, 0);
    CHECK_INT(jobcli_open_source(&c, &o, NULL, sha256), ==, 0);
    char buf[256];
    size_t got = 1;
    while (got > 0)
        CHECK_INT(source_read(o.source, buf, sizeof buf, &got), ==, 0);
    const char *sha = source_sha256(o.source);
    snprintf(out, 65, "%s", sha ? sha : "");
    jobcli_release(&c);
}

int main(void)
{
    char path[64], sha[65];
    const char csv[] = "regionId,name\ncn-north-1,a\n";
    CHECK_INT(tmpfile_write(path, csv, strlen(csv)), ==, 0);
    digest_of(path, true, sha);
    /* printf 'regionId,name\ncn-north-1,a\n' | sha256sum */
    CHECK_STR(sha, "a15cdde01b1b4e1518b9bb84e12c2e14a12c3c916e9604e7ee64f85769f6127f");
    digest_of(path, false, sha);
    CHECK_STR(sha, "");
    unlink(path);
    return check_done();
}
