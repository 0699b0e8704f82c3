/* check.h - the assertions of the unit tests. Each prints both operands and where it failed,
 * counts the failure and goes on; check_done() ends the test with "N passed, N failed". */
#ifndef CPSBATCH_CHECK_H
#define CPSBATCH_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK_FAIL_(fmt, ...)                                                                      \
    do {                                                                                           \
        check_failed++;                                                                            \
        fprintf(stderr, "%s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__);                      \
    } while (0)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond)                                                                                  \
            check_passed++;                                                                        \
        else                                                                                       \
            CHECK_FAIL_("check failed: %s", #cond);                                                \
    } while (0)

#define CHECK_INT(a, op, b)                                                                        \
    do {                                                                                           \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                            \
        if (check_a_ op check_b_)                                                                  \
            check_passed++;                                                                        \
        else                                                                                       \
            CHECK_FAIL_("%s %s %s: %lld vs %lld", #a, #op, #b, check_a_, check_b_);                \
    } while (0)

#define CHECK_DBL(a, op, b)                                                                        \
    do {                                                                                           \
        double check_a_ = (double)(a), check_b_ = (double)(b);                                     \
        if (check_a_ op check_b_)                                                                  \
            check_passed++;                                                                        \
        else                                                                                       \
            CHECK_FAIL_("%s %s %s: %.9g vs %.9g", #a, #op, #b, check_a_, check_b_);                \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *check_a_ = (a), *check_b_ = (b);                                               \
        if (check_a_ && check_b_ && strcmp(check_a_, check_b_) == 0)                               \
            check_passed++;                                                                        \
        else                                                                                       \
            CHECK_FAIL_("%s == %s:\n  \"%s\"\n  \"%s\"", #a, #b, check_a_ ? check_a_ : "(null)",   \
                        check_b_ ? check_b_ : "(null)");                                           \
    } while (0)

static inline int check_done(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
