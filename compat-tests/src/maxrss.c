/* ru_maxrss is the peak resident size, not the current one: it stays after munmap, a child's
 * comes back through wait4 and RUSAGE_CHILDREN, and /proc/self/status has it as VmHWM. */
#include "compat.h"
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static long maxrss(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return ru.ru_maxrss;
}

static long status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, n)) v = atol(line + n);
    if (f) fclose(f);
    return v;
}

static void touch(size_t mb)
{
    char *p = mmap(0, mb << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (size_t i = 0; i < mb << 20; i += 4096) p[i] = 1;
    munmap(p, mb << 20);
}

int main(void)
{
    /* A process's peak includes what it had before exec (its forking parent's size, natively a
     * big test runner): touch more than that, so the new peak is sure to be ours. */
    long before = maxrss(RUSAGE_SELF);
    size_t mine = (size_t)before / 1024 + 40;
    touch(mine);
    long after = maxrss(RUSAGE_SELF);
    CHECK(after >= (long)mine * 1024, "touching and unmapping more than the old peak raises ru_maxrss to it");
    CHECK(status_kb("VmHWM:") >= after - 1024, "VmHWM is the same peak");
    CHECK(status_kb("VmRSS:") < after - 30 * 1024, "VmRSS went back down");
    size_t theirs = (size_t)after / 1024 + 20;
    CHECK(maxrss(RUSAGE_CHILDREN) < (long)theirs * 1024, "no child yet: RUSAGE_CHILDREN is below what the child will touch");
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) { touch(theirs); _exit(0); }
    int st;
    struct rusage ru;
    wait4(c, &st, 0, &ru);
    CHECK(ru.ru_maxrss >= (long)theirs * 1024, "wait4 reports the child's peak");
    CHECK(maxrss(RUSAGE_CHILDREN) >= (long)theirs * 1024, "so does RUSAGE_CHILDREN");
    CHECK(maxrss(RUSAGE_SELF) < (long)theirs * 1024, "and the parent's own stays its own");
    return t_done();
}
