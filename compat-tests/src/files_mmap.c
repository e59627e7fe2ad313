/* files_mmap: file-backed mappings. MAP_PRIVATE (copy-on-write, the file is
 * unchanged), MAP_SHARED (stores reach the file after msync and munmap, and
 * write() is visible in the mapping), offsets, the zero-filled tail of the
 * last page, MAP_FIXED / MAP_FIXED_NOREPLACE over existing mappings,
 * growing the file under a mapping, EACCES/EINVAL cases. Nothing faults.
 * Works in /tmp/compat-files_mmap. */
#include "compat.h"
#include "files.h"
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PG 4096
#define FSIZE (3 * PG + 100)

static unsigned char data[4 * PG];

static int file_matches(int fd, const unsigned char *want, size_t len)
{
    static unsigned char buf[4 * PG];
    return pread(fd, buf, len, 0) == (ssize_t)len && memcmp(buf, want, len) == 0;
}

int main(void)
{
    int fd, rofd, wofd, i;
    unsigned char *m, *m2, *a;
    unsigned char buf[PG];

    if (!f_scratch_begin("files_mmap"))
        return t_done();
    for (i = 0; i < (int)sizeof(data); i++)
        data[i] = (unsigned char)(t_rand() >> 32);
    CHECK_ERR(f_write_file("f", data, FSIZE) == 0, "create f with 3 pages + 100 bytes");
    fd = open("f", O_RDWR);
    CHECK_ERR(fd >= 0, "open f O_RDWR");

    /* ---- MAP_PRIVATE ---- */
    m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK_ERR(m != MAP_FAILED, "mmap MAP_PRIVATE 2 pages");
    if (m != MAP_FAILED) {
        CHECK(memcmp(m, data, 2 * PG) == 0, "MAP_PRIVATE mapping shows the file contents");
        memset(m + 10, 0xEE, 100);
        m[PG + 5] = (unsigned char)~data[PG + 5];
        CHECK(m[10] == 0xEE && m[PG + 5] == (unsigned char)~data[PG + 5], "stores to the private mapping stick");
        CHECK(file_matches(fd, data, FSIZE), "the file is unchanged while mapped (read)");
        CHECK_ERR(msync(m, 2 * PG, MS_SYNC) == 0, "msync of a private mapping succeeds");
        CHECK(file_matches(fd, data, FSIZE), "the file is unchanged after msync");
        CHECK_ERR(munmap(m, 2 * PG) == 0, "munmap private mapping");
        CHECK(file_matches(fd, data, FSIZE), "the file is unchanged after munmap");
    }
    m = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(m != MAP_FAILED && memcmp(m, data, PG) == 0, "a new private mapping shows the original data");
    if (m != MAP_FAILED)
        munmap(m, PG);

    /* ---- MAP_SHARED ---- */
    m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK_ERR(m != MAP_FAILED, "mmap MAP_SHARED 3 pages");
    if (m != MAP_FAILED) {
        CHECK(memcmp(m, data, 3 * PG) == 0, "MAP_SHARED mapping shows the file contents");
        memcpy(m + 123, "shared store", 12);
        memcpy(data + 123, "shared store", 12);
        CHECK_ERR(msync(m, 3 * PG, MS_SYNC) == 0, "msync MS_SYNC");
        CHECK(file_matches(fd, data, FSIZE), "read() sees the store after msync");
        m[2 * PG + 7] = 0x5A;
        data[2 * PG + 7] = 0x5A;
        CHECK(pwrite(fd, "via write", 9, PG + 1) == 9, "pwrite into the mapped range");
        memcpy(data + PG + 1, "via write", 9);
        CHECK(memcmp(m + PG + 1, "via write", 9) == 0, "write() is visible in the shared mapping");
        CHECK_ERR(msync(m, PG, MS_ASYNC) == 0, "msync MS_ASYNC");
        CHECK_ERR(F_FAILS(msync(m + 1, PG, MS_SYNC), EINVAL), "msync of an unaligned address fails with EINVAL");
        CHECK_ERR(munmap(m, 3 * PG) == 0, "munmap shared mapping");
        CHECK(file_matches(fd, data, FSIZE), "read() sees the store made before munmap");
    }
    /* two shared mappings of the same page are coherent */
    m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    m2 = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK_ERR(m != MAP_FAILED && m2 != MAP_FAILED && m != m2, "two shared mappings of page 0");
    if (m != MAP_FAILED && m2 != MAP_FAILED) {
        m[0] = 0x42;
        data[0] = 0x42;
        CHECK(m2[0] == 0x42, "a store through one shared mapping is visible through the other");
    }
    if (m != MAP_FAILED)
        munmap(m, PG);
    if (m2 != MAP_FAILED)
        munmap(m2, PG);

    /* ---- offsets ---- */
    m = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, PG);
    CHECK_ERR(m != MAP_FAILED, "mmap with offset 4096");
    CHECK(m != MAP_FAILED && memcmp(m, data + PG, PG) == 0, "offset mapping shows the second page");
    if (m != MAP_FAILED)
        munmap(m, PG);
    m = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 2 * PG);
    CHECK(m != MAP_FAILED && memcmp(m, data + 2 * PG, PG) == 0, "private mapping at offset 8192");
    if (m != MAP_FAILED)
        munmap(m, 2 * PG);
    CHECK_ERR(F_FAILS((long)mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 100), EINVAL),
              "mmap with an unaligned offset fails with EINVAL");

    /* ---- past EOF within the last page ---- */
    m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 3 * PG);
    CHECK_ERR(m != MAP_FAILED, "mmap the last (partial) page");
    if (m != MAP_FAILED) {
        CHECK(memcmp(m, data + 3 * PG, 100) == 0, "the first 100 bytes are file data");
        CHECK(f_all(m + 100, PG - 100, 0), "the rest of the last page reads as zeros");
        munmap(m, PG);
    }
    /* a store past EOF (on a separate file: what such a store leaves in the
     * page cache after a later size increase differs between file systems) */
    {
        int gfd = open("g", O_RDWR | O_CREAT | O_EXCL, 0644);
        CHECK_ERR(gfd >= 0 && write(gfd, data, 100) == 100, "create g with 100 bytes");
        m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, gfd, 0);
        CHECK_ERR(m != MAP_FAILED, "mmap g MAP_SHARED");
        if (m != MAP_FAILED) {
            m[200] = 0x77;
            CHECK_ERR(msync(m, PG, MS_SYNC) == 0, "msync after a store past EOF");
            CHECK(f_fsize(gfd) == 100, "a store past EOF does not change the file size");
            CHECK(pread(gfd, buf, 10, 200) == 0, "read() past EOF still returns 0");
            CHECK(pread(gfd, buf, 200, 0) == 100 && memcmp(buf, data, 100) == 0, "the file data is intact");
            munmap(m, PG);
        }
        close(gfd);
    }
    m = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 3 * PG);
    CHECK(m != MAP_FAILED && memcmp(m, data + 3 * PG, 100) == 0 && f_all(m + 100, PG - 100, 0),
          "private mapping of the last page: data then zeros");
    if (m != MAP_FAILED)
        munmap(m, PG);

    /* ---- growing the file under a shared mapping ---- */
    m = mmap(NULL, 5 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK_ERR(m != MAP_FAILED, "mmap 5 pages of a 4-page file (the 5th is not touched)");
    if (m != MAP_FAILED) {
        CHECK_ERR(ftruncate(fd, 5 * PG) == 0, "ftruncate the file to 5 pages");
        CHECK(f_all(m + FSIZE, 5 * PG - FSIZE, 0), "the grown part reads as zeros through the mapping");
        memcpy(m + 4 * PG, "tail", 4);
        CHECK(pread(fd, buf, 4, 4 * PG) == 4 && memcmp(buf, "tail", 4) == 0, "a store to the new page reaches the file");
        munmap(m, 5 * PG);
        CHECK_ERR(ftruncate(fd, FSIZE) == 0, "ftruncate back to 3 pages + 100");
    }

    /* ---- MAP_FIXED over an existing mapping ---- */
    a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_ERR(a != MAP_FAILED, "anonymous 4-page mapping");
    if (a != MAP_FAILED) {
        memset(a, 0xAA, 4 * PG);
        m = mmap(a + PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, PG);
        CHECK_ERR(m == a + PG, "MAP_FIXED maps file page 1 over anonymous page 1");
        CHECK(memcmp(a + PG, data + PG, PG) == 0, "the fixed mapping shows the file page");
        CHECK(f_all(a, PG, 0xAA) && f_all(a + 2 * PG, 2 * PG, 0xAA), "the neighbouring pages are intact");
        m = mmap(a + 2 * PG, PG, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
        CHECK_ERR(m == MAP_FAILED && errno == EEXIST, "MAP_FIXED_NOREPLACE over an existing mapping fails with EEXIST");
        CHECK(f_all(a + 2 * PG, PG, 0xAA), "the existing page is untouched");
        CHECK_ERR(munmap(a + 3 * PG, PG) == 0, "munmap the last page");
        m = mmap(a + 3 * PG, PG, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
        CHECK_ERR(m == a + 3 * PG, "MAP_FIXED_NOREPLACE into a hole succeeds");
        CHECK(m == a + 3 * PG && memcmp(m, data, PG) == 0, "and shows file page 0");
        munmap(a, 4 * PG);
    }

    /* ---- permission and argument errors ---- */
    rofd = open("f", O_RDONLY);
    wofd = open("f", O_WRONLY);
    CHECK_ERR(F_FAILS((long)mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, rofd, 0), EACCES),
              "MAP_SHARED PROT_WRITE of a read-only descriptor fails with EACCES");
    m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, rofd, 0);
    CHECK_ERR(m != MAP_FAILED, "MAP_PRIVATE PROT_WRITE of a read-only descriptor succeeds");
    if (m != MAP_FAILED)
        munmap(m, PG);
    m = mmap(NULL, PG, PROT_READ, MAP_SHARED, rofd, 0);
    CHECK_ERR(m != MAP_FAILED, "MAP_SHARED PROT_READ of a read-only descriptor");
    if (m != MAP_FAILED) {
        CHECK_ERR(F_FAILS(mprotect(m, PG, PROT_READ | PROT_WRITE), EACCES),
                  "mprotect PROT_WRITE on it fails with EACCES");
        munmap(m, PG);
    }
    CHECK_ERR(F_FAILS((long)mmap(NULL, PG, PROT_READ, MAP_SHARED, wofd, 0), EACCES),
              "mmap of a write-only descriptor fails with EACCES");
    CHECK_ERR(F_FAILS((long)mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0), EINVAL), "mmap of length 0 fails with EINVAL");
    CHECK_ERR(F_FAILS((long)mmap(NULL, PG, PROT_READ, MAP_SHARED, 999, 0), EBADF),
              "mmap of a closed descriptor fails with EBADF");
    {
        int dfd = open(".", O_RDONLY | O_DIRECTORY);
        CHECK_ERR(F_FAILS((long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, dfd, 0), ENODEV),
                  "mmap of a directory fails with ENODEV");
        close(dfd);
    }
    close(rofd);
    close(wofd);

    /* the descriptor can be closed while the mapping stays */
    m = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK_ERR(close(fd) == 0, "close the descriptor of a live mapping");
    CHECK(m != MAP_FAILED && memcmp(m, data, PG) == 0, "the mapping still shows the file");
    if (m != MAP_FAILED)
        munmap(m, PG);
    fd = open("f", O_RDONLY);
    CHECK(file_matches(fd, data, FSIZE), "final file contents are exactly the expected ones");
    close(fd);

    f_scratch_end();
    return t_done();
}
