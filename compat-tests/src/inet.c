/* AF_INET sockets over the loopback interface: a program talking to itself (TCP between a
 * parent and a forked child, and between threads), UDP datagrams, non-blocking connect,
 * poll/epoll readiness, timeouts, options and the error cases; AF_INET6 over ::1 and carrying
 * IPv4 (v4-mapped), IPV6_V6ONLY, address formatting and getaddrinfo("localhost"). Ports are ephemeral (bind to
 * port 0), so the test runs natively next to anything else. Scenario per argv[1]. */
#include "compat.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static struct sockaddr_in loopback(unsigned short port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/* A listening socket on 127.0.0.1:<ephemeral>; its port in *port. */
static int listener(unsigned short *port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = loopback(0);
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) return -1;
    if (listen(s, 16) != 0) return -1;
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return s;
}

static long write_all(int fd, const char *p, long n)
{
    long done = 0;
    while (done < n) {
        long w = write(fd, p + done, n - done);
        if (w <= 0) return done;
        done += w;
    }
    return done;
}

static unsigned checksum(const unsigned char *p, long n)
{
    unsigned h = 2166136261u;
    for (long i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

/* TCP between a parent and a forked child: connect, accept, addresses, data both ways, EOF. */
static void tcp(void)
{
    unsigned short port;
    int l = listener(&port);
    CHECK_ERR(l >= 0, "listen on 127.0.0.1 port 0 gave a port");
    pid_t c = fork();
    if (c == 0) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = loopback(port);
        if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) _exit(2);
        char buf[64];
        long n = read(s, buf, sizeof buf);
        if (n != 5 || memcmp(buf, "hello", 5) != 0) _exit(3);
        write(s, "world!", 6);
        shutdown(s, SHUT_WR);
        n = read(s, buf, sizeof buf);          /* the parent closes: end of stream */
        _exit(n == 0 ? 0 : 4);
    }
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    int a = accept(l, (struct sockaddr *)&peer, &plen);
    CHECK_ERR(a >= 0, "accept returned a connection");
    CHECK(plen == sizeof peer && peer.sin_family == AF_INET && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && ntohs(peer.sin_port) != port,
          "accept gave the peer's address (127.0.0.1, another port)");
    struct sockaddr_in me;
    socklen_t mlen = sizeof me;
    getsockname(a, (struct sockaddr *)&me, &mlen);
    CHECK(ntohs(me.sin_port) == port && me.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "the accepted socket's local address is the listener's");
    struct sockaddr_in p2;
    socklen_t p2len = sizeof p2;
    getpeername(a, (struct sockaddr *)&p2, &p2len);
    CHECK(p2.sin_port == peer.sin_port, "getpeername agrees with accept");
    CHECK(write(a, "hello", 5) == 5, "write on the connection");
    char buf[64];
    long n = 0, r;
    while ((r = read(a, buf + n, sizeof buf - n)) > 0) n += r;
    CHECK(n == 6 && memcmp(buf, "world!", 6) == 0 && r == 0, "read the child's reply, then end of stream after its shutdown");
    close(a);
    int st;
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child connected, exchanged data and saw end of stream");
    close(l);
}

struct bulk_args { unsigned short port; long size; unsigned sum; };

static void *bulk_sender(void *p)
{
    struct bulk_args *b = p;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(b->port);
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) return NULL;
    unsigned char *data = malloc(b->size);
    for (long i = 0; i < b->size; i++) data[i] = (unsigned char)(i * 7 + (i >> 12));
    b->sum = checksum(data, b->size);
    write_all(s, (char *)data, b->size);
    close(s);
    free(data);
    return NULL;
}

/* 8 MiB from one thread to another through the loopback, checksummed. */
static void bulk(void)
{
    unsigned short port;
    int l = listener(&port);
    struct bulk_args b = { port, 8 << 20, 0 };
    pthread_t t;
    pthread_create(&t, NULL, bulk_sender, &b);
    int a = accept(l, NULL, NULL);
    CHECK_ERR(a >= 0, "accept from a thread of the same process");
    unsigned char *got = malloc(b.size + 1);
    long n = 0, r;
    while ((r = read(a, got + n, b.size + 1 - n)) > 0) n += r;
    pthread_join(t, NULL);
    CHECK(n == b.size, "received all 8 MiB, then end of stream");
    CHECK(checksum(got, n) == b.sum, "the bytes arrived intact and in order");
    free(got);
    close(a);
    close(l);
}

