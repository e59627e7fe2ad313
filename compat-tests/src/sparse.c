/* sparse: holes in regular files. st_blocks counts what is stored, not the size, and
 * lseek(SEEK_DATA/SEEK_HOLE) finds the stored ranges, so cp, tar and rsync skip holes instead
 * of copying zeros (cp of a 1 GiB sparse file filled the guest's memory). Storage granularity is
 * the file system's (ext4: 4 KiB blocks; here: 64 KiB chunks), so only bounds are checked.
 * Works in /tmp/compat-sparse. */
#include "compat.h"
#include "files.h"

#define MIB (1024L * 1024)

int main(void)
{
    struct stat st;
    static char buf[100 * 1024];
    off_t d, h;
    int fd;

    if (!f_scratch_begin("sparse"))
        return t_done();

    /* All hole: no blocks, no data. */
    fd = open("holes", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK_ERR(fd >= 0, "create");
    CHECK_ERR(ftruncate(fd, 1024 * MIB) == 0, "ftruncate to 1 GiB");
    CHECK(fstat(fd, &st) == 0 && st.st_size == 1024 * MIB, "size 1 GiB");
    CHECK(st.st_blocks == 0, "no blocks stored");
    CHECK(lseek(fd, 0, SEEK_DATA) == -1 && errno == ENXIO, "SEEK_DATA from 0: ENXIO");
    CHECK(lseek(fd, 0, SEEK_HOLE) == 0, "SEEK_HOLE from 0: 0");
    CHECK(lseek(fd, 5 * MIB, SEEK_HOLE) == 5 * MIB, "SEEK_HOLE from 5 MiB: 5 MiB");
    CHECK(lseek(fd, 1024 * MIB, SEEK_HOLE) == -1 && errno == ENXIO, "SEEK_HOLE at the end: ENXIO");
    CHECK(lseek(fd, -1, SEEK_DATA) == -1 && errno == ENXIO, "SEEK_DATA at -1: ENXIO");

    /* One byte at 10 MiB: data there, a hole after it, the blocks of one small range. */
    CHECK(pwrite(fd, "x", 1, 10 * MIB) == 1, "pwrite 1 byte at 10 MiB");
    d = lseek(fd, 0, SEEK_DATA);
    CHECK(d == 10 * MIB, "SEEK_DATA from 0: 10 MiB");
    CHECK(lseek(fd, 10 * MIB + 1, SEEK_DATA) == 10 * MIB + 1, "SEEK_DATA inside the data: the same offset");
    h = lseek(fd, 10 * MIB, SEEK_HOLE);
    CHECK(h > 10 * MIB && h <= 10 * MIB + 64 * 1024, "SEEK_HOLE from 10 MiB: just after the stored range");
    CHECK(lseek(fd, 11 * MIB, SEEK_DATA) == -1 && errno == ENXIO, "no data after 11 MiB: ENXIO");
    CHECK(fstat(fd, &st) == 0 && st.st_blocks > 0 && st.st_blocks <= 128, "st_blocks: one small range");
    CHECK(lseek(fd, 0, SEEK_CUR) == h, "a failed SEEK_DATA leaves the position at the last result");
    close(fd);

    /* Dense: 100 KiB written, 200 blocks, the only hole at the end. */
    memset(buf, 'a', sizeof buf);
    fd = open("dense", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(write(fd, buf, sizeof buf) == (ssize_t)sizeof buf, "write 100 KiB");
    CHECK(fstat(fd, &st) == 0 && st.st_blocks == 200, "st_blocks 200");
    CHECK(lseek(fd, 0, SEEK_HOLE) == (off_t)sizeof buf, "SEEK_HOLE: the end");
    CHECK(lseek(fd, 4096, SEEK_DATA) == 4096, "SEEK_DATA: the offset itself");
    close(fd);

    f_scratch_end();
    return t_done();
}
