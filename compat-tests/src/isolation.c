/* Isolation probes: what a program must not be able to do to the kernel it shares an address space
 * with. Each probe reports the signal it got (number and si_code) or how its child ended:
 * reading, writing or jumping into the kernel half; privileged instructions (cli, hlt, port I/O,
 * MSRs, control registers, descriptor tables); `int N` for every vector whose gate is the
 * kernel's; signal frames pushed onto a stack pointer or an alternate stack in the kernel half;
 * rt_sigreturn handing back a kernel code or stack segment, raised I/O privilege, a non-canonical
 * or kernel instruction pointer; FS/GS bases in the kernel half; /proc/self/mem and
 * process_vm_readv aimed at kernel addresses; writes to the vDSO and to program text; execution
 * of data (NX). */
#include "compat.h"
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#define KDIRECT 0xffff800000001000UL   /* Linux's direct map starts here; ours too */
#define KIMAGE  0xffffffff80101000UL   /* a higher-half kernel image */
#define NONCANON 0x0000800000000000UL

static sigjmp_buf jb;
static volatile int got_sig, got_code;

static void catcher(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    siglongjmp(jb, 1);
}

static void catch_all(void)
{
    struct sigaction sa = { 0 };
    sa.sa_sigaction = catcher;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, 0);
    sigaction(SIGBUS, &sa, 0);
    sigaction(SIGILL, &sa, 0);
    sigaction(SIGTRAP, &sa, 0);
    sigaction(SIGFPE, &sa, 0);
}

static const char *signame(int s)
{
    switch (s) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case 0: return "no signal";
    default: return "another signal";
    }
}

/* Runs code (bytes then a ret) from an executable page and reports what happened. */
static unsigned char *code;

static void run_code(const char *what, const unsigned char *bytes, size_t n)
{
    memcpy(code, bytes, n);
    code[n] = 0xc3;
    __builtin___clear_cache((char *)code, (char *)code + n + 1);
    got_sig = 0;
    if (!sigsetjmp(jb, 1))
        ((void (*)(void))code)();
    printf("%s: %s", what, signame(got_sig));
    if (got_sig) printf(" code %d", got_code);
    printf("\n");
}

static void probe_read(const char *what, uintptr_t addr, int write)
{
    got_sig = 0;
    if (!sigsetjmp(jb, 1)) {
        if (write) *(volatile char *)addr = 1;
        else (void)*(volatile char *)addr;
    }
    printf("%s %s: %s", write ? "write to" : "read of", what, signame(got_sig));
    if (got_sig) printf(" code %d", got_code);
    printf("\n");
}

/* Runs fn in a child and says how the child ended. */
static void in_child(const char *what, void (*fn)(void))
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE };
        for (unsigned i = 0; i < 5; i++) signal(sigs[i], SIG_DFL);   /* no jumping back into main */
        fn();
        _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
    if (WIFSIGNALED(st)) printf("%s: killed by %s\n", what, signame(WTERMSIG(st)));
    else printf("%s: exit %d\n", what, WEXITSTATUS(st));
}

/* A signal pushed while the stack pointer is in the kernel half: the frame cannot be written, so
 * the kernel kills the program with SIGSEGV (it must not write the frame there). */
static void usr1_handler(int s) { (void)s; _exit(42); }

static void bad_stack_signal(void)
{
    signal(SIGUSR1, usr1_handler);
    long pid = getpid();
    /* kill(getpid(), SIGUSR1) with rsp in the kernel half: the signal is delivered on the way back */
    __asm__ volatile(
        "mov %%rsp, %%r12\n"
        "mov %[k], %%rsp\n"
        "mov $62, %%eax\n"          /* SYS_kill */
        "mov %[pid], %%rdi\n"
        "mov $10, %%esi\n"          /* SIGUSR1 */
        "syscall\n"
        "mov %%r12, %%rsp\n"
        :: [k] "r"(KDIRECT + 0x100000), [pid] "r"(pid) : "rax", "rdi", "rsi", "rcx", "r11", "r12", "memory");
}

static void bad_stack_signal_image(void)
{
    signal(SIGUSR1, usr1_handler);
    long pid = getpid();
    __asm__ volatile(
        "mov %%rsp, %%r12\n"
        "mov %[k], %%rsp\n"
        "mov $62, %%eax\n"
        "mov %[pid], %%rdi\n"
        "mov $10, %%esi\n"
        "syscall\n"
        "mov %%r12, %%rsp\n"
        :: [k] "r"(KIMAGE + 0x10000), [pid] "r"(pid) : "rax", "rdi", "rsi", "rcx", "r11", "r12", "memory");
}

