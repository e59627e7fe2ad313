/* fallocate on tmpfs (/dev/shm): allocation with and without KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE
 * (zeros read back, size kept, whole 64 KiB-aligned ranges become holes for SEEK_HOLE/SEEK_DATA,
 * st_blocks drops, a MAP_SHARED mapping sees the zeros, IN_MODIFY), the modes tmpfs refuses (EOPNOTSUPP), and the
 * errors in Linux's order: EINVAL, EOPNOTSUPP, EBADF, ESPIPE, ENODEV, EFBIG. */
#include "compat.h"
#include <fcntl.h>
#include <limits.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define KiB 1024L
#ifndef FALLOC_FL_COLLAPSE_RANGE /* musl's fcntl.h has only KEEP_SIZE and PUNCH_HOLE */
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#define FALLOC_FL_ZERO_RANGE 0x10
#define FALLOC_FL_INSERT_RANGE 0x20
#define FALLOC_FL_UNSHARE_RANGE 0x40
#endif

static void res(const char *what, long r)
{
    int e = r < 0 ? errno : 0;
    printf("%s: %ld errno %d\n", what, r, e);
}

/* Size, and for the whole file: how many bytes are zero and a position-weighted sum. */
static void show(const char *what, int fd)
{
    struct stat st;
    fstat(fd, &st);
    long size = st.st_size;
    static unsigned char buf[1 << 20];
    long n = pread(fd, buf, sizeof buf, 0);
    long zeros = 0;
    unsigned long long sum = 0;
    for (long i = 0; i < n; i++) {
        if (buf[i] == 0) zeros++;
        sum += (unsigned long long)buf[i] * (unsigned long long)(i + 1);
    }
    printf("%s: size %ld read %ld zeros %ld sum %llu\n", what, size, n, zeros, sum);
}

/* st_blocks: the 512-byte blocks stored (holes take none). */
static void blocks(const char *what, int fd)
{
    struct stat st;
    fstat(fd, &st);
    long b = (long)st.st_blocks;
    printf("%s: %ld blocks\n", what, b);
}

