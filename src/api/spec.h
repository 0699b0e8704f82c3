/* spec.h - one createInstances request: its field values and the API's rules for them.
 *
 * A spec is filled either from a CSV row (spec_set_text, cell by cell) or from a request body
 * on the wire (spec_from_json, used by cps-sim), is checked by spec_check (the rules of
 * createInstances.md and API.md section 1, written once for both), and becomes a request body
 * through spec_to_json.
 *
 * A CSV cell is taken the way a person reads it (spec_set_text): the spaces around it are
 * trimmed, ASCII and Unicode alike (text.h), an enumeration matches in any case and becomes
 * the API's spelling ("BGP" is sent as "bgp"), a whole number may carry a zero fraction as
 * spreadsheets show numbers ("10.0"), softwares entries and their parts are trimmed. A request
 * body is taken as it is (spec_from_json): it is what an API receives.
 *
 * Invariants:
 *  1. present[f] is true iff the field was given (an empty or blank CSV cell is absent).
 *  2. For integer fields num[f] holds the value; str[f] holds the text as given (CSV) or NULL
 *     (JSON). For text fields str[f] holds the value to send: trimmed, in the API's spelling.
 *  3. given[f] is the CSV cell as given, untrimmed (NULL from JSON): what spec_digest hashes,
 *     so a row keeps its identity whatever spelling rules come later.
 *  4. Strings are borrowed: the CSV row or the JSON body must outlive the spec. A value that
 *     trimming shortened at its end is a copy in owned[f]; softwares is owned (a new
 *     reference). spec_release frees both.
 *  5. After spec_check found no problem, every string is valid UTF-8 without control
 *     characters and every identifier is within its character set and length (field.h), so
 *     spec_to_json fails only when out of memory.
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
    const char *given[FIELD_N]; /* the CSV cell as given, or NULL (invariant 3) */
    long long num[FIELD_N];
    json_t *softwares;     /* owned array of {name, version, osTypeId, description}, or NULL */
    char *owned[FIELD_N];  /* trimmed copies str[f] may point to, or NULL */
    bool spelled[FIELD_N]; /* str[f] is one of the API's words for f (field_values), as
                            * spec_set_text found it; false: not known (spec_check looks) */
};

typedef void (*spec_report_fn)(void *ctx, enum field_id f, const char *msg);

void spec_init(struct spec *s);
void spec_release(struct spec *s);

/* Set field f from a CSV cell (borrowed, NUL-terminated), trimmed of spaces (text_trim). An
 * empty or blank cell leaves the field absent. Integers must be whole numbers ("10.0" is 10,
 * "2.5" an error); an enumeration's word in any case is kept in the API's spelling; softwares
 * is a JSON array or "name:version;..." (each entry, name and version trimmed). The other
 * rules wait for spec_check. Returns 0, ERR_INVALID after reporting the problem, or
 * ERR_NOMEM. */
int spec_set_text(struct spec *s, enum field_id f, const char *text, spec_report_fn report,
                  void *ctx);

/* Fill s from a request body {"regionId","clientToken","instanceSpec":{..,"charge":{..}}}
 * (borrowed; must outlive s). Reports members of the wrong JSON type and unknown members.
 * Returns the number of problems reported (0 = fine). */
int spec_from_json(struct spec *s, const json_t *body, spec_report_fn report, void *ctx);

/* Check every rule of the API: required fields, enumerations, ranges, the password rule,
 * the charge combinations, the CIDR, the identifiers' characters and lengths (field.h), text
 * that is UTF-8 without control characters. Returns the number of problems. */
int spec_check(const struct spec *s, spec_report_fn report, void *ctx);

/* Whether p (len bytes) passes the API's password rule: what a message must never echo. */
bool spec_password_ok(const char *p, size_t len);

/* The request body as API.md section 1 shows it; absent optional fields omitted, integers as
 * numbers. With mask_password the password (when present) is "********". New reference, or
 * NULL when out of memory. */
json_t *spec_to_json(const struct spec *s, bool mask_password);

/* The most bytes spec_digest hashes: far above any real request (its fields are short names
 * and a few software entries), so only a hostile spec reaches it. */
#define SPEC_DIGEST_MAX ((size_t)1 << 20)

/* SHA-256 over a canonical encoding of the request without password and clientToken: each
 * present field in field order as its index, its value and a NUL (integers in decimal,
 * softwares as sorted compact JSON, text as given: given[f] when set, else str[f]). The identity of
 * "the same request": the ledger's spec_sha256 and the input of token derivation, so it must never
 * change. Returns 0, ERR_RANGE (those bytes would pass SPEC_DIGEST_MAX) or ERR_NOMEM. */
int spec_digest(const struct spec *s, unsigned char out[32]);

#endif
