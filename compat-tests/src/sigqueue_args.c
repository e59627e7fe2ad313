/* rt_sigqueueinfo / rt_tgsigqueueinfo argument checks: ids <= 0 and posing as kill() or the kernel. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *name(long r, int e)
{
    if (r == 0) return "0";
    switch (e) {
    case EINVAL: return "EINVAL";
    case ESRCH: return "ESRCH";
    case EPERM: return "EPERM";
    default: return "other";
    }
}

static void show(const char *what, long r)
{
    int e = errno;
    printf("%s: %s\n", what, name(r, e));
}

static pid_t other_tid;
static int done[2];

static void *idle(void *arg)
{
    siginfo_t q;
    memset(&q, 0, sizeof q);
    q.si_signo = SIGUSR1;
    q.si_code = SI_USER;
    long r = syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &q);
    show("process: from a second thread, SI_USER", r);
    fflush(stdout);
    other_tid = (pid_t)syscall(SYS_gettid);
    char c;
    read(done[0], &c, 1);
    return arg;
}

int main(void)
{
    siginfo_t q;
    memset(&q, 0, sizeof q);
    q.si_signo = SIGUSR1;
    q.si_code = SI_QUEUE;
    q.si_pid = getpid();
    signal(SIGUSR1, SIG_IGN);
    pid_t pid = getpid(), tid = (pid_t)syscall(SYS_gettid);
    long r;
    r = syscall(SYS_rt_tgsigqueueinfo, 0, tid, SIGUSR1, &q); show("tg: tgid 0", r);
    r = syscall(SYS_rt_tgsigqueueinfo, pid, 0, SIGUSR1, &q); show("tg: tid 0", r);
    r = syscall(SYS_rt_tgsigqueueinfo, -1, tid, SIGUSR1, &q); show("tg: tgid -1", r);
    r = syscall(SYS_rt_tgsigqueueinfo, pid, tid, SIGUSR1, &q); show("tg: self", r);
    r = syscall(SYS_rt_sigqueueinfo, pid, SIGUSR1, &q); show("process: self", r);

    pipe(done);
    pthread_t t;
    pthread_create(&t, NULL, idle, NULL);
    while (__atomic_load_n(&other_tid, __ATOMIC_SEQ_CST) == 0) usleep(1000);
    r = syscall(SYS_rt_tgsigqueueinfo, pid, other_tid, SIGUSR1, &q); show("tg: other thread, SI_QUEUE", r);
    q.si_code = SI_TKILL;
    r = syscall(SYS_rt_tgsigqueueinfo, pid, other_tid, SIGUSR1, &q); show("tg: other thread, SI_TKILL", r);
    r = syscall(SYS_rt_tgsigqueueinfo, pid, tid, SIGUSR1, &q); show("tg: self, SI_TKILL", r);
    q.si_code = SI_USER;
    r = syscall(SYS_rt_tgsigqueueinfo, pid, other_tid, SIGUSR1, &q); show("tg: other thread, SI_USER", r);
    r = syscall(SYS_rt_sigqueueinfo, pid, SIGUSR1, &q); show("process: self, SI_USER", r);
    write(done[1], "x", 1);
    pthread_join(t, NULL);
    return 0;
}
