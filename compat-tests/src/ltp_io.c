/* Event and socket calls as the LTP syscall tests probe them (poll, select, pselect6, epoll_*,
 * eventfd, signalfd, timerfd, inotify, socket/bind/connect/listen/accept4/socketpair/
 * getsockopt/setsockopt/getsockname, sendfile, pipe, chown/chmod edge cases): each line prints the
 * raw result and errno, the native run is the reference. */
#include "compat.h"
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void show(int line, const char *what, long r, int e)
{
    if (r < 0) printf("%d %s: -1 errno %d\n", line, what, e);
    else printf("%d %s: %ld\n", line, what, r);
}
#define P(x) do { errno = 0; long r_ = (long)(x); int e_ = errno; show(__LINE__, #x, r_, e_); } while (0)

static void polls(void)
{
    int p[2];
    pipe(p);
    struct pollfd fds[2] = { { p[0], POLLIN, 0 }, { 999, POLLIN, 0 } };
    P(poll(fds, 2, 0));
    printf("revents %#x %#x\n", fds[0].revents, fds[1].revents);
    P(poll(NULL, 0, 10));
    P(poll((void *)1, 1, 0));
    P(syscall(SYS_poll, fds, 1UL << 20, 0));
    fds[1].fd = -1;
    fds[1].events = POLLIN;
    fds[1].revents = 77;
    P(poll(fds, 2, 0));
    printf("negative fd revents %d\n", fds[1].revents);
    write(p[1], "x", 1);
    fds[0].events = POLLIN | POLLOUT | POLLPRI;
    P(poll(fds, 1, 0));
    printf("pipe read end revents %#x\n", fds[0].revents);
    fds[0].fd = p[1];
    P(poll(fds, 1, 0));
    printf("pipe write end revents %#x\n", fds[0].revents);
    close(p[0]);
    fds[0].events = POLLOUT;
    P(poll(fds, 1, 0));
    printf("write end, reader gone: revents %#x\n", fds[0].revents);
    close(p[1]);
    pipe(p);
    close(p[1]);
    fds[0].fd = p[0];
    fds[0].events = POLLIN;
    P(poll(fds, 1, 0));
    printf("read end, writer gone: revents %#x\n", fds[0].revents);
    close(p[0]);
    struct timespec ts = { 0, -1 };
    P(ppoll(fds, 1, &ts, NULL));
    ts.tv_nsec = 1000000000;
    P(ppoll(fds, 1, &ts, NULL));
    ts.tv_sec = -1; ts.tv_nsec = 0;
    P(ppoll(fds, 1, &ts, NULL));
    P(syscall(SYS_ppoll, fds, 1, NULL, (void *)1, 8));
    P(syscall(SYS_ppoll, fds, 1, NULL, NULL, 8));
    sigset_t ss;
    sigemptyset(&ss);
    ts.tv_sec = 0; ts.tv_nsec = 0;
    P(syscall(SYS_ppoll, fds, 1, &ts, &ss, 4));

    /* select */
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    struct timeval tv = { 0, 0 };
    P(select(-1, &r, NULL, NULL, &tv));
    tv.tv_usec = -1;
    P(select(1, &r, NULL, NULL, &tv));
    tv.tv_usec = 0;
    tv.tv_sec = -1;
    P(select(1, &r, NULL, NULL, &tv));
    tv.tv_sec = 0;
    FD_SET(900, &r);
    P(select(901, &r, NULL, NULL, &tv));
    FD_ZERO(&r);
    pipe(p);
    FD_SET(p[1], &w);
    FD_SET(p[0], &r);
    P(select(p[1] + 1, &r, &w, NULL, &tv));
    printf("select: r %d w %d\n", FD_ISSET(p[0], &r), FD_ISSET(p[1], &w));
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    P(syscall(SYS_select, p[1] + 1, (void *)1, NULL, NULL, &tv));
    P(syscall(SYS_select, p[1] + 1, &r, NULL, NULL, (void *)1));
    tv.tv_usec = 1000;
    P(select(0, NULL, NULL, NULL, &tv));
    printf("timeout left %ld\n", (long)tv.tv_usec);
    ts.tv_sec = 0; ts.tv_nsec = 1000000000;
    P(pselect(1, &r, NULL, NULL, &ts, NULL));
    struct { const sigset_t *s; size_t len; } sm = { &ss, 4 };
    ts.tv_nsec = 0;
    P(syscall(SYS_pselect6, p[1] + 1, &r, NULL, NULL, &ts, &sm));
    sm.s = (void *)1; sm.len = 8;
    P(syscall(SYS_pselect6, p[1] + 1, &r, NULL, NULL, &ts, &sm));
    P(syscall(SYS_pselect6, p[1] + 1, &r, NULL, NULL, &ts, (void *)1));
    close(p[0]);
    close(p[1]);
}

