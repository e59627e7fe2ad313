/* files_rw: read/write and their positioned/vectored forms, lseek (incl.
 * holes), ESPIPE, ftruncate/truncate, fsync/fdatasync, fallocate, the stat
 * family (deterministic fields only: type, permission bits, size, nlink),
 * access/faccessat/faccessat2, umask, and a 32 MiB file written in odd-sized pieces
 * around a hole, checked by read and by mmap. Works in /tmp/compat-files_rw. */
#include "compat.h"
#include "files.h"
#include <stdint.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif
#ifndef SYS_statx
#define SYS_statx 332
#endif
#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif

/* struct statx as the kernel lays it out (musl 1.2.3 has no statx) */
struct t_statx_ts {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct t_statx {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, spare0;
    uint64_t ino, size, blocks, attributes_mask;
    struct t_statx_ts atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t spare[14];
};
#define T_STATX_TYPE 0x1u
#define T_STATX_MODE 0x2u
#define T_STATX_NLINK 0x4u
#define T_STATX_INO 0x100u
#define T_STATX_SIZE 0x200u
#define T_STATX_BASIC_STATS 0x7ffu

static unsigned char pat[8192];

/* The byte at offset i of the big file (a hole reads as 0 instead). */
static unsigned char big_byte(uint64_t i)
{
    uint64_t x = i * 0x9E3779B97F4A7C15ull;
    return (unsigned char)((x >> 29) ^ (x >> 47) ^ i);
}

#define BIG_SIZE (32ull << 20)
#define HOLE_START (16ull << 20)
#define HOLE_END ((17ull << 20) + 3)

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t k = 0; k < n; k++) h = (h ^ p[k]) * 0x100000001b3ull;
    return h;
}

/* Writes "big" in odd-sized writes with a hole in the middle; compares its
 * checksum through read(2) and through a shared read-only mapping with the
 * expected one, and prints it (so a native run must print the same). */
