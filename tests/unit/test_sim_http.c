/* test_sim_http.c - cps-sim's API over real HTTP on loopback: createInstances (ids, replays,
 * no token, validation naming the field, malformed JSON, unknown region, 413), describeInstance
 * creating -> running, describeInstances paging and filters, the catalog calls (built in and
 * from a file), unknown paths, and /__sim/stats, /__sim/faults, /__sim/reset; the TLS files
 * refused (serving HTTPS is tests/e2e/run_tls.sh, with a CA made by openssl). */
#include <jansson.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "simtest.h"
#include "tmpfile.h"

static unsigned port;

/* The instance ids of a create answer (new reference). */
static json_t *ids_of(const struct simtest_resp *r)
{
    json_t *j = simtest_json(r);
    json_t *ids = json_incref(json_object_get(json_object_get(j, "result"), "instanceIds"));
    json_decref(j);
    return ids;
}

static void test_create_and_replay(void)
{
    struct simtest_resp r1, r2;
    simtest_create(port, "tok-replay", 3, &r1);
    CHECK_INT(r1.status, ==, 200);
    json_t *j = simtest_json(&r1);
    CHECK(json_is_string(json_object_get(j, "requestId")));
    json_decref(j);
    json_t *ids = ids_of(&r1);
    CHECK_INT(json_array_size(ids), ==, 3);
    CHECK(strncmp(json_string_value(json_array_get(ids, 0)), "cps-", 4) == 0);
    /* the same token, even with another body, answers the first result and creates nothing */
    simtest_create(port, "tok-replay", 1, &r2);
    CHECK_INT(r2.status, ==, 200);
    json_t *again = ids_of(&r2);
    CHECK(json_equal(ids, again));
    json_decref(again);
    simtest_release(&r2);
    json_t *stats = simtest_stats(port);
    CHECK_INT(json_integer_value(json_object_get(stats, "creates")), ==, 1);
    CHECK_INT(json_integer_value(json_object_get(stats, "replays")), ==, 1);
    CHECK_INT(json_integer_value(json_object_get(stats, "instances")), ==, 3);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(stats, "tokens"), "tok-replay")),
              ==, 1);
    CHECK(json_equal(json_object_get(json_object_get(stats, "token_ids"), "tok-replay"), ids));
    json_decref(stats);
    /* without a token every request creates */
    simtest_create(port, NULL, 1, &r2);
    json_t *a = ids_of(&r2);
    simtest_release(&r2);
    simtest_create(port, NULL, 1, &r2);
    json_t *b = ids_of(&r2);
    simtest_release(&r2);
    CHECK(!json_equal(a, b));
    CHECK_INT(simtest_stat(port, "instances"), ==, 5);
    json_decref(a);
    json_decref(b);
    json_decref(ids);
    simtest_release(&r1);
}

/* An error answer: its status code, status word, and a message containing want. */
static void check_error(const struct simtest_resp *r, long code, const char *status,
                        const char *want)
{
    json_t *j = simtest_json(r);
    CHECK_INT(r->status, ==, code);
    CHECK_STR(simtest_error_field(j, "status"), status);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(j, "error"), "code")), ==, code);
    CHECK(json_is_string(json_object_get(j, "requestId")));
    if (strstr(simtest_error_field(j, "message"), want) == NULL)
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", simtest_error_field(j, "message"), want);
    CHECK(strstr(simtest_error_field(j, "message"), want) != NULL);
    json_decref(j);
}

