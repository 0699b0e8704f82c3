/* cmd_catalog.c - `cpsbatch catalog`. */
#include "cmd_catalog.h"

#include <stdio.h>

#include "err.h"
#include "exitcode.h"
#include "preflight.h"

static const char usage[] =
    "usage: cpsbatch catalog [options]\n"
    "What the API offers: regions and zones, the device types of each zone (sold-out ones\n"
    "marked), and per device type its operating systems (osTypeId) and its system and data\n"
    "RAID types (sysRaidTypeId, dataRaidTypeId). Each call is made once; nothing is created.\n"
    "\n"
    "  --region R             only this region\n"
    "  --az AZ                only this zone\n"
    "  --device-type T        only this device type\n"
    "  --json                 print the catalog file that validate --preflight --catalog FILE\n"
    "                         reads back\n"
    "  --profile NAME         keys from this profile of ~/.jdc/config (default: the\n"
    "                         environment's, else the current profile)\n" PREFLIGHT_HELP
    "  -h, --help             this text\n"
    "\n"
    "Exit status: 0 shown, 2 usage error or a filter the API does not offer, 3 the API could\n"
    "not be read (it says why), 74 standard output cannot be written, 70 out of memory.\n";

int cmd_catalog(int argc, char **argv)
{
    struct preflight p = {0};
    const char *region = NULL, *az = NULL, *device_type = NULL, *profile = NULL;
    bool json = false;
    const struct cliopt opts[] = {
        CLIOPT_STRING("region", &region),           CLIOPT_STRING("az", &az),
        CLIOPT_STRING("device-type", &device_type), CLIOPT_SET("json", &json),
        CLIOPT_STRING("profile", &profile),         PREFLIGHT_OPTIONS(&p)};
    const struct cliopt_command cmd = {
        .name = "catalog", .usage = usage, .opts = opts, .nopts = sizeof(opts) / sizeof(opts[0])};
    int rc = cliopt_parse(&cmd, argc, argv, NULL);
    if (rc)
        return rc > 0 ? EXIT_DONE : EXIT_USAGE;
    if (p.sandbox && p.endpoint) {
        fputs("cpsbatch: --sandbox and --endpoint exclude each other\n", stderr);
        return EXIT_USAGE;
    }
    struct catalog *c;
    rc = preflight_catalog(&p, profile, region, az, device_type, &c);
    if (rc)
        return exit_for_err(rc, EXIT_READING);
    if (json) {
        json_dumpf(catalog_json(c), stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
    } else {
        catalog_print(c, stdout);
    }
    catalog_free(c);
    return EXIT_DONE;
}
