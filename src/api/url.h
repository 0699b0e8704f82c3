/* url.h - the one URL parser: an absolute URL split into scheme, host, port, path and query.
 *
 * Everything in src/ that needs a part of a URL asks here: signing (sign_parse_url) builds the
 * canonical path and query on it, the endpoint rules (endpoint.h) judge its host. One parser
 * means a URL cannot mean one host to the guard and another to the request.
 *
 * Strict: a URL is refused (ERR_PARSE) unless it reads one way only.
 *  - scheme "://" authority [path] ["?" query] ["#" fragment], nothing before the scheme;
 *    the scheme is a letter then letters, digits, '+', '-', '.'; any case, kept lower case.
 *  - The authority ends at the first '/', '?' or '#'. User info (anything with '@') is
 *    refused: "http://127.0.0.1@evil" would send to evil while looking like loopback.
 *  - The host is a name or IPv4 address of letters, digits, '-', '.', '_', '~' (no percent
 *    escapes, no other characters), or an IPv6 address in brackets ("[::1]"; no zone, no
 *    IPvFuture); never empty. Kept lower case.
 *  - The port, when a ':' follows the host, is 1 to 5 digits, 1..65535.
 *  - Path and query are kept byte for byte as written (their escapes are the signer's
 *    business, sign.h); they may hold any byte but controls (0x00-0x1f, 0x7f). The path is
 *    empty or starts with '/'.
 *  - The fragment is dropped: it is never sent.
 *  - No control characters anywhere; no blanks before the path (a blank in the path or
 *    query is a literal byte, encoded by the signer).
 */
#ifndef CPSBATCH_URL_H
#define CPSBATCH_URL_H

#include <stdbool.h>

/* The longest URL accepted, in bytes: longer ones are refused (ERR_RANGE). Every part is a
 * piece of it, so no part is longer either. */
#define URL_MAX 8192

/* A parsed URL. Owned strings (release with url_release). */
/* What kind of host a URL names; an address is parsed (inet_pton), never guessed from text. */
enum url_host_kind {
    URL_HOST_NAME, /* a name, or anything that is not a dotted-quad IPv4 address */
    URL_HOST_IPV4, /* four decimal numbers 0..255, as inet_pton(AF_INET) reads them */
    URL_HOST_IPV6  /* a bracketed IPv6 address */
};

struct url {
    char *scheme; /* lower case: "http", "https", ... */
    char *host;   /* lower case; an IPv6 address keeps its brackets: "[::1]" */
    enum url_host_kind host_kind;
    unsigned char addr[16]; /* the address in network order (4 bytes for IPv4); 0 for a name */
    int port;        /* as given, else the scheme's default (url_default_port); 0 if neither */
    bool port_given; /* the URL spelled a port */
    char *path;      /* as written: "" or starting with '/' */
    char *query;     /* as written, without the '?'; NULL when there is no '?' */
};

/* Parse text (borrowed). Returns 0, ERR_PARSE (see above), ERR_RANGE (longer than URL_MAX)
 * or ERR_NOMEM; on error *out holds nothing (release is still safe). */
int url_parse(const char *text, struct url *out);

/* Free u's strings and zero it; safe on a zeroed or already released url. */
void url_release(struct url *u);

/* The port of scheme (lower case) when none is given: 80 for http, 443 for https, else 0. */
int url_default_port(const char *scheme);

#endif
