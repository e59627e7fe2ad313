/* Processes that run side by side: a large pipeline, ping-pong over two pipes, a pre-fork worker
 * pool, signals between processes, memory shared across fork, many zombies, orphans, process
 * groups, timed waits while others run, fork and exec in threaded programs.
 * argv[1] picks the scenario (one case each in cases.txt). */
#include "compat.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int near(long long got, long long want) { return got >= want && got < want + 150; }

static int wait_status(pid_t pid)
{
    int st = -1;
    if (waitpid(pid, &st, 0) != pid) return -1;
    return st;
}

/* 100 MiB from a writer to a reader through one 64 KiB pipe: both must run side by side. */
static void pipeline(void)
{
    int fd[2];
    CHECK_ERR(pipe(fd) == 0, "pipe");
    pid_t w = fork();
    if (w == 0) {
        close(fd[0]);
        static char buf[65536];
        memset(buf, 'y', sizeof buf);
        for (int i = 0; i < 1600; i++)
            if (write(fd[1], buf, sizeof buf) != (ssize_t)sizeof buf) _exit(1);
        _exit(0);
    }
    close(fd[1]);
    static char rbuf[32768];
    long long total = 0;
    unsigned sum = 0;
    ssize_t n;
    while ((n = read(fd[0], rbuf, sizeof rbuf)) > 0) { total += n; sum += (unsigned char)rbuf[n - 1]; }
    close(fd[0]);
    int st = wait_status(w);
    CHECK(total == 1600LL * 65536, "the reader gets all 100 MiB (%lld bytes)", total);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the writer wrote everything and exited 0");
    CHECK(sum != 0, "the data arrived");
}

/* A byte bounced between parent and child over two pipes. */
static void pingpong(void)
{
    int a[2], b[2];
    CHECK_ERR(pipe(a) == 0 && pipe(b) == 0, "two pipes");
    const int rounds = 100000;
    pid_t c = fork();
    if (c == 0) {
        char x;
        for (int i = 0; i < rounds; i++) {
            if (read(a[0], &x, 1) != 1) _exit(1);
            x++;
            if (write(b[1], &x, 1) != 1) _exit(2);
        }
        _exit(0);
    }
    char x = 0;
    int ok = 1;
    for (int i = 0; i < rounds && ok; i++) {
        char want = (char)(x + 1);
        if (write(a[1], &x, 1) != 1 || read(b[0], &x, 1) != 1 || x != want) ok = 0;
    }
    CHECK(ok, "100000 round trips, each byte incremented by the child");
    int st = wait_status(c);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child finished cleanly");
}

/* Four workers take jobs from one pipe and report results on another while all run. */
static void prefork(void)
{
    int jobs[2], results[2];
    CHECK_ERR(pipe(jobs) == 0 && pipe(results) == 0, "job and result pipes");
    pid_t w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = fork();
        if (w[i] == 0) {
            close(jobs[1]);
            close(results[0]);
            int job, done = 0;
            while (read(jobs[0], &job, sizeof job) == sizeof job) {
                int r = job * job;
                write(results[1], &r, sizeof r);
                done++;
            }
            _exit(done > 0 ? 0 : 3);
        }
    }
    close(jobs[0]);
    close(results[1]);
    long long sum = 0;
    int got = 0;
    for (int j = 1; j <= 2000; j++) write(jobs[1], &j, sizeof j);     /* 8000 bytes: fits the pipe */
    close(jobs[1]);
    int r;
    while (read(results[0], &r, sizeof r) == sizeof r) { sum += r; got++; }
    int clean = 0;
    for (int i = 0; i < 4; i++) { int st = wait_status(w[i]); if (WIFEXITED(st)) clean++; }
    CHECK(got == 2000, "2000 results came back (%d)", got);
    CHECK(sum == 2000LL * 2001 * 4001 / 6, "their sum is the sum of squares");
    CHECK(clean == 4, "all four workers exited");
}

static volatile sig_atomic_t usr1_count;
static void on_usr1(int s) { (void)s; usr1_count++; }

