/* Half-close of an echo connection over loopback, watched with epoll as libuv (node) does: the
 * client writes 3 MiB and shuts down its side, the server echoes until end of stream, then shuts
 * down and closes. Linux reports EPOLLRDHUP/EPOLLHUP only once the peer's FIN is in sequence, so
 * every echoed byte is queued by then: a read shorter than asked after EPOLLHUP means the queue is
 * empty and the next read says end of stream (libuv takes that short read as the end). */
#include "compat.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define TOTAL (3L << 20)
static int listen_fd;

static void *echo(void *arg)
{
    (void)arg;
    int s = accept(listen_fd, NULL, NULL);
    static char buf[16384];
    long n;
    while ((n = read(s, buf, sizeof buf)) > 0)
        for (long off = 0; off < n;) {
            long w = write(s, buf + off, n - off);
            if (w <= 0) return NULL;
            off += w;
        }
    shutdown(s, SHUT_WR);
    close(s);
    return NULL;
}

static unsigned char pat(long i) { return (unsigned char)(i * 7 + (i >> 8)); }

int main(void)
{
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { AF_INET, 0, { htonl(INADDR_LOOPBACK) } };
    socklen_t al = sizeof a;
    bind(listen_fd, (struct sockaddr *)&a, sizeof a);
    listen(listen_fd, 4);
    getsockname(listen_fd, (struct sockaddr *)&a, &al);
    pthread_t t;
    pthread_create(&t, NULL, echo, NULL);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_ERR(connect(c, (struct sockaddr *)&a, sizeof a) == 0, "connect");
    fcntl(c, F_SETFL, O_NONBLOCK);
    int ep = epoll_create1(0);
    struct epoll_event ev = { EPOLLIN | EPOLLOUT | EPOLLRDHUP, { .fd = c } };
    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);

    static unsigned char out[65536], in[65536];
    long sent = 0, got = 0, bad = 0, early_eof = 0, short_then_more = 0;
    int eof = 0, shut = 0;
    while (!eof) {
        struct epoll_event e;
        if (epoll_wait(ep, &e, 1, 10000) != 1) { t_fail("timeout", "epoll_wait"); break; }
        if ((e.events & EPOLLOUT) && !shut) {
            long n = TOTAL - sent < (long)sizeof out ? TOTAL - sent : (long)sizeof out;
            for (long i = 0; i < n; i++) out[i] = pat(sent + i);
            long w = write(c, out, n);
            if (w > 0) sent += w;
            if (sent == TOTAL) {
                shutdown(c, SHUT_WR);
                shut = 1;
                ev.events = EPOLLIN | EPOLLRDHUP;
                epoll_ctl(ep, EPOLL_CTL_MOD, c, &ev);
            }
        }
        if (!(e.events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP))) continue;
        long r = read(c, in, sizeof in);
        if (r == 0) { eof = 1; break; }
        if (r < 0) continue;
        for (long i = 0; i < r; i++) bad += in[i] != pat(got + i);
        got += r;
        if ((e.events & (EPOLLHUP | EPOLLRDHUP)) && r < (long)sizeof in) {
            /* Short read after the peer's end: nothing may be left but the end itself. */
            long more = read(c, in, sizeof in);
            if (more > 0) {
                short_then_more++;
                for (long i = 0; i < more; i++) bad += in[i] != pat(got + i);
                got += more;
            } else if (more == 0)
                eof = 1;
        }
        if (eof && got < TOTAL) early_eof++;
    }
    CHECK(got == TOTAL, "all 3 MiB echoed back before end of stream (got %ld KiB)", got >> 10);
    CHECK(bad == 0, "echoed bytes match");
    CHECK(short_then_more == 0, "a short read after EPOLLHUP/EPOLLRDHUP left nothing behind");
    CHECK(early_eof == 0, "no end of stream before the data");
    pthread_join(t, NULL);
    close(c);
    return t_done();
}