/* UDP: datagram boundaries, sender addresses, MSG_PEEK, MSG_TRUNC, connected sockets. */
static void udp(void)
{
    int s1 = socket(AF_INET, SOCK_DGRAM, 0), s2 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a1 = loopback(0), a2 = loopback(0);
    CHECK_ERR(bind(s1, (struct sockaddr *)&a1, sizeof a1) == 0 && bind(s2, (struct sockaddr *)&a2, sizeof a2) == 0, "bind two UDP sockets");
    socklen_t len = sizeof a1;
    getsockname(s1, (struct sockaddr *)&a1, &len);
    len = sizeof a2;
    getsockname(s2, (struct sockaddr *)&a2, &len);
    CHECK(sendto(s1, "one", 3, 0, (struct sockaddr *)&a2, sizeof a2) == 3, "sendto");
    CHECK(sendto(s1, "second", 6, 0, (struct sockaddr *)&a2, sizeof a2) == 6, "a second datagram");
    int avail = -1;
    ioctl(s2, FIONREAD, &avail);
    CHECK(avail == 3, "FIONREAD gives the size of the next datagram");
    char buf[64];
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    CHECK(recvfrom(s2, buf, sizeof buf, MSG_PEEK, NULL, NULL) == 3, "MSG_PEEK sees the first datagram");
    long n = recvfrom(s2, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
    CHECK(n == 3 && memcmp(buf, "one", 3) == 0 && from.sin_port == a1.sin_port, "recvfrom returns one datagram and its sender");
    n = recv(s2, buf, 2, MSG_TRUNC);
    CHECK(n == 6 && memcmp(buf, "se", 2) == 0, "MSG_TRUNC returns the real length of a datagram cut short");
    CHECK(recv(s2, buf, sizeof buf, MSG_DONTWAIT) == -1 && errno == EAGAIN, "an empty socket with MSG_DONTWAIT: EAGAIN");
    CHECK(connect(s1, (struct sockaddr *)&a2, sizeof a2) == 0, "connect a UDP socket");
    CHECK(send(s1, "third", 5, 0) == 5, "send without an address after connect");
    struct iovec iov[2] = { { buf, 2 }, { buf + 2, 10 } };
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = &from;
    m.msg_namelen = sizeof from;
    m.msg_iov = iov;
    m.msg_iovlen = 2;
    n = recvmsg(s2, &m, 0);
    CHECK(n == 5 && memcmp(buf, "third", 5) == 0 && m.msg_namelen == sizeof from && from.sin_port == a1.sin_port, "recvmsg scatters one datagram and names the sender");
    close(s1);
    close(s2);
}

/* Non-blocking connect, poll and epoll readiness, refused connections. */
static void nonblock(void)
{
    unsigned short port;
    int l = listener(&port);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = loopback(port);
    int r = connect(s, (struct sockaddr *)&a, sizeof a);
    CHECK(r == 0 || errno == EINPROGRESS, "non-blocking connect: done or in progress");
    struct pollfd p = { s, POLLOUT, 0 };
    CHECK(poll(&p, 1, 2000) == 1 && (p.revents & POLLOUT), "poll says the connection is writable");
    int err = -1;
    socklen_t elen = sizeof err;
    getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &elen);
    CHECK(err == 0, "SO_ERROR is 0 after a successful connect");
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = l };
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
    struct epoll_event out;
    CHECK(epoll_wait(ep, &out, 1, 2000) == 1 && out.data.fd == l, "epoll: the listener is readable with a pending connection");
    int a2 = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    CHECK_ERR(a2 >= 0, "accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC");
    CHECK((fcntl(a2, F_GETFL) & O_NONBLOCK) && (fcntl(a2, F_GETFD) & FD_CLOEXEC), "the accepted socket has both flags");
    char buf[16];
    CHECK(read(a2, buf, sizeof buf) == -1 && errno == EAGAIN, "reading an idle non-blocking socket: EAGAIN");
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = a2;
    epoll_ctl(ep, EPOLL_CTL_ADD, a2, &ev);
    write(s, "x", 1);
    CHECK(epoll_wait(ep, &out, 1, 2000) == 1 && out.data.fd == a2 && (out.events & EPOLLIN), "epoll: data makes the connection readable");
    CHECK(read(a2, buf, sizeof buf) == 1, "read the byte");
    close(s);
    CHECK(epoll_wait(ep, &out, 1, 2000) == 1 && (out.events & EPOLLRDHUP), "epoll: EPOLLRDHUP when the peer closes");
    CHECK(read(a2, buf, sizeof buf) == 0, "then read gives end of stream");
    close(a2);
    close(ep);
    close(l);

    /* Nobody listens on this port any more: connection refused. */
    int s2 = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(s2, (struct sockaddr *)&a, sizeof a) == -1 && errno == ECONNREFUSED, "connect to a closed port: ECONNREFUSED");
    close(s2);
    int s3 = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    r = connect(s3, (struct sockaddr *)&a, sizeof a);
    if (r == -1 && errno == EINPROGRESS) {
        p.fd = s3;
        p.events = POLLOUT;
        poll(&p, 1, 2000);
    }
    err = 0;
    elen = sizeof err;
    getsockopt(s3, SOL_SOCKET, SO_ERROR, &err, &elen);
    CHECK(err == ECONNREFUSED || (r == -1 && errno == ECONNREFUSED), "non-blocking connect to a closed port: SO_ERROR ECONNREFUSED");
    close(s3);
}

