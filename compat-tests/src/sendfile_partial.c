/* sendfile_partial: sendfile without an offset pointer into a non-blocking socket that takes
 * only part of what is asked (or nothing: EAGAIN) advances the input file's offset by what the
 * socket took, so repeated calls deliver the file whole and in order (Go's io.Copy from a file
 * to a TCP connection does this). Unix stream socket pair and TCP over loopback, and sendfile with
 * an offset pointer for comparison. Works in /tmp/compat-sendfile_partial. */
#include "compat.h"
#include "files.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#define SZ (3 << 20)

static unsigned char data[SZ], got[SZ];

/* Sends the file through w (non-blocking) and reads it from r; returns 1 when every byte came in
 * order and the input offset always matched the bytes sent. */
static int pump(int in, int w, int r, int use_offset, int *eagains)
{
    long sent = 0, recvd = 0;
    off_t off = 0;
    int offsets_ok = 1;
    *eagains = 0;
    while (recvd < SZ) {
        if (sent < SZ) {
            ssize_t n = use_offset ? sendfile(w, in, &off, SZ - sent) : sendfile(w, in, NULL, SZ - sent);
            if (n > 0)
                sent += n;
            else if (n < 0 && errno == EAGAIN)
                (*eagains)++;
            else
                return 0;
            if (!use_offset && lseek(in, 0, SEEK_CUR) != sent)
                offsets_ok = 0;
            if (use_offset && (off != sent || lseek(in, 0, SEEK_CUR) != 0))
                offsets_ok = 0;
        }
        while (recvd < SZ) {
            ssize_t m = recv(r, got + recvd, SZ - recvd, MSG_DONTWAIT);
            if (m > 0) {
                recvd += m;
                continue;
            }
            if (m < 0 && errno == EAGAIN)
                break;
            return 0;
        }
    }
    return offsets_ok && sent == SZ && memcmp(got, data, SZ) == 0;
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
    int in, sv[2], w, r, eagains, i, ok;
    if (!f_scratch_begin("sendfile_partial"))
        return t_done();
    for (i = 0; i < SZ; i++)
        data[i] = (unsigned char)(t_rand() >> 33);
    CHECK_ERR(f_write_file("src", data, SZ) == 0, "create a 3 MiB file");
    in = open("src", O_RDONLY);
    CHECK_ERR(in >= 0, "open it");

    CHECK_ERR(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "unix stream socket pair");
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    ok = pump(in, sv[0], sv[1], 0, &eagains);
    CHECK(ok, "unix socket, NULL offset: the file arrives whole, the input offset follows what was sent");
    close(sv[0]);
    close(sv[1]);

    lseek(in, 0, SEEK_SET);
    CHECK_ERR(tcp_pair(&w, &r) == 0, "TCP connection over loopback");
    fcntl(w, F_SETFL, O_NONBLOCK);
    ok = pump(in, w, r, 0, &eagains);
    CHECK(ok, "TCP, NULL offset: the file arrives whole, the input offset follows what was sent");
    close(w);
    close(r);

    lseek(in, 0, SEEK_SET);
    CHECK_ERR(tcp_pair(&w, &r) == 0, "a second TCP connection");
    fcntl(w, F_SETFL, O_NONBLOCK);
    ok = pump(in, w, r, 1, &eagains);
    CHECK(ok, "TCP, offset pointer: the file arrives whole, the file offset stays 0");
    close(w);
    close(r);

    /* EAGAIN at once consumes nothing. */
    CHECK_ERR(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "another socket pair");
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    lseek(in, 0, SEEK_SET);
    while (sendfile(sv[0], in, NULL, 65536) > 0)
        ;
    {
        off_t before = lseek(in, 0, SEEK_CUR);
        ssize_t n = sendfile(sv[0], in, NULL, 65536);
        int e = errno;
        CHECK(n == -1 && e == EAGAIN, "a full socket: EAGAIN");
        CHECK(lseek(in, 0, SEEK_CUR) == before, "and the input offset did not move");
    }
    close(sv[0]);
    close(sv[1]);
    close(in);
    f_scratch_end();
    return t_done();
}
