/* Unit tests for token derivation (a pure function of salt, region, digest, occurrence) and
 * the shard split. */
#include "err.h"
#include "token.h"
#include "check.h"

int main(void)
{
    unsigned char salt[32] = {1, 2, 3}, salt2[32] = {9};
    unsigned char d[32] = {0xAB}, d2[32] = {0xAC};
    char a[TOKEN_LEN + 1], b[TOKEN_LEN + 1];
    token_derive(salt, 32, "cn-north-1", d, 0, a);
    token_derive(salt, 32, "cn-north-1", d, 0, b);
    CHECK_STR(a, b); /* same input, same token */
    CHECK_INT(strlen(a), ==, 36);
    CHECK(a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-');
    CHECK(a[14] == '8'); /* UUID version 8 */
    CHECK(strchr("89ab", a[19]) != NULL);
    token_derive(salt, 32, "cn-north-1", d, 1, b);
    CHECK(strcmp(a, b) != 0); /* the second identical row */
    token_derive(salt, 32, "cn-north-1", d2, 0, b);
    CHECK(strcmp(a, b) != 0); /* an edited row */
    token_derive(salt, 32, "cn-east-2", d, 0, b);
    CHECK(strcmp(a, b) != 0); /* another region */
    token_derive(salt2, 32, "cn-north-1", d, 0, b);
    CHECK(strcmp(a, b) != 0); /* another batch */
    /* A known answer (computed independently with Python's hmac module), so the derivation
     * never changes under a batch that is half done. */
    unsigned char zero[32] = {0};
    token_derive(zero, 32, "cn-north-1", zero, 0, b);
    CHECK_STR(b, "4456922b-c4ea-86b5-84f4-6002afd58112");
    /* Shards (run --shard K/N): known answers (Python's hmac module, independently), so the
     * split never changes under a batch that is half done; a given token splits by itself. */
    unsigned shard = 99;
    CHECK_INT(token_shard(NULL, "cn-north-1", zero, 0, 1000, &shard), ==, 0);
    CHECK_INT(shard, ==, 113);
    CHECK_INT(token_shard(NULL, "cn-north-1", zero, 1, 1000, &shard), ==, 0);
    CHECK_INT(shard, ==, 171);
    CHECK_INT(token_shard("tok-1", NULL, NULL, 0, 1000, &shard), ==, 0);
    CHECK_INT(shard, ==, 36);
    CHECK_INT(token_shard("tok-1", "cn-north-1", zero, 0, 1000, &shard), ==, 0);
    CHECK_INT(shard, ==, 36); /* the token decides, not the identity */
    CHECK_INT(token_shard(NULL, "cn-north-1", zero, 0, 0, &shard), ==, ERR_INVALID);
    /* Even: 8,000 rows over 4 shards, each within 10% of 2,000. */
    int per[4] = {0};
    for (unsigned long occ = 0; occ < 8000; occ++)
        if (token_shard(NULL, "cn-north-1", d, occ, 4, &shard) == 0 && shard < 4)
            per[shard]++;
    for (int k = 0; k < 4; k++)
        CHECK(per[k] > 1800 && per[k] < 2200);
    /* --shard K/N, and index/N with K from JOB_COMPLETION_INDEX (0-based) + 1. */
    unsigned sk = 0, sn = 0;
    char why[160] = "";
    CHECK(token_shard_arg("2/4", NULL, &sk, &sn, why, sizeof(why)));
    CHECK(sk == 2 && sn == 4);
    CHECK(!token_shard_arg("0/4", "1", &sk, &sn, why, sizeof(why)));
    CHECK(strstr(why, "give K/N") != NULL);
    CHECK(token_shard_arg("index/4", "0", &sk, &sn, why, sizeof(why)));
    CHECK(sk == 1 && sn == 4);
    CHECK(token_shard_arg("index/4", "3", &sk, &sn, NULL, 0));
    CHECK(sk == 4 && sn == 4);
    CHECK(token_shard_arg("index/1", "0", &sk, &sn, why, sizeof(why)));
    CHECK(sk == 1 && sn == 1);
    CHECK(!token_shard_arg("index/4", "4", &sk, &sn, why, sizeof(why)));
    CHECK_STR(why, "JOB_COMPLETION_INDEX='4' is not an index 0 .. 3 of 4 shares");
    CHECK(!token_shard_arg("index/4", NULL, &sk, &sn, why, sizeof(why)));
    CHECK(strstr(why, "JOB_COMPLETION_INDEX") && strstr(why, "not set"));
    CHECK(!token_shard_arg("index/4", "", &sk, &sn, why, sizeof(why)));
    CHECK(strstr(why, "not set") != NULL);
    const char *bad_index[] = {"-1", "1x", " 1", "x", "99999999999999999999"};
    for (size_t i = 0; i < sizeof(bad_index) / sizeof(bad_index[0]); i++)
        CHECK(!token_shard_arg("index/4", bad_index[i], &sk, &sn, why, sizeof(why)));
    const char *bad_n[] = {"index/0", "index/", "index/4x", "index/1001", "index/-4", "Index/4"};
    for (size_t i = 0; i < sizeof(bad_n) / sizeof(bad_n[0]); i++)
        CHECK(!token_shard_arg(bad_n[i], "0", &sk, &sn, why, sizeof(why)));
    CHECK(sk == 1 && sn == 1); /* untouched by a refusal */
    /* Random UUIDs across several refills of the random pool: all distinct, all version 4. */
    static char many[1000][TOKEN_LEN + 1];
    int dup = 0, shape = 0;
    for (int i = 0; i < 1000; i++) {
        CHECK_INT(token_random(many[i]), ==, 0);
        shape += many[i][14] != '4' || !strchr("89ab", many[i][19]) || many[i][23] != '-';
        for (int k = 0; k < i; k++)
            dup += strcmp(many[i], many[k]) == 0;
    }
    CHECK_INT(dup, ==, 0);
    CHECK_INT(shape, ==, 0);
    return check_done();
}
