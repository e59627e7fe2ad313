/* sched: sched_getaffinity and sched_yield. The CPU count is not printed. Another process's
 * affinity (taskset -p PID); as root, SCHED_FIFO/SCHED_RR are granted (chrt -f), reported back
 * by sched_getscheduler/getparam, inherited, and reset in children under SCHED_RESET_ON_FORK. */
#include "compat.h"
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Raw calls: musl's wrappers refuse these with ENOSYS (the policies are per thread on Linux). */
#define setscheduler(pid, pol, sp) syscall(SYS_sched_setscheduler, pid, pol, sp)
#define getscheduler(pid) syscall(SYS_sched_getscheduler, pid)
#define setparam(pid, sp) syscall(SYS_sched_setparam, pid, sp)
#define getparam(pid, sp) syscall(SYS_sched_getparam, pid, sp)

/* In a child: its policy and priority as one number (policy * 100 + priority), or 99 on error. */
static int child_policy(void)
{
    int st;
    pid_t c = fork();
    if (c == 0) {
        struct sched_param sp;
        int pol = getscheduler(0);
        if (pol < 0 || getparam(0, &sp) != 0)
            _exit(99);
        _exit(pol * 10 + sp.sched_priority % 10);
    }
    if (waitpid(c, &st, 0) != c || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

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

    /* Another process's affinity (a child's); a pid nobody has: ESRCH. */
    {
        pid_t c = fork();
        int st;
        if (c == 0) {
            pause();
            _exit(0);
        }
        CHECK_ERR(sched_getaffinity(c, sizeof(set), &set) == 0 && CPU_COUNT(&set) >= 1, "sched_getaffinity(child)");
        CHECK_ERR(sched_setaffinity(c, sizeof(set), &set) == 0, "sched_setaffinity(child, its own set)");
        kill(c, SIGKILL);
        waitpid(c, &st, 0);
        CHECK(sched_getaffinity(c, sizeof(set), &set) == -1 && errno == ESRCH, "sched_getaffinity(reaped child): ESRCH");
        CHECK(sched_setaffinity(c, sizeof(set), &set) == -1 && errno == ESRCH, "sched_setaffinity(reaped child): ESRCH");
    }

    /* Real-time policies, as root. */
    {
        struct sched_param sp = {.sched_priority = 10};
        CHECK_ERR(setscheduler(0, SCHED_FIFO, &sp) == 0, "sched_setscheduler(SCHED_FIFO, 10)");
        CHECK(getscheduler(0) == SCHED_FIFO, "sched_getscheduler: SCHED_FIFO");
        sp.sched_priority = 0;
        CHECK(getparam(0, &sp) == 0 && sp.sched_priority == 10, "sched_getparam: 10");
        CHECK(child_policy() == SCHED_FIFO * 10 + 0, "a child inherits SCHED_FIFO 10");
        sp.sched_priority = 0;
        CHECK(setparam(0, &sp) == -1 && errno == EINVAL, "sched_setparam(0) under SCHED_FIFO: EINVAL");
        sp.sched_priority = 7;
        CHECK_ERR(setparam(0, &sp) == 0, "sched_setparam(7)");
        CHECK_ERR(setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &sp) == 0, "SCHED_RR 7 with SCHED_RESET_ON_FORK");
        CHECK(getscheduler(0) == (SCHED_RR | SCHED_RESET_ON_FORK), "sched_getscheduler: SCHED_RR | SCHED_RESET_ON_FORK");
        CHECK(child_policy() == SCHED_OTHER * 10, "a child starts as SCHED_OTHER 0");
        sp.sched_priority = 100;
        CHECK(setscheduler(0, SCHED_FIFO, &sp) == -1 && errno == EINVAL, "priority 100: EINVAL");
        sp.sched_priority = 0;
        CHECK_ERR(setscheduler(0, SCHED_OTHER, &sp) == 0, "back to SCHED_OTHER");
        CHECK(getscheduler(0) == SCHED_OTHER, "sched_getscheduler: SCHED_OTHER");
    }
    return t_done();
}
