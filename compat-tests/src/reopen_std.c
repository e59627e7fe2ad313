/* Reopening the standard streams by name: /dev/stdin, /dev/stdout, /dev/stderr and
 * /proc/self/fd/N give a new description of whatever the stream is (dash's `echo x > /dev/stderr`,
 * `cat /dev/stdin`), in the access mode asked for; /dev/tty without a controlling terminal is ENXIO. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void try_open(const char *path, int flags)
{
    int fd = open(path, flags);
    int e = errno;
    if (fd < 0) { printf("%s: %s\n", path, strerror(e)); return; }
    int fl = fcntl(fd, F_GETFL);
    printf("%s: ok, access %d\n", path, fl & O_ACCMODE);
    if ((flags & O_ACCMODE) == O_RDONLY) {
        char c;
        ssize_t n = write(fd, "x", 1);
        e = errno;
        printf("  write on the O_RDONLY copy: %zd %s\n", n, n < 0 ? strerror(e) : "");
        (void)c;
    }
    close(fd);
}

int main(void)
{
    try_open("/dev/stdin", O_RDONLY);
    try_open("/proc/self/fd/0", O_RDONLY);
    try_open("/dev/fd/0", O_RDONLY);
    fflush(stdout);
    int fd = open("/dev/stdout", O_WRONLY | O_APPEND);      /* the runner may capture into a file */
    if (fd < 0) printf("/dev/stdout: %s\n", strerror(errno));
    else { fflush(stdout); if (write(fd, "through /dev/stdout\n", 20) != 20) return 1; close(fd); }
    fd = open("/proc/self/fd/1", O_WRONLY | O_APPEND);
    if (fd < 0) printf("/proc/self/fd/1: %s\n", strerror(errno));
    else { if (write(fd, "through /proc/self/fd/1\n", 24) != 24) return 1; close(fd); }
    lseek(1, 0, SEEK_END);      /* a file capturing stdout: go on after what the copies appended */
    fd = open("/dev/stderr", O_WRONLY);
    printf("/dev/stderr: %s\n", fd >= 0 ? "ok" : strerror(errno));
    if (fd >= 0) close(fd);
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        setsid();                                    /* no controlling terminal from here on */
        fd = open("/dev/tty", O_RDWR);
        int e = errno;
        printf("/dev/tty after setsid: %s\n", fd >= 0 ? "ok" : strerror(e));
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
    return 0;
}
