/* inotify's IN_DELETE_SELF waits for the last user of a node that lost its last name, as on Linux
 * (the last dentry reference): a file unlinked while open, a directory removed while it is the cwd
 * or open, a file renamed over while open (its IN_ATTRIB comes at once); the close of an unlinked
 * file still reaches its directory's watch under the name it had. And the immediate cases. */
#include "compat.h"
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

static int in;
static char base[64];

static void drain(const char *when)
{
    char buf[4096] __attribute__((aligned(8)));
    ssize_t n = read(in, buf, sizeof buf);
    printf("%s:", when);
    for (char *p = buf; n > 0 && p < buf + n;) {
        struct inotify_event *e = (struct inotify_event *)p;
        printf(" wd%d:%x", e->wd, e->mask);
        if (e->len) printf("/%s", e->name);
        p += sizeof *e + e->len;
    }
    printf("\n");
}

static const char *P(const char *name)
{
    static char path[4][128];
    static int i;
    i = (i + 1) % 4;
    snprintf(path[i], sizeof path[i], "%s/%s", base, name);
    return path[i];
}

int main(void)
{
    snprintf(base, sizeof base, "/tmp/inotifydel.%d", (int)getpid());
    in = inotify_init1(IN_NONBLOCK);
    if (in < 0 || mkdir(base, 0755) != 0) { perror("setup"); return 1; }

    int fd = open(P("f"), O_CREAT | O_RDWR, 0644);
    inotify_add_watch(in, P("f"), IN_ALL_EVENTS);
    inotify_add_watch(in, base, IN_ALL_EVENTS);
    unlink(P("f"));
    drain("unlink of an open file");
    close(fd);
    drain("its last close");

    fd = open(P("g"), O_CREAT | O_RDWR, 0644);
    close(fd);
    inotify_add_watch(in, P("g"), IN_DELETE_SELF | IN_ATTRIB);
    drain("g made");
    unlink(P("g"));
    drain("unlink of a closed file");

    mkdir(P("sub"), 0755);
    inotify_add_watch(in, P("sub"), IN_ALL_EVENTS);
    chdir(P("sub"));
    rmdir(P("sub"));
    drain("rmdir of the cwd");
    chdir("/");
    drain("chdir out of it");

    mkdir(P("s2"), 0755);
    int d = open(P("s2"), O_RDONLY | O_DIRECTORY);
    inotify_add_watch(in, P("s2"), IN_DELETE_SELF);
    rmdir(P("s2"));
    drain("rmdir of an open directory");
    close(d);
    drain("its close");

    fd = open(P("h"), O_CREAT | O_RDWR, 0644);
    int t = open(P("t"), O_CREAT | O_RDWR, 0644);
    close(t);
    inotify_add_watch(in, P("h"), IN_DELETE_SELF | IN_ATTRIB);
    rename(P("t"), P("h"));
    drain("rename over an open file");
    close(fd);
    drain("its close");

    t = open(P("u"), O_CREAT | O_RDWR, 0644);
    close(t);
    inotify_add_watch(in, P("h"), IN_DELETE_SELF | IN_ATTRIB);
    rename(P("u"), P("h"));
    drain("rename over a closed file");

    int fd1 = open(P("h"), O_RDONLY), fd2 = dup(fd1);
    inotify_add_watch(in, P("h"), IN_DELETE_SELF);
    unlink(P("h"));
    close(fd1);
    drain("one of two descriptors closed");
    close(fd2);
    drain("the other");

    rmdir(base);
    drain("end");
    return 0;
}
