/* args: argv, environment (COMPAT_* only, sorted) and the auxiliary vector.
 * argv[0] is printed as its basename only (the directory differs between
 * environments). */
#include "compat.h"
#include <elf.h>
#include <link.h>
#include <sys/auxv.h>
#include <unistd.h>

extern const ElfW(Ehdr) __ehdr_start;
extern char _start[];

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct phdr_info {
    int seen;
    const ElfW(Phdr) *phdr;
    int phnum;
    ElfW(Addr) addr;
};

static int phdr_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    struct phdr_info *pi = data;
    (void)size;
    if (pi->seen++ == 0) {
        pi->phdr = info->dlpi_phdr;
        pi->phnum = info->dlpi_phnum;
        pi->addr = info->dlpi_addr;
    }
    return 0;
}

/* Raw auxv lookup (independent of libc's getauxval). */
static const ElfW(auxv_t) *raw_auxv;
static int raw_find(unsigned long type, unsigned long *val)
{
    const ElfW(auxv_t) *a;
    for (a = raw_auxv; a->a_type != AT_NULL; a++) {
        if (a->a_type == type) {
            *val = a->a_un.a_val;
            return 1;
        }
    }
    return 0;
}

static void check_raw(unsigned long type, const char *name, int compare)
{
    unsigned long v = 0;
    int found = raw_find(type, &v);
    CHECK(found, "auxv %s present", name);
    if (found && compare)
        CHECK(v == getauxval(type), "getauxval(%s) matches raw auxv", name);
}

