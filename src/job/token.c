#include "token.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

/* 16 bytes as 8-4-4-4-12 lower-case hex. */
static void format_uuid(const unsigned char b[16], char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0, o = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[TOKEN_LEN] = '\0';
}

/* What identifies a row without a given token: region, NUL, digest, occurrence as 8
 * big-endian bytes. Returns the message's length (msg holds 256 + 1 + 32 + 8 bytes). */
static size_t identity(const char *region, const unsigned char digest[32], unsigned long occurrence,
                       unsigned char *msg)
{
    size_t rlen = strnlen(region, 256);
    memcpy(msg, region, rlen);
    msg[rlen] = 0;
    memcpy(msg + rlen + 1, digest, 32);
    for (int i = 0; i < 8; i++)
        msg[rlen + 33 + i] = (unsigned char)((unsigned long long)occurrence >> (56 - 8 * i));
    return rlen + 41;
}

int token_derive(const unsigned char *salt, size_t salt_len, const char *region,
                 const unsigned char digest[32], unsigned long occurrence, char *out)
{
    unsigned char msg[256 + 1 + 32 + 8];
    size_t len = identity(region, digest, occurrence, msg);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    if (!HMAC(EVP_sha256(), salt, (int)salt_len, msg, len, mac, &maclen))
        return ERR_NOMEM;
    mac[6] = (unsigned char)((mac[6] & 0x0F) | 0x80); /* version 8 */
    mac[8] = (unsigned char)((mac[8] & 0x3F) | 0x80); /* RFC 9562 variant */
    format_uuid(mac, out);
    return 0;
}

int token_shard(const char *given, const char *region, const unsigned char digest[32],
                unsigned long occurrence, unsigned n, unsigned *shard)
{
    static const char key[] = "cpsbatch shard v1";
    unsigned char msg[256 + 1 + 32 + 8];
    size_t len;
    if (given && *given) { /* "T" and the token: at most 37 bytes, an identity 41 or more */
        len = strnlen(given, TOKEN_LEN) + 1;
        msg[0] = 'T';
        memcpy(msg + 1, given, len - 1);
    } else {
        len = identity(region, digest, occurrence, msg);
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    if (n == 0 || !HMAC(EVP_sha256(), key, sizeof(key) - 1, msg, len, mac, &maclen))
        return n == 0 ? ERR_INVALID : ERR_NOMEM;
    unsigned long long h = 0;
    for (int i = 0; i < 8; i++)
        h = h << 8 | mac[i];
    *shard = (unsigned)(h % n);
    return 0;
}

bool token_shard_parse(const char *s, unsigned *k, unsigned *n)
{
    unsigned a = 0, b = 0;
    int end = 0;
    if (s[0] < '0' || s[0] > '9' || sscanf(s, "%u/%u%n", &a, &b, &end) != 2 || s[end] != '\0' ||
        a < 1 || a > b || b > TOKEN_MAX_SHARDS)
        return false;
    *k = a;
    *n = b;
    return true;
}

bool token_shard_arg(const char *s, const char *index, unsigned *k, unsigned *n, char *why,
                     size_t whylen)
{
    char spare[1];
    if (!why) {
        why = spare;
        whylen = sizeof(spare);
    }
    unsigned b = 0, i = 0;
    int end = 0;
    if (strncmp(s, "index/", 6) != 0) {
        if (token_shard_parse(s, k, n))
            return true;
        snprintf(why, whylen, "give K/N, 1 <= K <= N <= %d (e.g. 2/4), or index/N",
                 TOKEN_MAX_SHARDS);
        return false;
    }
    if (s[6] < '0' || s[6] > '9' || sscanf(s + 6, "%u%n", &b, &end) != 1 || s[6 + end] != '\0' ||
        b < 1 || b > TOKEN_MAX_SHARDS) {
        snprintf(why, whylen, "give index/N, 1 <= N <= %d (e.g. index/4)", TOKEN_MAX_SHARDS);
        return false;
    }
    if (!index || !*index) {
        snprintf(why, whylen,
                 "index/N takes the share from " TOKEN_SHARD_INDEX_ENV
                 " (0-based, as a Kubernetes Indexed Job sets it), which is not set");
        return false;
    }
    end = 0;
    if (strlen(index) > 4 || index[0] < '0' || index[0] > '9' ||
        sscanf(index, "%u%n", &i, &end) != 1 || index[end] != '\0' || i >= b) {
        snprintf(why, whylen, TOKEN_SHARD_INDEX_ENV "='%.16s' is not an index 0 .. %u of %u shares",
                 index, b - 1, b);
        return false;
    }
    *k = i + 1;
    *n = b;
    return true;
}

/* Random bytes come from OpenSSL in blocks: one RAND_bytes call (with its lock and its fork
 * check, a getpid system call) per 256 UUIDs instead of one per UUID, on the hot path of
 * every request's nonce. The pool is per thread, so it needs no lock. A process that forked
 * would share the pool's unused bytes with its child: cpsbatch never forks. */
#define POOL_SIZE 4096
static _Thread_local unsigned char pool[POOL_SIZE];
static _Thread_local size_t pool_used = POOL_SIZE;

static int random_bytes(unsigned char *out, size_t n)
{
    if (pool_used + n > POOL_SIZE) {
        if (RAND_bytes(pool, POOL_SIZE) != 1)
            return ERR_IO;
        pool_used = 0;
    }
    memcpy(out, pool + pool_used, n);
    OPENSSL_cleanse(pool + pool_used, n); /* handed out once */
    pool_used += n;
    return 0;
}

void token_uuid4(const unsigned char bytes[16], char *out)
{
    unsigned char b[16];
    memcpy(b, bytes, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
    format_uuid(b, out);
}

int token_random(char *out)
{
    unsigned char b[16];
    if (random_bytes(b, sizeof(b)))
        return ERR_IO;
    token_uuid4(b, out);
    return 0;
}
