/* System V IPC between processes that run side by side: a shared memory segment written by a
 * child and read by its parent, semaphores as a lock and as a signal (blocking semop, IPC_NOWAIT,
 * semtimedop timeout), message queues (types, blocking receive, MSG_NOERROR, E2BIG, ENOMSG), and
 * the control commands (IPC_STAT, IPC_SET, IPC_RMID). */
#include "compat.h"
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

union semun { int val; struct semid_ds *buf; unsigned short *array; };
struct msg { long type; char text[64]; };

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int st;

    /* shared memory */
    int shm = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
    CHECK_ERR(shm >= 0, "shmget IPC_PRIVATE 10000 bytes");
    volatile int *m = shmat(shm, NULL, 0);
    CHECK_ERR(m != (void *)-1, "shmat");
    m[0] = 1;
    m[2000] = 0;
    struct shmid_ds ds;
    CHECK(shmctl(shm, IPC_STAT, &ds) == 0 && ds.shm_segsz == 10000 && ds.shm_nattch == 1, "IPC_STAT: size and one attach");
    pid_t c = fork();
    if (c == 0) {
        volatile int *cm = shmat(shm, NULL, SHM_RDONLY);      /* a second attach in the child */
        int ok = cm[0] == 1;
        m[2000] = 42;                                          /* through the inherited attach */
        shmdt((void *)cm);
        _exit(ok ? 0 : 1);
    }
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && m[2000] == 42, "the child read the parent's data and wrote back");
    CHECK(shmctl(shm, IPC_RMID, NULL) == 0, "IPC_RMID while attached");
    CHECK(m[2000] == 42, "the pages stay until the last detach");
    CHECK(shmdt((void *)m) == 0, "shmdt");
    errno = 0;
    CHECK(shmat(shm, NULL, 0) == (void *)-1 && errno == EINVAL, "a removed segment cannot be attached");
    key_t key = 0x5eed0000 + (getpid() & 0xffff);
    int a = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600);
    CHECK(a >= 0 && shmget(key, 4096, 0) == a, "a keyed segment is found again by its key");
    errno = 0;
    CHECK(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600) == -1 && errno == EEXIST, "IPC_EXCL on an existing key: EEXIST");
    errno = 0;
    CHECK(shmget(key, 8192, 0) == -1 && errno == EINVAL, "asking for more than its size: EINVAL");
    shmctl(a, IPC_RMID, NULL);

    /* semaphores */
    int sem = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
    CHECK_ERR(sem >= 0, "semget 2 semaphores");
    union semun arg = { .val = 0 };
    semctl(sem, 0, SETVAL, arg);
    arg.val = 1;
    semctl(sem, 1, SETVAL, arg);
    CHECK(semctl(sem, 0, GETVAL) == 0 && semctl(sem, 1, GETVAL) == 1, "SETVAL and GETVAL");
    struct sembuf down0 = { 0, -1, 0 }, up0 = { 0, 1, 0 }, nowait = { 0, -1, IPC_NOWAIT };
    errno = 0;
    CHECK(semop(sem, &nowait, 1) == -1 && errno == EAGAIN, "IPC_NOWAIT on a zero semaphore: EAGAIN");
    struct timespec ts = { 0, 100000000 };
    errno = 0;
    CHECK(semtimedop(sem, &down0, 1, &ts) == -1 && errno == EAGAIN, "semtimedop times out with EAGAIN");
    c = fork();
    if (c == 0) {
        struct timespec nap = { 0, 50000000 };
        nanosleep(&nap, NULL);
        semop(sem, &up0, 1);                                   /* wakes the parent */
        _exit(0);
    }
    CHECK(semop(sem, &down0, 1) == 0, "a blocking semop returns once the child raises the semaphore");
    waitpid(c, NULL, 0);
    /* a lock around a shared counter, four processes */
    int cnt = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    volatile int *counter = shmat(cnt, NULL, 0);
    *counter = 0;
    struct sembuf lock = { 1, -1, 0 }, unlock = { 1, 1, 0 };
    for (int i = 0; i < 4; i++)
        if (fork() == 0) {
            for (int k = 0; k < 500; k++) { semop(sem, &lock, 1); int v = *counter; sched_yield(); *counter = v + 1; semop(sem, &unlock, 1); }
            _exit(0);
        }
    while (wait(NULL) > 0) { }
    CHECK(*counter == 2000, "four processes incremented under the semaphore lock: %d", *counter);
    unsigned short all[2];
    arg.array = all;
    CHECK(semctl(sem, 0, GETALL, arg) == 0 && all[0] == 0 && all[1] == 1, "GETALL");
    struct semid_ds sds;
    arg.buf = &sds;
    CHECK(semctl(sem, 0, IPC_STAT, arg) == 0 && sds.sem_nsems == 2, "IPC_STAT: two semaphores");
    c = fork();
    if (c == 0) { errno = 0; int r = semop(sem, &down0, 1); _exit(r == -1 && errno == EIDRM ? 0 : 1); }
    struct timespec nap = { 0, 100000000 };
    nanosleep(&nap, NULL);
    CHECK(semctl(sem, 0, IPC_RMID) == 0, "IPC_RMID on a set with a sleeper");
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the sleeper got EIDRM");
    shmdt((void *)counter);
    shmctl(cnt, IPC_RMID, NULL);

    /* SEM_UNDO: a process that dies holding the lock gives it back */
    int us = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    arg.val = 1;
    semctl(us, 0, SETVAL, arg);
    c = fork();
    if (c == 0) { struct sembuf take = { 0, -1, SEM_UNDO }; semop(us, &take, 1); _exit(semctl(us, 0, GETVAL) == 0 ? 0 : 1); }
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && semctl(us, 0, GETVAL) == 1, "SEM_UNDO: the child took the semaphore and its exit gave it back");
    semctl(us, 0, IPC_RMID);

    /* message queues */
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    CHECK_ERR(q >= 0, "msgget");
    struct msg out = { 2, "second type" }, in;
    msgsnd(q, &out, 12, 0);
    out.type = 1;
    strcpy(out.text, "first type");
    msgsnd(q, &out, 11, 0);
    CHECK(msgrcv(q, &in, sizeof in.text, 1, 0) == 11 && strcmp(in.text, "first type") == 0, "msgrcv by type takes the matching message");
    errno = 0;
    CHECK(msgrcv(q, &in, 4, 0, 0) == -1 && errno == E2BIG, "a buffer too small: E2BIG");
    CHECK(msgrcv(q, &in, 4, 0, MSG_NOERROR) == 4 && memcmp(in.text, "seco", 4) == 0, "MSG_NOERROR truncates");
    errno = 0;
    CHECK(msgrcv(q, &in, sizeof in.text, 0, IPC_NOWAIT) == -1 && errno == ENOMSG, "an empty queue with IPC_NOWAIT: ENOMSG");
    c = fork();
    if (c == 0) {
        struct msg r;
        for (int i = 0; i < 100; i++) {
            if (msgrcv(q, &r, sizeof r.text, 5, 0) < 0) _exit(1);
            r.type = 6;
            if (msgsnd(q, &r, strlen(r.text) + 1, 0) < 0) _exit(2);
        }
        _exit(0);
    }
    int good = 0;
    for (int i = 0; i < 100; i++) {
        out.type = 5;
        snprintf(out.text, sizeof out.text, "ping %d", i);
        msgsnd(q, &out, strlen(out.text) + 1, 0);
        if (msgrcv(q, &in, sizeof in.text, 6, 0) > 0 && strcmp(in.text, out.text) == 0) good++;
    }
    waitpid(c, &st, 0);
    CHECK(good == 100 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "100 messages bounced through a child");
    struct msqid_ds qs;
    CHECK(msgctl(q, IPC_STAT, &qs) == 0 && qs.msg_qnum == 0, "IPC_STAT: the queue is empty");
    CHECK(msgctl(q, IPC_RMID, NULL) == 0, "IPC_RMID");
    errno = 0;
    CHECK(msgsnd(q, &out, 4, IPC_NOWAIT) == -1 && (errno == EINVAL || errno == EIDRM), "a removed queue is gone");
    return t_done();
}
