/* Deleted files give their inodes back: N rounds of a file created, written and unlinked; one
 * unlinked while open and closed after; one renamed over another; a symlink made and removed;
 * a memfd; a hard link pair removed in turn. Prints N (tests/apps/leaks.sh checks the kernel heap). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static void fail(const char *what) { perror(what); exit(1); }

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100;
    char buf[100] = { 'x' };
    for (int i = 0; i < n; i++) {
        int fd = open("/tmp/ul-a", O_CREAT | O_WRONLY | O_TRUNC, 0644);
        if (fd < 0 || write(fd, buf, sizeof buf) != sizeof buf || close(fd) != 0) fail("create a");
        if (unlink("/tmp/ul-a") != 0) fail("unlink a");

        fd = open("/tmp/ul-b", O_CREAT | O_RDWR, 0644);
        if (fd < 0 || write(fd, buf, sizeof buf) != sizeof buf) fail("create b");
        if (unlink("/tmp/ul-b") != 0) fail("unlink b");
        if (pread(fd, buf, 10, 0) != 10 || close(fd) != 0) fail("read b after unlink");

        fd = open("/tmp/ul-c", O_CREAT | O_WRONLY, 0644);
        if (fd < 0 || close(fd) != 0) fail("create c");
        fd = open("/tmp/ul-d", O_CREAT | O_WRONLY, 0644);
        if (fd < 0 || close(fd) != 0) fail("create d");
        if (rename("/tmp/ul-d", "/tmp/ul-c") != 0 || unlink("/tmp/ul-c") != 0) fail("rename d over c");

        if (symlink("/tmp/nowhere", "/tmp/ul-s") != 0 || unlink("/tmp/ul-s") != 0) fail("symlink");

        fd = memfd_create("ul", 0);
        if (fd < 0 || write(fd, buf, sizeof buf) != sizeof buf || close(fd) != 0) fail("memfd");

        fd = open("/tmp/ul-e", O_CREAT | O_WRONLY, 0644);
        if (fd < 0 || close(fd) != 0 || link("/tmp/ul-e", "/tmp/ul-f") != 0) fail("link");
        if (unlink("/tmp/ul-e") != 0 || unlink("/tmp/ul-f") != 0) fail("unlink links");
    }
    printf("%d\n", n);
    return 0;
}
