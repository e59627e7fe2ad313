/* Time and signal calls as LTP-style syscall tests probe them: clock_gettime/getres/settime with
 * invalid and unsupported clocks (CLOCK_TAI included), nanosleep and clock_nanosleep argument and
 * clock errors (EOPNOTSUPP for raw, coarse and alarm clocks), timer_create/settime/gettime/
 * getoverrun/delete (clocks, sigevents, ids, null settings, flags), setitimer/getitimer values,
 * alarm, sigaction on SIGKILL/SIGSTOP and bad sizes, sigprocmask how values, sigaltstack sizes
 * and flags, rt_sigtimedwait timeouts, kill/tgkill/tkill/rt_sigqueueinfo with invalid signals and
 * ids, sigpending and sigsuspend. Only invalid times are ever set. Each line prints the raw result
 * and errno; the native run is the reference. */
#include "compat.h"
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifndef CLOCK_TAI
#define CLOCK_TAI 11
#endif
#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif

static void show(int line, const char *what, long r, int e)
{
    if (r < 0) printf("%d %s: -1 errno %d\n", line, what, e);
    else printf("%d %s: %ld\n", line, what, r);
}
#define P(x) do { errno = 0; long r_ = (long)(x); int e_ = errno; show(__LINE__, #x, r_, e_); } while (0)

/* musl's sigaltstack wrapper checks flags itself and reads the structure: the raw call. */
#define sigaltstack(a, b) syscall(SYS_sigaltstack, a, b)

