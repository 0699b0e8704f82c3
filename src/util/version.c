/* version.c - the version text (version.h); the value is generated at build time. */
#include "version.h"

#include "version_text.h"

const char *cps_version(void)
{
    return CPS_VERSION_TEXT;
}