/* Options, timeouts and errors. */
static void options(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int v = -1;
    socklen_t len = sizeof v;
    getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len);
    CHECK(v == SOCK_STREAM, "SO_TYPE");
    int one = 1;
    CHECK(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0, "set TCP_NODELAY");
    v = 0;
    len = sizeof v;
    getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len);
    CHECK(v != 0, "TCP_NODELAY reads back set");
    CHECK(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) == 0, "set SO_KEEPALIVE");
    v = 0;
    len = sizeof v;
    getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, &len);
    CHECK(v == 1, "SO_KEEPALIVE reads back 1");
    struct sockaddr_in a = loopback(0);
    CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0, "bind");
    CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == -1 && errno == EINVAL, "bind twice: EINVAL");
    len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    int s2 = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(bind(s2, (struct sockaddr *)&a, sizeof a) == -1 && errno == EADDRINUSE, "bind to a port in use: EADDRINUSE");
    char c;
    CHECK(recv(s, &c, 1, 0) == -1 && errno == ENOTCONN, "recv on an unconnected stream socket: ENOTCONN");
    struct sockaddr_in peer;
    len = sizeof peer;
    CHECK(getpeername(s, (struct sockaddr *)&peer, &len) == -1 && errno == ENOTCONN, "getpeername unconnected: ENOTCONN");
    CHECK(listen(s, 4) == 0, "listen");
    v = 0;
    len = sizeof v;
    getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &len);
    CHECK(v == 1, "SO_ACCEPTCONN on a listener");
    struct timeval tv = { 0, 200000 };
    CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0, "set SO_RCVTIMEO 200 ms");
    CHECK(accept(s, NULL, NULL) == -1 && errno == EAGAIN, "accept times out with EAGAIN");
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in ua = loopback(0);
    bind(u, (struct sockaddr *)&ua, sizeof ua);
    CHECK(recv(u, &c, 1, 0) == -1 && errno == EAGAIN, "UDP recv times out with EAGAIN");
    CHECK(send(u, "x", 1, 0) == -1 && errno == EDESTADDRREQ, "send on an unconnected UDP socket: EDESTADDRREQ");
    CHECK(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) == -1 && errno == EPROTONOSUPPORT, "TCP socket with protocol UDP: EPROTONOSUPPORT");
    CHECK(socket(AF_INET, 99, 0) == -1 && errno == EINVAL, "an unknown socket type: EINVAL");
    CHECK(bind(0, (struct sockaddr *)&a, sizeof a) == -1 && errno == ENOTSOCK, "bind on a non-socket: ENOTSOCK");
    CHECK(connect(s2, (struct sockaddr *)1, sizeof a) == -1 && errno == EFAULT, "connect with a bad address pointer: EFAULT");
    close(u);
    close(s2);
    close(s);

    /* Writing to a connection the peer closed: EPIPE, and SIGPIPE unless MSG_NOSIGNAL. */
    unsigned short port;
    int l = listener(&port);
    int cs = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in la = loopback(port);
    connect(cs, (struct sockaddr *)&la, sizeof la);
    int as = accept(l, NULL, NULL);
    close(as);
    signal(SIGPIPE, SIG_IGN);
    long w = 0;
    for (int i = 0; i < 100 && w >= 0; i++) { w = send(cs, "data", 4, MSG_NOSIGNAL); usleep(1000); }
    CHECK(w == -1 && (errno == EPIPE || errno == ECONNRESET), "sending to a closed peer fails with EPIPE or ECONNRESET");
    close(cs);
    close(l);
}

/* Edge-triggered epoll on a connection: EPOLLOUT once, then again only after the send buffer
 * filled (a write ended in EAGAIN, or a write was cut short) and the peer made room. */
