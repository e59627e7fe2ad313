/* Results and errno values Linux gives for edge cases that programs and syscall test suites probe:
 * the file type fstat reports for descriptors that are not files, reads into unmapped memory at
 * end of file, memory calls on unmapped ranges, and argument checks. Each line prints the raw
 * result and errno, so the native run is the reference for every detail. */
#include "compat.h"
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static void show(const char *what, long r)
{
    if (r < 0) printf("%s: -1 errno %d\n", what, errno);
    else printf("%s: %ld\n", what, r);
}

static void show_mode(const char *what, int fd)
{
    struct stat st;
    if (fd < 0) { printf("%s: open failed %d\n", what, errno); return; }
    if (fstat(fd, &st) != 0) { printf("%s: fstat failed %d\n", what, errno); return; }
    /* The /proc/self/fd link names the kind ("socket:[N]", "anon_inode:[eventfd]"); numbers vary. */
    char path[64], link[128];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, link, sizeof link - 1);
    link[n < 0 ? 0 : n] = 0;
    char *o = link;
    for (char *c = link; *c; c++) {
        if (*c >= '0' && *c <= '9') { if (o == link || o[-1] != 'N') *o++ = 'N'; }
        else *o++ = *c;
    }
    *o = 0;
    printf("%s: type %06o perm %04o link %s\n", what, st.st_mode & S_IFMT, st.st_mode & 07777, link);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    long page = sysconf(_SC_PAGESIZE);

    /* fstat of descriptors that are not files. */
    int p[2];
    pipe(p);
    show_mode("pipe", p[0]);
    show_mode("unix socket", socket(AF_UNIX, SOCK_STREAM, 0));
    show_mode("inet socket", socket(AF_INET, SOCK_DGRAM, 0));
    show_mode("epoll", epoll_create1(0));
    show_mode("eventfd", (int)syscall(SYS_eventfd2, 0, 0));
    show_mode("timerfd", (int)syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 0));
    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGUSR1);
    show_mode("signalfd", (int)syscall(SYS_signalfd4, -1, &ss, 8, 0));

    /* An inaccessible buffer: a PROT_NONE page (unmapped memory could be reused by malloc). */
    char *none = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *gone = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(gone, page);

    /* read at end of file touches no memory: 0, not EFAULT. */
    int f = open("/proc/self/exe", O_RDONLY);
    lseek(f, 0, SEEK_END);
    show("read at EOF into PROT_NONE", read(f, none, 16));
    show("read at EOF into unmapped", read(f, gone, 16));
    lseek(f, 0, SEEK_SET);
    show("read of data into PROT_NONE", read(f, none, 16));
    show("read 0 bytes into unmapped", read(f, gone, 0));
    show("pipe read into unmapped (empty, nonblocking)", (fcntl(p[0], F_SETFL, O_NONBLOCK), read(p[0], gone, 4)));
    write(p[1], "abcd", 4);
    show("pipe read into unmapped (data)", read(p[0], gone, 4));
    show("pipe read after the failed one", read(p[0], (char[8]){0}, 8));

    /* Memory calls on an unmapped range. */
    show("madvise DONTNEED unmapped", madvise(gone, page, MADV_DONTNEED));
    show("madvise WILLNEED unmapped", madvise(gone, page, MADV_WILLNEED));
    show("madvise NORMAL unmapped", madvise(gone, page, MADV_NORMAL));
    show("madvise DONTNEED PROT_NONE", madvise(none, page, MADV_DONTNEED));
    show("madvise unaligned", madvise(none + 1, page, MADV_NORMAL));
    show("madvise bad advice", madvise(none, page, 12345));
    show("mlock unmapped", mlock(gone, page));
    show("munlock unmapped", munlock(gone, page));
    show("msync unmapped", msync(gone, page, MS_SYNC));
    show("msync bad flags", msync(none, page, MS_SYNC | MS_ASYNC));
    show("mprotect unmapped", mprotect(gone, page, PROT_READ));
    show("munmap unmapped", munmap(gone, page));
    show("mincore unmapped", mincore(gone, page, (unsigned char[1]){0}));

    /* Argument checks. */
    show("getpriority bad which", getpriority(7, 0));
    show("setpriority bad which", setpriority(7, 0, 0));
    show("fdatasync on a pipe", fdatasync(p[0]));
    show("fsync on a pipe", fsync(p[0]));
    struct iovec iov = { (char[4]){0}, 4 };
    show("preadv on a pipe", preadv(p[0], &iov, 1, 0));
    show("pwritev on a pipe", pwritev(p[1], &iov, 1, 0));
    show("lseek on a pipe", lseek(p[0], 0, SEEK_SET));
    show("close of a closed fd", close(999));
    show("dup2 to a negative fd", dup2(0, -1));
    show("fcntl bad command", fcntl(0, 12345));
    show("sched_setscheduler bad policy", sched_setscheduler(0, 77, &(struct sched_param){0}));
    show("kill bad signal", kill(getpid(), 65));
    show("rt_sigaction SIGKILL", sigaction(SIGKILL, &(struct sigaction){0}, NULL));
    return 0;
}
