/* csvcount.c - the floor for bench/validate.sh: libcsv alone counting fields and records.
 * Built by the script: cc -O2 bench/csvcount.c -lcsv */
#include <csv.h>
#include <stdio.h>

static void on_field(void *s, size_t len, void *ctx)
{
    (void)s;
    (void)len;
    ((size_t *)ctx)[0]++;
}

static void on_record(int c, void *ctx)
{
    (void)c;
    ((size_t *)ctx)[1]++;
}

int main(int argc, char **argv)
{
    struct csv_parser p;
    size_t counts[2] = {0, 0};
    char buf[65536];
    FILE *fp = argc > 1 ? fopen(argv[1], "rb") : NULL;
    if (!fp || csv_init(&p, CSV_STRICT) != 0)
        return 1;
    for (size_t n; (n = fread(buf, 1, sizeof(buf), fp)) > 0;)
        csv_parse(&p, buf, n, on_field, on_record, counts);
    csv_fini(&p, on_field, on_record, counts);
    printf("%zu fields, %zu records\n", counts[0], counts[1]);
    csv_free(&p);
    fclose(fp);
    return 0;
}
