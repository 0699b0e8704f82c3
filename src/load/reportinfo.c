/* reportinfo.c - the percentiles every report shows (reportinfo.h). */
#include "reportinfo.h"

const struct report_percentile report_percentiles[REPORT_PERCENTILES] = {
    {50, "p50", "p50"},      {90, "p90", "p90"},         {99, "p99", "p99"},
    {99.9, "p999", "p99.9"}, {99.99, "p9999", "p99.99"}, {100, "max", "max"},
};
