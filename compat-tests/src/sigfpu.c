/* The SSE state around a signal taken from a fault (the interrupt path, not a syscall): the
 * handler sees the faulting code's XMM registers and MXCSR in its ucontext, and what it writes
 * there is what the code has after rt_sigreturn. Also a timer signal that lands in a loop keeping
 * values in XMM registers leaves them intact. */
#include "compat.h"
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

static volatile int seen_ok, handled;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    (void)sig; (void)si;
    ucontext_t *uc = ctx;
    uint32_t *x0 = (uint32_t *)&uc->uc_mcontext.fpregs->_xmm[0];
    uint32_t *x7 = (uint32_t *)&uc->uc_mcontext.fpregs->_xmm[7];
    seen_ok = x0[0] == 0x11111111 && x0[3] == 0x44444444 && x7[0] == 0x77777777 &&
              (uc->uc_mcontext.fpregs->mxcsr & 0x6000) == 0x6000;         /* the rounding mode set below */
    x0[0] = 0xAAAAAAAA; x0[1] = 0xBBBBBBBB; x0[2] = 0xCCCCCCCC; x0[3] = 0xDDDDDDDD;
    uc->uc_mcontext.gregs[REG_RIP] += 3;                                  /* skip "mov %al,(%rbx)" + nop padding */
    handled++;
}

static volatile int ticks;
static void on_alarm(int sig) { (void)sig; ticks++; }

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);

    static const uint32_t a[4] __attribute__((aligned(16))) = {0x11111111, 0x22222222, 0x33333333, 0x44444444};
    static const uint32_t b[4] __attribute__((aligned(16))) = {0x77777777, 0x77777777, 0x77777777, 0x77777777};
    uint32_t out[4] __attribute__((aligned(16)));
    uint32_t mx_before, mx_after, mx = 0x7F80;                           /* default masks, round toward zero */
    __asm__ volatile(
        "stmxcsr %[before]\n\t"
        "ldmxcsr %[mx]\n\t"
        "movdqa %[a], %%xmm0\n\t"
        "movdqa %[b], %%xmm7\n\t"
        "xor %%ebx, %%ebx\n\t"
        "mov %%al, (%%rbx)\n\t"                                           /* faults: 2 bytes */
        "nop\n\t"                                                          /* the handler skips 3 */
        "movdqa %%xmm0, %[out]\n\t"
        "stmxcsr %[after]\n\t"
        "ldmxcsr %[before]\n\t"
        : [out] "=m"(out), [before] "=m"(mx_before), [after] "=m"(mx_after)
        : [a] "m"(a), [b] "m"(b), [mx] "m"(mx)
        : "rbx", "xmm0", "xmm7", "memory");
    CHECK(handled == 1, "the fault ran the handler once");
    CHECK(seen_ok, "the handler saw the faulting code's XMM0, XMM7 and MXCSR");
    CHECK(out[0] == 0xAAAAAAAA && out[3] == 0xDDDDDDDD, "XMM0 written by the handler is live after sigreturn");
    CHECK((mx_after & 0x6000) == 0x6000, "MXCSR kept across the signal");

    /* timer signals landing in a loop that keeps its values in XMM registers */
    signal(SIGALRM, on_alarm);
    struct itimerval it = {{0, 2000}, {0, 2000}};
    setitimer(ITIMER_REAL, &it, NULL);
    int bad = 0;
    for (int round = 0; round < 200 && ticks < 20; round++) {
        uint32_t r[4] __attribute__((aligned(16)));
        __asm__ volatile(
            "movdqa %[a], %%xmm3\n\t"
            "mov $200000, %%ecx\n"
            "1: paddd %%xmm3, %%xmm3\n\t"
            "psubd %%xmm3, %%xmm3\n\t"
            "paddd %[a], %%xmm3\n\t"
            "dec %%ecx\n\t"
            "jnz 1b\n\t"
            "movdqa %%xmm3, %[r]\n\t"
            : [r] "=m"(r) : [a] "m"(a) : "rcx", "xmm3", "memory");
        if (r[0] != a[0] || r[3] != a[3]) bad++;
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    CHECK(ticks > 0, "timer signals arrived during the loops");
    CHECK(bad == 0, "XMM3 intact across asynchronous signals");
    return t_done();
}
