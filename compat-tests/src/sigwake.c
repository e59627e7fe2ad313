/* A process-directed signal taken by the thread that sends it leaves other threads' waits alone:
 * a futex wait, a blocking read of a pipe and a nanosleep in other threads go on (Linux wakes only
 * the thread it picks for the signal, the sender here as it is running). */
#include "compat.h"
#include <sys/syscall.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

static volatile int word;
static volatile pid_t handler_tid;
static int pipefd[2];
static long fret, ferr, rret, rerr;

static void on_usr1(int sig) { (void)sig; handler_tid = (pid_t)syscall(SYS_gettid); }

static void *futex_waiter(void *arg)
{
    (void)arg;
    long r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    fret = r;
    ferr = r < 0 ? errno : 0;
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    char c;
    long r = read(pipefd[0], &c, 1);
    rret = r;
    rerr = r < 0 ? errno : 0;
    return NULL;
}

int main(void)
{
    struct sigaction sa = { 0 };
    sa.sa_handler = on_usr1;                 /* no SA_RESTART: an interrupted wait would say EINTR */
    sigaction(SIGUSR1, &sa, NULL);
    pipe(pipefd);
    pthread_t a, b;
    pthread_create(&a, NULL, futex_waiter, NULL);
    pthread_create(&b, NULL, reader, NULL);
    struct timespec ts = { 0, 100 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    for (int i = 0; i < 5; i++) kill(getpid(), SIGUSR1);
    nanosleep(&ts, NULL);
    CHECK(handler_tid == getpid(), "the handler ran in the sending (main) thread");
    word = 1;
    syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    write(pipefd[1], "x", 1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    CHECK(fret == 0, "the futex wait ended by its wake, not the signal (ret %ld errno %ld)", fret, ferr);
    CHECK(rret == 1, "the pipe read ended with its byte (ret %ld errno %ld)", rret, rerr);
    return t_done();
}
