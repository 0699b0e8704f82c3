/* fuzz_validate_send - what validate accepts, run sends, and cps-sim takes.
 *
 * The input is cells: [field byte][cell bytes]NUL, repeated; the field byte (modulo FIELD_N)
 * picks the field the cell replaces in a valid row. The row's cells go through spec_set_text
 * and spec_check, as `validate` takes a CSV row. A row with no problem must then make a request
 * the emulator accepts exactly as it would off the wire:
 *  - spec_to_json and json_dumps never fail (a valid spec is UTF-8 without controls);
 *  - request_create_url and request_make_create never refuse the region;
 *  - the URL has no query, and its path, decoded as libmicrohttpd decodes it, is a
 *    createInstances route (simapi_is_create) naming the row's regionId;
 *  - every header line is printable ASCII, and the signature verifies (simauth_verify) over
 *    the request's own parts, as cps-sim rebuilds them;
 *  - the body, read back as cps-sim reads it (jansson and spec_from_json, and the fast reader
 *    simbody when it takes the body), passes spec_check and is the same request.
 * Anything else aborts: a crash report is a finding.
 */
#include <jansson.h>
#include <microhttpd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "simapi.h"
#include "simauth.h"
#include "simbody.h"
#include "spec.h"
#include "transport.h"
#include "url.h"

#define AK "AKFUZZ0123456789"
#define SK "SKfuzz/secret+key=="
#define T0 ((time_t)1700000000)

#define MUST(cond)                                                                                 \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

/* A valid prepaid row; the input replaces some of its cells. */
static const char *const base[FIELD_N] = {
    [FIELD_REGION_ID] = "cn-north-1",
    [FIELD_CLIENT_TOKEN] = "tok-1",
    [FIELD_AZ] = "cn-north-1a",
    [FIELD_DEVICE_TYPE] = "cps.c.normal",
    [FIELD_IMAGE_TYPE] = "standard",
    [FIELD_OS_TYPE_ID] = "os-1",
    [FIELD_SYS_RAID_TYPE_ID] = "r1",
    [FIELD_DATA_RAID_TYPE_ID] = "r10",
    [FIELD_NETWORK_TYPE] = "basic",
    [FIELD_ENABLE_INTERNET] = "yes",
    [FIELD_LINE_TYPE] = "bgp",
    [FIELD_BANDWIDTH] = "10",
    [FIELD_NAME] = "web-01",
    [FIELD_PASSWORD] = "Passw0rd!",
    [FIELD_COUNT] = "1",
    [FIELD_DESCRIPTION] = "d",
    [FIELD_SOFTWARES] = "mysql:5.7",
    [FIELD_CHARGE_MODE] = "prepaid_by_duration",
    [FIELD_CHARGE_UNIT] = "month",
    [FIELD_CHARGE_DURATION] = "3",
};

static void count(void *ctx, enum field_id f, const char *msg)
{
    (void)f;
    (void)msg;
    ++*(int *)ctx;
}

/* The value of header "Name" among r's lines; NULL when absent. Every line is printable. */
static const char *header(const struct http_request *r, const char *name)
{
    const char *found = NULL;
    size_t n = strlen(name);
    for (size_t i = 0; i < r->hdr_count; i++) {
        const char *line = http_request_header(r, i);
        for (const char *c = line; *c; c++)
            MUST(*c >= 0x20 && *c < 0x7f);
        if (strncmp(line, name, n) == 0 && line[n] == ':' && line[n + 1] == ' ')
            found = line + n + 2;
    }
    return found;
}

/* The route cps-sim sees: the URL's path decoded; its regionId into region. */
static void check_route(const char *url, const char *want_region, char *raw, size_t rawlen)
{
    struct url u;
    MUST(url_parse(url, &u) == 0);
    MUST(u.query == NULL && strlen(u.path) < rawlen);
    strcpy(raw, u.path);
    url_release(&u);
    char decoded[URL_MAX];
    strcpy(decoded, raw);
    MHD_http_unescape(decoded);
    MUST(simapi_is_create("PUT", decoded));
    static const char prefix[] = "/v1/regions/";
    MUST(strncmp(decoded, prefix, sizeof(prefix) - 1) == 0);
    const char *region = decoded + sizeof(prefix) - 1;
    size_t len = strcspn(region, "/");
    MUST(len == strlen(want_region) && strncmp(region, want_region, len) == 0);
    MUST(strcmp(region + len, "/instances") == 0);
}

