#include "simcatalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* The built-in catalog: three regions, five device types (cps.gpu.1 sold out; cps.g.normal
 * only in cn-east-2, cps.c.highfreq only in cn-north-1a), OS images (each device type has its
 * own list), RAID types (r-data-raid5 only of cps.s.normal) and software. The ids of
 * sign_vectors.json (cps.c.normal, the CentOS id, r-sys-raid1, r-data-raid10) and of the
 * jobs in jobs/ (centos-7.9-x64, ubuntu-22.04-x64, ...) are among them, so their requests pass
 * --strict-catalog and the sandbox's pre-flight. */
static const char builtin_catalog[] =
    "{\"regions\":["
    "{\"region\":\"cn-north-1\",\"regionName\":\"North China - Beijing\",\"azs\":["
    "{\"region\":\"cn-north-1\",\"az\":\"cn-north-1a\",\"azName\":\"Beijing Zone A\"},"
    "{\"region\":\"cn-north-1\",\"az\":\"cn-north-1b\",\"azName\":\"Beijing Zone B\"}]},"
    "{\"region\":\"cn-east-2\",\"regionName\":\"East China - Shanghai\",\"azs\":["
    "{\"region\":\"cn-east-2\",\"az\":\"cn-east-2a\",\"azName\":\"Shanghai Zone A\"},"
    "{\"region\":\"cn-east-2\",\"az\":\"cn-east-2b\",\"azName\":\"Shanghai Zone B\"},"
    "{\"region\":\"cn-east-2\",\"az\":\"cn-east-2c\",\"azName\":\"Shanghai Zone C\"}]},"
    "{\"region\":\"cn-south-1\",\"regionName\":\"South China - Guangzhou\",\"azs\":["
    "{\"region\":\"cn-south-1\",\"az\":\"cn-south-1a\",\"azName\":\"Guangzhou Zone A\"}]}],"
    "\"deviceTypes\":["
    "{\"deviceType\":\"cps.c.normal\",\"name\":\"Compute Optimized\",\"family\":\"compute\","
    "\"cpuDetail\":\"2*Intel E5-2630 v4 (10 cores, 2.2 GHz)\",\"memDetail\":\"256 GB\","
    "\"sysDiskDetail\":\"2*300 GB SAS\",\"dataDiskDetail\":\"8*600 GB SAS\","
    "\"nicDetail\":\"2*10GE\",\"isSoldOut\":false},"
    "{\"deviceType\":\"cps.s.normal\",\"name\":\"Storage Optimized\",\"family\":\"storage\","
    "\"cpuDetail\":\"2*Intel E5-2630 v4 (10 cores, 2.2 GHz)\",\"memDetail\":\"128 GB\","
    "\"sysDiskDetail\":\"2*300 GB SAS\",\"dataDiskDetail\":\"12*8 TB SATA\","
    "\"nicDetail\":\"2*10GE\",\"isSoldOut\":false},"
    "{\"deviceType\":\"cps.g.normal\",\"name\":\"General Purpose\",\"family\":\"general\","
    "\"region\":\"cn-east-2\","
    "\"cpuDetail\":\"2*Intel Silver 4110 (8 cores, 2.1 GHz)\",\"memDetail\":\"192 GB\","
    "\"sysDiskDetail\":\"2*480 GB SSD\",\"dataDiskDetail\":\"6*1.2 TB SAS\","
    "\"nicDetail\":\"2*10GE\",\"isSoldOut\":false},"
    "{\"deviceType\":\"cps.c.highfreq\",\"name\":\"High Frequency Compute\","
    "\"family\":\"compute\",\"region\":\"cn-north-1\",\"azs\":[\"cn-north-1a\"],"
    "\"cpuDetail\":\"2*Intel Gold 6146 (12 cores, 3.2 GHz)\",\"memDetail\":\"384 GB\","
    "\"sysDiskDetail\":\"2*480 GB SSD\",\"dataDiskDetail\":\"4*1.92 TB SSD\","
    "\"nicDetail\":\"2*25GE\",\"isSoldOut\":false},"
    "{\"deviceType\":\"cps.gpu.1\",\"name\":\"GPU\",\"family\":\"gpu\","
    "\"cpuDetail\":\"2*Intel Gold 6148 (20 cores, 2.4 GHz)\",\"memDetail\":\"512 GB\","
    "\"sysDiskDetail\":\"2*480 GB SSD\",\"dataDiskDetail\":\"2*3.84 TB NVMe\","
    "\"gpuDetail\":\"8*NVIDIA V100\",\"nicDetail\":\"2*25GE\",\"isSoldOut\":true}],"
    "\"oss\":["
    "{\"osTypeId\":\"centos-7.9-x64\",\"osName\":\"CentOS 7.9 64-bit\",\"osType\":\"CentOS\","
    "\"osVersion\":\"7.9\",\"deviceType\":\"cps.c.normal\"},"
    "{\"osTypeId\":\"ubuntu-22.04-x64\",\"osName\":\"Ubuntu 22.04 64-bit\",\"osType\":\"Ubuntu\","
    "\"osVersion\":\"22.04\",\"deviceType\":\"cps.c.normal\"},"
    "{\"osTypeId\":\"ubuntu-22.04-x64\",\"osName\":\"Ubuntu 22.04 64-bit\",\"osType\":\"Ubuntu\","
    "\"osVersion\":\"22.04\",\"deviceType\":\"cps.s.normal\"},"
    "{\"osTypeId\":\"ubuntu-22.04-x64\",\"osName\":\"Ubuntu 22.04 64-bit\",\"osType\":\"Ubuntu\","
    "\"osVersion\":\"22.04\",\"deviceType\":\"cps.g.normal\"},"
    "{\"osTypeId\":\"bbbbbbbb-cccc-dddd-eeee-ffffffffffff\",\"osName\":\"CentOS 7.6 64-bit\","
    "\"osType\":\"CentOS\",\"osVersion\":\"7.6\",\"deviceType\":\"cps.c.normal\"},"
    "{\"osTypeId\":\"6f1b6e1a-0c2d-4e3f-8a4b-5c6d7e8f9a01\",\"osName\":\"Ubuntu 18.04 64-bit\","
    "\"osType\":\"Ubuntu\",\"osVersion\":\"18.04\",\"deviceType\":\"cps.c.normal\"},"
    "{\"osTypeId\":\"0a7d3c52-9e41-4b8f-a6d2-3f5e7c9b1d02\",\"osName\":\"CentOS 7.6 64-bit\","
    "\"osType\":\"CentOS\",\"osVersion\":\"7.6\",\"deviceType\":\"cps.s.normal\"},"
    "{\"osTypeId\":\"c3e8f1a4-5b6d-4c7e-9f80-a1b2c3d4e503\",\"osName\":\"CentOS 7.6 64-bit\","
    "\"osType\":\"CentOS\",\"osVersion\":\"7.6\",\"deviceType\":\"cps.c.highfreq\"},"
    "{\"osTypeId\":\"d4f9a2b5-6c7e-4d8f-8a91-b2c3d4e5f604\",\"osName\":\"Ubuntu 18.04 64-bit\","
    "\"osType\":\"Ubuntu\",\"osVersion\":\"18.04\",\"deviceType\":\"cps.gpu.1\"}],"
    "\"raids\":["
    "{\"raidTypeId\":\"r-sys-raid1\",\"raidType\":\"RAID1\",\"volumeType\":\"system\","
    "\"volumeDetail\":\"2*300 GB SAS\",\"availableInDataDisk\":false,"
    "\"description\":\"mirrored system disks\"},"
    "{\"raidTypeId\":\"r-data-raid10\",\"raidType\":\"RAID10\",\"volumeType\":\"data\","
    "\"volumeDetail\":\"8*600 GB SAS\",\"availableInDataDisk\":true,"
    "\"description\":\"striped mirrors\"},"
    "{\"raidTypeId\":\"r-data-raid0\",\"raidType\":\"RAID0\",\"volumeType\":\"data\","
    "\"volumeDetail\":\"8*600 GB SAS\",\"availableInDataDisk\":true,"
    "\"description\":\"striped, no redundancy\"},"
    "{\"raidTypeId\":\"r-data-raid5\",\"raidType\":\"RAID5\",\"volumeType\":\"data\","
    "\"volumeDetail\":\"12*8 TB "
    "SATA\",\"availableInDataDisk\":true,\"deviceType\":\"cps.s.normal\","
    "\"description\":\"striped with parity\"},"
    "{\"raidTypeId\":\"r-data-noraid\",\"raidType\":\"NORAID\",\"volumeType\":\"data\","
    "\"volumeDetail\":\"single disks\",\"availableInDataDisk\":true,"
    "\"description\":\"no RAID\"}],"
    "\"softwares\":["
    "{\"name\":\"mysql\",\"version\":\"5.7\",\"description\":\"MySQL server\","
    "\"osTypeId\":\"bbbbbbbb-cccc-dddd-eeee-ffffffffffff\"},"
    "{\"name\":\"nginx\",\"version\":\"1.14\",\"description\":\"nginx web server\","
    "\"osTypeId\":\"bbbbbbbb-cccc-dddd-eeee-ffffffffffff\"},"
    "{\"name\":\"docker\",\"version\":\"18.09\",\"description\":\"Docker engine\","
    "\"osTypeId\":\"6f1b6e1a-0c2d-4e3f-8a4b-5c6d7e8f9a01\"}]}";

