#include "simauth.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static long long days_from_civil(long long y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The number in s[0..n), all digits. Returns -1 if any is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int simauth_parse_date(const char *s, long long *out)
{
    if (s == NULL || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
        return ERR_PARSE;
    int y = digits(s, 4), mo = digits(s + 4, 2), d = digits(s + 6, 2);
    int h = digits(s + 9, 2), mi = digits(s + 11, 2), se = digits(s + 13, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        se < 0 || se > 60)
        return ERR_PARSE;
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return 0;
}

/* Compare two NUL-terminated strings in time that depends only on their lengths. */
static bool same_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = la != lb;
    for (size_t i = 0; i < la && i < lb; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

/* Check what the Authorization header claims against the request. */
static bool scope_ok(const struct sign_auth *a, const struct sign_request *parts,
                     const char *access_key, char *why, size_t whylen)
{
    if (!same_secret(a->access_key, access_key)) {
        snprintf(why, whylen, "unknown access key");
        return false;
    }
    if (strncmp(a->scope_date, parts->date, 8) != 0 || strlen(a->scope_date) != 8) {
        snprintf(why, whylen, "credential date %s does not match x-jdcloud-date %s", a->scope_date,
                 parts->date);
        return false;
    }
    if (strcmp(a->region, parts->region) != 0 || strcmp(a->service, parts->service) != 0) {
        snprintf(why, whylen, "credential scope %s/%s does not match %s/%s", a->region, a->service,
                 parts->region, parts->service);
        return false;
    }
    if (strcmp(a->signed_headers, SIGN_SIGNED_HEADERS) != 0) {
        snprintf(why, whylen, "SignedHeaders must be %s", SIGN_SIGNED_HEADERS);
        return false;
    }
    return true;
}

static bool date_ok(const struct sign_request *parts, long long now, char *why, size_t whylen)
{
    long long t;
    if (parts->date == NULL || simauth_parse_date(parts->date, &t) != 0) {
        snprintf(why, whylen, "missing or malformed x-jdcloud-date");
        return false;
    }
    if (t < now - SIMAUTH_MAX_SKEW || t > now + SIMAUTH_MAX_SKEW) {
        snprintf(why, whylen, "x-jdcloud-date %s is more than %d s from the server's time",
                 parts->date, SIMAUTH_MAX_SKEW);
        return false;
    }
    if (parts->nonce == NULL || parts->nonce[0] == '\0') {
        snprintf(why, whylen, "missing x-jdcloud-nonce");
        return false;
    }
    return true;
}

bool simauth_verify(const struct sign_request *parts, const char *authorization,
                    const char *access_key, const char *secret_key, long long now, char *why,
                    size_t whylen)
{
    if (authorization == NULL) {
        snprintf(why, whylen, "missing Authorization header");
        return false;
    }
    if (!date_ok(parts, now, why, whylen))
        return false;
    struct sign_auth auth;
    if (sign_parse_authorization(authorization, &auth) != 0) {
        snprintf(why, whylen, "malformed Authorization header");
        return false;
    }
    bool ok = scope_ok(&auth, parts, access_key, why, whylen);
    struct sign_result res;
    if (ok && sign_compute(parts, access_key, secret_key, &res) != 0) {
        snprintf(why, whylen, "request cannot be signed (malformed parts)");
        ok = false;
    } else if (ok) {
        ok = same_secret(res.signature, auth.signature);
        if (!ok)
            snprintf(why, whylen, "signature does not match");
        sign_result_release(&res);
    }
    sign_auth_release(&auth);
    return ok;
}