static void epollet(void)
{
    unsigned short port;
    int l = listener(&port);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = loopback(port);
    connect(c, (struct sockaddr *)&a, sizeof a);
    int s = accept4(l, NULL, NULL, SOCK_NONBLOCK);
    struct pollfd p = { c, POLLOUT, 0 };
    poll(&p, 1, 2000);
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.fd = c }, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
    CHECK(epoll_wait(ep, &out, 1, 2000) == 1 && (out.events & EPOLLOUT), "EPOLLET: EPOLLOUT is reported once");
    CHECK(epoll_wait(ep, &out, 1, 100) == 0, "EPOLLET: and not again while nothing changes");
    static char buf[1 << 16];
    long total = 0, w;
    while ((w = write(c, buf, sizeof buf)) > 0) total += w;
    CHECK(w == -1 && errno == EAGAIN && total > 0, "writing until the send buffer is full ends in EAGAIN");
    CHECK(epoll_wait(ep, &out, 1, 100) == 0, "EPOLLET: no EPOLLOUT while the buffer is full");
    long got = 0, r;
    for (int i = 0; i < 2000 && got < total; i++) {
        while ((r = read(s, buf, sizeof buf)) > 0) got += r;
        if (got < total) usleep(1000);
    }
    CHECK(got == total, "the peer read everything");
    CHECK(epoll_wait(ep, &out, 1, 2000) == 1 && (out.events & EPOLLOUT), "EPOLLET: EPOLLOUT again once there is room");
    /* A write cut short (not EAGAIN) also arms the next edge. */
    static char big[8 << 20];
    w = write(c, big, sizeof big);
    CHECK(w > 0 && w < (long)sizeof big, "a huge non-blocking write is cut short");
    got = 0;
    for (int i = 0; i < 2000 && got < w; i++) {
        while ((r = read(s, buf, sizeof buf)) > 0) got += r;
        if (got < w) usleep(1000);
    }
    CHECK(got == w && epoll_wait(ep, &out, 1, 2000) == 1 && (out.events & EPOLLOUT), "EPOLLET: EPOLLOUT after a short write once the peer drained it");
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.fd = s;
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
    write(c, "x", 1);
    CHECK(epoll_wait(ep, &out, 1, 2000) == 1 && out.data.fd == s, "EPOLLONESHOT: reported once");
    CHECK(epoll_wait(ep, &out, 1, 100) == 0 || out.data.fd != s, "EPOLLONESHOT: then disabled (data still unread)");
    ev.events = EPOLLIN;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev) == 0 && epoll_wait(ep, &out, 1, 2000) >= 1, "EPOLL_CTL_MOD re-arms it");
    close(ep);
    close(s);
    close(c);
    close(l);
}

/* AF_INET6 sockets carrying IPv4: a dual-stack listener on [::] takes IPv4 connections (peers
 * appear as ::ffff:a.b.c.d), v4-mapped connects, IPV6_V6ONLY. */
