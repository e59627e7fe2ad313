/* files_pipe: pipe/pipe2 (O_CLOEXEC, O_NONBLOCK), data through a pipe,
 * EOF after the write end closes, EPIPE with SIGPIPE ignored and with it
 * blocked (then pending), FIONREAD, poll, EAGAIN, a named FIFO.
 * Works in /tmp/compat-files_pipe (for the FIFO). */
#include "compat.h"
#include "files.h"
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

static int readable_now(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

int main(void)
{
    int p[2], q[2], avail, total, i;
    char buf[256];
    struct pollfd pf[2];
    struct stat st;
    sigset_t set, pend;
    ssize_t n;

    if (!f_scratch_begin("files_pipe"))
        return t_done();

    /* ---- pipe/pipe2 flags ---- */
    CHECK_ERR(pipe(p) == 0, "pipe");
    CHECK(p[0] > 2 && p[1] > 2 && p[0] != p[1], "two new descriptors");
    CHECK(fcntl(p[0], F_GETFD) == 0 && fcntl(p[1], F_GETFD) == 0, "pipe: FD_CLOEXEC clear");
    CHECK((fcntl(p[0], F_GETFL) & O_ACCMODE) == O_RDONLY, "read end is O_RDONLY");
    CHECK((fcntl(p[1], F_GETFL) & O_ACCMODE) == O_WRONLY, "write end is O_WRONLY");
    CHECK((fcntl(p[0], F_GETFL) & O_NONBLOCK) == 0, "pipe: blocking by default");
    CHECK(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode), "fstat: S_ISFIFO");
    CHECK_ERR(pipe2(q, O_CLOEXEC) == 0, "pipe2(O_CLOEXEC)");
    CHECK(fcntl(q[0], F_GETFD) == FD_CLOEXEC && fcntl(q[1], F_GETFD) == FD_CLOEXEC, "pipe2: both ends FD_CLOEXEC");
    close(q[0]);
    close(q[1]);
    CHECK_ERR(pipe2(q, O_NONBLOCK) == 0, "pipe2(O_NONBLOCK)");
    CHECK((fcntl(q[0], F_GETFL) & O_NONBLOCK) && (fcntl(q[1], F_GETFL) & O_NONBLOCK), "pipe2: both ends O_NONBLOCK");
    close(q[0]);
    close(q[1]);
    CHECK_ERR(F_FAILS(pipe2(q, O_APPEND), EINVAL), "pipe2 with an unsupported flag fails with EINVAL");

    /* ---- data, FIONREAD, poll ---- */
    pf[0].fd = p[0];
    pf[0].events = POLLIN;
    pf[1].fd = p[1];
    pf[1].events = POLLOUT;
    CHECK(poll(pf, 2, 0) == 1 && pf[0].revents == 0 && pf[1].revents == POLLOUT,
          "poll: empty pipe is not readable, write end is writable");
    CHECK(ioctl(p[0], FIONREAD, &avail) == 0 && avail == 0, "FIONREAD 0 on an empty pipe");
    CHECK_ERR(write(p[1], "hello", 5) == 5, "write 5 bytes");
    CHECK(ioctl(p[0], FIONREAD, &avail) == 0 && avail == 5, "FIONREAD 5");
    CHECK(poll(pf, 1, 0) == 1 && pf[0].revents == POLLIN, "poll: readable after write");
    CHECK(poll(pf, 1, 1000) == 1, "poll with a timeout returns at once when readable");
    n = read(p[0], buf, 2);
    CHECK(n == 2 && memcmp(buf, "he", 2) == 0, "read 2 of 5");
    CHECK(ioctl(p[0], FIONREAD, &avail) == 0 && avail == 3, "FIONREAD 3 after a partial read");
    CHECK_ERR(write(p[1], "world", 5) == 5, "write 5 more");
    n = read(p[0], buf, sizeof(buf));
    CHECK(n == 8 && memcmp(buf, "lloworld", 8) == 0, "read returns the remaining bytes in order");
    CHECK(!readable_now(p[0]), "drained pipe is not readable");
    CHECK_ERR(F_FAILS(read(p[1], buf, 1), EBADF), "read from the write end fails with EBADF");
    CHECK_ERR(F_FAILS(write(p[0], "x", 1), EBADF), "write to the read end fails with EBADF");
    {
        struct iovec iov[2] = {{"ab", 2}, {"cd", 2}};
        CHECK(writev(p[1], iov, 2) == 4 && read(p[0], buf, sizeof(buf)) == 4 && memcmp(buf, "abcd", 4) == 0,
              "writev/read through a pipe");
    }

    /* ---- O_NONBLOCK ---- */
    CHECK_ERR(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0, "F_SETFL O_NONBLOCK on the read end");
    CHECK_ERR(F_FAILS(read(p[0], buf, sizeof(buf)), EAGAIN), "O_NONBLOCK read on an empty pipe fails with EAGAIN");
    CHECK_ERR(fcntl(p[1], F_SETFL, O_NONBLOCK) == 0, "F_SETFL O_NONBLOCK on the write end");
    memset(buf, 'f', sizeof(buf));
    total = 0;
    for (i = 0; i < 100000; i++) {
        n = write(p[1], buf, sizeof(buf));
        if (n < 0)
            break;
        total += (int)n;
    }
    CHECK_ERR(n == -1 && errno == EAGAIN, "filling a non-blocking pipe ends with EAGAIN");
    CHECK(total >= 4096, "the pipe held at least 4096 bytes");
    pf[1].revents = 0;
    CHECK(poll(&pf[1], 1, 0) == 0, "a full pipe is not writable");
    CHECK(ioctl(p[0], FIONREAD, &avail) == 0 && avail == total, "FIONREAD equals the bytes written");
    for (i = 0; i < total; i += (int)n) {
        n = read(p[0], buf, sizeof(buf));
        if (n <= 0)
            break;
    }
    CHECK(i == total && !readable_now(p[0]), "all the bytes could be read back");
    fcntl(p[0], F_SETFL, 0);
    fcntl(p[1], F_SETFL, 0);

    /* ---- EOF after the write end closes ---- */
    CHECK_ERR(write(p[1], "last", 4) == 4, "write before closing");
    CHECK_ERR(close(p[1]) == 0, "close the write end");
    n = read(p[0], buf, sizeof(buf));
    CHECK(n == 4 && memcmp(buf, "last", 4) == 0, "buffered data is still delivered");
    pf[0].revents = 0;
    CHECK(poll(pf, 1, 0) == 1 && (pf[0].revents & POLLHUP), "poll reports POLLHUP on the read end");
    CHECK(read(p[0], buf, sizeof(buf)) == 0, "read returns 0 (EOF) after the write end is closed");
    CHECK(read(p[0], buf, sizeof(buf)) == 0, "and keeps returning 0");
    close(p[0]);

    /* ---- EPIPE, SIGPIPE ignored ---- */
    CHECK_ERR(signal(SIGPIPE, SIG_IGN) != SIG_ERR, "SIGPIPE set to SIG_IGN");
    CHECK_ERR(pipe(p) == 0, "pipe");
    close(p[0]);
    pf[1].fd = p[1];
    pf[1].events = POLLOUT;
    pf[1].revents = 0;
    CHECK(poll(&pf[1], 1, 0) == 1 && (pf[1].revents & POLLERR), "poll reports POLLERR on a write end without readers");
    CHECK_ERR(F_FAILS(write(p[1], "x", 1), EPIPE), "write with no readers fails with EPIPE");
    close(p[1]);

    /* ---- EPIPE, SIGPIPE blocked: the signal is left pending ---- */
    CHECK_ERR(signal(SIGPIPE, SIG_DFL) != SIG_ERR, "SIGPIPE back to SIG_DFL");
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    CHECK_ERR(sigprocmask(SIG_BLOCK, &set, NULL) == 0, "block SIGPIPE");
    CHECK_ERR(pipe(p) == 0, "pipe");
    close(p[0]);
    CHECK_ERR(F_FAILS(write(p[1], "x", 1), EPIPE), "write with no readers fails with EPIPE (SIGPIPE blocked)");
    sigemptyset(&pend);
    CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE) == 1, "SIGPIPE is pending");
    /* setting SIG_IGN discards the pending signal; then it is safe to unblock */
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&pend);
    CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE) == 0, "SIG_IGN discarded the pending SIGPIPE");
    CHECK_ERR(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0, "unblock SIGPIPE");
    close(p[1]);

    /* ---- a named FIFO ---- */
    CHECK_ERR(mkfifo("fifo", 0644) == 0, "mkfifo");
    CHECK(stat("fifo", &st) == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 0777) == 0644, "stat: FIFO with mode 0644");
    CHECK_ERR(F_FAILS(open("fifo", O_WRONLY | O_NONBLOCK), ENXIO),
              "open O_WRONLY|O_NONBLOCK without a reader fails with ENXIO");
    p[0] = open("fifo", O_RDONLY | O_NONBLOCK);
    CHECK_ERR(p[0] >= 0, "open O_RDONLY|O_NONBLOCK without a writer succeeds");
    p[1] = open("fifo", O_WRONLY | O_NONBLOCK);
    CHECK_ERR(p[1] >= 0, "open O_WRONLY|O_NONBLOCK with a reader succeeds");
    CHECK(write(p[1], "fifo", 4) == 4 && read(p[0], buf, sizeof(buf)) == 4 && memcmp(buf, "fifo", 4) == 0,
          "data through the FIFO");
    CHECK_ERR(F_FAILS(lseek(p[0], 0, SEEK_SET), ESPIPE), "lseek on a FIFO fails with ESPIPE");
    close(p[1]);
    CHECK(read(p[0], buf, sizeof(buf)) == 0, "EOF after the writer closes");
    close(p[0]);

    f_scratch_end();
    return t_done();
}
