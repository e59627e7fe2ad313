/* ptrace: a tracer and its tracees. Stops at signals (suppressed, passed, replaced), syscall
 * entry and exit (number, arguments, result changed, a call skipped), exec, exit and fork events,
 * a breakpoint planted in read-only code, single steps, registers, memory, PTRACE_ATTACH,
 * PTRACE_SEIZE and PTRACE_INTERRUPT, PTRACE_KILL, and the error cases. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define R_TRACEME 0
#define R_PEEKDATA 2
#define R_PEEKUSER 3
#define R_POKETEXT 4
#define R_POKEUSER 6
#define R_CONT 7
#define R_KILL 8
#define R_SINGLESTEP 9
#define R_GETREGS 12
#define R_SETREGS 13
#define R_GETFPREGS 14
#define R_ATTACH 16
#define R_DETACH 17
#define R_SYSCALL 24
#define R_SETOPTIONS 0x4200
#define R_GETEVENTMSG 0x4201
#define R_GETSIGINFO 0x4202
#define R_GETREGSET 0x4204
#define R_SEIZE 0x4206
#define R_INTERRUPT 0x4207
#define R_GET_SYSCALL_INFO 0x420e
#define OPT_SYSGOOD 1
#define OPT_FORK 2
#define OPT_EXEC 0x10
#define OPT_EXIT 0x40
#define EV_FORK 1
#define EV_EXEC 4
#define EV_EXIT 6
#define EV_STOP 128

struct syscall_info {
    uint8_t op, pad[3];
    uint32_t arch;
    uint64_t ip, sp;
    union {
        struct { uint64_t nr, args[6]; } entry;
        struct { int64_t rval; uint8_t is_error; } exit;
    };
};

static long pt(long req, pid_t pid, unsigned long addr, unsigned long data)
{
    return syscall(SYS_ptrace, req, pid, addr, data);
}

#define SHOW(w, e) do { errno = 0; long r_ = (long)(e); printf("%s: %ld errno %d\n", w, r_ < 0 ? -1L : r_, r_ < 0 ? errno : 0); } while (0)

static void describe(const char *what, int st)
{
    if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st)) printf("%s: killed by %d\n", what, WTERMSIG(st));
    else if (WIFSTOPPED(st)) printf("%s: stopped %d event %d\n", what, WSTOPSIG(st) & 0x7f, st >> 16);
    else printf("%s: status %x\n", what, st);
}

static int wait_for(pid_t pid, const char *what)
{
    int st = 0;
    if (waitpid(pid, &st, __WALL) != pid) { printf("%s: waitpid failed errno %d\n", what, errno); exit(1); }
    describe(what, st);
    return st;
}

volatile long g_word = 1111;
static volatile int g_usr1;
static void on_usr1(int s) { (void)s; g_usr1++; }

__attribute__((noinline)) static int breakpoint_target(int x) { return x * 3 + 1; }

/* ---- 1: TRACEME, signals, memory, registers ---------------------------------------------- */
static void child_signals(void)
{
    pt(R_TRACEME, 0, 0, 0);
    raise(SIGSTOP);
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);                          /* suppressed by the tracer */
    raise(SIGUSR1);                          /* passed on */
    raise(SIGUSR2);                          /* replaced by SIGUSR1 */
    _exit(g_usr1 * 10 + (g_word == 2222 ? 1 : 0));
}

