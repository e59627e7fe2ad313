/* files_dir: directories and names. mkdir/mkdirat/rmdir, directory listing
 * (readdir and raw getdents64, names sorted before printing), rename,
 * renameat2 (NOREPLACE, EXCHANGE), link/linkat, symlink/readlink and the
 * *at forms, unlink/unlinkat, getcwd/chdir/fchdir, chmod family, chown
 * family (to the current ids), utimensat/futimens with fixed times
 * (compared, never printed). Works in /tmp/compat-files_dir. */
#include "compat.h"
#include "files.h"
#include <stdint.h>
#include <time.h>

#ifndef SYS_renameat2
#define SYS_renameat2 316
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

#define MAXN 64

static long renameat2_raw(int ofd, const char *o, int nfd, const char *n, unsigned flags)
{
    return syscall(SYS_renameat2, ofd, o, nfd, n, flags);
}

static char type_char(mode_t m)
{
    return S_ISREG(m) ? 'f' : S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : '?';
}

static int dtype_ok(unsigned char dt, mode_t m)
{
    if (dt == DT_UNKNOWN)
        return 1;
    return (S_ISREG(m) && dt == DT_REG) || (S_ISDIR(m) && dt == DT_DIR) || (S_ISLNK(m) && dt == DT_LNK);
}

