/* Unit tests for spec: typing, every rule on both sides of its bounds, the body, the digest. */
#include "err.h"
#include "spec.h"
#include "check.h"

struct seen {
    int n;
    int field;
    char msg[256];
};

static void record(void *ctx, enum field_id f, const char *msg)
{
    struct seen *s = ctx;
    if (s->n++ == 0) {
        s->field = (int)f;
        snprintf(s->msg, sizeof(s->msg), "%s", msg);
    }
}

#define KNOWN_DIGEST "058eb3652d3f0d50bc63dbf9eb32309424c25ac96c730270c17611aba08ea8cc"

/* A valid prepaid row; each test changes one cell. */
static const char *base[FIELD_N] = {
    [FIELD_REGION_ID] = "cn-north-1",
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
    [FIELD_CHARGE_MODE] = "prepaid_by_duration",
    [FIELD_CHARGE_UNIT] = "month",
    [FIELD_CHARGE_DURATION] = "3",
};

/* Check base with field f set to value; returns the problems (first one in *seen). */
static int check_with(enum field_id f, const char *value, struct seen *seen)
{
    struct spec s;
    spec_init(&s);
    memset(seen, 0, sizeof(*seen));
    seen->field = -1;
    for (int i = 0; i < FIELD_N; i++)
        spec_set_text(&s, (enum field_id)i, i == (int)f ? value : base[i], record, seen);
    spec_check(&s, record, seen);
    spec_release(&s);
    return seen->n;
}

