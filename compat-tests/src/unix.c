/* Named AF_UNIX sockets: a stream server on a path and on an abstract name, a forked client,
 * SO_PEERCRED, SCM_RIGHTS (a pipe's end passed across), datagrams with sender names, and the
 * error cases (no such path, nobody listening, address in use, a socket file after close). */
#include "compat.h"
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static socklen_t path_addr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, path);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path + 1, name, strlen(name));
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static void stream(const char *label, struct sockaddr_un *addr, socklen_t alen)
{
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERR(bind(l, (struct sockaddr *)addr, alen) == 0, "%s: bind", label);
    CHECK_ERR(listen(l, 4) == 0, "%s: listen", label);
    pid_t c = fork();
    if (c == 0) {
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(s, (struct sockaddr *)addr, alen) != 0) _exit(2);
        struct ucred cred;
        socklen_t clen = sizeof cred;
        if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 || cred.pid != getppid()) _exit(3);
        write(s, "ping", 4);
        char buf[8];
        if (read(s, buf, sizeof buf) != 4 || memcmp(buf, "pong", 4) != 0) _exit(4);
        _exit(0);
    }
    int a = accept(l, NULL, NULL);
    CHECK_ERR(a >= 0, "%s: accept", label);
    struct ucred cred;
    socklen_t clen = sizeof cred;
    CHECK(getsockopt(a, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0 && cred.pid == c, "%s: SO_PEERCRED names the client", label);
    struct sockaddr_un me;
    socklen_t mlen = sizeof me;
    getsockname(a, (struct sockaddr *)&me, &mlen);
    CHECK(mlen == alen && memcmp(me.sun_path, addr->sun_path, alen - offsetof(struct sockaddr_un, sun_path)) == 0, "%s: the accepted socket carries the server's name", label);
    char buf[8];
    CHECK(read(a, buf, sizeof buf) == 4 && memcmp(buf, "ping", 4) == 0, "%s: read from the client", label);
    write(a, "pong", 4);
    int st;
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: the client connected, checked SO_PEERCRED and got the reply", label);
    CHECK(read(a, buf, sizeof buf) == 0, "%s: end of stream once the client is gone", label);
    close(a);
    close(l);
}

static void rights(void)
{
    struct sockaddr_un addr;
    socklen_t alen = abstract_addr(&addr, "compat-unix-rights");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&addr, alen);
    listen(l, 1);
    pid_t c = fork();
    if (c == 0) {
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(s, (struct sockaddr *)&addr, alen) != 0) _exit(2);
        char data;
        char ctl[CMSG_SPACE(sizeof(int))];
        struct iovec iov = { &data, 1 };
        struct msghdr m = { 0 };
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = ctl;
        m.msg_controllen = sizeof ctl;
        if (recvmsg(s, &m, 0) != 1) _exit(3);
        struct cmsghdr *h = CMSG_FIRSTHDR(&m);
        if (!h || h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) _exit(4);
        int fd;
        memcpy(&fd, CMSG_DATA(h), sizeof fd);
        if (write(fd, "through the passed pipe", 23) != 23) _exit(5);
        _exit(0);
    }
    int a = accept(l, NULL, NULL);
    int p[2];
    pipe(p);
    char data = 'x';
    char ctl[CMSG_SPACE(sizeof(int))];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = { &data, 1 };
    struct msghdr m = { 0 };
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl;
    m.msg_controllen = sizeof ctl;
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(h), &p[1], sizeof(int));
    CHECK(sendmsg(a, &m, 0) == 1, "sendmsg with SCM_RIGHTS");
    close(p[1]);
    char buf[64];
    long n = 0, r;
    while ((r = read(p[0], buf + n, sizeof buf - n)) > 0) n += r;
    CHECK(n == 23 && memcmp(buf, "through the passed pipe", 23) == 0, "the child wrote into the pipe end it received");
    int st;
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child received a working descriptor");
    close(p[0]);
    close(a);
    close(l);
}

