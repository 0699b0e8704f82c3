#define _GNU_SOURCE /* memfd_create */
/* fuzz_job - any bytes as a job CSV: the reader, the header mapping, every rule, the body and
 * the token of each valid row. Nothing may crash, leak or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_memfile.h"
#include "job.h"

static void ignore(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char salt[32] = {1};
    char path[64];
    int fd = memfile(data, size, path, sizeof(path));
    if (fd < 0)
        return 0;
    struct job_options o = {.path = path,
                            .default_region = "cn-north-1",
                            .password = "Fuzz#Passw0rd",
                            .salt = salt,
                            .salt_len = sizeof(salt)};
    struct job *j;
    if (job_open(&o, ignore, NULL, &j) == 0) {
        struct job_row row = {0};
        while (job_next(j, &row) == 1) {
            if (!row.valid)
                continue;
            json_t *body = spec_to_json(&row.spec, true);
            free(json_dumps(body, JSON_COMPACT));
            json_decref(body);
        }
        job_row_release(&row);
        job_close(j);
    }
    close(fd);
    return 0;
}
