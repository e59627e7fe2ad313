/* Process and signal calls as the LTP syscall tests probe them (waitid, waitpid, kill, tgkill,
 * setpgid, setsid, getsid, getpgid, getrlimit/setrlimit/prlimit, umask, times, getrusage,
 * personality, prctl, sched_*, getcwd, rt_sigaction, rt_sigprocmask, rt_sigpending,
 * rt_sigtimedwait, rt_sigsuspend, sigaltstack): each line prints the raw result and errno, the
 * native run is the reference. Only what LTP checks and what is the same on every Linux 6.x. */
#include "compat.h"
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

static void show(int line, const char *what, long r, int e)
{
    if (r < 0 && r > -4096) printf("%d %s: -1 errno %d\n", line, what, e);
    else printf("%d %s: %ld\n", line, what, r);
}
#define P(x) do { errno = 0; long r_ = (long)(x); int e_ = errno; show(__LINE__, #x, r_, e_); } while (0)
#define R(x) do { long r_ = (long)(x); show(__LINE__, #x, r_ < 0 ? -1 : r_, r_ < 0 ? (int)-r_ : 0); } while (0)

static long raw(long n, long a, long b, long c, long d)
{
    long r;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return r;
}

static pid_t child_exit(int code)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) _exit(code);
    return c;
}

static pid_t child_pause(void)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) { for (;;) pause(); }
    return c;
}

static void waits(void)
{
    siginfo_t si;
    int st;
    P(waitid(P_ALL, 0, &si, 0));
    P(waitid(P_ALL, 0, &si, WNOHANG));
    P(waitid(P_ALL, 0, &si, WNOHANG | WEXITED));
    P(waitid(7, 0, &si, WEXITED));
    P(waitid(P_ALL, 0, &si, WEXITED | 0x40000000));
    P(waitpid(-1, &st, 0));
    P(waitpid(-1, &st, 0x40000000));
    P(waitpid(-1, &st, WNOHANG));
    P(wait4(-1, &st, 0, (struct rusage *)1));
    pid_t c = child_pause();
    memset(&si, 0, sizeof si);
    P(waitid(P_ALL, 0, &si, WNOHANG | WEXITED));
    printf("WNOHANG with a live child: si_pid %d si_signo %d\n", si.si_pid != 0, si.si_signo);
    P(waitpid(c, &st, WNOHANG));
    P(waitid(P_PID, c + 100000, &si, WEXITED));
    P(waitpid(c + 100000, &st, 0));
    kill(c, SIGKILL);
    memset(&si, 0, sizeof si);
    P(waitid(P_PID, c, &si, WEXITED | WNOWAIT));
    printf("WNOWAIT: code %d status %d signo %d pid %d\n", si.si_code, si.si_status, si.si_signo, si.si_pid == c);
    P(waitpid(c, &st, WNOHANG) == c);
    printf("status killed %d sig %d core %d\n", WIFSIGNALED(st), WTERMSIG(st), WCOREDUMP(st));
    c = child_exit(7);
    memset(&si, 0, sizeof si);
    P(waitid(P_PGID, getpgid(0), &si, WEXITED) == 0);
    printf("P_PGID: code %d status %d uid %d\n", si.si_code, si.si_status, si.si_uid);
    c = child_exit(3);
    P(waitpid(0, &st, 0) == c);
    printf("waitpid(0): %d\n", WEXITSTATUS(st));
    c = child_exit(4);
    P(waitpid(-getpgid(0), &st, 0) == c);
    P(waitid(P_PIDFD, 12345, &si, WEXITED));
    /* a stopped child, WSTOPPED | WNOWAIT twice, then WCONTINUED */
    c = child_pause();
    kill(c, SIGSTOP);
    memset(&si, 0, sizeof si);
    P(waitid(P_PID, c, &si, WSTOPPED | WNOWAIT));
    printf("stopped: code %d status %d\n", si.si_code, si.si_status);
    memset(&si, 0, sizeof si);
    P(waitid(P_PID, c, &si, WSTOPPED));
    printf("stopped again: code %d status %d\n", si.si_code, si.si_status);
    memset(&si, 0, sizeof si);
    P(waitid(P_PID, c, &si, WSTOPPED | WNOHANG));
    printf("consumed: pid %d\n", si.si_pid != 0);
    kill(c, SIGCONT);
    memset(&si, 0, sizeof si);
    P(waitid(P_PID, c, &si, WCONTINUED));
    printf("continued: code %d status %d\n", si.si_code, si.si_status);
    kill(c, SIGKILL);
    P(waitpid(c, &st, __WALL) == c);
    P(waitpid(-1, &st, __WCLONE | WNOHANG));
}

