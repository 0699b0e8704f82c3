/* catalog.h - what the API offers: regions and zones, device types per zone, operating systems
 * and RAID types per device type; and the pre-flight checks of a row against it.
 *
 * The catalog is one JSON object, the file `cpsbatch catalog --json` writes and `--catalog
 * FILE` reads back. Items keep the API's own members (API.md section 3); the nesting says
 * where each was offered:
 *
 *   {"regions": [{"region": "cn-north-1", "regionName": "...",
 *                 "azs": [{"az": "cn-north-1a", "azName": "...",
 *                          "deviceTypes": [{"deviceType": "cps.c.normal", "isSoldOut": false,
 *                                           ...}]}],
 *                 "deviceTypes": [{"deviceType": "cps.c.normal",
 *                                  "oss": [{"osTypeId": "...", "osName": "...", ...}],
 *                                  "sysRaids": [{"raidTypeId": "...", ...}],
 *                                  "dataRaids": [{"raidTypeId": "...", ...}]}]}]}
 *
 * azs[].deviceTypes is describeDeviceTypes(region, az); regions[].deviceTypes[] holds, per
 * device type of the region, describeOS and describeDeviceRaids with volumeType system and
 * data. A device type without an entry there has no OS and no RAID type.
 *
 * Invariants: read-only once made, so any number of threads may read it.
 */
#ifndef CPSBATCH_CATALOG_H
#define CPSBATCH_CATALOG_H

#include <jansson.h>
#include <stdio.h>

#include "spec.h"

struct catalog;

/* A catalog of root (taken: decref'd on failure too), checked to have the shape above.
 * Returns 0, ERR_PARSE (msg says which member is wrong) or ERR_NOMEM. */
int catalog_from_json(json_t *root, struct catalog **out, char *msg, size_t msglen);

/* catalog_from_json of the file at path. Returns 0, ERR_IO (cannot open: errno), ERR_PARSE
 * (msg: "FILE:LINE:COLUMN: what" or "FILE: member: what") or ERR_NOMEM. */
int catalog_load(const char *path, struct catalog **out, char *msg, size_t msglen);

void catalog_free(struct catalog *c);

/* The catalog's JSON (borrowed, valid until catalog_free). */
const json_t *catalog_json(const struct catalog *c);

/* The pre-flight checks of one row (s): the region exists; the az is one of its zones; the
 * device type is offered in that az and not sold out; the OS is one of the device type's; the
 * system RAID is a system RAID of it and the data RAID (when given) a data RAID of it. Each
 * problem is reported on its field, naming the valid choices when there are few ("cps.c.normal
 * is sold out in cn-north-1a; available there: cps.s.normal, cps.g.normal"). A field the row
 * lacks is not checked (spec_check reports it). Returns the number of problems. */
int catalog_check(const struct catalog *c, const struct spec *s, spec_report_fn report, void *ctx);

/* The catalog as a readable table: one block per region, its zones with their device types
 * (sold-out ones marked), then per device type its OS images and RAID types. */
void catalog_print(const struct catalog *c, FILE *out);

#endif
