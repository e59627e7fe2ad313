/* mseal: argument checks (flags, alignment, length wrap, unmapped ranges), then what a seal refuses
 * with EPERM: munmap, mprotect, pkey_mprotect, mmap MAP_FIXED over it, mremap of it or onto it, and
 * discarding madvise on private anonymous read-only memory. A seal survives splitting and fork and
 * is gone after execve. Each line: what, result, errno. */
#include "compat.h"
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_mseal
#define SYS_mseal 462
#endif
#define PG 4096UL
#define FIXED_SPOT ((void *)0x300000000000UL)

#define SHOW(w, e) do { errno = 0; long r_ = (long)(e); printf("%s: %ld errno %d\n", w, r_ < 0 ? -1L : r_, r_ < 0 ? errno : 0); } while (0)
/* For calls that return an address: 0 on success. */
#define SHOWP(w, e) do { errno = 0; void *p_ = (e); printf("%s: %d errno %d\n", w, p_ == MAP_FAILED ? -1 : 0, p_ == MAP_FAILED ? errno : 0); } while (0)

static long mseal(void *a, unsigned long len, unsigned long flags) { return syscall(SYS_mseal, a, len, flags); }

static int mapped(void *a) { return msync(a, PG, MS_ASYNC) == 0; }

static char *map(unsigned long pages, int prot, int flags)
{
    return mmap(NULL, pages * PG, prot, flags | MAP_ANONYMOUS, -1, 0);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
        /* The seal at FIXED_SPOT belonged to the old image. */
        SHOWP("after exec: mmap MAP_FIXED at the old sealed spot", mmap(FIXED_SPOT, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
        SHOW("after exec: munmap it", munmap(FIXED_SPOT, PG));
        return 0;
    }

    /* ---- arguments ---- */
    char *p = map(4, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    SHOW("flags 1", mseal(p, PG, 1));
    SHOW("unaligned address", mseal(p + 1, PG, 0));
    SHOW("length 0", mseal(p, 0, 0));
    SHOW("length -1 (rounds to 0)", mseal(p, -1UL, 0));
    SHOW("end wraps", mseal(p, -PG, 0));
    char *hole = map(3, PROT_READ, MAP_PRIVATE);
    munmap(hole + PG, PG);
    SHOW("range with a hole", mseal(hole, 3 * PG, 0));
    SHOW("unmapped range", mseal(hole + PG, PG, 0));
    SHOW("hole's first page still unsealed: munmap", munmap(hole, PG));
    SHOW("unaligned length within a mapping", mseal(hole + 2 * PG, 100, 0));
    SHOW("... then munmap it", munmap(hole + 2 * PG, PG));

    /* ---- seal the middle two pages of p ---- */
    memset(p, 'a', 4 * PG);
    SHOW("mseal pages 1-2", mseal(p + PG, 2 * PG, 0));
    SHOW("mseal again", mseal(p + PG, 2 * PG, 0));
    SHOW("munmap sealed page 1", munmap(p + PG, PG));
    SHOW("munmap all four", munmap(p, 4 * PG));
    printf("page 0 still mapped: %d, page 3: %d\n", mapped(p), mapped(p + 3 * PG));
    SHOW("munmap unsealed page 0", munmap(p, PG));
    printf("page 0 mapped: %d\n", mapped(p));
    SHOW("mprotect sealed page to PROT_READ", mprotect(p + PG, PG, PROT_READ));
    SHOW("mprotect sealed page to its own protection", mprotect(p + PG, PG, PROT_READ | PROT_WRITE));
    SHOW("mprotect unsealed page 3", mprotect(p + 3 * PG, PG, PROT_READ));
    SHOW("pkey_mprotect sealed page (key -1)", syscall(SYS_pkey_mprotect, p + PG, PG, PROT_READ, -1));
    SHOWP("mmap MAP_FIXED over sealed", mmap(p + PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    SHOWP("mmap MAP_FIXED_NOREPLACE over sealed", mmap(p + PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0));
    SHOWP("mremap shrink sealed", mremap(p + PG, 2 * PG, PG, 0));
    SHOWP("mremap grow sealed", mremap(p + PG, 2 * PG, 3 * PG, MREMAP_MAYMOVE));
    char *other = map(2, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    SHOWP("mremap sealed to a fixed spot", mremap(p + PG, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, other));
    SHOWP("mremap another mapping onto sealed", mremap(other, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, p + PG));
    p[PG] = 'b';
    printf("sealed memory is still writable: %c %c\n", p[PG], p[2 * PG]);
    SHOW("madvise DONTNEED sealed writable anon", madvise(p + PG, PG, MADV_DONTNEED));
    printf("after DONTNEED: %d\n", p[PG]);

    /* ---- read-only private anonymous memory: discarding advice is refused ---- */
    char *ro = map(2, PROT_READ, MAP_PRIVATE);
    SHOW("mseal read-only anon", mseal(ro, 2 * PG, 0));
    SHOW("madvise DONTNEED", madvise(ro, PG, MADV_DONTNEED));
    SHOW("madvise FREE", madvise(ro, PG, MADV_FREE));
    SHOW("madvise DONTFORK", madvise(ro, PG, MADV_DONTFORK));
    SHOW("madvise WIPEONFORK", madvise(ro, PG, MADV_WIPEONFORK));
    SHOW("madvise WILLNEED", madvise(ro, PG, MADV_WILLNEED));
    SHOW("madvise NORMAL", madvise(ro, PG, MADV_NORMAL));
    char *shro = map(1, PROT_READ, MAP_SHARED);
    SHOW("mseal read-only shared anon", mseal(shro, PG, 0));
    SHOW("madvise DONTNEED on it", madvise(shro, PG, MADV_DONTNEED));
    SHOW("munmap it", munmap(shro, PG));

    /* ---- fork keeps the seal ---- */
    pid_t c = fork();
    if (c == 0) {
        SHOW("child: munmap sealed", munmap(p + PG, PG));
        SHOW("child: mprotect sealed", mprotect(ro, PG, PROT_NONE));
        SHOW("child: munmap unsealed page 3", munmap(p + 3 * PG, PG));
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

    /* ---- execve drops it ---- */
    SHOWP("mmap at a fixed spot", mmap(FIXED_SPOT, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0));
    SHOW("mseal it", mseal(FIXED_SPOT, PG, 0));
    SHOW("munmap it", munmap(FIXED_SPOT, PG));
    c = fork();
    if (c == 0) {
        char *args[] = { argv[0], "after-exec", NULL };
        execv("/proc/self/exe", args);
        _exit(99);
    }
    waitpid(c, &st, 0);
    printf("exec child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}