static void kills(void)
{
    signal(SIGUSR1, SIG_IGN);
    P(kill(getpid(), 0));
    P(kill(getpid(), -1));
    P(kill(getpid(), 65));
    P(kill(999999, 0));
    P(kill(-999999, 0));
    P(kill(INT32_MIN, 0));
    P(syscall(SYS_tgkill, getpid(), getpid(), 0));
    P(syscall(SYS_tgkill, getpid(), getpid(), 65));
    P(syscall(SYS_tgkill, -1, getpid(), 0));
    P(syscall(SYS_tgkill, getpid(), -1, 0));
    P(syscall(SYS_tgkill, getpid(), 999999, 0));
    P(syscall(SYS_tgkill, 999999, getpid(), 0));
    P(syscall(SYS_tkill, getpid(), 65));
    P(syscall(SYS_tkill, -1, 0));
    P(syscall(SYS_tkill, 0, 0));
    P(syscall(SYS_tkill, 999999, 0));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_code = SI_USER;
    P(syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &si));
    si.si_code = SI_QUEUE;
    P(syscall(SYS_rt_sigqueueinfo, getpid(), 0, &si));
    P(syscall(SYS_rt_sigqueueinfo, 999999, 0, &si));
    P(syscall(SYS_rt_sigqueueinfo, getpid(), 65, &si));
    P(syscall(SYS_rt_tgsigqueueinfo, getpid(), getpid(), 0, &si));
    P(syscall(SYS_rt_tgsigqueueinfo, getpid(), 999999, 0, &si));
    P(syscall(SYS_rt_tgsigqueueinfo, getpid(), -1, 0, &si));
}

