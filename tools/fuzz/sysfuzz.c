/* sysfuzz — a seeded random-syscall fuzzer for the compat unikernel (also runs natively).
 *
 *     gcc -static -O1 -o sysfuzz tools/fuzz/sysfuzz.c
 *     sysfuzz SEED COUNT          -> COUNT random raw syscalls, then "sysfuzz: seed S: N calls done"
 *
 * The calls are biased towards what the kernel implements (files, pipes, memory, signals,
 * processes, polling) and get small integers, its own descriptors and mappings, bad pointers
 * (NULL, kernel-half, non-canonical, unmapped user addresses, guard pages) and huge lengths.
 * Everything that would legitimately end or hang the program is avoided: no exit/execve/pause,
 * every descriptor that could block is O_NONBLOCK, every wait has a tiny timeout, signals sent
 * are harmless (handled or ignored by default), SIGSEGV/SIGBUS/SIGPIPE dispositions are never
 * touched, and only memory the fuzzer created itself (an arena, its own mmaps, the brk area
 * above the initial break) is unmapped, remapped, protected or advised away. The program
 * never calls malloc or stdio, so glibc owns nothing in the regions it plays with.
 *
 * Faults (SIGSEGV/SIGBUS) from deliberate bad accesses siglongjmp back into the loop and are
 * counted. Invariants checked on every fuzzed syscall: the argument registers and xmm0-15 come
 * back unchanged, and accesses to addresses that must fault do fault; a violation prints an
 * "sysfuzz: anomaly:" line (once per kind). Output never contains addresses, so a seed gives the
 * same output on every run of the same kernel (forked children run a few calls of their own on
 * shared files and mappings; the fault count can move when their timing does).
 *
 *     sysfuzz SEED COUNT -v       every fuzzed call on stderr: "[pid] > nr(args)" and "[pid] < nr = result
 *                                 (ms, at ms)", iovecs, caught faults (for finding what hung or crashed)
 *     SYSFUZZ_SKIP=a,b            step around known kernel bugs to look for others: munmap-past-end,
 *                                 huge-file-map, msync-huge, epoll-loop (see the skip() calls)
 *
 * The call sequence of COUNT n is a prefix of that of any larger COUNT, so the smallest failing
 * COUNT can be bisected (tools/fuzz/run.sh --minimize).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>

#define PAGE 4096UL
#define ARENA_SIZE (16UL << 20)         /* usable arena; followed by a guard that stays PROT_NONE */
#define ARENA_GUARD (1UL << 20)
#define MAXFD 64                        /* descriptors the fuzzer plays with: [3, MAXFD) */
#define MAXMAPS 32
#define MAXKIDS 8

/* ---------------------------------------------------------------- random numbers */
static uint64_t rng;
static uint64_t rnd(void) {             /* splitmix64 */
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static uint64_t rn(uint64_t n) { return n ? rnd() % n : 0; }
static int pct(int p) { return (int)rn(100) < p; }
#define PICK(...) ({ static const long _v[] = { __VA_ARGS__ }; _v[rn(sizeof _v / sizeof _v[0])]; })

/* ---------------------------------------------------------------- output (no stdio) */
static void out(const char *fmt, ...) {
    char b[512];
    va_list ap; va_start(ap, fmt);
    int n = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof b - 1) n = sizeof b - 1;
    for (int o = 0; o < n;) { long w = syscall(SYS_write, 1, b + o, n - o); if (w <= 0) break; o += w; }
}

/* ---------------------------------------------------------------- state */
/* One struct so the layout is known: `slack` absorbs fixed-size structs written near the end
 * of a scratch buffer (a stat buffer at scratch+65500 is still our memory). */
static struct {
    char scratch[65536];
    char slack[8192];
    char in[16384];                     /* kernel-read structs the fuzzer builds (iovecs, msghdr, ...) */
    char slack2[4096];
    uint32_t futex[16];
} S __attribute__((aligned(4096)));

static char *arena;                     /* [arena, arena+ARENA_SIZE) ours; then ARENA_GUARD PROT_NONE */
static char *strpage;                   /* one RW page of 'a' (no NUL) followed by a PROT_NONE page */
static struct map { uintptr_t addr; size_t len; } maps[MAXMAPS];
static int nmaps;
static uintptr_t brk0, brkcur;
static unsigned char fdk[MAXFD];        /* believed kind of each descriptor; 0 = closed */
enum { K_NONE, K_FILE, K_DIR, K_PIPER, K_PIPEW, K_SOCK, K_EPOLL, K_EVENT, K_DEV, K_OTHER };
static pid_t kids[MAXKIDS];
static int nkids;
static int depth;                       /* 0 in the main process, 1 in forked children */
static pid_t mypid;
static char dir[64];                    /* /tmp/sfz.PID */
static char longpath[PATH_MAX + 64], longname[400];
static volatile long faults, sigs;
static sigjmp_buf *volatile curjmp;
static long anomalies;

void sfz_restorer(void);
#define SA_RESTORER 0x04000000
__asm__(".text\n.type sfz_restorer,@function\nsfz_restorer:\n\tmov $15, %eax\n\tsyscall\n\thlt\n");

/* ---------------------------------------------------------------- anomalies (printed once per key) */
static unsigned seen[64];
static int nseen;
static void anomaly(unsigned key, const char *fmt, ...) {
    for (int i = 0; i < nseen; i++) if (seen[i] == key) return;
    if (nseen < 64) seen[nseen++] = key;
    anomalies++;
    char b[300];
    va_list ap; va_start(ap, fmt); vsnprintf(b, sizeof b, fmt, ap); va_end(ap);
    out("sysfuzz: anomaly: %s%s\n", b, depth ? " (in a child)" : "");
}

/* Known kernel bugs to step around while looking for others: SYSFUZZ_SKIP="name,name" (names
 * appear next to the calls they guard). Empty by default: every seed hits what it hits. */
static const char *skiplist;
static int skip(const char *name) { return skiplist && strstr(skiplist, name); }

/* ---------------------------------------------------------------- the raw syscall */
/* Linux preserves every register but rax, rcx and r11 across SYSCALL; the wrapper loads known
 * values into xmm0-15 and checks them and the six argument registers afterwards. */
