/* statx's birth time (STATX_BTIME): set when a file or directory is made, kept by writes, renames
 * and metadata changes; Rust's Metadata::created() and `stat`'s "Birth:" read it. */
#include "compat.h"
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* musl may lack statx: the raw call with the kernel's structure. */
struct ts { int64_t tv_sec; uint32_t tv_nsec; int32_t pad; };
struct kstatx {
    uint32_t stx_mask, blksize; uint64_t attributes; uint32_t nlink, uid, gid; uint16_t mode, pad0;
    uint64_t ino, size, blocks, attributes_mask;
    struct ts stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t spare[14];
};
#define K_STATX_MTIME 0x40
#define K_STATX_BTIME 0x800

static int btime(const char *p, struct kstatx *x)
{
    return syscall(SYS_statx, AT_FDCWD, p, 0, K_STATX_BTIME | K_STATX_MTIME, x) == 0 && (x->stx_mask & K_STATX_BTIME);
}

int main(void)
{
    char dir[] = "/tmp/statx_btime.XXXXXX";
    mkdtemp(dir);
    chdir(dir);
    time_t before = time(0);
    int fd = open("f", O_CREAT | O_WRONLY, 0644);
    struct kstatx a, b;
    CHECK(btime("f", &a), "a new file has a birth time");
    CHECK(a.stx_btime.tv_sec >= before - 1 && a.stx_btime.tv_sec <= time(0) + 1, "it is now");
    struct timespec pause = { 0, 20 * 1000 * 1000 };
    nanosleep(&pause, 0);
    write(fd, "data", 4);
    close(fd);
    rename("f", "g");
    chmod("g", 0600);
    CHECK(btime("g", &b), "still there after write, rename and chmod");
    CHECK(b.stx_btime.tv_sec == a.stx_btime.tv_sec && b.stx_btime.tv_nsec == a.stx_btime.tv_nsec, "unchanged by them");
    CHECK(b.stx_mtime.tv_sec > b.stx_btime.tv_sec || (b.stx_mtime.tv_sec == b.stx_btime.tv_sec && b.stx_mtime.tv_nsec > b.stx_btime.tv_nsec),
          "the write's mtime is later");
    mkdir("d", 0755);
    CHECK(btime("d", &a), "a new directory has one");
    unlink("g");
    rmdir("d");
    chdir("/");
    rmdir(dir);
    return t_done();
}
