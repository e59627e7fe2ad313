/* tls: __thread variables (initialized .tdata and zeroed .tbss) and the FS
 * base as set up by libc through arch_prctl. */
#include "compat.h"
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/* <asm/prctl.h> values (musl ships no kernel headers) */
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

static __thread int tinit = 42;
static __thread long long tinit2 = -7;
static __thread char tstr[16] = "tls-string";
static __thread int tzero;
static __thread unsigned char tzero_big[8192];
static __thread int taligned __attribute__((aligned(64))) = 5;

static int arch_prctl_raw(int code, unsigned long addr)
{
    return (int)syscall(SYS_arch_prctl, code, addr);
}

int main(void)
{
    unsigned long fs = 0, fs_asm = 0, gs = 1;
    int i, zero = 1;

    CHECK(tinit == 42, "__thread int initialized to 42");
    CHECK(tinit2 == -7, "__thread long long initialized to -7");
    CHECK(strcmp(tstr, "tls-string") == 0, "__thread char array initialized");
    CHECK(tzero == 0, "__thread int zero-initialized");
    for (i = 0; i < (int)sizeof(tzero_big); i++)
        if (tzero_big[i])
            zero = 0;
    CHECK(zero, "8 KiB __thread array zero-initialized");
    CHECK(((uintptr_t)&taligned & 63) == 0 && taligned == 5, "64-byte aligned __thread variable");

    tinit++;
    tzero = 99;
    tzero_big[8191] = 1;
    CHECK(tinit == 43 && tzero == 99 && tzero_big[8191] == 1, "__thread variables are writable");

    CHECK_ERR(arch_prctl_raw(ARCH_GET_FS, (unsigned long)&fs) == 0, "arch_prctl ARCH_GET_FS succeeds");
    __asm__ volatile("mov %%fs:0, %0" : "=r"(fs_asm));
    CHECK(fs != 0, "FS base is non-zero");
    CHECK(fs == fs_asm, "ARCH_GET_FS equals the TLS self pointer at %%fs:0");
    /* x86-64 TLS variant II: static TLS lies just below the thread pointer */
    CHECK((uintptr_t)&tinit < fs && fs - (uintptr_t)&tinit < 65536, "__thread variable lies below the thread pointer");
    {
        uintptr_t via_fs;
        __asm__ volatile("mov %%fs:0, %0\n\t"
                         "lea tzero@tpoff(%0), %0"
                         : "=r"(via_fs));
        CHECK(via_fs == (uintptr_t)&tzero, "local-exec TLS offset matches the variable address");
    }

    /* setting FS to its current value keeps everything working */
    CHECK_ERR(arch_prctl_raw(ARCH_SET_FS, fs) == 0, "arch_prctl ARCH_SET_FS to the same value");
    CHECK(tinit == 43, "__thread data intact after ARCH_SET_FS");

    CHECK_ERR(arch_prctl_raw(ARCH_GET_GS, (unsigned long)&gs) == 0, "arch_prctl ARCH_GET_GS succeeds");
    CHECK(gs == 0, "GS base is zero initially");
    errno = 0;
    CHECK(arch_prctl_raw(0x9999, 0) == -1 && errno == EINVAL, "arch_prctl with an unknown code fails with EINVAL");

    return t_done();
}
