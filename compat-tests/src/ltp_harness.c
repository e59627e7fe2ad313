/* What the Linux Test Project's library (lib/tst_test.c and friends) asks of the kernel before and
 * around every test, each step done the way the library does it, written from its description:
 * the results page in /dev/shm (O_CREAT|O_EXCL, chmod, ftruncate, MAP_SHARED, unlinked while
 * mapped, reopened by path for exec'd children), checkpoints (FUTEX_WAIT/FUTEX_WAKE on that page
 * across processes), the forked test run in its own process group under alarm() with SIGUSR1
 * heartbeats, the timeout's kill of the group, leftover descendants, the reaping loop, the
 * temporary directory (mkdtemp, chown, chmod 0777, chdir) and its recursive removal, the
 * process-state waits (/proc/PID/stat and /proc/self/task/TID/stat), the files the library reads
 * (/proc/sys/kernel/tainted, /proc/meminfo, uname's release) and the guarded buffers. */
#include "compat.h"
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

struct region {
    int32_t magic;
    int32_t lib_pid, main_pid;
    int32_t passed, failed, broken, abort_flag;
    uint32_t futexes[64];
};

static struct region *ipc;
static char shm_path[256];

static long futex(uint32_t *w, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, w, op, val, ts, NULL, 0);
}

static void shared_page(void)
{
    CHECK(access("/dev/shm", F_OK) == 0, "/dev/shm exists");
    snprintf(shm_path, sizeof shm_path, "/dev/shm/ltp_harness_%d", (int)getpid());
    unlink(shm_path);
    int fd = open(shm_path, O_CREAT | O_EXCL | O_RDWR, 0600);
    CHECK_ERR(fd >= 0, "open(O_CREAT|O_EXCL) of the results file");
    errno = 0;
    int again = open(shm_path, O_CREAT | O_EXCL | O_RDWR, 0600);
    CHECK(again == -1 && errno == EEXIST, "a second O_EXCL open gives EEXIST");
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_size == 0, "it is created 0600 and empty");
    CHECK_ERR(chmod(shm_path, 0666) == 0, "chmod 0666");
    CHECK(stat(shm_path, &st) == 0 && (st.st_mode & 07777) == 0666, "the mode reads back 0666");
    CHECK_ERR(ftruncate(fd, getpagesize()) == 0, "ftruncate to a page");
    ipc = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK_ERR(ipc != MAP_FAILED, "mmap(MAP_SHARED) of it");
    CHECK(close(fd) == 0, "close after mmap");
    memset(ipc, 0, getpagesize());
    ipc->magic = 0x4D50544C;
    ipc->lib_pid = getpid();

    /* An exec'd child (tst_reinit) opens the path again and maps it: both views are one page. */
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        int f = open(shm_path, O_RDWR);
        if (f < 0) _exit(1);
        struct region *r = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
        close(f);
        if (r == MAP_FAILED || r->magic != 0x4D50544C) _exit(2);
        __atomic_add_fetch(&r->passed, 5, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&ipc->failed, 1, __ATOMIC_SEQ_CST);   /* the inherited mapping too */
        msync(r, getpagesize(), MS_SYNC);
        munmap(r, getpagesize());
        _exit(0);
    }
    int s;
    CHECK(waitpid(c, &s, 0) == c && WIFEXITED(s) && WEXITSTATUS(s) == 0, "a child reopens the file by path and maps it");
    CHECK(ipc->passed == 5 && ipc->failed == 1, "its writes through both mappings reach the parent");
    ipc->passed = ipc->failed = 0;

    char buf[8];
    int f = open(shm_path, O_RDONLY);
    CHECK(f >= 0 && pread(f, buf, 4, 0) == 4 && memcmp(buf, "LTPM", 4) == 0, "read() of the file sees the mapping's magic");
    if (f >= 0) close(f);
    CHECK_ERR(unlink(shm_path) == 0, "unlink while mapped");
    CHECK(access(shm_path, F_OK) == -1 && errno == ENOENT, "the name is gone");
    ipc->broken = 3;
    CHECK(ipc->broken == 3, "the mapping outlives the name");
}

/* tst_checkpoint_wait/wake: FUTEX_WAIT with a timeout in one process, FUTEX_WAKE(INT_MAX) retried
 * every millisecond in the other until it reports the expected number woken. */
