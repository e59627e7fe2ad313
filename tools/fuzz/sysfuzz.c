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
 *     SYSFUZZ_EXT=0|1             force the extended calls off or on (default: on for seeds >= 500)
 *
 * Seeds >= 500 also draw, on about one iteration in six, from a second table (op_ext): ptrace
 * sessions on its own children, /proc/self/mem and /proc/CHILD/mem, native AIO, futex2, openat2,
 * mseal, cachestat, restart_syscall, mount/umount2 (tmpfs and binds on two directories of its own),
 * file handles, pidfds, sysfs, ustat, acct (into a file of its own), vhangup, set_mempolicy_home_node.
 * It checks that a canary page and a read-only file mapping of the parent never change behind its
 * back and that kernel addresses never read through /proc/PID/mem or PTRACE_PEEKDATA. Seeds below
 * 500 never draw from that table, so their call sequences are what they were before it existed.
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
#include <linux/aio_abi.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/vfs.h>

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
static volatile long jmp_pid;             /* the process whose loop curjmp belongs to */
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
    /* a child made to fault (by its tracer) before its own loop set curjmp: curjmp is still the
     * parent's loop, and jumping there would run a second main process (or a child with main's pid
     * as its own, which then traces and kills main as "itself") */
    if (SC(SYS_getpid) != jmp_pid) for (;;) SC(SYS_exit_group, 0);
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
    for (;;) SC(SYS_exit_group, 0);     /* (again if a tracer made it skip the call) */
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

/* ---------------------------------------------------------------- the extended calls (seeds >= 500) */
/* ptrace, /proc/PID/mem, native AIO, futex2, openat2, mseal, cachestat, restart_syscall, mount,
 * file handles, pidfds (process_madvise/process_mrelease/pidfd_getfd), sysfs, ustat, acct, vhangup,
 * set_mempolicy_home_node. They are drawn from a separate branch of the loop that only runs when
 * `ext` is set (seed >= 500, or SYSFUZZ_EXT=1/0 to force), so the call sequences of the older
 * seeds (and of tools/fuzz/regressions.txt) are exactly what they were. */
static int ext;
enum { K_PIDFD = K_OTHER + 1 };
#define NR_cachestat 451
#define NR_futex_wake 454
#define NR_futex_wait 455
#define NR_futex_requeue 456
#define NR_mseal 462
#define NR_set_mempolicy_home_node 450
#define PT_TRACEME 0
#define PT_PEEKTEXT 1
#define PT_PEEKDATA 2
#define PT_PEEKUSR 3
#define PT_POKEDATA 5
#define PT_POKEUSR 6
#define PT_CONT 7
#define PT_KILL 8
#define PT_SINGLESTEP 9
#define PT_GETREGS 12
#define PT_SETREGS 13
#define PT_GETFPREGS 14
#define PT_SETFPREGS 15
#define PT_ATTACH 16
#define PT_DETACH 17
#define PT_SYSCALL 24
#define PT_SETOPTIONS 0x4200
#define PT_GETEVENTMSG 0x4201
#define PT_GETSIGINFO 0x4202
#define PT_SETSIGINFO 0x4203
#define PT_GETREGSET 0x4204
#define PT_SETREGSET 0x4205
#define PT_SEIZE 0x4206
#define PT_INTERRUPT 0x4207
#define PT_LISTEN 0x4208
#define PT_GETSIGMASK 0x420a
#define PT_SETSIGMASK 0x420b
#define PT_GET_SYSCALL_INFO 0x420e

/* A page the parent fills with a pattern and never changes: children inherit it copy-on-write,
 * the parent pokes their copies (ptrace, /proc/CHILD/mem) and checks its own stays intact. */
static unsigned char canary[PAGE] __attribute__((aligned(4096)));
static unsigned char canary_byte(size_t i) { return (unsigned char)(i * 7 + 3); }
static void check_canary(const char *after) {
    if (depth) return;
    for (size_t i = 0; i < PAGE; i++)
        if (canary[i] != canary_byte(i)) { anomaly(0x70000, "the parent's canary page changed after %s (a write into another process leaked)", after); memset(canary, 0, 0); for (size_t j = 0; j < PAGE; j++) canary[j] = canary_byte(j); return; }
}
/* A file with known content mapped MAP_PRIVATE read-only (writes through /proc/self/mem must copy,
 * never reach the file) and MAP_SHARED read-only (writes through /proc/self/mem must fail). */
