// What an unprivileged process may do to other processes and its own limits: setpriority and
// nice (RLIMIT_NICE), the sched_* setters, prlimit (CAP_SYS_RESOURCE for a higher hard limit),
// ptrace attach and process_vm_readv (same ids and dumpable, as without Yama), PR_SET_DUMPABLE
// after setuid, and the owner of /proc/PID files (the effective user while dumpable, else root).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/klog.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grp.h>

static const char *err(long r)
{
    if (r >= 0) return "ok";
    switch (errno) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ESRCH: return "ESRCH";
    case EINVAL: return "EINVAL";
    default: return "other";
    }
}

static pid_t root_pid, nobody_pid, nobody_exec_pid;
static int value = 42;

static void drop(void)
{
    if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0) {
        perror("drop");
        exit(1);
    }
}

static void sleeper(void)
{
    for (;;) pause();
}

static long peek(pid_t pid)
{
    int out = 0;
    struct iovec l = { &out, sizeof out }, r = { &value, sizeof value };
    long n = process_vm_readv(pid, &l, 1, &r, 1, 0);
    return n < 0 ? n : out;
}

static void owner(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) { printf("  stat %s %s\n", path, err(-1)); return; }
    printf("  owner of %s: %u %u\n", path, st.st_uid, st.st_gid);
}

static long send_cred(int fd, pid_t pid, uid_t uid, gid_t gid)
{
    char data = 'x';
    struct iovec iov = { &data, 1 };
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(struct ucred))]; } u;
    memset(&u, 0, sizeof u);
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
    struct ucred uc = { pid, uid, gid };
    memcpy(CMSG_DATA(c), &uc, sizeof uc);
    return sendmsg(fd, &m, 0);
}

static void sockets(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct ucred uc;
    socklen_t l = sizeof uc;
    getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, &l);
    printf("SO_PEERCRED uid %u gid %u own pid %d\n", uc.uid, uc.gid, uc.pid == getpid());
    int on = 1;
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    printf("claim uid 0 %s\n", err(send_cred(sv[0], getpid(), 0, 65534)));
    printf("claim gid 0 %s\n", err(send_cred(sv[0], getpid(), 65534, 0)));
    printf("claim own ids %s\n", err(send_cred(sv[0], getpid(), 65534, 65534)));
    char data;
    struct iovec iov = { &data, 1 };
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(struct ucred))]; } u;
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    if (recvmsg(sv[1], &m, 0) == 1 && CMSG_FIRSTHDR(&m)) {
        memcpy(&uc, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof uc);
        printf("received uid %u gid %u\n", uc.uid, uc.gid);
    }
    close(sv[0]);
    close(sv[1]);
}