static int checkpoint_wake(unsigned id, unsigned nr, unsigned msecs)
{
    unsigned woken = 0;
    for (unsigned ms = 0;; ms++) {
        long r = futex(&ipc->futexes[id], FUTEX_WAKE, INT_MAX, NULL);
        if (r > 0) woken += r;
        if (woken == nr) return 0;
        if (ms >= msecs) return -1;
        usleep(1000);
    }
}

static int checkpoint_wait(unsigned id, unsigned msecs)
{
    struct timespec ts = { msecs / 1000, (msecs % 1000) * 1000000L };
    long r;
    do r = futex(&ipc->futexes[id], FUTEX_WAIT, ipc->futexes[id], &ts);
    while (r == -1 && errno == EINTR);
    return (int)r;
}

static void checkpoints(void)
{
    struct timespec ts = { 0, 20000000 };
    errno = 0;
    CHECK(futex(&ipc->futexes[0], FUTEX_WAIT, 0, &ts) == -1 && errno == ETIMEDOUT, "FUTEX_WAIT times out with ETIMEDOUT");
    errno = 0;
    CHECK(futex(&ipc->futexes[0], FUTEX_WAIT, 1, &ts) == -1 && errno == EAGAIN, "FUTEX_WAIT on a changed value gives EAGAIN");
    CHECK(futex(&ipc->futexes[0], FUTEX_WAKE, INT_MAX, NULL) == 0, "FUTEX_WAKE with no waiters wakes 0");

    fflush(stdout);
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            if (checkpoint_wait(1, 10000) != 0) _exit(1);
            __atomic_add_fetch(&ipc->passed, 1, __ATOMIC_SEQ_CST);
            if (i == 0 && checkpoint_wake(2, 1, 10000) != 0) _exit(2);
            _exit(0);
        }
    }
    CHECK(checkpoint_wake(1, 3, 10000) == 0, "TST_CHECKPOINT_WAKE2(1, 3) wakes three waiting children");
    CHECK(checkpoint_wait(2, 10000) == 0, "a child wakes the parent back");
    int ok = 1;
    for (int i = 0; i < 3; i++) {
        int s;
        if (waitpid(kids[i], &s, 0) != kids[i] || !WIFEXITED(s) || WEXITSTATUS(s) != 0) ok = 0;
    }
    CHECK(ok && ipc->passed == 3, "all three saw the wake");
    ipc->passed = 0;
    CHECK(checkpoint_wake(3, 1, 20) == -1, "a wake with nobody waiting gives up after its timeout");
}

/* fork_testrun: SIGALRM and SIGUSR1 handlers from signal() (so SA_RESTART), alarm, the test in its
 * own process group, heartbeats that must not break the parent's waitpid. */
static volatile sig_atomic_t heartbeats, alarms;
static pid_t test_pid;
static void heartbeat_handler(int s) { (void)s; heartbeats++; alarm(30); }
static void alarm_handler(int s) { (void)s; alarms++; kill(-test_pid, SIGKILL); alarm(5); }

static void heartbeat(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (getppid() == 1) { kill(0, SIGKILL); _exit(2); }
    kill(getppid(), SIGUSR1);
}

