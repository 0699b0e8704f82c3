/* spec.c - one createInstances request: typing its fields, the API's rules, its body.
 *
 * The rules are written once, here, for both directions: the runner checks a CSV row before
 * anything is sent, and cps-sim checks a body it received. Sources of the rules:
 * createInstances.md and API.md section 1.
 */
#include "spec.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"
#include "text.h"

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
    for (int f = 0; f < FIELD_N; f++) {
        free(s->owned[f]);
        s->owned[f] = NULL;
    }
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

/* A whole number in decimal, text[0..len) and nothing else: an optional sign, digits. */
static bool parse_whole(const char *text, size_t len, long long *out)
{
    size_t sign = len && (*text == '-' || *text == '+');
    if (len == sign)
        return false;
    long long v = 0;
    for (size_t i = sign; i < len; i++) {
        int d = text[i] - '0';
        if (d < 0 || d > 9 || v > (LLONG_MAX - d) / 10)
            return false; /* not a digit, or past the range */
        v = v * 10 + d;
    }
    *out = *text == '-' ? -v : v;
    return true;
}

/* A whole number as a spreadsheet may show it: "10", or "10.0" (a zero fraction). */
static bool parse_cell_number(const char *text, size_t len, long long *out)
{
    const char *dot = memchr(text, '.', len);
    if (!dot)
        return parse_whole(text, len, out);
    if (dot + 1 == text + len)
        return false; /* "10." */
    for (const char *z = dot + 1; z < text + len; z++) {
        if (*z != '0')
            return false;
    }
    return parse_whole(text, (size_t)(dot - text), out);
}

/* Whether text[0..len) is UTF-8 without control characters (but tab, LF and CR when
 * lines); else reports what is wrong with what (as "item 2: name"). */
static bool text_ok(const char *what, const char *text, size_t len, bool lines, enum field_id f,
                    spec_report_fn report, void *ctx);

static json_t *software_new(const char *name, size_t nlen, const char *version, size_t vlen)
{
    return json_pack("{s:s%,s:s%}", "name", name, nlen, "version", version, vlen);
}

/* One "name:version" entry, trimmed, onto arr; false after reporting it. */
static bool software_from_pair(json_t *arr, const char *p, size_t len, spec_report_fn report,
                               void *ctx)
{
    const char *colon = memchr(p, ':', len);
    const char *name = p, *version = colon ? colon + 1 : p + len;
    size_t nlen = colon ? (size_t)(colon - p) : len, vlen = (size_t)(p + len - version);
    text_trim(&name, &nlen);
    text_trim(&version, &vlen);
    if (!colon || nlen == 0 || vlen == 0) {
        reportf(report, ctx, FIELD_SOFTWARES,
                "entry '%.*s' is not name:version (write name:version;name:version or a JSON "
                "array)",
                (int)len, p);
        return false;
    }
    if (!text_ok("softwares entry", p, len, false, FIELD_SOFTWARES, report, ctx))
        return false;
    json_t *item = software_new(name, nlen, version, vlen);
    if (json_array_append_new(arr, item) == 0)
        return true;
    reportf(report, ctx, FIELD_SOFTWARES, "out of memory");
    return false;
}

/* "name:version;name:version" into an array; NULL after reporting a malformed entry. Each
 * entry, its name and its version are trimmed; empty entries ("a:1;", ";;") are skipped. */
