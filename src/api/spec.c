/* spec.c - one createInstances request: typing its fields, the API's rules, its body.
 *
 * The rules are written once, here, for both directions: the runner checks a CSV row before
 * anything is sent, and cps-sim checks a body it received. Sources of the rules:
 * createInstances.md and API.md section 1.
 */
#include "spec.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"

#define MSG_MAX 256
#define PASSWORD_SPECIALS "()`~!@#$%^&*_-+=|{}[]:\";'<>,.?/"

void spec_init(struct spec *s)
{
    memset(s, 0, sizeof(*s));
}

void spec_release(struct spec *s)
{
    json_decref(s->softwares);
    s->softwares = NULL;
}

static void reportf(spec_report_fn report, void *ctx, enum field_id f, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void reportf(spec_report_fn report, void *ctx, enum field_id f, const char *fmt, ...)
{
    char msg[MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    report(ctx, f, msg);
}

/* ---- Typing CSV cells ---------------------------------------------------------------- */

/* A whole number, optionally surrounded by blanks. */
static bool parse_whole(const char *text, long long *out)
{
    while (isspace((unsigned char)*text))
        text++;
    if (!isdigit((unsigned char)*text) && *text != '-' && *text != '+')
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text)
        return false;
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return false;
    *out = v;
    return true;
}

static json_t *software_new(const char *name, size_t nlen, const char *version, size_t vlen)
{
    return json_pack("{s:s%,s:s%}", "name", name, nlen, "version", version, vlen);
}

/* "name:version;name:version" into an array; NULL after reporting a malformed entry. */
static json_t *softwares_from_pairs(const char *text, spec_report_fn report, void *ctx)
{
    json_t *arr = json_array();
    for (const char *p = text; arr && *p;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        if (len == 0) { /* tolerate "a:1;" and ";;" */
            p += end ? 1 : 0;
            continue;
        }
        if (!colon || colon == p || colon == p + len - 1) {
            reportf(report, ctx, FIELD_SOFTWARES,
                    "entry '%.*s' is not name:version (write name:version;name:version or a "
                    "JSON array)",
                    (int)len, p);
            json_decref(arr);
            return NULL;
        }
        json_array_append_new(
            arr, software_new(p, (size_t)(colon - p), colon + 1, len - (size_t)(colon - p) - 1));
        p += len + (end ? 1 : 0);
    }
    return arr;
}

static bool software_item_ok(json_t *item, size_t i, spec_report_fn report, void *ctx)
{
    if (!json_is_object(item)) {
        reportf(report, ctx, FIELD_SOFTWARES, "item %zu must be an object", i + 1);
        return false;
    }
    const char *key;
    json_t *val;
    json_object_foreach(item, key, val)
    {
        if (strcmp(key, "name") && strcmp(key, "version") && strcmp(key, "osTypeId") &&
            strcmp(key, "description")) {
            reportf(report, ctx, FIELD_SOFTWARES,
                    "item %zu: unknown member '%s' (expected name, version, osTypeId, "
                    "description)",
                    i + 1, key);
            return false;
        }
        if (!json_is_string(val)) {
            reportf(report, ctx, FIELD_SOFTWARES, "item %zu: %s must be a string", i + 1, key);
            return false;
        }
    }
    return true;
}

/* Check a softwares array; returns the number of problems. */
static int softwares_check(const json_t *arr, spec_report_fn report, void *ctx)
{
    if (!json_is_array(arr)) {
        reportf(report, ctx, FIELD_SOFTWARES, "must be an array of {name, version, ...}");
        return 1;
    }
    size_t i;
    json_t *item;
    json_array_foreach(arr, i, item)
    {
        if (!software_item_ok(item, i, report, ctx))
            return 1;
    }
    return 0;
}

static json_t *softwares_from_text(const char *text, spec_report_fn report, void *ctx)
{
    while (isspace((unsigned char)*text))
        text++;
    if (*text != '[')
        return softwares_from_pairs(text, report, ctx);
    json_error_t jerr;
    json_t *arr = json_loads(text, 0, &jerr);
    if (!arr) {
        reportf(report, ctx, FIELD_SOFTWARES, "not valid JSON: %s (at character %d)", jerr.text,
                jerr.position);
        return NULL;
    }
    if (softwares_check(arr, report, ctx)) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

int spec_set_text(struct spec *s, enum field_id f, const char *text, spec_report_fn report,
                  void *ctx)
{
    if (!text || !*text)
        return 0;
    if (field_is_integer(f)) {
        if (!parse_whole(text, &s->num[f])) {
            reportf(report, ctx, f, "must be a whole number, got '%s'", text);
            return ERR_INVALID;
        }
    } else if (f == FIELD_SOFTWARES) {
        json_t *arr = softwares_from_text(text, report, ctx);
        if (!arr)
            return ERR_INVALID;
        json_decref(s->softwares);
        s->softwares = arr;
    }
    s->str[f] = text;
    s->present[f] = true;
    return 0;
}

/* ---- Typing a JSON body ---------------------------------------------------------------- */

static int take_member(struct spec *s, enum field_id f, const json_t *obj, spec_report_fn report,
                       void *ctx)
{
    json_t *v = json_object_get(obj, field_json_key(f));
    if (!v || json_is_null(v))
        return 0;
    if (f == FIELD_SOFTWARES) {
        if (softwares_check(v, report, ctx))
            return 1;
        s->softwares = json_incref(v);
    } else if (field_is_integer(f)) {
        if (!json_is_integer(v)) {
            reportf(report, ctx, f, "must be an integer");
            return 1;
        }
        s->num[f] = json_integer_value(v);
    } else {
        if (!json_is_string(v)) {
            reportf(report, ctx, f, "must be a string");
            return 1;
        }
        s->str[f] = json_string_value(v);
    }
    s->present[f] = true;
    return 0;
}

int spec_from_json(struct spec *s, const json_t *body, spec_report_fn report, void *ctx)
{
    int problems = 0;
    const json_t *ispec = json_object_get(body, "instanceSpec");
    const json_t *charge = json_object_get(ispec, "charge");
    if (ispec && !json_is_object(ispec)) {
        reportf(report, ctx, FIELD_AZ, "instanceSpec must be an object");
        return 1;
    }
    if (charge && !json_is_object(charge)) {
        reportf(report, ctx, FIELD_CHARGE_MODE, "instanceSpec.charge must be an object");
        return 1;
    }
    for (int f = 0; f < FIELD_N; f++) {
        const json_t *obj = f <= FIELD_CLIENT_TOKEN  ? body
                            : f >= FIELD_CHARGE_MODE ? charge
                                                     : ispec;
        if (obj)
            problems += take_member(s, (enum field_id)f, obj, report, ctx);
    }
    return problems;
}

/* ---- The rules ---------------------------------------------------------------------------- */

/* Length in characters of UTF-8 text. */
static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int check_required(const struct spec *s, spec_report_fn report, void *ctx)
{
    int n = 0;
    for (int f = 0; f < FIELD_N; f++) {
        if (field_is_required((enum field_id)f) && !s->present[f]) {
            reportf(report, ctx, (enum field_id)f, "required, but missing");
            n++;
        }
    }
    return n;
}

/* Field f, when present, must be one of the |-separated words in allowed. */
static int check_enum(const struct spec *s, enum field_id f, const char *allowed, bool anycase,
                      spec_report_fn report, void *ctx)
{
    if (!s->present[f])
        return 0;
    const char *v = s->str[f];
    size_t vlen = strlen(v);
    for (const char *p = allowed; *p;) {
        size_t len = strcspn(p, "|");
        if (len == vlen && (anycase ? strncasecmp(p, v, len) : strncmp(p, v, len)) == 0)
            return 0;
        p += len + (p[len] == '|');
    }
    char list[128];
    size_t o = 0;
    for (const char *p = allowed; *p && o + 3 < sizeof(list); p++) {
        if (*p == '|') {
            list[o++] = ',';
            list[o++] = ' ';
        } else {
            list[o++] = *p;
        }
    }
    list[o] = '\0';
    reportf(report, ctx, f, "must be %s%s, got '%s'", strchr(allowed, '|') ? "one of " : "", list,
            v);
    return 1;
}

static int check_range(const struct spec *s, enum field_id f, long long lo, long long hi,
                       spec_report_fn report, void *ctx)
{
    if (!s->present[f] || (s->num[f] >= lo && s->num[f] <= hi))
        return 0;
    const char *unit = f == FIELD_BANDWIDTH         ? " (Mbps)"
                       : f != FIELD_CHARGE_DURATION ? ""
                       : hi == 3                    ? " (years)"
                                                    : " (months)";
    reportf(report, ctx, f, "must be %lld..%lld%s, got %lld", lo, hi, unit, s->num[f]);
    return 1;
}

static int check_enums(const struct spec *s, spec_report_fn report, void *ctx)
{
    return check_enum(s, FIELD_IMAGE_TYPE, "standard|standard_app", true, report, ctx) +
           check_enum(s, FIELD_NETWORK_TYPE, "basic", false, report, ctx) +
           check_enum(s, FIELD_ENABLE_INTERNET, "yes|no", false, report, ctx) +
           check_enum(s, FIELD_LINE_TYPE, "bgp", false, report, ctx) +
           check_enum(s, FIELD_CHARGE_MODE,
                      "prepaid_by_duration|postpaid_by_usage|postpaid_by_duration", false, report,
                      ctx) +
           check_enum(s, FIELD_CHARGE_UNIT, "month|year", false, report, ctx);
}

static bool internet_enabled(const struct spec *s)
{
    return !s->present[FIELD_ENABLE_INTERNET] || strcmp(s->str[FIELD_ENABLE_INTERNET], "no");
}

static int check_bandwidth(const struct spec *s, spec_report_fn report, void *ctx)
{
    if (!s->present[FIELD_BANDWIDTH])
        return 0;
    if (!internet_enabled(s)) {
        reportf(report, ctx, FIELD_BANDWIDTH, "only allowed with enableInternet=yes");
        return 1;
    }
    return check_range(s, FIELD_BANDWIDTH, 1, 200, report, ctx);
}

static int check_charge(const struct spec *s, spec_report_fn report, void *ctx)
{
    bool prepaid = s->present[FIELD_CHARGE_MODE] &&
                   strcmp(s->str[FIELD_CHARGE_MODE], "prepaid_by_duration") == 0;
    if (!prepaid) {
        int n = 0;
        if (s->present[FIELD_CHARGE_UNIT] || s->present[FIELD_CHARGE_DURATION]) {
            enum field_id f =
                s->present[FIELD_CHARGE_UNIT] ? FIELD_CHARGE_UNIT : FIELD_CHARGE_DURATION;
            reportf(report, ctx, f, "only allowed with charge.chargeMode=prepaid_by_duration");
            n++;
        }
        return n;
    }
    if (!s->present[FIELD_CHARGE_DURATION]) {
        reportf(report, ctx, FIELD_CHARGE_DURATION,
                "required with prepaid_by_duration (1..9 months or 1..3 years)");
        return 1;
    }
    bool years = s->present[FIELD_CHARGE_UNIT] && strcmp(s->str[FIELD_CHARGE_UNIT], "year") == 0;
    return check_range(s, FIELD_CHARGE_DURATION, 1, years ? 3 : 9, report, ctx);
}

/* The password rule of JD Cloud's public parameter specification. */
static int check_password(const struct spec *s, spec_report_fn report, void *ctx)
{
    if (!s->present[FIELD_PASSWORD])
        return 0;
    const char *p = s->str[FIELD_PASSWORD];
    size_t len = strlen(p);
    bool upper = false, lower = false, digit = false, special = false;
    for (const char *c = p; *c; c++) {
        unsigned char ch = (unsigned char)*c;
        upper |= isupper(ch) != 0;
        lower |= islower(ch) != 0;
        digit |= isdigit(ch) != 0;
        if (strchr(PASSWORD_SPECIALS, ch) && ch) {
            special = true;
        } else if (!isalnum(ch)) {
            reportf(report, ctx, FIELD_PASSWORD,
                    "may hold only letters, digits and %s (the value is not shown)",
                    PASSWORD_SPECIALS);
            return 1;
        }
    }
    if (len < 8 || len > 30) {
        reportf(report, ctx, FIELD_PASSWORD, "must be 8..30 characters, got %zu", len);
        return 1;
    }
    if (upper + lower + digit + special < 3) {
        reportf(report, ctx, FIELD_PASSWORD,
                "must mix at least three of: upper case, lower case, digits, special "
                "characters");
        return 1;
    }
    return 0;
}

static int check_cidr(const struct spec *s, spec_report_fn report, void *ctx)
{
    if (!s->present[FIELD_CIDR])
        return 0;
    const char *v = s->str[FIELD_CIDR];
    const char *slash = strchr(v, '/');
    char addr[INET_ADDRSTRLEN];
    struct in_addr in;
    long long bits = -1;
    bool ok = slash && (size_t)(slash - v) < sizeof(addr);
    if (ok) {
        memcpy(addr, v, (size_t)(slash - v));
        addr[slash - v] = '\0';
        ok = inet_pton(AF_INET, addr, &in) == 1 && isdigit((unsigned char)slash[1]) &&
             parse_whole(slash + 1, &bits) && bits >= 0 && bits <= 32;
    }
    if (!ok) {
        reportf(report, ctx, FIELD_CIDR, "must be an IPv4 CIDR such as 10.0.0.0/16, got '%s'", v);
        return 1;
    }
    return 0;
}

static int check_token(const struct spec *s, spec_report_fn report, void *ctx)
{
    if (!s->present[FIELD_CLIENT_TOKEN])
        return 0;
    size_t len = utf8_len(s->str[FIELD_CLIENT_TOKEN]);
    if (len >= 1 && len <= 36)
        return 0;
    reportf(report, ctx, FIELD_CLIENT_TOKEN, "must be 1..36 characters, got %zu", len);
    return 1;
}

int spec_check(const struct spec *s, spec_report_fn report, void *ctx)
{
    int n = check_required(s, report, ctx);
    n += check_enums(s, report, ctx);
    if (s->present[FIELD_COUNT] && s->num[FIELD_COUNT] < 1) {
        reportf(report, ctx, FIELD_COUNT, "must be at least 1, got %lld", s->num[FIELD_COUNT]);
        n++;
    }
    n += check_bandwidth(s, report, ctx);
    n += check_charge(s, report, ctx);
    n += check_password(s, report, ctx);
    n += check_cidr(s, report, ctx);
    n += check_token(s, report, ctx);
    return n;
}

/* ---- The body ------------------------------------------------------------------------------ */

static int put_field(json_t *obj, const struct spec *s, enum field_id f, bool mask)
{
    if (!s->present[f])
        return 0;
    json_t *v;
    if (f == FIELD_SOFTWARES)
        v = json_deep_copy(s->softwares);
    else if (field_is_integer(f))
        v = json_integer(s->num[f]);
    else if (f == FIELD_PASSWORD && mask)
        v = json_string("********");
    else
        v = json_string(s->str[f]);
    return json_object_set_new(obj, field_json_key(f), v);
}

static json_t *build_body(const struct spec *s, bool mask, bool with_password, bool with_token)
{
    json_t *body = json_object(), *ispec = json_object(), *charge = json_object();
    int rc = put_field(body, s, FIELD_REGION_ID, mask);
    if (with_token)
        rc |= put_field(body, s, FIELD_CLIENT_TOKEN, mask);
    for (int f = FIELD_AZ; f < FIELD_CHARGE_MODE; f++) {
        if (f != FIELD_PASSWORD || with_password)
            rc |= put_field(ispec, s, (enum field_id)f, mask);
    }
    for (int f = FIELD_CHARGE_MODE; f < FIELD_N; f++)
        rc |= put_field(charge, s, (enum field_id)f, mask);
    rc |= json_object_set_new(ispec, "charge", charge);
    rc |= json_object_set_new(body, "instanceSpec", ispec);
    if (rc) {
        json_decref(body);
        return NULL;
    }
    return body;
}

json_t *spec_to_json(const struct spec *s, bool mask_password)
{
    return build_body(s, mask_password, true, true);
}

/* The identity's bytes: each present field but password and token, in field order, as its
 * index, its value (integers in decimal, softwares as sorted compact JSON) and a NUL. */
static void digest_append(struct buf *b, int f, const char *v)
{
    buf_addch(b, (char)('A' + f));
    buf_add(b, v, strlen(v) + 1); /* its NUL too */
}

static int digest_field(const struct spec *s, int f, struct buf *b)
{
    char num[24];
    if (field_is_integer((enum field_id)f)) {
        snprintf(num, sizeof(num), "%lld", s->num[f]);
        digest_append(b, f, num);
        return 0;
    }
    if (f != FIELD_SOFTWARES) {
        digest_append(b, f, s->str[f]);
        return 0;
    }
    char *text = json_dumps(s->softwares, JSON_COMPACT | JSON_SORT_KEYS);
    if (text)
        digest_append(b, f, text);
    free(text);
    return text ? 0 : ERR_NOMEM;
}

int spec_digest(const struct spec *s, unsigned char out[32])
{
    struct buf b = BUF_INIT(SPEC_DIGEST_MAX);
    int rc = 0;
    for (int f = 0; !rc && f < FIELD_N; f++) {
        if (s->present[f] && f != FIELD_PASSWORD && f != FIELD_CLIENT_TOKEN)
            rc = digest_field(s, f, &b);
    }
    if (!rc)
        rc = b.err;
    if (!rc)
        SHA256((const unsigned char *)buf_str(&b), b.len, out);
    buf_release(&b);
    return rc;
}