static void test_create_errors(void)
{
    struct simtest_resp r;
    char body[2048];
    long long before = simtest_stat(port, "instances");
    simtest_body(body, sizeof body, "tok-bad", 1);
    CHECK(simtest_replace(body, sizeof body, "\"bandwidth\":10", "\"bandwidth\":0"));
    simtest_call(port, "PUT", SIMTEST_CREATE, body, &r);
    check_error(&r, 400, "INVALID_ARGUMENT", "instanceSpec.bandwidth");
    simtest_release(&r);
    /* a wrong JSON type is named too (this one goes the jansson way) */
    simtest_body(body, sizeof body, "tok-bad", 1);
    CHECK(simtest_replace(body, sizeof body, "\"bandwidth\":10", "\"bandwidth\":[]"));
    simtest_call(port, "PUT", SIMTEST_CREATE, body, &r);
    check_error(&r, 400, "INVALID_ARGUMENT", "instanceSpec.bandwidth");
    simtest_release(&r);
    simtest_call(port, "PUT", SIMTEST_CREATE, "{\"regionId\":\"cn-north-1\",", &r);
    check_error(&r, 400, "INVALID_ARGUMENT", "malformed JSON");
    simtest_release(&r);
    simtest_call(port, "PUT", SIMTEST_CREATE, "[1,2]", &r);
    check_error(&r, 400, "INVALID_ARGUMENT", "object");
    simtest_release(&r);
    simtest_body(body, sizeof body, "tok-bad", 1);
    simtest_call(port, "PUT", "/v1/regions/xx-nowhere-1/instances", body, &r);
    check_error(&r, 404, "NOT_FOUND", "xx-nowhere-1");
    simtest_release(&r);
    simtest_call(port, "PUT", "/v1/regions/cn-east-2/instances", body, &r);
    check_error(&r, 400, "INVALID_ARGUMENT", "regionId");
    simtest_release(&r);
    simtest_call(port, "PUT", SIMTEST_CREATE, "{\"instanceSpec\":{}}", &r);
    check_error(&r, 400, "INVALID_ARGUMENT", "instanceSpec.az");
    simtest_release(&r);
    CHECK_INT(simtest_stat(port, "instances"), ==, before);
    /* the body of a valid create may leave regionId out: the path's applies */
    simtest_body(body, sizeof body, NULL, 1);
    CHECK(simtest_replace(body, sizeof body, "\"regionId\":\"cn-north-1\",", ""));
    simtest_call(port, "PUT", SIMTEST_CREATE, body, &r);
    CHECK_INT(r.status, ==, 200);
    simtest_release(&r);
}

static void test_too_big(void)
{
    size_t n = 1024 * 1024 + 1;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    big[n] = '\0';
    struct simtest_resp r;
    simtest_call(port, "PUT", SIMTEST_CREATE, big, &r);
    check_error(&r, 413, "INVALID_ARGUMENT", "larger");
    simtest_release(&r);
    big[n - 2] = '}';
    big[n - 1] = '\0'; /* exactly 1 MiB is fine (and valid JSON, an empty object) */
    simtest_call(port, "PUT", SIMTEST_CREATE, big, &r);
    check_error(&r, 400, "INVALID_ARGUMENT", "instanceSpec");
    simtest_release(&r);
    free(big);
}

/* A body sent in chunks without Content-Length, over a small limit: 413 at the end. */
static size_t read_chunks(char *buf, size_t size, size_t n, void *arg)
{
    int *left = arg;
    if (*left == 0)
        return 0;
    size_t k = size * n < 1000 ? size * n : 1000;
    memset(buf, ' ', k);
    --*left;
    return k;
}

static void test_too_big_chunked(void)
{
    struct sim_config c;
    sim_config_default(&c);
    c.max_body = 4096;
    struct sim *s = simtest_start(&c);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", sim_port(s), SIMTEST_CREATE);
    CURL *h = curl_easy_init();
    struct curl_slist *hd = curl_slist_append(NULL, "Transfer-Encoding: chunked");
    int left = 10;
    struct simtest_resp r = {0};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_chunks);
    curl_easy_setopt(h, CURLOPT_READDATA, &left);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, simtest_on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    CHECK_INT(curl_easy_perform(h), ==, CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    CHECK_INT(r.status, ==, 413);
    CHECK_INT(simtest_stat(sim_port(s), "requests"), ==, 1);
    simtest_release(&r);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    sim_free(s);
}

