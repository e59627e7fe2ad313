/* files_open: open(2)/openat(2)/creat(2) flags and errno cases, O_CLOEXEC,
 * close(2) and close_range(2). Works in /tmp/compat-files_open. */
#include "compat.h"
#include "files.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static int fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

int main(void)
{
    int fd, fd2, dfd, i;
    struct stat st;
    char buf[64];
    char longname[301];
    char *longpath;
    ssize_t n;

    if (!f_scratch_begin("files_open"))
        return t_done();

    /* ---- O_CREAT, O_EXCL ---- */
    fd = open("a", O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK_ERR(fd >= 0, "open O_CREAT|O_EXCL creates a new file");
    CHECK(fd > 2, "new descriptor is above stdin/stdout/stderr");
    CHECK_ERR(write(fd, "hello world", 11) == 11, "write 11 bytes");
    CHECK_ERR(close(fd) == 0, "close");
    CHECK(fstatat(AT_FDCWD, "a", &st, 0) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644,
          "created file is a regular file with mode 0644");
    CHECK_ERR(F_FAILS(open("a", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST),
              "O_CREAT|O_EXCL on an existing file fails with EEXIST");
    fd = open("a", O_RDONLY | O_CREAT, 0600);
    CHECK_ERR(fd >= 0, "O_CREAT without O_EXCL opens an existing file");
    n = read(fd, buf, sizeof(buf));
    CHECK(n == 11 && memcmp(buf, "hello world", 11) == 0, "O_CREAT kept the existing contents");
    close(fd);
    CHECK(stat("a", &st) == 0 && (st.st_mode & 07777) == 0644, "O_CREAT on an existing file keeps its mode");
    fd = open("x755", O_WRONLY | O_CREAT | O_EXCL, 0777);
    CHECK_ERR(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0755,
              "O_CREAT mode 0777 with umask 022 gives 0755");
    if (fd >= 0)
        close(fd);

    /* ---- O_TRUNC ---- */
    fd = open("a", O_WRONLY | O_TRUNC);
    CHECK_ERR(fd >= 0, "open O_WRONLY|O_TRUNC");
    CHECK(f_fsize(fd) == 0, "O_TRUNC truncates to size 0");
    CHECK_ERR(write(fd, "xyz", 3) == 3, "write after O_TRUNC");
    close(fd);
    CHECK(f_file_is("a", "xyz"), "file holds only the new data");
    fd = open("a", O_RDONLY | O_TRUNC);
    /* O_RDONLY|O_TRUNC is unspecified by POSIX; Linux truncates. */
    CHECK_ERR(fd >= 0, "open O_RDONLY|O_TRUNC succeeds");
    if (fd >= 0)
        close(fd);
    f_write_file("a", "xyz", 3);

    /* ---- O_APPEND ---- */
    fd = open("a", O_WRONLY | O_APPEND);
    CHECK_ERR(fd >= 0, "open O_WRONLY|O_APPEND");
    CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek to 0 on an O_APPEND descriptor");
    CHECK_ERR(write(fd, "123", 3) == 3, "write on O_APPEND");
    CHECK(lseek(fd, 0, SEEK_CUR) == 6, "offset is at the new end after an appending write");
    CHECK_ERR(pwrite(fd, "!", 1, 0) == 1, "pwrite on O_APPEND");
    close(fd);
    /* Linux: pwrite on an O_APPEND descriptor appends too (documented bug) */
    CHECK(f_file_is("a", "xyz123!"), "O_APPEND wrote at the end despite lseek and pwrite offset 0");
    f_write_file("a", "xyz123", 6);

    /* ---- O_DIRECTORY, O_NOFOLLOW ---- */
    CHECK_ERR(F_FAILS(open("a", O_RDONLY | O_DIRECTORY), ENOTDIR), "O_DIRECTORY on a file fails with ENOTDIR");
    fd = open(".", O_RDONLY | O_DIRECTORY);
    CHECK_ERR(fd >= 0, "O_DIRECTORY on a directory succeeds");
    if (fd >= 0)
        close(fd);
    CHECK_ERR(symlink("a", "lnk") == 0, "symlink lnk -> a");
    CHECK_ERR(F_FAILS(open("lnk", O_RDONLY | O_NOFOLLOW), ELOOP), "O_NOFOLLOW on a symlink fails with ELOOP");
    fd = open("lnk", O_RDONLY);
    n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
    CHECK_ERR(n == 6 && memcmp(buf, "xyz123", 6) == 0, "open through a symlink reads the target");
    if (fd >= 0)
        close(fd);
    fd = open("lnk", O_PATH | O_NOFOLLOW);
    CHECK_ERR(fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode), "O_PATH|O_NOFOLLOW opens the symlink itself");
    if (fd >= 0) {
        CHECK_ERR(F_FAILS(read(fd, buf, 1), EBADF), "read on an O_PATH descriptor fails with EBADF");
        close(fd);
    }
    CHECK_ERR(symlink("lnk2", "lnk2") == 0, "symlink loop lnk2 -> lnk2");
    CHECK_ERR(F_FAILS(open("lnk2", O_RDONLY), ELOOP), "open of a symlink loop fails with ELOOP");
    CHECK_ERR(symlink("nowhere", "dangling") == 0, "dangling symlink");
    CHECK_ERR(F_FAILS(open("dangling", O_RDONLY), ENOENT), "open of a dangling symlink fails with ENOENT");
    fd = open("dangling", O_WRONLY | O_CREAT, 0644);
    CHECK_ERR(fd >= 0, "O_CREAT through a dangling symlink creates the target");
    if (fd >= 0)
        close(fd);
    CHECK(stat("nowhere", &st) == 0 && S_ISREG(st.st_mode), "the symlink target now exists");
    CHECK_ERR(F_FAILS(open("lnk", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST),
              "O_CREAT|O_EXCL on a symlink fails with EEXIST");

    /* ---- errno cases ---- */
    CHECK_ERR(F_FAILS(open("missing", O_RDONLY), ENOENT), "open of a missing file fails with ENOENT");
    CHECK_ERR(F_FAILS(open("nodir/x", O_WRONLY | O_CREAT, 0644), ENOENT),
              "O_CREAT in a missing directory fails with ENOENT");
    CHECK_ERR(F_FAILS(open("", O_RDONLY), ENOENT), "open of an empty path fails with ENOENT");
    CHECK_ERR(mkdir("d", 0755) == 0, "mkdir d");
    CHECK_ERR(F_FAILS(open("d", O_WRONLY), EISDIR), "open a directory O_WRONLY fails with EISDIR");
    CHECK_ERR(F_FAILS(open("d", O_RDWR), EISDIR), "open a directory O_RDWR fails with EISDIR");
    CHECK_ERR(F_FAILS(open("d", O_WRONLY | O_CREAT, 0644), EISDIR), "O_CREAT on a directory fails with EISDIR");
    fd = open("d", O_RDONLY);
    CHECK_ERR(fd >= 0, "open a directory O_RDONLY succeeds");
    if (fd >= 0) {
        CHECK_ERR(F_FAILS(read(fd, buf, sizeof(buf)), EISDIR), "read on a directory fails with EISDIR");
        close(fd);
    }
    CHECK_ERR(F_FAILS(open("a/x", O_RDONLY), ENOTDIR), "a path component that is a file gives ENOTDIR");
    CHECK_ERR(F_FAILS(open("a/", O_RDONLY), ENOTDIR), "a trailing slash on a file gives ENOTDIR");
    memset(longname, 'n', 300);
    longname[300] = 0;
    CHECK_ERR(F_FAILS(open(longname, O_RDONLY), ENAMETOOLONG), "a 300-byte name fails with ENAMETOOLONG");
    CHECK_ERR(F_FAILS(open(longname, O_WRONLY | O_CREAT, 0644), ENAMETOOLONG),
              "O_CREAT of a 300-byte name fails with ENAMETOOLONG");
    longpath = malloc(5001);
    for (i = 0; i < 5000; i++)
        longpath[i] = (i % 2) ? '/' : 'p';
    longpath[5000] = 0;
    CHECK_ERR(F_FAILS(open(longpath, O_RDONLY), ENAMETOOLONG), "a 5000-byte path fails with ENAMETOOLONG");
    free(longpath);

    /* ---- O_CLOEXEC ---- */
    fd = open("a", O_RDONLY | O_CLOEXEC);
    CHECK_ERR(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "O_CLOEXEC sets FD_CLOEXEC");
    fd2 = open("a", O_RDONLY);
    CHECK_ERR(fd2 >= 0 && fcntl(fd2, F_GETFD) == 0, "without O_CLOEXEC FD_CLOEXEC is clear");
    CHECK_ERR(fcntl(fd2, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd2, F_GETFD) == FD_CLOEXEC,
              "F_SETFD FD_CLOEXEC is visible in F_GETFD");
    CHECK(fcntl(fd, F_GETFL) >= 0 && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY,
          "F_GETFL access mode is O_RDONLY");
    CHECK((fcntl(fd, F_GETFL) & O_CLOEXEC) == 0, "O_CLOEXEC does not appear in F_GETFL");
    close(fd2);
    /* the lowest free descriptor is reused */
    close(fd);
    fd2 = open("a", O_RDONLY);
    CHECK(fd2 == fd, "open returns the lowest free descriptor");
    close(fd2);

    /* ---- creat ---- */
    fd = creat("c", 0600);
    CHECK_ERR(fd >= 0, "creat c 0600");
    CHECK(fd >= 0 && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_WRONLY, "creat opens write-only");
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0600 &&
              st.st_size == 0,
          "creat made an empty regular file with mode 0600");
    CHECK_ERR(write(fd, "data", 4) == 4, "write to creat descriptor");
    CHECK_ERR(F_FAILS(read(fd, buf, 1), EBADF), "read from a write-only descriptor fails with EBADF");
    close(fd);
    fd = creat("c", 0644);
    CHECK(fd >= 0 && f_fsize(fd) == 0, "creat on an existing file truncates it");
    CHECK(stat("c", &st) == 0 && (st.st_mode & 07777) == 0600, "creat on an existing file keeps its mode");
    if (fd >= 0)
        close(fd);

    /* ---- openat ---- */
    dfd = open("d", O_RDONLY | O_DIRECTORY);
    CHECK_ERR(dfd >= 0, "open directory d");
    fd = openat(dfd, "f", O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK_ERR(fd >= 0, "openat(dirfd, \"f\", O_CREAT)");
    CHECK_ERR(write(fd, "in d", 4) == 4, "write through openat descriptor");
    close(fd);
    CHECK(f_file_is("d/f", "in d"), "openat created the file inside the directory");
    fd = openat(dfd, "../a", O_RDONLY);
    n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
    CHECK_ERR(n == 6 && memcmp(buf, "xyz123", 6) == 0, "openat(dirfd, \"../a\") resolves relative to dirfd");
    if (fd >= 0)
        close(fd);
    {
        char abspath[sizeof(f_scratch_path) + 4];
        snprintf(abspath, sizeof(abspath), "%s/c", f_scratch_path);
        fd = openat(dfd, abspath, O_RDONLY);
    }
    CHECK_ERR(fd >= 0, "openat with an absolute path ignores dirfd");
    if (fd >= 0)
        close(fd);
    fd = openat(AT_FDCWD, "a", O_RDONLY);
    n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
    CHECK_ERR(n == 6 && memcmp(buf, "xyz123", 6) == 0, "openat(AT_FDCWD, \"a\") opens relative to the cwd");
    fd2 = fd;
    CHECK_ERR(F_FAILS(openat(fd2, "x", O_RDONLY), ENOTDIR), "openat with a file descriptor as dirfd fails with ENOTDIR");
    if (fd >= 0)
        close(fd);
    CHECK_ERR(F_FAILS(openat(999, "x", O_RDONLY), EBADF), "openat with a closed dirfd fails with EBADF");
    CHECK_ERR(F_FAILS(openat(dfd, "missing", O_RDONLY), ENOENT), "openat of a missing name fails with ENOENT");
    close(dfd);

    /* ---- close ---- */
    CHECK_ERR(F_FAILS(close(-1), EBADF), "close(-1) fails with EBADF");
    CHECK_ERR(F_FAILS(close(999), EBADF), "close of an unused descriptor fails with EBADF");
    fd = open("a", O_RDONLY);
    CHECK_ERR(close(fd) == 0, "close an open descriptor");
    CHECK_ERR(F_FAILS(close(fd), EBADF), "second close fails with EBADF");
    CHECK_ERR(F_FAILS(read(fd, buf, 1), EBADF), "read from a closed descriptor fails with EBADF");

    /* ---- close_range ---- */
    fd = open("a", O_RDONLY);
    for (i = 0; i < 3; i++)
        CHECK_ERR(dup2(fd, 100 + i) == 100 + i, "dup2 to %d", 100 + i);
    CHECK_ERR(dup2(fd, 110) == 110 && dup2(fd, 111) == 111, "dup2 to 110 and 111");
    CHECK_ERR(syscall(SYS_close_range, 100u, 102u, 0u) == 0, "close_range(100, 102, 0)");
    CHECK(!fd_is_open(100) && !fd_is_open(101) && !fd_is_open(102), "descriptors 100..102 are closed");
    CHECK(fd_is_open(fd) && fd_is_open(110), "descriptors outside the range stay open");
    CHECK_ERR(syscall(SYS_close_range, 110u, 111u, CLOSE_RANGE_CLOEXEC) == 0,
              "close_range(110, 111, CLOSE_RANGE_CLOEXEC)");
    CHECK(fcntl(110, F_GETFD) == FD_CLOEXEC && fcntl(111, F_GETFD) == FD_CLOEXEC,
          "CLOSE_RANGE_CLOEXEC set FD_CLOEXEC and kept them open");
    CHECK(fcntl(fd, F_GETFD) == 0, "descriptor below the range is unaffected");
    CHECK_ERR(syscall(SYS_close_range, 105u, 1000000u, 0u) == 0, "close_range(105, 1000000) past the table");
    CHECK(!fd_is_open(110) && !fd_is_open(111) && fd_is_open(fd), "only descriptors >= 105 were closed");
    CHECK_ERR(F_FAILS(syscall(SYS_close_range, 5u, 3u, 0u), EINVAL), "close_range with first > last fails with EINVAL");
    CHECK_ERR(F_FAILS(syscall(SYS_close_range, 200u, 300u, 0x40u), EINVAL), "close_range with bad flags fails with EINVAL");
    close(fd);

    f_scratch_end();
    return t_done();
}
