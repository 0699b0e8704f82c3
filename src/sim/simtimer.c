#include "simtimer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "err.h"

struct entry {
    int64_t due_us;
    simtimer_fn fn;
    void *arg;
};

/* heap[0..n) is a binary min-heap on due_us. */
struct simtimer {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_cond_t idle; /* signalled when a call ends */
    pthread_t thread;
    struct entry *heap;
    size_t n, cap;
    bool busy;     /* the thread is running a call */
    bool flushing; /* run calls at once; set by simtimer_flush, never cleared */
    bool quit;
};

static void heap_swap(struct entry *h, size_t a, size_t b)
{
    struct entry t = h[a];
    h[a] = h[b];
    h[b] = t;
}

static void heap_up(struct entry *h, size_t i)
{
    while (i > 0 && h[(i - 1) / 2].due_us > h[i].due_us) {
        heap_swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_down(struct entry *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && h[l].due_us < h[m].due_us)
            m = l;
        if (l + 1 < n && h[l + 1].due_us < h[m].due_us)
            m = l + 1;
        if (m == i)
            return;
        heap_swap(h, i, m);
        i = m;
    }
}

static struct entry heap_pop(struct simtimer *t)
{
    struct entry e = t->heap[0];
    t->heap[0] = t->heap[--t->n];
    heap_down(t->heap, t->n, 0);
    return e;
}

/* Wait until the first entry is due or something changes. Caller holds the lock. */
static void wait_for_due(struct simtimer *t)
{
    if (t->n == 0) {
        pthread_cond_wait(&t->wake, &t->lock);
        return;
    }
    int64_t due = t->heap[0].due_us;
    struct timespec ts = {.tv_sec = (time_t)(due / 1000000),
                          .tv_nsec = (long)(due % 1000000) * 1000};
    pthread_cond_timedwait(&t->wake, &t->lock, &ts);
}

static void *run(void *arg)
{
    struct simtimer *t = arg;
    /* Lock: held except while a call runs, so calls may add new calls. */
    pthread_mutex_lock(&t->lock);
    while (!t->quit || t->n > 0) {
        if (t->n > 0 && (t->flushing || t->heap[0].due_us <= clock_now_us())) {
            struct entry e = heap_pop(t);
            t->busy = true;
            pthread_mutex_unlock(&t->lock);
            e.fn(e.arg);
            pthread_mutex_lock(&t->lock);
            t->busy = false;
            pthread_cond_broadcast(&t->idle);
            continue;
        }
        wait_for_due(t);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

int simtimer_new(struct simtimer **out)
{
    struct simtimer *t = calloc(1, sizeof *t);
    if (t == NULL)
        return ERR_NOMEM;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the clock of clock_now_us */
    pthread_cond_init(&t->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&t->idle, NULL);
    pthread_mutex_init(&t->lock, NULL);
    if (pthread_create(&t->thread, NULL, run, t) != 0) {
        pthread_cond_destroy(&t->wake);
        pthread_cond_destroy(&t->idle);
        pthread_mutex_destroy(&t->lock);
        free(t);
        return ERR_IO;
    }
    *out = t;
    return 0;
}

int simtimer_add(struct simtimer *t, int64_t due_us, simtimer_fn fn, void *arg)
{
    pthread_mutex_lock(&t->lock);
    if (t->flushing) {
        pthread_mutex_unlock(&t->lock);
        fn(arg);
        return 0;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        struct entry *h = realloc(t->heap, cap * sizeof *h);
        if (h == NULL) {
            pthread_mutex_unlock(&t->lock);
            return ERR_NOMEM;
        }
        t->heap = h;
        t->cap = cap;
    }
    t->heap[t->n] = (struct entry){due_us, fn, arg};
    heap_up(t->heap, t->n++);
    if (t->heap[0].fn == fn && t->heap[0].arg == arg)
        pthread_cond_signal(&t->wake); /* a new first entry: the thread must wait less */
    pthread_mutex_unlock(&t->lock);
    return 0;
}

void simtimer_flush(struct simtimer *t)
{
    /* Lock: wait on idle until the thread has run every pending call and none is running. */
    pthread_mutex_lock(&t->lock);
    t->flushing = true;
    pthread_cond_signal(&t->wake);
    while (t->n > 0 || t->busy)
        pthread_cond_wait(&t->idle, &t->lock);
    pthread_mutex_unlock(&t->lock);
}

void simtimer_free(struct simtimer *t)
{
    if (t == NULL)
        return;
    pthread_mutex_lock(&t->lock);
    t->flushing = true;
    t->quit = true;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->wake);
    pthread_cond_destroy(&t->idle);
    pthread_mutex_destroy(&t->lock);
    free(t->heap);
    free(t);
}
