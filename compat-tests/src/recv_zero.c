/* recv_zero: a zero-length receive touches no memory, so any buffer address is accepted (Linux
 * never faults on it): EAGAIN on an empty non-blocking stream socket, 0 when data waits (which
 * stays queued); on a datagram socket the waiting datagram is consumed. Unix and TCP streams, UDP. */
#include "compat.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

static char *bad;

static void zero_len(int w, int r, const char *what)
{
    char buf[8];
    long n;
    int e;
    errno = 0;
    n = recv(r, bad, 0, MSG_DONTWAIT);
    e = errno;
    CHECK(n == -1 && e == EAGAIN, "%s, empty: recv(PROT_NONE buffer, 0) is EAGAIN", what);
    errno = 0;
    n = recv(r, (char *)8, 0, MSG_DONTWAIT);
    e = errno;
    CHECK(n == -1 && e == EAGAIN, "%s, empty: recv(address 8, 0) is EAGAIN", what);
    CHECK(write(w, "abc", 3) == 3, "%s: write 3 bytes", what);
    usleep(20000);
    errno = 0;
    n = recv(r, bad, 0, MSG_DONTWAIT);
    e = errno;
    CHECK(n == 0 && e == 0, "%s, data waiting: recv(PROT_NONE buffer, 0) is 0", what);
    n = read(r, bad, 0);
    CHECK(n == 0, "%s, data waiting: read(PROT_NONE buffer, 0) is 0", what);
    n = recv(r, buf, sizeof(buf), MSG_DONTWAIT);
    CHECK(n == 3 && memcmp(buf, "abc", 3) == 0, "%s: the data is still there", what);
}

static int tcp_pair(int *w, int *r)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int l = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(l, 1) != 0 ||
        getsockname(l, (struct sockaddr *)&a, &len) != 0)
        return -1;
    *w = socket(AF_INET, SOCK_STREAM, 0);
    if (*w < 0 || connect(*w, (struct sockaddr *)&a, sizeof(a)) != 0)
        return -1;
    *r = accept(l, NULL, NULL);
    close(l);
    return *r < 0 ? -1 : 0;
}

int main(void)
{
    int sv[2], w, r, u1, u2;
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    char buf[8];
    long n;

    bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_ERR(bad != MAP_FAILED, "a PROT_NONE page");
    CHECK_ERR(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "unix stream socket pair");
    zero_len(sv[0], sv[1], "unix stream");
    close(sv[0]);
    close(sv[1]);
    CHECK_ERR(tcp_pair(&w, &r) == 0, "TCP connection over loopback");
    zero_len(w, r, "TCP");
    close(w);
    close(r);

    u1 = socket(AF_INET, SOCK_DGRAM, 0);
    u2 = socket(AF_INET, SOCK_DGRAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK_ERR(bind(u1, (struct sockaddr *)&a, sizeof(a)) == 0 && getsockname(u1, (struct sockaddr *)&a, &len) == 0, "UDP socket bound");
    CHECK(sendto(u2, "one", 3, 0, (struct sockaddr *)&a, sizeof(a)) == 3, "UDP: send a datagram");
    CHECK(sendto(u2, "two", 3, 0, (struct sockaddr *)&a, sizeof(a)) == 3, "UDP: send another");
    usleep(20000);
    n = recv(u1, bad, 0, MSG_DONTWAIT);
    CHECK(n == 0, "UDP: recv(PROT_NONE buffer, 0) is 0");
    n = recv(u1, buf, sizeof(buf), MSG_DONTWAIT);
    CHECK(n == 3 && memcmp(buf, "two", 3) == 0, "UDP: the first datagram was consumed");
    close(u1);
    close(u2);
    return t_done();
}
