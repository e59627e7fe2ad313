/* mount/umount2: tmpfs over a directory (hides it, own st_dev, statfs type, options in /proc/mounts),
 * busy and lazy unmounts, bind mounts and read-only remounts (EROFS), noexec/nodev, propagation
 * flags, MS_MOVE, stacked mounts, proc, and the errors. Everything happens under a fresh directory
 * in /tmp; a parent process unmounts whatever the test left there, even if it crashed. */
#include "compat.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define TMPFS_MAGIC 0x01021994
#define PROC_MAGIC 0x9fa0

static char base[64];
static char pa[96], pb[96], pc[96], pp[96], pl[96];

static const char *P(char *buf, const char *dir, const char *name)
{
    snprintf(buf, 160, "%s/%s", dir, name);
    return buf;
}

static void res(const char *what, int r)
{
    if (r == 0) printf("%s: 0\n", what);
    else printf("%s: errno %d\n", what, errno);
}

static int put(const char *path, const char *text)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0) return -1;
    int ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    close(fd);
    return ok ? 0 : -1;
}

static int exists(const char *path) { return access(path, F_OK) == 0; }

/* The /proc/self/mounts line of mount point `dir`: its type and options. */
static int mount_line(const char *dir, char *type, char *opts)
{
    FILE *f = fopen("/proc/self/mounts", "r");
    char line[1024], src[256], mp[256];
    int found = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%255s %255s %63s %255s", src, mp, type, opts) == 4 && strcmp(mp, dir) == 0) found = 1;
    fclose(f);
    return found;
}

static int in_mountinfo(const char *dir, const char *type)
{
    FILE *f = fopen("/proc/self/mountinfo", "r");
    char line[1024];
    int found = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
    {
        char id[32], parent[32], dev[32], root[256], mp[256];
        if (sscanf(line, "%31s %31s %31s %255s %255s", id, parent, dev, root, mp) != 5 || strcmp(mp, dir) != 0) continue;
        char *dash = strstr(line, " - ");
        if (dash && strncmp(dash + 3, type, strlen(type)) == 0) found = 1;
    }
    fclose(f);
    return found;
}