static void test_signals(void)
{
    pid_t c = fork();
    if (c == 0) child_signals();
    wait_for(c, "traceme child");
    siginfo_t si;
    memset(&si, 0, sizeof si);
    SHOW("getsiginfo", pt(R_GETSIGINFO, c, 0, (unsigned long)&si));
    printf("siginfo signo %d code %d pid is the child %s\n", si.si_signo, si.si_code, si.si_pid == c ? "yes" : "no");
    errno = 0;
    long w = ptrace(PTRACE_PEEKDATA, c, (void *)&g_word, 0);
    printf("peekdata: %ld errno %d\n", w, errno);
    SHOW("pokedata", pt(5, c, (unsigned long)&g_word, 2222));
    errno = 0;
    w = ptrace(PTRACE_PEEKDATA, c, (void *)&g_word, 0);
    printf("peekdata after poke: %ld, ours still %ld\n", w, g_word);
    struct user_regs_struct regs;
    SHOW("getregs", pt(R_GETREGS, c, 0, (unsigned long)&regs));
    printf("orig_rax is tgkill: %s, rax %lld, cs %llx, ss %llx\n", regs.orig_rax == SYS_tgkill ? "yes" : "no",
           (long long)regs.rax, (unsigned long long)regs.cs, (unsigned long long)regs.ss);
    errno = 0;
    long rip = ptrace(PTRACE_PEEKUSER, c, (void *)offsetof(struct user_regs_struct, rip), 0);
    printf("peekuser rip matches getregs: %s\n", rip == (long)regs.rip ? "yes" : "no");
    struct iovec iov = { &regs, sizeof regs };
    SHOW("getregset prstatus", pt(R_GETREGSET, c, 1, (unsigned long)&iov));
    printf("regset length %zu\n", iov.iov_len);
    struct user_fpregs_struct fp;
    SHOW("getfpregs", pt(R_GETFPREGS, c, 0, (unsigned long)&fp));
    iov.iov_len = sizeof regs;
    SHOW("getregset bad type", pt(R_GETREGSET, c, 0x999, (unsigned long)&iov));
    SHOW("peekuser unaligned", pt(R_PEEKUSER, c, 3, (unsigned long)&w));
    SHOW("peekdata bad address", pt(R_PEEKDATA, c, 8, (unsigned long)&w));
    SHOW("unknown request", pt(0x7777, c, 0, 0));
    SHOW("setoptions bad", pt(R_SETOPTIONS, c, 0, 0x80000000UL));

    char path[64], line[128];
    snprintf(path, sizeof path, "/proc/%d/status", (int)c);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f)) {
        int v;
        if (sscanf(line, "TracerPid: %d", &v) == 1) printf("TracerPid is us: %s\n", v == getpid() ? "yes" : "no");
        if (strncmp(line, "State:", 6) == 0) printf("%s", line);
    }
    if (f) fclose(f);

    SHOW("cont", pt(R_CONT, c, 0, 0));       /* SIGSTOP suppressed */
    wait_for(c, "first SIGUSR1");
    SHOW("cont suppressing", pt(R_CONT, c, 0, 0));
    wait_for(c, "second SIGUSR1");
    SHOW("cont passing", pt(R_CONT, c, 0, SIGUSR1));
    wait_for(c, "SIGUSR2");
    SHOW("cont replacing with SIGUSR1", pt(R_CONT, c, 0, SIGUSR1));
    wait_for(c, "end (handler runs x 10 + poked word)");
    SHOW("ptrace on the reaped child", pt(R_CONT, c, 0, 0));
}

/* ---- 2: syscall stops ---------------------------------------------------------------------- */
static void child_syscalls(void)
{
    pt(R_TRACEME, 0, 0, 0);
    raise(SIGSTOP);
    long a = syscall(SYS_getppid);           /* the tracer makes it 4242 */
    errno = 0;
    long b = syscall(SYS_getuid);            /* skipped: -ENOSYS */
    int e = errno;
    long c = syscall(SYS_getpgid, 12345);    /* argument changed to 0: our group */
    char msg[128];
    int n = snprintf(msg, sizeof msg, "child: getppid %ld, getuid %ld errno %d, getpgid is ours %s\n", a, b, e, c == getpgrp() ? "yes" : "no");
    (void)!write(1, msg, n);
    _exit(0);
}

static void test_syscalls(void)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) child_syscalls();
    wait_for(c, "syscall child");
    SHOW("setoptions sysgood", pt(R_SETOPTIONS, c, 0, OPT_SYSGOOD));
    int entries = 0, exits = 0, seen_getppid = 0, seen_uid = 0, seen_pgid = 0, exit_sysgood = 1;
    for (;;) {
        if (pt(R_SYSCALL, c, 0, 0) != 0) { printf("PTRACE_SYSCALL failed errno %d\n", errno); break; }
        int st;
        if (waitpid(c, &st, __WALL) != c) break;
        if (!WIFSTOPPED(st)) { describe("syscall child end", st); break; }
        if (WSTOPSIG(st) != (SIGTRAP | 0x80)) { exit_sysgood = 0; continue; }
        struct syscall_info info;
        memset(&info, 0, sizeof info);
        long size = pt(R_GET_SYSCALL_INFO, c, sizeof info, (unsigned long)&info);
        struct user_regs_struct regs;
        pt(R_GETREGS, c, 0, (unsigned long)&regs);
        if (info.op == 1) {
            entries++;
            if (size != 80 || info.arch != 0xC000003E || info.entry.nr != regs.orig_rax || (long long)regs.rax != -ENOSYS) exit_sysgood = 0;
            if (info.entry.nr == SYS_getuid && !seen_uid) {
                seen_uid = 1;
                regs.orig_rax = -1;              /* skip it */
                pt(R_SETREGS, c, 0, (unsigned long)&regs);
            }
            if (info.entry.nr == SYS_getpgid && !seen_pgid && info.entry.args[0] == 12345) {
                seen_pgid = 1;
                regs.rdi = 0;
                pt(R_SETREGS, c, 0, (unsigned long)&regs);
            }
        } else if (info.op == 2) {
            exits++;
            if (size != 33) exit_sysgood = 0;
            if (regs.orig_rax == SYS_getppid && !seen_getppid) {
                seen_getppid = 1;
                printf("getppid exit: result is us %s, is_error %d\n", info.exit.rval == getpid() ? "yes" : "no", info.exit.is_error);
                regs.rax = 4242;
                pt(R_SETREGS, c, 0, (unsigned long)&regs);
            }
            if (regs.orig_rax == (unsigned long long)-1 && seen_uid == 1) {
                seen_uid = 2;
                printf("skipped call exit: rval %lld is_error %d\n", (long long)info.exit.rval, info.exit.is_error);
            }
        }
    }
    printf("entry and exit stops seen: %s, sizes and arch right: %s, getppid %d getuid %d getpgid %d\n",
           entries > 3 && exits >= entries - 1 ? "yes" : "no", exit_sysgood ? "yes" : "no", seen_getppid, seen_uid, seen_pgid);
}

