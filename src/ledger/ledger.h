/* ledger.h - the batch ledger: an append-only record of every create, so a rerun after a crash
 * (or kill -9, or a reboot) creates nothing twice.
 *
 * WHAT IT IS FOR
 * Every row of a batch has a client token. Before the first request for a token the runner
 * appends an intent; each retried response may append an attempt; the row ends with done or
 * failed. On the next run the ledger is replayed into an in-memory index, and every token that
 * has an intent but no final record ("in doubt") is sent again with the SAME token, so the API
 * answers with the first result instead of creating a second server.
 *
 * FILE FORMAT (DESIGN.md "Ledger"; version 1)
 * JSON Lines, UTF-8, file mode 0600. Every record is one compact JSON object on one line,
 * terminated by '\n'. The writer puts members in the order shown; readers must not depend on
 * the order or the spelling (the replay's fast path reads the writer's compact spelling and
 * hands anything else to a full JSON parser, ledger_record.h). Readers ignore members they do
 * not know; a record type they do not know is corruption. Integers are JSON integers (no
 * fraction); row, n, wait_ms and attempts are >= 0, http is 0..999. Times "t"/"created" are ISO
 * 8601 UTC with milliseconds ("2026-11-27T03:37:35.123Z").
 * A line is at most LEDGER_LINE_MAX bytes, its '\n' included (ledger_record.h).
 *
 *   line 1, the batch header, exactly once:
 *   {"type":"batch","v":1[,"version":W],"salt":S,"created":T,"csv":P,"csv_sha256":H,"endpoint":U
 *    [,"shard":"K/N"]}
 *     v           integer, the format version; only 1 exists.
 *     version     the version of the cpsbatch that created the ledger (version.h:
 *                 "0.1.0 (git 1a2b3c4)"); informative only. Absent in ledgers written before
 *                 it was added, which read the same.
 *     salt        64 hex digits: 32 random bytes (OpenSSL RAND_bytes) keying the derivation of
 *                 client tokens (token.h). Durable before the first request is sent.
 *     created     when the ledger was created.
 *     csv         the job CSV's path as the user gave it ("" if none).
 *     csv_sha256  hex SHA-256 of the CSV's bytes at creation ("" if none).
 *     endpoint    the API endpoint of the batch ("" if none).
 *     shard       optional: "K/N" when the ledger holds share K of N of the CSV's rows
 *                 (run --shard K/N; token.h's token_shard decides which); absent otherwise.
 *
 *   {"type":"intent","token":K,"row":R,"spec_sha256":D,"t":T}
 *     Written before the token's first request. row is the spreadsheet row (header = row 1);
 *     spec_sha256 (64 hex digits) is spec_digest() of the request: without password or token.
 *
 *   {"type":"attempt","token":K,"n":N,"http":C,"status":S,"wait_ms":W,"error":E,"t":T}
 *     One response (or failure to get one) that will be retried. n counts from 1; http is the
 *     HTTP status, 0 when no response came; status is the API's error status
 *     ("UNAVAILABLE", "RATE_LIMIT"), omitted when there was none; wait_ms the backoff chosen
 *     before the next try; error (optional) says what went wrong ("timeout", "connection reset").
 *
 *   {"type":"done","token":K,"row":R,"instanceIds":[I,...],"requestId":Q,"attempts":N,
 *    "regionId":G,"t":T}
 *     Final: the create succeeded. requestId is omitted when the response had none; regionId
 *     (the region the instances are in, for describeInstances) is absent in older ledgers.
 *
 *   {"type":"failed","token":K,"row":R,"http":C,"status":S,"message":M,"requestId":Q,"t":T}
 *     Final: the API refused the row for good. status, message and requestId are omitted when
 *     the response lacked them.
 *
 *   {"type":"state","token":K,"instanceId":I,"status":S,"privateIp":P,"publicIp":Q,"t":T}
 *     What describeInstances said of instance I (one of K's done record) when its status
 *     changed: "creating", "running", "error", ... or "notfound" (the API kept not knowing
 *     it). privateIp and publicIp are omitted when the API gave none. The last one wins; it
 *     does not change the token's state. Ledgers without state records read as before.
 *
 * Passwords are never written: the append functions below take no request, only its digest,
 * so the ledger never receives a password in the first place.
 *
 * THE LIFE OF A TOKEN (the index's state; ledger_index.c is the one place that changes it)
 *
 *                intent                  done
 *     (none) -----------> INTENT ------------------> DONE
 *                         |    ^  \
 *                 attempt |    |   \    failed
 *                         +----+    +--------------> FAILED
 *
 *   "In doubt" = INTENT: a request may have been sent, its outcome is not recorded. Resending
 *   with the same token is safe (the API replays the first result), so a lost record can only
 *   cost a resend, never a duplicate.
 *
 *   The last record of a token wins, whatever came before: intent gives INTENT (and clears
 *   the outcome), done gives DONE, failed gives FAILED; an attempt keeps the state and updates
 *   the last-attempt fields (from (none) it gives INTENT: a request went out). So a token seen
 *   first in an attempt, done or failed still gets an entry, without a spec (has_spec false)
 *   and, for an attempt, with row 0. The runner only writes the arrows drawn above.
 *
 * INVARIANTS
 *  1. A file at the ledger's path always begins with a complete, durable header: the header is
 *     written and fsync'd under a temporary name, then linked into place, and the directory is
 *     fsync'd, before ledger_open returns. So the salt is durable before any request.
 *  2. Records are only ever appended; the only other change is cutting a torn tail.
 *  3. A torn tail is the last line when it has no '\n' or is not valid JSON (a crash mid-write
 *     leaves a prefix of a line, and no prefix of a record is a JSON object). Opened for
 *     writing, the ledger cuts it off (ftruncate + fsync) and says so in ledger_diag; opened
 *     read-only, it ignores it. Any other bad line (including a last line that is JSON but not
 *     a valid record) is corruption: ERR_CORRUPT with the line number; the file is untouched.
 *  4. At most one writer: a ledger opened for writing holds an exclusive flock() on the file
 *     for as long as it is open. flock, not fcntl, because flock locks belong to the open file,
 *     so a read-only open of the same file in the same process (status, tests) does not drop
 *     the writer's lock when it closes. Read-only opens take no lock.
 *  5. The in-memory index reflects every record replayed or appended (appended is not yet
 *     durable; see below).
 *
 * DURABILITY (group commit; compare redis appendfsync everysec)
 *  - ledger_append_*() formats the record into a memory buffer and returns; it never waits for
 *    the disk in the steady state. A flusher thread writes the buffer and fdatasync()s it at
 *    least every flush interval (default 100 ms) while there is something to write, so one
 *    fsync covers many records. Two buffers alternate: the main thread fills one while the
 *    flusher writes the other. If the disk falls far behind (64 MiB pending), appends wait.
 *  - ledger_sync() returns once everything appended before it is written and fsync'd.
 *    ledger_close() syncs too. Call ledger_sync before deciding a run is over.
 *  - A crash loses at most the records of the last interval (plus the fsync in flight). That
 *    only leaves some tokens in doubt (intent without final) or absent (no intent): both are
 *    safe, because a resend reuses the same token.
 *  - A failed write or fsync is sticky: every later append and sync returns ERR_IO (after a
 *    failed fsync the page cache cannot be trusted to hold the data); ledger_write_errno()
 *    names the cause (ENOSPC, EFBIG, EDQUOT, EIO). On a full disk the records that fit are
 *    kept, whole: the ledger ends on a whole record, and ledger_stats().bytes_durable is the
 *    length of what is on disk, so a caller that noted ledger_stats().bytes_appended after an
 *    append knows whether that record reached the disk (ledger_writer.h).
 *
 * THREADS
 * The ledger belongs to one thread, the main thread (DESIGN: it owns the scheduler and the
 * ledger): every function here must be called from it. The flusher thread is internal and
 * touches only the write buffers, under the writer's lock (ledger_writer.h).
 *
 * OWNERSHIP
 * Strings given to the functions are borrowed (copied if kept). Pointers returned (entries,
 * header strings) are borrowed from the ledger and valid until ledger_close(); an entry's
 * fields change when a later append concerns the same token.
 */
