/* /proc/self/maps names what is mapped: the program's code and data after the executable, the
 * dynamic loader's after the loader's file (not the program), bss pages past the file anonymous,
 * and file offsets that lead back to the bytes mapped. */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

int initialized = 5;
static char big_bss[1 << 20];

struct region { unsigned long lo, hi, off; char perms[8]; char name[PATH_MAX]; };

static int find(unsigned long addr, struct region *r)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[PATH_MAX + 128];
    int found = 0;
    while (f && fgets(line, sizeof line, f)) {
        struct region x;
        x.name[0] = 0;
        if (sscanf(line, "%lx-%lx %7s %lx %*x:%*x %*u %4095s", &x.lo, &x.hi, x.perms, &x.off, x.name) < 4) continue;
        if (addr >= x.lo && addr < x.hi) { *r = x; found = 1; break; }
    }
    if (f) fclose(f);
    return found;
}

/* Does byte (region offset + addr - lo) of the file hold what memory holds at addr? */
static int same_bytes(const struct region *r, const void *addr, size_t n)
{
    FILE *f = fopen(r->name, "rb");
    unsigned char buf[16];
    if (!f) return 0;
    int ok = fseek(f, (long)(r->off + ((unsigned long)addr - r->lo)), SEEK_SET) == 0 && fread(buf, 1, n, f) == n && memcmp(buf, addr, n) == 0;
    fclose(f);
    return ok;
}

int main(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    struct region r;

    int ok = find((unsigned long)&main, &r);
    printf("code: found %d, perms %s, named after the executable %d, offset leads to the same bytes %d\n",
           ok, ok ? r.perms : "-", ok && strcmp(r.name, exe) == 0, ok && same_bytes(&r, (const void *)&main, 16));
    ok = find((unsigned long)&initialized, &r);
    printf("data: found %d, perms %s, named after the executable %d\n", ok, ok ? r.perms : "-", ok && strcmp(r.name, exe) == 0);
    big_bss[600000] = 1;
    ok = find((unsigned long)&big_bss[600000], &r);
    printf("bss past the file: found %d, perms %s, anonymous %d\n", ok, ok ? r.perms : "-", ok && r.name[0] == 0);

    unsigned long base = getauxval(AT_BASE);
    if (base == 0) {
        printf("no interpreter\n");
        return 0;
    }
    ok = find(base, &r);
    char real[PATH_MAX];
    const char *interp = NULL;
    /* The interpreter named in our PT_INTERP, resolved as the kernel resolves it. */
    ElfW(Phdr) *ph = (ElfW(Phdr) *)getauxval(AT_PHDR);
    unsigned long phnum = getauxval(AT_PHNUM), bias = 0;
    for (unsigned long i = 0; i < phnum; i++) if (ph[i].p_type == PT_PHDR) bias = (unsigned long)ph - ph[i].p_vaddr;
    for (unsigned long i = 0; i < phnum; i++) if (ph[i].p_type == PT_INTERP) interp = (const char *)(bias + ph[i].p_vaddr);
    int named = ok && interp && realpath(interp, real) && strcmp(r.name, real) == 0;
    printf("interpreter: found %d, named after the interpreter %d, not after the program %d, offset %lu\n",
           ok, named, ok && strcmp(r.name, exe) != 0, ok ? r.off : 0);
    ok = find(base + 0x1000, &r);
    printf("interpreter code: found %d, named %d, same bytes %d\n", ok, ok && interp && strcmp(r.name, real) == 0,
           ok && r.perms[2] == 'x' && same_bytes(&r, (const void *)(base + 0x1000), 16));
    return 0;
}
