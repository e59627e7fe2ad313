/* The new mount API on tmpfs, in a fresh directory under /dev/shm (every mount made here is
 * detached again at the end): fsopen/fsconfig/fsmount give a detached tmpfs whose files can be
 * made through its descriptor before move_mount attaches it; mount_setattr changes a mount's
 * flags (statvfs shows them, writes fail with EROFS); open_tree clones a bind mount or names a
 * mount for move_mount to move; fspick reconfigures a mounted tmpfs read-only. Each line: what,
 * result, errno; the errors in Linux's order. */
#include "compat.h"
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FSOPEN_CLOEXEC 1
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_SET_BINARY 2
#define FSCONFIG_SET_PATH 3
#define FSCONFIG_SET_FD 5
#define FSCONFIG_CMD_CREATE 6
#define FSCONFIG_CMD_RECONFIGURE 7
#define FSMOUNT_CLOEXEC 1
#define MOUNT_ATTR_RDONLY 1
#define MOUNT_ATTR_NOSUID 2
#define MOUNT_ATTR_NODEV 4
#define MOUNT_ATTR_NOEXEC 8
#define MOUNT_ATTR__ATIME 0x70
#define MOUNT_ATTR_NOATIME 0x10
#define MOUNT_ATTR_NOSYMFOLLOW 0x200000
#define MOVE_MOUNT_F_EMPTY_PATH 4
#define OPEN_TREE_CLONE 1
#define FSPICK_CLOEXEC 1
#define AT_RECURSIVE 0x8000
#define MNT_DETACH 2
#define TMPFS_MAGIC 0x01021994

struct mount_attr { uint64_t attr_set, attr_clr, propagation, userns_fd; };

static char dir[64];

static const char *P(char *buf, const char *name)
{
    snprintf(buf, 128, "%s/%s", dir, name);
    return buf;
}

static void res(const char *what, long r)
{
    int e = r < 0 ? errno : 0;
    printf("%s: %s errno %d\n", what, r >= 0 ? "ok" : "fails", e);
}

static long fsopen_(const char *name, unsigned flags) { return syscall(SYS_fsopen, name, flags); }
static long fsconfig_(int fd, unsigned cmd, const char *key, const void *value, int aux)
{
    return syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}
static long fsmount_(int fd, unsigned flags, unsigned attr) { return syscall(SYS_fsmount, fd, flags, attr); }
static long move_mount_(int fd, const char *from, int tfd, const char *to, unsigned flags)
{
    return syscall(SYS_move_mount, fd, from, tfd, to, flags);
}
static long open_tree_(int dfd, const char *path, unsigned flags) { return syscall(SYS_open_tree, dfd, path, flags); }
static long fspick_(int dfd, const char *path, unsigned flags) { return syscall(SYS_fspick, dfd, path, flags); }
static long setattr_(const char *path, unsigned flags, struct mount_attr *a, size_t size)
{
    return syscall(SYS_mount_setattr, AT_FDCWD, path, flags, a, size);
}

/* statvfs's flags of a path and whether a new file can be made in it. */
static void state(const char *what, const char *d)
{
    struct statvfs sv;
    memset(&sv, 0, sizeof sv);
    int r = statvfs(d, &sv);
    char p[160];
    snprintf(p, sizeof p, "%s/probe", d);
    errno = 0;
    int fd = open(p, O_CREAT | O_WRONLY, 0644);
    int e = fd < 0 ? errno : 0;
    if (fd >= 0) { close(fd); unlink(p); }
    printf("%s: statvfs %d ro %d nosuid %d nodev %d noexec %d, create errno %d\n", what, r,
           (sv.f_flag & ST_RDONLY) != 0, (sv.f_flag & ST_NOSUID) != 0, (sv.f_flag & ST_NODEV) != 0,
           (sv.f_flag & ST_NOEXEC) != 0, e);
}

static void exists(const char *what, const char *path)
{
    struct stat st;
    errno = 0;
    int r = stat(path, &st);
    int e = r < 0 ? errno : 0;
    printf("%s: %s errno %d\n", what, r == 0 ? "exists" : "missing", e);
}

