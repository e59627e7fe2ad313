/* Process benchmarks: the same static binary runs natively, in a Linux guest and in the unikernel.
 *
 *     procbench TINY [BUDGET_MS]
 *
 * TINY is a small static program that exits at once (this file built with -DTINY -nostdlib).
 * Each measure runs 5 batches; a batch stops after its iteration cap or BUDGET_MS (default 800)
 * of wall time, whichever comes first, so a slow system still finishes in bounded time. Prints
 * "bench NAME VALUE UNIT" lines with the median of the batches ("unavailable" when a measure
 * cannot run there).
 */
#define _GNU_SOURCE
#ifdef TINY
/* The exec target: no libc, just exit_group(0). */
void _start(void) { __asm__ volatile("mov $231, %eax\n\txor %edi, %edi\n\tsyscall\n\thlt"); }
#else
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }
static double budget_ns = 800e6;
static const char *tiny;
static char *big;                       /* 100 MiB, touched */
#define BIG (100UL << 20)

static int wait_child(pid_t p) {
    int st;
    while (waitpid(p, &st, 0) < 0) if (errno != EINTR) return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* One iteration of each measure; returns 0, or -1 when it cannot run. */
static int fork_exit_wait(void) {
    pid_t p = fork();
    if (p < 0) return -1;
    if (p == 0) _exit(0);
    return wait_child(p);
}
static int fork_exec_wait(void) {
    pid_t p = fork();
    if (p < 0) return -1;
    if (p == 0) { char *av[] = { (char *)tiny, 0 }, *ev[] = { 0 }; execve(tiny, av, ev); _exit(127); }
    return wait_child(p);
}

static int ping[2], pong[2];
static pid_t echo_pid;
static int pingpong(void) {
    char c = 'x';
    if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1) return -1;
    return 0;
}

static char pbuf[64 << 10];
static int thr_fd[2];
static pid_t thr_pid;
static int pipe_mib(void) {             /* 1 MiB through the pipe from the writer child */
    size_t got = 0;
    char go = 'g';
    if (write(ping[1], &go, 1) != 1) return -1;
    while (got < (1 << 20)) { ssize_t n = read(thr_fd[0], pbuf, sizeof pbuf); if (n <= 0) return -1; got += n; }
    return 0;
}

static size_t fault_bytes = 32UL << 20;
static int map_flags = MAP_PRIVATE | MAP_ANONYMOUS;
static int faults(void) {               /* one iteration = fault_bytes / 4096 first-touch faults */
    char *m = mmap(0, fault_bytes, PROT_READ | PROT_WRITE, map_flags, -1, 0);
    if (m == MAP_FAILED) return -1;
    for (size_t o = 0; o < fault_bytes; o += 4096) m[o] = 1;
    munmap(m, fault_bytes);
    return 0;
}

/* User-mode work only, no syscall: a hash over 256 KiB and 64 Ki random reads of a 4 MiB table.
 * The same code in every column, so it shows how fast the emulator runs a program's own code in
 * each guest (the share of a server's time no kernel can save). */
static unsigned char *table;
static volatile unsigned long sink;
static int user_cpu(void) {
    unsigned long h = 1469598103934665603UL, x = 88172645463325252UL;
    for (size_t i = 0; i < (256 << 10); i++) h = (h ^ table[i]) * 1099511628211UL;
    for (int i = 0; i < (64 << 10); i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        h += table[x & ((4 << 20) - 1)];
    }
    sink = h;
    return 0;
}

/* Median over 5 batches of ns per iteration (the work unit's cost). */
static double measure(int (*fn)(void), long cap) {
    double r[5];
    if (fn() < 0) return -1;            /* warm-up, and "does it work here" */
    for (int b = 0; b < 5; b++) {
        double t0 = now_ns(), t;
        long i = 0;
        do { if (fn() < 0) return -1; i++; t = now_ns() - t0; } while (i < cap && t < budget_ns);
        r[b] = t / i;
    }
    qsort(r, 5, sizeof r[0], cmp);
    return r[2];
}

static int many_fds(void) {
    static int fds[10000];
    for (int i = 0; i < 10000; i++) if ((fds[i] = eventfd(0, 0)) < 0) { while (i-- > 0) close(fds[i]); return -1; }
    for (int i = 0; i < 10000; i++) close(fds[i]);
    return 0;
}

