/* What each processor exception gives a program, as Linux's traps: the signal, si_code and
 * si_addr of an integer divide error, an invalid opcode, int3, a privileged instruction, a single
 * step requested by setting TF in a signal frame, and a page fault on an unmapped and a read-only
 * page. Not here: unmasked SSE/x87 exceptions and alignment checks (AC), which QEMU's TCG never
 * raises (a Linux guest under TCG gets no signal either). */
#include "compat.h"
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf jb;
static volatile int got_sig, got_code;
static volatile uintptr_t got_addr;

static void catcher(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = (uintptr_t)si->si_addr;
    siglongjmp(jb, 1);
}

static void report(const char *what, uintptr_t want_addr, int addr_known)
{
    printf("%s: signal %d code %d", what, got_sig, got_code);
    if (addr_known) printf(" address %s", got_addr == want_addr ? "right" : "wrong");
    printf("\n");
}

extern char div_at[], ud2_at[], hlt_at[], int3_at[];

/* Each probe is its own function so that a longjmp out of it leaves nothing half done. */
static __attribute__((noinline)) void divide(void)
{
    __asm__ volatile("xor %%ecx, %%ecx\n mov $1, %%eax\n cdq\ndiv_at: idiv %%ecx" ::: "eax", "ecx", "edx");
}
static __attribute__((noinline)) void ud2(void) { __asm__ volatile("ud2_at: ud2"); }
static __attribute__((noinline)) void hlt(void) { __asm__ volatile("hlt_at: hlt"); }
static __attribute__((noinline)) void int3(void) { __asm__ volatile("int3_at: int3"); }

static int tf_stage;
static void set_tf(int s, siginfo_t *si, void *p)
{
    (void)s; (void)si;
    ((ucontext_t *)p)->uc_mcontext.gregs[REG_EFL] |= 0x100;
    tf_stage = 1;
}

int main(void)
{
    struct sigaction sa = { 0 };
    sa.sa_sigaction = catcher;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE };
    for (unsigned i = 0; i < 5; i++) sigaction(sigs[i], &sa, 0);

    got_sig = 0;
    if (!sigsetjmp(jb, 1)) divide();
    report("integer divide by zero", (uintptr_t)div_at, 1);

    got_sig = 0;
    if (!sigsetjmp(jb, 1)) ud2();
    report("ud2", (uintptr_t)ud2_at, 1);

    got_sig = 0;
    if (!sigsetjmp(jb, 1)) hlt();
    report("hlt", 0, 1);

    got_sig = 0;
    if (!sigsetjmp(jb, 1)) int3();
    report("int3", 0, 1);

    /* a single step: TF set in the frame of a SIGUSR1 handler traps after the next instruction */
    struct sigaction st = { 0 };
    st.sa_sigaction = set_tf;
    st.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &st, 0);
    got_sig = 0;
    if (!sigsetjmp(jb, 1)) {
        raise(SIGUSR1);
        for (volatile int i = 0; i < 1000; i++) ;
    }
    /* the SIGTRAP frame's flags still had TF; siglongjmp does not restore flags, so clear it */
    __asm__ volatile("pushf\n andq $~0x100, (%%rsp)\n popf" ::: "memory", "cc");
    printf("TF set by a handler: stage %d signal %d code %d\n", tf_stage, got_sig, got_code);

    char *page = mmap(0, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(page + 4096, 4096);
    got_sig = 0;
    if (!sigsetjmp(jb, 1)) *(volatile char *)(page + 4100) = 1;
    report("write to an unmapped page", (uintptr_t)(page + 4100), 1);
    got_sig = 0;
    if (!sigsetjmp(jb, 1)) *(volatile char *)(page + 10) = 1;
    report("write to a read-only page", (uintptr_t)(page + 10), 1);
    return 0;
}