#define OK(f, v)                                                                                   \
    do {                                                                                           \
        struct seen seen_;                                                                         \
        int n_ = check_with(f, v, &seen_);                                                         \
        if (n_)                                                                                    \
            fprintf(stderr, "  %s='%s': %s\n", #f, v ? v : "(null)", seen_.msg);                   \
        CHECK_INT(n_, ==, 0);                                                                      \
    } while (0)

#define BAD(f, v, fragment)                                                                        \
    do {                                                                                           \
        struct seen seen_;                                                                         \
        CHECK_INT(check_with(f, v, &seen_), >=, 1);                                                \
        CHECK_INT(seen_.field, ==, f);                                                             \
        if (!strstr(seen_.msg, fragment))                                                          \
            CHECK_STR(seen_.msg, fragment);                                                        \
    } while (0)

static void test_required(void)
{
    OK(FIELD_REGION_ID, "cn-east-2");
    BAD(FIELD_AZ, "", "required");
    BAD(FIELD_DEVICE_TYPE, NULL, "required");
    BAD(FIELD_OS_TYPE_ID, "", "required");
    BAD(FIELD_SYS_RAID_TYPE_ID, "", "required");
    BAD(FIELD_DATA_RAID_TYPE_ID, "", "required");
    BAD(FIELD_NAME, "", "required");
    BAD(FIELD_PASSWORD, "", "required");
    BAD(FIELD_COUNT, "", "required");
    BAD(FIELD_NETWORK_TYPE, "", "required");
    BAD(FIELD_IMAGE_TYPE, "", "required");
    OK(FIELD_DESCRIPTION, "");
    OK(FIELD_LINE_TYPE, "");
}

static void test_integers(void)
{
    OK(FIELD_COUNT, "1");
    OK(FIELD_COUNT, " 7 ");
    OK(FIELD_COUNT, "100");
    BAD(FIELD_COUNT, "0", "at least 1, got 0");
    BAD(FIELD_COUNT, "-2", "at least 1");
    BAD(FIELD_COUNT, "1.5", "whole number, got '1.5'");
    BAD(FIELD_COUNT, "two", "whole number");
    BAD(FIELD_COUNT, "99999999999999999999", "whole number");
    OK(FIELD_BANDWIDTH, "1");
    OK(FIELD_BANDWIDTH, "200");
    BAD(FIELD_BANDWIDTH, "0", "1..200 (Mbps), got 0");
    BAD(FIELD_BANDWIDTH, "201", "1..200");
    BAD(FIELD_BANDWIDTH, "10M", "whole number");
}

static void test_enums(void)
{
    OK(FIELD_IMAGE_TYPE, "standard_app");
    OK(FIELD_IMAGE_TYPE, "Standard");
    OK(FIELD_IMAGE_TYPE, "STANDARD_APP");
    BAD(FIELD_IMAGE_TYPE, "windows", "one of standard, standard_app");
    BAD(FIELD_NETWORK_TYPE, "vpc", "must be basic");
    BAD(FIELD_ENABLE_INTERNET, "maybe", "yes, no");
    BAD(FIELD_LINE_TYPE, "cnc", "must be bgp");
    OK(FIELD_CHARGE_MODE, "prepaid_by_duration");
    BAD(FIELD_CHARGE_MODE, "monthly", "prepaid_by_duration");
    BAD(FIELD_CHARGE_UNIT, "week", "month, year");
}

static void test_internet(void)
{
    struct spec s;
    struct seen seen = {0};
    spec_init(&s);
    for (int i = 0; i < FIELD_N; i++)
        spec_set_text(&s, (enum field_id)i, base[i], record, &seen);
    spec_set_text(&s, FIELD_ENABLE_INTERNET, "no", record, &seen);
    CHECK_INT(spec_check(&s, record, &seen), ==, 1);
    CHECK_INT(seen.field, ==, FIELD_BANDWIDTH);
    CHECK(strstr(seen.msg, "enableInternet=yes") != NULL);
    s.present[FIELD_BANDWIDTH] = false;
    s.present[FIELD_LINE_TYPE] = false;
    CHECK_INT(spec_check(&s, record, &seen), ==, 0);
    spec_release(&s);
}

static void test_charge(void)
{
    OK(FIELD_CHARGE_DURATION, "1");
    OK(FIELD_CHARGE_DURATION, "9");
    BAD(FIELD_CHARGE_DURATION, "0", "1..9 (months)");
    BAD(FIELD_CHARGE_DURATION, "10", "1..9 (months), got 10");
    BAD(FIELD_CHARGE_DURATION, "", "required with prepaid");
    OK(FIELD_CHARGE_UNIT, "");     /* month by default */
    OK(FIELD_CHARGE_UNIT, "year"); /* 3 years: still fine */
    struct spec s;
    struct seen seen = {0};
    spec_init(&s);
    for (int i = 0; i < FIELD_N; i++)
        spec_set_text(&s, (enum field_id)i, base[i], record, &seen);
    spec_set_text(&s, FIELD_CHARGE_UNIT, "year", record, &seen);
    spec_set_text(&s, FIELD_CHARGE_DURATION, "4", record, &seen);
    CHECK_INT(spec_check(&s, record, &seen), ==, 1);
    CHECK(strstr(seen.msg, "1..3 (years), got 4") != NULL);
    /* Postpaid takes neither unit nor duration. */
    spec_set_text(&s, FIELD_CHARGE_DURATION, "3", record, &seen);
    spec_set_text(&s, FIELD_CHARGE_MODE, "postpaid_by_usage", record, &seen);
    memset(&seen, 0, sizeof(seen));
    CHECK_INT(spec_check(&s, record, &seen), ==, 1);
    CHECK_INT(seen.field, ==, FIELD_CHARGE_UNIT);
    CHECK(strstr(seen.msg, "only allowed with charge.chargeMode=prepaid_by_duration") != NULL);
    s.present[FIELD_CHARGE_UNIT] = s.present[FIELD_CHARGE_DURATION] = false;
    CHECK_INT(spec_check(&s, record, &seen), ==, 0);
    spec_release(&s);
}

static void test_password(void)
{
    OK(FIELD_PASSWORD, "Abcdef12");                       /* 8, three classes */
    OK(FIELD_PASSWORD, "abcdef1!");                       /* lower, digit, special */
    OK(FIELD_PASSWORD, "Abcdefghijklmnopqrstuvwxyz1234"); /* 30 */
    BAD(FIELD_PASSWORD, "Abcde12", "8..30 characters, got 7");
    BAD(FIELD_PASSWORD, "Abcdefghijklmnopqrstuvwxyz12345", "8..30");
    BAD(FIELD_PASSWORD, "abcdefgh1", "at least three");
    BAD(FIELD_PASSWORD, "ABCDEFGH!", "at least three");
    BAD(FIELD_PASSWORD, "Abc def12", "may hold only");
    BAD(FIELD_PASSWORD, "Abcdé12345", "may hold only");
    struct seen seen;
    check_with(FIELD_PASSWORD, "Secret12 x", &seen);
    CHECK(strstr(seen.msg, "Secret12") == NULL); /* never echoed */
}

static void test_cidr_token_softwares(void)
{
    OK(FIELD_CIDR, "10.0.0.0/16");
    OK(FIELD_CIDR, "192.168.1.0/32");
    OK(FIELD_CIDR, "0.0.0.0/0");
    BAD(FIELD_CIDR, "10.0.0.0/33", "IPv4 CIDR");
    BAD(FIELD_CIDR, "10.0.0/16", "IPv4 CIDR");
    BAD(FIELD_CIDR, "10.0.0.0", "IPv4 CIDR");
    BAD(FIELD_CIDR, "10.0.0.0/x", "IPv4 CIDR");
    OK(FIELD_CLIENT_TOKEN, "a");
    OK(FIELD_CLIENT_TOKEN, "123456789012345678901234567890123456");
    BAD(FIELD_CLIENT_TOKEN, "1234567890123456789012345678901234567", "1..36 characters, got 37");
    OK(FIELD_SOFTWARES, "mysql:5.7;php:7.4");
    OK(FIELD_SOFTWARES, "mysql:5.7;");
    OK(FIELD_SOFTWARES,
       "[{\"name\":\"a\",\"version\":\"1\",\"osTypeId\":\"o\",\"description\":\"d\"}]");
    BAD(FIELD_SOFTWARES, "mysql", "not name:version");
    BAD(FIELD_SOFTWARES, "mysql:;php:7", "not name:version");
    BAD(FIELD_SOFTWARES, "[{\"name\":1}]", "must be a string");
    BAD(FIELD_SOFTWARES, "[{\"nom\":\"a\"}]", "unknown member 'nom'");
    BAD(FIELD_SOFTWARES, "[1]", "must be an object");
    BAD(FIELD_SOFTWARES, "[{", "not valid JSON");
}

static void test_body(void)
{
    struct spec s;
    struct seen seen = {0};
    spec_init(&s);
    for (int i = 0; i < FIELD_N; i++)
        spec_set_text(&s, (enum field_id)i, base[i], record, &seen);
    spec_set_text(&s, FIELD_NAME, "数据库-01", record, &seen);
    spec_set_text(&s, FIELD_SOFTWARES, "mysql:5.7", record, &seen);
    json_t *body = spec_to_json(&s, false);
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    CHECK_STR(text, "{\"regionId\":\"cn-north-1\",\"instanceSpec\":{\"az\":\"cn-north-1a\","
                    "\"deviceType\":\"cps.c.normal\",\"imageType\":\"standard\",\"osTypeId\":"
                    "\"os-1\",\"sysRaidTypeId\":\"r1\",\"dataRaidTypeId\":\"r10\",\"networkType\":"
                    "\"basic\",\"enableInternet\":\"yes\",\"lineType\":\"bgp\",\"bandwidth\":10,"
                    "\"name\":\"数据库-01\",\"password\":\"Passw0rd!\",\"count\":1,\"softwares\":"
                    "[{\"name\":\"mysql\",\"version\":\"5.7\"}],\"charge\":{\"chargeMode\":"
                    "\"prepaid_by_duration\",\"chargeUnit\":\"month\",\"chargeDuration\":3}}}");
    free(text);
    json_decref(body);
    body = spec_to_json(&s, true);
    CHECK_STR(json_string_value(json_object_get(json_object_get(body, "instanceSpec"), "password")),
              "********");
    json_decref(body);
    body = spec_to_json(&s, false);
    /* From JSON and back: the same spec, the same rules. */
    struct spec t;
    spec_init(&t);
    CHECK_INT(spec_from_json(&t, body, record, &seen), ==, 0);
    CHECK_INT(spec_check(&t, record, &seen), ==, 0);
    CHECK_INT(t.num[FIELD_BANDWIDTH], ==, 10);
    CHECK_STR(t.str[FIELD_NAME], "数据库-01");
    unsigned char d1[32], d2[32];
    spec_digest(&s, d1);
    spec_digest(&t, d2);
    CHECK(memcmp(d1, d2, 32) == 0);
    spec_set_text(&t, FIELD_PASSWORD, "Other#Pass1", record, &seen);
    spec_digest(&t, d2);
    CHECK(memcmp(d1, d2, 32) == 0); /* the password is not part of the identity */
    /* A known answer, computed independently (Python's hashlib over the documented encoding):
     * the identity must never change under a batch that is half done. */
    struct spec k;
    spec_init(&k);
    for (int i = 0; i < FIELD_N; i++)
        spec_set_text(&k, (enum field_id)i, base[i], record, &seen);
    spec_digest(&k, d2);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d2[i]);
    CHECK_STR(hex, KNOWN_DIGEST);
    spec_release(&k);
    spec_set_text(&t, FIELD_COUNT, "2", record, &seen);
    spec_digest(&t, d2);
    CHECK(memcmp(d1, d2, 32) != 0);
    spec_release(&t);
    json_decref(body);
    spec_release(&s);
}

static void test_from_json_types(void)
{
    json_t *body = json_loads("{\"regionId\":\"r\",\"instanceSpec\":{\"count\":\"1\","
                              "\"bandwidth\":1.5,\"name\":7,\"charge\":{\"chargeDuration\":3}}}",
                              0, NULL);
    struct spec s;
    struct seen seen = {0};
    spec_init(&s);
    CHECK_INT(spec_from_json(&s, body, record, &seen), ==, 3);
    CHECK_INT(seen.field, ==, FIELD_BANDWIDTH);
    CHECK(s.present[FIELD_CHARGE_DURATION]);
    spec_release(&s);
    json_decref(body);
    body = json_loads("{\"instanceSpec\":[]}", 0, NULL);
    spec_init(&s);
    CHECK_INT(spec_from_json(&s, body, record, &seen), ==, 1);
    spec_release(&s);
    json_decref(body);
}

int main(void)
{
    test_required();
    test_integers();
    test_enums();
    test_internet();
    test_charge();
    test_password();
    test_cidr_token_softwares();
    test_body();
    test_from_json_types();
    return check_done();
}
