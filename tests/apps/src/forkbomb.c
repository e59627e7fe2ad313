/* A fork bomb under RLIMIT_NPROC (unikernel only: root ignores the limit on Linux): every process
 * forks until fork fails; the failures must be EAGAIN (or ENOMEM when memory runs out first), the
 * kernel must stay up, and the survivors are counted and ended. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
#ifndef NPROC
#define NPROC 200
#endif
    struct rlimit rl = { NPROC, NPROC };
    setrlimit(RLIMIT_NPROC, &rl);
    int fds[2];
    pipe(fds);
    setpgid(0, 0);
    for (int round = 0; round < 20; round++) {
        pid_t c = fork();
        if (c < 0) {
            char v = errno == EAGAIN || errno == ENOMEM ? 'y' : 'n';
            write(fds[1], &v, 1);
            break;
        }
        if (c == 0) continue;                                    /* the child forks on too */
    }
    if (getpgrp() != getpid()) { for (;;) pause(); }            /* everyone but the first waits */
    sleep(1);
    close(fds[1]);
    int yes = 0, no = 0;
    char v;
    while (read(fds[0], &v, 1) == 1) { if (v == 'y') yes++; else no++; if (yes + no > 50) break; }
    signal(SIGTERM, SIG_IGN);
    kill(0, SIGTERM);
    int reaped = 0;
    while (wait(NULL) > 0) reaped++;
    printf("forks refused with EAGAIN/ENOMEM: %s; other errors: %d; children reaped: %s\n", yes > 0 ? "yes" : "no", no, reaped > 0 ? "yes" : "no");
    return 0;
}