#define PM_SIZE (2 * PAGE)
static char pmpath[96], acctpath[96], mnt[2][96];
static unsigned char *pm_priv, *pm_shr, pm_shadow[PM_SIZE];
static unsigned char pm_byte(size_t i) { return (unsigned char)(i * 13 + 1); }
static void check_pm(const char *after) {
    static unsigned char b[PM_SIZE];
    long fd = SC(SYS_open, pmpath, O_RDONLY);
    if (fd < 0) return;
    long n = SC(SYS_pread64, fd, b, PM_SIZE, 0);
    SC(SYS_close, fd);
    for (long i = 0; i < n; i++)
        if (b[i] != pm_byte(i)) { anomaly(0x70001, "a write through /proc/self/mem to a read-only file mapping reached the file (after %s)", after); break; }
    if (pm_shr) for (size_t i = 0; i < PM_SIZE; i++)
        if (pm_shr[i] != pm_byte(i)) { anomaly(0x70002, "a MAP_SHARED read-only file mapping changed (after %s)", after); break; }
    if (!depth && pm_priv) for (size_t i = 0; i < PM_SIZE; i++)
        if (pm_priv[i] != pm_shadow[i]) { anomaly(0x70003, "the parent's private file mapping changed behind its back (after %s)", after); memcpy(pm_shadow, pm_priv, PM_SIZE); break; }
}
static void ext_setup(void) {
    snprintf(pmpath, sizeof pmpath, "%s/pm", dir);
    snprintf(acctpath, sizeof acctpath, "%s/acct", dir);
    for (int i = 0; i < 2; i++) { snprintf(mnt[i], sizeof mnt[i], "%s/m%d", dir, i); SC(SYS_mkdir, mnt[i], 0755); }
    for (size_t i = 0; i < PAGE; i++) canary[i] = canary_byte(i);
    long fd = SC(SYS_open, acctpath, O_RDWR | O_CREAT, 0644);
    if (fd >= 0) SC(SYS_close, fd);
    fd = SC(SYS_open, pmpath, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return;
    for (size_t i = 0; i < PM_SIZE; i++) pm_shadow[i] = pm_byte(i);
    SC(SYS_write, fd, pm_shadow, PM_SIZE);
    long a = SC(SYS_mmap, 0, PM_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
    if (a > 0 || a < -4096) pm_priv = (unsigned char *)a;
    a = SC(SYS_mmap, 0, PM_SIZE, PROT_READ, MAP_SHARED, fd, 0);
    if (a > 0 || a < -4096) pm_shr = (unsigned char *)a;
    SC(SYS_close, fd);
}
static void ext_cleanup(void) {
    SC(SYS_acct, 0);
    const char *t[2] = { mnt[0], mnt[1] };
    for (int k = 0; k < 2; k++)          /* twice: a bind of one mount point may sit on another */
        for (int i = 0; i < 2; i++) for (int j = 0; j < 16 && SC(SYS_umount2, t[i], MNT_DETACH) == 0; j++) {}
    SC(SYS_rmdir, mnt[0]); SC(SYS_rmdir, mnt[1]);
    SC(SYS_unlink, pmpath); SC(SYS_unlink, acctpath);
}

/* An absolute timeout a little in the future of `clk` (or in the past). */
static struct timespec *abs_timeout(long clk, struct timespec *ts) {
    if (SC(SYS_clock_gettime, clk, ts) != 0) SC(SYS_clock_gettime, CLOCK_MONOTONIC, ts);
    if (pct(20)) { ts->tv_sec -= 1; return ts; }
    ts->tv_nsec += rn(1000000);
    if (ts->tv_nsec >= 1000000000) { ts->tv_sec++; ts->tv_nsec -= 1000000000; }
    if (pct(3)) ts->tv_nsec = PICK(-1, 1000000000);
    return ts;
}

/* An address in our own memory or a bad one, for reads through /proc/PID/mem and PEEKDATA; *kind:
 * 0 ours, 1 must fail (kernel half, non-canonical, low unmapped), 2 may go either way. */
static uintptr_t mem_addr(int *kind, int forwrite) {
    unsigned k = rn(100);
    *kind = 0;
    if (k < 25) return (uintptr_t)S.scratch + rn(sizeof S.scratch - 64);
    if (k < 45) return (uintptr_t)arena + rn(ARENA_SIZE);
    if (k < 50 && nmaps) { struct map *m = &maps[rn(nmaps)]; *kind = 2; return m->addr + rn(m->len < (1 << 30) ? m->len : (1 << 30)); }
    if (k < 55) { *kind = 2; return (uintptr_t)strpage + PAGE + rn(PAGE); }        /* PROT_NONE (FOLL_FORCE may read it) */
    if (k < 60 && !forwrite) { *kind = 2; return (uintptr_t)&mem_addr; }           /* our code */
    if (k < 75) { *kind = 1; return PICK((long)0xffff800000000000ULL, (long)0xffff800000100000ULL, (long)0xffffffff80000000ULL,
                                         (long)0xfffffffffffff000ULL, 0x800000000000, 0x100000, 0x1ff000, 0, 0x1000, (long)0x8000000000000000ULL); }
    if (k < 80) { *kind = 1; return (uintptr_t)arena + ARENA_SIZE + rn(ARENA_GUARD); }   /* unmapped... PROT_NONE guard: FOLL_FORCE may read */
    *kind = 2;
    return bad_ptr();
}

static void procmem_ops(long fd, int self) {
    int n = 1 + rn(6);
    for (int i = 0; i < n; i++) {
        int kind; size_t len;
        if (pct(55)) {                  /* read */
            uintptr_t a = mem_addr(&kind, 0);
            uintptr_t p = pct(85) ? (uintptr_t)S.scratch + rn(4096) : buf(&len);
            size_t l = pct(80) ? 1 + rn(8192) : any_len();
            if (p >= (uintptr_t)S.scratch && p < (uintptr_t)S.scratch + sizeof S.scratch && l > (uintptr_t)S.scratch + sizeof S.scratch - p) l = (uintptr_t)S.scratch + sizeof S.scratch - p;
            if (kind == 1 && a == (uintptr_t)arena + ARENA_SIZE) kind = 2;
            long r = pct(80) ? F(SYS_pread64, fd, p, l, a) : (SC(SYS_lseek, fd, a, SEEK_SET), F(SYS_read, fd, p, l));
            if (r > 0 && kind == 1 && a >= 0x800000000000ULL) anomaly(0x70010, "a read of /proc/%s/mem at a kernel/non-canonical address returned data", self ? "self" : "CHILD");
            if (r > 0 && kind == 1 && a < 0x200000) anomaly(0x70011, "a read of /proc/%s/mem at a low unmapped address returned data", self ? "self" : "CHILD");
        } else {                        /* write: only into memory the fuzzer owns (or the canary of a child), or bad */
            uintptr_t a; size_t l = 1 + rn(pct(80) ? 256 : 8192);
            unsigned k = rn(100);
            int topriv = 0;
            if (k < 30) { a = (uintptr_t)S.scratch + rn(sizeof S.scratch - 8192); }
            else if (k < 50) { a = (uintptr_t)arena + rn(ARENA_SIZE); if (l > (uintptr_t)arena + ARENA_SIZE - a) l = (uintptr_t)arena + ARENA_SIZE - a; }
            else if (k < 62 && pm_priv) { a = (uintptr_t)pm_priv + rn(PM_SIZE); if (l > (uintptr_t)pm_priv + PM_SIZE - a) l = (uintptr_t)pm_priv + PM_SIZE - a; topriv = 1; }
            else if (k < 70 && pm_shr) { a = (uintptr_t)pm_shr + rn(PM_SIZE); if (l > (uintptr_t)pm_shr + PM_SIZE - a) l = (uintptr_t)pm_shr + PM_SIZE - a; topriv = 2; }
            else if (k < 78 && !self) { a = (uintptr_t)canary + rn(PAGE); if (l > (uintptr_t)canary + PAGE - a) l = (uintptr_t)canary + PAGE - a; }
            else if (k < 84) { a = (uintptr_t)strpage + PAGE + rn(PAGE); if (l > (uintptr_t)strpage + 2 * PAGE - a) l = (uintptr_t)strpage + 2 * PAGE - a; }
            else { a = mem_addr(&kind, 1); if (kind == 0) a = bad_ptr(); l = pct(50) ? l : any_len(); }
            unsigned char *src = (unsigned char *)S.scratch + 32768 + rn(8192);
            if (l > 16384) l = pct(90) ? 16384 : l;
            for (size_t j = 0; j < l && j < 16384; j++) src[j] = (unsigned char)rnd();
            uintptr_t sp = pct(90) ? (uintptr_t)src : bad_ptr();
            long r = pct(80) ? F(SYS_pwrite64, fd, sp, l, a) : (SC(SYS_lseek, fd, a, SEEK_SET), F(SYS_write, fd, sp, l));
            if (r > 0 && a >= 0x800000000000ULL) anomaly(0x70012, "a write to /proc/%s/mem at a kernel/non-canonical address succeeded", self ? "self" : "CHILD");
            if (r > 0 && topriv == 1 && self && !depth) memcpy(pm_shadow + (a - (uintptr_t)pm_priv), src, r);
            if (r > 0 && topriv == 2 && self) anomaly(0x70013, "a write to /proc/self/mem over a MAP_SHARED read-only mapping succeeded (Linux: EIO)");
        }
    }
}

static void op_procmem(void) {
    char p[64];
    int self = depth || !nkids || pct(50);
    pid_t pid = self ? 0 : kids[rn(nkids)];
    if (self) snprintf(p, sizeof p, pct(80) ? "/proc/self/mem" : "/proc/%d/mem", (int)mypid);
    else snprintf(p, sizeof p, "/proc/%d/mem", (int)pid);
    long fd = F(SYS_open, p, PICK(O_RDWR, O_RDWR, O_RDONLY, O_WRONLY) | O_CLOEXEC);
    if (fd < 0) return;
    procmem_ops(fd, self);
    SC(SYS_close, fd);
    check_canary("/proc/PID/mem writes");
    check_pm("/proc/PID/mem writes");
}

/* A ptrace session on one of our children: attach (or seize and interrupt), wait for the stop,
 * a few requests, resumes and waits, then detach (or kill). A tracee is never left stopped or
 * attached: a stop nobody resumes would hang the final wait. */
static int stop_sig(int st) {                   /* the signal to pass on when resuming from a stop */
    if (st >> 16) return 0;                     /* a PTRACE_EVENT stop */
    int s = WSTOPSIG(st) & 0x7f;
    return s == SIGTRAP || s == SIGSTOP ? 0 : s;
}
static int wait_stop(pid_t pid, int *st) {      /* 1: stopped; 0: gone (reaped) */
    for (;;) {
        long r = SC(SYS_wait4, pid, st, __WALL, 0);
        if (r == -EINTR) continue;
        if (r != pid) { reap(pid); return 0; }
        if (WIFSTOPPED(*st)) return 1;
        reap(pid); return 0;
    }
}
static void kill_kid(pid_t pid) {
    int st;
    SC(SYS_kill, pid, SIGKILL);
    while (wait_stop(pid, &st)) SC(SYS_ptrace, PT_DETACH, pid, 0, 0);
}
static void op_ptrace(void) {
    long r;
    if (depth || !nkids) {              /* nothing of ours to trace: requests that must fail */
        pid_t tgt = PICK(0, -1, 0x7ffffff0, 1);
        if (tgt == 1) tgt = depth ? (pid_t)SC(SYS_getppid) : mypid;
        F(SYS_ptrace, PICK(PT_PEEKDATA, PT_GETREGS, PT_CONT, PT_DETACH, PT_INTERRUPT, PT_SETOPTIONS, PT_KILL, 99, -1),
          tgt, (uintptr_t)S.scratch, outp());
        if (tgt == mypid && pct(50)) F(SYS_ptrace, PICK(PT_ATTACH, PT_SEIZE), mypid, 0, 0);    /* itself: EPERM */
        return;
    }
    pid_t pid = kids[rn(nkids)];
    int seize = pct(40), st;
    long opts = pct(60) ? (long)(rnd() & 0x7f) : PICK(0, 0x100000 /*EXITKILL*/, 0x80 /*TRACESECCOMP*/, 0x1 /*TRACESYSGOOD*/, (long)0x80000000L);
    opts &= ~0x0e;                      /* never TRACEFORK/VFORK/CLONE: children do not fork, keep it so */
    r = seize ? F(SYS_ptrace, PT_SEIZE, pid, pct(95) ? 0 : 1, opts) : F(SYS_ptrace, PT_ATTACH, pid, 0, 0);
    if (r != 0) return;
    if (seize && F(SYS_ptrace, PT_INTERRUPT, pid, 0, 0) != 0) { kill_kid(pid); return; }
    if (!wait_stop(pid, &st)) return;
    int n = 1 + rn(10);
    unsigned long *regs = (unsigned long *)(S.in + 4096);       /* struct user_regs_struct: 27 words */
    for (int i = 0; i < n; i++) {
        int kind;
        switch (rn(16)) {
        case 0: case 1: {
            uintptr_t a = pct(20) ? (uintptr_t)canary + rn(PAGE) : mem_addr(&kind, 0);
            r = F(SYS_ptrace, PICK(PT_PEEKDATA, PT_PEEKTEXT), pid, a, pct(85) ? (uintptr_t)S.scratch : outp());
            if (r == 0 && kind == 1 && a >= 0x800000000000ULL) anomaly(0x70020, "PTRACE_PEEKDATA at a kernel/non-canonical address succeeded");
            break; }
        case 2: {
            uintptr_t a = PICK(0, 1, 2) == 0 ? (uintptr_t)canary + rn(PAGE / 8) * 8 : pct(50) ? (uintptr_t)S.scratch + rn(4096) : mem_addr(&kind, 1);
            if (a == (uintptr_t)&mem_addr) a = (uintptr_t)arena;
            r = F(SYS_ptrace, PT_POKEDATA, pid, a, rnd());
            if (r == 0 && a >= 0x800000000000ULL) anomaly(0x70021, "PTRACE_POKEDATA at a kernel/non-canonical address succeeded");
            check_canary("PTRACE_POKEDATA");
            break; }
        case 3: F(SYS_ptrace, PT_GETREGS, pid, 0, pct(85) ? (uintptr_t)regs : outp()); break;
        case 4: {                       /* SETREGS: the registers it had, or one field made wild (never rax or the
                                         * general registers: a child stopped on its way out of fork that sees a
                                         * nonzero rax would go on as a second main process) */
            if (SC(SYS_ptrace, PT_GETREGS, pid, 0, regs) != 0) break;
            if (pct(60)) switch (rn(8)) {                     /* (not orig_rax: a skipped exit_group returns into main) */
                case 0: regs[16] = bad_ptr(); break;                          /* rip */
                case 1: regs[17] = PICK(0, 0x10, 0x23, 0x2b, 0x8, 0xffff, 0x33 | 3); break;   /* cs */
                case 2: regs[20] = PICK(0, 0x10, 0x2b, 0x23, 0x8, 0xffff); break;            /* ss */
                case 3: regs[18] = rnd() & ~0x400UL; break;                    /* eflags: IOPL, VM, TF, NT... (not DF: libc's
                                                                                * string functions would run backwards) */
                case 4: regs[21 + rn(2)] = bad_ptr(); break;                  /* fs_base / gs_base */
                case 5: regs[23 + rn(4)] = PICK(0, 0x10, 0x2b, 0xffff, 0x8 | 3); break;       /* ds es fs gs */
                default: regs[19] = bad_ptr(); break;                         /* rsp */
            }
            F(SYS_ptrace, PT_SETREGS, pid, 0, pct(90) ? (uintptr_t)regs : bad_ptr());
            break; }
        case 5: {                       /* FP state: the one it had, or mxcsr / fcw / tag made wild */
            unsigned char *fx = (unsigned char *)S.in + 8192;
            if (SC(SYS_ptrace, PT_GETFPREGS, pid, 0, fx) != 0) { F(SYS_ptrace, PT_GETFPREGS, pid, 0, outp()); break; }
            if (pct(60)) switch (rn(4)) {
                case 0: *(uint32_t *)(fx + 24) = (uint32_t)rnd(); break;      /* mxcsr: reserved bits make FXRSTOR fault */
                case 1: *(uint32_t *)(fx + 28) = (uint32_t)rnd(); break;      /* mxcsr_mask */
                case 2: *(uint16_t *)fx = (uint16_t)rnd(); break;             /* fcw (unmasked exceptions) */
                default: for (int j = 0; j < 160; j += 8) *(uint64_t *)(fx + j) = rnd();   /* x87 part (xmm0-15 are checked) */
            }
            F(SYS_ptrace, PT_SETFPREGS, pid, 0, pct(90) ? (uintptr_t)fx : bad_ptr());
            break; }
        case 6: {                       /* REGSET with an iovec */
            struct iovec *iov = (struct iovec *)(S.in + 12288);
            size_t len;
            iov->iov_base = (void *)(pct(80) ? (uintptr_t)S.scratch : buf(&len));
            iov->iov_len = PICK(216, 216, 512, 0, 8, 100000, -1, 4096);
            long set = pct(30) && SC(SYS_ptrace, PT_GETREGSET, pid, 1, iov) == 0 ? 1 : 0;
            long note = PICK(1 /*PRSTATUS*/, 2 /*PRFPREG*/, 0x202 /*X86_XSTATE*/, 0x200 /*386_TLS*/, 0, 99);
            if (set && note == 1 && pct(50)) ((unsigned long *)S.scratch)[16] = bad_ptr();
            long req = set ? PT_SETREGSET : PICK(PT_GETREGSET, PT_GETREGSET, PT_SETREGSET);
            if (req == PT_SETREGSET && !set && (note == 1 || note == 2)) note = PICK(0x202, 99, 0);   /* never garbage registers */
            F(SYS_ptrace, req, pid, note, pct(90) ? (uintptr_t)iov : bad_ptr());
            break; }
        case 7: {                       /* the user area: registers, then debug registers */
            long off = pct(50) ? (long)rn(27) * 8 : pct(60) ? 848 + (long)rn(8) * 8 : PICK(-8, 1, 912, 4096, 216 + 8, 850);
            if (pct(50)) F(SYS_ptrace, PT_PEEKUSR, pid, off, outp());
            else {
                long v = off >= 848 ? PICK(0, (long)0xffff800000000000ULL, (long)&mem_addr, (long)S.scratch, 0x1, 0x3, 0x55, (long)0xffffffff, 0x400 | 0xf0003) : (long)rnd();
                if (off == 18 * 8) v &= ~0x400L;
                if (off >= 0 && off < 23 * 8 && off != 16 * 8 && off != 17 * 8 && off != 18 * 8 && off != 20 * 8 && off != 21 * 8 && off != 22 * 8) break;   /* (general registers: see SETREGS) */
                F(SYS_ptrace, PT_POKEUSR, pid, off, v);
            }
            break; }
        case 8: {
            siginfo_t *si = (siginfo_t *)(S.in + 12288);
            if (pct(50)) F(SYS_ptrace, PT_GETSIGINFO, pid, 0, outp());
            else {
                for (int j = 0; j < 16; j++) ((uint64_t *)si)[j] = rnd();
                si->si_signo = harmless_sigs[rn(6)];
                F(SYS_ptrace, PT_SETSIGINFO, pid, 0, inp(si));
            }
            break; }
        case 9: F(SYS_ptrace, PT_SETOPTIONS, pid, 0, opts); break;
        case 10: F(SYS_ptrace, PICK(PT_GETEVENTMSG, PT_GET_SYSCALL_INFO, PT_GETSIGMASK), pid, PICK(8, 8, 0, 88, 4096), outp()); break;
        case 11: { uint64_t *m = (uint64_t *)(S.in + 12288); *m = harmless_mask(); F(SYS_ptrace, PT_SETSIGMASK, pid, PICK(8, 8, 4), inp(m)); break; }
        case 12: {                      /* /proc/CHILD/mem while it is stopped */
            char p[64]; snprintf(p, sizeof p, "/proc/%d/mem", (int)pid);
            long fd = F(SYS_open, p, O_RDWR | O_CLOEXEC);
            if (fd >= 0) { procmem_ops(fd, 0); SC(SYS_close, fd); }
            check_canary("/proc/CHILD/mem writes");
            break; }
        case 13: case 14: {             /* resume and wait for the next stop */
            long how = PICK(PT_CONT, PT_SYSCALL, PT_SYSCALL, PT_SINGLESTEP, PT_SINGLESTEP, PT_LISTEN);
            long sig = pct(90) ? stop_sig(st) : PICK(0, 65, -1, SIGCHLD);
            r = F(SYS_ptrace, how, pid, 0, sig);
            if (r != 0) break;
            if (how == PT_LISTEN) { SC(SYS_ptrace, PT_INTERRUPT, pid, 0, 0); }
            if (!wait_stop(pid, &st)) return;
            break; }
        default:
            if (pct(20)) { F(SYS_ptrace, PT_KILL, pid, 0, 0); kill_kid(pid); return; }
            F(SYS_ptrace, PT_INTERRUPT, pid, 0, 0);
        }
    }
    r = F(SYS_ptrace, PT_DETACH, pid, 0, stop_sig(st));
    if (r != 0) { kill_kid(pid); return; }
    SC(SYS_kill, pid, SIGCONT);        /* a SIGSTOP of PTRACE_ATTACH still pending would stop it for good */
}

/* Native AIO: a few contexts, iocbs with random opcodes on our descriptors. */
static unsigned long aioctx[4];
static int naio;
static void op_aio(void) {
    unsigned long ctx = naio && pct(85) ? aioctx[rn(naio)] : (unsigned long)PICK(0, 1, 0x7fff00000000, -1, 0x1000);
    struct iocb *cb = (struct iocb *)(S.in + 4096);
    struct iocb **cbp = (struct iocb **)(S.in + 2048);
    struct timespec *ts = (struct timespec *)(S.in + 3072);
    ts->tv_sec = 0; ts->tv_nsec = pct(90) ? (long)rn(1000000) : PICK(1000000000, -1);
    long r;
    switch (rn(9)) {
    case 0: {
        unsigned long *cp = (unsigned long *)(S.in + 3200);
        *cp = pct(90) ? 0 : 1;
        r = F(SYS_io_setup, PICK(1, 8, 128, 0, -1, 1 << 20, 65536, 4), pct(90) ? (uintptr_t)cp : bad_ptr());
        if (r == 0 && *cp) {
            if (naio == 4) { SC(SYS_io_destroy, aioctx[0]); memmove(aioctx, aioctx + 1, 3 * sizeof aioctx[0]); naio--; }
            aioctx[naio++] = *cp;
        }
        break; }
    case 1: case 2: case 3: {
        int n = rn(8);
        for (int i = 0; i < n; i++) {
            struct iocb *c = &cb[i];
            size_t len;
            memset(c, 0, sizeof *c);
            c->aio_data = rnd();
            c->aio_lio_opcode = PICK(IOCB_CMD_PREAD, IOCB_CMD_PWRITE, IOCB_CMD_FSYNC, IOCB_CMD_FDSYNC, IOCB_CMD_POLL, IOCB_CMD_NOOP,
                                     IOCB_CMD_PREADV, IOCB_CMD_PWRITEV, IOCB_CMD_PREAD, IOCB_CMD_POLL, 99);
            int fd = pick_fd();
            check_nonblock(fd);
            c->aio_fildes = fd;
            if (c->aio_lio_opcode == IOCB_CMD_PREADV || c->aio_lio_opcode == IOCB_CMD_PWRITEV) {
                struct iovec *iov = (struct iovec *)(S.in + 8192 + i * 256);
                int k = rn(5);
                for (int j = 0; j < k; j++) { iov[j].iov_base = (void *)buf(&len); iov[j].iov_len = cap_valid((uintptr_t)iov[j].iov_base, len, 64 << 10); }
                c->aio_buf = pct(90) ? (uintptr_t)iov : bad_ptr(); c->aio_nbytes = pct(90) ? k : PICK(1025, -1);
            } else if (c->aio_lio_opcode == IOCB_CMD_POLL) {
                c->aio_buf = pct(90) ? PICK(POLLIN, POLLOUT, POLLIN | POLLOUT, POLLPRI, POLLRDHUP) : (long)rnd();
            } else {
                c->aio_buf = buf(&len); c->aio_nbytes = cap_valid(c->aio_buf, len, 256 << 10);
            }
            c->aio_offset = PICK(0, 0, 1, 4096, -1, (long)1 << 40);
            c->aio_rw_flags = pct(80) ? 0 : PICK(RWF_NOWAIT, RWF_HIPRI, RWF_APPEND, RWF_DSYNC, 0x1000);
            if (pct(20)) { c->aio_flags = IOCB_FLAG_RESFD; c->aio_resfd = pct(80) ? pick_fd_kind(K_EVENT) : pick_fd(); }
            if (pct(5)) { c->aio_flags |= IOCB_FLAG_IOPRIO; c->aio_reqprio = (int16_t)rnd(); }
            if (pct(3)) c->aio_key = 1;
            if (pct(3)) c->aio_flags |= 0x80;
            cbp[i] = pct(95) ? c : (struct iocb *)bad_ptr();
        }
        F(SYS_io_submit, ctx, pct(90) ? n : PICK(-1, 1 << 20, 0x7fffffff), pct(90) ? (uintptr_t)cbp : bad_ptr());
        break; }
    case 4: case 5: {
        long nr = pct(80) ? 1 + (long)rn(16) : PICK(0, -1, 1 << 20, 0x7fffffff);
        long minr = pct(60) ? 0 : pct(90) ? (long)rn(2) : PICK(-1, 0x7fffffff, 2);
        uintptr_t ev = pct(80) ? (uintptr_t)S.scratch + rn(1024) : pct(50) ? (uintptr_t)arena + rn(ARENA_SIZE) : bad_ptr();
        uintptr_t tp = pct(90) ? (uintptr_t)ts : bad_nz();
        if (minr == 0 && pct(10)) tp = 0;
        F(SYS_io_getevents, ctx, minr, nr, ev, tp);
        break; }
    case 6: {
        long nr = 1 + rn(8), minr = rn(2);
        struct { uintptr_t set; size_t sz; } *sa = (void *)(S.in + 3300);
        uint64_t *mask = (uint64_t *)(S.in + 3400); *mask = harmless_mask();
        sa->set = pct(70) ? (uintptr_t)mask : pct(50) ? 0 : bad_ptr(); sa->sz = PICK(8, 8, 8, 4, 16);
        F(SYS_io_pgetevents, ctx, minr, nr, (uintptr_t)S.scratch + rn(1024), pct(90) ? (uintptr_t)ts : bad_nz(), pct(20) ? 0 : inp(sa));
        break; }
    case 7: F(SYS_io_cancel, ctx, pct(80) ? (uintptr_t)&cb[rn(8)] : bad_ptr(), outp()); break;
    default: {
        r = F(SYS_io_destroy, ctx);
        if (r == 0) for (int i = 0; i < naio; i++) if (aioctx[i] == ctx) { aioctx[i] = aioctx[--naio]; break; }
    }
    }
}

/* futex2: futex_waitv, futex_wake, futex_wait, futex_requeue. Every wait has a timeout. */
struct sfz_waitv { uint64_t val, uaddr; uint32_t flags, reserved; };
static uintptr_t futex_addr(uint32_t **w) {
    *w = &S.futex[rn(16)];
    **w = rn(4);
    if (pct(85)) return (uintptr_t)*w;
    if (pct(40)) return (uintptr_t)*w + PICK(1, 2);
    if (pct(30) && nmaps) return maps[rn(nmaps)].addr;
    return bad_ptr();
}
static long f2flags(void) { return pct(85) ? (2 /*SIZE_U32*/ | (pct(50) ? 128 /*PRIVATE*/ : 0)) : PICK(0, 1, 3 /*U64*/, 0x100, -1, 2 | 0x20); }
static void op_futex2(void) {
    struct timespec *ts = (struct timespec *)(S.in + 3072);
    long clk = PICK(CLOCK_MONOTONIC, CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME, 99, -1);
    uint32_t *w;
    switch (rn(5)) {
    case 0: case 1: {
        struct sfz_waitv *v = (struct sfz_waitv *)(S.in + 4096);
        int n = 1 + rn(8);
        for (int i = 0; i < n; i++) {
            v[i].uaddr = futex_addr(&w);
            v[i].val = pct(60) ? *w : *w + 1;
            if (pct(5)) v[i].val = (uint64_t)1 << 33;
            v[i].flags = f2flags();
            v[i].reserved = pct(97) ? 0 : 1;
        }
        long cnt = pct(90) ? n : PICK(0, 129, 128, -1);
        if (cnt == 128 || cnt == 129) for (int i = n; i < 129; i++) v[i] = v[0];
        F(SYS_futex_waitv, pct(90) ? (uintptr_t)v : bad_ptr(), cnt, PICK(0, 0, 0, 1), pct(90) ? (uintptr_t)abs_timeout(clk, ts) : bad_nz(), clk);
        break; }
    case 2: { uintptr_t a = futex_addr(&w); F(NR_futex_wake, a, PICK(-1, -1, 1, 0, 0xff00), PICK(0, 1, INT_MAX, -1), f2flags()); break; }
    case 3: {
        uintptr_t a = futex_addr(&w);
        F(NR_futex_wait, a, pct(60) ? *w : *w + 1, PICK(-1, -1, 1, 0), f2flags(), pct(90) ? (uintptr_t)abs_timeout(clk, ts) : bad_nz(), clk);
        break; }
    default: {
        struct sfz_waitv *v = (struct sfz_waitv *)(S.in + 4096);
        for (int i = 0; i < 2; i++) { v[i].uaddr = futex_addr(&w); v[i].val = pct(70) ? *w : *w + 1; v[i].flags = f2flags(); v[i].reserved = 0; }
        F(NR_futex_requeue, inp(v), PICK(0, 0, 1), PICK(0, 1, INT_MAX, -1), PICK(0, 1, INT_MAX, -1));
    }
    }
}

static void op_openat2(void) {
    struct open_how *how = (struct open_how *)(S.in + 4096);
    long fl = PICK(O_RDONLY, O_WRONLY, O_RDWR, 3);
    static const long bits[] = { O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_NONBLOCK, O_DIRECTORY, O_NOFOLLOW,
                                 O_CLOEXEC, O_NOCTTY, O_PATH, O_NOATIME, O_TMPFILE, 0x40000000 };
    for (int i = 0; i < 13; i++) if (pct(10)) fl |= bits[i];
    if (open_count() > 40) { int fd = pick_fd(); if (fd >= 3 && fd < MAXFD) { SC(SYS_close, fd); fd_closed(fd); } }
    int creating = (fl & (O_CREAT | O_TRUNC)) || (fl & O_TMPFILE) == O_TMPFILE;
    long dfd = pct(40) ? AT_FDCWD : pct(80) ? pick_fd_kind(K_DIR) : pick_fd();
    uintptr_t path;
    if (creating) path = own_path();
    else if (pct(40)) path = (uintptr_t)PICK((long)"..", (long)"../..", (long)"/proc/self/exe", (long)"/proc/self/fd/3", (long)"/proc/self/root",
                                             (long)"d0/../f0", (long)"l0", (long)"l1", (long)"f0", (long)".", (long)"/tmp/..", (long)"/proc/self/cwd/f0");
    else if (pct(50)) path = (uintptr_t)rel_name();
    else path = pick_path();
    memset(how, 0, 64);
    how->flags = pct(97) ? (uint64_t)fl : rnd();
    how->mode = (fl & O_CREAT) ? (pct(90) ? 0644 : PICK(07777, 010000)) : (pct(95) ? 0 : 0644);
    how->resolve = pct(30) ? 0 : (rnd() & 0x3f) | (pct(3) ? 0x40 : 0);
    long size = PICK(24, 24, 24, 24, 32, 16, 0, 4096, 8, -1);
    if (size == 32 && pct(50)) *(uint64_t *)((char *)how + 24) = 1;      /* unknown nonzero tail: E2BIG */
    long r = F(SYS_openat2, dfd, path, pct(90) ? (uintptr_t)how : bad_ptr(), size);
    if (r >= 0) { make_nonblock(r); got_fd(r, (fl & O_DIRECTORY) ? K_DIR : K_FILE); }
}

static void op_mseal(void) {
    uintptr_t a; size_t len;
    if (nmaps && pct(50)) {
        struct map *m = &maps[rn(nmaps)];
        a = m->addr; len = m->len;
        if (pct(30)) { size_t pages = (len + PAGE - 1) / PAGE; size_t p0 = rn(pages); a += p0 * PAGE; len = (1 + rn(pages - p0)) * PAGE; }
    } else if (pct(40)) {
        a = PICK((long)0xffff800000000000ULL, 0x800000000000, 0x7ffffffff000, 0, 1, 4097, -4096); len = PICK(0, 4096, (long)1 << 47, -4096);
    } else if (pct(70)) {               /* a page of the arena's last megabyte (rarely chosen by own_range's small runs) */
        a = (uintptr_t)arena + ARENA_SIZE - (1 + rn(256)) * PAGE; len = PAGE * (1 + rn(2));
    } else { a = (uintptr_t)strpage + PAGE * rn(3); len = PICK(0, 1, 4096, 8192); }
    if (pct(5)) a |= 1;
    F(NR_mseal, a, len, PICK(0, 0, 0, 1, -1));
}

static void op_mount(void) {
    static const long mflags[] = { MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_NOATIME, MS_SYNCHRONOUS, MS_SILENT, MS_NODIRATIME, MS_STRICTATIME, MS_LAZYTIME, MS_DIRSYNC, MS_MANDLOCK };
    long fl = 0;
    for (int i = 0; i < 12; i++) if (pct(10)) fl |= mflags[i];
    /* Targets are only m0 and m1, which no other call creates, renames or replaces: d0 may be a
     * symlink to "..", and natively a mount there would land on the host's /tmp. */
    uintptr_t tgt;
    unsigned k = rn(100);
    if (k < 85) tgt = (uintptr_t)mnt[rn(2)];
    else if (k < 90) tgt = (uintptr_t)PICK((long)"/nonexistent/x", (long)"", (long)longname);
    else if (k < 95) { memset(strpage, 'a', PAGE); tgt = (uintptr_t)strpage + PAGE - 1 - rn(16); }
    else tgt = bad_ptr();
    uintptr_t data = pct(50) ? 0 : PICK((long)"size=1m", (long)"mode=0700", (long)"nr_inodes=16,size=64k", (long)"bogus=1", (long)"",
                                        (long)"size=0", (long)"uid=0,gid=0,mode=1777", (long)"size=100%");
    if (pct(5)) { memset(strpage, 'a', PAGE); data = (uintptr_t)strpage + PAGE - 1 - rn(16); }
    if (pct(3)) data = bad_ptr();
    switch (rn(7)) {
    case 0: case 1:
        F(SYS_mount, pct(90) ? (uintptr_t)PICK((long)"tmpfs", (long)"none", (long)"sfz") : bad_ptr(), tgt,
          pct(90) ? (uintptr_t)PICK((long)"tmpfs", (long)"tmpfs", (long)"tmpfs", (long)"ramfs", (long)"bogusfs", (long)"", (long)"proc") : bad_ptr(), fl, data);
        break;
    case 2: {
        uintptr_t src = pct(60) ? (uintptr_t)fname(rn(12)) : pct(50) ? (uintptr_t)mnt[rn(2)] : pct(70) ? (uintptr_t)dir : bad_ptr();
        F(SYS_mount, src, tgt, 0, MS_BIND | (pct(30) ? MS_REC : 0) | (pct(10) ? fl : 0), 0);
        break; }
    case 3:                             /* always MS_BIND (per mount): natively m0 may be a bind of the host's /tmp,
                                         * and a superblock remount would change the host's file system */
        F(SYS_mount, pct(50) ? 0 : (uintptr_t)"none", tgt, 0, MS_REMOUNT | MS_BIND | fl, data);
        break;
    case 4: F(SYS_mount, 0, tgt, 0, PICK(MS_PRIVATE, MS_SHARED, MS_SLAVE, MS_UNBINDABLE, MS_PRIVATE | MS_SHARED) | (pct(30) ? MS_REC : 0), 0); break;
    case 5: F(SYS_mount, (uintptr_t)mnt[rn(2)], tgt, 0, MS_MOVE, 0); break;
    default: F(SYS_umount2, tgt, PICK(0, 0, MNT_DETACH, MNT_DETACH, MNT_FORCE, MNT_EXPIRE, UMOUNT_NOFOLLOW, 0x100, MNT_EXPIRE | MNT_DETACH)); break;
    }
}

/* name_to_handle_at / open_by_handle_at: handles of our files and of the safe system paths,
 * sometimes mangled. Opens are read-only (natively a mangled handle may name any host file). */
static unsigned char hsave[8 + 128];
static int hsaved;
static void op_handle(void) {
    struct { uint32_t bytes; int32_t type; unsigned char h[128 + 64]; } *fh = (void *)(S.in + 4096);
    if (!hsaved || pct(50)) {
        fh->bytes = PICK(128, 128, 128, 8, 0, 129, -1, 20);
        long dfd = pct(50) ? AT_FDCWD : pct(70) ? pick_fd_kind(K_DIR) : pick_fd();
        uintptr_t path = pct(10) ? (uintptr_t)"" : pct(80) ? pick_path() : (uintptr_t)rel_name();
        long r = F(SYS_name_to_handle_at, dfd, path, inp(fh), pct(80) ? outp() : 0,
                   PICK(0, 0, AT_SYMLINK_FOLLOW, AT_EMPTY_PATH, 0x200 /*HANDLE_FID*/, 0x1 /*HANDLE_MNT_ID_UNIQUE*/, 0x2 /*CONNECTABLE*/, 0x12345));
        if (r == 0 && fh->bytes <= 128) { memcpy(hsave, fh, 8 + fh->bytes); hsaved = 1; }
        return;
    }
    memcpy(fh, hsave, sizeof hsave);
    if (pct(30)) switch (rn(4)) {
        case 0: fh->bytes = PICK(0, 1, 128, 129, -1, 4096); break;
        case 1: fh->type = PICK(0, 1, 2, -1, 0x81, 255); break;
        case 2: fh->h[rn(fh->bytes < 128 && fh->bytes ? fh->bytes : 8)] ^= 1 << rn(8); break;
        default: if (fh->bytes) fh->bytes--; break;
    }
    long fl = O_RDONLY | O_NONBLOCK;
    static const long bits[] = { O_PATH, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, O_NOATIME, O_LARGEFILE };
    for (int i = 0; i < 6; i++) if (pct(15)) fl |= bits[i];
    long mfd = pct(40) ? AT_FDCWD : pct(70) ? pick_fd_kind(K_DIR) : pick_fd();
    long r = F(SYS_open_by_handle_at, mfd, inp(fh), fl);
    if (r >= 0) got_fd(r, K_FILE);
}

static void op_pidfd(void) {
    long r;
    pid_t kid = nkids ? kids[rn(nkids)] : 0;
    switch (rn(7)) {
    case 0: case 1: {
        if (open_count() > 40) return;
        pid_t p = kid && pct(60) ? kid : pct(80) ? mypid : (pid_t)PICK(0, -1, 0x7ffffff0, 1);
        r = F(SYS_pidfd_open, p, PICK(0, 0, O_NONBLOCK, O_EXCL /*PIDFD_THREAD*/, 1));
        make_nonblock(r);
        got_fd(r, K_PIDFD);
        break; }
    case 2: {
        struct iovec *iov = (struct iovec *)(S.in + 4096);
        int n = rn(8);
        for (int i = 0; i < n; i++) { size_t len; iov[i].iov_base = (void *)own_range(&len); iov[i].iov_len = len; if (pct(5)) iov[i].iov_base = (void *)bad_ptr(); }
        long adv = PICK(MADV_COLD, MADV_PAGEOUT, MADV_WILLNEED, 25 /*COLLAPSE*/, MADV_DONTNEED, MADV_FREE, MADV_NORMAL, 999, -1);
        F(SYS_process_madvise, pick_fd_kind(K_PIDFD), pct(90) ? (uintptr_t)iov : bad_ptr(), pct(90) ? n : PICK(1025, -1, 1 << 20), adv, PICK(0, 0, 1));
        break; }
    case 3: {                           /* process_mrelease: of a live process (EINVAL), or of a child we just killed */
        if (kid && !depth && pct(40)) {
            long pfd = SC(SYS_pidfd_open, kid, 0);
            if (pfd < 0) break;
            F(SYS_pidfd_send_signal, pfd, SIGKILL, 0, 0);
            F(SYS_process_mrelease, pfd, PICK(0, 0, 1));
            SC(SYS_close, pfd);
            int st; while (wait_stop(kid, &st)) SC(SYS_ptrace, PT_DETACH, kid, 0, 0);
        } else F(SYS_process_mrelease, pick_fd_kind(K_PIDFD), PICK(0, 0, 1));
        break; }
    case 4: {
        siginfo_t *si = (siginfo_t *)(S.in + 4096);
        int sig = pct(90) ? harmless_sigs[rn(6)] : PICK(0, 65, -1);
        for (int j = 0; j < 16; j++) ((uint64_t *)si)[j] = rnd();
        si->si_signo = pct(80) ? sig : SIGUSR1; si->si_code = PICK(SI_QUEUE, SI_QUEUE, SI_USER, SI_TKILL, 0, 5);
        F(SYS_pidfd_send_signal, pick_fd_kind(K_PIDFD), sig, pct(50) ? 0 : inp(si), PICK(0, 0, 1, 2, 4, 0x80));
        break; }
    case 5: r = F(SYS_pidfd_getfd, pick_fd_kind(K_PIDFD), pct(90) ? 3 + (long)rn(MAXFD - 3) : PICK(-1, 0, 1 << 20), PICK(0, 0, 1));
            if (r >= 0) { make_nonblock(r); got_fd(r, K_OTHER); }
            break;
    default: {
        siginfo_t *si = (siginfo_t *)(S.in + 4096);
        r = F(SYS_waitid, 3 /*P_PIDFD*/, pick_fd_kind(K_PIDFD), pct(80) ? (uintptr_t)si : outp(), PICK(WEXITED | WNOHANG, WEXITED | WNOHANG | WNOWAIT, WSTOPPED | WNOHANG, WNOHANG), 0);
        if (r == 0 && si->si_pid > 0 && si->si_code != CLD_STOPPED && si->si_code != CLD_TRAPPED) reap(si->si_pid);
    }
    }
}

static void op_oddsys(void) {
    switch (rn(9)) {
    case 0: F(SYS_sysfs, 1, pct(80) ? (uintptr_t)PICK((long)"tmpfs", (long)"proc", (long)"ramfs", (long)"bogus", (long)"") : pick_path()); break;
    case 1: F(SYS_sysfs, 2, PICK(0, 1, 2, 5, 100, -1, 0x7fffffff), outp()); break;
    case 2: F(SYS_sysfs, PICK(3, 3, 0, 4, -1), rnd(), rnd()); break;
    case 3: {
        struct stat *st = (struct stat *)(S.in + 4096);
        long dev = SC(SYS_stat, (long)PICK((long)"/", (long)"/tmp", (long)"/proc", (long)"/dev"), st) == 0 && pct(70) ? (long)st->st_dev : PICK(0, 0x801, -1, 0xfffff);
        F(SYS_ustat, dev, outp());
        break; }
    case 4:                             /* accounting only into a file of our own, then off again */
        F(SYS_acct, pct(60) ? (uintptr_t)acctpath : pct(40) ? 0 : (uintptr_t)PICK((long)dir, (long)"/nonexistent/acct", (long)longpath, 0, (long)"/dev/null"));
        if (pct(50)) F(SYS_acct, 0);
        break;
    case 5:                             /* vhangup only without a controlling terminal: in a child after setsid */
        if (depth) { F(SYS_setsid); F(SYS_vhangup); } else F(SYS_getsid, 0);
        break;
    case 6: {
        size_t len; uintptr_t a = own_range(&len);
        if (pct(10)) a = bad_ptr();
        if (pct(40)) { uint64_t *nm = (uint64_t *)(S.in + 4096); *nm = 1; SC(SYS_mbind, a, len, PICK(2 /*BIND*/, 5 /*PREFERRED_MANY*/, 1), nm, 64, 0); }
        F(NR_set_mempolicy_home_node, a, len, PICK(0, 0, 1, -1, 1024), PICK(0, 0, 1));
        break; }
    case 7: {
        long *rg = (long *)(S.in + 4096); rg[0] = PICK(0, 0, 4096, -1, (long)1 << 40); rg[1] = PICK(0, 4096, 1 << 20, -1);
        F(NR_cachestat, pct(70) ? pick_fd_kind(K_FILE) : pick_fd(), inp(rg), outp(), PICK(0, 0, 1));
        break; }
    default: F(SYS_restart_syscall); break;
    }
}

static const struct { void (*fn)(void); int weight; } ext_ops[] = {
    { op_ptrace, 6 }, { op_procmem, 5 }, { op_aio, 6 }, { op_futex2, 4 }, { op_openat2, 4 }, { op_mseal, 1 },
    { op_mount, 3 }, { op_handle, 3 }, { op_pidfd, 4 }, { op_oddsys, 3 },
};
static void op_ext(void) {
    static int total;
    if (!total) for (unsigned i = 0; i < sizeof ext_ops / sizeof ext_ops[0]; i++) total += ext_ops[i].weight;
    int w = rn(total);
    unsigned i = 0;
    while (w >= ext_ops[i].weight) w -= ext_ops[i++].weight;
    ext_ops[i].fn();
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
    jmp_pid = SC(SYS_getpid);
    while (done < count) {
        done++;
        if ((done & 63) == 0) SC(SYS_close_range, MAXFD, ~0U, 0);    /* descriptors received past our range */
        if (ext && pct(18)) { op_ext(); continue; }        /* (no draw at all for the older seeds) */
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
    ext = seed >= 500;
    if (getenv("SYSFUZZ_EXT")) ext = atoi(getenv("SYSFUZZ_EXT")) != 0;
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
    if (ext) ext_setup();

    loop(count);

    /* Children end by themselves; collect them (blocks at most until the last one exits). */
    for (;;) {                          /* (a child still stopped for a tracer: detach it and let it go on) */
        int st = 0;
        long r = SC(SYS_wait4, -1, &st, __WALL | WUNTRACED, 0);
        if (r == -EINTR) continue;
        if (r <= 0) break;
        if (WIFSTOPPED(st)) { SC(SYS_ptrace, PT_DETACH, r, 0, 0); SC(SYS_kill, r, SIGCONT); }
    }
    SC(SYS_chdir, "/");
    SC(SYS_close_range, 3, ~0U, 0);
    if (ext) { ext_cleanup(); check_canary("the run"); check_pm("the run"); }
    static const char *rm[] = { "d0/f0", "d1/f1", "d0/d2", "d1/d2", "d0/f1", "d1/f0" };
    for (unsigned i = 0; i < sizeof rm / sizeof rm[0]; i++) { char p[128]; snprintf(p, sizeof p, "%s/%s", dir, rm[i]); SC(SYS_unlink, p); SC(SYS_rmdir, p); }
    for (int i = 0; i < 12; i++) { SC(SYS_unlink, fname(i)); SC(SYS_rmdir, fname(i)); }
    SC(SYS_rmdir, dir);

    out("sysfuzz: %ld faults caught, %ld anomalies\n", (long)faults, anomalies);
    out("sysfuzz: seed %llu: %ld calls done\n", seed, count);
    return 0;
}
