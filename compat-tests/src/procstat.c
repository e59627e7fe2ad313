/* /proc/stat, /proc/vmstat and /proc/loadavg carry live counters (top, vmstat, free and ps read
 * them): CPU time advances across a sleep and user time across a spin, context switches across
 * a pipe ping-pong, forks across a fork, page faults across touching new pages, interrupts across
 * a sleep; the files have the fields those tools parse. Only what holds on any machine is printed. */
#include "compat.h"
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long field(const char *file, const char *key, int index)
{
    FILE *f = fopen(file, "r");
    char line[4096];
    unsigned long long v = 0;
    size_t kl = strlen(key);
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, key, kl) != 0 || (line[kl] != ' ' && line[kl] != '\t')) continue;
        char *p = line + kl;
        for (int i = 0; i <= index; i++) v = strtoull(p, &p, 10);
        break;
    }
    if (f) fclose(f);
    return v;
}

static unsigned long long cpu_total(void)
{
    unsigned long long t = 0;
    for (int i = 0; i < 8; i++) t += field("/proc/stat", "cpu", i);
    return t;
}

static void spin_ms(int ms)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do clock_gettime(CLOCK_MONOTONIC, &b);
    while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

int main(void)
{
    unsigned long long t0 = cpu_total(), i0 = field("/proc/stat", "intr", 0);
    usleep(300000);
    unsigned long long t1 = cpu_total(), i1 = field("/proc/stat", "intr", 0);
    printf("cpu time advanced over a 300 ms sleep: %s\n", t1 - t0 >= 20 ? "yes" : "no");
    printf("interrupts counted over it: %s\n", i1 > i0 ? "yes" : "no");

    unsigned long long u0 = field("/proc/stat", "cpu", 0);
    spin_ms(300);
    unsigned long long u1 = field("/proc/stat", "cpu", 0);
    printf("user time advanced over a 300 ms spin: %s\n", u1 - u0 >= 10 ? "yes" : "no");

    unsigned long long c0 = field("/proc/stat", "ctxt", 0), p0 = field("/proc/stat", "processes", 0);
    int a[2], b[2];
    if (pipe(a) || pipe(b)) return 1;
    pid_t pid = fork();
    if (pid == 0) {
        char ch;
        for (int i = 0; i < 100; i++) { if (read(a[0], &ch, 1) != 1) break; write(b[1], &ch, 1); }
        _exit(0);
    }
    for (int i = 0; i < 100; i++) { char ch = 'x'; write(a[1], &ch, 1); read(b[0], &ch, 1); }
    waitpid(pid, 0, 0);
    unsigned long long c1 = field("/proc/stat", "ctxt", 0), p1 = field("/proc/stat", "processes", 0);
    printf("context switches over 100 round trips: %s\n", c1 - c0 >= 100 ? "yes" : "no");
    printf("processes counted the fork: %s\n", p1 > p0 ? "yes" : "no");
    printf("procs_running at least 1: %s\n", field("/proc/stat", "procs_running", 0) >= 1 ? "yes" : "no");
    printf("btime in the past: %s\n", field("/proc/stat", "btime", 0) <= (unsigned long long)time(0) ? "yes" : "no");

    unsigned long long f0 = field("/proc/vmstat", "pgfault", 0);
    char *m = mmap(0, 100 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; i < 100; i++) m[i * 4096] = 1;
    unsigned long long f1 = field("/proc/vmstat", "pgfault", 0);
    printf("page faults over 100 new pages: %s\n", f1 - f0 >= 100 ? "yes" : "no");
    printf("nr_free_pages positive: %s\n", field("/proc/vmstat", "nr_free_pages", 0) > 0 ? "yes" : "no");
    static const char *keys[] = { "pgpgin", "pgpgout", "pswpin", "pswpout", "pgmajfault", "nr_anon_pages" };
    FILE *f = fopen("/proc/vmstat", "r");
    char text[65536];
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    text[n] = 0;
    if (f) fclose(f);
    for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char k[64];
        snprintf(k, sizeof k, "\n%s ", keys[i]);
        printf("vmstat has %s: %s\n", keys[i], strstr(text, k) ? "yes" : "no");
    }

    f = fopen("/proc/loadavg", "r");
    double l1, l5, l15;
    int running, total, last;
    int got = f ? fscanf(f, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &running, &total, &last) : 0;
    if (f) fclose(f);
    printf("loadavg fields: %d, running <= total: %s, last pid positive: %s\n", got, running <= total && running >= 1 ? "yes" : "no", last > 0 ? "yes" : "no");
    return 0;
}
