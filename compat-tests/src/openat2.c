/* openat2: the open_how size rules (EINVAL below 24 bytes, E2BIG for a non-zero tail or more than a
 * page), its stricter flag and mode checks, and the RESOLVE_* flags: NO_SYMLINKS, NO_MAGICLINKS,
 * BENEATH, IN_ROOT, NO_XDEV (into /proc) and CACHED. Each line: what, then "ok" and what was opened
 * or "errno N". */
#include "compat.h"
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define R_NO_XDEV 0x01
#define R_NO_MAGICLINKS 0x02
#define R_NO_SYMLINKS 0x04
#define R_BENEATH 0x08
#define R_IN_ROOT 0x10
#define R_CACHED 0x20
#define RAW_O_TMPFILE 020000000    /* __O_TMPFILE without O_DIRECTORY */

struct how { uint64_t flags, mode, resolve; };

static long o2raw(int dirfd, const char *path, void *how, size_t size)
{
    return syscall(SYS_openat2, dirfd, path, how, size);
}

/* Prints the outcome; for a descriptor, what it names: the first bytes of a file, "dir" or "symlink". */
static void show(const char *what, long fd)
{
    if (fd < 0) { printf("%s: errno %d\n", what, errno); return; }
    struct stat st;
    char buf[32] = { 0 };
    fstat((int)fd, &st);
    if (S_ISDIR(st.st_mode)) printf("%s: ok dir\n", what);
    else if (S_ISLNK(st.st_mode)) printf("%s: ok symlink\n", what);
    else {
        long n = pread((int)fd, buf, sizeof buf - 1, 0);
        char *nl = strchr(buf, '\n');
        if (nl) *nl = 0;                            /* /proc/self/status: its first line only */
        if (n < 0) printf("%s: ok (read errno %d)\n", what, errno);
        else printf("%s: ok \"%s\"\n", what, buf);
    }
    close((int)fd);
}

static void o2(const char *what, int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve)
{
    struct how h = { flags, mode, resolve };
    errno = 0;
    show(what, o2raw(dirfd, path, &h, sizeof h));
}

