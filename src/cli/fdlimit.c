/* fdlimit.c - the open-files limit and the concurrency it allows (fdlimit.h). */
#include "fdlimit.h"

#include <limits.h>
#include <stdio.h>
#include <sys/resource.h>

long fdlimit_raise(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return LONG_MAX;
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit want = {rl.rlim_max, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &want) == 0)
            rl.rlim_cur = rl.rlim_max;
    }
    return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > LONG_MAX ? LONG_MAX : (long)rl.rlim_cur;
}

int fdlimit_cap(int concurrency, int per_request, long limit, const char *option)
{
    long room = (limit - FDLIMIT_RESERVE) / (per_request > 0 ? per_request : 1);
    if (room < 1)
        room = 1;
    if (concurrency <= room)
        return concurrency;
    fprintf(stderr,
            "cpsbatch: %s %d needs more open files than the limit allows (%ld, ulimit -n): "
            "using %ld\n",
            option, concurrency, limit, room);
    return (int)room;
}
