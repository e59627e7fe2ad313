/* Extended attributes on tmpfs (a fresh directory under /dev/shm): set/get/list/remove through
 * paths, symlinks (l*) and descriptors (f*); XATTR_CREATE/XATTR_REPLACE, bad flags, missing
 * names, ERANGE for short buffers and bad names, E2BIG past 64 KiB, EOPNOTSUPP for unknown
 * namespaces, user.* refused on symlinks and FIFOs, hard links sharing attributes, rename,
 * unlinked open files, EFAULT, EBADF, /proc, and IN_ATTRIB from inotify. Each line: what,
 * result, errno (and the value or list when there is one). */
#include "compat.h"
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define BAD ((void *)1)

static void res(const char *what, long r)
{
    int e = r < 0 ? errno : 0;
    printf("%s: %ld errno %d\n", what, r, e);
}

static void get(const char *what, const char *path, const char *name, size_t size)
{
    char buf[128];
    errno = 0;
    long r = getxattr(path, name, buf, size);
    int e = r < 0 ? errno : 0;
    printf("%s: %ld errno %d", what, r, e);
    if (size > 0 && r > 0 && r <= (long)sizeof buf) printf(" value \"%.*s\"", (int)r, buf);
    putchar('\n');
}

static void list(const char *what, long r, const char *buf)
{
    int e = r < 0 ? errno : 0;
    printf("%s: %ld errno %d [", what, r, e);
    for (long i = 0; i < r; i++) putchar(buf[i] ? buf[i] : ' ');
    printf("]\n");
}