static void bad_altstack_signal(void)
{
    stack_t ss = { .ss_sp = (void *)KDIRECT, .ss_size = 65536, .ss_flags = 0 };
    if (sigaltstack(&ss, 0)) _exit(10);
    struct sigaction sa = { 0 };
    sa.sa_handler = usr1_handler;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, 0);
    raise(SIGUSR1);
}

/* rt_sigreturn with rsp in the kernel half: the frame would be read from kernel memory */
static void sigreturn_kernel_frame(void)
{
    __asm__ volatile(
        "mov %[k], %%rsp\n"
        "mov $15, %%eax\n"          /* SYS_rt_sigreturn */
        "syscall\n"
        "ud2\n"
        :: [k] "r"(KDIRECT + 0x2000) : "memory");
}

static void set_fs_kernel(void) { _exit(syscall(SYS_arch_prctl, ARCH_SET_FS, KDIRECT) < 0 ? errno : 100); }
static void set_gs_noncanon(void) { _exit(syscall(SYS_arch_prctl, ARCH_SET_GS, NONCANON) < 0 ? errno : 100); }

/* Signal handlers that edit the context they return to. */
static int edit;

static void editor(int s, siginfo_t *si, void *p)
{
    (void)s; (void)si;
    ucontext_t *uc = p;
    greg_t *g = uc->uc_mcontext.gregs;
    switch (edit) {
    case 1: g[REG_RIP] = NONCANON; break;
    case 2: g[REG_RIP] = KIMAGE; break;
    case 3: g[REG_RIP] = KDIRECT; break;
    case 4: g[REG_CSGSFS] = (g[REG_CSGSFS] & ~0xffffL) | 0x08; break;   /* kernel code segment */
    case 5: g[REG_CSGSFS] = (g[REG_CSGSFS] & ~(0xffffL << 48)) | (0x10L << 48); break;  /* kernel stack segment */
    case 6: g[REG_EFL] |= 0x3000; break;                               /* IOPL 3 */
    case 7: g[REG_EFL] |= 0x20000; break;                              /* VM8086 */
    case 8: g[REG_RSP] = KDIRECT + 0x1000; break;
    }
}

static void edited_return(void)
{
    struct sigaction sa = { 0 };
    sa.sa_sigaction = editor;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, 0);
    raise(SIGUSR1);
    /* still here: the edit was refused or masked; a privileged instruction shows whether IOPL rose */
    if (edit == 6) __asm__ volatile("cli; sti");
    volatile char stack_probe[64];
    stack_probe[0] = 1;
    (void)stack_probe;
    _exit(7);
}

#define EDIT(n, what) do { edit = n; in_child(what, edited_return); } while (0)