static int verbose;                     /* sysfuzz SEED COUNT -v: every fuzzed call on stderr (debugging) */
static void trace(const char *fmt, ...) {
    char b[256];
    va_list ap; va_start(ap, fmt);
    int n = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof b - 1) n = sizeof b - 1;
    syscall(SYS_write, 2, b, n);
}
static long sys6(long n, long a1, long a2, long a3, long a4, long a5, long a6) {
    struct timespec t0, t1;
    int vpid = 0;
    if (verbose) {
        vpid = (int)syscall(SYS_getpid);
        trace("[%d] > %ld(%lx, %lx, %lx, %lx, %lx, %lx)\n", vpid, n, a1, a2, a3, a4, a5, a6);
        clock_gettime(CLOCK_MONOTONIC, &t0);
    }
    uint64_t xin[32] __attribute__((aligned(16))), xout[32] __attribute__((aligned(16)));
    for (int i = 0; i < 32; i++) xin[i] = 0x5a5a000000000000ULL ^ ((uint64_t)i << 40) ^ (uint64_t)n ^ ((uint64_t)i * 0x01010101);
    register long rdi __asm__("rdi") = a1, rsi __asm__("rsi") = a2, rdx __asm__("rdx") = a3;
    register long r10 __asm__("r10") = a4, r8 __asm__("r8") = a5, r9 __asm__("r9") = a6;
    long rax = n;
    uint64_t *pi = xin, *po = xout;
    __asm__ volatile(
        "movdqa 0(%[pi]),%%xmm0\n\tmovdqa 16(%[pi]),%%xmm1\n\tmovdqa 32(%[pi]),%%xmm2\n\tmovdqa 48(%[pi]),%%xmm3\n\t"
        "movdqa 64(%[pi]),%%xmm4\n\tmovdqa 80(%[pi]),%%xmm5\n\tmovdqa 96(%[pi]),%%xmm6\n\tmovdqa 112(%[pi]),%%xmm7\n\t"
        "movdqa 128(%[pi]),%%xmm8\n\tmovdqa 144(%[pi]),%%xmm9\n\tmovdqa 160(%[pi]),%%xmm10\n\tmovdqa 176(%[pi]),%%xmm11\n\t"
        "movdqa 192(%[pi]),%%xmm12\n\tmovdqa 208(%[pi]),%%xmm13\n\tmovdqa 224(%[pi]),%%xmm14\n\tmovdqa 240(%[pi]),%%xmm15\n\t"
        "syscall\n\t"
        "movdqa %%xmm0,0(%[po])\n\tmovdqa %%xmm1,16(%[po])\n\tmovdqa %%xmm2,32(%[po])\n\tmovdqa %%xmm3,48(%[po])\n\t"
        "movdqa %%xmm4,64(%[po])\n\tmovdqa %%xmm5,80(%[po])\n\tmovdqa %%xmm6,96(%[po])\n\tmovdqa %%xmm7,112(%[po])\n\t"
        "movdqa %%xmm8,128(%[po])\n\tmovdqa %%xmm9,144(%[po])\n\tmovdqa %%xmm10,160(%[po])\n\tmovdqa %%xmm11,176(%[po])\n\t"
        "movdqa %%xmm12,192(%[po])\n\tmovdqa %%xmm13,208(%[po])\n\tmovdqa %%xmm14,224(%[po])\n\tmovdqa %%xmm15,240(%[po])"
        : "+a"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
        : [pi] "r"(pi), [po] "r"(po)
        : "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
          "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    const long args[6] = { a1, a2, a3, a4, a5, a6 }, got[6] = { rdi, rsi, rdx, r10, r8, r9 };
    static const char *rn_[6] = { "rdi", "rsi", "rdx", "r10", "r8", "r9" };
    for (int i = 0; i < 6; i++)
        if (args[i] != got[i]) anomaly(0x10000 + (unsigned)n * 8 + i, "syscall %ld changed %s", n, rn_[i]);
    for (int i = 0; i < 16; i++)
        if (xin[2 * i] != xout[2 * i] || xin[2 * i + 1] != xout[2 * i + 1]) { anomaly(0x20000 + (unsigned)n, "syscall %ld changed xmm%d", n, i); break; }
    if (verbose) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        trace("[%d] < %ld = %ld (%.1f ms, at %.1f)\n", vpid, n, rax, (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6,
              t0.tv_sec * 1e3 + t0.tv_nsec / 1e6);
    }
    return rax;
}
#define SC(...) SCx(__VA_ARGS__, 0, 0, 0, 0, 0, 0, 0)
#define SCx(n, a, b, c, d, e, f, ...) sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))
static long calls;                      /* fuzzed syscalls made */
#define F(...) (calls++, SC(__VA_ARGS__))

/* ---------------------------------------------------------------- argument generators */
static uintptr_t bad_ptr(void) {
    switch (rn(18)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return 0xfff;
    case 3: return 0x100000;                    /* low physical memory / the kernel image in an identity map */
    case 4: return 0x1ff000;
    case 5: return 0xffff800000000000ULL;       /* the start of the kernel half */
    case 6: return 0xffff800000100000ULL;
    case 7: return 0xffffffff80000000ULL;
    case 8: return 0xffffffffffff0000ULL;
    case 9: return 0xfffffffffffff000ULL;
    case 10: return 0xffffffffffffffffULL;
    case 11: return 0x800000000000ULL;          /* the first non-canonical address */
    case 12: return 0x7ffffffff000ULL;          /* above the last user page */
    case 13: return 0x7ffffffffffcULL;
    case 14: return 0x500000000000ULL + rn(1 << 20) * PAGE;  /* unmapped user memory (80 TiB up: no mapping of
                                                                   ours reaches it, hinted or top-down) */
    case 15: return (uintptr_t)arena + ARENA_SIZE + rn(ARENA_GUARD);   /* the arena's guard */
    case 16: return (uintptr_t)strpage + PAGE + rn(PAGE);    /* PROT_NONE page */
    default: return 0x8000000000000000ULL + rn(1 << 20);
    }
}

/* A bad pointer that is never NULL: for timeouts, where NULL means "wait forever". */
static uintptr_t bad_nz(void) { uintptr_t p; do p = bad_ptr(); while (p == 0); return p; }

static size_t any_len(void) {
    switch (rn(12)) {
    case 0: return 0;
    case 1: return 1;
    case 2: case 3: return rn(256);
    case 4: case 5: return rn(65536);
    case 6: return PAGE * (1 + rn(64));
    case 7: return (size_t)1 << 31;
    case 8: return SIZE_MAX;
    case 9: return 0x7fffffff;
    case 10: return (size_t)1 << 40;
    default: return (size_t)-PAGE;
    }
}

/* A buffer the kernel may write to (or read from): ours, with a length that fits or that runs into
 * a guard, or a bad pointer. *len is set. */
static uintptr_t buf(size_t *len) {
    unsigned k = rn(100);
    if (k < 50) {
        size_t off = rn(sizeof S.scratch);
        *len = pct(70) ? rn(sizeof S.scratch - off + 1) % 4097 : sizeof S.scratch - off;
        return (uintptr_t)S.scratch + off;
    }
    if (k < 65) {                       /* runs to the arena's guard (or an inner PROT_NONE/unmapped page) */
        size_t off = rn(ARENA_SIZE);
        *len = pct(50) ? any_len() : rn(ARENA_SIZE);
        return (uintptr_t)arena + off;
    }
    if (k < 75 && nmaps) {
        struct map *m = &maps[rn(nmaps)];
        size_t off = m->len > 1 ? rn(m->len < (1UL << 30) ? m->len : (1UL << 30)) : 0;
        *len = rn(m->len - off + 1) % (1 << 20);
        return m->addr + off;
    }
    if (k < 80) { *len = pct(50) ? 0 : rn(PAGE * 2); return (uintptr_t)strpage + rn(PAGE); }
    if (k < 83) { *len = 0; return 0; }
    *len = any_len();
    return bad_ptr();
}
/* A pointer to a fixed-size struct the kernel writes: scratch (slack covers overruns), or bad. */
static uintptr_t outp(void) {
    if (pct(75)) return (uintptr_t)S.scratch + rn(sizeof S.scratch);
    if (pct(30)) return 0;
    if (pct(20)) return (uintptr_t)strpage + PAGE - rn(64);  /* straddles into the PROT_NONE page */
    return bad_ptr();
}
/* A pointer to a struct the kernel reads, already filled by the caller at `p`; or a bad one. */
static uintptr_t inp(void *p) {
    if (pct(85)) return (uintptr_t)p;
    return pct(30) ? 0 : bad_ptr();
}

static int open_count(void) { int n = 0; for (int i = 3; i < MAXFD; i++) n += fdk[i] != 0; return n; }
static int fd_of(int kind) {            /* a descriptor believed to be of `kind`, else -1 */
    int c[MAXFD], n = 0;
    for (int i = 3; i < MAXFD; i++) if (fdk[i] == kind) c[n++] = i;
    return n ? c[rn(n)] : -1;
}
static int pick_fd(void) {
    unsigned k = rn(100);
    if (k < 75) {
        int c[MAXFD], n = 0;
        for (int i = 3; i < MAXFD; i++) if (fdk[i]) c[n++] = i;
        if (n) return c[rn(n)];
    }
    if (k < 87) return 3 + (int)rn(MAXFD - 3);
    return (int)PICK(-1, 64 + 900, 1 << 20, INT_MAX, -100, (long)INT_MIN, 1023, 4096);
}
static int pick_fd_kind(int kind) { int fd = pct(80) ? fd_of(kind) : -1; return fd >= 0 ? fd : pick_fd(); }

static void fd_closed(long fd) { if (fd >= 0 && fd < MAXFD) fdk[fd] = 0; }
static int kind_of(long fd) { return fd >= 3 && fd < MAXFD && fdk[fd] ? fdk[fd] : K_OTHER; }
/* A new descriptor from the kernel: keep it if it is in our range, else close it. */
static void got_fd(long fd, int kind) {
    if (fd < 0) return;
    if (fd < 3) { anomaly(0x30000, "a new descriptor got number %ld (0-2 were open)", fd); return; }
    if (fd >= MAXFD) { SC(SYS_close, fd); return; }
    fdk[fd] = kind;
}
static void make_nonblock(long fd) {
    long fl = SC(SYS_fcntl, fd, F_GETFL);
    if (fl >= 0) SC(SYS_fcntl, fd, F_SETFL, fl | O_NONBLOCK);
}

/* Every pipe, socket and eventfd the fuzzer made is O_NONBLOCK (set on the open file description,
 * so dup'd, inherited and passed copies are too). A blocking one would hang a read: report it and
 * make it non-blocking again. */
static void check_nonblock(long fd) {
    struct stat st;
    if (fd < 3 || SC(SYS_fstat, fd, &st) != 0) return;
    if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISCHR(st.st_mode) || S_ISLNK(st.st_mode) || S_ISBLK(st.st_mode)) return;
    long fl = SC(SYS_fcntl, fd, F_GETFL);
    if (fl < 0 || (fl & O_PATH) || (fl & O_NONBLOCK)) return;
    struct epoll_event ev;
    if (SC(SYS_epoll_wait, fd, &ev, 1, 0) >= 0) return;         /* an epoll descriptor: reads fail, never block */
    anomaly(0x30003, "descriptor %ld (%s) is blocking: O_NONBLOCK of its open file description was lost",
            fd, S_ISFIFO(st.st_mode) ? "pipe" : S_ISSOCK(st.st_mode) ? "socket" : "anonymous inode");
    if (verbose) trace("nonblock lost on fd %ld\n", fd);
    SC(SYS_fcntl, fd, F_SETFL, fl | O_NONBLOCK);
}

static const char *fname(int i) {
    static char b[8][96];
    static const char *n[] = { "f0", "f1", "f2", "f3", "d0", "d1", "l0", "l1", "h0", "d0/f0", "d1/f1", "d0/d2" };
    char *p = b[i & 7];
    snprintf(p, 96, "%s/%s", dir, n[i % 12]);
    return p;
}
/* A path for opening/statting: ours, a few safe system files, bad ones. Never a tty or FIFO. */
static uintptr_t pick_path(void) {
    unsigned k = rn(100);
    if (k < 45) return (uintptr_t)fname(rn(12));
    if (k < 75) return (uintptr_t)PICK((long)"/dev/null", (long)"/dev/zero", (long)"/dev/urandom", (long)"/dev/full",
        (long)"/", (long)"/tmp", (long)"/proc/self/maps", (long)"/proc/self/status", (long)"/proc/self/stat",
        (long)"/proc/self/fd", (long)"/proc/meminfo", (long)"/proc/self/exe", (long)"/proc/self/cmdline",
        (long)"/nonexistent/x", (long)"", (long)"/dev", (long)"/proc", (long)"/proc/self");
    if (k < 80) return (uintptr_t)longname;                          /* a 300-byte component */
    if (k < 84) return (uintptr_t)longpath;                          /* longer than PATH_MAX */
    if (k < 90) { memset(strpage, 'a', PAGE); return (uintptr_t)strpage + PAGE - 1 - rn(16); }   /* unterminated: runs into PROT_NONE */
    return bad_ptr();
}
/* A path the fuzzer may create, remove, rename or chmod: only its own names (or bad/too long ones).
 * Natively this may run as root: a system path here could damage the host. */
