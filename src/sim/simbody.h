/* simbody.h - a fast reader for the usual shape of a createInstances body.
 *
 * jansson takes ~10 us to parse a 600-byte body, which alone would cap cps-sim far below
 * its 100k requests/s target. Almost every body the emulator sees has one plain shape: an
 * object with regionId, clientToken and instanceSpec (with charge), every member a known
 * field of the expected JSON type, strings of printable ASCII without escapes. This reader
 * takes that shape in one pass and hands each value to spec_set_text, so the values meet the
 * same code and rules as everywhere else (spec.c); it decides nothing about validity.
 *
 * Anything else (escapes, non-ASCII, unknown or repeated members, null, floats, empty
 * strings, a string spec_set_text would read differently from a body, as " bgp" or "BGP",
 * bad syntax) makes it decline, and the caller parses with jansson and
 * spec_from_json, which give the exact answer and message. The caller also falls back when
 * the spec it filled has any problem, so every error message comes from the jansson path.
 */
#ifndef CPSBATCH_SIMBODY_H
#define CPSBATCH_SIMBODY_H

#include <stdbool.h>
#include <stddef.h>

#include "field.h"
#include "spec.h"

/* The bytes of the body that simbody_read overwrote with NULs, to put back. */
struct simbody_marks {
    int n;
    size_t at[FIELD_N];
    char saved[FIELD_N];
};

/* Read body[0..len) into s (fresh from spec_init).
 * On true, s borrows NUL-terminated values inside body (which must outlive s) and marks
 * says which bytes were overwritten. On false nothing was changed: s and body are as they
 * were. */
bool simbody_read(char *body, size_t len, struct spec *s, struct simbody_marks *marks);

/* Put back the bytes simbody_read overwrote (before parsing body another way). */
void simbody_restore(char *body, const struct simbody_marks *marks);

#endif
