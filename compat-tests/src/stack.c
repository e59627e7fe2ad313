/* stack: the initial stack is usable for deep recursion and large frames,
 * and is aligned as the ABI requires. */
#include "compat.h"
#include <stdint.h>
#include <sys/resource.h>

static int depth_reached;

static unsigned long recurse(int depth, unsigned long acc)
{
    volatile unsigned char frame[1024];
    frame[0] = (unsigned char)depth;
    frame[1023] = (unsigned char)(depth >> 8);
    if (depth == 0) {
        depth_reached = 1;
        return acc;
    }
    return recurse(depth - 1, acc + frame[0] + frame[1023]) + frame[512 - 512];
}

static int __attribute__((noinline)) aligned_frame(void)
{
    /* gcc realigns only if needed; the check is that an 16-byte aligned
     * local really ends up 16-byte aligned via the ABI-aligned stack */
    volatile __attribute__((aligned(16))) unsigned char b[16];
    return ((uintptr_t)b & 15) == 0;
}

int main(void)
{
    struct rlimit rl;
    unsigned long r;
    int sp_ok;

    {
        uintptr_t sp;
        __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
        sp_ok = (sp & 7) == 0;
    }
    CHECK(sp_ok, "stack pointer is 8-byte aligned in main");
    CHECK(aligned_frame(), "16-byte aligned locals are aligned");

    /* ~2 MiB of stack: 2000 frames of >1 KiB */
    r = recurse(2000, 0);
    CHECK(depth_reached, "recursion 2000 frames deep (> 2 MiB of stack)");
    CHECK(r > 0, "recursion result computed");

    /* a single large frame touched from the far end */
    {
        volatile unsigned char big[1 << 20];
        size_t i;
        int ok = 1;
        for (i = sizeof(big); i > 0; i -= 4096)
            big[i - 1] = (unsigned char)(i >> 12);
        for (i = sizeof(big); i > 0; i -= 4096)
            if (big[i - 1] != (unsigned char)(i >> 12))
                ok = 0;
        CHECK(ok, "1 MiB stack array touched top to bottom");
    }

    CHECK(getrlimit(RLIMIT_STACK, &rl) == 0 && (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= (4u << 20)),
          "RLIMIT_STACK allows at least 4 MiB");
    return t_done();
}
