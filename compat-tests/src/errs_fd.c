/* Descriptor calls as LTP-style syscall tests probe them: dup/dup2/dup3 (same descriptor, bad
 * flags, targets at and past RLIMIT_NOFILE), fcntl (F_DUPFD limits, which F_SETFL flags change,
 * what an O_PATH descriptor allows, F_SETPIPE_SZ/F_GETPIPE_SZ rounding and EBUSY, record-lock
 * argument errors, F_OFD_* rules), flock, close_range flags, pipe2 flags, and EMFILE under a
 * small RLIMIT_NOFILE. Each line prints the raw result and errno; the native run is the reference.
 * Nothing depends on the host's own limits or capabilities (no pipe sizes past pipe-max-size). */
#include "compat.h"
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(int line, const char *what, long r, int e)
{
    if (r < 0) printf("%d %s: -1 errno %d\n", line, what, e);
    else printf("%d %s: %ld\n", line, what, r);
}
/* musl's dup3 wrapper reworks some flags itself: the raw call. */
#define dup3(a, b, c) syscall(SYS_dup3, a, b, c)
#define P(x) do { errno = 0; long r_ = (long)(x); int e_ = errno; show(__LINE__, #x, r_, e_); } while (0)

static struct rlimit nofile;

static void set_nofile(rlim_t cur)
{
    struct rlimit rl = {cur, nofile.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) printf("setrlimit %lu failed %d\n", (unsigned long)cur, errno);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    syscall(SYS_close_range, 3, ~0U, 0);          /* whatever the harness left open: numbers below are fixed */
    getrlimit(RLIMIT_NOFILE, &nofile);
    set_nofile(1024);
    mkdir("/tmp/compat-errs_fd", 0755);
    if (chdir("/tmp/compat-errs_fd") != 0) { printf("chdir failed\n"); return 1; }
    int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    int ro = open("f", O_RDONLY);
    int pfd = open("f", O_PATH);
    int dfd = open(".", O_RDONLY);
    int pp[2];
    if (fd != 3 || ro != 4 || pfd != 5 || dfd != 6 || pipe(pp) != 0) { printf("setup failed\n"); return 1; }

    /* dup, dup2, dup3 */
    P(dup(-1));
    P(dup(999));
    P(dup(pfd));
    P(close(9));
    P(dup2(fd, -1));
    P(dup2(fd, 1023));
    P(close(1023));
    P(dup2(fd, 1024));
    P(dup2(fd, 65536));
    P(dup2(-1, 50));
    P(dup2(fd, fd));
    P(dup2(99, 99));
    P(dup3(fd, fd, 0));
    P(dup3(fd, 50, 1));
    P(dup3(fd, 50, O_NONBLOCK));
    P(dup3(fd, 50, O_CLOEXEC));
    P(fcntl(50, F_GETFD));
    P(dup3(-1, 50, 0));
    P(dup3(99, 99, 0));
    P(dup3(fd, -1, 0));
    P(dup3(fd, 1024, 0));
    P(close(50));

    /* fcntl: F_DUPFD and descriptor flags */
    P(fcntl(fd, F_DUPFD, -1));
    P(fcntl(fd, F_DUPFD, 1024));
    P(fcntl(fd, F_DUPFD, 1023));
    P(fcntl(fd, F_DUPFD, 1023));
    P(close(1023));
    P(fcntl(fd, F_DUPFD_CLOEXEC, 100));
    P(fcntl(100, F_GETFD));
    P(close(100));
    P(fcntl(fd, F_SETFD, 0xff));
    P(fcntl(fd, F_GETFD));
    P(fcntl(fd, F_SETFD, 0));
    P(fcntl(fd, 9999));
    P(fcntl(-1, F_GETFD));
    P(fcntl(-1, 9999));

    /* F_SETFL changes O_APPEND, O_NONBLOCK, O_NOATIME (and O_DIRECT where supported): not the
     * access mode, creation flags or O_SYNC/O_DSYNC */
    P(fcntl(fd, F_GETFL));
    P(fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK | O_RDONLY | O_CREAT | O_TRUNC | O_EXCL | O_NOATIME | O_SYNC | O_DSYNC));
    P(fcntl(fd, F_GETFL));
    P(fcntl(fd, F_SETFL, 0));
    P(fcntl(fd, F_GETFL));
    P(fcntl(pp[0], F_SETFL, O_DIRECT));
    P(fcntl(pp[0], F_GETFL));
    P(fcntl(pp[0], F_SETFL, 0));

    /* an O_PATH descriptor: dup, F_GETFD/F_SETFD and F_GETFL only */
    P(fcntl(pfd, F_GETFL));
    P(fcntl(pfd, F_SETFL, O_NONBLOCK));
    P(fcntl(pfd, F_GETFD));
    P(fcntl(pfd, F_SETFD, 1));
    P(fcntl(pfd, F_SETFD, 0));
    P(fcntl(pfd, F_DUPFD, 0));
    P(close(9));
    struct flock zero = {0};
    P(fcntl(pfd, F_GETLK, &zero));
    P(fcntl(pfd, F_GETPIPE_SZ));
    P(fcntl(pfd, F_GETOWN));
    P(flock(pfd, LOCK_SH));

    /* pipe sizes */
    P(fcntl(fd, F_GETPIPE_SZ));
    P(fcntl(fd, F_SETPIPE_SZ, 4096));
    P(fcntl(pp[0], F_GETPIPE_SZ));
    P(fcntl(pp[0], F_SETPIPE_SZ, 0));
    P(fcntl(pp[0], F_GETPIPE_SZ));
    P(fcntl(pp[0], F_SETPIPE_SZ, 1));
    P(fcntl(pp[0], F_SETPIPE_SZ, 4097));
    P(fcntl(pp[1], F_GETPIPE_SZ));
    P(fcntl(pp[1], F_SETPIPE_SZ, 1 << 20));
    P(fcntl(pp[0], F_GETPIPE_SZ));
    P(fcntl(pp[1], F_SETPIPE_SZ, -1));
    P(fcntl(pp[1], F_SETPIPE_SZ, 100000));
    P(fcntl(pp[0], F_GETPIPE_SZ));
    static char big[70000];
    memset(big, 1, sizeof big);
    fcntl(pp[1], F_SETFL, O_NONBLOCK);
    P(fcntl(pp[1], F_SETPIPE_SZ, 65536));
    P(write(pp[1], big, 70000));
    P(fcntl(pp[1], F_SETPIPE_SZ, 4096));
    P(fcntl(pp[1], F_SETPIPE_SZ, 131072));
    P(write(pp[1], big, 70000));
    P(read(pp[0], big, 70000));
    P(read(pp[0], big, 70000));
    P(fcntl(pp[1], F_SETPIPE_SZ, 4096));
    P(fcntl(pp[0], F_GETPIPE_SZ));
    P(write(pp[1], big, 5000));
    P(write(pp[1], big, 5000));
    P(read(pp[0], big, 70000));

    /* record locks: argument errors */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    P(fcntl(ro, F_SETLK, &fl));
    fl.l_type = F_RDLCK;
    P(fcntl(ro, F_SETLK, &fl));
    fl.l_type = 99;
    P(fcntl(fd, F_SETLK, &fl));
    P(fcntl(fd, F_GETLK, &fl));
    fl.l_type = F_RDLCK; fl.l_whence = 9;
    P(fcntl(fd, F_SETLK, &fl));
    P(fcntl(fd, F_GETLK, &fl));
    fl.l_whence = SEEK_SET; fl.l_start = -5;
    P(fcntl(fd, F_SETLK, &fl));
    P(fcntl(fd, F_GETLK, &fl));
    fl.l_start = 5; fl.l_len = -10;
    P(fcntl(fd, F_SETLK, &fl));
    fl.l_start = 5; fl.l_len = -5;
    P(fcntl(fd, F_SETLK, &fl));
    fl.l_start = LLONG_MAX; fl.l_len = 2;
    P(fcntl(fd, F_SETLK, &fl));
    fl.l_start = LLONG_MAX; fl.l_len = 1;
    P(fcntl(fd, F_SETLK, &fl));
    fl.l_whence = SEEK_END; fl.l_start = LLONG_MAX; fl.l_len = 1;
    P(lseek(fd, 0, SEEK_END));
    P(fcntl(fd, F_SETLK, &fl));
    fl.l_whence = SEEK_SET; fl.l_start = 0; fl.l_len = 0; fl.l_type = F_UNLCK;
    P(fcntl(fd, F_GETLK, &fl));
    P(fcntl(fd, F_SETLK, &fl));
    P(fcntl(fd, F_SETLK, NULL));
    P(fcntl(fd, F_GETLK, (void *)1));
    P(fcntl(ro, F_SETLK, &fl));
    fl.l_type = F_WRLCK; fl.l_pid = 5;
    P(fcntl(fd, F_OFD_SETLK, &fl));
    P(fcntl(fd, F_OFD_GETLK, &fl));
    fl.l_pid = 0;
    P(fcntl(fd, F_OFD_SETLK, &fl));
    fl.l_type = F_RDLCK;
    P(fcntl(fd, F_OFD_GETLK, &fl));
    P(fl.l_type);
    P(fl.l_pid);
    fl.l_type = F_UNLCK; fl.l_pid = 0;
    P(fcntl(fd, F_OFD_SETLK, &fl));

    /* flock */
    P(flock(fd, 0));
    P(flock(fd, LOCK_SH | LOCK_EX));
    P(flock(fd, LOCK_NB));
    P(flock(-1, LOCK_EX));
    P(flock(fd, LOCK_EX | LOCK_NB));
    P(flock(ro, LOCK_SH | LOCK_NB));
    P(flock(fd, LOCK_UN));
    P(flock(fd, LOCK_UN | LOCK_NB));
    P(flock(dfd, LOCK_EX));

    /* close_range */
    P(syscall(SYS_close_range, 10, 5, 0));
    P(syscall(SYS_close_range, 0, ~0U, 8));
    P(syscall(SYS_close_range, 500, ~0U, 0));
    P(syscall(SYS_close_range, 2000, 3000, 0));
    P(dup2(fd, 60));
    P(dup2(fd, 61));
    P(syscall(SYS_close_range, 60, 61, 4));
    P(fcntl(60, F_GETFD));
    P(fcntl(61, F_GETFD));
    P(syscall(SYS_close_range, 60, 60, 2));
    P(fcntl(60, F_GETFD));
    P(syscall(SYS_close_range, 61, ~0U, 6));
    P(fcntl(61, F_GETFD));
    P(close(61));

    /* pipe2 */
    int q[2];
    P(pipe2(q, O_RDWR));
    P(pipe2(q, O_APPEND));
    P(pipe2(q, O_NOATIME));
    P(pipe2(q, O_PATH));
    P(pipe2(q, O_EXCL));
    P(pipe2((int *)1, 0));
    P(pipe2(NULL, 0));
    P(pipe2(q, O_DIRECT | O_CLOEXEC | O_NONBLOCK));
    P(fcntl(q[0], F_GETFL));
    P(fcntl(q[1], F_GETFL));
    P(fcntl(q[0], F_GETFD));
    close(q[0]);
    close(q[1]);

    /* EMFILE: new descriptors stay below RLIMIT_NOFILE; dup2 past it is EBADF, F_DUPFD EINVAL */
    set_nofile(20);
    P(dup2(fd, 20));
    P(dup2(fd, 19));
    P(close(19));
    P(fcntl(fd, F_DUPFD, 20));
    P(fcntl(fd, F_DUPFD, 19));
    P(close(19));
    int last = -1, r;
    while ((r = dup(fd)) >= 0) last = r;
    P(r);
    P(last);
    P(open("f", O_RDONLY));
    P(pipe(q));
    P(dup3(fd, 25, 0));
    P(syscall(SYS_close_range, 10, ~0U, 0));
    set_nofile(2000);
    P(dup2(fd, 1500));
    P(fcntl(fd, F_DUPFD, 1800));
    P(dup2(fd, 2000));
    P(fcntl(1500, F_GETFD));
    set_nofile(0);
    P(dup(fd));
    P(fcntl(1800, F_GETFD));
    P(close(1500));
    P(close(1800));
    set_nofile(1024);
    P(dup(fd));

    unlink("f");
    rmdir("/tmp/compat-errs_fd");
    return t_done();
}
