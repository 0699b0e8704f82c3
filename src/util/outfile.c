/* outfile.c - written aside and renamed, devices as they are; see outfile.h. */
#include "outfile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"

static void release(struct outfile *o)
{
    free(o->tmp);
    free(o->path);
    *o = (struct outfile){0};
}

int outfile_open(struct outfile *o, const char *path)
{
    *o = (struct outfile){0};
    struct stat st;
    bool in_place = stat(path, &st) == 0 && !S_ISREG(st.st_mode);
    o->path = strdup(path);
    size_t len = strlen(path) + 32;
    o->tmp = in_place ? NULL : malloc(len);
    if (!o->path || (!in_place && !o->tmp)) {
        release(o);
        return ERR_NOMEM;
    }
    if (o->tmp)
        snprintf(o->tmp, len, "%s.tmp.%ld", path, (long)getpid());
    o->f = fopen(o->tmp ? o->tmp : path, "w");
    if (!o->f) {
        int saved = errno;
        release(o);
        errno = saved;
        return ERR_IO;
    }
    return 0;
}

int outfile_commit(struct outfile *o)
{
    int rc = 0, saved = 0;
    if (fflush(o->f) != 0 || ferror(o->f) || (o->tmp && fsync(fileno(o->f)) != 0)) {
        rc = ERR_IO;
        saved = errno;
    }
    if (fclose(o->f) != 0 && !rc) {
        rc = ERR_IO;
        saved = errno;
    }
    if (!rc && o->tmp && rename(o->tmp, o->path) != 0) {
        rc = ERR_IO;
        saved = errno;
    }
    if (rc && o->tmp)
        unlink(o->tmp);
    release(o);
    errno = saved;
    return rc;
}

void outfile_abandon(struct outfile *o)
{
    if (o->f)
        fclose(o->f);
    if (o->tmp)
        unlink(o->tmp);
    release(o);
}