int main(void)
{
    code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    catch_all();

    probe_read("the kernel's direct map", KDIRECT, 0);
    probe_read("the kernel's direct map", KDIRECT, 1);
    probe_read("the higher-half image", KIMAGE, 0);
    probe_read("the higher-half image", KIMAGE, 1);
    probe_read("1 MiB", 0x100000, 0);
    probe_read("1 MiB", 0x100000, 1);
    probe_read("a non-canonical address", NONCANON, 0);
    probe_read("the top page", 0xfffffffffffff000UL, 0);

    uintptr_t vdso = getauxval(AT_SYSINFO_EHDR);
    if (vdso) probe_read("the vDSO", vdso, 1);
    probe_read("the program's text", (uintptr_t)&main, 1);

    struct { const char *what; unsigned char b[8]; size_t n; } ins[] = {
        { "cli", { 0xfa }, 1 },
        { "sti", { 0xfb }, 1 },
        { "hlt", { 0xf4 }, 1 },
        { "in al, 0x80", { 0xe4, 0x80 }, 2 },
        { "out 0xf4, al (isa-debug-exit)", { 0xe6, 0xf4 }, 2 },
        { "out dx, al to 0xcf8 (PCI)", { 0x66, 0xba, 0xf8, 0x0c, 0xee }, 5 },
        { "rdmsr", { 0x31, 0xc9, 0x0f, 0x32 }, 4 },
        { "wrmsr", { 0x31, 0xc9, 0x0f, 0x30 }, 4 },
        { "mov rax, cr3", { 0x0f, 0x20, 0xd8 }, 3 },
        { "mov cr3, rax", { 0x31, 0xc0, 0x0f, 0x22, 0xd8 }, 5 },
        { "mov rax, cr0", { 0x0f, 0x20, 0xc0 }, 3 },
        { "lgdt [rsp]", { 0x0f, 0x01, 0x14, 0x24 }, 4 },
        { "lidt [rsp]", { 0x0f, 0x01, 0x1c, 0x24 }, 4 },
        { "invlpg [rsp]", { 0x0f, 0x01, 0x3c, 0x24 }, 4 },
        { "wbinvd", { 0x0f, 0x09 }, 2 },
        { "swapgs", { 0x0f, 0x01, 0xf8 }, 3 },
        { "sysret", { 0x48, 0x0f, 0x07 }, 3 },
        { "ud2", { 0x0f, 0x0b }, 2 },
    };
    for (unsigned i = 0; i < sizeof ins / sizeof ins[0]; i++)
        if (ins[i].n) run_code(ins[i].what, ins[i].b, ins[i].n);

    /* int N: only 3 (int3) and the legacy 0x80 are open to user mode on Linux; 4 (into) is too but
     * reports SIGSEGV. Every other vector must be refused (#GP), whatever the kernel uses it for. */
    int refused = 0, other = 0;
    for (int v = 0; v < 256; v++) {
        if (v == 3 || v == 4 || v == 0x80) continue;
        unsigned char b[2] = { 0xcd, (unsigned char)v };
        got_sig = 0;
        memcpy(code, b, 2);
        code[2] = 0xc3;
        if (!sigsetjmp(jb, 1)) ((void (*)(void))code)();
        if (got_sig == SIGSEGV && got_code == 128) refused++;
        else { other++; printf("int 0x%x: %s code %d\n", v, signame(got_sig), got_code); }
    }
    printf("int N refused for %d vectors, other outcomes %d\n", refused, other);
    run_code("int3", (unsigned char[]){ 0xcc }, 1);

    /* pointers into the kernel half through the calls that take a remote address */
    int mem = open("/proc/self/mem", O_RDWR);
    char buf[16] = { 0 };
    errno = 0;
    long r = pread(mem, buf, sizeof buf, (off_t)KDIRECT);
    printf("/proc/self/mem read of the direct map: %ld errno %d\n", r, r < 0 ? errno : 0);
    errno = 0;
    r = pwrite(mem, buf, sizeof buf, (off_t)KDIRECT);
    printf("/proc/self/mem write to the direct map: %ld errno %d\n", r, r < 0 ? errno : 0);
    errno = 0;
    r = pwrite(mem, buf, sizeof buf, (off_t)KIMAGE);
    printf("/proc/self/mem write to the higher-half image: %ld errno %d\n", r, r < 0 ? errno : 0);
    close(mem);
    struct iovec local = { buf, sizeof buf }, remote = { (void *)KDIRECT, sizeof buf };
    errno = 0;
    r = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
    printf("process_vm_readv from the direct map: %ld errno %d\n", r, r < 0 ? errno : 0);
    errno = 0;
    r = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
    printf("process_vm_writev to the direct map: %ld errno %d\n", r, r < 0 ? errno : 0);

    /* segment bases (in children: a base that took would break their TLS) */
    in_child("ARCH_SET_FS to the kernel half (exit = errno)", set_fs_kernel);
    in_child("ARCH_SET_GS non-canonical (exit = errno)", set_gs_noncanon);

    /* execution of data and of the kernel */
    unsigned char *data = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    data[0] = 0xc3;
    got_sig = 0;
    if (!sigsetjmp(jb, 1)) ((void (*)(void))data)();
    printf("call into a read-write page: %s code %d\n", signame(got_sig), got_sig ? got_code : 0);
    got_sig = 0;
    if (!sigsetjmp(jb, 1)) ((void (*)(void))KIMAGE)();
    printf("call into the higher-half image: %s code %d\n", signame(got_sig), got_sig ? got_code : 0);

    /* signal frames and rt_sigreturn */
    in_child("signal with the stack pointer in the direct map", bad_stack_signal);
    in_child("signal with the stack pointer in the higher-half image", bad_stack_signal_image);
    in_child("signal on an alternate stack in the kernel half", bad_altstack_signal);
    in_child("rt_sigreturn of a frame in the kernel half", sigreturn_kernel_frame);
    EDIT(1, "sigreturn to a non-canonical rip");
    EDIT(2, "sigreturn to a rip in the higher-half image");
    EDIT(3, "sigreturn to a rip in the direct map");
    EDIT(4, "sigreturn with the kernel's code segment");
    EDIT(5, "sigreturn with the kernel's stack segment");
    EDIT(6, "sigreturn raising IOPL to 3, then cli");
    EDIT(7, "sigreturn setting the VM flag");
    EDIT(8, "sigreturn to a stack in the direct map");

    printf("still alive\n");
    return 0;
}
