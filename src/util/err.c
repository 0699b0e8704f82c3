#include "err.h"

const char *err_str(int code)
{
    switch (code) {
    case ERR_OK: return "success";
    case ERR_NOMEM: return "out of memory";
    case ERR_IO: return "input/output error";
    case ERR_INVALID: return "invalid value";
    case ERR_PARSE: return "malformed input";
    case ERR_NOTFOUND: return "not found";
    case ERR_LOCKED: return "locked by another process";
    case ERR_CORRUPT: return "corrupt file";
    case ERR_RANGE: return "out of range";
    case ERR_NET: return "network error";
    case ERR_AUTH: return "authentication failed";
    case ERR_STOPPED: return "stopped";
    }
    return "unknown error";
}
