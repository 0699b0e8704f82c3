/* simcatalog.h - the regions, device types, OS images, RAID types and software that cps-sim
 * describes (describeRegiones, describeDeviceTypes, describeOS, describeDeviceRaids,
 * describeSoftware), built in or read from a file.
 *
 * A catalog file is one JSON object {"regions":[...],"deviceTypes":[...],"oss":[...],
 * "raids":[...],"softwares":[...]} whose items use the API's own member names (API.md
 * section 3) and are answered as given. A few members, when present, scope an item:
 *   deviceTypes[].region (string) / .azs (array of az names): where it is offered;
 *   oss[].deviceType, raids[].deviceType: the device type it belongs to (absent = all);
 *   raids[].volumeType ("system" or "data"); softwares[].osTypeId: its OS;
 *   oss[], raids[], softwares[] may also carry "region".
 * regions[] items are {region, regionName, azs:[{region, az, azName}]}.
 *
 * Invariants: read-only once loaded, so any number of threads may query it; every answer is
 * a deep copy (new reference) and shares nothing with the catalog.
 */
#ifndef CPSBATCH_SIMCATALOG_H
#define CPSBATCH_SIMCATALOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "spec.h"

struct simcatalog;

/* Load from file (NULL = the built-in catalog). Returns 0, ERR_IO, ERR_PARSE (msg names the
 * file, line and what is wrong) or ERR_NOMEM. */
int simcatalog_load(const char *file, struct simcatalog **out, char *msg, size_t msglen);
void simcatalog_free(struct simcatalog *c);

bool simcatalog_has_region(const struct simcatalog *c, const char *region);

/* The result objects of the catalog calls (new references; NULL when out of memory).
 * A NULL filter matches everything. */
json_t *simcatalog_regions(const struct simcatalog *c);
json_t *simcatalog_device_types(const struct simcatalog *c, const char *region, const char *az);
json_t *simcatalog_oss(const struct simcatalog *c, const char *region, const char *device_type,
                       const char *os_type);
json_t *simcatalog_raids(const struct simcatalog *c, const char *region, const char *device_type,
                         const char *volume_type);
json_t *simcatalog_softwares(const struct simcatalog *c, const char *region,
                             const char *os_type_id);

/* The strict checks of createInstances (--strict-catalog): az in the region, device type
 * offered there and not sold out, OS and RAID types of that device type. One report per
 * problem. Returns the number of problems. */
int simcatalog_check(const struct simcatalog *c, const struct spec *s, spec_report_fn report,
                     void *ctx);

#endif
