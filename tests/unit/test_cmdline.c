/* test_cmdline.c - a command line for a report: quoting, and secrets masked. */
#include "check.h"
#include "cmdline.h"

static const char *fmt(int argc, const char *const *argv)
{
    static char buf[512];
    return cmdline_format("cpsbatch", argc, argv, buf, sizeof(buf));
}

int main(void)
{
    const char *plain[] = {"load",   "job.csv", "--endpoint", "http://127.0.0.1:8080",
                           "--rate", "400"};
    CHECK_STR(fmt(6, plain), "cpsbatch load job.csv --endpoint http://127.0.0.1:8080 --rate 400");

    const char *quoted[] = {"load", "my job.csv", "--threshold", "p99<250ms", "it's"};
    CHECK_STR(fmt(5, quoted), "cpsbatch load 'my job.csv' --threshold 'p99<250ms' 'it'\\''s'");

    /* an option named as a secret: its value, separate or after '=' */
    const char *opts[] = {"load",  "--secret-key", "abc",    "--api-token=xyz", "--tokens",
                          "fresh", "--monkey",     "banana", "--password-env",  "CPS_PASS"};
    CHECK_STR(fmt(10, opts), "cpsbatch load --secret-key *** --api-token=*** --tokens fresh "
                             "--monkey banana --password-env CPS_PASS");

    /* NAME=VALUE and anything that looks like a key */
    const char *keys[] = {"JDCLOUD_SECRET_KEY=hunter2", "AKE2ETESTKEY0123456789AB",
                          "x=AB12CD34EF56GH78IJ90KL", "/tmp/abcdefghij0123456789.csv",
                          "node-0000000000000000001x"};
    CHECK_STR(fmt(5, keys), "cpsbatch JDCLOUD_SECRET_KEY=*** *** x=*** "
                            "/tmp/abcdefghij0123456789.csv ***");

    /* cut with "..." when it does not fit */
    char small[16];
    CHECK_STR(cmdline_format("cpsbatch", 6, plain, small, sizeof(small)), "cpsbatch loa...");
    return check_done();
}
