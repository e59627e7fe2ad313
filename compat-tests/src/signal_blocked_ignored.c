/* signal_blocked_ignored: Linux never discards a blocked signal at generation, even when its
 * action is to ignore it (SIG_IGN, or SIG_DFL for SIGCHLD/SIGURG/SIGWINCH), "since the handler
 * may change by the time it is unblocked". So a blocked SIGCHLD with the default action stays
 * pending for signalfd, sigtimedwait and sigpending (script(1), daemons that sigwait), and an
 * unblocked ignored signal is dropped at once. */
#include "compat.h"
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

static int pending(int sig)
{
    sigset_t p;
    sigemptyset(&p);
    sigpending(&p);
    return sigismember(&p, sig);
}

static void block(int sig, int how)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(how, &s, NULL);
}

int main(void)
{
    sigset_t set;
    struct signalfd_siginfo si;
    struct pollfd pf;
    siginfo_t info;
    struct timespec ts = {2, 0};
    pid_t child;
    int fd, st;

    /* SIGCHLD, default action, blocked: the child's exit leaves it pending for a signalfd. */
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    fd = signalfd(-1, &set, SFD_CLOEXEC);
    CHECK_ERR(fd >= 0, "signalfd(SIGCHLD)");
    child = fork();
    if (child == 0)
        _exit(3);
    pf.fd = fd;
    pf.events = POLLIN;
    pf.revents = 0;
    CHECK(poll(&pf, 1, 2000) == 1 && (pf.revents & POLLIN), "signalfd readable after the child exits");
    CHECK(pending(SIGCHLD), "SIGCHLD pending");
    CHECK(read(fd, &si, sizeof si) == sizeof si, "read a signalfd_siginfo");
    CHECK(si.ssi_signo == SIGCHLD && si.ssi_pid == (unsigned)child, "SIGCHLD from the child");
    CHECK(si.ssi_code == CLD_EXITED && si.ssi_status == 3, "CLD_EXITED with status 3");
    CHECK(!pending(SIGCHLD), "consumed by the read");
    CHECK(waitpid(child, &st, 0) == child && WEXITSTATUS(st) == 3, "reaped");
    close(fd);

    /* The same signal for sigtimedwait. */
    child = fork();
    if (child == 0)
        _exit(4);
    CHECK(sigtimedwait(&set, &info, &ts) == SIGCHLD, "sigtimedwait takes SIGCHLD");
    CHECK(info.si_pid == child && info.si_status == 4, "from the child, status 4");
    waitpid(child, &st, 0);

    /* Unblocked, SIGCHLD's default action drops it at once. */
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, &st, 0);
    CHECK(!pending(SIGCHLD), "unblocked SIGCHLD (default) is not left pending");

    /* SIGWINCH and SIGURG: default ignore, pending while blocked, dropped when unblocked. */
    block(SIGWINCH, SIG_BLOCK);
    kill(getpid(), SIGWINCH);
    CHECK(pending(SIGWINCH), "blocked SIGWINCH (default) pending");
    block(SIGWINCH, SIG_UNBLOCK);
    CHECK(!pending(SIGWINCH), "dropped when unblocked");
    block(SIGURG, SIG_BLOCK);
    raise(SIGURG);
    CHECK(pending(SIGURG), "blocked SIGURG (default) pending");
    block(SIGURG, SIG_UNBLOCK);
    CHECK(!pending(SIGURG), "dropped when unblocked");

    /* SIG_IGN: pending while blocked; setting SIG_IGN again flushes it; unblocked, dropped at once. */
    signal(SIGUSR1, SIG_IGN);
    block(SIGUSR1, SIG_BLOCK);
    kill(getpid(), SIGUSR1);
    CHECK(pending(SIGUSR1), "blocked SIGUSR1 (SIG_IGN) pending");
    signal(SIGUSR1, SIG_IGN);
    CHECK(!pending(SIGUSR1), "sigaction(SIG_IGN) flushes it");
    kill(getpid(), SIGUSR1);
    CHECK(pending(SIGUSR1), "pending again");
    block(SIGUSR1, SIG_UNBLOCK);
    CHECK(!pending(SIGUSR1), "dropped when unblocked");
    kill(getpid(), SIGUSR1);
    CHECK(!pending(SIGUSR1), "unblocked SIG_IGN: not pending");
    return t_done();
}
