/* fifo_open: blocking opens of a named pipe meet (Linux's fifo_open). Each open counts its end
 * before it waits, so a reader and a writer that both block find each other (`echo x > fifo &
 * cat fifo`), whichever comes first; a reader also goes on when a writer opened and closed
 * meanwhile; an open interrupted by a signal fails with EINTR and no longer counts.
 * Works in /tmp/compat-fifo_open. */
#include "compat.h"
#include "files.h"
#include <signal.h>
#include <sys/wait.h>

static void on_alarm(int sig) { (void)sig; }

/* A child that opens the FIFO in mode `flags` after `delay_us`, writes or reads, and exits. */
static pid_t partner(int flags, int delay_us, int close_at_once)
{
    pid_t c = fork();
    if (c == 0) {
        char buf[16];
        int fd;
        usleep(delay_us);
        fd = open("fifo", flags);
        if (fd < 0)
            _exit(10);
        if (flags == O_WRONLY && write(fd, "data", 4) != 4)
            _exit(11);
        if (flags == O_RDONLY && !close_at_once && read(fd, buf, sizeof buf) != 4)
            _exit(12);
        close(fd);
        _exit(0);
    }
    return c;
}

static int reaped_ok(pid_t c)
{
    int st;
    return waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(void)
{
    struct sigaction sa;
    char buf[16];
    pid_t c;
    int fd;

    if (!f_scratch_begin("fifo_open"))
        return t_done();
    CHECK_ERR(mkfifo("fifo", 0600) == 0, "mkfifo");

    /* Reader first: it waits for the writer, which does not wait for it. */
    c = partner(O_WRONLY, 100000, 0);
    fd = open("fifo", O_RDONLY);
    CHECK_ERR(fd >= 0, "blocking O_RDONLY open returns once a writer opens");
    CHECK(read(fd, buf, sizeof buf) == 4 && memcmp(buf, "data", 4) == 0, "the writer's data");
    CHECK(read(fd, buf, sizeof buf) == 0, "end of file after the writer closes");
    close(fd);
    CHECK(reaped_ok(c), "writer done");

    /* Writer first: it waits for the reader. */
    c = partner(O_RDONLY, 100000, 0);
    fd = open("fifo", O_WRONLY);
    CHECK_ERR(fd >= 0, "blocking O_WRONLY open returns once a reader opens");
    CHECK(write(fd, "data", 4) == 4, "write to the reader");
    close(fd);
    CHECK(reaped_ok(c), "reader read the data");

    /* A writer that opens, writes and closes while the reader waits still releases it. */
    c = partner(O_WRONLY, 100000, 0);
    fd = open("fifo", O_RDONLY);
    CHECK_ERR(fd >= 0, "reader released by a writer that came and went");
    CHECK(reaped_ok(c), "writer done");
    CHECK(read(fd, buf, sizeof buf) == 4, "its data is there");
    CHECK(read(fd, buf, sizeof buf) == 0, "then end of file");
    close(fd);

    /* An interrupted open fails with EINTR (no SA_RESTART) and leaves no reader behind. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    ualarm(100000, 0);
    errno = 0;
    fd = open("fifo", O_RDONLY);
    CHECK_ERR(fd == -1 && errno == EINTR, "open interrupted by a signal: EINTR");
    CHECK_ERR(F_FAILS(open("fifo", O_WRONLY | O_NONBLOCK), ENXIO), "no reader counted afterwards: ENXIO");

    /* O_RDWR never waits; then a blocking writer finds it as a reader. */
    fd = open("fifo", O_RDWR);
    CHECK_ERR(fd >= 0, "O_RDWR open does not wait");
    c = partner(O_WRONLY, 0, 0);
    CHECK(reaped_ok(c), "a writer opens at once with an O_RDWR reader");
    CHECK(read(fd, buf, sizeof buf) == 4, "its data");
    close(fd);

    f_scratch_end();
    return t_done();
}
