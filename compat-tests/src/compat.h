/* Shared helpers for the compat-tests C programs.
 *
 * Every test prints one line per check:
 *     PASS <what>
 *     FAIL <what>: <detail>
 * and returns t_done() from main, which is 1 when any check failed.
 * Output must be deterministic: never print addresses, pids, times or
 * random data; print only derived facts. */
#ifndef COMPAT_H
#define COMPAT_H

#define _GNU_SOURCE 1
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_UNUSED __attribute__((unused))

static int t_failures;

static T_UNUSED void t_vreport(int ok, const char *detail, int err, const char *fmt, va_list ap)
{
    fputs(ok ? "PASS " : "FAIL ", stdout);
    vprintf(fmt, ap);
    if (!ok) {
        printf(": %s", detail);
        if (err)
            printf(" (errno %d)", err);
        t_failures++;
    }
    putchar('\n');
}

static T_UNUSED void __attribute__((format(printf, 4, 5)))
t_check(int ok, const char *detail, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    t_vreport(ok, detail, err, fmt, ap);
    va_end(ap);
}

/* CHECK(cond, "what %d", x): PASS/FAIL line; the detail is the condition text. */
#define CHECK(cond, ...) t_check((cond) ? 1 : 0, "expected " #cond, 0, __VA_ARGS__)

/* CHECK_ERR: like CHECK but also reports errno (sampled right after cond). */
#define CHECK_ERR(cond, ...)                                                  \
    do {                                                                      \
        int t_ok_ = (cond) ? 1 : 0;                                           \
        int t_err_ = errno;                                                   \
        t_check(t_ok_, "expected " #cond, t_ok_ ? 0 : t_err_, __VA_ARGS__);   \
    } while (0)

/* Unconditional lines. */
static T_UNUSED void __attribute__((format(printf, 1, 2))) t_pass(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    t_vreport(1, "", 0, fmt, ap);
    va_end(ap);
}

static T_UNUSED void __attribute__((format(printf, 2, 3))) t_fail(const char *detail, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    t_vreport(0, detail, 0, fmt, ap);
    va_end(ap);
}

static T_UNUSED int t_done(void)
{
    fflush(stdout);
    return t_failures ? 1 : 0;
}

/* Deterministic pseudo-random numbers (xorshift64*), for test patterns. */
static unsigned long long t_rng_state = 0x9E3779B97F4A7C15ull;
static T_UNUSED unsigned long long t_rand(void)
{
    unsigned long long x = t_rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    t_rng_state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

#endif
