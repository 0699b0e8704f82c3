/* creds.h - where the access and secret keys come from.
 *
 * Order: JDCLOUD_ACCESS_KEY and JDCLOUD_SECRET_KEY in the environment (both, or neither);
 * else the profile of ~/.jdc/config (INI; section per profile; keys access_key, secret_key,
 * region_id, endpoint) named by --profile, else by ~/.jdc/current, else "default".
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
    char source[64];  /* "environment" or "profile NAME", for messages */
};

/* Load credentials. home: the directory holding .jdc (NULL = $HOME). profile: NULL for the
 * current one. Returns 0 (keys may still be NULL if none were found anywhere), ERR_PARSE for
 * a malformed config file, ERR_NOTFOUND for a named profile that does not exist, ERR_INVALID
 * when only one of the two environment variables is set, or ERR_NOMEM. On error, msg (when
 * not NULL) receives a sentence naming the file and line. */
int creds_load(struct creds *c, const char *home, const char *profile, char *msg, size_t msglen);
void creds_release(struct creds *c);

#endif
