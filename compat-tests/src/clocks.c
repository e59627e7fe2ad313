/* clocks: clock_gettime/clock_getres/gettimeofday/time, nanosleep and
 * clock_nanosleep durations measured with CLOCK_MONOTONIC. */
#include "compat.h"
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#ifndef CLOCK_BOOTTIME
#define CLOCK_BOOTTIME 7
#endif

static long long ns(const struct timespec *t)
{
    return (long long)t->tv_sec * 1000000000ll + t->tv_nsec;
}

static long long now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return ns(&t);
}

static int valid(const struct timespec *t)
{
    return t->tv_nsec >= 0 && t->tv_nsec < 1000000000l;
}

static void clock_basic(clockid_t id, const char *name)
{
    struct timespec a, b;
    int ok = 1, i;
    CHECK_ERR(clock_gettime(id, &a) == 0, "clock_gettime(%s) succeeds", name);
    for (i = 0; i < 1000; i++) {
        if (clock_gettime(id, &b) != 0 || !valid(&b) || ns(&b) < ns(&a))
            ok = 0;
        a = b;
    }
    CHECK(ok, "%s is non-decreasing over 1000 reads", name);
}

int main(void)
{
    struct timespec t, res, req, rem;
    long long t0, t1;
    int i;

    clock_basic(CLOCK_MONOTONIC, "CLOCK_MONOTONIC");
    clock_basic(CLOCK_REALTIME, "CLOCK_REALTIME");
    clock_basic(CLOCK_BOOTTIME, "CLOCK_BOOTTIME");
    clock_basic(CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW");
    clock_basic(CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE");
    clock_basic(CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE");
    clock_basic(CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID");
    clock_basic(CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID");

    /* monotonic actually advances */
    t0 = now(CLOCK_MONOTONIC);
    for (i = 0; i < 10000000 && now(CLOCK_MONOTONIC) == t0; i++)
        ;
    CHECK(now(CLOCK_MONOTONIC) > t0, "CLOCK_MONOTONIC advances");
    CHECK(now(CLOCK_BOOTTIME) >= t0, "CLOCK_BOOTTIME >= CLOCK_MONOTONIC");

    /* resolutions */
    CHECK_ERR(clock_getres(CLOCK_MONOTONIC, &res) == 0, "clock_getres(CLOCK_MONOTONIC) succeeds");
    CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000, "CLOCK_MONOTONIC resolution <= 1ms");
    CHECK_ERR(clock_getres(CLOCK_REALTIME, &res) == 0, "clock_getres(CLOCK_REALTIME) succeeds");
    CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000, "CLOCK_REALTIME resolution <= 1ms");
    CHECK_ERR(clock_getres(CLOCK_MONOTONIC, NULL) == 0, "clock_getres with NULL result succeeds");

    /* invalid clocks (raw system calls, bypassing any vDSO) */
    errno = 0;
    CHECK(syscall(SYS_clock_gettime, 12345, &t) == -1 && errno == EINVAL, "clock_gettime(invalid id) fails with EINVAL");
    errno = 0;
    CHECK(syscall(SYS_clock_getres, 12345, &res) == -1 && errno == EINVAL, "clock_getres(invalid id) fails with EINVAL");
    {
        struct timespec raw;
        CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &raw) == 0 && valid(&raw) &&
                  ns(&raw) >= t0,
              "raw clock_gettime system call agrees with the library");
    }

    /* realtime sanity */
    clock_gettime(CLOCK_REALTIME, &t);
    CHECK(t.tv_sec > 1577836800, "CLOCK_REALTIME is after 2020-01-01");
    {
        struct timeval tv;
        time_t tt, tt2;
        CHECK_ERR(gettimeofday(&tv, NULL) == 0, "gettimeofday succeeds");
        CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "gettimeofday tv_usec in range");
        CHECK(llabs((long long)tv.tv_sec - t.tv_sec) <= 2, "gettimeofday agrees with CLOCK_REALTIME within 2 s");
        tt = time(&tt2);
        CHECK(tt == tt2, "time() return value equals stored value");
        CHECK(llabs((long long)tt - t.tv_sec) <= 2, "time() agrees with CLOCK_REALTIME within 2 s");
        CHECK(llabs(syscall(SYS_time, NULL) - (long long)t.tv_sec) <= 2, "raw time system call agrees");
    }

    /* nanosleep 20ms */
    req.tv_sec = 0;
    req.tv_nsec = 20 * 1000000;
    t0 = now(CLOCK_MONOTONIC);
    CHECK_ERR(nanosleep(&req, &rem) == 0, "nanosleep 20ms returns 0");
    t1 = now(CLOCK_MONOTONIC);
    CHECK(t1 - t0 >= 20000000ll, "nanosleep 20ms takes >= 20ms");
    CHECK(t1 - t0 < 2000000000ll, "nanosleep 20ms takes < 2s");

    /* nanosleep zero */
    req.tv_nsec = 0;
    CHECK_ERR(nanosleep(&req, NULL) == 0, "nanosleep 0 returns 0");

    /* invalid nanosleep arguments */
    req.tv_sec = 0;
    req.tv_nsec = 1000000000;
    errno = 0;
    CHECK(nanosleep(&req, NULL) == -1 && errno == EINVAL, "nanosleep with tv_nsec=1e9 fails with EINVAL");
    req.tv_sec = -1;
    req.tv_nsec = 0;
    errno = 0;
    CHECK(nanosleep(&req, NULL) == -1 && errno == EINVAL, "nanosleep with negative seconds fails with EINVAL");

    /* clock_nanosleep relative 15ms */
    req.tv_sec = 0;
    req.tv_nsec = 15 * 1000000;
    t0 = now(CLOCK_MONOTONIC);
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL) == 0, "clock_nanosleep relative 15ms returns 0");
    t1 = now(CLOCK_MONOTONIC);
    CHECK(t1 - t0 >= 15000000ll, "clock_nanosleep relative 15ms takes >= 15ms");

    /* clock_nanosleep absolute: now + 10ms */
    t0 = now(CLOCK_MONOTONIC) + 10000000ll;
    req.tv_sec = t0 / 1000000000ll;
    req.tv_nsec = t0 % 1000000000ll;
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &req, NULL) == 0, "clock_nanosleep TIMER_ABSTIME returns 0");
    CHECK(now(CLOCK_MONOTONIC) >= t0, "clock_nanosleep TIMER_ABSTIME wakes at or after the deadline");

    /* absolute deadline in the past returns immediately */
    req.tv_sec = 0;
    req.tv_nsec = 1;
    t0 = now(CLOCK_MONOTONIC);
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &req, NULL) == 0, "clock_nanosleep absolute past deadline returns 0");
    CHECK(now(CLOCK_MONOTONIC) - t0 < 1000000000ll, "past deadline does not block");

    /* realtime clock relative sleep */
    req.tv_sec = 0;
    req.tv_nsec = 5 * 1000000;
    t0 = now(CLOCK_MONOTONIC);
    CHECK(clock_nanosleep(CLOCK_REALTIME, 0, &req, NULL) == 0, "clock_nanosleep CLOCK_REALTIME relative 5ms returns 0");
    CHECK(now(CLOCK_MONOTONIC) - t0 >= 5000000ll, "CLOCK_REALTIME relative sleep takes >= 5ms");

    req.tv_nsec = -1;
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL) == EINVAL, "clock_nanosleep with tv_nsec=-1 returns EINVAL");

    /* CPU time advances while spinning */
    {
        long long c0 = now(CLOCK_PROCESS_CPUTIME_ID), c1;
        volatile unsigned long x = 0;
        t0 = now(CLOCK_MONOTONIC);
        while (now(CLOCK_MONOTONIC) - t0 < 30000000ll)
            x++;
        c1 = now(CLOCK_PROCESS_CPUTIME_ID);
        CHECK(c1 > c0, "CLOCK_PROCESS_CPUTIME_ID advances while spinning");
    }

    return t_done();
}