static void datagrams(const char *dir)
{
    char p1[128], p2[128];
    snprintf(p1, sizeof p1, "%s/d1", dir);
    snprintf(p2, sizeof p2, "%s/d2", dir);
    struct sockaddr_un a1, a2, from;
    socklen_t l1 = path_addr(&a1, p1), l2 = path_addr(&a2, p2);
    int s1 = socket(AF_UNIX, SOCK_DGRAM, 0), s2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(bind(s1, (struct sockaddr *)&a1, l1) == 0 && bind(s2, (struct sockaddr *)&a2, l2) == 0, "bind two datagram sockets");
    CHECK(sendto(s1, "abc", 3, 0, (struct sockaddr *)&a2, l2) == 3, "sendto a path");
    CHECK(sendto(s1, "defgh", 5, 0, (struct sockaddr *)&a2, l2) == 5, "a second datagram");
    char buf[16];
    socklen_t flen = sizeof from;
    CHECK(recvfrom(s2, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen) == 3 && strcmp(from.sun_path, p1) == 0, "recvfrom keeps boundaries and names the sender");
    CHECK(recv(s2, buf, 2, 0) == 2 && recv(s2, buf, sizeof buf, MSG_DONTWAIT) == -1 && errno == EAGAIN, "a short read drops the rest of the datagram");
    struct stat st;
    CHECK(stat(p1, &st) == 0 && S_ISSOCK(st.st_mode), "the bound path is a socket file");
    CHECK(open(p1, O_RDONLY) == -1 && errno == ENXIO, "open() on a socket file: ENXIO");
    close(s1);
    close(s2);
    unlink(p1);
    unlink(p2);
}

static void errors(const char *dir)
{
    char p[128];
    snprintf(p, sizeof p, "%s/s", dir);
    struct sockaddr_un a;
    socklen_t alen = path_addr(&a, p);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(s, (struct sockaddr *)&a, alen) == -1 && errno == ENOENT, "connect to a missing path: ENOENT");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, alen);
    int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(l2, (struct sockaddr *)&a, alen) == -1 && errno == EADDRINUSE, "bind to a path in use: EADDRINUSE");
    CHECK(connect(s, (struct sockaddr *)&a, alen) == -1 && errno == ECONNREFUSED, "connect to a bound socket that does not listen: ECONNREFUSED");
    close(l);
    CHECK(connect(s, (struct sockaddr *)&a, alen) == -1 && errno == ECONNREFUSED, "connect to a socket file whose socket closed: ECONNREFUSED");
    struct sockaddr_un ab;
    socklen_t ablen = abstract_addr(&ab, "compat-unix-nobody");
    CHECK(connect(s, (struct sockaddr *)&ab, ablen) == -1 && errno == ECONNREFUSED, "connect to an unbound abstract name: ECONNREFUSED");
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(connect(d, (struct sockaddr *)&a, alen) == -1 && errno == ECONNREFUSED, "datagram connect to a dead socket file: ECONNREFUSED");
    int auto_s = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un fam = { .sun_family = AF_UNIX };
    CHECK(bind(auto_s, (struct sockaddr *)&fam, sizeof(sa_family_t)) == 0, "autobind (an address of just the family)");
    struct sockaddr_un got;
    socklen_t glen = sizeof got;
    getsockname(auto_s, (struct sockaddr *)&got, &glen);
    CHECK(glen == sizeof(sa_family_t) + 6 && got.sun_path[0] == 0, "autobind gives a 5-character abstract name");
    close(auto_s);
    close(d);
    close(l2);
    close(s);
    unlink(p);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char dir[] = "/tmp/compat-unix-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[128];
    snprintf(path, sizeof path, "%s/stream", dir);
    struct sockaddr_un a;
    socklen_t alen = path_addr(&a, path);
    stream("path", &a, alen);
    unlink(path);
    alen = abstract_addr(&a, "compat-unix-abstract");
    stream("abstract", &a, alen);
    rights();
    datagrams(dir);
    errors(dir);
    rmdir(dir);
    return t_done();
}