static void unprivileged(void)
{
    drop();
    printf("dumpable after setuid %d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    owner("/proc/self/status");
    int fd = open("/proc/self/mem", O_RDONLY);
    printf("open own mem, not dumpable %s\n", err(fd));
    if (fd >= 0) close(fd);
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    owner("/proc/self/status");
    fd = open("/proc/self/mem", O_RDONLY);
    printf("open own mem, dumpable %s\n", err(fd));
    if (fd >= 0) close(fd);

    printf("-- priorities\n");
    printf("setpriority root %s\n", err(setpriority(PRIO_PROCESS, root_pid, 5)));
    printf("setpriority nobody %s\n", err(setpriority(PRIO_PROCESS, nobody_pid, 5)));
    printf("setpriority self 10 %s\n", err(setpriority(PRIO_PROCESS, 0, 10)));
    printf("setpriority self 5 %s\n", err(setpriority(PRIO_PROCESS, 0, 5)));
    errno = 0;
    int prio = getpriority(PRIO_PROCESS, 0);
    printf("getpriority self %d\n", prio);
    prio = getpriority(PRIO_PROCESS, nobody_pid);
    printf("getpriority nobody %d\n", prio);
    struct rlimit rl;
    getrlimit(RLIMIT_NICE, &rl);
    printf("RLIMIT_NICE %llu %llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);

    printf("-- scheduler\n");
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    printf("setaffinity root %s\n", err(sched_setaffinity(root_pid, sizeof set, &set)));
    printf("setaffinity nobody %s\n", err(sched_setaffinity(nobody_pid, sizeof set, &set)));
    printf("setaffinity self %s\n", err(sched_setaffinity(0, sizeof set, &set)));
    struct sched_param sp = { 0 };
    printf("setscheduler root %s\n", err(sched_setscheduler(root_pid, SCHED_OTHER, &sp)));
    printf("setscheduler self %s\n", err(sched_setscheduler(0, SCHED_OTHER, &sp)));
    printf("setparam root %s\n", err(sched_setparam(root_pid, &sp)));

    printf("-- limits\n");
    struct rlimit got;
    printf("prlimit get root %s\n", err(prlimit(root_pid, RLIMIT_NOFILE, NULL, &got)));
    printf("prlimit get nobody %s\n", err(prlimit(nobody_pid, RLIMIT_NOFILE, NULL, &got)));
    getrlimit(RLIMIT_NOFILE, &rl);
    struct rlimit lower = { rl.rlim_cur / 2, rl.rlim_max / 2 };
    printf("lower own NOFILE %s\n", err(setrlimit(RLIMIT_NOFILE, &lower)));
    printf("raise own NOFILE back %s\n", err(setrlimit(RLIMIT_NOFILE, &rl)));
    printf("prlimit set nobody %s\n", err(prlimit(nobody_pid, RLIMIT_CORE, &(struct rlimit){ 0, 0 }, NULL)));

    printf("-- tracing\n");
    printf("peek root %s\n", err(peek(root_pid)));
    printf("peek nobody (setuid, not dumpable) %s\n", err(peek(nobody_pid)));
    // Its addresses differ under ASLR (static-pie): only whether the access is allowed is printed.
    long v = peek(nobody_exec_pid);
    printf("peek nobody after exec %s\n", v < 0 && errno == EPERM ? "EPERM" : "allowed");
    printf("attach root %s\n", err(ptrace(PTRACE_ATTACH, root_pid, 0, 0)));
    printf("attach nobody (not dumpable) %s\n", err(ptrace(PTRACE_ATTACH, nobody_pid, 0, 0)));
    long a = ptrace(PTRACE_SEIZE, nobody_exec_pid, 0, 0);
    printf("seize nobody after exec %s\n", err(a));
    if (a == 0) printf("detach %s\n", err(ptrace(PTRACE_DETACH, nobody_exec_pid, 0, 0)));
    printf("kill root %s\n", err(kill(root_pid, 0)));
    printf("-- sockets\n");
    sockets();
    printf("-- root only\n");
    printf("mount %s\n", err(mount("none", "/tmp", "tmpfs", 0, NULL)));
    printf("umount /proc %s\n", err(umount2("/proc", 0)));
    printf("sethostname %s\n", err(sethostname("x", 1)));
    printf("setdomainname %s\n", err(setdomainname("x", 1)));
    printf("settimeofday(NULL, NULL) %s\n", err(syscall(SYS_settimeofday, NULL, NULL)));
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    printf("clock_settime %s\n", err(clock_settime(CLOCK_REALTIME, &now)));
    struct timex tx = { 0 };
    printf("adjtimex read %s\n", err(adjtimex(&tx) < 0 ? -1 : 0));
    tx.modes = ADJ_FREQUENCY;
    printf("adjtimex ADJ_FREQUENCY %s\n", err(adjtimex(&tx)));
    printf("reboot CAD_OFF %s\n", err(reboot(RB_DISABLE_CAD)));
    printf("acct %s\n", err(acct(NULL)));
    printf("syslog size %s\n", err(klogctl(10, NULL, 0)));
    printf("chroot %s\n", err(chroot("/")));
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(80), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    printf("bind port 80 %s\n", err(bind(s, (struct sockaddr *)&in, sizeof in)));
    in.sin_port = 0;
    printf("bind port 0 %s\n", err(bind(s, (struct sockaddr *)&in, sizeof in)));
    close(s);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && !strcmp(argv[1], "sleep")) {
        value = 7;
        sleeper();
    }
    // The host may run without CAP_SYS_RESOURCE: drop it so both sides agree.
    prctl(PR_CAPBSET_DROP, 24, 0, 0, 0);
    struct { uint32_t version; int pid; } h = { 0x20080522, 0 };
    struct { uint32_t e, p, i; } d[2];
    syscall(SYS_capget, &h, d);
    d[0].e &= ~(1u << 24); d[0].p &= ~(1u << 24);
    syscall(SYS_capset, &h, d);

    printf("-- root\n");
    printf("dumpable %d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    struct rlimit up = { rl.rlim_cur, rl.rlim_max + 1 };
    printf("raise hard NOFILE without CAP_SYS_RESOURCE %s\n", err(setrlimit(RLIMIT_NOFILE, &up)));
    struct rlimit huge = { rl.rlim_cur, (1 << 20) + 1 };
    printf("NOFILE above nr_open %s\n", err(setrlimit(RLIMIT_NOFILE, &huge)));
    printf("setpriority -5 %s\n", err(setpriority(PRIO_PROCESS, 0, -5)));
    errno = 0;
    int prio = getpriority(PRIO_PROCESS, 0);
    printf("getpriority %d\n", prio);
    setpriority(PRIO_PROCESS, 0, 0);

    root_pid = fork();
    if (root_pid == 0) sleeper();
    nobody_pid = fork();
    if (nobody_pid == 0) { drop(); sleeper(); }
    nobody_exec_pid = fork();
    if (nobody_exec_pid == 0) {
        drop();
        execl("/proc/self/exe", argv[0], "sleep", (char *)NULL);
        exit(1);
    }
    usleep(200000);                               // the exec is done by then
    pid_t c = fork();
    if (c == 0) { unprivileged(); exit(0); }
    int st;
    waitpid(c, &st, 0);
    kill(root_pid, SIGKILL);
    kill(nobody_pid, SIGKILL);
    kill(nobody_exec_pid, SIGKILL);
    waitpid(root_pid, &st, 0);
    waitpid(nobody_pid, &st, 0);
    waitpid(nobody_exec_pid, &st, 0);
    printf("done\n");
    return 0;
}
