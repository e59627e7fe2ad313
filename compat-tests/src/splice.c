/* splice, tee and vmsplice: a file through a pipe into another file across two processes, tee
 * duplicating pipe data without consuming it, vmsplice as a gather write, and the error cases. */
#include "compat.h"
#include <fcntl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char src[64], dst[64];
    snprintf(src, sizeof src, "/tmp/compat-splice-src-%d", (int)getpid());
    snprintf(dst, sizeof dst, "/tmp/compat-splice-dst-%d", (int)getpid());
    int in = open(src, O_RDWR | O_CREAT | O_TRUNC, 0600);
    static char data[200000];
    for (int i = 0; i < (int)sizeof data; i++) data[i] = (char)('a' + i % 26);
    write(in, data, sizeof data);
    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        close(p[1]);
        int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        long total = 0, n;
        while ((n = splice(p[0], NULL, out, NULL, 65536, 0)) > 0) total += n;
        close(out);
        _exit(total == (long)sizeof data ? 0 : 1);
    }
    close(p[0]);
    loff_t off = 0;
    long total = 0, n;
    while (total < (long)sizeof data && (n = splice(in, &off, p[1], NULL, sizeof data - total, 0)) > 0) total += n;
    CHECK(total == (long)sizeof data && off == (loff_t)sizeof data, "splice moved the whole file into the pipe and advanced the offset");
    CHECK(lseek(in, 0, SEEK_CUR) == (off_t)sizeof data, "the file offset was not used (an explicit offset was given)");
    close(p[1]);
    int st;
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child spliced everything from the pipe into its file");
    static char back[200000];
    int out = open(dst, O_RDONLY);
    CHECK(read(out, back, sizeof back) == (ssize_t)sizeof back && memcmp(back, data, sizeof data) == 0, "the copy is byte for byte the source");
    close(out);

    /* tee: duplicate without consuming */
    int a[2], b[2];
    pipe(a);
    pipe(b);
    write(a[1], "hello tee", 9);
    CHECK(tee(a[0], b[1], 100, 0) == 9, "tee copies what the first pipe holds");
    char x[16] = { 0 }, y[16] = { 0 };
    CHECK(read(a[0], x, sizeof x) == 9 && read(b[0], y, sizeof y) == 9 && strcmp(x, "hello tee") == 0 && strcmp(y, "hello tee") == 0,
          "both pipes then hold the bytes");
    /* vmsplice */
    struct iovec v[2] = { { "vm", 2 }, { "splice", 6 } };
    CHECK(vmsplice(a[1], v, 2, 0) == 8, "vmsplice gathers two buffers into the pipe");
    memset(x, 0, sizeof x);
    CHECK(read(a[0], x, sizeof x) == 8 && strcmp(x, "vmsplice") == 0, "in order");

    /* errors */
    int f2 = open(dst, O_WRONLY);
    errno = 0;
    CHECK(splice(in, NULL, f2, NULL, 10, 0) == -1 && errno == EINVAL, "neither end a pipe: EINVAL");
    loff_t zero = 0;
    errno = 0;
    CHECK(splice(a[0], &zero, b[1], NULL, 10, 0) == -1 && errno == ESPIPE, "an offset for the pipe side: ESPIPE");
    errno = 0;
    CHECK(splice(a[0], NULL, b[1], NULL, 10, SPLICE_F_NONBLOCK) == -1 && errno == EAGAIN, "an empty pipe with SPLICE_F_NONBLOCK: EAGAIN");
    close(a[1]);
    CHECK(splice(a[0], NULL, b[1], NULL, 10, 0) == 0, "no writer left: 0 (end of input)");
    unlink(src);
    unlink(dst);
    return t_done();
}
