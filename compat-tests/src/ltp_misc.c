/* More calls as the LTP syscall tests probe them (statx, getrandom, uname/sethostname,
 * sysinfo, statfs, clone3, pidfd_*, posix_fadvise, readahead, execve/execveat, O_TMPFILE,
 * ioctl FIONREAD/FIOCLEX/FIONBIO, getdents64, utimensat, set_robust_list, getcpu,
 * sched_setattr/getattr, umask through O_TMPFILE): each line prints the raw result and errno,
 * the native run is the reference. */
#include "compat.h"
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void show(int line, const char *what, long r, int e)
{
    if (r < 0) printf("%d %s: -1 errno %d\n", line, what, e);
    else printf("%d %s: %ld\n", line, what, r);
}
#define P(x) do { errno = 0; long r_ = (long)(x); int e_ = errno; show(__LINE__, #x, r_, e_); } while (0)

struct statx_ts { int64_t sec; uint32_t nsec; int32_t pad; };
struct kstatx {
    uint32_t mask, blksize; uint64_t attributes; uint32_t nlink, uid, gid; uint16_t mode, pad1;
    uint64_t ino, size, blocks, attributes_mask;
    struct statx_ts atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor; uint64_t mnt_id; uint64_t spare[14];
};

static void statxs(void)
{
    struct kstatx sx;
    const char *f = "/tmp/ltp_misc_f";
    int fd = open(f, O_CREAT | O_TRUNC | O_RDWR, 0640);
    write(fd, "hello", 5);
    P(syscall(SYS_statx, AT_FDCWD, f, 0, 0x80000000u, &sx));          /* STATX__RESERVED */
    P(syscall(SYS_statx, AT_FDCWD, f, 0x1234567, 0x7ff, &sx));
    P(syscall(SYS_statx, AT_FDCWD, f, 0x6000, 0x7ff, &sx));            /* FORCE_SYNC | DONT_SYNC */
    P(syscall(SYS_statx, AT_FDCWD, f, 0, 0x7ff, NULL));
    P(syscall(SYS_statx, AT_FDCWD, NULL, 0, 0x7ff, &sx));
    P(syscall(SYS_statx, 999, "x", 0, 0x7ff, &sx));
    P(syscall(SYS_statx, AT_FDCWD, "", 0, 0x7ff, &sx));
    memset(&sx, 0xff, sizeof sx);
    P(syscall(SYS_statx, AT_FDCWD, f, 0, 0x7ff, &sx));
    printf("basic: mode %o nlink %u size %llu blocks>0 %d mask-has-basic %d\n", sx.mode, sx.nlink,
           (unsigned long long)sx.size, sx.blocks > 0, (sx.mask & 0x7ff) == 0x7ff);
    memset(&sx, 0xff, sizeof sx);
    P(syscall(SYS_statx, AT_FDCWD, f, 0, 0x2 /* TYPE|MODE */, &sx));
    printf("narrow mask: mode %o spare0 %llx\n", sx.mode, (unsigned long long)sx.spare[0]);
    P(syscall(SYS_statx, fd, "", 0x1000 /* AT_EMPTY_PATH */, 0x7ff, &sx));
    printf("empty path size %llu\n", (unsigned long long)sx.size);
    symlink(f, "/tmp/ltp_misc_l");
    P(syscall(SYS_statx, AT_FDCWD, "/tmp/ltp_misc_l", 0x100 /* AT_SYMLINK_NOFOLLOW */, 0x7ff, &sx));
    printf("link mode type %o size %llu\n", sx.mode & S_IFMT, (unsigned long long)sx.size);
    unlink("/tmp/ltp_misc_l");
    P(syscall(SYS_statx, AT_FDCWD, f, 0, 0x1000 /* STATX_MNT_ID */, &sx));
    printf("mnt id reported %d\n", (sx.mask & 0x1000) != 0);
    char longname[300];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    P(syscall(SYS_statx, AT_FDCWD, longname, 0, 0x7ff, &sx));
    P(syscall(SYS_statx, AT_FDCWD, "/tmp/ltp_misc_f/x", 0, 0x7ff, &sx));
    close(fd);
    unlink(f);
}

