/* spec.h - one createInstances request: its field values and the API's rules for them.
 *
 * A spec is filled either from a CSV row (spec_set_text, cell by cell) or from a request body
 * on the wire (spec_from_json, used by cps-sim), is checked by spec_check (the rules of
 * createInstances.md and API.md section 1, written once for both), and becomes a request body
 * through spec_to_json.
 *
 * Invariants:
 *  1. present[f] is true iff the field was given (an empty CSV cell is absent).
 *  2. For integer fields num[f] holds the value; str[f] holds the text as given (CSV) or NULL
 *     (JSON). For text fields str[f] holds the value.
 *  3. Strings are borrowed: the CSV row or the JSON body must outlive the spec.
 *     softwares is owned (a new reference, released by spec_release).
 *
 * Problems are reported through a callback, one call per problem, naming the field; the
 * message says what is wrong and what was given ("must be 1..200, got 0").
 */
#ifndef CPSBATCH_SPEC_H
#define CPSBATCH_SPEC_H

#include <jansson.h>
#include <stdbool.h>

#include "field.h"

struct spec {
    bool present[FIELD_N];
    const char *str[FIELD_N];
    long long num[FIELD_N];
    json_t *softwares; /* owned array of {name, version, osTypeId, description}, or NULL */
};

typedef void (*spec_report_fn)(void *ctx, enum field_id f, const char *msg);

void spec_init(struct spec *s);
void spec_release(struct spec *s);

/* Set field f from a CSV cell (borrowed, NUL-terminated). An empty cell leaves the field
 * absent. Integers must be whole numbers; softwares is a JSON array or "name:version;...".
 * Returns 0, or ERR_INVALID after reporting the problem. */
int spec_set_text(struct spec *s, enum field_id f, const char *text, spec_report_fn report,
                  void *ctx);

/* Fill s from a request body {"regionId","clientToken","instanceSpec":{..,"charge":{..}}}
 * (borrowed; must outlive s). Reports members of the wrong JSON type and unknown members.
 * Returns the number of problems reported (0 = fine). */
int spec_from_json(struct spec *s, const json_t *body, spec_report_fn report, void *ctx);

/* Check every rule of the API: required fields, enumerations, ranges, the password rule,
 * the charge combinations, the CIDR, token length. Returns the number of problems. */
int spec_check(const struct spec *s, spec_report_fn report, void *ctx);

/* The request body as API.md section 1 shows it; absent optional fields omitted, integers as
 * numbers. With mask_password the password (when present) is "********". New reference, or
 * NULL when out of memory. */
json_t *spec_to_json(const struct spec *s, bool mask_password);

/* The most bytes spec_digest hashes: far above any real request (its fields are short names
 * and a few software entries), so only a hostile spec reaches it. */
#define SPEC_DIGEST_MAX ((size_t)1 << 20)

/* SHA-256 over a canonical encoding of the request without password and clientToken: each
 * present field in field order as its index, its value and a NUL (integers in decimal,
 * softwares as sorted compact JSON). The identity of "the same request": the ledger's
 * spec_sha256 and the input of token derivation, so it must never change. Returns 0,
 * ERR_RANGE (those bytes would pass SPEC_DIGEST_MAX) or ERR_NOMEM. */
int spec_digest(const struct spec *s, unsigned char out[32]);

#endif
