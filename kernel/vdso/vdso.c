/* The vDSO the kernel maps into every program (AT_SYSINFO_EHDR): clock_gettime, gettimeofday,
 * time and getcpu served in user mode from the TSC and a read-only data page that the kernel
 * fills at boot (the page just below this image). Unknown clocks fall back to the syscall. */
#include <stdint.h>

struct vdso_data {
    uint64_t tsc_base;         /* TSC value at monotonic time 0 */
    uint64_t mult;             /* ns = ((tsc - base) * mult) >> 32, computed in two halves */
    uint64_t realtime_base_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
};

struct timespec_k { int64_t tv_sec, tv_nsec; };
struct timeval_k { int64_t tv_sec, tv_usec; };

extern const char __ehdr_start[] __attribute__((visibility("hidden")));

static inline const volatile struct vdso_data *data(void)
{
    return (const volatile struct vdso_data *)(__ehdr_start - 4096);
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t monotonic_ns(void)
{
    const volatile struct vdso_data *d = data();
    uint64_t t = rdtsc() - d->tsc_base, m = d->mult;
    return (t >> 32) * m + (((t & 0xFFFFFFFFu) * m) >> 32);
}

static long sys(long nr, long a, long b)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
    return r;
}

int __vdso_clock_gettime(int clock, struct timespec_k *ts)
{
    uint64_t ns;
    switch (clock) {
    case 0: case 5:                                  /* REALTIME, REALTIME_COARSE */
        ns = monotonic_ns() + data()->realtime_base_ns;
        break;
    case 1: case 4: case 6: case 7:                  /* MONOTONIC, _RAW, _COARSE, BOOTTIME */
        ns = monotonic_ns();
        break;
    default:
        return (int)sys(228, clock, (long)ts);
    }
    ts->tv_sec = (int64_t)(ns / 1000000000u);
    ts->tv_nsec = (int64_t)(ns % 1000000000u);
    return 0;
}

int __vdso_gettimeofday(struct timeval_k *tv, void *tz)
{
    if (tv) {
        uint64_t ns = monotonic_ns() + data()->realtime_base_ns;
        tv->tv_sec = (int64_t)(ns / 1000000000u);
        tv->tv_usec = (int64_t)(ns % 1000000000u / 1000u);
    }
    if (tz) { ((int *)tz)[0] = 0; ((int *)tz)[1] = 0; }
    return 0;
}

long __vdso_time(long *t)
{
    long s = (long)((monotonic_ns() + data()->realtime_base_ns) / 1000000000u);
    if (t) *t = s;
    return s;
}

int __vdso_getcpu(unsigned *cpu, unsigned *node, void *unused)
{
    if (cpu) *cpu = 0;
    if (node) *node = 0;
    return 0;
}

int clock_gettime(int, struct timespec_k *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct timeval_k *, void *) __attribute__((weak, alias("__vdso_gettimeofday")));
long time(long *) __attribute__((weak, alias("__vdso_time")));
int getcpu(unsigned *, unsigned *, void *) __attribute__((weak, alias("__vdso_getcpu")));
