/* Path calls as LTP-style syscall tests probe them: open/openat flag combinations (O_CREAT|O_DIRECTORY,
 * O_TRUNC on a directory and on O_RDONLY, O_CREAT with a trailing slash, O_TMPFILE and linkat of it,
 * O_PATH, O_NOFOLLOW), symlink chains (ELOOP past 40), link/linkat flags, rename/renameat2
 * (NOREPLACE, EXCHANGE, WHITEOUT, directories into themselves or over non-empty ones), mkdir/rmdir
 * ('.', '..'), unlink/unlinkat flags, readlink(at) sizes and empty paths, getcwd buffers, chdir and
 * fchdir, statx masks, flags and null paths, fstatat flags, access, chmod/chown on O_PATH, utimensat
 * and mknod. Each line prints the raw result and errno; the native run is the reference. */
#include "compat.h"
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4
#endif
#ifndef AT_NO_AUTOMOUNT
#define AT_NO_AUTOMOUNT 0x800
#endif
#ifndef AT_STATX_FORCE_SYNC
#define AT_STATX_FORCE_SYNC 0x2000
#endif
#define K_STATX__RESERVED 0x80000000U
/* musl may lack statx: the raw call with the kernel's structure. */
struct kstatx {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, pad1;
    uint64_t ino, size, blocks, attributes_mask;
    struct { int64_t sec; uint32_t nsec; int32_t pad; } atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t spare[14];
};
#define K_STATX_MTIME 0x40U
#define K_STATX_SIZE 0x200U
#define K_STATX_BASIC_STATS 0x7ffU
#define K_STATX_ALL 0xfffU
#define kstatx(a, b, c, d, e) syscall(SYS_statx, a, b, c, d, e)
#define renameat2(a, b, c, d, e) syscall(SYS_renameat2, a, b, c, d, e)

static void show(int line, const char *what, long r, int e)
{
    if (r < 0) printf("%d %s: -1 errno %d\n", line, what, e);
    else printf("%d %s: %ld\n", line, what, r);
}
#define P(x) do { errno = 0; long r_ = (long)(x); int e_ = errno; show(__LINE__, #x, r_, e_); } while (0)

static char longname[300], longpath[5000];