/* describeInstance: creating, then running once create_seconds have passed. */
static void test_describe_instance(void)
{
    struct simtest_resp r;
    char path[256];
    /* creating for 1000 s: still creating when described, however slow the machine */
    CHECK_INT(simtest_faults(port, "{\"create_seconds\":1000}"), ==, 200);
    simtest_create(port, "tok-describe", 1, &r);
    json_t *ids = ids_of(&r);
    simtest_release(&r);
    const char *id = json_string_value(json_array_get(ids, 0));
    snprintf(path, sizeof path, "/v1/regions/cn-north-1/instances/%s", id);
    simtest_call(port, "GET", path, NULL, &r);
    CHECK_INT(r.status, ==, 200);
    json_t *j = simtest_json(&r);
    json_t *inst = json_object_get(json_object_get(j, "result"), "instance");
    CHECK_STR(json_string_value(json_object_get(inst, "instanceId")), id);
    CHECK_STR(json_string_value(json_object_get(inst, "status")), "creating");
    CHECK_STR(json_string_value(json_object_get(inst, "az")), "cn-north-1a");
    CHECK_STR(json_string_value(json_object_get(inst, "name")), "web");
    CHECK_INT(json_integer_value(json_object_get(inst, "bandwidth")), ==, 10);
    CHECK(json_object_get(inst, "password") == NULL);
    json_decref(j);
    simtest_release(&r);
    /* then running once 0.2 s have passed (the state is judged when described) */
    CHECK_INT(simtest_faults(port, "{\"create_seconds\":0.2}"), ==, 200);
    const char *status = "creating";
    int64_t deadline = clock_now_us() + 10000000;
    for (int i = 0; i < 500 && strcmp(status, "running") != 0 && clock_now_us() < deadline; i++) {
        simtest_sleep_ms(20);
        simtest_call(port, "GET", path, NULL, &r);
        j = simtest_json(&r);
        inst = json_object_get(json_object_get(j, "result"), "instance");
        status = strcmp(json_string_value(json_object_get(inst, "status")), "running") == 0
                     ? "running"
                     : "creating";
        json_decref(j);
        simtest_release(&r);
    }
    CHECK_STR(status, "running");
    /* the same id in another region, an id never made, a malformed one: 404 */
    snprintf(path, sizeof path, "/v1/regions/cn-east-2/instances/%s", id);
    simtest_call(port, "GET", path, NULL, &r);
    check_error(&r, 404, "NOT_FOUND", id);
    simtest_release(&r);
    simtest_call(port, "GET", "/v1/regions/cn-north-1/instances/cps-zzzzzzzzz0", NULL, &r);
    CHECK_INT(r.status, ==, 404);
    simtest_release(&r);
    simtest_call(port, "GET", "/v1/regions/cn-north-1/instances/nope", NULL, &r);
    CHECK_INT(r.status, ==, 404);
    simtest_release(&r);
    json_decref(ids);
    CHECK_INT(simtest_faults(port, "{\"create_seconds\":2}"), ==, 200);
}

/* describeInstances over a fresh state: 25 instances (5 of them in cn-east-2). */
static json_t *list(const char *query, long want_status)
{
    struct simtest_resp r;
    char path[1024];
    snprintf(path, sizeof path, "/v1/regions/cn-north-1/instances%s", query);
    simtest_call(port, "GET", path, NULL, &r);
    CHECK_INT(r.status, ==, want_status);
    json_t *j = simtest_json(&r);
    simtest_release(&r);
    json_t *res = json_incref(json_object_get(j, "result"));
    json_decref(j);
    return res;
}

