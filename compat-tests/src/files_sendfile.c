/* files_sendfile: sendfile (file->file with and without an offset pointer,
 * file->pipe), copy_file_range, statfs/fstatfs (success only: every value
 * depends on the file system), ioctl FIONREAD/FIOCLEX/FIONCLEX/FIONBIO on
 * a regular file. Works in /tmp/compat-files_sendfile. */
#include "compat.h"
#include "files.h"
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/statfs.h>
#include <sys/vfs.h>
#include <termios.h>

#define SZ 10000

static unsigned char src[SZ];

static int file_equals(const char *path, const unsigned char *want, size_t len)
{
    static unsigned char buf[2 * SZ];
    ssize_t n = f_read_file(path, buf, sizeof(buf));
    return n == (ssize_t)len && memcmp(buf, want, len) == 0;
}

int main(void)
{
    int in, out, p[2], i, avail;
    off_t off, off2;
    ssize_t n, total;
    unsigned char buf[SZ];
    struct statfs sf;

    if (!f_scratch_begin("files_sendfile"))
        return t_done();
    for (i = 0; i < SZ; i++)
        src[i] = (unsigned char)(t_rand() >> 40);
    CHECK_ERR(f_write_file("src", src, SZ) == 0, "create src with 10000 bytes");
    in = open("src", O_RDONLY);
    CHECK_ERR(in >= 0, "open src");

    /* ---- sendfile without an offset pointer: uses the file offset ---- */
    out = open("dst1", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK_ERR(out >= 0, "create dst1");
    n = sendfile(out, in, NULL, 4000);
    CHECK_ERR(n == 4000, "sendfile(NULL offset) 4000 bytes");
    CHECK(lseek(in, 0, SEEK_CUR) == 4000, "the input file offset advanced to 4000");
    CHECK(lseek(out, 0, SEEK_CUR) == 4000, "the output file offset advanced to 4000");
    total = 4000;
    while ((n = sendfile(out, in, NULL, 4000)) > 0)
        total += n;
    CHECK_ERR(n == 0 && total == SZ, "sendfile until it returns 0 copies all 10000 bytes");
    close(out);
    CHECK(file_equals("dst1", src, SZ), "dst1 equals src");

    /* ---- sendfile with an offset pointer: the file offset is untouched ---- */
    lseek(in, 123, SEEK_SET);
    out = open("dst2", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    off = 5000;
    n = sendfile(out, in, &off, 3000);
    CHECK_ERR(n == 3000, "sendfile(&offset=5000) 3000 bytes");
    CHECK(off == 8000, "the offset variable advanced to 8000");
    CHECK(lseek(in, 0, SEEK_CUR) == 123, "the input file offset is unchanged");
    off = 9000;
    n = sendfile(out, in, &off, 5000);
    CHECK(n == 1000 && off == SZ, "sendfile near EOF returns the 1000 remaining bytes");
    n = sendfile(out, in, &off, 5000);
    CHECK(n == 0 && off == SZ, "sendfile at EOF returns 0");
    off = 0;
    CHECK(sendfile(out, in, &off, 0) == 0 && off == 0, "sendfile of 0 bytes returns 0");
    close(out);
    memcpy(buf, src + 5000, 3000);
    memcpy(buf + 3000, src + 9000, 1000);
    CHECK(file_equals("dst2", buf, 4000), "dst2 holds src[5000..8000) then src[9000..10000)");

    /* ---- sendfile file -> pipe ---- */
    CHECK_ERR(pipe(p) == 0, "pipe");
    off = 100;
    n = sendfile(p[1], in, &off, 500);
    CHECK_ERR(n == 500 && off == 600, "sendfile 500 bytes into a pipe");
    CHECK(read(p[0], buf, sizeof(buf)) == 500 && memcmp(buf, src + 100, 500) == 0, "the pipe delivers them");
    close(p[0]);
    close(p[1]);

    /* ---- sendfile errors ---- */
    out = open("dst1", O_WRONLY | O_APPEND);
    off = 0;
    CHECK_ERR(F_FAILS(sendfile(out, in, &off, 10), EINVAL), "sendfile to an O_APPEND file fails with EINVAL");
    close(out);
    out = open("dst1", O_RDONLY);
    off = 0;
    CHECK_ERR(F_FAILS(sendfile(out, in, &off, 10), EBADF), "sendfile to a read-only descriptor fails with EBADF");
    CHECK_ERR(F_FAILS(sendfile(in, 999, NULL, 10), EBADF), "sendfile from a closed descriptor fails with EBADF");
    close(out);

    /* ---- copy_file_range ---- */
    out = open("dst3", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK_ERR(out >= 0, "create dst3");
    lseek(in, 0, SEEK_SET);
    total = 0;
    while (total < 6000 && (n = copy_file_range(in, NULL, out, NULL, 6000 - total, 0)) > 0)
        total += n;
    CHECK_ERR(total == 6000, "copy_file_range(NULL, NULL) 6000 bytes");
    CHECK(lseek(in, 0, SEEK_CUR) == 6000 && lseek(out, 0, SEEK_CUR) == 6000, "both file offsets advanced to 6000");
    off = 6000;
    off2 = 6000;
    total = 0;
    while ((n = copy_file_range(in, &off, out, &off2, 100000, 0)) > 0)
        total += n;
    CHECK_ERR(n == 0 && total == 4000, "copy_file_range with offsets copies the remaining 4000 bytes, then 0");
    CHECK(off == SZ && off2 == SZ, "both offset variables advanced to 10000");
    CHECK(lseek(in, 0, SEEK_CUR) == 6000 && lseek(out, 0, SEEK_CUR) == 6000, "the file offsets are unchanged");
    CHECK(file_equals("dst3", src, SZ), "dst3 equals src");
    off = 0;
    off2 = 20000;
    n = copy_file_range(in, &off, out, &off2, 10, 0);
    CHECK_ERR(n == 10 && f_fsize(out) == 20010, "copy_file_range beyond the end of the output extends it");
    off = 0;
    off2 = 0;
    CHECK_ERR(F_FAILS(copy_file_range(in, &off, out, &off2, 10, 1), EINVAL),
              "copy_file_range with flags != 0 fails with EINVAL");
    off = 0;
    off2 = 100;
    CHECK_ERR(F_FAILS(copy_file_range(out, &off, out, &off2, 1000, 0), EINVAL),
              "an overlapping copy within one file fails with EINVAL");
    off = 0;
    off2 = 5000;
    CHECK_ERR(copy_file_range(out, &off, out, &off2, 1000, 0) == 1000, "a non-overlapping copy within one file");
    close(out);
    out = open("dst3", O_WRONLY | O_APPEND);
    off = 0;
    CHECK_ERR(F_FAILS(copy_file_range(in, &off, out, NULL, 10, 0), EBADF),
              "copy_file_range to an O_APPEND file fails with EBADF");
    close(out);

    /* ---- statfs/fstatfs: success only ---- */
    CHECK_ERR(statfs(".", &sf) == 0, "statfs of the scratch directory succeeds");
    CHECK(sf.f_bsize > 0, "statfs f_bsize > 0");
    CHECK_ERR(fstatfs(in, &sf) == 0, "fstatfs of an open file succeeds");
    CHECK_ERR(statfs("/", &sf) == 0, "statfs(\"/\") succeeds");
    CHECK_ERR(F_FAILS(statfs("missing", &sf), ENOENT), "statfs of a missing path fails with ENOENT");
    CHECK_ERR(F_FAILS(fstatfs(999, &sf), EBADF), "fstatfs of a closed descriptor fails with EBADF");

    /* ---- ioctl on a regular file ---- */
    lseek(in, 0, SEEK_SET);
    CHECK_ERR(ioctl(in, FIONREAD, &avail) == 0 && avail == SZ, "FIONREAD at offset 0 is the size (10000)");
    lseek(in, 4000, SEEK_SET);
    CHECK_ERR(ioctl(in, FIONREAD, &avail) == 0 && avail == 6000, "FIONREAD at offset 4000 is 6000");
    lseek(in, 20000, SEEK_SET);
    CHECK_ERR(ioctl(in, FIONREAD, &avail) == 0 && avail <= 0, "FIONREAD beyond EOF is not positive");
    CHECK(fcntl(in, F_GETFD) == 0, "FD_CLOEXEC initially clear");
    CHECK_ERR(ioctl(in, FIOCLEX) == 0 && fcntl(in, F_GETFD) == FD_CLOEXEC, "FIOCLEX sets FD_CLOEXEC");
    CHECK_ERR(ioctl(in, FIONCLEX) == 0 && fcntl(in, F_GETFD) == 0, "FIONCLEX clears FD_CLOEXEC");
    i = 1;
    CHECK_ERR(ioctl(in, FIONBIO, &i) == 0 && (fcntl(in, F_GETFL) & O_NONBLOCK), "FIONBIO 1 sets O_NONBLOCK");
    i = 0;
    CHECK_ERR(ioctl(in, FIONBIO, &i) == 0 && !(fcntl(in, F_GETFL) & O_NONBLOCK), "FIONBIO 0 clears O_NONBLOCK");
    {
        struct termios t;
        CHECK_ERR(F_FAILS(ioctl(in, TCGETS, &t), ENOTTY), "TCGETS on a regular file fails with ENOTTY");
    }
    CHECK_ERR(F_FAILS(ioctl(999, FIOCLEX), EBADF), "FIOCLEX on a closed descriptor fails with EBADF");
    close(in);

    f_scratch_end();
    return t_done();
}
