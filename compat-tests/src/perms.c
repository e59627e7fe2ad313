// File permission checks: root sets up files and directories with various modes and owners,
// then a child drops to uid 65534 / gid 65534 with supplementary group 4242 and checks open,
// access (real ids) against AT_EACCESS, search permission in the walk, exec, mkdir, unlink,
// rename, link (protected_hardlinks), sticky and set-group-ID directories, chmod, chown,
// utimensat, truncate, and who may send a signal to whom. Root's own rules come first (exec
// needs an x bit; chown clears set-user-ID bits).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>

static char dir[64];

static const char *err(long r)
{
    if (r >= 0) return "ok";
    switch (errno) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case ENOEXEC: return "ENOEXEC";
    case ESRCH: return "ESRCH";
    case EISDIR: return "EISDIR";
    case ENOTDIR: return "ENOTDIR";
    default: return "other";
    }
}

static const char *P(const char *name)
{
    static char buf[4][128];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
    return buf[i];
}

static void make(const char *name, mode_t mode, uid_t uid, gid_t gid)
{
    int fd = open(P(name), O_CREAT | O_WRONLY | O_TRUNC, 0600);
    if (write(fd, "hello\n", 6) != 6) perror("write");
    close(fd);
    chown(P(name), uid, gid);
    chmod(P(name), mode);
}

static void mkd(const char *name, mode_t mode, uid_t uid, gid_t gid)
{
    mkdir(P(name), 0700);
    chown(P(name), uid, gid);
    chmod(P(name), mode);
}

static void show(const char *name)
{
    struct stat st;
    if (lstat(P(name), &st) < 0) { printf("  %-16s %s\n", name, err(-1)); return; }
    printf("  %-16s mode %06o uid %u gid %u\n", name, st.st_mode, st.st_uid, st.st_gid);
}

static void try_open(const char *name, int flags)
{
    int fd = open(P(name), flags, 0644);
    printf("open %-14s %#06x %s\n", name, flags, err(fd));
    if (fd >= 0) close(fd);
}

static void try_exec(const char *name)
{
    pid_t c = fork();
    if (c == 0) {
        char *argv[] = { (char *)"x", NULL };
        execv(P(name), argv);
        printf("exec %-14s %s\n", name, err(-1));
        exit(0);
    }
    int st;
    waitpid(c, &st, 0);
}

static void try_access(const char *name, int mode, int flags)
{
    printf("faccessat %-10s %d %s %s\n", name, mode, flags ? "EACCESS" : "real", err(faccessat(AT_FDCWD, P(name), mode, flags)));
}

static void drop(void)
{
    gid_t g[1] = { 4242 };
    if (setgroups(1, g) < 0 || setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0) {
        perror("drop");
        exit(1);
    }
}

static pid_t root_sleeper, nobody_sleeper;

