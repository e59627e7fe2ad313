/* files_dup: dup/dup2/dup3 (shared offset and status flags, separate
 * FD_CLOEXEC), fcntl F_DUPFD/F_DUPFD_CLOEXEC lowest-free semantics,
 * F_GETFL/F_SETFL, POSIX record locks within one process (F_SETLK/F_GETLK),
 * open-file-description locks (F_OFD_*), flock. Nothing ever blocks.
 * Works in /tmp/compat-files_dup. */
#include "compat.h"
#include "files.h"
#include <sys/file.h>

static int is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

static void set_lock(struct flock *fl, short type, off_t start, off_t len)
{
    memset(fl, 0, sizeof(*fl));
    fl->l_type = type;
    fl->l_whence = SEEK_SET;
    fl->l_start = start;
    fl->l_len = len;
}

int main(void)
{
    int fd, fd2, fd3, a, b, c, r, fl;
    char buf[32];
    struct flock lk;

    if (!f_scratch_begin("files_dup"))
        return t_done();
    CHECK_ERR(f_write_file("f", "0123456789", 10) == 0, "create f with 10 bytes");
    fd = open("f", O_RDWR);
    CHECK_ERR(fd >= 0, "open f O_RDWR");

    /* ---- dup shares the offset ---- */
    fd2 = dup(fd);
    CHECK_ERR(fd2 >= 0 && fd2 != fd, "dup returns a new descriptor");
    CHECK(lseek(fd, 3, SEEK_SET) == 3 && lseek(fd2, 0, SEEK_CUR) == 3, "lseek on the original moves the dup");
    CHECK(read(fd2, buf, 2) == 2 && memcmp(buf, "34", 2) == 0 && lseek(fd, 0, SEEK_CUR) == 5,
          "read on the dup moves the original");
    CHECK(fcntl(fd2, F_GETFD) == 0, "dup clears FD_CLOEXEC");
    close(fd2);

    /* ---- dup2 ---- */
    r = dup2(fd, 50);
    CHECK_ERR(r == 50, "dup2(fd, 50) returns 50");
    CHECK(lseek(50, 7, SEEK_SET) == 7 && lseek(fd, 0, SEEK_CUR) == 7, "dup2 copy shares the offset");
    fd3 = open("f", O_RDONLY);
    CHECK_ERR(dup2(fd3, 50) == 50, "dup2 onto an open descriptor replaces it");
    CHECK(lseek(50, 0, SEEK_CUR) == 0 && (fcntl(50, F_GETFL) & O_ACCMODE) == O_RDONLY,
          "descriptor 50 now refers to the other open file");
    CHECK(lseek(fd, 0, SEEK_CUR) == 7, "the original is unaffected");
    CHECK_ERR(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0, "set FD_CLOEXEC on the original");
    CHECK_ERR(dup2(fd, fd) == fd, "dup2 onto itself returns the descriptor");
    CHECK(is_open(fd) && fcntl(fd, F_GETFD) == FD_CLOEXEC, "dup2 onto itself leaves it open and unchanged");
    fcntl(fd, F_SETFD, 0);
    CHECK_ERR(F_FAILS(dup2(999, 51), EBADF), "dup2 of a closed descriptor fails with EBADF");
    CHECK(!is_open(51), "the target was not opened");
    CHECK_ERR(F_FAILS(dup2(999, 999), EBADF), "dup2 of a closed descriptor onto itself fails with EBADF");
    CHECK_ERR(F_FAILS(dup2(fd, -1), EBADF), "dup2 to a negative descriptor fails with EBADF");
    close(50);
    close(fd3);

    /* ---- dup3 ---- */
    CHECK_ERR(F_FAILS(dup3(fd, fd, 0), EINVAL), "dup3 with equal descriptors fails with EINVAL");
    CHECK_ERR(dup3(fd, 52, O_CLOEXEC) == 52, "dup3(fd, 52, O_CLOEXEC)");
    CHECK(fcntl(52, F_GETFD) == FD_CLOEXEC && fcntl(fd, F_GETFD) == 0, "dup3 O_CLOEXEC applies to the new descriptor only");
    CHECK_ERR(dup3(fd, 52, 0) == 52 && fcntl(52, F_GETFD) == 0, "dup3 flags 0 clears FD_CLOEXEC");
    /* raw: musl's dup3 falls back to dup2 for flags other than O_CLOEXEC */
    CHECK_ERR(F_FAILS(syscall(SYS_dup3, fd, 53, O_NONBLOCK), EINVAL), "dup3 with a bad flag fails with EINVAL");
    CHECK_ERR(F_FAILS(syscall(SYS_dup3, fd, fd, 0), EINVAL), "raw dup3 with equal descriptors fails with EINVAL");
    close(53);
    close(52);

    /* ---- F_DUPFD / F_DUPFD_CLOEXEC ---- */
    r = fcntl(fd, F_DUPFD, 20);
    CHECK_ERR(r == 20, "F_DUPFD 20 returns 20 when it is free");
    r = fcntl(fd, F_DUPFD, 20);
    CHECK_ERR(r == 21, "F_DUPFD 20 returns 21 when 20 is taken");
    CHECK_ERR(dup2(fd, 23) == 23, "dup2 to 23");
    r = fcntl(fd, F_DUPFD_CLOEXEC, 20);
    CHECK_ERR(r == 22, "F_DUPFD_CLOEXEC 20 returns the lowest free descriptor 22");
    CHECK(fcntl(22, F_GETFD) == FD_CLOEXEC && fcntl(20, F_GETFD) == 0, "F_DUPFD_CLOEXEC sets FD_CLOEXEC, F_DUPFD does not");
    r = fcntl(fd, F_DUPFD, 20);
    CHECK_ERR(r == 24, "F_DUPFD 20 skips 20..23 and returns 24");
    close(21);
    r = fcntl(fd, F_DUPFD, 20);
    CHECK_ERR(r == 21, "after closing 21, F_DUPFD 20 returns 21");
    for (r = 20; r <= 24; r++)
        close(r);
    CHECK_ERR(F_FAILS(fcntl(fd, F_DUPFD, -1), EINVAL), "F_DUPFD with a negative minimum fails with EINVAL");
    CHECK_ERR(F_FAILS(fcntl(fd, F_DUPFD, 1 << 30), EINVAL), "F_DUPFD above RLIMIT_NOFILE fails with EINVAL");
    /* plain dup also returns the lowest free descriptor */
    a = dup(fd);
    b = dup(fd);
    c = dup(fd);
    CHECK(a >= 0 && b == a + 1 && c == b + 1, "three dups are consecutive");
    close(b);
    r = dup(fd);
    CHECK(r == b, "dup reuses the lowest free descriptor");
    close(a);
    close(b);
    close(c);

    /* ---- F_GETFL / F_SETFL ---- */
    fd2 = open("f", O_WRONLY | O_APPEND);
    fl = fcntl(fd2, F_GETFL);
    CHECK(fl != -1 && (fl & O_APPEND) && (fl & O_ACCMODE) == O_WRONLY, "F_GETFL shows O_WRONLY|O_APPEND");
    CHECK((fcntl(fd, F_GETFL) & O_APPEND) == 0 && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR,
          "F_GETFL of the other open file shows O_RDWR without O_APPEND");
    CHECK_ERR(fcntl(fd2, F_SETFL, fl | O_NONBLOCK) == 0, "F_SETFL O_NONBLOCK");
    fl = fcntl(fd2, F_GETFL);
    CHECK((fl & O_NONBLOCK) && (fl & O_APPEND), "F_GETFL shows O_NONBLOCK and still O_APPEND");
    fd3 = dup(fd2);
    CHECK(fcntl(fd3, F_GETFL) & O_NONBLOCK, "status flags are shared with a dup");
    CHECK_ERR(fcntl(fd3, F_SETFL, O_RDONLY) == 0, "F_SETFL with O_RDONLY and no flags");
    fl = fcntl(fd2, F_GETFL);
    CHECK((fl & O_ACCMODE) == O_WRONLY && !(fl & O_NONBLOCK) && !(fl & O_APPEND),
          "F_SETFL cannot change the access mode; clearing flags is shared");
    CHECK_ERR(fcntl(fd, F_SETFL, O_APPEND) == 0, "F_SETFL O_APPEND on the O_RDWR descriptor");
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && write(fd, "AB", 2) == 2 && lseek(fd, 0, SEEK_CUR) == 12,
          "after F_SETFL O_APPEND writes go to the end");
    CHECK(f_file_is("f", "0123456789AB"), "file is 0123456789AB");
    fcntl(fd, F_SETFL, 0);
    close(fd3);
    close(fd2);
    CHECK_ERR(F_FAILS(fcntl(999, F_GETFL), EBADF), "F_GETFL of a closed descriptor fails with EBADF");
    CHECK_ERR(F_FAILS(fcntl(fd, 9999), EINVAL), "an unknown fcntl command fails with EINVAL");

    /* ---- POSIX record locks (one process: own locks never conflict) ---- */
    set_lock(&lk, F_WRLCK, 0, 10);
    CHECK_ERR(fcntl(fd, F_SETLK, &lk) == 0, "F_SETLK write lock on bytes 0..9");
    set_lock(&lk, F_WRLCK, 0, 10);
    CHECK_ERR(fcntl(fd, F_GETLK, &lk) == 0, "F_GETLK");
    CHECK(lk.l_type == F_UNLCK, "F_GETLK reports F_UNLCK for our own lock");
    set_lock(&lk, F_RDLCK, 5, 0);
    CHECK_ERR(fcntl(fd, F_SETLK, &lk) == 0, "F_SETLK read lock from 5 to EOF (converts part of our lock)");
    fd2 = open("f", O_RDWR);
    set_lock(&lk, F_WRLCK, 0, 0);
    CHECK_ERR(fcntl(fd2, F_SETLK, &lk) == 0, "another descriptor of the same process can lock too");
    set_lock(&lk, F_WRLCK, 0, 0);
    CHECK(fcntl(fd2, F_GETLK, &lk) == 0 && lk.l_type == F_UNLCK, "F_GETLK via the other descriptor: F_UNLCK");
    set_lock(&lk, F_WRLCK, 0, 0);
    CHECK_ERR(fcntl(fd, F_SETLKW, &lk) == 0, "F_SETLKW does not block on our own lock");
    set_lock(&lk, F_UNLCK, 0, 0);
    CHECK_ERR(fcntl(fd, F_SETLK, &lk) == 0, "F_SETLK F_UNLCK of the whole file");
    fd3 = open("f", O_WRONLY);
    set_lock(&lk, F_RDLCK, 0, 1);
    CHECK_ERR(F_FAILS(fcntl(fd3, F_SETLK, &lk), EBADF), "read lock on a write-only descriptor fails with EBADF");
    close(fd3);
    fd3 = open("f", O_RDONLY);
    set_lock(&lk, F_WRLCK, 0, 1);
    CHECK_ERR(F_FAILS(fcntl(fd3, F_SETLK, &lk), EBADF), "write lock on a read-only descriptor fails with EBADF");
    set_lock(&lk, 99, 0, 1);
    CHECK_ERR(F_FAILS(fcntl(fd, F_SETLK, &lk), EINVAL), "a bad lock type fails with EINVAL");

    /* ---- OFD locks: they conflict between open file descriptions ---- */
    set_lock(&lk, F_WRLCK, 0, 4);
    CHECK_ERR(fcntl(fd, F_OFD_SETLK, &lk) == 0, "F_OFD_SETLK write lock on bytes 0..3");
    set_lock(&lk, F_RDLCK, 2, 1);
    CHECK_ERR(fcntl(fd2, F_OFD_GETLK, &lk) == 0, "F_OFD_GETLK via another open file description");
    CHECK(lk.l_type == F_WRLCK && lk.l_start == 0 && lk.l_len == 4 && lk.l_pid == -1,
          "it reports the conflicting write lock 0..3 with l_pid -1");
    set_lock(&lk, F_RDLCK, 0, 1);
    CHECK_ERR(F_FAILS(fcntl(fd2, F_OFD_SETLK, &lk), EAGAIN), "a conflicting F_OFD_SETLK fails with EAGAIN");
    set_lock(&lk, F_RDLCK, 2, 1);
    CHECK(fcntl(fd, F_OFD_GETLK, &lk) == 0 && lk.l_type == F_UNLCK, "the owner's F_OFD_GETLK reports F_UNLCK");
    set_lock(&lk, F_UNLCK, 0, 4);
    CHECK_ERR(fcntl(fd, F_OFD_SETLK, &lk) == 0, "F_OFD_SETLK F_UNLCK");
    set_lock(&lk, F_RDLCK, 0, 1);
    CHECK_ERR(fcntl(fd2, F_OFD_SETLK, &lk) == 0, "now the other description can lock");
    set_lock(&lk, F_UNLCK, 0, 1);
    fcntl(fd2, F_OFD_SETLK, &lk);
    set_lock(&lk, F_RDLCK, 0, 1);
    lk.l_pid = 1;
    CHECK_ERR(F_FAILS(fcntl(fd, F_OFD_SETLK, &lk), EINVAL), "F_OFD_SETLK with l_pid != 0 fails with EINVAL");

    /* ---- flock ---- */
    CHECK_ERR(flock(fd, LOCK_EX) == 0, "flock LOCK_EX");
    CHECK_ERR(flock(fd, LOCK_EX | LOCK_NB) == 0, "flock LOCK_EX again on the same description");
    a = dup(fd);
    CHECK_ERR(flock(a, LOCK_EX | LOCK_NB) == 0, "a dup shares the flock");
    close(a);
    CHECK_ERR(F_FAILS(flock(fd2, LOCK_EX | LOCK_NB), EWOULDBLOCK),
              "LOCK_EX|LOCK_NB via another open file description fails with EWOULDBLOCK");
    CHECK_ERR(F_FAILS(flock(fd3, LOCK_SH | LOCK_NB), EWOULDBLOCK), "LOCK_SH|LOCK_NB also fails with EWOULDBLOCK");
    CHECK_ERR(flock(fd, LOCK_SH) == 0, "convert to LOCK_SH");
    CHECK_ERR(flock(fd3, LOCK_SH | LOCK_NB) == 0, "a second shared lock succeeds");
    CHECK_ERR(F_FAILS(flock(fd2, LOCK_EX | LOCK_NB), EWOULDBLOCK), "an exclusive lock still conflicts");
    CHECK_ERR(flock(fd, LOCK_UN) == 0 && flock(fd3, LOCK_UN) == 0, "flock LOCK_UN on both");
    CHECK_ERR(flock(fd2, LOCK_EX | LOCK_NB) == 0, "now LOCK_EX via the other description succeeds");
    close(fd2); /* closing the last descriptor releases the lock */
    CHECK_ERR(flock(fd, LOCK_EX | LOCK_NB) == 0, "closing the holder released its flock");
    CHECK_ERR(flock(fd, LOCK_UN) == 0, "LOCK_UN");
    CHECK_ERR(F_FAILS(flock(999, LOCK_EX), EBADF), "flock of a closed descriptor fails with EBADF");
    CHECK_ERR(F_FAILS(flock(fd, 0), EINVAL), "flock with operation 0 fails with EINVAL");
    close(fd3);
    close(fd);

    f_scratch_end();
    return t_done();
}
