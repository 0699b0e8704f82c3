/* test_buf.c - the capped growable buffer: appends, the cap, formatting, detach. */
#include "buf.h"
#include "check.h"
#include "err.h"

#include <stdlib.h>
#include <unistd.h>

static void test_append_and_cap(void)
{
    struct buf b;
    buf_init(&b, 10);
    CHECK_STR(buf_str(&b), "");
    CHECK_INT(buf_addstr(&b, "hello"), ==, 0);
    CHECK_INT(buf_addch(&b, ' '), ==, 0);
    CHECK_INT(buf_add(&b, "worl", 4), ==, 0);
    CHECK_STR(buf_str(&b), "hello worl");
    CHECK_INT(b.len, ==, 10);
    CHECK_INT(buf_addch(&b, 'd'), ==, ERR_RANGE); /* past the cap: refused, unchanged */
    CHECK_STR(buf_str(&b), "hello worl");
    CHECK_INT(buf_add(&b, NULL, 0), ==, 0);
    buf_truncate(&b, 5);
    CHECK_STR(b.data, "hello");
    buf_reset(&b);
    CHECK_INT(b.len, ==, 0);
    CHECK_STR(buf_str(&b), "");
    buf_release(&b);
    CHECK(b.data == NULL && b.max == 10);
}

static void test_binary_and_growth(void)
{
    struct buf b = BUF_INIT(1 << 20);
    for (int i = 0; i < 100000; i++)
        CHECK_INT(buf_add(&b, "\0x", 2), ==, 0);
    CHECK_INT(b.len, ==, 200000);
    CHECK(b.data[0] == '\0' && b.data[199999] == 'x' && b.data[200000] == '\0');
    CHECK_INT(b.cap, <=, (1 << 20) + 1);
    buf_release(&b);
}

static void test_format(void)
{
    struct buf b = BUF_INIT(400);
    CHECK_INT(buf_addf(&b, "%d-%s", 42, "x"), ==, 0);
    CHECK_STR(buf_str(&b), "42-x");
    char big[301];
    memset(big, 'a', 300);
    big[300] = '\0';
    CHECK_INT(buf_addf(&b, "[%s]", big), ==, 0); /* longer than the small stack copy */
    CHECK_INT(b.len, ==, 4 + 302);
    CHECK(b.data[5] == 'a' && b.data[305] == ']');
    CHECK_INT(buf_addf(&b, "%s", big), ==, ERR_RANGE);
    CHECK_INT(b.len, ==, 306);
    size_t n = 0;
    char *p = buf_detach(&b, &n);
    CHECK_INT(n, ==, 306);
    CHECK(p && p[306] == '\0');
    CHECK(b.data == NULL && b.len == 0);
    free(p);
    p = buf_detach(&b, &n); /* an empty buffer hands over "" */
    CHECK_STR(p, "");
    CHECK_INT(n, ==, 0);
    free(p);
}

/* err keeps the first failure until a reset; later appends still run (buf.h, invariant 4). */
static void test_sticky_error(void)
{
    struct buf b = BUF_INIT(4);
    CHECK_INT(b.err, ==, 0);
    CHECK_INT(buf_addstr(&b, "abcde"), ==, ERR_RANGE);
    CHECK_INT(b.err, ==, ERR_RANGE);
    CHECK_INT(buf_addstr(&b, "ab"), ==, 0);
    CHECK_INT(b.err, ==, ERR_RANGE);
    CHECK_STR(buf_str(&b), "ab");
    buf_reset(&b);
    CHECK_INT(b.err, ==, 0);
    CHECK_INT(buf_addf(&b, "%s", "toolong"), ==, ERR_RANGE);
    buf_release(&b);
    CHECK_INT(b.err, ==, 0);
}

/* buf_read appends what one read gives, within the cap; buf_consume drops from the front. */
static void test_read_and_consume(void)
{
    int fds[2];
    CHECK_INT(pipe(fds), ==, 0);
    CHECK_INT(write(fds[1], "line1\nline2", 11), ==, 11);
    close(fds[1]);
    struct buf b = BUF_INIT(8);
    size_t got = 0;
    CHECK_INT(buf_read(&b, fds[0], 100, &got), ==, 0); /* at most the 8 the cap leaves */
    CHECK_INT(got, ==, 8);
    CHECK_STR(buf_str(&b), "line1\nli");
    CHECK_INT(buf_read(&b, fds[0], 100, &got), ==, ERR_RANGE);
    buf_consume(&b, 6);
    CHECK_STR(buf_str(&b), "li");
    CHECK_INT(buf_read(&b, fds[0], 100, &got), ==, 0);
    CHECK_STR(buf_str(&b), "line2");
    CHECK_INT(buf_read(&b, fds[0], 100, &got), ==, 0);
    CHECK_INT(got, ==, 0); /* end of file */
    CHECK_INT(buf_read(&b, -1, 1, &got), ==, ERR_IO);
    close(fds[0]);
    buf_release(&b);
}

int main(void)
{
    test_append_and_cap();
    test_binary_and_growth();
    test_format();
    test_sticky_error();
    test_read_and_consume();
    return check_done();
}