static void epolls(void)
{
    P(epoll_create(0));
    P(epoll_create(-1));
    P(epoll_create1(EPOLL_CLOEXEC | 1));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    P(fcntl(ep, F_GETFD));
    int p[2];
    pipe(p);
    struct epoll_event ev = { EPOLLIN, { .u64 = 7 } };
    P(epoll_ctl(ep, 99, p[0], &ev));
    P(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
    P(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev));
    P(epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev));
    P(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    P(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], &ev));
    P(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    P(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    P(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], (void *)1));
    int reg = open("/proc/self/status", O_RDONLY);
    P(epoll_ctl(ep, EPOLL_CTL_ADD, reg, &ev));
    int f = open("/tmp", O_RDONLY);
    P(epoll_ctl(ep, EPOLL_CTL_ADD, f, &ev));
    close(f);
    f = open("/tmp/ltp_io_reg", O_CREAT | O_RDWR, 0600);
    P(epoll_ctl(ep, EPOLL_CTL_ADD, f, &ev));
    close(f);
    unlink("/tmp/ltp_io_reg");
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    P(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
    P(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
    ev.events = EPOLLIN;
    struct epoll_event out[4];
    P(epoll_wait(ep, out, 0, 0));
    P(epoll_wait(ep, out, -1, 0));
    P(epoll_wait(ep, (void *)1, 1, 0));
    P(epoll_wait(p[0], out, 1, 0));
    P(epoll_wait(999, out, 1, 0));
    P(epoll_wait(ep, out, 1, 0));
    write(p[1], "x", 1);
    P(epoll_wait(ep, (void *)1, 1, 0));
    P(epoll_wait(ep, out, 4, 0));
    printf("event %#x data %llu\n", out[0].events, (unsigned long long)out[0].data.u64);
    int ep2 = epoll_create1(0);
    P(epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &ev));
    P(epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev));
    P(epoll_wait(ep2, out, 4, 0));
    printf("nested event %#x\n", out[0].events);
    struct timespec ts = { 0, -1 };
    P(syscall(SYS_epoll_pwait2, ep, out, 4, &ts, NULL, 8));
    P(syscall(SYS_epoll_pwait, ep, out, 4, 0, NULL, 8));
    sigset_t ss;
    sigemptyset(&ss);
    P(syscall(SYS_epoll_pwait, ep, out, 4, 0, &ss, 4));
    close(ep2);
    close(ep);
    close(p[0]);
    close(p[1]);
    close(reg);
}

static void eventfds(void)
{
    P(eventfd(0, 1));
    int e = eventfd(5, EFD_NONBLOCK);
    uint64_t v = 0;
    P(read(e, &v, 4));
    P(read(e, &v, 8));
    printf("value %llu\n", (unsigned long long)v);
    P(read(e, &v, 8));
    v = UINT64_MAX;
    P(write(e, &v, 8));
    v = UINT64_MAX - 1;
    P(write(e, &v, 8));
    v = 1;
    P(write(e, &v, 8));
    P(write(e, &v, 7));
    v = 0;
    P(read(e, &v, 8));
    close(e);
    e = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
    P(read(e, &v, 8));
    printf("semaphore read %llu\n", (unsigned long long)v);
    P(read(e, &v, 16));
    P(read(e, &v, 8));
    P(read(e, &v, 8));
    P(lseek(e, 0, SEEK_SET));
    struct pollfd pf = { e, POLLIN | POLLOUT, 0 };
    P(poll(&pf, 1, 0));
    printf("eventfd revents %#x\n", pf.revents);
    close(e);
    P(syscall(SYS_eventfd, 0));
    P(syscall(SYS_eventfd2, 0, O_RDWR));
}

