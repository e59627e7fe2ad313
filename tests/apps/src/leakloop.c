/* Objects the kernel must give back: N rounds of an inotify instance with a watch, and a child
 * that installs a seccomp filter and exits. Prints N. (tests/apps/leaks.sh compares the kernel
 * heap at power-off with the start.) */
#include <stdio.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct sock_filter { unsigned short code; unsigned char jt, jf; unsigned int k; };
struct sock_fprog { unsigned short len; struct sock_filter *filter; };

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
    }
    printf("%d\n", i);
    return 0;
}
