/* test_queue.c - the hand-over queue: order, batches, close, timed waits, many producers. */
#include "check.h"
#include "clock.h"
#include "err.h"
#include "queue.h"

#include <pthread.h>
#include <stdlib.h>

struct item {
    int value;
    struct queue_node node;
};

static int value_of(struct queue_node *n)
{
    return queue_item(n, struct item, node)->value;
}

static void test_chain(void)
{
    struct item it[3] = {{.value = 1}, {.value = 2}, {.value = 3}};
    struct queue_chain c = {0};
    CHECK(queue_chain_shift(&c) == NULL);
    for (int i = 0; i < 3; i++)
        queue_chain_append(&c, &it[i].node);
    CHECK_INT(c.len, ==, 3);
    for (int i = 0; i < 3; i++)
        CHECK_INT(value_of(queue_chain_shift(&c)), ==, i + 1);
    CHECK(c.head == NULL && c.tail == NULL);
    CHECK_INT(c.len, ==, 0);
}

static void test_push_take_order(void)
{
    struct queue q;
    CHECK_INT(queue_init(&q), ==, 0);
    struct item it[5];
    for (int i = 0; i < 5; i++) {
        it[i].value = i;
        bool was_empty = false;
        CHECK_INT(queue_push(&q, &it[i].node, &was_empty), ==, 0);
        CHECK(was_empty == (i == 0));
    }
    CHECK_INT(queue_len(&q), ==, 5);
    struct queue_chain got = {0};
    CHECK_INT(queue_wait_take(&q, &got, 2, 0), ==, 2);
    CHECK_INT(value_of(queue_chain_shift(&got)), ==, 0);
    CHECK_INT(value_of(queue_chain_shift(&got)), ==, 1);
    CHECK(queue_take_all(&q, &got) == false);
    CHECK_INT(got.len, ==, 3);
    for (int i = 2; i < 5; i++)
        CHECK_INT(value_of(queue_chain_shift(&got)), ==, i);
    CHECK_INT(queue_len(&q), ==, 0);
    queue_release(&q);
}

static void test_push_chain_and_close(void)
{
    struct queue q;
    CHECK_INT(queue_init(&q), ==, 0);
    struct item it[4] = {{.value = 10}, {.value = 11}, {.value = 12}, {.value = 13}};
    struct queue_chain c = {0};
    CHECK_INT(queue_push_chain(&q, &c), ==, 0); /* an empty chain is fine */
    for (int i = 0; i < 3; i++)
        queue_chain_append(&c, &it[i].node);
    CHECK_INT(queue_push_chain(&q, &c), ==, 0);
    CHECK_INT(c.len, ==, 0);
    queue_close(&q);
    CHECK_INT(queue_push(&q, &it[3].node, NULL), ==, ERR_STOPPED);
    queue_chain_append(&c, &it[3].node);
    CHECK_INT(queue_push_chain(&q, &c), ==, ERR_STOPPED);
    CHECK_INT(c.len, ==, 1); /* refused: still the caller's */
    /* Closed, but what it holds still comes out; then it says "closed and empty". */
    struct queue_chain got = {0};
    CHECK(queue_take_all(&q, &got) == true);
    CHECK_INT(got.len, ==, 3);
    CHECK_INT(value_of(got.head), ==, 10);
    got = (struct queue_chain){0};
    CHECK_INT(queue_wait_take(&q, &got, 8, clock_now_us() + 5000000), ==, 0);
    queue_close(&q); /* idempotent */
    queue_release(&q);
}

static void test_wait_deadline(void)
{
    struct queue q;
    CHECK_INT(queue_init(&q), ==, 0);
    struct queue_chain got = {0};
    int64_t t0 = clock_now_us();
    CHECK_INT(queue_wait_take(&q, &got, 1, t0 + 30000), ==, 0);
    int64_t waited = clock_now_us() - t0;
    CHECK_INT(waited, >=, 29000); /* never before the deadline */
    /* ... and not a wait on something else: a deadline read in the wrong unit would be 30 s.
     * (How soon after the deadline depends on the machine: no bound closer than that.) */
    CHECK_INT(waited, <, 10000000);
    t0 = clock_now_us();
    CHECK_INT(queue_wait_take(&q, &got, 1, 0), ==, 0); /* a past deadline: no wait */
    CHECK_INT(clock_now_us() - t0, <, 10000000);
    queue_release(&q);
}