static uintptr_t own_path(void) {
    unsigned k = rn(100);
    if (k < 88) return (uintptr_t)fname(rn(12));
    if (k < 92) return (uintptr_t)longname;
    if (k < 94) return (uintptr_t)longpath;
    if (k < 97) { memset(strpage, 'a', PAGE); return (uintptr_t)strpage + PAGE - 1 - rn(16); }
    return bad_ptr();
}
static const char *rel_name(void) { return (const char *)PICK((long)"f0", (long)"f1", (long)"d0", (long)"l0", (long)".", (long)"..", (long)"self/maps", (long)"null", (long)"meminfo", (long)""); }

/* ---------------------------------------------------------------- memory ownership */
static void add_map(uintptr_t a, size_t len) {
    if (a >= (uintptr_t)arena && a < (uintptr_t)arena + ARENA_SIZE + ARENA_GUARD) return;   /* arena: always ours */
    if (nmaps == MAXMAPS) {             /* forget the oldest (unmap it: it is ours) */
        SC(SYS_munmap, maps[0].addr, maps[0].len);
        memmove(maps, maps + 1, sizeof maps[0] * (MAXMAPS - 1));
        nmaps--;
    }
    maps[nmaps].addr = a; maps[nmaps].len = len; nmaps++;
}
/* An own region: a page-aligned range inside the arena (never the guard), a listed mapping or
 * the brk area above the initial break. */
static uintptr_t own_range(size_t *len) {
    unsigned k = rn(100);
    if (k < 25 && nmaps) {
        struct map *m = &maps[rn(nmaps)];
        size_t pages = (m->len + PAGE - 1) / PAGE;
        if (pct(40)) { *len = m->len; return m->addr; }
        size_t p0 = rn(pages < (1 << 18) ? pages : (1 << 18));
        size_t np = 1 + rn(pages - p0 < 256 ? pages - p0 : 256);
        *len = np * PAGE;
        return m->addr + p0 * PAGE;
    }
    if (k < 32 && brkcur > brk0 + PAGE) {
        uintptr_t lo = (brk0 + PAGE - 1) & ~(PAGE - 1);
        if (brkcur > lo + PAGE) {
            size_t pages = (brkcur - lo) / PAGE;
            size_t p0 = rn(pages);
            *len = (1 + rn(pages - p0)) * PAGE;
            return lo + p0 * PAGE;
        }
    }
    size_t pages = ARENA_SIZE / PAGE;
    size_t p0 = rn(pages);
    size_t np = 1 + rn(pct(70) ? 16 : pages - p0);
    if (p0 + np > pages) np = pages - p0;
    *len = np * PAGE;
    return (uintptr_t)arena + p0 * PAGE;
}
static void forget_range(uintptr_t a, size_t len) {
    for (int i = 0; i < nmaps; i++)
        if (maps[i].addr == a && maps[i].len <= len) { maps[i] = maps[--nmaps]; return; }
}

/* ---------------------------------------------------------------- signals */
static void on_sig(int s) { (void)s; sigs++; }
static void on_fault(int s, siginfo_t *si, void *uc) {
    (void)uc; faults++;
    if (verbose) trace("fault: signal %d at %lx\n", s, (unsigned long)si->si_addr);
    siglongjmp(*curjmp, 1);
}

struct ksigaction { uintptr_t handler; unsigned long flags; uintptr_t restorer; uint64_t mask; };
static const int harmless_sigs[] = { SIGUSR1, SIGUSR2, SIGCHLD, SIGWINCH, SIGURG, SIGCONT };
static const int ignore_sigs[] = { SIGCHLD, SIGWINCH, SIGURG, SIGCONT };    /* default action: ignore */
static uint64_t harmless_mask(void) {
    uint64_t m = 0;
    for (int i = 0; i < 6; i++) if (pct(30)) m |= 1ULL << (harmless_sigs[i] - 1);
    if (pct(10)) m |= 1ULL << (SIGKILL - 1);   /* must be silently ignored */
    if (pct(10)) m |= 1ULL << (SIGSTOP - 1);
    if (pct(20)) m |= (rnd() & 0xffffffff00000000ULL);   /* real-time signals, never sent */
    return m;
}

/* ---------------------------------------------------------------- operations */
static void op_open(void) {
    long fl = PICK(O_RDONLY, O_WRONLY, O_RDWR, 3);
    static const long bits[] = { O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_NONBLOCK, O_DIRECTORY, O_NOFOLLOW,
                                 O_CLOEXEC, O_NOCTTY, O_SYNC, O_DSYNC, O_PATH, O_LARGEFILE, O_NOATIME, O_DIRECT, 0x40000000 };
    for (int i = 0; i < 16; i++) if (pct(12)) fl |= bits[i];
    if (pct(3)) fl |= O_TMPFILE | O_RDWR;
    long mode = pct(80) ? 0644 : (long)rnd();
    if (open_count() > 40) { int fd = pick_fd(); if (fd >= 3 && fd < MAXFD) { SC(SYS_close, fd); fd_closed(fd); } }
    long r;
    switch (rn(4)) {
    case 0: r = F(SYS_open, pick_path(), fl, mode); break;
    case 1: r = F(SYS_creat, own_path(), mode); break;
    case 2: {                           /* relative to a random directory fd: read-only, no creation */
        long dfd = pct(50) ? AT_FDCWD : pick_fd_kind(K_DIR);
        r = F(SYS_openat, dfd, pct(90) ? (uintptr_t)rel_name() : pick_path(), fl & ~(O_CREAT | O_TRUNC | O_TMPFILE | O_ACCMODE), mode);
        break; }
    default: r = F(SYS_openat, AT_FDCWD, pick_path(), fl, mode);
    }
    got_fd(r, (fl & O_DIRECTORY) ? K_DIR : K_FILE);
}

static void op_close(void) {
    if (pct(5)) {
        long lo = 3 + rn(MAXFD), hi = pct(30) ? ~0U : 3 + rn(MAXFD), fl = PICK(0, 4 /*CLOEXEC*/, 2 /*UNSHARE*/, 0x100);
        if (F(SYS_close_range, lo, hi, fl) == 0 && !(fl & 4)) for (long i = lo; i < MAXFD && i <= hi; i++) fdk[i] = 0;
        return;
    }
    int fd = pick_fd();
    if (F(SYS_close, fd) == 0) fd_closed(fd);
}

static size_t cap_valid(uintptr_t p, size_t len, size_t cap) {   /* valid pointers: cap how much a file can grow */
    return (p >= 0x10000 && p < 0x800000000000ULL && len > cap) ? cap : len;
}

static void op_read(void) {
    int fd = pick_fd();
    check_nonblock(fd);
    size_t len; uintptr_t p = buf(&len);
    switch (rn(3)) {
    case 0: F(SYS_read, fd, p, len); break;
    case 1: F(SYS_pread64, fd, p, len, PICK(0, 1, 4096, 1 << 20, -1, (long)1 << 40, LONG_MAX)); break;
    default: {
        struct iovec *iov = (struct iovec *)S.in;
        int n = rn(9);
        for (int i = 0; i < n; i++) { iov[i].iov_base = (void *)buf(&len); iov[i].iov_len = len; }
        long cnt = pct(90) ? n : PICK(-1, 1025, 1 << 20);
        if (verbose) for (int i = 0; i < n; i++) trace("  iov[%d] = %p + %zx\n", i, iov[i].iov_base, iov[i].iov_len);
        if (pct(50)) F(SYS_readv, fd, inp(iov), cnt);
        else F(SYS_preadv, fd, inp(iov), cnt, PICK(0, 7, 4096, -1), 0);
    }
    }
}

static void op_write(void) {
    int fd = pick_fd();
    check_nonblock(fd);
    size_t len; uintptr_t p = buf(&len);
    len = cap_valid(p, len, 256 << 10);
    switch (rn(3)) {
    case 0: F(SYS_write, fd, p, len); break;
    case 1: F(SYS_pwrite64, fd, p, len, PICK(0, 1, 4096, 1 << 20, -1, 3 << 20)); break;
    default: {
        struct iovec *iov = (struct iovec *)S.in;
        int n = rn(9);
        for (int i = 0; i < n; i++) { iov[i].iov_base = (void *)buf(&len); iov[i].iov_len = cap_valid((uintptr_t)iov[i].iov_base, len, 64 << 10); }
        long cnt = pct(90) ? n : PICK(-1, 1025);
        if (verbose) for (int i = 0; i < n; i++) trace("  iov[%d] = %p + %zx\n", i, iov[i].iov_base, iov[i].iov_len);
        if (pct(50)) F(SYS_writev, fd, inp(iov), cnt);
        else F(SYS_pwritev, fd, inp(iov), cnt, PICK(0, 7, 4096, -1), 0);
    }
    }
}

static void op_lseek(void) {
    F(SYS_lseek, pick_fd(), PICK(0, 1, -1, 4096, 100, 1 << 20, -(1L << 20), (long)1 << 40, LONG_MAX, LONG_MIN),
      PICK(SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE, 5, -1));
}

static void op_pipe(void) {
    int *fds = (int *)(S.scratch + rn(sizeof S.scratch / 2) * 2 / 4 * 4);
    if (open_count() > 40) return;
    long r;
    int valid = pct(85);
    uintptr_t p = valid ? (uintptr_t)fds : bad_ptr();
    if (pct(30)) r = F(SYS_pipe, p);
    else r = F(SYS_pipe2, p, pct(90) ? (O_NONBLOCK | (pct(30) ? O_CLOEXEC : 0) | (pct(10) ? O_DIRECT : 0)) : PICK(0x12345, -1));
    if (r == 0 && !valid) anomaly(0x30001, "pipe with a bad pointer succeeded");
    if (r == 0 && valid) {
        make_nonblock(fds[0]); make_nonblock(fds[1]);     /* pipe() and bad flags: never leave one blocking */
        got_fd(fds[0], K_PIPER); got_fd(fds[1], K_PIPEW);
    }
}

