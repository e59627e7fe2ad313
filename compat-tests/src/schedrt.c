/* Scheduling policies: sched_setscheduler/setparam/getscheduler/getparam/rr_get_interval/
 * sched_setattr/getattr with SCHED_FIFO and SCHED_RR (we run as root), their errors,
 * SCHED_RESET_ON_FORK and inheritance by fork and threads; and what the classes mean on one CPU
 * (the test pins itself to CPU 0): a higher real-time priority runs first, a lower one waits until
 * the higher blocks, equal SCHED_FIFO threads take turns only at sched_yield, and a SCHED_OTHER
 * thread waits while a real-time one is runnable. */
#include "compat.h"
#include <pthread.h>
#include <stdint.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct attr { uint32_t size, policy; uint64_t flags; int32_t nice; uint32_t priority; uint64_t runtime, deadline, period; uint32_t umin, umax; };

static void res(const char *what, long r)
{
    if (r >= 0) printf("%s: %ld\n", what, r);
    else printf("%s: errno %d\n", what, errno);
}

static void show(const char *when)
{
    struct sched_param sp = { 0 };
    long pol = syscall(SYS_sched_getscheduler, 0);
    syscall(SYS_sched_getparam, 0, &sp);
    printf("%s: policy %#lx priority %d\n", when, pol, sp.sched_priority);
}

static long setsched(int pid, int policy, int prio)
{
    struct sched_param sp = { .sched_priority = prio };
    return syscall(SYS_sched_setscheduler, pid, policy, &sp);
}

/* fields 18, 19, 40 and 41 of /proc/self/task/TID/stat: priority, nice, rt_priority, policy */
static void stat_fields(const char *when)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/self/task/%ld/stat", (long)syscall(SYS_gettid));
    FILE *f = fopen(path, "r");
    if (!f || !fgets(buf, sizeof buf, f)) { printf("%s: no stat\n", when); if (f) fclose(f); return; }
    fclose(f);
    char *p = strrchr(buf, ')') + 2;               /* field 3 */
    long v[64];
    int n = 0;
    for (char *tok = strtok(p + 2, " "); tok && n < 60; tok = strtok(0, " ")) v[n++] = atol(tok);
    /* v[0] is field 4 */
    printf("%s: stat priority %ld nice %ld rt_priority %ld policy %ld\n", when, v[14], v[15], v[36], v[37]);
}

static char order[64];
static int pos;
static void mark(char c) { __atomic_store_n(&order[pos], c, __ATOMIC_SEQ_CST); pos++; }

static void spin_ms(int ms)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do clock_gettime(CLOCK_MONOTONIC, &b);
    while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

static void *marker(void *arg) { mark(*(char *)arg); return 0; }

static volatile int stop, progress;
static void *counter(void *arg) { (void)arg; while (!stop) progress++; return 0; }

static void *yielder(void *arg)
{
    for (int i = 0; i < 3; i++) { mark(*(char *)arg); sched_yield(); }
    return 0;
}

static pthread_t start(void *(*fn)(void *), char *tag, int policy, int prio)
{
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED);
    pthread_attr_setschedpolicy(&a, policy);
    struct sched_param sp = { .sched_priority = prio };
    pthread_attr_setschedparam(&a, &sp);
    pthread_t t;
    int e = pthread_create(&t, &a, fn, tag);
    if (e) printf("pthread_create: %d\n", e);
    pthread_attr_destroy(&a);
    return t;
}