#define PRODUCERS 4
#define PER_PRODUCER 20000

struct producer {
    struct queue *q;
    struct item *items;
    int base;
};

/* Push PER_PRODUCER items in order: in each block of 8, three one by one, then five as a chain. */
static void *produce(void *arg)
{
    struct producer *p = arg;
    struct queue_chain c = {0};
    for (int i = 0; i < PER_PRODUCER; i++) {
        p->items[i].value = p->base + i;
        if (i % 8 < 3) {
            queue_push(p->q, &p->items[i].node, NULL);
            continue;
        }
        queue_chain_append(&c, &p->items[i].node);
        if (i % 8 == 7)
            queue_push_chain(p->q, &c);
    }
    queue_push_chain(p->q, &c);
    return NULL;
}

static void test_many_producers(void)
{
    struct queue q;
    CHECK_INT(queue_init(&q), ==, 0);
    struct producer p[PRODUCERS];
    pthread_t th[PRODUCERS];
    struct item *items = calloc((size_t)PRODUCERS * PER_PRODUCER, sizeof *items);
    int *last = calloc(PRODUCERS, sizeof *last);
    for (int k = 0; k < PRODUCERS; k++) {
        p[k] = (struct producer){&q, items + (size_t)k * PER_PRODUCER, k * PER_PRODUCER};
        last[k] = -1;
        pthread_create(&th[k], NULL, produce, &p[k]);
    }
    long total = 0, out_of_order = 0;
    int64_t deadline = clock_now_us() + 20000000;
    while (total < (long)PRODUCERS * PER_PRODUCER && clock_now_us() < deadline) {
        struct queue_chain got = {0};
        queue_wait_take(&q, &got, 64, clock_now_us() + 100000);
        struct queue_node *n;
        while ((n = queue_chain_shift(&got)) != NULL) {
            int v = value_of(n), k = v / PER_PRODUCER;
            /* Each producer's items arrive in the order it pushed them. */
            out_of_order += v <= last[k];
            last[k] = v;
            total++;
        }
    }
    for (int k = 0; k < PRODUCERS; k++)
        pthread_join(th[k], NULL);
    CHECK_INT(total, ==, (long)PRODUCERS * PER_PRODUCER);
    CHECK_INT(out_of_order, ==, 0);
    CHECK_INT(queue_len(&q), ==, 0);
    free(items);
    free(last);
    queue_release(&q);
}

/* A sleeper is woken by a push from another thread and by close. */
static void *push_later(void *arg)
{
    static struct item it = {.value = 99};
    struct queue *q = arg;
    struct queue_chain none = {0};
    queue_wait_take(q, &none, 1, clock_now_us() + 20000); /* about 20 ms of nothing */
    queue_push(q, &it.node, NULL);
    return NULL;
}

static void test_wakeup(void)
{
    struct queue q;
    CHECK_INT(queue_init(&q), ==, 0);
    pthread_t th;
    pthread_create(&th, NULL, push_later, &q);
    struct queue_chain got = {0};
    int64_t deadline = clock_now_us() + 10000000;
    CHECK_INT(queue_wait_take(&q, &got, 4, deadline), ==, 1);
    CHECK_INT(clock_now_us(), <, deadline); /* woken, not timed out */
    CHECK_INT(value_of(got.head), ==, 99);
    pthread_join(th, NULL);
    queue_release(&q);
}

static void *close_later(void *arg)
{
    struct queue *q = arg;
    struct queue_chain none = {0};
    struct queue idle;
    queue_init(&idle);
    queue_wait_take(&idle, &none, 1, clock_now_us() + 20000);
    queue_release(&idle);
    queue_close(q);
    return NULL;
}

static void test_close_wakes(void)
{
    struct queue q;
    CHECK_INT(queue_init(&q), ==, 0);
    pthread_t th;
    pthread_create(&th, NULL, close_later, &q);
    struct queue_chain got = {0};
    int64_t deadline = clock_now_us() + 10000000;
    CHECK_INT(queue_wait_take(&q, &got, 4, deadline), ==, 0);
    CHECK_INT(clock_now_us(), <, deadline); /* woken by the close, not timed out */
    pthread_join(th, NULL);
    queue_release(&q);
}

int main(void)
{
    test_chain();
    test_push_take_order();
    test_push_chain_and_close();
    test_wait_deadline();
    test_many_producers();
    test_wakeup();
    test_close_wakes();
    return check_done();
}
