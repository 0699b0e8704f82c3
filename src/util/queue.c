/* queue.c - see queue.h. One mutex per queue guards its chain, its closed flag and its count of
 * sleepers; the condition is signalled only when a sleeper exists, so a producer that finds
 * nobody waiting pays for the lock and nothing else. */
#include "queue.h"

#include "err.h"

#include <errno.h>
#include <time.h>

void queue_chain_append(struct queue_chain *c, struct queue_node *n)
{
    n->next = NULL;
    if (c->tail)
        c->tail->next = n;
    else
        c->head = n;
    c->tail = n;
    c->len++;
}

struct queue_node *queue_chain_shift(struct queue_chain *c)
{
    struct queue_node *n = c->head;
    if (!n)
        return NULL;
    c->head = n->next;
    if (!c->head)
        c->tail = NULL;
    c->len--;
    n->next = NULL;
    return n;
}

/* Move all of src to the end of dst; src ends empty. */
static void chain_splice(struct queue_chain *dst, struct queue_chain *src)
{
    if (!src->head)
        return;
    if (dst->tail)
        dst->tail->next = src->head;
    else
        dst->head = src->head;
    dst->tail = src->tail;
    dst->len += src->len;
    *src = (struct queue_chain){0};
}

/* Move the first max items of src to the end of dst. */
static void chain_take(struct queue_chain *dst, struct queue_chain *src, size_t max)
{
    if (src->len <= max) {
        chain_splice(dst, src);
        return;
    }
    struct queue_node *n;
    for (size_t i = 0; i < max && (n = queue_chain_shift(src)) != NULL; i++)
        queue_chain_append(dst, n);
}

int queue_init(struct queue *q)
{
    *q = (struct queue){0};
    if (pthread_mutex_init(&q->lock, NULL) != 0)
        return ERR_NOMEM;
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        goto out_mutex;
    /* Deadlines are in clock_now_us() time, which is CLOCK_MONOTONIC. */
    int rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(&q->ready, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0)
        goto out_mutex;
    return 0;
out_mutex:
    pthread_mutex_destroy(&q->lock);
    return ERR_NOMEM;
}

void queue_release(struct queue *q)
{
    pthread_cond_destroy(&q->ready);
    pthread_mutex_destroy(&q->lock);
}

/* Wake sleepers after new items: one is enough for one item. Called without the lock. */
static void wake_sleepers(struct queue *q, unsigned sleepers, size_t added)
{
    if (sleepers == 0)
        return;
    if (added > 1 && sleepers > 1)
        pthread_cond_broadcast(&q->ready);
    else
        pthread_cond_signal(&q->ready);
}

int queue_push(struct queue *q, struct queue_node *n, bool *was_empty)
{
    /* Lock: guards items, closed, waiters; held for a few stores only. */
    pthread_mutex_lock(&q->lock);
    if (q->closed) {
        pthread_mutex_unlock(&q->lock);
        return ERR_STOPPED;
    }
    if (was_empty)
        *was_empty = q->items.len == 0;
    queue_chain_append(&q->items, n);
    unsigned sleepers = q->waiters;
    pthread_mutex_unlock(&q->lock);
    wake_sleepers(q, sleepers, 1);
    return 0;
}

int queue_push_chain(struct queue *q, struct queue_chain *c)
{
    size_t added = c->len;
    if (added == 0)
        return 0;
    /* Lock: guards items, closed, waiters; a splice is O(1). */
    pthread_mutex_lock(&q->lock);
    if (q->closed) {
        pthread_mutex_unlock(&q->lock);
        return ERR_STOPPED;
    }
    chain_splice(&q->items, c);
    unsigned sleepers = q->waiters;
    pthread_mutex_unlock(&q->lock);
    wake_sleepers(q, sleepers, added);
    return 0;
}

bool queue_take_all(struct queue *q, struct queue_chain *out)
{
    /* Lock: guards items and closed; reading both under one lock is what lets the caller
     * conclude "closed and drained" safely. */
    pthread_mutex_lock(&q->lock);
    chain_splice(out, &q->items);
    bool closed = q->closed;
    pthread_mutex_unlock(&q->lock);
    return closed;
}

size_t queue_wait_take(struct queue *q, struct queue_chain *out, size_t max, int64_t deadline_us)
{
    struct timespec until = {.tv_sec = (time_t)(deadline_us / 1000000),
                             .tv_nsec = (long)(deadline_us % 1000000) * 1000};
    size_t before = out->len;
    /* Lock: guards items, closed, waiters; released while sleeping in the timed wait. */
    pthread_mutex_lock(&q->lock);
    while (q->items.len == 0 && !q->closed && deadline_us > 0) {
        q->waiters++;
        int rc = pthread_cond_timedwait(&q->ready, &q->lock, &until);
        q->waiters--;
        if (rc == ETIMEDOUT)
            break;
    }
    chain_take(out, &q->items, max);
    pthread_mutex_unlock(&q->lock);
    return out->len - before;
}

void queue_close(struct queue *q)
{
    /* Lock: guards closed; after this store no push can succeed. */
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    pthread_mutex_unlock(&q->lock);
    pthread_cond_broadcast(&q->ready);
}

size_t queue_len(struct queue *q)
{
    /* Lock: guards items. */
    pthread_mutex_lock(&q->lock);
    size_t len = q->items.len;
    pthread_mutex_unlock(&q->lock);
    return len;
}
