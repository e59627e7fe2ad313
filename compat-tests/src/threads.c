/* Threads: pthread create/join with return values, a mutex-protected counter, a condition
 * variable, thread-local storage, sched_yield, sleeping threads, and a detached thread. */
#include "compat.h"
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int counter, arrived;
static __thread int tls = 5;
static volatile int detached_ran;

static void *worker(void *arg)
{
    long id = (long)arg;
    tls = (int)id;
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
        if (i % 50 == 0) sched_yield();
    }
    pthread_mutex_lock(&lock);
    arrived++;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    usleep(2000);
    return (void *)(long)(tls * 10 + (syscall(SYS_gettid) != getpid()));
}

static void *detached(void *arg) { (void)arg; detached_ran = 1; return NULL; }

static volatile int spin_flag;
static void *late_setter(void *arg)
{
    (void)arg;
    for (volatile long i = 0; i < 2000000; i++) { }
    __atomic_store_n(&spin_flag, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static int pipefd[2];
static void *pipe_writer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5; i++) { char c = (char)('a' + i); usleep(1000); write(pipefd[1], &c, 1); }
    close(pipefd[1]);
    return NULL;
}

int main(void)
{
    pthread_t t[4];
    for (long i = 0; i < 4; i++) CHECK_ERR(pthread_create(&t[i], NULL, worker, (void *)(i + 1)) == 0, "pthread_create %ld", i + 1);
    pthread_mutex_lock(&lock);
    while (arrived < 4) pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    CHECK(arrived == 4, "a condition variable wakes the main thread once all arrived");
    long sum = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        CHECK_ERR(pthread_join(t[i], &r) == 0, "pthread_join %d", i + 1);
        sum += (long)r;
    }
    CHECK(sum == 104, "each thread returned its own TLS value and its own thread id");
    CHECK(counter == 2000, "the mutex kept the counter exact (2000)");
    CHECK(tls == 5, "the main thread's TLS is untouched");
    pthread_t d;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    CHECK_ERR(pthread_create(&d, &attr, detached, NULL) == 0, "a detached thread");
    for (int i = 0; i < 100 && !detached_ran; i++) usleep(1000);
    CHECK(detached_ran, "the detached thread ran");
    CHECK_ERR(pipe(pipefd) == 0, "pipe between threads");
    pthread_t w;
    pthread_create(&w, NULL, pipe_writer, NULL);
    char got[8] = {0}, buf[8];
    int total = 0;
    ssize_t n;
    struct pollfd pf = { pipefd[0], POLLIN, 0 };
    while (poll(&pf, 1, -1) > 0 && (n = read(pipefd[0], buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n && total < 7; i++) got[total++] = buf[i];
    pthread_join(w, NULL);
    CHECK(total == 5 && strcmp(got, "abcde") == 0, "a thread polls and reads what another thread writes, then sees EOF");
    close(pipefd[0]);

    pthread_t s;
    pthread_create(&s, NULL, late_setter, NULL);
    long spins = 0;
    while (!__atomic_load_n(&spin_flag, __ATOMIC_SEQ_CST)) spins++;   /* never enters the kernel */
    pthread_join(s, NULL);
    CHECK(spins >= 0 && spin_flag == 1, "a thread busy-waiting in user mode sees a flag another thread sets (preemption)");
    return t_done();
}
