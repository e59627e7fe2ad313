/* proc_fd_reopen: opening /proc/self/fd/N and /dev/fd/N when N is a pipe, a socket or an
 * eventfd. Linux's magic link names the open file's inode, not the "pipe:[ino]" text: a pipe
 * end reopens as a new description of the same pipe in any access mode (bash's <(...),
 * `cat /dev/stdin` in a pipeline), a socket gives ENXIO, stat follows to the file. */
#include "compat.h"
#include <fcntl.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>

static int open_fd(const char *dir, int fd, int flags)
{
    char path[64];
    snprintf(path, sizeof path, "%s/%d", dir, fd);
    return open(path, flags);
}

static int stat_fd(const char *dir, int fd, struct stat *st)
{
    char path[64];
    snprintf(path, sizeof path, "%s/%d", dir, fd);
    return stat(path, st);
}

int main(void)
{
    int p[2], s[2], r, w, e;
    char buf[32];
    struct stat a, b;
    ssize_t n;

    CHECK_ERR(pipe(p) == 0, "pipe");
    /* The read end reopened: reads the data written to the original write end. */
    r = open_fd("/dev/fd", p[0], O_RDONLY);
    CHECK_ERR(r >= 0, "open /dev/fd/<read end> O_RDONLY");
    CHECK(r != p[0], "a new descriptor");
    CHECK(write(p[1], "hello", 5) == 5, "write to the pipe");
    n = read(r, buf, sizeof buf);
    CHECK(n == 5 && memcmp(buf, "hello", 5) == 0, "read through the reopened end");
    CHECK((fcntl(r, F_GETFL) & O_ACCMODE) == O_RDONLY, "reopened end is O_RDONLY");
    /* A write end from the read end's link: the same pipe, in the mode asked for. */
    w = open_fd("/proc/self/fd", p[0], O_WRONLY);
    CHECK_ERR(w >= 0, "open /proc/self/fd/<read end> O_WRONLY");
    CHECK(write(w, "xy", 2) == 2, "write through the new write end");
    n = read(p[0], buf, sizeof buf);
    CHECK(n == 2 && memcmp(buf, "xy", 2) == 0, "the original read end sees it");
    /* stat follows the link to the pipe itself. */
    CHECK_ERR(stat_fd("/dev/fd", p[1], &a) == 0, "stat /dev/fd/<write end>");
    CHECK(fstat(p[0], &b) == 0, "fstat the read end");
    CHECK(S_ISFIFO(a.st_mode), "stat: S_ISFIFO");
    CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev, "stat: the pipe's inode");
    CHECK_ERR(stat("/dev/stdin", &a) == 0 || errno == ENOENT, "stat /dev/stdin");
    /* The writers are the original end and w: closing both gives end of file to every reader. */
    close(p[1]);
    close(w);
    n = read(r, buf, sizeof buf);
    CHECK(n == 0, "end of file once every write end is closed");
    /* O_RDWR through the link: one description that is both a reader and a writer. */
    w = open_fd("/dev/fd", r, O_RDWR);
    CHECK_ERR(w >= 0, "open /dev/fd/<read end> O_RDWR");
    CHECK(write(w, "z", 1) == 1, "write through an O_RDWR end");
    n = read(w, buf, sizeof buf);
    CHECK(n == 1 && buf[0] == 'z', "read back through the O_RDWR end");
    close(w);
    close(r);
    close(p[0]);

    /* A closed descriptor's link is gone. */
    CHECK_ERR(open_fd("/dev/fd", p[0], O_RDONLY) < 0 && errno == ENOENT, "closed descriptor: ENOENT");

    /* Sockets cannot be opened through the link: ENXIO; stat shows the socket. */
    CHECK_ERR(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "socketpair");
    CHECK_ERR(open_fd("/proc/self/fd", s[0], O_RDWR) < 0 && errno == ENXIO, "open a socket's link: ENXIO");
    CHECK_ERR(stat_fd("/proc/self/fd", s[0], &a) == 0 && S_ISSOCK(a.st_mode), "stat a socket's link: S_ISSOCK");
    CHECK(fstat(s[0], &b) == 0 && a.st_ino == b.st_ino, "stat: the socket's inode");
    close(s[0]);
    close(s[1]);

    /* An eventfd's link: stat names its anonymous inode. */
    e = eventfd(0, 0);
    CHECK_ERR(e >= 0, "eventfd");
    CHECK_ERR(stat_fd("/dev/fd", e, &a) == 0, "stat an eventfd's link");
    CHECK(fstat(e, &b) == 0 && a.st_ino == b.st_ino && a.st_mode == b.st_mode, "stat: the eventfd's inode");
    r = open_fd("/dev/fd", e, O_RDWR);
    n = r < 0 ? -errno : 0;
    printf("open an eventfd's link: %s\n", n == 0 ? "opened" : n == -ENXIO ? "ENXIO" : "other error");
    if (r >= 0)
        close(r);
    close(e);
    return t_done();
}
