/* Timers on CPU time: ITIMER_VIRTUAL and ITIMER_PROF, POSIX timers on CLOCK_PROCESS_CPUTIME_ID and
 * CLOCK_THREAD_CPUTIME_ID, clock_nanosleep on CPU clocks, and RLIMIT_CPU (SIGXCPU, then SIGKILL).
 * Each must not fire while its clock stands still (the process sleeps, or another thread runs) and
 * must fire once enough CPU time is used. Times are checked with slack; only booleans are printed. */
#include "compat.h"
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long clock_ms(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}
static void nap_ms(int ms) { struct timespec d = { ms / 1000, (ms % 1000) * 1000000L }; nanosleep(&d, NULL); }

static volatile sig_atomic_t vt, prof, usr1, usr2, xcpu;
static void on_sig(int s)
{
    if (s == SIGVTALRM) vt++;
    if (s == SIGPROF) prof++;
    if (s == SIGUSR1) usr1++;
    if (s == SIGUSR2) usr2++;
    if (s == SIGXCPU) xcpu++;
}

/* Spins until *flag reaches want or wall_ms pass; the process CPU time (ms) when it stopped. */
static long long spin_until(volatile sig_atomic_t *flag, int want, int wall_ms)
{
    long long end = clock_ms(CLOCK_MONOTONIC) + wall_ms;
    while (*flag < want && clock_ms(CLOCK_MONOTONIC) < end) { }
    return clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

static volatile int spinning;
static void *spinner(void *arg)
{
    (void)arg;
    while (spinning) { }
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGVTALRM, on_sig);
    signal(SIGPROF, on_sig);
    signal(SIGUSR1, on_sig);
    signal(SIGUSR2, on_sig);

    /* ITIMER_VIRTUAL: user CPU time only. */
    struct itimerval it = { { 0, 0 }, { 0, 100000 } }, got;
    long long cpu0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
    CHECK_ERR(setitimer(ITIMER_VIRTUAL, &it, NULL) == 0, "setitimer ITIMER_VIRTUAL 100 ms");
    CHECK(getitimer(ITIMER_VIRTUAL, &got) == 0 && got.it_value.tv_sec == 0 && got.it_value.tv_usec > 50000 &&
          got.it_value.tv_usec < 150000 && got.it_interval.tv_usec == 0, "getitimer shows about 100 ms left");
    nap_ms(300);
    CHECK(vt == 0, "no SIGVTALRM while the process sleeps 300 ms");
    long long cpu1 = spin_until(&vt, 1, 5000);
    CHECK(vt == 1, "SIGVTALRM once the process has run");
    CHECK(cpu1 - cpu0 >= 90, "after about 100 ms of CPU time");
    CHECK(getitimer(ITIMER_VIRTUAL, &got) == 0 && got.it_value.tv_sec == 0 && got.it_value.tv_usec == 0, "a one-shot itimer is disarmed after it fired");

    /* ITIMER_PROF: periodic, 20 ms of CPU each. */
    struct itimerval pi = { { 0, 20000 }, { 0, 20000 } };
    cpu0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
    CHECK_ERR(setitimer(ITIMER_PROF, &pi, NULL) == 0, "setitimer ITIMER_PROF every 20 ms");
    cpu1 = spin_until(&prof, 5, 5000);
    CHECK(prof >= 5, "five SIGPROF while spinning");
    CHECK(cpu1 - cpu0 >= 90, "after about 100 ms of CPU time");
    struct itimerval off = { { 0, 0 }, { 0, 0 } }, old;
    CHECK(setitimer(ITIMER_PROF, &off, &old) == 0 && old.it_interval.tv_usec == 20000, "disarming returns the old period");
    int seen = prof;
    spin_until(&prof, seen + 1, 200);
    CHECK(prof == seen, "no SIGPROF after disarming");

    /* Linux keeps an itimer's period while its value is zero, and a null new value disarms. */
    struct itimerval per = { { 0, 500000 }, { 0, 0 } };
    CHECK(setitimer(ITIMER_PROF, &per, NULL) == 0 && getitimer(ITIMER_PROF, &got) == 0 &&
          got.it_value.tv_usec == 0 && got.it_interval.tv_usec == 500000, "a zero ITIMER_PROF keeps its 500 ms period");
    struct itimerval far = { { 0, 0 }, { 100, 0 } };
    CHECK(setitimer(ITIMER_VIRTUAL, &far, NULL) == 0, "ITIMER_VIRTUAL 100 s");
    CHECK(syscall(SYS_setitimer, ITIMER_VIRTUAL, NULL, &old) == 0 && old.it_value.tv_sec >= 98, "setitimer with a null new value returns the old one");
    CHECK(getitimer(ITIMER_VIRTUAL, &got) == 0 && got.it_value.tv_sec == 0 && got.it_value.tv_usec == 0, "and disarms it");

    /* A POSIX timer on the process CPU clock. */
    timer_t tid;
    struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
    CHECK_ERR(timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &tid) == 0, "timer_create CLOCK_PROCESS_CPUTIME_ID");
    struct itimerspec ts = { { 0, 0 }, { 0, 100000000 } }, cur;
    cpu0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
    CHECK_ERR(timer_settime(tid, 0, &ts, NULL) == 0, "timer_settime 100 ms");
    nap_ms(300);
    CHECK(usr1 == 0, "it does not fire while the process sleeps 300 ms");
    CHECK(timer_gettime(tid, &cur) == 0 && cur.it_value.tv_nsec > 50000000, "timer_gettime: most of it is left");
    cpu1 = spin_until(&usr1, 1, 5000);
    CHECK(usr1 == 1 && cpu1 - cpu0 >= 90, "it fires after about 100 ms of CPU time");
    /* ... and counts every thread of the process. */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts.it_value);
    ts.it_value.tv_nsec += 100000000;
    if (ts.it_value.tv_nsec >= 1000000000) { ts.it_value.tv_sec++; ts.it_value.tv_nsec -= 1000000000; }
    CHECK_ERR(timer_settime(tid, TIMER_ABSTIME, &ts, NULL) == 0, "timer_settime absolute, 100 ms on");
    pthread_t th;
    spinning = 1;
    CHECK(pthread_create(&th, NULL, spinner, NULL) == 0, "start a spinning thread");
    long long end = clock_ms(CLOCK_MONOTONIC) + 5000;
    while (usr1 < 2 && clock_ms(CLOCK_MONOTONIC) < end) nap_ms(5);
    CHECK(usr1 == 2, "the spinning thread's CPU time fires it while the main thread naps");
    CHECK(timer_delete(tid) == 0, "timer_delete");

    /* A POSIX timer on the main thread's own clock does not count the spinner. */
    struct sigevent tev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR2 };
