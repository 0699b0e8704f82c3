#include "simbody.h"

#include <pthread.h>
#include <string.h>

/* One member value found by the scan: where it is in the body. */
struct slice {
    size_t at, len; /* 0 len = not found */
};

struct scan {
    const char *p, *end;
    struct slice v[FIELD_N];
    bool objects[3]; /* body, instanceSpec, charge seen */
};

static void skip_ws(struct scan *sc)
{
    while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\n' || *sc->p == '\r' || *sc->p == '\t'))
        sc->p++;
}

static bool eat(struct scan *sc, char c)
{
    skip_ws(sc);
    if (sc->p >= sc->end || *sc->p != c)
        return false;
    sc->p++;
    return true;
}

/* A string of printable ASCII without escapes; sc->p at the opening quote. */
static bool plain_string(struct scan *sc, const char **s, size_t *n)
{
    if (!eat(sc, '"'))
        return false;
    const char *start = sc->p;
    while (sc->p < sc->end && *sc->p != '"') {
        unsigned char c = (unsigned char)*sc->p;
        if (c < 0x20 || c > 0x7e || c == '\\')
            return false;
        sc->p++;
    }
    if (sc->p >= sc->end)
        return false;
    *s = start;
    *n = (size_t)(sc->p - start);
    sc->p++;
    return true;
}

/* -?(0|[1-9][0-9]*), at most 15 digits, followed by a delimiter. */
static bool plain_integer(struct scan *sc, struct slice *out, const char *base)
{
    skip_ws(sc);
    const char *start = sc->p, *d = sc->p + (sc->p < sc->end && *sc->p == '-');
    const char *q = d;
    while (q < sc->end && *q >= '0' && *q <= '9')
        q++;
    if (q == d || q - d > 15 || (*d == '0' && q - d > 1))
        return false;
    if (q < sc->end && (*q == '.' || *q == 'e' || *q == 'E'))
        return false;
    out->at = (size_t)(start - base);
    out->len = (size_t)(q - start);
    sc->p = q;
    return true;
}

/* A JSON array, skipped with strings and nesting respected; sc->p at '['. Its validity is
 * left to spec_set_text (jansson). */
static bool any_array(struct scan *sc, struct slice *out, const char *base)
{
    skip_ws(sc);
    const char *start = sc->p;
    int depth = 0;
    bool in_string = false;
    for (; sc->p < sc->end; sc->p++) {
        char c = *sc->p;
        if (in_string) {
            if (c == '\\')
                sc->p++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            depth++;
        } else if ((c == ']' || c == '}') && --depth == 0) {
            if (c != ']' || *start != '[')
                return false;
            sc->p++;
            out->at = (size_t)(start - base);
            out->len = (size_t)(sc->p - start);
            return true;
        }
    }
    return false;
}

/* The length of every field's JSON key, measured once. */
static size_t key_len[FIELD_N];
static pthread_once_t key_len_once = PTHREAD_ONCE_INIT;

static void measure_keys(void)
{
    for (int f = 0; f < FIELD_N; f++)
        key_len[f] = strlen(field_json_key((enum field_id)f));
}

/* Which field of the object at level (0 body, 1 instanceSpec, 2 charge) key names; -1. */
static int field_at_level(int level, const char *key, size_t n)
{
    int lo = level == 0 ? 0 : level == 1 ? FIELD_AZ : FIELD_CHARGE_MODE;
    int hi = level == 0 ? FIELD_AZ : level == 1 ? FIELD_CHARGE_MODE : FIELD_N;
    for (int f = lo; f < hi; f++)
        if (key_len[f] == n && memcmp(field_json_key((enum field_id)f), key, n) == 0)
            return f;
    return -1;
}

static bool object(struct scan *sc, int level, const char *base);

/* The value of member key at level. */
static bool member(struct scan *sc, int level, const char *key, size_t n, const char *base)
{
    if (level < 2 && n == (level ? 6u : 12u) &&
        memcmp(key, level ? "charge" : "instanceSpec", n) == 0)
        return object(sc, level + 1, base);
    int f = field_at_level(level, key, n);
    if (f < 0 || sc->v[f].len)
        return false; /* unknown or repeated */
    if (f == FIELD_SOFTWARES)
        return any_array(sc, &sc->v[f], base);
    if (field_is_integer((enum field_id)f))
        return plain_integer(sc, &sc->v[f], base);
    const char *s;
    size_t len;
    if (!plain_string(sc, &s, &len) || len == 0)
        return false;
    sc->v[f].at = (size_t)(s - base);
    sc->v[f].len = len;
    return true;
}

static bool object(struct scan *sc, int level, const char *base)
{
    if (sc->objects[level] || !eat(sc, '{'))
        return false; /* a repeated instanceSpec or charge: jansson keeps the last */
    sc->objects[level] = true;
    if (eat(sc, '}'))
        return true;
    do {
        const char *key;
        size_t n;
        if (!plain_string(sc, &key, &n) || !eat(sc, ':') || !member(sc, level, key, n, base))
            return false;
    } while (eat(sc, ','));
    return eat(sc, '}');
}

void simbody_restore(char *body, const struct simbody_marks *marks)
{
    for (int i = marks->n - 1; i >= 0; i--)
        body[marks->at[i]] = marks->saved[i];
}

/* Counts problems without saying them: the jansson path will say them. */
static void quiet(void *ctx, enum field_id f, const char *msg)
{
    (void)f;
    (void)msg;
    ++*(int *)ctx;
}

bool simbody_read(char *body, size_t len, struct spec *s, struct simbody_marks *marks)
{
    struct scan sc = {body, body + len, {{0, 0}}, {false, false, false}};
    pthread_once(&key_len_once, measure_keys);
    if (!object(&sc, 0, body))
        return false;
    skip_ws(&sc);
    if (sc.p != sc.end)
        return false;
    int problems = 0;
    marks->n = 0;
    for (int f = 0; f < FIELD_N && problems == 0; f++) {
        if (sc.v[f].len == 0)
            continue;
        size_t end = sc.v[f].at + sc.v[f].len;
        marks->at[marks->n] = end;
        marks->saved[marks->n++] = body[end];
        body[end] = '\0';
        spec_set_text(s, (enum field_id)f, body + sc.v[f].at, quiet, &problems);
        if (field_is_integer((enum field_id)f) || f == FIELD_SOFTWARES)
            s->str[f] = NULL; /* as spec_from_json leaves them */
        else if (s->str[f] != body + sc.v[f].at)
            problems++; /* a cell's reading changed it (blanks, a word's case): a body is
                         * taken as it is, by the jansson path */
    }
    if (problems == 0)
        return true;
    simbody_restore(body, marks);
    spec_release(s);
    spec_init(s);
    return false;
}
