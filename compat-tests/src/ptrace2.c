/* ptrace, second part: a tracer against job control, syscall restarts, threads and exec, and the
 * tracee's FPU. A signal the tracer suppresses restarts the interrupted call (rax reads
 * -ERESTARTSYS at the signal-delivery-stop); a traced group-stop is a ptrace-stop the tracer sees
 * and ends; PTRACE_ATTACH to a stopped process reports the stop; a zombie cannot be attached;
 * GETFPREGS/SETFPREGS reach the tracee's x87 state, not the tracer's; a non-leader's exec and a
 * leader that ends before its threads are reported as on Linux; a single step from a stop inside
 * a syscall runs one instruction. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static long pt(long req, pid_t pid, unsigned long addr, unsigned long data)
{
    return syscall(SYS_ptrace, req, pid, addr, data);
}

static void describe(const char *what, int st)
{
    if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st)) printf("%s: killed by %d\n", what, WTERMSIG(st));
    else if (WIFSTOPPED(st)) printf("%s: stopped %d event %d\n", what, WSTOPSIG(st) & 0x7f, st >> 16);
    else printf("%s: status %x\n", what, st);
}

/* Waits at most ~3 s (polling), so that a missing report shows as a line, not a hang. */
static int bwait(pid_t pid, const char *what, pid_t *who)
{
    int st = 0;
    for (int i = 0; i < 300; i++) {
        pid_t r = waitpid(pid, &st, __WALL | WNOHANG);
        if (r > 0) { if (who) *who = r; describe(what, st); return st; }
        if (r < 0) { printf("%s: waitpid errno %d\n", what, errno); return -1; }
        usleep(10000);
    }
    printf("%s: nothing reported\n", what);
    return -1;
}

static void nothing_for_a_while(pid_t pid, const char *what)
{
    int st;
    usleep(200000);
    pid_t r = waitpid(pid, &st, __WALL | WNOHANG);
    if (r == 0) printf("%s: nothing reported\n", what);
    else if (r > 0) describe(what, st);
    else printf("%s: errno %d\n", what, errno);
}

static void on_usr1(int s) { (void)s; }