static json_t *softwares_from_pairs(const char *text, size_t tlen, spec_report_fn report, void *ctx)
{
    json_t *arr = json_array();
    const char *end = text + tlen;
    if (!arr)
        reportf(report, ctx, FIELD_SOFTWARES, "out of memory");
    for (const char *p = text; arr && p < end;) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        size_t len = semi ? (size_t)(semi - p) : (size_t)(end - p);
        const char *item = p;
        size_t ilen = len;
        p += len + (semi ? 1 : 0);
        text_trim(&item, &ilen);
        if (ilen && !software_from_pair(arr, item, ilen, report, ctx)) {
            json_decref(arr);
            return NULL;
        }
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
        char what[48];
        snprintf(what, sizeof(what), "item %zu: %s", i + 1, key);
        if (!text_ok(what, json_string_value(val), json_string_length(val), false, FIELD_SOFTWARES,
                     report, ctx))
            return false;
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

static json_t *softwares_from_text(const char *text, size_t len, spec_report_fn report, void *ctx)
{
    json_t *arr;
    json_error_t jerr;
    if (*text != '[')
        arr = softwares_from_pairs(text, len, report, ctx);
    else if ((arr = json_loadb(text, len, 0, &jerr)) == NULL)
        reportf(report, ctx, FIELD_SOFTWARES, "not valid JSON: %s (at character %d)", jerr.text,
                jerr.position);
    else if (softwares_check(arr, report, ctx)) {
        json_decref(arr);
        arr = NULL;
    }
    return arr;
}

/* The value of text field f from the trimmed cell v[0..len) (the cell starts at text): the
 * API's spelling of an enumeration's word (s->spelled[f] set), the cell itself, or a copy when
 * trimming cut its end. NULL when out of memory. */
static const char *cell_value(struct spec *s, enum field_id f, const char *v, size_t len)
{
    const char *word = field_spelling(f, v, len);
    s->spelled[f] = word != NULL;
    if (word && strncmp(word, v, len) != 0)
        return word;
    if (v[len] == '\0')
        return v;
    s->owned[f] = strndup(v, len);
    return s->owned[f];
}

int spec_set_text(struct spec *s, enum field_id f, const char *text, spec_report_fn report,
                  void *ctx)
{
    const char *v = text;
    size_t len = text ? strlen(text) : 0;
    text_trim(&v, &len);
    if (len == 0)
        return 0;
    free(s->owned[f]);
    s->owned[f] = NULL;
    const char *value = text;
    if (field_is_integer(f)) {
        if (!parse_cell_number(v, len, &s->num[f])) {
            reportf(report, ctx, f, "must be a whole number, got '%.*s'", (int)len, v);
            return ERR_INVALID;
        }
    } else if (f == FIELD_SOFTWARES) {
        json_t *arr = softwares_from_text(v, len, report, ctx);
        if (!arr)
            return ERR_INVALID;
        json_decref(s->softwares);
        s->softwares = arr;
    } else if ((value = cell_value(s, f, v, len)) == NULL) {
        reportf(report, ctx, f, "out of memory");
        return ERR_NOMEM;
    }
    s->str[f] = value;
    s->given[f] = text;
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

/* Field f, when present, must be one of the API's words for it (field_values); in any case
 * when anycase. A CSV cell spec_set_text found to be one is in its spelling already. */
static int check_enum(const struct spec *s, enum field_id f, bool anycase, spec_report_fn report,
                      void *ctx)
{
    if (!s->present[f] || s->spelled[f])
        return 0;
    const char *v = s->str[f];
    const char *word = field_spelling(f, v, strlen(v));
    if (word && (anycase || strcmp(word, v) == 0))
        return 0;
    char list[128];
    size_t o = 0;
    const char *const *w = field_values(f);
    for (size_t i = 0; w[i]; i++)
        o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", w[i]);
    reportf(report, ctx, f, "must be %s%s, got '%s'", w[1] ? "one of " : "", list, v);
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
    /* API.md: imageType is documented as Standard, Standard_app and used in lower case. */
    return check_enum(s, FIELD_IMAGE_TYPE, true, report, ctx) +
           check_enum(s, FIELD_NETWORK_TYPE, false, report, ctx) +
           check_enum(s, FIELD_ENABLE_INTERNET, false, report, ctx) +
           check_enum(s, FIELD_LINE_TYPE, false, report, ctx) +
           check_enum(s, FIELD_CHARGE_MODE, false, report, ctx) +
           check_enum(s, FIELD_CHARGE_UNIT, false, report, ctx);
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

enum password_verdict { PASSWORD_OK, PASSWORD_BAD_CHAR, PASSWORD_BAD_LENGTH, PASSWORD_FEW_KINDS };

/* The password rule of JD Cloud's public parameter specification. */
static enum password_verdict judge_password(const char *p, size_t len)
{
    bool upper = false, lower = false, digit = false, special = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch >= 'A' && ch <= 'Z')
            upper = true;
        else if (ch >= 'a' && ch <= 'z')
            lower = true;
        else if (ch >= '0' && ch <= '9')
            digit = true;
        else if (ch && strchr(PASSWORD_SPECIALS, ch))
            special = true;
        else
            return PASSWORD_BAD_CHAR;
    }
    if (len < 8 || len > 30)
        return PASSWORD_BAD_LENGTH;
    return upper + lower + digit + special < 3 ? PASSWORD_FEW_KINDS : PASSWORD_OK;
}

bool spec_password_ok(const char *p, size_t len)
{
    return judge_password(p, len) == PASSWORD_OK;
}

static int check_password(const struct spec *s, spec_report_fn report, void *ctx)
{
    if (!s->present[FIELD_PASSWORD])
        return 0;
    const char *p = s->str[FIELD_PASSWORD];
    switch (judge_password(p, strlen(p))) {
    case PASSWORD_OK: return 0;
    case PASSWORD_BAD_CHAR:
        reportf(report, ctx, FIELD_PASSWORD,
                "may hold only letters, digits and %s (the value is not shown)", PASSWORD_SPECIALS);
        break;
    case PASSWORD_BAD_LENGTH:
        reportf(report, ctx, FIELD_PASSWORD, "must be 8..30 characters, got %zu", strlen(p));
        break;
    case PASSWORD_FEW_KINDS:
        reportf(report, ctx, FIELD_PASSWORD,
                "must mix at least three of: upper case, lower case, digits, special "
                "characters");
        break;
    }
    return 1;
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
             parse_whole(slash + 1, strlen(slash + 1), &bits) && bits >= 0 && bits <= 32;
    }
    if (!ok) {
        reportf(report, ctx, FIELD_CIDR, "must be an IPv4 CIDR such as 10.0.0.0/16, got '%s'", v);
        return 1;
    }
    return 0;
}

