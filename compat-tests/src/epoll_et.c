/* EPOLLET input edges: after a report, readable data left unread is not reported again until
 * new data (or an end closing) comes in; level-triggered interest keeps reporting it. Pipes,
 * stream and datagram socketpairs, TCP over loopback and eventfd. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

static int ep;

static int wait0(void)
{
    struct epoll_event e[4];
    int n = epoll_wait(ep, e, 4, 50);
    return n > 0 ? (int)(e[0].events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) : n;
}

static void check(const char *what, int rd, int wr, int et)
{
    char buf[64];
    struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | (et ? EPOLLET : 0), .data.fd = rd };
    epoll_ctl(ep, EPOLL_CTL_ADD, rd, &ev);
    if (write(wr, "0123456789", 10) != 10) return;
    int a = wait0();
    int b = read(rd, buf, 3);                              /* leave 7 bytes */
    int c = wait0();
    if (write(wr, "x", 1) != 1) return;
    int d = wait0();
    int e = wait0();
    printf("%-26s %s: first %#x, read %d, after a partial read %#x, new data %#x, again %#x\n", what, et ? "ET" : "LT", a, b, c, d, e);
    epoll_ctl(ep, EPOLL_CTL_DEL, rd, NULL);
    while (1) { int n = recv(rd, buf, sizeof buf, MSG_DONTWAIT); if (n <= 0) { if (n < 0) n = read(rd, buf, 0); break; } }
}

static void drain(int fd) { char buf[64]; while (read(fd, buf, sizeof buf) > 0) {} }

int main(void)
{
    ep = epoll_create1(0);
    for (int et = 0; et <= 1; et++) {
        int p[2];
        if (pipe2(p, O_NONBLOCK) == 0) { check("pipe", p[0], p[1], et); close(p[0]); close(p[1]); }
        int s[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s) == 0) { check("socketpair stream", s[0], s[1], et); close(s[0]); close(s[1]); }
        int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t al = sizeof a;
        setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(l, (void *)&a, sizeof a) == 0 && listen(l, 1) == 0 && getsockname(l, (void *)&a, &al) == 0) {
            int c = socket(AF_INET, SOCK_STREAM, 0);
            if (connect(c, (void *)&a, sizeof a) == 0) {
                int srv = accept4(l, NULL, NULL, SOCK_NONBLOCK);
                check("tcp over loopback", srv, c, et);
                /* the peer closing is an input event too */
                struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | (et ? EPOLLET : 0), .data.fd = srv };
                epoll_ctl(ep, EPOLL_CTL_ADD, srv, &ev);
                if (write(c, "ab", 2) == 2) {}
                int x = wait0(), y = wait0();
                close(c);
                int z = wait0();
                printf("%-26s %s: data %#x, again %#x, after the peer closed %#x\n", "tcp close", et ? "ET" : "LT", x, y, z);
                epoll_ctl(ep, EPOLL_CTL_DEL, srv, NULL);
                drain(srv);
                close(srv);
            }
        }
        close(l);
        int efd = eventfd(0, EFD_NONBLOCK);
        struct epoll_event ev = { .events = EPOLLIN | (et ? EPOLLET : 0), .data.fd = efd };
        epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
        uint64_t one64 = 1;
        if (write(efd, &one64, 8) != 8) return 1;
        int x = wait0(), y = wait0();
        if (write(efd, &one64, 8) != 8) return 1;
        int z = wait0();
        printf("%-26s %s: written %#x, again %#x, written again %#x\n", "eventfd", et ? "ET" : "LT", x, y, z);
        close(efd);
    }
    return 0;
}
