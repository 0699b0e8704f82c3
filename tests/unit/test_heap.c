/* test_heap.c - the min-heap: order by key, ties in push order, against a sorted reference. */
#include "check.h"
#include "heap.h"

#include <stdlib.h>

static void test_order_and_ties(void)
{
    struct heap h = HEAP_INIT;
    int items[6];
    int64_t keys[6] = {30, 10, 20, 10, 30, 10};
    for (int i = 0; i < 6; i++)
        CHECK_INT(heap_push(&h, keys[i], &items[i]), ==, 0);
    int64_t k;
    void *it;
    CHECK(heap_peek(&h, &k, &it) && k == 10 && it == &items[1]);
    int want[6] = {1, 3, 5, 2, 0, 4}; /* by key, equal keys in push order */
    for (int i = 0; i < 6; i++)
        CHECK(heap_pop(&h) == &items[want[i]]);
    CHECK(heap_pop(&h) == NULL);
    CHECK(!heap_peek(&h, NULL, NULL));
    heap_release(&h);
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void test_random_against_sort(void)
{
    enum { N = 5000 };
    static int64_t keys[N], sorted[N];
    struct heap h = HEAP_INIT;
    srand(7);
    for (int i = 0; i < N; i++) {
        keys[i] = sorted[i] = rand() % 1000;
        heap_push(&h, keys[i], &keys[i]);
    }
    qsort(sorted, N, sizeof(sorted[0]), cmp64);
    int bad = 0;
    for (int i = 0; i < N; i++)
        bad += *(int64_t *)heap_pop(&h) != sorted[i];
    CHECK_INT(bad, ==, 0);
    CHECK_INT(heap_size(&h), ==, 0);
    heap_release(&h);
}

int main(void)
{
    test_order_and_ties();
    test_random_against_sort();
    return check_done();
}
