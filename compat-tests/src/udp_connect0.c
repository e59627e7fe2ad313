/* connect() of a UDP socket to port 0 succeeds, as on Linux, and sets the source address:
 * glibc's getaddrinfo connects a datagram socket to each result (service-less, so port 0) to
 * sort them by source address (RFC 3484); node's dns.lookup goes through it. getpeername still
 * says ENOTCONN (no peer port), and AF_UNSPEC dissolves the association. */
#include "compat.h"
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = { AF_INET, 0, { htonl(INADDR_LOOPBACK) } }, me, peer;
    CHECK_ERR(connect(s, (struct sockaddr *)&to, sizeof to) == 0, "udp connect to 127.0.0.1 port 0");
    socklen_t l = sizeof me;
    getsockname(s, (struct sockaddr *)&me, &l);
    CHECK(me.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && me.sin_port != 0, "source address 127.0.0.1 with a port");
    l = sizeof peer;
    errno = 0;
    int r = getpeername(s, (struct sockaddr *)&peer, &l);
    CHECK(r == -1 && errno == ENOTCONN, "getpeername after connecting to port 0: ENOTCONN");
    struct sockaddr_in other = { AF_INET, htons(9), { htonl(INADDR_LOOPBACK) } };
    CHECK_ERR(connect(s, (struct sockaddr *)&other, sizeof other) == 0, "reconnect to port 9");
    l = sizeof peer;
    CHECK_ERR(getpeername(s, (struct sockaddr *)&peer, &l) == 0 && ntohs(peer.sin_port) == 9, "getpeername port 9");
    struct sockaddr unspec = { AF_UNSPEC };
    CHECK_ERR(connect(s, &unspec, sizeof unspec) == 0, "AF_UNSPEC dissolves");
    l = sizeof peer;
    errno = 0;
    r = getpeername(s, (struct sockaddr *)&peer, &l);
    CHECK(r == -1 && errno == ENOTCONN, "getpeername after AF_UNSPEC: ENOTCONN");
    close(s);

    int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 to6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    CHECK_ERR(connect(s6, (struct sockaddr *)&to6, sizeof to6) == 0, "udp6 connect to [::1] port 0");
    close(s6);

    /* getaddrinfo sorts with those connects; both answers for a numeric host come back. */
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM }, *res;
    CHECK(getaddrinfo("127.0.0.1", NULL, &hints, &res) == 0, "getaddrinfo 127.0.0.1");
    freeaddrinfo(res);
    return t_done();
}