static void randoms(void)
{
    char buf[512];
    P(syscall(SYS_getrandom, buf, 16, 0));
    P(syscall(SYS_getrandom, buf, 16, 0x8));
    P(syscall(SYS_getrandom, buf, 16, -1));
    P(syscall(SYS_getrandom, NULL, 16, 0));
    P(syscall(SYS_getrandom, buf, 0, 0));
    P(syscall(SYS_getrandom, buf, 16, 0x1 | 0x2));           /* NONBLOCK | RANDOM */
    P(syscall(SYS_getrandom, buf, 16, 0x4));                 /* INSECURE */
    P(syscall(SYS_getrandom, buf, 16, 0x4 | 0x2));           /* INSECURE | RANDOM */
    P(syscall(SYS_getrandom, buf, 512, 0x1));
}

static void names(void)
{
    struct utsname u;
    P(uname(&u));
    P(syscall(SYS_uname, (void *)1));
    char host[128];
    gethostname(host, sizeof host);
    P(sethostname("x", -1));
    P(sethostname("x", 65));
    P(sethostname((void *)1, 5));
    P(sethostname("ltp-test", 8));
    P(gethostname(host, 3));
    P(syscall(SYS_setdomainname, "x", 65));
    struct sysinfo si;
    P(sysinfo(&si));
    printf("sysinfo: mem_unit %u procs>0 %d totalram>freeram %d\n", si.mem_unit, si.procs > 0, si.totalram > si.freeram);
    P(sysinfo((void *)1));
    struct statfs sf;
    P(statfs("/tmp", &sf));
    P(statfs("/ltp_no_such_dir/x", &sf));
    P(syscall(SYS_statfs, "/tmp", (void *)1));
    P(fstatfs(999, &sf));
    P(statfs("/proc", &sf));
    printf("proc magic %lx\n", (long)sf.f_type);
    P(statfs("/dev/shm", &sf));
    printf("shm magic %lx namelen %ld\n", (long)sf.f_type, (long)sf.f_namelen);
}

struct clone_args_min { uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls; };

static void clones(void)
{
    struct clone_args_min ca;
    memset(&ca, 0, sizeof ca);
    P(syscall(SYS_clone3, &ca, 10));
    P(syscall(SYS_clone3, &ca, 4096 + 8));
    P(syscall(SYS_clone3, NULL, sizeof ca));
    ca.exit_signal = 65;
    P(syscall(SYS_clone3, &ca, sizeof ca));
    ca.exit_signal = SIGCHLD;
    ca.flags = CLONE_THREAD;
    P(syscall(SYS_clone3, &ca, sizeof ca));
    ca.flags = CLONE_SIGHAND;
    P(syscall(SYS_clone3, &ca, sizeof ca));
    ca.flags = CLONE_NEWNS | CLONE_FS;
    P(syscall(SYS_clone3, &ca, sizeof ca));
    ca.flags = 0;
    ca.stack = 4096;
    P(syscall(SYS_clone3, &ca, sizeof ca));
    ca.stack = 0;
    ca.stack_size = 4096;
    P(syscall(SYS_clone3, &ca, sizeof ca));
    char big[4096 + 64];
    memset(big, 0, sizeof big);
    memcpy(big, &ca, sizeof ca);
    ((struct clone_args_min *)big)->stack_size = 0;
    big[200] = 1;
    P(syscall(SYS_clone3, big, 256));
    /* a working clone3 with CLONE_PIDFD */
    int pidfd = -1;
    memset(&ca, 0, sizeof ca);
    ca.flags = CLONE_PIDFD;
    ca.pidfd = (uintptr_t)&pidfd;
    ca.exit_signal = SIGCHLD;
    fflush(stdout);
    long c = syscall(SYS_clone3, &ca, sizeof ca);
    if (c == 0) _exit(5);
    printf("clone3 pidfd >= 0: %d\n", pidfd >= 0);
    P(fcntl(pidfd, F_GETFD));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    P(waitid(P_PIDFD, pidfd, &si, WEXITED));
    printf("P_PIDFD status %d\n", si.si_status);
    P(syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0));
    close(pidfd);
    /* pidfd_open and friends */
    P(syscall(SYS_pidfd_open, getpid(), 1));
    P(syscall(SYS_pidfd_open, -1, 0));
    P(syscall(SYS_pidfd_open, 999999, 0));
    int me = syscall(SYS_pidfd_open, getpid(), 0);
    P(fcntl(me, F_GETFD));
    P(syscall(SYS_pidfd_send_signal, me, 0, NULL, 8));
    P(syscall(SYS_pidfd_send_signal, me, 0, NULL, 3));
    P(syscall(SYS_pidfd_send_signal, me, 0, NULL, 1));
    P(syscall(SYS_pidfd_send_signal, me, SIGUSR1, NULL, 2));
    P(syscall(SYS_pidfd_send_signal, me, 0, NULL, 0));
    P(syscall(SYS_pidfd_send_signal, 0, 0, NULL, 0));
    P(syscall(SYS_pidfd_send_signal, 999, 0, NULL, 0));
    P(syscall(SYS_pidfd_send_signal, me, 65, NULL, 0));
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = SIGUSR2;
    info.si_code = SI_QUEUE;
    P(syscall(SYS_pidfd_send_signal, me, SIGUSR1, &info, 0));
    P(syscall(SYS_pidfd_getfd, me, 0, 1));
    P(syscall(SYS_pidfd_getfd, me, 999, 0));
    P(syscall(SYS_pidfd_getfd, 0, 0, 0) );
    int dup0 = syscall(SYS_pidfd_getfd, me, 0, 0);
    P(fcntl(dup0, F_GETFD));
    close(dup0);
    close(me);
}

