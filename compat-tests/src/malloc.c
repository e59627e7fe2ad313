/* malloc: stress the C allocator (small and large blocks, realloc, calloc,
 * aligned allocation) and the program break (sbrk / raw brk). */
#include "compat.h"
#include <malloc.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NSLOTS 4096

static unsigned char pat(size_t i, unsigned seed)
{
    return (unsigned char)(i * 31u + seed * 7u + (i >> 8));
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    size_t i;
    for (i = 0; i < n; i++)
        p[i] = pat(i, seed);
}

static int verify(const unsigned char *p, size_t n, unsigned seed)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i] != pat(i, seed))
            return 0;
    return 1;
}

struct slot {
    unsigned char *p;
    size_t n;
    unsigned seed;
};

static struct slot slots[NSLOTS];

/* Break tests run before anything else touches malloc from here on, and
 * restore the break before returning; results are printed afterwards. */
struct brk_result {
    int sbrk0_ok, grow_ok, grown_end_ok, rw_ok, shrink_ok;
    int raw_query_ok, raw_grow_ok, raw_rw_ok, raw_below_ok, raw_restore_ok;
};

static void brk_tests(struct brk_result *r)
{
    char *cur, *old, *now;
    unsigned long b0, b1, b2;
    size_t i;
    const size_t inc = 256 * 1024;

    memset(r, 0, sizeof(*r));
    cur = sbrk(0);
    r->sbrk0_ok = cur != (char *)-1;
#ifdef __GLIBC__
    old = sbrk(inc);
    r->grow_ok = old == cur;
    now = sbrk(0);
    r->grown_end_ok = now == cur + inc;
    if (r->grow_ok) {
        for (i = 0; i < inc; i += 97)
            old[i] = (char)i;
        r->rw_ok = 1;
        for (i = 0; i < inc; i += 97)
            if (old[i] != (char)i)
                r->rw_ok = 0;
        sbrk(-(intptr_t)inc);
    }
    r->shrink_ok = sbrk(0) == cur;
#else
    /* musl's sbrk only supports an increment of 0 (by design). */
    (void)old;
    (void)now;
    (void)i;
    (void)inc;
#endif

    /* raw system call: brk(0) queries, brk(addr) sets, too-low is refused. */
    b0 = syscall(SYS_brk, 0);
    r->raw_query_ok = b0 == (unsigned long)cur;
    b1 = syscall(SYS_brk, b0 + 3 * 4096 + 123);
    r->raw_grow_ok = b1 == b0 + 3 * 4096 + 123;
    if (r->raw_grow_ok) {
        volatile char *q = (volatile char *)b0;
        q[0] = 1;
        q[3 * 4096 + 122] = 2;
        r->raw_rw_ok = q[0] == 1 && q[3 * 4096 + 122] == 2;
    }
    b2 = syscall(SYS_brk, 4096); /* far below the start of the heap: refused */
    r->raw_below_ok = b2 == b1;
    r->raw_restore_ok = syscall(SYS_brk, b0) == (long)b0;
}

