/* field.c - the table of request fields and the CSV header matching. */
#include "field.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

struct field_def {
    const char *name;      /* CSV header */
    const char *json_path; /* in the request body */
    const char *json_key;  /* in its own object */
    bool integer;
    bool required;
};

static const struct field_def fields[FIELD_N] = {
    [FIELD_REGION_ID] = {"regionId", "regionId", "regionId", false, true},
    [FIELD_CLIENT_TOKEN] = {"clientToken", "clientToken", "clientToken", false, false},
    [FIELD_AZ] = {"az", "instanceSpec.az", "az", false, true},
    [FIELD_DEVICE_TYPE] = {"deviceType", "instanceSpec.deviceType", "deviceType", false, true},
    [FIELD_IMAGE_TYPE] = {"imageType", "instanceSpec.imageType", "imageType", false, true},
    [FIELD_OS_TYPE_ID] = {"osTypeId", "instanceSpec.osTypeId", "osTypeId", false, true},
    [FIELD_SYS_RAID_TYPE_ID] = {"sysRaidTypeId", "instanceSpec.sysRaidTypeId", "sysRaidTypeId",
                                false, true},
    [FIELD_DATA_RAID_TYPE_ID] = {"dataRaidTypeId", "instanceSpec.dataRaidTypeId", "dataRaidTypeId",
                                 false, true},
    [FIELD_NETWORK_TYPE] = {"networkType", "instanceSpec.networkType", "networkType", false, true},
    [FIELD_ENABLE_INTERNET] = {"enableInternet", "instanceSpec.enableInternet", "enableInternet",
                               false, false},
    [FIELD_LINE_TYPE] = {"lineType", "instanceSpec.lineType", "lineType", false, false},
    [FIELD_BANDWIDTH] = {"bandwidth", "instanceSpec.bandwidth", "bandwidth", true, false},
    [FIELD_NAME] = {"name", "instanceSpec.name", "name", false, true},
    [FIELD_PASSWORD] = {"password", "instanceSpec.password", "password", false, true},
    [FIELD_COUNT] = {"count", "instanceSpec.count", "count", true, true},
    [FIELD_DESCRIPTION] = {"description", "instanceSpec.description", "description", false, false},
    [FIELD_CIDR] = {"cidr", "instanceSpec.cidr", "cidr", false, false},
    [FIELD_SUBNET_ID] = {"subnetId", "instanceSpec.subnetId", "subnetId", false, false},
    [FIELD_SOFTWARES] = {"softwares", "instanceSpec.softwares", "softwares", false, false},
    [FIELD_CHARGE_MODE] = {"charge.chargeMode", "instanceSpec.charge.chargeMode", "chargeMode",
                           false, false},
    [FIELD_CHARGE_UNIT] = {"charge.chargeUnit", "instanceSpec.charge.chargeUnit", "chargeUnit",
                           false, false},
    [FIELD_CHARGE_DURATION] = {"charge.chargeDuration", "instanceSpec.charge.chargeDuration",
                               "chargeDuration", true, false},
};

const char *field_name(enum field_id f)
{
    return fields[f].name;
}

const char *field_json_path(enum field_id f)
{
    return fields[f].json_path;
}

const char *field_json_key(enum field_id f)
{
    return fields[f].json_key;
}

bool field_is_required(enum field_id f)
{
    return fields[f].required;
}

bool field_is_integer(enum field_id f)
{
    return fields[f].integer;
}

/* Narrow [*s, *s+*len) to exclude surrounding blanks. */
static void trim(const char **s, size_t *len)
{
    while (*len && isspace((unsigned char)**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && isspace((unsigned char)(*s)[*len - 1]))
        (*len)--;
}

int field_lookup(const char *header, size_t len)
{
    trim(&header, &len);
    for (int f = 0; f < FIELD_N; f++) {
        if (strlen(fields[f].name) == len && strncasecmp(fields[f].name, header, len) == 0)
            return f;
    }
    return -1;
}

/* Levenshtein distance, case-insensitive; b is at most 63 characters (a field name). */
static size_t edit_distance(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b), row[64];
    for (size_t j = 0; j <= blen; j++)
        row[j] = j;
    for (size_t i = 1; i <= alen; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= blen; j++) {
            size_t up = row[j];
            bool same = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
            size_t best = diag + (same ? 0 : 1);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[blen];
}

const char *field_closest(const char *header, size_t len)
{
    trim(&header, &len);
    size_t best = SIZE_MAX;
    const char *name = fields[0].name;
    for (int f = 0; f < FIELD_N; f++) {
        size_t d = edit_distance(header, len, fields[f].name);
        /* "chargeMode" should find "charge.chargeMode": compare the member name too. */
        if (strchr(fields[f].name, '.')) {
            size_t d2 = edit_distance(header, len, fields[f].json_key);
            d = d2 < d ? d2 : d;
        }
        if (d < best) {
            best = d;
            name = fields[f].name;
        }
    }
    return name;
}
