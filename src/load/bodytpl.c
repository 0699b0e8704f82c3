/* bodytpl.c - a request body with a clientToken slot; see bodytpl.h. */
#include "bodytpl.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

/* Cannot be a real token (those are hex and '-'), so it is easy to spot in a body gone wrong. */
static const char placeholder[TOKEN_LEN + 1] = "TOKEN-PLACEHOLDER-XXXXXXXXXXXXXXXXXX";

/* Where the token's characters start: right after the key's opening quote. The key cannot
 * occur unescaped inside a string value, so its first occurrence is the member. */
static size_t find_token(const char *body, const char *token)
{
    static const char key[] = "\"clientToken\":\"";
    const char *p = strstr(body, key);
    if (!p || strncmp(p + sizeof(key) - 1, token, strlen(token)) != 0)
        return 0;
    return (size_t)(p - body) + sizeof(key) - 1;
}

/* The body as JSON with clientToken set to token. New string, or NULL when out of memory. */
static char *dump_with_token(const struct spec *spec, const char *token)
{
    json_t *body = spec_to_json(spec, false); /* new */
    if (!body || json_object_set_new(body, "clientToken", json_string(token))) {
        json_decref(body);
        return NULL;
    }
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
    return text;
}

int bodytpl_init(struct bodytpl *b, const struct spec *spec, const char *fixed_token)
{
    memset(b, 0, sizeof(*b));
    const char *region = spec->str[FIELD_REGION_ID];
    if (!region || strlen(region) >= sizeof(b->region))
        return ERR_INVALID;
    strcpy(b->region, region);
    b->body = dump_with_token(spec, fixed_token ? fixed_token : placeholder);
    if (!b->body)
        return ERR_NOMEM;
    b->len = strlen(b->body);
    if (!fixed_token) {
        b->token_at = find_token(b->body, placeholder);
        if (!b->token_at) {
            bodytpl_release(b);
            return ERR_INVALID;
        }
    }
    return 0;
}

bool bodytpl_has_placeholder(const struct bodytpl *b)
{
    return b->token_at != 0;
}

void bodytpl_put_token(struct bodytpl *b, const char *token)
{
    memcpy(b->body + b->token_at, token, TOKEN_LEN);
}

void bodytpl_release(struct bodytpl *b)
{
    free(b->body);
    b->body = NULL;
    b->len = b->token_at = 0;
}
