/* test_bodytpl.c - a body built once, its clientToken patched per request. */
#include <jansson.h>

#include "bodytpl.h"
#include "check.h"
#include "err.h"

static void set(struct spec *s, enum field_id f, const char *text)
{
    CHECK_INT(spec_set_text(s, f, text, NULL, NULL), ==, 0);
}

static void make_spec(struct spec *s)
{
    spec_init(s);
    set(s, FIELD_REGION_ID, "cn-north-1");
    set(s, FIELD_AZ, "cn-north-1a");
    set(s, FIELD_NAME, "web-01");
    set(s, FIELD_PASSWORD, "Test#Passw0rd");
    set(s, FIELD_COUNT, "2");
    /* A value that mentions the key must not fool the search for the member. */
    set(s, FIELD_DESCRIPTION, "\"clientToken\":\"TOKEN-PLACEHOLDER-XXXXXXXXXXXXXXXXXX\"");
}

/* The body parsed back: its clientToken and password. */
static void check_body(const struct bodytpl *b, const char *token)
{
    json_error_t err;
    json_t *doc = json_loadb(b->body, b->len, 0, &err); /* new */
    CHECK(doc != NULL);
    CHECK_STR(json_string_value(json_object_get(doc, "clientToken")), token);
    json_t *ispec = json_object_get(doc, "instanceSpec"); /* borrowed */
    CHECK_STR(json_string_value(json_object_get(ispec, "password")), "Test#Passw0rd");
    CHECK_STR(json_string_value(json_object_get(ispec, "description")),
              "\"clientToken\":\"TOKEN-PLACEHOLDER-XXXXXXXXXXXXXXXXXX\"");
    CHECK_INT(json_integer_value(json_object_get(ispec, "count")), ==, 2);
    json_decref(doc);
}

static void test_placeholder(void)
{
    struct spec s;
    struct bodytpl b;
    make_spec(&s);
    CHECK_INT(bodytpl_init(&b, &s, NULL), ==, 0);
    CHECK(bodytpl_has_placeholder(&b));
    CHECK_STR(b.region, "cn-north-1");
    CHECK_INT(b.len, ==, strlen(b.body));
    size_t len = b.len;
    char token[TOKEN_LEN + 1];
    for (int i = 0; i < 3; i++) {
        CHECK_INT(token_random(token), ==, 0);
        bodytpl_put_token(&b, token);
        CHECK_INT(b.len, ==, len);
        check_body(&b, token);
    }
    bodytpl_release(&b);
    spec_release(&s);
}

static void test_fixed(void)
{
    struct spec s;
    struct bodytpl b;
    make_spec(&s);
    CHECK_INT(bodytpl_init(&b, &s, "my-token-7"), ==, 0);
    CHECK(!bodytpl_has_placeholder(&b));
    check_body(&b, "my-token-7");
    bodytpl_release(&b);
    spec_release(&s);
}

static void test_long_region(void)
{
    struct spec s;
    struct bodytpl b;
    make_spec(&s);
    char region[80];
    memset(region, 'r', sizeof(region) - 1);
    region[sizeof(region) - 1] = '\0';
    s.str[FIELD_REGION_ID] = region;
    CHECK_INT(bodytpl_init(&b, &s, NULL), ==, ERR_INVALID);
    spec_release(&s);
}

int main(void)
{
    test_placeholder();
    test_fixed();
    test_long_region();
    return check_done();
}