/* Empties the scratch directory (left over from an interrupted run, or this one). */
static void clean(const char *path)
{
    DIR *dir = opendir(path);
    if (!dir) return;
    struct dirent *e;
    char sub[512];
    while ((e = readdir(dir)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (e->d_type == DT_DIR) { clean(sub); rmdir(sub); }
        else unlink(sub);
    }
    closedir(dir);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *d = "/tmp/compat-errs_path";
    clean(d);
    mkdir(d, 0755);
    if (chdir(d) != 0) { printf("chdir failed\n"); return 1; }
    umask(022);
    int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, "data", 4);
    mkdir("dir", 0755); mkdir("dir/sub", 0755); mkdir("full", 0755); close(open("full/x", O_CREAT | O_WRONLY, 0644));
    memset(longname, 'a', 256); longname[256] = 0;
    for (int i = 0; i < 4200; i += 2) { longpath[i] = 'b'; longpath[i + 1] = '/'; } longpath[4200] = 0;
    /* open */
    P(open("dir", O_CREAT | O_DIRECTORY | O_RDWR, 0644));
    P(open("newd", O_CREAT | O_DIRECTORY, 0644));
    P(access("newd", F_OK));
    P(open("f", O_CREAT | O_DIRECTORY, 0644));
    P(open("f", O_DIRECTORY));
    P(open("dir", O_WRONLY));
    P(open("dir", O_RDWR));
    P(open("dir", O_RDONLY | O_CREAT, 0644));
    P(open("dir", O_RDONLY | O_TRUNC));
    P(open("f", O_RDONLY | O_TRUNC) >= 0);
    struct stat st; stat("f", &st); P(st.st_size);
    write(fd, "data", 4);
    P(open(".", O_TMPFILE | O_RDONLY, 0600));
    P(open(".", O_TMPFILE | O_WRONLY, 0600) >= 0);
    P(open(".", O_TMPFILE | O_RDWR | O_EXCL, 0600) >= 0);
    P(open("f", O_TMPFILE | O_RDWR, 0600));
    P(open("nonexist", O_TMPFILE | O_RDWR, 0600));
    { int t = open(".", O_TMPFILE | O_RDWR, 0640); P(write(t, "tmp", 3)); struct stat ts; fstat(t, &ts); P(ts.st_nlink); P(ts.st_mode);
      P(linkat(t, "", AT_FDCWD, "tmpnamed", AT_EMPTY_PATH)); fstat(t, &ts); P(ts.st_nlink); P(linkat(t, "", AT_FDCWD, "tmpnamed2", AT_EMPTY_PATH)); stat("tmpnamed", &ts); P(ts.st_size); close(t);
      t = open(".", O_TMPFILE | O_RDWR | O_EXCL, 0640); P(linkat(t, "", AT_FDCWD, "tmpexcl", AT_EMPTY_PATH)); close(t);
      P(open("dir/", O_CREAT | O_RDONLY, 0644)); P(open("nonexist/x/", O_CREAT, 0644)); P(open("/", O_CREAT, 0644)); }
    P(open("f", O_CREAT | O_EXCL, 0644));
    P(open("f/", O_RDONLY));
    P(open("f/", O_CREAT, 0644));
    P(open("newf/", O_CREAT, 0644));
    P(open("f/x", O_RDONLY));
    P(open(longname, O_RDONLY));
    P(open(longname, O_CREAT, 0644));
    P(open(longpath, O_RDONLY));
    P(open("", O_RDONLY));
    P(open(NULL, O_RDONLY));
    P(open((char *)1, O_RDONLY));
    P(open("f", 3) >= 0);
    P(open("f", O_RDONLY | 0x40000000) >= 0);
    P(openat(-1, "f", O_RDONLY));
    P(openat(fd, "f", O_RDONLY));
    P(openat(-1, "/", O_RDONLY) >= 0);
    P(open("f", O_PATH | O_CREAT, 0644) >= 0);
    P(open("f", O_PATH | O_WRONLY) >= 0);
    P(open("nonexist", O_PATH | O_CREAT, 0644));
    symlink("f", "lnk"); symlink("nowhere", "dangling"); symlink("loop1", "loop2"); symlink("loop2", "loop1");
    P(open("lnk", O_RDONLY | O_NOFOLLOW));
    P(open("lnk", O_PATH | O_NOFOLLOW) >= 0);
    P(open("loop1", O_RDONLY));
    P(open("dangling", O_RDONLY));
    P(open("dangling", O_CREAT | O_WRONLY, 0644) >= 0);
    P(access("nowhere", F_OK)); unlink("nowhere");
    P(open("dangling", O_CREAT | O_EXCL | O_WRONLY, 0644));
    P(open("lnk/", O_RDONLY));
    P(open("dir/sub/../../f", O_RDONLY) >= 0);
    /* symlink chain of 40 and 41 */
    char a[32], b[32];
    for (int i = 0; i < 41; i++) { snprintf(a, 32, "c%d", i); snprintf(b, 32, "c%d", i + 1); symlink(b, a); }
    close(open("c41", O_CREAT | O_WRONLY, 0644));
    P(open("c1", O_RDONLY) >= 0);
    P(open("c0", O_RDONLY));
    P(access("c0", F_OK)); P(access("c1", F_OK));
    P(stat("c0", &st)); P(lstat("c0", &st));
    /* link/linkat */
    P(link("f", "f")); P(link("f", "f2")); P(link("dir", "dir2")); P(link("nonexist", "x")); P(link("f", "nonexist/x"));
    P(link("f", "f/x")); P(link("f", longname));
    P(linkat(AT_FDCWD, "f", AT_FDCWD, "f3", 0x1)); P(linkat(AT_FDCWD, "f", AT_FDCWD, "f3", 0x8000));
    P(linkat(AT_FDCWD, "lnk", AT_FDCWD, "hl_nofollow", 0)); P(lstat("hl_nofollow", &st)); P(S_ISLNK(st.st_mode));
    P(linkat(AT_FDCWD, "lnk", AT_FDCWD, "hl_follow", AT_SYMLINK_FOLLOW)); P(lstat("hl_follow", &st)); P(S_ISREG(st.st_mode));
    P(linkat(fd, "", AT_FDCWD, "hl_empty", AT_EMPTY_PATH)); P(linkat(fd, "", AT_FDCWD, "hl_empty2", 0));
    int dfd = open("dir", O_RDONLY);
    P(linkat(dfd, "", AT_FDCWD, "hl_dir", AT_EMPTY_PATH));
    int pf = open("f", O_PATH);
    P(linkat(pf, "", AT_FDCWD, "hl_path", AT_EMPTY_PATH));
    P(linkat(-1, "", AT_FDCWD, "hl_bad", AT_EMPTY_PATH));
    P(linkat(AT_FDCWD, "dangling", AT_FDCWD, "hl_dang", AT_SYMLINK_FOLLOW));
    /* rename */
    P(rename("f2", "f2")); P(rename("nonexist", "x")); P(rename("dir", "dir/sub/x")); P(rename("dir", "dir"));
    P(rename("dir", "full")); P(rename("f2", "dir")); P(rename("dir", "f2")); P(rename(".", "x")); P(rename("dir/..", "x"));
    P(rename("f2", "dir/sub/.")); P(rename("f2", "")); P(rename("f2", longname));
    mkdir("empty", 0755);
    P(rename("dir/sub", "empty")); P(access("empty", F_OK)); P(rename("empty", "dir/sub") >= 0 || 1);
    mkdir("empty", 0755);
    P(renameat2(AT_FDCWD, "f2", AT_FDCWD, "f3", RENAME_NOREPLACE)); P(renameat2(AT_FDCWD, "f2", AT_FDCWD, "f", RENAME_NOREPLACE));
    P(renameat2(AT_FDCWD, "f3", AT_FDCWD, "nonexist", RENAME_EXCHANGE)); P(renameat2(AT_FDCWD, "f3", AT_FDCWD, "empty", RENAME_EXCHANGE));
    P(access("empty", F_OK)); P(stat("empty", &st)); P(S_ISREG(st.st_mode)); P(renameat2(AT_FDCWD, "f3", AT_FDCWD, "empty", RENAME_EXCHANGE));
    P(renameat2(AT_FDCWD, "f3", AT_FDCWD, "f", RENAME_EXCHANGE | RENAME_NOREPLACE));
    P(renameat2(AT_FDCWD, "f3", AT_FDCWD, "w", RENAME_WHITEOUT));
    { struct stat ws; P(lstat("f3", &ws)); P(ws.st_mode); P(ws.st_rdev); P(open("f3", O_RDONLY)); P(renameat2(AT_FDCWD, "w", AT_FDCWD, "f3", RENAME_EXCHANGE | RENAME_WHITEOUT)); P(unlink("f3")); P(rename("w", "f3")); }
    P(renameat2(AT_FDCWD, "f3", AT_FDCWD, "w", 0x80));
    P(renameat2(AT_FDCWD, "empty", AT_FDCWD, "empty/x", RENAME_EXCHANGE));
    P(renameat2(AT_FDCWD, "dir", AT_FDCWD, "dir/sub", RENAME_EXCHANGE));
    /* mkdir/rmdir/unlink */
    P(mkdir("dir", 0755)); P(mkdir("f", 0755)); P(mkdir("nonexist/x", 0755)); P(mkdir("f/x", 0755)); P(mkdir(longname, 0755));
    P(mkdir("", 0755)); P(mkdir("lnk", 0755)); P(mkdir("dangling", 0755)); P(mkdir("newdir/", 0755)); P(rmdir("newdir/"));
    P(rmdir(".")); P(rmdir("..")); P(rmdir("dir/..")); P(rmdir("dir/.")); P(rmdir("f")); P(rmdir("full")); P(rmdir("nonexist")); P(rmdir("lnk"));
    P(rmdir("")); P(rmdir("/"));
    P(unlink("dir")); P(unlink("nonexist")); P(unlink("f/x")); P(unlink("")); P(unlink("lnk/"));
    P(unlinkat(AT_FDCWD, "dir", 0)); P(unlinkat(AT_FDCWD, "f", AT_REMOVEDIR)); P(unlinkat(AT_FDCWD, "f", 0x1)); P(unlinkat(AT_FDCWD, "f", 0x8000));
    P(unlinkat(fd, "x", 0)); P(unlinkat(-1, "x", 0)); P(unlinkat(AT_FDCWD, "empty", AT_REMOVEDIR | 0x1));
    /* readlink */
    char buf[64];
    P(readlink("lnk", buf, 0)); P(readlink("lnk", buf, -1)); P(readlink("lnk", buf, 1)); P(readlink("f", buf, 64)); P(readlink("nonexist", buf, 64));
    P(readlink("lnk", (char *)1, 64)); P(readlinkat(AT_FDCWD, "lnk", buf, 64)); P(readlinkat(fd, "lnk", buf, 64)); P(readlinkat(-1, "lnk", buf, 64));
    int lp = open("lnk", O_PATH | O_NOFOLLOW);
    P(readlinkat(lp, "", buf, 64)); P(readlinkat(pf, "", buf, 64)); P(readlink("", buf, 64)); P(readlink("lnk/", buf, 64));
    /* getcwd, chdir */
    P(syscall(SYS_getcwd, buf, 0)); P(syscall(SYS_getcwd, buf, 1)); P(syscall(SYS_getcwd, buf, strlen(d)) > 0); P(syscall(SYS_getcwd, buf, strlen(d) + 1) == (long)strlen(d) + 1);
    P(syscall(SYS_getcwd, NULL, 64)); P(syscall(SYS_getcwd, (char *)1, 64));
    P(chdir("f")); P(chdir("nonexist")); P(chdir("")); P(chdir("lnk")); P(chdir(longname)); P(fchdir(fd)); P(fchdir(-1)); P(fchdir(pf));
    int dp = open("dir", O_PATH); P(fchdir(dp)); P(chdir(d));
    /* statx */
    struct kstatx sx;
    P(kstatx(AT_FDCWD, "f", 0, 0, &sx)); P(sx.mask & 0xfff); P(kstatx(AT_FDCWD, "f", 0, K_STATX_MTIME, &sx)); P(sx.mask & 0xfff); P(kstatx(AT_FDCWD, "f", 0, K_STATX_BASIC_STATS, &sx)); P(sx.mask & 0xfff);
    { struct stat s1; stat("f", &s1); P(makedev(sx.dev_major, sx.dev_minor) == s1.st_dev); }
    P(kstatx(AT_FDCWD, "f", 0, K_STATX_SIZE, &sx)); P(sx.size);
    P(kstatx(AT_FDCWD, "f", 0, 0x80000000, &sx)); P(kstatx(AT_FDCWD, "f", 0x6000, 0, &sx)); P(kstatx(AT_FDCWD, "f", 0x10000, 0, &sx));
    P(kstatx(AT_FDCWD, "f", 0, K_STATX__RESERVED, &sx)); P(kstatx(AT_FDCWD, "", 0, 0, &sx)); P(kstatx(fd, "", AT_EMPTY_PATH, K_STATX_ALL, &sx)); P(sx.size);
    P(kstatx(AT_FDCWD, "f", 0, K_STATX_BASIC_STATS, NULL)); P(kstatx(AT_FDCWD, NULL, AT_EMPTY_PATH, 0, &sx)); P(kstatx(fd, NULL, AT_EMPTY_PATH, 0, &sx));
    P(kstatx(AT_FDCWD, "f", AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_FORCE_SYNC, 0, &sx));
    P(stat("", &st)); P(fstatat(fd, "", &st, AT_EMPTY_PATH)); P(fstatat(AT_FDCWD, "f", &st, 0x1)); P(fstatat(-1, "f", &st, 0)); P(fstatat(fd, "f", &st, 0));
    P(syscall(SYS_newfstatat, AT_FDCWD, NULL, &st, AT_EMPTY_PATH)); P(syscall(SYS_newfstatat, fd, NULL, &st, AT_EMPTY_PATH));
    /* access/faccessat */
    P(access("f", 8)); P(faccessat(AT_FDCWD, "f", F_OK, 0x1)); P(faccessat(AT_FDCWD, "f", F_OK, AT_EACCESS)); P(syscall(SYS_faccessat2, AT_FDCWD, "f", 0, 0x1));
    P(access("f/", F_OK)); P(access(longname, F_OK)); P(access(longpath, F_OK));
    /* symlink */
    P(symlink("", "emptylnk")); P(symlink("x", "f")); P(symlink("x", "nonexist/x")); P(symlink(longpath, "longlnk")); P(symlink("x", ""));
    /* chmod/chown */
    P(fchmod(pf, 0644)); P(fchown(pf, 0, 0)); P(fchmodat(AT_FDCWD, "f", 0644, AT_SYMLINK_NOFOLLOW)); P(fchmodat(AT_FDCWD, "f", 0644, 0x1));
    P(fchmodat(AT_FDCWD, "lnk", 0644, AT_SYMLINK_NOFOLLOW)); P(fchownat(AT_FDCWD, "f", -1, -1, 0x1)); P(chmod("nonexist", 0644));
    /* utimensat */
    struct timespec ts[2] = {{0, UTIME_OMIT}, {0, 1000000000}};
    P(utimensat(AT_FDCWD, "f", ts, 0)); ts[1].tv_nsec = -1; P(utimensat(AT_FDCWD, "f", ts, 0)); ts[1].tv_nsec = UTIME_NOW;
    P(utimensat(AT_FDCWD, "f", ts, 0x1)); P(utimensat(-1, NULL, ts, 0)); P(utimensat(fd, NULL, ts, 0)); P(utimensat(AT_FDCWD, NULL, ts, 0));
    P(utimensat(fd, NULL, ts, AT_SYMLINK_NOFOLLOW)); P(utimensat(pf, NULL, ts, 0)); P(utimensat(AT_FDCWD, "", ts, 0));
    /* mknod */
    P(mknod("nod", S_IFREG | 0644, 0)); P(mknod("nod2", 0644, 0)); P(mknod("nod3", S_IFDIR | 0755, 0)); P(mknod("nod4", 0170000 | 0644, 0));
    P(mknod("f", S_IFREG | 0644, 0)); P(mknod("fifo", S_IFIFO | 0644, 0)); P(open("fifo", O_RDONLY | O_NONBLOCK) >= 0); P(open("fifo", O_WRONLY | O_NONBLOCK) >= 0);
    clean(d);
    rmdir(d);
    return t_done();
}
