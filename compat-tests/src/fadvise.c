/* posix_fadvise and readahead on files without a page cache of their own: Linux accepts the
 * advice (checking length and advice) on sockets, eventfds, epoll, timerfd, inotify and devices,
 * refuses pipes (ESPIPE) and does readahead only on regular files (EINVAL). Coreutils' cat, given
 * a socket as stdin by node's child_process, advises it sequential. */
#include "compat.h"
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

static void show(const char *what, int fd)
{
    int a = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    int b = posix_fadvise(fd, 0, 100, POSIX_FADV_DONTNEED);
    int c = posix_fadvise(fd, 0, -1, POSIX_FADV_NORMAL);
    int d = posix_fadvise(fd, 0, 0, 9);
    errno = 0;
    long r = readahead(fd, 0, 10);
    int e = errno;
    printf("%s: sequential %s, dontneed %s, negative length %s, bad advice %s, readahead %ld %s\n",
           what, strerror(a), strerror(b), strerror(c), strerror(d), r, strerror(e));
}

int main(void)
{
    int sv[2], p[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pipe(p);
    show("unix socket", sv[0]);
    show("tcp socket", socket(AF_INET, SOCK_STREAM, 0));
    show("udp socket", socket(AF_INET, SOCK_DGRAM, 0));
    show("eventfd", eventfd(0, 0));
    show("epoll", epoll_create1(0));
    show("timerfd", timerfd_create(CLOCK_MONOTONIC, 0));
    show("inotify", inotify_init1(0));
    show("/dev/null", open("/dev/null", O_RDONLY));
    show("pipe", p[0]);
    return t_done();
}
