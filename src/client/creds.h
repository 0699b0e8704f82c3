/* creds.h - where the access and secret keys come from.
 *
 * Order: the profile of ~/.jdc/config (INI; section per profile; keys access_key, secret_key,
 * region_id, endpoint) named by --profile, when one is; else JDCLOUD_ACCESS_KEY and
 * JDCLOUD_SECRET_KEY in the environment (both, or neither); else the profile named by
 * ~/.jdc/current, else "default".
 * Secrets are never taken from the command line and never printed.
 */
#ifndef CPSBATCH_CREDS_H
#define CPSBATCH_CREDS_H

#include <stddef.h>

struct creds {
    char *access_key; /* owned; NULL when none found */
    char *secret_key; /* owned; wiped on release */
    char *region_id;  /* owned; the profile's region_id, or NULL */
    char *endpoint;   /* owned; the profile's endpoint, or NULL */
    char source[64];  /* where the values came from, for messages: "environment" or
                         "profile NAME" (truncated); "" when neither was found */
};

/* Load credentials into *c (all fields new; release with creds_release, even on error).
 * home: the directory holding .jdc (NULL or "" = $HOME). profile: the one --profile named
 * (the environment is then not looked at), or NULL for the environment's keys, else the
 * current profile (~/.jdc/current, else "default"). An empty environment variable counts as
 * unset. With the
 * environment's keys, region_id and endpoint stay NULL.
 * Returns 0 (keys may still be NULL if none were found anywhere: no variables, no config file,
 * or no "default" profile when none was named), ERR_PARSE for a malformed config file,
 * ERR_NOTFOUND for a named profile (--profile or ~/.jdc/current) that does not exist,
 * ERR_INVALID when only one of the two environment variables is set or a profile has only one
 * of access_key/secret_key, ERR_IO when a file exists but cannot be read, or ERR_NOMEM. On
 * error, msg (when not NULL) receives a sentence naming the file and line; it never contains
 * a secret. On success msg is "". */
int creds_load(struct creds *c, const char *home, const char *profile, char *msg, size_t msglen);
/* Wipe the secret (OPENSSL_cleanse), free every field and zero *c; safe on a zeroed or already
 * released value. */
void creds_release(struct creds *c);

#endif