static void groups_sessions(void)
{
    P(setpgid(-1, 0));
    P(setpgid(0, -1));
    P(setpgid(999999, 0));
    P(getpgid(999999));
    P(getsid(999999));
    P(getpgid(0) == getpgrp());
    P(getsid(0) == getsid(getpid()));
    pid_t c = child_pause();
    P(setpgid(c, c));
    P(getpgid(c) == c);
    P(setpgid(c, 0));
    P(setpgid(c, getpgrp()));
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    fflush(stdout);
    int p[2];
    pipe(p);
    c = fork();
    if (c == 0) {
        char out[256];
        int n = 0;
        pid_t s = setsid();
        n += snprintf(out + n, sizeof out - n, "setsid: %d ", s == getpid());
        n += snprintf(out + n, sizeof out - n, "getsid %d getpgrp %d ", getsid(0) == getpid(), getpgrp() == getpid());
        errno = 0;
        s = setsid();
        n += snprintf(out + n, sizeof out - n, "again %d errno %d ", (int)s, errno);
        errno = 0;
        int r = setpgid(0, getppid());
        n += snprintf(out + n, sizeof out - n, "leader setpgid to another session's group %d errno %d\n", r, errno);
        write(p[1], out, n);
        _exit(0);
    }
    close(p[1]);
    char buf[256];
    int n = read(p[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    fputs(buf, stdout);
    close(p[0]);
    waitpid(c, NULL, 0);
    /* setpgid of a child that exec'd: EACCES */
    fflush(stdout);
    c = fork();
    if (c == 0) { execl("/proc/self/exe", "x", "sleep", NULL); _exit(1); }
    struct timespec ts = { 0, 200000000 };
    nanosleep(&ts, NULL);
    P(setpgid(c, c));
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    /* a child in another session: EPERM */
    fflush(stdout);
    c = fork();
    if (c == 0) { setsid(); for (;;) pause(); }
    nanosleep(&ts, NULL);
    P(setpgid(c, c));
    P(setpgid(c, getpgrp()));
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    /* setpgid to a group that does not exist in the session */
    P(setpgid(0, 999999));
}

static void limits(void)
{
    struct rlimit rl, old;
    P(getrlimit(RLIMIT_NOFILE, &old));
    P(getrlimit(99, &rl));
    P(getrlimit(-1, &rl));
    P(syscall(SYS_getrlimit, RLIMIT_NOFILE, (void *)1));
    P(setrlimit(99, &old));
    rl.rlim_cur = old.rlim_max + 1; rl.rlim_max = old.rlim_max;
    if (old.rlim_max != RLIM_INFINITY) P(setrlimit(RLIMIT_NOFILE, &rl));
    else puts("skip");
    rl.rlim_cur = 10; rl.rlim_max = 5;
    P(setrlimit(RLIMIT_NOFILE, &rl));
    rl.rlim_cur = 1024 * 1024 + 1; rl.rlim_max = 1024 * 1024 + 1;
    P(setrlimit(RLIMIT_NOFILE, &rl));
    P(syscall(SYS_setrlimit, RLIMIT_NOFILE, (void *)1));
    P(syscall(SYS_prlimit64, 0, 99, NULL, NULL));
    P(syscall(SYS_prlimit64, 999999, RLIMIT_NOFILE, NULL, &rl));
    P(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, (void *)1));
    rl.rlim_cur = 2; rl.rlim_max = 1;
    P(syscall(SYS_prlimit64, 0, RLIMIT_CORE, &rl, NULL));
    struct rlimit st;
    getrlimit(RLIMIT_STACK, &st);
    struct rlimit got;
    P(getrlimit(RLIMIT_CORE, &got));
    rl.rlim_cur = 0; rl.rlim_max = got.rlim_max;
    P(setrlimit(RLIMIT_CORE, &rl));
    P(getrlimit(RLIMIT_CORE, &got));
    printf("core soft %lu\n", (unsigned long)got.rlim_cur);
    rl.rlim_cur = 0; rl.rlim_max = 0;
    setrlimit(RLIMIT_CORE, &rl);
    /* RLIMIT_NOFILE 0: open fails with EMFILE */
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        struct rlimit z = {0, 0};
        setrlimit(RLIMIT_NOFILE, &z);
        errno = 0;
        int fd = open("/dev/null", O_RDONLY);
        _exit(fd == -1 && errno == EMFILE ? 0 : 1);
    }
    int s;
    waitpid(c, &s, 0);
    printf("RLIMIT_NOFILE 0 gives EMFILE: %d\n", WIFEXITED(s) && WEXITSTATUS(s) == 0);
    /* RLIMIT_FSIZE: SIGXFSZ, then EFBIG when ignored */
    int fp[2];
    pipe(fp);
    fflush(stdout);
    c = fork();
    if (c == 0) {
        struct rlimit f = {10, 10};
        setrlimit(RLIMIT_FSIZE, &f);
        signal(SIGXFSZ, SIG_IGN);
        int fd = open("/tmp/ltp_proc_fsize", O_CREAT | O_TRUNC | O_RDWR, 0600);
        unlink("/tmp/ltp_proc_fsize");
        char b[20] = {0};
        long w1 = write(fd, b, 20);
        errno = 0;
        long w2 = write(fd, b, 20);
        int e = errno;
        errno = 0;
        int t = ftruncate(fd, 100);
        int e2 = errno;
        char m[96];   /* not to stdout: a file there is past the limit too */
        int n = snprintf(m, sizeof m, "fsize: %ld %ld %d %d %d\n", w1, w2, e, t, e2);
        write(fp[1], m, n);
        signal(SIGXFSZ, SIG_DFL);
        write(fd, b, 20);
        _exit(0);
    }
    close(fp[1]);
    char m[96];
    int n = read(fp[0], m, sizeof m - 1);
    m[n > 0 ? n : 0] = 0;
    fputs(m, stdout);
    close(fp[0]);
    waitpid(c, &s, 0);
    printf("fsize default: signaled %d sig %d\n", WIFSIGNALED(s), WTERMSIG(s));
}

