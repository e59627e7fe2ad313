/* Objects the kernel must give back: N rounds of an inotify instance with a watch, a child
 * that installs a seccomp filter and exits, and a child that fills keyrings (session, process,
 * thread, a nested one) and exits while its parent reads its /proc/PID/fd, fdinfo and task, and a
 * file of chunks and holes written, truncated and removed (every 30th round also a copy of this
 * program written to /tmp and executed). Prints N. (tests/apps/leaks.sh compares the kernel
 * heap at power-off with the start.) */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct sock_filter { unsigned short code; unsigned char jt, jf; unsigned int k; };
struct sock_fprog { unsigned short len; struct sock_filter *filter; };

/* A child with keys in every keyring it has, left for exit to free; its parent lists its /proc entries. */
static int keys_round(void)
{
    int go[2];
    char payload[1024] = { 'k' };
    if (pipe(go) != 0) return 1;
    pid_t c = fork();
    if (c == 0) {
        close(go[1]);
        if (syscall(SYS_keyctl, 1, 0) < 0) _exit(1);                                   /* JOIN_SESSION_KEYRING */
        long ring = syscall(SYS_add_key, "keyring", "leak:ring", NULL, 0, -2);          /* in the process keyring */
        if (ring < 0 || syscall(SYS_add_key, "user", "leak:a", payload, sizeof payload, ring) < 0) _exit(2);
        if (syscall(SYS_add_key, "user", "leak:b", "b", 1, -1) < 0) _exit(3);          /* thread keyring */
        long k = syscall(SYS_add_key, "user", "leak:c", "c", 1, -3);                   /* session keyring */
        if (k < 0 || syscall(SYS_keyctl, 8, ring, -3) != 0 || syscall(SYS_keyctl, 3, k) != 0) _exit(4);   /* LINK, REVOKE */
        char b;
        if (read(go[0], &b, 1) < 0) _exit(5);
        _exit(0);
    }
    close(go[0]);
    char path[64];
    const char *dirs[] = { "fd", "fdinfo", "task" };
    for (int d = 0; d < 3; d++) {
        snprintf(path, sizeof path, "/proc/%d/%s", (int)c, dirs[d]);
        DIR *dir = opendir(path);
        if (!dir) return 1;
        while (readdir(dir)) {}
        closedir(dir);
    }
    snprintf(path, sizeof path, "/proc/%d/fdinfo/0", (int)c);
    int fd = open(path, O_RDONLY);
    char buf[256];
    if (fd < 0 || read(fd, buf, sizeof buf) <= 0) return 1;
    close(fd);
    close(go[1]);
    int st;
    waitpid(c, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

/* A file past one 64 KiB chunk with holes, rewritten and truncated into its middle every round
 * (its chunks come and go; the inode stays); every 30th round a file unlinked while open and a
 * copy of this program run from /tmp (a chunked file that exec copies into one block). Files are
 * not created anew every round: the kernel keeps the Inode object of a removed file (~200 bytes). */
static int files_round(int round)
{
    static char buf[70001];
    for (int k = 0; k < (int)sizeof buf; k++) buf[k] = (char)(k + round);
    int fd = open("/tmp/leak-file", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return 1;
    for (int k = 0; k < 15; k++) if (write(fd, buf, sizeof buf - k * 1000) < 0) return 2;
    if (pwrite(fd, buf, 100, 64L << 20) != 100 || ftruncate(fd, 300000) != 0) return 3;
    close(fd);
    if (round % 30 != 0) return 0;
    fd = open("/tmp/leak-open", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || unlink("/tmp/leak-open") != 0) return 4;
    for (int k = 0; k < 3; k++) if (write(fd, buf, sizeof buf) < 0) return 4;     /* still open */
    close(fd);
    int in = open("/proc/self/exe", O_RDONLY), out = open("/tmp/leak-exe", O_WRONLY | O_CREAT | O_TRUNC, 0755);
    ssize_t n;
    if (in < 0 || out < 0) return 5;
    while ((n = read(in, buf, sizeof buf)) > 0) if (write(out, buf, (size_t)n) != n) return 6;
    close(in);
    close(out);
    pid_t c = fork();
    if (c == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execl("/tmp/leak-exe", "leak-exe", "0", (char *)NULL);
        _exit(9);
    }
    int st;
    waitpid(c, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 7;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100, i;
    for (i = 0; i < n; i++) {
        int fd = inotify_init1(0);
        if (fd < 0 || inotify_add_watch(fd, "/tmp", IN_CREATE) < 0) { perror("inotify"); return 1; }
        close(fd);
        pid_t c = fork();
        if (c == 0) {
            struct sock_filter allow[] = { { 0x06, 0, 0, 0x7fff0000U } };   /* RET ALLOW */
            struct sock_fprog p = { 1, allow };
            prctl(38, 1, 0, 0, 0);                                        /* PR_SET_NO_NEW_PRIVS */
            if (syscall(SYS_seccomp, 1, 0, &p) != 0) _exit(1);
            if (syscall(SYS_seccomp, 1, 0, &p) != 0) _exit(1);            /* two on the stack */
            _exit(0);
        }
        int st;
        waitpid(c, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) { fprintf(stderr, "child failed\n"); return 1; }
        if (keys_round() != 0) { fprintf(stderr, "keys round failed\n"); return 1; }
        int fr = files_round(i);
        if (fr != 0) { fprintf(stderr, "files round failed (%d)\n", fr); return 1; }
    }
    unlink("/tmp/leak-file");
    unlink("/tmp/leak-exe");
    printf("%d\n", i);
    return 0;
}
