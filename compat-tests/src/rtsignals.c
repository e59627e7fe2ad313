/* Real-time signals queue: each sigqueue of a blocked real-time signal is delivered, in order,
 * lowest signal number first, with its own value; a standard signal sent twice while blocked is
 * delivered once. Through handlers and through sigtimedwait, process- and thread-directed. */
#include "compat.h"
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

static int got_sig[32], got_val[32], n_got;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (n_got < 32) { got_sig[n_got] = sig; got_val[n_got] = si->si_code == SI_QUEUE ? si->si_value.sival_int : -1; n_got++; }
}

static void show(const char *what)
{
    printf("%s:", what);
    for (int i = 0; i < n_got; i++) printf(" %s%d/%d", got_sig[i] >= SIGRTMIN ? "RTMIN+" : "sig ", got_sig[i] >= SIGRTMIN ? got_sig[i] - SIGRTMIN : got_sig[i], got_val[i]);
    printf("\n");
    n_got = 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sig;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN, &sa, NULL);
    sigaction(SIGRTMIN + 1, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);

    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    sigaddset(&set, SIGRTMIN + 1);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    for (int v = 1; v <= 3; v++) sigqueue(getpid(), SIGRTMIN + 1, (union sigval){ .sival_int = 10 + v });
    for (int v = 1; v <= 2; v++) sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = 20 + v });
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR1);
    sigset_t pend;
    sigpending(&pend);
    printf("pending: RTMIN %d RTMIN+1 %d USR1 %d\n", sigismember(&pend, SIGRTMIN), sigismember(&pend, SIGRTMIN + 1), sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    show("handlers");

    /* sigtimedwait takes one instance at a time; the signal stays pending while more are queued. */
    sigprocmask(SIG_BLOCK, &set, NULL);
    for (int v = 1; v <= 3; v++) sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = 30 + v });
    struct timespec zero = { 0, 0 };
    siginfo_t si;
    int sig;
    while ((sig = sigtimedwait(&set, &si, &zero)) > 0) {
        sigpending(&pend);
        printf("sigtimedwait: RTMIN+%d value %d still pending %d\n", sig - SIGRTMIN, si.si_value.sival_int, sigismember(&pend, sig));
    }
    printf("sigtimedwait empty: errno %d\n", errno);

    /* Thread-directed: rt_tgsigqueueinfo to this thread three times. */
    for (int v = 1; v <= 3; v++) {
        siginfo_t q;
        memset(&q, 0, sizeof q);
        q.si_signo = SIGRTMIN + 1;
        q.si_code = SI_QUEUE;
        q.si_pid = getpid();
        q.si_value.sival_int = 40 + v;
        syscall(SYS_rt_tgsigqueueinfo, getpid(), (pid_t)syscall(SYS_gettid), SIGRTMIN + 1, &q);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    show("thread-directed");

    /* Ignoring a signal drops every queued instance. */
    sigprocmask(SIG_BLOCK, &set, NULL);
    for (int v = 1; v <= 3; v++) sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = 50 + v });
    signal(SIGRTMIN, SIG_IGN);
    sigaction(SIGRTMIN, &sa, NULL);
    sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = 60 });
    sigprocmask(SIG_SETMASK, &old, NULL);
    show("after SIG_IGN");
    return 0;
}