/* What /proc/self/fd/N names. */
static void link_of(const char *what, int fd)
{
    char p[64], buf[256];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    long n = readlink(p, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("link of %s: %s\n", what, buf);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    snprintf(dir, sizeof dir, "/dev/shm/mount-api-%d", (int)getpid());
    if (mkdir(dir, 0755) != 0) { printf("mkdir: errno %d\n", errno); return 1; }
    char a[128], b[128], c[128], x[128];
    mkdir(P(a, "a"), 0755);
    mkdir(P(b, "b"), 0755);
    mkdir(P(c, "c"), 0755);

    /* fsopen errors */
    res("fsopen of an unknown type", fsopen_("nosuchfs", 0));
    res("fsopen with bad flags", fsopen_("tmpfs", 2));
    res("fsopen with a bad name pointer", fsopen_((char *)1, 0));

    int fs = fsopen_("tmpfs", FSOPEN_CLOEXEC);
    res("fsopen tmpfs", fs);
    res("fsconfig size=1m", fsconfig_(fs, FSCONFIG_SET_STRING, "size", "1m", 0));
    res("fsconfig mode=0700", fsconfig_(fs, FSCONFIG_SET_STRING, "mode", "0700", 0));
    res("fsconfig size=bogus", fsconfig_(fs, FSCONFIG_SET_STRING, "size", "bogus", 0));
    res("fsconfig of an unknown key", fsconfig_(fs, FSCONFIG_SET_STRING, "nosuchopt", "1", 0));
    res("fsconfig string without a value", fsconfig_(fs, FSCONFIG_SET_STRING, "size", NULL, 0));
    res("fsconfig flag with a value", fsconfig_(fs, FSCONFIG_SET_FLAG, "ro", "x", 0));
    res("fsconfig flag without a key", fsconfig_(fs, FSCONFIG_SET_FLAG, NULL, NULL, 0));
    res("fsconfig of an unknown command", fsconfig_(fs, 99, NULL, NULL, 0));
    res("fsconfig on a closed descriptor", fsconfig_(999, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    res("fsconfig on a directory", fsconfig_(dfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    res("fsmount before create", fsmount_(fs, 0, 0));
    res("fsconfig create", fsconfig_(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    res("fsconfig after create", fsconfig_(fs, FSCONFIG_SET_STRING, "size", "2m", 0));
    res("fsmount with bad flags", fsmount_(fs, 4, 0));
    res("fsmount with a bad attribute", fsmount_(fs, 0, 0x40000000));
    int mnt = fsmount_(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV);
    res("fsmount", mnt);
    res("fsmount again", fsmount_(fs, 0, 0));
    close(fs);

    /* the detached mount works through its descriptor */
    int f = openat(mnt, "made-detached", O_CREAT | O_WRONLY, 0644);
    res("file made in the detached mount", f);
    link_of("the detached mount", mnt);
    link_of("a file in the detached mount", f);
    close(f);
    struct stat st;
    fstat(mnt, &st);
    printf("detached root mode %o\n", (unsigned)(st.st_mode & 07777));
    res("move_mount with bad flags", move_mount_(mnt, "", AT_FDCWD, a, 0x10000));
    res("move_mount to a missing target", move_mount_(mnt, "", AT_FDCWD, P(x, "missing"), MOVE_MOUNT_F_EMPTY_PATH));
    res("move_mount of a plain directory", move_mount_(dfd, "", AT_FDCWD, a, MOVE_MOUNT_F_EMPTY_PATH));
    mkdirat(mnt, "inner", 0755);
    res("move_mount of the detached mount into itself", move_mount_(mnt, "", mnt, "inner", MOVE_MOUNT_F_EMPTY_PATH));
    res("move_mount attaches it at a", move_mount_(mnt, "", AT_FDCWD, a, MOVE_MOUNT_F_EMPTY_PATH));
    close(mnt);
    exists("a/made-detached", P(x, "a/made-detached"));
    struct statfs sf;
    statfs(a, &sf);
    printf("a is tmpfs: %d\n", sf.f_type == TMPFS_MAGIC);
    state("a", a);

    /* mount_setattr */
    struct mount_attr ma;
    memset(&ma, 0, sizeof ma);
    ma.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
    res("mount_setattr rdonly,nosuid", setattr_(a, 0, &ma, sizeof ma));
    state("a after mount_setattr", a);
    memset(&ma, 0, sizeof ma);
    ma.attr_clr = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV;
    res("mount_setattr clear rdonly,nodev", setattr_(a, 0, &ma, sizeof ma));
    state("a after clearing", a);
    memset(&ma, 0, sizeof ma);
    res("mount_setattr with nothing to do", setattr_(a, 0, &ma, sizeof ma));
    ma.attr_set = MOUNT_ATTR_NOEXEC;
    res("mount_setattr size 0", setattr_(a, 0, &ma, 0));
    res("mount_setattr size 24", setattr_(a, 0, &ma, 24));
    res("mount_setattr size 8192", setattr_(a, 0, &ma, 8192));
    res("mount_setattr bad flags", setattr_(a, 1, &ma, sizeof ma));
    res("mount_setattr bad pointer", setattr_(a, 0, (void *)1, sizeof ma));
    mkdir(P(x, "a/sub"), 0755);
    res("mount_setattr below the mount root", setattr_(P(x, "a/sub"), 0, &ma, sizeof ma));
    ma.attr_set = 0x40000000;
    res("mount_setattr unknown attribute", setattr_(a, 0, &ma, sizeof ma));
    ma.attr_set = MOUNT_ATTR_NOATIME;
    res("mount_setattr noatime without clearing the atime bits", setattr_(a, 0, &ma, sizeof ma));
    ma.attr_clr = MOUNT_ATTR__ATIME;
    res("mount_setattr noatime", setattr_(a, 0, &ma, sizeof ma));
    ma.attr_set = MOUNT_ATTR_NODEV;
    ma.attr_clr = MOUNT_ATTR_NODEV;
    res("mount_setattr set and clear the same bit", setattr_(a, 0, &ma, sizeof ma));
    memset(&ma, 0, sizeof ma);
    ma.propagation = 3;
    res("mount_setattr bad propagation", setattr_(a, 0, &ma, sizeof ma));
    ma.propagation = 1 << 18; /* MS_PRIVATE */
    res("mount_setattr private", setattr_(a, 0, &ma, sizeof ma));

    /* nosymfollow: links on the mount are not followed (ELOOP), but can be read; links elsewhere into it are */
    symlink("made-detached", P(x, "a/lnk"));
    char y[128];
    symlink(P(y, "a/made-detached"), P(x, "into-a"));
    memset(&ma, 0, sizeof ma);
    ma.attr_set = MOUNT_ATTR_NOSYMFOLLOW;
    res("mount_setattr nosymfollow", setattr_(a, 0, &ma, sizeof ma));
    struct statvfs sv;
    statvfs(a, &sv);
    printf("ST_NOSYMFOLLOW: %d\n", (sv.f_flag & 0x2000) != 0);
    int lf = open(P(x, "a/lnk"), O_RDONLY);
    res("open through a link on the nosymfollow mount", lf);
    char lbuf[64];
    res("readlink of it", readlink(P(x, "a/lnk"), lbuf, sizeof lbuf));
    lf = open(P(x, "into-a"), O_RDONLY);
    res("open through a link elsewhere into it", lf);
    close(lf);
    ma.attr_set = 0;
    ma.attr_clr = MOUNT_ATTR_NOSYMFOLLOW;
    res("mount_setattr clear nosymfollow", setattr_(a, 0, &ma, sizeof ma));
    lf = open(P(x, "a/lnk"), O_RDONLY);
    res("open through the link again", lf);
    close(lf);
    unlink(P(x, "a/lnk"));
    unlink(P(x, "into-a"));

    /* open_tree */
    res("open_tree with bad flags", open_tree_(AT_FDCWD, a, 0x4));
    res("open_tree AT_RECURSIVE without clone", open_tree_(AT_FDCWD, a, AT_RECURSIVE));
    int t = open_tree_(AT_FDCWD, a, OPEN_TREE_CLONE | O_CLOEXEC);
    res("open_tree clone of a", t);
    res("move_mount of the clone to b", move_mount_(t, "", AT_FDCWD, b, MOVE_MOUNT_F_EMPTY_PATH));
    close(t);
    exists("b/made-detached", P(x, "b/made-detached"));
    int g = open(P(x, "b/through-bind"), O_CREAT | O_WRONLY, 0644);
    close(g);
    exists("a/through-bind", P(x, "a/through-bind"));
    int o = open_tree_(AT_FDCWD, b, O_CLOEXEC);
    res("open_tree of b (no clone)", o);
    res("move_mount of b to c", move_mount_(o, "", AT_FDCWD, c, MOVE_MOUNT_F_EMPTY_PATH));
    close(o);
    exists("b/made-detached after the move", P(x, "b/made-detached"));
    exists("c/made-detached", P(x, "c/made-detached"));
    res("move_mount by path from c to b", move_mount_(AT_FDCWD, c, AT_FDCWD, b, 0));
    exists("b/made-detached back", P(x, "b/made-detached"));

    /* fspick */
    res("fspick below a mount root", fspick_(AT_FDCWD, P(x, "a/sub"), 0));
    res("fspick with bad flags", fspick_(AT_FDCWD, a, 0x100));
    int pk = fspick_(AT_FDCWD, a, FSPICK_CLOEXEC);
    res("fspick of a", pk);
    res("fsmount of a picked context", fsmount_(pk, 0, 0));
    res("fsconfig ro", fsconfig_(pk, FSCONFIG_SET_FLAG, "ro", NULL, 0));
    res("fsconfig reconfigure", fsconfig_(pk, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
    state("a after reconfigure ro", a);
    res("fsconfig rw", fsconfig_(pk, FSCONFIG_SET_FLAG, "rw", NULL, 0));
    res("fsconfig reconfigure", fsconfig_(pk, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
    state("a after reconfigure rw", a);
    close(pk);

    /* ramfs: no fallocate, no extended attributes */
    int rfs = fsopen_("ramfs", 0);
    res("fsopen ramfs", rfs);
    res("fsconfig ramfs mode", fsconfig_(rfs, FSCONFIG_SET_STRING, "mode", "0755", 0));
    res("fsconfig ramfs create", fsconfig_(rfs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
    int rm = fsmount_(rfs, 0, 0);
    res("fsmount ramfs", rm);
    close(rfs);
    res("move_mount ramfs to c", move_mount_(rm, "", AT_FDCWD, c, MOVE_MOUNT_F_EMPTY_PATH));
    close(rm);
    statfs(c, &sf);
    printf("c is ramfs: %d\n", sf.f_type == 0x858458F6);
    int rf = open(P(x, "c/file"), O_CREAT | O_RDWR, 0644);
    res("file on ramfs", rf);
    res("fallocate on ramfs", fallocate(rf, 0, 0, 4096));
    res("fsetxattr user.x on ramfs", syscall(SYS_fsetxattr, rf, "user.x", "x", 1, 0));
    res("fsetxattr trusted.x on ramfs", syscall(SYS_fsetxattr, rf, "trusted.x", "x", 1, 0));
    close(rf);
    unlink(x);
    res("umount c", umount2(c, 0));

    res("umount b", umount2(b, 0));
    res("umount a", umount2(a, 0));
    umount2(a, MNT_DETACH);
    umount2(b, MNT_DETACH);
    umount2(c, MNT_DETACH);
    close(dfd);
    rmdir(a);
    rmdir(b);
    rmdir(c);
    res("rmdir", rmdir(dir));
    return 0;
}