static void advice(void)
{
    int fd = open("/tmp/ltp_misc_adv", O_CREAT | O_TRUNC | O_RDWR, 0600);
    unlink("/tmp/ltp_misc_adv");
    ftruncate(fd, 65536);
    printf("fadvise %d\n", posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED));
    printf("fadvise bad advice %d\n", posix_fadvise(fd, 0, 0, 99));
    printf("fadvise negative len %d\n", posix_fadvise(fd, 0, -1, POSIX_FADV_NORMAL));
    printf("fadvise bad fd %d\n", posix_fadvise(999, 0, 0, POSIX_FADV_NORMAL));
    int p[2];
    pipe(p);
    printf("fadvise pipe %d\n", posix_fadvise(p[0], 0, 0, POSIX_FADV_NORMAL));
    P(readahead(fd, 0, 4096));
    P(readahead(p[0], 0, 4096));
    P(readahead(999, 0, 4096));
    int wo = open("/proc/self/fd/0", O_RDONLY);
    close(wo);
    close(p[0]); close(p[1]);
    /* ioctl */
    pipe(p);
    write(p[1], "abc", 3);
    int n = -1;
    P(ioctl(p[0], FIONREAD, &n));
    printf("FIONREAD %d\n", n);
    P(ioctl(fd, FIONREAD, &n));
    printf("FIONREAD file %d\n", n);
    P(ioctl(fd, FIOCLEX));
    P(fcntl(fd, F_GETFD));
    P(ioctl(fd, FIONCLEX));
    P(fcntl(fd, F_GETFD));
    int on = 1;
    P(ioctl(p[0], FIONBIO, &on));
    P(fcntl(p[0], F_GETFL) & O_NONBLOCK);
    P(ioctl(fd, 0x12345678));
    P(ioctl(999, FIONREAD, &n));
    P(ioctl(p[0], FIONREAD, (void *)1));
    close(p[0]); close(p[1]);
    close(fd);
}

