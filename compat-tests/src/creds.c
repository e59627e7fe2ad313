// Credentials: the setuid family's rules for real, effective, saved and fs ids (and their EPERM
// cases), supplementary groups, capabilities on uid transitions (KEEP_CAPS, fsuid), capget/capset
// and the bounding and ambient sets, exec's capability rules, /proc/self/status, and set*id in a
// threaded program (the C library repeats it in every thread).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grp.h>

struct cap_header { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };

#define V3 0x20080522
#define CAP_SYS_RESOURCE 24

static const char *err(long r)
{
    if (r >= 0) return "ok";
    switch (errno) {
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case ESRCH: return "ESRCH";
    case EFAULT: return "EFAULT";
    case EACCES: return "EACCES";
    default: return "other";
    }
}

static void ids(const char *tag)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;
    getresuid(&r, &e, &s);
    getresgid(&gr, &ge, &gs);
    int fsu = setfsuid(-1);
    int fsg = setfsgid(-1);
    printf("%-22s uid %u %u %u fs %d  gid %u %u %u fs %d\n", tag, r, e, s, fsu, gr, ge, gs, fsg);
}

static int capget3(int pid, uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
    struct cap_header h = { V3, pid };
    struct cap_data d[2];
    int r = syscall(SYS_capget, &h, d);
    if (r < 0) return r;
    *eff = d[0].effective | (uint64_t)d[1].effective << 32;
    *prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
    *inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
    return 0;
}

static int capset3(uint64_t eff, uint64_t prm, uint64_t inh)
{
    struct cap_header h = { V3, 0 };
    struct cap_data d[2] = {
        { (uint32_t)eff, (uint32_t)prm, (uint32_t)inh },
        { (uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32) },
    };
    return syscall(SYS_capset, &h, d);
}

static void caps(const char *tag)
{
    uint64_t e, p, i;
    capget3(0, &e, &p, &i);
    printf("%-22s caps eff %011llx prm %011llx inh %011llx amb10 %d\n", tag, (unsigned long long)e, (unsigned long long)p,
           (unsigned long long)i, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 10, 0, 0));
}

static void status(const char *tag)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    printf("%s /proc/self/status:\n", tag);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "Uid:", 4) || !strncmp(line, "Gid:", 4) || !strncmp(line, "Groups:", 7) || !strncmp(line, "Cap", 3))
            printf("  %s", line);
    if (f) fclose(f);
}

static void groups(const char *tag)
{
    gid_t g[16];
    int n = getgroups(16, g);
    printf("%-22s groups %d:", tag, n);
    for (int i = 0; i < n; i++) printf(" %u", g[i]);
    printf("\n");
}

