/* cmdline.h - a command line as a person would type it again, for reports: arguments joined
 * by spaces, shell-quoted where they need it, and anything secret masked.
 *
 * Secrets are never taken on cpsbatch's command line (keys come from the environment or a
 * profile), but a report must not leak one that was typed anyway. Masked as "***":
 *   - the value of an option whose name ends in key, secret, password, passwd, token,
 *     credential(s) or auth ("--secret-key X", "--api-token=X");
 *   - the value of a NAME=VALUE argument whose NAME ends so (case-insensitive);
 *   - an argument (or a NAME=VALUE's value) that looks like a key: 20 or more characters of
 *     letters, digits, '+', '_', '-' only, with both letters and digits.
 */
#ifndef CPSBATCH_CMDLINE_H
#define CPSBATCH_CMDLINE_H

#include <stddef.h>

/* Write prefix (a word, or NULL), then argv[0..argc), separated by spaces, into buf of len bytes
 * (NUL-terminated; cut with "..." when it does not fit). Returns buf. */
char *cmdline_format(const char *prefix, int argc, const char *const *argv, char *buf, size_t len);

#endif