static void as_nobody(void)
{
    drop();
    printf("-- as nobody\n");
    try_open("ro", O_RDONLY);
    try_open("ro", O_WRONLY);
    try_open("ro", O_RDWR);
    try_open("ro", O_RDONLY | O_TRUNC);
    try_open("secret", O_RDONLY);
    try_open("grp", O_RDONLY);
    try_open("grp", O_WRONLY);
    try_open("otherw", O_WRONLY);
    try_open("new", O_CREAT | O_WRONLY);
    try_open("w/new", O_CREAT | O_EXCL | O_RDWR);
    try_open("nosearch/f", O_RDONLY);
    try_open("nosearch", O_RDONLY | O_DIRECTORY);
    try_open("noread", O_RDONLY | O_DIRECTORY);
    try_open("noread/f", O_RDONLY);
    try_open("ro", O_RDONLY | O_NOATIME);
    struct stat st;
    printf("stat nosearch/f %s\n", err(stat(P("nosearch/f"), &st)));
    printf("stat noread/f %s\n", err(stat(P("noread/f"), &st)));
    printf("chdir nosearch %s\n", err(chdir(P("nosearch"))));
    try_access("ro", R_OK, 0);
    try_access("ro", W_OK, 0);
    try_access("secret", R_OK, 0);
    try_access("grp", R_OK, 0);
    try_access("exe", X_OK, 0);
    try_access("noexec", X_OK, 0);
    try_access("nosearch/f", F_OK, 0);
    try_exec("exe-garbage");
    try_exec("noexec");
    printf("mkdir in dir %s\n", err(mkdir(P("d2"), 0755)));
    printf("mkdir w/d %s\n", err(mkdir(P("w/d"), 0755)));
    printf("mkdir existing %s\n", err(mkdir(P("sub"), 0755)));
    printf("unlink ro %s\n", err(unlink(P("ro"))));
    printf("rmdir sub %s\n", err(rmdir(P("sub"))));
    printf("rename ro %s\n", err(rename(P("ro"), P("w/ro"))));
    printf("rename w/new %s\n", err(rename(P("w/new"), P("w/new2"))));
    printf("symlink in dir %s\n", err(symlink("ro", P("lnk"))));
    printf("symlink w/lnk %s\n", err(symlink("ro", P("w/lnk"))));
    printf("mknod fifo w/fifo %s\n", err(mknod(P("w/fifo"), S_IFIFO | 0644, 0)));
    printf("mknod chr w/chr %s\n", err(mknod(P("w/chr"), S_IFCHR | 0644, makedev(1, 3))));
    printf("link ro w/hl %s\n", err(link(P("ro"), P("w/hl"))));
    printf("link otherw w/hl2 %s\n", err(link(P("otherw"), P("w/hl2"))));
    printf("link w/new2 w/hl3 %s\n", err(link(P("w/new2"), P("w/hl3"))));
    // Sticky /tmp-like directory.
    printf("unlink sticky/rootfile %s\n", err(unlink(P("sticky/rootfile"))));
    printf("rename sticky/rootfile %s\n", err(rename(P("sticky/rootfile"), P("sticky/x"))));
    int fd = open(P("sticky/mine"), O_CREAT | O_WRONLY, 0644);
    close(fd);
    printf("rename sticky/mine %s\n", err(rename(P("sticky/mine"), P("sticky/mine2"))));
    printf("unlink sticky/mine2 %s\n", err(unlink(P("sticky/mine2"))));
    // Set-group-ID directory: new files take its group, new directories its bit.
    fd = open(P("sgid/f"), O_CREAT | O_WRONLY, 02755);
    close(fd);
    mkdir(P("sgid/d"), 0755);
    show("sgid/f");
    show("sgid/d");
    // chmod and chown.
    printf("chmod ro %s\n", err(chmod(P("ro"), 0666)));
    printf("chmod w/new2 %s\n", err(chmod(P("w/new2"), 02755)));
    show("w/new2");
    printf("chown w/new2 gid 4242 %s\n", err(chown(P("w/new2"), -1, 4242)));
    show("w/new2");
    printf("chmod w/new2 02755 %s\n", err(chmod(P("w/new2"), 02755)));
    show("w/new2");
    printf("chown w/new2 gid 65534 (S_ISGID, group exec) %s\n", err(chown(P("w/new2"), -1, 65534)));
    show("w/new2");
    printf("chown w/new2 gid 7 %s\n", err(chown(P("w/new2"), -1, 7)));
    printf("chown w/new2 uid 0 %s\n", err(chown(P("w/new2"), 0, -1)));
    printf("chown w/new2 uid 65534 %s\n", err(chown(P("w/new2"), 65534, -1)));
    printf("chown ro %s\n", err(chown(P("ro"), -1, 4242)));
    printf("fchmod own %s\n", err(chmod(P("w/new2"), 04711)));
    show("w/new2");
    // Times.
    printf("utimensat NULL otherw %s\n", err(utimensat(AT_FDCWD, P("otherw"), NULL, 0)));
    printf("utimensat NULL ro %s\n", err(utimensat(AT_FDCWD, P("ro"), NULL, 0)));
    struct timespec ts[2] = { { 1000, 0 }, { 2000, 0 } };
    printf("utimensat times otherw %s\n", err(utimensat(AT_FDCWD, P("otherw"), ts, 0)));
    printf("utimensat times own %s\n", err(utimensat(AT_FDCWD, P("w/new2"), ts, 0)));
    struct timespec now_omit[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
    printf("utimensat NOW,OMIT ro %s\n", err(utimensat(AT_FDCWD, P("ro"), now_omit, 0)));
    struct timespec omit[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
    printf("utimensat OMIT,OMIT ro %s\n", err(utimensat(AT_FDCWD, P("ro"), omit, 0)));
    struct timespec now2[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
    printf("utimensat NOW,NOW otherw %s\n", err(utimensat(AT_FDCWD, P("otherw"), now2, 0)));
    printf("truncate ro %s\n", err(truncate(P("ro"), 0)));
    // Writing clears the set-user-ID bit and an executable set-group-ID bit (not a plain S_ISGID).
    int wfd = open(P("suidw"), O_WRONLY);
    printf("write suidw %s\n", err(write(wfd, "x", 1)));
    close(wfd);
    show("suidw");
    wfd = open(P("sgidw"), O_WRONLY);
    printf("ftruncate sgidw %s\n", err(ftruncate(wfd, 1)));
    close(wfd);
    show("sgidw");
    printf("truncate otherw %s\n", err(truncate(P("otherw"), 0)));
    // Signals.
    printf("kill root 0 %s\n", err(kill(root_sleeper, 0)));
    printf("kill root TERM %s\n", err(kill(root_sleeper, SIGTERM)));
    printf("kill root CONT %s\n", err(kill(root_sleeper, SIGCONT)));
    printf("kill nobody 0 %s\n", err(kill(nobody_sleeper, 0)));
    printf("kill group %s\n", err(kill(-getpgrp(), 0)));
    // A unix socket's node.
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof a.sun_path, "%s", P("w/sock"));
    printf("bind w/sock %s\n", err(bind(s, (struct sockaddr *)&a, sizeof a)));
    close(s);
    show("w/sock");
    show("w/fifo");
    show("w/d");
    show("w/lnk");
}

static void real_vs_effective(void)
{
    // Real uid 65534, effective root: access() asks for the real user.
    printf("-- real 65534, effective 0\n");
    setresuid(65534, 0, 0);
    try_access("secret", R_OK, 0);
    try_access("secret", R_OK, AT_EACCESS);
    try_open("secret", O_RDONLY);
    printf("-- real 0, effective 65534\n");
    setresuid(0, 65534, 0);
    try_access("secret", R_OK, 0);
    try_access("secret", R_OK, AT_EACCESS);
    try_access("mine1000", R_OK, 0);
    try_open("secret", O_RDONLY);
}

static void run(void (*fn)(void))
{
    pid_t c = fork();
    if (c == 0) { fn(); exit(0); }
    int st;
    waitpid(c, &st, 0);
}

static void sleeper(void)
{
    for (;;) pause();
}

static int ready[2];

static void nobody_sleep(void)
{
    drop();
    close(ready[0]);
    close(ready[1]);            /* EOF for the parent: the ids are dropped */
    sleeper();
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    umask(022);
    strcpy(dir, "/tmp/permsXXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    chmod(dir, 0755);
    make("ro", 0644, 0, 0);
    make("secret", 0600, 0, 0);
    make("grp", 0640, 0, 4242);
    make("otherw", 0666, 0, 0);
    make("exe-garbage", 0755, 0, 0);
    make("noexec", 0644, 0, 0);
    make("exe", 0711, 0, 0);
    make("ownx", 0100, 0, 0);
    make("mine1000", 0600, 1000, 1000);
    mkd("sub", 0755, 0, 0);
    mkd("nosearch", 0700, 0, 0);
    make("nosearch/f", 0644, 0, 0);
    mkd("noread", 0711, 0, 0);
    make("noread/f", 0644, 0, 0);
    mkd("w", 0777, 0, 0);
    mkd("sticky", 01777, 0, 0);
    make("sticky/rootfile", 0666, 0, 0);
    mkd("sgid", 02777, 0, 4242);
    make("suid", 06755, 0, 0);
    make("suid-noxgrp", 06745, 0, 0);
    make("suidw", 06757, 0, 0);
    make("sgidw", 02646, 0, 0);
    printf("root writes suidw %s\n", err(truncate(P("suidw"), 6)));
    show("suidw");

    printf("-- root\n");
    try_exec("noexec");
    try_exec("ownx");
    try_access("noexec", X_OK, 0);
    try_access("ownx", X_OK, 0);
    try_access("secret", R_OK | W_OK, 0);
    try_open("secret", O_RDWR);
    printf("chown suid -1 -1 %s\n", err(chown(P("suid"), -1, -1)));
    show("suid");
    printf("chown suid-noxgrp 0 0 %s\n", err(chown(P("suid-noxgrp"), 0, 0)));
    show("suid-noxgrp");
    printf("chmod sgid-file as root %s\n", err(chmod(P("ro"), 02644)));
    show("ro");
    chmod(P("ro"), 0644);

    fflush(stdout);
    root_sleeper = fork();
    if (root_sleeper == 0) sleeper();
    pipe(ready);
    nobody_sleeper = fork();
    if (nobody_sleeper == 0) nobody_sleep();
    close(ready[1]);
    char c;
    read(ready[0], &c, 1);      /* kill() below must find it already nobody's */
    close(ready[0]);
    run(as_nobody);
    run(real_vs_effective);
    kill(root_sleeper, SIGKILL);
    kill(nobody_sleeper, SIGKILL);
    int st;
    waitpid(root_sleeper, &st, 0);
    printf("root sleeper: signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    waitpid(nobody_sleeper, &st, 0);

    printf("-- after\n");
    show("ro");
    show("otherw");
    show("w/new");
    show("w/hl3");
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    // No shell in the unikernel: remove what we made by hand.
    const char *files[] = { "w/sock", "w/fifo", "w/lnk", "w/hl", "w/hl2", "w/hl3", "w/new2", "w/new", "w/ro", "sgid/f", "sticky/rootfile",
                            "sticky/x", "nosearch/f", "noread/f", "ro", "secret", "grp", "otherw", "exe-garbage", "noexec", "exe", "ownx",
                            "mine1000", "suid", "suid-noxgrp", "lnk", "new", "suidw", "sgidw" };
    for (unsigned i = 0; i < sizeof files / sizeof *files; i++) unlink(P(files[i]));
    const char *dirs[] = { "w/d", "sgid/d", "sub", "nosearch", "noread", "w", "sticky", "sgid", "d2" };
    for (unsigned i = 0; i < sizeof dirs / sizeof *dirs; i++) rmdir(P(dirs[i]));
    printf("cleanup %s\n", err(rmdir(dir)));
    (void)cmd;
    return 0;
}