static void op_dup(void) {
    int old = pick_fd();
    long r;
    switch (rn(3)) {
    case 0: r = F(SYS_dup, old); got_fd(r, kind_of(old)); break;
    case 1: {
        long nfd = pct(85) ? 3 + (long)rn(MAXFD - 3) : PICK(-1, 1 << 20, INT_MAX, 1023);
        r = F(SYS_dup2, old, nfd);
        if (r >= 3 && r < MAXFD) fdk[r] = kind_of(old);
        else if (r >= MAXFD) SC(SYS_close, r);
        break; }
    default: {
        long nfd = pct(85) ? 3 + (long)rn(MAXFD - 3) : PICK(-1, 1 << 20);
        r = F(SYS_dup3, old, pct(10) ? old : nfd, PICK(0, O_CLOEXEC, 0x1234, O_NONBLOCK));
        if (r >= 3 && r < MAXFD) fdk[r] = kind_of(old);
        else if (r >= MAXFD) SC(SYS_close, r);
    }
    }
}

static void op_fcntl(void) {
    int fd = pick_fd();
    struct flock *fl = (struct flock *)S.in;
    fl->l_type = PICK(F_RDLCK, F_WRLCK, F_UNLCK, 7);
    fl->l_whence = PICK(SEEK_SET, SEEK_CUR, SEEK_END, 9);
    fl->l_start = PICK(0, 1, 100, -1, 1 << 20, LONG_MAX);
    fl->l_len = PICK(0, 1, 100, -1, LONG_MAX);
    fl->l_pid = 0;
    long r;
    switch (rn(12)) {
    case 0: F(SYS_fcntl, fd, F_GETFL); break;
    case 1: F(SYS_fcntl, fd, F_SETFL, (rnd() & (O_APPEND | O_DIRECT | O_NOATIME)) | O_NONBLOCK); break;   /* never clears O_NONBLOCK, never sets O_ASYNC */
    case 2: F(SYS_fcntl, fd, F_GETFD); break;
    case 3: F(SYS_fcntl, fd, F_SETFD, rn(4)); break;
    case 4: r = F(SYS_fcntl, fd, PICK(F_DUPFD, F_DUPFD_CLOEXEC), PICK(0, 3, 10, 63, 64, 1 << 20, -1));
            got_fd(r, kind_of(fd)); break;
    case 5: F(SYS_fcntl, fd, PICK(F_GETLK, F_SETLK, F_OFD_GETLK, F_OFD_SETLK), inp(fl)); break;    /* never a waiting lock */
    case 6: F(SYS_fcntl, fd, PICK(F_GETPIPE_SZ, F_SETPIPE_SZ), PICK(0, 4096, 65536, 1 << 20, -1)); break;
    case 7: F(SYS_fcntl, fd, PICK(F_GETOWN, F_GETSIG, F_GETLEASE, 1234, -1, 0x7fffffff)); break;
    case 8: F(SYS_flock, fd, PICK(LOCK_SH, LOCK_EX, LOCK_UN, 0, 99) | LOCK_NB); break;
    case 9: F(SYS_ioctl, fd, PICK(0x541B /*FIONREAD*/, 0x5401 /*TCGETS*/, 0x5413 /*TIOCGWINSZ*/, 0xdeadbeef, 0), outp()); break;
    case 10: F(SYS_fsync + rn(2), fd); break;
    default: F(SYS_ftruncate, fd, PICK(0, 0, 1, 100, 4096, 65536, 1 << 20, -1, (long)1 << 40)); break;
    }
}

static void op_mmap(void) {
    long prot = rn(8);
    if (pct(5)) prot |= PICK(PROT_GROWSDOWN, PROT_GROWSUP, 0x100);
    long flags = PICK(MAP_PRIVATE, MAP_PRIVATE, MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE, 0);
    int anon = pct(75);
    if (anon) flags |= MAP_ANONYMOUS;
    if (pct(15)) flags |= MAP_NORESERVE;
    if (pct(5)) flags |= MAP_32BIT;
    if (pct(5)) flags |= MAP_GROWSDOWN;
    if (pct(3)) flags |= MAP_STACK;
    if (pct(2)) flags |= MAP_HUGETLB;
    if (pct(3)) flags |= 0x4000000;      /* an unknown flag */
    size_t len = pct(80) ? PAGE * (1 + rn(pct(80) ? 16 : 2048)) : (size_t)PICK(0, 1, 4095, 4097, (long)1 << 30, (long)1 << 40, (long)1 << 47, -4096, LONG_MAX);
    uintptr_t addr = 0;
    int fixed = 0;
    unsigned k = rn(100);
    if (k < 30) {                       /* MAP_FIXED inside the arena */
        size_t l; addr = own_range(&l);
        if (addr < (uintptr_t)arena || addr >= (uintptr_t)arena + ARENA_SIZE) addr = (uintptr_t)arena + rn(ARENA_SIZE / PAGE) * PAGE;
        if (len > (uintptr_t)arena + ARENA_SIZE - addr || len == 0) len = (uintptr_t)arena + ARENA_SIZE - addr;
        flags |= pct(85) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
        fixed = 1;
    } else if (k < 40) {                /* hints (never fixed) */
        addr = PICK(0x10000000, 0x7f0000000000, 0x7ffffffff000, (long)0xffff800000000000ULL, 0x10345678, 0x800000000000);   /* (never low: 0x100000 must stay unmapped) */
    } else if (k < 45) {                /* bad fixed addresses: must fail, must not clobber anything */
        addr = PICK((long)0xffff800000000000ULL, (long)0xffffffff80000000ULL, 0x800000000000, 0x7ffffffff000, -4096);
        flags |= MAP_FIXED;
        fixed = 2;
    }
    if (len <= (4 << 20) && pct(5)) flags |= PICK(MAP_POPULATE, MAP_LOCKED);
    else if (len > (1 << 20)) flags &= ~(MAP_POPULATE | MAP_LOCKED);
    long fd = anon ? (pct(90) ? -1 : pick_fd()) : pick_fd_kind(K_FILE);
    /* a huge file mapping makes every later read/write/munmap of that file walk it page by page */
    if (skip("huge-file-map") && !anon && len > (64 << 20)) len = 64 << 20;
    long off = pct(85) ? (long)(rn(16) * PAGE) : PICK(1, -4096, (long)1 << 40, LONG_MAX & ~4095L);
    long r = F(SYS_mmap, addr, len, prot, flags, fd, off);
    if (r < 0 && r > -4096) return;
    if (fixed == 2) {                   /* e.g. the page at 0x7ffffffff000, above Linux's last user page */
        anomaly(0x40000, "mmap MAP_FIXED at a kernel/non-canonical address succeeded");
        SC(SYS_munmap, r, len);         /* keep the bad pointers bad: garbage there would be read as sigactions */
        return;
    }
    if ((uintptr_t)r >= 0x800000000000ULL) { anomaly(0x40002, "mmap returned a kernel/non-canonical address"); return; }
    if ((uintptr_t)r + len > 0x7ffffffff000ULL) {   /* Linux's last user page ends there (TASK_SIZE) */
        anomaly(0x40003, "mmap placed a mapping above 0x7ffffffff000");
        SC(SYS_munmap, r, len);
        return;
    }
    if (fixed && (uintptr_t)r != addr && !(flags & MAP_FIXED_NOREPLACE)) anomaly(0x40001, "mmap MAP_FIXED returned another address");
    add_map((uintptr_t)r, len);
}

static void op_munmap(void) {
    if (pct(20)) {                      /* bad ranges */
        uintptr_t a = PICK((long)0xffff800000000000ULL, 0x800000000000, 0x7ffffffff000, 4097, 0, -4096);
        size_t len = PICK(0, 4096, 1 << 20, (long)1 << 47, -4096);
        /* a user start with an end past the user half must fail (EINVAL), not unmap everything */
        if (skip("munmap-past-end") && a < 0x800000000000ULL && a + len > 0x7ffffffff000ULL) len = 4096;
        F(SYS_munmap, a, len);
        return;
    }
    size_t len; uintptr_t a = own_range(&len);
    if (pct(10)) len = PICK(0, 1, 4095);
    if (F(SYS_munmap, a, len) == 0) forget_range(a, len);
}

static void op_mprotect(void) {
    long prot = rn(8);
    if (pct(5)) prot |= PICK(PROT_GROWSDOWN, PROT_GROWSUP, 0x100, 0x8 /*PROT_SEM*/);
    if (pct(15)) { F(SYS_mprotect, PICK((long)0xffff800000000000ULL, 0x800000000000, 1, 4097, 0), PICK(0, 4096, (long)1 << 47), prot); return; }
    size_t len; uintptr_t a = own_range(&len);
    if (pct(5)) a += PICK(1, 2048);
    F(SYS_mprotect, a, len, prot);
}

static void op_madvise(void) {
    size_t len; uintptr_t a;
    long adv = PICK(MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE, MADV_REMOVE,
                    MADV_DONTFORK, MADV_DOFORK, MADV_MERGEABLE, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP,
                    MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK, 20 /*COLD*/, 21 /*PAGEOUT*/, 22, 23 /*POPULATE*/, 5, 7, 999, -1);
    int harmless = adv >= 0 && adv <= MADV_WILLNEED;
    if (harmless && pct(30)) {          /* harmless advice may go anywhere, even our code and stack */
        a = PICK(0x400000, 0x10000, (long)0xffff800000000000ULL, 0x7ff000000000) ; len = PICK(4096, 1 << 20, (long)1 << 40);
        if (pct(30)) a = (uintptr_t)&len & ~(PAGE - 1);
    } else a = own_range(&len);
    if ((adv == 22 || adv == 23) && len > (1 << 20)) len = 1 << 20;
    if (pct(5)) a |= 1;
    F(SYS_madvise, a, len, adv);
}

