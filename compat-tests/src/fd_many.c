/* Thousands of descriptors: a new one is always the lowest free (after closes in the middle, after
 * dup2 far above), up to RLIMIT_NOFILE (EMFILE). (Their cost is tools/bench/proc's
 * open+close-10k-fds row: the table keeps Linux's "every descriptor below this is taken" hint.) */
#include "compat.h"
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#define N 15000          /* within this host's hard limit (20000), natively as in the guest */

int main(void)
{
    struct rlimit rl = { N + 100, N + 100 };
    CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0, "RLIMIT_NOFILE set to %d", N + 100);
    static int fd[N];
    int ascending = 1;
    for (int i = 0; i < N; i++) {
        fd[i] = eventfd(0, 0);
        if (fd[i] < 0 || (i > 0 && fd[i] <= fd[i - 1])) { ascending = 0; break; }
    }
    CHECK(ascending, "%d eventfds got ascending numbers", N);
    close(fd[1000]); close(fd[500]); close(fd[12000]);
    CHECK(eventfd(0, 0) == fd[500], "the lowest freed one comes back first");
    CHECK(eventfd(0, 0) == fd[1000], "then the next");
    CHECK(dup2(fd[0], N + 50) == N + 50, "dup2 far above");
    CHECK(eventfd(0, 0) == fd[12000], "then the last hole, not past the dup2");
    int more = 0;
    while (eventfd(0, 0) >= 0) more++;
    CHECK(errno == EMFILE, "EMFILE at the limit");
    CHECK(more > 0 && more < 100, "a few more fitted below the limit");
    for (int f = fd[0]; f <= N + 100; f++) close(f);
    CHECK(eventfd(0, 0) == fd[0], "after closing them all, the first is free again");
    return t_done();
}