static void testrun(void)
{
    signal(SIGALRM, alarm_handler);
    signal(SIGUSR1, heartbeat_handler);
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0, "PR_SET_CHILD_SUBREAPER (so leftovers come back here)");
    alarm(30);
    fflush(stdout);
    test_pid = fork();
    if (test_pid == 0) {
        signal(SIGALRM, SIG_DFL);
        signal(SIGUSR1, SIG_DFL);
        if (setpgid(0, 0) != 0) _exit(3);
        ipc->main_pid = (int32_t)syscall(SYS_getpid);
        for (int i = 0; i < 50; i++) heartbeat();
        /* a descendant left behind in the group */
        pid_t g = fork();
        if (g == 0) { for (;;) pause(); }
        for (int i = 0; i < 50; i++) heartbeat();
        __atomic_add_fetch(&ipc->passed, 1, __ATOMIC_SEQ_CST);
        _exit(0);
    }
    int s;
    pid_t w = waitpid(test_pid, &s, 0);
    int e = errno;
    alarm(0);
    CHECK(w == test_pid, "waitpid is not broken by the heartbeats (%s)", w == -1 ? strerror(e) : "ok");
    CHECK(WIFEXITED(s) && WEXITSTATUS(s) == 0 && ipc->passed == 1, "the test process ran to the end");
    CHECK(heartbeats >= 1, "heartbeats arrived");
    CHECK(ipc->main_pid == test_pid, "the raw getpid of the test is fork's value");
    CHECK(getpgid(test_pid) == -1 && errno == ESRCH, "getpgid of the reaped test gives ESRCH");
    CHECK(kill(-test_pid, SIGKILL) == 0, "kill(-pgid) reaches the leftover descendant");
    int leftovers = 0, killed = 0;
    for (;;) {
        w = wait(&s);
        if (w > 0) { leftovers++; if (WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL) killed++; continue; }
        if (errno == EINTR) continue;
        break;
    }
    CHECK(errno == ECHILD, "tst_reap_children's loop ends with ECHILD");
    CHECK(leftovers == 1 && killed == 1, "the subreaper reaped the killed leftover");
    errno = 0;
    CHECK(kill(-test_pid, SIGKILL) == -1 && errno == ESRCH, "kill of an empty group gives ESRCH");
    ipc->passed = 0;

    /* A test that hangs: the alarm's handler kills its group and waitpid sees SIGKILL. */
    alarms = 0;
    alarm(1);
    fflush(stdout);
    test_pid = fork();
    if (test_pid == 0) {
        signal(SIGALRM, SIG_DFL);
        signal(SIGUSR1, SIG_DFL);
        setpgid(0, 0);
        if (fork() == 0) { for (;;) pause(); }
        for (;;) pause();
    }
    w = waitpid(test_pid, &s, 0);
    alarm(0);
    CHECK(w == test_pid && WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL, "a hung test is killed by the timeout");
    CHECK(alarms == 1, "the alarm fired once");
    int reaped = 0;
    while ((w = wait(&s)) > 0 || errno == EINTR)
        if (w > 0 && WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL) reaped++;
    CHECK(reaped == 1, "its child died with the group");
    prctl(PR_SET_CHILD_SUBREAPER, 0);
    int v = -1;
    CHECK(prctl(PR_GET_CHILD_SUBREAPER, &v) == 0 && v == 0, "PR_GET_CHILD_SUBREAPER reads back 0");
    signal(SIGALRM, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);

    /* A child that was killed shows in RUSAGE_CHILDREN. */
    struct rusage ru;
    CHECK(getrusage(RUSAGE_CHILDREN, &ru) == 0, "getrusage(RUSAGE_CHILDREN)");
}

/* tst_tmpdir and tst_rmdir */
static int purge(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd < 0) return -1;
    DIR *d = fdopendir(fd);
    if (!d) { close(fd); return -1; }
    struct dirent *e;
    int ret = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (unlinkat(fd, e->d_name, 0) == 0) continue;
        if (errno != EISDIR) { ret = -1; continue; }
        if (purge(fd, e->d_name) != 0) ret = -1;
    }
    closedir(d);
    if (unlinkat(dirfd, name, AT_REMOVEDIR) != 0) ret = -1;
    return ret;
}

static int rmobj(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return -1;
    if (!S_ISDIR(st.st_mode)) return unlink(path);
    DIR *d = opendir(path);
    if (!d) return -1;
    struct dirent *e;
    char sub[PATH_MAX];
    int ret = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (rmobj(sub) != 0) ret = -1;
    }
    closedir(d);
    return rmdir(path) == 0 ? ret : -1;
}

static void populate(void)
{
    close(creat("file", 0644));
    mkdir("dir", 0755);
    mkdir("dir/sub", 0700);
    close(creat("dir/sub/deep", 0));
    symlink("/nonexistent", "dangling");
    symlink("dir", "dirlink");
    mkfifo("fifo", 0600);
    mkdir("ro", 0755);
    for (int i = 0; i < 40; i++) {
        char n[32];
        snprintf(n, sizeof n, "ro/f%02d", i);
        close(creat(n, 0600));
    }
    chmod("ro", 0555);
    int fd = open("unlinked_open", O_CREAT | O_RDWR, 0600);   /* a file still open at removal */
    (void)fd;
}