static void signalfds(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    P(signalfd(-1, &s, 1));
    P(syscall(SYS_signalfd4, -1, &s, 4, 0));
    P(syscall(SYS_signalfd4, -1, (void *)1, 8, 0));
    int p[2];
    pipe(p);
    P(signalfd(p[0], &s, 0));
    P(signalfd(999, &s, 0));
    sigprocmask(SIG_BLOCK, &s, NULL);
    int fd = signalfd(-1, &s, SFD_NONBLOCK | SFD_CLOEXEC);
    struct signalfd_siginfo si;
    P(read(fd, &si, sizeof si));
    P(read(fd, &si, sizeof si - 1));
    raise(SIGUSR1);
    P(read(fd, &si, sizeof si - 1));
    P(read(fd, &si, sizeof si));
    printf("signo %u code %d pid %d\n", si.ssi_signo, si.ssi_code, si.ssi_pid == (uint32_t)getpid());
    sigaddset(&s, SIGUSR2);
    P(signalfd(fd, &s, 0));
    raise(SIGUSR2);   /* not blocked: the signalfd must not take it... it is ignored below */
    P(fcntl(fd, F_GETFD));
    P(lseek(fd, 0, SEEK_SET));
    close(fd);
    close(p[0]);
    close(p[1]);
}

