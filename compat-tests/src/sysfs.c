/* sysfs(2) and ustat(2). The file system types and devices differ between machines, so only
 * facts that hold on any Linux are printed: sysfs agrees with /proc/filesystems and with itself,
 * bad options and indexes are EINVAL; ustat of the root's device agrees with statfs, a device
 * nothing is mounted on is EINVAL. */
#include "compat.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NR_ustat 136
#define NR_sysfs 139

struct ustat_ {
    int f_tfree;
    unsigned long f_tinode;
    char f_fname[6];
    char f_fpack[6];
};

static long sysfs_(int option, unsigned long a1, unsigned long a2)
{
    return syscall(NR_sysfs, option, a1, a2);
}

/* Is name listed in /proc/filesystems (the second column)? */
static int listed(const char *name, int *lines)
{
    FILE *f = fopen("/proc/filesystems", "r");
    char line[128];
    int found = 0, n = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t');
        char *word = tab ? tab + 1 : line;
        word[strcspn(word, "\n")] = 0;
        n++;
        if (strcmp(word, name) == 0)
            found = 1;
    }
    fclose(f);
    if (lines)
        *lines = n;
    return found;
}

static void sysfs_checks(void)
{
    long count = sysfs_(3, 0, 0);
    int lines = 0;
    listed("", &lines);
    CHECK(count > 0, "sysfs(3): some file system types");
    CHECK(count == lines, "as many as /proc/filesystems lists");
    int consistent = 1, all_listed = 1;
    for (long i = 0; i < count; i++) {
        char name[256] = {0};
        if (sysfs_(2, i, (unsigned long)name) != 0) {
            consistent = 0;
            continue;
        }
        if (sysfs_(1, (unsigned long)name, 0) != i)
            consistent = 0;
        if (!listed(name, NULL))
            all_listed = 0;
    }
    CHECK(consistent, "sysfs(2, i) names a type whose sysfs(1) index is i");
    CHECK(all_listed, "every name is in /proc/filesystems");
    CHECK(sysfs_(1, (unsigned long)"proc", 0) >= 0, "proc has an index");
    char buf[64];
    errno = 0;
    CHECK(sysfs_(2, count, (unsigned long)buf) == -1 && errno == EINVAL, "sysfs(2, count): EINVAL");
    errno = 0;
    CHECK(sysfs_(2, 0xFFFFFFFFul, (unsigned long)buf) == -1 && errno == EINVAL, "sysfs(2, 2^32-1): EINVAL");
    errno = 0;
    CHECK(sysfs_(2, 0, 8) == -1 && errno == EFAULT, "sysfs(2, 0, bad buffer): EFAULT");
    errno = 0;
    CHECK(sysfs_(1, (unsigned long)"no-such-fs", 0) == -1 && errno == EINVAL, "sysfs(1, unknown name): EINVAL");
    errno = 0;
    CHECK(sysfs_(1, (unsigned long)"", 0) == -1 && errno == ENOENT, "sysfs(1, \"\"): ENOENT");
    errno = 0;
    CHECK(sysfs_(1, 8, 0) == -1 && errno == EFAULT, "sysfs(1, bad pointer): EFAULT");
    errno = 0;
    CHECK(sysfs_(0, 0, 0) == -1 && errno == EINVAL, "option 0: EINVAL");
    errno = 0;
    CHECK(sysfs_(4, 0, 0) == -1 && errno == EINVAL, "option 4: EINVAL");
}

static void ustat_checks(void)
{
    struct stat st;
    struct statfs sf;
    struct ustat_ u;
    stat("/", &st);
    memset(&u, 0x55, sizeof u);
    long r = syscall(NR_ustat, (unsigned)st.st_dev, &u);
    CHECK_ERR(r == 0, "ustat of the root's device");
    statfs("/", &sf);
    /* Free counts move a little between the two calls (other programs, page tables). */
    long long db = (long long)u.f_tfree - (long long)(int)sf.f_bfree;
    long long di = (long long)u.f_tinode - (long long)sf.f_ffree;
    CHECK(llabs(db) <= (long long)(sf.f_blocks / 100 + 1024), "f_tfree is statfs's f_bfree");
    CHECK(llabs(di) <= 1024, "f_tinode is statfs's f_ffree");
    CHECK(u.f_fname[0] == 0 && u.f_fpack[0] == 0, "f_fname and f_fpack are empty");
    errno = 0;
    CHECK(syscall(NR_ustat, (unsigned)st.st_dev, (void *)8) == -1 && errno == EFAULT, "a bad buffer: EFAULT");
    /* 7:250 (a loop device this high) and 250:250 are mounted nowhere. */
    errno = 0;
    CHECK(syscall(NR_ustat, (7u << 8) | 250u, &u) == -1 && errno == EINVAL, "an unmounted device: EINVAL");
    errno = 0;
    CHECK(syscall(NR_ustat, 0xFAFAu, &u) == -1 && errno == EINVAL, "an unknown device: EINVAL");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    sysfs_checks();
    ustat_checks();
    return t_done();
}