static void tmpdir(void)
{
    char startwd[PATH_MAX];
    CHECK(getcwd(startwd, sizeof startwd) != NULL, "getcwd before");
    for (int round = 0; round < 2; round++) {
        char tmpl[PATH_MAX];
        const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(tmpl, sizeof tmpl, "%s/LTP_harXXXXXX", base);
        char *dir = mkdtemp(tmpl);
        CHECK_ERR(dir != NULL, "mkdtemp");
        if (!dir) return;
        struct stat st;
        CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700, "it is a 0700 directory");
        CHECK_ERR(chown(dir, -1, getgid()) == 0, "chown(dir, -1, getgid())");
        CHECK_ERR(chmod(dir, 0777) == 0, "chmod 0777");
        CHECK(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0777 && st.st_gid == getgid(), "mode and group read back");
        CHECK_ERR(chdir(dir) == 0, "chdir into it");
        char cwd[PATH_MAX];
        CHECK(getcwd(cwd, sizeof cwd) && strcmp(cwd, dir) == 0, "getcwd is the directory");
        populate();
        CHECK(chdir(startwd) == 0, "chdir back");
        int r = round == 0 ? rmobj(dir) : purge(AT_FDCWD, dir);
        CHECK(r == 0, round == 0 ? "rmobj (lstat, opendir, unlink, rmdir) removes the tree" : "purge_dir (openat, fdopendir, unlinkat) removes the tree");
        CHECK(access(dir, F_OK) == -1 && errno == ENOENT, "the directory is gone");
    }
    /* removing the cwd itself, as tst_rmdir does from a child that still sits in it */
    char tmpl[] = "/tmp/LTP_cwdXXXXXX";
    char *dir = mkdtemp(tmpl);
    CHECK(dir && chdir(dir) == 0 && rmdir(dir) == 0, "rmdir of the current directory");
    errno = 0;
    CHECK(open("x", O_CREAT | O_RDWR, 0600) == -1 && errno == ENOENT, "creating in a removed cwd gives ENOENT");
    char cwd[PATH_MAX];
    errno = 0;
    CHECK(getcwd(cwd, sizeof cwd) == NULL && errno == ENOENT, "getcwd in a removed cwd gives ENOENT");
    chdir(startwd);
}

/* TST_PROCESS_STATE_WAIT and TST_THREAD_STATE_WAIT: the state letter after the command's ')'. */
static char state_of(const char *path)
{
    char buf[512];
    int fd = open(path, O_RDONLY);
    if (fd < 0) return '?';
    int n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return '?';
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : '!';
}

static char wait_state(pid_t pid, char want)
{
    char path[64], c = '?';
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    for (int i = 0; i < 2000; i++) {
        c = state_of(path);
        if (c == want) break;
        usleep(5000);
    }
    return c;
}

static uint32_t thread_word;
static pid_t thread_tid;
static void *thread_main(void *a)
{
    (void)a;
    __atomic_store_n(&thread_tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
    futex(&thread_word, FUTEX_WAIT_PRIVATE, 0, NULL);
    return NULL;
}

static void states(void)
{
    fflush(stdout);
    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        char b;
        close(p[1]);
        read(p[0], &b, 1);              /* blocked in read */
        for (;;) pause();               /* then in pause */
    }
    close(p[0]);
    CHECK(wait_state(c, 'S') == 'S', "a child blocked in read() is 'S'");
    write(p[1], "x", 1);
    CHECK(wait_state(c, 'S') == 'S', "a child in pause() is 'S'");
    kill(c, SIGSTOP);
    CHECK(wait_state(c, 'T') == 'T', "a stopped child is 'T'");
    kill(c, SIGCONT);
    CHECK(wait_state(c, 'S') == 'S', "a continued child is 'S' again");
    kill(c, SIGKILL);
    CHECK(wait_state(c, 'Z') == 'Z', "a dead unreaped child is 'Z'");
    int s;
    waitpid(c, &s, 0);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)c);
    errno = 0;
    CHECK(open(path, O_RDONLY) == -1 && errno == ENOENT, "a reaped child's stat is gone");
    close(p[1]);

    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    while (!__atomic_load_n(&thread_tid, __ATOMIC_SEQ_CST)) usleep(1000);
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)thread_tid);
    char st = '?';
    for (int i = 0; i < 2000 && (st = state_of(path)) != 'S'; i++) usleep(5000);
    CHECK(st == 'S', "a thread in FUTEX_WAIT is 'S' in /proc/self/task/TID/stat");
    __atomic_store_n(&thread_word, 1, __ATOMIC_SEQ_CST);
    futex(&thread_word, FUTEX_WAKE_PRIVATE, 1, NULL);
    pthread_join(t, NULL);
    CHECK(state_of("/proc/self/stat") == 'R', "the reader itself is 'R'");
}