static void inet6(void)
{
    int l = socket(AF_INET6, SOCK_STREAM, 0);
    CHECK_ERR(l >= 0, "an AF_INET6 stream socket");
    int v = -1;
    socklen_t len = sizeof v;
    CHECK(getsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len) == 0 && v == 0, "IPV6_V6ONLY is off by default");
    struct sockaddr_in6 a6;
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    a6.sin6_addr = in6addr_any;
    CHECK(bind(l, (struct sockaddr *)&a6, sizeof a6) == 0 && listen(l, 4) == 0, "bind [::]:0 and listen");
    len = sizeof a6;
    getsockname(l, (struct sockaddr *)&a6, &len);
    unsigned short port = ntohs(a6.sin6_port);
    CHECK(len == sizeof a6 && a6.sin6_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&a6.sin6_addr) && port != 0, "getsockname: [::] and a port");
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a4 = loopback(port);
    CHECK(connect(c, (struct sockaddr *)&a4, sizeof a4) == 0, "an IPv4 client connects to the dual-stack listener");
    struct sockaddr_in6 peer;
    len = sizeof peer;
    int s = accept(l, (struct sockaddr *)&peer, &len);
    CHECK(s >= 0 && len == sizeof peer && IN6_IS_ADDR_V4MAPPED(&peer.sin6_addr) && peer.sin6_addr.s6_addr[15] == 1 && peer.sin6_addr.s6_addr[12] == 127,
          "accept names the peer ::ffff:127.0.0.1");
    write(c, "v4", 2);
    char buf[8];
    CHECK(read(s, buf, sizeof buf) == 2 && !memcmp(buf, "v4", 2), "data flows");
    close(s);
    close(c);
    int c6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 m;
    memset(&m, 0, sizeof m);
    m.sin6_family = AF_INET6;
    m.sin6_port = htons(port);
    m.sin6_addr.s6_addr[10] = m.sin6_addr.s6_addr[11] = 0xff;
    m.sin6_addr.s6_addr[12] = 127;
    m.sin6_addr.s6_addr[15] = 1;
    CHECK(connect(c6, (struct sockaddr *)&m, sizeof m) == 0, "an AF_INET6 client connects to ::ffff:127.0.0.1");
    s = accept(l, NULL, NULL);
    len = sizeof peer;
    CHECK(getpeername(c6, (struct sockaddr *)&peer, &len) == 0 && ntohs(peer.sin6_port) == port && IN6_IS_ADDR_V4MAPPED(&peer.sin6_addr), "getpeername is v4-mapped");
    close(s);
    close(c6);
    close(l);
    /* A v6-only socket leaves the IPv4 port free. */
    int only = socket(AF_INET6, SOCK_STREAM, 0), one = 1;
    CHECK(setsockopt(only, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0, "set IPV6_V6ONLY");
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    CHECK(bind(only, (struct sockaddr *)&a6, sizeof a6) == 0, "bind the v6-only socket to [::]:0");
    len = sizeof a6;
    getsockname(only, (struct sockaddr *)&a6, &len);
    CHECK(setsockopt(only, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == -1 && errno == EINVAL, "IPV6_V6ONLY cannot change after bind");
    int four = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in same = loopback(ntohs(a6.sin6_port));
    same.sin_addr.s_addr = htonl(INADDR_ANY);
    CHECK(bind(four, (struct sockaddr *)&same, sizeof same) == 0, "an IPv4 socket binds the same port number");
    close(four);
    close(only);
    int u = socket(AF_INET6, SOCK_DGRAM, 0);
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    bind(u, (struct sockaddr *)&a6, sizeof a6);
    len = sizeof a6;
    getsockname(u, (struct sockaddr *)&a6, &len);
    int u4 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = loopback(ntohs(a6.sin6_port));
    sendto(u4, "dgram", 5, 0, (struct sockaddr *)&to, sizeof to);
    struct sockaddr_in6 from;
    len = sizeof from;
    CHECK(recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&from, &len) == 5 && len == sizeof from && IN6_IS_ADDR_V4MAPPED(&from.sin6_addr),
          "a dual-stack UDP socket receives IPv4 datagrams from ::ffff:127.0.0.1");
    close(u4);
    close(u);
}

/* sockaddr_in6 for [addr]:port (addr NULL: ::). */
static struct sockaddr_in6 six(const char *addr, unsigned short port)
{
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    if (addr) inet_pton(AF_INET6, addr, &a.sin6_addr);
    return a;
}

/* "family addr scope" of a socket address (not the port: ports are ephemeral). */
static void show(const char *what, const struct sockaddr *sa, socklen_t len)
{
    char text[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
        printf("%s: AF_INET6 %s scope %u flowinfo %u len %u\n", what, text, a->sin6_scope_id, a->sin6_flowinfo, (unsigned)len);
    } else if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, text, sizeof text);
        printf("%s: AF_INET %s len %u\n", what, text, (unsigned)len);
    } else printf("%s: family %d len %u\n", what, sa->sa_family, (unsigned)len);
}

static unsigned short port_of(int s)
{
    struct sockaddr_in6 a;
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    return ntohs(a.sin6_port);
}

/* An AF_INET6 listener on [addr]:<ephemeral> (addr NULL: [::]); v6only sets IPV6_V6ONLY. */
static int listener6(const char *addr, int v6only, unsigned short *port)
{
    int s = socket(AF_INET6, SOCK_STREAM, 0);
    if (v6only) setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    struct sockaddr_in6 a = six(addr, 0);
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 16) != 0) return -1;
    *port = port_of(s);
    return s;
}

/* A forked client: connects to [addr]:port, echoes what it reads once, reads to end of stream. */
static pid_t echo_client6(const char *addr, unsigned short port)
{
    pid_t c = fork();
    if (c == 0) {
        int s = socket(AF_INET6, SOCK_STREAM, 0);
        struct sockaddr_in6 a = six(addr, port);
        if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) _exit(2);
        char buf[64];
        long n = read(s, buf, sizeof buf);
        if (n <= 0) _exit(3);
        write(s, buf, n);
        shutdown(s, SHUT_WR);
        n = read(s, buf, sizeof buf);
        _exit(n == 0 ? 0 : 4);
    }
    return c;
}

