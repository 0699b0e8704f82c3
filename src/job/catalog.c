#include "catalog.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* Up to this many choices are named in a message; more are counted. */
#define CHOICES_NAMED 8

struct catalog {
    json_t *root; /* owned */
};

/* ---- Shape ------------------------------------------------------------------------------ */

static bool has_string(const json_t *o, const char *key)
{
    return json_is_string(json_object_get(o, key));
}

/* Whether o[key] is absent (made an empty array) or an array of objects each with a string
 * name_key. */
static bool list_ok(json_t *o, const char *key, const char *name_key)
{
    json_t *a = json_object_get(o, key);
    size_t i;
    json_t *item;
    if (a == NULL)
        return json_object_set_new(o, key, json_array()) == 0;
    if (!json_is_array(a))
        return false;
    json_array_foreach(a, i, item)
    {
        if (!json_is_object(item) || !has_string(item, name_key))
            return false;
    }
    return true;
}

static int shape(json_t *root, char *msg, size_t msglen)
{
    size_t i, k;
    json_t *r, *x;
    if (!json_is_object(root) || !json_is_array(json_object_get(root, "regions"))) {
        snprintf(msg, msglen, "a catalog is a JSON object with a \"regions\" array");
        return ERR_PARSE;
    }
    json_array_foreach(json_object_get(root, "regions"), i, r)
    {
        if (!json_is_object(r) || !has_string(r, "region") || !list_ok(r, "azs", "az") ||
            !list_ok(r, "deviceTypes", "deviceType")) {
            snprintf(msg, msglen,
                     "regions[%zu]: needs a \"region\" string; \"azs\" and \"deviceTypes\" are "
                     "arrays of objects with an \"az\" / \"deviceType\" string",
                     i);
            return ERR_PARSE;
        }
        json_array_foreach(json_object_get(r, "azs"), k, x)
        {
            if (!list_ok(x, "deviceTypes", "deviceType")) {
                snprintf(msg, msglen,
                         "regions[%zu].azs[%zu].deviceTypes: an array of objects with a "
                         "\"deviceType\" string",
                         i, k);
                return ERR_PARSE;
            }
        }
        json_array_foreach(json_object_get(r, "deviceTypes"), k, x)
        {
            if (!list_ok(x, "oss", "osTypeId") || !list_ok(x, "sysRaids", "raidTypeId") ||
                !list_ok(x, "dataRaids", "raidTypeId")) {
                snprintf(msg, msglen,
                         "regions[%zu].deviceTypes[%zu]: \"oss\", \"sysRaids\" and "
                         "\"dataRaids\" are arrays of objects with an \"osTypeId\" / "
                         "\"raidTypeId\" string",
                         i, k);
                return ERR_PARSE;
            }
        }
    }
    return 0;
}

int catalog_from_json(json_t *root, struct catalog **out, char *msg, size_t msglen)
{
    int rc = shape(root, msg, msglen);
    struct catalog *c = rc ? NULL : malloc(sizeof(*c));
    if (!c) {
        json_decref(root);
        return rc ? rc : ERR_NOMEM;
    }
    c->root = root;
    *out = c;
    return 0;
}

int catalog_load(const char *path, struct catalog **out, char *msg, size_t msglen)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) {
        bool cannot_open = json_error_code(&jerr) == json_error_cannot_open_file;
        if (cannot_open)
            snprintf(msg, msglen, "%s: %s", path, strerror(errno));
        else
            snprintf(msg, msglen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        return cannot_open ? ERR_IO : ERR_PARSE;
    }
    char what[256];
    int rc = catalog_from_json(root, out, what, sizeof(what));
    if (rc == ERR_PARSE)
        snprintf(msg, msglen, "%s: %s", path, what);
    return rc;
}

void catalog_free(struct catalog *c)
{
    if (!c)
        return;
    json_decref(c->root);
    free(c);
}

const json_t *catalog_json(const struct catalog *c)
{
    return c->root;
}