static void op_brk(void) {
    uintptr_t want;
    switch (rn(6)) {
    case 0: want = 0; break;
    case 1: want = PICK(1, (long)0xffff800000000000ULL, 0x7ffffffff000, 0x800000000000, -1); break;
    case 2: want = brk0 + rn(4096); break;
    default: want = brk0 + rn(pct(70) ? (64 << 10) : (16 << 20));
    }
    long r = F(SYS_brk, want);
    if ((uintptr_t)r >= brk0 && (uintptr_t)r < brk0 + (64UL << 20)) brkcur = (uintptr_t)r;
    else anomaly(0x50000, "brk returned a value outside [initial break, +64 MiB)");
}

static void op_mremap(void) {
    size_t len; uintptr_t a = own_range(&len);
    /* old_size never beyond the own range: shrinking unmaps [addr+new, addr+old), whatever lives there */
    size_t olen = pct(80) ? len : (size_t)PICK(0, 1, 4096);
    if (olen > len) olen = len;
    size_t nlen = pct(80) ? PAGE * (1 + rn(512)) : (size_t)PICK(0, 1, (long)1 << 40, (long)1 << 47, -4096);
    long flags = PICK(0, MREMAP_MAYMOVE, MREMAP_MAYMOVE, MREMAP_MAYMOVE | MREMAP_FIXED, MREMAP_FIXED, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0x100);
    uintptr_t na = 0;
    if (flags & MREMAP_FIXED) {
        na = (uintptr_t)arena + rn(ARENA_SIZE / PAGE) * PAGE;
        if (nlen > (uintptr_t)arena + ARENA_SIZE - na) nlen = (uintptr_t)arena + ARENA_SIZE - na;
        if (pct(10)) na = PICK((long)0xffff800000000000ULL, 0x800000000000, 1);
    }
    if (pct(10)) { a = PICK((long)0xffff800000000000ULL, 0x800000000000, 4097, 0x7ffffffff000); olen = PICK(4096, (long)1 << 40, -4096); }
    /* growing a shared file mapping to a TiB has the same effect as mapping it that big */
    if (skip("huge-file-map") && nlen > (64 << 20)) nlen = 64 << 20;
    long r = F(SYS_mremap, a, olen, nlen, flags, na);
    if (r < 0 && r > -4096) return;
    if ((uintptr_t)r >= 0x800000000000ULL) { anomaly(0x50001, "mremap returned a kernel/non-canonical address"); return; }
    if ((uintptr_t)r + nlen > 0x7ffffffff000ULL) {
        anomaly(0x50002, "mremap placed a mapping above 0x7ffffffff000");
        SC(SYS_munmap, r, nlen);
        return;
    }
    if ((uintptr_t)r != a) forget_range(a, olen);
    add_map((uintptr_t)r, nlen);
}

static void op_memmisc(void) {
    size_t len; uintptr_t a = own_range(&len);
    if (pct(10)) a = bad_ptr();
    switch (rn(5)) {
    case 0:   /* msync walks its whole range page by page: a TiB takes 11 s */
        if (skip("msync-huge") && len > (256 << 20)) len = 256 << 20;
        F(SYS_msync, a, len, PICK(MS_ASYNC, MS_SYNC, MS_INVALIDATE, MS_ASYNC | MS_SYNC, 0, 64)); break;
    case 1: {
        if (len > (64 << 20)) len = 64 << 20;
        uintptr_t vec = pct(80) ? (uintptr_t)S.scratch : bad_ptr();
        if (len / PAGE > sizeof S.scratch) len = sizeof S.scratch * PAGE;
        F(SYS_mincore, a, len, vec); break; }
    case 2: if (len > (1 << 20)) len = 1 << 20; F(SYS_mlock, a, len); break;
    case 3: F(SYS_munlock, a, len); break;
    default: if (len > (1 << 20)) len = 1 << 20; F(SYS_mlock2, a, len, PICK(0, 1, 2, 99)); break;
    }
}

/* Addresses that must fault when touched from user mode. */
static uintptr_t must_fault(int i) {
    switch (i) {
    case 0: return 0;
    case 1: return 0x100000;
    case 2: return 0x1ff000;
    case 3: return 0xffff800000000000ULL;
    case 4: return 0xffff800000100000ULL;
    case 5: return 0xffffffff80000000ULL;
    case 6: return 0x800000000000ULL;
    case 7: return 0xfffffffffffff000ULL;
    case 8: return (uintptr_t)arena + ARENA_SIZE + rn(ARENA_GUARD / PAGE) * PAGE;
    default: return (uintptr_t)strpage + PAGE;
    }
}
static const char *mf_name[] = { "0", "0x100000", "0x1ff000", "0xffff800000000000", "0xffff800000100000",
                                 "0xffffffff80000000", "0x800000000000", "0xfffffffffffff000", "the arena guard", "a PROT_NONE page" };

static void op_touch(void) {
    unsigned k = rn(100);
    if (k < 20) {                       /* must fault: reads, writes, execution */
        int i = rn(10);
        uintptr_t a = must_fault(i);
        long before = faults;
        int kind = rn(3);
        static volatile int sink __attribute__((unused));
        calls++;
        if (verbose) trace("touch %s kind %d\n", mf_name[i], kind);
        if (kind == 0) sink = *(volatile unsigned char *)a;
        else if (kind == 1) *(volatile unsigned char *)a = 1;
        else ((void (*)(void))a)();
        if (faults == before)
            anomaly(0x60000 + i * 4 + kind, "%s at %s did not fault", kind == 0 ? "a read" : kind == 1 ? "a write" : "a call", mf_name[i]);
        return;
    }
    size_t len; uintptr_t a = own_range(&len);
    int n = 1 + rn(16);
    calls++;
    for (int i = 0; i < n && len; i++) {
        volatile unsigned char *p = (volatile unsigned char *)(a + rn(len < (64 << 20) ? len : (64 << 20)));
        if (pct(50)) (void)*p; else *p = (unsigned char)rnd();
    }
}

static void op_poll(void) {
    struct pollfd *pf = (struct pollfd *)S.in;
    int n = rn(9);
    for (int i = 0; i < n; i++) { pf[i].fd = pct(90) ? pick_fd() : (int)PICK(-1, 0, 1, 2); pf[i].events = rnd() & 0xffff; pf[i].revents = 0; }
    long cnt = pct(90) ? n : PICK(1 << 20, -1, 100000, 200);
    uintptr_t p = inp(pf);
    if (cnt > 9 && p == (uintptr_t)pf && pct(50)) p = (uintptr_t)arena + rn(ARENA_SIZE);
    struct timespec *ts = (struct timespec *)(S.in + 8192);
    ts->tv_sec = 0; ts->tv_nsec = pct(90) ? (long)rn(2000000) : PICK(1000000000, -1);
    uint64_t *mask = (uint64_t *)(S.in + 8256); *mask = harmless_mask();
    if (pct(60)) F(SYS_poll, p, cnt, PICK(0, 0, 1, 2));
    else F(SYS_ppoll, p, cnt, pct(90) ? (uintptr_t)ts : bad_nz(), pct(50) ? 0 : inp(mask), PICK(8, 8, 8, 4, 128));
}

static void op_select(void) {
    long nfds = pct(90) ? (long)rn(MAXFD + 2) : PICK(-1, 1 << 20, 1025, 4096);
    fd_set *s[3];
    for (int i = 0; i < 3; i++) {
        s[i] = (fd_set *)(S.in + 1024 + i * 1024);
        memset(s[i], 0, 128);
        for (int j = 0; j < 4; j++) { long fd = pct(80) ? pick_fd() : (long)rn(3); if (fd >= 0 && fd < 1024) FD_SET(fd, s[i]); }
    }
    uintptr_t a[3];
    for (int i = 0; i < 3; i++) a[i] = pct(70) ? (uintptr_t)s[i] : pct(50) ? 0 : bad_ptr();
    if (pct(60)) {
        struct timeval *tv = (struct timeval *)(S.in + 8192);
        tv->tv_sec = 0; tv->tv_usec = pct(90) ? (long)rn(2000) : PICK(1000000, -1);
        F(SYS_select, nfds, a[0], a[1], a[2], pct(90) ? (uintptr_t)tv : bad_nz());
    } else {
        struct timespec *ts = (struct timespec *)(S.in + 8192);
        ts->tv_sec = 0; ts->tv_nsec = pct(90) ? (long)rn(2000000) : PICK(1000000000, -1);
        uint64_t *mask = (uint64_t *)(S.in + 8256); *mask = harmless_mask();
        long *sm = (long *)(S.in + 8320); sm[0] = pct(50) ? 0 : (long)inp(mask); sm[1] = PICK(8, 8, 4);
        F(SYS_pselect6, nfds, a[0], a[1], a[2], pct(90) ? (uintptr_t)ts : bad_nz(), pct(30) ? 0 : inp(sm));
    }
}

static void op_epoll(void) {
    long r;
    switch (rn(5)) {
    case 0:
        if (open_count() > 40) return;
        r = pct(30) ? F(SYS_epoll_create, PICK(1, 1, 0, -1, 1000)) : F(SYS_epoll_create1, PICK(0, 0, EPOLL_CLOEXEC, 1));
        got_fd(r, K_EPOLL); break;
    case 1: case 2: {
        struct epoll_event *ev = (struct epoll_event *)S.in;
        ev->events = PICK(EPOLLIN, EPOLLOUT, EPOLLIN | EPOLLOUT, EPOLLIN | EPOLLET, EPOLLONESHOT | EPOLLIN, EPOLLEXCLUSIVE | EPOLLIN,
                          EPOLLRDHUP | EPOLLPRI, EPOLLWAKEUP, 0, (long)0xffffffff);
        ev->data.u64 = rnd();
        /* (drawn in this order so seeds replay as before this code existed) */
        uintptr_t evp = inp(ev);
        int tfd = pick_fd();
        long op = PICK(EPOLL_CTL_ADD, EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL, 0, 99);
        int epfd = pick_fd_kind(K_EPOLL);
        struct epoll_event probe;
        /* an epoll set inside another can close a cycle (A in B in A): Linux refuses with ELOOP */
        if (skip("epoll-loop") && SC(SYS_epoll_wait, tfd, &probe, 1, 0) >= 0) return;
        F(SYS_epoll_ctl, epfd, op, tfd, evp);
        break; }
    default: {
        long maxev; uintptr_t p;
        if (pct(70)) { maxev = 1 + rn(64); p = (uintptr_t)S.scratch + rn(1024); }
        else if (pct(50)) { maxev = PICK(0, -1, 1 << 20, INT_MAX, 1000); p = (uintptr_t)arena + rn(ARENA_SIZE); }
        else { maxev = 1 + rn(8); p = bad_ptr(); }
        uint64_t *mask = (uint64_t *)(S.in + 8256); *mask = harmless_mask();
        if (pct(60)) F(SYS_epoll_wait, pick_fd_kind(K_EPOLL), p, maxev, PICK(0, 0, 1, 2));
        else F(SYS_epoll_pwait, pick_fd_kind(K_EPOLL), p, maxev, PICK(0, 1), pct(50) ? 0 : inp(mask), PICK(8, 8, 4));
    }
    }
}

