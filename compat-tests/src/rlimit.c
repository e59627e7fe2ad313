/* rlimit: getrlimit/prlimit queries, a soft-limit round trip, error cases.
 * Limit values are environment-dependent and never printed. */
#include "compat.h"
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static void query(int res, const char *name)
{
    struct rlimit r, p;
    CHECK_ERR(getrlimit(res, &r) == 0, "getrlimit(%s) succeeds", name);
    CHECK(r.rlim_cur <= r.rlim_max, "%s soft <= hard", name);
    CHECK_ERR(prlimit(0, res, NULL, &p) == 0, "prlimit(0, %s) query succeeds", name);
    CHECK(p.rlim_cur == r.rlim_cur && p.rlim_max == r.rlim_max, "prlimit and getrlimit agree for %s", name);
}

int main(void)
{
    struct rlimit r, old, now;

    query(RLIMIT_STACK, "RLIMIT_STACK");
    query(RLIMIT_NOFILE, "RLIMIT_NOFILE");
    query(RLIMIT_AS, "RLIMIT_AS");
    query(RLIMIT_CORE, "RLIMIT_CORE");
    query(RLIMIT_DATA, "RLIMIT_DATA");

    getrlimit(RLIMIT_STACK, &r);
    CHECK(r.rlim_cur >= 128 * 1024, "RLIMIT_STACK soft >= 128 KiB");
    getrlimit(RLIMIT_NOFILE, &r);
    CHECK(r.rlim_cur >= 3, "RLIMIT_NOFILE soft >= 3");
    CHECK_ERR(prlimit(getpid(), RLIMIT_NOFILE, NULL, &now) == 0, "prlimit(getpid()) query succeeds");

    /* lower the NOFILE soft limit and read it back, then restore it */
    CHECK_ERR(getrlimit(RLIMIT_NOFILE, &old) == 0, "getrlimit before change");
    r = old;
    r.rlim_cur = old.rlim_cur > 64 ? 64 : old.rlim_cur;
    CHECK_ERR(prlimit(0, RLIMIT_NOFILE, &r, &now) == 0, "prlimit sets RLIMIT_NOFILE soft limit");
    CHECK(now.rlim_cur == old.rlim_cur && now.rlim_max == old.rlim_max, "prlimit returns the previous limit");
    CHECK(getrlimit(RLIMIT_NOFILE, &now) == 0 && now.rlim_cur == r.rlim_cur && now.rlim_max == old.rlim_max,
          "new soft limit reads back");
    CHECK_ERR(setrlimit(RLIMIT_NOFILE, &old) == 0, "setrlimit restores the old limit");
    CHECK(getrlimit(RLIMIT_NOFILE, &now) == 0 && now.rlim_cur == old.rlim_cur, "restored limit reads back");

    /* errors (raw system calls) */
    errno = 0;
    CHECK(syscall(SYS_getrlimit, 999, &r) == -1 && errno == EINVAL, "getrlimit of an unknown resource fails with EINVAL");
    r.rlim_cur = 10;
    r.rlim_max = 5;
    errno = 0;
    CHECK(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &r, NULL) == -1 && errno == EINVAL,
          "prlimit with soft > hard fails with EINVAL");
    errno = 0;
    CHECK(syscall(SYS_getrlimit, RLIMIT_STACK, (void *)8) == -1 && errno == EFAULT,
          "getrlimit to a bad address fails with EFAULT");
    return t_done();
}
