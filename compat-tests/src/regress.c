/* Regressions: each check is a defect that once existed in the kernel (see the issue that listed
 * them); the native run is the reference. */
#include "compat.h"
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* musl-gcc has no kernel headers: the futex constants as in linux/futex.h. */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_OP_PRIVATE 133
#define FUTEX_OP_SET 0
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP(op, oparg, cmp, cmparg) ((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

static volatile int trap_code = -1, usr1, usr2, order;
static void on_trap(int s, siginfo_t *si, void *uc) { (void)s; (void)uc; trap_code = si->si_code; }
static void on_usr1(int s) { (void)s; usr1 = ++order; }
static void on_usr2(int s) { (void)s; usr2 = ++order; }

static int futex_word;
static void *futex_waiter(void *arg)
{
    (void)arg;
    long r = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    return (void *)r;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int st;

    /* int3 in user mode is SIGTRAP (it was SIGSEGV: the gate's DPL refused ring 3). */
    pid_t c = fork();
    if (c == 0) { __asm__ volatile("int3"); _exit(0); }
    waitpid(c, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTRAP, "int3 kills with SIGTRAP");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_trap;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGTRAP, &sa, NULL);
    __asm__ volatile("int3");
    CHECK(trap_code == 0x80, "a SIGTRAP handler sees si_code SI_KERNEL after int3");

    /* Two signals that become deliverable at once (one sigprocmask) both run, and the program goes on. */
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, on_usr2);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, &old);
    raise(SIGUSR2);
    raise(SIGUSR1);
    volatile long keep = 12345;
    sigprocmask(SIG_SETMASK, &old, NULL);
    CHECK(usr1 && usr2 && keep == 12345, "both pending signals ran after the unblock and the state survived");
    CHECK(usr2 == 1 && usr1 == 2, "as on Linux, both frames were built at once: the higher-numbered handler ran first");

    /* brk(-1) returns the current break and unmaps nothing. */
    void *cur = (void *)syscall(SYS_brk, 0);
    void *r = (void *)syscall(SYS_brk, (void *)-1);
    CHECK(r == cur, "brk(-1) leaves the break where it was");

    /* madvise(MADV_DONTNEED) on a PROT_NONE mapping succeeds (V8 and Go rely on it). */
    void *none = mmap(NULL, 65536, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(madvise(none, 65536, MADV_DONTNEED) == 0, "madvise(DONTNEED) on PROT_NONE returns 0");
    munmap(none, 65536);

    /* A /proc file mapped at a negative offset (the kernel once handed out its heap that way). */
    int pf = open("/proc/meminfo", O_RDONLY);
    void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, pf, (off_t)-4096);
    CHECK(m == MAP_FAILED, "mmap of a /proc file at a negative offset fails");
    close(pf);

    /* shutdown() then closing both ends of a socket pair; new pipes must not share a buffer. */
    int sp[2], p1[2], p2[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
    shutdown(sp[0], SHUT_WR);
    close(sp[1]);
    close(sp[0]);
    pipe(p1);
    pipe(p2);
    write(p1[1], "one", 3);
    char b[8] = { 0 };
    int fl = fcntl(p2[0], F_GETFL);
    fcntl(p2[0], F_SETFL, fl | O_NONBLOCK);
    errno = 0;
    ssize_t n = read(p2[0], b, sizeof b);
    CHECK(n == -1 && errno == EAGAIN, "a new pipe does not see another pipe's data");
    CHECK(read(p1[0], b, sizeof b) == 3 && memcmp(b, "one", 3) == 0, "the other pipe has it");

    /* A FIFO opened O_RDWR gives its reader back on close. */
    unlink("/tmp/regress.fifo");
    mkfifo("/tmp/regress.fifo", 0600);
    int ff = open("/tmp/regress.fifo", O_RDWR);
    close(ff);
    errno = 0;
    ff = open("/tmp/regress.fifo", O_WRONLY | O_NONBLOCK);
    CHECK(ff == -1 && errno == ENXIO, "after closing the O_RDWR end, a non-blocking writer finds no reader (ENXIO)");
    unlink("/tmp/regress.fifo");

    /* alarm() is not inherited by a forked child. */
    alarm(100);
    c = fork();
    if (c == 0) _exit(alarm(0) == 0 ? 0 : 1);
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a forked child has no alarm pending");
    alarm(0);

    /* /proc/self/stat names the caller, also in a child. */
    c = fork();
    if (c == 0) {
        char s[64] = { 0 };
        int fd = open("/proc/self/stat", O_RDONLY);
        read(fd, s, sizeof s - 1);
        _exit(atoi(s) == getpid() ? 0 : 1);
    }
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "/proc/self/stat in a child starts with the child's pid");

    /* FUTEX_WAKE_OP wakes the waiter on the first word. */
    pthread_t t;
    pthread_create(&t, NULL, futex_waiter, NULL);
    long woken = 0;
    struct timespec t0, t1, nap = { 0, 1000000 };
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {          /* until the waiter is asleep and this wakes it (5 s at most) */
        int other = 0;
        woken = syscall(SYS_futex, &futex_word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &other,
                        FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0));
        if (woken == 0) nanosleep(&nap, NULL);
        clock_gettime(CLOCK_MONOTONIC, &t1);
    } while (woken == 0 && t1.tv_sec - t0.tv_sec < 5);
    if (woken == 0) { futex_word = 1; syscall(SYS_futex, &futex_word, 1 /* FUTEX_WAKE */, 1, NULL, NULL, 0); }
    void *res;
    pthread_join(t, &res);
    CHECK(woken == 1 && (long)res == 0, "FUTEX_WAKE_OP woke the waiter");

    /* clone(CLONE_PARENT | SIGCHLD) from a child: the new process is our child too. */
    c = fork();
    if (c == 0) {
        long g = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
        if (g == 0) _exit(9);
        _exit(g > 0 ? 0 : 1);
    }
    int exits = 0, nines = 0;
    pid_t w;
    while ((w = wait(&st)) > 0) { exits++; if (WEXITSTATUS(st) == 9) nines++; }
    CHECK(exits == 2 && nines == 1, "both the child and its CLONE_PARENT sibling are ours to reap");
    /* PR_SET_PDEATHSIG: a process hears of its parent's death. */
    int pd[2];
    pipe(pd);
    c = fork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0) {
            signal(SIGUSR1, on_usr1);
            usr1 = 0;
            syscall(SYS_prctl, 1 /* PR_SET_PDEATHSIG */, SIGUSR1, 0, 0, 0);
            write(pd[1], "r", 1);
            struct timespec nap = { 0, 10000000 };
            for (int i = 0; i < 500 && !usr1; i++) nanosleep(&nap, NULL);
            write(pd[1], usr1 ? "y" : "n", 1);
            _exit(0);
        }
        char r;
        read(pd[0], &r, 1);                                   /* the grandchild is ready */
        _exit(0);                                             /* and now its parent dies */
    }
    waitpid(c, NULL, 0);
    char verdict = 0, ready = 0;
    read(pd[0], &ready, 1);
    if (ready == 'r') read(pd[0], &verdict, 1); else verdict = ready;
    CHECK(verdict == 'y', "PR_SET_PDEATHSIG delivers the signal when the parent dies");

    /* priorities and personality: values recorded and reported back */
    errno = 0;
    CHECK(syscall(SYS_getpriority, 7, 0) == -1 && errno == EINVAL, "getpriority with an invalid 'which': EINVAL");
    CHECK(setpriority(PRIO_PROCESS, 0, 5) == 0 && getpriority(PRIO_PROCESS, 0) == 5, "setpriority then getpriority");
    c = fork();
    if (c == 0) _exit(getpriority(PRIO_PROCESS, 0) == 5 ? 0 : 1);
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a child inherits the nice value");
    long oldp = syscall(SYS_personality, 0xffffffffUL);
    syscall(SYS_personality, 0x0020000UL /* UNAME26 */);
    CHECK(syscall(SYS_personality, 0xffffffffUL) == 0x0020000 && oldp == 0, "personality records the persona and returns the old one");
    syscall(SYS_personality, 0UL);
    /* process_vm_readv/writev between a parent and its child */
    static char remote[64] = "the child's buffer";
    int go[2];
    pipe(go);
    c = fork();
    if (c == 0) {
        char x;
        read(go[0], &x, 1);                                   /* until the parent wrote into us */
        _exit(strcmp(remote, "written by the parent") == 0 ? 0 : 1);
    }
    char local[64] = { 0 };
    struct iovec lv = { local, sizeof local }, rv = { remote, sizeof remote };
    long got = syscall(SYS_process_vm_readv, c, &lv, 1UL, &rv, 1UL, 0UL);
    CHECK(got == (long)sizeof remote && strcmp(local, "the child's buffer") == 0, "process_vm_readv reads the child's memory");
    strcpy(local, "written by the parent");
    long put = syscall(SYS_process_vm_writev, c, &lv, 1UL, &rv, 1UL, 0UL);
    write(go[1], "x", 1);
    waitpid(c, &st, 0);
    CHECK(put == (long)sizeof remote && WIFEXITED(st) && WEXITSTATUS(st) == 0, "process_vm_writev writes into it");
    /* getrusage counts minor faults (it said 0) */
    struct rusage ra, rb;
    getrusage(RUSAGE_SELF, &ra);
    char *touch = malloc(16 << 20);
    for (int i = 0; i < (16 << 20); i += 4096) touch[i] = 1;
    getrusage(RUSAGE_SELF, &rb);
    CHECK(rb.ru_minflt - ra.ru_minflt >= 4000, "getrusage: touching 16 MiB counts minor faults");
    free(touch);
    /* SA_NOCLDWAIT: children leave no zombies, wait finds none (it was taken for SA_NOCLDSTOP) */
    struct sigaction nocld;
    memset(&nocld, 0, sizeof nocld);
    nocld.sa_handler = SIG_DFL;
    nocld.sa_flags = SA_NOCLDWAIT;
    sigaction(SIGCHLD, &nocld, NULL);
    c = fork();
    if (c == 0) _exit(3);
    errno = 0;
    CHECK(wait(&st) == -1 && errno == ECHILD, "with SA_NOCLDWAIT, wait finds no zombie: ECHILD");
    signal(SIGCHLD, SIG_DFL);

    /* an epoll watching an epoll that watches it: ELOOP (epoll_wait once recursed until the kernel stack overflowed) */
    int ea = epoll_create1(0), eb = epoll_create1(0);
    struct epoll_event ee = { .events = EPOLLIN };
    CHECK(epoll_ctl(ea, EPOLL_CTL_ADD, eb, &ee) == 0, "epoll A watches epoll B");
    errno = 0;
    CHECK(epoll_ctl(eb, EPOLL_CTL_ADD, ea, &ee) == -1 && errno == ELOOP, "B watching A closes a cycle: ELOOP");
    CHECK(epoll_wait(ea, &ee, 1, 0) == 0, "and epoll_wait returns");
    close(ea);
    close(eb);
    int devnull = open("/dev/null", O_RDWR);
    errno = 0;
    CHECK(fdatasync(devnull) == -1 && errno == EINVAL, "fdatasync on a special file: EINVAL");
    close(devnull);
    errno = 0;
    struct timespec anytime = { 1, 0 };
    CHECK(clock_settime(CLOCK_MONOTONIC, &anytime) == -1 && errno == EINVAL, "clock_settime(CLOCK_MONOTONIC) is EINVAL");

    /* /proc/self/mem positions are addresses of all 64 bits (sysfuzz: lseek to a kernel address
     * failed with EINVAL and the next read returned the bytes at the previous position) */
    int memfd = open("/proc/self/mem", O_RDWR);
    static char memsrc[16] = "fifteen bytes..";
    char memdst[16] = "";
    CHECK(memfd >= 0 && pread(memfd, memdst, 16, (off_t)(uintptr_t)memsrc) == 16 && memcmp(memdst, memsrc, 16) == 0, "/proc/self/mem: pread at an address of ours");
    CHECK(lseek(memfd, (off_t)(uintptr_t)memsrc, SEEK_SET) == (off_t)(uintptr_t)memsrc, "/proc/self/mem: lseek to an address of ours");
    long kpos = syscall(SYS_lseek, memfd, 0xffff800000000000UL, SEEK_SET);
    CHECK(kpos == (long)0xffff800000000000UL, "/proc/self/mem: lseek to a kernel address succeeds");
    errno = 0;
    CHECK(read(memfd, memdst, 16) == -1 && errno == EIO, "and a read there fails with EIO");
    errno = 0;
    CHECK(write(memfd, memdst, 16) == -1 && errno == EIO, "and so does a write");
    CHECK(syscall(SYS_lseek, memfd, 16, SEEK_CUR) == (long)0xffff800000000010UL, "SEEK_CUR moves on from there");
    close(memfd);
    return t_done();
}
