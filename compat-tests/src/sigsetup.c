/* sigsetup: signal *setup* calls only (no signal is ever delivered):
 * rt_sigaction install/query, rt_sigprocmask round trips, sigaltstack. */
#include "compat.h"
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

/* the kernel's view of struct sigaction on x86-64 */
struct ksigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

static void h1(int sig) { (void)sig; }
static void h2(int sig, siginfo_t *si, void *uc) { (void)sig; (void)si; (void)uc; }

int main(void)
{
    struct sigaction sa, old;
    struct ksigaction ks, kold;
    sigset_t set, cur;
    stack_t ss, oss;
    static char altstack[64 * 1024];
    uint64_t kmask;

    /* ---- rt_sigaction ---- */
    memset(&old, 0, sizeof(old));
    CHECK_ERR(sigaction(SIGUSR1, NULL, &old) == 0, "query SIGUSR1 action");
    CHECK(old.sa_handler == SIG_DFL, "SIGUSR1 starts as SIG_DFL");

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = h1;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    CHECK_ERR(sigaction(SIGUSR1, &sa, &old) == 0, "install SIGUSR1 handler");
    CHECK(old.sa_handler == SIG_DFL, "old action returned on install is SIG_DFL");
    memset(&old, 0, sizeof(old));
    CHECK_ERR(sigaction(SIGUSR1, NULL, &old) == 0, "query SIGUSR1 after install");
    CHECK(old.sa_handler == h1, "queried handler is the installed one");
    CHECK((old.sa_flags & ~SA_RESTORER) == SA_RESTART, "queried flags are SA_RESTART");
    CHECK(sigismember(&old.sa_mask, SIGUSR2) == 1 && sigismember(&old.sa_mask, SIGINT) == 0,
          "queried sa_mask contains exactly what was set");

    /* raw rt_sigaction query sees the same handler */
    memset(&kold, 0, sizeof(kold));
    CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &kold, 8) == 0, "raw rt_sigaction query");
    CHECK(kold.handler == (void *)h1, "raw query returns the handler");
    CHECK((kold.flags & SA_RESTART) && (kold.mask & (1ull << (SIGUSR2 - 1))), "raw query returns flags and mask");

    /* SA_SIGINFO handler on SIGUSR2 through the raw call */
    memset(&ks, 0, sizeof(ks));
    ks.handler = (void *)h2;
    ks.flags = SA_SIGINFO | SA_RESTORER | SA_ONSTACK;
    ks.restorer = kold.restorer; /* libc's restorer, whatever it is */
    ks.mask = 1ull << (SIGINT - 1);
    CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR2, &ks, NULL, 8) == 0, "raw rt_sigaction install SA_SIGINFO handler");
    memset(&old, 0, sizeof(old));
    CHECK_ERR(sigaction(SIGUSR2, NULL, &old) == 0, "query SIGUSR2");
    CHECK(old.sa_sigaction == h2, "SA_SIGINFO handler reads back");
    CHECK((old.sa_flags & (SA_SIGINFO | SA_ONSTACK)) == (SA_SIGINFO | SA_ONSTACK), "SA_SIGINFO|SA_ONSTACK read back");
    CHECK(sigismember(&old.sa_mask, SIGINT) == 1, "mask set through the raw call reads back");

    /* SIG_IGN round trip */
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = 0;
    sigemptyset(&sa.sa_mask);
    CHECK_ERR(sigaction(SIGUSR2, &sa, &old) == 0, "set SIGUSR2 to SIG_IGN");
    CHECK(old.sa_sigaction == h2, "previous SIGUSR2 action returned");
    CHECK(sigaction(SIGUSR2, NULL, &old) == 0 && old.sa_handler == SIG_IGN, "SIG_IGN reads back");

    /* restore defaults */
    sa.sa_handler = SIG_DFL;
    CHECK_ERR(sigaction(SIGUSR1, &sa, NULL) == 0 && sigaction(SIGUSR2, &sa, NULL) == 0, "restore SIG_DFL");
    CHECK(sigaction(SIGUSR1, NULL, &old) == 0 && old.sa_handler == SIG_DFL, "SIG_DFL reads back");

    /* errors */
    sa.sa_handler = h1;
    errno = 0;
    CHECK(sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL, "changing SIGKILL fails with EINVAL");
    errno = 0;
    CHECK(sigaction(SIGSTOP, &sa, NULL) == -1 && errno == EINVAL, "changing SIGSTOP fails with EINVAL");
    CHECK(sigaction(SIGKILL, NULL, &old) == 0, "querying SIGKILL succeeds");
    errno = 0;
    CHECK(syscall(SYS_rt_sigaction, 0, NULL, &kold, 8) == -1 && errno == EINVAL, "rt_sigaction(0) fails with EINVAL");
    errno = 0;
    CHECK(syscall(SYS_rt_sigaction, 65, NULL, &kold, 8) == -1 && errno == EINVAL, "rt_sigaction(65) fails with EINVAL");
    errno = 0;
    CHECK(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &kold, 16) == -1 && errno == EINVAL,
          "rt_sigaction with sigsetsize 16 fails with EINVAL");
    CHECK(syscall(SYS_rt_sigaction, SIGRTMAX, NULL, &kold, 8) == 0, "rt_sigaction(SIGRTMAX) query succeeds");

    /* ---- rt_sigprocmask ---- */
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGRTMIN + 1);
    CHECK_ERR(sigprocmask(SIG_BLOCK, &set, NULL) == 0, "block SIGUSR1 and a realtime signal");
    sigprocmask(SIG_BLOCK, NULL, &cur);
    CHECK(sigismember(&cur, SIGUSR1) == 1 && sigismember(&cur, SIGRTMIN + 1) == 1, "blocked signals are in the mask");
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK_ERR(sigprocmask(SIG_UNBLOCK, &set, &cur) == 0, "unblock SIGUSR1");
    CHECK(sigismember(&cur, SIGUSR1) == 1, "old mask returned by unblock contains SIGUSR1");
    sigprocmask(SIG_BLOCK, NULL, &cur);
    CHECK(sigismember(&cur, SIGUSR1) == 0 && sigismember(&cur, SIGRTMIN + 1) == 1, "SIGUSR1 unblocked, other kept");
    sigemptyset(&set);
    sigaddset(&set, SIGKILL);
    sigaddset(&set, SIGSTOP);
    sigaddset(&set, SIGUSR2);
    CHECK_ERR(sigprocmask(SIG_SETMASK, &set, NULL) == 0, "SIG_SETMASK with SIGKILL, SIGSTOP, SIGUSR2");
    sigprocmask(SIG_BLOCK, NULL, &cur);
    CHECK(sigismember(&cur, SIGKILL) == 0 && sigismember(&cur, SIGSTOP) == 0, "SIGKILL and SIGSTOP cannot be blocked");
    CHECK(sigismember(&cur, SIGUSR2) == 1 && sigismember(&cur, SIGRTMIN + 1) == 0, "SIG_SETMASK replaced the mask");
    CHECK(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &kmask, 8) == 0 &&
              kmask == (1ull << (SIGUSR2 - 1)),
          "raw rt_sigprocmask reads the same mask");
    errno = 0;
    CHECK(syscall(SYS_rt_sigprocmask, 99, &kmask, NULL, 8) == -1 && errno == EINVAL, "rt_sigprocmask bad how fails with EINVAL");
    errno = 0;
    CHECK(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &kmask, 16) == -1 && errno == EINVAL,
          "rt_sigprocmask with sigsetsize 16 fails with EINVAL");
    sigemptyset(&set);
    CHECK_ERR(sigprocmask(SIG_SETMASK, &set, NULL) == 0, "clear the mask");
    sigprocmask(SIG_BLOCK, NULL, &cur);
    CHECK(sigismember(&cur, SIGUSR2) == 0, "mask is empty again");

    /* ---- sigaltstack ---- */
    memset(&oss, 0, sizeof(oss));
    CHECK_ERR(sigaltstack(NULL, &oss) == 0, "sigaltstack query");
    CHECK(oss.ss_flags == SS_DISABLE, "no alternate stack initially (SS_DISABLE)");
    ss.ss_sp = altstack;
    ss.ss_size = sizeof(altstack);
    ss.ss_flags = 0;
    CHECK_ERR(sigaltstack(&ss, &oss) == 0, "sigaltstack set 64 KiB");
    CHECK(oss.ss_flags == SS_DISABLE, "old stack reported as SS_DISABLE");
    memset(&oss, 0, sizeof(oss));
    CHECK_ERR(sigaltstack(NULL, &oss) == 0, "sigaltstack query after set");
    CHECK(oss.ss_sp == (void *)altstack && oss.ss_size == sizeof(altstack) && oss.ss_flags == 0,
          "sigaltstack round trip (sp, size, flags)");
    ss.ss_size = 1024;
    errno = 0;
    CHECK(sigaltstack(&ss, NULL) == -1 && errno == ENOMEM, "sigaltstack smaller than MINSIGSTKSZ fails with ENOMEM");
    ss.ss_size = sizeof(altstack);
    ss.ss_flags = 0x1234;
    errno = 0;
    CHECK(sigaltstack(&ss, NULL) == -1 && errno == EINVAL, "sigaltstack with bad flags fails with EINVAL");
    ss.ss_flags = SS_DISABLE;
    CHECK_ERR(sigaltstack(&ss, NULL) == 0, "sigaltstack disable");
    CHECK(sigaltstack(NULL, &oss) == 0 && oss.ss_flags == SS_DISABLE, "disabled stack reads back");

    return t_done();
}