static void execs(void)
{
    char *argv[] = { "x", NULL };
    char *envp[] = { NULL };
    P(execve("/ltp_no_such_dir/x", argv, envp));
    P(execve("/tmp", argv, envp));
    int fd = open("/tmp/ltp_misc_noexec", O_CREAT | O_TRUNC | O_RDWR, 0644);
    write(fd, "\x7f" "ELF garbage", 12);
    close(fd);
    P(execve("/tmp/ltp_misc_noexec", argv, envp));
    chmod("/tmp/ltp_misc_noexec", 0755);
    P(execve("/tmp/ltp_misc_noexec", argv, envp));
    fd = open("/tmp/ltp_misc_noexec", O_TRUNC | O_RDWR);
    write(fd, "plain text", 10);
    close(fd);
    P(execve("/tmp/ltp_misc_noexec", argv, envp));
    fd = open("/tmp/ltp_misc_noexec", O_TRUNC | O_RDWR);
    write(fd, "#!/ltp_no_such_dir/interp\n", 26);
    close(fd);
    P(execve("/tmp/ltp_misc_noexec", argv, envp));
    P(execve(NULL, argv, envp));
    P(execve("/tmp/ltp_misc_noexec/x", argv, envp));
    char longname[5000];
    memset(longname, 'a', sizeof longname - 1);
    longname[0] = '/';
    longname[sizeof longname - 1] = 0;
    P(execve(longname, argv, envp));
    P(syscall(SYS_execveat, AT_FDCWD, "/tmp/ltp_misc_noexec", argv, envp, 0x1));
    P(syscall(SYS_execveat, 999, "x", argv, envp, 0));
    int dfd = open("/tmp/ltp_misc_noexec", O_RDONLY);
    P(syscall(SYS_execveat, dfd, "x", argv, envp, 0));
    P(syscall(SYS_execveat, dfd, "", argv, envp, 0));
    close(dfd);
    unlink("/tmp/ltp_misc_noexec");
}

static void tmpfiles(void)
{
    umask(022);
    int fd = open("/tmp", O_TMPFILE | O_RDWR, 0666);
    P(fd >= 0);
    struct stat st;
    fstat(fd, &st);
    printf("tmpfile mode %o nlink %lu\n", st.st_mode & 07777, (unsigned long)st.st_nlink);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    P(linkat(AT_FDCWD, path, AT_FDCWD, "/tmp/ltp_misc_tmp", AT_SYMLINK_FOLLOW));
    fstat(fd, &st);
    printf("linked nlink %lu\n", (unsigned long)st.st_nlink);
    unlink("/tmp/ltp_misc_tmp");
    close(fd);
    fd = open("/tmp", O_TMPFILE | O_RDWR | O_EXCL, 0600);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    P(linkat(AT_FDCWD, path, AT_FDCWD, "/tmp/ltp_misc_tmp", AT_SYMLINK_FOLLOW));
    close(fd);
    P(open("/tmp", O_TMPFILE | O_RDONLY, 0600));
    P(open("/tmp", O_TMPFILE, 0600));
    P(open("/ltp_no_such_dir", O_TMPFILE | O_RDWR, 0600));
    P(open("/proc/self/status", O_TMPFILE | O_RDWR, 0600));
    P(open("/tmp", O_DIRECTORY | O_CREAT | O_RDWR, 0600));
    P(open("/tmp/ltp_misc_dc", O_DIRECTORY | O_CREAT, 0600));
    P(open("/tmp", O_RDWR));
    P(open("/tmp", O_WRONLY));
    P(open("/tmp/", O_CREAT | O_RDWR, 0600));
    P(open("/tmp/ltp_misc_new/", O_CREAT | O_RDWR, 0600));
    P(open("/proc/self/status/", O_RDONLY));
}

