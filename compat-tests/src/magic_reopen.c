/* /proc/self/fd/N and /proc/self/exe lead to the open file itself, even when its name is gone:
 * a deleted file and a memfd reopen through /proc/self/fd/N (read, write, O_TRUNC), fexecve of a
 * memfd holding a program runs it, and /proc/self/exe of a deleted program still opens. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void result(const char *what, long r)
{
    int e = errno;
    printf("%-48s %s\n", what, r >= 0 ? "ok" : strerror(e));
    fflush(stdout);
}

int main(int argc, char **argv, char **envp)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        printf("the program ran from a memfd\n");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "exe") == 0) {
        /* our own file is deleted now: /proc/self/exe still opens it */
        unlink(argv[0]);
        int fd = open("/proc/self/exe", O_RDONLY);
        char m[4] = {0};
        result("open /proc/self/exe of a deleted program", fd);
        if (fd >= 0) { result("read its ELF magic", read(fd, m, 4) == 4 && m[1] == 'E' ? 0 : -1); close(fd); }
        return 0;
    }
    char path[64], buf[32];
    const char *dir = "/tmp/compat-magic";
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/gone", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (write(fd, "deleted but open", 16) != 16) return 1;
    unlink(path);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int again = open(path, O_RDONLY);
    result("reopen a deleted file through /proc/self/fd/N", again);
    if (again >= 0) {
        ssize_t n = read(again, buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = 0;
        printf("  reads \"%s\"\n", buf);
        close(again);
    }
    close(fd);

    int mfd = memfd_create("magic", 0);
    if (write(mfd, "memfd data", 10) != 10) return 1;
    snprintf(path, sizeof path, "/proc/self/fd/%d", mfd);
    again = open(path, O_RDWR);
    result("reopen a memfd through /proc/self/fd/N", again);
    if (again >= 0) {
        ssize_t n = pread(again, buf, sizeof buf - 1, 0);
        buf[n > 0 ? n : 0] = 0;
        printf("  reads \"%s\"\n", buf);
        close(again);
    }
    again = open(path, O_WRONLY | O_TRUNC);
    result("reopen it with O_TRUNC", again);
    struct stat st;
    fstat(mfd, &st);
    printf("  size after O_TRUNC: %ld\n", (long)st.st_size);
    if (again >= 0) close(again);
    close(mfd);

    /* a program in a memfd, run with fexecve */
    int prog = memfd_create("prog", MFD_CLOEXEC);
    int self = open("/proc/self/exe", O_RDONLY);
    char chunk[65536];
    ssize_t n;
    while ((n = read(self, chunk, sizeof chunk)) > 0) if (write(prog, chunk, n) != n) return 1;
    close(self);
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        char *args[] = { argv[0], "child", NULL };
        fexecve(prog, args, envp);
        printf("fexecve: %s\n", strerror(errno));
        fflush(stdout);
        _exit(1);
    }
    int status;
    waitpid(p, &status, 0);
    printf("fexecve child exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    /* a deleted program's /proc/self/exe */
    snprintf(path, sizeof path, "%s/prog", dir);
    int copy = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    lseek(prog, 0, SEEK_SET);
    while ((n = read(prog, chunk, sizeof chunk)) > 0) if (write(copy, chunk, n) != n) return 1;
    close(copy);
    close(prog);
    fflush(stdout);
    p = fork();
    if (p == 0) {
        int go[2];
        (void)go;
        execl(path, path, "exe", (char *)NULL);
        _exit(127);
    }
    waitpid(p, &status, 0);
    unlink(path);
    rmdir(dir);
    return 0;
}