/* ---- 3: exec and exit events, fork event and the grandchild ---------------------------------- */
static void test_events(const char *self)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        pt(R_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        pid_t g = fork();
        if (g == 0) _exit(3);
        int st;
        waitpid(g, &st, 0);
        execl(self, self, "exit7", (char *)NULL);
        _exit(99);
    }
    wait_for(c, "events child");
    SHOW("setoptions fork|exec|exit", pt(R_SETOPTIONS, c, 0, OPT_FORK | OPT_EXEC | OPT_EXIT));
    pt(R_CONT, c, 0, 0);
    wait_for(c, "fork event");
    unsigned long msg = 0;
    pt(R_GETEVENTMSG, c, 0, (unsigned long)&msg);
    pid_t g = (pid_t)msg;
    printf("event message is a new pid: %s\n", g > c ? "yes" : "no");
    wait_for(g, "grandchild (auto-attached)");
    pt(R_CONT, g, 0, 0);
    wait_for(g, "grandchild exit event");
    pt(R_CONT, g, 0, 0);
    wait_for(g, "grandchild seen by its tracer");
    pt(R_CONT, c, 0, 0);
    wait_for(c, "SIGCHLD of the grandchild (ignored, still seen)");
    pt(R_CONT, c, 0, 0);
    wait_for(c, "exec event");
    msg = 0;
    pt(R_GETEVENTMSG, c, 0, (unsigned long)&msg);
    printf("exec event message is the child: %s\n", (pid_t)msg == c ? "yes" : "no");
    pt(R_CONT, c, 0, 0);
    wait_for(c, "exit event");
    msg = 0;
    pt(R_GETEVENTMSG, c, 0, (unsigned long)&msg);
    printf("exit event message: %lx\n", msg);
    pt(R_CONT, c, 0, 0);
    wait_for(c, "events child end");
}

/* ---- 4: a breakpoint in read-only code, single steps ------------------------------------------ */
static void child_breakpoint(void)
{
    pt(R_TRACEME, 0, 0, 0);
    raise(SIGSTOP);
    int r = breakpoint_target(4);
    __asm__ volatile("int3\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop" ::: "memory");
    _exit(r);
}

static void test_breakpoint(void)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) child_breakpoint();
    wait_for(c, "breakpoint child");
    unsigned long addr = (unsigned long)&breakpoint_target;
    errno = 0;
    long orig = ptrace(PTRACE_PEEKTEXT, c, (void *)addr, 0);
    printf("peektext is our code: %s\n", orig == *(long *)addr ? "yes" : "no");
    long patched = (orig & ~0xFFL) | 0xCC;
    SHOW("poketext int3 into read-only code", pt(R_POKETEXT, c, addr, patched));
    printf("our own code unchanged: %s\n", *(long *)addr == orig ? "yes" : "no");
    pt(R_CONT, c, 0, 0);
    wait_for(c, "breakpoint");
    struct user_regs_struct regs;
    pt(R_GETREGS, c, 0, (unsigned long)&regs);
    printf("stopped just after the breakpoint: %s\n", regs.rip == addr + 1 ? "yes" : "no");
    siginfo_t si;
    pt(R_GETSIGINFO, c, 0, (unsigned long)&si);
    printf("breakpoint siginfo signo %d code %d\n", si.si_signo, si.si_code);
    SHOW("poketext restore", pt(R_POKETEXT, c, addr, orig));
    regs.rip = addr;
    SHOW("setregs rip back", pt(R_SETREGS, c, 0, (unsigned long)&regs));
    pt(R_CONT, c, 0, 0);                     /* the SIGTRAP is not delivered */
    wait_for(c, "inline int3");
    pt(R_GETREGS, c, 0, (unsigned long)&regs);
    unsigned long long at = regs.rip;
    for (int i = 1; i <= 3; i++) {
        pt(R_SINGLESTEP, c, 0, 0);
        int st;
        waitpid(c, &st, __WALL);
        pt(R_GETREGS, c, 0, (unsigned long)&regs);
        pt(R_GETSIGINFO, c, 0, (unsigned long)&si);
        printf("step %d: stopped %d, rip advanced %lld, code %d, trap flag %s\n", i, WIFSTOPPED(st) ? WSTOPSIG(st) : -1,
               (long long)(regs.rip - at), si.si_code, (regs.eflags & 0x100) ? "set" : "clear");
    }
    pt(R_CONT, c, 0, 0);
    wait_for(c, "breakpoint child end (4*3+1)");
}