/* The server half: accept, show the addresses, exchange data, close, reap the client. */
static void serve_one6(int l, pid_t c, const char *label)
{
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    int a = accept(l, (struct sockaddr *)&peer, &plen);
    CHECK_ERR(a >= 0, "%s: accept", label);
    if (a < 0) return;
    show("accept peer", (struct sockaddr *)&peer, plen);
    struct sockaddr_storage me;
    socklen_t mlen = sizeof me;
    getsockname(a, (struct sockaddr *)&me, &mlen);
    show("accepted getsockname", (struct sockaddr *)&me, mlen);
    CHECK(write(a, "ping6", 5) == 5, "%s: write", label);
    char buf[64];
    long n = 0, r;
    while ((r = read(a, buf + n, sizeof buf - n)) > 0) n += r;
    CHECK(n == 5 && !memcmp(buf, "ping6", 5) && r == 0, "%s: the echo, then end of stream", label);
    close(a);
    int st;
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: the client connected, echoed and saw end of stream", label);
}

/* TCP over ::1: a server on [::] (dual stack) and one on [::1], a forked client on [::1]. */
static void tcp6(void)
{
    unsigned short port;
    int l = listener6(NULL, 0, &port);
    CHECK_ERR(l >= 0, "listen on [::]:0");
    struct sockaddr_in6 a;
    socklen_t len = sizeof a;
    getsockname(l, (struct sockaddr *)&a, &len);
    show("listener [::] getsockname", (struct sockaddr *)&a, len);
    serve_one6(l, echo_client6("::1", port), "[::] server, [::1] client");
    /* The same dual-stack listener takes an IPv4 client too. */
    pid_t c = fork();
    if (c == 0) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a4 = loopback(port);
        if (connect(s, (struct sockaddr *)&a4, sizeof a4) != 0) _exit(2);
        char buf[64];
        long n = read(s, buf, sizeof buf);
        write(s, buf, n > 0 ? n : 0);
        shutdown(s, SHUT_WR);
        _exit(read(s, buf, sizeof buf) == 0 ? 0 : 4);
    }
    serve_one6(l, c, "[::] server, 127.0.0.1 client");
    close(l);
    l = listener6("::1", 0, &port);
    CHECK_ERR(l >= 0, "listen on [::1]:0");
    len = sizeof a;
    getsockname(l, (struct sockaddr *)&a, &len);
    show("listener [::1] getsockname", (struct sockaddr *)&a, len);
    serve_one6(l, echo_client6("::1", port), "[::1] server, [::1] client");
    /* An IPv4 client cannot reach a listener bound to ::1. */
    int c4 = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a4 = loopback(port);
    CHECK(connect(c4, (struct sockaddr *)&a4, sizeof a4) == -1 && errno == ECONNREFUSED, "127.0.0.1 is refused by a [::1] listener");
    close(c4);
    /* A client's own view of the connection. */
    int s = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 to = six("::1", port);
    CHECK_ERR(connect(s, (struct sockaddr *)&to, sizeof to) == 0, "connect to [::1]");
    len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    show("client getsockname", (struct sockaddr *)&a, len);
    len = sizeof a;
    getpeername(s, (struct sockaddr *)&a, &len);
    show("client getpeername", (struct sockaddr *)&a, len);
    CHECK(ntohs(a.sin6_port) == port, "getpeername has the server's port");
    int acc = accept(l, NULL, NULL);
    /* /proc/net/tcp6 lists the [::1] listener (address ::1 in /proc's word order, state 0A). */
    char want[80], line[256];
    snprintf(want, sizeof want, "00000000000000000000000001000000:%04X 00000000000000000000000000000000:0000 0A", port);
    FILE *f = fopen("/proc/net/tcp6", "r");
    int found = 0;
    while (f && fgets(line, sizeof line, f)) if (strstr(line, want)) found = 1;
    if (f) fclose(f);
    CHECK(found, "/proc/net/tcp6 lists the [::1] listener");
    close(acc);
    close(s);
    close(l);
}