static void seeks(const char *what, int fd, long from)
{
    errno = 0;
    long d = lseek(fd, from, SEEK_DATA);
    int de = d < 0 ? errno : 0;
    long h = lseek(fd, from, SEEK_HOLE);
    int he = h < 0 ? errno : 0;
    printf("%s: SEEK_DATA %ld errno %d, SEEK_HOLE %ld errno %d\n", what, d, de, h, he);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char path[64];
    snprintf(path, sizeof path, "/dev/shm/fallocate-%d", (int)getpid());
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    if (fd < 0) { printf("open: errno %d\n", errno); return 1; }
    static char block[64 * KiB];
    for (int i = 0; i < 4; i++) {
        memset(block, 'a' + i, sizeof block);
        write(fd, block, sizeof block);
    }
    show("256 KiB written", fd);
    blocks("256 KiB written", fd);
    seeks("from 0", fd, 0);

    res("PUNCH_HOLE without KEEP_SIZE", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096));
    res("punch [64K, 128K)", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 64 * KiB, 64 * KiB));
    show("after the punch", fd);
    blocks("after the punch", fd);
    seeks("from 0", fd, 0);
    seeks("from 70000", fd, 70000);
    res("punch [1000, 3000)", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 1000, 2000));
    show("after the small punch", fd);
    res("punch past the end", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 300 * KiB, 10 * KiB));
    show("after the punch past the end", fd);
    res("punch [192K, 1M)", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 192 * KiB, 1024 * KiB));
    show("after the tail punch", fd);
    blocks("after the tail punch", fd);
    seeks("from 150000", fd, 150000);
    seeks("from 200000", fd, 200000);
    seeks("from the end", fd, 256 * KiB);
    seeks("from -1", fd, -1);

    /* allocation */
    res("mode 0 within the file", fallocate(fd, 0, 0, 4096));
    show("after mode 0 within", fd);
    res("KEEP_SIZE past the end", fallocate(fd, FALLOC_FL_KEEP_SIZE, 256 * KiB, 64 * KiB));
    show("after KEEP_SIZE past the end", fd);
    res("mode 0 past the end", fallocate(fd, 0, 300 * KiB, 20 * KiB));
    show("after mode 0 past the end", fd);

    /* a shared mapping sees the hole */
    char *m = mmap(NULL, 128 * KiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    m[4096] = 'M';
    m[8192] = 'N';
    res("punch [4K, 8K) under a mapping", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 4096));
    printf("mapping after the punch: %d %d\n", m[4096], m[8192]);
    munmap(m, 128 * KiB);
    show("after the mapped punch", fd);

    /* IN_MODIFY */
    int in = inotify_init1(IN_NONBLOCK);
    inotify_add_watch(in, path, IN_MODIFY);
    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 10);
    char evbuf[256];
    long n = read(in, evbuf, sizeof evbuf);
    printf("IN_MODIFY after a punch: %d\n", n > 0 && (((struct inotify_event *)evbuf)->mask & IN_MODIFY) ? 1 : 0);
    close(in);

    /* a file grown by truncate is all hole */
    char spath[80];
    snprintf(spath, sizeof spath, "%s-sparse", path);
    int sp = open(spath, O_CREAT | O_RDWR | O_TRUNC, 0600);
    ftruncate(sp, 1 << 20);
    blocks("1 MiB by ftruncate", sp);
    seeks("1 MiB by ftruncate", sp, 0);
    close(sp);
    unlink(spath);

    /* modes tmpfs refuses */
    res("ZERO_RANGE", fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 4096));
    res("ZERO_RANGE|KEEP_SIZE", fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 0, 4096));
    res("COLLAPSE_RANGE", fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, 64 * KiB));
    res("COLLAPSE_RANGE|KEEP_SIZE", fallocate(fd, FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_KEEP_SIZE, 0, 64 * KiB));
    res("INSERT_RANGE", fallocate(fd, FALLOC_FL_INSERT_RANGE, 0, 64 * KiB));
    res("UNSHARE_RANGE", fallocate(fd, FALLOC_FL_UNSHARE_RANGE, 0, 4096));
    res("WRITE_ZEROES", fallocate(fd, 0x80, 0, 4096));
    res("PUNCH_HOLE|ZERO_RANGE", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 0, 4096));
    res("NO_HIDE_STALE (4)", fallocate(fd, 4, 0, 4096));
    res("mode 0x100", fallocate(fd, 0x100, 0, 4096));

    /* errors */
    res("offset -1", fallocate(fd, 0, -1, 10));
    res("length 0", fallocate(fd, 0, 0, 0));
    res("length -1", fallocate(fd, 0, 0, -1));
    res("offset -1, ZERO_RANGE", fallocate(fd, FALLOC_FL_ZERO_RANGE, -1, 10));
    res("offset + length overflows", fallocate(fd, 0, LONG_MAX - 10, 100));
    res("punch overflowing", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, LONG_MAX - 10, 100));
    res("closed descriptor", fallocate(999, 0, 0, 10));
    int ro = open(path, O_RDONLY);
    res("read-only descriptor", fallocate(ro, 0, 0, 10));
    res("read-only descriptor, ZERO_RANGE", fallocate(ro, FALLOC_FL_ZERO_RANGE, 0, 10));
    close(ro);
    int op = open(path, O_PATH);
    res("O_PATH descriptor", fallocate(op, 0, 0, 10));
    close(op);
    int p[2];
    pipe(p);
    res("pipe write end", fallocate(p[1], 0, 0, 10));
    res("pipe read end", fallocate(p[0], 0, 0, 10));
    close(p[0]);
    close(p[1]);
    int nul = open("/dev/null", O_WRONLY);
    res("/dev/null", fallocate(nul, 0, 0, 10));
    close(nul);
    int ev = eventfd(0, 0);
    res("eventfd", fallocate(ev, 0, 0, 10));
    close(ev);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    res("socket", fallocate(s, 0, 0, 10));
    close(s);

    close(fd);
    unlink(path);
    return 0;
}
