/* Mappings that reach past the end of their file: the page holding the end reads as zeroes past
 * it, a page wholly past the end gives SIGBUS (BUS_ADRERR, at the address) for reads and writes,
 * shared and private, until the file grows; a syscall reading such a page fails with EFAULT.
 * Anonymous shared memory and System V shared memory have no end to fault past. */
#include "compat.h"
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

static sigjmp_buf jb;
static volatile int got_sig, got_code;
static volatile uintptr_t got_addr;

static void catcher(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = (uintptr_t)si->si_addr;
    siglongjmp(jb, 1);
}

static void touch(const char *what, volatile char *p, int write)
{
    got_sig = 0;
    int v = -1;
    if (!sigsetjmp(jb, 1)) {
        if (write) *p = 7;
        else v = *p;
    }
    if (got_sig) printf("%s: signal %d code %d address %s\n", what, got_sig, got_code, got_addr == (uintptr_t)p ? "right" : "wrong");
    else if (write) printf("%s: written\n", what);
    else printf("%s: reads %d\n", what, v);
}

int main(void)
{
    struct sigaction sa = { 0 };
    sa.sa_sigaction = catcher;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGBUS, &sa, 0);
    sigaction(SIGSEGV, &sa, 0);

    char path[] = "/tmp/mmap_sigbus.XXXXXX";
    int fd = mkstemp(path);
    unlink(path);
    char buf[5000];
    memset(buf, 'a', sizeof buf);
    write(fd, buf, sizeof buf);                      /* 5000 bytes: page 1 holds the end */

    for (int shared = 0; shared < 2; shared++) {
        const char *kind = shared ? "shared" : "private";
        char *m = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, shared ? MAP_SHARED : MAP_PRIVATE, fd, 0);
        char what[96];
        snprintf(what, sizeof what, "%s: page 0", kind); touch(what, m + 10, 0);
        snprintf(what, sizeof what, "%s: last byte of the file", kind); touch(what, m + 4999, 0);
        snprintf(what, sizeof what, "%s: past the end, same page", kind); touch(what, m + 5000, 0);
        snprintf(what, sizeof what, "%s: page 2 read", kind); touch(what, m + 2 * 4096 + 8, 0);
        snprintf(what, sizeof what, "%s: page 2 write", kind); touch(what, m + 2 * 4096 + 16, 1);
        errno = 0;
        long r = write(1 + 1000, m + 2 * 4096, 1);   /* a bad fd: EBADF comes first, as on Linux */
        printf("%s: write from page 2 to a bad fd: %ld errno %d\n", kind, r, r < 0 ? errno : 0);
        int p[2];
        pipe(p);
        errno = 0;
        r = write(p[1], m + 2 * 4096, 16);
        printf("%s: write from page 2 to a pipe: %ld errno %d\n", kind, r, r < 0 ? errno : 0);
        close(p[0]);
        close(p[1]);
        munmap(m, 3 * 4096);
    }

    /* the file grows: the page is there; it shrinks: a page not touched since faults again */
    ftruncate(fd, 3 * 4096);
    char *m = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    touch("grown: page 2 read", m + 2 * 4096 + 8, 0);
    munmap(m, 3 * 4096);
    ftruncate(fd, 100);
    m = mmap(0, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0);
    touch("shrunk: page 0", m + 200, 0);
    touch("shrunk: page 1", m + 4096 + 8, 0);
    munmap(m, 3 * 4096);
    close(fd);

    /* an empty memfd */
    int mfd = syscall(SYS_memfd_create, "sigbus", 0);
    m = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    touch("empty memfd write", m, 1);
    ftruncate(mfd, 4096);
    touch("memfd after ftruncate", m + 1, 1);
    munmap(m, 4096);
    close(mfd);

    /* no end of file: anonymous shared memory and System V shm */
    m = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    touch("shared anonymous page 2 write", m + 2 * 4096, 1);
    touch("shared anonymous page 2 read", m + 2 * 4096, 0);
    munmap(m, 3 * 4096);
    int id = shmget(IPC_PRIVATE, 3 * 4096, IPC_CREAT | 0600);
    m = shmat(id, 0, 0);
    touch("System V shm page 2 write", m + 2 * 4096, 1);
    shmdt(m);
    shmctl(id, IPC_RMID, 0);
    return 0;
}
