/* reporttext.h - the text report: a few aligned lines, like wrk's or vegeta's. */
#ifndef CPSBATCH_REPORTTEXT_H
#define CPSBATCH_REPORTTEXT_H

#include <stdio.h>

#include "loadstats.h"
#include "reportinfo.h"

/* Write the report to out. Returns 0 or ERR_IO. */
int reporttext_write(FILE *out, const struct report_info *info, const struct loadstats *s);

#endif
