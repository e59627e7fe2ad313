/* Memory calls as LTP-style syscall tests probe them: mmap (zero and huge lengths, unaligned and
 * overflowing offsets, map types, descriptors that are not open for reading or are O_PATH, MAP_SHARED
 * with PROT_WRITE on a read-only descriptor, MAP_FIXED_NOREPLACE, MAP_SHARED_VALIDATE), munmap,
 * mprotect (unaligned, unknown bits, holes), mremap (flags, zero sizes, sizes past the address space),
 * madvise (each advice value, advice only some mappings take), mincore, mlock/munlock/mlock2/mlockall,
 * msync flags, protection keys and membarrier (commands, registration). Each line prints the raw
 * result and errno; the native run is the reference. */
#include "compat.h"
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PG 4096
/* What older headers (musl's) may lack. */
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 3
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif
#ifndef MADV_FREE
#define MADV_FREE 8
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#define MADV_KEEPONFORK 19
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif
#ifndef PROT_GROWSUP
#define PROT_GROWSUP 0x02000000
#endif
#ifndef PROT_GROWSDOWN
#define PROT_GROWSDOWN 0x01000000
#endif

static void show(int line, const char *what, long r, int e)
{
    if (r < 0) printf("%d %s: -1 errno %d\n", line, what, e);
    else printf("%d %s: %ld\n", line, what, r);
}
#define P(x) do { errno = 0; long r_ = (long)(x); int e_ = errno; show(__LINE__, #x, r_, e_); } while (0)

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *d = "/tmp/compat-errs_mm";
    mkdir(d, 0755);
    if (chdir(d) != 0) { printf("chdir failed\n"); return 1; }
    int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644); ftruncate(fd, 3 * PG);
    int ro = open("f", O_RDONLY), wo = open("f", O_WRONLY), pf = open("f", O_PATH), dfd = open(".", O_RDONLY);
    int pp[2]; pipe(pp);
    int ap = open("f", O_RDWR | O_APPEND);
