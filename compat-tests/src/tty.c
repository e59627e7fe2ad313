/* tty: TCGETS / TIOCGWINSZ on stdin and stdout. Each call must either
 * succeed or fail with ENOTTY (a terminal vs. a pipe or file); which one
 * happened is never printed. */
#include "compat.h"
#include <sys/ioctl.h>
#include <unistd.h>

static int tty_ok(int fd, unsigned long req)
{
    unsigned long long buf[16]; /* larger than struct termios / winsize */
    int r;
    errno = 0;
    r = ioctl(fd, req, buf);
    return r == 0 || (r == -1 && errno == ENOTTY);
}

int main(void)
{
    int is0, r;
    unsigned long long buf[16];

    CHECK(tty_ok(0, TCGETS), "ioctl(stdin, TCGETS) succeeds or fails with ENOTTY");
    CHECK(tty_ok(1, TCGETS), "ioctl(stdout, TCGETS) succeeds or fails with ENOTTY");
    CHECK(tty_ok(0, TIOCGWINSZ), "ioctl(stdin, TIOCGWINSZ) succeeds or fails with ENOTTY");
    CHECK(tty_ok(1, TIOCGWINSZ), "ioctl(stdout, TIOCGWINSZ) succeeds or fails with ENOTTY");

    /* isatty agrees with TCGETS */
    r = ioctl(0, TCGETS, buf);
    is0 = isatty(0);
    CHECK((r == 0) == (is0 == 1), "isatty(stdin) agrees with TCGETS");
    r = ioctl(1, TCGETS, buf);
    CHECK((r == 0) == (isatty(1) == 1), "isatty(stdout) agrees with TCGETS");

    errno = 0;
    CHECK(ioctl(999, TCGETS, buf) == -1 && errno == EBADF, "ioctl on a closed fd fails with EBADF");
    errno = 0;
    CHECK(isatty(999) == 0 && errno == EBADF, "isatty on a closed fd is 0 with EBADF");
    return t_done();
}
