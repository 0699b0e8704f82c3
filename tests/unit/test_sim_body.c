/* test_sim_body.c - cps-sim's fast body reader gives exactly what jansson + spec_from_json
 * give whenever it accepts a body, and declines (leaving the body as it was) on every shape
 * it does not take. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "simbody.h"
#include "spec.h"

static void count(void *ctx, enum field_id f, const char *msg)
{
    (void)f;
    (void)msg;
    ++*(int *)ctx;
}

static bool same_spec(const struct spec *a, const struct spec *b)
{
    for (int f = 0; f < FIELD_N; f++) {
        if (a->present[f] != b->present[f])
            return false;
        if (!a->present[f])
            continue;
        if (field_is_integer((enum field_id)f) ? a->num[f] != b->num[f]
            : f == FIELD_SOFTWARES             ? !json_equal(a->softwares, b->softwares)
                                               : strcmp(a->str[f], b->str[f]) != 0)
            return false;
    }
    return true;
}

/* Read text both ways. Returns whether the fast reader accepted it; checks agreement. */
static bool both_ways(const char *text)
{
    size_t len = strlen(text);
    char *body = malloc(len + 1);
    memcpy(body, text, len + 1);
    struct spec fast, slow;
    struct simbody_marks marks;
    spec_init(&fast);
    spec_init(&slow);
    bool accepted = simbody_read(body, len, &fast, &marks);
    json_t *root = json_loads(text, 0, NULL);
    int reported = 0, problems = root ? spec_from_json(&slow, root, count, &reported) : 1;
    if (accepted) {
        CHECK_INT(problems, ==, 0);
        CHECK(same_spec(&fast, &slow));
        simbody_restore(body, &marks);
    }
    CHECK(memcmp(body, text, len + 1) == 0);
    if (!accepted)
        CHECK(!fast.present[FIELD_AZ] && fast.softwares == NULL);
    spec_release(&fast);
    spec_release(&slow);
    json_decref(root);
    free(body);
    return accepted;
}

#define SPEC_HEAD "{\"regionId\":\"cn-north-1\",\"clientToken\":\"t-1\",\"instanceSpec\":{"
#define SPEC_MID                                                                                   \
    "\"az\":\"cn-north-1a\",\"deviceType\":\"cps.c.normal\",\"imageType\":\"standard\","           \
    "\"osTypeId\":\"os-1\",\"sysRaidTypeId\":\"r1\",\"dataRaidTypeId\":\"r2\","                    \
    "\"networkType\":\"basic\",\"name\":\"web\",\"password\":\"Passw0rd!2024\",\"count\":2"

static void test_accepted(void)
{
    CHECK(both_ways(SPEC_HEAD SPEC_MID ",\"charge\":{\"chargeMode\":\"prepaid_by_duration\","
                                       "\"chargeUnit\":\"month\",\"chargeDuration\":3}}}"));
    CHECK(both_ways(" { \"instanceSpec\" : { " SPEC_MID " , \"bandwidth\" : 200 } }\n"));
    CHECK(both_ways(SPEC_HEAD SPEC_MID ",\"softwares\":[{\"name\":\"a\",\"version\":\"1\"},"
                                       "{\"name\":\"b\\\"q\",\"version\":\"2\"}]}}"));
    CHECK(both_ways(SPEC_HEAD SPEC_MID ",\"bandwidth\":-5,\"description\":\"x y z\"}}"));
    CHECK(both_ways("{}"));
    CHECK(both_ways("{\"instanceSpec\":{},\"clientToken\":\"a\"}"));
}

static void test_declined(void)
{
    const char *bad[] = {
        "",
        "[]",
        "{",
        "{\"regionId\":\"a\"",
        "{\"regionId\":\"a\"} x",
        "{\"regionId\":\"caf\xc3\xa9\"}",
        "{\"regionId\":\"a\\u0041\"}",
        "{\"regionId\":\"\"}",
        "{\"regionId\":null}",
        "{\"regionId\":5}",
        "{\"other\":1}",
        "{\"regionId\":\"a\",\"regionId\":\"b\"}",
        "{\"instanceSpec\":{\"count\":1.0}}",
        "{\"instanceSpec\":{\"count\":1e3}}",
        "{\"instanceSpec\":{\"count\":01}}",
        "{\"instanceSpec\":{\"count\":\"2\"}}",
        "{\"instanceSpec\":{\"count\":1234567890123456}}",
        "{\"instanceSpec\":{\"az\":\"a\"},\"instanceSpec\":{}}",
        "{\"instanceSpec\":{\"charge\":{\"chargeMode\":\"x\"},\"charge\":{}}}",
        "{\"instanceSpec\":{\"softwares\":{\"name\":\"a\"}}}",
        "{\"instanceSpec\":{\"softwares\":[1,2]}}",
        "{\"instanceSpec\":{\"softwares\":[{\"name\":\"a\"}}}",
        "{\"instanceSpec\":{\"charge\":{\"az\":\"a\"}}}",
        "{\"az\":\"a\"}",
        "{\"regionId\":\"a\",}",
        "{\"regionId\":\"a\"\x01}",
        /* what a CSV cell may say but a body may not: spaces around, a word's case */
        "{\"regionId\":\" a\"}",
        "{\"regionId\":\"a \"}",
        "{\"instanceSpec\":{\"name\":\" \"}}",
        "{\"instanceSpec\":{\"lineType\":\"BGP\"}}",
        "{\"instanceSpec\":{\"charge\":{\"chargeUnit\":\"Month\"}}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool accepted = both_ways(bad[i]);
        if (accepted)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK(!accepted);
    }
}

int main(void)
{
    test_accepted();
    test_declined();
    return check_done();
}
