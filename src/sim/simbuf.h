/* simbuf.h - how cps-sim writes the JSON it makes by hand: into a struct buf (buf.h).
 *
 * The hot responses of cps-sim (createInstances, errors, stats) are written straight into a
 * buffer instead of through a json_t tree: a request should cost microseconds. Writers append
 * without checking each call and check once at the end (buf.h, invariant 4: buf_take).
 */
#ifndef CPSBATCH_SIMBUF_H
#define CPSBATCH_SIMBUF_H

#include <stddef.h>

#include "buf.h"

/* The longest body cps-sim writes, in bytes: a longer one (stats with millions of tokens) is
 * answered with a 500 instead. */
#define SIMBUF_MAX ((size_t)256 << 20)

/* s as a JSON string literal, quotes included; bytes below 0x20, '"' and '\\' escaped.
 * Other bytes are copied as they are (the input is assumed to be UTF-8). */
void simbuf_json_str(struct buf *b, const char *s);

#endif