static void test_describe_instances(void)
{
    struct simtest_resp r;
    char body[2048];
    CHECK_INT(simtest_faults(port, "{\"create_seconds\":1000}"), ==, 200);
    simtest_call(port, "POST", "/__sim/reset", NULL, &r);
    simtest_release(&r);
    simtest_create(port, "list-big", 50, &r);
    json_t *ids = ids_of(&r);
    simtest_release(&r);
    simtest_body(body, sizeof body, "east", 5);
    CHECK(simtest_replace(body, sizeof body, "cn-north-1a", "cn-east-2a"));
    CHECK(simtest_replace(body, sizeof body, "cn-north-1", "cn-east-2"));
    simtest_call(port, "PUT", "/v1/regions/cn-east-2/instances", body, &r);
    CHECK_INT(r.status, ==, 200);
    simtest_release(&r);
    json_t *res = list("", 200);
    CHECK_INT(json_integer_value(json_object_get(res, "totalCount")), ==, 50);
    CHECK_INT(json_array_size(json_object_get(res, "instances")), ==, 20); /* the default size */
    CHECK_INT(json_integer_value(json_object_get(res, "pageNumber")), ==, 1);
    json_decref(res);
    res = list("?pageNumber=2&pageSize=20", 200);
    json_t *page = json_object_get(res, "instances");
    CHECK_INT(json_array_size(page), ==, 20);
    CHECK_STR(json_string_value(json_object_get(json_array_get(page, 0), "instanceId")),
              json_string_value(json_array_get(ids, 20)));
    CHECK_INT(json_integer_value(json_object_get(res, "totalCount")), ==, 50);
    json_decref(res);
    res = list("?pageNumber=3&pageSize=20", 200);
    CHECK_INT(json_array_size(json_object_get(res, "instances")), ==, 10);
    json_decref(res);
    res = list("?pageNumber=9", 200);
    CHECK_INT(json_array_size(json_object_get(res, "instances")), ==, 0);
    json_decref(res);
    char q[512];
    snprintf(q, sizeof q,
             "?filters.1.name=instanceId&filters.1.values.1=%s"
             "&filters.1.values.2=%s&filters.1.values.3=cps-nothing",
             json_string_value(json_array_get(ids, 3)), json_string_value(json_array_get(ids, 1)));
    res = list(q, 200);
    page = json_object_get(res, "instances");
    CHECK_INT(json_integer_value(json_object_get(res, "totalCount")), ==, 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(page, 0), "instanceId")),
              json_string_value(json_array_get(ids, 1)));
    json_decref(res);
    res = list("?filters.1.name=status&filters.1.values.1=creating", 200);
    CHECK_INT(json_integer_value(json_object_get(res, "totalCount")), ==, 50);
    json_decref(res);
    res = list("?filters.1.name=status&filters.1.values.1=running", 200);
    CHECK_INT(json_integer_value(json_object_get(res, "totalCount")), ==, 0);
    json_decref(res);
    CHECK_INT(simtest_faults(port, "{\"create_seconds\":0}"), ==, 200);
    res = list("?filters.1.name=status&filters.1.values.1=running&filters.1.values.2=x", 200);
    CHECK_INT(json_integer_value(json_object_get(res, "totalCount")), ==, 50);
    json_decref(res);
    CHECK_INT(simtest_faults(port, "{\"p_error\":1}"), ==, 200); /* every one ends in error */
    res = list("?filters.1.name=status&filters.1.values.1=error", 200);
    CHECK_INT(json_integer_value(json_object_get(res, "totalCount")), ==, 50);
    json_decref(res);
    CHECK_INT(simtest_faults(port, "{\"p_error\":0}"), ==, 200);
    res = list("?filters.1.name=status&filters.1.values.1=error", 200);
    CHECK_INT(json_integer_value(json_object_get(res, "totalCount")), ==, 0);
    json_decref(res);
    snprintf(q, sizeof q,
             "?filters.1.name=instanceId&filters.1.values.1=%s"
             "&filters.2.name=status&filters.2.values.1=creating",
             json_string_value(json_array_get(ids, 0)));
    res = list(q, 200);
    CHECK_INT(json_integer_value(json_object_get(res, "totalCount")), ==, 0);
    json_decref(res);
    json_decref(list("?filters.1.name=color&filters.1.values.1=red", 400));
    json_decref(list("?filters.2.name=status&filters.2.values.1=running", 400));
    json_decref(list("?pageSize=0", 400));
    json_decref(list("?pageSize=19", 400));
    json_decref(list("?pageSize=101", 400));
    json_decref(list("?pageNumber=x", 400));
    json_decref(ids);
    CHECK_INT(simtest_faults(port, "{\"create_seconds\":2}"), ==, 200);
}

/* GET path; the array result.<key> (new reference). */
static json_t *catalog(unsigned p, const char *path, const char *key, long want)
{
    struct simtest_resp r;
    simtest_call(p, "GET", path, NULL, &r);
    CHECK_INT(r.status, ==, want);
    json_t *j = simtest_json(&r);
    simtest_release(&r);
    json_t *a = json_incref(json_object_get(json_object_get(j, "result"), key));
    json_decref(j);
    return a;
}

static bool has_item(json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it)
    {
        const char *v = json_string_value(json_object_get(it, key));
        if (v && strcmp(v, value) == 0)
            return true;
    }
    return false;
}

