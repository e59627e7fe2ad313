/* name_to_handle_at / open_by_handle_at: a handle names a file without a path and opens it again
 * (any open flags, O_PATH included); handle_bytes too small gives EOVERFLOW with the size needed
 * written back; bad sizes and types are EINVAL; a deleted file's handle is ESTALE. Handle bytes,
 * types and mount ids depend on the file system and are never printed. Works in
 * /tmp/compat-handles. */
#include "compat.h"
#include "files.h"

#include <stdint.h>
#include <stdlib.h>

#define NR_name_to_handle_at 303
#define NR_open_by_handle_at 304
#define AT_HANDLE_FID_ 0x200
#define AT_HANDLE_MNT_ID_UNIQUE_ 0x001
#define AT_HANDLE_CONNECTABLE_ 0x002

struct fh {
    unsigned int handle_bytes;
    int handle_type;
    unsigned char f_handle[128];
};

static long n2h(int dirfd, const char *path, struct fh *h, void *mnt, int flags)
{
    return syscall(NR_name_to_handle_at, dirfd, path, h, mnt, flags);
}

static long obh(int mountfd, struct fh *h, int flags)
{
    return syscall(NR_open_by_handle_at, mountfd, h, flags);
}

/* A handle of path (flags as name_to_handle_at); 0 or -errno. */
static int get(const char *path, struct fh *h, int flags)
{
    int mnt;
    memset(h, 0, sizeof *h);
    h->handle_bytes = 128;
    return n2h(AT_FDCWD, path, h, &mnt, flags) == 0 ? 0 : -errno;
}

static int same(const struct fh *a, const struct fh *b)
{
    return a->handle_bytes == b->handle_bytes && a->handle_type == b->handle_type &&
           memcmp(a->f_handle, b->f_handle, a->handle_bytes) == 0;
}

static void encode(void)
{
    struct fh h, h2;
    int mnt = -1, mnt2 = -1;

    /* Too small: EOVERFLOW, the size needed and FILEID_INVALID come back, the mount id too. */
    memset(&h, 0, sizeof h);
    errno = 0;
    CHECK(n2h(AT_FDCWD, "a", &h, &mnt, 0) == -1 && errno == EOVERFLOW, "handle_bytes 0: EOVERFLOW");
    unsigned need = h.handle_bytes;
    CHECK(need > 0 && need <= 128 && need % 4 == 0, "the size needed is written back");
    CHECK(h.handle_type == 255, "handle_type FILEID_INVALID (%d)", h.handle_type);
    CHECK(mnt != -1, "the mount id is written even then");
    h.handle_bytes = need - 1;
    errno = 0;
    CHECK(n2h(AT_FDCWD, "a", &h, &mnt, 0) == -1 && errno == EOVERFLOW && h.handle_bytes == need,
          "one byte short: EOVERFLOW");
    h.handle_bytes = need;
    CHECK_ERR(n2h(AT_FDCWD, "a", &h, &mnt, 0) == 0 && h.handle_bytes == need, "exactly the size needed: 0");
    CHECK(h.handle_type > 0 && h.handle_type != 255, "a valid handle type");
    CHECK(get("a", &h2, 0) == 0 && same(&h, &h2), "the same file gives the same handle");
    CHECK(get("b", &h2, 0) == 0 && !same(&h, &h2), "another file another handle");
    n2h(AT_FDCWD, ".", &h2, &mnt2, 0);
    CHECK(mnt == mnt2, "the file and its directory: one mount id");
    unsigned long long unique = 0;
    h2.handle_bytes = 128;
    CHECK_ERR(n2h(AT_FDCWD, "a", &h2, &unique, AT_HANDLE_MNT_ID_UNIQUE_) == 0 && unique != 0,
              "AT_HANDLE_MNT_ID_UNIQUE: a 64-bit mount id");

    /* Symlinks: the link itself unless AT_SYMLINK_FOLLOW. */
    CHECK(get("l", &h2, 0) == 0 && !same(&h, &h2), "a symlink's own handle");
    CHECK(get("l", &h2, AT_SYMLINK_FOLLOW) == 0 && same(&h, &h2), "AT_SYMLINK_FOLLOW: its target's");

    /* AT_EMPTY_PATH names the descriptor's file. */
    int fd = open("a", O_RDONLY);
    h2.handle_bytes = 128;
    CHECK_ERR(n2h(fd, "", &h2, &mnt2, AT_EMPTY_PATH) == 0 && same(&h, &h2), "AT_EMPTY_PATH on a descriptor");
    errno = 0;
    CHECK(n2h(fd, "", &h2, &mnt2, 0) == -1 && errno == ENOENT, "an empty path without AT_EMPTY_PATH: ENOENT");
    close(fd);
    CHECK(get("a", &h2, AT_HANDLE_FID_) == 0, "AT_HANDLE_FID: 0");

    /* Errors. */
    errno = 0;
    CHECK(get("missing", &h2, 0) == -ENOENT, "a missing file: ENOENT");
    CHECK(get("a", &h2, 0x8) == -EINVAL, "an unknown flag: EINVAL");
    CHECK(get("a", &h2, AT_HANDLE_CONNECTABLE_ | AT_HANDLE_FID_) == -EINVAL, "CONNECTABLE with FID: EINVAL");
    CHECK(get("a", &h2, AT_HANDLE_CONNECTABLE_ | AT_EMPTY_PATH) == -EINVAL, "CONNECTABLE with AT_EMPTY_PATH: EINVAL");
    h2.handle_bytes = 129;
    errno = 0;
    CHECK(n2h(AT_FDCWD, "a", &h2, &mnt2, 0) == -1 && errno == EINVAL, "handle_bytes 129: EINVAL");
    errno = 0;
    CHECK(n2h(AT_FDCWD, "a", (struct fh *)8, &mnt2, 0) == -1 && errno == EFAULT, "a bad handle pointer: EFAULT");
    h2.handle_bytes = 128;
    errno = 0;
    CHECK(n2h(AT_FDCWD, "a", &h2, (void *)8, 0) == -1 && errno == EFAULT, "a bad mount id pointer: EFAULT");
    /* /proc gives only handles that are not meant to be opened. */
    CHECK(get("/proc/self/status", &h2, 0) == -EOPNOTSUPP, "a /proc file: EOPNOTSUPP");
    CHECK(get("/proc/self/status", &h2, AT_HANDLE_FID_) == 0, "a /proc file with AT_HANDLE_FID: 0");
    int proc = open("/proc", O_RDONLY | O_DIRECTORY);
    errno = 0;
    CHECK(obh(proc, &h2, O_RDONLY) == -1 && errno == ESTALE, "which /proc does not decode: ESTALE");
    close(proc);
}

