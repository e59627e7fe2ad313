/* Descriptors passed with SCM_RIGHTS over a stream socketpair (tmux's client hands its stdin and
   stdout to the server it forked this way), and O_NONBLOCK on stream sockets: a socketpair end and
   a connected AF_UNIX stream both fail with EAGAIN when empty instead of blocking. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int send_fd(int sock, int fd, const char *msg) {
    struct iovec iov = { .iov_base = (void *)msg, .iov_len = strlen(msg) };
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    memset(&u, 0, sizeof u);
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    return (int)sendmsg(sock, &m, 0);
}

static int recv_fd(int sock, char *text, size_t room) {
    struct iovec iov = { .iov_base = text, .iov_len = room - 1 };
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    ssize_t n = recvmsg(sock, &m, 0);
    if (n < 0) return -errno;
    text[n] = 0;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (c == NULL || c->cmsg_type != SCM_RIGHTS) return -1000;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

int main(void) {
    int sv[2], p[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || pipe(p) != 0) { perror("setup"); return 1; }
    int r = send_fd(sv[0], p[1], "pipe");
    printf("sendmsg over socketpair: %d\n", r);
    if (r < 0) return 1;                                            /* the child would wait forever */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        char text[16];
        int fd = recv_fd(sv[1], text, sizeof text);
        if (fd >= 0) { dprintf(fd, "via %s", text); close(fd); }
        else printf("child recvmsg: %d\n", fd);
        _exit(0);
    }
    close(p[1]);
    char buf[32] = {0};
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    printf("parent read %zd '%s'\n", n, n > 0 ? buf : "");
    waitpid(pid, NULL, 0);

    /* O_NONBLOCK: the socketpair end, then a connected stream and its accepted end. */
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    errno = 0;
    n = read(sv[0], buf, 1);
    printf("nonblocking socketpair read: %zd %s\n", n, n < 0 && errno == EAGAIN ? "EAGAIN" : "?");
    close(sv[0]); close(sv[1]);

    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    strcpy(a.sun_path + 1, "compat-socketpair-rights");           /* abstract: nothing to clean up */
    socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen("compat-socketpair-rights"));
    if (bind(l, (struct sockaddr *)&a, alen) != 0 || listen(l, 1) != 0) { perror("bind"); return 1; }
    int c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (connect(c, (struct sockaddr *)&a, alen) != 0) { perror("connect"); return 1; }
    int s = accept4(l, NULL, NULL, SOCK_NONBLOCK);
    errno = 0;
    n = read(c, buf, 1);
    printf("nonblocking connected read: %zd %s\n", n, n < 0 && errno == EAGAIN ? "EAGAIN" : "?");
    errno = 0;
    n = recv(s, buf, 1, 0);
    printf("nonblocking accepted recv: %zd %s\n", n, n < 0 && errno == EAGAIN ? "EAGAIN" : "?");
    r = send_fd(c, 1, "x");
    char text[8];
    int got = recv_fd(s, text, sizeof text);
    printf("rights over a connected stream: %d %s %s\n", r, got >= 0 ? "fd" : "none", text);
    return 0;
}