static void test_catalog_builtin(void)
{
    json_t *a = catalog(port, "/v1/regions", "regions", 200);
    CHECK(has_item(a, "region", "cn-north-1"));
    CHECK(has_item(a, "region", "cn-east-2"));
    CHECK(has_item(a, "region", "cn-south-1"));
    json_t *north = json_array_get(a, 0);
    CHECK(has_item(json_object_get(north, "azs"), "az", "cn-north-1b"));
    json_decref(a);
    a = catalog(port, "/v1/regions/cn-north-1/deviceTypes", "deviceTypes", 200);
    CHECK(has_item(a, "deviceType", "cps.c.normal"));
    size_t i;
    json_t *it;
    int sold_out = 0;
    json_array_foreach(a, i, it) sold_out += json_is_true(json_object_get(it, "isSoldOut"));
    CHECK_INT(sold_out, ==, 1);
    json_decref(a);
    a = catalog(port, "/v1/regions/cn-north-1/deviceTypes?az=cn-north-1b", "deviceTypes", 200);
    CHECK(!has_item(a, "deviceType", "cps.c.highfreq")); /* only in cn-north-1a */
    json_decref(a);
    a = catalog(port, "/v1/regions/cn-east-2/deviceTypes", "deviceTypes", 200);
    CHECK(!has_item(a, "deviceType", "cps.c.highfreq"));
    json_decref(a);
    a = catalog(port, "/v1/regions/cn-north-1/os?deviceType=cps.c.normal", "oss", 200);
    CHECK(has_item(a, "osTypeId", "bbbbbbbb-cccc-dddd-eeee-ffffffffffff"));
    CHECK(!has_item(a, "deviceType", "cps.s.normal"));
    json_decref(a);
    a = catalog(port, "/v1/regions/cn-north-1/os?deviceType=cps.c.normal&osType=Ubuntu", "oss",
                200);
    CHECK_INT(json_array_size(a), ==, 2); /* Ubuntu 18.04 and 22.04 */
    json_decref(a);
    json_decref(catalog(port, "/v1/regions/cn-north-1/os", "oss", 400));
    a = catalog(port, "/v1/regions/cn-north-1/raids?deviceType=cps.c.normal&volumeType=data",
                "raids", 200);
    CHECK(has_item(a, "raidTypeId", "r-data-raid10"));
    CHECK(!has_item(a, "raidTypeId", "r-sys-raid1"));
    json_decref(a);
    json_decref(
        catalog(port, "/v1/regions/cn-north-1/raids?deviceType=x&volumeType=tape", "raids", 400));
    a = catalog(port, "/v1/regions/cn-north-1/os/bbbbbbbb-cccc-dddd-eeee-ffffffffffff/softwares",
                "softwares", 200);
    CHECK(has_item(a, "name", "mysql"));
    CHECK_INT(json_array_size(a), ==, 2);
    json_decref(a);
    json_decref(catalog(port, "/v1/regions/xx-1/deviceTypes", "deviceTypes", 404));
    json_decref(catalog(port, "/v1/regions/xx-1/os/x/softwares", "softwares", 404));
    json_decref(catalog(port, "/v1/nothing", "x", 404));
    json_decref(catalog(port, "/v1/regions/cn-north-1/instances/a/b", "x", 404));
}

static void test_catalog_file(void)
{
    const char text[] =
        "{\"regions\":[{\"region\":\"eu-test-1\",\"regionName\":\"Test\",\"azs\":["
        "{\"region\":\"eu-test-1\",\"az\":\"eu-test-1z\",\"azName\":\"Z\"}]}],"
        "\"deviceTypes\":[{\"deviceType\":\"t.one\",\"name\":\"One\",\"isSoldOut\":false}],"
        "\"oss\":[{\"osTypeId\":\"os-9\",\"osName\":\"Nine\",\"osType\":\"Nine\","
        "\"osVersion\":\"9\",\"deviceType\":\"t.one\"}],"
        "\"raids\":[{\"raidTypeId\":\"rr\",\"raidType\":\"RAID1\",\"volumeType\":\"system\"}],"
        "\"softwares\":[{\"name\":\"s\",\"version\":\"1\",\"osTypeId\":\"os-9\"}]}";
    char path[64];
    CHECK_INT(tmpfile_write(path, text, strlen(text)), ==, 0);
    struct sim_config c;
    sim_config_default(&c);
    c.catalog_file = path;
    struct sim *s = simtest_start(&c);
    unsigned p = sim_port(s);
    json_t *a = catalog(p, "/v1/regions", "regions", 200);
    CHECK_INT(json_array_size(a), ==, 1);
    CHECK(has_item(a, "region", "eu-test-1"));
    json_decref(a);
    a = catalog(p, "/v1/regions/eu-test-1/os?deviceType=t.one", "oss", 200);
    CHECK(has_item(a, "osTypeId", "os-9"));
    json_decref(a);
    json_decref(catalog(p, "/v1/regions/cn-north-1/deviceTypes", "deviceTypes", 404));
    /* creating is allowed in the file's region only */
    struct simtest_resp r;
    simtest_create(p, "t", 1, &r);
    CHECK_INT(r.status, ==, 404);
    simtest_release(&r);
    sim_free(s);
    unlink(path);
    /* a broken file is refused with its name */
    struct sim *bad = NULL;
    char msg[256] = "";
    CHECK_INT(tmpfile_write(path, "{\"regions\":[1]}", 15), ==, 0);
    CHECK(sim_new(&c, &bad, msg, sizeof msg) != 0);
    CHECK(strstr(msg, "regions") != NULL);
    unlink(path);
    c.catalog_file = "/nonexistent/catalog.json";
    CHECK(sim_new(&c, &bad, msg, sizeof msg) != 0);
    CHECK(strstr(msg, "/nonexistent/catalog.json") != NULL);
}