struct simcatalog {
    json_t *root; /* owned: the whole catalog object */
};

/* Each list must be an array of objects; regions need a "region" string. */
static int validate(json_t *root, char *msg, size_t msglen)
{
    static const char *const lists[] = {"regions", "deviceTypes", "oss", "raids", "softwares"};
    if (!json_is_object(root)) {
        snprintf(msg, msglen, "the catalog must be a JSON object");
        return ERR_PARSE;
    }
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        json_t *a = json_object_get(root, lists[i]); /* borrowed */
        if (a == NULL) {
            json_object_set_new(root, lists[i], json_array());
            continue;
        }
        size_t k;
        json_t *item;
        if (!json_is_array(a)) {
            snprintf(msg, msglen, "\"%s\" must be an array", lists[i]);
            return ERR_PARSE;
        }
        json_array_foreach(a, k, item)
        {
            if (!json_is_object(item) ||
                (i == 0 && !json_is_string(json_object_get(item, "region")))) {
                snprintf(msg, msglen, "%s[%zu] must be an object%s", lists[i], k,
                         i == 0 ? " with a \"region\" string" : "");
                return ERR_PARSE;
            }
        }
    }
    return 0;
}

int simcatalog_load(const char *file, struct simcatalog **out, char *msg, size_t msglen)
{
    char dummy[8];
    if (msg == NULL) {
        msg = dummy;
        msglen = sizeof dummy;
    }
    json_error_t jerr;
    json_t *root = file ? json_load_file(file, 0, &jerr) : json_loads(builtin_catalog, 0, &jerr);
    if (root == NULL) {
        snprintf(msg, msglen, "%s:%d:%d: %s", file ? file : "built-in catalog", jerr.line,
                 jerr.column, jerr.text);
        return json_error_code(&jerr) == json_error_cannot_open_file ? ERR_IO : ERR_PARSE;
    }
    int rc = validate(root, msg, msglen);
    struct simcatalog *c = rc == 0 ? malloc(sizeof *c) : NULL;
    if (c == NULL) {
        json_decref(root);
        return rc ? rc : ERR_NOMEM;
    }
    c->root = root;
    *out = c;
    return 0;
}