int main(int argc, char **argv, char **envp)
{
    int i, n;
    char **e;

    /* ---- argv ---- */
    printf("argc %d\n", argc);
    printf("argv[0] basename %s\n", argc > 0 && argv[0] ? base_name(argv[0]) : "(null)");
    for (i = 1; i < argc; i++)
        printf("argv[%d] \"%s\"\n", i, argv[i]);
    CHECK(argv[argc] == NULL, "argv[argc] is NULL");
    CHECK(envp == argv + argc + 1, "envp follows argv on the initial stack");

    /* ---- environment: COMPAT_* variables, sorted ---- */
    n = 0;
    for (e = envp; *e; e++)
        n++;
    {
        char **list = calloc(n + 1, sizeof(char *));
        int m = 0;
        for (e = envp; *e; e++)
            if (strncmp(*e, "COMPAT_", 7) == 0)
                list[m++] = *e;
        qsort(list, m, sizeof(char *), cmp_str);
        printf("COMPAT_ variables: %d\n", m);
        for (i = 0; i < m; i++)
            printf("env %s\n", list[i]);
        free(list);
    }
    {
        const char *v = getenv("COMPAT_GREETING");
        if (v)
            printf("getenv COMPAT_GREETING \"%s\"\n", v);
        CHECK(getenv("COMPAT_SURELY_NOT_SET_ANYWHERE") == NULL, "getenv of an unset variable is NULL");
    }

    /* ---- auxiliary vector ---- */
    raw_auxv = (const ElfW(auxv_t) *)(e + 1);

    CHECK(getauxval(AT_PAGESZ) == 4096, "AT_PAGESZ == 4096");
    CHECK(sysconf(_SC_PAGESIZE) == 4096, "sysconf(_SC_PAGESIZE) == 4096");
    check_raw(AT_PAGESZ, "AT_PAGESZ", 1);

    {
        unsigned long phdr = getauxval(AT_PHDR);
        unsigned long phnum = getauxval(AT_PHNUM);
        const char *eh = (const char *)&__ehdr_start;
        struct phdr_info pi = {0, 0, 0, 0};

        CHECK(phdr != 0, "AT_PHDR non-zero");
        CHECK(phnum != 0, "AT_PHNUM non-zero");
        CHECK(getauxval(AT_PHENT) == sizeof(ElfW(Phdr)), "AT_PHENT == sizeof(Elf64_Phdr)");
        CHECK(memcmp(eh, ELFMAG, SELFMAG) == 0, "__ehdr_start is an ELF header");
        CHECK(phdr == (unsigned long)(eh + __ehdr_start.e_phoff),
              "AT_PHDR == __ehdr_start + e_phoff");
        CHECK(phnum == __ehdr_start.e_phnum, "AT_PHNUM == e_phnum");
        dl_iterate_phdr(phdr_cb, &pi);
        CHECK(pi.seen >= 1, "dl_iterate_phdr reports the executable");
        CHECK(pi.phdr == (const ElfW(Phdr) *)phdr, "dl_iterate_phdr phdr == AT_PHDR");
        CHECK(pi.phnum == (int)phnum, "dl_iterate_phdr phnum == AT_PHNUM");
        if (phdr && phnum) {
            const ElfW(Phdr) *ph = (const ElfW(Phdr) *)phdr;
            int loads = 0, pt_phdr_ok = 1;
            for (i = 0; i < (int)phnum; i++) {
                if (ph[i].p_type == PT_LOAD)
                    loads++;
                if (ph[i].p_type == PT_PHDR &&
                    pi.addr + ph[i].p_vaddr != phdr)
                    pt_phdr_ok = 0;
            }
            CHECK(loads >= 1, "program headers contain a PT_LOAD");
            CHECK(pt_phdr_ok, "PT_PHDR (if any) + load bias == AT_PHDR");
            CHECK(pi.addr + __ehdr_start.e_entry == getauxval(AT_ENTRY),
                  "load bias + e_entry == AT_ENTRY");
        }
        CHECK(getauxval(AT_ENTRY) == (unsigned long)_start, "AT_ENTRY == _start");
    }

    {
        const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);
        int nonzero = 0;
        CHECK(r != NULL, "AT_RANDOM non-null");
        if (r) {
            for (i = 0; i < 16; i++)
                nonzero |= r[i];
            CHECK(nonzero, "AT_RANDOM 16 bytes readable and not all zero");
        }
    }

    {
        const char *fn = (const char *)getauxval(AT_EXECFN);
        CHECK(fn != NULL, "AT_EXECFN non-null");
        if (fn) {
            CHECK(fn[0] != 0, "AT_EXECFN non-empty");
            CHECK(argc > 0 && strcmp(base_name(fn), base_name(argv[0])) == 0,
                  "AT_EXECFN basename matches argv[0] basename");
        }
    }

    CHECK(getauxval(AT_UID) == getuid(), "AT_UID == getuid()");
    CHECK(getauxval(AT_EUID) == geteuid(), "AT_EUID == geteuid()");
    CHECK(getauxval(AT_GID) == getgid(), "AT_GID == getgid()");
    CHECK(getauxval(AT_EGID) == getegid(), "AT_EGID == getegid()");
    check_raw(AT_UID, "AT_UID", 1);
    check_raw(AT_SECURE, "AT_SECURE", 1);
    CHECK(getauxval(AT_SECURE) == 0, "AT_SECURE == 0");
    /* glibc returns its own (adjusted) hwcap from getauxval: presence only. */
    check_raw(AT_HWCAP, "AT_HWCAP", 0);
    CHECK(getauxval(AT_HWCAP) != 0, "AT_HWCAP non-zero");
    check_raw(AT_CLKTCK, "AT_CLKTCK", 1);
    CHECK(getauxval(AT_CLKTCK) == 100, "AT_CLKTCK == 100");
    CHECK(sysconf(_SC_CLK_TCK) == 100, "sysconf(_SC_CLK_TCK) == 100");
    {
        const char *plat = (const char *)getauxval(AT_PLATFORM);
        CHECK(plat != NULL && strcmp(plat, "x86_64") == 0, "AT_PLATFORM == \"x86_64\"");
    }
    check_raw(AT_PHDR, "AT_PHDR", 1);
    check_raw(AT_ENTRY, "AT_ENTRY", 1);
    check_raw(AT_RANDOM, "AT_RANDOM", 1);
    check_raw(AT_EXECFN, "AT_EXECFN", 1);

    return t_done();
}
