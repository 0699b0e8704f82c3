/* test_text.c - api/text.h: UTF-8 decoding (every malformed form refused), the spaces trimmed
 * around a value (ASCII and Unicode, at both ends, nothing inside), the names in messages. */
#include <string.h>

#include "check.h"
#include "text.h"

static void test_decode(void)
{
    uint32_t cp = 0;
    CHECK_INT(text_utf8_decode("a", 1, &cp), ==, 1);
    CHECK_INT(cp, ==, 'a');
    CHECK_INT(text_utf8_decode("\xc2\xa0", 2, &cp), ==, 2);
    CHECK_INT(cp, ==, 0xA0);
    CHECK_INT(text_utf8_decode("\xe3\x80\x80", 3, &cp), ==, 3);
    CHECK_INT(cp, ==, 0x3000);
    CHECK_INT(text_utf8_decode("\xf4\x8f\xbf\xbf", 4, &cp), ==, 4);
    CHECK_INT(cp, ==, 0x10FFFF);
    static const char *const bad[] = {"\x80",             /* a stray continuation byte */
                                      "\xc0\xaf",         /* overlong '/' */
                                      "\xe0\x80\xaf",     /* overlong '/' */
                                      "\xf0\x80\x80\xaf", /* overlong '/' */
                                      "\xed\xa0\x80",     /* a surrogate */
                                      "\xf4\x90\x80\x80", /* past U+10FFFF */
                                      "\xff",
                                      "\xc2",     /* truncated */
                                      "\xe2\x80", /* truncated */
                                      "\xc2\x41", /* not a continuation */
                                      NULL};
    for (size_t i = 0; bad[i]; i++) {
        CHECK_INT(text_utf8_decode(bad[i], strlen(bad[i]), &cp), ==, 0);
        CHECK(!text_utf8_valid(bad[i], strlen(bad[i]), NULL));
    }
    size_t at = 0;
    CHECK(!text_utf8_valid("ab\xc3\xa9"
                           "c\xff",
                           6, &at));
    CHECK_INT(at, ==, 5);
    CHECK(text_utf8_valid("", 0, NULL));
}

/* text_trim on s; the result compared with want. */
static void check_trim(const char *s, const char *want)
{
    const char *p = s;
    size_t len = strlen(s);
    text_trim(&p, &len);
    CHECK_INT(len, ==, strlen(want));
    CHECK(strncmp(p, want, len) == 0);
}

static void test_trim(void)
{
    check_trim("  a b  ", "a b");
    check_trim("\t\r\na\v\f", "a");
    check_trim("\xc2\xa0"
               "cn-north-1\xc2\xa0",
               "cn-north-1");
    check_trim("\xef\xbb\xbf\xe2\x80\x8b"
               "x\xe3\x80\x80 \xe2\x80\xaf\xe2\x80\x87",
               "x");
    check_trim("a\xc2\xa0"
               "b",
               "a\xc2\xa0"
               "b");                              /* inside: kept */
    check_trim("\xc2\xa0\xc2\xa0", "");           /* nothing but spaces */
    check_trim("\xa0x\xc2", "\xa0x\xc2");         /* bytes that are not UTF-8 stop it */
    check_trim("\xc3\xa9", "\xc3\xa9");           /* é is no space */
    check_trim("x\xe2\x80\x8c", "x\xe2\x80\x8c"); /* U+200C ZERO WIDTH NON-JOINER is no space */
}

static void test_describe(void)
{
    char d[TEXT_DESCRIBE_MAX];
    text_describe(0xA0, d);
    CHECK_STR(d, "U+00A0 NO-BREAK SPACE");
    text_describe(0xFEFF, d);
    CHECK_STR(d, "U+FEFF ZERO WIDTH NO-BREAK SPACE");
    text_describe(0x1B, d);
    CHECK_STR(d, "U+001B (a control character)");
    text_describe(0x85, d);
    CHECK_STR(d, "U+0085 (a control character)");
    text_describe(' ', d);
    CHECK_STR(d, "a space");
    text_describe('?', d);
    CHECK_STR(d, "'?'");
    text_describe(0xE9, d);
    CHECK_STR(d, "U+00E9");
    text_describe(0x10FFFF, d);
    CHECK_STR(d, "U+10FFFF");
    CHECK(text_is_space(0x3000) && text_is_space('\t') && !text_is_space(0x200C));
    CHECK(text_is_control(0x7F) && text_is_control(0x9F) && !text_is_control(0xA0));
}

int main(void)
{
    test_decode();
    test_trim();
    test_describe();
    return check_done();
}
