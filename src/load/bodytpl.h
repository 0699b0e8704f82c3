/* bodytpl.h - a createInstances body made once, then sent many times with a new clientToken.
 *
 * A load test cycles through the job's rows. Building JSON per request would make the sender
 * measure jansson rather than the endpoint, so each row's body is built once, with a
 * placeholder clientToken of TOKEN_LEN characters; bodytpl_put_token overwrites those bytes in
 * place. The body stays valid JSON throughout: a token is 36 characters of [0-9a-f-].
 *
 * A template made with a fixed token (replay: the row's own token every time) has no
 * placeholder and is sent as it is.
 */
#ifndef CPSBATCH_BODYTPL_H
#define CPSBATCH_BODYTPL_H

#include <stdbool.h>
#include <stddef.h>

#include "spec.h"
#include "token.h"

struct bodytpl {
    char region[FIELD_REGION_ID_MAX + 1]; /* a valid regionId (field.h) */
    char *body;                           /* owned: compact JSON, NUL-terminated */
    size_t len;                           /* bytes of body, the NUL not counted */
    size_t token_at; /* offset of the placeholder's first character; 0 when fixed */
};

/* Build b from spec (borrowed; the password is included as is). With fixed_token (borrowed,
 * 1..TOKEN_LEN characters) the body carries it; otherwise it carries a placeholder for
 * bodytpl_put_token. Returns 0, ERR_INVALID (no regionId, or one longer than
 * FIELD_REGION_ID_MAX) or ERR_NOMEM. */
int bodytpl_init(struct bodytpl *b, const struct spec *spec, const char *fixed_token);

/* Whether b has a placeholder to fill. */
bool bodytpl_has_placeholder(const struct bodytpl *b);

/* Write token (TOKEN_LEN characters, [0-9a-f-]) over the placeholder. b must have one. */
void bodytpl_put_token(struct bodytpl *b, const char *token);

void bodytpl_release(struct bodytpl *b);

#endif