static bool text_ok(const char *what, const char *text, size_t len, bool lines, enum field_id f,
                    spec_report_fn report, void *ctx)
{
    uint32_t cp;
    for (size_t i = 0, n; i < len; i += n) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c < 0x7F) { /* printable ASCII: the common case */
            n = 1;
            continue;
        }
        n = text_utf8_decode(text + i, len - i, &cp);
        if (n == 0) {
            reportf(report, ctx, f, "%s is not UTF-8 text (byte 0x%02X at byte %zu)", what, c,
                    i + 1);
            return false;
        }
        if (text_is_control(cp) && !(lines && (cp == '\t' || cp == '\n' || cp == '\r'))) {
            char name[TEXT_DESCRIBE_MAX];
            text_describe(cp, name);
            reportf(report, ctx, f, "%s contains %s", what, name);
            return false;
        }
    }
    return true;
}

/* An identifier: every character of its set (field.h), 1..field_max_len characters. A
 * character outside the set is named, so an invisible one can be found. */
static int check_ident(const struct spec *s, enum field_id f, spec_report_fn report, void *ctx)
{
    const char *v = s->str[f];
    size_t len = strlen(v), max = field_max_len(f), chars = 0;
    uint32_t cp;
    enum field_chars set = field_chars(f);
    for (size_t i = 0, n; i < len; i += n, chars++) {
        n = 1;
        if (field_char_ok(set, (unsigned char)v[i])) /* ASCII of the set: the common case */
            continue;
        n = text_utf8_decode(v + i, len - i, &cp);
        if (n == 0) {
            reportf(report, ctx, f, "is not UTF-8 text (byte 0x%02X at byte %zu)",
                    (unsigned char)v[i], i + 1);
            return 1;
        }
        char name[TEXT_DESCRIBE_MAX];
        text_describe(cp, name);
        reportf(report, ctx, f, "contains %s at character %zu (%s may hold only %s)", name,
                chars + 1, field_name(f), field_chars_phrase(set));
        return 1;
    }
    if (chars >= 1 && chars <= max)
        return 0;
    reportf(report, ctx, f, "must be 1..%zu characters, got %zu", max, chars);
    return 1;
}

/* The identifiers, and the free text that is neither an enumeration nor a field with a rule
 * of its own (password, cidr, softwares): name and description, which may hold what a
 * spreadsheet cell holds (tabs, line breaks: JSON escapes them) but no other control. */
static int check_texts(const struct spec *s, spec_report_fn report, void *ctx)
{
    int n = 0;
    for (int f = 0; f < FIELD_N; f++) {
        if (!s->present[f])
            continue;
        if (field_chars((enum field_id)f) != FIELD_CHARS_TEXT)
            n += check_ident(s, (enum field_id)f, report, ctx);
        else if (f == FIELD_NAME || f == FIELD_DESCRIPTION)
            n += !text_ok(field_name((enum field_id)f), s->str[f], strlen(s->str[f]), true,
                          (enum field_id)f, report, ctx);
    }
    return n;
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
    n += check_texts(s, report, ctx);
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
        digest_append(b, f, s->given[f] ? s->given[f] : s->str[f]);
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
