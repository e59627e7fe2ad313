/* AF_UNIX message sockets: socketpair with SOCK_DGRAM and SOCK_SEQPACKET (boundaries kept,
 * truncation, empty messages, FIONREAD, a closed or shut peer), a named SOCK_SEQPACKET server
 * (listen/connect/accept, getpeername, SO_PEERCRED, SO_TYPE, end of file), SCM_RIGHTS on one. */
#include "compat.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define SHOW(w, e) do { errno = 0; long r_ = (long)(e); printf("%s: %ld errno %d\n", w, r_, r_ < 0 ? errno : 0); } while (0)

static void recv_show(const char *what, int fd, size_t room)
{
    char buf[512];
    struct iovec iov = { buf, room };
    struct msghdr m = { 0 };
    m.msg_iov = &iov; m.msg_iovlen = 1;
    errno = 0;
    long n = recvmsg(fd, &m, MSG_DONTWAIT);
    printf("%s: %ld errno %d trunc %d", what, n, n < 0 ? errno : 0, (m.msg_flags & MSG_TRUNC) != 0);
    if (n > 0) printf(" first %c last %c", buf[0], buf[(n < (long)room ? n : (long)room) - 1]);
    printf("\n");
}

static void poll_show(const char *what, int fd)
{
    struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
    poll(&p, 1, 0);
    printf("%s: in %d out %d hup %d\n", what, !!(p.revents & POLLIN), !!(p.revents & POLLOUT), !!(p.revents & POLLHUP));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    char big[300];
    memset(big, 'b', sizeof big); big[0] = 'B'; big[299] = 'Z';

    for (int kind = 0; kind < 2; kind++) {
        int type = kind == 0 ? SOCK_DGRAM : SOCK_SEQPACKET;
        const char *name = kind == 0 ? "dgram pair" : "seqpacket pair";
        printf("== %s\n", name);
        int sv[2];
        SHOW("socketpair", socketpair(AF_UNIX, type, 0, sv));
        int t = 0; socklen_t tl = sizeof t;
        getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &t, &tl);
        printf("SO_TYPE is the type: %d\n", t == type);
        SHOW("send hello", send(sv[0], "hello", 5, 0));
        SHOW("send empty", send(sv[0], "", 0, 0));
        SHOW("send 300", send(sv[0], big, 300, 0));
        int avail = -1;
        ioctl(sv[1], FIONREAD, &avail);
        printf("FIONREAD: %d\n", avail);
        recv_show("recv 4 of hello", sv[1], 4);
        recv_show("recv empty", sv[1], 64);
        recv_show("recv 300", sv[1], 512);
        recv_show("recv nothing", sv[1], 64);
        struct sockaddr_un from; socklen_t fl = sizeof from;
        send(sv[1], "x", 1, 0);
        SHOW("recvfrom", recvfrom(sv[0], big, sizeof big, 0, (struct sockaddr *)&from, &fl));
        printf("recvfrom address length: %d\n", (int)fl);
        poll_show("poll idle", sv[0]);
        if (type == SOCK_SEQPACKET) {
            send(sv[0], "last", 4, 0);
            SHOW("shutdown write", shutdown(sv[0], SHUT_WR));
            SHOW("send after shutdown", send(sv[0], "y", 1, MSG_NOSIGNAL));
            recv_show("peer reads the last message", sv[1], 64);
            recv_show("then end of file", sv[1], 64);
            poll_show("poll at end of file", sv[1]);
        }
        close(sv[1]);
        SHOW("send to a closed peer", send(sv[0], "z", 1, MSG_NOSIGNAL));
        recv_show("recv with the peer closed", sv[0], 64);
        poll_show("poll with the peer closed", sv[0]);
        close(sv[0]);
    }

    printf("== named seqpacket\n");
    int srv = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    struct sockaddr_un a = { AF_UNIX, "" };
    snprintf(a.sun_path, sizeof a.sun_path, "/tmp/seq-%d.sock", (int)getpid());
    unlink(a.sun_path);
    SHOW("bind", bind(srv, (struct sockaddr *)&a, sizeof a));
    SHOW("listen", listen(srv, 4));
    int cl = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    SHOW("send before connect", send(cl, "q", 1, MSG_NOSIGNAL));
    SHOW("connect", connect(cl, (struct sockaddr *)&a, sizeof a));
    int dg = socket(AF_UNIX, SOCK_DGRAM, 0);
    SHOW("a datagram socket connects to it", connect(dg, (struct sockaddr *)&a, sizeof a));
    int ac = accept(srv, NULL, NULL);
    printf("accept: %s\n", ac >= 0 ? "ok" : "failed");
    struct sockaddr_un peer; socklen_t pl = sizeof peer;
    getpeername(cl, (struct sockaddr *)&peer, &pl);
    printf("client's peer is the path: %d\n", strcmp(peer.sun_path, a.sun_path) == 0);
    struct ucred cred; socklen_t cl2 = sizeof cred;
    getsockopt(ac, SOL_SOCKET, SO_PEERCRED, &cred, &cl2);
    printf("SO_PEERCRED pid is ours: %d\n", cred.pid == getpid());
    SHOW("client sends 300", send(cl, big, 300, 0));
    SHOW("client sends 2", send(cl, "hi", 2, 0));
    recv_show("server reads 100 of 300", ac, 100);
    recv_show("server reads the next message", ac, 100);
    /* SCM_RIGHTS: a pipe's read end travels with a message. */
    int pfd[2];
    pipe(pfd);
    write(pfd[1], "via pipe", 8);
    char cbuf[CMSG_SPACE(sizeof(int))];
    memset(cbuf, 0, sizeof cbuf);
    struct iovec iov = { "fd", 2 };
    struct msghdr m = { 0 };
    m.msg_iov = &iov; m.msg_iovlen = 1; m.msg_control = cbuf; m.msg_controllen = sizeof cbuf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pfd[0], sizeof(int));
    SHOW("sendmsg with a descriptor", sendmsg(ac, &m, 0));
    close(pfd[0]);
    char rb[16], rc[CMSG_SPACE(sizeof(int))];
    struct iovec riov = { rb, sizeof rb };
    struct msghdr rm = { 0 };
    rm.msg_iov = &riov; rm.msg_iovlen = 1; rm.msg_control = rc; rm.msg_controllen = sizeof rc;
    long n = recvmsg(cl, &rm, 0);
    struct cmsghdr *rcm = CMSG_FIRSTHDR(&rm);
    int got = -1;
    if (rcm && rcm->cmsg_type == SCM_RIGHTS) memcpy(&got, CMSG_DATA(rcm), sizeof got);
    char via[16] = { 0 };
    if (got >= 0) read(got, via, 8);
    printf("recvmsg: %ld bytes, descriptor %s, reads \"%s\"\n", n, got >= 0 ? "received" : "missing", via);
    close(cl);
    recv_show("server after the client closed", ac, 64);
    SHOW("server sends to the closed client", send(ac, "x", 1, MSG_NOSIGNAL));
    close(ac); close(srv); close(dg);
    unlink(a.sun_path);
    return 0;
}