#ifndef CPSBATCH_LEDGER_H
#define CPSBATCH_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger_index.h"

#define LEDGER_SALT_LEN 32
#define LEDGER_FLUSH_MS_DEFAULT 100

struct ledger;

/* The header (first line). Strings are owned by the ledger. */
struct ledger_header {
    int v;
    unsigned char salt[LEDGER_SALT_LEN];
    char salt_hex[2 * LEDGER_SALT_LEN + 1];
    const char *created;
    const char *csv;
    const char *csv_sha256;
    const char *endpoint;
    const char *shard;   /* "K/N", or "" for a whole batch */
    const char *version; /* the creating program's version, "" when the header has none */
};

/* What to write in the header when ledger_open creates the file. All borrowed; NULL = "". */
struct ledger_batch {
    const char *csv;
    const char *csv_sha256;
    const char *endpoint;
    const unsigned char *salt; /* LEDGER_SALT_LEN bytes to use, or NULL: fresh random bytes */
    const char *shard;         /* "K/N" for a share of the rows; NULL or "": not written */
};

struct ledger_options {
    int flush_interval_ms; /* group commit period; <= 0 means LEDGER_FLUSH_MS_DEFAULT */
    bool jansson_only;     /* replay every line with jansson, without the fast path (tests,
                            * bench); the result is the same, only slower */
};

/* What an open found worth telling: the reason of a failure, or a torn tail that was cut
 * (read-write) or ignored (read-only). msg is one line without '\n', "" if nothing to say,
 * and names the file: "x.ledger.jsonl:1001: torn last line (57 bytes) cut off". */
