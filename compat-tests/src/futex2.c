/* futex2: futex_waitv, futex_wake, futex_wait and futex_requeue, with threads and a forked child
 * over a MAP_SHARED page; waiters of futex(2) and futex2 wake each other; absolute timeouts on both
 * clocks; signals with and without SA_RESTART; the EINVAL and EFAULT cases. */
#include "compat.h"
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* <linux/futex.h> values (musl ships no kernel headers) */
#define NR_futex_waitv 449
#define NR_futex_wake 454
#define NR_futex_wait 455
#define NR_futex_requeue 456
#define FUTEX2_SIZE_U8 0x00
#define FUTEX2_SIZE_U16 0x01
#define FUTEX2_SIZE_U32 0x02
#define FUTEX2_SIZE_U64 0x03
#define FUTEX2_NUMA 0x04
#define FUTEX2_PRIVATE 128
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_PRIVATE_FLAG 128
#define ANY 0xffffffffUL
#define U32P (FUTEX2_SIZE_U32 | FUTEX2_PRIVATE)

struct futex_waitv {
    uint64_t val;
    uint64_t uaddr;
    uint32_t flags;
    uint32_t __reserved;
};

static long waitv(struct futex_waitv *w, unsigned n, unsigned flags, struct timespec *ts, int clk)
{
    return syscall(NR_futex_waitv, w, n, flags, ts, clk);
}
static long fwake(void *u, unsigned long mask, int nr, unsigned flags)
{
    return syscall(NR_futex_wake, u, mask, nr, flags);
}
static long fwait(void *u, unsigned long val, unsigned long mask, unsigned flags, struct timespec *ts, int clk)
{
    return syscall(NR_futex_wait, u, val, mask, flags, ts, clk);
}
static long frequeue(struct futex_waitv *w, unsigned flags, int nr_wake, int nr_requeue)
{
    return syscall(NR_futex_requeue, w, flags, nr_wake, nr_requeue);
}
static long futex1(uint32_t *u, int op, uint32_t val)
{
    return syscall(SYS_futex, u, op, val, NULL, NULL, 0);
}

static struct futex_waitv entry(uint32_t *u, uint64_t val, uint32_t flags)
{
    struct futex_waitv v = {val, (uintptr_t)u, flags, 0};
    return v;
}

/* How many waits are queued on *u: requeue it onto itself, waking nobody (no side effect). */
static long waiters(uint32_t *u, unsigned flags)
{
    struct futex_waitv v[2] = {entry(u, *(volatile uint32_t *)u, flags), entry(u, 0, flags)};
    return frequeue(v, 0, 0, INT_MAX);
}

/* Until n waits are queued on *u (at most 4 s). */
static int await_waiters(uint32_t *u, unsigned flags, long n)
{
    for (int i = 0; i < 4000; i++) {
        if (waiters(u, flags) == n)
            return 1;
        usleep(1000);
    }
    return 0;
}

