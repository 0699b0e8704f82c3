/* test_signals.c - Ctrl-C and SIGTERM: the first signal sets the stop flag and says so once;
 * the second either counts (load) or ends the process at once with exit status 3 (run, tried
 * in a child process). */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture.h"
#include "check.h"
#include "exitcode.h"
#include "signals.h"

static const char says_counts[] = "\ncpsbatch: stopping: letting requests in flight finish "
                                  "(again to cut them off)\n";
static const char says_exits[] = "\ncpsbatch: stopping: letting requests in flight finish "
                                 "(again to stop at once)\n";

static void test_second_counts(void)
{
    struct capture err;
    signals_catch(SIGNALS_SECOND_COUNTS);
    CHECK_INT(atomic_load(signals_stop_flag()), ==, 0);
    capture_begin(&err, stderr);
    raise(SIGINT);
    CHECK_INT(atomic_load(signals_stop_flag()), ==, 1);
    raise(SIGTERM);
    raise(SIGINT);
    CHECK_INT(atomic_load(signals_stop_flag()), ==, 3);
    CHECK_STR(capture_end(&err), says_counts); /* said once, on the first */
}

static void test_catch_again_starts_over(void)
{
    struct capture err;
    signals_catch(SIGNALS_SECOND_COUNTS);
    CHECK_INT(atomic_load(signals_stop_flag()), ==, 0);
    capture_begin(&err, stderr);
    raise(SIGTERM);
    CHECK_STR(capture_end(&err), says_counts);
    CHECK_INT(atomic_load(signals_stop_flag()), ==, 1);
}

/* In a child whose stderr is a pipe: catch, one signal (the child goes on), a second (it must
 * not get past). */
static void child_signalled_twice(int fd)
{
    dup2(fd, STDERR_FILENO);
    signals_catch(SIGNALS_SECOND_EXITS);
    raise(SIGINT);
    if (atomic_load(signals_stop_flag()) != 1)
        _exit(90);
    raise(SIGINT);
    _exit(91);
}

static void test_second_exits(void)
{
    int fds[2];
    CHECK_INT(pipe(fds), ==, 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        child_signalled_twice(fds[1]);
    close(fds[1]);
    char said[256] = "";
    ssize_t n = read(fds[0], said, sizeof(said) - 1);
    said[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    int status = 0;
    CHECK_INT(waitpid(pid, &status, 0), ==, pid);
    CHECK(WIFEXITED(status));
    CHECK_INT(WEXITSTATUS(status), ==, EXIT_INCOMPLETE);
    CHECK_STR(said, says_exits);
}

int main(void)
{
    test_second_counts();
    test_catch_again_starts_over();
    test_second_exits();
    return check_done();
}