static void timerfds(void)
{
    P(timerfd_create(99, 0));
    P(timerfd_create(CLOCK_MONOTONIC, 0xff));
    P(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    struct itimerspec its = { { 0, 0 }, { 0, 1000000000 } };
    P(timerfd_settime(t, 0, &its, NULL));
    its.it_value.tv_nsec = -1;
    P(timerfd_settime(t, 0, &its, NULL));
    its.it_value.tv_nsec = 0;
    its.it_interval.tv_nsec = 1000000000;
    P(timerfd_settime(t, 0, &its, NULL));
    its.it_interval.tv_nsec = 0;
    P(timerfd_settime(t, 99, &its, NULL));
    P(timerfd_settime(t, 0, (void *)1, NULL));
    P(timerfd_gettime(t, (void *)1));
    P(timerfd_gettime(999, &its));
    int p[2];
    pipe(p);
    P(timerfd_gettime(p[0], &its));
    P(timerfd_settime(p[0], 0, &its, NULL));
    uint64_t n;
    P(read(t, &n, 8));
    P(read(t, &n, 4));
    its.it_value.tv_nsec = 1000;
    P(timerfd_settime(t, 0, &its, NULL));
    struct timespec ts = { 0, 20000000 };
    nanosleep(&ts, NULL);
    P(read(t, &n, 8));
    printf("expirations %llu\n", (unsigned long long)n);
    P(timerfd_gettime(t, &its));
    printf("disarmed %ld %ld\n", (long)its.it_value.tv_sec, its.it_value.tv_nsec);
    struct itimerspec old;
    its.it_value.tv_sec = 100;
    P(timerfd_settime(t, 0, &its, NULL));
    its.it_value.tv_sec = 0;
    its.it_value.tv_nsec = 0;
    P(timerfd_settime(t, 0, &its, &old));
    printf("old about %ld s\n", (long)(old.it_value.tv_sec + 1) / 10 * 10);
    P(lseek(t, 0, SEEK_SET));
    close(t);
    close(p[0]);
    close(p[1]);
}

static void inotifys(void)
{
    P(inotify_init1(0xff));
    int in = inotify_init1(IN_NONBLOCK);
    P(inotify_add_watch(in, "/ltp_no_such_dir", IN_ALL_EVENTS));
    P(inotify_add_watch(in, "/tmp", 0));
    P(inotify_add_watch(in, (void *)1, IN_ALL_EVENTS));
    P(inotify_add_watch(999, "/tmp", IN_ALL_EVENTS));
    int p[2];
    pipe(p);
    P(inotify_add_watch(p[0], "/tmp", IN_ALL_EVENTS));
    P(inotify_add_watch(in, "/tmp", IN_MASK_ADD | IN_MASK_CREATE));
    int w = inotify_add_watch(in, "/tmp", IN_CREATE);
    P(inotify_add_watch(in, "/tmp", IN_CREATE | IN_MASK_CREATE));
    P(inotify_add_watch(in, "/tmp", IN_DELETE) == w);
    P(inotify_add_watch(in, "/etc/passwd", IN_ONLYDIR));
    P(inotify_rm_watch(in, w + 100));
    P(inotify_rm_watch(in, -1));
    P(inotify_rm_watch(p[0], w));
    char buf[4096];
    P(read(in, buf, sizeof buf));
    close(creat("/tmp/ltp_io_ino", 0600));
    unlink("/tmp/ltp_io_ino");
    P(read(in, buf, 10));
    P(read(in, buf, sizeof buf) > 0);
    P(inotify_rm_watch(in, w));
    P(read(in, buf, sizeof buf) > 0);
    struct inotify_event *e = (void *)buf;
    printf("ignored event %#x\n", e->mask);
    P(inotify_rm_watch(in, w));
    P(lseek(in, 0, SEEK_SET));
    close(in);
    close(p[0]);
    close(p[1]);
}

static void sockets(void)
{
    P(socket(99, SOCK_STREAM, 0));
    P(socket(AF_INET, 99, 0));
    P(socket(AF_INET, SOCK_STREAM, 99));
    P(socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
    P(socket(AF_INET, SOCK_STREAM | 0x1000, 0));
    P(socket(AF_UNIX, SOCK_STREAM, 1));
    int sv[2];
    P(socketpair(AF_INET, SOCK_STREAM, 0, sv));
    P(socketpair(AF_UNIX, SOCK_STREAM, 0, (void *)1));
    P(socketpair(AF_UNIX, 99, 0, sv));
    P(socketpair(AF_UNIX, SOCK_STREAM, 1, sv));
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    P(bind(999, (void *)&a, sizeof a));
    P(bind(0, (void *)&a, sizeof a));
    P(bind(s, (void *)&a, 3));
    P(bind(s, (void *)1, sizeof a));
    a.sin_family = AF_UNIX;
    P(bind(s, (void *)&a, sizeof a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(0x0A0B0C0D);
    P(bind(s, (void *)&a, sizeof a));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    P(bind(s, (void *)&a, sizeof a));
    P(bind(s, (void *)&a, sizeof a));
    P(listen(999, 1));
    P(listen(0, 1));
    P(listen(s, -1));
    socklen_t len = sizeof a;
    P(getsockname(s, (void *)&a, &len));
    P(getsockname(s, (void *)&a, (void *)1));
    len = -1;
    P(getsockname(s, (void *)&a, &len));
    len = sizeof a;
    P(getpeername(s, (void *)&a, &len));
    P(syscall(SYS_accept4, s, NULL, NULL, 0x1234));
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    P(accept(u, NULL, NULL));
    P(listen(u, 1));
    P(accept(0, NULL, NULL));
    fcntl(s, F_SETFL, O_NONBLOCK);
    P(accept(s, NULL, NULL));
    struct sockaddr_in b = a;
    P(connect(999, (void *)&b, sizeof b));
    P(connect(0, (void *)&b, sizeof b));
    P(connect(u, (void *)&b, 3));
    P(connect(u, (void *)1, sizeof b));
    int c = socket(AF_INET, SOCK_STREAM, 0);
    getsockname(s, (void *)&b, &len);
    P(connect(c, (void *)&b, sizeof b));
    P(connect(c, (void *)&b, sizeof b));
    b.sin_port = htons(1);
    int c2 = socket(AF_INET, SOCK_STREAM, 0);
    P(connect(c2, (void *)&b, sizeof b));
    int v;
    len = sizeof v;
    P(getsockopt(c, SOL_SOCKET, SO_TYPE, &v, &len));
    printf("type %d len %u\n", v, len);
    len = 2;
    P(getsockopt(c, SOL_SOCKET, SO_TYPE, &v, &len));
    printf("short len %u\n", len);
    len = sizeof v;
    P(getsockopt(c, SOL_SOCKET, 9999, &v, &len));
    P(getsockopt(c, 9999, SO_TYPE, &v, &len));
    P(getsockopt(999, SOL_SOCKET, SO_TYPE, &v, &len));
    P(getsockopt(0, SOL_SOCKET, SO_TYPE, &v, &len));
    P(getsockopt(c, SOL_SOCKET, SO_TYPE, (void *)1, &len));
    P(getsockopt(c, SOL_SOCKET, SO_TYPE, &v, (void *)1));
    len = -1;
    P(getsockopt(c, SOL_SOCKET, SO_TYPE, &v, &len));
    v = 1;
    P(setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &v, 2));
    P(setsockopt(c, SOL_SOCKET, 9999, &v, sizeof v));
    P(setsockopt(c, SOL_SOCKET, SO_REUSEADDR, (void *)1, sizeof v));
    P(setsockopt(999, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v));
    P(setsockopt(0, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v));
    P(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v));
    P(setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v));
    len = sizeof v;
    P(getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &len));
    P(getsockopt(c2, SOL_SOCKET, SO_ERROR, &v, &len));
    printf("connect error %d\n", v);
    P(send(999, "x", 1, 0));
    P(send(0, "x", 1, MSG_DONTWAIT));
    P(send(c, (void *)1, 1, 0));
    P(recv(u, &v, 1, MSG_DONTWAIT));
    P(recv(c, &v, 1, MSG_DONTWAIT | MSG_OOB));
    P(sendto(u, "x", 1, 0, (void *)&b, 3));
    P(shutdown(c, 99));
    P(shutdown(999, SHUT_RD));
    P(shutdown(0, SHUT_RD));
    P(shutdown(u, SHUT_RD));
    close(c); close(c2); close(u); close(s);

    /* AF_UNIX names */
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    strcpy(un.sun_path, "/tmp/ltp_io_sock");
    unlink(un.sun_path);
    int x = socket(AF_UNIX, SOCK_STREAM, 0);
    P(bind(x, (void *)&un, sizeof un));
    int y = socket(AF_UNIX, SOCK_STREAM, 0);
    P(bind(y, (void *)&un, sizeof un));
    P(connect(y, (void *)&un, sizeof un));
    strcpy(un.sun_path, "/ltp_no_such_dir/sock");
    P(bind(y, (void *)&un, sizeof un));
    P(connect(y, (void *)&un, sizeof un));
    strcpy(un.sun_path, "/tmp/ltp_io_notsock");
    close(creat(un.sun_path, 0600));
    P(connect(y, (void *)&un, sizeof un));
    unlink(un.sun_path);
    unlink("/tmp/ltp_io_sock");
    close(x); close(y);
}

