/* uname: sysname and machine (the only fields printed). */
#include "compat.h"
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(void)
{
    struct utsname u;
    memset(&u, 0x7f, sizeof(u));
    CHECK_ERR(uname(&u) == 0, "uname succeeds");
    printf("sysname %s\n", u.sysname);
    printf("machine %s\n", u.machine);
    CHECK(strcmp(u.sysname, "Linux") == 0, "sysname is Linux");
    CHECK(strcmp(u.machine, "x86_64") == 0, "machine is x86_64");
    CHECK(memchr(u.release, 0, sizeof(u.release)) != NULL && u.release[0] >= '1' && u.release[0] <= '9',
          "release is a NUL-terminated string starting with a digit");
    CHECK(memchr(u.version, 0, sizeof(u.version)) != NULL, "version is NUL-terminated");
    CHECK(memchr(u.nodename, 0, sizeof(u.nodename)) != NULL, "nodename is NUL-terminated");
    {
        /* release major.minor parse: glibc and many programs rely on it */
        int major = 0, minor = 0;
        CHECK(sscanf(u.release, "%d.%d", &major, &minor) == 2 && major >= 3,
              "release parses as major.minor with major >= 3");
    }
    errno = 0;
    CHECK(syscall(SYS_uname, (void *)8) == -1 && errno == EFAULT, "uname to a bad address fails with EFAULT");
    return t_done();
}
