/* ids: process and user identity calls. No values are printed. */
#include "compat.h"
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    pid_t pid = getpid();

    CHECK(pid > 0, "getpid() > 0");
    CHECK(getpid() == pid, "getpid() is stable");
    CHECK(getppid() >= 0, "getppid() >= 0");
    CHECK(syscall(SYS_gettid) == pid, "gettid() == getpid() in a single-threaded process");
    CHECK(getuid() == geteuid(), "getuid() == geteuid()");
    CHECK(getgid() == getegid(), "getgid() == getegid()");
    CHECK(syscall(SYS_getpid) == pid && syscall(SYS_getppid) == getppid(), "raw getpid/getppid agree with libc");
    CHECK(syscall(SYS_getuid) == (long)getuid() && syscall(SYS_geteuid) == (long)geteuid(),
          "raw getuid/geteuid agree with libc");
    CHECK(syscall(SYS_getgid) == (long)getgid() && syscall(SYS_getegid) == (long)getegid(),
          "raw getgid/getegid agree with libc");
    return t_done();
}