static volatile int got;
static void h(int s) { (void)s; got++; }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct timespec ts, bad = {0, 1000000000}, neg = {-1, 0}, negn = {0, -1};
    signal(SIGUSR1, SIG_IGN);
    /* clocks */
    P(clock_gettime(-1, &ts)); P(clock_gettime(99, &ts)); P(syscall(SYS_clock_gettime, CLOCK_REALTIME, NULL)); P(syscall(SYS_clock_gettime, CLOCK_REALTIME, (void *)1));
    P(clock_gettime(CLOCK_MONOTONIC_RAW, &ts)); P(clock_gettime(CLOCK_BOOTTIME, &ts)); P(clock_gettime(CLOCK_TAI, &ts)); P(clock_gettime(CLOCK_REALTIME_ALARM, &ts)); P(clock_gettime(CLOCK_BOOTTIME_ALARM, &ts));
    P(clock_gettime(CLOCK_REALTIME_COARSE, &ts)); P(clock_gettime(CLOCK_MONOTONIC_COARSE, &ts)); P(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)); P(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts));
    P(clock_gettime(12, &ts)); P(clock_gettime(-2, &ts)); P(clock_gettime(-6, &ts)); P(clock_gettime(-9999, &ts));
    P(clock_getres(-1, &ts)); P(syscall(SYS_clock_getres, CLOCK_REALTIME, NULL)); P(clock_getres(CLOCK_MONOTONIC, &ts)); P(ts.tv_nsec);
    P(clock_getres(CLOCK_REALTIME_ALARM, &ts)); P(clock_getres(CLOCK_PROCESS_CPUTIME_ID, &ts)); P(ts.tv_nsec);
    clock_gettime(CLOCK_REALTIME, &ts);
    P(clock_settime(CLOCK_MONOTONIC, &ts)); P(clock_settime(-1, &ts)); P(clock_settime(CLOCK_REALTIME, &bad)); P(clock_settime(CLOCK_REALTIME, &negn));
    P(syscall(SYS_clock_settime, CLOCK_REALTIME, NULL)); P(clock_settime(CLOCK_PROCESS_CPUTIME_ID, &ts)); P(clock_settime(CLOCK_BOOTTIME, &ts)); P(clock_settime(CLOCK_TAI, &ts));
    P(clock_settime(CLOCK_REALTIME, &neg));
    P(settimeofday(&(struct timeval){0, 1000000}, NULL)); P(settimeofday(&(struct timeval){-1, 0}, NULL));
    P(syscall(SYS_gettimeofday, NULL, NULL)); P(syscall(SYS_gettimeofday, (void *)1, NULL));
    /* sleeps */
    P(nanosleep(&neg, NULL)); P(nanosleep(&negn, NULL)); P(nanosleep(&bad, NULL)); P(syscall(SYS_nanosleep, NULL, NULL)); P(syscall(SYS_nanosleep, (void *)1, NULL));
    P(nanosleep(&(struct timespec){0, 0}, NULL));
    P(clock_nanosleep(CLOCK_REALTIME, 2, &(struct timespec){0, 1}, NULL)); P(clock_nanosleep(-1, 0, &(struct timespec){0, 1}, NULL)); P(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &(struct timespec){0, 1}, NULL));
    P(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL)); P(clock_nanosleep(CLOCK_MONOTONIC, 0, &neg, NULL)); P(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &neg, NULL));
    P(clock_nanosleep(CLOCK_REALTIME_ALARM, 0, &(struct timespec){0, 1}, NULL)); P(clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, &(struct timespec){0, 1}, NULL));
    P(clock_nanosleep(CLOCK_MONOTONIC_COARSE, 0, &(struct timespec){0, 1}, NULL)); P(clock_nanosleep(CLOCK_BOOTTIME, 0, &(struct timespec){0, 1}, NULL)); P(clock_nanosleep(CLOCK_TAI, 0, &(struct timespec){0, 1}, NULL));
    P(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (void *)1, NULL));
    /* POSIX timers */
    timer_t t;
    struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
    P(timer_create(-1, &sev, &t)); P(timer_create(CLOCK_MONOTONIC_RAW, &sev, &t)); P(timer_create(CLOCK_REALTIME_COARSE, &sev, &t)); P(timer_create(99, &sev, &t));
    sev.sigev_notify = 99; P(timer_create(CLOCK_MONOTONIC, &sev, &t));
    sev.sigev_notify = SIGEV_SIGNAL; sev.sigev_signo = 0; P(timer_create(CLOCK_MONOTONIC, &sev, &t));
    sev.sigev_signo = 65; P(timer_create(CLOCK_MONOTONIC, &sev, &t));
    sev.sigev_notify = SIGEV_THREAD_ID; sev.sigev_signo = SIGUSR1; memcpy((char *)&sev + 16, &(int){99999}, sizeof(int));   /* sigev_notify_thread_id */ P(timer_create(CLOCK_MONOTONIC, &sev, &t));
    sev.sigev_notify = SIGEV_SIGNAL; P(syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, NULL)); P(syscall(SYS_timer_create, CLOCK_MONOTONIC, (void *)1, &t));
    int kt; P(syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &kt)); 
    P(syscall(SYS_timer_create, CLOCK_BOOTTIME, &sev, &kt)); P(syscall(SYS_timer_create, CLOCK_PROCESS_CPUTIME_ID, &sev, &kt)); P(syscall(SYS_timer_create, CLOCK_THREAD_CPUTIME_ID, &sev, &kt));
    P(syscall(SYS_timer_create, CLOCK_REALTIME_ALARM, &sev, &kt));
    P(syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &kt));
    struct itimerspec its = {{0, 0}, {1, 0}}, old;
    P(syscall(SYS_timer_settime, kt, 0, &its, NULL)); P(syscall(SYS_timer_settime, kt, 4, &its, NULL)); P(syscall(SYS_timer_settime, 999, 0, &its, NULL)); P(syscall(SYS_timer_settime, -1, 0, &its, NULL));
    its.it_value.tv_nsec = 1000000000; P(syscall(SYS_timer_settime, kt, 0, &its, NULL)); its.it_value.tv_nsec = 0;
    its.it_interval.tv_nsec = -1; P(syscall(SYS_timer_settime, kt, 0, &its, NULL)); its.it_interval.tv_nsec = 0;
    its.it_value.tv_sec = -1; P(syscall(SYS_timer_settime, kt, 0, &its, NULL)); its.it_value.tv_sec = 1;
    P(syscall(SYS_timer_settime, kt, 0, NULL, NULL)); P(syscall(SYS_timer_settime, kt, 0, &its, (void *)1));
    P(syscall(SYS_timer_gettime, kt, &old)); P(old.it_value.tv_sec <= 1); P(syscall(SYS_timer_gettime, kt, NULL)); P(syscall(SYS_timer_gettime, 999, &old));
    P(syscall(SYS_timer_getoverrun, kt)); P(syscall(SYS_timer_getoverrun, 999)); P(syscall(SYS_timer_getoverrun, -1));
    P(syscall(SYS_timer_delete, kt)); P(syscall(SYS_timer_delete, kt)); P(syscall(SYS_timer_delete, -1)); P(syscall(SYS_timer_gettime, kt, &old));
    /* itimers */
    struct itimerval iv = {{0, 0}, {0, 0}}, ov;
    P(setitimer(3, &iv, NULL)); P(setitimer(-1, &iv, NULL)); P(getitimer(3, &ov)); P(getitimer(ITIMER_REAL, NULL));
    iv.it_value.tv_usec = 1000000; P(setitimer(ITIMER_REAL, &iv, NULL)); iv.it_value.tv_usec = -1; P(setitimer(ITIMER_REAL, &iv, NULL)); iv.it_value.tv_usec = 0;
    iv.it_interval.tv_usec = 1000000; P(setitimer(ITIMER_REAL, &iv, NULL)); iv.it_interval.tv_usec = 0;
    iv.it_value.tv_sec = -1; P(setitimer(ITIMER_REAL, &iv, NULL)); iv.it_value.tv_sec = 0;
    P(syscall(SYS_setitimer, ITIMER_REAL, NULL, NULL)); P(syscall(SYS_setitimer, ITIMER_REAL, NULL, &ov)); P(ov.it_value.tv_sec);
    iv.it_value.tv_sec = 100; P(setitimer(ITIMER_VIRTUAL, &iv, NULL)); P(getitimer(ITIMER_VIRTUAL, &ov)); P(ov.it_value.tv_sec >= 99); iv.it_value.tv_sec = 0; P(setitimer(ITIMER_VIRTUAL, &iv, &ov)); P(ov.it_value.tv_sec >= 99);
    iv.it_value.tv_usec = 1; P(setitimer(ITIMER_PROF, &iv, NULL)); iv.it_value.tv_usec = 0; setitimer(ITIMER_PROF, &iv, NULL);
    P(alarm(100)); P(alarm(5)); P(alarm(0)); P(alarm(0));
    /* sigaction */
    struct sigaction sa = {.sa_handler = h}, osa;
    P(sigaction(SIGKILL, &sa, NULL)); P(sigaction(SIGSTOP, &sa, NULL)); P(sigaction(SIGKILL, NULL, &osa)); P(sigaction(0, &sa, NULL)); P(sigaction(65, &sa, NULL)); P(sigaction(-1, &sa, NULL));
    sa.sa_handler = SIG_IGN; P(sigaction(SIGKILL, &sa, NULL)); sa.sa_handler = SIG_DFL; P(sigaction(SIGSTOP, &sa, NULL)); sa.sa_handler = h;
    P(syscall(SYS_rt_sigaction, SIGUSR1, &sa, NULL, 4)); P(syscall(SYS_rt_sigaction, SIGUSR1, &sa, NULL, 16)); P(syscall(SYS_rt_sigaction, SIGUSR1, (void *)1, NULL, 8));
    P(syscall(SYS_rt_sigaction, SIGUSR1, NULL, (void *)1, 8)); P(syscall(SYS_rt_sigaction, 64, NULL, &osa, 8)); P(syscall(SYS_rt_sigaction, 32, NULL, &osa, 8));
    sa.sa_flags = 0x80000000 | 0x1000000; P(sigaction(SIGUSR1, &sa, NULL)); P(sigaction(SIGUSR1, NULL, &osa)); P(osa.sa_flags & ~0x04000000);
    /* sigprocmask */
    sigset_t set, oset; sigemptyset(&set); sigaddset(&set, SIGUSR1);
    P(sigprocmask(3, &set, NULL)); P(sigprocmask(-1, &set, NULL)); P(sigprocmask(99, NULL, &oset)); P(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4)); P(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 16));
    P(syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)1, NULL, 8)); P(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, (void *)1, 8)); P(syscall(SYS_rt_sigprocmask, 3, NULL, &oset, 8));
    sigfillset(&set); P(sigprocmask(SIG_SETMASK, &set, NULL)); P(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &oset, 8)); P(sigismember(&oset, SIGKILL)); P(sigismember(&oset, SIGSTOP)); P(sigismember(&oset, SIGUSR1));
    sigemptyset(&set); sigprocmask(SIG_SETMASK, &set, NULL);
    /* sigaltstack */
    stack_t ss = {0}, oss;
    P(sigaltstack(NULL, &oss)); P(oss.ss_flags); P(oss.ss_size);
    ss.ss_sp = malloc(65536); ss.ss_size = 1024; P(sigaltstack(&ss, NULL)); ss.ss_size = MINSIGSTKSZ; P(sigaltstack(&ss, NULL));
    ss.ss_size = 65536; ss.ss_flags = SS_ONSTACK; P(sigaltstack(&ss, NULL)); ss.ss_flags = 99; P(sigaltstack(&ss, NULL)); ss.ss_flags = (1U << 31); P(sigaltstack(&ss, NULL));
    ss.ss_flags = SS_DISABLE; ss.ss_size = 0; P(sigaltstack(&ss, &oss)); P(oss.ss_flags); P(sigaltstack(NULL, &oss)); P(oss.ss_flags); P(oss.ss_size);
    ss.ss_flags = SS_DISABLE | (1U << 31); P(sigaltstack(&ss, NULL)); P(sigaltstack((void *)1, NULL)); P(sigaltstack(NULL, (void *)1));
    ss.ss_flags = 0; ss.ss_size = 65536; P(sigaltstack(&ss, NULL)); P(sigaltstack(NULL, &oss)); P(oss.ss_flags); P(oss.ss_size);
    /* sigtimedwait */
    sigemptyset(&set); sigaddset(&set, SIGUSR2); sigprocmask(SIG_BLOCK, &set, NULL);
    P(sigtimedwait(&set, NULL, &(struct timespec){0, 0})); P(sigtimedwait(&set, NULL, &bad)); P(sigtimedwait(&set, NULL, &neg)); P(sigtimedwait(&set, NULL, &negn));
    P(syscall(SYS_rt_sigtimedwait, &set, NULL, &(struct timespec){0, 0}, 4)); P(syscall(SYS_rt_sigtimedwait, (void *)1, NULL, &(struct timespec){0, 0}, 8)); P(syscall(SYS_rt_sigtimedwait, &set, NULL, (void *)1, 8));
    raise(SIGUSR2); siginfo_t si; P(sigtimedwait(&set, &si, &(struct timespec){0, 0})); P(si.si_signo); P(si.si_code);
    raise(SIGUSR2); P(syscall(SYS_rt_sigtimedwait, &set, (void *)1, &(struct timespec){0, 0}, 8)); P(sigtimedwait(&set, NULL, &(struct timespec){0, 0}));
    P(sigtimedwait(&set, NULL, &(struct timespec){0, 10000000}));
    /* kill/tgkill/tkill */
    P(kill(getpid(), 65)); P(kill(getpid(), -1)); P(kill(getpid(), 0)); P(kill(999999, 0)); P(kill(-999999, 0)); P(kill(INT_MIN, 0));
    P(syscall(SYS_tgkill, getpid(), getpid(), 65)); P(syscall(SYS_tgkill, -1, getpid(), 0)); P(syscall(SYS_tgkill, getpid(), -1, 0)); P(syscall(SYS_tgkill, getpid(), 0, 0)); P(syscall(SYS_tgkill, 999999, getpid(), 0)); P(syscall(SYS_tgkill, getpid(), 999999, 0));
    P(syscall(SYS_tkill, -1, 0)); P(syscall(SYS_tkill, 0, 0)); P(syscall(SYS_tkill, getpid(), 65)); P(syscall(SYS_tkill, 999999, 0));
    P(syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR2, NULL)); P(syscall(SYS_rt_sigqueueinfo, getpid(), 65, &si));
    si.si_code = SI_USER; P(syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR2, &si));
    si.si_code = SI_QUEUE; P(syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR2, &si)); P(sigtimedwait(&set, NULL, &(struct timespec){0, 0}));
    si.si_code = SI_QUEUE; P(syscall(SYS_rt_sigqueueinfo, getpid(), 0, &si));
    /* sigpending, sigsuspend */
    sigset_t p; P(sigpending(&p)); P(syscall(SYS_rt_sigpending, &p, 4)); P(syscall(SYS_rt_sigpending, &p, 16)); P(syscall(SYS_rt_sigpending, (void *)1, 8));
    raise(SIGUSR2); P(sigpending(&p)); P(sigismember(&p, SIGUSR2)); sigtimedwait(&set, NULL, &(struct timespec){0, 0});
    P(syscall(SYS_rt_sigsuspend, &set, 4)); P(syscall(SYS_rt_sigsuspend, (void *)1, 8));
    signal(SIGUSR1, h); got = 0; sigemptyset(&set); sigaddset(&set, SIGUSR1); sigprocmask(SIG_BLOCK, &set, NULL); raise(SIGUSR1); sigemptyset(&set);
    P(sigsuspend(&set)); P(got);
    return t_done();
}
