/* test_catalog.c - the pre-flight checks (job/catalog.h) through a real scan of a CSV: one case
 * per rule (sold out; a zone of another region; an OS not offered for the device type; a data
 * RAID as system RAID; an unknown region), each flagged at its row and column with the valid
 * choices; a row that fits passes; long choice lists are cut; a catalog file's shape is
 * checked and a file round-trips. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "catalog.h"
#include "check.h"
#include "err.h"
#include "lines.h"
#include "plan.h"
#include "tmpfile.h"

static const char catalog_text[] =
    "{\"regions\":["
    "{\"region\":\"cn-north-1\",\"azs\":["
    "{\"az\":\"cn-north-1a\",\"deviceTypes\":["
    "{\"deviceType\":\"cps.c.normal\",\"isSoldOut\":true},"
    "{\"deviceType\":\"cps.s.normal\",\"isSoldOut\":false},"
    "{\"deviceType\":\"cps.g.normal\"}]},"
    "{\"az\":\"cn-north-1b\",\"deviceTypes\":[{\"deviceType\":\"cps.c.normal\"}]}],"
    "\"deviceTypes\":["
    "{\"deviceType\":\"cps.c.normal\",\"oss\":[{\"osTypeId\":\"centos-7.9\"}],"
    "\"sysRaids\":[{\"raidTypeId\":\"r-sys1\"}],\"dataRaids\":[{\"raidTypeId\":\"r-data10\"}]},"
    "{\"deviceType\":\"cps.s.normal\",\"oss\":[{\"osTypeId\":\"ubuntu-22\"}],"
    "\"sysRaids\":[{\"raidTypeId\":\"r-sys1\"}],\"dataRaids\":[{\"raidTypeId\":\"r-data5\"}]}]},"
    "{\"region\":\"cn-east-2\",\"azs\":[{\"az\":\"cn-east-2a\"}]}]}";

#define HDR                                                                                        \
    "regionId,az,deviceType,imageType,osTypeId,sysRaidTypeId,dataRaidTypeId,networkType,name,"     \
    "password,count\n"

static struct catalog *make_catalog(void)
{
    struct catalog *c = NULL;
    char msg[256] = "";
    CHECK_INT(catalog_from_json(json_loads(catalog_text, 0, NULL), &c, msg, sizeof(msg)), ==, 0);
    return c;
}

/* Scan csv (the header prepended) against c; the problems into out. */
static long scan(const struct catalog *c, const char *rows, struct lines *out)
{
    char path[64], text[2048];
    snprintf(text, sizeof(text), HDR "%s", rows);
    CHECK_INT(tmpfile_write(path, text, strlen(text)), ==, 0);
    struct job_options o = {.path = path, .catalog = c};
    struct plan p;
    memset(out, 0, sizeof(*out));
    CHECK_INT(plan_scan(&o, lines_collect, out, NULL, NULL, &p), ==, 0);
    /* the lines name the temporary file: compare from the row on */
    char *t = out->text, *w = out->text;
    size_t plen = strlen(path);
    while (*t) {
        if (strncmp(t, path, plen) == 0)
            t += plen;
        *w++ = *t++;
    }
    *w = '\0';
    unlink(path);
    return p.problems;
}

#define ROW(region, az, dt, os, sys, data)                                                         \
    region "," az "," dt ",standard," os "," sys "," data ",basic,n,Test#Passw0rd,1\n"

static void test_fits(void)
{
    struct catalog *c = make_catalog();
    struct lines l;
    CHECK_INT(
        scan(c,
             ROW("cn-north-1", "cn-north-1b", "cps.c.normal", "centos-7.9", "r-sys1", "r-data10")
                 ROW("cn-north-1", "cn-north-1a", "cps.s.normal", "ubuntu-22", "r-sys1", "r-data5"),
             &l),
        ==, 0);
    CHECK_STR(l.text, "");
    catalog_free(c);
}

static void test_sold_out(void)
{
    struct catalog *c = make_catalog();
    struct lines l;
    CHECK_INT(
        scan(c,
             ROW("cn-north-1", "cn-north-1a", "cps.c.normal", "centos-7.9", "r-sys1", "r-data10"),
             &l),
        ==, 1);
    CHECK_STR(l.text, ":2:deviceType: cps.c.normal is sold out in cn-north-1a; available there: "
                      "cps.s.normal, cps.g.normal\n");
    catalog_free(c);
}

static void test_zone_of_another_region(void)
{
    struct catalog *c = make_catalog();
    struct lines l;
    CHECK_INT(scan(c,
                   ROW("cn-north-1", "cn-north-1b", "cps.c.normal", "centos-7.9", "r-sys1",
                       "r-data10") ROW("cn-north-1", "cn-east-2a", "cps.c.normal", "centos-7.9",
                                       "r-sys1", "r-data10"),
                   &l),
              ==, 1);
    CHECK_STR(l.text, ":3:az: cn-east-2a is a zone of cn-east-2, not of cn-north-1; zones of "
                      "cn-north-1: cn-north-1a, cn-north-1b\n");
    CHECK_INT(
        scan(c,
             ROW("cn-north-1", "cn-north-1z", "cps.c.normal", "centos-7.9", "r-sys1", "r-data10"),
             &l),
        ==, 1);
    CHECK_STR(l.text, ":2:az: cn-north-1z is not a zone of cn-north-1; its zones: cn-north-1a, "
                      "cn-north-1b\n");
    catalog_free(c);
}

