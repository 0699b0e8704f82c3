#include "simtimer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "err.h"
#include "heap.h"

/* One call waiting in the heap (owned by the timer until it runs). */
struct entry {
    simtimer_fn fn;
    void *arg;
};

/* heap holds struct entry items keyed by their due time (clock_now_us). */
struct simtimer {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_cond_t idle; /* signalled when a call ends */
    pthread_t thread;
    struct heap heap;
    bool busy;     /* the thread is running a call */
    bool flushing; /* run calls at once; set by simtimer_flush, never cleared */
    bool quit;
};

/* Wait until the first entry is due or something changes. Caller holds the lock. */
static void wait_for_due(struct simtimer *t)
{
    int64_t due;
    if (!heap_peek(&t->heap, &due, NULL)) {
        pthread_cond_wait(&t->wake, &t->lock);
        return;
    }
    struct timespec ts = {.tv_sec = (time_t)(due / 1000000),
                          .tv_nsec = (long)(due % 1000000) * 1000};
    pthread_cond_timedwait(&t->wake, &t->lock, &ts);
}

static void *run(void *arg)
{
    struct simtimer *t = arg;
    /* Lock: held except while a call runs, so calls may add new calls. */
    pthread_mutex_lock(&t->lock);
    int64_t due;
    while (!t->quit || heap_size(&t->heap) > 0) {
        if (heap_peek(&t->heap, &due, NULL) && (t->flushing || due <= clock_now_us())) {
            struct entry *e = heap_pop(&t->heap);
            t->busy = true;
            pthread_mutex_unlock(&t->lock);
            e->fn(e->arg);
            free(e);
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
    t->heap = (struct heap)HEAP_INIT;
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
    struct entry *e = malloc(sizeof *e);
    if (e)
        *e = (struct entry){fn, arg};
    int rc = e ? heap_push(&t->heap, due_us, e) : ERR_NOMEM;
    void *first = NULL;
    if (rc == 0)
        heap_peek(&t->heap, NULL, &first);
    else
        free(e);
    if (rc == 0 && first == e)
        pthread_cond_signal(&t->wake); /* a new first entry: the thread must wait less */
    pthread_mutex_unlock(&t->lock);
    return rc;
}

void simtimer_flush(struct simtimer *t)
{
    /* Lock: wait on idle until the thread has run every pending call and none is running. */
    pthread_mutex_lock(&t->lock);
    t->flushing = true;
    pthread_cond_signal(&t->wake);
    while (heap_size(&t->heap) > 0 || t->busy)
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
    heap_release(&t->heap); /* empty: the thread ran every call before it quit */
    free(t);
}
