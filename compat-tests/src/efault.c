/* Bad user pointers: every syscall must fail with EFAULT (never crash the kernel or the program).
 * Pointers tried: NULL+1, an unmapped user address, 1 MiB (where the unikernel's image used to be
 * mapped), the direct map and the kernel image in the kernel half, and a non-canonical address. */
#include "compat.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static long raw(long nr, long a, long b, long c, long d) { return syscall(nr, a, b, c, d); }

#define EFAULT_CASE(what, expr) do { errno = 0; long r_ = (expr); \
    CHECK_ERR(r_ == -1 && errno == EFAULT, "%s fails with EFAULT", what); } while (0)

int main(void)
{
    void *unmapped = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(unmapped, 4096);
    long bad[] = { 1, (long)unmapped, 0x100000, (long)0xffff800000001000UL, (long)0xffffffff80101000UL, (long)0x0000900000000000UL };
    const char *names[] = { "NULL+1", "an unmapped page", "the old kernel image address", "the kernel half", "the higher-half kernel image", "a non-canonical address" };
    int fd = open("/proc/self/cmdline", O_RDONLY);
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long p = bad[i];
        char what[128];
        snprintf(what, sizeof what, "write from %s", names[i]); EFAULT_CASE(what, raw(SYS_write, 1, p, 16, 0));
        snprintf(what, sizeof what, "read into %s", names[i]); EFAULT_CASE(what, raw(SYS_read, fd, p, 16, 0));
        snprintf(what, sizeof what, "open of a path at %s", names[i]); EFAULT_CASE(what, raw(SYS_open, p, O_RDONLY, 0, 0));
        snprintf(what, sizeof what, "stat into %s", names[i]); EFAULT_CASE(what, raw(SYS_stat, (long)"/", p, 0, 0));
        snprintf(what, sizeof what, "uname into %s", names[i]); EFAULT_CASE(what, raw(SYS_uname, p, 0, 0, 0));
        snprintf(what, sizeof what, "clock_gettime into %s", names[i]); EFAULT_CASE(what, raw(SYS_clock_gettime, CLOCK_MONOTONIC, p, 0, 0));
        snprintf(what, sizeof what, "writev with iovecs at %s", names[i]); EFAULT_CASE(what, raw(SYS_writev, 1, p, 1, 0));
        snprintf(what, sizeof what, "pipe into %s", names[i]); EFAULT_CASE(what, raw(SYS_pipe, p, 0, 0, 0));
        snprintf(what, sizeof what, "rt_sigaction from %s", names[i]); EFAULT_CASE(what, raw(SYS_rt_sigaction, SIGUSR1, p, 0, 8));
        snprintf(what, sizeof what, "nanosleep from %s", names[i]); EFAULT_CASE(what, raw(SYS_nanosleep, p, 0, 0, 0));
        snprintf(what, sizeof what, "getrandom into %s", names[i]); EFAULT_CASE(what, raw(SYS_getrandom, p, 16, 0, 0));
        snprintf(what, sizeof what, "poll of fds at %s", names[i]); EFAULT_CASE(what, raw(SYS_poll, p, 1, 0, 0));
    }
    /* A buffer that ends after 3 bytes: the read is short, not an error. */
    char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(two + 4096, 4096);
    int cf = open("/proc/self/cmdline", O_RDONLY);
    CHECK(raw(SYS_read, cf, (long)(two + 4096 - 3), 100, 0) == 3, "a read into a buffer that ends early is short (3 bytes)");
    close(cf);
    CHECK(1, "the program is still alive after all of that");
    return t_done();
}