/* getrusage03's ru_maxrss: the peak (not the current size), kept for exited and waited-for
 * children only, carried across exec; wait4 reports the child's. */
static void maxrss(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long before = ru.ru_maxrss;
    size_t sz = 32 << 20;
    char *m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(m, 1, sz);
    munmap(m, sz);
    getrusage(RUSAGE_SELF, &ru);
    printf("maxrss: self peak kept after munmap %d\n", ru.ru_maxrss - before >= 30 * 1024);
    getrusage(RUSAGE_CHILDREN, &ru);
    long children = ru.ru_maxrss;
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        char *n = mmap(NULL, 2 * sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        memset(n, 1, 2 * sz);
        munmap(n, 2 * sz);
        _exit(0);
    }
    int st;
    struct rusage wr;
    wait4(c, &st, 0, &wr);
    getrusage(RUSAGE_CHILDREN, &ru);
    printf("maxrss: wait4 reports the child's peak %d, RUSAGE_CHILDREN has it %d (was below %d)\n",
           wr.ru_maxrss >= 62 * 1024, ru.ru_maxrss >= 62 * 1024, children < 62 * 1024);
    /* an ignored SIGCHLD: the child is not waited for and does not count */
    signal(SIGCHLD, SIG_IGN);
    fflush(stdout);
    c = fork();
    if (c == 0) {
        char *n = mmap(NULL, 3 * sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        memset(n, 1, 3 * sz);
        _exit(0);
    }
    while (waitpid(c, &st, 0) != -1 || errno == EINTR) { }
    signal(SIGCHLD, SIG_DFL);
    getrusage(RUSAGE_CHILDREN, &ru);
    printf("maxrss: an auto-reaped child is not counted %d\n", ru.ru_maxrss < 90 * 1024);
}

static void misc(void)
{
    umask(022);
    P(umask(0777));
    P(umask(01777));
    P(umask(022));
    close(creat("/tmp/ltp_proc_umask", 0777));
    struct stat st;
    stat("/tmp/ltp_proc_umask", &st);
    printf("created mode %o\n", st.st_mode & 07777);
    unlink("/tmp/ltp_proc_umask");
    P(syscall(SYS_times, (void *)1));
    P(syscall(SYS_times, NULL) >= 0);
    struct rusage ru;
    P(getrusage(RUSAGE_SELF, &ru));
    P(getrusage(RUSAGE_THREAD, &ru));
    P(getrusage(RUSAGE_CHILDREN, &ru));
    P(getrusage(-3, &ru));
    P(getrusage(5, &ru));
    P(syscall(SYS_getrusage, RUSAGE_SELF, (void *)1));
    P(personality(0xffffffff));
    P(personality(PER_LINUX));
    P(personality(0xffffffff));
    P(personality(PER_LINUX32));
    P(personality(0xffffffff));
    P(personality(PER_LINUX | ADDR_NO_RANDOMIZE));
    P(personality(0xffffffff));
    P(personality(PER_LINUX));
    P(prctl(PR_SET_PDEATHSIG, 65));
    P(prctl(PR_SET_PDEATHSIG, SIGUSR2));
    int v = -1;
    P(prctl(PR_GET_PDEATHSIG, &v));
    printf("pdeathsig %d\n", v);
    P(prctl(PR_SET_PDEATHSIG, 0));
    P(prctl(PR_GET_DUMPABLE));
    P(prctl(PR_SET_DUMPABLE, 2));
    P(prctl(PR_SET_DUMPABLE, 0));
    P(prctl(PR_GET_DUMPABLE));
    P(prctl(PR_SET_DUMPABLE, 1));
    char name[32];
    P(prctl(PR_SET_NAME, "abcdefghijklmnopqrstuvwxyz"));
    P(prctl(PR_GET_NAME, name));
    printf("name %s\n", name);
    P(prctl(PR_SET_NO_NEW_PRIVS, 1, 1));
    P(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    P(prctl(PR_SET_TIMERSLACK, 0));
    P(prctl(PR_GET_TIMERSLACK) > 0);
    P(prctl(PR_SET_TIMERSLACK, 200000));
    P(prctl(PR_GET_TIMERSLACK));
    P(prctl(-1));
    P(prctl(PR_GET_SECCOMP));
    P(prctl(PR_CAPBSET_READ, 99));
    P(prctl(PR_CAPBSET_READ, 0));
    P(prctl(PR_SET_CHILD_SUBREAPER, 1));
    P(prctl(PR_GET_CHILD_SUBREAPER, &v));
    printf("subreaper %d\n", v);
    P(prctl(PR_SET_CHILD_SUBREAPER, 0));
    P(prctl(PR_GET_TID_ADDRESS, (void *)1));
    P(prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
    P(prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
    P(prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
    P(prctl(PR_GET_THP_DISABLE, 1, 0, 0, 0));
    P(prctl(PR_GET_TSC, &v));
    printf("tsc %d\n", v);
    P(prctl(PR_SET_TSC, 3));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        int w = 0;
        if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV) != 0 || prctl(PR_GET_TSC, &w) != 0 || w != PR_TSC_SIGSEGV) _exit(1);
        if (prctl(PR_SET_TSC, PR_TSC_ENABLE) != 0) _exit(2);
        unsigned lo, hi;
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));     /* allowed again */
        prctl(PR_SET_TSC, PR_TSC_SIGSEGV);
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        _exit(3);
    }
    int cs;
    waitpid(c, &cs, 0);
    printf("rdtsc under PR_TSC_SIGSEGV: signaled %d sig %d\n", WIFSIGNALED(cs), WIFSIGNALED(cs) ? WTERMSIG(cs) : WEXITSTATUS(cs));
    /* sched */
    struct sched_param sp = { 0 };
    P(sched_getscheduler(0));
    P(sched_getscheduler(-1));
    P(sched_getscheduler(999999));
    P(sched_setscheduler(0, 99, &sp));
    P(sched_setscheduler(-1, SCHED_OTHER, &sp));
    P(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL));
    sp.sched_priority = 1;
    P(sched_setscheduler(0, SCHED_OTHER, &sp));
    sp.sched_priority = 100;
    P(sched_setscheduler(0, SCHED_FIFO, &sp));
    P(sched_getparam(-1, &sp));
    P(syscall(SYS_sched_getparam, 0, NULL));
    P(sched_getparam(999999, &sp));
    P(sched_get_priority_max(SCHED_FIFO));
    P(sched_get_priority_min(SCHED_RR));
    P(sched_get_priority_max(SCHED_OTHER));
    P(sched_get_priority_max(99));
    P(sched_get_priority_min(-1));
    struct timespec ts;
    P(sched_rr_get_interval(0, &ts));
    P(sched_rr_get_interval(-1, &ts));
    P(sched_rr_get_interval(999999, &ts));
    P(syscall(SYS_sched_rr_get_interval, 0, (void *)1));
    cpu_set_t set;
    P(sched_getaffinity(0, sizeof set, &set) > 0);
    P(syscall(SYS_sched_getaffinity, 0, 1, &set));
    P(syscall(SYS_sched_getaffinity, 0, 7, &set));
    P(syscall(SYS_sched_getaffinity, 999999, sizeof set, &set));
    P(syscall(SYS_sched_getaffinity, 0, sizeof set, (void *)1));
    CPU_ZERO(&set);
    P(sched_setaffinity(0, sizeof set, &set));
    P(sched_yield());
    /* getcwd */
    char buf[4096];
    P(syscall(SYS_getcwd, buf, 0));
    P(syscall(SYS_getcwd, buf, 1));
    P(syscall(SYS_getcwd, NULL, 4096));
    P(syscall(SYS_getcwd, (void *)1, 4096));
    chdir("/");
    P(syscall(SYS_getcwd, buf, 2));
    P(syscall(SYS_getcwd, buf, 1));
    /* nice / priorities */
    P(getpriority(PRIO_PROCESS, 0));
    P(getpriority(3, 0));
    P(getpriority(PRIO_PROCESS, 999999));
    P(setpriority(PRIO_PROCESS, 0, 0));
    P(setpriority(3, 0, 0));
    P(setpriority(PRIO_USER, 999999, 0));
    P(getpriority(PRIO_USER, 999999));
    P(getpriority(PRIO_PGRP, 999999));
}

