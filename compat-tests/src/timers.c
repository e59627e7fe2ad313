/* Timers that fire by themselves: timerfd (one-shot, periodic, absolute, in poll), POSIX timers
 * (SIGEV_SIGNAL with a value, SIGEV_THREAD_ID, SIGEV_NONE, overruns), setitimer, while other
 * processes and threads run. Times are checked with slack; only booleans are printed. */
#include "compat.h"
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}
static int near(long long got, long long want) { return got >= want - 1 && got < want + 150; }

static volatile sig_atomic_t fired, value, code, alarms;
static void on_timer(int s, siginfo_t *si, void *uc) { (void)s; (void)uc; fired++; value = si->si_value.sival_int; code = si->si_code; }
static void on_alarm(int s) { (void)s; alarms++; }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t busy = fork();
    if (busy == 0) for (;;) { }

    /* timerfd: one-shot */
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    CHECK_ERR(tfd >= 0, "timerfd_create");
    struct itimerspec its = { { 0, 0 }, { 0, 150000000 } };
    long long t0 = now_ms();
    CHECK(timerfd_settime(tfd, 0, &its, NULL) == 0, "timerfd_settime 150 ms");
    uint64_t n = 0;
    CHECK(read(tfd, &n, 8) == 8 && n == 1 && near(now_ms() - t0, 150), "read blocks until the one expiry");
    struct itimerspec cur;
    timerfd_gettime(tfd, &cur);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0, "a fired one-shot timer is disarmed");

    /* periodic, counted */
    its.it_interval.tv_nsec = 50000000;
    its.it_value.tv_nsec = 50000000;
    timerfd_settime(tfd, 0, &its, NULL);
    struct timespec nap = { 0, 280000000 };
    nanosleep(&nap, NULL);
    read(tfd, &n, 8);
    CHECK(n >= 4 && n <= 6, "a 50 ms periodic timer counted about 5 expirations in 280 ms");
    struct pollfd p = { tfd, POLLIN, 0 };
    t0 = now_ms();
    CHECK(poll(&p, 1, 1000) == 1 && (p.revents & POLLIN) && now_ms() - t0 < 150, "poll wakes on the next expiry");
    read(tfd, &n, 8);
    its.it_interval.tv_nsec = 0;
    its.it_value.tv_nsec = 0;
    timerfd_settime(tfd, 0, &its, NULL);
    close(tfd);

    /* absolute, on CLOCK_REALTIME */
    tfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    rt.tv_nsec += 100000000;
    if (rt.tv_nsec >= 1000000000) { rt.tv_sec++; rt.tv_nsec -= 1000000000; }
    struct itimerspec abs = { { 0, 0 }, rt };
    timerfd_settime(tfd, TFD_TIMER_ABSTIME, &abs, NULL);
    errno = 0;
    CHECK(read(tfd, &n, 8) == -1 && errno == EAGAIN, "a non-blocking read before the expiry is EAGAIN");
    p.fd = tfd;
    t0 = now_ms();
    CHECK(poll(&p, 1, 1000) == 1 && near(now_ms() - t0, 100), "an absolute CLOCK_REALTIME timer fires on time");
    close(tfd);

    /* POSIX timer, SIGEV_SIGNAL with a value */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_timer;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN, &sa, NULL);
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGRTMIN;
    ev.sigev_value.sival_int = 77;
    timer_t tid;
    CHECK(timer_create(CLOCK_MONOTONIC, &ev, &tid) == 0, "timer_create SIGEV_SIGNAL");
    its.it_value.tv_nsec = 100000000;
    t0 = now_ms();
    timer_settime(tid, 0, &its, NULL);
    while (!fired && now_ms() - t0 < 2000) pause();
    CHECK(fired == 1 && value == 77 && code == SI_TIMER && near(now_ms() - t0, 100), "it fires once, on time, with its value and SI_TIMER");
    /* periodic with overruns while the signal is blocked */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &set, NULL);
    its.it_interval.tv_nsec = 20000000;
    its.it_value.tv_nsec = 20000000;
    timer_settime(tid, 0, &its, NULL);
    nap.tv_nsec = 200000000;
    nanosleep(&nap, NULL);
    struct timespec zero = { 0, 0 };
    siginfo_t si;
    int got = sigtimedwait(&set, &si, &zero);
    CHECK(got == SIGRTMIN, "the blocked timer signal is pending");
    CHECK(timer_getoverrun(tid) >= 1, "and the periods it missed count as overruns");
    timer_gettime(tid, &cur);
    CHECK(cur.it_interval.tv_nsec == 20000000, "timer_gettime gives the interval back");
    CHECK(timer_delete(tid) == 0, "timer_delete");
    sigprocmask(SIG_UNBLOCK, &set, NULL);

    /* SIGEV_NONE: armed, never signals, time left visible */
    ev.sigev_notify = SIGEV_NONE;
    timer_create(CLOCK_REALTIME, &ev, &tid);
    its.it_interval.tv_nsec = 0;
    its.it_value.tv_sec = 5;
    its.it_value.tv_nsec = 0;
    timer_settime(tid, 0, &its, NULL);
    timer_gettime(tid, &cur);
    CHECK(cur.it_value.tv_sec == 4 || cur.it_value.tv_sec == 5, "SIGEV_NONE: the time left counts down");
    CHECK(timer_delete(tid) == 0, "timer_delete of an armed timer");

    /* setitimer(ITIMER_REAL) periodic */
    signal(SIGALRM, on_alarm);
    struct itimerval iv = { { 0, 30000 }, { 0, 30000 } };
    setitimer(ITIMER_REAL, &iv, NULL);
    t0 = now_ms();
    while (alarms < 5 && now_ms() - t0 < 3000) pause();
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    CHECK(alarms >= 5 && now_ms() - t0 < 400, "a 30 ms ITIMER_REAL fired 5 times in time");

    kill(busy, SIGKILL);
    waitpid(busy, NULL, 0);
    return t_done();
}
