/* seccomp: a BPF filter that fails one call with an errno, traps another (SIGSYS with the
 * _sigsys fields), kills on a third and lets the rest through; inherited by fork; strict mode;
 * filters that do not check out; prctl's view of it all. */
#include "compat.h"
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* musl-gcc has no kernel headers: the constants and structures of linux/filter.h, seccomp.h and audit.h. */
struct sock_filter { unsigned short code; unsigned char jt, jf; unsigned int k; };
struct sock_fprog { unsigned short len; struct sock_filter *filter; };
#define BPF_LD 0x00
#define BPF_JMP 0x05
#define BPF_RET 0x06
#define BPF_W 0x00
#define BPF_ABS 0x20
#define BPF_JEQ 0x10
#define BPF_K 0x00
#define BPF_STMT(code, k) { (unsigned short)(code), 0, 0, k }
#define BPF_JUMP(code, k, jt, jf) { (unsigned short)(code), jt, jf, k }
#define SECCOMP_MODE_STRICT 1
#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_GET_ACTION_AVAIL 2
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#define SECCOMP_RET_TRAP 0x00030000U
#define SECCOMP_RET_ERRNO 0x00050000U
#define SECCOMP_RET_ALLOW 0x7fff0000U
#define AUDIT_ARCH_X86_64 0xC000003EU
#define OFFSET_NR 0
#define OFFSET_ARCH 4
#ifndef PR_SET_NO_NEW_PRIVS
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39
#endif

#define SHOW(w, e) do { errno = 0; long r_ = (long)(e); printf("%s: %ld errno %d\n", w, r_, r_ < 0 ? errno : 0); } while (0)

static volatile int trapped, trap_code, trap_syscall, trap_arch_ok, trap_errno;
static void on_sys(int s, siginfo_t *si, void *uc)
{
    (void)s; (void)uc;
    trapped++;
    trap_code = si->si_code;
    trap_syscall = si->si_syscall;
    trap_arch_ok = si->si_arch == AUDIT_ARCH_X86_64;
    trap_errno = si->si_errno;
}

static long install(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFFSET_ARCH),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFFSET_NR),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 13),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getuid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP | 42),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_uname, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { sizeof f / sizeof f[0], f };
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    SHOW("PR_GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    SHOW("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    unsigned int act = SECCOMP_RET_ERRNO;
    SHOW("action ERRNO available", syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act));
    act = 0x12340000;
    SHOW("an unknown action", syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act));
    struct sock_filter bad_jump[] = { BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 5, 0), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
    struct sock_fprog p1 = { 2, bad_jump };
    SHOW("a jump out of the program", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p1));
    struct sock_filter bad_load[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 66), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
    struct sock_fprog p2 = { 2, bad_load };
    SHOW("a load past seccomp_data", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p2));
    struct sock_filter no_ret[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0) };
    struct sock_fprog p3 = { 1, no_ret };
    SHOW("no return at the end", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p3));
    struct sock_fprog p4 = { 0, bad_load };
    SHOW("an empty program", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p4));

    pid_t c = fork();
    if (c == 0) {
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        printf("child: no_new_privs %d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
        printf("child: install %ld\n", install());
        printf("child: PR_GET_SECCOMP %d\n", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
        errno = 0;
        long r = syscall(SYS_getppid);
        printf("child: getppid %ld errno %d\n", r, errno);
        printf("child: getpid allowed %d\n", syscall(SYS_getpid) == getpid());
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_sys;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGSYS, &sa, NULL);
        syscall(SYS_getuid);                   /* its return value: Linux -ENOSYS, gVisor leaves the number */
        printf("child: getuid trapped %d code %d syscall is getuid %d arch %d errno field %d\n",
               trapped, trap_code, trap_syscall == SYS_getuid, trap_arch_ok, trap_errno);
        pid_t g = fork();
        if (g == 0) { errno = 0; long rr = syscall(SYS_getppid); _exit(rr == -1 && errno == 13 ? 7 : 8); }
        int gs;
        waitpid(g, &gs, 0);
        printf("child: grandchild inherits the filter %d\n", WIFEXITED(gs) && WEXITSTATUS(gs) == 7);
        syscall(SYS_uname, NULL);
        printf("child: survived uname\n");
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("parent: child killed by SIGSYS %d\n", WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
    printf("parent: unaffected getppid works %d\n", syscall(SYS_getppid) > 0);

    c = fork();
    if (c == 0) {
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) != 0) _exit(3);
        syscall(SYS_write, 1, "strict: write works\n", 20);
        syscall(SYS_getpid);
        syscall(SYS_write, 1, "strict: survived getpid\n", 24);
        syscall(SYS_exit, 0);
    }
    waitpid(c, &st, 0);
    printf("parent: strict child killed by SIGKILL %d\n", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    return 0;
}