static void op_eventfd(void) {
    if (open_count() > 40) return;
    long r;
    if (pct(30)) { r = F(SYS_eventfd, PICK(0, 1, 0xffffffff, -1)); make_nonblock(r); }
    else {
        long fl = pct(90) ? (EFD_NONBLOCK | (pct(30) ? EFD_CLOEXEC : 0) | (pct(30) ? EFD_SEMAPHORE : 0)) : PICK(0x12345, -1, 0);
        r = F(SYS_eventfd2, PICK(0, 1, 5, 0xffffffff), fl);
        if (!(fl & EFD_NONBLOCK)) make_nonblock(r);
    }
    got_fd(r, K_EVENT);
}

static void op_socket(void) {
    long r;
    switch (rn(8)) {
    case 0: case 1: {
        if (open_count() > 40) return;
        int *sv = (int *)(S.scratch + rn(1024) * 4);
        int valid = pct(85);
        long type = PICK(SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW, 99);
        type |= SOCK_NONBLOCK | (pct(30) ? SOCK_CLOEXEC : 0);
        r = F(SYS_socketpair, PICK(AF_UNIX, AF_UNIX, AF_UNIX, AF_INET, 999, -1), type, PICK(0, 0, 0, 1, 99), valid ? (uintptr_t)sv : bad_ptr());
        if (r == 0 && !valid) anomaly(0x30002, "socketpair with a bad pointer succeeded");
        if (r == 0 && valid) { make_nonblock(sv[0]); make_nonblock(sv[1]); got_fd(sv[0], K_SOCK); got_fd(sv[1], K_SOCK); }
        break; }
    case 2: F(SYS_shutdown, pick_fd_kind(K_SOCK), PICK(SHUT_RD, SHUT_WR, SHUT_RDWR, 5, -1)); break;
    case 3: {
        size_t len; uintptr_t p = buf(&len);
        len = cap_valid(p, len, 256 << 10);
        if (pct(50)) F(SYS_sendto, pick_fd_kind(K_SOCK), p, len, MSG_DONTWAIT | (pct(20) ? MSG_OOB : 0) | (pct(20) ? MSG_NOSIGNAL : 0), 0, 0);
        else F(SYS_recvfrom, pick_fd_kind(K_SOCK), p, len, MSG_DONTWAIT | (pct(20) ? MSG_PEEK : 0) | (pct(10) ? MSG_TRUNC : 0), pct(80) ? 0 : outp(), pct(80) ? 0 : outp());
        break; }
    case 4: case 5: {
        struct msghdr *m = (struct msghdr *)S.in;
        struct iovec *iov = (struct iovec *)(S.in + 256);
        int n = rn(4);
        size_t len;
        for (int i = 0; i < n; i++) { iov[i].iov_base = (void *)buf(&len); iov[i].iov_len = cap_valid((uintptr_t)iov[i].iov_base, len, 64 << 10); }
        memset(m, 0, sizeof *m);
        m->msg_iov = pct(90) ? iov : (struct iovec *)bad_ptr();
        m->msg_iovlen = pct(90) ? n : PICK(1025, -1);
        int send = pct(50);
        if (pct(30)) {
            char *c = S.in + 1024;
            if (send && pct(70)) {              /* SCM_RIGHTS with some of our descriptors */
                struct cmsghdr *cm = (struct cmsghdr *)c;
                int k = 1 + rn(3);
                cm->cmsg_len = CMSG_LEN(k * sizeof(int)); cm->cmsg_level = SOL_SOCKET; cm->cmsg_type = PICK(SCM_RIGHTS, SCM_RIGHTS, SCM_CREDENTIALS, 77);
                for (int i = 0; i < k; i++) ((int *)CMSG_DATA(cm))[i] = pct(90) ? pick_fd() : -1;
                if (pct(10)) cm->cmsg_len = PICK(0, 1, 100000);
                m->msg_control = c; m->msg_controllen = CMSG_SPACE(k * sizeof(int));
            } else { m->msg_control = pct(80) ? (void *)(S.scratch + 4096) : (void *)bad_ptr(); m->msg_controllen = PICK(0, 16, 64, 1024, 1 << 20); }
        }
        if (send) F(SYS_sendmsg, pick_fd_kind(K_SOCK), inp(m), MSG_DONTWAIT | (pct(30) ? MSG_NOSIGNAL : 0));
        else {
            r = F(SYS_recvmsg, pick_fd_kind(K_SOCK), inp(m), MSG_DONTWAIT | (pct(20) ? MSG_PEEK : 0) | (pct(10) ? MSG_CMSG_CLOEXEC : 0));
            if (r >= 0) SC(SYS_close_range, MAXFD, ~0U, 0);   /* descriptors received past our range */
            /* received descriptors inside our range: mark them as "something" */
            for (int i = 3; i < MAXFD; i++) if (!fdk[i] && SC(SYS_fcntl, i, F_GETFD) >= 0) fdk[i] = K_OTHER;
        }
        break; }
    case 6: {
        uint32_t *l = (uint32_t *)(S.in + 512); *l = PICK(0, 4, 16, 128, 0xffffffff);
        F(PICK(SYS_getsockname, SYS_getpeername), pick_fd_kind(K_SOCK), outp(), inp(l));
        break; }
    default: {
        uint32_t *l = (uint32_t *)(S.in + 512); *l = PICK(0, 4, 8, 0xffffffff);
        F(SYS_getsockopt, pick_fd_kind(K_SOCK), PICK(SOL_SOCKET, SOL_SOCKET, 0, 99), PICK(SO_TYPE, SO_ERROR, SO_RCVBUF, SO_SNDBUF, SO_PEERCRED, SO_DOMAIN, 9999), outp(), inp(l));
    }
    }
}

static void op_getdents(void) {
    size_t len; uintptr_t p = buf(&len);
    if (pct(20)) { len = PICK(0, 1, 23, 24, 0x7fffffff, -1); if (len > 24) p = (uintptr_t)arena + rn(ARENA_SIZE); }
    F(SYS_getdents64, pick_fd_kind(K_DIR), p, len);
}

static void op_stat(void) {
    switch (rn(6)) {
    case 0: F(SYS_stat, pick_path(), outp()); break;
    case 1: F(SYS_lstat, pick_path(), outp()); break;
    case 2: F(SYS_fstat, pick_fd(), outp()); break;
    case 3: F(SYS_newfstatat, pct(70) ? AT_FDCWD : pick_fd_kind(K_DIR), pct(70) ? pick_path() : (uintptr_t)rel_name(), outp(),
              PICK(0, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, AT_NO_AUTOMOUNT, 0x12345)); break;
    case 4: F(SYS_statx, pct(70) ? AT_FDCWD : pick_fd(), pct(80) ? pick_path() : (uintptr_t)"", PICK(0, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, 0x6000, 0x80000000L),
              PICK(0x7ff, 0xfff, 0, -1, 0x80000000L), outp()); break;
    default: if (pct(40)) F(SYS_statfs, pick_path(), outp()); else if (pct(50)) F(SYS_access, pick_path(), PICK(0, 4, 2, 1, 7, 99)); else F(SYS_fstatfs, pick_fd(), outp()); break;
    }
}

static void op_fs(void) {
    size_t len;
    switch (rn(14)) {
    case 0: F(SYS_mkdir, own_path(), PICK(0755, 0, 07777)); break;
    case 1: F(SYS_rmdir, own_path()); break;
    case 2: F(SYS_unlink, own_path()); break;
    case 3: F(SYS_rename, own_path(), own_path()); break;
    case 4: F(SYS_renameat2, AT_FDCWD, own_path(), AT_FDCWD, own_path(), PICK(0, 1 /*NOREPLACE*/, 2 /*EXCHANGE*/, 3, 4 /*WHITEOUT*/)); break;
    case 5: F(SYS_link, own_path(), own_path()); break;
    case 6: F(SYS_symlink, pct(70) ? (uintptr_t)PICK((long)"f1", (long)"/nonexistent", (long)"l0", (long)"l1", (long)"..", (long)"d0") : pick_path(), own_path()); break;
    case 7: { uintptr_t p = buf(&len); F(SYS_readlink, pick_path(), p, pct(80) ? len : (size_t)PICK(0, -1, 0x7fffffff)); break; }
    case 8: F(SYS_truncate, own_path(), PICK(0, 0, 1, 4096, 1 << 20, -1, (long)1 << 40)); break;
    case 9: F(PICK(SYS_chmod, SYS_chmod), own_path(), PICK(0644, 0, 0777, 04755)); break;
    case 10: F(SYS_fsync, pick_fd()); break;     /* (no fchmod: a descriptor may be /dev/null or /, natively as root) */
    case 11: { uintptr_t p = buf(&len); F(SYS_getcwd, p, pct(80) ? len : (size_t)PICK(0, 1, -1)); break; }
    case 12: if (pct(50)) F(SYS_chdir, PICK((long)"/", (long)"/tmp", (long)"/proc", (long)"/nonexistent", 0, (long)0xffff800000000000ULL, (long)dir));
             else F(SYS_fchdir, pick_fd_kind(K_DIR));
             break;
    default: {
        struct timespec *t = (struct timespec *)S.in;
        t[0].tv_sec = rn(1 << 30); t[0].tv_nsec = PICK(0, UTIME_NOW, UTIME_OMIT, 1000000000, -1);
        t[1].tv_sec = rn(1 << 30); t[1].tv_nsec = PICK(0, UTIME_NOW, UTIME_OMIT, 5);
        F(SYS_utimensat, AT_FDCWD, own_path(), pct(30) ? 0 : inp(t), PICK(0, AT_SYMLINK_NOFOLLOW, 0x5555));
    }
    }
}