/* ---- Lookups ------------------------------------------------------------------------------ */

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The item of array a whose member key is value, or NULL. Borrowed. */
static const json_t *find(const json_t *a, const char *key, const char *value)
{
    size_t i;
    json_t *item;
    json_array_foreach(a, i, item)
    {
        const char *v = str(item, key);
        if (v && strcmp(v, value) == 0)
            return item;
    }
    return NULL;
}

static bool sold_out(const json_t *device_type)
{
    return json_is_true(json_object_get(device_type, "isSoldOut"));
}

/* "a, b, c" of the member key of a's items (those not sold out when available_only), the
 * first CHOICES_NAMED of them, then " and N more"; "none" when there are none. */
static void choices(const json_t *a, const char *key, bool available_only, char *out, size_t size)
{
    size_t i, n = 0, len = 0;
    json_t *item;
    out[0] = '\0';
    json_array_foreach(a, i, item)
    {
        if (available_only && sold_out(item))
            continue;
        if (n++ < CHOICES_NAMED && len < size)
            len +=
                (size_t)snprintf(out + len, size - len, "%s%s", n > 1 ? ", " : "", str(item, key));
    }
    if (n > CHOICES_NAMED && len < size)
        snprintf(out + len, size - len, " and %zu more", n - CHOICES_NAMED);
    if (n == 0)
        snprintf(out, size, "none");
}

/* The region whose zone az is, or NULL. */
static const json_t *region_of_az(const struct catalog *c, const char *az)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(c->root, "regions"), i, r)
    {
        if (find(json_object_get(r, "azs"), "az", az))
            return r;
    }
    return NULL;
}

/* ---- Checks ------------------------------------------------------------------------------- */

/* Values are named unquoted: the job's reports mask any quoted value that could be a
 * password, and an id such as centos-7.9-x64 could. */

