/* Helpers for the files_* tests (include after compat.h).
 *
 * Every files_* test works only inside its own scratch directory
 * /tmp/compat-<test> (a fixed name: nothing random is ever printed).
 * f_scratch_begin() removes any leftover of an earlier run, creates the
 * directory, sets umask 022 and makes it the working directory;
 * f_scratch_end() leaves it and removes it again. */
#ifndef COMPAT_FILES_H
#define COMPAT_FILES_H

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static char f_scratch_path[256];

/* rm -rf of dirfd/name without following symlinks; 0 on success. */
static T_UNUSED int f_rm_rf_at(int atfd, const char *name)
{
    struct stat st;
    if (fstatat(atfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : -1;
    if (S_ISDIR(st.st_mode)) {
        int fd = openat(atfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d;
        struct dirent *de;
        char **names = NULL;
        size_t n = 0, cap = 0, i;
        int rc = 0;
        if (fd < 0)
            return -1;
        d = fdopendir(fd);
        if (!d) {
            close(fd);
            return -1;
        }
        /* collect first, remove afterwards: never modify while iterating */
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 16;
                names = realloc(names, cap * sizeof(char *));
            }
            names[n++] = strdup(de->d_name);
        }
        for (i = 0; i < n; i++) {
            if (f_rm_rf_at(dirfd(d), names[i]) != 0)
                rc = -1;
            free(names[i]);
        }
        free(names);
        closedir(d);
        if (rc != 0)
            return rc;
        return unlinkat(atfd, name, AT_REMOVEDIR);
    }
    return unlinkat(atfd, name, 0);
}

static T_UNUSED int f_scratch_begin(const char *test)
{
    int ok;
    umask(022);
    snprintf(f_scratch_path, sizeof(f_scratch_path), "/tmp/compat-%s", test);
    ok = f_rm_rf_at(AT_FDCWD, f_scratch_path) == 0 && mkdir(f_scratch_path, 0755) == 0 &&
         chdir(f_scratch_path) == 0;
    CHECK_ERR(ok, "scratch directory /tmp/compat-%s created", test);
    return ok;
}

static T_UNUSED void f_scratch_end(void)
{
    int ok = chdir("/") == 0 && f_rm_rf_at(AT_FDCWD, f_scratch_path) == 0;
    struct stat st;
    CHECK_ERR(ok, "scratch directory removed");
    CHECK(stat(f_scratch_path, &st) != 0 && errno == ENOENT, "scratch directory is gone");
}

/* Create (or truncate) path with mode 0644 and write len bytes; 0 on success. */
static T_UNUSED int f_write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ssize_t w;
    if (fd < 0)
        return -1;
    w = len ? write(fd, data, len) : 0;
    if (close(fd) != 0 || w != (ssize_t)len)
        return -1;
    return 0;
}

/* Read up to cap bytes of path; returns the length or -1. */
static T_UNUSED ssize_t f_read_file(const char *path, void *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t got = 0;
    ssize_t r;
    if (fd < 0)
        return -1;
    while (got < cap && (r = read(fd, (char *)buf + got, cap - got)) > 0)
        got += (size_t)r;
    close(fd);
    return (ssize_t)got;
}

/* 1 if the file at path holds exactly the string s (no terminating NUL). */
static T_UNUSED int f_file_is(const char *path, const char *s)
{
    char buf[4096];
    ssize_t n = f_read_file(path, buf, sizeof(buf));
    return n == (ssize_t)strlen(s) && memcmp(buf, s, (size_t)n) == 0;
}

/* Size of path (lstat semantics not used), or -1. */
static T_UNUSED long long f_size(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    return (long long)st.st_size;
}

static T_UNUSED long long f_fsize(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    return (long long)st.st_size;
}

/* 1 if n bytes at p are all equal to v */
static T_UNUSED int f_all(const void *p, size_t n, unsigned char v)
{
    const unsigned char *c = p;
    size_t i;
    for (i = 0; i < n; i++)
        if (c[i] != v)
            return 0;
    return 1;
}

/* errno-style check: expression must fail with -1 and the given errno */
#define F_FAILS(expr, err) (errno = 0, (expr) == -1 && errno == (err))

static T_UNUSED int f_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

#endif