/* listing via opendir/readdir: sorted names into out[], returns count */
static int list_readdir(const char *path, char **out, int *dtypes_ok)
{
    DIR *d = opendir(path);
    struct dirent *de;
    int n = 0;
    *dtypes_ok = 1;
    if (!d)
        return -1;
    while ((de = readdir(d)) != NULL && n < MAXN) {
        struct stat st;
        char full[512];
        snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
        if (lstat(full, &st) != 0 || !dtype_ok(de->d_type, st.st_mode))
            *dtypes_ok = 0;
        out[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(out, n, sizeof(char *), f_cmp_str);
    return n;
}

struct t_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* raw getdents64 with a small buffer (forces several calls) */
static int list_getdents(const char *path, char **out, int *calls)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    union {
        char b[160];
        uint64_t align;
    } u;
    long r;
    int n = 0;
    *calls = 0;
    if (fd < 0)
        return -1;
    while ((r = syscall(SYS_getdents64, fd, u.b, sizeof(u.b))) > 0) {
        long off = 0;
        (*calls)++;
        while (off < r && n < MAXN) {
            struct t_dirent64 *de = (struct t_dirent64 *)(u.b + off);
            if (de->d_reclen == 0 || de->d_reclen % 8 != 0)
                break;
            out[n++] = strdup(de->d_name);
            off += de->d_reclen;
        }
    }
    close(fd);
    if (r < 0)
        return -1;
    qsort(out, n, sizeof(char *), f_cmp_str);
    return n;
}

static void free_list(char **l, int n)
{
    int i;
    for (i = 0; i < n; i++)
        free(l[i]);
}

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return lstat(a, &sa) == 0 && lstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static long nlink_of(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0 ? (long)st.st_nlink : -1;
}

static int mode_of(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static int is_dir(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int missing(const char *p)
{
    struct stat st;
    return lstat(p, &st) != 0 && errno == ENOENT;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int main(void)
{
    int fd, dfd, i, n, n2, calls, dt_ok;
    char *names[MAXN], *names2[MAXN];
    char buf[512];
    struct stat st;
    ssize_t len;

    if (!f_scratch_begin("files_dir"))
        return t_done();

    /* ---- mkdir/mkdirat/rmdir ---- */
    CHECK_ERR(mkdir("d", 0777) == 0, "mkdir d");
    CHECK(is_dir("d") && mode_of("d") == 0755, "d is a directory with mode 0755 (umask 022)");
    CHECK_ERR(F_FAILS(mkdir("d", 0755), EEXIST), "mkdir of an existing directory fails with EEXIST");
    CHECK_ERR(F_FAILS(mkdir("nodir/x", 0755), ENOENT), "mkdir in a missing directory fails with ENOENT");
    dfd = open("d", O_RDONLY | O_DIRECTORY);
    CHECK_ERR(dfd >= 0, "open d as a directory");
    CHECK_ERR(mkdirat(dfd, "sub", 0700) == 0, "mkdirat(d, sub, 0700)");
    CHECK(is_dir("d/sub") && mode_of("d/sub") == 0700, "d/sub is a directory with mode 0700");
    CHECK_ERR(F_FAILS(mkdirat(dfd, "sub", 0700), EEXIST), "mkdirat of an existing name fails with EEXIST");
    CHECK_ERR(mkdirat(AT_FDCWD, "e", 0755) == 0, "mkdirat(AT_FDCWD, e)");
    f_write_file("file", "x", 1);
    CHECK_ERR(F_FAILS(mkdir("file", 0755), EEXIST), "mkdir over a file fails with EEXIST");
    CHECK_ERR(F_FAILS(mkdir("file/x", 0755), ENOTDIR), "mkdir below a file fails with ENOTDIR");
    CHECK_ERR(F_FAILS(rmdir("d"), ENOTEMPTY), "rmdir of a non-empty directory fails with ENOTEMPTY");
    CHECK_ERR(F_FAILS(rmdir("missing"), ENOENT), "rmdir of a missing directory fails with ENOENT");
    CHECK_ERR(F_FAILS(rmdir("file"), ENOTDIR), "rmdir of a file fails with ENOTDIR");
    CHECK_ERR(F_FAILS(rmdir("."), EINVAL), "rmdir(\".\") fails with EINVAL");
    CHECK_ERR(rmdir("e") == 0, "rmdir of an empty directory");
    CHECK(missing("e"), "e is gone");

    /* ---- listing ---- */
    f_write_file("d/zeta", "z", 1);
    f_write_file("d/alpha", "a", 1);
    f_write_file("d/mid", "m", 1);
    CHECK_ERR(symlink("alpha", "d/link") == 0, "symlink d/link -> alpha");
    n = list_readdir("d", names, &dt_ok);
    CHECK_ERR(n == 7, "readdir returns 7 entries");
    for (i = 0; i < n; i++) {
        snprintf(buf, sizeof(buf), "d/%s", names[i]);
        printf("entry %s %c\n", names[i], lstat(buf, &st) == 0 ? type_char(st.st_mode) : '-');
    }
    CHECK(dt_ok, "readdir d_type matches lstat (or is DT_UNKNOWN)");
    n2 = list_getdents("d", names2, &calls);
    CHECK_ERR(n2 == n, "getdents64 returns as many entries as readdir");
    {
        int same = n2 == n;
        for (i = 0; same && i < n; i++)
            same = strcmp(names[i], names2[i]) == 0;
        CHECK(same, "getdents64 and readdir list the same names");
    }
    CHECK(calls >= 2, "a 160-byte getdents64 buffer needs several calls");
    free_list(names, n);
    free_list(names2, n2 > 0 ? n2 : 0);
    {
        DIR *d = opendir("d");
        int c1 = 0, c2 = 0;
        while (d && readdir(d))
            c1++;
        if (d)
            rewinddir(d);
        while (d && readdir(d))
            c2++;
        if (d)
            closedir(d);
        CHECK(c1 == 7 && c2 == 7, "rewinddir restarts the listing");
    }
    {
        char small[8];
        int ffd = open("file", O_RDONLY);
        CHECK_ERR(F_FAILS(syscall(SYS_getdents64, ffd, buf, sizeof(buf)), ENOTDIR),
                  "getdents64 on a file fails with ENOTDIR");
        close(ffd);
        ffd = open("d", O_RDONLY | O_DIRECTORY);
        CHECK_ERR(F_FAILS(syscall(SYS_getdents64, ffd, small, sizeof(small)), EINVAL),
                  "getdents64 with a too small buffer fails with EINVAL");
        close(ffd);
    }
    CHECK(opendir("missing") == NULL && errno == ENOENT, "opendir of a missing directory fails with ENOENT");
    CHECK(opendir("file") == NULL && errno == ENOTDIR, "opendir of a file fails with ENOTDIR");

    /* ---- rename ---- */
    f_write_file("old", "old", 3);
    f_write_file("new", "new", 3);
    CHECK_ERR(rename("new", "old") == 0, "rename new over the existing old");
    CHECK(f_file_is("old", "new") && missing("new"), "old has new's contents and new is gone");
    CHECK_ERR(rename("old", "old") == 0, "rename onto itself succeeds");
    CHECK(f_file_is("old", "new"), "rename onto itself leaves the file");
    CHECK_ERR(rename("old", "d/moved") == 0, "rename into a subdirectory");
    CHECK(f_file_is("d/moved", "new") && missing("old"), "file moved into d");
    CHECK_ERR(rename("d", "d2") == 0, "rename directory d to d2");
    CHECK(is_dir("d2") && missing("d") && f_file_is("d2/alpha", "a"), "d2 has d's contents");
    CHECK(fstatat(dfd, "alpha", &st, 0) == 0, "a descriptor of the renamed directory still works");
    CHECK_ERR(mkdir("e", 0755) == 0 && mkdir("e/x", 0755) == 0, "mkdir e and e/x");
    CHECK_ERR(F_FAILS(rename("d2", "e"), ENOTEMPTY), "rename over a non-empty directory fails with ENOTEMPTY");
    CHECK_ERR(rename("d2", "e/x") == 0, "rename a directory over an empty directory");
    CHECK(is_dir("e/x/sub") && missing("d2"), "the directory replaced the empty one");
    CHECK_ERR(rename("e/x", "d") == 0, "rename it back to d");
    CHECK_ERR(F_FAILS(rename("file", "d"), EISDIR), "rename a file over a directory fails with EISDIR");
    CHECK_ERR(F_FAILS(rename("d", "file"), ENOTDIR), "rename a directory over a file fails with ENOTDIR");
    CHECK_ERR(F_FAILS(rename("d", "d/sub/inner"), EINVAL), "rename a directory into itself fails with EINVAL");
    CHECK_ERR(F_FAILS(rename("missing", "x"), ENOENT), "rename of a missing file fails with ENOENT");
    CHECK_ERR(renameat(dfd, "moved", AT_FDCWD, "back") == 0, "renameat(dirfd, moved, AT_FDCWD, back)");
    CHECK(f_file_is("back", "new"), "renameat moved the file");

    /* ---- renameat2 ---- */
    f_write_file("A", "A", 1);
    f_write_file("C", "C", 1);
    CHECK_ERR(F_FAILS(renameat2_raw(AT_FDCWD, "A", AT_FDCWD, "C", RENAME_NOREPLACE), EEXIST),
              "renameat2 RENAME_NOREPLACE onto an existing name fails with EEXIST");
    CHECK(f_file_is("A", "A") && f_file_is("C", "C"), "both files unchanged");
    CHECK_ERR(renameat2_raw(AT_FDCWD, "A", AT_FDCWD, "B", RENAME_NOREPLACE) == 0,
              "renameat2 RENAME_NOREPLACE to a free name");
    CHECK(f_file_is("B", "A") && missing("A"), "A is now B");
    CHECK_ERR(renameat2_raw(AT_FDCWD, "B", AT_FDCWD, "C", RENAME_EXCHANGE) == 0, "renameat2 RENAME_EXCHANGE B and C");
    CHECK(f_file_is("B", "C") && f_file_is("C", "A"), "contents were exchanged");
    CHECK_ERR(renameat2_raw(AT_FDCWD, "B", dfd, "sub", RENAME_EXCHANGE) == 0,
              "renameat2 RENAME_EXCHANGE a file with a directory");
    CHECK(is_dir("B") && f_file_is("d/sub", "C"), "file and directory were exchanged");
    CHECK_ERR(renameat2_raw(dfd, "sub", AT_FDCWD, "B", RENAME_EXCHANGE) == 0, "exchange them back");
    CHECK_ERR(F_FAILS(renameat2_raw(AT_FDCWD, "B", AT_FDCWD, "none", RENAME_EXCHANGE), ENOENT),
              "RENAME_EXCHANGE with a missing target fails with ENOENT");
    CHECK_ERR(F_FAILS(renameat2_raw(AT_FDCWD, "B", AT_FDCWD, "C", RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL),
              "RENAME_EXCHANGE|RENAME_NOREPLACE fails with EINVAL");
    CHECK_ERR(renameat2_raw(AT_FDCWD, "C", AT_FDCWD, "B", 0) == 0, "renameat2 with flags 0 behaves like rename");
    CHECK(f_file_is("B", "A") && missing("C"), "B replaced");
#ifdef __GLIBC__
    CHECK_ERR(renameat2(AT_FDCWD, "B", AT_FDCWD, "C", RENAME_NOREPLACE) == 0, "glibc renameat2 wrapper");
    CHECK(f_file_is("C", "A") && missing("B"), "glibc renameat2 renamed B to C");
    rename("C", "B");
#endif

    /* ---- link/linkat ---- */
    CHECK_ERR(link("B", "B2") == 0, "link B B2");
    CHECK(nlink_of("B") == 2 && nlink_of("B2") == 2, "st_nlink is 2 on both names");
    CHECK(same_file("B", "B2"), "both names are the same file");
    f_write_file("B2", "via B2", 6);
    CHECK(f_file_is("B", "via B2"), "writing through one name is visible through the other");
    CHECK_ERR(linkat(AT_FDCWD, "B", dfd, "B3", 0) == 0, "linkat(AT_FDCWD, B, d, B3)");
    CHECK(nlink_of("B") == 3 && same_file("B", "d/B3"), "st_nlink is 3");
    CHECK_ERR(F_FAILS(link("B", "B2"), EEXIST), "link onto an existing name fails with EEXIST");
    CHECK_ERR(F_FAILS(link("missing", "m2"), ENOENT), "link of a missing file fails with ENOENT");
    CHECK_ERR(F_FAILS(link("d", "d-link"), EPERM), "link of a directory fails with EPERM");
    CHECK_ERR(unlink("B2") == 0 && unlinkat(dfd, "B3", 0) == 0, "unlink B2 and d/B3");
    CHECK(nlink_of("B") == 1 && f_file_is("B", "via B2"), "st_nlink back to 1, contents kept");
    CHECK_ERR(symlink("B", "Bsym") == 0, "symlink Bsym -> B");
    CHECK_ERR(linkat(AT_FDCWD, "Bsym", AT_FDCWD, "Bhard", AT_SYMLINK_FOLLOW) == 0, "linkat AT_SYMLINK_FOLLOW");
    CHECK(same_file("B", "Bhard") && nlink_of("B") == 2, "AT_SYMLINK_FOLLOW linked the target");
    CHECK_ERR(linkat(AT_FDCWD, "Bsym", AT_FDCWD, "Bsym2", 0) == 0, "linkat without AT_SYMLINK_FOLLOW");
    CHECK(same_file("Bsym", "Bsym2") && nlink_of("Bsym") == 2, "linkat without the flag linked the symlink");
    CHECK_ERR(F_FAILS(linkat(AT_FDCWD, "B", AT_FDCWD, "Bx", 0x1), EINVAL), "linkat with bad flags fails with EINVAL");
    unlink("Bhard");
    unlink("Bsym2");

    /* ---- symlink/readlink ---- */
    CHECK_ERR(symlink("some/target/path", "sl") == 0, "symlink sl -> some/target/path");
    memset(buf, 'X', sizeof(buf));
    len = readlink("sl", buf, sizeof(buf));
    CHECK(len == 16 && memcmp(buf, "some/target/path", 16) == 0 && buf[16] == 'X',
          "readlink returns 16 bytes without a terminating NUL");
    len = readlink("sl", buf, 4);
    CHECK(len == 4 && memcmp(buf, "some", 4) == 0, "readlink truncates to the buffer size");
    CHECK(lstat("sl", &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 16, "lstat: symlink of size 16");
    CHECK_ERR(F_FAILS(stat("sl", &st), ENOENT), "stat of a dangling symlink fails with ENOENT");
    CHECK_ERR(symlinkat("../B", dfd, "up") == 0, "symlinkat(\"../B\", d, up)");
    len = readlinkat(dfd, "up", buf, sizeof(buf));
    CHECK(len == 4 && memcmp(buf, "../B", 4) == 0, "readlinkat(d, up) == \"../B\"");
    CHECK(f_file_is("d/up", "via B2"), "the relative symlink resolves from its own directory");
    len = readlinkat(AT_FDCWD, "sl", buf, sizeof(buf));
    CHECK(len == 16, "readlinkat(AT_FDCWD, sl)");
    CHECK_ERR(F_FAILS(readlink("B", buf, sizeof(buf)), EINVAL), "readlink of a regular file fails with EINVAL");
    CHECK_ERR(F_FAILS(readlink("missing", buf, sizeof(buf)), ENOENT), "readlink of a missing name fails with ENOENT");
    CHECK_ERR(F_FAILS(symlink("x", "B"), EEXIST), "symlink onto an existing name fails with EEXIST");
    CHECK_ERR(F_FAILS(symlink("", "empty"), ENOENT), "symlink with an empty target fails with ENOENT");
    CHECK_ERR(symlink("d", "dsym") == 0 && is_dir("dsym/.") && f_file_is("dsym/alpha", "a"),
              "a symlink to a directory works as a path component");

    /* ---- unlink/unlinkat ---- */
    CHECK_ERR(F_FAILS(unlink("d"), EISDIR), "unlink of a directory fails with EISDIR");
    CHECK_ERR(F_FAILS(unlink("missing"), ENOENT), "unlink of a missing name fails with ENOENT");
    CHECK_ERR(unlink("dsym") == 0 && is_dir("d"), "unlink of a symlink removes the link, not the target");
    CHECK_ERR(unlink("sl") == 0 && missing("sl"), "unlink of a dangling symlink");
    CHECK_ERR(F_FAILS(unlinkat(dfd, "zeta", AT_REMOVEDIR), ENOTDIR), "unlinkat AT_REMOVEDIR on a file fails with ENOTDIR");
    CHECK_ERR(unlinkat(dfd, "zeta", 0) == 0 && missing("d/zeta"), "unlinkat(d, zeta, 0)");
    CHECK_ERR(F_FAILS(unlinkat(dfd, "sub", 0), EISDIR), "unlinkat without AT_REMOVEDIR on a directory fails with EISDIR");
    CHECK_ERR(unlinkat(dfd, "sub", AT_REMOVEDIR) == 0 && missing("d/sub"), "unlinkat(d, sub, AT_REMOVEDIR)");
    CHECK_ERR(F_FAILS(unlinkat(dfd, "mid", 0x4), EINVAL), "unlinkat with bad flags fails with EINVAL");

    /* ---- getcwd/chdir/fchdir ---- */
    CHECK(getcwd(buf, sizeof(buf)) != NULL && ends_with(buf, "/compat-files_dir") && buf[0] == '/',
          "getcwd ends with /compat-files_dir");
    CHECK_ERR(chdir("d") == 0, "chdir d");
    CHECK(getcwd(buf, sizeof(buf)) != NULL && ends_with(buf, "/compat-files_dir/d"), "getcwd ends with /compat-files_dir/d");
    CHECK(f_file_is("alpha", "a"), "relative paths resolve in the new cwd");
    CHECK_ERR(chdir("..") == 0, "chdir ..");
    CHECK(getcwd(buf, sizeof(buf)) != NULL && ends_with(buf, "/compat-files_dir"), "getcwd is back");
    CHECK_ERR(fchdir(dfd) == 0, "fchdir(d)");
    CHECK(getcwd(buf, sizeof(buf)) != NULL && ends_with(buf, "/compat-files_dir/d"), "getcwd after fchdir");
    CHECK_ERR(chdir(f_scratch_path) == 0, "chdir to the absolute scratch path");
    CHECK_ERR(F_FAILS(chdir("missing"), ENOENT), "chdir to a missing directory fails with ENOENT");
    CHECK_ERR(F_FAILS(chdir("B"), ENOTDIR), "chdir to a file fails with ENOTDIR");
    fd = open("B", O_RDONLY);
    CHECK_ERR(F_FAILS(fchdir(fd), ENOTDIR), "fchdir to a file fails with ENOTDIR");
    CHECK_ERR(F_FAILS(fchdir(999), EBADF), "fchdir to a closed descriptor fails with EBADF");
    CHECK(getcwd(buf, 5) == NULL && errno == ERANGE, "getcwd into a 5-byte buffer fails with ERANGE");
    CHECK(getcwd(buf, sizeof(buf)) != NULL && ends_with(buf, "/compat-files_dir"), "cwd unchanged by the failures");
    {
        long r = syscall(SYS_getcwd, buf, sizeof(buf));
        CHECK(r > 0 && r == (long)strlen(buf) + 1, "raw getcwd returns the length including the NUL");
    }

    /* ---- chmod family ---- */
    CHECK_ERR(chmod("B", 0600) == 0 && mode_of("B") == 0600, "chmod 0600 visible in st_mode");
    CHECK_ERR(fchmod(fd, 0640) == 0 && mode_of("B") == 0640, "fchmod 0640 visible in st_mode");
    CHECK_ERR(fchmodat(AT_FDCWD, "B", 0604, 0) == 0 && mode_of("B") == 0604, "fchmodat 0604 visible in st_mode");
    CHECK_ERR(fchmodat(dfd, "../B", 0644, 0) == 0 && mode_of("B") == 0644, "fchmodat relative to a directory");
    CHECK_ERR(chmod("Bsym", 0600) == 0 && mode_of("B") == 0600 && mode_of("Bsym") == 0777,
              "chmod through a symlink changes the target only");
    CHECK_ERR(chmod("d", 01777) == 0 && mode_of("d") == 01777, "chmod 01777 on a directory (sticky bit)");
    CHECK_ERR(chmod("d", 0755) == 0, "chmod d back to 0755");
    CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode), "chmod keeps the file type");
    CHECK_ERR(F_FAILS(chmod("missing", 0644), ENOENT), "chmod of a missing file fails with ENOENT");
    CHECK_ERR(chmod("B", 0644) == 0, "chmod B back to 0644");

    /* ---- chown family (to our own ids) ---- */
    {
        uid_t u = geteuid();
        gid_t g = getegid();
        CHECK_ERR(chown("B", u, g) == 0, "chown to the current uid/gid");
        CHECK_ERR(fchown(fd, u, g) == 0, "fchown to the current uid/gid");
        CHECK_ERR(lchown("Bsym", u, g) == 0, "lchown of a symlink to the current uid/gid");
        CHECK_ERR(fchownat(AT_FDCWD, "B", u, g, 0) == 0, "fchownat to the current uid/gid");
        CHECK_ERR(fchownat(AT_FDCWD, "Bsym", u, g, AT_SYMLINK_NOFOLLOW) == 0, "fchownat AT_SYMLINK_NOFOLLOW");
        CHECK_ERR(chown("B", (uid_t)-1, (gid_t)-1) == 0, "chown(-1, -1) is a no-op");
        CHECK(stat("B", &st) == 0 && st.st_uid == u && st.st_gid == g && (st.st_mode & 07777) == 0644,
              "owner is unchanged and the mode kept");
        CHECK_ERR(F_FAILS(chown("missing", u, g), ENOENT), "chown of a missing file fails with ENOENT");
    }

    /* ---- utimensat/futimens: fixed times, compared (never printed) ---- */
    {
        struct timespec ts[2];
        struct stat ls;
        ts[0].tv_sec = 1000000000; /* atime */
        ts[0].tv_nsec = 0;
        ts[1].tv_sec = 1234567890; /* mtime */
        ts[1].tv_nsec = 0;
        CHECK_ERR(utimensat(AT_FDCWD, "B", ts, 0) == 0, "utimensat with fixed times");
        CHECK(stat("B", &st) == 0 && st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec == 1234567890,
              "stat shows the atime and mtime that were set");
        ts[0].tv_nsec = UTIME_OMIT;
        ts[1].tv_sec = 1300000000;
        CHECK_ERR(utimensat(AT_FDCWD, "B", ts, 0) == 0, "utimensat with UTIME_OMIT for atime");
        CHECK(stat("B", &st) == 0 && st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec == 1300000000,
              "UTIME_OMIT kept the atime, mtime changed");
        ts[0].tv_sec = 1100000000;
        ts[0].tv_nsec = 0;
        ts[1].tv_sec = 1400000000;
        CHECK_ERR(futimens(fd, ts) == 0, "futimens with fixed times");
        CHECK(stat("B", &st) == 0 && st.st_atim.tv_sec == 1100000000 && st.st_mtim.tv_sec == 1400000000,
              "stat shows the futimens times");
        ts[0].tv_sec = 1200000000;
        ts[1].tv_sec = 1500000000;
        CHECK_ERR(utimensat(AT_FDCWD, "Bsym", ts, AT_SYMLINK_NOFOLLOW) == 0, "utimensat AT_SYMLINK_NOFOLLOW");
        CHECK(lstat("Bsym", &ls) == 0 && ls.st_mtim.tv_sec == 1500000000, "the symlink's own mtime changed");
        CHECK(stat("B", &st) == 0 && st.st_mtim.tv_sec == 1400000000, "the target's mtime did not");
        CHECK_ERR(utimensat(AT_FDCWD, "B", NULL, 0) == 0, "utimensat(NULL) sets the current time");
        {
            time_t now = time(NULL);
            CHECK(stat("B", &st) == 0 && st.st_mtim.tv_sec >= now - 5 && st.st_mtim.tv_sec <= now + 5,
                  "mtime is within 5 s of time()");
        }
        ts[0].tv_sec = 0;
        ts[0].tv_nsec = 1000000000;
        CHECK_ERR(F_FAILS(utimensat(AT_FDCWD, "B", ts, 0), EINVAL), "tv_nsec of 1e9 fails with EINVAL");
        CHECK_ERR(F_FAILS(utimensat(AT_FDCWD, "missing", NULL, 0), ENOENT), "utimensat of a missing file fails with ENOENT");
    }
    close(fd);
    close(dfd);

    f_scratch_end();
    return t_done();
}