#ifdef sigev_notify_thread_id
    tev.sigev_notify_thread_id = syscall(SYS_gettid);
#else
    tev._sigev_un._tid = syscall(SYS_gettid);                  /* glibc names no field for it */
#endif
    CHECK_ERR(timer_create(CLOCK_THREAD_CPUTIME_ID, &tev, &tid) == 0, "timer_create CLOCK_THREAD_CPUTIME_ID");
    ts.it_value.tv_sec = 0;
    ts.it_value.tv_nsec = 50000000;
    CHECK_ERR(timer_settime(tid, 0, &ts, NULL) == 0, "timer_settime 50 ms of this thread");
    nap_ms(300);
    CHECK(usr2 == 0, "it does not fire while only the other thread runs");

    /* clock_nanosleep on CPU clocks: a thread clock is refused, the process clock advances with the spinner. */
    struct timespec d = { 0, 50000000 };
    CHECK(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &d, NULL) == EINVAL, "clock_nanosleep on the thread CPU clock: EINVAL");
    cpu0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
    CHECK(clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &d, NULL) == 0, "clock_nanosleep 50 ms on the process CPU clock");
    CHECK(clock_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu0 >= 45, "returns once the process used about 50 ms");
    clockid_t other;
    CHECK(pthread_getcpuclockid(th, &other) == 0, "pthread_getcpuclockid of the spinner");
    CHECK(clock_nanosleep(other, 0, &d, NULL) == 0, "clock_nanosleep 50 ms on the spinner's CPU clock");
    spinning = 0;
    pthread_join(th, NULL);
    timer_t gone;
    struct sigevent nev = { .sigev_notify = SIGEV_NONE };
    /* pthread_join returns once the kernel cleared the thread's tid word, which can be before the
     * thread is released (Linux: its clock still works a moment longer), so allow it a second. */
    int refused = 0;
    for (int i = 0; i < 100 && !refused; i++) {
        if (timer_create(other, &nev, &gone) != 0) refused = 1;
        else if (timer_settime(gone, 0, &ts, NULL) == -1) refused = 1;
        else { timer_delete(gone); nap_ms(10); }
    }
    CHECK(refused, "a timer on an ended thread's clock cannot be set");
    spin_until(&usr2, 1, 5000);
    CHECK(usr2 == 1, "the thread timer fires once this thread spins");
    timer_delete(tid);

    /* RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL at the hard one. */
    int p[2];
    CHECK_ERR(pipe(p) == 0, "pipe");
    pid_t child = fork();
    if (child == 0) {
        close(p[0]);
        signal(SIGXCPU, on_sig);
        struct rlimit rl = { 1, 2 };
        if (setrlimit(RLIMIT_CPU, &rl) != 0) _exit(3);
        int told = 0;
        for (;;) {
            if (xcpu > told) {
                told = xcpu;
                struct rlimit now;
                getrlimit(RLIMIT_CPU, &now);
                char c = now.rlim_cur == 2 ? '2' : 'x';
                if (write(p[1], &c, 1) != 1) _exit(4);
            }
        }
    }
    close(p[1]);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child, "waitpid");
    char buf[16];
    ssize_t n = read(p[0], buf, sizeof buf);
    CHECK(n >= 1, "RLIMIT_CPU 1 s: the child got SIGXCPU");
    CHECK(n >= 1 && buf[0] == '2', "and its soft limit moved on to 2 s");
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "and was killed by SIGKILL at the 2 s hard limit");
    return t_done();
}
