#include "secret.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

static int from_file(const char *file, char **out, char *msg, size_t msglen)
{
    FILE *fp = fopen(file, "r");
    if (!fp) {
        snprintf(msg, msglen, "--password-file %s: %s", file, strerror(errno));
        return ERR_IO;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, fp);
    fclose(fp);
    if (n <= 0) {
        free(line);
        snprintf(msg, msglen, "--password-file %s: the file is empty", file);
        return ERR_IO;
    }
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    *out = line;
    return 0;
}

int secret_read(const char *env_var, const char *file, char **out, char *msg, size_t msglen)
{
    *out = NULL;
    if (file)
        return from_file(file, out, msg, msglen);
    if (!env_var)
        return 0;
    const char *v = getenv(env_var);
    if (!v || !*v) {
        snprintf(msg, msglen, "--password-env %s: the variable is not set", env_var);
        return ERR_NOTFOUND;
    }
    *out = strdup(v);
    return *out ? 0 : ERR_NOMEM;
}

void secret_free(char *s)
{
    if (!s)
        return;
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}