/* UDP over ::1: datagrams both ways, source addresses, a connected socket's ICMPv6 refusal. */
static void udp6(void)
{
    int srv = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 a = six("::1", 0);
    CHECK_ERR(bind(srv, (struct sockaddr *)&a, sizeof a) == 0, "bind a UDP socket to [::1]:0");
    unsigned short port = port_of(srv);
    int cli = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 to = six("::1", port);
    CHECK(sendto(cli, "dgram6", 6, 0, (struct sockaddr *)&to, sizeof to) == 6, "sendto [::1]");
    char buf[64];
    struct sockaddr_in6 from;
    socklen_t len = sizeof from;
    CHECK(recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr *)&from, &len) == 6 && !memcmp(buf, "dgram6", 6), "recvfrom the datagram");
    show("recvfrom", (struct sockaddr *)&from, len);
    CHECK(ntohs(from.sin6_port) == port_of(cli), "the source port is the client's");
    CHECK(sendto(srv, "back", 4, 0, (struct sockaddr *)&from, len) == 4, "reply to the source");
    len = sizeof from;
    CHECK(recvfrom(cli, buf, sizeof buf, 0, (struct sockaddr *)&from, &len) == 4, "the client gets the reply");
    show("client recvfrom", (struct sockaddr *)&from, len);
    len = sizeof a;
    getsockname(cli, (struct sockaddr *)&a, &len);
    show("client getsockname (implicit bind)", (struct sockaddr *)&a, len);
    /* The largest datagram (65527 bytes: over the loopback's MTU, so fragmented) arrives whole. */
    static unsigned char big[65528], got[65528];
    for (int i = 0; i < (int)sizeof big; i++) big[i] = (unsigned char)(i * 7 + 3);
    CHECK_ERR(sendto(cli, big, 65527, 0, (struct sockaddr *)&to, sizeof to) == 65527, "sendto 65527 bytes over ::1");
    CHECK(recv(srv, got, sizeof got, 0) == 65527 && !memcmp(big, got, 65527), "the 65527-byte datagram arrives whole");
    CHECK(sendto(cli, big, 65528, 0, (struct sockaddr *)&to, sizeof to) == -1 && errno == EMSGSIZE, "65528 bytes: EMSGSIZE");
    close(srv);
    /* Nobody listens on that port now: a connected socket hears ECONNREFUSED. */
    CHECK(connect(cli, (struct sockaddr *)&to, sizeof to) == 0, "connect the UDP socket to the closed port");
    len = sizeof a;
    getsockname(cli, (struct sockaddr *)&a, &len);
    show("connected getsockname", (struct sockaddr *)&a, len);
    CHECK(send(cli, "x", 1, 0) == 1, "send to the closed port");
    struct pollfd p = { .fd = cli, .events = POLLIN };
    poll(&p, 1, 1000);
    CHECK(recv(cli, buf, sizeof buf, 0) == -1 && errno == ECONNREFUSED, "recv reports ECONNREFUSED (ICMPv6 port unreachable)");
    close(cli);
}

/* IPV6_V6ONLY on [::]: IPv4 connects are refused, v4-mapped addresses are errors, ::1 works. */
static void v6only(void)
{
    unsigned short port;
    int l = listener6(NULL, 1, &port);
    CHECK_ERR(l >= 0, "a V6ONLY listener on [::]:0");
    int c4 = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a4 = loopback(port);
    CHECK(connect(c4, (struct sockaddr *)&a4, sizeof a4) == -1 && errno == ECONNREFUSED, "an IPv4 connect is refused");
    close(c4);
    int c6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 m = six("::ffff:127.0.0.1", port);
    int one = 1;
    setsockopt(c6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    CHECK(connect(c6, (struct sockaddr *)&m, sizeof m) == -1 && errno == ENETUNREACH, "a V6ONLY client cannot connect to a v4-mapped address");
    close(c6);
    serve_one6(l, echo_client6("::1", port), "V6ONLY [::] server, [::1] client");
    /* An IPv4 listener can share the port number with it. */
    int four = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in any4 = loopback(port);
    any4.sin_addr.s_addr = htonl(INADDR_ANY);
    CHECK(bind(four, (struct sockaddr *)&any4, sizeof any4) == 0, "0.0.0.0 binds the V6ONLY listener's port");
    /* ... but a dual-stack [::] cannot. */
    int dual = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 any6 = six(NULL, port);
    CHECK(bind(dual, (struct sockaddr *)&any6, sizeof any6) == -1 && errno == EADDRINUSE, "a dual-stack [::] on that port is EADDRINUSE");
    close(dual);
    close(four);
    close(l);
}

/* Addresses: unbound names, errors for addresses we do not have, link-local without a scope. */
static void names6(void)
{
    int s = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a;
    socklen_t len = sizeof a;
    CHECK(getsockname(s, (struct sockaddr *)&a, &len) == 0, "getsockname of an unbound socket");
    show("unbound getsockname", (struct sockaddr *)&a, len);
    printf("unbound port %u\n", ntohs(a.sin6_port));
    len = sizeof a;
    CHECK(getpeername(s, (struct sockaddr *)&a, &len) == -1 && errno == ENOTCONN, "getpeername before connect: ENOTCONN");
    a = six("2001:db8::1", 0);
    CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == -1 && errno == EADDRNOTAVAIL, "bind 2001:db8::1: EADDRNOTAVAIL");
    a = six("fe80::1", 0);
    CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == -1 && errno == EINVAL, "bind fe80::1 without a scope id: EINVAL");
    a = six("::1", 0);
    CHECK(bind(s, (struct sockaddr *)&a, 20) == -1 && errno == EINVAL, "a short sockaddr_in6: EINVAL");
    CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0, "bind [::1]:0");
    len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    show("bound getsockname", (struct sockaddr *)&a, len);
    CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == -1 && errno == EINVAL, "a second bind: EINVAL");
    close(s);
    /* Nothing listens: refused. */
    unsigned short port;
    int l = listener6("::1", 0, &port);
    close(l);
    s = socket(AF_INET6, SOCK_STREAM, 0);
    a = six("::1", port);
    CHECK(connect(s, (struct sockaddr *)&a, sizeof a) == -1 && errno == ECONNREFUSED, "connect to a closed [::1] port: ECONNREFUSED");
    close(s);
    /* The interfaces know ::1. */
    struct ifaddrs *list, *i;
    int lo6 = 0;
    CHECK_ERR(getifaddrs(&list) == 0, "getifaddrs");
    for (i = list; i; i = i->ifa_next)
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET6 && !strcmp(i->ifa_name, "lo") &&
            IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr))
            lo6++;
    freeifaddrs(list);
    CHECK(lo6 == 1, "getifaddrs lists ::1 on lo");
    char line[256];
    FILE *f = fopen("/proc/net/if_inet6", "r");
    int found = 0;
    while (f && fgets(line, sizeof line, f)) if (!strcmp(line, "00000000000000000000000000000001 01 80 10 80       lo\n")) found = 1;
    if (f) fclose(f);
    CHECK(found, "/proc/net/if_inet6 lists ::1 on lo");
}