void simcatalog_free(struct simcatalog *c)
{
    if (c == NULL)
        return;
    json_decref(c->root);
    free(c);
}

static json_t *list(const struct simcatalog *c, const char *name)
{
    return json_object_get(c->root, name); /* borrowed */
}

static const json_t *find_region(const struct simcatalog *c, const char *region)
{
    size_t i;
    json_t *r;
    json_array_foreach(list(c, "regions"), i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "region")), region) == 0)
            return r;
    }
    return NULL;
}

bool simcatalog_has_region(const struct simcatalog *c, const char *region)
{
    return find_region(c, region) != NULL;
}

static bool has_az(const struct simcatalog *c, const char *region, const char *az)
{
    const json_t *r = find_region(c, region);
    size_t i;
    json_t *a;
    if (r == NULL)
        return false;
    json_array_foreach(json_object_get(r, "azs"), i, a)
    {
        const char *name = json_string_value(json_object_get(a, "az"));
        if (name && strcmp(name, az) == 0)
            return true;
    }
    return false;
}

/* Whether item's member key is absent (applies to all) or equals want (NULL = anything). */
static bool member_matches(const json_t *item, const char *key, const char *want)
{
    const char *have = json_string_value(json_object_get(item, key));
    return want == NULL || have == NULL || strcmp(have, want) == 0;
}

/* Whether item's "azs" is absent or lists az (NULL = any). */
static bool azs_match(const json_t *item, const char *az)
{
    const json_t *azs = json_object_get(item, "azs");
    size_t i;
    json_t *a;
    if (az == NULL || !json_is_array(azs))
        return true;
    json_array_foreach(azs, i, a)
    {
        if (json_is_string(a) && strcmp(json_string_value(a), az) == 0)
            return true;
    }
    return false;
}

/* {name: [deep copies of the items of list name that pass keep]}. New reference. */
struct filter {
    const char *region, *az, *device_type, *volume_type, *os_type, *os_type_id;
};

static bool keep(const json_t *item, const struct filter *f)
{
    return member_matches(item, "region", f->region) && azs_match(item, f->az) &&
           member_matches(item, "deviceType", f->device_type) &&
           member_matches(item, "volumeType", f->volume_type) &&
           member_matches(item, "osType", f->os_type) &&
           member_matches(item, "osTypeId", f->os_type_id);
}