int main(void)
{
    struct brk_result br;
    volatile size_t huge = (size_t)1 << 40; /* volatile: keeps gcc's size warnings quiet */
    int i, round, ok;
    size_t total;

    brk_tests(&br);
    CHECK(br.sbrk0_ok, "sbrk(0) succeeds");
#ifdef __GLIBC__
    CHECK(br.grow_ok, "sbrk(256K) returns the old break");
    CHECK(br.grown_end_ok, "break moved by 256K");
    CHECK(br.rw_ok, "memory obtained by sbrk is readable and writable");
    CHECK(br.shrink_ok, "sbrk(-256K) restores the break");
#endif
    CHECK(br.raw_query_ok, "raw brk(0) returns the current break");
    CHECK(br.raw_grow_ok, "raw brk grows to an unaligned address");
    CHECK(br.raw_rw_ok, "raw brk memory is usable up to the new break");
    CHECK(br.raw_below_ok, "raw brk below the heap start is refused");
    CHECK(br.raw_restore_ok, "raw brk shrinks back");

    /* many small blocks, random frees and reallocations */
    ok = 1;
    total = 0;
    for (round = 0; round < 40000; round++) {
        int k = (int)(t_rand() % NSLOTS);
        struct slot *s = &slots[k];
        if (s->p) {
            if (!verify(s->p, s->n, s->seed))
                ok = 0;
            if (t_rand() % 3 == 0) {
                size_t nn = 1 + t_rand() % 600;
                unsigned char *np = realloc(s->p, nn);
                if (!np) {
                    ok = 0;
                    continue;
                }
                if (!verify(np, nn < s->n ? nn : s->n, s->seed))
                    ok = 0;
                s->p = np;
                s->n = nn;
                s->seed = (unsigned)round;
                fill(np, nn, s->seed);
            } else {
                free(s->p);
                s->p = NULL;
            }
        } else {
            s->n = 1 + t_rand() % 512;
            s->p = malloc(s->n);
            if (!s->p) {
                ok = 0;
                continue;
            }
            if (((uintptr_t)s->p & 15) != 0)
                ok = 0;
            s->seed = (unsigned)round;
            fill(s->p, s->n, s->seed);
            total += s->n;
        }
    }
    for (i = 0; i < NSLOTS; i++) {
        if (slots[i].p) {
            if (!verify(slots[i].p, slots[i].n, slots[i].seed))
                ok = 0;
            free(slots[i].p);
            slots[i].p = NULL;
        }
    }
    CHECK(ok, "40000 small malloc/realloc/free operations keep contents and 16-byte alignment");
    CHECK(total > 1000000, "small allocations total more than 1 MB");

    /* large blocks (mmap path in both glibc and musl) */
    ok = 1;
    {
        static const size_t sizes[] = {128 * 1024, 300000, 1 << 20, 3 * (1 << 20) + 17, 8 << 20};
        unsigned char *big[5];
        for (i = 0; i < 5; i++) {
            big[i] = malloc(sizes[i]);
            if (!big[i]) {
                ok = 0;
                continue;
            }
            fill(big[i], sizes[i], 100 + i);
        }
        for (i = 0; i < 5; i++)
            if (big[i] && !verify(big[i], sizes[i], 100 + i))
                ok = 0;
        CHECK(ok, "large malloc (128K..8M) blocks hold their contents");

        /* grow a large block with realloc (glibc uses mremap here) */
        ok = 1;
        if (big[2]) {
            unsigned char *np = realloc(big[2], 6 << 20);
            if (!np)
                ok = 0;
            else {
                if (!verify(np, 1 << 20, 102))
                    ok = 0;
                memset(np + (1 << 20), 0x5a, (6 << 20) - (1 << 20));
                if (np[(6 << 20) - 1] != 0x5a)
                    ok = 0;
                big[2] = np;
            }
            np = realloc(big[2], 4096);
            if (!np || !verify(np, 4096, 102))
                ok = 0;
            else
                big[2] = np;
        }
        CHECK(ok, "realloc of a large block grows to 6M and shrinks to 4K keeping contents");
        for (i = 0; i < 5; i++)
            free(big[i]);
    }

    /* calloc zeroes, including memory that was used before */
    ok = 1;
    for (round = 0; round < 20; round++) {
        size_t n = 1000 + round * 5000;
        unsigned char *p = malloc(n);
        unsigned char *q;
        if (!p) {
            ok = 0;
            continue;
        }
        memset(p, 0xff, n);
        free(p);
        q = calloc(n, 1);
        if (!q) {
            ok = 0;
            continue;
        }
        for (i = 0; i < (int)n; i++)
            if (q[i]) {
                ok = 0;
                break;
            }
        free(q);
    }
    {
        unsigned char *q = calloc(1, 4 << 20);
        if (!q || q[0] || q[(4 << 20) - 1] || q[2 << 20])
            ok = 0;
        free(q);
    }
    CHECK(ok, "calloc returns zeroed memory");
    errno = 0;
    CHECK(calloc(huge, huge) == NULL && errno == ENOMEM,
          "calloc with overflowing size fails with ENOMEM");

    /* aligned allocation */
    ok = 1;
    {
        size_t align;
        for (align = 16; align <= 65536; align <<= 1) {
            void *p = NULL;
            void *a, *m;
            if (posix_memalign(&p, align, 100 + align) != 0 || ((uintptr_t)p & (align - 1)))
                ok = 0;
            a = aligned_alloc(align, align * 2);
            if (!a || ((uintptr_t)a & (align - 1)))
                ok = 0;
            m = memalign(align, 33);
            if (!m || ((uintptr_t)m & (align - 1)))
                ok = 0;
            if (p)
                memset(p, 1, 100 + align);
            if (a)
                memset(a, 2, align * 2);
            if (m)
                memset(m, 3, 33);
            free(p);
            free(a);
            free(m);
        }
    }
    CHECK(ok, "posix_memalign/aligned_alloc/memalign honour alignments 16..64K");
    {
        void *p = malloc(1000);
        CHECK(p && malloc_usable_size(p) >= 1000, "malloc_usable_size >= requested size");
        free(p);
    }
    {
        void *p = malloc(0);
        free(p);
        t_pass("malloc(0) and free do not crash");
        free(NULL);
        t_pass("free(NULL) is harmless");
    }
    errno = 0;
    CHECK(malloc(huge - (huge << 12)) == NULL && errno == ENOMEM, "malloc of an impossible size fails with ENOMEM");

    return t_done();
}
