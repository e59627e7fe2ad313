/* chroot: absolute paths and absolute symlinks resolve inside the new root, ".." stops at it,
 * getcwd names the working directory from it ("(unreachable)" outside it), children inherit it. */
#include "compat.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHOW(w, e) do { errno = 0; long r_ = (long)(e); printf("%s: %ld errno %d\n", w, r_, r_ < 0 ? errno : 0); } while (0)

static void cat(const char *what, const char *path)
{
    char buf[64] = { 0 };
    int fd = open(path, O_RDONLY);
    if (fd < 0) { printf("%s: open %s errno %d\n", what, path, errno); return; }
    read(fd, buf, sizeof buf - 1);
    close(fd);
    printf("%s: %s", what, buf);
}

static void cwd(const char *what)
{
    char buf[256];
    long n = syscall(SYS_getcwd, buf, sizeof buf);
    if (n < 0) printf("%s: errno %d\n", what, errno);
    else printf("%s: %s\n", what, strncmp(buf, "(unreachable)", 13) == 0 ? "(unreachable)..." : buf);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char jail[] = "/tmp/jail-XXXXXX";
    if (!mkdtemp(jail)) return 1;
    char p[128];
    snprintf(p, sizeof p, "%s/etc", jail); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/etc/name", jail);
    int fd = open(p, O_CREAT | O_WRONLY, 0644); write(fd, "inside\n", 7); close(fd);
    snprintf(p, sizeof p, "%s/abs", jail); symlink("/etc/name", p);
    fd = open("/tmp/outside-name", O_CREAT | O_WRONLY | O_TRUNC, 0644); write(fd, "outside\n", 8); close(fd);

    SHOW("chroot to a file", chroot("/tmp/outside-name"));
    SHOW("chroot to nothing", chroot("/tmp/no/such"));
    int outside = open("/tmp", O_RDONLY | O_DIRECTORY);
    SHOW("chroot", chroot(jail));
    cwd("cwd before chdir");
    cat("/etc/name", "/etc/name");
    cat("absolute symlink", "/abs");
    cat("dot-dot above the root", "/../../etc/name");
    SHOW("the old /tmp file", open("/tmp/outside-name", O_RDONLY));
    SHOW("chdir /", chdir("/"));
    cwd("cwd");
    SHOW("chdir ..", chdir(".."));
    cwd("cwd after ..");
    SHOW("chdir /etc", chdir("/etc"));
    cwd("cwd in etc");
    pid_t c = fork();
    if (c == 0) { int f = open("/etc/name", O_RDONLY); _exit(f >= 0 ? 0 : 1); }
    int st;
    waitpid(c, &st, 0);
    printf("child sees the same root: %d\n", WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* A descriptor opened before still reaches outside; so does a cwd put there. */
    SHOW("fchdir outside", fchdir(outside));
    cwd("cwd outside the root");
    cat("relative from outside", "outside-name");
    SHOW("chroot . (back to the real root from outside)", chroot("."));
    snprintf(p, sizeof p, "%s/etc/name", jail + 4);
    cat("after chroot .", p);
    unlink("outside-name");
    const char *j = jail + 5;                  /* relative to the working directory, /tmp */
    snprintf(p, sizeof p, "%s/abs", j); unlink(p);
    snprintf(p, sizeof p, "%s/etc/name", j); unlink(p);
    snprintf(p, sizeof p, "%s/etc", j); rmdir(p);
    rmdir(j);
    return 0;
}