/* A child signals its parent 1000 times while the parent sits in a blocking read (SA_RESTART). */
static void sigusr(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    int ack[2], done[2];
    CHECK_ERR(pipe(ack) == 0 && pipe(done) == 0, "pipes");
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) {
        char x;
        for (int i = 0; i < 1000; i++) {
            kill(parent, SIGUSR1);
            if (read(ack[0], &x, 1) != 1) _exit(1);      /* the parent's handler count moved on */
        }
        write(done[1], "d", 1);
        _exit(0);
    }
    int seen = 0;
    char x;
    /* Every signal interrupts the read on done[0]; SA_RESTART restarts it after the handler. */
    while (seen < 1000) {
        while (usr1_count == seen) {
            struct timespec ts = { 0, 1000000 };
            nanosleep(&ts, NULL);
        }
        seen = usr1_count;
        write(ack[1], "a", 1);
    }
    ssize_t n = read(done[0], &x, 1);
    CHECK(n == 1 && x == 'd', "a blocking read survives the signals (SA_RESTART) and gets the child's byte");
    CHECK(usr1_count == 1000, "the handler ran 1000 times (%d)", (int)usr1_count);
    int st = wait_status(c);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child exited 0");

    /* Without SA_RESTART the read fails with EINTR. */
    sa.sa_flags = 0;
    sigaction(SIGUSR1, &sa, NULL);
    c = fork();
    if (c == 0) { struct timespec ts = { 0, 50000000 }; nanosleep(&ts, NULL); kill(parent, SIGUSR1); _exit(0); }
    errno = 0;
    n = read(done[0], &x, 1);
    CHECK(n == -1 && errno == EINTR, "without SA_RESTART a signal ends the read with EINTR");
    wait_status(c);
    /* pause() returns once a signal is handled. */
    c = fork();
    if (c == 0) { struct timespec ts = { 0, 50000000 }; nanosleep(&ts, NULL); kill(parent, SIGUSR1); _exit(0); }
    errno = 0;
    int pr = pause();
    CHECK(pr == -1 && errno == EINTR, "pause returns EINTR after the handler");
    wait_status(c);
}

/* MAP_SHARED|MAP_ANONYMOUS memory is shared by parent and child while both run. */
static void shared(void)
{
    volatile int *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK_ERR(m != MAP_FAILED, "mmap MAP_SHARED|MAP_ANONYMOUS");
    m[0] = 0;
    m[1] = 0;
    pid_t c = fork();
    if (c == 0) {
        m[1] = 1;                                   /* hello */
        long long t0 = now_ms();
        while (m[0] != 42 && now_ms() - t0 < 10000) { }
        m[1] = m[0] == 42 ? 2 : 3;
        _exit(0);
    }
    long long t0 = now_ms();
    while (m[1] != 1 && now_ms() - t0 < 10000) { }
    CHECK(m[1] == 1, "the parent sees the child's write while the child runs");
    m[0] = 42;
    int st = wait_status(c);
    CHECK(m[1] == 2, "the child saw the parent's write");
    CHECK(WIFEXITED(st), "the child exited");
}

/* shm_open (a file in /dev/shm) and memfd_create mapped MAP_SHARED: written by a child, read by its parent. */
static void shared_files(void)
{
    int fds[2];
    char name[64];
    snprintf(name, sizeof name, "/compat-procs-%d", (int)getpid());
    fds[0] = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    CHECK_ERR(fds[0] >= 0, "shm_open creates an object in /dev/shm");
    fds[1] = (int)syscall(SYS_memfd_create, "procs", 0);
    CHECK_ERR(fds[1] >= 0, "memfd_create");
    for (int k = 0; k < 2; k++) {
        CHECK_ERR(ftruncate(fds[k], 8192) == 0, "ftruncate to two pages");
        volatile int *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fds[k], 0);
        CHECK_ERR(m != MAP_FAILED, "mmap MAP_SHARED");
        m[1100] = 0;
        pid_t c = fork();
        if (c == 0) {
            m[1100] = 77;
            long long t0 = now_ms();
            while (m[1101] != 88 && now_ms() - t0 < 10000) { }
            _exit(m[1101] == 88 ? 0 : 1);
        }
        long long t0 = now_ms();
        while (m[1100] != 77 && now_ms() - t0 < 10000) { }
        m[1101] = 88;
        int st = wait_status(c);
        CHECK(m[1100] == 77 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
              k == 0 ? "shm_open pages are shared both ways while both run" : "memfd pages are shared both ways while both run");
        char buf[4];
        CHECK(pread(fds[k], buf, 4, 1100 * 4) == 4 && buf[0] == 77, "read() of the object sees what was written through the mapping");
        munmap((void *)m, 8192);
        close(fds[k]);
    }
    CHECK(shm_unlink(name) == 0, "shm_unlink");
}

/* The LTP test library's pattern: the main process forks the test under alarm(); the test child
 * sends SIGUSR1 heartbeats, writes results into a shared page and checks that its parent lives. */
