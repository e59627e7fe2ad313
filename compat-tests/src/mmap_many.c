/* Many file-backed and shared anonymous mappings at once: 600 MAP_SHARED|MAP_ANONYMOUS regions
 * and 300 mappings of 300 different files, each written and read back (no table of mapped files
 * may run out before memory does). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
    enum { NSHARED = 600, NFILES = 300 };
    static char *shared[NSHARED], *files[NFILES];
    int ok = 1;
    for (int i = 0; i < NSHARED; i++) {
        shared[i] = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (shared[i] == MAP_FAILED) { printf("shared mapping %d failed: %m\n", i); return 1; }
        shared[i][0] = (char)i;
    }
    for (int i = 0; i < NSHARED; i++) if (shared[i][0] != (char)i) ok = 0;
    printf("%d shared anonymous mappings: %s\n", NSHARED, ok ? "all hold their byte" : "mixed up");
    mkdir("/tmp/compat-mmap-many", 0755);
    for (int i = 0; i < NFILES; i++) {
        char path[64];
        snprintf(path, sizeof path, "/tmp/compat-mmap-many/f%d", i);
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || ftruncate(fd, 4096) < 0) { printf("file %d: %m\n", i); return 1; }
        files[i] = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (files[i] == MAP_FAILED) { printf("file mapping %d failed: %m\n", i); return 1; }
        close(fd);
        snprintf(files[i], 16, "file %d", i);
    }
    ok = 1;
    for (int i = 0; i < NFILES; i++) {
        char want[16], path[64], got[16] = {0};
        snprintf(want, sizeof want, "file %d", i);
        snprintf(path, sizeof path, "/tmp/compat-mmap-many/f%d", i);
        munmap(files[i], 4096);                       /* written back */
        int fd = open(path, O_RDONLY);
        if (fd < 0 || read(fd, got, sizeof got - 1) < 0 || strcmp(got, want) != 0) ok = 0;
        close(fd);
        unlink(path);
    }
    rmdir("/tmp/compat-mmap-many");
    printf("%d file mappings: %s\n", NFILES, ok ? "each file holds what was written through it" : "mixed up");
    for (int i = 0; i < NSHARED; i++) munmap(shared[i], 4096);
    return 0;
}