static void sendfiles(void)
{
    int in = open("/tmp/ltp_io_sf", O_CREAT | O_TRUNC | O_RDWR, 0600);
    write(in, "hello world", 11);
    int p[2];
    pipe(p);
    off_t off = 0;
    P(sendfile(p[1], in, &off, 5));
    printf("offset %ld\n", (long)off);
    off = -1;
    P(sendfile(p[1], in, &off, 5));
    off = 100;
    P(sendfile(p[1], in, &off, 5));
    P(sendfile(p[1], in, (void *)1, 5));
    P(sendfile(p[1], 999, NULL, 5));
    P(sendfile(999, in, NULL, 5));
    int wo = open("/tmp/ltp_io_sf", O_WRONLY);
    P(sendfile(p[1], wo, NULL, 5));
    int ro = open("/tmp/ltp_io_sf", O_RDONLY);
    P(sendfile(ro, in, NULL, 5));
    P(sendfile(p[1], p[0], NULL, 5));
    P(sendfile(p[1], in, NULL, 0));
    int ap = open("/tmp/ltp_io_sf2", O_CREAT | O_WRONLY | O_APPEND, 0600);
    P(sendfile(ap, in, NULL, 5));
    close(ap); close(wo); close(ro); close(in);
    close(p[0]); close(p[1]);
    unlink("/tmp/ltp_io_sf");
    unlink("/tmp/ltp_io_sf2");
    /* fcntl's owner and signal (fcntl31's first steps) */
    pipe(p);
    P(fcntl(p[0], F_GETOWN));
    struct f_owner_ex ox = { 99, 99 };
    P(fcntl(p[0], F_GETOWN_EX, &ox));
    printf("owner ex %d %d\n", ox.type, ox.pid);
    P(fcntl(p[0], F_SETOWN, getpid()));
    P(fcntl(p[0], F_GETOWN) == getpid());
    P(fcntl(p[0], F_GETOWN_EX, &ox));
    printf("owner ex type %d self %d\n", ox.type, ox.pid == getpid());
    P(fcntl(p[0], F_SETOWN, -getpgrp()));
    P(fcntl(p[0], F_GETOWN) == -getpgrp());
    P(fcntl(p[0], F_SETOWN, 999999));
    P(fcntl(p[0], F_SETOWN, -999999));
    ox.type = 7; ox.pid = getpid();
    P(fcntl(p[0], F_SETOWN_EX, &ox));
    ox.type = F_OWNER_TID; ox.pid = syscall(SYS_gettid);
    P(fcntl(p[0], F_SETOWN_EX, &ox));
    P(fcntl(p[0], F_GETOWN) == getpid());
    ox.type = F_OWNER_PID; ox.pid = 999999;
    P(fcntl(p[0], F_SETOWN_EX, &ox));
    P(fcntl(p[0], F_SETOWN_EX, (void *)1));
    P(fcntl(p[0], F_GETOWN_EX, (void *)1));
    P(fcntl(p[0], F_SETOWN, 0));
    P(fcntl(p[0], F_GETOWN));
    P(fcntl(p[0], F_GETSIG));
    P(fcntl(p[0], F_SETSIG, SIGUSR2));
    P(fcntl(p[0], F_GETSIG));
    P(fcntl(p[0], F_SETSIG, 65));
    P(fcntl(p[0], F_SETSIG, 0));
    close(p[0]); close(p[1]);
    P(pipe((void *)1));
    P(pipe2(p, 0x1));
    P(pipe2(p, O_DIRECT));
    close(p[0]); close(p[1]);
}

