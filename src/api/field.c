/* field.c - the table of request fields and the CSV header matching. */
#include "field.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "text.h"

struct field_def {
    const char *name;      /* CSV header */
    const char *json_path; /* in the request body */
    const char *json_key;  /* in its own object */
    bool integer;
    bool required;
    enum field_chars chars;    /* identifiers */
    size_t max;                /* identifiers: most characters */
    const char *const *values; /* enumerations: the API's words, NULL-terminated */
};

/* The enumerations' words, as the API spells them. */
static const char *const image_types[] = {"standard", "standard_app", NULL};
static const char *const network_types[] = {"basic", NULL};
static const char *const yes_no[] = {"yes", "no", NULL};
static const char *const line_types[] = {"bgp", NULL};
static const char *const charge_modes[] = {"prepaid_by_duration", "postpaid_by_usage",
                                           "postpaid_by_duration", NULL};
static const char *const charge_units[] = {"month", "year", NULL};

#define LOWER FIELD_CHARS_LOWER
#define ID FIELD_CHARS_ID
#define TEXT FIELD_CHARS_TEXT

static const struct field_def fields[FIELD_N] = {
    [FIELD_REGION_ID] = {"regionId", "regionId", "regionId", false, true, LOWER,
                         FIELD_REGION_ID_MAX, NULL},
    [FIELD_CLIENT_TOKEN] = {"clientToken", "clientToken", "clientToken", false, false, ID,
                            FIELD_CLIENT_TOKEN_MAX, NULL},
    [FIELD_AZ] = {"az", "instanceSpec.az", "az", false, true, LOWER, FIELD_AZ_MAX, NULL},
    [FIELD_DEVICE_TYPE] = {"deviceType", "instanceSpec.deviceType", "deviceType", false, true, ID,
                           FIELD_RESOURCE_ID_MAX, NULL},
    [FIELD_IMAGE_TYPE] = {"imageType", "instanceSpec.imageType", "imageType", false, true, TEXT, 0,
                          image_types},
    [FIELD_OS_TYPE_ID] = {"osTypeId", "instanceSpec.osTypeId", "osTypeId", false, true, ID,
                          FIELD_RESOURCE_ID_MAX, NULL},
    [FIELD_SYS_RAID_TYPE_ID] = {"sysRaidTypeId", "instanceSpec.sysRaidTypeId", "sysRaidTypeId",
                                false, true, ID, FIELD_RESOURCE_ID_MAX, NULL},
    [FIELD_DATA_RAID_TYPE_ID] = {"dataRaidTypeId", "instanceSpec.dataRaidTypeId", "dataRaidTypeId",
                                 false, true, ID, FIELD_RESOURCE_ID_MAX, NULL},
    [FIELD_NETWORK_TYPE] = {"networkType", "instanceSpec.networkType", "networkType", false, true,
                            TEXT, 0, network_types},
    [FIELD_ENABLE_INTERNET] = {"enableInternet", "instanceSpec.enableInternet", "enableInternet",
                               false, false, TEXT, 0, yes_no},
    [FIELD_LINE_TYPE] = {"lineType", "instanceSpec.lineType", "lineType", false, false, TEXT, 0,
                         line_types},
    [FIELD_BANDWIDTH] = {"bandwidth", "instanceSpec.bandwidth", "bandwidth", true, false, TEXT, 0,
                         NULL},
    [FIELD_NAME] = {"name", "instanceSpec.name", "name", false, true, TEXT, 0, NULL},
    [FIELD_PASSWORD] = {"password", "instanceSpec.password", "password", false, true, TEXT, 0,
                        NULL},
    [FIELD_COUNT] = {"count", "instanceSpec.count", "count", true, true, TEXT, 0, NULL},
    [FIELD_DESCRIPTION] = {"description", "instanceSpec.description", "description", false, false,
                           TEXT, 0, NULL},
    [FIELD_CIDR] = {"cidr", "instanceSpec.cidr", "cidr", false, false, TEXT, 0, NULL},
    [FIELD_SUBNET_ID] = {"subnetId", "instanceSpec.subnetId", "subnetId", false, false, ID,
                         FIELD_RESOURCE_ID_MAX, NULL},
    [FIELD_SOFTWARES] = {"softwares", "instanceSpec.softwares", "softwares", false, false, TEXT, 0,
                         NULL},
    [FIELD_CHARGE_MODE] = {"charge.chargeMode", "instanceSpec.charge.chargeMode", "chargeMode",
                           false, false, TEXT, 0, charge_modes},
    [FIELD_CHARGE_UNIT] = {"charge.chargeUnit", "instanceSpec.charge.chargeUnit", "chargeUnit",
                           false, false, TEXT, 0, charge_units},
    [FIELD_CHARGE_DURATION] = {"charge.chargeDuration", "instanceSpec.charge.chargeDuration",
                               "chargeDuration", true, false, TEXT, 0, NULL},
};

#undef LOWER
#undef ID
#undef TEXT

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

enum field_chars field_chars(enum field_id f)
{
    return fields[f].chars;
}

const char *field_chars_phrase(enum field_chars set)
{
    return set == FIELD_CHARS_LOWER ? "a-z, 0-9 and '-'"
           : set == FIELD_CHARS_ID  ? "A-Z, a-z, 0-9, '.', '_' and '-'"
                                    : "any text but control characters";
}

#define SETS (1 << FIELD_CHARS_LOWER | 1 << FIELD_CHARS_ID) /* a-z 0-9 - */
const unsigned char field_char_sets[256] = {
    ['-'] = SETS,         ['.'] = 1 << FIELD_CHARS_ID, ['_'] = 1 << FIELD_CHARS_ID,
    ['0' ... '9'] = SETS, ['a' ... 'z'] = SETS,        ['A' ... 'Z'] = 1 << FIELD_CHARS_ID};
#undef SETS

size_t field_max_len(enum field_id f)
{
    return fields[f].max;
}

bool field_ident_ok(enum field_id f, const char *v)
{
    size_t len = strlen(v);
    if (fields[f].chars == FIELD_CHARS_TEXT || len == 0 || len > fields[f].max)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!field_char_ok(fields[f].chars, (unsigned char)v[i]))
            return false;
    }
    return true;
}

const char *const *field_values(enum field_id f)
{
    return fields[f].values;
}

const char *field_spelling(enum field_id f, const char *v, size_t len)
{
    for (const char *const *w = fields[f].values; w && *w; w++) {
        if (strlen(*w) == len && (memcmp(*w, v, len) == 0 || strncasecmp(*w, v, len) == 0))
            return *w;
    }
    return NULL;
}

int field_lookup(const char *header, size_t len)
{
    text_trim(&header, &len);
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
    text_trim(&header, &len);
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
