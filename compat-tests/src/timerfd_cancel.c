/* timerfd TFD_TIMER_CANCEL_ON_SET: an absolute CLOCK_REALTIME timer whose clock is set reads
 * ECANCELED (once) and polls readable. The clock is set to what it reads (a step of microseconds). */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef TFD_TIMER_CANCEL_ON_SET
#define TFD_TIMER_CANCEL_ON_SET (1 << 1)
#endif

static const char *name(int e)
{
    switch (e) {
    case EAGAIN: return "EAGAIN";
    case ECANCELED: return "ECANCELED";
    case EINVAL: return "EINVAL";
    default: return "other";
    }
}

static void try_read(const char *what, int fd)
{
    uint64_t n;
    ssize_t r = read(fd, &n, sizeof n);
    int e = errno;
    if (r < 0) printf("%s: read %s\n", what, name(e));
    else printf("%s: read %zd\n", what, r);
}

static void readable(const char *what, int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int r = poll(&p, 1, 0);
    printf("%s: poll %d revents %#x\n", what, r, p.revents);
}

static void step_clock(int tv)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (tv) {
        struct timeval t = { now.tv_sec, now.tv_nsec / 1000 };
        settimeofday(&t, NULL);
    } else {
        clock_settime(CLOCK_REALTIME, &now);
    }
}

static int arm(int clock, int flags, int nonblock)
{
    int fd = timerfd_create(clock, nonblock ? TFD_NONBLOCK : 0);
    struct itimerspec its = { { 0, 0 }, { 0, 0 } };
    clock_gettime(clock, &its.it_value);
    if (flags & TFD_TIMER_ABSTIME) its.it_value.tv_sec += 1000;
    else its.it_value.tv_sec = 1000;
    int r = timerfd_settime(fd, flags, &its, NULL);
    if (r < 0) printf("settime failed\n");
    return fd;
}

int main(void)
{
    int cancel = arm(CLOCK_REALTIME, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, 1);
    int plain = arm(CLOCK_REALTIME, TFD_TIMER_ABSTIME, 1);
    int relative = arm(CLOCK_REALTIME, TFD_TIMER_CANCEL_ON_SET, 1);
    int mono = arm(CLOCK_MONOTONIC, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, 1);

    try_read("cancel before set", cancel);
    readable("cancel before set", cancel);
    step_clock(0);
    readable("cancel after clock_settime", cancel);
    try_read("cancel after clock_settime", cancel);
    try_read("cancel again", cancel);
    readable("cancel again", cancel);
    try_read("abstime without cancel", plain);
    try_read("cancel without abstime", relative);
    try_read("monotonic", mono);

    step_clock(1);
    try_read("cancel after settimeofday", cancel);
    try_read("cancel again", cancel);

    /* re-arming starts from the current clock */
    step_clock(0);
    struct itimerspec its = { { 0, 0 }, { 0, 0 } };
    clock_gettime(CLOCK_REALTIME, &its.it_value);
    its.it_value.tv_sec += 1000;
    timerfd_settime(cancel, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL);
    try_read("re-armed", cancel);

    /* a blocked reader is woken by the change */
    int blocking = arm(CLOCK_REALTIME, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        try_read("blocked reader", blocking);
        fflush(stdout);
        _exit(0);
    }
    usleep(200000);
    step_clock(0);
    int status;
    waitpid(pid, &status, 0);
    printf("child exited %d\n", WEXITSTATUS(status));
    return 0;
}