/* --strict-catalog: ids must come from the catalog; without it any id goes. */
static void test_strict_catalog(void)
{
    struct sim_config c;
    sim_config_default(&c);
    c.strict_catalog = true;
    struct sim *s = simtest_start(&c);
    struct simtest_resp r;
    char body[2048];
    simtest_create(sim_port(s), "strict-1", 1, &r); /* osTypeId "os-1" is not in the catalog */
    check_error(&r, 400, "INVALID_ARGUMENT", "instanceSpec.osTypeId");
    simtest_release(&r);
    simtest_body(body, sizeof body, "strict-2", 1);
    CHECK(simtest_replace(body, sizeof body, "os-1", "bbbbbbbb-cccc-dddd-eeee-ffffffffffff"));
    simtest_call(sim_port(s), "PUT", SIMTEST_CREATE, body, &r);
    CHECK_INT(r.status, ==, 200);
    simtest_release(&r);
    CHECK(simtest_replace(body, sizeof body, "strict-2", "strict-3"));
    CHECK(simtest_replace(body, sizeof body, "cps.c.normal", "cps.gpu.1")); /* sold out */
    simtest_call(sim_port(s), "PUT", SIMTEST_CREATE, body, &r);
    check_error(&r, 400, "INVALID_ARGUMENT", "sold out");
    simtest_release(&r);
    CHECK(simtest_replace(body, sizeof body, "cps.gpu.1", "cps.c.normal"));
    CHECK(simtest_replace(body, sizeof body, "cn-north-1a", "cn-north-1z"));
    simtest_call(sim_port(s), "PUT", SIMTEST_CREATE, body, &r);
    check_error(&r, 400, "INVALID_ARGUMENT", "instanceSpec.az");
    simtest_release(&r);
    sim_free(s);
}

