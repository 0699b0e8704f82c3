/* curl_floor.c - the fastest a libcurl-multi client goes here: the floor under `cpsbatch load`.
 *
 *   curl_floor URL BODY_FILE CONNECTIONS SECONDS [HEADER_FILE]
 *
 * One thread, one multi handle, CONNECTIONS easy handles kept busy (closed loop) for SECONDS:
 * each PUTs the body of BODY_FILE with its clientToken's first 8 hex digits rewritten per
 * request (fresh tokens, as cpsbatch and bench/sim_create.lua send), the URL parsed once
 * (CURLOPT_CURLU), no signing, no measurement, nothing else. With HEADER_FILE its lines
 * ("Name: value") go out too, the same on every request: bench/load.sh gives it the headers
 * of a signed call as cpsbatch sends them (signed once), since what libcurl spends per request
 * grows with the bytes of header it writes (libcurl 7.88 formats them a byte at a time).
 * One thread because on the 2-core machine the server needs the other core (two threads
 * measured slower). Prints "REQ_PER_S US_CPU_PER_REQUEST FAILED".
 *
 * bench/load.sh builds it (cc -O2 ... -lcurl) and runs it next to cpsbatch, wrk and hey, so the
 * figures say how much of what cpsbatch costs is libcurl's. Not part of the product.
 */
#define _GNU_SOURCE /* memmem */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define MAX_BODY 65536
#define MAX_CONNECTIONS 1024

struct slot {
    CURL *easy;
    char *body;
    char *token; /* into body: the clientToken's value, or NULL */
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t discard(char *data, size_t size, size_t n, void *arg)
{
    (void)data, (void)arg;
    return size * n;
}

static void fresh_token(struct slot *s, unsigned *seed)
{
    static const char hex[] = "0123456789abcdef";
    if (s->token)
        for (int i = 0; i < 8; i++)
            s->token[i] = hex[rand_r(seed) & 15];
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: curl_floor URL BODY_FILE CONNECTIONS SECONDS [HEADER_FILE]\n");
        return 2;
    }
    const char *url = argv[1];
    int conns = atoi(argv[3]), seconds = atoi(argv[4]);
    static char body[MAX_BODY];
    FILE *f = fopen(argv[2], "rb");
    size_t len = f ? fread(body, 1, sizeof body, f) : 0;
    if (f)
        fclose(f);
    if (len == 0 || conns < 1 || conns > MAX_CONNECTIONS || seconds < 1) {
        fprintf(stderr, "curl_floor: bad arguments\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conns);
    CURLU *parsed = curl_url();
    if (curl_url_set(parsed, CURLUPART_URL, url, 0) != CURLUE_OK) {
        fprintf(stderr, "curl_floor: bad URL\n");
        return 2;
    }
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");
    FILE *hf = argc == 6 ? fopen(argv[5], "r") : NULL;
    if (argc == 6 && !hf) {
        fprintf(stderr, "curl_floor: cannot read %s\n", argv[5]);
        return 2;
    }
    char line[1024];
    while (hf && fgets(line, sizeof line, hf)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            headers = curl_slist_append(headers, line);
    }
    if (hf)
        fclose(hf);
    static struct slot slots[MAX_CONNECTIONS];
    for (int i = 0; i < conns; i++) {
        struct slot *s = &slots[i];
        s->body = malloc(len);
        memcpy(s->body, body, len);
        char *p = memmem(s->body, len, "\"clientToken\":\"", 15);
        s->token = p && p + 15 + 8 <= s->body + len ? p + 15 : NULL;
        s->easy = curl_easy_init();
        curl_easy_setopt(s->easy, CURLOPT_CURLU, parsed); /* not parsed again per request */
        curl_easy_setopt(s->easy, CURLOPT_CUSTOMREQUEST, "PUT");
        curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body);
        curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE, (long)len);
        curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(s->easy, CURLOPT_PRIVATE, (void *)s);
        curl_multi_add_handle(multi, s->easy);
    }
    unsigned seed = 1;
    long done = 0, failed = 0;
    double t0 = now_s(), end = t0 + seconds;
    int running = 1;
    while (now_s() < end) {
        curl_multi_perform(multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(multi, &left)) != NULL) {
            if (m->msg != CURLMSG_DONE)
                continue;
            CURL *e = m->easy_handle;
            long status = 0;
            char *priv = NULL;
            failed += m->data.result != CURLE_OK ||
                      (curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status), status != 200);
            curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
            curl_multi_remove_handle(multi, e);
            done++;
            fresh_token((struct slot *)(void *)priv, &seed);
            curl_multi_add_handle(multi, e);
        }
        curl_multi_poll(multi, NULL, 0, 100, NULL);
    }
    double elapsed = now_s() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    printf("%.0f %.1f %ld\n", (double)done / elapsed, done ? cpu * 1e6 / (double)done : 0.0,
           failed);
    for (int i = 0; i < conns; i++) {
        curl_multi_remove_handle(multi, slots[i].easy);
        curl_easy_cleanup(slots[i].easy);
        free(slots[i].body);
    }
    curl_slist_free_all(headers);
    curl_url_cleanup(parsed);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    return 0;
}
