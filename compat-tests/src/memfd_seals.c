/* memfd sealing: F_ADD_SEALS / F_GET_SEALS and what each seal forbids (write, pwrite,
 * ftruncate, fallocate, open O_TRUNC, mmap MAP_SHARED, mprotect, chmod). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

static const char *name(int e)
{
    switch (e) {
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case EBUSY: return "EBUSY";
    case EACCES: return "EACCES";
    case EBADF: return "EBADF";
    case ENOENT: return "ENOENT";
    default: return "other";
    }
}

static void show(const char *what, long r)
{
    int e = errno;
    if (r < 0) printf("%s: -1 %s\n", what, name(e));
    else printf("%s: %ld\n", what, r);
}

static int mfd(unsigned flags, long size)
{
    int fd = memfd_create("seals", flags);
    if (fd >= 0 && size > 0) ftruncate(fd, size);
    return fd;
}

static long map_shared(int fd, int prot)
{
    void *p = mmap(NULL, 4096, prot, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return -1;
    munmap(p, 4096);
    return 0;
}

int main(void)
{
    char buf[16] = "abcdefgh";
    long r;

    int fd = mfd(0, 0);
    r = fcntl(fd, F_GET_SEALS); show("no ALLOW_SEALING: get", r);
    r = fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE); show("no ALLOW_SEALING: add", r);
    close(fd);

    int p[2];
    pipe(p);
    r = fcntl(p[0], F_GET_SEALS); show("pipe: get", r);
    r = fcntl(p[0], F_ADD_SEALS, F_SEAL_WRITE); show("pipe: add", r);
    close(p[0]); close(p[1]);

    fd = mfd(MFD_ALLOW_SEALING, 8192);
    r = fcntl(fd, F_GET_SEALS); show("allow: get", r);
    r = fcntl(fd, F_ADD_SEALS, 0x100); show("allow: add unknown bit", r);

    /* F_SEAL_SHRINK */
    r = fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK); show("shrink: add", r);
    r = fcntl(fd, F_GET_SEALS); show("shrink: get", r);
    r = ftruncate(fd, 4096); show("shrink: ftruncate smaller", r);
    r = ftruncate(fd, 12288); show("shrink: ftruncate larger", r);
    r = pwrite(fd, buf, 8, 20000); show("shrink: pwrite past end", r);

    /* F_SEAL_GROW */
    r = fcntl(fd, F_ADD_SEALS, F_SEAL_GROW); show("grow: add", r);
    struct stat st;
    fstat(fd, &st);
    long size = st.st_size;
    printf("size %ld\n", size);
    r = pwrite(fd, buf, 8, size - 4); show("grow: pwrite across end", r);
    r = pwrite(fd, buf, 8, size - 8); show("grow: pwrite up to end", r);
    lseek(fd, 0, SEEK_END);
    r = write(fd, buf, 1); show("grow: write at end", r);
    r = ftruncate(fd, size + 1); show("grow: ftruncate larger", r);
    r = ftruncate(fd, size); show("grow: ftruncate same", r);
    r = fallocate(fd, 0, 0, size + 4096); show("grow: fallocate past end", r);
    r = fallocate(fd, 0, 0, 4096); show("grow: fallocate inside", r);
    r = fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, size + 4096); show("grow: fallocate keep size", r);

    /* F_SEAL_WRITE: refused while a writable shared mapping exists */
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    r = fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE); show("write: add while mapped rw", r);
    munmap(m, 4096);
    m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    r = fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE); show("write: add while mapped ro (rw fd)", r);
    munmap(m, 4096);
    m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    r = fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE); show("write: add while mapped private", r);
    munmap(m, 4096);
    r = fcntl(fd, F_GET_SEALS); show("write: get", r);
    r = pwrite(fd, buf, 1, 0); show("write: pwrite", r);
    lseek(fd, 0, SEEK_SET);
    r = write(fd, buf, 1); show("write: write", r);
    r = write(fd, buf, 0); show("write: write 0 bytes", r);
    r = pread(fd, buf, 8, 0); show("write: pread", r);
    r = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096); show("write: punch hole", r);
    r = map_shared(fd, PROT_READ | PROT_WRITE); show("write: mmap shared rw", r);
    m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    show("write: mmap shared ro", m == MAP_FAILED ? -1 : 0);
    r = mprotect(m, 4096, PROT_READ | PROT_WRITE); show("write: mprotect shared ro to rw", r);
    munmap(m, 4096);
    m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    show("write: mmap private rw", m == MAP_FAILED ? -1 : 0);
    m[0] = 'Z';
    printf("private copy %c\n", m[0]);
    munmap(m, 4096);
    r = fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL); show("seal: add", r);
    r = fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK); show("seal: add again", r);
    r = fcntl(fd, F_GET_SEALS); show("seal: get", r);
    close(fd);

    /* F_SEAL_FUTURE_WRITE: an existing writable mapping keeps writing */
    fd = mfd(MFD_ALLOW_SEALING, 4096);
    m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    r = fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE); show("future: add while mapped rw", r);
    memcpy(m, "mapped", 6);
    memset(buf, 0, sizeof buf);
    r = pread(fd, buf, 6, 0); show("future: pread", r);
    printf("future: read back %s\n", buf);
    r = pwrite(fd, buf, 1, 0); show("future: pwrite", r);
    r = map_shared(fd, PROT_READ | PROT_WRITE); show("future: mmap shared rw", r);
    r = map_shared(fd, PROT_READ); show("future: mmap shared ro", r);
    r = ftruncate(fd, 100); show("future: ftruncate", r);
    munmap(m, 4096);
    close(fd);

    /* a child's writable shared mapping blocks F_SEAL_WRITE until it exits */
    fd = mfd(MFD_ALLOW_SEALING, 4096);
    int go[2], done[2];
    pipe(go); pipe(done);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char *cm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        cm[0] = 'c';
        write(go[1], "x", 1);
        char c;
        read(done[0], &c, 1);
        _exit(0);
    }
    char c;
    read(go[0], &c, 1);
    r = fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE); show("fork: add while child maps rw", r);
    write(done[1], "x", 1);
    int status;
    waitpid(pid, &status, 0);
    r = fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE); show("fork: add after child exit", r);
    close(fd);

    /* exec seals */
    fd = mfd(MFD_NOEXEC_SEAL, 0);
    r = fcntl(fd, F_GET_SEALS); show("noexec: get", r);
    fstat(fd, &st);
    printf("noexec: mode %o\n", st.st_mode & 07777);
    r = fchmod(fd, 0777); show("noexec: fchmod +x", r);
    r = fchmod(fd, 0600); show("noexec: fchmod 0600", r);
    close(fd);
    fd = mfd(MFD_NOEXEC_SEAL | MFD_ALLOW_SEALING, 0);
    r = fcntl(fd, F_GET_SEALS); show("noexec allow: get", r);
    r = write(fd, buf, 4); show("noexec allow: write", r);
    close(fd);
    fd = mfd(MFD_EXEC | MFD_ALLOW_SEALING, 0);
    fstat(fd, &st);
    printf("exec: mode %o\n", st.st_mode & 07777);
    r = fcntl(fd, F_ADD_SEALS, F_SEAL_EXEC); show("exec: add F_SEAL_EXEC", r);
    r = fcntl(fd, F_GET_SEALS); show("exec: get", r);
    r = write(fd, buf, 4); show("exec: write", r);
    close(fd);
    r = memfd_create("x", MFD_EXEC | MFD_NOEXEC_SEAL); show("exec|noexec", r);
    return 0;
}
