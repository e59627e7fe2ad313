/* mmap: anonymous mappings, munmap, mprotect (no faults: see mmap_fault),
 * mremap grow/shrink/move, MAP_FIXED, madvise(MADV_DONTNEED). */
#include "compat.h"
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PG 4096ul

static int all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

static void fill_pages(unsigned char *p, size_t npages, unsigned char base)
{
    size_t i;
    for (i = 0; i < npages; i++)
        memset(p + i * PG, base + (int)i, PG);
}

static int check_pages(const unsigned char *p, size_t npages, unsigned char base)
{
    size_t i;
    for (i = 0; i < npages; i++)
        if (!all_bytes(p + i * PG, PG, (unsigned char)(base + i)))
            return 0;
    return 1;
}

static void *map_anon(size_t len, int prot)
{
    return mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

int main(void)
{
    unsigned char *p, *q, *r;

    /* ---- basic anonymous mapping ---- */
    p = map_anon(16 * PG, PROT_READ | PROT_WRITE);
    CHECK_ERR(p != MAP_FAILED, "mmap anonymous 64K read/write");
    if (p == MAP_FAILED)
        return t_done();
    CHECK(((uintptr_t)p & (PG - 1)) == 0, "mmap result is page aligned");
    CHECK(all_bytes(p, 16 * PG, 0), "fresh anonymous memory is zero");
    fill_pages(p, 16, 1);
    CHECK(check_pages(p, 16, 1), "anonymous memory keeps written data");

    /* partial munmap in the middle leaves the rest intact */
    CHECK_ERR(munmap(p + 4 * PG, 2 * PG) == 0, "munmap 2 pages in the middle");
    CHECK(check_pages(p, 4, 1) && check_pages(p + 6 * PG, 10, 7), "pages around a hole are intact");
    /* re-map the hole with MAP_FIXED */
    q = mmap(p + 4 * PG, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK_ERR(q == p + 4 * PG, "MAP_FIXED re-maps the hole at the requested address");
    if (q == p + 4 * PG)
        CHECK(all_bytes(q, 2 * PG, 0), "MAP_FIXED mapping is zero-filled");
    /* MAP_FIXED over existing pages replaces them */
    q = mmap(p + 8 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK_ERR(q == p + 8 * PG, "MAP_FIXED over a mapped page succeeds");
    CHECK(all_bytes(p + 8 * PG, PG, 0), "MAP_FIXED replaced the page with zeros");
    CHECK(check_pages(p + 7 * PG, 1, 8) && check_pages(p + 9 * PG, 7, 10),
          "MAP_FIXED left neighbouring pages intact");
    /* MAP_FIXED_NOREPLACE over an existing mapping fails with EEXIST */
    errno = 0;
    q = mmap(p + 8 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(q == MAP_FAILED && errno == EEXIST, "MAP_FIXED_NOREPLACE over a mapping fails with EEXIST");
    if (q != MAP_FAILED && q != p + 8 * PG)
        munmap(q, PG);

    /* ---- hint address (non-fixed) for a free area is honoured ---- */
    CHECK_ERR(munmap(p, 16 * PG) == 0, "munmap the whole area");
    q = mmap(p, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_ERR(q != MAP_FAILED, "mmap with a hint succeeds");
    CHECK(q == p, "a free hint address is used");
    if (q != MAP_FAILED)
        munmap(q, 4 * PG);

    /* ---- mprotect (permission changes that do not fault) ---- */
    p = map_anon(4 * PG, PROT_READ | PROT_WRITE);
    CHECK_ERR(p != MAP_FAILED, "mmap 4 pages for mprotect");
    if (p != MAP_FAILED) {
        fill_pages(p, 4, 0x40);
        CHECK_ERR(mprotect(p, 4 * PG, PROT_READ) == 0, "mprotect to PROT_READ");
        CHECK(check_pages(p, 4, 0x40), "read-only pages are readable with old contents");
        CHECK_ERR(mprotect(p + PG, PG, PROT_NONE) == 0, "mprotect one page to PROT_NONE");
        CHECK_ERR(mprotect(p, 4 * PG, PROT_READ | PROT_WRITE) == 0, "mprotect back to read/write");
        CHECK(check_pages(p, 4, 0x40), "contents survive PROT_NONE and back");
        p[PG + 5] = 0x99;
        CHECK(p[PG + 5] == 0x99, "page is writable again");
        errno = 0;
        /* raw system call: musl's wrapper rounds the address down itself */
        CHECK(syscall(SYS_mprotect, p + 1, PG, PROT_READ) == -1 && errno == EINVAL, "mprotect of unaligned address fails with EINVAL");
        munmap(p, 4 * PG);
        errno = 0;
        CHECK(mprotect(p, PG, PROT_READ) == -1 && errno == ENOMEM, "mprotect of unmapped memory fails with ENOMEM");
    }

    /* ---- mremap ---- */
    p = map_anon(4 * PG, PROT_READ | PROT_WRITE);
    CHECK_ERR(p != MAP_FAILED, "mmap 4 pages for mremap");
    if (p != MAP_FAILED) {
        fill_pages(p, 4, 0x10);
        /* block the area just after p so that growing must move */
        r = mmap(p + 4 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        q = mremap(p, 4 * PG, 64 * PG, MREMAP_MAYMOVE);
        CHECK_ERR(q != MAP_FAILED, "mremap grow 16K -> 256K with MREMAP_MAYMOVE");
        if (q != MAP_FAILED) {
            /* Where mappings land differs between kernels; the rule checked is the same either way. */
            CHECK(r != p + 4 * PG || q != p, "mremap moved the mapping when blocked");
            CHECK(check_pages(q, 4, 0x10), "mremap grow keeps contents");
            CHECK(all_bytes(q + 4 * PG, 60 * PG, 0), "mremap grown part is zero");
            fill_pages(q, 64, 0x20);
            p = mremap(q, 64 * PG, 8 * PG, 0);
            CHECK_ERR(p == q, "mremap shrink stays in place");
            CHECK(check_pages(q, 8, 0x20), "mremap shrink keeps contents");
            /* move to a fixed destination. The destination reservation is
             * 16 pages so that the 8 pages above the moved mapping are our
             * own (a dynamically linked program has ld.so/libc mappings right
             * next to fresh anonymous ones: never unmap what is not ours). */
            {
                unsigned char *dst = map_anon(16 * PG, PROT_NONE);
                if (dst != MAP_FAILED) {
                    unsigned char *m = mremap(q, 8 * PG, 8 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
                    CHECK_ERR(m == dst, "mremap MREMAP_FIXED moves to the given address");
                    if (m == dst) {
                        CHECK(check_pages(dst, 8, 0x20), "moved mapping keeps contents and protection");
                        q = dst;
                    } else {
                        munmap(dst, 16 * PG);
                    }
                }
            }
            /* grow in place when the next pages are free (q + 8 pages is
             * the rest of our own reservation when the move succeeded) */
            munmap(q + 8 * PG, 8 * PG);
            p = mremap(q, 8 * PG, 16 * PG, 0);
            CHECK_ERR(p == q, "mremap grows in place without MREMAP_MAYMOVE when space is free");
            if (p == q) {
                CHECK(check_pages(q, 8, 0x20) && all_bytes(q + 8 * PG, 8 * PG, 0),
                      "in-place growth keeps old and zeroes new pages");
                munmap(q, 16 * PG);
            } else {
                munmap(q, 8 * PG);
            }
        }
        if (r != MAP_FAILED)
            munmap(r, PG);
    }
    errno = 0;
    CHECK(mremap((void *)(PG + 1), PG, 2 * PG, MREMAP_MAYMOVE) == MAP_FAILED && errno == EINVAL,
          "mremap of unaligned address fails with EINVAL");

    /* ---- madvise(MADV_DONTNEED) zeroes private anonymous pages ---- */
    p = map_anon(8 * PG, PROT_READ | PROT_WRITE);
    CHECK_ERR(p != MAP_FAILED, "mmap 8 pages for madvise");
    if (p != MAP_FAILED) {
        fill_pages(p, 8, 0x70);
        CHECK_ERR(madvise(p + 2 * PG, 3 * PG, MADV_DONTNEED) == 0, "madvise MADV_DONTNEED");
        CHECK(all_bytes(p + 2 * PG, 3 * PG, 0), "MADV_DONTNEED pages read back as zero");
        CHECK(check_pages(p, 2, 0x70) && check_pages(p + 5 * PG, 3, 0x75),
              "pages outside the MADV_DONTNEED range are intact");
        CHECK_ERR(madvise(p, 8 * PG, MADV_WILLNEED) == 0 || errno == EBADF,
                  "madvise MADV_WILLNEED accepted");
        CHECK_ERR(madvise(p, 8 * PG, MADV_NORMAL) == 0, "madvise MADV_NORMAL");
        munmap(p, 8 * PG);
    }

    /* ---- larger mapping, touched sparsely ---- */
    p = map_anon(32 << 20, PROT_READ | PROT_WRITE);
    CHECK_ERR(p != MAP_FAILED, "mmap 32 MiB");
    if (p != MAP_FAILED) {
        size_t off;
        int ok = 1;
        for (off = 0; off < (32u << 20); off += 256 * 1024)
            p[off] = (unsigned char)(off >> 18);
        for (off = 0; off < (32u << 20); off += 256 * 1024)
            if (p[off] != (unsigned char)(off >> 18) || p[off + 1] != 0)
                ok = 0;
        CHECK(ok, "sparse writes to a 32 MiB mapping read back");
        CHECK_ERR(munmap(p, 32 << 20) == 0, "munmap 32 MiB");
    }

    /* ---- error cases ---- */
    errno = 0;
    CHECK(map_anon(0, PROT_READ) == MAP_FAILED && errno == EINVAL, "mmap of length 0 fails with EINVAL");
    errno = 0;
    CHECK(mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL,
          "mmap without MAP_PRIVATE/MAP_SHARED fails with EINVAL");
    errno = 0;
    CHECK(mmap((void *)(PG * 1000 + 1), PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED &&
              errno == EINVAL,
          "MAP_FIXED at an unaligned address fails with EINVAL");
    errno = 0;
    CHECK(munmap((void *)(PG + 1), PG) == -1 && errno == EINVAL, "munmap of unaligned address fails with EINVAL");
    errno = 0;
    CHECK(munmap(NULL, 0) == -1 && errno == EINVAL, "munmap of length 0 fails with EINVAL");
    p = map_anon(PG, PROT_READ);
    if (p != MAP_FAILED) {
        CHECK(munmap(p, PG) == 0 && munmap(p, PG) == 0, "munmap of an already unmapped range succeeds");
    }

    return t_done();
}