static void put(const char *path, const char *text)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    write(fd, text, strlen(text));
    close(fd);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    umask(022);
    char base[] = "/tmp/openat2-XXXXXX";
    if (!mkdtemp(base)) return 1;
    if (chdir(base) != 0) return 1;
    mkdir("dir", 0755);
    mkdir("dir/sub", 0755);
    put("top", "top");
    put("dir/file", "file");
    symlink("file", "dir/rel");
    symlink("../top", "dir/up");
    symlink("/top", "dir/absin");
    symlink("/created", "dir/dangabs");
    symlink("newfile", "dir/dangling");
    symlink("loop", "dir/loop");
    symlink("dir", "ldir");
    char procfs[64];
    snprintf(procfs, sizeof procfs, "%s/link-to-proc", base);
    symlink("/proc/self/status", procfs);
    int basefd = open(".", O_RDONLY | O_DIRECTORY);
    int dirfd = open("dir", O_RDONLY | O_DIRECTORY);
    int filefd = open("top", O_RDONLY);

    /* ---- the size argument ---- */
    struct how h = { O_RDONLY, 0, 0 };
    errno = 0; show("size 0", o2raw(basefd, "top", &h, 0));
    errno = 0; show("size 23", o2raw(basefd, "top", &h, 23));
    errno = 0; show("size 24", o2raw(basefd, "top", &h, 24));
    uint64_t big[512];
    memset(big, 0, sizeof big);
    errno = 0; show("size 32, zero tail", o2raw(basefd, "top", big, 32));
    big[3] = 1;
    errno = 0; show("size 32, non-zero tail", o2raw(basefd, "top", big, 32));
    big[3] = 0;
    big[511] = 7;
    errno = 0; show("size 4096, non-zero last byte", o2raw(basefd, "top", big, 4096));
    big[511] = 0;
    errno = 0; show("size 4096, zero tail", o2raw(basefd, "top", big, 4096));
    errno = 0; show("size 4097", o2raw(basefd, "top", big, 4097));
    errno = 0; show("how NULL", o2raw(basefd, "top", NULL, 24));
    /* A 24-byte how at the end of a page with the next page unmapped: the tail check faults. */
    char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(pages + 4096, 4096);
    struct how *edge = (struct how *)(pages + 4096 - 24);
    memset(edge, 0, 24);
    errno = 0; show("size 24 at a page end", o2raw(basefd, "top", edge, 24));
    errno = 0; show("size 32 into an unmapped page", o2raw(basefd, "top", edge, 32));
    errno = 0; show("path NULL", o2raw(basefd, NULL, &h, 24));
    o2("empty path", basefd, "", O_RDONLY, 0, 0);

    /* ---- flags and mode: stricter than openat ---- */
    o2("unknown flag bit 0x800000", basefd, "top", O_RDONLY | 0x800000, 0, 0);
    errno = 0;
    show("openat with that bit", openat(basefd, "top", O_RDONLY | 0x800000));
    o2("flag bit 40", basefd, "top", O_RDONLY | (1ull << 40), 0, 0);
    o2("mode without O_CREAT", basefd, "top", O_RDONLY, 0644, 0);
    o2("mode 010000 with O_CREAT", basefd, "m1", O_CREAT | O_WRONLY, 010000, 0);
    o2("mode 07777 with O_CREAT", basefd, "m2", O_CREAT | O_WRONLY, 07777, 0);
    struct stat st;
    if (stat("m2", &st) == 0) printf("m2 mode %o\n", (unsigned)st.st_mode);
    else printf("m2: errno %d\n", errno);
    o2("O_DIRECTORY|O_CREAT", basefd, "m3", O_DIRECTORY | O_CREAT | O_RDONLY, 0, 0);
    o2("__O_TMPFILE without O_DIRECTORY", basefd, ".", RAW_O_TMPFILE | O_RDWR, 0600, 0);
    o2("O_TMPFILE read-only", basefd, ".", RAW_O_TMPFILE | O_DIRECTORY | O_RDONLY, 0600, 0);
    o2("O_PATH|O_APPEND", basefd, "top", O_PATH | O_APPEND, 0, 0);
    o2("O_PATH|O_CLOEXEC|O_NOFOLLOW", basefd, "top", O_PATH | O_CLOEXEC | O_NOFOLLOW, 0, 0);
    o2("O_CREAT|O_EXCL existing", basefd, "top", O_CREAT | O_EXCL | O_WRONLY, 0644, 0);
    o2("O_DIRECTORY on a file", basefd, "top", O_DIRECTORY | O_RDONLY, 0, 0);
    o2("missing", basefd, "nothing", O_RDONLY, 0, 0);
    {
        struct how hc = { O_RDWR | O_APPEND | O_CLOEXEC, 0, 0 };
        int fd = (int)o2raw(basefd, "top", &hc, sizeof hc);
        int fd2 = openat(basefd, "top", O_RDWR | O_APPEND | O_CLOEXEC);
        printf("F_GETFL %o, same as openat: %s\n", (unsigned)fcntl(fd, F_GETFL),
               fcntl(fd, F_GETFL) == fcntl(fd2, F_GETFL) ? "yes" : "no");
        printf("FD_CLOEXEC %d\n", fcntl(fd, F_GETFD) & FD_CLOEXEC);
        close(fd);
        close(fd2);
    }

    /* ---- resolve flags: validation ---- */
    o2("unknown resolve bit 0x40", basefd, "top", O_RDONLY, 0, 0x40);
    o2("BENEATH|IN_ROOT", basefd, "top", O_RDONLY, 0, R_BENEATH | R_IN_ROOT);
    o2("CACHED", basefd, "dir/file", O_RDONLY, 0, R_CACHED);
    o2("CACHED with O_CREAT (existing)", basefd, "top", O_CREAT | O_RDONLY, 0644, R_CACHED);
    o2("CACHED with O_TRUNC", basefd, "top", O_TRUNC | O_RDWR, 0, R_CACHED);

    /* ---- NO_SYMLINKS ---- */
    o2("plain: dir/rel", basefd, "dir/rel", O_RDONLY, 0, 0);
    o2("NO_SYMLINKS: dir/rel", basefd, "dir/rel", O_RDONLY, 0, R_NO_SYMLINKS);
    o2("NO_SYMLINKS: ldir/file", basefd, "ldir/file", O_RDONLY, 0, R_NO_SYMLINKS);
    o2("NO_SYMLINKS: dir/../dir/file", basefd, "dir/../dir/file", O_RDONLY, 0, R_NO_SYMLINKS);
    o2("NO_SYMLINKS: O_PATH|O_NOFOLLOW dir/rel", basefd, "dir/rel", O_PATH | O_NOFOLLOW, 0, R_NO_SYMLINKS);
    o2("NO_SYMLINKS: O_NOFOLLOW dir/rel", basefd, "dir/rel", O_RDONLY | O_NOFOLLOW, 0, R_NO_SYMLINKS);
    o2("NO_SYMLINKS: O_CREAT through dir/dangling", basefd, "dir/dangling", O_CREAT | O_WRONLY, 0644, R_NO_SYMLINKS);
    printf("dir/newfile after that: %s\n", access("dir/newfile", F_OK) == 0 ? "exists" : "absent");
    o2("NO_SYMLINKS: dir/loop", basefd, "dir/loop", O_RDONLY, 0, R_NO_SYMLINKS);
    o2("plain: dir/loop", basefd, "dir/loop", O_RDONLY, 0, 0);
    o2("O_CREAT through dir/dangling", basefd, "dir/dangling", O_CREAT | O_WRONLY, 0644, 0);
    printf("dir/newfile after that: %s\n", access("dir/newfile", F_OK) == 0 ? "exists" : "absent");

    /* ---- BENEATH ---- */
    o2("BENEATH: file", dirfd, "file", O_RDONLY, 0, R_BENEATH);
    o2("BENEATH: rel", dirfd, "rel", O_RDONLY, 0, R_BENEATH);
    o2("BENEATH: sub/../file", dirfd, "sub/../file", O_RDONLY, 0, R_BENEATH);
    o2("BENEATH: .", dirfd, ".", O_RDONLY, 0, R_BENEATH);
    o2("BENEATH: ..", dirfd, "..", O_RDONLY, 0, R_BENEATH);
    o2("BENEATH: ../top", dirfd, "../top", O_RDONLY, 0, R_BENEATH);
    o2("BENEATH: sub/../../top", dirfd, "sub/../../top", O_RDONLY, 0, R_BENEATH);
    o2("BENEATH: up (../top)", dirfd, "up", O_RDONLY, 0, R_BENEATH);
    o2("BENEATH: absin (/top)", dirfd, "absin", O_RDONLY, 0, R_BENEATH);
    o2("BENEATH: absolute path", dirfd, base, O_RDONLY, 0, R_BENEATH);
    o2("BENEATH: absolute path, bad dirfd", 999, base, O_RDONLY, 0, R_BENEATH);
    o2("BENEATH: bad dirfd", 999, "file", O_RDONLY, 0, R_BENEATH);
    o2("BENEATH: dirfd is a file", filefd, "file", O_RDONLY, 0, R_BENEATH);
    o2("BENEATH from base: dir/up", basefd, "dir/up", O_RDONLY, 0, R_BENEATH);
    o2("BENEATH from base: dir/../top", basefd, "dir/../top", O_RDONLY, 0, R_BENEATH);
    o2("BENEATH from the cwd: dir/file", AT_FDCWD, "dir/file", O_RDONLY, 0, R_BENEATH);
    o2("BENEATH from the cwd: ../x", AT_FDCWD, "../x", O_RDONLY, 0, R_BENEATH);
    o2("BENEATH: O_CREAT sub/new", dirfd, "sub/new", O_CREAT | O_WRONLY, 0644, R_BENEATH);
    o2("BENEATH: O_CREAT ../new", dirfd, "../new", O_CREAT | O_WRONLY, 0644, R_BENEATH);
    o2("BENEATH: O_CREAT dangabs", dirfd, "dangabs", O_CREAT | O_WRONLY, 0644, R_BENEATH);

    /* ---- IN_ROOT ---- */
    o2("IN_ROOT: /top", basefd, "/top", O_RDONLY, 0, R_IN_ROOT);
    o2("IN_ROOT: ../../../top", basefd, "../../../top", O_RDONLY, 0, R_IN_ROOT);
    o2("IN_ROOT: dir/absin", basefd, "dir/absin", O_RDONLY, 0, R_IN_ROOT);
    o2("IN_ROOT: /dir/file", basefd, "/dir/file", O_RDONLY, 0, R_IN_ROOT);
    o2("IN_ROOT: /..", basefd, "/..", O_RDONLY, 0, R_IN_ROOT);
    o2("IN_ROOT from dir: ../file", dirfd, "../file", O_RDONLY, 0, R_IN_ROOT);
    o2("IN_ROOT from dir: absin", dirfd, "absin", O_RDONLY, 0, R_IN_ROOT);
    o2("IN_ROOT from dir: up", dirfd, "up", O_RDONLY, 0, R_IN_ROOT);
    o2("IN_ROOT: absolute path, bad dirfd", 999, "/top", O_RDONLY, 0, R_IN_ROOT);
    o2("IN_ROOT: O_CREAT /made", basefd, "/made", O_CREAT | O_WRONLY, 0644, R_IN_ROOT);
    printf("made in base: %s\n", access("made", F_OK) == 0 ? "yes" : "no");
    o2("IN_ROOT: O_CREAT dir/dangabs", basefd, "dir/dangabs", O_CREAT | O_WRONLY, 0644, R_IN_ROOT);
    printf("created in base: %s\n", access("created", F_OK) == 0 ? "yes" : "no");

    /* ---- NO_MAGICLINKS, and magic links under scoping ---- */
    char fdpath[64], fdname[16];
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", filefd);
    snprintf(fdname, sizeof fdname, "%d", filefd);
    o2("plain: /proc/self/fd/N", AT_FDCWD, fdpath, O_RDONLY, 0, 0);
    o2("NO_MAGICLINKS: /proc/self/fd/N", AT_FDCWD, fdpath, O_RDONLY, 0, R_NO_MAGICLINKS);
    o2("NO_MAGICLINKS: O_PATH|O_NOFOLLOW /proc/self/fd/N", AT_FDCWD, fdpath, O_PATH | O_NOFOLLOW, 0, R_NO_MAGICLINKS);
    o2("NO_MAGICLINKS: dir/rel", basefd, "dir/rel", O_RDONLY, 0, R_NO_MAGICLINKS);
    int procfd = open("/proc", O_RDONLY | O_DIRECTORY);
    int procfdfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
    o2("BENEATH from /proc/self/fd: N", procfdfd, fdname, O_RDONLY, 0, R_BENEATH);
    o2("IN_ROOT from /proc/self/fd: N", procfdfd, fdname, O_RDONLY, 0, R_IN_ROOT);

    /* ---- NO_XDEV: /proc is a mount of its own ---- */
    int rootfd = open("/", O_RDONLY | O_DIRECTORY);
    o2("NO_XDEV: / then proc", rootfd, "proc", O_RDONLY | O_DIRECTORY, 0, R_NO_XDEV);
    o2("NO_XDEV: /proc/self/status", AT_FDCWD, "/proc/self/status", O_RDONLY, 0, R_NO_XDEV);
    o2("NO_XDEV: /proc then ..", procfd, "..", O_RDONLY, 0, R_NO_XDEV);
    o2("NO_XDEV: /proc then .", procfd, ".", O_RDONLY, 0, R_NO_XDEV);
    o2("NO_XDEV: symlink to /proc/self/status", basefd, "link-to-proc", O_RDONLY, 0, R_NO_XDEV);
    o2("plain: symlink to /proc/self/status", basefd, "link-to-proc", O_RDONLY, 0, 0);
    o2("NO_XDEV: /proc/self/fd then N", procfdfd, fdname, O_RDONLY, 0, R_NO_XDEV);
    o2("NO_XDEV: dir/file", basefd, "dir/file", O_RDONLY, 0, R_NO_XDEV);

    /* clean up */
    const char *files[] = { "dir/sub/new", "dir/file", "dir/rel", "dir/up", "dir/absin", "dir/dangabs",
                            "dir/dangling", "dir/newfile", "dir/loop", "ldir", "top", "m1", "m2", "m3", "made",
                            "created", "link-to-proc", "new" };
    for (unsigned i = 0; i < sizeof files / sizeof files[0]; i++) unlink(files[i]);
    rmdir("dir/sub");
    rmdir("dir");
    chdir("/");
    rmdir(base);
    return 0;
}