static long long ns_of(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

static struct timespec after_ms(int clk, int ms)
{
    struct timespec t;
    clock_gettime(clk, &t);
    long long ns = ns_of(t) + ms * 1000000LL;
    t.tv_sec = ns / 1000000000LL;
    t.tv_nsec = ns % 1000000000LL;
    return t;
}

/* ---- threads ---- */

static uint32_t fx[3];
static long t_ret;
static int t_err;

static void *waitv_thread(void *arg)
{
    (void)arg;
    struct futex_waitv v[3] = {entry(&fx[0], 0, U32P), entry(&fx[1], 0, U32P), entry(&fx[2], 0, U32P)};
    struct timespec dl = after_ms(CLOCK_MONOTONIC, 5000);
    errno = 0;
    t_ret = waitv(v, 3, 0, &dl, CLOCK_MONOTONIC);
    t_err = t_ret < 0 ? errno : 0;
    return NULL;
}

static void *old_wait_thread(void *arg)
{
    errno = 0;
    t_ret = futex1((uint32_t *)arg, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0);
    t_err = t_ret < 0 ? errno : 0;
    return NULL;
}

static void *wait2_thread(void *arg)
{
    errno = 0;
    t_ret = fwait(arg, 0, 0x5, U32P, NULL, 0);
    t_err = t_ret < 0 ? errno : 0;
    return NULL;
}

static void test_wake_second_of_three(void)
{
    pthread_t t;
    fx[0] = fx[1] = fx[2] = 0;
    pthread_create(&t, NULL, waitv_thread, NULL);
    CHECK(await_waiters(&fx[1], U32P, 1), "futex_waitv queues a wait on each of its futexes");
    CHECK(waiters(&fx[0], U32P) == 1 && waiters(&fx[2], U32P) == 1, "the first and third futexes each have one wait");
    long r = fwake(&fx[1], ANY, 1, U32P);
    pthread_join(t, NULL);
    CHECK(r == 1, "futex_wake on the second futex wakes 1 (got %ld)", r);
    CHECK(t_ret == 1, "futex_waitv returns the index of the futex woken: %ld", t_ret);
    CHECK(waiters(&fx[0], U32P) == 0 && waiters(&fx[2], U32P) == 0, "no wait remains queued on the other futexes");
}

static void test_cross_api(void)
{
    static uint32_t w;
    pthread_t t;

    /* futex(FUTEX_WAIT) woken by futex_wake */
    w = 0;
    pthread_create(&t, NULL, old_wait_thread, &w);
    CHECK(await_waiters(&w, U32P, 1), "a FUTEX_WAIT_PRIVATE waiter is seen by futex2");
    long r = fwake(&w, ANY, 1, U32P);
    pthread_join(t, NULL);
    CHECK(r == 1 && t_ret == 0, "futex_wake wakes a FUTEX_WAIT waiter: %ld, the wait returns %ld", r, t_ret);

    /* futex_waitv woken by futex(FUTEX_WAKE) */
    fx[0] = fx[1] = fx[2] = 0;
    pthread_create(&t, NULL, waitv_thread, NULL);
    CHECK(await_waiters(&fx[2], U32P, 1), "futex_waitv is waiting");
    r = futex1(&fx[2], FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1);
    pthread_join(t, NULL);
    CHECK(r == 1 && t_ret == 2, "FUTEX_WAKE wakes a futex_waitv waiter: %ld, futex_waitv returns %ld", r, t_ret);

    /* futex_wait's mask: a wake with a disjoint mask passes it by */
    w = 0;
    pthread_create(&t, NULL, wait2_thread, &w);
    CHECK(await_waiters(&w, U32P, 1), "futex_wait is waiting");
    r = fwake(&w, 0x2, 1, U32P);
    CHECK(r == 0, "futex_wake with a disjoint mask wakes nobody (%ld)", r);
    r = fwake(&w, 0x4, 0, U32P);
    CHECK(r == 0, "futex_wake of 0 waiters wakes nobody (%ld)", r);
    r = futex1(&w, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 0);
    pthread_join(t, NULL);
    CHECK(r == 1 && t_ret == 0, "FUTEX_WAKE of 0 still wakes one futex_wait waiter: %ld, futex_wait returns %ld", r, t_ret);
}

static uint32_t rq_src, rq_dst;
static long rq_ret[3];

static void *requeue_thread(void *arg)
{
    intptr_t i = (intptr_t)arg;
    rq_ret[i] = fwait(&rq_src, 0, ANY, U32P, NULL, 0);
    return NULL;
}

static void test_requeue(void)
{
    pthread_t t[3];
    rq_src = rq_dst = 0;
    for (intptr_t i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, requeue_thread, (void *)i);
    CHECK(await_waiters(&rq_src, U32P, 3), "three futex_wait waiters on the source");

    struct futex_waitv v[2] = {entry(&rq_src, 7, U32P), entry(&rq_dst, 0, U32P)};
    errno = 0;
    long r = frequeue(v, 0, 1, 1);
    CHECK(r == -1 && errno == EAGAIN, "futex_requeue with a stale value fails with EAGAIN");
    v[0].val = 0;
    r = frequeue(v, 0, 1, 1);
    CHECK(r == 2, "futex_requeue wakes 1 and moves 1: returns %ld", r);
    CHECK(waiters(&rq_src, U32P) == 1, "one waiter is left on the source");
    CHECK(waiters(&rq_dst, U32P) == 1, "one waiter is on the target");
    r = fwake(&rq_dst, ANY, INT_MAX, U32P);
    CHECK(r == 1, "futex_wake on the target wakes the moved waiter (%ld)", r);
    r = frequeue(v, 0, 0, 5);
    CHECK(r == 1, "futex_requeue with nr_wake 0 moves the last waiter without waking it (%ld)", r);
    r = futex1(&rq_dst, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX);
    CHECK(r == 1, "FUTEX_WAKE on the target wakes it (%ld)", r);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    CHECK(rq_ret[0] == 0 && rq_ret[1] == 0 && rq_ret[2] == 0, "every futex_wait returned 0");

    /* a futex_waitv wait moves too: woken on the target, it reports the source's index */
    fx[0] = fx[1] = fx[2] = 0;
    pthread_create(&t[0], NULL, waitv_thread, NULL);
    CHECK(await_waiters(&fx[0], U32P, 1), "futex_waitv is waiting");
    struct futex_waitv m[2] = {entry(&fx[0], 0, U32P), entry(&rq_dst, 0, U32P)};
    r = frequeue(m, 0, 0, 1);
    CHECK(r == 1, "futex_requeue moves futex_waitv's first wait (%ld)", r);
    r = fwake(&rq_dst, ANY, 1, U32P);
    pthread_join(t[0], NULL);
    CHECK(r == 1 && t_ret == 0, "woken on the target: %ld, futex_waitv returns %ld", r, t_ret);
}

/* ---- timeouts ---- */

static void report_timeout(const char *what, long r, int err, int clk, struct timespec dl)
{
    struct timespec now;
    clock_gettime(clk, &now);
    long long late = ns_of(now) - ns_of(dl);
    printf("%s: timed out: %s, within 50 ms: %s\n", what, r == -1 && err == ETIMEDOUT ? "yes" : "no",
           late >= 0 && late < 50000000LL ? "yes" : "no");
}

static void test_timeouts(void)
{
    static uint32_t w[2];
    static const int clocks[2] = {CLOCK_MONOTONIC, CLOCK_REALTIME};
    static const char *names[2] = {"CLOCK_MONOTONIC", "CLOCK_REALTIME"};
    char what[64];
    for (int c = 0; c < 2; c++) {
        struct futex_waitv v[2] = {entry(&w[0], 0, U32P), entry(&w[1], 0, FUTEX2_SIZE_U32)};
        struct timespec dl = after_ms(clocks[c], 120);
        errno = 0;
        long r = waitv(v, 2, 0, &dl, clocks[c]);
        snprintf(what, sizeof what, "futex_waitv %s", names[c]);
        report_timeout(what, r, errno, clocks[c], dl);

        dl = after_ms(clocks[c], 80);
        errno = 0;
        r = fwait(&w[0], 0, ANY, FUTEX2_SIZE_U32, &dl, clocks[c]);
        snprintf(what, sizeof what, "futex_wait %s", names[c]);
        report_timeout(what, r, errno, clocks[c], dl);

        struct timespec past = {0, 1};          /* the monotonic clock may be younger than a second */
        errno = 0;
        r = waitv(v, 1, 0, &past, clocks[c]);
        CHECK_ERR(r == -1 && errno == ETIMEDOUT, "futex_waitv with a past deadline on %s: ETIMEDOUT", names[c]);
    }
    /* a timeout far away is no error */
    struct timespec far = {LONG_MAX, 0};
    w[0] = 3;
    errno = 0;
    long r = fwait(&w[0], 0, ANY, U32P, &far, CLOCK_MONOTONIC);
    CHECK_ERR(r == -1 && errno == EAGAIN, "futex_wait with the largest timeout and a stale value: EAGAIN");
    w[0] = 0;
}

/* ---- fork over MAP_SHARED memory ---- */

static int child_result(pid_t pid)
{
    int st = 0;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

static void test_fork_shared(void)
{
    uint32_t *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        t_fail("mmap", "MAP_SHARED page");
        return;
    }

    /* child: futex_wait (shared) */
    pid_t pid = fork();
    if (pid == 0)
        _exit(fwait(&sh[0], 0, ANY, FUTEX2_SIZE_U32, NULL, 0) == 0 ? 0 : 10 + errno);
    CHECK(await_waiters(&sh[0], FUTEX2_SIZE_U32, 1), "the child's shared wait is seen by the parent");
    CHECK(fwake(&sh[0], ANY, 1, U32P) == 0, "a private wake in the parent does not reach the child");
    CHECK(fwake(&sh[0], ANY, 1, FUTEX2_SIZE_U32) == 1, "a shared futex_wake in the parent wakes the child");
    CHECK(child_result(pid) == 0, "the child's futex_wait returned 0");

    /* child: futex(FUTEX_WAIT) (shared); parent: futex_wake */
    pid = fork();
    if (pid == 0)
        _exit(futex1(&sh[1], FUTEX_WAIT, 0) == 0 ? 0 : 10 + errno);
    CHECK(await_waiters(&sh[1], FUTEX2_SIZE_U32, 1), "the child's FUTEX_WAIT is seen by futex2");
    CHECK(fwake(&sh[1], ANY, 1, FUTEX2_SIZE_U32) == 1, "futex_wake wakes the child's FUTEX_WAIT");
    CHECK(child_result(pid) == 0, "the child's FUTEX_WAIT returned 0");

    /* child: futex_waitv (shared) on two words; parent: futex(FUTEX_WAKE) on the second */
    pid = fork();
    if (pid == 0) {
        struct futex_waitv v[2] = {entry(&sh[2], 0, FUTEX2_SIZE_U32), entry(&sh[3], 0, FUTEX2_SIZE_U32)};
        _exit(waitv(v, 2, 0, NULL, 0) == 1 ? 0 : 10 + errno);
    }
    CHECK(await_waiters(&sh[3], FUTEX2_SIZE_U32, 1), "the child's futex_waitv is waiting");
    CHECK(futex1(&sh[3], FUTEX_WAKE, 1) == 1, "FUTEX_WAKE in the parent wakes the child's futex_waitv");
    CHECK(child_result(pid) == 0, "the child's futex_waitv returned 1");

    /* child: private wait on the shared page; nothing in the parent reaches it */
    pid = fork();
    if (pid == 0) {
        struct timespec dl = after_ms(CLOCK_MONOTONIC, 400);
        long r = fwait(&sh[4], 0, ANY, U32P, &dl, CLOCK_MONOTONIC);
        _exit(r == -1 && errno == ETIMEDOUT ? 0 : r == 0 ? 1 : 10 + errno);
    }
    usleep(100000);
    long a = fwake(&sh[4], ANY, 1, FUTEX2_SIZE_U32), b = fwake(&sh[4], ANY, 1, U32P);
    long c = futex1(&sh[4], FUTEX_WAKE, 1);
    CHECK(a == 0 && b == 0 && c == 0, "shared and private wakes in the parent miss a private waiter in the child");
    CHECK(child_result(pid) == 0, "the child's private futex_wait timed out");
    munmap(sh, 4096);
}

/* ---- signals ---- */

static volatile sig_atomic_t handled;
static void on_usr1(int sig) { (void)sig; handled++; }

static void *waitv_forever(void *arg)
{
    (void)arg;
    struct futex_waitv v[2] = {entry(&fx[0], 0, U32P), entry(&fx[1], 0, U32P)};
    errno = 0;
    t_ret = waitv(v, 2, 0, NULL, 0);
    t_err = t_ret < 0 ? errno : 0;
    return NULL;
}

static void test_signal(int restart)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGUSR1, &sa, NULL);
    handled = 0;
    fx[0] = fx[1] = 0;
    pthread_t t;
    pthread_create(&t, NULL, waitv_forever, NULL);
    CHECK(await_waiters(&fx[0], U32P, 1), "futex_waitv is waiting (%s)", restart ? "SA_RESTART" : "no SA_RESTART");
    pthread_kill(t, SIGUSR1);
    for (int i = 0; i < 4000 && !handled; i++)
        usleep(1000);
    if (restart) {
        /* the handler ran and the call started again: it waits until woken */
        CHECK(await_waiters(&fx[1], U32P, 1), "with SA_RESTART futex_waitv waits again after the handler");
        long r = fwake(&fx[1], ANY, 1, U32P);
        pthread_join(t, NULL);
        CHECK(handled == 1 && r == 1 && t_ret == 1, "with SA_RESTART: handler %d, woken %ld, futex_waitv returns %ld",
              (int)handled, r, t_ret);
    } else {
        pthread_join(t, NULL);
        CHECK(handled == 1 && t_ret == -1 && t_err == EINTR, "without SA_RESTART: handler %d, futex_waitv fails with EINTR (%ld, errno %d)",
              (int)handled, t_ret, t_err);
    }
    signal(SIGUSR1, SIG_DFL);
}

