/* files_proc: the /proc, /dev and /sys files programs commonly read.
 * Only derived facts are printed (the executable's basename, argc, whether
 * a line was found); never paths, numbers or contents that depend on the
 * machine. Works in /tmp/compat-files_proc (for /proc/self/fd and cwd). */
#include "compat.h"
#include "files.h"
#include <ctype.h>
#include <sys/utsname.h>

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* read a whole (possibly size-0 /proc) file into a malloc'd NUL-terminated buffer */
static char *slurp(const char *path, size_t *lenp)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t len = 0, cap = 4096;
    char *b;
    ssize_t r;
    if (fd < 0)
        return NULL;
    b = malloc(cap + 1);
    while ((r = read(fd, b + len, cap - len)) > 0) {
        len += (size_t)r;
        if (len == cap) {
            cap *= 2;
            b = realloc(b, cap + 1);
        }
    }
    close(fd);
    if (r < 0) {
        free(b);
        return NULL;
    }
    b[len] = 0;
    if (lenp)
        *lenp = len;
    return b;
}

/* pointer to the start of the line beginning with prefix, or NULL */
static const char *find_line(const char *text, const char *prefix)
{
    const char *p = text;
    size_t n = strlen(prefix);
    while (p && *p) {
        if (strncmp(p, prefix, n) == 0)
            return p;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return NULL;
}

static int fd_listed(int fd)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    int found = 0;
    char want[16];
    snprintf(want, sizeof(want), "%d", fd);
    if (!d)
        return -1;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, want) == 0)
            found = 1;
    closedir(d);
    return found;
}

