/* fuzz_parsers - the small parsers of things that arrive from outside: the Authorization
 * header (cps-sim), URLs (--endpoint), Retry-After (API answers), durations, thresholds and
 * stages (load options; a schedule that parses must have due times that never go back, within
 * it), and whole API answers (outcome). The first byte picks the parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "duration.h"
#include "outcome.h"
#include "sign.h"
#include "stages.h"
#include "threshold.h"

static void parse(uint8_t which, char *text, size_t len)
{
    switch (which % 7) {
    case 0: {
        struct sign_auth a;
        if (sign_parse_authorization(text, &a) == 0)
            sign_auth_release(&a);
        break;
    }
    case 1: {
        struct sign_url u;
        if (sign_parse_url(text, &u) == 0)
            sign_url_release(&u);
        break;
    }
    case 2: {
        int64_t us;
        backoff_parse_retry_after(text, 1700000000, &us);
        break;
    }
    case 3: {
        int64_t us;
        duration_parse(text, 1000000, &us);
        break;
    }
    case 4: {
        struct threshold t;
        char msg[256];
        threshold_parse(text, &t, msg, sizeof(msg));
        break;
    }
    case 5: {
        static struct stages s;
        char msg[256];
        if (stages_parse(text, &s, msg, sizeof(msg)) != 0)
            break;
        uint64_t step = s.total / 64 + 1;
        int64_t last = 0;
        for (uint64_t i = 0; i < s.total; i += step) {
            int64_t due = stages_due_us(&s, i);
            if (due < last || due > stages_duration_us(&s))
                abort();
            last = due;
        }
        int64_t end = stages_due_us(&s, s.total - 1);
        if (end < last || end > stages_duration_us(&s))
            abort();
        break;
    }
    default: {
        struct http_response r;
        struct outcome o;
        memset(&r, 0, sizeof(r));
        r.status = len ? 100 + (unsigned char)text[0] % 500 : 200;
        r.body = text;
        r.body_len = len;
        outcome_classify(&r, &o);
        outcome_release(&o);
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    parse(data[0], text, size - 1);
    free(text);
    return 0;
}