static void test_admin(void)
{
    struct simtest_resp r;
    simtest_call(port, "GET", "/__sim/faults", NULL, &r);
    CHECK_INT(r.status, ==, 200);
    json_t *f = simtest_json(&r);
    CHECK(json_is_real(json_object_get(f, "p503")));
    CHECK_INT(json_integer_value(json_object_get(f, "limit_status")), ==, 503);
    CHECK_INT(json_integer_value(json_object_get(f, "seed")), ==, 1);
    json_decref(f);
    simtest_release(&r);
    simtest_call(port, "POST", "/__sim/faults", "{\"p500\":0.25,\"quota\":100}", &r);
    CHECK_INT(r.status, ==, 200);
    f = simtest_json(&r);
    CHECK_DBL(json_real_value(json_object_get(f, "p500")), ==, 0.25);
    simtest_release(&r);
    json_decref(f);
    simtest_call(port, "GET", "/__sim/faults", NULL, &r);
    f = simtest_json(&r);
    CHECK_DBL(json_real_value(json_object_get(f, "p500")), ==, 0.25);
    CHECK_INT(json_integer_value(json_object_get(f, "quota")), ==, 100);
    json_decref(f);
    simtest_release(&r);
    simtest_call(port, "POST", "/__sim/faults", "{\"p500\":7}", &r);
    check_error(&r, 400, "INVALID_ARGUMENT", "p500");
    simtest_release(&r);
    simtest_call(port, "POST", "/__sim/faults", "{nope", &r);
    CHECK_INT(r.status, ==, 400);
    simtest_release(&r);
    CHECK_INT(simtest_faults(port, "{\"p500\":0,\"quota\":-1}"), ==, 200);
    simtest_call(port, "GET", "/__sim/other", NULL, &r);
    CHECK_INT(r.status, ==, 404);
    simtest_release(&r);
    /* stats shape, and a reset that clears it */
    simtest_create(port, "admin-tok", 1, &r);
    simtest_release(&r);
    json_t *s = simtest_stats(port);
    const char *ints[] = {"requests",     "creates",        "replays",
                          "instances",    "resets_before",  "resets_after",
                          "rate_limited", "quota_exceeded", "arrivals_max_1s"};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        CHECK(json_is_integer(json_object_get(s, ints[i])));
    CHECK(json_is_object(json_object_get(s, "by_status")));
    CHECK(json_is_object(json_object_get(s, "by_api")));
    CHECK(json_is_array(json_object_get(s, "arrivals_per_s")));
    CHECK(json_is_object(json_object_get(s, "tokens")));
    CHECK(json_object_get(json_object_get(s, "tokens"), "admin-tok") != NULL);
    CHECK(json_integer_value(json_object_get(json_object_get(s, "by_status"), "200")) >= 1);
    json_decref(s);
    simtest_call(port, "GET", "/__sim/stats?tokens=0", NULL, &r);
    s = simtest_json(&r);
    CHECK(json_object_get(s, "tokens") == NULL);
    CHECK(json_object_get(s, "token_ids") == NULL);
    json_decref(s);
    simtest_release(&r);
    simtest_call(port, "POST", "/__sim/reset", NULL, &r);
    CHECK_INT(r.status, ==, 200);
    simtest_release(&r);
    s = simtest_stats(port);
    CHECK_INT(json_integer_value(json_object_get(s, "requests")), ==, 0);
    CHECK_INT(json_integer_value(json_object_get(s, "instances")), ==, 0);
    CHECK_INT(json_object_size(json_object_get(s, "tokens")), ==, 0);
    CHECK_INT(json_array_size(json_object_get(s, "arrivals_per_s")), ==, 0);
    json_decref(s);
    /* the token was forgotten: it creates again */
    simtest_create(port, "admin-tok", 1, &r);
    simtest_release(&r);
    CHECK_INT(simtest_stat(port, "creates"), ==, 1);
}

/* A TLS certificate needs its key and the other way round; files that cannot be read, or are
 * empty, are refused with their names. */
static void test_tls_files(void)
{
    struct sim_config c;
    struct sim *bad = NULL;
    char msg[256] = "", empty[64], other[64];
    sim_config_default(&c);
    c.tls_cert_file = "/nonexistent/cert.pem";
    CHECK_INT(sim_new(&c, &bad, msg, sizeof msg), ==, ERR_INVALID);
    CHECK_STR(msg, "TLS needs both a certificate and its key");
    c.tls_key_file = "/nonexistent/key.pem";
    CHECK_INT(sim_new(&c, &bad, msg, sizeof msg), ==, ERR_IO);
    CHECK_STR(msg, "cannot read the TLS certificate /nonexistent/cert.pem: No such file or "
                   "directory");
    CHECK_INT(tmpfile_write(empty, "", 0), ==, 0);
    c.tls_cert_file = empty;
    CHECK_INT(sim_new(&c, &bad, msg, sizeof msg), ==, ERR_PARSE);
    CHECK(strstr(msg, empty) != NULL && strstr(msg, "is empty") != NULL);
    CHECK_INT(tmpfile_write(other, "PEM", 3), ==, 0);
    c.tls_cert_file = other; /* read; then the key is not there */
    CHECK_INT(sim_new(&c, &bad, msg, sizeof msg), ==, ERR_IO);
    CHECK_STR(msg, "cannot read the TLS key /nonexistent/key.pem: No such file or directory");
    CHECK(bad == NULL);
    unlink(empty);
    unlink(other);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct sim *s = simtest_start(NULL);
    port = sim_port(s);
    CHECK_INT(port, >, 0);
    test_create_and_replay();
    test_create_errors();
    test_too_big();
    test_too_big_chunked();
    test_describe_instance();
    test_describe_instances();
    test_catalog_builtin();
    test_catalog_file();
    test_strict_catalog();
    test_admin();
    test_tls_files();
    sim_free(s);
    curl_global_cleanup();
    return check_done();
}
