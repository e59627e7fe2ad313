/* mknod/mknodat of device nodes as root in a fresh directory under /dev/shm: character devices
 * by number open as their driver (1,3 null, 1,5 zero, 1,7 full, 1,8 random, 1,9 urandom), with
 * st_rdev as given; a number without a driver (1,42; 60,0; block 60,0) opens with ENXIO; a pts
 * number outside devpts opens with EIO; socket nodes (open ENXIO, bind EADDRINUSE, connect
 * ECONNREFUSED); FIFOs and regular files; the type checks (EPERM for a directory, EINVAL for a
 * symlink or an unknown type, before the path is looked at), EEXIST, ENOENT, mknodat's dirfd. */
#include "compat.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

static char dir[64];

static const char *P(char *buf, const char *name)
{
    snprintf(buf, 128, "%s/%s", dir, name);
    return buf;
}

static void res(const char *what, long r)
{
    int e = r < 0 ? errno : 0;
    printf("%s: %ld errno %d\n", what, r, e);
}

static void node(const char *name, mode_t mode, unsigned maj, unsigned min)
{
    char p[128];
    errno = 0;
    int r = mknod(P(p, name), mode, makedev(maj, min));
    int e = r < 0 ? errno : 0;
    struct stat st;
    memset(&st, 0, sizeof st);
    stat(p, &st);
    unsigned type = st.st_mode & S_IFMT, perm = st.st_mode & 07777;
    unsigned rmaj = major(st.st_rdev), rmin = minor(st.st_rdev);
    printf("mknod %s: %d errno %d, type %o perm %o rdev %u,%u\n", name, r, e, type, perm, rmaj, rmin);
}

/* Opens the node, then reads 16 bytes and writes 4: what each step returns. */
static void use(const char *name, int flags)
{
    char p[128];
    errno = 0;
    int fd = open(P(p, name), flags);
    int e = fd < 0 ? errno : 0;
    printf("open %s: %s errno %d", name, fd >= 0 ? "ok" : "fails", e);
    if (fd >= 0) {
        unsigned char buf[16];
        memset(buf, 0xAA, sizeof buf);
        long n = read(fd, buf, sizeof buf);
        int re = n < 0 ? errno : 0;
        int zeros = 0;
        for (int i = 0; i < 16; i++) zeros += buf[i] == 0;
        long w = write(fd, "abcd", 4);
        int we = w < 0 ? errno : 0;
        printf(", read %ld errno %d (%s), write %ld errno %d", n, re,
               n == 16 && zeros == 16 ? "zeros" : n == 16 ? "bytes" : "-", w, we);
        struct stat a, b;
        fstat(fd, &a);
        stat(p, &b);
        printf(", same inode %d", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
        close(fd);
    }
    putchar('\n');
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    umask(022);
    snprintf(dir, sizeof dir, "/dev/shm/mknod-%d", (int)getpid());
    if (mkdir(dir, 0755) != 0) { printf("mkdir: errno %d\n", errno); return 1; }
    char p[128], q[128];

    node("null", S_IFCHR | 0666, 1, 3);
    node("zero", S_IFCHR | 0666, 1, 5);
    node("full", S_IFCHR | 0666, 1, 7);
    node("random", S_IFCHR | 0644, 1, 8);
    node("urandom", S_IFCHR | 0644, 1, 9);
    node("mem42", S_IFCHR | 0600, 1, 42);
    node("chr60", S_IFCHR | 0600, 60, 0);
    node("blk60", S_IFBLK | 0600, 60, 0);
    node("pts99", S_IFCHR | 0620, 136, 99);
    node("bigminor", S_IFCHR | 0600, 1, 0x12345);
    use("null", O_RDWR);
    use("zero", O_RDWR);
    use("full", O_RDWR);
    use("random", O_RDWR);
    use("urandom", O_RDONLY);
    use("mem42", O_RDWR);
    use("chr60", O_RDWR);
    use("blk60", O_RDWR);
    use("pts99", O_RDWR | O_NOCTTY);
    use("bigminor", O_RDWR);
    int fd = open(P(p, "null"), O_PATH);
    res("O_PATH open of a device node", fd >= 0 ? 0 : -1);
    close(fd);

    /* other types */
    node("fifo", S_IFIFO | 0644, 0, 0);
    node("reg", S_IFREG | 0644, 1, 3);
    node("typeless", 0644, 0, 0);
    node("sock", S_IFSOCK | 0755, 0, 0);
    errno = 0;
    fd = open(P(p, "sock"), O_RDWR);
    res("open of a socket node", fd);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", P(p, "sock"));
    res("bind to a socket node", bind(s, (struct sockaddr *)&sa, sizeof sa));
    res("connect to a socket node", connect(s, (struct sockaddr *)&sa, sizeof sa));
    close(s);

    /* errors */
    res("S_IFDIR", mknod(P(p, "d"), S_IFDIR | 0755, 0));
    res("S_IFLNK", mknod(P(p, "l"), S_IFLNK | 0755, 0));
    res("type 0x3000", mknod(P(p, "t3"), 0x3000 | 0644, 0));
    res("type 0xE000", mknod(P(p, "te"), 0xE000 | 0644, 0));
    res("S_IFDIR in a missing directory", mknod("/nonexistent-dir/x/y", S_IFDIR | 0755, 0));
    res("S_IFLNK in a missing directory", mknod("/nonexistent-dir/x/y", S_IFLNK | 0755, 0));
    res("existing name", mknod(P(p, "null"), S_IFCHR | 0666, makedev(1, 3)));
    res("missing directory", mknod(P(p, "nodir/x"), S_IFCHR | 0666, makedev(1, 3)));
    res("bad path pointer", mknod((char *)1, S_IFCHR | 0666, makedev(1, 3)));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    res("mknodat through a dirfd", mknodat(dfd, "at-null", S_IFCHR | 0666, makedev(1, 3)));
    use("at-null", O_WRONLY);
    res("mknodat with a closed dirfd", mknodat(999, "x", S_IFCHR | 0666, makedev(1, 3)));
    int ffd = open(P(q, "reg"), O_RDONLY);
    res("mknodat with a file as dirfd", mknodat(ffd, "x", S_IFCHR | 0666, makedev(1, 3)));
    close(ffd);
    close(dfd);

    const char *names[] = { "null", "zero", "full", "random", "urandom", "mem42", "chr60", "blk60", "pts99",
                            "bigminor", "fifo", "reg", "typeless", "sock", "at-null" };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) unlink(P(p, names[i]));
    res("rmdir", rmdir(dir));
    return 0;
}
