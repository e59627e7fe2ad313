/* files_unlink_open: a file unlinked while open stays usable through its
 * descriptors (read, write, lseek, ftruncate, fstat with st_nlink 0, mmap);
 * the name is gone and can be reused for a new, different file. Also an
 * open directory that is removed. Works in /tmp/compat-files_unlink_open. */
#include "compat.h"
#include "files.h"
#include <sys/mman.h>

static int dir_entries(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;
    int n = 0;
    if (!d)
        return -1;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

int main(void)
{
    int fd, fd2, fd3, dfd;
    char buf[64];
    struct stat st, st0;
    ssize_t n;

    if (!f_scratch_begin("files_unlink_open"))
        return t_done();

    CHECK_ERR(f_write_file("victim", "hello", 5) == 0, "create victim with 5 bytes");
    fd = open("victim", O_RDWR);
    CHECK_ERR(fd >= 0, "open victim O_RDWR");
    fd2 = open("victim", O_RDONLY);
    CHECK_ERR(fd2 >= 0, "open victim a second time O_RDONLY");
    fd3 = dup(fd);
    CHECK(fstat(fd, &st0) == 0 && st0.st_nlink == 1, "st_nlink is 1 before unlink");
    CHECK_ERR(unlink("victim") == 0, "unlink victim while it is open");

    /* the name is gone */
    CHECK_ERR(F_FAILS(stat("victim", &st), ENOENT), "stat of the name fails with ENOENT");
    CHECK_ERR(F_FAILS(access("victim", F_OK), ENOENT), "access of the name fails with ENOENT");
    CHECK_ERR(F_FAILS(open("victim", O_RDONLY), ENOENT), "open of the name fails with ENOENT");
    CHECK(dir_entries(".") == 0, "the directory listing is empty");
    CHECK_ERR(F_FAILS(unlink("victim"), ENOENT), "a second unlink fails with ENOENT");

    /* the file lives on */
    CHECK_ERR(fstat(fd, &st) == 0, "fstat of the unlinked file");
    CHECK(st.st_nlink == 0, "fstat shows st_nlink 0");
    CHECK(S_ISREG(st.st_mode) && st.st_size == 5 && st.st_ino == st0.st_ino, "still a 5-byte regular file, same inode");
    CHECK(fstat(fd2, &st) == 0 && st.st_nlink == 0, "the other descriptor also sees st_nlink 0");
    n = read(fd, buf, sizeof(buf));
    CHECK(n == 5 && memcmp(buf, "hello", 5) == 0, "read the old contents");
    CHECK_ERR(write(fd, " world", 6) == 6, "write to the unlinked file");
    CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek to 0");
    n = read(fd, buf, sizeof(buf));
    CHECK(n == 11 && memcmp(buf, "hello world", 11) == 0, "read back hello world");
    n = read(fd2, buf, sizeof(buf));
    CHECK(n == 11 && memcmp(buf, "hello world", 11) == 0, "the independent descriptor reads the new data");
    CHECK(lseek(fd3, 0, SEEK_CUR) == 11, "the dup shares the offset");
    n = pread(fd3, buf, 5, 6);
    CHECK(n == 5 && memcmp(buf, "world", 5) == 0, "pread through the dup");
    CHECK(f_fsize(fd2) == 11, "fstat size is 11");
    CHECK_ERR(ftruncate(fd, 4096) == 0 && f_fsize(fd2) == 4096, "ftruncate the unlinked file to 4096");
    {
        char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        CHECK_ERR(m != MAP_FAILED, "mmap MAP_SHARED of the unlinked file");
        if (m != MAP_FAILED) {
            CHECK(memcmp(m, "hello world", 11) == 0 && f_all(m + 11, 4096 - 11, 0), "the mapping shows the data");
            memcpy(m + 100, "mapped", 6);
            n = pread(fd2, buf, 6, 100);
            CHECK(n == 6 && memcmp(buf, "mapped", 6) == 0, "a store through the mapping is visible to read");
            munmap(m, 4096);
        }
    }
    CHECK_ERR(fsync(fd) == 0, "fsync of the unlinked file");
    CHECK_ERR(fchmod(fd, 0600) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0600,
              "fchmod of the unlinked file");

    /* the name can be reused for a different file */
    CHECK_ERR(f_write_file("victim", "new", 3) == 0, "create a new file under the same name");
    CHECK(f_file_is("victim", "new") && f_fsize(fd) == 4096, "the new file and the old one are separate");
    CHECK(stat("victim", &st) == 0 && st.st_nlink == 1 && st.st_ino != st0.st_ino, "the new name is a new inode");
    CHECK(fstat(fd, &st) == 0 && st.st_nlink == 0, "the old file still has st_nlink 0");
    CHECK_ERR(close(fd) == 0 && close(fd2) == 0 && close(fd3) == 0, "close all descriptors");
    CHECK(f_file_is("victim", "new"), "the new file is unaffected by closing the old one");

    /* rename over an open file: the replaced file also lives on */
    fd = open("victim", O_RDONLY);
    f_write_file("other", "other", 5);
    CHECK_ERR(rename("other", "victim") == 0, "rename another file over the open one");
    CHECK(fstat(fd, &st) == 0 && st.st_nlink == 0, "the replaced file has st_nlink 0");
    n = read(fd, buf, sizeof(buf));
    CHECK(n == 3 && memcmp(buf, "new", 3) == 0, "and still reads its own contents");
    CHECK(f_file_is("victim", "other"), "the name now refers to the other file");
    close(fd);

    /* an open directory that is removed */
    CHECK_ERR(mkdir("dir", 0755) == 0, "mkdir dir");
    dfd = open("dir", O_RDONLY | O_DIRECTORY);
    CHECK_ERR(dfd >= 0, "open dir");
    CHECK_ERR(rmdir("dir") == 0, "rmdir dir while it is open");
    CHECK(fstat(dfd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_nlink == 0, "fstat of the removed directory: st_nlink 0");
    CHECK_ERR(F_FAILS(openat(dfd, "x", O_WRONLY | O_CREAT, 0644), ENOENT),
              "creating a file in the removed directory fails with ENOENT");
    CHECK_ERR(F_FAILS(mkdirat(dfd, "x", 0755), ENOENT), "mkdirat in the removed directory fails with ENOENT");
    close(dfd);

    f_scratch_end();
    return t_done();
}
