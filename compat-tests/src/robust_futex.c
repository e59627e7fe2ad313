/* Robust mutexes: a thread (or a process, with a MAP_SHARED mutex) that ends holding one makes
 * the next locker get EOWNERDEAD; pthread_mutex_consistent makes it usable again. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t m;
static pthread_mutex_t m2;

static const char *name(int e)
{
    switch (e) {
    case 0: return "0";
    case EOWNERDEAD: return "EOWNERDEAD";
    case ENOTRECOVERABLE: return "ENOTRECOVERABLE";
    case EBUSY: return "EBUSY";
    case EPERM: return "EPERM";
    default: return "other";
    }
}

static void *die_holding(void *arg)
{
    pthread_mutex_lock(&m);
    pthread_mutex_lock(&m2);
    return arg;                        /* ends holding both */
}

static int ready[2];

static void *waiter(void *arg)
{
    write(ready[1], "w", 1);
    int r = pthread_mutex_lock(&m);   /* sleeps until the holder dies */
    return (void *)(long)r;
}

static void *hold_then_die(void *arg)
{
    pthread_mutex_lock(&m);
    char c;
    read(*(int *)arg, &c, 1);          /* the waiter is blocked (or about to be) */
    usleep(100000);
    return NULL;
}

static void init(pthread_mutex_t *mx, int pshared)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (pshared) pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(mx, &a);
    pthread_mutexattr_destroy(&a);
}

int main(int argc, char **argv)
{
    pthread_t t;
    int r;

    if (argc > 1) return 0;            /* the exec'd child */

    init(&m, 0);
    init(&m2, 0);
    pthread_create(&t, NULL, die_holding, NULL);
    pthread_join(t, NULL);
    r = pthread_mutex_trylock(&m); printf("trylock after owner died: %s\n", name(r));
    r = pthread_mutex_consistent(&m); printf("consistent: %s\n", name(r));
    r = pthread_mutex_unlock(&m); printf("unlock: %s\n", name(r));
    r = pthread_mutex_lock(&m); printf("lock again: %s\n", name(r));
    pthread_mutex_unlock(&m);
    r = pthread_mutex_lock(&m2); printf("second mutex: %s\n", name(r));
    r = pthread_mutex_unlock(&m2); printf("unlock without consistent: %s\n", name(r));
    r = pthread_mutex_lock(&m2); printf("lock unrecoverable: %s\n", name(r));

    /* a waiter blocked in lock is woken by the death */
    init(&m, 0);
    int go[2];
    pipe(ready); pipe(go);
    pthread_t h, w;
    pthread_create(&h, NULL, hold_then_die, &go[0]);
    usleep(50000);
    pthread_create(&w, NULL, waiter, NULL);
    char c;
    read(ready[0], &c, 1);
    write(go[1], "g", 1);
    void *res;
    pthread_join(w, &res);
    pthread_join(h, NULL);
    printf("blocked waiter: %s\n", name((int)(long)res));
    pthread_mutex_consistent(&m);
    pthread_mutex_unlock(&m);

    /* across processes: the child exits holding a shared mutex */
    pthread_mutex_t *sm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    init(sm, 1);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        pthread_mutex_lock(sm);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    r = pthread_mutex_lock(sm); printf("process died holding: %s\n", name(r));
    r = pthread_mutex_consistent(sm); printf("consistent: %s\n", name(r));
    pthread_mutex_unlock(sm);

    /* the parent blocks while the child holds it, then the child dies */
    int p2[2];
    pipe(p2);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        pthread_mutex_lock(sm);
        write(p2[1], "l", 1);
        usleep(200000);
        _exit(0);
    }
    read(p2[0], &c, 1);
    r = pthread_mutex_lock(sm); printf("blocked across processes: %s\n", name(r));
    waitpid(pid, &status, 0);
    pthread_mutex_consistent(sm);
    pthread_mutex_unlock(sm);

    /* exec drops the list after releasing it: a child that execs holding the mutex */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        pthread_mutex_lock(sm);
        execl("/proc/self/exe", argv[0], "exit", (char *)NULL);
        _exit(1);
    }
    waitpid(pid, &status, 0);
    r = pthread_mutex_lock(sm); printf("after child exec: %s\n", name(r));
    return 0;
}