static json_t *select_items(const struct simcatalog *c, const char *name, const struct filter *f)
{
    json_t *arr = json_array();
    json_t *res = json_object();
    size_t i;
    json_t *item;
    if (arr == NULL || res == NULL)
        goto out_fail;
    json_array_foreach(list(c, name), i, item)
    {
        if (keep(item, f) && json_array_append_new(arr, json_deep_copy(item)) != 0)
            goto out_fail;
    }
    if (json_object_set_new(res, name, arr) != 0) {
        arr = NULL;
        goto out_fail;
    }
    return res;
out_fail:
    json_decref(arr);
    json_decref(res);
    return NULL;
}

json_t *simcatalog_regions(const struct simcatalog *c)
{
    struct filter f = {0};
    return select_items(c, "regions", &f);
}

json_t *simcatalog_device_types(const struct simcatalog *c, const char *region, const char *az)
{
    struct filter f = {.region = region, .az = az};
    return select_items(c, "deviceTypes", &f);
}

json_t *simcatalog_oss(const struct simcatalog *c, const char *region, const char *device_type,
                       const char *os_type)
{
    struct filter f = {.region = region, .device_type = device_type, .os_type = os_type};
    return select_items(c, "oss", &f);
}

json_t *simcatalog_raids(const struct simcatalog *c, const char *region, const char *device_type,
                         const char *volume_type)
{
    struct filter f = {.region = region, .device_type = device_type, .volume_type = volume_type};
    return select_items(c, "raids", &f);
}

json_t *simcatalog_softwares(const struct simcatalog *c, const char *region, const char *os_type_id)
{
    struct filter f = {.region = region, .os_type_id = os_type_id};
    return select_items(c, "softwares", &f);
}

/* The item of list name whose member key is value and that passes f, or NULL. Borrowed. */
static const json_t *find_item(const struct simcatalog *c, const char *name, const char *key,
                               const char *value, const struct filter *f)
{
    size_t i;
    json_t *item;
    json_array_foreach(list(c, name), i, item)
    {
        const char *v = json_string_value(json_object_get(item, key));
        if (v && strcmp(v, value) == 0 && keep(item, f))
            return item;
    }
    return NULL;
}

static int check_device(const struct simcatalog *c, const struct spec *s, spec_report_fn report,
                        void *ctx)
{
    const char *region = s->str[FIELD_REGION_ID], *az = s->str[FIELD_AZ];
    struct filter f = {.region = region, .az = az};
    const json_t *dt = find_item(c, "deviceTypes", "deviceType", s->str[FIELD_DEVICE_TYPE], &f);
    if (dt == NULL) {
        report(ctx, FIELD_DEVICE_TYPE, "is not offered in this region and az");
        return 1;
    }
    if (json_is_true(json_object_get(dt, "isSoldOut"))) {
        report(ctx, FIELD_DEVICE_TYPE, "is sold out");
        return 1;
    }
    return 0;
}

static int check_raid(const struct simcatalog *c, const struct spec *s, enum field_id fid,
                      const char *volume, spec_report_fn report, void *ctx)
{
    struct filter f = {.region = s->str[FIELD_REGION_ID],
                       .device_type = s->str[FIELD_DEVICE_TYPE],
                       .volume_type = volume};
    if (!s->present[fid] || find_item(c, "raids", "raidTypeId", s->str[fid], &f))
        return 0;
    report(ctx, fid, "is not a RAID type of this device type");
    return 1;
}

int simcatalog_check(const struct simcatalog *c, const struct spec *s, spec_report_fn report,
                     void *ctx)
{
    int n = 0;
    if (!s->present[FIELD_REGION_ID] || !s->present[FIELD_AZ] || !s->present[FIELD_DEVICE_TYPE])
        return 0; /* spec_check reports missing fields */
    if (!has_az(c, s->str[FIELD_REGION_ID], s->str[FIELD_AZ])) {
        report(ctx, FIELD_AZ, "is not an availability zone of this region");
        return 1;
    }
    n += check_device(c, s, report, ctx);
    struct filter f = {.region = s->str[FIELD_REGION_ID], .device_type = s->str[FIELD_DEVICE_TYPE]};
    if (s->present[FIELD_OS_TYPE_ID] &&
        find_item(c, "oss", "osTypeId", s->str[FIELD_OS_TYPE_ID], &f) == NULL) {
        report(ctx, FIELD_OS_TYPE_ID, "is not an OS of this device type");
        n++;
    }
    n += check_raid(c, s, FIELD_SYS_RAID_TYPE_ID, "system", report, ctx);
    n += check_raid(c, s, FIELD_DATA_RAID_TYPE_ID, "data", report, ctx);
    return n;
}
