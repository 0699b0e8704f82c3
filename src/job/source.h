/* source.h - the bytes of a job, opened once: a file, standard input ("-") or a FIFO.
 *
 * A source hands out the job as UTF-8 text, whatever the file was written in:
 *   - a byte-order mark (UTF-8, UTF-16LE, UTF-16BE) is recognised and removed; a UTF-16 one
 *     makes the source transcode from UTF-16 with iconv;
 *   - source_options.encoding (any name glibc's iconv knows: gb18030, gbk, latin1, utf-16...)
 *     makes it transcode from that encoding; a byte sequence it cannot decode ends the reading
 *     with a message that names the byte offset, the line and the encoding;
 *   - without either, the bytes go through untouched (the job reader checks that every cell is
 *     valid UTF-8).
 *
 * Invariants:
 *   1. The input is read once, front to back, whatever the number of passes over it. A second
 *      pass (source_rewind) reads the SPOOL: a private temporary file (O_TMPFILE, or mkstemp and
 *      unlink at once, mode 0600, in the directory the caller names) holding every UTF-8 byte
 *      the first pass handed out. So a second pass sees exactly what the first pass checked,
 *      even from a pipe, and rows a file gains meanwhile are never seen. The spool is as big as
 *      the job in UTF-8 and disappears when the source is closed (or the process dies).
 *   2. The SHA-256 (when asked for) is of the raw bytes read, before transcoding: the file as
 *      it was when read, not as it is on disk later.
 *   3. The style of the input (BOM, line ends, separator, encoding) is recorded as it is
 *      found, so that output meant for the same user can be written the same way.
 *
 * Memory is a few buffers of SOURCE_BLOCK bytes, whatever the size of the job.
 */
#ifndef CPSBATCH_SOURCE_H
#define CPSBATCH_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes read from the input (and from the spool) at a time. */
#define SOURCE_BLOCK 65536

struct source;

struct source_options {
    const char *path;      /* the job; "-" is standard input. Borrowed for the source's life */
    const char *encoding;  /* iconv name to transcode from, or NULL (UTF-8, or the BOM's) */
    const char *spool_dir; /* spool into a temporary file here (so source_rewind works), or
                            * NULL (one pass only) */
    bool sha256;           /* compute the SHA-256 of the raw bytes (source_sha256) */
    bool *spool_failed;    /* when not NULL: source_open sets it to whether it failed making
                            * the spool (not reading the input) */
};

/* How the input was written. */
struct source_style {
    bool bom;          /* it began with a byte-order mark */
    bool crlf;         /* its first line ends in CR LF */
    char separator;    /* the field separator the CSV reader found or was given (0: not yet) */
    char encoding[64]; /* "UTF-8", "UTF-16LE", "UTF-16BE", or source_options.encoding */
    bool transcoded;   /* the bytes handed out were transcoded from encoding */
};

/* Open o->path. Returns 0; ERR_IO (cannot open: errno set, msg says so); ERR_INVALID (an
 * encoding iconv does not know, or one a byte-order mark contradicts; msg says which);
 * ERR_NOMEM. msg (msgsize bytes) gets a message without the program's name. */
int source_open(const struct source_options *o, struct source **out, char *msg, size_t msgsize);

/* Up to size UTF-8 bytes into buf; *got = 0 at the end. Returns 0; ERR_PARSE (bytes the
 * encoding cannot decode; source_error says where); ERR_IO (errno; source_error says so). */
int source_read(struct source *s, char *buf, size_t size, size_t *got);

/* Start again from the first byte, reading the spool. Only for a source opened with a spool
 * whose input has been read to its end; else ERR_INVALID. ERR_IO when the spool cannot be
 * read or written (errno). */
int source_rewind(struct source *s);

/* Whether the spool could not be made or written (source_open, source_read): a temporary file
 * that cannot be created, where the other failures are the input's. */
bool source_spool_failed(const struct source *s);

/* The name to show: the path, or "standard input" for "-". Borrowed. */
const char *source_name(const struct source *s);

/* The path as given ("-" for standard input). Borrowed. */
const char *source_path(const struct source *s);

/* Whether the input is a pipe or terminal (standard input, a FIFO): it cannot be read again. */
bool source_is_stream(const struct source *s);

const struct source_style *source_style(const struct source *s);

/* Record the separator the CSV reader chose (source_style().separator). */
void source_set_separator(struct source *s, char separator);

/* Whether every byte handed out so far (on a second pass: every byte of the input) is UTF-8
 * text without NUL, so a reader need not check its cells one by one. */
bool source_text_clean(const struct source *s);

/* The raw bytes read so far. */
unsigned long long source_raw_bytes(const struct source *s);

/* The SHA-256 of the raw bytes read, as 64 hex digits and a NUL; "" unless the source was
 * opened with sha256 and its input has been read to the end. */
const char *source_sha256(const struct source *s);

/* For a regular file read to its end: whether the file at the path is no longer what was read
 * (another size, or another modification time and another SHA-256 when one was computed).
 * False for streams and for a file that cannot be looked at any more. */
bool source_changed(const struct source *s);

/* The last error: after ERR_PARSE, where in the input, e.g. "byte 1234 (line 5): not valid
 * gb18030 (give the right --encoding)"; after ERR_IO, the name and errno's message. */
const char *source_error(const struct source *s);

void source_close(struct source *s);

#endif