static void tests(void)
{
    char t[160], t2[160], type[64], opts[256];
    struct stat sb, sa, st;
    struct statfs fs;

    mkdir(pa, 0755); mkdir(pb, 0755); mkdir(pc, 0755); mkdir(pp, 0755);
    put(P(t, pa, "under.txt"), "under\n");
    stat(base, &sb);

    /* tmpfs over a directory */
    res("mount tmpfs", mount("tmpfs", pa, "tmpfs", 0, "mode=0755,size=1m"));
    printf("file under tmpfs hidden: %s\n", exists(P(t, pa, "under.txt")) ? "no" : "yes");
    stat(pa, &sa);
    printf("root mode: %o\n", sa.st_mode);
    printf("st_dev differs: %s\n", sa.st_dev != sb.st_dev ? "yes" : "no");
    statfs(pa, &fs);
    printf("statfs type tmpfs: %s, blocks %ld\n", fs.f_type == TMPFS_MAGIC ? "yes" : "no", (long)fs.f_blocks);
    if (mount_line(pa, type, opts)) printf("/proc/mounts: %s %s\n", type, opts);
    else printf("/proc/mounts: missing\n");
    printf("mountinfo lists it: %s\n", in_mountinfo(pa, "tmpfs") ? "yes" : "no");
    printf("write in tmpfs: %d\n", put(P(t, pa, "f"), "tmpfs data\n"));
    stat(P(t, pa, "f"), &st);
    printf("file st_dev is the mount's: %s\n", st.st_dev == sa.st_dev ? "yes" : "no");
    mkdir(P(t, pa, "sub"), 0755);
    stat(P(t, pa, "sub/../.."), &st);
    printf("sub/../.. is the parent: %s\n", st.st_ino == sb.st_ino && st.st_dev == sb.st_dev ? "yes" : "no");
    res("rename across mounts", rename(P(t, pa, "f"), P(t2, base, "f")));
    res("link across mounts", link(P(t, pa, "f"), P(t2, base, "f")));
    res("rmdir of the mount point", rmdir(pa));
    int fd = open(P(t, pa, "f"), O_RDONLY);
    res("umount with an open file", umount2(pa, 0));
    close(fd);
    chdir(P(t, pa, "sub"));
    char cwd[256];
    printf("getcwd inside: %s\n", getcwd(cwd, sizeof cwd) && strcmp(cwd, t) == 0 ? "ok" : "wrong");
    res("umount with the cwd inside", umount2(pa, 0));
    chdir("/");
    res("umount", umount2(pa, 0));
    printf("file under visible again: %s\n", exists(P(t, pa, "under.txt")) ? "yes" : "no");
    printf("tmpfs file gone: %s\n", exists(P(t, pa, "f")) ? "no" : "yes");

    /* errors */
    res("umount of a non-mount", umount2(base, 0));
    res("umount of a missing path", umount2(P(t, base, "missing"), 0));
    res("umount with bad flags", umount2(pa, 0x100));
    res("unknown type", mount("none", pa, "nosuchfs", 0, NULL));
    res("no type", mount("none", pa, NULL, 0, NULL));
    res("ext4 from a regular file", mount(P(t, pa, "under.txt"), pb, "ext4", 0, NULL));
    res("ext4 from a missing file", mount(P(t, base, "missing"), pb, "ext4", 0, NULL));
    res("tmpfs on a regular file", mount("tmpfs", P(t, pa, "under.txt"), "tmpfs", 0, NULL));
    res("tmpfs on a missing path", mount("tmpfs", P(t, base, "missing"), "tmpfs", 0, NULL));
    res("tmpfs with a bad option", mount("tmpfs", pa, "tmpfs", 0, "bogus=1"));
    res("make-private of a non-mount", mount(NULL, pa, NULL, MS_PRIVATE, NULL));
    res("remount of a non-mount", mount(NULL, pa, NULL, MS_REMOUNT, NULL));

    /* lazy unmount: open files keep the tree */
    mount("tmpfs", pa, "tmpfs", 0, NULL);
    put(P(t, pa, "f"), "lazy\n");
    int dfd = open(pa, O_RDONLY | O_DIRECTORY);
    fd = open(P(t, pa, "f"), O_RDONLY);
    res("propagation flag on a mount", mount(NULL, pa, NULL, MS_PRIVATE, NULL));
    res("two propagation flags", mount(NULL, pa, NULL, MS_PRIVATE | MS_SHARED, NULL));
    res("umount busy", umount2(pa, 0));
    res("umount MNT_DETACH", umount2(pa, MNT_DETACH));
    printf("under visible after detach: %s\n", exists(P(t, pa, "under.txt")) ? "yes" : "no");
    char buf[32] = { 0 };
    printf("read through the open file: %s", pread(fd, buf, sizeof buf - 1, 0) > 0 ? buf : "failed\n");
    int fd2 = openat(dfd, "f", O_RDONLY);
    printf("openat in the detached tree: %s\n", fd2 >= 0 ? "ok" : "failed");
    if (fd2 >= 0) close(fd2);
    close(fd); close(dfd);

    /* bind mounts and read-only remounts */
    put(P(t, pb, "x"), "bound\n");
    res("bind mount", mount(pb, pc, NULL, MS_BIND, NULL));
    printf("bound file visible: %s\n", exists(P(t, pc, "x")) ? "yes" : "no");
    put(P(t, pc, "y"), "y\n");
    printf("write through the bind reaches the source: %s\n", exists(P(t, pb, "y")) ? "yes" : "no");
    stat(pc, &st);
    printf("bind keeps st_dev: %s\n", st.st_dev == sb.st_dev ? "yes" : "no");
    res("remount bind read-only", mount(NULL, pc, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
    res("create on the read-only bind", put(P(t, pc, "z"), "z\n"));
    res("mkdir on the read-only bind", mkdir(P(t, pc, "d"), 0755));
    res("unlink on the read-only bind", unlink(P(t, pc, "x")));
    res("chmod on the read-only bind", chmod(P(t, pc, "x"), 0600));
    fd = open(P(t, pc, "x"), O_RDONLY);
    printf("read-only open works: %s\n", fd >= 0 ? "yes" : "no");
    if (fd >= 0) close(fd);
    res("create in the source", put(P(t, pb, "z"), "z\n"));
    statfs(pc, &fs);
    printf("statfs ST_RDONLY: %s\n", (fs.f_flags & ST_RDONLY) ? "yes" : "no");
    if (mount_line(pc, type, opts)) printf("/proc/mounts ro: %s\n", strncmp(opts, "ro,", 3) == 0 ? "yes" : "no");
    res("umount bind", umount2(pc, 0));
    printf("bind gone: %s\n", exists(P(t, pc, "x")) ? "no" : "yes");

    /* remount a tmpfs read-only and back */
    mount("tmpfs", pa, "tmpfs", 0, NULL);
    res("remount ro", mount(NULL, pa, NULL, MS_REMOUNT | MS_RDONLY, NULL));
    errno = 0;
    fd = open(P(t, pa, "n"), O_CREAT | O_WRONLY, 0644);
    printf("create on ro tmpfs: %s errno %d\n", fd >= 0 ? "ok" : "fails", errno);
    if (fd >= 0) close(fd);
    res("remount rw", mount(NULL, pa, NULL, MS_REMOUNT, NULL));
    res("create on rw tmpfs", put(P(t, pa, "n"), "n\n"));
    res("umount", umount2(pa, 0));

    /* noexec, nodev */
    mount("tmpfs", pa, "tmpfs", MS_NOEXEC | MS_NODEV, NULL);
    put(P(t, pa, "script"), "#!/bin/sh\nexit 0\n");
    chmod(t, 0755);
    char *argv[] = { t, NULL };
    res("execve on noexec", execve(t, argv, argv + 1));
    res("mknod char device", mknod(P(t, pa, "null"), S_IFCHR | 0666, makedev(1, 3)));
    errno = 0;
    fd = open(t, O_RDWR);
    printf("open device on nodev: %s errno %d\n", fd >= 0 ? "ok" : "fails", errno);
    if (fd >= 0) close(fd);
    if (mount_line(pa, type, opts)) printf("/proc/mounts: %s %s\n", type, opts);
    umount2(pa, 0);

    /* stacked mounts, MS_MOVE, UMOUNT_NOFOLLOW, MNT_EXPIRE */
    mount("tmpfs", pa, "tmpfs", 0, NULL);
    put(P(t, pa, "first"), "1\n");
    mount("tmpfs", pa, "tmpfs", 0, NULL);
    printf("second mount hides the first: %s\n", exists(P(t, pa, "first")) ? "no" : "yes");
    res("umount the second", umount2(pa, 0));
    printf("first visible again: %s\n", exists(P(t, pa, "first")) ? "yes" : "no");
    res("move mount", mount(pa, pc, NULL, MS_MOVE, NULL));
    printf("moved: %s, old place uncovered: %s\n", exists(P(t, pc, "first")) ? "yes" : "no",
           exists(P(t, pa, "under.txt")) ? "yes" : "no");
    symlink(pc, pl);
    res("umount a symlink with UMOUNT_NOFOLLOW", umount2(pl, UMOUNT_NOFOLLOW));
    res("MNT_EXPIRE first", umount2(pl, MNT_EXPIRE));
    res("MNT_EXPIRE second", umount2(pl, MNT_EXPIRE));
    mount("tmpfs", pc, "tmpfs", 0, NULL);
    res("MNT_FORCE", umount2(pc, MNT_FORCE));

    /* proc */
    res("mount proc", mount("proc", pp, "proc", 0, NULL));
    printf("proc meminfo there: %s\n", exists(P(t, pp, "meminfo")) ? "yes" : "no");
    statfs(pp, &fs);
    printf("statfs type proc: %s\n", fs.f_type == PROC_MAGIC ? "yes" : "no");
    res("umount proc", umount2(pp, 0));
}

static void rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    if (!d) return;
    while ((e = readdir(d)))
    {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (e->d_type == DT_DIR) { rmtree(p); rmdir(p); }
        else unlink(p);
    }
    closedir(d);
}

int main(void)
{
    strcpy(base, "/tmp/compat-mount-XXXXXX");
    if (!mkdtemp(base)) { perror("mkdtemp"); return 1; }
    snprintf(pa, sizeof pa, "%s/a", base);
    snprintf(pb, sizeof pb, "%s/b", base);
    snprintf(pc, sizeof pc, "%s/c", base);
    snprintf(pp, sizeof pp, "%s/p", base);
    snprintf(pl, sizeof pl, "%s/l", base);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) { tests(); fflush(stdout); _exit(0); }
    int status = 0;
    waitpid(pid, &status, 0);
    /* Whatever is still mounted under base goes (lazily, stacked ones one by one). */
    const char *dirs[] = { pa, pb, pc, pp };
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 8 && umount2(dirs[i], MNT_DETACH | UMOUNT_NOFOLLOW) == 0; k++) { }
    rmtree(base);
    rmdir(base);
    printf("child exit: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 0;
}
