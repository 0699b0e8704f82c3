/* report.c - choosing a report's format and where it goes; see report.h. */
#include "report.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "outfile.h"
#include "reporthtml.h"
#include "reportjson.h"
#include "reporttext.h"

bool report_parse_format(const char *arg, enum report_format *out)
{
    static const char *const names[] = {"text", "json", "html"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(arg, names[i]) == 0) {
            *out = (enum report_format)i;
            return true;
        }
    }
    fprintf(stderr, "cpsbatch: --report must be text, json or html, got '%s'\n", arg);
    return false;
}

void report_threshold_values(const struct loadstats *s, struct threshold_values *out)
{
    for (int i = 0; i < THRESHOLD_LATENCIES; i++)
        out->latency_us[i] = hist_percentile(s->latency, report_percentiles[i].p);
    out->timed = hist_count(s->latency);
    out->requests = s->requests;
    out->errors = s->errors;
    out->rate = loadstats_achieved_rate(s);
}

static int render(FILE *out, enum report_format f, const struct report_info *info,
                  const struct loadstats *s)
{
    if (f == REPORT_TEXT)
        return reporttext_write(out, info, s);
    if (f == REPORT_HTML)
        return reporthtml_write(out, info, s);
    json_t *doc = reportjson_build(info, s); /* new */
    if (!doc)
        return ERR_NOMEM;
    size_t flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10);
    int rc = json_dumpf(doc, out, flags) ? ERR_IO : 0;
    json_decref(doc);
    if (!rc && fputc('\n', out) == EOF)
        rc = ERR_IO;
    return rc;
}

/* Write to path through outfile.h: aside and renamed, a device as it is. */
static int write_file(enum report_format f, const struct report_info *info,
                      const struct loadstats *s, const char *path)
{
    struct outfile out;
    int rc = outfile_open(&out, path);
    if (!rc) {
        rc = render(out.f, f, info, s);
        if (rc) {
            int saved = errno;
            outfile_abandon(&out);
            errno = saved;
        } else
            rc = outfile_commit(&out);
    }
    if (rc)
        fprintf(stderr, "cpsbatch: cannot write the report %s: %s\n", path,
                rc == ERR_IO && errno ? strerror(errno) : err_str(rc));
    return rc;
}

int report_write(enum report_format f, const struct report_info *info, const struct loadstats *s,
                 const char *path)
{
    if (path && strcmp(path, "-") != 0)
        return write_file(f, info, s, path);
    int rc = render(stdout, f, info, s);
    if (fflush(stdout) != 0)
        rc = rc ? rc : ERR_IO;
    if (rc)
        fprintf(stderr, "cpsbatch: cannot write the report: %s\n", err_str(rc));
    return rc;
}