static void big_file(void)
{
    static unsigned char b[200003];
    static const size_t sizes[] = { 1, 4097, 65537, 12345, 65535, 200003, 7, 131071, 99991 };
    uint64_t off = 0, expect = 0xcbf29ce484222325ull, got = expect, mapped = expect;
    unsigned k = 0;
    int ok = 1;
    int fd = open("big", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK_ERR(fd >= 0, "create big");
    while (off < BIG_SIZE && ok) {
        size_t n = sizes[k++ % (sizeof sizes / sizeof sizes[0])], j;
        if (off < HOLE_START && off + n > HOLE_START) n = HOLE_START - off;
        if (off + n > BIG_SIZE) n = BIG_SIZE - off;
        if (off == HOLE_START) {
            ok = lseek(fd, HOLE_END, SEEK_SET) == (off_t)HOLE_END;
            off = HOLE_END;
            continue;
        }
        for (j = 0; j < n; j++) b[j] = big_byte(off + j);
        ok = write(fd, b, n) == (ssize_t)n;
        off += n;
    }
    CHECK_ERR(ok, "32 MiB written in odd-sized writes around a 1 MiB hole");
    for (off = 0; off < BIG_SIZE; off += sizeof b) {
        size_t n = BIG_SIZE - off < sizeof b ? (size_t)(BIG_SIZE - off) : sizeof b, j;
        for (j = 0; j < n; j++) b[j] = off + j >= HOLE_START && off + j < HOLE_END ? 0 : big_byte(off + j);
        expect = fnv1a(expect, b, n);
    }
    CHECK_ERR(lseek(fd, 0, SEEK_END) == (off_t)BIG_SIZE, "big is 32 MiB");
    CHECK_ERR(lseek(fd, 0, SEEK_SET) == 0, "rewind big");
    for (;;) {
        ssize_t n = read(fd, b, 65536 + 13);
        if (n <= 0) break;
        got = fnv1a(got, b, (size_t)n);
    }
    CHECK(got == expect, "read(2) of big gives the bytes written (checksum %016llx)", (unsigned long long)got);
    unsigned char *m = mmap(NULL, BIG_SIZE, PROT_READ, MAP_SHARED, fd, 0);
    CHECK_ERR(m != MAP_FAILED, "mmap big");
    if (m != MAP_FAILED) {
        mapped = fnv1a(mapped, m, BIG_SIZE);
        CHECK(mapped == expect, "mmap of big gives the same bytes (checksum %016llx)", (unsigned long long)mapped);
        munmap(m, BIG_SIZE);
    }
    CHECK_ERR(ftruncate(fd, HOLE_START + 5) == 0 && pread(fd, b, 16, HOLE_START - 8) == 13 &&
              b[7] == big_byte(HOLE_START - 1) && b[8] == 0 && b[12] == 0,
              "truncating big into its hole keeps the bytes before it");
    close(fd);
    CHECK_ERR(unlink("big") == 0, "unlink big");
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int main(void)
{
    int fd, fd2, p[2], i;
    unsigned char buf[16384];
    struct iovec iov[3];
    struct stat st, st2;
    struct t_statx sx;
    ssize_t n;
    long r;
    mode_t old;
    volatile int minus_one = -1; /* volatile: keeps gcc's access warnings quiet */

    if (!f_scratch_begin("files_rw"))
        return t_done();
    for (i = 0; i < (int)sizeof(pat); i++)
        pat[i] = (unsigned char)(t_rand() >> 24);

    /* ---- umask ---- */
    old = umask(027);
    CHECK(old == 022, "umask returns the previous mask 022");
    fd = open("m640", O_WRONLY | O_CREAT, 0666);
    CHECK_ERR(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0640, "file created with umask 027 is 0640");
    close(fd);
    CHECK(mkdir("d750", 0777) == 0 && stat("d750", &st) == 0 && (st.st_mode & 0777) == 0750,
          "directory created with umask 027 is 0750");
    CHECK(umask(022) == 027, "umask returns 027 when set back to 022");

    /* ---- write/read ---- */
    fd = open("f", O_RDWR | O_CREAT | O_EXCL, 0666);
    CHECK_ERR(fd >= 0, "create f");
    CHECK_ERR(write(fd, pat, 4096) == 4096, "write 4096 bytes");
    CHECK(lseek(fd, 0, SEEK_CUR) == 4096, "offset advanced to 4096");
    CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek SEEK_SET 0");
    n = read(fd, buf, 1000);
    CHECK(n == 1000 && memcmp(buf, pat, 1000) == 0, "read 1000 bytes back");
    n = read(fd, buf, sizeof(buf));
    CHECK(n == 3096 && memcmp(buf, pat + 1000, 3096) == 0, "read returns the remaining 3096 bytes");
    CHECK(read(fd, buf, sizeof(buf)) == 0, "read at EOF returns 0");
    CHECK(write(fd, pat, 0) == 0, "write of 0 bytes returns 0");
    CHECK(read(fd, buf, 0) == 0, "read of 0 bytes returns 0");

    /* ---- pread64/pwrite64 ---- */
    n = pread64(fd, buf, 100, 2000);
    CHECK(n == 100 && memcmp(buf, pat + 2000, 100) == 0, "pread64 100 bytes at 2000");
    CHECK(lseek(fd, 0, SEEK_CUR) == 4096, "pread64 does not move the offset");
    CHECK(pwrite64(fd, "PWRITE", 6, 10) == 6, "pwrite64 6 bytes at 10");
    CHECK(lseek(fd, 0, SEEK_CUR) == 4096, "pwrite64 does not move the offset");
    n = pread64(fd, buf, 8, 9);
    CHECK(n == 8 && buf[0] == pat[9] && memcmp(buf + 1, "PWRITE", 6) == 0 && buf[7] == pat[16],
          "pread64 sees the pwrite64 data");
    CHECK(pread64(fd, buf, 100, 4090) == 6, "pread64 across EOF is short");
    CHECK(pread64(fd, buf, 100, 100000) == 0, "pread64 beyond EOF returns 0");
    CHECK_ERR(F_FAILS(pread64(fd, buf, 1, -1), EINVAL), "pread64 at a negative offset fails with EINVAL");
    memcpy(pat + 10, "PWRITE", 6);

    /* ---- readv/writev/preadv/pwritev ---- */
    lseek(fd, 4096, SEEK_SET);
    iov[0].iov_base = "abc";
    iov[0].iov_len = 3;
    iov[1].iov_base = "";
    iov[1].iov_len = 0;
    iov[2].iov_base = "defgh";
    iov[2].iov_len = 5;
    CHECK_ERR(writev(fd, iov, 3) == 8, "writev of 3+0+5 bytes");
    CHECK(f_fsize(fd) == 4104, "size is 4104 after writev");
    {
        char a[2], b[4], c[10];
        struct iovec rv[3] = {{a, 2}, {b, 4}, {c, 10}};
        lseek(fd, 4096, SEEK_SET);
        n = readv(fd, rv, 3);
        CHECK(n == 8 && memcmp(a, "ab", 2) == 0 && memcmp(b, "cdef", 4) == 0 && memcmp(c, "gh", 2) == 0,
              "readv scatters 8 bytes into 2+4+10 buffers");
        memset(a, 0, 2);
        memset(b, 0, 4);
        n = preadv(fd, rv, 2, 4097);
        CHECK(n == 6 && memcmp(a, "bc", 2) == 0 && memcmp(b, "defg", 4) == 0, "preadv at 4097");
        CHECK(lseek(fd, 0, SEEK_CUR) == 4104, "preadv does not move the offset");
    }
    iov[0].iov_base = "XY";
    iov[0].iov_len = 2;
    iov[1].iov_base = "Z";
    iov[1].iov_len = 1;
    CHECK_ERR(pwritev(fd, iov, 2, 4100) == 3, "pwritev 2+1 bytes at 4100");
    CHECK(lseek(fd, 0, SEEK_CUR) == 4104, "pwritev does not move the offset");
    n = pread64(fd, buf, 16, 4096);
    CHECK(n == 8 && memcmp(buf, "abcdXYZh", 8) == 0, "file tail is abcdXYZh");
    CHECK_ERR(F_FAILS(writev(fd, iov, minus_one), EINVAL), "writev with a negative count fails with EINVAL");

    /* ---- lseek ---- */
    CHECK(lseek(fd, 0, SEEK_END) == 4104, "lseek SEEK_END 0 gives the size");
    CHECK(lseek(fd, -4, SEEK_END) == 4100, "lseek SEEK_END -4");
    CHECK(lseek(fd, -100, SEEK_CUR) == 4000, "lseek SEEK_CUR -100");
    CHECK(lseek(fd, 96, SEEK_CUR) == 4096, "lseek SEEK_CUR +96");
    CHECK_ERR(F_FAILS(lseek(fd, -1, SEEK_SET), EINVAL), "lseek to a negative offset fails with EINVAL");
    CHECK(lseek(fd, 0, SEEK_CUR) == 4096, "failed lseek leaves the offset");
    CHECK_ERR(F_FAILS(lseek(fd, 0, 99), EINVAL), "lseek with a bad whence fails with EINVAL");
    CHECK(lseek(fd, 20000, SEEK_SET) == 20000, "lseek beyond EOF succeeds");
    CHECK(f_fsize(fd) == 4104, "lseek beyond EOF does not change the size");
    CHECK(read(fd, buf, 10) == 0, "read beyond EOF returns 0");
    CHECK_ERR(write(fd, "E", 1) == 1, "write beyond EOF");
    CHECK(f_fsize(fd) == 20001, "size is 20001 after writing at 20000");
    n = pread64(fd, buf, 20000 - 4104, 4104);
    CHECK(n == 20000 - 4104 && f_all(buf, 20000 - 4104, 0), "the hole reads as zeros");
    n = pread64(fd, buf, 10, 19998);
    CHECK(n == 3 && buf[0] == 0 && buf[1] == 0 && buf[2] == 'E', "data after the hole");
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, buf, 4096) == 4096 && memcmp(buf, pat, 4096) == 0,
          "data before the hole is intact");

    /* ---- ESPIPE ---- */
    CHECK_ERR(pipe(p) == 0, "pipe");
    CHECK_ERR(F_FAILS(lseek(p[0], 0, SEEK_SET), ESPIPE), "lseek on a pipe fails with ESPIPE");
    CHECK_ERR(F_FAILS(lseek(p[1], 0, SEEK_CUR), ESPIPE), "lseek SEEK_CUR on a pipe fails with ESPIPE");
    CHECK_ERR(F_FAILS(pread64(p[0], buf, 1, 0), ESPIPE), "pread64 on a pipe fails with ESPIPE");
    CHECK_ERR(F_FAILS(pwrite64(p[1], "x", 1, 0), ESPIPE), "pwrite64 on a pipe fails with ESPIPE");
    CHECK_ERR(F_FAILS(ftruncate(p[1], 0), EINVAL), "ftruncate on a pipe fails with EINVAL");

    /* ---- ftruncate/truncate ---- */
    CHECK_ERR(ftruncate(fd, 30000) == 0, "ftruncate grow to 30000");
    CHECK(f_fsize(fd) == 30000, "size is 30000");
    n = pread64(fd, buf, 10000, 20001);
    CHECK(n == 9999 && f_all(buf, 9999, 0), "grown part reads as zeros");
    CHECK_ERR(ftruncate(fd, 100) == 0, "ftruncate shrink to 100");
    CHECK(f_fsize(fd) == 100, "size is 100");
    lseek(fd, 0, SEEK_SET);
    n = read(fd, buf, sizeof(buf));
    CHECK(n == 100 && memcmp(buf, pat, 100) == 0, "read returns the first 100 bytes");
    CHECK_ERR(ftruncate(fd, 200) == 0, "ftruncate grow to 200 after shrinking");
    n = pread64(fd, buf, 200, 0);
    CHECK(n == 200 && memcmp(buf, pat, 100) == 0 && f_all(buf + 100, 100, 0),
          "truncated-away data does not come back");
    CHECK_ERR(truncate("f", 50) == 0, "truncate by path to 50");
    CHECK(f_fsize(fd) == 50 && f_size("f") == 50, "size is 50 via fstat and stat");
    CHECK_ERR(F_FAILS(truncate("missing", 0), ENOENT), "truncate of a missing file fails with ENOENT");
    CHECK_ERR(F_FAILS(truncate("d750", 0), EISDIR), "truncate of a directory fails with EISDIR");
    CHECK_ERR(F_FAILS(ftruncate(fd, -1), EINVAL), "ftruncate to a negative size fails with EINVAL");
    fd2 = open("f", O_RDONLY);
    CHECK_ERR(F_FAILS(ftruncate(fd2, 0), EINVAL), "ftruncate on a read-only descriptor fails with EINVAL");
    CHECK_ERR(F_FAILS(write(fd2, "x", 1), EBADF), "write on a read-only descriptor fails with EBADF");
    close(fd2);
    CHECK_ERR(F_FAILS(ftruncate(999, 0), EBADF), "ftruncate on a closed descriptor fails with EBADF");

    /* ---- fsync/fdatasync ---- */
    CHECK_ERR(fsync(fd) == 0, "fsync returns 0");
    CHECK_ERR(fdatasync(fd) == 0, "fdatasync returns 0");
    CHECK_ERR(F_FAILS(fsync(999), EBADF), "fsync on a closed descriptor fails with EBADF");
    CHECK_ERR(F_FAILS(fsync(p[0]), EINVAL), "fsync on a pipe fails with EINVAL");
    close(p[0]);
    close(p[1]);
    close(fd);

    /* ---- fallocate (mode 0) ---- */
    fd = open("fa", O_RDWR | O_CREAT | O_EXCL, 0644);
    CHECK_ERR(fd >= 0, "create fa");
    errno = 0;
    r = fallocate(fd, 0, 0, 8192);
    if (r == 0) {
        n = pread64(fd, buf, sizeof(buf), 0);
        CHECK(f_fsize(fd) == 8192 && n == 8192 && f_all(buf, 8192, 0),
              "fallocate mode 0 extends the size to 8192 with zeros (or EOPNOTSUPP)");
    } else {
        CHECK_ERR(errno == EOPNOTSUPP && f_fsize(fd) == 0,
                  "fallocate mode 0 extends the size to 8192 with zeros (or EOPNOTSUPP)");
    }
    CHECK_ERR(F_FAILS(fallocate(fd, 0, 0, 0), EINVAL), "fallocate of length 0 fails with EINVAL");
    CHECK_ERR(F_FAILS(fallocate(fd, 0, -1, 10), EINVAL), "fallocate at a negative offset fails with EINVAL");
    close(fd);

    /* ---- stat family ---- */
    f_write_file("s", pat, 1234);
    CHECK_ERR(stat("s", &st) == 0, "stat s");
    CHECK(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644, "stat: regular file, mode 0644");
    CHECK(st.st_size == 1234, "stat: size 1234");
    CHECK(st.st_nlink == 1, "stat: nlink 1");
    CHECK(st.st_uid == geteuid() && st.st_gid == getegid(), "stat: owner is the effective uid/gid");
    fd = open("s", O_RDONLY);
    CHECK_ERR(fstat(fd, &st2) == 0, "fstat s");
    CHECK(same_file(&st, &st2) && st2.st_mode == st.st_mode && st2.st_size == 1234 && st2.st_nlink == 1,
          "fstat agrees with stat");
    CHECK_ERR(symlink("s", "sl") == 0, "symlink sl -> s");
    CHECK_ERR(lstat("sl", &st2) == 0, "lstat sl");
    CHECK(S_ISLNK(st2.st_mode) && (st2.st_mode & 0777) == 0777, "lstat: symlink with mode 0777");
    CHECK(st2.st_size == 1, "lstat: symlink size is the target length (1)");
    CHECK(stat("sl", &st2) == 0 && same_file(&st, &st2) && S_ISREG(st2.st_mode), "stat follows the symlink");
    CHECK(fstatat(AT_FDCWD, "s", &st2, 0) == 0 && same_file(&st, &st2) && st2.st_size == 1234,
          "fstatat(AT_FDCWD) agrees");
    CHECK(fstatat(AT_FDCWD, "sl", &st2, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st2.st_mode),
          "fstatat AT_SYMLINK_NOFOLLOW sees the link");
    CHECK(fstatat(fd, "", &st2, AT_EMPTY_PATH) == 0 && same_file(&st, &st2), "fstatat AT_EMPTY_PATH on a descriptor");
    {
        int dfd = open(".", O_RDONLY | O_DIRECTORY);
        CHECK(fstatat(dfd, "s", &st2, 0) == 0 && same_file(&st, &st2), "fstatat relative to a directory descriptor");
        CHECK(fstat(dfd, &st2) == 0 && S_ISDIR(st2.st_mode) && (st2.st_mode & 07777) == 0755 && st2.st_nlink >= 1,
              "fstat of the scratch directory: directory, mode 0755");
        close(dfd);
    }
    /* raw system calls: the kernel's struct stat is the libc's on x86-64 */
    memset(&st2, 0, sizeof(st2));
    CHECK(syscall(SYS_stat, "s", &st2) == 0 && same_file(&st, &st2) && st2.st_size == 1234, "raw stat");
    memset(&st2, 0, sizeof(st2));
    CHECK(syscall(SYS_fstat, fd, &st2) == 0 && same_file(&st, &st2) && st2.st_size == 1234, "raw fstat");
    memset(&st2, 0, sizeof(st2));
    CHECK(syscall(SYS_lstat, "sl", &st2) == 0 && S_ISLNK(st2.st_mode) && st2.st_size == 1, "raw lstat");
    memset(&st2, 0, sizeof(st2));
    CHECK(syscall(SYS_newfstatat, AT_FDCWD, "sl", &st2, 0) == 0 && same_file(&st, &st2) && st2.st_size == 1234,
          "raw newfstatat");
    memset(&sx, 0xff, sizeof(sx));
    r = syscall(SYS_statx, AT_FDCWD, "s", 0, T_STATX_BASIC_STATS, &sx);
    CHECK_ERR(r == 0, "statx s");
    if (r == 0) {
        uint32_t need = T_STATX_TYPE | T_STATX_MODE | T_STATX_NLINK | T_STATX_INO | T_STATX_SIZE;
        CHECK((sx.mask & need) == need, "statx mask has TYPE|MODE|NLINK|INO|SIZE");
        CHECK(S_ISREG(sx.mode) && (sx.mode & 07777) == 0644, "statx: regular file, mode 0644");
        CHECK(sx.size == 1234 && sx.nlink == 1, "statx: size 1234, nlink 1");
        CHECK(sx.ino == st.st_ino && makedev(sx.dev_major, sx.dev_minor) == st.st_dev, "statx ino/dev agree with stat");
        CHECK(sx.uid == st.st_uid && sx.gid == st.st_gid, "statx uid/gid agree with stat");
        CHECK(sx.mtime.tv_sec == st.st_mtim.tv_sec && sx.mtime.tv_nsec == (uint32_t)st.st_mtim.tv_nsec,
              "statx mtime agrees with stat");
    }
    r = syscall(SYS_statx, AT_FDCWD, "sl", AT_SYMLINK_NOFOLLOW, T_STATX_BASIC_STATS, &sx);
    CHECK(r == 0 && S_ISLNK(sx.mode) && sx.size == 1, "statx AT_SYMLINK_NOFOLLOW sees the link");
    r = syscall(SYS_statx, fd, "", AT_EMPTY_PATH, T_STATX_BASIC_STATS, &sx);
    CHECK(r == 0 && sx.ino == st.st_ino && sx.size == 1234, "statx AT_EMPTY_PATH on a descriptor");
    CHECK_ERR(F_FAILS(syscall(SYS_statx, AT_FDCWD, "missing", 0, T_STATX_BASIC_STATS, &sx), ENOENT),
              "statx of a missing file fails with ENOENT");
    CHECK_ERR(F_FAILS(syscall(SYS_statx, AT_FDCWD, "s", 0, 0x80000000u, &sx), EINVAL),
              "statx with a reserved mask bit fails with EINVAL");
    close(fd);
    CHECK_ERR(F_FAILS(stat("missing", &st2), ENOENT), "stat of a missing file fails with ENOENT");
    CHECK_ERR(F_FAILS(stat("", &st2), ENOENT), "stat of an empty path fails with ENOENT");
    CHECK_ERR(F_FAILS(stat("s/x", &st2), ENOTDIR), "stat through a file fails with ENOTDIR");
    CHECK_ERR(F_FAILS(fstat(999, &st2), EBADF), "fstat of a closed descriptor fails with EBADF");
    CHECK_ERR(F_FAILS(syscall(SYS_stat, "s", (void *)8), EFAULT), "raw stat into a bad address fails with EFAULT");

    /* ---- access/faccessat/faccessat2 ---- */
    f_write_file("x", "#!/bin/sh\n", 10);
    chmod("x", 0755);
    CHECK_ERR(access("s", F_OK) == 0, "access F_OK on an existing file");
    CHECK_ERR(access("s", R_OK) == 0, "access R_OK on a 0644 file");
    CHECK_ERR(access("s", W_OK) == 0, "access W_OK on a 0644 file");
    CHECK_ERR(access("s", R_OK | W_OK) == 0, "access R_OK|W_OK on a 0644 file");
    CHECK_ERR(F_FAILS(access("s", X_OK), EACCES), "access X_OK on a 0644 file fails with EACCES");
    CHECK_ERR(access("x", X_OK) == 0, "access X_OK on a 0755 file");
    CHECK_ERR(access(".", X_OK) == 0, "access X_OK on a directory");
    CHECK_ERR(F_FAILS(access("missing", F_OK), ENOENT), "access F_OK on a missing file fails with ENOENT");
    CHECK_ERR(F_FAILS(access("missing", R_OK), ENOENT), "access R_OK on a missing file fails with ENOENT");
    CHECK_ERR(F_FAILS(access("missing", W_OK), ENOENT), "access W_OK on a missing file fails with ENOENT");
    CHECK_ERR(F_FAILS(access("s", 0x40), EINVAL), "access with a bad mode fails with EINVAL");
    CHECK_ERR(faccessat(AT_FDCWD, "s", R_OK | W_OK, 0) == 0, "faccessat(AT_FDCWD) R_OK|W_OK");
    CHECK_ERR(faccessat(AT_FDCWD, "s", R_OK, AT_EACCESS) == 0, "faccessat AT_EACCESS");
    {
        int dfd = open(".", O_RDONLY | O_DIRECTORY);
        CHECK_ERR(faccessat(dfd, "s", F_OK, 0) == 0, "faccessat relative to a directory descriptor");
        CHECK_ERR(F_FAILS(faccessat(dfd, "missing", F_OK, 0), ENOENT), "faccessat of a missing file fails with ENOENT");
        close(dfd);
    }
    CHECK_ERR(syscall(SYS_faccessat2, AT_FDCWD, "s", R_OK | W_OK, 0) == 0, "faccessat2 R_OK|W_OK");
    CHECK_ERR(syscall(SYS_faccessat2, AT_FDCWD, "s", R_OK, AT_EACCESS) == 0, "faccessat2 AT_EACCESS");
    CHECK_ERR(F_FAILS(syscall(SYS_faccessat2, AT_FDCWD, "missing", F_OK, 0), ENOENT),
              "faccessat2 of a missing file fails with ENOENT");
    CHECK_ERR(symlink("missing", "dangling") == 0, "dangling symlink");
    CHECK_ERR(F_FAILS(access("dangling", F_OK), ENOENT), "access follows a dangling symlink: ENOENT");
    CHECK_ERR(syscall(SYS_faccessat2, AT_FDCWD, "dangling", F_OK, AT_SYMLINK_NOFOLLOW) == 0,
              "faccessat2 AT_SYMLINK_NOFOLLOW sees the dangling link itself");
    CHECK_ERR(F_FAILS(syscall(SYS_faccessat2, AT_FDCWD, "s", F_OK, 0x1), EINVAL),
              "faccessat2 with bad flags fails with EINVAL");

    big_file();

    f_scratch_end();
    return t_done();
}
