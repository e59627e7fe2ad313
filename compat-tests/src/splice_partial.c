/* splice from a pipe into a socket that takes only part of it (non-blocking, its buffer full):
 * what the socket refused stays in the pipe, so every byte arrives once and in order (the kernel
 * used to read a whole chunk out of the pipe and drop what the socket did not take). */
#include "compat.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#define TOTAL (256 * 1024)

int main(void)
{
    int sv[2], p[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "a stream socket pair");
    CHECK(pipe(p) == 0, "a pipe");
    int small = 4096;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    fcntl(sv[1], F_SETFL, O_NONBLOCK);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    static unsigned char in[TOTAL], out[TOTAL];
    for (int i = 0; i < TOTAL; i++) in[i] = (unsigned char)(i * 7 + i / 251);
    long queued = 0, spliced = 0, got = 0;
    int eagain = 0, rounds = 0;
    while (got < TOTAL && rounds++ < 100000) {
        if (queued < TOTAL) {
            long w = write(p[1], in + queued, TOTAL - queued);
            if (w > 0) queued += w;
        }
        long s = splice(p[0], 0, sv[0], 0, 65536, SPLICE_F_NONBLOCK);
        if (s > 0) spliced += s;
        else if (s < 0 && errno == EAGAIN) eagain++;
        /* read only now and then, so the socket fills up and splice meets EAGAIN or a short write */
        if (rounds % 16 == 0) {
            long r;
            while ((r = read(sv[1], out + got, TOTAL - got)) > 0) { got += r; if (r < 4096) break; }
        }
    }
    CHECK(eagain > 0, "the socket was full at times");
    CHECK(spliced == TOTAL, "splice moved every byte once");
    CHECK(got == TOTAL && memcmp(in, out, TOTAL) == 0, "all %d bytes arrived in order", TOTAL);
    return t_done();
}
