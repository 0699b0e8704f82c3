/* token.h - client tokens: the key that makes every create exactly-once.
 *
 * A derived token is HMAC-SHA256, keyed by the batch's random salt, over the row's region, the
 * digest of its request without password or token (spec_digest), and its occurrence number
 * among identical rows (0 for the first). The first 16 bytes of the MAC are written as a UUID
 * (version 8, "custom", RFC 9562): 36 characters, the API's maximum.
 *
 * So: same salt and same row give the same token in every run; moving a row or adding and
 * removing others keeps it; editing the row (anything but the password) changes it; two
 * identical rows get different tokens.
 */
#ifndef CPSBATCH_TOKEN_H
#define CPSBATCH_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define TOKEN_LEN 36

/* Derive a token into out (TOKEN_LEN + 1 bytes). Pure; returns 0 or ERR_NOMEM. */
int token_derive(const unsigned char *salt, size_t salt_len, const char *region,
                 const unsigned char digest[32], unsigned long occurrence, char *out);

/* Which of n shards (`run --shard K/N`) a row belongs to, into *shard (0 .. n-1): the first
 * 8 bytes (big-endian) of HMAC-SHA256 under the fixed, public key "cpsbatch shard v1", modulo
 * n, over the row's given token (as "T" + token) when it has one, else over the identity a
 * derived token covers. So the split needs no salt (every shard computes the same one before
 * any ledger exists), and a row keeps its shard wherever it moves in the file, as it keeps
 * its token. Pure; returns 0, ERR_INVALID (n == 0) or ERR_NOMEM. */
int token_shard(const char *given, const char *region, const unsigned char digest[32],
                unsigned long occurrence, unsigned n, unsigned *shard);

#define TOKEN_MAX_SHARDS 1000

/* Parse a split "K/N" (1 <= K <= N <= TOKEN_MAX_SHARDS, nothing else around it), as --shard
 * takes it and a share's ledger header records it. Returns true and sets *k, *n when valid. */
bool token_shard_parse(const char *s, unsigned *k, unsigned *n);

/* The environment variable a Kubernetes Indexed Job sets in each pod: the pod's index, 0-based
 * (0 .. completions - 1). */
#define TOKEN_SHARD_INDEX_ENV "JOB_COMPLETION_INDEX"

/* Parse a --shard argument: "K/N" as token_shard_parse takes it, or "index/N", whose K is
 * index + 1 where index is the decimal value of TOKEN_SHARD_INDEX_ENV, given as `index` (the
 * caller's getenv; NULL when unset). Returns true and sets *k, *n; else false with why (when
 * not NULL) holding a sentence naming what is wrong (the variable unset or empty, not a whole
 * number, or not below N). Pure. */
bool token_shard_arg(const char *s, const char *index, unsigned *k, unsigned *n, char *why,
                     size_t whylen);

/* A random UUID v4 (for load tests and nonces) into out (TOKEN_LEN + 1 bytes).
 * Returns 0, or ERR_IO when the system's random source fails. */
int token_random(char *out);

/* The UUID v4 made of bytes (borrowed; its version and variant bits are overridden) into out
 * (TOKEN_LEN + 1 bytes): token_random's form, for a caller with its own source of bytes (a
 * seeded generator in tests). */
void token_uuid4(const unsigned char bytes[16], char *out);

#endif
