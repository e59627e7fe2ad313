/* Short sleeps and timeouts end close to the time asked, not at the next 10 ms tick: nanosleep,
 * usleep, clock_nanosleep TIMER_ABSTIME, poll, epoll_wait, futex, a periodic timerfd and a POSIX
 * timer, each with a few milliseconds or less. Averages are checked with slack (TCG is slow and
 * the host may be loaded); only booleans are printed. */
#include "compat.h"
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAIT_PRIVATE 128              /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG (musl has no linux/ headers) */

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Runs op n times; the mean duration in microseconds. */
#define MEAN_US(n, op) ({ long long _t0 = now_us(); for (int _i = 0; _i < (n); _i++) { op; } (now_us() - _t0) / (n); })

static volatile sig_atomic_t ticks;
static void on_timer(int s) { (void)s; ticks++; }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct timespec ms1 = { 0, 1000000 };
    long long m = MEAN_US(50, nanosleep(&ms1, NULL));
    CHECK(m >= 1000 && m < 4000, "nanosleep(1 ms) takes 1 to 4 ms on average");
    if (!(m >= 1000 && m < 4000)) printf("  mean %lld us\n", m);

    m = MEAN_US(100, usleep(200));
    CHECK(m >= 200 && m < 3000, "usleep(200) takes under 3 ms on average");
    if (!(m >= 200 && m < 3000)) printf("  mean %lld us\n", m);

    struct timespec at;
    clock_gettime(CLOCK_MONOTONIC, &at);
    long long t0 = now_us();
    for (int i = 0; i < 20; i++) {
        at.tv_nsec += 2000000;
        if (at.tv_nsec >= 1000000000) { at.tv_sec++; at.tv_nsec -= 1000000000; }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL);
    }
    m = now_us() - t0;
    CHECK(m >= 40000 && m < 60000, "20 absolute 2 ms steps take 40 to 60 ms");
    if (!(m >= 40000 && m < 60000)) printf("  took %lld us\n", m);

    int p[2];
    CHECK_ERR(pipe(p) == 0, "pipe");
    struct pollfd pfd = { p[0], POLLIN, 0 };
    m = MEAN_US(20, poll(&pfd, 1, 2));
    CHECK(m >= 2000 && m < 5000, "poll with a 2 ms timeout takes 2 to 5 ms");
    if (!(m >= 2000 && m < 5000)) printf("  mean %lld us\n", m);

    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN }, out;
    CHECK_ERR(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "epoll on the pipe");
    m = MEAN_US(20, epoll_wait(ep, &out, 1, 3));
    CHECK(m >= 3000 && m < 6000, "epoll_wait with a 3 ms timeout takes 3 to 6 ms");
    if (!(m >= 3000 && m < 6000)) printf("  mean %lld us\n", m);

    int word = 0;
    struct timespec rel = { 0, 1500000 };
    m = MEAN_US(20, syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0));
    CHECK(m >= 1500 && m < 4500, "FUTEX_WAIT with 1.5 ms takes 1.5 to 4.5 ms");
    if (!(m >= 1500 && m < 4500)) printf("  mean %lld us\n", m);

    int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec its = { { 0, 1000000 }, { 0, 1000000 } };
    t0 = now_us();      /* before arming: a delay between the two must not shorten the span */
    CHECK_ERR(tfd >= 0 && timerfd_settime(tfd, 0, &its, NULL) == 0, "periodic 1 ms timerfd");
    uint64_t n, total = 0;
    while (total < 30 && read(tfd, &n, sizeof n) == sizeof n) total += n;
    m = now_us() - t0;
    CHECK(m >= 29000 && m < 45000, "30 periods of 1 ms take 29 to 45 ms");
    if (!(m >= 29000 && m < 45000)) printf("  took %lld us\n", m);

    signal(SIGALRM, on_timer);
    timer_t tid;
    struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM };
    CHECK_ERR(timer_create(CLOCK_MONOTONIC, &sev, &tid) == 0, "timer_create");
    struct itimerspec pit = { { 0, 2000000 }, { 0, 2000000 } };
    t0 = now_us();
    CHECK_ERR(timer_settime(tid, 0, &pit, NULL) == 0, "a 2 ms periodic POSIX timer");
    while (ticks < 10) pause();
    m = now_us() - t0;
    CHECK(m >= 20000 && m < 35000, "10 of its signals take 20 to 35 ms");
    if (!(m >= 20000 && m < 35000)) printf("  took %lld us\n", m);
    return t_done();
}