/* getaddrinfo("localhost") then the usual connect loop, against a dual-stack [::] server; and a
 * numeric ::1. Which families the name gives depends on /etc/hosts: only the outcome is shown. */
static void gai(void)
{
    unsigned short port;
    int l = listener6(NULL, 0, &port);
    CHECK_ERR(l >= 0, "listen on [::]:0");
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    const char *names[] = { "localhost", "::1" };
    for (int k = 0; k < 2; k++) {
        struct addrinfo hints, *res, *r;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        if (k == 1) hints.ai_flags = AI_NUMERICHOST;
        int e = getaddrinfo(names[k], service, &hints, &res);
        CHECK(e == 0, "getaddrinfo(\"%s\", AF_UNSPEC)", names[k]);
        if (e != 0) continue;
        int s = -1, loopbacks = 1;
        for (r = res; r; r = r->ai_next) {
            if (r->ai_family == AF_INET6 && !IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)r->ai_addr)->sin6_addr)) loopbacks = 0;
            if (r->ai_family == AF_INET && ((struct sockaddr_in *)r->ai_addr)->sin_addr.s_addr != htonl(INADDR_LOOPBACK)) loopbacks = 0;
        }
        for (r = res; r && s < 0; r = r->ai_next) {
            s = socket(r->ai_family, r->ai_socktype, r->ai_protocol);
            if (s >= 0 && connect(s, r->ai_addr, r->ai_addrlen) != 0) { close(s); s = -1; }
        }
        freeaddrinfo(res);
        CHECK(loopbacks, "\"%s\" names only loopback addresses", names[k]);
        CHECK_ERR(s >= 0, "the connect loop reached the [::] server for \"%s\"", names[k]);
        int a = accept(l, NULL, NULL);
        char buf[8];
        CHECK(write(s, "hi", 2) == 2 && read(a, buf, sizeof buf) == 2, "data flows");
        close(a);
        close(s);
    }
    close(l);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *what = argc > 1 ? argv[1] : "all";
    int all = strcmp(what, "all") == 0;
    if (all || !strcmp(what, "tcp")) tcp();
    if (all || !strcmp(what, "bulk")) bulk();
    if (all || !strcmp(what, "udp")) udp();
    if (all || !strcmp(what, "nonblock")) nonblock();
    if (all || !strcmp(what, "options")) options();
    if (all || !strcmp(what, "epollet")) epollet();
    if (all || !strcmp(what, "inet6")) inet6();
    if (all || !strcmp(what, "tcp6")) tcp6();
    if (all || !strcmp(what, "udp6")) udp6();
    if (all || !strcmp(what, "v6only")) v6only();
    if (all || !strcmp(what, "names6")) names6();
    if (all || !strcmp(what, "gai")) gai();
    return t_done();
}
