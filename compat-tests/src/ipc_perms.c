/* System V IPC permissions: objects belong to their creator's effective ids; an unprivileged
 * process gets EACCES for reads and writes the mode refuses and EPERM for IPC_RMID/IPC_SET of
 * another user's object; root (CAP_IPC_OWNER) passes. Needs root (it drops to uid 1000 in a child). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static void r(const char *what, long v)
{
    int e = errno;
    printf("%-42s %s\n", what, v >= 0 ? "ok" : strerror(e));
    fflush(stdout);
}

int main(void)
{
    if (geteuid() != 0) { printf("needs root\n"); return 0; }
    int shm600 = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600), shm604 = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0604);
    int sem600 = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600), sem606 = semget(IPC_PRIVATE, 1, IPC_CREAT | 0606);
    int msg600 = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    struct shmid_ds ds;
    shmctl(shm600, IPC_STAT, &ds);
    printf("root's segment: uid %u cuid %u mode %o\n", ds.shm_perm.uid, ds.shm_perm.cuid, ds.shm_perm.mode & 0777);
    int *mine = NULL;
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) { perror("setresuid"); _exit(1); }
        void *a;
        r("shmat rw of a 0600 root segment", (long)(a = shmat(shm600, NULL, 0)) == -1 ? -1 : 0);
        r("shmat ro of a 0604 root segment", (long)(a = shmat(shm604, NULL, SHM_RDONLY)) == -1 ? -1 : 0);
        if (a != (void *)-1) shmdt(a);
        r("shmat rw of a 0604 root segment", (long)(a = shmat(shm604, NULL, 0)) == -1 ? -1 : 0);
        r("shmctl IPC_STAT of a 0600 root segment", shmctl(shm600, IPC_STAT, &ds));
        r("shmctl IPC_STAT of a 0604 root segment", shmctl(shm604, IPC_STAT, &ds));
        r("shmctl IPC_RMID of a root segment", shmctl(shm604, IPC_RMID, NULL));
        struct sembuf op = { 0, 1, 0 };
        r("semop +1 on a 0600 root set", semop(sem600, &op, 1));
        r("semop +1 on a 0606 root set", semop(sem606, &op, 1));
        r("semctl GETVAL on a 0600 root set", semctl(sem600, 0, GETVAL));
        r("semctl SETVAL on a 0606 root set", semctl(sem606, 0, SETVAL, 3));
        r("semctl IPC_RMID on a 0606 root set", semctl(sem606, 0, IPC_RMID));
        struct { long type; char text[8]; } m = { 1, "hi" };
        r("msgsnd to a 0600 root queue", msgsnd(msg600, &m, 3, IPC_NOWAIT));
        r("msgrcv from a 0600 root queue", msgrcv(msg600, &m, sizeof m.text, 0, IPC_NOWAIT));
        struct msqid_ds mq;
        r("msgctl IPC_STAT of a 0600 root queue", msgctl(msg600, IPC_STAT, &mq));
        /* its own: created as uid 1000, mode 0600 */
        int own = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
        shmctl(own, IPC_STAT, &ds);
        printf("its own segment: uid %u gid %u cuid %u cgid %u\n", ds.shm_perm.uid, ds.shm_perm.gid, ds.shm_perm.cuid, ds.shm_perm.cgid);
        printf("%d\n", own >= 0);
        fflush(stdout);
        _exit(own >= 0 ? 0 : 1);
    }
    int st;
    waitpid(p, &st, 0);
    (void)mine;
    /* root may do anything with the child's (a segment of uid 1000 with mode 0600 — found by IPC_INFO scan) */
    struct shminfo info;
    int hi = shmctl(0, IPC_INFO, (struct shmid_ds *)&info);
    int found = 0;
    for (int i = 0; i <= hi; i++) {
        int id = shmctl(i, SHM_STAT, &ds);
        if (id < 0 || ds.shm_perm.uid != 1000 || ds.shm_cpid != p) continue;
        void *a = shmat(id, NULL, 0);
        r("root: shmat rw of uid 1000's 0600 segment", a == (void *)-1 ? -1 : 0);
        if (a != (void *)-1) shmdt(a);
        r("root: IPC_RMID of it", shmctl(id, IPC_RMID, NULL));
        found = 1;
    }
    printf("child's segment found: %d\n", found);
    shmctl(shm600, IPC_RMID, NULL); shmctl(shm604, IPC_RMID, NULL);
    semctl(sem600, 0, IPC_RMID); semctl(sem606, 0, IPC_RMID); msgctl(msg600, IPC_RMID, NULL);
    return 0;
}
