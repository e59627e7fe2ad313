/* POSIX message queues: create (O_EXCL), attributes, priority order with FIFO within a priority,
 * EMSGSIZE both ways, a full queue (EAGAIN, ETIMEDOUT), a blocked receiver woken by another
 * process, mq_notify with a signal (once), O_NONBLOCK through mq_setattr, the status line a read
 * of the descriptor gives, poll, unlink while open. */
#include "compat.h"
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SHOW(w, e) do { errno = 0; long r_ = (long)(e); printf("%s: %ld errno %d\n", w, r_, r_ < 0 ? errno : 0); } while (0)

static volatile int notified, notified_code, notified_value;
static void on_usr1(int s, siginfo_t *si, void *uc) { (void)s; (void)uc; notified++; notified_code = si->si_code; notified_value = si->si_value.sival_int; }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char name[64];
    snprintf(name, sizeof name, "/compat-mq-%d", (int)getpid());
    mq_unlink(name);
    struct mq_attr a = { 0, 3, 32, 0 };
    mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0640, &a);
    printf("mq_open: %s\n", q >= 0 ? "ok" : "failed");
    SHOW("mq_open O_EXCL again", mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0640, &a));
    struct mq_attr big = { 0, 3, 0, 0 };
    char other[80];
    snprintf(other, sizeof other, "%s-bad", name);
    SHOW("mq_open bad attributes", mq_open(other, O_CREAT | O_RDWR, 0640, &big));
    struct rlimit old_lim, low = { 4096, 4096 };
    getrlimit(RLIMIT_MSGQUEUE, &old_lim);
    printf("RLIMIT_MSGQUEUE: %ld\n", (long)old_lim.rlim_cur);
    setrlimit(RLIMIT_MSGQUEUE, &low);
    struct mq_attr ten = { 0, 10, 8192, 0 };
    SHOW("mq_open past RLIMIT_MSGQUEUE", mq_open(other, O_CREAT | O_RDWR, 0640, &ten));
    setrlimit(RLIMIT_MSGQUEUE, &old_lim);
    struct stat st;
    fstat(q, &st);
    printf("fstat: regular %d mode %o\n", S_ISREG(st.st_mode), st.st_mode & 0777);

    SHOW("send low", mq_send(q, "low-1", 5, 1));
    SHOW("send high", mq_send(q, "high", 4, 9));
    SHOW("send low again", mq_send(q, "low-2", 5, 1));
    SHOW("send into a full queue (nonblocking)", (mq_setattr(q, &(struct mq_attr){ O_NONBLOCK, 0, 0, 0 }, NULL), mq_send(q, "x", 1, 0)));
    struct mq_attr g;
    mq_getattr(q, &g);
    printf("attr: flags nonblock %d maxmsg %ld msgsize %ld curmsgs %ld\n", (g.mq_flags & O_NONBLOCK) != 0, g.mq_maxmsg, g.mq_msgsize, g.mq_curmsgs);
    char status[128] = { 0 };
    lseek(q, 0, SEEK_SET);
    read(q, status, sizeof status - 1);
    printf("status: %s", status);
    struct pollfd p = { q, POLLIN | POLLOUT, 0 };
    poll(&p, 1, 0);
    printf("poll full: in %d out %d\n", !!(p.revents & POLLIN), !!(p.revents & POLLOUT));
    mq_setattr(q, &(struct mq_attr){ 0, 0, 0, 0 }, NULL);
    struct timespec past;
    clock_gettime(CLOCK_REALTIME, &past);
    past.tv_nsec = (past.tv_nsec + 50000000) % 1000000000;
    if (past.tv_nsec < 50000000) past.tv_sec++;
    SHOW("timedsend into a full queue", mq_timedsend(q, "x", 1, 0, &past));
    SHOW("send too long", mq_send(q, "0123456789012345678901234567890123456789", 40, 0));
    SHOW("send priority too high", mq_send(q, "x", 1, 40000));

    char buf[64];
    unsigned prio;
    SHOW("receive into a short buffer", mq_receive(q, buf, 8, &prio));
    for (int i = 0; i < 3; i++) {
        long n = mq_receive(q, buf, sizeof buf, &prio);
        printf("receive: %ld \"%.*s\" priority %u\n", n, (int)(n > 0 ? n : 0), buf, prio);
    }
    struct timespec soon;
    clock_gettime(CLOCK_REALTIME, &soon);
    soon.tv_nsec += 50000000;
    if (soon.tv_nsec >= 1000000000) { soon.tv_sec++; soon.tv_nsec -= 1000000000; }
    SHOW("timedreceive from an empty queue", mq_timedreceive(q, buf, sizeof buf, &prio, &soon));
    struct timespec bad = { 0, 2000000000 };
    SHOW("timedreceive bad timeout", mq_timedreceive(q, buf, sizeof buf, &prio, &bad));

    /* A child sends after a while; the parent's blocked receive takes it. */
    pid_t c = fork();
    if (c == 0) { usleep(100000); mqd_t cq = mq_open(name, O_WRONLY); mq_send(cq, "from child", 10, 3); _exit(0); }
    long n = mq_receive(q, buf, sizeof buf, &prio);
    printf("blocked receive: %ld \"%.*s\" priority %u\n", n, (int)(n > 0 ? n : 0), buf, prio);
    waitpid(c, NULL, 0);

    /* mq_notify: one signal for the first message into an empty queue, then the registration is gone. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = 77;
    SHOW("mq_notify", mq_notify(q, &ev));
    lseek(q, 0, SEEK_SET);
    memset(status, 0, sizeof status);
    read(q, status, sizeof status - 1);
    printf("status: %.*s\n", 40, status);
    mq_send(q, "a", 1, 0);
    mq_send(q, "b", 1, 0);
    printf("notified %d times, code SI_MESGQ %d, value %d\n", notified, notified_code == SI_MESGQ, notified_value);
    SHOW("mq_notify off", mq_notify(q, NULL));

    SHOW("mq_unlink", mq_unlink(name));
    SHOW("mq_unlink again", mq_unlink(name));
    n = mq_receive(q, buf, sizeof buf, &prio);
    printf("receive after unlink: %ld\n", n);
    SHOW("mq_close", mq_close(q));
    return 0;
}
