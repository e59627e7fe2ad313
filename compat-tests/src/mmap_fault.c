/* mmap_fault: memory-protection faults delivered as SIGSEGV to a handler
 * (SA_SIGINFO, si_code / si_addr), recovered with siglongjmp. Needs signal
 * delivery; kept apart from the mmap test for that reason. */
#include "compat.h"
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096ul

static sigjmp_buf jb;
static volatile int got_sig, got_code;
static void *volatile got_addr;
static volatile int segv_blocked_in_handler;
static volatile uintptr_t handler_stack_addr;

static void handler(int sig, siginfo_t *si, void *uc)
{
    sigset_t cur;
    volatile char marker = 0;
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = si->si_addr;
    handler_stack_addr = (uintptr_t)&marker;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    segv_blocked_in_handler = sigismember(&cur, SIGSEGV);
    siglongjmp(jb, 1);
}

static void reset(void)
{
    got_sig = 0;
    got_code = 0;
    got_addr = NULL;
    segv_blocked_in_handler = 0;
    handler_stack_addr = 0;
}

typedef void (*fn_t)(void);

int main(void)
{
    struct sigaction sa;
    unsigned char *p;
    volatile unsigned char sink;
    sigset_t cur;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    CHECK_ERR(sigaction(SIGSEGV, &sa, NULL) == 0, "install SIGSEGV handler");

    p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_ERR(p != MAP_FAILED, "mmap 4 pages");
    if (p == MAP_FAILED)
        return t_done();
    memset(p, 0x11, 4 * PG);

    /* 1: write to a read-only page */
    CHECK_ERR(mprotect(p, PG, PROT_READ) == 0, "mprotect first page read-only");
    reset();
    if (sigsetjmp(jb, 1) == 0) {
        ((volatile unsigned char *)p)[100] = 0x22;
        t_fail("no signal", "write to read-only page raises SIGSEGV");
    } else {
        CHECK(got_sig == SIGSEGV, "write to read-only page raises SIGSEGV");
        CHECK(got_code == SEGV_ACCERR, "si_code is SEGV_ACCERR");
        CHECK(got_addr == p + 100, "si_addr is the faulting address");
        CHECK(segv_blocked_in_handler, "SIGSEGV is blocked while its handler runs");
    }
    CHECK(p[100] == 0x11, "faulting write did not modify the page");
    sigprocmask(SIG_BLOCK, NULL, &cur);
    CHECK(!sigismember(&cur, SIGSEGV), "siglongjmp restored the signal mask");
    CHECK_ERR(mprotect(p, PG, PROT_READ | PROT_WRITE) == 0, "mprotect back to read/write");
    p[100] = 0x33;
    CHECK(p[100] == 0x33, "write succeeds after mprotect");

    /* 2: read from a PROT_NONE page */
    CHECK_ERR(mprotect(p + PG, PG, PROT_NONE) == 0, "mprotect second page PROT_NONE");
    reset();
    if (sigsetjmp(jb, 1) == 0) {
        sink = ((volatile unsigned char *)p)[PG + 7];
        (void)sink;
        t_fail("no signal", "read from PROT_NONE page raises SIGSEGV");
    } else {
        CHECK(got_sig == SIGSEGV, "read from PROT_NONE page raises SIGSEGV");
        CHECK(got_code == SEGV_ACCERR, "si_code is SEGV_ACCERR for PROT_NONE");
        CHECK(got_addr == p + PG + 7, "si_addr is the faulting address for PROT_NONE");
    }

    /* 3: write to an unmapped page */
    CHECK_ERR(munmap(p + 2 * PG, PG) == 0, "munmap third page");
    reset();
    if (sigsetjmp(jb, 1) == 0) {
        ((volatile unsigned char *)p)[2 * PG + 9] = 1;
        t_fail("no signal", "write to unmapped page raises SIGSEGV");
    } else {
        CHECK(got_sig == SIGSEGV, "write to unmapped page raises SIGSEGV");
        CHECK(got_code == SEGV_MAPERR, "si_code is SEGV_MAPERR");
        CHECK(got_addr == p + 2 * PG + 9, "si_addr is the unmapped address");
    }

    /* 4: executing a non-executable page */
    p[3 * PG] = 0xc3; /* ret */
    CHECK_ERR(mprotect(p + 3 * PG, PG, PROT_READ) == 0, "mprotect fourth page read-only (no exec)");
    reset();
    if (sigsetjmp(jb, 1) == 0) {
        ((fn_t)(void *)(p + 3 * PG))();
        t_fail("no signal", "call into a non-executable page raises SIGSEGV");
    } else {
        CHECK(got_sig == SIGSEGV, "call into a non-executable page raises SIGSEGV");
        CHECK(got_addr == p + 3 * PG, "si_addr is the non-executable code address");
    }
    CHECK_ERR(mprotect(p + 3 * PG, PG, PROT_READ | PROT_EXEC) == 0, "mprotect fourth page read+exec");
    ((fn_t)(void *)(p + 3 * PG))();
    t_pass("call into a read+exec page returns");

    /* 5: handler on an alternate signal stack */
    {
        static unsigned char altstack[64 * 1024];
        stack_t ss;
        ss.ss_sp = altstack;
        ss.ss_size = sizeof(altstack);
        ss.ss_flags = 0;
        CHECK_ERR(sigaltstack(&ss, NULL) == 0, "sigaltstack set");
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        CHECK_ERR(sigaction(SIGSEGV, &sa, NULL) == 0, "install SIGSEGV handler with SA_ONSTACK");
        reset();
        if (sigsetjmp(jb, 1) == 0) {
            ((volatile unsigned char *)p)[2 * PG] = 1;
            t_fail("no signal", "fault with SA_ONSTACK raises SIGSEGV");
        } else {
            CHECK(got_sig == SIGSEGV, "fault with SA_ONSTACK raises SIGSEGV");
            CHECK(handler_stack_addr >= (uintptr_t)altstack &&
                      handler_stack_addr < (uintptr_t)altstack + sizeof(altstack),
                  "handler ran on the alternate stack");
        }
    }

    /* 6: addresses no program owns: low memory below a non-PIE binary's 4 MiB load address
     * (where an older unikernel kept itself) and the top 2 GiB (where kernels are linked).
     * Both are SIGSEGV with SEGV_MAPERR and the address, as for any unmapped page. */
    {
        static const unsigned long addrs[] = { 0x200000ul, 0x100000ul, 0xffffffff80000000ul, 0xffffffff80101000ul };
        static const char *names[] = { "0x200000", "0x100000", "0xffffffff80000000", "0xffffffff80101000" };
        for (unsigned i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
            char what[96];
            reset();
            snprintf(what, sizeof what, "read of %s raises SIGSEGV", names[i]);
            if (sigsetjmp(jb, 1) == 0) {
                sink = *(volatile unsigned char *)addrs[i];
                (void)sink;
                t_fail("no signal", what);
            } else {
                CHECK(got_sig == SIGSEGV, what);
                snprintf(what, sizeof what, "si_code is SEGV_MAPERR for %s", names[i]);
                CHECK(got_code == SEGV_MAPERR, what);
                snprintf(what, sizeof what, "si_addr is %s", names[i]);
                CHECK(got_addr == (void *)addrs[i], what);
            }
        }
        reset();
        if (sigsetjmp(jb, 1) == 0) {
            *(volatile unsigned char *)0xffffffff80101000ul = 1;
            t_fail("no signal", "write to the kernel half raises SIGSEGV");
        } else {
            CHECK(got_sig == SIGSEGV, "write to the kernel half raises SIGSEGV");
        }
    }
    /* ... and low memory is the program's to map (above mmap_min_addr). */
    {
        unsigned char *low = mmap((void *)0x200000ul, PG, PROT_READ | PROT_WRITE,
                                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        CHECK(low == (unsigned char *)0x200000ul, "mmap at 0x200000 with MAP_FIXED_NOREPLACE");
        if (low == (unsigned char *)0x200000ul) {
            low[5] = 0x5a;
            CHECK(*(volatile unsigned char *)0x200005ul == 0x5a, "the page at 0x200000 is usable");
            CHECK(munmap(low, PG) == 0, "munmap 0x200000");
        }
    }

    munmap(p, 2 * PG);
    munmap(p + 3 * PG, PG);
    return t_done();
}