/* ---- errors ---- */

#define EXPECT_ERR(call, e, what)                                                            \
    do {                                                                                    \
        errno = 0;                                                                          \
        long r_ = (call);                                                                   \
        t_check(r_ == -1 && errno == (e), "expected " #e, r_ == -1 ? errno : 0, "%s: " #e, what); \
    } while (0)

static void test_errors(void)
{
    static uint32_t w[4] __attribute__((aligned(16)));
    struct timespec ts = after_ms(CLOCK_MONOTONIC, 0);
    struct futex_waitv v[2] = {entry(&w[0], 0, U32P), entry(&w[2], 0, U32P)};

    /* futex_waitv */
    EXPECT_ERR(waitv(v, 0, 0, &ts, CLOCK_MONOTONIC), EINVAL, "futex_waitv of 0 futexes");
    EXPECT_ERR(waitv(v, 129, 0, &ts, CLOCK_MONOTONIC), EINVAL, "futex_waitv of 129 futexes");
    EXPECT_ERR(waitv(v, 1, 1, &ts, CLOCK_MONOTONIC), EINVAL, "futex_waitv with flags");
    EXPECT_ERR(waitv(NULL, 1, 0, &ts, CLOCK_MONOTONIC), EINVAL, "futex_waitv of NULL");
    EXPECT_ERR(waitv(v, 1, 0, &ts, CLOCK_PROCESS_CPUTIME_ID), EINVAL, "futex_waitv on CLOCK_PROCESS_CPUTIME_ID");
    EXPECT_ERR(waitv(v, 1, 0, &ts, CLOCK_BOOTTIME), EINVAL, "futex_waitv on CLOCK_BOOTTIME");
    struct timespec bad = {0, 1000000000};
    EXPECT_ERR(waitv(v, 1, 0, &bad, CLOCK_MONOTONIC), EINVAL, "futex_waitv with tv_nsec 1e9");
    struct timespec neg = {-1, 0};
    EXPECT_ERR(waitv(v, 1, 0, &neg, CLOCK_MONOTONIC), EINVAL, "futex_waitv with a negative tv_sec");
    EXPECT_ERR(waitv(v, 1, 0, (struct timespec *)8, CLOCK_MONOTONIC), EFAULT, "futex_waitv with a bad timeout");
    EXPECT_ERR(waitv((struct futex_waitv *)8, 1, 0, &ts, CLOCK_MONOTONIC), EFAULT, "futex_waitv with a bad vector");
    w[0] = 1;
    EXPECT_ERR(waitv(v, 1, 0, NULL, 77), EAGAIN, "futex_waitv with no timeout ignores the clock; a stale value");
    w[0] = 0;
    w[2] = 9;
    EXPECT_ERR(waitv(v, 2, 0, &ts, CLOCK_MONOTONIC), EAGAIN, "futex_waitv whose second value differs");
    w[2] = 0;

    static const struct { uint32_t flags; const char *what; } badflags[] = {
        {FUTEX2_SIZE_U8, "FUTEX2_SIZE_U8"},
        {FUTEX2_SIZE_U16, "FUTEX2_SIZE_U16"},
        {FUTEX2_SIZE_U64, "FUTEX2_SIZE_U64"},
        {FUTEX2_SIZE_U32 | 16, "an unknown flag"},
        {FUTEX2_SIZE_U32 | 256, "FUTEX_CLOCK_REALTIME's bit"},
    };
    char what[96];
    for (unsigned i = 0; i < sizeof badflags / sizeof badflags[0]; i++) {
        v[1].flags = badflags[i].flags;
        snprintf(what, sizeof what, "futex_waitv entry with %s", badflags[i].what);
        EXPECT_ERR(waitv(v, 2, 0, &ts, CLOCK_MONOTONIC), EINVAL, what);
        snprintf(what, sizeof what, "futex_wake with %s", badflags[i].what);
        EXPECT_ERR(fwake(&w[0], ANY, 1, badflags[i].flags), EINVAL, what);
        snprintf(what, sizeof what, "futex_wait with %s", badflags[i].what);
        EXPECT_ERR(fwait(&w[0], 0, ANY, badflags[i].flags, &ts, CLOCK_MONOTONIC), EINVAL, what);
    }
    v[1].flags = U32P;
    v[1].__reserved = 1;
    EXPECT_ERR(waitv(v, 2, 0, &ts, CLOCK_MONOTONIC), EINVAL, "futex_waitv entry with __reserved set");
    v[1].__reserved = 0;
    v[1].val = 1ULL << 32;
    EXPECT_ERR(waitv(v, 2, 0, &ts, CLOCK_MONOTONIC), EINVAL, "futex_waitv entry whose val exceeds 32 bits");
    v[1].val = 0;
    v[1].uaddr = (uintptr_t)&w[2] + 2;
    EXPECT_ERR(waitv(v, 2, 0, &ts, CLOCK_MONOTONIC), EINVAL, "futex_waitv entry misaligned");
    v[1].uaddr = 8;
    EXPECT_ERR(waitv(v, 2, 0, &ts, CLOCK_MONOTONIC), EFAULT, "futex_waitv private entry at an unmapped address");
    w[0] = 1;
    EXPECT_ERR(waitv(v, 2, 0, &ts, CLOCK_MONOTONIC), EAGAIN, "futex_waitv: a stale private value comes before a later bad address");
    v[0].flags = v[1].flags = FUTEX2_SIZE_U32;
    EXPECT_ERR(waitv(v, 2, 0, &ts, CLOCK_MONOTONIC), EFAULT, "futex_waitv: a shared bad address comes before a stale value");
    w[0] = 0;
    v[0].flags = v[1].flags = U32P;
    v[1].uaddr = (uintptr_t)&w[2];

    /* a vector running into an unmapped page */
    char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages != MAP_FAILED) {
        mprotect(pages + 4096, 4096, PROT_NONE);
        struct futex_waitv *edge = (struct futex_waitv *)(pages + 4096) - 2;
        edge[0] = entry(&w[0], 0, U32P);
        edge[1] = entry(&w[2], 0, U32P);
        EXPECT_ERR(waitv(edge, 3, 0, &ts, CLOCK_MONOTONIC), EFAULT, "futex_waitv vector running into PROT_NONE");
        uint32_t *none = (uint32_t *)(pages + 4096);
        EXPECT_ERR(fwake(none, ANY, 1, FUTEX2_SIZE_U32), EFAULT, "shared futex_wake on PROT_NONE memory");
        mprotect(pages, 4096, PROT_READ);
        EXPECT_ERR(fwake(pages, ANY, 1, FUTEX2_SIZE_U32), EFAULT, "shared futex_wake on a read-only anonymous page");
        CHECK(fwake(pages, ANY, 1, U32P) == 0, "private futex_wake on a read-only anonymous page wakes 0");
        munmap(pages, 8192);
    }

    /* the largest vector */
    static uint32_t many[128];
    static struct futex_waitv mv[128];
    for (int i = 0; i < 128; i++)
        mv[i] = entry(&many[i], 0, i % 2 ? FUTEX2_SIZE_U32 : U32P);
    EXPECT_ERR(waitv(mv, 128, 0, &ts, CLOCK_MONOTONIC), ETIMEDOUT, "futex_waitv of 128 futexes, deadline passed");
    many[127] = 1;
    EXPECT_ERR(waitv(mv, 128, 0, &ts, CLOCK_MONOTONIC), EAGAIN, "futex_waitv of 128 futexes, the last one stale");

    /* futex_wake */
    CHECK(fwake(&w[0], ANY, 1, U32P) == 0, "futex_wake with no waiters returns 0");
    EXPECT_ERR(fwake(&w[0], 0, 1, U32P), EINVAL, "futex_wake with mask 0");
    EXPECT_ERR(fwake(&w[0], 0x100000000UL, 1, U32P), EINVAL, "futex_wake with a 33-bit mask");
    EXPECT_ERR(fwake((char *)&w[0] + 1, ANY, 1, U32P), EINVAL, "futex_wake misaligned");
    EXPECT_ERR(fwake((void *)8, ANY, 1, FUTEX2_SIZE_U32), EFAULT, "shared futex_wake at an unmapped address");
    EXPECT_ERR(fwake((void *)8, ANY, 0, FUTEX2_SIZE_U32), EFAULT, "shared futex_wake of 0 at an unmapped address");
    CHECK(fwake((void *)8, ANY, 1, U32P) == 0, "private futex_wake at an unmapped address wakes 0");
    EXPECT_ERR(fwake((void *)0xffff800000000000UL, ANY, 1, U32P), EFAULT, "private futex_wake at a kernel address");
    CHECK(futex1((uint32_t *)8, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1) == 0, "FUTEX_WAKE_PRIVATE at an unmapped address wakes 0");

    /* futex_wait */
    EXPECT_ERR(fwait(&w[0], 1, ANY, U32P, &ts, CLOCK_MONOTONIC), EAGAIN, "futex_wait with a stale value");
    EXPECT_ERR(fwait(&w[0], 0, 0, U32P, &ts, CLOCK_MONOTONIC), EINVAL, "futex_wait with mask 0");
    EXPECT_ERR(fwait(&w[0], 0, 0, U32P, (struct timespec *)8, CLOCK_MONOTONIC), EFAULT, "futex_wait with mask 0 and a bad timeout");
    EXPECT_ERR(fwait(&w[0], 1ULL << 32, ANY, U32P, &ts, CLOCK_MONOTONIC), EINVAL, "futex_wait with a 33-bit value");
    EXPECT_ERR(fwait(&w[0], 0, 1ULL << 32, U32P, &ts, CLOCK_MONOTONIC), EINVAL, "futex_wait with a 33-bit mask");
    EXPECT_ERR(fwait(&w[0], 0, ANY, U32P, &ts, CLOCK_BOOTTIME), EINVAL, "futex_wait on CLOCK_BOOTTIME");
    EXPECT_ERR(fwait(&w[0], 0, ANY, U32P, &bad, CLOCK_MONOTONIC), EINVAL, "futex_wait with tv_nsec 1e9");
    EXPECT_ERR(fwait(&w[0], 0, ANY, U32P, (struct timespec *)8, CLOCK_MONOTONIC), EFAULT, "futex_wait with a bad timeout");
    EXPECT_ERR(fwait((void *)8, 0, ANY, U32P, &ts, CLOCK_MONOTONIC), EFAULT, "futex_wait at an unmapped address");
    EXPECT_ERR(fwait((char *)&w[0] + 2, 0, ANY, U32P, &ts, CLOCK_MONOTONIC), EINVAL, "futex_wait misaligned");

    /* futex_requeue */
    CHECK(frequeue(v, 0, 1, 1) == 0, "futex_requeue with no waiters returns 0");
    EXPECT_ERR(frequeue(v, 1, 1, 1), EINVAL, "futex_requeue with flags");
    EXPECT_ERR(frequeue(NULL, 0, 1, 1), EINVAL, "futex_requeue of NULL");
    EXPECT_ERR(frequeue((struct futex_waitv *)8, 0, 1, 1), EFAULT, "futex_requeue with a bad vector");
    EXPECT_ERR(frequeue(v, 0, -1, 1), EINVAL, "futex_requeue with nr_wake -1");
    EXPECT_ERR(frequeue(v, 0, 1, -1), EINVAL, "futex_requeue with nr_requeue -1");
    v[1].flags = FUTEX2_SIZE_U16;
    EXPECT_ERR(frequeue(v, 0, 1, 1), EINVAL, "futex_requeue target with FUTEX2_SIZE_U16");
    v[1].flags = FUTEX2_SIZE_U32;
    EXPECT_ERR(frequeue(v, 0, 1, 1), EINVAL, "futex_requeue between a private and a shared futex");
    v[0].flags = FUTEX2_SIZE_U32;
    v[1].uaddr = 8;
    EXPECT_ERR(frequeue(v, 0, 0, 0), EFAULT, "futex_requeue to a shared unmapped target");
    v[1].uaddr = (uintptr_t)&w[2];
    v[0].uaddr = 8;
    EXPECT_ERR(frequeue(v, 0, 0, 0), EFAULT, "futex_requeue from a shared unmapped source");
    v[0].flags = v[1].flags = U32P;
    EXPECT_ERR(frequeue(v, 0, 0, 0), EFAULT, "futex_requeue from a private unmapped source (its value is read)");
    v[0].uaddr = (uintptr_t)&w[0];

    /* futex(2)'s requeue takes no negative counts either */
    EXPECT_ERR(syscall(SYS_futex, &w[0], 3 | FUTEX_PRIVATE_FLAG, 1, (void *)-1L, &w[2], 0), EINVAL, "FUTEX_REQUEUE with nr_requeue -1");
    EXPECT_ERR(syscall(SYS_futex, &w[0], 4 | FUTEX_PRIVATE_FLAG, -1, (void *)1L, &w[2], 0), EINVAL, "FUTEX_CMP_REQUEUE with nr_wake -1");

    /* FUTEX2_NUMA is left out: Linux accepts it only from 6.16, so a native run on an older kernel would differ. */
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_wake_second_of_three();
    test_cross_api();
    test_requeue();
    test_timeouts();
    test_fork_shared();
    test_signal(0);
    test_signal(1);
    test_errors();
    return t_done();
}
