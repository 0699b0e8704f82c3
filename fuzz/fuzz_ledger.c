#define _GNU_SOURCE /* memfd_create */
/* fuzz_ledger - any bytes as a ledger, opened read-only as `status` and `export` do: replay,
 * index, header. Nothing may crash, leak or read out of bounds. */
#include <stdint.h>

#include "fuzz_memfile.h"
#include "ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = memfile(data, size, path, sizeof(path));
    if (fd < 0)
        return 0;
    struct ledger *l;
    struct ledger_diag diag;
    if (ledger_open_readonly(path, NULL, &l, &diag) == 0) {
        struct ledger_counts c;
        ledger_counts(l, &c);
        for (size_t i = 0; i < ledger_size(l); i++) {
            const struct ledger_entry *e = ledger_entry_at(l, i);
            if (ledger_find(l, e->token) != e)
                __builtin_trap();
        }
        ledger_close(l);
    }
    close(fd);
    return 0;
}
