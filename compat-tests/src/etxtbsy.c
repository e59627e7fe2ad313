/* ETXTBSY: a file some process runs cannot be opened for writing or truncated, and a file open
 * for writing cannot be executed; the lock goes with the last address space running it, and
 * unlink or rename of a running program is allowed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *dir = "/tmp/compat-etxtbsy";

static void result(const char *what, int r)
{
    int e = errno;
    printf("%-44s %s\n", what, r >= 0 ? "ok" : strerror(e));
    fflush(stdout);
}

static int copy_self(const char *to)
{
    int in = open("/proc/self/exe", O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    char buf[65536];
    ssize_t n;
    if (in < 0 || out < 0) return -1;
    while ((n = read(in, buf, sizeof buf)) > 0) if (write(out, buf, n) != n) return -1;
    close(in);
    return close(out);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "wait") == 0) {
        char c;
        if (read(0, &c, 1) < 0) return 3;               /* until the parent closes the pipe */
        if (argc > 2) {                                   /* a forked child keeps the lock after we go */
            pid_t p = fork();
            if (p == 0) { (void)!read(atoi(argv[2]), &c, 1); _exit(0); }
        }
        return 0;
    }
    mkdir(dir, 0755);
    char prog[256];
    snprintf(prog, sizeof prog, "%s/prog", dir);
    unlink(prog);
    if (copy_self(prog) < 0) { perror("copy"); return 1; }

    int go[2], hold[2];
    if (pipe(go) < 0 || pipe(hold) < 0) return 1;
    pid_t child = fork();
    if (child == 0) {
        char fdarg[16];
        snprintf(fdarg, sizeof fdarg, "%d", hold[0]);
        dup2(go[0], 0);
        close(go[1]); close(hold[1]);
        execl(prog, prog, "wait", fdarg, (char *)NULL);
        _exit(127);
    }
    close(go[0]); close(hold[0]);
    usleep(300000);                                       /* the child has exec'd by now */
    int fd;
    result("open O_WRONLY of a running program", fd = open(prog, O_WRONLY)); if (fd >= 0) close(fd);
    result("open O_RDWR of a running program", fd = open(prog, O_RDWR)); if (fd >= 0) close(fd);
    result("open O_RDONLY of a running program", fd = open(prog, O_RDONLY)); if (fd >= 0) close(fd);
    result("truncate of a running program", truncate(prog, 100));
    result("open O_WRONLY|O_CREAT of a running program", fd = open(prog, O_WRONLY | O_CREAT, 0755)); if (fd >= 0) close(fd);
    close(go[1]);                                         /* the exec'd child forks a holder and exits */
    int st;
    waitpid(child, &st, 0);
    printf("runner exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    result("open O_WRONLY while its fork still runs", fd = open(prog, O_WRONLY)); if (fd >= 0) close(fd);
    close(hold[1]);                                       /* the holder goes */
    usleep(300000);
    result("open O_WRONLY once nothing runs it", fd = open(prog, O_WRONLY)); if (fd >= 0) close(fd);

    /* open for writing: exec fails */
    int w = open(prog, O_WRONLY);
    pid_t c2 = fork();
    if (c2 == 0) {
        execl(prog, prog, "wait", (char *)NULL);
        int e = errno;
        printf("%-44s %s\n", "execve of a file open for writing", strerror(e));
        fflush(stdout);
        _exit(0);
    }
    waitpid(c2, &st, 0);
    close(w);
    c2 = fork();
    if (c2 == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        execl(prog, prog, "wait", (char *)NULL);
        _exit(127);
    }
    waitpid(c2, &st, 0);
    printf("execve after the writer closed: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

    /* unlink and rename of a running program are allowed */
    if (pipe(go) < 0) return 1;
    child = fork();
    if (child == 0) { dup2(go[0], 0); close(go[1]); execl(prog, prog, "wait", (char *)NULL); _exit(127); }
    close(go[0]);
    usleep(300000);
    char other[256];
    snprintf(other, sizeof other, "%s/other", dir);
    result("rename of a running program", rename(prog, other));
    result("unlink of a running program", unlink(other));
    close(go[1]);
    waitpid(child, &st, 0);
    printf("runner exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    rmdir(dir);
    return 0;
}