static void test_os_not_offered(void)
{
    struct catalog *c = make_catalog();
    struct lines l;
    CHECK_INT(
        scan(c, ROW("cn-north-1", "cn-north-1a", "cps.s.normal", "centos-7.9", "r-sys1", "r-data5"),
             &l),
        ==, 1);
    CHECK_STR(l.text, ":2:osTypeId: centos-7.9 is not an OS offered for cps.s.normal; offered: "
                      "ubuntu-22\n");
    catalog_free(c);
}

static void test_raids(void)
{
    struct catalog *c = make_catalog();
    struct lines l;
    CHECK_INT(
        scan(c,
             ROW("cn-north-1", "cn-north-1b", "cps.c.normal", "centos-7.9", "r-data10", "r-sys1"),
             &l),
        ==, 2);
    CHECK_STR(l.text, ":2:sysRaidTypeId: r-data10 is a data RAID of cps.c.normal, not a system "
                      "RAID; system RAIDs: r-sys1\n"
                      ":2:dataRaidTypeId: r-sys1 is a system RAID of cps.c.normal, not a data "
                      "RAID; data RAIDs: r-data10\n");
    CHECK_INT(
        scan(c, ROW("cn-north-1", "cn-north-1b", "cps.c.normal", "centos-7.9", "r-sys1", "r-data5"),
             &l),
        ==, 1);
    CHECK_STR(l.text, ":2:dataRaidTypeId: r-data5 is not a RAID type of cps.c.normal; data RAIDs: "
                      "r-data10\n");
    catalog_free(c);
}

static void test_unknown_region(void)
{
    struct catalog *c = make_catalog();
    struct lines l;
    CHECK_INT(
        scan(c, ROW("cn-west-9", "cn-west-9a", "cps.c.normal", "centos-7.9", "r-sys1", "r-data10"),
             &l),
        ==, 1);
    CHECK_STR(l.text, ":2:regionId: cn-west-9 is not a region; regions: cn-north-1, cn-east-2\n");
    /* a type the zone does not offer at all, and a zone with none */
    CHECK_INT(
        scan(c,
             ROW("cn-north-1", "cn-north-1b", "cps.s.normal", "ubuntu-22", "r-sys1", "r-data5")
                 ROW("cn-east-2", "cn-east-2a", "cps.s.normal", "ubuntu-22", "r-sys1", "r-data5"),
             &l),
        ==, 2);
    CHECK_STR(l.text, ":2:deviceType: cps.s.normal is not offered in cn-north-1b; available there: "
                      "cps.c.normal\n"
                      ":3:deviceType: cps.s.normal is not offered in cn-east-2a; available there: "
                      "none\n");
    catalog_free(c);
}

/* More than 8 choices: the first 8 named, the rest counted. */
static void test_many_choices(void)
{
    char text[2048] = "{\"regions\":[";
    for (int i = 0; i < 11; i++)
        snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s{\"region\":\"r-%d\"}",
                 i ? "," : "", i);
    strcat(text, "]}");
    struct catalog *c = NULL;
    char msg[256];
    CHECK_INT(catalog_from_json(json_loads(text, 0, NULL), &c, msg, sizeof(msg)), ==, 0);
    struct lines l;
    CHECK_INT(
        scan(c, ROW("cn-west-9", "cn-west-9a", "cps.c.normal", "centos-7.9", "r-sys1", "r-data10"),
             &l),
        ==, 1);
    CHECK_STR(l.text, ":2:regionId: cn-west-9 is not a region; regions: r-0, r-1, r-2, r-3, r-4, "
                      "r-5, r-6, r-7 and 3 more\n");
    catalog_free(c);
}

static void test_file(void)
{
    char path[64], msg[256] = "";
    struct catalog *c = NULL;
    /* round trip: the JSON written is the catalog read back */
    struct catalog *orig = make_catalog();
    char *text = json_dumps(catalog_json(orig), JSON_INDENT(2));
    CHECK_INT(tmpfile_write(path, text, strlen(text)), ==, 0);
    CHECK_INT(catalog_load(path, &c, msg, sizeof(msg)), ==, 0);
    CHECK(json_equal(catalog_json(c), catalog_json(orig)));
    catalog_free(c);
    catalog_free(orig);
    free(text);
    unlink(path);
    /* a wrong shape is said */
    const char *bad = "{\"regions\":[{\"region\":\"x\",\"azs\":[{\"name\":\"y\"}]}]}";
    CHECK_INT(tmpfile_write(path, bad, strlen(bad)), ==, 0);
    CHECK_INT(catalog_load(path, &c, msg, sizeof(msg)), ==, ERR_PARSE);
    CHECK(strstr(msg, "regions[0]") != NULL);
    unlink(path);
    CHECK_INT(catalog_load("/nonexistent/catalog.json", &c, msg, sizeof(msg)), ==, ERR_IO);
    CHECK(strstr(msg, "/nonexistent/catalog.json") != NULL);
}

int main(void)
{
    test_fits();
    test_sold_out();
    test_zone_of_another_region();
    test_os_not_offered();
    test_raids();
    test_unknown_region();
    test_many_choices();
    test_file();
    return check_done();
}
