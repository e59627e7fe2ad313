/* poll_stdin: poll(2) with a zero timeout never blocks. Whether stdin is
 * readable depends on what stdin is, so the revents are not printed. */
#include "compat.h"
#include <poll.h>
#include <unistd.h>

int main(void)
{
    struct pollfd p[2];
    int r;

    p[0].fd = 0;
    p[0].events = POLLIN;
    p[0].revents = 0;
    r = poll(p, 1, 0);
    CHECK_ERR(r >= 0, "poll(stdin, POLLIN, 0) returns >= 0");
    CHECK(r <= 1, "poll(stdin) reports at most one ready descriptor");
    CHECK((p[0].revents & ~(POLLIN | POLLHUP | POLLERR | POLLRDNORM)) == 0,
          "stdin revents are a subset of POLLIN|POLLHUP|POLLERR");

    p[0].fd = 1;
    p[0].events = POLLOUT;
    p[0].revents = 0;
    r = poll(p, 1, 0);
    CHECK_ERR(r == 1 && (p[0].revents & POLLOUT), "poll(stdout, POLLOUT, 0) reports writable");

    p[0].fd = -1;
    p[0].events = POLLIN;
    p[0].revents = 0x7f;
    r = poll(p, 1, 0);
    CHECK(r == 0 && p[0].revents == 0, "negative fd is ignored and its revents cleared");

    p[0].fd = 999;
    p[0].events = POLLIN;
    r = poll(p, 1, 0);
    CHECK(r == 1 && p[0].revents == POLLNVAL, "closed fd reports POLLNVAL");

    r = poll(NULL, 0, 0);
    CHECK_ERR(r == 0, "poll with no descriptors and timeout 0 returns 0");

    p[0].fd = 0;
    p[0].events = POLLIN;
    p[1].fd = 1;
    p[1].events = POLLOUT;
    r = poll(p, 2, 0);
    CHECK_ERR(r >= 1 && r <= 2, "poll(stdin+stdout, 0) returns 1 or 2");
    return t_done();
}
