/* inotify: the events a directory watch and a file watch report for creating, writing, reading,
 * closing, renaming, chmod, mkdir/rmdir and unlink; IN_ONESHOT, rm_watch and IN_IGNORED; queue
 * merging; FIONREAD, poll and a buffer too small; argument errors. */
#include "compat.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int ino;

/* The call first, then errno (arguments are evaluated in no fixed order). */
#define SHOW(what, expr) do { errno = 0; long r_ = (long)(expr); printf("%s: %ld errno %d\n", what, r_, r_ < 0 ? errno : 0); } while (0)
static char buf[8192] __attribute__((aligned(8)));

static void names(uint32_t m)
{
    static const struct { uint32_t bit; const char *name; } n[] = {
        { IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" }, { IN_CLOSE_WRITE, "CLOSE_WRITE" },
        { IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" }, { IN_OPEN, "OPEN" }, { IN_MOVED_FROM, "MOVED_FROM" }, { IN_MOVED_TO, "MOVED_TO" },
        { IN_CREATE, "CREATE" }, { IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" }, { IN_MOVE_SELF, "MOVE_SELF" },
        { IN_Q_OVERFLOW, "Q_OVERFLOW" }, { IN_IGNORED, "IGNORED" }, { IN_ISDIR, "ISDIR" } };
    int first = 1;
    for (unsigned i = 0; i < sizeof n / sizeof n[0]; i++)
        if (m & n[i].bit) { printf("%s%s", first ? "" : "|", n[i].name); first = 0; m &= ~n[i].bit; }
    if (m) printf("%s0x%x", first ? "" : "|", m);
}

/* Reads and prints every queued event; cookies print as "paired" when MOVED_FROM and MOVED_TO share one. */
static void drain(const char *step)
{
    printf("%s:\n", step);
    uint32_t last_cookie = 0;
    for (;;) {
        ssize_t n = read(ino, buf, sizeof buf);
        if (n < 0) { if (errno != EAGAIN) printf("  read: errno %d\n", errno); break; }
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            printf("  wd %d ", e->wd);
            names(e->mask);
            if (e->cookie) { printf(" cookie %s", e->cookie == last_cookie ? "paired" : "set"); last_cookie = e->cookie; }
            if (e->len) printf(" name %s len %u", e->name, e->len);
            printf("\n");
            p += sizeof *e + e->len;
        }
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char dir[] = "/tmp/inotify-XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0) { perror("setup"); return 1; }
    ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    printf("init1: %s cloexec %d\n", ino >= 0 ? "ok" : "failed", (fcntl(ino, F_GETFD) & FD_CLOEXEC) != 0);
    SHOW("read empty", read(ino, buf, sizeof buf));
    int wd = inotify_add_watch(ino, ".", IN_ALL_EVENTS);
    printf("watch dir: wd %d\n", wd);
    printf("watch again, same wd: %d\n", inotify_add_watch(ino, ".", IN_ALL_EVENTS) == wd);

    int fd = open("a", O_CREAT | O_WRONLY, 0644);
    write(fd, "hello", 5);
    write(fd, "hello", 5);                       /* merged with the previous MODIFY */
    close(fd);
    drain("create, write twice, close");

    struct pollfd pfd = { ino, POLLIN, 0 };
    printf("poll empty: %d\n", poll(&pfd, 1, 0));
    fd = open("a", O_RDONLY);
    int avail = -1;
    ioctl(ino, FIONREAD, &avail);
    int ready = poll(&pfd, 1, 0);
    printf("poll after open: %d revents %d FIONREAD %d\n", ready, pfd.revents, avail);
    SHOW("read into 8 bytes", read(ino, buf, 8));
    read(fd, buf, 3);
    close(fd);
    drain("open, read, close");

    chmod("a", 0600);
    rename("a", "b");
    mkdir("sub", 0755);
    rmdir("sub");
    drain("chmod, rename, mkdir, rmdir");

    int fwd = inotify_add_watch(ino, "b", IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF);
    printf("watch file: new wd %d\n", fwd != wd);
    fd = open("b", O_WRONLY | O_APPEND);
    write(fd, "x", 1);
    close(fd);
    link("b", "c");
    unlink("c");
    unlink("b");
    drain("write, link, unlink both names (file watch ends)");

    int one = inotify_add_watch(ino, ".", IN_CREATE | IN_ONESHOT);
    printf("oneshot replaces the mask, same wd: %d\n", one == wd);
    close(open("d", O_CREAT | O_WRONLY, 0644));
    close(open("e", O_CREAT | O_WRONLY, 0644));
    drain("oneshot: two creates");
    SHOW("rm_watch of the ended watch", inotify_rm_watch(ino, wd));

    wd = inotify_add_watch(ino, ".", IN_DELETE);
    printf("rm_watch: %d\n", inotify_rm_watch(ino, wd));
    drain("after rm_watch");

    SHOW("add_watch bad fd", inotify_add_watch(99, ".", IN_CREATE));
    int pipefd[2];
    pipe(pipefd);
    SHOW("add_watch not inotify", inotify_add_watch(pipefd[0], ".", IN_CREATE));
    SHOW("add_watch empty mask", inotify_add_watch(ino, ".", 0));
    SHOW("add_watch missing", inotify_add_watch(ino, "nope", IN_CREATE));
    SHOW("add_watch onlydir on a file", inotify_add_watch(ino, "d", IN_CREATE | IN_ONLYDIR));
    wd = inotify_add_watch(ino, "d", IN_MODIFY);
    SHOW("add_watch mask_create on a watched file", inotify_add_watch(ino, "d", IN_MODIFY | IN_MASK_CREATE));
    SHOW("rm_watch bad wd", inotify_rm_watch(ino, 12345));
    SHOW("init1 bad flags", inotify_init1(1));

    unlink("d"); unlink("e");
    drain("cleanup");
    close(ino);
    chdir("/");
    rmdir(dir);
    return 0;
}
