/* field.h - the fields of a createInstances request, as CSV columns and as JSON members.
 *
 * One table names every field a job CSV may carry: the InstanceSpec members of the API, the
 * charge members (written "charge.chargeMode" in a CSV header), regionId and clientToken.
 * Each field has a CSV name (matched without regard to case or surrounding blanks), a JSON
 * path inside the request body, a kind (text or whole number), and for text what it may hold:
 *  - an enumeration (imageType, networkType, enableInternet, lineType, chargeMode,
 *    chargeUnit): one of the API's words, the only spelling ever sent;
 *  - an identifier (regionId, az, deviceType, osTypeId, the RAID type ids, subnetId,
 *    clientToken): a character set and a length, 1..max characters. regionId goes into the
 *    URL's path and the signature's credential scope, so no escaping can ever be needed;
 *  - free text (name, description, password, cidr, softwares): any UTF-8 but controls (the
 *    password and the CIDR have their own rules, spec.c).
 * The API documents none of the identifiers' character sets or lengths; these are what its
 * own identifiers use (cn-north-1, cn-north-1a, cps.c.normal, a UUID), generous in length.
 *
 * Every limit is named once, here: the check (spec_check) and every buffer that holds such a
 * value (char region[FIELD_REGION_ID_MAX + 1]) use the name.
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

/* The most characters of each identifier. */
#define FIELD_REGION_ID_MAX 32    /* regionId: a-z 0-9 - */
#define FIELD_AZ_MAX 32           /* az: a-z 0-9 - */
#define FIELD_RESOURCE_ID_MAX 64  /* deviceType, osTypeId, sys/dataRaidTypeId, subnetId */
#define FIELD_CLIENT_TOKEN_MAX 36 /* clientToken (createInstances.md: at most 36) */

/* The characters an identifier may hold. */
enum field_chars {
    FIELD_CHARS_TEXT,  /* not an identifier: any UTF-8 but controls */
    FIELD_CHARS_LOWER, /* a-z 0-9 - (regionId, az) */
    FIELD_CHARS_ID     /* A-Z a-z 0-9 . _ - (the other identifiers) */
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

/* What the field's characters may be: FIELD_CHARS_TEXT for all but the identifiers. */
enum field_chars field_chars(enum field_id f);

/* The characters of set as a phrase for messages: "a-z, 0-9 and '-'". Static. */
const char *field_chars_phrase(enum field_chars set);

/* Whether the ASCII character c belongs to set (never true for FIELD_CHARS_TEXT). Inline: it
 * runs for every character of every identifier of every row. */
static inline bool field_char_ok(enum field_chars set, unsigned char c)
{
    extern const unsigned char field_char_sets[256]; /* bit 1 << set */
    return field_char_sets[c] >> set & 1;
}

/* The most characters of an identifier field; 0 for the others (no limit of their own). */
size_t field_max_len(enum field_id f);

/* Whether v is a valid value of identifier field f: 1..field_max_len(f) characters, all of
 * field_chars(f). False for the other fields. */
bool field_ident_ok(enum field_id f, const char *v);

/* The API's words for an enumeration field ({"yes", "no", NULL}); NULL for the others. */
const char *const *field_values(enum field_id f);

/* The API's spelling of the word v[0..len) of enumeration f, matched without regard to case
 * ("BGP" -> "bgp"); NULL when v is none of its words. Static. */
const char *field_spelling(enum field_id f, const char *v, size_t len);

/* The field a CSV header names, or -1. Case-insensitive; blanks around the name ignored. */
int field_lookup(const char *header, size_t len);

/* The known field name closest to header (edit distance, case-insensitive). Static. */
const char *field_closest(const char *header, size_t len);

#endif