static void op_sendfile(void) {
    long *off = (long *)S.in; *off = PICK(0, 1, 4096, -1, (long)1 << 40);
    size_t cnt = pct(80) ? rn(1 << 20) : (size_t)PICK(0, -1, 0x7fffffff);
    if (cnt > (1 << 20) && pct(90)) cnt = 1 << 20;
    int ofd = pick_fd(), ifd = pick_fd_kind(K_FILE);
    check_nonblock(ofd); check_nonblock(ifd);
    if (pct(60)) F(SYS_sendfile, ofd, ifd, pct(50) ? 0 : inp(off), cnt);
    else F(SYS_copy_file_range, ifd, pct(50) ? 0 : inp(off), ofd, 0, cnt, PICK(0, 0, 1));
}

static void op_kill(void) {
    long sig;
    pid_t tgt;
    unsigned k = rn(100);
    if (k < 50 || !nkids) { tgt = mypid; sig = pct(90) ? harmless_sigs[rn(6)] : PICK(0, 0, 65, -1, 1000); }
    else if (k < 85) { tgt = kids[rn(nkids)]; sig = pct(90) ? ignore_sigs[rn(4)] : 0; }   /* pids may be reused natively: only ignored signals */
    else { tgt = PICK(0x7ffffff0, -0x7ffffff0, 0); sig = 0; }
    switch (rn(4)) {
    case 0: case 1: F(SYS_kill, tgt, sig); break;
    case 2: if (tgt == mypid) F(SYS_tgkill, mypid, pct(90) ? SC(SYS_gettid) : 0x7ffffff0, sig); else F(SYS_kill, tgt, sig); break;
    default: if (tgt == mypid) F(SYS_tkill, SC(SYS_gettid), sig); else F(SYS_kill, tgt, sig); break;
    }
}

static void op_sigaction(void) {
    struct ksigaction *act = (struct ksigaction *)S.in;
    int sig;
    if (pct(90)) {
        sig = harmless_sigs[rn(6)];
        int ign = sig != SIGUSR1 && sig != SIGUSR2;
        act->handler = ign ? PICK((long)on_sig, (long)SIG_IGN, (long)SIG_DFL) : PICK((long)on_sig, (long)SIG_IGN);
        act->flags = SA_RESTORER;
        static const unsigned long fl[] = { SA_RESTART, SA_NODEFER, SA_SIGINFO, SA_NOCLDSTOP, SA_NOCLDWAIT, SA_ONSTACK, SA_RESETHAND };
        for (int i = 0; i < 7; i++) if (pct(20) && (ign || fl[i] != SA_RESETHAND)) act->flags |= fl[i];
        act->restorer = (uintptr_t)sfz_restorer;
        act->mask = harmless_mask();
    } else {
        sig = PICK(0, 65, 200, -1, SIGKILL, SIGSTOP);
        act->handler = (uintptr_t)on_sig; act->flags = SA_RESTORER; act->restorer = (uintptr_t)sfz_restorer; act->mask = 0;
    }
    F(SYS_rt_sigaction, sig, pct(20) ? 0 : inp(act), pct(50) ? 0 : outp(), PICK(8, 8, 8, 8, 4, 16));
}

static void op_sigmask(void) {
    uint64_t *set = (uint64_t *)S.in; *set = harmless_mask();
    switch (rn(4)) {
    case 0: case 1: F(SYS_rt_sigprocmask, PICK(SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK, SIG_UNBLOCK, 3, -1), pct(20) ? 0 : inp(set), pct(50) ? 0 : outp(), PICK(8, 8, 8, 4, 16)); break;
    case 2: F(SYS_rt_sigpending, outp(), PICK(8, 8, 4, 16)); break;
    default: {                          /* sigaltstack: only queries, disabling and bad pointers (a random stack would be fatal) */
        stack_t *ss = (stack_t *)(S.in + 64);
        ss->ss_sp = 0; ss->ss_size = 0; ss->ss_flags = SS_DISABLE;
        F(SYS_sigaltstack, pct(50) ? 0 : pct(60) ? (uintptr_t)ss : bad_ptr(), outp());
    }
    }
}

static void loop(long count);
static long forks;
static void child_body(void) {
    depth = 1; nkids = 0;
    mypid = SC(SYS_getpid);
    rng ^= 0x5bd1e995 * (uint64_t)forks + 0x1234;      /* not the pid: the same children natively and in the guest */
    loop(1 + rn(20));
    SC(SYS_exit_group, 0);
}

static void reap(pid_t p) {
    for (int i = 0; i < nkids; i++) if (kids[i] == p) { kids[i] = kids[--nkids]; return; }
}
static void add_kid(pid_t p) { if (p > 0 && nkids < MAXKIDS) kids[nkids++] = p; }

static void op_fork(void) {
    if (depth) { F(SYS_getppid); return; }
    if (nkids >= MAXKIDS) {             /* make room: wait for one (children always end soon) */
        long r = SC(SYS_wait4, -1, 0, 0, 0);
        if (r > 0) reap(r); else nkids = 0;
        return;
    }
    long r;
    forks++;
    switch (rn(4)) {
    case 0: r = F(SYS_fork); if (r == 0) child_body(); break;
    case 1: r = F(SYS_clone, SIGCHLD, 0, 0, 0, 0); if (r == 0) child_body(); break;
    case 2: calls++; r = fork(); if (r == 0) child_body(); break;
    default: calls++; r = vfork(); if (r == 0) _exit(3); break;
    }
    add_kid(r);
}

static void op_wait(void) {
    int *st = (int *)S.in;
    long pid = nkids && pct(50) ? kids[rn(nkids)] : PICK(-1, -1, 0, 0x7ffffff0, -0x7ffffff0);
    long r;
    if (pct(70)) {
        long opt = PICK(0, WNOHANG, WNOHANG, WNOHANG | WUNTRACED, __WALL, __WCLONE | WNOHANG, WNOHANG | WCONTINUED, 0x12345 | WNOHANG);
        r = F(SYS_wait4, pid, pct(60) ? (uintptr_t)st : pct(50) ? 0 : bad_ptr(), opt, pct(70) ? 0 : outp());
        if (r > 0) reap(r);
    } else {
        siginfo_t *si = (siginfo_t *)(S.in + 64);
        long opt = PICK(WEXITED, WEXITED | WNOHANG, WEXITED | WNOWAIT | WNOHANG, WSTOPPED | WNOHANG, WEXITED | WSTOPPED | WCONTINUED, 0, 0x12345 | WNOHANG);
        long idtype = PICK(P_ALL, P_PID, P_PGID, 99);
        r = F(SYS_waitid, idtype, idtype == P_PID ? pid : 0, pct(80) ? (uintptr_t)si : pct(50) ? 0 : bad_ptr(), opt, pct(80) ? 0 : outp());
        if (r == 0 && !(opt & WNOWAIT) && pct(80) && si->si_pid > 0) reap(si->si_pid);
    }
    if (r == -ECHILD) { if (pid == -1 || pid == 0) nkids = 0; else reap(pid); }
}

static void op_sleep(void) {
    struct timespec *ts = (struct timespec *)S.in;
    ts->tv_sec = 0; ts->tv_nsec = pct(90) ? (long)rn(1000000) : PICK(1000000000, -1, 999999999);
    if (ts->tv_nsec == 999999999 && pct(90)) ts->tv_nsec = 0;
    if (pct(3)) { ts->tv_sec = -1; ts->tv_nsec = 0; }
    if (pct(50)) F(SYS_nanosleep, pct(90) ? (uintptr_t)ts : bad_nz(), pct(50) ? 0 : outp());
    else {
        /* never CLOCK_PROCESS_CPUTIME_ID: a sleeping process's CPU clock does not advance (Linux hangs too);
         * the calling thread's CPU clock must be refused (EINVAL) */
        long clk = PICK(CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_THREAD_CPUTIME_ID, 99, -1, CLOCK_TAI);
        long fl = PICK(0, TIMER_ABSTIME, 0x100);
        if (fl == TIMER_ABSTIME) ts->tv_nsec = rn(1000000);          /* absolute and in the past: returns at once */
        F(SYS_clock_nanosleep, clk, fl, pct(90) ? (uintptr_t)ts : bad_nz(), pct(50) ? 0 : outp());
    }
}