static void attrib_events(const char *what, int in)
{
    char evbuf[512];
    struct inotify_event *ev;
    int events = 0;
    long r = read(in, evbuf, sizeof evbuf);
    for (long off = 0; r > 0 && off < r; off += sizeof *ev + ev->len) {
        ev = (struct inotify_event *)(evbuf + off);
        if (ev->mask & IN_ATTRIB) events++;
    }
    printf("IN_ATTRIB events %s: %d\n", what, events);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char dir[64], f[96], d[96], l[96], p[96], h[96], g[96];
    snprintf(dir, sizeof dir, "/dev/shm/xattr-%d", (int)getpid());
    if (mkdir(dir, 0755) != 0) { printf("mkdir: errno %d\n", errno); return 1; }
    snprintf(f, sizeof f, "%s/f", dir);
    snprintf(d, sizeof d, "%s/d", dir);
    snprintf(l, sizeof l, "%s/l", dir);
    snprintf(p, sizeof p, "%s/p", dir);
    snprintf(h, sizeof h, "%s/h", dir);
    snprintf(g, sizeof g, "%s/g", dir);
    int fd = open(f, O_CREAT | O_RDWR, 0644);
    mkdir(d, 0755);
    symlink("f", l);
    mkfifo(p, 0644);

    char buf[512];
    long r;
    list("list of a new file", listxattr(f, buf, sizeof buf), buf);
    get("get a missing name", f, "user.a", sizeof buf);
    res("remove a missing name", removexattr(f, "user.a"));
    res("set user.a", setxattr(f, "user.a", "v1", 2, 0));
    get("get size query", f, "user.a", 0);
    get("get user.a", f, "user.a", 64);
    get("get into 1 byte", f, "user.a", 1);
    res("XATTR_CREATE of an existing name", setxattr(f, "user.a", "x", 1, XATTR_CREATE));
    res("XATTR_REPLACE of a missing name", setxattr(f, "user.b", "x", 1, XATTR_REPLACE));
    res("XATTR_REPLACE of user.a", setxattr(f, "user.a", "longer", 6, XATTR_REPLACE));
    get("get user.a after replace", f, "user.a", 64);
    res("flags 4", setxattr(f, "user.a", "x", 1, 4));
    res("flags CREATE|REPLACE", setxattr(f, "user.c", "x", 1, XATTR_CREATE | XATTR_REPLACE));
    res("XATTR_CREATE of user.b", setxattr(f, "user.b", "", 0, XATTR_CREATE));
    get("get empty user.b", f, "user.b", 64);
    res("set trusted.t", setxattr(f, "trusted.t", "tv", 2, 0));
    res("set security.s", setxattr(f, "security.s", "sv", 2, 0));
    res("set user.0 (sorts first)", setxattr(f, "user.0", "z", 1, 0));
    r = listxattr(f, NULL, 0);
    res("list size query", r);
    r = listxattr(f, buf, 5);
    res("list into 5 bytes", r);
    r = listxattr(f, buf, sizeof buf);
    list("list", r, buf);

    /* names */
    res("empty name", setxattr(f, "", "x", 1, 0));
    get("get empty name", f, "", 64);
    res("prefix only", setxattr(f, "user.", "x", 1, 0));
    get("get prefix only", f, "user.", 64);
    res("unknown namespace", setxattr(f, "other.x", "x", 1, 0));
    get("get unknown namespace", f, "other.x", 64);
    res("no namespace", setxattr(f, "plain", "x", 1, 0));
    res("remove unknown namespace", removexattr(f, "other.x"));
    char name[300];
    memset(name, 'n', sizeof name);
    memcpy(name, "user.", 5);
    name[255] = 0;
    res("255-byte name", setxattr(f, name, "x", 1, 0));
    get("get 255-byte name", f, name, 64);
    res("remove 255-byte name", removexattr(f, name));
    name[255] = 'n';
    name[256] = 0;
    res("256-byte name", setxattr(f, name, "x", 1, 0));
    get("get 256-byte name", f, name, 64);
    res("remove 256-byte name", removexattr(f, name));
    res("256-byte name, missing file", setxattr("/nonexistent/x", name, "x", 1, 0));

    /* value sizes */
    char *big = calloc(1, 65537);
    memset(big, 'b', 65537);
    res("64 KiB value", setxattr(f, "user.big", big, 65536, 0));
    r = getxattr(f, "user.big", NULL, 0);
    res("size of the 64 KiB value", r);
    r = getxattr(f, "user.big", big, 65537);
    res("get 64 KiB into a larger buffer", r);
    r = getxattr(f, "user.big", big, 100);
    res("get 64 KiB into 100 bytes", r);
    res("64 KiB + 1 value", setxattr(f, "user.big", big, 65537, 0));
    res("remove user.big", removexattr(f, "user.big"));
    get("get removed user.big", f, "user.big", 64);
    free(big);

    /* remove */
    res("remove user.0", removexattr(f, "user.0"));
    r = listxattr(f, buf, sizeof buf);
    list("list after remove", r, buf);

    /* hard links and rename share the inode's attributes */
    link(f, h);
    get("user.a through a hard link", h, "user.a", 64);
    res("set user.h through the hard link", setxattr(h, "user.h", "hv", 2, 0));
    get("user.h through the first name", f, "user.h", 64);
    rename(f, g);
    get("user.a after rename", g, "user.a", 64);
    rename(g, f);

    /* symlinks: user.* refused, trusted.* on the link itself */
    get("getxattr follows the symlink", l, "user.a", 64);
    res("lsetxattr user.x on a symlink", lsetxattr(l, "user.x", "x", 1, 0));
    errno = 0;
    r = lgetxattr(l, "user.a", buf, sizeof buf);
    res("lgetxattr user.a on a symlink", r);
    res("lremovexattr user.a on a symlink", lremovexattr(l, "user.a"));
    res("lsetxattr trusted.x on a symlink", lsetxattr(l, "trusted.x", "lx", 2, 0));
    r = lgetxattr(l, "trusted.x", buf, sizeof buf);
    res("lgetxattr trusted.x on a symlink", r);
    r = llistxattr(l, buf, sizeof buf);
    list("llistxattr of the symlink", r, buf);
    get("trusted.x is not on the target", f, "trusted.x", 64);
    res("lremovexattr trusted.x", lremovexattr(l, "trusted.x"));

    /* FIFO and directory */
    res("user.x on a FIFO", setxattr(p, "user.x", "x", 1, 0));
    get("get user.x on a FIFO", p, "user.x", 64);
    res("trusted.x on a FIFO", setxattr(p, "trusted.x", "x", 1, 0));
    r = listxattr(p, buf, sizeof buf);
    list("list of the FIFO", r, buf);
    res("user.x on a directory", setxattr(d, "user.x", "dx", 2, 0));
    get("get user.x on a directory", d, "user.x", 64);

    /* descriptors */
    res("fsetxattr user.fd", fsetxattr(fd, "user.fd", "fv", 2, 0));
    errno = 0;
    r = fgetxattr(fd, "user.fd", buf, sizeof buf);
    res("fgetxattr user.fd", r);
    r = flistxattr(fd, buf, sizeof buf);
    list("flistxattr", r, buf);
    res("fremovexattr user.fd", fremovexattr(fd, "user.fd"));
    res("fremovexattr again", fremovexattr(fd, "user.fd"));
    res("fsetxattr on a closed descriptor", fsetxattr(999, "user.x", "x", 1, 0));
    res("fgetxattr on a closed descriptor", fgetxattr(999, "user.x", buf, 8));
    res("flistxattr on a closed descriptor", flistxattr(999, buf, 8));
    res("fremovexattr on a closed descriptor", fremovexattr(999, "user.x"));
    int pfd = open(f, O_PATH);
    res("fsetxattr on O_PATH", fsetxattr(pfd, "user.x", "x", 1, 0));
    close(pfd);
    int pipefd[2];
    pipe(pipefd);
    res("fsetxattr user.x on a pipe", fsetxattr(pipefd[0], "user.x", "x", 1, 0));
    res("fgetxattr user.x on a pipe", fgetxattr(pipefd[0], "user.x", buf, 8));
    close(pipefd[0]);
    close(pipefd[1]);

    /* an unlinked file keeps its attributes while open */
    unlink(h);
    unlink(f);
    r = fgetxattr(fd, "user.a", buf, sizeof buf);
    res("fgetxattr of an unlinked open file", r);
    close(fd);

    /* bad pointers */
    fd = open(d, O_RDONLY);
    res("bad name pointer", setxattr(d, BAD, "x", 1, 0));
    res("bad value pointer", setxattr(d, "user.y", BAD, 1, 0));
    res("bad value pointer, size 0", setxattr(d, "user.y", BAD, 0, 0));
    res("remove user.y", removexattr(d, "user.y"));
    res("bad path pointer", setxattr(BAD, "user.y", "x", 1, 0));
    res("get into a bad buffer", getxattr(d, "user.x", BAD, 64));
    res("get size into a bad buffer", getxattr(d, "user.x", BAD, 0));
    res("list into a bad buffer", listxattr(d, BAD, 64));
    res("get a bad name", getxattr(d, BAD, buf, 64));
    res("missing file", getxattr(f, "user.x", buf, 64));
    res("missing file, list", listxattr(f, buf, 64));
    res("missing file, set", setxattr(f, "user.x", "x", 1, 0));

    /* inotify: setxattr and removexattr are IN_ATTRIB */
    int in = inotify_init1(IN_NONBLOCK);
    inotify_add_watch(in, d, IN_ATTRIB);
    fsetxattr(fd, "user.w", "w", 1, 0);
    attrib_events("after fsetxattr", in);
    fsetxattr(fd, "user.w", "w", 1, XATTR_CREATE);
    attrib_events("after a failed fsetxattr", in);
    fremovexattr(fd, "user.w");
    attrib_events("after fremovexattr", in);
    close(in);
    close(fd);

    /* ctime: a change moves it, a failed call does not */
    struct stat before, after;
    stat(d, &before);
    struct timespec pause = { 0, 20 * 1000 * 1000 };
    nanosleep(&pause, NULL);
    setxattr(d, "user.x", "dx", 2, XATTR_CREATE);
    stat(d, &after);
    printf("ctime after a failed setxattr unchanged: %d\n",
           after.st_ctim.tv_sec == before.st_ctim.tv_sec && after.st_ctim.tv_nsec == before.st_ctim.tv_nsec);
    setxattr(d, "user.x", "dy", 2, XATTR_REPLACE);
    stat(d, &after);
    printf("ctime after setxattr moved: %d\n",
           after.st_ctim.tv_sec > before.st_ctim.tv_sec ||
           (after.st_ctim.tv_sec == before.st_ctim.tv_sec && after.st_ctim.tv_nsec > before.st_ctim.tv_nsec));

    /* /proc: no attributes, no handlers */
    get("/proc/self/status user.x", "/proc/self/status", "user.x", 64);
    res("/proc/self/status set user.x", setxattr("/proc/self/status", "user.x", "x", 1, 0));
    r = listxattr("/proc/self/status", buf, sizeof buf);
    list("/proc/self/status list", r, buf);

    /* sysfs: user. reads as absent (writing it is refused); devpts: no trusted. */
    get("/sys/devices/system/cpu user.x", "/sys/devices/system/cpu", "user.x", 64);
    get("/sys/devices/system/cpu trusted.x", "/sys/devices/system/cpu", "trusted.x", 64);
    r = listxattr("/sys/devices/system/cpu", buf, sizeof buf);
    list("/sys/devices/system/cpu list", r, buf);
    get("/dev/pts/ptmx user.x", "/dev/pts/ptmx", "user.x", 64);
    get("/dev/pts/ptmx trusted.x", "/dev/pts/ptmx", "trusted.x", 64);
    res("/dev/pts/ptmx set user.x", setxattr("/dev/pts/ptmx", "user.x", "x", 1, 0));
    res("/dev/pts/ptmx set trusted.x", setxattr("/dev/pts/ptmx", "trusted.x", "x", 1, 0));
    get("/dev/null trusted.x", "/dev/null", "trusted.x", 64);

    rmdir(d);
    unlink(l);
    unlink(p);
    rmdir(dir);
    return 0;
}