struct ledger_diag {
    bool torn;       /* a torn tail was found */
    long long line;  /* line of the torn tail or of the corrupt record; 0 if none */
    long long bytes; /* bytes of the torn tail */
    char msg[512];
    /* What a read-write open put right on the way, one line each ending in '\n', "" if
     * nothing: a ledger readable or writable by others made 0600 (it holds the salt that
     * derives the batch's tokens); temporary files of a creation that was killed
     * (PATH.tmp-XXXXXX, unlocked and older than LEDGER_TEMP_STALE_S) removed. */
    char notes[512];
};

#define LEDGER_TEMP_STALE_S 60

/* Statistics of the group commit, for benchmarks and progress output. */
struct ledger_stats {
    uint64_t bytes_appended;
    uint64_t bytes_durable; /* written and fsync'd */
    uint64_t flushes;       /* write + fdatasync rounds */
};

/* ---- Opening and closing --------------------------------------------------------------------- */

/* Open path for writing. If it does not exist and batch is not NULL, create it with a header
 * made of batch (invariant 1); if it does not exist and batch is NULL: ERR_NOTFOUND. If it
 * exists, batch is ignored: take the lock, replay, cut a torn tail. opt may be NULL.
 * Returns 0 and *out, or ERR_LOCKED (another open holds it), ERR_CORRUPT, ERR_NOTFOUND, ERR_IO,
 * ERR_NOMEM; diag (may be NULL) says what and where. */
int ledger_open(const char *path, const struct ledger_batch *batch,
                const struct ledger_options *opt, struct ledger **out, struct ledger_diag *diag);

/* Open path read-only: no lock, a torn tail is ignored, the file is never modified. For
 * status/export while a run is writing. Appends return ERR_INVALID. */
int ledger_open_readonly(const char *path, const struct ledger_options *opt, struct ledger **out,
                         struct ledger_diag *diag);

/* Write and fsync everything appended so far, then return. 0 or ERR_IO (sticky). */
int ledger_sync(struct ledger *l);

/* 0 while every write and fsync succeeded; else the errno of the first that failed (the
 * ledger then takes no more records). */
int ledger_write_errno(struct ledger *l);

/* Sync, stop the flusher, unlock, free. Returns the sync's result; l is freed either way.
 * NULL is allowed. */
int ledger_close(struct ledger *l);

/* ---- Appending (main thread; see DURABILITY) ------------------------------------------------- */

/* Each returns 0, ERR_INVALID (a NULL or empty token, a read-only ledger, a token or instance
 * id that is not UTF-8, a value a replay would refuse: row, n, wait_ms or attempts < 0, http
 * outside 0..999), ERR_NOMEM, or ERR_IO when an earlier write or fsync failed; nothing is
 * written then. Texts from the API (status, message, error, request_id) that are not UTF-8 are
 * written with their bytes >= 0x80 as '?' rather than refused: they must not stop a batch.
 * The record is in the index on return, on disk within the flush interval. status, error,
 * message and request_id may be NULL (omitted). */
int ledger_append_intent(struct ledger *l, const char *token, long long row,
                         const unsigned char spec_sha256[32]);
int ledger_append_attempt(struct ledger *l, const char *token, int n, int http, const char *status,
                          long long wait_ms, const char *error);
int ledger_append_done(struct ledger *l, const char *token, long long row,
                       const char *const *instance_ids, size_t n_ids, const char *request_id,
                       int attempts);
int ledger_append_failed(struct ledger *l, const char *token, long long row, int http,
                         const char *status, const char *message, const char *request_id);
/* ledger_append_done with the instances' region (NULL: not written). */
int ledger_append_done_in(struct ledger *l, const char *token, long long row, const char *region,
                          const char *const *instance_ids, size_t n_ids, const char *request_id,
                          int attempts);
/* A state record: instance_id (one of the token's done record) now has status; the
 * addresses may be NULL. Written by the waiter when an instance's status changes. */
int ledger_append_state(struct ledger *l, const char *token, const char *instance_id,
                        const char *status, const char *private_ip, const char *public_ip);

/* ---- Reading --------------------------------------------------------------------------------- */

/* The entry of token (borrowed), or NULL when the ledger has never seen it. */
const struct ledger_entry *ledger_find(const struct ledger *l, const char *token);

/* Entries in the order their tokens first appeared: i in [0, ledger_size()). Borrowed. */
size_t ledger_size(const struct ledger *l);
const struct ledger_entry *ledger_entry_at(const struct ledger *l, size_t i);

void ledger_counts(const struct ledger *l, struct ledger_counts *out);
void ledger_stats(struct ledger *l, struct ledger_stats *out);

const struct ledger_header *ledger_header(const struct ledger *l);

/* The salt that keys token derivation: LEDGER_SALT_LEN raw bytes, and as 64 hex digits. */
const unsigned char *ledger_salt(const struct ledger *l);
const char *ledger_salt_hex(const struct ledger *l);

/* "t" of the first and of the last record after the header, or NULL when there is none. */
const char *ledger_first_time(const struct ledger *l);
const char *ledger_last_time(const struct ledger *l);

const char *ledger_path(const struct ledger *l);

/* True when this ledger_open created the file (a new batch, not a resume). */
bool ledger_was_created(const struct ledger *l);

#endif
