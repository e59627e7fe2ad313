/* File I/O argument checks as LTP-style syscall tests probe them: read/write/pread/pwrite and the
 * vectored calls (bad descriptors, O_PATH descriptors, wrong access modes, negative and overflowing
 * offsets, iovec counts and lengths, buffers beyond user memory, RWF_* flags), lseek, truncate and
 * ftruncate, fsync and sync_file_range, and RLIMIT_FSIZE (short writes, EFBIG and SIGXFSZ). Each
 * line prints the raw result and errno; the native run is the reference. Only what every file
 * system agrees on is printed (no seeks near 2^63, no RWF_NOWAIT on a regular file). */
#include "compat.h"
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef RWF_HIPRI                      /* musl's headers lack them */
#define RWF_HIPRI 1
#define RWF_DSYNC 2
#define RWF_SYNC 4
#define RWF_NOWAIT 8
#define RWF_APPEND 16
#endif
/* musl has no preadv2/pwritev2 wrappers: the raw calls (offset low, high, flags). */
#define preadv2(fd, iov, n, off, fl) syscall(SYS_preadv2, fd, iov, n, (long)(off), 0L, fl)
#define pwritev2(fd, iov, n, off, fl) syscall(SYS_pwritev2, fd, iov, n, (long)(off), 0L, fl)

static void show(int line, const char *what, long r, int e)
{
    if (r < 0) printf("%d %s: -1 errno %d\n", line, what, e);
    else printf("%d %s: %ld\n", line, what, r);
}
#define P(x) do { errno = 0; long r_ = (long)(x); int e_ = errno; show(__LINE__, #x, r_, e_); } while (0)

