/* Advisory locks between processes that run side by side: POSIX record locks (conflicts, F_GETLK
 * naming the holder, F_SETLKW waiting for a release, EDEADLK on a wait cycle, release on close),
 * flock (blocking and LOCK_NB). */
#include "compat.h"
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int lock(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock l = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
    return fcntl(fd, cmd, &l);
}

static void nap(long ms) { struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 }; nanosleep(&ts, NULL); }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char path[64];
    snprintf(path, sizeof path, "/tmp/compat-locks-%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK_ERR(fd >= 0, "open a file to lock");
    write(fd, "0123456789", 10);
    CHECK(lock(fd, F_SETLK, F_WRLCK, 0, 5) == 0, "the parent write-locks bytes 0-4");
    int st, sync[2];
    pipe(sync);
    pid_t c = fork();
    if (c == 0) {
        int cfd = open(path, O_RDWR);
        errno = 0;
        int ok = lock(cfd, F_SETLK, F_WRLCK, 2, 1) == -1 && (errno == EAGAIN || errno == EACCES);
        struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
        fcntl(cfd, F_GETLK, &q);
        ok = ok && q.l_type == F_WRLCK && q.l_pid == getppid() && q.l_start == 0 && q.l_len == 5;
        ok = ok && lock(cfd, F_SETLK, F_WRLCK, 5, 5) == 0;          /* bytes 5-9 are free */
        write(sync[1], "r", 1);                                      /* ready: now wait for 0-4 */
        int w = lock(cfd, F_SETLKW, F_WRLCK, 0, 5);
        _exit(ok && w == 0 ? 0 : 1);
    }
    char b;
    read(sync[0], &b, 1);
    nap(100);
    int status_now = waitpid(c, &st, WNOHANG);
    CHECK(status_now == 0, "the child waits in F_SETLKW");
    CHECK(lock(fd, F_SETLK, F_UNLCK, 0, 5) == 0, "the parent unlocks");
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child saw the conflict, the holder's pid, and got the lock once released");

    /* A wait cycle: parent holds 0, child holds 1; the child waits for 0, the parent asks for 1. */
    lock(fd, F_SETLK, F_WRLCK, 0, 1);
    c = fork();
    if (c == 0) {
        int cfd = open(path, O_RDWR);
        lock(cfd, F_SETLK, F_WRLCK, 1, 1);
        write(sync[1], "r", 1);
        int r = lock(cfd, F_SETLKW, F_WRLCK, 0, 1);                  /* waits for the parent */
        _exit(r == 0 ? 0 : 1);
    }
    read(sync[0], &b, 1);
    nap(100);
    errno = 0;
    int r = lock(fd, F_SETLKW, F_WRLCK, 1, 1);
    CHECK(r == -1 && errno == EDEADLK, "the request that closes the cycle fails with EDEADLK");
    close(fd);                                                        /* any close drops our record locks */
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "closing the file released the parent's lock to the child");

    /* flock */
    int f1 = open(path, O_RDWR);
    CHECK(flock(f1, LOCK_EX) == 0, "flock LOCK_EX");
    c = fork();
    if (c == 0) {
        int f2 = open(path, O_RDWR);
        errno = 0;
        int ok = flock(f2, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK;
        write(sync[1], "r", 1);
        ok = ok && flock(f2, LOCK_SH) == 0;                          /* blocks until the parent unlocks */
        _exit(ok ? 0 : 1);
    }
    read(sync[0], &b, 1);
    nap(100);
    CHECK(waitpid(c, &st, WNOHANG) == 0, "another description waits in flock");
    flock(f1, LOCK_UN);
    waitpid(c, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "LOCK_NB failed with EWOULDBLOCK, then the blocking flock succeeded");
    close(f1);
    unlink(path);
    return t_done();
}