/* Report msg formatted on field f. */
static void reportf(spec_report_fn report, void *ctx, enum field_id f, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void reportf(spec_report_fn report, void *ctx, enum field_id f, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    report(ctx, f, msg);
}

/* The zone of the row in region r, or NULL after reporting why not. */
static const json_t *check_az(const struct catalog *c, const json_t *r, const char *az,
                              spec_report_fn report, void *ctx)
{
    const json_t *z = find(json_object_get(r, "azs"), "az", az);
    if (z)
        return z;
    char list[512];
    const json_t *other = region_of_az(c, az);
    choices(json_object_get(r, "azs"), "az", false, list, sizeof(list));
    if (other)
        reportf(report, ctx, FIELD_AZ, "%s is a zone of %s, not of %s; zones of %s: %s", az,
                str(other, "region"), str(r, "region"), str(r, "region"), list);
    else
        reportf(report, ctx, FIELD_AZ, "%s is not a zone of %s; its zones: %s", az,
                str(r, "region"), list);
    return NULL;
}

/* Whether the device type dt is offered in zone z and not sold out; reports why not. */
static bool check_device_type(const json_t *z, const char *dt, spec_report_fn report, void *ctx)
{
    const json_t *types = json_object_get(z, "deviceTypes");
    const json_t *d = find(types, "deviceType", dt);
    if (d && !sold_out(d))
        return true;
    char list[512];
    choices(types, "deviceType", true, list, sizeof(list));
    if (d)
        reportf(report, ctx, FIELD_DEVICE_TYPE, "%s is sold out in %s; available there: %s", dt,
                str(z, "az"), list);
    else
        reportf(report, ctx, FIELD_DEVICE_TYPE, "%s is not offered in %s; available there: %s", dt,
                str(z, "az"), list);
    return false;
}

static int check_os(const json_t *d, const char *dt, const char *os, spec_report_fn report,
                    void *ctx)
{
    const json_t *oss = json_object_get(d, "oss");
    if (find(oss, "osTypeId", os))
        return 0;
    char list[512];
    choices(oss, "osTypeId", false, list, sizeof(list));
    reportf(report, ctx, FIELD_OS_TYPE_ID, "%s is not an OS offered for %s; offered: %s", os, dt,
            list);
    return 1;
}

/* The RAID id of field f must be in d's list want ("sysRaids"/"dataRaids"), not other's. */
static int check_raid(const json_t *d, const char *dt, const struct spec *s, enum field_id f,
                      bool system, spec_report_fn report, void *ctx)
{
    const char *id = s->str[f];
    const json_t *want = json_object_get(d, system ? "sysRaids" : "dataRaids");
    const json_t *other = json_object_get(d, system ? "dataRaids" : "sysRaids");
    if (!s->present[f] || find(want, "raidTypeId", id))
        return 0;
    char list[512];
    const char *kind = system ? "system" : "data";
    choices(want, "raidTypeId", false, list, sizeof(list));
    if (find(other, "raidTypeId", id))
        reportf(report, ctx, f, "%s is a %s RAID of %s, not a %s RAID; %s RAIDs: %s", id,
                system ? "data" : "system", dt, kind, kind, list);
    else
        reportf(report, ctx, f, "%s is not a RAID type of %s; %s RAIDs: %s", id, dt, kind, list);
    return 1;
}

int catalog_check(const struct catalog *c, const struct spec *s, spec_report_fn report, void *ctx)
{
    if (!s->present[FIELD_REGION_ID])
        return 0;
    const char *region = s->str[FIELD_REGION_ID];
    const json_t *regions = json_object_get(c->root, "regions");
    const json_t *r = find(regions, "region", region);
    if (!r) {
        char list[512];
        choices(regions, "region", false, list, sizeof(list));
        reportf(report, ctx, FIELD_REGION_ID, "%s is not a region; regions: %s", region, list);
        return 1;
    }
    if (!s->present[FIELD_AZ])
        return 0;
    const json_t *z = check_az(c, r, s->str[FIELD_AZ], report, ctx);
    if (!z)
        return 1;
    const char *dt = s->str[FIELD_DEVICE_TYPE];
    if (!s->present[FIELD_DEVICE_TYPE])
        return 0;
    if (!check_device_type(z, dt, report, ctx))
        return 1;
    const json_t *d = find(json_object_get(r, "deviceTypes"), "deviceType", dt);
    int n =
        s->present[FIELD_OS_TYPE_ID] ? check_os(d, dt, s->str[FIELD_OS_TYPE_ID], report, ctx) : 0;
    n += check_raid(d, dt, s, FIELD_SYS_RAID_TYPE_ID, true, report, ctx);
    n += check_raid(d, dt, s, FIELD_DATA_RAID_TYPE_ID, false, report, ctx);
    return n;
}

/* ---- The table ---------------------------------------------------------------------------- */

static void print_ids(FILE *out, const char *label, const json_t *a, const char *key,
                      const char *name_key)
{
    size_t i;
    json_t *item;
    fprintf(out, "      %s:%s\n", label, json_array_size(a) ? "" : " none");
    json_array_foreach(a, i, item)
    {
        const char *name = str(item, name_key);
        fprintf(out, "        %-40s %s\n", str(item, key), name ? name : "");
    }
}

void catalog_print(const struct catalog *c, FILE *out)
{
    size_t i, k, m;
    json_t *r, *x, *d;
    json_array_foreach(json_object_get(c->root, "regions"), i, r)
    {
        const char *name = str(r, "regionName");
        fprintf(out, "%s%s%s%s\n", i ? "\n" : "", str(r, "region"), name ? "  " : "",
                name ? name : "");
        json_array_foreach(json_object_get(r, "azs"), k, x)
        {
            fprintf(out, "  zone %s:", str(x, "az"));
            json_array_foreach(json_object_get(x, "deviceTypes"), m, d)
                fprintf(out, " %s%s", str(d, "deviceType"), sold_out(d) ? " (sold out)" : "");
            fputc('\n', out);
        }
        json_array_foreach(json_object_get(r, "deviceTypes"), k, d)
        {
            fprintf(out, "  device type %s\n", str(d, "deviceType"));
            print_ids(out, "OS", json_object_get(d, "oss"), "osTypeId", "osName");
            print_ids(out, "system RAID", json_object_get(d, "sysRaids"), "raidTypeId", "raidType");
            print_ids(out, "data RAID", json_object_get(d, "dataRaids"), "raidTypeId", "raidType");
        }
    }
}
