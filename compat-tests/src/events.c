/* Event sources: epoll over pipes, eventfd counters, AF_UNIX socket pairs, alarm and setitimer
 * delivering SIGALRM (to a handler, interrupting a sleep). */
#include "compat.h"
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile int alarms;
static void on_alarm(int s) { (void)s; alarms++; }

int main(void)
{
    int p[2], ep, n;
    struct epoll_event ev, out[4];
    CHECK_ERR(pipe(p) == 0, "pipe");
    ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK_ERR(ep >= 0, "epoll_create1");
    ev.events = EPOLLIN; ev.data.u64 = 77;
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "EPOLL_CTL_ADD the read end");
    errno = 0;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == -1 && errno == EEXIST, "adding it twice fails with EEXIST");
    CHECK(epoll_wait(ep, out, 4, 0) == 0, "nothing ready on an empty pipe");
    write(p[1], "x", 1);
    n = epoll_wait(ep, out, 4, 100);
    CHECK(n == 1 && out[0].data.u64 == 77 && (out[0].events & EPOLLIN), "readable after a write, with its data");
    ev.events = EPOLLOUT; ev.data.u64 = 5;
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev) == 0, "EPOLL_CTL_ADD the write end for EPOLLOUT");
    CHECK(epoll_wait(ep, out, 4, 0) == 2, "both ends ready");
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL) == 0, "EPOLL_CTL_DEL");
    errno = 0;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev) == -1 && errno == ENOENT, "MOD of a removed fd fails with ENOENT");
    close(p[1]);
    n = epoll_wait(ep, out, 4, 0);
    CHECK(n == 1 && (out[0].events & EPOLLHUP), "EPOLLHUP once the writer is gone");
    close(p[0]); close(ep);

    int efd = eventfd(2, EFD_NONBLOCK);
    uint64_t v = 0;
    CHECK_ERR(efd >= 0, "eventfd");
    CHECK(write(efd, &(uint64_t){3}, 8) == 8, "eventfd write adds");
    CHECK(read(efd, &v, 8) == 8 && v == 5, "eventfd read returns the sum and clears it");
    errno = 0;
    CHECK(read(efd, &v, 8) == -1 && errno == EAGAIN, "reading a zero counter: EAGAIN");
    close(efd);

    int sv[2];
    char buf[16] = {0};
    CHECK_ERR(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
    CHECK(send(sv[0], "hello", 5, 0) == 5 && recv(sv[1], buf, sizeof buf, 0) == 5 && !memcmp(buf, "hello", 5), "data one way");
    CHECK(write(sv[1], "back", 4) == 4 && read(sv[0], buf, sizeof buf) == 4 && !memcmp(buf, "back", 4), "and the other way");
    CHECK_ERR(shutdown(sv[0], SHUT_WR) == 0, "shutdown SHUT_WR");
    CHECK(read(sv[1], buf, sizeof buf) == 0, "the peer sees end of file");
    int type = 0; socklen_t len = sizeof type;
    CHECK(getsockopt(sv[1], SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM, "SO_TYPE is SOCK_STREAM");
    close(sv[0]); close(sv[1]);

    signal(SIGALRM, on_alarm);
    CHECK(alarm(5) == 0, "alarm(5) had no previous alarm");
    CHECK(alarm(0) >= 4, "alarm(0) returns the seconds that were left");
    struct itimerval it = { {0, 0}, {0, 30000} };
    CHECK_ERR(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer 30 ms");
    struct timespec ts = { 2, 0 }, rem = { 0, 0 };
    errno = 0;
    int r = nanosleep(&ts, &rem);
    CHECK(r == -1 && errno == EINTR && alarms == 1, "SIGALRM ran its handler and interrupted nanosleep with EINTR");
    CHECK(rem.tv_sec >= 1, "nanosleep reports the time left");
    it.it_value.tv_usec = 20000;
    setitimer(ITIMER_REAL, &it, NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do clock_gettime(CLOCK_MONOTONIC, &t1); while (alarms < 2 && t1.tv_sec - t0.tv_sec < 3);
    CHECK(alarms == 2, "SIGALRM reaches a program busy in user mode");
    return t_done();
}
