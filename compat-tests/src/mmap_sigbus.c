/* mmap_sigbus: a page of a file mapping that lies wholly past the end of the file raises SIGBUS
 * (BUS_ADRERR, si_addr the faulting address) for reads and writes, shared and private; the partial
 * last page reads zeros past the end; growing the file makes the page valid; an empty memfd;
 * anonymous shared memory of the same length never faults; a syscall given such memory fails
 * with EFAULT. (Go's debug.SetPanicOnFault relies on this.) Works in /tmp/compat-mmap_sigbus. */
#include "compat.h"
#include "files.h"
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>

#define PG 4096ul

static sigjmp_buf jb;
static volatile int got_sig, got_code;
static void *volatile got_addr;

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = si->si_addr;
    siglongjmp(jb, 1);
}

/* Touches p (write when wr); returns the signal it raised, 0 if none. */
static int touch(volatile char *p, int wr)
{
    got_sig = got_code = 0;
    got_addr = NULL;
    if (sigsetjmp(jb, 1) == 0) {
        if (wr)
            *p = 1;
        else
            (void)*p;
        return 0;
    }
    return got_sig;
}

static void expect_bus(volatile char *p, int wr, const char *what)
{
    int s = touch(p, wr);
    CHECK(s == SIGBUS, "%s: SIGBUS", what);
    CHECK(got_code == BUS_ADRERR, "%s: si_code BUS_ADRERR", what);
    CHECK(got_addr == (void *)p, "%s: si_addr is the address", what);
}

int main(void)
{
    struct sigaction sa;
    char buf[5000];
    char *m;
    int fd, p[2];

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    if (!f_scratch_begin("mmap_sigbus"))
        return t_done();
    memset(buf, 'a', sizeof(buf));
    CHECK_ERR(f_write_file("f", buf, sizeof(buf)) == 0, "a 5000-byte file");
    fd = open("f", O_RDWR);
    CHECK_ERR(fd >= 0, "open it");

    m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK_ERR(m != MAP_FAILED, "MAP_SHARED of 4 pages");
    CHECK(touch(m + 4999, 0) == 0 && m[4999] == 'a', "shared: the last byte of the file reads");
    CHECK(touch(m + 5000, 0) == 0 && m[5000] == 0 && m[2 * PG - 1] == 0, "shared: the rest of the last page reads zeros");
    expect_bus(m + 2 * PG, 0, "shared: read of the page past the end");
    expect_bus(m + 3 * PG + 17, 1, "shared: write two pages past the end");
    CHECK(pipe(p) == 0, "pipe");
    errno = 0;
    CHECK(write(p[1], m + 2 * PG, 10) == -1 && errno == EFAULT, "write() from the page past the end: EFAULT");
    close(p[0]);
    close(p[1]);
    CHECK_ERR(ftruncate(fd, 3 * PG) == 0, "grow the file to 3 pages");
    CHECK(touch(m + 2 * PG, 1) == 0, "shared: the third page is valid now");
    expect_bus(m + 3 * PG, 0, "shared: the fourth still is not");
    munmap(m, 4 * PG);

    m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, PG);
    CHECK_ERR(m != MAP_FAILED, "MAP_PRIVATE of 4 pages from offset 4096");
    CHECK(touch(m + PG, 1) == 0, "private: write to the file's last page");
    expect_bus(m + 2 * PG, 0, "private: read past the end");
    expect_bus(m + 3 * PG, 1, "private: write past the end");
    munmap(m, 4 * PG);
    close(fd);

    fd = (int)syscall(SYS_memfd_create, "empty", 0);
    CHECK_ERR(fd >= 0, "memfd_create");
    m = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK_ERR(m != MAP_FAILED, "map the empty memfd");
    expect_bus(m, 0, "empty memfd");
    munmap(m, PG);
    close(fd);

    m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK_ERR(m != MAP_FAILED, "MAP_SHARED|MAP_ANONYMOUS of 4 pages");
    CHECK(touch(m + 3 * PG, 1) == 0 && touch(m, 0) == 0, "anonymous shared memory: every page works");
    munmap(m, 4 * PG);
    fd = open("/dev/zero", O_RDWR);
    m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK_ERR(m != MAP_FAILED, "MAP_SHARED of /dev/zero");
    CHECK(touch(m + PG, 1) == 0, "/dev/zero shared: every page works");
    munmap(m, 2 * PG);
    close(fd);
    f_scratch_end();
    return t_done();
}