int main(int argc, char **argv)
{
    char exe[4096], link[4096], path[64];
    char *text;
    size_t len;
    ssize_t n;
    int fd, i;
    unsigned char buf[4096];

    if (!f_scratch_begin("files_proc"))
        return t_done();

    /* ---- /proc/self/exe ---- */
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    CHECK_ERR(n > 0, "readlink /proc/self/exe");
    exe[n > 0 ? n : 0] = 0;
    printf("exe basename %s\n", base_name(exe));
    CHECK(exe[0] == '/', "/proc/self/exe is an absolute path");
    CHECK(strcmp(base_name(exe), base_name(argv[0])) == 0, "exe basename equals argv[0] basename");
    {
        struct stat a, b;
        CHECK(stat(exe, &a) == 0 && stat("/proc/self/exe", &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev,
              "/proc/self/exe and its target are the same file");
    }

    /* ---- /proc/self/cmdline ---- */
    text = slurp("/proc/self/cmdline", &len);
    CHECK_ERR(text != NULL, "read /proc/self/cmdline");
    if (text) {
        size_t off = 0;
        int k = 0, same = 1;
        while (off < len) {
            if (k >= argc || strcmp(text + off, argv[k]) != 0)
                same = 0;
            off += strlen(text + off) + 1;
            k++;
        }
        CHECK(len > 0 && text[len - 1] == 0, "cmdline ends with a NUL");
        CHECK(same && k == argc, "cmdline equals argv (%d strings)", argc);
        free(text);
    }

    /* ---- /proc/self/maps ---- */
    text = slurp("/proc/self/maps", NULL);
    CHECK_ERR(text != NULL, "read /proc/self/maps");
    if (text) {
        int found = 0, wellformed = 1;
        char *line = text, *nl;
        for (; *line; line = nl + 1) {
            unsigned long lo, hi;
            char perms[8], file[4096];
            int fields;
            nl = strchr(line, '\n');
            if (!nl)
                break;
            *nl = 0;
            file[0] = 0;
            fields = sscanf(line, "%lx-%lx %7s %*x %*x:%*x %*u %4095s", &lo, &hi, perms, file);
            if (fields < 3 || lo >= hi)
                wellformed = 0;
            if (fields == 4 && strcmp(perms, "r-xp") == 0 && strcmp(file, exe) == 0)
                found = 1;
        }
        CHECK(wellformed, "every maps line parses as start-end perms offset dev inode [path]");
        CHECK(found, "maps has an r-xp line for the executable");
        free(text);
    }

    /* ---- /proc/self/fd ---- */
    CHECK(fd_listed(0) == 1 && fd_listed(1) == 1 && fd_listed(2) == 1, "/proc/self/fd lists 0, 1 and 2");
    CHECK_ERR(f_write_file("f", "x", 1) == 0, "create f");
    fd = open("f", O_RDONLY);
    CHECK(fd >= 0 && fd_listed(fd) == 1, "a freshly opened descriptor is listed");
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    n = readlink(path, link, sizeof(link) - 1);
    link[n > 0 ? n : 0] = 0;
    CHECK(n > 0 && ends_with(link, "/compat-files_proc/f"), "readlink /proc/self/fd/N names the file");
    {
        int fd2 = open(path, O_RDONLY);
        CHECK(fd2 >= 0 && read(fd2, buf, 2) == 1 && buf[0] == 'x', "open /proc/self/fd/N reopens the file");
        if (fd2 >= 0)
            close(fd2);
    }
    /* (a high number: opendir itself would reuse a low one after close) */
    CHECK(dup2(fd, 77) == 77 && fd_listed(77) == 1, "a descriptor made by dup2(fd, 77) is listed");
    close(77);
    CHECK(fd_listed(77) == 0, "after close it is no longer listed");
    close(fd);
    n = readlink("/proc/self/cwd", link, sizeof(link) - 1);
    link[n > 0 ? n : 0] = 0;
    CHECK(n > 0 && ends_with(link, "/compat-files_proc"), "/proc/self/cwd is the working directory");
    fd = open("/dev/null", O_RDONLY);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    n = readlink(path, link, sizeof(link) - 1);
    link[n > 0 ? n : 0] = 0;
    CHECK(n > 0 && strcmp(link, "/dev/null") == 0, "/proc/self/fd/N of /dev/null reads /dev/null");
    close(fd);

    /* ---- /proc/self/status, /proc/self/stat ---- */
    text = slurp("/proc/self/status", NULL);
    CHECK_ERR(text != NULL, "read /proc/self/status");
    if (text) {
        const char *l = find_line(text, "Name:");
        char name[64] = "";
        char comm[16];
        snprintf(comm, sizeof(comm), "%s", base_name(exe));
        CHECK(l != NULL, "status has a Name: line");
        if (l)
            sscanf(l, "Name:%63s", name);
        CHECK(strcmp(name, comm) == 0, "Name: is the executable's basename (first 15 characters)");
        l = find_line(text, "Pid:");
        CHECK(l != NULL && atol(l + 4) == (long)getpid(), "status Pid: equals getpid()");
        free(text);
    }
    text = slurp("/proc/self/stat", NULL);
    CHECK_ERR(text != NULL, "read /proc/self/stat");
    if (text) {
        const char *close_paren = strrchr(text, ')');
        CHECK(atol(text) == (long)getpid() && strchr(text, '(') != NULL && close_paren != NULL &&
                  close_paren[1] == ' ' && isalpha((unsigned char)close_paren[2]),
              "stat starts with pid (comm) state");
        free(text);
    }

    /* ---- system-wide files ---- */
    text = slurp("/proc/meminfo", NULL);
    CHECK_ERR(text != NULL, "read /proc/meminfo");
    if (text) {
        const char *l = find_line(text, "MemTotal:");
        unsigned long kb = 0;
        char unit[8] = "";
        CHECK(l != NULL && sscanf(l, "MemTotal: %lu %7s", &kb, unit) == 2 && kb > 0 && strcmp(unit, "kB") == 0,
              "meminfo has MemTotal: <n> kB");
        free(text);
    }
    text = slurp("/proc/cpuinfo", NULL);
    CHECK_ERR(text != NULL, "read /proc/cpuinfo");
    CHECK(text != NULL && find_line(text, "processor") != NULL, "cpuinfo has a processor line");
    free(text);
    text = slurp("/proc/uptime", NULL);
    CHECK_ERR(text != NULL, "read /proc/uptime");
    if (text) {
        double up = -1, idle = -1;
        CHECK(sscanf(text, "%lf %lf", &up, &idle) == 2 && up > 0 && idle >= 0, "uptime parses as two numbers");
        free(text);
    }
    text = slurp("/proc/sys/kernel/osrelease", &len);
    CHECK_ERR(text != NULL, "read /proc/sys/kernel/osrelease");
    if (text) {
        struct utsname u;
        CHECK(len > 1 && text[0] != '\n', "osrelease is non-empty");
        if (len > 0 && text[len - 1] == '\n')
            text[len - 1] = 0;
        CHECK(uname(&u) == 0 && strcmp(u.release, text) == 0, "osrelease equals uname().release");
        free(text);
    }
    text = slurp("/sys/devices/system/cpu/online", NULL);
    CHECK_ERR(text != NULL, "read /sys/devices/system/cpu/online");
    CHECK(text != NULL && isdigit((unsigned char)text[0]), "cpu/online starts with a CPU number");
    free(text);

    /* ---- /dev ---- */
    fd = open("/dev/null", O_RDWR);
    CHECK_ERR(fd >= 0, "open /dev/null");
    {
        struct stat st;
        CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode), "/dev/null is a character device");
    }
    CHECK_ERR(write(fd, "discard", 7) == 7, "write to /dev/null succeeds");
    CHECK(read(fd, buf, sizeof(buf)) == 0, "read from /dev/null gives EOF");
    close(fd);
    fd = open("/dev/zero", O_RDWR);
    CHECK_ERR(fd >= 0, "open /dev/zero");
    memset(buf, 0xFF, sizeof(buf));
    CHECK(read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf) && f_all(buf, sizeof(buf), 0), "/dev/zero reads 4096 zeros");
    CHECK_ERR(write(fd, buf, 10) == 10, "write to /dev/zero succeeds");
    close(fd);
    fd = open("/dev/full", O_RDWR);
    CHECK_ERR(fd >= 0, "open /dev/full");
    CHECK_ERR(F_FAILS(write(fd, "x", 1), ENOSPC), "write to /dev/full fails with ENOSPC");
    memset(buf, 0xFF, 64);
    CHECK(read(fd, buf, 64) == 64 && f_all(buf, 64, 0), "/dev/full reads zeros");
    close(fd);
    fd = open("/dev/urandom", O_RDONLY);
    CHECK_ERR(fd >= 0, "open /dev/urandom");
    memset(buf, 0, 64);
    CHECK(read(fd, buf, 32) == 32, "/dev/urandom reads 32 bytes");
    {
        int nz = 0;
        for (i = 0; i < 32; i++)
            nz |= buf[i];
        CHECK(nz != 0, "the 32 bytes are not all zero");
    }
    close(fd);

    f_scratch_end();
    return t_done();
}
