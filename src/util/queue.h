/* queue.h - a FIFO that threads hand items over through.
 *
 * The only place where the threads of cpsbatch meet: the main thread hands requests to a worker
 * through one queue per worker, and the workers hand outcomes back through one queue the main
 * thread drains. Items are intrusive: a struct that travels embeds a struct queue_node, and the
 * receiver gets its struct back with queue_item().
 *
 * Invariants:
 *   1. Items leave in the order they came in (per queue; pushes from several threads are ordered
 *      by who took the lock first).
 *   2. Pushing an item hands it over: from then on the pusher must not touch it; whoever takes
 *      it owns it. The lock makes everything the pusher wrote before the push visible to the
 *      taker.
 *   3. A closed queue refuses pushes but still gives out what it holds; closing never loses an
 *      item and never reopens.
 *   4. Every function takes the lock for a bounded time: no callback, no allocation, no I/O
 *      runs under it. Only queue_wait_take() sleeps, and it sleeps without the lock.
 *
 * Batches: a struct queue_chain is a private list built without any lock; queue_push_chain()
 * moves a whole chain in under one lock, and the take functions give a chain out, so a thread
 * that produces or consumes many items pays for one lock round, not one per item.
 *
 * Time: queue_wait_take() takes an absolute deadline in the microseconds of clock_now_us()
 * (CLOCK_MONOTONIC); this module never reads a clock itself.
 */
#ifndef CPSBATCH_QUEUE_H
#define CPSBATCH_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Embedded in every item that travels through a queue. Belongs to whoever holds the item. */
struct queue_node {
    struct queue_node *next;
};

/* The struct of type T whose queue_node member is named MEMBER, from a pointer to that node. */
#define queue_item(node, T, member) ((T *)(void *)((char *)(node)-offsetof(T, member)))

/* A private list of items, owned by one thread; needs no lock. A zeroed chain is empty. */
struct queue_chain {
    struct queue_node *head;
    struct queue_node *tail;
    size_t len;
};

/* Append n (taken) to the end of c. */
void queue_chain_append(struct queue_chain *c, struct queue_node *n);

/* Remove and return the first item of c (given to the caller), or NULL when c is empty. */
struct queue_node *queue_chain_shift(struct queue_chain *c);

/* The shared queue. All fields are guarded by lock; touch them only through the functions. */
struct queue {
    pthread_mutex_t lock;
    pthread_cond_t ready; /* signalled when items arrive or the queue closes */
    struct queue_chain items;
    unsigned waiters; /* threads sleeping in queue_wait_take() */
    bool closed;
};

/* Set up an empty, open queue. Returns 0 or ERR_NOMEM (the mutex or condition could not be
 * created). */
int queue_init(struct queue *q);

/* Destroy the lock. The queue must hold no items and have no thread in it: take what is left
 * first, since the queue does not know how to free an item. */
void queue_release(struct queue *q);

/* Append n. Takes n on success. Returns 0, or ERR_STOPPED when the queue is closed (n stays the
 * caller's). *was_empty (when not NULL) tells whether the queue held nothing before: a consumer
 * that drains the whole queue on each wakeup needs to be woken only then. */
int queue_push(struct queue *q, struct queue_node *n, bool *was_empty);

/* Move every item of c to the end of q and leave c empty. Takes the items on success. Returns
 * 0, or ERR_STOPPED when the queue is closed (c is left as it was). */
int queue_push_chain(struct queue *q, struct queue_chain *c);

/* Take everything q holds, without waiting: *out receives the items (appended), given to the
 * caller. Returns whether the queue is closed; when it is and *out is empty, nothing will
 * ever come out of q again. */
bool queue_take_all(struct queue *q, struct queue_chain *out);

/* Take up to max items (max > 0), sleeping until at least one is there, the queue is closed, or
 * deadline_us (clock_now_us() scale) passes; deadline_us <= 0 means "do not sleep". *out
 * receives the items (appended). Returns how many were taken: 0 on a deadline or a closed,
 * empty queue. */
size_t queue_wait_take(struct queue *q, struct queue_chain *out, size_t max, int64_t deadline_us);

/* Refuse pushes from now on and wake every thread sleeping in queue_wait_take(). Idempotent. */
void queue_close(struct queue *q);

/* How many items q holds at this instant (already stale when it returns; for tests and
 * progress reports). */
size_t queue_len(struct queue *q);

#endif