static void dirents(void)
{
    int d = open("/tmp", O_RDONLY | O_DIRECTORY);
    char buf[4096];
    P(syscall(SYS_getdents64, d, buf, 1));
    P(syscall(SYS_getdents64, d, (void *)1, sizeof buf));
    P(syscall(SYS_getdents64, 999, buf, sizeof buf));
    int f = open("/proc/self/status", O_RDONLY);
    P(syscall(SYS_getdents64, f, buf, sizeof buf));
    close(f);
    P(syscall(SYS_getdents, d, buf, 1));
    mkdir("/tmp/ltp_misc_dir", 0755);
    int sub = open("/tmp/ltp_misc_dir", O_RDONLY | O_DIRECTORY);
    rmdir("/tmp/ltp_misc_dir");
    P(syscall(SYS_getdents64, sub, buf, sizeof buf));
    close(sub);
    close(d);
    /* utimensat */
    const char *fn = "/tmp/ltp_misc_ut";
    close(creat(fn, 0644));
    struct timespec ts[2] = { { 10, UTIME_OMIT }, { 20, 1000000000 } };
    P(utimensat(AT_FDCWD, fn, ts, 0));
    ts[1].tv_nsec = -1;
    P(utimensat(AT_FDCWD, fn, ts, 0));
    ts[0].tv_nsec = 0; ts[1].tv_nsec = 5;
    P(utimensat(AT_FDCWD, fn, ts, 0));
    struct stat st;
    stat(fn, &st);
    printf("times %ld %ld %ld\n", (long)st.st_atime, (long)st.st_mtime, st.st_mtim.tv_nsec);
    P(utimensat(AT_FDCWD, fn, ts, 0x1));
    P(utimensat(AT_FDCWD, NULL, ts, 0));
    int fd = open(fn, O_RDONLY);
    P(syscall(SYS_utimensat, fd, NULL, ts, 0));
    P(syscall(SYS_utimensat, fd, NULL, ts, AT_SYMLINK_NOFOLLOW));
    P(syscall(SYS_utimensat, AT_FDCWD, NULL, ts, 0));
    P(utimensat(AT_FDCWD, "", ts, AT_EMPTY_PATH));
    close(fd);
    struct timeval tv[2] = { { 1, 0 }, { 2, 1000000 } };
    P(utimes(fn, tv));
    tv[1].tv_usec = -1;
    P(utimes(fn, tv));
    unlink(fn);
}

static void threads_misc(void)
{
    P(syscall(SYS_set_robust_list, NULL, 23));
    P(syscall(SYS_set_robust_list, NULL, 24));
    void *head; size_t len;
    P(syscall(SYS_get_robust_list, 0, &head, &len));
    printf("robust len %zu\n", len);
    P(syscall(SYS_get_robust_list, 999999, &head, &len));
    P(syscall(SYS_get_robust_list, 0, (void *)1, &len));
    unsigned cpu = 99, node = 99;
    P(syscall(SYS_getcpu, &cpu, &node, NULL));
    printf("cpu valid %d node %u\n", cpu < 1024, node);
    P(syscall(SYS_getcpu, (void *)1, NULL, NULL));
    struct { uint32_t size, policy; uint64_t flags; int32_t nice; uint32_t prio; uint64_t rt, dl, per; } attr;
    memset(&attr, 0, sizeof attr);
    P(syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0));
    printf("attr size %u policy %u nice %d\n", attr.size, attr.policy, attr.nice);
    P(syscall(SYS_sched_getattr, 0, &attr, 47, 0));
    P(syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 1));
    P(syscall(SYS_sched_getattr, -1, &attr, sizeof attr, 0));
    P(syscall(SYS_sched_getattr, 999999, &attr, sizeof attr, 0));
    P(syscall(SYS_sched_getattr, 0, NULL, sizeof attr, 0));
    attr.size = 47;
    P(syscall(SYS_sched_setattr, 0, &attr, 0));
    attr.size = 48;
    attr.policy = 99;
    P(syscall(SYS_sched_setattr, 0, &attr, 0));
    attr.policy = 0;
    P(syscall(SYS_sched_setattr, 0, &attr, 1));
    P(syscall(SYS_sched_setattr, 0, NULL, 0));
    P(syscall(SYS_sched_setattr, -1, &attr, 0));
    attr.nice = 5;
    P(syscall(SYS_sched_setattr, 0, &attr, 0));
    P(getpriority(PRIO_PROCESS, 0));
    P(syscall(SYS_set_tid_address, NULL) == syscall(SYS_gettid));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    syscall(SYS_close_range, 3, ~0U, 0);
    signal(SIGUSR1, SIG_IGN);
    statxs();
    randoms();
    names();
    clones();
    advice();
    execs();
    tmpfiles();
    dirents();
    threads_misc();
    return 0;
}
