/* cachestat: page-cache statistics of a tmpfs file (/dev/shm) over ranges (len 0: to the end,
 * unaligned offsets, past the end, holes), and the errors: bad flags, bad descriptors (closed,
 * O_PATH), bad range/result pointers. Pipes and sockets have an empty cache. Each line: what,
 * result, errno, and for a success the five counters. */
#include "compat.h"
#include <fcntl.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_cachestat
#define SYS_cachestat 451
#endif
#define PG 4096ULL

struct cs_range { uint64_t off, len; };
struct cs { uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted; };

static void show(const char *what, int fd, uint64_t off, uint64_t len, unsigned flags)
{
    struct cs_range r = { off, len };
    struct cs c;
    memset(&c, 0xff, sizeof c);
    errno = 0;
    long rc = syscall(SYS_cachestat, fd, &r, &c, flags);
    if (rc < 0) { printf("%s: -1 errno %d\n", what, errno); return; }
    printf("%s: %ld cache %llu dirty %llu writeback %llu evicted %llu recently %llu\n", what, rc,
           (unsigned long long)c.nr_cache, (unsigned long long)c.nr_dirty, (unsigned long long)c.nr_writeback,
           (unsigned long long)c.nr_evicted, (unsigned long long)c.nr_recently_evicted);
}

static void raw(const char *what, long rc)
{
    printf("%s: %ld errno %d\n", what, rc, rc < 0 ? errno : 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char path[64];
    snprintf(path, sizeof path, "/dev/shm/cachestat-%d", (int)getpid());
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    if (fd < 0) { printf("open: errno %d\n", errno); return 1; }
    show("empty file", fd, 0, 0, 0);
    char page[PG];
    memset(page, 'x', sizeof page);
    for (int i = 0; i < 4; i++) write(fd, page, sizeof page);       /* pages 0-3 */
    write(fd, page, 100);                                            /* page 4, partly */
    show("whole file (len 0)", fd, 0, 0, 0);
    show("first page", fd, 0, PG, 0);
    show("one byte", fd, 0, 1, 0);
    show("bytes 4095-4096 (two pages)", fd, PG - 1, 2, 0);
    show("pages 1-2", fd, PG, 2 * PG, 0);
    show("offset 3 pages, len 0", fd, 3 * PG, 0, 0);
    show("past the end", fd, 100 * PG, PG, 0);
    show("huge length", fd, 0, ~0ULL >> 1, 0);
    show("offset past the end, len 0", fd, 100 * PG, 0, 0);
    show("len wraps", fd, 2 * PG, ~0ULL, 0);
    /* A hole of whole 64 KiB blocks: pages 16-47 never written (a hole inside a block that holds
     * data counts as cached in the unikernel, which stores files in 64 KiB blocks: not tested). */
    for (int i = 0; i < 16; i++) pwrite(fd, page, sizeof page, i * PG);
    pwrite(fd, page, 10, 48 * PG);
    show("0-15 and 48 written: whole file", fd, 0, 0, 0);
    show("the hole 16-47", fd, 16 * PG, 32 * PG, 0);
    show("pages 40-50", fd, 40 * PG, 11 * PG, 0);
    ftruncate(fd, 2 * PG);
    show("after truncate to 2 pages", fd, 0, 0, 0);
    int sparse = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    ftruncate(sparse, 10 * PG);
    show("a file only extended by ftruncate", sparse, 0, 0, 0);
    unlink(path);

    show("flags 1", fd, 0, 0, 1);
    show("closed descriptor", 999, 0, 0, 0);
    show("negative descriptor", -1, 0, 0, 0);
    int opath = open("/dev/shm", O_PATH);
    show("O_PATH descriptor", opath, 0, 0, 0);
    int dirfd = open("/dev/shm", O_RDONLY | O_DIRECTORY);
    show("directory", dirfd, 0, 0, 0);
    struct cs c;
    errno = 0;
    raw("range NULL", syscall(SYS_cachestat, fd, NULL, &c, 0));
    struct cs_range r = { 0, 0 };
    raw("result NULL", syscall(SYS_cachestat, fd, &r, NULL, 0));
    raw("range NULL, flags 1", syscall(SYS_cachestat, fd, NULL, &c, 1));
    raw("bad descriptor, range NULL", syscall(SYS_cachestat, 999, NULL, &c, 0));

    int p[2];
    pipe(p);
    write(p[1], "abc", 3);
    show("pipe", p[0], 0, 0, 0);
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    show("socket", sv[0], 0, 0, 0);
    return 0;
}
