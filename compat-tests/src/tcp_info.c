/* getsockopt(TCP_INFO) on loopback TCP: a listener says LISTEN, a connection ESTABLISHED with
 * its options (timestamps, SACK, window scaling), MSS, RTO, cwnd, and byte and segment counters
 * that move with the traffic; the length is what the caller asked for, up to the struct. */
#include "compat.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned char info[240];

static int get(int fd, socklen_t want)
{
    memset(info, 0xAB, sizeof info);
    socklen_t len = want;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, info, &len) != 0) return -1;
    return (int)len;
}

static uint32_t u32(int off) { uint32_t v; memcpy(&v, info + off, 4); return v; }
static uint64_t u64(int off) { uint64_t v; memcpy(&v, info + off, 8); return v; }

int main(void)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    bind(l, (struct sockaddr *)&a, sizeof a);
    listen(l, 5);
    socklen_t al = sizeof a;
    getsockname(l, (struct sockaddr *)&a, &al);
    CHECK(get(l, 240) == 240, "a listener's TCP_INFO has 240 bytes when asked for 240");
    CHECK(info[0] == 10, "its state is LISTEN (10)");
    CHECK(u32(28) == 5, "tcpi_sacked holds its backlog");

    int c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&a, sizeof a);
    int s = accept(l, 0, 0);
    char buf[1000];
    memset(buf, 'x', sizeof buf);
    write(c, buf, sizeof buf);
    int got = 0;
    while (got < 1000) { int n = read(s, buf, sizeof buf); if (n <= 0) break; got += n; }
    write(s, buf, 500);
    got = 0;
    while (got < 500) { int n = read(c, buf, sizeof buf); if (n <= 0) break; got += n; }

    CHECK(get(c, 104) == 104, "asked for 104 bytes (an older struct), 104 come back");
    CHECK(get(c, 240) == 240, "asked for 240, 240");
    CHECK(info[0] == 1, "the client is ESTABLISHED (1)");
    printf("options %d\n", info[5]);
    CHECK(u32(8) >= 200000, "tcpi_rto is at least 200 ms");
    CHECK(u32(16) > 0 && u32(16) <= 65535, "tcpi_snd_mss is set");
    CHECK(u32(80) > 0, "tcpi_snd_cwnd is set");
    CHECK(u64(120) >= 1000, "tcpi_bytes_acked counts the 1000 bytes sent");
    CHECK(u64(128) >= 500, "tcpi_bytes_received counts the 500 received");
    CHECK(u32(136) > 0 && u32(140) > 0, "segments went out and came in");
    CHECK(get(s, 240) == 240 && u64(128) >= 1000, "the server received 1000");

    int u = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(get(u, 240) < 0, "a UDP socket has no TCP_INFO");
    close(c); close(s); close(l); close(u);
    return t_done();
}