static volatile sig_atomic_t heartbeats;
static void on_heartbeat(int s) { (void)s; heartbeats++; }
static void on_alarm(int s) { (void)s; _exit(99); }

static void ltp(void)
{
    signal(SIGUSR1, on_heartbeat);
    signal(SIGALRM, on_alarm);
    struct results { int passed, failed; } *res = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK_ERR(res != MAP_FAILED, "results page");
    pid_t main_pid = getpid();
    alarm(30);
    pid_t c = fork();
    if (c == 0) {
        for (int i = 0; i < 20; i++) {
            if (getppid() != main_pid) { res->failed++; _exit(1); }   /* "main test process died" */
            kill(main_pid, SIGUSR1);
            res->passed++;
        }
        _exit(0);
    }
    int st;
    pid_t w;
    while ((w = waitpid(c, &st, 0)) == -1 && errno == EINTR) { }
    alarm(0);
    CHECK(w == c && WIFEXITED(st) && WEXITSTATUS(st) == 0, "the test child ran to the end under alarm()");
    CHECK(res->passed == 20 && res->failed == 0, "its results arrived through the shared page");
    CHECK(heartbeats > 0, "its heartbeats reached the main process");
}

/* SIGSTOP / SIGCONT seen through wait4(WUNTRACED / WCONTINUED) and waitid. */
static void stopcont(void)
{
    int fd[2];
    pipe(fd);
    pid_t c = fork();
    if (c == 0) {
        close(fd[0]);
        for (int i = 0;; i++) {
            struct timespec ts = { 0, 5000000 };
            nanosleep(&ts, NULL);
            char b = 'x';
            if (write(fd[1], &b, 1) != 1) _exit(1);
        }
    }
    close(fd[1]);
    char b;
    read(fd[0], &b, 1);                                   /* it runs */
    kill(c, SIGSTOP);
    int st;
    pid_t w = waitpid(c, &st, WUNTRACED);
    CHECK(w == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "waitpid(WUNTRACED) reports the stop");
    fcntl(fd[0], F_SETFL, O_NONBLOCK);
    while (read(fd[0], &b, 1) == 1) { }                  /* drain what it wrote before stopping */
    struct timespec ts = { 0, 100000000 };
    nanosleep(&ts, NULL);
    errno = 0;
    CHECK(read(fd[0], &b, 1) == -1 && errno == EAGAIN, "a stopped child writes nothing");
    CHECK(waitpid(c, &st, WUNTRACED | WNOHANG) == 0, "the stop is reported once");
    kill(c, SIGCONT);
    w = waitpid(c, &st, WCONTINUED);
    CHECK(w == c && WIFCONTINUED(st), "waitpid(WCONTINUED) reports the continue");
    fcntl(fd[0], F_SETFL, 0);
    CHECK(read(fd[0], &b, 1) == 1, "it runs again");
    kill(c, SIGSTOP);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, c, &si, WSTOPPED) == 0 && si.si_code == CLD_STOPPED && si.si_status == SIGSTOP && si.si_pid == c,
          "waitid(WSTOPPED) gives CLD_STOPPED with the signal");
    kill(c, SIGKILL);
    w = waitpid(c, &st, 0);
    CHECK(w == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "SIGKILL ends a stopped child");
}

static volatile sig_atomic_t chld_pid, chld_status, chld_code, usr1_value, usr1_code;
static void on_chld(int s, siginfo_t *si, void *uc) { (void)s; (void)uc; chld_pid = si->si_pid; chld_status = si->si_status; chld_code = si->si_code; }
static void on_queued(int s, siginfo_t *si, void *uc) { (void)s; (void)uc; usr1_value = si->si_value.sival_int; usr1_code = si->si_code; }