static void library_files(void)
{
    FILE *f = fopen("/proc/sys/kernel/tainted", "r");
    unsigned taint;
    CHECK(f && fscanf(f, "%u", &taint) == 1, "/proc/sys/kernel/tainted reads as a number");
    if (f) fclose(f);

    long long avail = -1;
    char line[256];
    f = fopen("/proc/meminfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lld", &avail) == 1) break;
    if (f) fclose(f);
    CHECK(avail > 0, "/proc/meminfo has MemAvailable");

    /* tst_get_free_pids: pid_max, threads-max and every /proc/PID/status's Threads: line */
    int pid_max = 0, threads_max = 0;
    f = fopen("/proc/sys/kernel/pid_max", "r");
    CHECK(f && fscanf(f, "%d", &pid_max) == 1 && pid_max > 0, "/proc/sys/kernel/pid_max");
    if (f) fclose(f);
    f = fopen("/proc/sys/kernel/threads-max", "r");
    CHECK(f && fscanf(f, "%d", &threads_max) == 1 && threads_max > 0, "/proc/sys/kernel/threads-max");
    if (f) fclose(f);
    char sp[64];
    snprintf(sp, sizeof sp, "/proc/%d/status", (int)getpid());
    int threads = 0;
    f = fopen(sp, "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &threads) == 1) break;
    if (f) fclose(f);
    CHECK(threads == 1, "/proc/PID/status says Threads: 1");

    struct utsname u;
    int a = 0, b = 0, c = 0;
    CHECK(uname(&u) == 0 && sscanf(u.release, "%d.%d.%d", &a, &b, &c) == 3 && a >= 5, "uname's release parses as a 5.x or later version");
    CHECK(strcmp(u.machine, "x86_64") == 0, "machine x86_64");
    CHECK(sysconf(_SC_NPROCESSORS_ONLN) >= 1, "sysconf(_SC_NPROCESSORS_ONLN)");
    unsigned char gz[4] = {0};
    int cfd = open("/proc/config.gz", O_RDONLY);
    CHECK(cfd >= 0 && read(cfd, gz, 3) == 3 && gz[0] == 0x1f && gz[1] == 0x8b && gz[2] == 8, "/proc/config.gz is a gzip file (tst_kconfig reads it through zcat)");
    if (cfd >= 0) close(cfd);
    CHECK(access("/proc/self/oom_score_adj", F_OK) == 0, "/proc/self/oom_score_adj exists");
    f = fopen("/proc/self/oom_score_adj", "w");
    CHECK(f && fprintf(f, "%d", 500) > 0 && fclose(f) == 0, "writing 500 to oom_score_adj");
    int v = 1;
    f = fopen("/proc/self/oom_score_adj", "r");
    CHECK(f && fscanf(f, "%d", &v) == 1 && v == 500, "it reads back 500");
    if (f) fclose(f);
    fflush(stdout);
    pid_t k = fork();
    if (k == 0) {
        FILE *g = fopen("/proc/self/oom_score_adj", "r");
        int w = 0;
        _exit(g && fscanf(g, "%d", &w) == 1 && w == 500 ? 0 : 1);
    }
    int s;
    CHECK(waitpid(k, &s, 0) == k && WIFEXITED(s) && WEXITSTATUS(s) == 0, "a child inherits it");
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/oom_score_adj", (int)getpid());
    f = fopen(p, "w");
    CHECK(f && fprintf(f, "%d", 0) > 0 && fclose(f) == 0, "writing 0 through /proc/PID");
    f = fopen("/proc/self/oom_score_adj", "w");
    CHECK(f && fprintf(f, "%d", 1001) > 0 && fclose(f) != 0 && errno == EINVAL, "1001 is refused with EINVAL");
}

/* tst_buffers_alloc: the buffer ends where a PROT_NONE page starts. */
static void guarded(void)
{
    long ps = getpagesize();
    char *m = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED && mprotect(m + ps, ps, PROT_NONE) == 0, "guard page");
    char *buf = m + ps - 16;
    int fd = open("/dev/zero", O_RDONLY);
    CHECK(read(fd, buf, 16) == 16, "a read that fills the buffer to the guard");
    errno = 0;
    CHECK(read(fd, m + ps, 1) == -1 && errno == EFAULT, "a read into the guard page gives EFAULT");
    close(fd);
    struct timespec *ts = (struct timespec *)(m + ps - sizeof *ts);
    CHECK(clock_gettime(CLOCK_MONOTONIC, ts) == 0, "a struct at the guard's edge is written");
    errno = 0;
    CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (char *)ts + 8) == -1 && errno == EFAULT, "one that crosses it gives EFAULT");
    munmap(m, 2 * ps);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    shared_page();
    checkpoints();
    testrun();
    tmpdir();
    states();
    library_files();
    guarded();
    munmap(ipc, getpagesize());
    return t_done();
}
