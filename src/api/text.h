/* text.h - the characters of a value: UTF-8, the spaces around a pasted cell, names for
 * messages.
 *
 * A spreadsheet or a web page puts more than ASCII blanks around a value: a no-break space
 * (U+00A0) from a web paste, a figure space (U+2007) from a number format, an ideographic
 * space (U+3000) from an East Asian input method, a zero width space or a byte order mark
 * (U+200B, U+FEFF) that shows as nothing at all. Around a value they are trimmed exactly as
 * ASCII blanks are (text_trim); inside an identifier they are an error that names the
 * character (text_describe), since nobody can see which one it is.
 */
#ifndef CPSBATCH_TEXT_H
#define CPSBATCH_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for the longest text_describe result, NUL included. */
#define TEXT_DESCRIBE_MAX 48

/* Decode the UTF-8 character at s (n > 0 bytes available) into *cp. Returns its length in
 * bytes (1..4), or 0 when s does not start with a well-formed character (a stray
 * continuation byte, a truncated sequence, an overlong form, a surrogate, past U+10FFFF). */
size_t text_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Whether s[0..n) is well-formed UTF-8 text: no malformed sequence and no NUL (which no cell
 * or JSON string of ours may hold); else *bad is the offset of the first byte that is not
 * (bad may be NULL). */
bool text_utf8_valid(const char *s, size_t n, size_t *bad);

/* Whether cp is a space: an ASCII blank (space, \t \n \v \f \r) or one of the Unicode spaces
 * and invisible separators (U+00A0, U+1680, U+2000..U+200B, U+2028, U+2029, U+202F, U+205F,
 * U+2060, U+3000, U+FEFF). */
bool text_is_space(uint32_t cp);

/* Whether cp is a control character: C0 (U+0000..U+001F), DEL, or C1 (U+0080..U+009F). */
bool text_is_control(uint32_t cp);

/* Narrow [*s, *s + *len) to exclude the spaces (text_is_space) around it. Bytes that are not
 * UTF-8 are no spaces and stop the trimming. */
void text_trim(const char **s, size_t *len);

/* cp for a message: "U+00A0 NO-BREAK SPACE" for a named space, "U+0009 (a control
 * character)" for a control, "'?'" for a printable ASCII character, else "U+XXXX". */
void text_describe(uint32_t cp, char out[TEXT_DESCRIBE_MAX]);

#endif