static void report(const char *name, double v, const char *unit) {
    if (v < 0) printf("bench %s unavailable %s\n", name, unit);
    else printf("bench %s %.1f %s\n", name, v, unit);
    fflush(stdout);
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: procbench TINY [BUDGET_MS]\n"); return 2; }
    tiny = argv[1];
    if (argc > 2) budget_ns = atof(argv[2]) * 1e6;
    signal(SIGPIPE, SIG_IGN);

    table = malloc(4 << 20);
    if (table) {
        for (size_t i = 0; i < (4 << 20); i++) table[i] = (unsigned char)(i * 131);
        report("user-cpu", measure(user_cpu, 1000) / 1e3, "us");
        free(table);
    } else report("user-cpu", -1, "us");
    report("fork+exit+wait", measure(fork_exit_wait, 2000) / 1e3, "us");

    big = mmap(0, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (big != MAP_FAILED) {
        memset(big, 1, BIG);
        report("fork+exit+wait(100MiB)", measure(fork_exit_wait, 200) / 1e3, "us");
        munmap(big, BIG);
    } else report("fork+exit+wait(100MiB)", -1, "us");

    report("fork+exec+wait(tiny)", measure(fork_exec_wait, 1000) / 1e3, "us");

    /* ping-pong: a child echoes every byte back */
    double v = -1;
    if (pipe(ping) == 0 && pipe(pong) == 0 && (echo_pid = fork()) >= 0) {
        if (echo_pid == 0) {
            char c;
            close(ping[1]); close(pong[0]);
            while (read(ping[0], &c, 1) == 1) if (write(pong[1], &c, 1) != 1) break;
            _exit(0);
        }
        close(ping[0]); close(pong[1]);
        v = measure(pingpong, 100000) / 1e3;
        close(ping[1]); close(pong[0]);
        wait_child(echo_pid);
    }
    report("pipe-pingpong-roundtrip", v, "us");

    /* throughput: on each 'g' from the parent the child writes 1 MiB in 64 KiB writes */
    v = -1;
    if (pipe(ping) == 0 && pipe(thr_fd) == 0 && (thr_pid = fork()) >= 0) {
        if (thr_pid == 0) {
            char c;
            close(ping[1]); close(thr_fd[0]);
            memset(pbuf, 'z', sizeof pbuf);
            while (read(ping[0], &c, 1) == 1)
                for (size_t o = 0; o < (1 << 20); o += sizeof pbuf) if (write(thr_fd[1], pbuf, sizeof pbuf) != (ssize_t)sizeof pbuf) _exit(1);
            _exit(0);
        }
        close(ping[0]); close(thr_fd[1]);
        double ns = measure(pipe_mib, 1000);
        v = ns > 0 ? 1e9 / ns : -1;     /* MiB per second */
        close(ping[1]); close(thr_fd[0]);
        wait_child(thr_pid);
    }
    report("pipe-throughput-1MiB", v, "MiB/s");

    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    double ns = measure(faults, 1000);
    getrusage(RUSAGE_SELF, &r1);
    report("minor-page-faults", ns > 0 ? (fault_bytes / 4096) * 1e9 / ns : -1, "faults/s");
    /* a cross-check: how many faults the kernel counted in getrusage during that measure */
    printf("info minflt-counted %ld\n", r1.ru_minflt - r0.ru_minflt);
    /* the same in shared memory (MAP_SHARED|MAP_ANONYMOUS): each page also enters the mapping's page cache */
    map_flags = MAP_SHARED | MAP_ANONYMOUS;
    ns = measure(faults, 1000);
    report("shared-page-faults", ns > 0 ? (fault_bytes / 4096) * 1e9 / ns : -1, "faults/s");
    /* 10,000 descriptors opened then closed: the cost of finding the lowest free one each time */
    struct rlimit nofile = { 12000, 12000 };
    if (setrlimit(RLIMIT_NOFILE, &nofile) == 0) report("open+close-10k-fds", measure(many_fds, 200) / 1e3, "us");
    else report("open+close-10k-fds", -1, "us");
    return 0;
}
#endif