static void decode(void)
{
    struct fh h, hd, hl, bad;
    struct stat st, st2;
    char buf[16] = {0};
    int mfd = open(".", O_RDONLY | O_DIRECTORY);

    get("a", &h, 0);
    int fd = obh(mfd, &h, O_RDONLY);
    CHECK_ERR(fd >= 0, "open_by_handle_at O_RDONLY");
    CHECK(read(fd, buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0, "reads the file");
    stat("a", &st);
    fstat(fd, &st2);
    CHECK(st.st_ino == st2.st_ino && st.st_dev == st2.st_dev, "the same inode");
    CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY, "opened read-only");
    close(fd);
    fd = obh(AT_FDCWD, &h, O_WRONLY | O_APPEND);
    CHECK_ERR(fd >= 0 && write(fd, "!", 1) == 1, "O_WRONLY|O_APPEND (mount fd AT_FDCWD) writes");
    close(fd);
    CHECK(f_file_is("a", "hello!"), "the write reached the file");
    fd = obh(mfd, &h, O_PATH);
    CHECK_ERR(fd >= 0 && (fcntl(fd, F_GETFL) & O_PATH), "O_PATH");
    errno = 0;
    CHECK(read(fd, buf, 1) == -1 && errno == EBADF, "an O_PATH descriptor does not read");
    close(fd);
    fd = obh(mfd, &h, O_RDONLY | O_DIRECTORY);
    CHECK(fd == -1 && errno == ENOTDIR, "O_DIRECTORY on a file: ENOTDIR");

    get(".", &hd, 0);
    fd = obh(mfd, &hd, O_RDONLY | O_DIRECTORY);
    CHECK_ERR(fd >= 0, "a directory's handle opens with O_DIRECTORY");
    CHECK(fd >= 0 && faccessat(fd, "a", F_OK, 0) == 0, "and is that directory");
    close(fd);
    errno = 0;
    CHECK(obh(mfd, &hd, O_WRONLY) == -1 && errno == EISDIR, "a directory O_WRONLY: EISDIR");

    get("l", &hl, 0);
    errno = 0;
    CHECK(obh(mfd, &hl, O_RDONLY) == -1 && errno == ELOOP, "a symlink's handle O_RDONLY: ELOOP");
    fd = obh(mfd, &hl, O_PATH);
    CHECK_ERR(fd >= 0 && fstatat(fd, "", &st, AT_EMPTY_PATH) == 0 && S_ISLNK(st.st_mode), "with O_PATH: the link itself");
    close(fd);

    /* Bad handles. */
    bad = h;
    bad.handle_bytes = 0;
    errno = 0;
    CHECK(obh(mfd, &bad, O_RDONLY) == -1 && errno == EINVAL, "handle_bytes 0: EINVAL");
    bad.handle_bytes = 129;
    errno = 0;
    CHECK(obh(mfd, &bad, O_RDONLY) == -1 && errno == EINVAL, "handle_bytes 129: EINVAL");
    bad = h;
    bad.handle_type = -1;
    errno = 0;
    CHECK(obh(mfd, &bad, O_RDONLY) == -1 && errno == EINVAL, "a negative handle type: EINVAL");
    bad.handle_type = h.handle_type | 0x40000;
    errno = 0;
    CHECK(obh(mfd, &bad, O_RDONLY) == -1 && errno == EINVAL, "an unknown handle type flag: EINVAL");
    bad = h;
    bad.handle_bytes = 4;
    errno = 0;
    CHECK(obh(mfd, &bad, O_RDONLY) == -1 && errno == ESTALE, "a truncated handle: ESTALE");
    bad = h;
    for (unsigned i = 0; i < bad.handle_bytes; i++)
        bad.f_handle[i] ^= 0x5A;
    errno = 0;
    CHECK(obh(mfd, &bad, O_RDONLY) == -1 && errno == ESTALE, "a scrambled handle: ESTALE");
    errno = 0;
    CHECK(obh(-1, &h, O_RDONLY) == -1 && errno == EBADF, "mount fd -1: EBADF");
    errno = 0;
    CHECK(obh(999, &h, O_RDONLY) == -1 && errno == EBADF, "mount fd not open: EBADF");
    errno = 0;
    CHECK(obh(mfd, (struct fh *)8, O_RDONLY) == -1 && errno == EFAULT, "a bad handle pointer: EFAULT");

    /* Any open descriptor serves as the mount fd; a pipe's is on another file system. */
    int any = open("a", O_RDONLY);
    fd = obh(any, &h, O_RDONLY);
    CHECK_ERR(fd >= 0, "a regular file's descriptor as the mount fd");
    close(fd);
    close(any);
    int p[2];
    pipe(p);
    errno = 0;
    CHECK(obh(p[0], &h, O_RDONLY) == -1 && errno == ESTALE, "a pipe as the mount fd: ESTALE");
    close(p[0]);
    close(p[1]);

    /* A file unlinked while open stays reachable until its last close. */
    struct fh hc;
    f_write_file("c", "kept", 4);
    CHECK(get("c", &hc, 0) == 0, "a handle of c");
    int keep = open("c", O_RDONLY);
    unlink("c");
    fd = obh(mfd, &hc, O_RDONLY);
    CHECK_ERR(fd >= 0 && pread(fd, buf, 4, 0) == 4 && memcmp(buf, "kept", 4) == 0, "unlinked but open: it still opens");
    if (fd >= 0)
        close(fd);
    close(keep);
    errno = 0;
    CHECK(obh(mfd, &hc, O_RDONLY) == -1 && errno == ESTALE, "after its last close: ESTALE");

    /* A deleted file's handle goes stale. */
    struct fh hb;
    CHECK(get("b", &hb, 0) == 0, "a handle of b");
    fd = obh(mfd, &hb, O_RDONLY);
    CHECK_ERR(fd >= 0, "b opens by handle");
    close(fd);
    unlink("b");
    errno = 0;
    CHECK(obh(mfd, &hb, O_RDONLY) == -1 && errno == ESTALE, "after unlink: ESTALE");
    f_write_file("b", "new", 3);
    errno = 0;
    CHECK(obh(mfd, &hb, O_RDONLY) == -1 && errno == ESTALE, "a new file of the same name: still ESTALE");
    close(mfd);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (!f_scratch_begin("handles"))
        return t_done();
    f_write_file("a", "hello", 5);
    f_write_file("b", "other", 5);
    symlink("a", "l");
    encode();
    decode();
    f_scratch_end();
    return t_done();
}