static void op_futex(void) {
    uint32_t *w = &S.futex[rn(16)];
    *w = rn(4);
    uintptr_t ua = pct(85) ? (uintptr_t)w : pct(50) ? (uintptr_t)w + 1 : bad_ptr();
    if (pct(5) && nmaps) ua = maps[rn(nmaps)].addr;     /* a shared/private mapping word (value unknown) */
    struct timespec *ts = (struct timespec *)S.in;
    ts->tv_sec = 0; ts->tv_nsec = pct(90) ? (long)rn(1000000) : PICK(1000000000, -1);
    long priv = pct(50) ? FUTEX_PRIVATE_FLAG : 0;
    switch (rn(6)) {
    case 0: case 1: {                   /* WAIT: a timeout always, or a value that cannot match */
        int matching = pct(60);
        uintptr_t t = pct(90) ? (uintptr_t)ts : bad_nz();
        if (!matching && pct(30)) t = 0;
        if (ua != (uintptr_t)w && t == 0) t = (uintptr_t)ts;
        F(SYS_futex, ua, FUTEX_WAIT | priv | (pct(10) ? FUTEX_CLOCK_REALTIME : 0), matching ? *w : *w + 1, t, 0, 0);
        break; }
    case 2: {                           /* WAIT_BITSET: absolute timeout in the past */
        F(SYS_futex, ua, FUTEX_WAIT_BITSET | priv | (pct(30) ? FUTEX_CLOCK_REALTIME : 0), *w, pct(90) ? (uintptr_t)ts : bad_nz(), 0, PICK(-1, 1, 0));
        break; }
    case 3: F(SYS_futex, ua, PICK(FUTEX_WAKE, FUTEX_WAKE_BITSET) | priv, PICK(0, 1, INT_MAX, -1), 0, 0, PICK(-1, 0, 1)); break;
    case 4: F(SYS_futex, ua, PICK(FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP) | priv, PICK(0, 1, 5), PICK(0, 1, INT_MAX),
              pct(85) ? (uintptr_t)&S.futex[rn(16)] : bad_ptr(), PICK(0, 1, 2, (long)FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0))); break;
    default: F(SYS_futex, ua, PICK(14, 100, 128 | 77, 0x7e), 0, 0, 0, 0); break;   /* unknown operations (13 is LOCK_PI2: blocks) */
    }
}

static void op_misc(void) {
    size_t len; uintptr_t p;
    switch (rn(22)) {
    case 0: F(SYS_getpid); break;
    case 1: F(SYS_uname, outp()); break;
    case 2: F(SYS_sysinfo, outp()); break;
    case 3: F(SYS_times, outp()); break;
    case 4: F(SYS_getrusage, PICK(RUSAGE_SELF, RUSAGE_CHILDREN, RUSAGE_THREAD, 7, -3), outp()); break;
    case 5: F(SYS_gettimeofday, outp(), pct(70) ? 0 : outp()); break;
    case 6: F(SYS_clock_gettime, PICK(0, 1, 2, 3, 4, 5, 6, 7, 11, 99, -1, -7), outp()); break;
    case 7: F(SYS_clock_getres, PICK(0, 1, 2, 7, 99, -1), outp()); break;
    case 8: p = buf(&len); F(SYS_getrandom, p, len, PICK(0, 1 /*NONBLOCK*/, 2 /*RANDOM*/, 3, 4 /*INSECURE*/, 0x80)); break;
    case 9: p = buf(&len); F(SYS_sched_getaffinity, PICK(0, 0, 0x7ffffff0), pct(80) ? len : (size_t)PICK(0, 1, 7, -1), p); break;
    case 10: F(SYS_getcpu, outp(), outp(), 0); break;
    case 11: F(SYS_umask, PICK(022, 0, 077, 0777, -1)); break;
    case 12: F(SYS_getrlimit, PICK(RLIMIT_NOFILE, RLIMIT_STACK, RLIMIT_AS, 15, 16, 99, -1), outp()); break;
    case 13: F(SYS_prlimit64, PICK(0, 0, 0x7ffffff0), PICK(RLIMIT_NOFILE, RLIMIT_CORE, 99), 0, outp()); break;   /* never sets */
    case 14: F(SYS_sched_yield); break;
    case 15: F(PICK(SYS_getppid, SYS_getpgrp, SYS_gettid, SYS_getuid, SYS_geteuid)); break;
    case 16: F(PICK(SYS_getpgid, SYS_getsid), PICK(0, 0x7ffffff0, -1)); break;
    case 17: F(SYS_arch_prctl, PICK(0x1003 /*GET_FS*/, 0x1004 /*GET_GS*/, 0x3001 /*GET_CPUID*/, 0x9999), outp()); break;
    case 18: F(SYS_prctl, PICK(16 /*GET_NAME*/, 15 /*SET_NAME*/, 3 /*GET_DUMPABLE*/, 23 /*CAPBSET_READ*/, 999), pct(50) ? (uintptr_t)S.scratch : outp(), 0, 0, 0); break;
    case 19: F(340 + rn(80)); break;    /* unassigned numbers: ENOSYS (335/336 are uretprobe/uprobe since Linux 6.11: SIGILL) */
    case 20: F(PICK(1000, 4096, 0x7fffffff, -1, 0x40000000 | SYS_getpid, 512)); break;
    default: F(SYS_membarrier, PICK(0, 1, 99), 0, 0); break;
    }
}

/* ---------------------------------------------------------------- the loop */
static const struct { void (*fn)(void); int weight; } ops[] = {
    { op_open, 8 }, { op_close, 5 }, { op_read, 9 }, { op_write, 9 }, { op_lseek, 3 }, { op_pipe, 4 }, { op_dup, 4 },
    { op_fcntl, 5 }, { op_mmap, 7 }, { op_munmap, 4 }, { op_mprotect, 4 }, { op_madvise, 3 }, { op_brk, 3 }, { op_mremap, 3 },
    { op_memmisc, 2 }, { op_touch, 5 }, { op_poll, 4 }, { op_select, 3 }, { op_epoll, 5 }, { op_eventfd, 2 }, { op_socket, 6 },
    { op_getdents, 3 }, { op_stat, 5 }, { op_fs, 5 }, { op_sendfile, 2 }, { op_kill, 3 }, { op_sigaction, 3 }, { op_sigmask, 3 },
    { op_fork, 2 }, { op_wait, 2 }, { op_sleep, 2 }, { op_futex, 3 }, { op_misc, 6 },
};

static void loop(long count) {
    static int total;
    if (!total) for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++) total += ops[i].weight;
    static __thread sigjmp_buf *unused_ __attribute__((unused));
    sigjmp_buf jb;
    volatile long done = 0;
    sigsetjmp(jb, 0);                   /* a fault lands here (SA_NODEFER: nothing to unblock) */
    curjmp = &jb;
    while (done < count) {
        done++;
        if ((done & 63) == 0) SC(SYS_close_range, MAXFD, ~0U, 0);    /* descriptors received past our range */
        int w = rn(total);
        unsigned i = 0;
        while (w >= ops[i].weight) w -= ops[i++].weight;
        ops[i].fn();
    }
}

int main(int argc, char **argv) {
    if (argc < 3) { out("usage: sysfuzz SEED COUNT [-v]\n"); return 2; }
    verbose = argc > 3 && strcmp(argv[3], "-v") == 0;
    skiplist = getenv("SYSFUZZ_SKIP");
    unsigned long long seed = strtoull(argv[1], 0, 0);
    long count = atol(argv[2]);
    rng = seed * 0x2545f4914f6cdd1dULL + 1;
    for (int i = 0; i < 4; i++) rnd();

    SC(SYS_close_range, 3, ~0U, 0);     /* natively: nothing inherited that could block */
    mypid = SC(SYS_getpid);
    brk0 = brkcur = SC(SYS_brk, 0);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault; sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, 0); sigaction(SIGBUS, &sa, 0);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sigaction(SIGUSR1, &sa, 0); sigaction(SIGUSR2, &sa, 0);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, 0); sigaction(SIGXFSZ, &sa, 0);

    arena = (char *)SC(SYS_mmap, 0, ARENA_SIZE + ARENA_GUARD, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    strpage = (char *)SC(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if ((long)arena < 0 && (long)arena > -4096) { out("sysfuzz: cannot map the arena\n"); return 1; }
    if ((long)strpage < 0 && (long)strpage > -4096) { out("sysfuzz: cannot map the string page\n"); return 1; }
    SC(SYS_mprotect, arena, ARENA_SIZE, PROT_READ | PROT_WRITE);
    memset(strpage, 'a', PAGE);
    SC(SYS_mprotect, strpage + PAGE, PAGE, PROT_NONE);
    memset(longpath, 'c', sizeof longpath - 1);
    longpath[0] = '/';
    for (size_t i = 64; i < sizeof longpath - 1; i += 64) longpath[i] = '/';

    snprintf(dir, sizeof dir, "/tmp/sfz.%d", (int)mypid);
    snprintf(longname, sizeof longname, "%s/", dir);
    memset(longname + strlen(longname), 'b', 300);
    if (SC(SYS_mkdir, dir, 0755) == -ENOENT) { SC(SYS_mkdir, "/tmp", 01777); SC(SYS_mkdir, dir, 0755); }
    for (int i = 0; i < 4; i++) { long fd = SC(SYS_open, fname(i), O_RDWR | O_CREAT, 0644); if (fd >= 0) { SC(SYS_write, fd, "hello, fuzz\n", 12); got_fd(fd, K_FILE); } }
    got_fd(SC(SYS_open, dir, O_RDONLY | O_DIRECTORY), K_DIR);

    loop(count);

    /* Children end by themselves; collect them (blocks at most until the last one exits). */
    while (SC(SYS_wait4, -1, 0, 0, 0) > 0) {}
    SC(SYS_chdir, "/");
    SC(SYS_close_range, 3, ~0U, 0);
    static const char *rm[] = { "d0/f0", "d1/f1", "d0/d2", "d1/d2", "d0/f1", "d1/f0" };
    for (unsigned i = 0; i < sizeof rm / sizeof rm[0]; i++) { char p[128]; snprintf(p, sizeof p, "%s/%s", dir, rm[i]); SC(SYS_unlink, p); SC(SYS_rmdir, p); }
    for (int i = 0; i < 12; i++) { SC(SYS_unlink, fname(i)); SC(SYS_rmdir, fname(i)); }
    SC(SYS_rmdir, dir);

    out("sysfuzz: %ld faults caught, %ld anomalies\n", (long)faults, anomalies);
    out("sysfuzz: seed %llu: %ld calls done\n", seed, count);
    return 0;
}