/* ---- 1: a suppressed signal restarts the call it interrupted ---------------------------------- */
static void test_restart(void)
{
    int p[2];
    if (pipe(p)) return;
    pid_t c = fork();
    if (c == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_usr1;                 /* no SA_RESTART: a delivered SIGUSR1 would mean EINTR */
        sigaction(SIGUSR1, &sa, 0);
        pt(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        char ch;
        ssize_t n = read(p[0], &ch, 1);
        printf("child: read %zd errno %d\n", n, n < 0 ? errno : 0);
        _exit(0);
    }
    bwait(c, "restart child", 0);
    pt(PTRACE_CONT, c, 0, 0);
    usleep(100000);                              /* in read */
    kill(c, SIGUSR1);
    bwait(c, "SIGUSR1 interrupts read", 0);
    struct user_regs_struct r;
    pt(PTRACE_GETREGS, c, 0, (unsigned long)&r);
    printf("at the signal-delivery-stop: rax %lld, orig_rax is read %s\n", (long long)r.rax, r.orig_rax == SYS_read ? "yes" : "no");
    pt(PTRACE_CONT, c, 0, 0);                    /* suppressed */
    usleep(100000);
    (void)!write(p[1], "x", 1);
    bwait(c, "restart child end", 0);
    close(p[0]);
    close(p[1]);
}

/* ---- 2: a group-stop of a tracee is a ptrace-stop ------------------------------------------- */
static void test_group_stop(void)
{
    pid_t c = fork();
    if (c == 0) {
        pt(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        raise(SIGSTOP);
        printf("child: resumed\n");
        _exit(4);
    }
    bwait(c, "group-stop child", 0);
    pt(PTRACE_CONT, c, 0, 0);
    bwait(c, "SIGSTOP delivery", 0);
    pt(PTRACE_CONT, c, 0, SIGSTOP);              /* delivered: the process stops */
    int st = bwait(c, "group-stop", 0);
    if (st == -1) { kill(c, SIGKILL); bwait(c, "killed", 0); return; }
    siginfo_t si;
    errno = 0;
    long r = pt(PTRACE_GETSIGINFO, c, 0, (unsigned long)&si);
    printf("getsiginfo at a group-stop: %ld errno %d\n", r, r < 0 ? errno : 0);
    kill(c, SIGCONT);
    nothing_for_a_while(c, "after SIGCONT (still in its ptrace-stop)");
    pt(PTRACE_CONT, c, 0, 0);
    bwait(c, "SIGCONT delivery", 0);
    pt(PTRACE_CONT, c, 0, 0);
    bwait(c, "group-stop child end", 0);
}

/* ---- 3: PTRACE_ATTACH to a stopped process; a zombie ----------------------------------------- */
static void test_attach_stopped(void)
{
    pid_t c = fork();
    if (c == 0) for (;;) pause();
    kill(c, SIGSTOP);
    int st;
    waitpid(c, &st, WUNTRACED);
    describe("stopped by SIGSTOP", st);
    printf("attach: %ld\n", pt(PTRACE_ATTACH, c, 0, 0));
    bwait(c, "attached to a stopped process", 0);
    kill(c, SIGKILL);
    bwait(c, "killed", 0);

    c = fork();
    if (c == 0) _exit(1);
    usleep(100000);
    errno = 0;
    long r = pt(PTRACE_ATTACH, c, 0, 0);
    printf("attach a zombie: %ld errno %d\n", r, r < 0 ? errno : 0);
    errno = 0;
    r = pt(PTRACE_SEIZE, c, 0, 0);
    printf("seize a zombie: %ld errno %d\n", r, r < 0 ? errno : 0);
    waitpid(c, &st, 0);
    describe("zombie reaped", st);
}

/* ---- 4: the tracee's x87 state ----------------------------------------------------------------- */
static unsigned short getcw(void) { unsigned short cw; __asm__ volatile("fnstcw %0" : "=m"(cw)); return cw; }
static void setcw(unsigned short cw) { __asm__ volatile("fldcw %0" ::"m"(cw)); }

static void test_fpregs(void)
{
    pid_t c = fork();
    if (c == 0) {
        setcw(0x27f);
        pt(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        printf("child: control word %x\n", getcw());
        _exit(0);
    }
    bwait(c, "fpregs child", 0);
    struct user_fpregs_struct fp;
    memset(&fp, 0, sizeof fp);
    pt(PTRACE_GETFPREGS, c, 0, (unsigned long)&fp);
    printf("getfpregs: tracee control word %x, ours %x\n", fp.cwd, getcw());
    fp.cwd = 0x7f;
    pt(PTRACE_SETFPREGS, c, 0, (unsigned long)&fp);
    printf("after setfpregs: ours %x\n", getcw());
    pt(PTRACE_CONT, c, 0, 0);
    bwait(c, "fpregs child end", 0);
}

/* ---- 5: exec from a non-leader thread; a leader that ends before its thread ------------------- */
static const char *g_self;
static void *execer(void *a) { (void)a; usleep(100000); execl(g_self, g_self, "image", (char *)NULL); return 0; }
static void *late_exit(void *a) { (void)a; usleep(200000); exit(6); }

static void follow(pid_t c, const char *name, void *(*fn)(void *), int leader_exits)
{
    fflush(stdout);
    pid_t k = fork();
    if (k == 0) {
        pt(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        pthread_t th;
        pthread_create(&th, 0, fn, 0);
        if (leader_exits) syscall(SYS_exit, 0);  /* the leader alone ends (pthread_exit needs libgcc_s) */
        for (;;) pause();
    }
    c = k;
    bwait(c, name, 0);
    pt(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC);
    pt(PTRACE_CONT, c, 0, 0);
    bwait(c, "clone event", 0);
    unsigned long msg = 0;
    pt(PTRACE_GETEVENTMSG, c, 0, (unsigned long)&msg);
    pid_t tid = (pid_t)msg;
    bwait(tid, "new thread", 0);
    pt(PTRACE_CONT, tid, 0, 0);
    pt(PTRACE_CONT, c, 0, 0);
    for (int i = 0; i < 6; i++) {
        pid_t who = 0;
        int st = bwait(-1, "  next", &who);
        if (st == -1) break;
        printf("    from the %s\n", who == c ? "leader" : who == tid ? "thread" : "other");
        if (WIFSTOPPED(st) && (st >> 16) == PTRACE_EVENT_EXEC) {
            pt(PTRACE_GETEVENTMSG, who, 0, (unsigned long)&msg);
            printf("    exec event: former id is the thread's %s\n", (pid_t)msg == tid ? "yes" : "no");
        }
        if (!WIFSTOPPED(st) && who == c) break;
        if (WIFSTOPPED(st)) pt(PTRACE_CONT, who, 0, 0);
    }
}

/* ---- 6: a single step from a stop inside a syscall -------------------------------------------- */
static void test_step_after_syscall(void)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        pt(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        __asm__ volatile("mov $39, %%eax\n\tsyscall\n\tnop\n\tnop\n\tnop" ::: "rax", "rcx", "r11", "memory");
        _exit(0);
    }
    bwait(c, "step child", 0);
    int st;
    struct user_regs_struct r;
    for (int i = 0; i < 20; i++) {               /* to the exit stop of our getpid (raise may make more calls) */
        pt(PTRACE_SYSCALL, c, 0, 0);
        waitpid(c, &st, 0);
        pt(PTRACE_GETREGS, c, 0, (unsigned long)&r);
        if (r.orig_rax == SYS_getpid && (long long)r.rax != -ENOSYS) break;
    }
    printf("at the exit of getpid: orig_rax %lld, rax is the pid %s\n", (long long)r.orig_rax, r.rax == (unsigned long long)c ? "yes" : "no");
    unsigned long long at = r.rip;
    for (int i = 1; i <= 2; i++) {
        pt(PTRACE_SINGLESTEP, c, 0, 0);
        waitpid(c, &st, 0);
        pt(PTRACE_GETREGS, c, 0, (unsigned long)&r);
        printf("step %d: stopped %d, rip advanced %lld\n", i, WIFSTOPPED(st) ? WSTOPSIG(st) : -1, (long long)(r.rip - at));
    }
    pt(PTRACE_CONT, c, 0, 0);
    bwait(c, "step child end", 0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "image") == 0) { printf("new image runs\n"); return 5; }
    g_self = "/proc/self/exe";
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_restart();
    test_group_stop();
    test_attach_stopped();
    test_fpregs();
    follow(0, "exec from a thread", execer, 0);
    follow(0, "leader ends first", late_exit, 1);
    test_step_after_syscall();
    return 0;
}
