/* System calls that older or newer programs use beside the common ones: getdents, utime/utimes/
 * futimesat, sched_rr_get_interval, readahead, fadvise64, sync_file_range, preadv2/pwritev2,
 * get_robust_list, epoll_pwait2, fchmodat2, sched_getattr/setattr, ioprio_get/set, setfsuid/
 * setfsgid, sethostname/setdomainname, adjtimex/clock_adjtime (read only), unshare, kcmp; and the
 * signal mask ppoll, pselect6, epoll_pwait and epoll_pwait2 wait under.
 * Each line prints the raw result and errno; the native run is the reference. */
#include "compat.h"
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

static void show(const char *what, long r)
{
    if (r < 0) printf("%s: -1 errno %d\n", what, errno);
    else printf("%s: %ld\n", what, r);
}

static long mtime_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_mtime : -1;
}

static long atime_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_atime : -1;
}

static volatile int usr1;
static void on_usr1(int s) { (void)s; usr1++; }

static int blocked(int sig)
{
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    return sigismember(&now, sig);
}

/* SIGUSR1 is blocked and pending; the call waits under a mask without it: the handler runs, the
 * call fails with EINTR, and SIGUSR1 is blocked again afterwards. */
static void masked_wait(const char *what, int kind, int ep)
{
    sigset_t empty, usr;
    sigemptyset(&empty);
    sigemptyset(&usr);
    sigaddset(&usr, SIGUSR1);
    usr1 = 0;
    raise(SIGUSR1);
    struct timespec ts = { 2, 0 };
    struct epoll_event out[1];
    long r = -1;
    /* First under a mask that still blocks it: nothing runs, the timeout ends the call. */
    struct timespec zero = { 0, 0 };
    if (kind == 0) r = ppoll(NULL, 0, &zero, &usr);
    else if (kind == 1) r = pselect(0, NULL, NULL, NULL, &zero, &usr);
    else if (kind == 2) r = epoll_pwait(ep, out, 1, 0, &usr);
    else r = syscall(SYS_epoll_pwait2, ep, out, 1, &zero, &usr, 8);
    printf("%s, mask blocking: %ld handler ran %d blocked after %d\n", what, r, usr1, blocked(SIGUSR1));
    errno = 0;
    if (kind == 0) r = ppoll(NULL, 0, &ts, &empty);
    else if (kind == 1) r = pselect(0, NULL, NULL, NULL, &ts, &empty);
    else if (kind == 2) r = epoll_pwait(ep, out, 1, 2000, &empty);
    else r = syscall(SYS_epoll_pwait2, ep, out, 1, &ts, &empty, 8);
    printf("%s, mask open: %ld errno %d handler ran %d blocked after %d\n", what, r, errno, usr1, blocked(SIGUSR1));
}