static int run(void (*fn)(void))
{
    pid_t c = fork();
    if (c == 0) { fn(); exit(0); }
    int st;
    waitpid(c, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void transitions(void)
{
    gid_t list[3] = { 300, 100, 200 };
    printf("setgroups %s\n", err(setgroups(3, list)));
    groups("after setgroups");
    gid_t one[1];
    const char *e1 = err(getgroups(1, one));
    int n0 = getgroups(0, NULL);
    printf("getgroups(1) %s, getgroups(0) %d\n", e1, n0);
    volatile int minus1 = -1;
    printf("getgroups(-1) %s\n", err(getgroups(minus1, one)));
    printf("setgroups(65537) %s\n", err(setgroups(65537, list)));
    printf("setresgid(100,100,100) %s\n", err(setresgid(100, 100, 100)));
    printf("setresuid(1000,1000,0) %s\n", err(setresuid(1000, 1000, 0)));
    ids("r=e=1000 s=0");
    caps("r=e=1000 s=0");
    printf("seteuid(0) %s\n", err(seteuid(0)));
    ids("euid back to 0");
    caps("euid back to 0");
    printf("setreuid(-1,1000) %s\n", err(setreuid(-1, 1000)));
    ids("setreuid(-1,1000)");
    printf("setfsuid(0) -> %d\n", setfsuid(0));
    ids("fsuid 0");
    caps("fsuid 0");
    printf("setfsuid(1000) -> %d\n", setfsuid(1000));
    caps("fsuid 1000");
    printf("setuid(1000) %s\n", err(setuid(1000)));
    ids("setuid(1000) unprivileged");
    printf("setreuid(0,-1) %s\n", err(setreuid(0, -1)));
    printf("setreuid(-1,0) %s\n", err(setreuid(-1, 0)));
    ids("after setreuid tries");
    printf("setresuid(1000,-1,-1) %s\n", err(setresuid(1000, -1, -1)));
    printf("setresuid(-1,1000,1000) %s\n", err(setresuid(-1, 1000, 1000)));
    ids("all 1000");
    caps("all 1000");
    printf("setuid(0) %s\n", err(setuid(0)));
    printf("setresuid(0,-1,-1) %s\n", err(setresuid(0, -1, -1)));
    printf("setuid(-1) %s\n", err(setuid(-1)));
    printf("setgid(5) %s\n", err(setgid(5)));
    printf("setgid(100) %s\n", err(setgid(100)));
    printf("setregid(-1,7) %s\n", err(setregid(-1, 7)));
    printf("setgroups(0) %s\n", err(setgroups(0, NULL)));
    printf("setfsuid(0) -> %d\n", setfsuid(0));
    printf("then %d\n", setfsuid(-1));
    printf("setfsgid(0) -> %d\n", setfsgid(0));
    printf("then %d\n", setfsgid(-1));
    printf("setfsuid(-1) -> %d\n", setfsuid(-1));
    status("unprivileged");
}

static void keepcaps(void)
{
    printf("PR_GET_KEEPCAPS %d\n", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    printf("PR_SET_KEEPCAPS 2 %s\n", err(prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0)));
    printf("PR_SET_KEEPCAPS 1 %s\n", err(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)));
    printf("PR_GET_SECUREBITS %d\n", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
    printf("setresuid(1000,1000,1000) %s\n", err(setresuid(1000, 1000, 1000)));
    ids("kept caps");
    caps("kept caps");
    uint64_t e, p, i;
    capget3(0, &e, &p, &i);
    printf("capset eff=prm %s\n", err(capset3(p, p, i)));
    caps("raised");
    printf("setuid(0) %s\n", err(setuid(0)));
    ids("back to root");
    caps("back to root");
}

static void capsets(void)
{
    uint64_t e, p, i;
    capget3(0, &e, &p, &i);
    printf("capset inh += 10 %s\n", err(capset3(e, p, i | 1ULL << 10)));
    printf("ambient raise 10 %s\n", err(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 10, 0, 0)));
    printf("ambient raise 11 %s\n", err(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 11, 0, 0)));
    printf("ambient bad cap %s\n", err(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 99, 0, 0)));
    printf("ambient bad op %s\n", err(prctl(PR_CAP_AMBIENT, 9, 10, 0, 0)));
    caps("ambient 10");
    printf("capset prm -= 10 %s\n", err(capset3(e & ~(1ULL << 10), p & ~(1ULL << 10), i | 1ULL << 10)));
    caps("prm without 10");
    printf("capset prm += 10 %s\n", err(capset3(e, p, i)));
    printf("capset eff beyond prm %s\n", err(capset3(e | 1ULL << 10, p & ~(1ULL << 10), i)));
    struct cap_header h = { V3, getppid() };
    struct cap_data d[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
    printf("capset other pid %s\n", err(syscall(SYS_capset, &h, d)));
    h.pid = -1;
    printf("capget pid -1 %s\n", err(syscall(SYS_capget, &h, d)));
    h.version = 1; h.pid = 0;
    printf("capget bad version %s\n", err(syscall(SYS_capget, &h, d)));
    printf("version now %#x\n", h.version);
    h.version = 1;
    printf("capget bad version, no data %s\n", err(syscall(SYS_capget, &h, NULL)));
    printf("version now %#x\n", h.version);
    h.version = 0x19980330;
    printf("capget v1 %s\n", err(syscall(SYS_capget, &h, d)));
    printf("PR_CAPBSET_READ 7 %d\n", prctl(PR_CAPBSET_READ, 7, 0, 0, 0));
    printf("PR_CAPBSET_READ 99 %s\n", err(prctl(PR_CAPBSET_READ, 99, 0, 0, 0)));
    printf("PR_CAPBSET_DROP 7 %s\n", err(prctl(PR_CAPBSET_DROP, 7, 0, 0, 0)));
    printf("PR_CAPBSET_READ 7 %d\n", prctl(PR_CAPBSET_READ, 7, 0, 0, 0));
    printf("PR_CAPBSET_DROP 99 %s\n", err(prctl(PR_CAPBSET_DROP, 99, 0, 0, 0)));
    printf("capset inh += 7 (not in bset) %s\n", err(capset3(e, p, i | 1ULL << 7)));
    // Without CAP_SETPCAP the bounding set stays.
    printf("capset drop SETPCAP %s\n", err(capset3(e & ~(1ULL << 8), p & ~(1ULL << 8), i)));
    printf("PR_CAPBSET_DROP 6 %s\n", err(prctl(PR_CAPBSET_DROP, 6, 0, 0, 0)));
    printf("PR_SET_SECUREBITS %s\n", err(prctl(PR_SET_SECUREBITS, 0x10, 0, 0, 0)));
    status("capsets");
}

