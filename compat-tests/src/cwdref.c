/* The working directory holds its directory the way an open descriptor does: a tmpfs whose root
 * is some process's cwd cannot be unmounted (EBUSY), and can once every process has left it, also
 * after a child that inherited the cwd moved away and exited, and after chdir and fchdir moved the
 * caller. Also: many directories made and removed, each once a cwd, with ".." and getcwd of a cwd
 * whose directory was removed. Everything happens under a fresh directory in /tmp. */
#include "compat.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char base[64], mnt[96];

static void res(const char *what, int r)
{
    if (r == 0) printf("%s: 0\n", what);
    else printf("%s: errno %d\n", what, errno);
}

/* readlink of `path`, with the test's base directory shown as BASE */
static void show_link(const char *what, const char *path)
{
    char buf[512];
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    if (n < 0) { printf("%s: errno %d\n", what, errno); return; }
    buf[n] = 0;
    size_t bl = strlen(base);
    if (strncmp(buf, base, bl) == 0) printf("%s: BASE%s\n", what, buf + bl);
    else printf("%s: %s\n", what, buf);
}

static void fdlink(const char *what, int fd)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    show_link(what, path);
}

int main(void)
{
    snprintf(base, sizeof base, "/tmp/cwdref.%d", (int)getpid());
    snprintf(mnt, sizeof mnt, "%s/m", base);
    if (mkdir(base, 0755) != 0 || mkdir(mnt, 0755) != 0) { perror("mkdir"); return 1; }
    if (mount("none", mnt, "tmpfs", 0, "size=1m") != 0) { perror("mount"); return 1; }
    char sub[128];
    snprintf(sub, sizeof sub, "%s/sub", mnt);
    mkdir(sub, 0755);

    /* the caller's own cwd inside */
    res("chdir m", chdir(mnt));
    res("umount with cwd at its root", umount(mnt));
    res("chdir m/sub", chdir(sub));
    res("umount with cwd below", umount(mnt));
    res("chdir /", chdir("/"));

    /* a child inherits a cwd inside, moves away and exits */
    res("chdir m again", chdir(mnt));
    pid_t pid = fork();
    if (pid == 0) { _exit(chdir("/") == 0 ? 0 : 1); }
    int st;
    waitpid(pid, &st, 0);
    printf("child status %d\n", WEXITSTATUS(st));
    res("umount while the caller is still inside", umount(mnt));
    int dfd = open("/", O_RDONLY | O_DIRECTORY);
    res("fchdir /", fchdir(dfd));
    close(dfd);
    res("umount after everyone left", umount(mnt));

    /* a child keeps the cwd while the parent leaves */
    if (mount("none", mnt, "tmpfs", 0, "size=1m") != 0) { perror("mount 2"); return 1; }
    int go[2], ready[2];
    if (pipe(go) || pipe(ready)) return 1;
    pid = fork();
    if (pid == 0) {
        char c;
        if (chdir(mnt) != 0) _exit(2);
        write(ready[1], "r", 1);
        read(go[0], &c, 1);
        _exit(0);
    }
    char c;
    read(ready[0], &c, 1);
    res("umount while a child is inside", umount(mnt));
    write(go[1], "g", 1);
    waitpid(pid, &st, 0);
    res("umount after the child ended", umount(mnt));

    /* directories made, entered, left and removed: the cwd's reference follows each chdir */
    char d[128];
    for (int i = 0; i < 2000; i++) {
        snprintf(d, sizeof d, "%s/d%d", base, i % 7);
        if (mkdir(d, 0755) != 0) { printf("mkdir %d: errno %d\n", i, errno); break; }
        if (chdir(d) != 0) { printf("chdir %d: errno %d\n", i, errno); break; }
        if (chdir("..") != 0) { printf("chdir .. %d: errno %d\n", i, errno); break; }
        if (rmdir(d) != 0) { printf("rmdir %d: errno %d\n", i, errno); break; }
    }
    printf("2000 directories made and removed\n");

    /* a cwd whose directory goes: getcwd says ENOENT, ".." still leads to the parent */
    snprintf(d, sizeof d, "%s/gone", base);
    mkdir(d, 0755);
    res("chdir gone", chdir(d));
    res("rmdir gone", rmdir(d));
    char buf[256];
    errno = 0;
    const char *got = getcwd(buf, sizeof buf) ? "ok" : "fail";
    int e = errno;
    printf("getcwd: %s errno %d\n", got, e);
    errno = 0;
    res("creat in removed cwd", open("f", O_CREAT | O_WRONLY, 0644) >= 0 ? 0 : -1);
    show_link("/proc/self/cwd of the removed cwd", "/proc/self/cwd");
    res("chdir ..", chdir(".."));
    int back = getcwd(buf, sizeof buf) && strcmp(buf, base) == 0;
    printf("back at base: %d\n", back);

    /* what readlink says of descriptors whose names went (Linux: the old path plus " (deleted)") */
    char p[128];
    snprintf(d, sizeof d, "%s/dir", base);
    mkdir(d, 0755);
    snprintf(p, sizeof p, "%s/dir/file", base);
    int ffd = open(p, O_CREAT | O_RDWR, 0644);
    int dfd2 = open(d, O_RDONLY | O_DIRECTORY);
    unlink(p);
    rmdir(d);
    fdlink("unlinked file", ffd);
    fdlink("removed directory", dfd2);
    close(ffd);
    close(dfd2);
    int mfd = memfd_create("compat-name", 0);
    fdlink("memfd", mfd);
    close(mfd);
    snprintf(p, sizeof p, "%s/kept", base);
    ffd = open(p, O_CREAT | O_RDWR, 0644);
    fdlink("linked file", ffd);
    unlink(p);
    close(ffd);

    chdir("/");
    rmdir(mnt);
    res("rmdir base", rmdir(base));
    return 0;
}
