/* secret.h - the one password a job may share, from an environment variable or a file.
 *
 * Never from the command line (it would show in `ps` and shell history). The value is owned
 * by the caller and should be wiped with secret_free.
 */
#ifndef CPSBATCH_SECRET_H
#define CPSBATCH_SECRET_H

#include <stddef.h>

/* Read the password named by env_var (its value) or file (its first line, without the line
 * end); at most one may be given. *out is NULL when neither is. Returns 0, ERR_NOTFOUND (the
 * variable is unset or empty), ERR_IO (the file cannot be read) or ERR_NOMEM; msg says which. */
int secret_read(const char *env_var, const char *file, char **out, char *msg, size_t msglen);

/* Wipe and free. */
void secret_free(char *s);

#endif
