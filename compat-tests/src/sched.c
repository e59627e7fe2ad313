/* sched: sched_getaffinity and sched_yield. The CPU count is not printed. */
#include "compat.h"
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    cpu_set_t set;
    unsigned char raw[128];
    long r;
    int i;

    CPU_ZERO(&set);
    CHECK_ERR(sched_getaffinity(0, sizeof(set), &set) == 0, "sched_getaffinity(0) succeeds");
    CHECK(CPU_COUNT(&set) >= 1, "affinity mask has at least one CPU");
    CPU_ZERO(&set);
    CHECK_ERR(sched_getaffinity(getpid(), sizeof(set), &set) == 0, "sched_getaffinity(getpid()) succeeds");
    CHECK(CPU_COUNT(&set) >= 1, "affinity mask for getpid() has at least one CPU");

    /* raw system call returns the number of bytes written (a multiple of 8) */
    memset(raw, 0, sizeof(raw));
    r = syscall(SYS_sched_getaffinity, 0, sizeof(raw), raw);
    CHECK(r >= 8 && r <= (long)sizeof(raw) && r % 8 == 0, "raw sched_getaffinity returns a size that is a multiple of 8");
    {
        int bits = 0;
        for (i = 0; i < (int)sizeof(raw); i++)
            bits += __builtin_popcount(raw[i]);
        CHECK(bits == CPU_COUNT(&set), "raw mask agrees with the library mask");
    }
    errno = 0;
    CHECK(syscall(SYS_sched_getaffinity, 0, 3, raw) == -1 && errno == EINVAL,
          "sched_getaffinity with a size not multiple of 8 fails with EINVAL");

    for (i = 0; i < 100; i++)
        if (sched_yield() != 0)
            break;
    CHECK(i == 100, "sched_yield returns 0 (100 times)");
    return t_done();
}
