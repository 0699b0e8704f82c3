/* field.h - the fields of a createInstances request, as CSV columns and as JSON members.
 *
 * One table names every field a job CSV may carry: the InstanceSpec members of the API, the
 * charge members (written "charge.chargeMode" in a CSV header), regionId and clientToken.
 * Each field has a CSV name (matched without regard to case or surrounding blanks), a JSON
 * path inside the request body, and a kind (text or whole number).
 */
#ifndef CPSBATCH_FIELD_H
#define CPSBATCH_FIELD_H

#include <stdbool.h>
#include <stddef.h>

enum field_id {
    FIELD_REGION_ID,
    FIELD_CLIENT_TOKEN,
    FIELD_AZ,
    FIELD_DEVICE_TYPE,
    FIELD_IMAGE_TYPE,
    FIELD_OS_TYPE_ID,
    FIELD_SYS_RAID_TYPE_ID,
    FIELD_DATA_RAID_TYPE_ID,
    FIELD_NETWORK_TYPE,
    FIELD_ENABLE_INTERNET,
    FIELD_LINE_TYPE,
    FIELD_BANDWIDTH,
    FIELD_NAME,
    FIELD_PASSWORD,
    FIELD_COUNT,
    FIELD_DESCRIPTION,
    FIELD_CIDR,
    FIELD_SUBNET_ID,
    FIELD_SOFTWARES,
    FIELD_CHARGE_MODE,
    FIELD_CHARGE_UNIT,
    FIELD_CHARGE_DURATION,
    FIELD_N
};

/* The canonical CSV header name: "bandwidth", "charge.chargeMode". Static. */
const char *field_name(enum field_id f);

/* The member's path in the request body: "instanceSpec.bandwidth",
 * "instanceSpec.charge.chargeMode", "regionId". Static. */
const char *field_json_path(enum field_id f);

/* The member's own name in its JSON object: "bandwidth", "chargeMode". Static. */
const char *field_json_key(enum field_id f);

/* Whether the API requires the field (createInstances.md: "Required or not: True"). */
bool field_is_required(enum field_id f);

/* Whether the field holds a whole number (count, bandwidth, charge.chargeDuration). */
bool field_is_integer(enum field_id f);

/* The field a CSV header names, or -1. Case-insensitive; blanks around the name ignored. */
int field_lookup(const char *header, size_t len);

/* The known field name closest to header (edit distance, case-insensitive). Static. */
const char *field_closest(const char *header, size_t len);

#endif