static char *self;

static void exec_as(uid_t uid, int ambient)
{
    if (ambient) {
        uint64_t e, p, i;
        capget3(0, &e, &p, &i);
        capset3(e, p, i | 1ULL << 10);
        prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
    }
    if (uid) setresuid(uid, uid, uid);
    if (ambient) {
        uint64_t e, p, i;
        capget3(0, &e, &p, &i);
        printf("ambient raise after setuid %s\n", err(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 10, 0, 0)));
    }
    fflush(stdout);
    execl(self, self, "exec", (char *)NULL);
    perror("execl");
    exit(1);
}

static void exec_root(void) { exec_as(0, 0); }
static void exec_nobody(void) { exec_as(65534, 0); }
static void exec_ambient(void) { exec_as(65534, 1); }

static void exec_half(void)
{
    // Real uid 1000, effective 0: root's permitted set; effective too.
    setresuid(1000, 0, 0);
    fflush(stdout);
    execl(self, self, "exec", (char *)NULL);
    exit(1);
}

static void *thread_main(void *arg)
{
    (void)arg;
    sleep(1);
    return NULL;
}

static volatile int go;

static void *thread_ids(void *arg)
{
    (void)arg;
    while (!go) usleep(1000);
    long u = syscall(SYS_getuid), eu = syscall(SYS_geteuid), g = syscall(SYS_getgid);
    printf("thread sees uid %ld euid %ld gid %ld\n", u, eu, g);
    return NULL;
}

static void threads(void)
{
    pthread_t t;
    pthread_create(&t, NULL, thread_ids, NULL);
    printf("setgid(4000) %s\n", err(setgid(4000)));
    printf("setuid(4000) %s\n", err(setuid(4000)));
    go = 1;
    pthread_join(t, NULL);
    (void)thread_main;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    self = "/proc/self/exe";
    if (argc > 1 && !strcmp(argv[1], "exec")) {
        ids("after exec");
        caps("after exec");
        printf("AT_SECURE %lu\n", getauxval(AT_SECURE));
        return 0;
    }
    // The host may run without CAP_SYS_RESOURCE: drop it everywhere so both sides agree.
    uint64_t e, p, i;
    prctl(PR_CAPBSET_DROP, CAP_SYS_RESOURCE, 0, 0, 0);
    capget3(0, &e, &p, &i);
    capset3(e & ~(1ULL << CAP_SYS_RESOURCE), p & ~(1ULL << CAP_SYS_RESOURCE), 0);
    setgroups(0, NULL);
    ids("root");
    caps("root");
    status("root");
    printf("-- transitions\n");
    run(transitions);
    printf("-- keepcaps\n");
    run(keepcaps);
    printf("-- capsets\n");
    run(capsets);
    printf("-- exec as root\n");
    run(exec_root);
    printf("-- exec as nobody\n");
    run(exec_nobody);
    printf("-- exec with ambient\n");
    run(exec_ambient);
    printf("-- exec real 1000 effective 0\n");
    run(exec_half);
    printf("-- threads\n");
    run(threads);
    return 0;
}
