/* process_madvise and process_mrelease through pidfds: the caller may give itself any advice,
 * another process only the non-destructive hints (MADV_COLD, MADV_PAGEOUT, MADV_WILLNEED);
 * the answer is the bytes advised before the first failure. process_mrelease wants a process
 * that is dying (EINVAL while it lives, ESRCH once its memory is gone). */
#include "compat.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define NR_pidfd_open 434
#define NR_process_madvise 440
#define NR_process_mrelease 448
#define MADV_WILLNEED_ 3
#define MADV_DONTNEED_ 4
#define MADV_COLD_ 20
#define MADV_PAGEOUT_ 21
#define PIDFD_SELF_THREAD_ -10000
#define PIDFD_SELF_THREAD_GROUP_ -10001

static long pm(int pidfd, struct iovec *v, size_t n, int advice, unsigned flags)
{
    return syscall(NR_process_madvise, pidfd, v, n, advice, flags);
}

#define SHOW(what, expr)                                                                 \
    do {                                                                                 \
        errno = 0;                                                                       \
        long r_ = (long)(expr);                                                          \
        printf("%s: %ld errno %d\n", what, r_, r_ < 0 ? errno : 0);                     \
    } while (0)

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    long page = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(m, 'x', 4 * page);
    munmap(m + 3 * page, page); /* a hole after three pages */
    int self = syscall(NR_pidfd_open, getpid(), 0);
    CHECK_ERR(self >= 0, "pidfd_open(self)");

    /* The caller's own memory: any advice madvise takes. */
    struct iovec v[3] = {{m, page}, {m + page, 2 * page}, {m + 3 * page, page}};
    SHOW("self MADV_COLD over two ranges", pm(self, v, 2, MADV_COLD_, 0));
    SHOW("self MADV_DONTNEED", pm(self, v, 1, MADV_DONTNEED_, 0));
    CHECK(m[0] == 0 && m[page] == 'x', "MADV_DONTNEED cleared the first page only");
    SHOW("self, the third range a hole (bytes of the first two)", pm(self, v, 3, MADV_WILLNEED_, 0));
    SHOW("self, only the hole", pm(self, v + 2, 1, MADV_WILLNEED_, 0));
    SHOW("self, no ranges", pm(self, v, 0, MADV_COLD_, 0));
    struct iovec odd = {m + 1, page};
    SHOW("self, unaligned start", pm(self, &odd, 1, MADV_COLD_, 0));
    struct iovec empty = {m + 1, 0};
    SHOW("self, an empty unaligned range", pm(self, &empty, 1, MADV_COLD_, 0));
    SHOW("self, bad advice", pm(self, v, 1, 12345, 0));
    SHOW("flags 1", pm(self, v, 1, MADV_COLD_, 1));
    SHOW("vlen 1025", pm(self, v, 1025, MADV_COLD_, 0));
    SHOW("a bad iovec pointer", pm(self, (struct iovec *)8, 1, MADV_COLD_, 0));
    SHOW("PIDFD_SELF_THREAD_GROUP", pm(PIDFD_SELF_THREAD_GROUP_, v, 1, MADV_PAGEOUT_, 0));
    SHOW("PIDFD_SELF_THREAD", pm(PIDFD_SELF_THREAD_, v, 1, MADV_PAGEOUT_, 0));
    SHOW("fd -10002", pm(-10002, v, 1, MADV_PAGEOUT_, 0));
    SHOW("fd -1", pm(-1, v, 1, MADV_COLD_, 0));
    SHOW("not a pidfd (stdin)", pm(0, v, 1, MADV_COLD_, 0));
    SHOW("flags checked before the pidfd", pm(-1, v, 1, MADV_COLD_, 2));

    /* Another process: the same mapping exists in a fork child. */
    int ready[2], go[2];
    pipe(ready);
    pipe(go);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        write(ready[1], "r", 1);
        read(go[0], &c, 1);
        _exit(m[page] == 'x' ? 0 : 1);
    }
    char c;
    read(ready[0], &c, 1);
    int child = syscall(NR_pidfd_open, pid, 0);
    SHOW("child MADV_COLD", pm(child, v + 1, 1, MADV_COLD_, 0));
    SHOW("child MADV_PAGEOUT", pm(child, v, 2, MADV_PAGEOUT_, 0));
    SHOW("child MADV_WILLNEED", pm(child, v, 1, MADV_WILLNEED_, 0));
    SHOW("child MADV_DONTNEED (destructive)", pm(child, v, 1, MADV_DONTNEED_, 0));
    SHOW("child, a hole", pm(child, v + 2, 1, MADV_COLD_, 0));
    SHOW("process_mrelease of a live child", syscall(NR_process_mrelease, child, 0));
    SHOW("process_mrelease flags 1", syscall(NR_process_mrelease, child, 1));
    SHOW("process_mrelease of self", syscall(NR_process_mrelease, self, 0));
    SHOW("process_mrelease fd -1", syscall(NR_process_mrelease, -1, 0));
    SHOW("process_mrelease not a pidfd", syscall(NR_process_mrelease, 0, 0));
    write(go[1], "g", 1);
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child's memory kept its contents");
    SHOW("process_madvise of a reaped child", pm(child, v, 1, MADV_COLD_, 0));
    SHOW("process_mrelease of a reaped child", syscall(NR_process_mrelease, child, 0));
    close(child);

    /* A zombie has no memory any more. */
    pid = fork();
    if (pid == 0)
        _exit(0);
    child = syscall(NR_pidfd_open, pid, 0);
    siginfo_t si;
    waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
    SHOW("process_madvise of a zombie", pm(child, v, 1, MADV_COLD_, 0));
    SHOW("process_mrelease of a zombie", syscall(NR_process_mrelease, child, 0));
    waitpid(pid, &st, 0);
    close(child);

    /* A killed child: dying (0) or already gone (ESRCH), depending on who runs first. */
    pipe(ready);
    pid = fork();
    if (pid == 0) {
        write(ready[1], "r", 1);
        for (;;)
            pause();
    }
    read(ready[0], &c, 1);
    child = syscall(NR_pidfd_open, pid, 0);
    kill(pid, SIGKILL);
    errno = 0;
    long r = syscall(NR_process_mrelease, child, 0);
    CHECK(r == 0 || (r == -1 && errno == ESRCH), "process_mrelease of a killed child: 0 or ESRCH");
    waitpid(pid, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the child was killed");
    return t_done();
}