/* Under a small RLIMIT_FSIZE stdout (a file when run by the harness) cannot grow: results wait here. */
static long saved_r[20];
static int saved_e[20], saved_n, xfsz;
#define S(x) do { errno = 0; saved_r[saved_n] = (long)(x); saved_e[saved_n++] = errno; } while (0)
static void on_xfsz(int sig) { (void)sig; xfsz++; }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char buf[64] = "hello world";
    mkdir("/tmp/compat-errs_file", 0755);
    if (chdir("/tmp/compat-errs_file") != 0) { printf("chdir failed\n"); return 1; }
    int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    int ro = open("f", O_RDONLY);
    int wo = open("f", O_WRONLY);
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    int pfd = open("f", O_PATH);
    int pp[2];
    if (fd < 0 || ro < 0 || wo < 0 || dfd < 0 || pfd < 0 || pipe(pp) != 0) { printf("setup failed\n"); return 1; }

    /* read and write */
    P(write(fd, buf, 11));
    P(read(wo, buf, 4));
    P(write(ro, buf, 4));
    P(read(dfd, buf, 4));
    P(read(dfd, buf, 0));
    P(write(dfd, buf, 4));
    P(read(pfd, buf, 4));
    P(write(pfd, buf, 4));
    P(read(-1, buf, 4));
    P(read(999, buf, 4));
    P(read(fd, buf, 0));
    P(write(fd, NULL, 0));
    P(lseek(fd, 0, SEEK_SET));
    P(read(fd, buf, SSIZE_MAX + 1UL));
    P(read(fd, buf, (size_t)-1));
    P(write(fd, buf, (size_t)-1));
    P(write(fd, (void *)0x7ffffffff000, 1));
    P(write(fd, (void *)0x7fffffffe000, 0x2000));
    P(write(pp[1], (void *)0x7ffffffff000, 1));

    /* pread and pwrite */
    P(pread(fd, buf, 4, -1));
    P(pwrite(fd, buf, 4, -1));
    P(pread(-1, buf, 4, -1));
    P(pread(fd, buf, 4, 100));
    P(pread(pp[0], buf, 4, 0));
    P(pwrite(pp[1], buf, 4, 0));
    P(pread(pp[1], buf, 4, 0));
    P(pwrite(pp[0], buf, 4, 0));
    P(pread(dfd, buf, 4, 0));
    P(pread(pfd, buf, 4, 0));
    P(pread(wo, buf, 4, 0));
    P(pwrite(ro, buf, 4, 0));
    P(pread(fd, buf, 0, -1));
    P(pread(fd, buf, 4, LLONG_MAX));
    P(pwrite(fd, buf, 4, LLONG_MAX));
    P(pwrite(fd, buf, 4, LLONG_MAX - 2));

    /* readv, writev, preadv, pwritev, preadv2, pwritev2 */
    struct iovec iov[2] = {{buf, 3}, {buf + 3, 3}};
    P(readv(fd, iov, -1));
    P(readv(fd, iov, 0));
    P(readv(fd, iov, 1025));
    P(writev(fd, iov, 1025));
    P(readv(wo, iov, 1025));
    P(readv(fd, NULL, 0));
    P(readv(fd, (void *)1, 1));
    struct iovec big[2] = {{buf, SSIZE_MAX}, {buf, 10}};
    P(readv(fd, big, 2));
    P(writev(fd, big, 2));
    struct iovec neg[2] = {{(void *)0x7ffffffff000, 10}, {buf, (size_t)-1}};
    P(readv(fd, neg, 2));
    P(readv(fd, neg, 1));
    struct iovec nul[2] = {{NULL, 0}, {buf, 2}};
    P(lseek(fd, 0, SEEK_SET));
    P(readv(fd, nul, 2));
    P(readv(wo, iov, 1));
    P(writev(ro, iov, 1));
    P(readv(pfd, iov, 1));
    P(preadv(fd, iov, 2, -1));
    P(pwritev(fd, iov, 2, -1));
    P(preadv(-1, iov, 1, -1));
    P(preadv(pp[0], iov, 2, 0));
    P(preadv2(fd, iov, 2, 0, 0x1000));
    P(pwritev2(fd, iov, 2, 0, 0x1000));
    P(preadv2(fd, nul, 1, 0, 0x1000));
    P(preadv2(fd, iov, 2, 0, RWF_HIPRI | RWF_DSYNC | RWF_SYNC));
    P(pwritev2(fd, iov, 2, 0, RWF_HIPRI | RWF_DSYNC | RWF_SYNC));
    P(preadv2(fd, iov, 2, 0, RWF_APPEND));
    P(lseek(fd, 0, SEEK_SET));
    P(pwritev2(fd, iov, 2, -1, 0));
    P(lseek(fd, 0, SEEK_CUR));
    P(preadv2(fd, iov, 2, -1, 0));
    P(lseek(fd, 0, SEEK_CUR));
    P(preadv2(fd, iov, 2, -2, 0));
    P(pwritev2(fd, iov, 2, -2, 0));
    P(preadv2(pp[0], iov, 1, -1, RWF_NOWAIT));
    P(preadv2(pp[0], iov, 1, 0, 0));
    P(preadv2(pp[1], iov, 1, 0, 0));
    P(pwritev2(pp[1], iov, 1, -1, 0));
    P(preadv2(pp[0], iov, 1, -1, 0));
    P(pwritev2(fd, iov, 1, 0, RWF_APPEND));
    struct stat st;
    fstat(fd, &st);
    P(st.st_size);

    /* lseek */
    P(lseek(fd, 0, 5));
    P(lseek(fd, 0, -1));
    P(lseek(fd, -1, SEEK_SET));
    P(lseek(fd, -100, SEEK_CUR));
    P(lseek(fd, -100, SEEK_END));
    P(lseek(fd, 1, SEEK_END));
    P(lseek(fd, 0, SEEK_DATA));
    P(lseek(fd, 100, SEEK_DATA));
    P(lseek(fd, 100, SEEK_HOLE));
    P(lseek(fd, -1, SEEK_DATA));
    P(lseek(pfd, 0, SEEK_SET));
    P(lseek(dfd, 0, SEEK_SET));
    P(lseek(pp[0], 0, SEEK_SET));
    P(lseek(-1, 0, SEEK_SET));

    /* truncate and ftruncate */
    P(truncate("f", -1));
    P(ftruncate(fd, -1));
    P(ftruncate(-1, -1));
    P(truncate(".", 0));
    P(ftruncate(dfd, 0));
    P(ftruncate(ro, 0));
    P(ftruncate(pfd, 0));
    P(ftruncate(pp[1], 0));
    P(ftruncate(-1, 0));
    P(truncate("nonexistent", 0));
    P(truncate("", 0));
    P(truncate("f/x", 0));

    /* O_APPEND: every write lands at the end, pwrite included */
    P(ftruncate(fd, 0));
    int app = open("f", O_WRONLY | O_APPEND);
    P(write(app, "abc", 3));
    P(pwrite(app, "xy", 2, 0));
    P(lseek(app, 0, SEEK_CUR));
    fstat(fd, &st);
    P(st.st_size);

    /* sync */
    P(fsync(pp[0]));
    P(fdatasync(pp[1]));
    P(fsync(dfd));
    P(fsync(pfd));
    P(fdatasync(pfd));
    P(fsync(-1));
    P(fsync(ro));
    P(syncfs(pfd));
    P(syncfs(-1));
    P(sync_file_range(fd, 0, 0, 0));
    P(sync_file_range(fd, -1, 0, 0));
    P(sync_file_range(fd, 0, -1, 0));
    P(sync_file_range(fd, 0, 0, 8));
    P(sync_file_range(fd, 0, 0, 7));
    P(sync_file_range(pp[0], 0, 0, 0));
    P(sync_file_range(dfd, 0, 0, 0));
    P(sync_file_range(-1, 0, 0, 0));
    P(sync_file_range(-1, -1, 0, 0));
    P(sync_file_range(pfd, 0, 0, 0));
    P(sync_file_range(ro, 0, 0, 1));

    /* RLIMIT_FSIZE: writes stop at the limit, writes past it fail with SIGXFSZ */
    struct rlimit rl = {10, RLIM_INFINITY};
    signal(SIGXFSZ, on_xfsz);
    P(ftruncate(fd, 0));
    S(setrlimit(RLIMIT_FSIZE, &rl));
    S(pwrite(fd, buf, 20, 0));
    S(pwrite(fd, buf, 20, 10));
    S(pwrite(fd, buf, 20, 20));
    S(pwrite(fd, buf, 0, 20));
    S(lseek(fd, 8, SEEK_SET));
    S(write(fd, buf, 20));
    S(write(app, buf, 1));
    S(ftruncate(fd, 11));
    S(ftruncate(fd, 5));
    S(truncate("f", 10));
    S(truncate("f", 100));
    S(syscall(SYS_fallocate, fd, 0, 0, 100));
    S(syscall(SYS_fallocate, fd, 1, 0, 100));
    S(write(pp[1], buf, 20));
    rl.rlim_cur = RLIM_INFINITY;
    setrlimit(RLIMIT_FSIZE, &rl);
    for (int i = 0; i < saved_n; i++) show(i, "under RLIMIT_FSIZE 10", saved_r[i], saved_e[i]);
    P(xfsz);
    fstat(fd, &st);
    P(st.st_size);

    unlink("f");
    rmdir("/tmp/compat-errs_file");
    return t_done();
}