static void owners(void)
{
    const char *f = "/tmp/ltp_io_own";
    close(creat(f, 06755));
    chmod(f, 06755);
    struct stat st;
    P(chown(f, 65534, -1));
    stat(f, &st);
    printf("after chown by root: mode %o uid %u\n", st.st_mode & 07777, st.st_uid);
    chmod(f, 06755);
    P(chown(f, -1, -1));
    stat(f, &st);
    printf("after chown -1 -1: mode %o\n", st.st_mode & 07777);
    chmod(f, 02755);
    P(chown(f, -1, 65534));
    stat(f, &st);
    printf("after chgrp: mode %o gid %u\n", st.st_mode & 07777, st.st_gid);
    chmod(f, 02745);   /* group not executable: mandatory-locking mark, kept */
    P(chown(f, 0, 0));
    stat(f, &st);
    printf("after chown g-x: mode %o\n", st.st_mode & 07777);
    P(chmod(f, 0177777));
    stat(f, &st);
    printf("chmod with file-type bits: mode %o type %o\n", st.st_mode & 07777, st.st_mode & S_IFMT);
    P(fchmodat(AT_FDCWD, f, 0644, AT_SYMLINK_NOFOLLOW));
    P(fchmodat(AT_FDCWD, f, 0644, 0x1));
    P(syscall(452 /* fchmodat2 */, AT_FDCWD, f, 0644, AT_SYMLINK_NOFOLLOW));
    symlink(f, "/tmp/ltp_io_ownl");
    P(syscall(452, AT_FDCWD, "/tmp/ltp_io_ownl", 0644, AT_SYMLINK_NOFOLLOW));
    P(syscall(452, AT_FDCWD, "/tmp/ltp_io_ownl", 0644, 0x1));
    P(fchownat(AT_FDCWD, "/tmp/ltp_io_ownl", 1, 1, AT_SYMLINK_NOFOLLOW));
    lstat("/tmp/ltp_io_ownl", &st);
    printf("link owner %u %u\n", st.st_uid, st.st_gid);
    P(fchownat(AT_FDCWD, "", 1, 1, 0));
    P(fchownat(AT_FDCWD, f, 1, 1, 0x1));
    int fd = open(f, O_PATH);
    P(fchown(fd, 2, 2));
    P(fchmod(fd, 0600));
    P(fchownat(fd, "", 2, 2, AT_EMPTY_PATH));
    stat(f, &st);
    printf("owner %u %u\n", st.st_uid, st.st_gid);
    close(fd);
    P(lchown("/tmp/ltp_io_ownl", -1, -1));
    unlink("/tmp/ltp_io_ownl");
    unlink(f);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    syscall(SYS_close_range, 3, ~0U, 0);          /* whatever the harness left open: numbers below are fixed */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGUSR2, SIG_IGN);
    polls();
    epolls();
    eventfds();
    signalfds();
    timerfds();
    inotifys();
    sockets();
    sendfiles();
    owners();
    return 0;
}