struct linux_dirent { unsigned long d_ino, d_off; unsigned short d_reclen; char d_name[]; };

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char dir[] = "/tmp/sys2-XXXXXX";
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    if (chdir(dir) != 0) { perror("chdir"); return 1; }
    int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, "0123456789", 10);
    mkdir("sub", 0755);
    symlink("f", "link");
    int p[2];
    pipe(p);

    /* getdents: the old record layout, type in the last byte. Names sorted by a simple pass. */
    int d = open(".", O_RDONLY | O_DIRECTORY);
    char buf[4096];
    long n = syscall(SYS_getdents, d, buf, sizeof buf);
    int seen = 0;
    const char *want[] = { ".", "..", "f", "link", "sub" };
    for (int w = 0; w < 5; w++)
        for (long off = 0; off < n;) {
            struct linux_dirent *e = (struct linux_dirent *)(buf + off);
            if (strcmp(e->d_name, want[w]) == 0) { printf("getdents: %s type %d\n", e->d_name, buf[off + e->d_reclen - 1]); seen++; }
            off += e->d_reclen;
        }
    printf("getdents: %d entries seen\n", seen);
    show("getdents on a file", syscall(SYS_getdents, fd, buf, sizeof buf));
    show("getdents small buffer", syscall(SYS_getdents, d, buf, 8));
    show("getdents at end", (lseek(d, 0, SEEK_END), syscall(SYS_getdents, d, buf, sizeof buf)));

    /* telldir/seekdir: a position taken mid-listing gives the same entry again. */
    DIR *dp = opendir(".");
    readdir(dp); readdir(dp);
    long pos = telldir(dp);
    struct dirent *de = readdir(dp);
    char third[256];
    snprintf(third, sizeof third, "%s", de ? de->d_name : "-");
    readdir(dp);
    seekdir(dp, pos);
    de = readdir(dp);
    printf("seekdir: same entry again %d\n", de != NULL && strcmp(de->d_name, third) == 0);
    rewinddir(dp);
    de = readdir(dp);
    printf("rewinddir: first entry is a dot %d\n", de != NULL && de->d_name[0] == '.');
    closedir(dp);

    /* utime, utimes, futimesat */
    struct utimbuf ub = { 1000000000, 1100000000 };
    show("utime", utime("f", &ub));
    printf("utime: atime %ld mtime %ld\n", atime_of("f"), mtime_of("f"));
    struct timeval tv[2] = { { 1200000000, 5 }, { 1300000000, 7 } };
    show("utimes", utimes("f", tv));
    printf("utimes: atime %ld mtime %ld\n", atime_of("f"), mtime_of("f"));
    tv[1].tv_sec = 1400000000;
    show("futimesat", syscall(SYS_futimesat, AT_FDCWD, "f", tv));
    printf("futimesat: mtime %ld\n", mtime_of("f"));
    show("utime now", utime("f", NULL));
    printf("utime now: recent %d\n", mtime_of("f") > time(NULL) - 60);
    tv[0].tv_usec = 1000000;
    show("utimes bad usec", utimes("f", tv));
    show("utime missing", utime("nope", &ub));

    /* sched_rr_get_interval */
    struct timespec ts = { -1, -1 };
    long r = syscall(SYS_sched_rr_get_interval, 0, &ts);
    printf("sched_rr_get_interval: %ld sane %d\n", r, ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
    show("sched_rr_get_interval bad pid", syscall(SYS_sched_rr_get_interval, -1, &ts));

    /* readahead, fadvise64, sync_file_range */
    show("readahead", syscall(SYS_readahead, fd, 0L, 4096L));
    show("readahead pipe", syscall(SYS_readahead, p[0], 0L, 4096L));
    show("readahead bad fd", syscall(SYS_readahead, 99, 0L, 4096L));
    show("fadvise64 sequential", syscall(SYS_fadvise64, fd, 0L, 0L, 2));
    show("fadvise64 dontneed", syscall(SYS_fadvise64, fd, 0L, 10L, 4));
    show("fadvise64 bad advice", syscall(SYS_fadvise64, fd, 0L, 0L, 9));
    show("fadvise64 pipe", syscall(SYS_fadvise64, p[0], 0L, 0L, 0));
    show("fadvise64 negative length", syscall(SYS_fadvise64, fd, 0L, -1L, 0));
    show("fadvise64 bad fd", syscall(SYS_fadvise64, 99, 0L, 0L, 0));
    show("sync_file_range", syscall(SYS_sync_file_range, fd, 0L, 0L, 7));
    show("sync_file_range bad flags", syscall(SYS_sync_file_range, fd, 0L, 0L, 8));
    show("sync_file_range negative", syscall(SYS_sync_file_range, fd, -1L, 0L, 0));
    show("sync_file_range pipe", syscall(SYS_sync_file_range, p[0], 0L, 0L, 0));

    /* preadv2 / pwritev2: offset -1 is the file position. */
    char a[4] = { 0 };
    struct iovec iov = { a, 3 };
    lseek(fd, 2, SEEK_SET);
    r = syscall(SYS_preadv2, fd, &iov, 1, -1L, 0L, 0);
    printf("preadv2 at position: %ld %.3s pos %ld\n", r, a, (long)lseek(fd, 0, SEEK_CUR));
    r = syscall(SYS_preadv2, fd, &iov, 1, 7L, 0L, 0);
    printf("preadv2 at 7: %ld %.3s pos %ld\n", r, a, (long)lseek(fd, 0, SEEK_CUR));
    show("preadv2 hipri", syscall(SYS_preadv2, fd, &iov, 1, 0L, 0L, 1));
    show("preadv2 bad flag", syscall(SYS_preadv2, fd, &iov, 1, 0L, 0L, 0x10000));
    show("preadv2 offset -2", syscall(SYS_preadv2, fd, &iov, 1, -2L, 0L, 0));
    struct iovec wv = { "XY", 2 };
    show("pwritev2 at 0", syscall(SYS_pwritev2, fd, &wv, 1, 0L, 0L, 0));
    show("pwritev2 dsync at position", syscall(SYS_pwritev2, fd, &wv, 1, -1L, 0L, 2));
    pread(fd, a, 4, 0);
    printf("pwritev2: file starts %.4s pos %ld\n", a, (long)lseek(fd, 0, SEEK_CUR));
    show("pwritev2 append", syscall(SYS_pwritev2, fd, &wv, 1, 0L, 0L, 0x10));
    struct stat st;
    fstat(fd, &st);
    printf("pwritev2 append: size %ld\n", (long)st.st_size);
    write(p[1], "pipe", 4);
    r = syscall(SYS_preadv2, p[0], &iov, 1, -1L, 0L, 0);
    printf("preadv2 pipe at position: %ld\n", r);
    show("preadv2 pipe at 0", syscall(SYS_preadv2, p[0], &iov, 1, 0L, 0L, 0));
    show("preadv2 nowait empty pipe", (read(p[0], a, 4), syscall(SYS_preadv2, p[0], &iov, 1, -1L, 0L, 8)));

    /* get_robust_list: glibc registered the main thread's list. */
    void *head = NULL;
    size_t len = 0;
    r = syscall(SYS_get_robust_list, 0, &head, &len);
    printf("get_robust_list: %ld len %zu head set %d\n", r, len, head != NULL);
    show("get_robust_list bad pid", syscall(SYS_get_robust_list, 999999, &head, &len));

    /* epoll_pwait2 */
    int ep = epoll_create1(0);
    int e = (int)syscall(SYS_eventfd2, 0, 0);
    struct epoll_event ev = { EPOLLIN, { .u64 = 7 } }, out[2];
    epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev);
    struct timespec t1 = { 0, 20000000 };
    show("epoll_pwait2 timeout", syscall(SYS_epoll_pwait2, ep, out, 2, &t1, NULL, 8));
    uint64_t one = 1;
    write(e, &one, 8);
    r = syscall(SYS_epoll_pwait2, ep, out, 2, NULL, NULL, 8);
    printf("epoll_pwait2 ready: %ld data %llu\n", r, (unsigned long long)out[0].data.u64);
    t1.tv_nsec = 2000000000;
    show("epoll_pwait2 bad timeout", syscall(SYS_epoll_pwait2, ep, out, 2, &t1, NULL, 8));

    /* fchmodat2 */
    show("fchmodat2", syscall(452, AT_FDCWD, "f", 0600, 0));
    printf("fchmodat2: mode %o\n", (stat("f", &st), st.st_mode & 0777));
    show("fchmodat2 nofollow file", syscall(452, AT_FDCWD, "f", 0640, AT_SYMLINK_NOFOLLOW));
    show("fchmodat2 nofollow symlink", syscall(452, AT_FDCWD, "link", 0640, AT_SYMLINK_NOFOLLOW));
    show("fchmodat2 bad flags", syscall(452, AT_FDCWD, "f", 0640, 0x4));
    show("fchmodat2 empty path", syscall(452, fd, "", 0604, AT_EMPTY_PATH));
    printf("fchmodat2: mode %o\n", (stat("f", &st), st.st_mode & 0777));

    /* sched_getattr / sched_setattr */
    struct { uint32_t size, policy; uint64_t flags; int32_t nice; uint32_t prio; uint64_t rt, dl, period; uint32_t umin, umax; } sa;
    memset(&sa, 0xff, sizeof sa);
    r = syscall(SYS_sched_getattr, 0, &sa, sizeof sa, 0);
    printf("sched_getattr: %ld size %u policy %u nice %d prio %u\n", r, sa.size, sa.policy, sa.nice, sa.prio);
    show("sched_getattr small", syscall(SYS_sched_getattr, 0, &sa, 8, 0));
    show("sched_getattr flags", syscall(SYS_sched_getattr, 0, &sa, sizeof sa, 1));
    memset(&sa, 0, sizeof sa);
    sa.size = 48;
    show("sched_setattr other", syscall(SYS_sched_setattr, 0, &sa, 0));
    sa.policy = 77;
    show("sched_setattr bad policy", syscall(SYS_sched_setattr, 0, &sa, 0));

    /* ioprio */
    r = syscall(SYS_ioprio_get, 1, 0);
    printf("ioprio_get: %ld\n", r);
    show("ioprio_set be 3", syscall(SYS_ioprio_set, 1, 0, (2 << 13) | 3));
    printf("ioprio_get after: %ld\n", syscall(SYS_ioprio_get, 1, 0));
    show("ioprio_get bad which", syscall(SYS_ioprio_get, 9, 0));
    show("ioprio_set bad class", syscall(SYS_ioprio_set, 1, 0, (5 << 13)));

    /* setfsuid / setfsgid: the previous value comes back; -1 only asks. */
    printf("setfsuid ask: %ld\n", syscall(SYS_setfsuid, -1));
    printf("setfsuid 0: %ld\n", syscall(SYS_setfsuid, 0));
    printf("setfsgid ask: %ld\n", syscall(SYS_setfsgid, -1));

    /* adjtimex / clock_adjtime, reading only. */
    struct timex { unsigned int modes; long offset, freq, maxerror, esterror; int status; long constant, precision, tolerance; struct timeval time; long tick, ppsfreq, jitter; int shift; long stabil, jitcnt, calcnt, errcnt, stbcnt; int tai; int pad[11]; } tx;
    memset(&tx, 0, sizeof tx);
    r = syscall(SYS_adjtimex, &tx);
    printf("adjtimex read: state ok %d tick %ld time sane %d\n", r >= 0 && r <= 5, tx.tick, tx.time.tv_sec > 1600000000);
    memset(&tx, 0, sizeof tx);
    r = syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx);
    printf("clock_adjtime read: state ok %d\n", r >= 0 && r <= 5);
    show("clock_adjtime monotonic", syscall(SYS_clock_adjtime, CLOCK_MONOTONIC, &tx));
    tx.modes = 0x8000;
    show("adjtimex bad modes", syscall(SYS_adjtimex, &tx));

    /* unshare: descriptor table and fs context only. */
    show("unshare nothing", syscall(SYS_unshare, 0));
    show("unshare files", syscall(SYS_unshare, CLONE_FILES));
    show("unshare fs", syscall(SYS_unshare, CLONE_FS));
    show("unshare bad flag", syscall(SYS_unshare, 0x1));
    printf("unshare: file still open %d\n", fcntl(fd, F_GETFD) >= 0);

    /* kcmp: same process, the same file through dup, a different one. */
    int dfd = dup(fd);
    show("kcmp same file", syscall(SYS_kcmp, getpid(), getpid(), 0, fd, dfd));
    long k = syscall(SYS_kcmp, getpid(), getpid(), 0, fd, p[0]);
    printf("kcmp different files: %s\n", k == 1 || k == 2 ? "ordered" : "?");
    show("kcmp same vm", syscall(SYS_kcmp, getpid(), getpid(), 1, 0, 0));
    show("kcmp bad fd", syscall(SYS_kcmp, getpid(), getpid(), 0, fd, 99));
    show("kcmp bad type", syscall(SYS_kcmp, getpid(), getpid(), 99, 0, 0));

    /* Waits under a temporary signal mask. */
    struct sigaction sa1;
    memset(&sa1, 0, sizeof sa1);
    sa1.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa1, NULL);
    sigset_t usr;
    sigemptyset(&usr);
    sigaddset(&usr, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr, NULL);
    int ep2 = epoll_create1(0);
    masked_wait("ppoll", 0, ep2);
    masked_wait("pselect", 1, ep2);
    masked_wait("epoll_pwait", 2, ep2);
    masked_wait("epoll_pwait2", 3, ep2);
    show("ppoll bad sigset size", syscall(SYS_ppoll, NULL, 0, &t1, &usr, 4));

    unlink("f"); unlink("link"); rmdir("sub");
    chdir("/");
    rmdir(dir);
    return 0;
}