static volatile sig_atomic_t got;
static void on_sig(int s) { got = s; }

static void signals(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    P(sigaction(SIGKILL, &sa, NULL));
    P(sigaction(SIGSTOP, &sa, NULL));
    P(sigaction(SIGKILL, NULL, &old));
    P(sigaction(0, &sa, NULL));
    P(sigaction(65, &sa, NULL));
    P(syscall(SYS_rt_sigaction, SIGUSR1, &sa, NULL, 4));
    P(syscall(SYS_rt_sigaction, SIGUSR1, &sa, NULL, 16));
    P(syscall(SYS_rt_sigaction, SIGUSR1, (void *)1, NULL, 8));
    P(syscall(SYS_rt_sigaction, SIGUSR1, NULL, (void *)1, 8));
    sa.sa_handler = SIG_IGN;
    P(sigaction(SIGKILL, &sa, NULL));
    sa.sa_handler = SIG_DFL;
    P(sigaction(SIGSTOP, &sa, NULL));
    sa.sa_handler = on_sig;
    sa.sa_flags = SA_RESETHAND;
    P(sigaction(SIGUSR1, &sa, NULL));
    raise(SIGUSR1);
    P(sigaction(SIGUSR1, NULL, &old));
    printf("after SA_RESETHAND: handler dfl %d flags has RESETHAND %d got %d\n", old.sa_handler == SIG_DFL, !!(old.sa_flags & SA_RESETHAND), got);
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK | SA_RESTART | 0x01000000;
    P(sigaction(SIGUSR1, &sa, NULL));
    P(sigaction(SIGUSR1, NULL, &old));
    printf("flags back %#x\n", old.sa_flags & ~0x04000000);
    sigset_t set, oset;
    sigemptyset(&set);
    P(syscall(SYS_rt_sigprocmask, 3, &set, NULL, 8));
    P(syscall(SYS_rt_sigprocmask, -1, &set, NULL, 8));
    P(syscall(SYS_rt_sigprocmask, 3, NULL, NULL, 8));
    P(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4));
    P(syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)1, NULL, 8));
    P(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, (void *)1, 8));
    sigaddset(&set, SIGKILL);
    sigaddset(&set, SIGSTOP);
    sigaddset(&set, SIGUSR2);
    P(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &set, NULL, 8));
    P(syscall(SYS_rt_sigprocmask, SIG_SETMASK, NULL, &oset, 8));
    printf("mask: kill %d stop %d usr2 %d\n", sigismember(&oset, SIGKILL), sigismember(&oset, SIGSTOP), sigismember(&oset, SIGUSR2));
    raise(SIGUSR2);
    sigemptyset(&oset);
    P(syscall(SYS_rt_sigpending, &oset, 8));
    printf("pending usr2 %d\n", sigismember(&oset, SIGUSR2));
    P(syscall(SYS_rt_sigpending, &oset, 9));
    P(syscall(SYS_rt_sigpending, &oset, 4));
    P(syscall(SYS_rt_sigpending, (void *)1, 8));
    struct timespec ts = { 0, 0 };
    siginfo_t si;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    P(sigtimedwait(&set, &si, &ts));
    printf("sigtimedwait: signo %d code %d pid %d\n", si.si_signo, si.si_code, si.si_pid == getpid());
    P(sigtimedwait(&set, &si, &ts));
    ts.tv_nsec = 1000000000;
    P(sigtimedwait(&set, &si, &ts));
    ts.tv_nsec = -1;
    P(sigtimedwait(&set, &si, &ts));
    ts.tv_nsec = 0;
    P(syscall(SYS_rt_sigtimedwait, &set, &si, &ts, 4));
    P(syscall(SYS_rt_sigtimedwait, (void *)1, &si, &ts, 8));
    P(syscall(SYS_rt_sigtimedwait, &set, &si, (void *)1, 8));
    raise(SIGUSR2);
    P(syscall(SYS_rt_sigtimedwait, &set, (void *)1, &ts, 8));
    sigemptyset(&oset);
    syscall(SYS_rt_sigpending, &oset, 8);
    printf("after EFAULT: pending usr2 %d\n", sigismember(&oset, SIGUSR2));
    sigtimedwait(&set, NULL, &ts);
    P(syscall(SYS_rt_sigsuspend, &set, 4));
    P(syscall(SYS_rt_sigsuspend, (void *)1, 8));
    /* sigsuspend returns EINTR after the handler, with the old mask back */
    sa.sa_handler = on_sig;
    sa.sa_flags = 0;
    sigaction(SIGALRM, &sa, NULL);
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    got = 0;
    alarm(1);
    sigset_t wait_mask;
    sigemptyset(&wait_mask);
    P(sigsuspend(&wait_mask));
    sigprocmask(SIG_SETMASK, NULL, &oset);
    printf("sigsuspend: got %d alarm still blocked %d\n", got, sigismember(&oset, SIGALRM));
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    /* sigaltstack */
    stack_t ss, os;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = malloc(65536);
    ss.ss_size = 1024;
    P(sigaltstack(&ss, NULL));
    ss.ss_size = 65536;
    ss.ss_flags = 99;
    P(sigaltstack(&ss, NULL));
    ss.ss_flags = 0;
    P(sigaltstack(&ss, NULL));
    P(sigaltstack(NULL, &os));
    printf("altstack flags %d size %zu\n", os.ss_flags, os.ss_size);
    ss.ss_flags = SS_DISABLE;
    P(sigaltstack(&ss, NULL));
    P(sigaltstack(NULL, &os));
    printf("altstack flags %d\n", os.ss_flags);
    P(syscall(SYS_sigaltstack, (void *)1, NULL));
    /* pause returns EINTR */
    got = 0;
    alarm(1);
    P(pause());
    printf("pause: got %d\n", got);
    /* nanosleep argument errors */
    ts.tv_sec = 0; ts.tv_nsec = 1000000000;
    P(nanosleep(&ts, NULL));
    ts.tv_nsec = -1;
    P(nanosleep(&ts, NULL));
    ts.tv_sec = -1; ts.tv_nsec = 0;
    P(nanosleep(&ts, NULL));
    P(syscall(SYS_nanosleep, (void *)1, NULL));
    ts.tv_sec = 0; ts.tv_nsec = 1000000000;
    R(raw(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&ts, 0));
    ts.tv_nsec = 1;
    R(raw(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, (long)&ts, 0));
    R(raw(SYS_clock_nanosleep, 99, 0, (long)&ts, 0));
    R(raw(SYS_clock_nanosleep, CLOCK_MONOTONIC, 99, (long)&ts, 0));
    R(raw(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, 1, 0));
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "sleep") == 0) { sleep(10); return 0; }
    setvbuf(stdout, NULL, _IONBF, 0);
    syscall(SYS_close_range, 3, ~0U, 0);
    signal(SIGCHLD, SIG_DFL);
    waits();
    kills();
    groups_sessions();
    limits();
    maxrss();
    misc();
    signals();
    return 0;
}