/* ---- 5: attach, seize, interrupt, detach, kill ------------------------------------------------- */
static void test_attach(void)
{
    fflush(stdout);
    int p[2];
    if (pipe(p)) return;
    pid_t c = fork();
    if (c == 0) {
        close(p[1]);
        char ch;
        for (;;) {                           /* sleeps in read until the pipe closes */
            ssize_t n = read(p[0], &ch, 1);
            if (n == 0 || (n < 0 && errno != EINTR)) break;
        }
        _exit(5);
    }
    close(p[0]);
    SHOW("attach self", pt(R_ATTACH, getpid(), 0, 0));
    SHOW("cont before attach", pt(R_CONT, c, 0, 0));
    SHOW("attach", pt(R_ATTACH, c, 0, 0));
    wait_for(c, "attached child");
    SHOW("attach twice", pt(R_ATTACH, c, 0, 0));
    SHOW("detach", pt(R_DETACH, c, 0, 0));
    SHOW("cont after detach", pt(R_CONT, c, 0, 0));
    SHOW("seize", pt(R_SEIZE, c, 0, 0));
    SHOW("interrupt", pt(R_INTERRUPT, c, 0, 0));
    wait_for(c, "interrupted child");
    SHOW("cont", pt(R_CONT, c, 0, 0));
    (void)!write(p[1], "x", 1);
    close(p[1]);
    wait_for(c, "seized child end");

    c = fork();
    if (c == 0) { pt(R_TRACEME, 0, 0, 0); SHOW("traceme twice", pt(R_TRACEME, 0, 0, 0)); raise(SIGSTOP); for (;;) pause(); }
    wait_for(c, "child to kill");
    SHOW("kill", pt(R_KILL, c, 0, 0));
    wait_for(c, "killed child");
}

/* ---- 6: /proc/PID/mem --------------------------------------------------------------------- */
static void test_procmem(void)
{
    fflush(stdout);
    char path[64];
    int fd = open("/proc/self/mem", O_RDWR);
    long v = 0;
    g_word = 5555;
    ssize_t r = pread(fd, &v, sizeof v, (off_t)(uintptr_t)&g_word);
    printf("own mem pread: %zd, value %ld\n", r, v);
    v = 6666;
    r = pwrite(fd, &v, sizeof v, (off_t)(uintptr_t)&g_word);
    printf("own mem pwrite: %zd, now %ld\n", r, g_word);
    errno = 0;
    r = pread(fd, &v, sizeof v, 4096);
    printf("unmapped address: %zd errno %d\n", r, errno);
    close(fd);
    pid_t c = fork();
    if (c == 0) { pt(R_TRACEME, 0, 0, 0); raise(SIGSTOP); _exit(breakpoint_target(1)); }
    wait_for(c, "mem child");
    snprintf(path, sizeof path, "/proc/%d/mem", (int)c);
    fd = open(path, O_RDWR);
    printf("child mem open: %s\n", fd >= 0 ? "yes" : "no");
    r = pread(fd, &v, sizeof v, (off_t)(uintptr_t)&g_word);
    printf("child mem pread of a word: %zd, value %ld\n", r, v);
    unsigned char code[4], want[4];
    memcpy(want, (void *)&breakpoint_target, 4);
    printf("child code read matches: %s\n", pread(fd, code, 4, (off_t)(uintptr_t)&breakpoint_target) == 4 && memcmp(code, want, 4) == 0 ? "yes" : "no");
    unsigned char int3 = 0xCC;
    printf("write int3 into the child's read-only code: %zd\n", pwrite(fd, &int3, 1, (off_t)(uintptr_t)&breakpoint_target));
    close(fd);
    pt(R_CONT, c, 0, 0);
    wait_for(c, "child at the planted breakpoint");
    pt(R_KILL, c, 0, 0);
    wait_for(c, "mem child end");
    fd = open("/proc/self/mem", O_RDONLY);
    errno = 0;
    void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("mmap of /proc/self/mem: %s errno %d\n", m == MAP_FAILED ? "refused" : "mapped", errno);
    close(fd);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exit7") == 0) exit(7);
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_signals();
    test_syscalls();
    test_events("/proc/self/exe");
    test_breakpoint();
    test_attach();
    test_procmem();
    return 0;
}