/* What signals carry: SIGCHLD's siginfo, sigqueue values, sigtimedwait, signalfd. */
static void siginfo(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGCHLD, &sa, NULL);
    pid_t c = fork();
    if (c == 0) _exit(7);
    while (chld_pid == 0) pause();
    CHECK(chld_pid == c && chld_status == 7 && chld_code == CLD_EXITED, "SIGCHLD's siginfo names the child, its status and CLD_EXITED");
    waitpid(c, NULL, 0);
    signal(SIGCHLD, SIG_DFL);

    sa.sa_sigaction = on_queued;
    sigaction(SIGUSR1, &sa, NULL);
    union sigval v = { .sival_int = 4242 };
    sigqueue(getpid(), SIGUSR1, v);
    CHECK(usr1_value == 4242 && usr1_code == SI_QUEUE, "sigqueue's value reaches the handler (SI_QUEUE)");

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    struct timespec ts = { 0, 100000000 };
    siginfo_t si;
    long long t0 = now_ms();
    errno = 0;
    CHECK(sigtimedwait(&set, &si, &ts) == -1 && errno == EAGAIN && near(now_ms() - t0, 100), "sigtimedwait times out with EAGAIN");
    pid_t parent = getpid();
    c = fork();
    if (c == 0) { kill(parent, SIGUSR2); _exit(0); }
    ts.tv_sec = 10;
    int got = sigtimedwait(&set, &si, &ts);
    CHECK(got == SIGUSR2 && si.si_pid == c && si.si_code == SI_USER, "sigtimedwait takes a blocked SIGUSR2 sent by the child");
    waitpid(c, NULL, 0);

    int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    CHECK_ERR(sfd >= 0, "signalfd");
    c = fork();
    if (c == 0) { kill(parent, SIGUSR2); _exit(0); }
    struct signalfd_siginfo rec;
    ssize_t n = read(sfd, &rec, sizeof rec);
    CHECK(n == sizeof rec && rec.ssi_signo == SIGUSR2 && (pid_t)rec.ssi_pid == c, "signalfd reads the child's SIGUSR2 with its pid");
    struct pollfd p = { sfd, POLLIN, 0 };
    CHECK(poll(&p, 1, 0) == 0, "then nothing is pending");
    waitpid(c, NULL, 0);
    close(sfd);
}

static int read_file(const char *path, char *buf, int size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    int n = (int)read(fd, buf, size - 1);
    close(fd);
    if (n < 0) return -1;
    buf[n] = 0;
    return n;
}

/* /proc/PID for other processes: stat (pid, state, ppid), status, cmdline; gone after the reap. */
static void procpid(void)
{
    int fd[2];
    pipe(fd);
    pid_t c = fork();
    if (c == 0) { char b; close(fd[1]); read(fd[0], &b, 1); _exit(0); }
    close(fd[0]);
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)c);
    int n = 0;
    for (int i = 0; i < 100; i++) {                          /* until the child sleeps in its read */
        n = read_file(path, buf, sizeof buf);
        char *rp = strrchr(buf, ')');
        if (n > 0 && rp && rp[2] == 'S') break;
        struct timespec ts = { 0, 10000000 };
        nanosleep(&ts, NULL);
    }
    int pid = 0, ppid = 0;
    char state = 0;
    char *rp = n > 0 ? strrchr(buf, ')') : NULL;
    if (rp) { pid = atoi(buf); sscanf(rp + 2, "%c %d", &state, &ppid); }
    CHECK(pid == c && ppid == getpid(), "/proc/CHILD/stat names the child and its parent");
    CHECK(state == 'S', "the child blocked in read is sleeping (S)");
    snprintf(path, sizeof path, "/proc/%d/status", (int)c);
    n = read_file(path, buf, sizeof buf);
    char *pp = n > 0 ? strstr(buf, "\nPPid:\t") : NULL;
    CHECK(pp && atoi(pp + 7) == getpid(), "/proc/CHILD/status has its PPid");
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)c);
    char mine[4096];
    int a = read_file(path, buf, sizeof buf), b = read_file("/proc/self/cmdline", mine, sizeof mine);
    CHECK(a > 0 && a == b && memcmp(buf, mine, a) == 0, "a forked child's cmdline is its parent's");
    write(fd[1], "x", 1);
    close(fd[1]);
    struct timespec ts = { 0, 50000000 };
    nanosleep(&ts, NULL);
    snprintf(path, sizeof path, "/proc/%d/stat", (int)c);
    n = read_file(path, buf, sizeof buf);
    rp = n > 0 ? strrchr(buf, ')') : NULL;
    CHECK(rp && rp[2] == 'Z', "an exited, unreaped child is a zombie (Z)");
    wait_status(c);
    errno = 0;
    CHECK(open(path, O_RDONLY) == -1 && errno == ENOENT, "after the reap /proc/CHILD is gone");
}

