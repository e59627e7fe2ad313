/* restart_syscall and the restart of sleeps: called directly it gives EINTR; a nanosleep or
 * clock_nanosleep (relative or TIMER_ABSTIME) stopped by SIGSTOP and continued by SIGCONT goes on
 * sleeping and returns 0 once its full time is over (no handler ran); a handler makes them EINTR
 * with the time left, even with SA_RESTART. */
#include "compat.h"
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SLEEP_MS 600

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void on_usr1(int s) { (void)s; }

/* The child sleeps SLEEP_MS in the given way; the parent stops and continues it in between. */
static void stopped_sleep(const char *how, int kind)
{
    int pipefd[2];
    pipe(pipefd);
    pid_t c = fork();
    if (c == 0) {
        struct timespec req = { 0, SLEEP_MS * 1000000L }, rem = { 0, 0 };
        long long t0 = now_ms();
        long r;
        errno = 0;
        write(pipefd[1], "x", 1);
        if (kind == 0) r = nanosleep(&req, &rem);
        else if (kind == 1) r = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, &rem);
        else {
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_nsec += SLEEP_MS * 1000000L;
            if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
            r = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
        }
        int e = errno;
        long long slept = now_ms() - t0;
        /* Started again from the beginning, it would sleep 150 + 350 + SLEEP_MS ms at least. */
        printf("%s after SIGSTOP/SIGCONT: %ld errno %d, slept the full time: %s, only the rest after SIGCONT: %s\n",
               how, r, r < 0 ? e : 0, slept >= SLEEP_MS - 1 ? "yes" : "no", slept < SLEEP_MS + 400 ? "yes" : "no");
        _exit(0);
    }
    char b;
    read(pipefd[0], &b, 1);
    usleep(150 * 1000);                         /* by now the child sleeps (if not, it stops before) */
    kill(c, SIGSTOP);
    int st;
    waitpid(c, &st, WUNTRACED);
    printf("%s: child stopped: %d\n", how, WIFSTOPPED(st));
    usleep(350 * 1000);
    kill(c, SIGCONT);
    waitpid(c, &st, 0);
    close(pipefd[0]);
    close(pipefd[1]);
}

/* A handler interrupts: EINTR and the time left, with and without SA_RESTART. */
static void handled_sleep(const char *how, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = flags;
    sigaction(SIGUSR1, &sa, NULL);
    int pipefd[2];
    pipe(pipefd);
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) {
        char b;
        read(pipefd[0], &b, 1);
        usleep(150 * 1000);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    struct timespec req = { 2, 0 }, rem = { 0, 0 };
    write(pipefd[1], "x", 1);
    errno = 0;
    long r = nanosleep(&req, &rem);
    int e = errno;
    printf("%s: nanosleep %ld errno %d, time left reported: %s\n", how, r, r < 0 ? e : 0,
           rem.tv_sec >= 1 ? "yes" : "no");
    errno = 0;
    r = syscall(SYS_restart_syscall);
    printf("%s: restart_syscall after the handler: %ld errno %d\n", how, r, r < 0 ? errno : 0);
    waitpid(c, NULL, 0);
    close(pipefd[0]);
    close(pipefd[1]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    errno = 0;
    long r = syscall(SYS_restart_syscall);
    printf("restart_syscall called directly: %ld errno %d\n", r, r < 0 ? errno : 0);
    stopped_sleep("nanosleep", 0);
    stopped_sleep("clock_nanosleep relative", 1);
    stopped_sleep("clock_nanosleep TIMER_ABSTIME", 2);
    handled_sleep("handler without SA_RESTART", 0);
    handled_sleep("handler with SA_RESTART", SA_RESTART);
    return 0;
}
