/* SCM_CREDENTIALS and SO_PASSCRED on AF_UNIX: a receiver that asks gets the sender's pid, uid and
 * gid with each message (datagram, sequenced packet and stream); one that does not gets no control
 * message; a sender may state its credentials (a process that does not exist: ESRCH). */
#include "compat.h"
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t self;

static void recv_cred(const char *what, int fd)
{
    char buf[64], cbuf[64];
    struct iovec iov = { buf, sizeof buf };
    struct msghdr m = { 0 };
    m.msg_iov = &iov; m.msg_iovlen = 1; m.msg_control = cbuf; m.msg_controllen = sizeof cbuf;
    long n = recvmsg(fd, &m, 0);
    printf("%s: %ld bytes, control %zu", what, n, (size_t)m.msg_controllen);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred u;
            memcpy(&u, CMSG_DATA(c), sizeof u);
            printf(", SCM_CREDENTIALS pid %s uid %d gid %d", u.pid == self ? "self" : u.pid == 1 ? "1" : "other", u.uid, u.gid);
        } else printf(", cmsg %d/%d", c->cmsg_level, c->cmsg_type);
    }
    printf("\n");
}

static long send_cred(int fd, pid_t pid)
{
    char cbuf[CMSG_SPACE(sizeof(struct ucred))];
    memset(cbuf, 0, sizeof cbuf);
    struct iovec iov = { "c", 1 };
    struct msghdr m = { 0 };
    m.msg_iov = &iov; m.msg_iovlen = 1; m.msg_control = cbuf; m.msg_controllen = sizeof cbuf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_CREDENTIALS; c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
    struct ucred u = { pid, getuid(), getgid() };
    memcpy(CMSG_DATA(c), &u, sizeof u);
    errno = 0;
    return sendmsg(fd, &m, 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    self = getpid();
    int types[3] = { SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM };
    const char *names[3] = { "dgram", "seqpacket", "stream" };
    for (int k = 0; k < 3; k++) {
        int sv[2];
        socketpair(AF_UNIX, types[k], 0, sv);
        int on = 1, got = -1;
        socklen_t gl = sizeof got;
        getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &got, &gl);
        printf("%s: SO_PASSCRED starts %d\n", names[k], got);
        send(sv[0], "a", 1, 0);
        recv_cred("  without SO_PASSCRED", sv[1]);
        setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
        getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &got, &gl);
        printf("  SO_PASSCRED now %d\n", got);
        send(sv[0], "b", 1, 0);
        recv_cred("  with SO_PASSCRED", sv[1]);
        long r = send_cred(sv[0], self);
        printf("  stated credentials: %ld errno %d\n", r, r < 0 ? errno : 0);
        recv_cred("  received", sv[1]);
        r = send_cred(sv[0], 999999);
        printf("  a process that does not exist: %ld errno %d\n", r, r < 0 ? errno : 0);
        if (types[k] != SOCK_STREAM) {
            pid_t c = fork();
            if (c == 0) { send(sv[0], "k", 1, 0); _exit(0); }
            waitpid(c, NULL, 0);
            recv_cred("  from a child", sv[1]);
        }
        close(sv[0]); close(sv[1]);
    }
    return 0;
}