/* pidfds: pidfd_open, poll until the exit, pidfd_send_signal, pidfd_getfd, waitid(P_PIDFD). */
static void pidfd(void)
{
    int fd[2];
    pipe(fd);
    pid_t c = fork();
    if (c == 0) { for (;;) pause(); }
    int pfd = (int)syscall(SYS_pidfd_open, c, 0);
    CHECK_ERR(pfd >= 0, "pidfd_open");
    CHECK((fcntl(pfd, F_GETFD) & FD_CLOEXEC) != 0, "a pidfd is close-on-exec");
    struct pollfd p = { pfd, POLLIN, 0 };
    CHECK(poll(&p, 1, 50) == 0, "poll: not readable while the process lives");
    int theirs = (int)syscall(SYS_pidfd_getfd, pfd, fd[1], 0);
    CHECK(theirs >= 0 && write(theirs, "g", 1) == 1, "pidfd_getfd copies one of its descriptors");
    char b = 0;
    CHECK(read(fd[0], &b, 1) == 1 && b == 'g', "which reaches the same pipe");
    CHECK(syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0) == 0, "pidfd_send_signal SIGKILL");
    CHECK(poll(&p, 1, 5000) == 1 && (p.revents & POLLIN), "poll: readable once it is dead");
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(waitid((idtype_t)3 /* P_PIDFD */, pfd, &si, WEXITED) == 0 && si.si_pid == c && si.si_code == CLD_KILLED && si.si_status == SIGKILL,
          "waitid(P_PIDFD) reaps it: CLD_KILLED by SIGKILL");
    errno = 0;
    CHECK(syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0) == -1 && errno == ESRCH, "a signal to a reaped process: ESRCH");
    close(pfd);
    errno = 0;
    CHECK(syscall(SYS_pidfd_open, 0x3fffffff, 0) == -1 && errno == ESRCH, "pidfd_open of no process: ESRCH");
}

/* 1000 children exit before anyone waits; all are reaped. */
static void zombies(void)
{
    int made = 0;
    for (int i = 0; i < 1000; i++) {
        pid_t c = fork();
        if (c == 0) _exit(i & 0x7F);
        if (c > 0) made++;
    }
    CHECK(made == 1000, "1000 children forked");
    long sum = 0;
    int reaped = 0, st;
    pid_t p;
    while ((p = wait(&st)) > 0) { reaped++; sum += WEXITSTATUS(st); }
    long want = 0;
    for (int i = 0; i < 1000; i++) want += i & 0x7F;
    CHECK(reaped == 1000, "1000 zombies reaped (%d)", reaped);
    CHECK(sum == want, "with their exit statuses");
    CHECK(errno == ECHILD, "then ECHILD");
}

/* A grandchild whose parent exits gets a new parent (not its dead one) and can still run. */
static void orphans(void)
{
    int fd[2];
    CHECK_ERR(pipe(fd) == 0, "pipe");
    pid_t c = fork();
    if (c == 0) {
        pid_t me = getpid();
        pid_t g = fork();
        if (g == 0) {
            close(fd[0]);
            while (getppid() == me) { struct timespec ts = { 0, 1000000 }; nanosleep(&ts, NULL); }
            char r = getppid() != me ? 'r' : 'x';
            write(fd[1], &r, 1);
            _exit(0);
        }
        _exit(0);
    }
    close(fd[1]);
    int st = wait_status(c);
    CHECK(WIFEXITED(st), "the middle process exited");
    char r = 0;
    CHECK(read(fd[0], &r, 1) == 1 && r == 'r', "the orphan was reparented and still runs");
}

/* kill(-pgid) reaches every member of a process group. */
static void killpg_test(void)
{
    pid_t leader = fork();
    if (leader == 0) {
        setpgid(0, 0);
        for (int i = 0; i < 3; i++) if (fork() == 0) { for (;;) pause(); }
        for (;;) pause();
    }
    setpgid(leader, leader);
    struct timespec ts = { 0, 100000000 };
    nanosleep(&ts, NULL);
    CHECK(kill(-leader, SIGTERM) == 0, "kill(-pgid, SIGTERM)");
    int st = wait_status(leader);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "the group leader died of SIGTERM");
}

static void *spinner(void *arg) { volatile int *stop = arg; while (!*stop) { } return NULL; }
static void *sleeper(void *arg) { (void)arg; struct timespec ts = { 2, 0 }; nanosleep(&ts, NULL); return NULL; }


