/* Removed directories give their inodes back: N rounds of a directory made and removed; one
 * entered (cwd) and left before removal; one removed while it is the cwd of a child; one held
 * open, removed, then its parent removed too and the descriptor closed last; one renamed over an
 * empty one; a /proc/PID directory of a reaped child whose file was open meanwhile (readlink of the
 * descriptor must still name it). Prints N (tests/apps/leaks.sh checks the kernel heap). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void fail(const char *what) { perror(what); exit(1); }

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100;
    for (int i = 0; i < n; i++) {
        if (mkdir("/tmp/dl-a", 0755) != 0 || rmdir("/tmp/dl-a") != 0) fail("mkdir/rmdir a");

        if (mkdir("/tmp/dl-b", 0755) != 0 || chdir("/tmp/dl-b") != 0 || chdir("/") != 0 || rmdir("/tmp/dl-b") != 0) fail("cwd b");

        if (mkdir("/tmp/dl-c", 0755) != 0 || mkdir("/tmp/dl-c/d", 0755) != 0) fail("mkdir c/d");
        int fd = open("/tmp/dl-c/d", O_RDONLY | O_DIRECTORY);
        if (fd < 0 || rmdir("/tmp/dl-c/d") != 0 || rmdir("/tmp/dl-c") != 0) fail("rmdir open c/d");
        struct stat st;
        if (fstat(fd, &st) != 0 || st.st_nlink != 0 || close(fd) != 0) fail("fstat removed d");

        if (mkdir("/tmp/dl-e", 0755) != 0 || mkdir("/tmp/dl-f", 0755) != 0 || rename("/tmp/dl-e", "/tmp/dl-f") != 0 ||
            rmdir("/tmp/dl-f") != 0) fail("rename e over f");

        if (mkdir("/tmp/dl-g", 0755) != 0) fail("mkdir g");
        int p[2];
        if (pipe(p) != 0) fail("pipe");
        pid_t pid = fork();
        if (pid == 0) { char c; if (chdir("/tmp/dl-g") != 0) _exit(1); close(p[1]); read(p[0], &c, 1); _exit(0); }
        char path[64], link[64], want[64];
        snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
        int pfd = open(path, O_RDONLY);
        usleep(100);
        rmdir("/tmp/dl-g");                     /* (the child may not be inside yet: either way) */
        close(p[1]); close(p[0]);
        int status;
        if (waitpid(pid, &status, 0) != pid) fail("waitpid");
        rmdir("/tmp/dl-g");
        if (pfd >= 0) {
            snprintf(path, sizeof path, "/proc/self/fd/%d", pfd);
            ssize_t len = readlink(path, link, sizeof link - 1);
            if (len < 0) fail("readlink of a reaped child's /proc file");
            link[len] = 0;
            snprintf(want, sizeof want, "/proc/%d/status", (int)pid);
            if (strncmp(link, want, strlen(want)) != 0) { fprintf(stderr, "readlink: %s\n", link); exit(1); }
            close(pfd);
        }
    }
    printf("%d\n", n);
    return 0;
}
