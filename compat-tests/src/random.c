/* random: getrandom(2). Only derived facts are printed, never the bytes. */
#include "compat.h"
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

static int all_zero(const unsigned char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

int main(void)
{
    unsigned char a[64], b[64], big[4096];
    ssize_t r;
    int i, distinct, hist[256];

    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    r = getrandom(a, sizeof(a), 0);
    CHECK_ERR(r == 64, "getrandom 64 bytes returns 64");
    r = getrandom(b, sizeof(b), 0);
    CHECK_ERR(r == 64, "second getrandom 64 bytes returns 64");
    CHECK(!all_zero(a, 64) && !all_zero(b, 64), "random bytes are not all zero");
    CHECK(memcmp(a, b, 64) != 0, "two getrandom results differ");

    memset(a, 0, sizeof(a));
    r = getrandom(a, sizeof(a), GRND_NONBLOCK);
    CHECK_ERR(r == 64, "getrandom GRND_NONBLOCK returns 64");
    CHECK(!all_zero(a, 64), "GRND_NONBLOCK bytes are not all zero");

    r = getrandom(a, 16, GRND_RANDOM | GRND_NONBLOCK);
    CHECK_ERR(r > 0 || errno == EAGAIN, "getrandom GRND_RANDOM|GRND_NONBLOCK returns data or EAGAIN");

    r = getrandom(a, 0, 0);
    CHECK_ERR(r == 0, "getrandom of 0 bytes returns 0");

    errno = 0;
    r = syscall(SYS_getrandom, a, 16, 0x4000);
    CHECK(r == -1 && errno == EINVAL, "getrandom with unknown flags fails with EINVAL");
    errno = 0;
    r = syscall(SYS_getrandom, (void *)8, 16, 0);
    CHECK(r == -1 && errno == EFAULT, "getrandom to a bad address fails with EFAULT");

    /* a larger request: whole buffer filled, bytes reasonably spread */
    memset(big, 0, sizeof(big));
    r = getrandom(big, sizeof(big), 0);
    CHECK_ERR(r == (ssize_t)sizeof(big), "getrandom 4096 bytes returns 4096");
    memset(hist, 0, sizeof(hist));
    for (i = 0; i < (int)sizeof(big); i++)
        hist[big[i]]++;
    distinct = 0;
    for (i = 0; i < 256; i++)
        if (hist[i])
            distinct++;
    CHECK(distinct > 200, "4096 random bytes use more than 200 distinct values");
    CHECK(!all_zero(big + 4032, 64), "last 64 bytes of the 4096-byte buffer were written");

    /* unaligned destination */
    memset(a, 0, sizeof(a));
    r = getrandom(a + 3, 33, 0);
    CHECK_ERR(r == 33, "getrandom to an unaligned buffer");
    CHECK(a[0] == 0 && a[1] == 0 && a[2] == 0 && a[36] == 0, "getrandom writes only the requested bytes");

    return t_done();
}