/* poll, select, epoll_wait, nanosleep, futex-backed waits time out on time while others run or sleep. */
static void timeouts(void)
{
    volatile int stop = 0;
    pthread_t spin, sl;
    pthread_create(&spin, NULL, spinner, (void *)&stop);
    pthread_create(&sl, NULL, sleeper, NULL);
    pid_t busy = fork();
    if (busy == 0) { for (;;) { } }
    int fd[2];
    pipe(fd);
    long long t = now_ms();
    struct pollfd p = { fd[0], POLLIN, 0 };
    int r = poll(&p, 1, 200);
    CHECK(r == 0 && near(now_ms() - t, 200), "poll(200 ms) times out on time");
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(fd[0], &rs);
    struct timeval tv = { 0, 200000 };
    t = now_ms();
    r = select(fd[0] + 1, &rs, NULL, NULL, &tv);
    CHECK(r == 0 && near(now_ms() - t, 200), "select(200 ms) times out on time");
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN };
    epoll_ctl(ep, EPOLL_CTL_ADD, fd[0], &ev);
    t = now_ms();
    r = epoll_wait(ep, &ev, 1, 200);
    CHECK(r == 0 && near(now_ms() - t, 200), "epoll_wait(200 ms) times out on time");
    t = now_ms();
    struct timespec ts = { 0, 200000000 };
    nanosleep(&ts, NULL);
    CHECK(near(now_ms() - t, 200), "nanosleep(200 ms) sleeps 200 ms");
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_nsec += 200000000;
    if (dl.tv_nsec >= 1000000000) { dl.tv_sec++; dl.tv_nsec -= 1000000000; }
    t = now_ms();
    pthread_mutex_lock(&mu);
    r = pthread_cond_timedwait(&cv, &mu, &dl);
    pthread_mutex_unlock(&mu);
    CHECK(r == ETIMEDOUT && near(now_ms() - t, 200), "pthread_cond_timedwait (CLOCK_REALTIME) times out on time");
    stop = 1;
    pthread_join(spin, NULL);
    pthread_join(sl, NULL);
    kill(busy, SIGKILL);
    int st = wait_status(busy);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the busy child died of SIGKILL");
}

static void *forker(void *arg)
{
    (void)arg;
    pid_t c = fork();
    if (c == 0) _exit(5);
    int st = wait_status(c);
    return (void *)(long)(WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* fork from a second thread: the child has one thread and runs; the parent's threads go on. */
static void threadfork(void)
{
    pthread_t t;
    void *res;
    pthread_create(&t, NULL, forker, NULL);
    pthread_join(t, &res);
    CHECK((long)res == 5, "a thread forks, its child exits 5, the thread reaps it");
    pid_t c = fork();
    if (c == 0) _exit(6);
    int st = wait_status(c);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 6, "the main thread forks too");
}

static char *self_path;
static void *execer(void *arg)
{
    (void)arg;
    char *argv[] = { self_path, "exec-target", NULL };
    execv("/proc/self/exe", argv);
    return NULL;
}

/* execve from a second thread ends the other threads; the new image runs with the process's pid. */
static void threadexec(void)
{
    pid_t c = fork();
    if (c == 0) {
        pthread_t t, s;
        volatile int stop = 0;
        pthread_create(&s, NULL, spinner, (void *)&stop);
        pthread_create(&t, NULL, execer, NULL);
        for (;;) pause();
    }
    int st = wait_status(c);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 33, "the image exec'd by a second thread ran and exited 33");
}

int main(int argc, char **argv)
{
    self_path = argv[0];
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *what = argc > 1 ? argv[1] : "";
    if (strcmp(what, "exec-target") == 0) return 33;
    if (strcmp(what, "pipeline") == 0) pipeline();
    else if (strcmp(what, "pingpong") == 0) pingpong();
    else if (strcmp(what, "prefork") == 0) prefork();
    else if (strcmp(what, "sigusr") == 0) sigusr();
    else if (strcmp(what, "shared") == 0) shared();
    else if (strcmp(what, "sharedfiles") == 0) shared_files();
    else if (strcmp(what, "ltp") == 0) ltp();
    else if (strcmp(what, "stopcont") == 0) stopcont();
    else if (strcmp(what, "siginfo") == 0) siginfo();
    else if (strcmp(what, "procpid") == 0) procpid();
    else if (strcmp(what, "pidfd") == 0) pidfd();
    else if (strcmp(what, "zombies") == 0) zombies();
    else if (strcmp(what, "orphans") == 0) orphans();
    else if (strcmp(what, "killpg") == 0) killpg_test();
    else if (strcmp(what, "timeouts") == 0) timeouts();
    else if (strcmp(what, "threadfork") == 0) threadfork();
    else if (strcmp(what, "threadexec") == 0) threadexec();
    else { printf("usage: procs SCENARIO\n"); return 2; }
    return t_done();
}
