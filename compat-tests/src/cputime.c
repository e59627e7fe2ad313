/* CPU-time accounting: a busy loop shows up as user time and a sleep does not (getrusage, times,
 * the CPU-time clocks, /proc/self/stat); a waited-for child's time reaches wait4's rusage,
 * RUSAGE_CHILDREN and times(); clock_getcpuclockid and pthread_getcpuclockid
 * clocks read other processes and threads. Only derived facts are printed (thresholds are loose:
 * the busy loop may share the CPU). */
#include "compat.h"
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t ns_of(clockid_t c)
{
    struct timespec ts;
    if (clock_gettime(c, &ts) != 0) return -1;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t tv_ns(struct timeval tv) { return (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000; }

static volatile uint64_t sink;

static void busy_ms(int ms)
{
    int64_t end = ns_of(CLOCK_MONOTONIC) + (int64_t)ms * 1000000;
    while (ns_of(CLOCK_MONOTONIC) < end)
        for (int i = 0; i < 10000; i++) sink = sink * 6364136223846793005ull + 1;
}

static volatile int thread_stop;

static void *spin(void *arg)
{
    (void)arg;
    while (!thread_stop) sink++;
    return NULL;
}

int main(void)
{
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    int64_t p0 = ns_of(CLOCK_PROCESS_CPUTIME_ID), th0 = ns_of(CLOCK_THREAD_CPUTIME_ID);
    busy_ms(300);
    int64_t th1 = ns_of(CLOCK_THREAD_CPUTIME_ID), p1 = ns_of(CLOCK_PROCESS_CPUTIME_ID);
    getrusage(RUSAGE_SELF, &r1);
    int64_t user = tv_ns(r1.ru_utime) - tv_ns(r0.ru_utime), sys = tv_ns(r1.ru_stime) - tv_ns(r0.ru_stime);
    CHECK(user >= 100000000, "300 ms busy loop: at least 100 ms of user time");
    CHECK(sys < user, "busy loop: less system than user time");
    CHECK(p1 - p0 >= 100000000 && p1 - p0 <= 2000000000, "process CPU clock advanced with the loop");
    CHECK(th1 - th0 >= 100000000 && th1 <= p1, "thread CPU clock advanced, not past the process clock");

    int64_t s0 = ns_of(CLOCK_PROCESS_CPUTIME_ID);
    struct timespec nap = {0, 300000000};
    nanosleep(&nap, NULL);
    int64_t s1 = ns_of(CLOCK_PROCESS_CPUTIME_ID);
    CHECK(s1 - s0 < 100000000, "a 300 ms sleep costs less than 100 ms of CPU time");

    struct tms tm;
    CHECK(times(&tm) != (clock_t)-1 && tm.tms_utime >= 10 && tm.tms_cutime == 0, "times: own user time counted, no children yet");

    /* /proc/self/stat fields 14 and 15 (utime, stime in clock ticks) */
    FILE *f = fopen("/proc/self/stat", "r");
    unsigned long ut = 0, st = 0;
    int fields = 0;
    if (f) {
        char buf[1024];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = 0;
        fclose(f);
        char *p = strrchr(buf, ')');
        if (p) fields = sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
    }
    CHECK(fields == 2 && ut >= 10, "/proc/self/stat utime counts the busy loop");

    /* a child that burns 200 ms, then exits; its clock is readable while it runs */
    int go[2];
    if (pipe(go) != 0) return 1;
    pid_t c = fork();
    if (c == 0) {
        char x;
        close(go[1]);
        busy_ms(200);
        (void)!read(go[0], &x, 1);
        _exit(0);
    }
    close(go[0]);
    clockid_t cc;
    int r = clock_getcpuclockid(c, &cc);
    CHECK(r == 0, "clock_getcpuclockid of a child");
    struct timespec wait = {0, 400000000};
    nanosleep(&wait, NULL);
    int64_t child_ns = r == 0 ? ns_of(cc) : -1;
    CHECK(child_ns >= 50000000, "the child's CPU clock shows its busy loop");
    (void)!write(go[1], "x", 1);
    struct rusage cr;
    int status;
    CHECK(wait4(c, &status, 0, &cr) == c && WIFEXITED(status), "wait4 reaps the child");
    CHECK(tv_ns(cr.ru_utime) >= 50000000, "wait4's rusage has the child's user time");
    struct rusage ch;
    getrusage(RUSAGE_CHILDREN, &ch);
    CHECK(tv_ns(ch.ru_utime) >= 50000000, "RUSAGE_CHILDREN has the reaped child's time");
    CHECK(times(&tm) != (clock_t)-1 && tm.tms_cutime >= 5, "times: children's user time");

    /* waitid reports the child's time in its siginfo (clock ticks) */
    pid_t d = fork();
    if (d == 0) { busy_ms(150); _exit(3); }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, d, &si, WEXITED) == 0 && si.si_status == 3, "waitid reaps the second child");
    /* Linux also puts the child's CPU time in si_utime/si_stime; gVisor, the native reference here, leaves them 0. */

    /* a spinning thread's clock, read from the main thread */
    pthread_t t;
    pthread_create(&t, NULL, spin, NULL);
    clockid_t tc;
    CHECK(pthread_getcpuclockid(t, &tc) == 0, "pthread_getcpuclockid");
    nanosleep(&wait, NULL);
    int64_t tns = ns_of(tc);
    thread_stop = 1;
    pthread_join(t, NULL);
    CHECK(tns >= 50000000, "the spinning thread's CPU clock advanced");

    /* CPU clock of a process that does not exist */
    clockid_t gone = ((clockid_t)~(clockid_t)c << 3) | 2;    /* the reaped child's CPUCLOCK_SCHED */
    struct timespec ts;
    errno = 0;
    int gr = clock_gettime(gone, &ts);
    int ge = errno;
    CHECK(gr == -1 && ge == EINVAL, "clock_gettime on a reaped process's clock: EINVAL");
    return t_done();
}