int main(void)
{
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    res("pin to CPU 0", sched_setaffinity(0, sizeof one, &one));
    show("start");
    res("max FIFO", sched_get_priority_max(SCHED_FIFO));
    res("min RR", sched_get_priority_min(SCHED_RR));
    res("max OTHER", sched_get_priority_max(SCHED_OTHER));
    res("max 4", sched_get_priority_max(4));

    /* errors */
    res("policy -1", setsched(0, -1, 0));
    res("policy 4", setsched(0, 4, 0));
    res("policy 7", setsched(0, 7, 0));
    res("FIFO priority 0", setsched(0, SCHED_FIFO, 0));
    res("FIFO priority 100", setsched(0, SCHED_FIFO, 100));
    res("OTHER priority 1", setsched(0, SCHED_OTHER, 1));
    res("NULL param", syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, NULL));
    res("pid -1", setsched(-1, SCHED_FIFO, 1));
    res("no such pid", setsched(0x7ffffff0, SCHED_FIFO, 1));
    res("bad param pointer", syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, (void *)8));
    res("getparam NULL", syscall(SYS_sched_getparam, 0, NULL));
    res("getscheduler -1", syscall(SYS_sched_getscheduler, -1));
    res("setparam 5 on OTHER", syscall(SYS_sched_setparam, 0, &(struct sched_param){ 5 }));
    show("after the errors");

    /* FIFO and RR */
    res("FIFO 50", setsched(0, SCHED_FIFO, 50));
    show("FIFO 50");
    stat_fields("FIFO 50");
    struct timespec ts;
    res("rr_get_interval", syscall(SYS_sched_rr_get_interval, 0, &ts));
    printf("FIFO slice %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    res("setparam 30", syscall(SYS_sched_setparam, 0, &(struct sched_param){ 30 }));
    res("setparam 0", syscall(SYS_sched_setparam, 0, &(struct sched_param){ 0 }));
    show("after setparam");
    res("RR 10", setsched(0, SCHED_RR, 10));
    syscall(SYS_sched_rr_get_interval, 0, &ts);
    printf("RR slice %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) { show("child of RR 10"); fflush(stdout); _exit(0); }
    waitpid(pid, 0, 0);
    res("FIFO|RESET_ON_FORK 20", setsched(0, SCHED_FIFO | SCHED_RESET_ON_FORK, 20));
    show("reset on fork");
    fflush(stdout);
    pid = fork();
    if (pid == 0) { show("child after reset"); fflush(stdout); _exit(0); }
    waitpid(pid, 0, 0);

    /* sched_getattr / sched_setattr */
    struct attr a;
    memset(&a, 0, sizeof a);
    res("getattr", syscall(SYS_sched_getattr, 0, &a, sizeof a, 0));
    printf("attr size %u policy %u flags %#llx nice %d priority %u\n", a.size, a.policy, (unsigned long long)a.flags, a.nice, a.priority);
    memset(&a, 0, sizeof a);
    a.size = sizeof a; a.policy = SCHED_RR; a.priority = 7;
    res("setattr RR 7", syscall(SYS_sched_setattr, 0, &a, 0));
    show("after setattr");
    a.size = 8;
    res("setattr size 8", syscall(SYS_sched_setattr, 0, &a, 0));
    printf("size told back: %u\n", a.size);
    memset(&a, 0, sizeof a);
    a.size = 48; a.policy = SCHED_OTHER; a.nice = 5;
    res("setattr OTHER nice 5", syscall(SYS_sched_setattr, 0, &a, 0));
    memset(&a, 0, sizeof a);
    syscall(SYS_sched_getattr, 0, &a, 48, 0);
    printf("attr size %u policy %u flags %#llx nice %d priority %u\n", a.size, a.policy, (unsigned long long)a.flags, a.nice, a.priority);
    a.size = 48; a.policy = SCHED_OTHER; a.nice = 0;
    syscall(SYS_sched_setattr, 0, &a, 0);
    res("getattr flags 1", syscall(SYS_sched_getattr, 0, &a, 48, 1));
    res("getattr size 8", syscall(SYS_sched_getattr, 0, &a, 8, 0));

    /* what the classes mean on one CPU */
    setsched(0, SCHED_FIFO, 10);
    pthread_t t = start(marker, "H", SCHED_FIFO, 20);      /* higher: runs before we go on */
    mark('m');
    pthread_join(t, 0);
    t = start(marker, "L", SCHED_FIFO, 5);                 /* lower: waits until we block */
    mark('m');
    pthread_join(t, 0);
    pthread_t y1 = start(yielder, "a", SCHED_FIFO, 10), y2 = start(yielder, "b", SCHED_FIFO, 10);
    mark('m');                                             /* equal: queued behind us, then take turns */
    pthread_join(y1, 0);
    pthread_join(y2, 0);
    t = start(marker, "o", SCHED_OTHER, 0);                /* a SCHED_OTHER thread waits while we spin */
    spin_ms(30);
    mark('m');
    pthread_join(t, 0);
    order[pos] = 0;
    printf("order: %s\n", order);

    /* a real-time thread that never blocks leaves the others 5% of each second (Linux: RT throttling).
     * The throttle's periods are fixed seconds, so a spin that starts late in one may end before the
     * next one's 0.95 s are used: only a spin of two seconds surely covers a whole period. */
    t = start(counter, "c", SCHED_OTHER, 0);
    int got = 0;
    for (int ms = 0; ms < 2500 && !(got = progress); ms += 10) spin_ms(10);
    printf("a SCHED_OTHER thread ran while a SCHED_FIFO one spun up to 2.5 s: %s\n", got > 0 ? "yes" : "no");
    stop = 1;
    pthread_join(t, 0);
    setsched(0, SCHED_OTHER, 0);
    show("end");
    setpriority(PRIO_PROCESS, 0, 3);
    stat_fields("nice 3");
    return 0;
}