static void check_signature(const struct http_request *r, const char *path, const char *region)
{
    struct sign_request parts = {.method = "PUT",
                                 .host = header(r, "Host"),
                                 .path = path,
                                 .query = "",
                                 .body = r->body,
                                 .body_len = r->body_len,
                                 .content_type = header(r, "Content-Type"),
                                 .date = header(r, "x-jdcloud-date"),
                                 .nonce = header(r, "x-jdcloud-nonce"),
                                 .region = region,
                                 .service = "cps"};
    char why[256];
    MUST(parts.host && parts.content_type && parts.date && parts.nonce);
    MUST(simauth_verify(&parts, header(r, "Authorization"), AK, SK, (long long)T0, why,
                        sizeof(why)));
}

/* cps-sim's two readers of a body: the same request, no problem. */
static void check_body(const char *text, size_t len, const json_t *sent, const char *region)
{
    int problems = 0;
    json_t *root = json_loadb(text, len, 0, NULL);
    MUST(root);
    struct spec t;
    spec_init(&t);
    MUST(spec_from_json(&t, root, count, &problems) == 0);
    MUST(t.present[FIELD_REGION_ID] && strcmp(t.str[FIELD_REGION_ID], region) == 0);
    MUST(spec_check(&t, count, &problems) == 0);
    json_t *again = spec_to_json(&t, false);
    MUST(again && json_equal(again, sent));
    json_decref(again);
    char *copy = malloc(len + 1);
    MUST(copy);
    memcpy(copy, text, len + 1);
    struct spec fast;
    struct simbody_marks marks;
    spec_init(&fast);
    if (simbody_read(copy, len, &fast, &marks))
        MUST(spec_check(&fast, count, &problems) == 0 &&
             strcmp(fast.str[FIELD_REGION_ID], region) == 0);
    spec_release(&fast);
    free(copy);
    spec_release(&t);
    json_decref(root);
}

static void check_send(struct request_maker *m, const struct spec *s)
{
    const char *region = s->str[FIELD_REGION_ID];
    json_t *body = spec_to_json(s, false);
    MUST(body);
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    MUST(text);
    size_t len = strlen(text);
    const char *url = request_create_url(m, region);
    MUST(url);
    struct http_request *r = NULL;
    MUST(request_make_create(m, region, text, len, T0, &r) == 0);
    MUST(strcmp(r->url, url) == 0);
    char path[URL_MAX];
    check_route(r->url, region, path, sizeof(path));
    check_signature(r, path, region);
    check_body(text, len, body, region);
    unsigned char digest[32];
    MUST(spec_digest(s, digest) == 0);
    http_request_free(r);
    free(text);
    json_decref(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    MUST(copy);
    memcpy(copy, data, size);
    copy[size] = '\0';
    const char *cells[FIELD_N];
    memcpy(cells, base, sizeof(cells));
    for (size_t at = 0; at < size;) {
        int f = (unsigned char)copy[at] % FIELD_N;
        cells[f] = copy + at + 1;
        at += 1 + strlen(copy + at + 1) + 1; /* this cell ends at its NUL */
    }
    struct spec s;
    int problems = 0;
    spec_init(&s);
    for (int f = 0; f < FIELD_N; f++)
        spec_set_text(&s, (enum field_id)f, cells[f], count, &problems);
    if (problems == 0 && spec_check(&s, count, &problems) == 0) {
        struct request_maker *maker; /* one per input: no state carried between inputs */
        MUST(request_maker_new("http://127.0.0.1:8080", AK, SK, &maker) == 0);
        check_send(maker, &s);
        request_maker_free(maker);
    }
    spec_release(&s);
    free(copy);
    return 0;
}