#define M(...) P(mmap(__VA_ARGS__) == MAP_FAILED ? -1 : 1)
    M(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    M(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1);
    M(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 1);
    M(NULL, PG, PROT_READ, MAP_PRIVATE, fd, -PG);
    M(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0x7ffffffffffff000L);
    M(NULL, PG, PROT_READ, 0, fd, 0);
    M(NULL, PG, PROT_READ, MAP_SHARED | MAP_PRIVATE, fd, 0);
    M(NULL, PG, PROT_READ, MAP_SHARED_VALIDATE, fd, 0);
    M(NULL, PG, PROT_READ, MAP_SHARED_VALIDATE | 0x8000000, fd, 0);
    M(NULL, PG, PROT_READ, MAP_PRIVATE | 0x8000000, fd, 0);
    M(NULL, PG, PROT_READ, MAP_PRIVATE, -1, 0);
    M(NULL, PG, PROT_READ, MAP_PRIVATE, 999, 0);
    M(NULL, PG, PROT_READ, MAP_PRIVATE, wo, 0);
    M(NULL, PG, PROT_WRITE, MAP_PRIVATE, wo, 0);
    M(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
    M(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
    M(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
    M(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ap, 0);
    M(NULL, PG, PROT_READ, MAP_SHARED, wo, 0);
    M(NULL, PG, PROT_NONE, MAP_SHARED, wo, 0);
    M(NULL, PG, PROT_READ, MAP_PRIVATE, pf, 0);
    M(NULL, PG, PROT_READ, MAP_PRIVATE, dfd, 0);
    M(NULL, PG, PROT_READ, MAP_PRIVATE, pp[0], 0);
    M(NULL, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    M(NULL, PG, 0x10, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    M(NULL, -1UL, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    M(NULL, 1UL << 47, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    M((void *)0x12345, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    M(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
    M(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_SYNC, -1, 0);
    M(NULL, PG, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | MAP_SYNC, -1, 0);
    M(NULL, PG, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0);
    { char *q = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); P(madvise(q, PG, MADV_POPULATE_READ)); P(madvise(q, PG, MADV_POPULATE_WRITE));
      char *sa = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0); P(madvise(sa, PG, MADV_FREE)); P(madvise(sa, PG, MADV_REMOVE));
      P(mremap(sa, 0, PG, MREMAP_MAYMOVE) == MAP_FAILED ? -1 : 1); P(mremap(sa, 0, PG, 0) == MAP_FAILED ? -1 : 1);
      P(syscall(SYS_membarrier, 8, 0, 0)); P(syscall(SYS_membarrier, 512, 0, 0)); P(syscall(SYS_membarrier, 16, 0, 0)); P(syscall(SYS_membarrier, 8, 0, 0)); P(syscall(SYS_membarrier, 512, 0, 0));
      P(syscall(SYS_membarrier, 1, 1, 0)); P(syscall(SYS_membarrier, 2, 0, 0)); P(syscall(SYS_membarrier, 24, 0, 0)); P(syscall(SYS_membarrier, 128, 0, 0)); P(syscall(SYS_membarrier, 256, 0, 0)); P(syscall(SYS_membarrier, 128, 1, 0)); P(syscall(SYS_membarrier, 1024, 0, 0)); }
    char *a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    M(a, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    M(a + PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    P(munmap(a + 3 * PG, PG));
    M(a + 3 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    M(a + 2 * PG, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    /* munmap */
    P(munmap(a + 1, PG)); P(munmap(a, 0)); P(munmap((void *)0x7ffffffff000, 2 * PG)); P(munmap((void *)-4096L, PG)); P(munmap(NULL, PG));
    P(munmap(a, 1UL << 48));
    /* mprotect */
    P(mprotect(a + 1, PG, PROT_READ)); P(mprotect(a, 0, PROT_READ)); P(mprotect(a, PG, 0x10)); P(mprotect(a, PG, PROT_READ | PROT_GROWSUP));
    P(mprotect(a, PG, PROT_READ | PROT_GROWSDOWN));
    { char *c = mmap(NULL, 8 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); munmap(c + 4 * PG, 4 * PG);
      P(mprotect(c, 8 * PG, PROT_READ)); P(mprotect(c, 4 * PG, PROT_READ)); P(mprotect(c + 5 * PG, PG, PROT_READ)); P(mprotect(c + 3 * PG, 2 * PG, PROT_READ)); }
    P(mprotect(a, -PG, PROT_READ));
    char *s = mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
    P(mprotect(s, PG, PROT_READ | PROT_WRITE)); P(mprotect(s, PG, PROT_EXEC)); P(mprotect(s, PG, PROT_NONE));
    char *w = mmap(NULL, PG, PROT_WRITE, MAP_SHARED, wo, 0);
    P(w == MAP_FAILED);
    char *pr = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, ro, 0);
    P(mprotect(pr, PG, PROT_READ | PROT_WRITE));
    /* mremap */
    char *b = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    P(mremap(b, PG, PG, 0x8) == MAP_FAILED ? -1 : 1);
    P(mremap(b + 1, PG, PG, 0) == MAP_FAILED ? -1 : 1);
    P(mremap(b, PG, 0, 0) == MAP_FAILED ? -1 : 1);
    P(mremap(b, PG, 2 * PG, MREMAP_FIXED, b + 8 * PG) == MAP_FAILED ? -1 : 1);
    P(mremap(b, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, b) == MAP_FAILED ? -1 : 1);
    P(mremap(b, 2 * PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, b + PG) == MAP_FAILED ? -1 : 1);
    P(mremap(b, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, b + 1) == MAP_FAILED ? -1 : 1);
    P(mremap(b, PG, PG, MREMAP_DONTUNMAP) == MAP_FAILED ? -1 : 1);
    P(mremap(b, PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP) == MAP_FAILED ? -1 : 1);
    P(mremap((void *)0x10000000, PG, PG, 0) == MAP_FAILED ? -1 : 1);
    P(mremap(b, 0, PG, MREMAP_MAYMOVE) == MAP_FAILED ? -1 : 1);
    P(mremap(b, 0, PG, 0) == MAP_FAILED ? -1 : 1);
    P(mremap(b, 8 * PG, 16 * PG, 0) == MAP_FAILED ? -1 : 1);
    P(mremap(b, PG, 1UL << 48, MREMAP_MAYMOVE) == MAP_FAILED ? -1 : 1);
    /* madvise */
    P(madvise(b, PG, 999)); P(madvise(b + 1, PG, MADV_NORMAL)); P(madvise(b, 0, MADV_NORMAL)); P(madvise(b, -PG, MADV_NORMAL));
    P(madvise(b, PG, MADV_HWPOISON)); P(madvise(b, PG, MADV_MERGEABLE)); P(madvise(b, PG, MADV_UNMERGEABLE)); P(madvise(b, PG, MADV_HUGEPAGE));
    P(madvise(b, PG, MADV_NOHUGEPAGE)); P(madvise(b, PG, MADV_DONTDUMP)); P(madvise(b, PG, MADV_DODUMP)); P(madvise(b, PG, MADV_FREE));
    P(madvise(b, PG, MADV_WIPEONFORK)); P(madvise(b, PG, MADV_KEEPONFORK)); P(madvise(b, PG, MADV_COLD)); P(madvise(b, PG, MADV_PAGEOUT));
    P(madvise(b, PG, MADV_POPULATE_READ)); P(madvise(b, PG, MADV_POPULATE_WRITE)); P(madvise(b, PG, MADV_REMOVE)); P(madvise(b, PG, MADV_DONTFORK)); P(madvise(b, PG, MADV_DOFORK));
    P(madvise(b, PG, 25)); P(madvise(b, PG, 24)); P(madvise(b, PG, 26));
    P(madvise(s, PG, MADV_REMOVE)); P(madvise(s, PG, MADV_DONTNEED)); P(madvise(s, PG, MADV_FREE)); P(madvise(pr, PG, MADV_FREE)); P(madvise(s, PG, MADV_POPULATE_WRITE));
    char *lk = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
    /* mincore */
    unsigned char vec[16];
    P(mincore(b + 1, PG, vec)); P(mincore(b, 0, vec)); P(mincore(b, PG, NULL)); P(mincore(b, PG, (void *)1)); P(mincore((void *)0x10000000, PG, vec));
    P(mincore(b, 100 * PG, vec)); P(mincore(b, PG, vec)); P(vec[0] & 1);
    /* mlock */
    P(mlock(b + 1, PG)); P(mlock(b, 0)); P(mlock((void *)0x10000000, PG)); P(mlock(b, PG)); P(munlock(b, PG)); P(munlock((void *)0x10000000, PG));
    P(mlock(b, -PG)); P(syscall(SYS_mlock2, b, PG, 2)); P(syscall(SYS_mlock2, b, PG, 1)); P(munlock(b, PG));
    P(mlockall(0)); P(mlockall(8)); P(mlockall(MCL_ONFAULT)); P(mlockall(MCL_CURRENT | 16)); P(munlockall());
    struct rlimit rl = {0, 0}; getrlimit(RLIMIT_MEMLOCK, &rl); P(rl.rlim_cur > 0);
    /* msync */
    P(msync(s + 1, PG, MS_SYNC)); P(msync(s, PG, MS_SYNC | MS_ASYNC)); P(msync(s, PG, 8)); P(msync(s, PG, 0)); P(msync(s, 0, MS_SYNC));
    P(msync((void *)0x10000000, PG, MS_SYNC)); P(msync(s, PG, MS_INVALIDATE)); P(msync(lk, PG, MS_INVALIDATE)); P(msync(b, 100 * PG, MS_SYNC));
    /* brk */
    /* remap_file_pages, mseal, pkey */
    P(syscall(SYS_pkey_alloc, 1, 0)); P(syscall(SYS_pkey_alloc, 0, 8)); P(syscall(SYS_pkey_free, 99));
    P(syscall(SYS_pkey_mprotect, b, PG, PROT_READ, -1)); P(syscall(SYS_pkey_mprotect, b, PG, PROT_READ, 5));
    /* SIGBUS beyond EOF is tested elsewhere */
    P(syscall(SYS_membarrier, 0, 0, 0)); P(syscall(SYS_membarrier, 99, 0, 0));
    unlink("f");
    rmdir(d);
    return t_done();
}
