/* Kernel work that must go on while another thread is inside a long or blocking syscall:
 * - a sleeper's deadlines keep being met while another thread spends seconds in one sendfile, or
 *   in one read of 128 MiB or one write of 96 MiB to a file (timer interrupts are taken during
 *   syscalls and long copies have preemption points);
 * - close() of a descriptor that another thread is blocked reading does not end that read: the
 *   reader holds its own reference, as Linux's fdget does, so the data written next reaches it
 *   (the write does not fail with EPIPE for want of a reader).
 * Times are checked with slack; only booleans are printed. */
#include "compat.h"
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static volatile int copying = 1;
static long long worst_us, naps;

static void *sleeper(void *arg)
{
    (void)arg;
    while (copying) {
        long long t0 = now_us();
        struct timespec d = { 0, 2000000 };
        nanosleep(&d, NULL);
        long long late = now_us() - t0 - 2000;
        if (late > worst_us) worst_us = late;
        naps++;
    }
    return NULL;
}

static int pipefd[2];
static char got[8];
static ssize_t got_n = -2;

static void *reader(void *arg)
{
    (void)arg;
    got_n = read(pipefd[0], got, sizeof got);
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    alarm(120);

    /* One sendfile of the largest count Linux moves in one call, from /dev/zero to /dev/null. */
    int in = open("/dev/zero", O_RDONLY), out = open("/dev/null", O_WRONLY);
    CHECK_ERR(in >= 0 && out >= 0, "open /dev/zero and /dev/null");
    pthread_t t;
    CHECK(pthread_create(&t, NULL, sleeper, NULL) == 0, "start the sleeper");
    struct timespec d = { 0, 20000000 };
    nanosleep(&d, NULL);
    ssize_t moved = sendfile(out, in, NULL, 0x7ffff000);
    copying = 0;
    pthread_join(t, NULL);
    CHECK(moved == 0x7ffff000, "sendfile moved 0x7ffff000 bytes in one call");
    CHECK(naps > 0, "the sleeper ran");
    CHECK(worst_us < 100000, "2 ms naps beside a long sendfile end within 100 ms");
    if (worst_us >= 100000) printf("  worst nap %lld us late, sendfile moved %zd\n", worst_us, moved);

    /* One read of 128 MiB from /dev/zero. */
    size_t big = 128u << 20;
    char *buf = malloc(big);
    CHECK(buf != NULL, "malloc 128 MiB");
    worst_us = naps = 0;
    copying = 1;
    CHECK(pthread_create(&t, NULL, sleeper, NULL) == 0, "start the sleeper again");
    nanosleep(&d, NULL);
    ssize_t got_big = read(in, buf, big);
    copying = 0;
    pthread_join(t, NULL);
    CHECK(got_big == (ssize_t)big && buf[0] == 0 && buf[big - 1] == 0, "read 128 MiB of zeros in one call");
    CHECK(naps > 0, "the sleeper ran");
    CHECK(worst_us < 100000, "2 ms naps beside a 128 MiB read end within 100 ms");
    if (worst_us >= 100000) printf("  worst nap %lld us late\n", worst_us);

    /* One write of 96 MiB to a file. */
    int big_fd = open("/tmp/kwork-big", O_CREAT | O_TRUNC | O_WRONLY, 0600);
    CHECK(big_fd >= 0, "create /tmp/kwork-big");
    worst_us = naps = 0;
    copying = 1;
    CHECK(pthread_create(&t, NULL, sleeper, NULL) == 0, "start the sleeper once more");
    nanosleep(&d, NULL);
    ssize_t wrote = write(big_fd, buf, 96u << 20);
    copying = 0;
    pthread_join(t, NULL);
    CHECK(wrote == (ssize_t)(96u << 20), "wrote 96 MiB in one call");
    CHECK(worst_us < 100000, "2 ms naps beside a 96 MiB write end within 100 ms");
    if (worst_us >= 100000) printf("  worst nap %lld us late\n", worst_us);
    close(big_fd);
    unlink("/tmp/kwork-big");
    free(buf);

    /* close() under a blocked read. */
    signal(SIGPIPE, SIG_IGN);
    CHECK_ERR(pipe(pipefd) == 0, "pipe");
    CHECK(pthread_create(&t, NULL, reader, NULL) == 0, "start the reader");
    d.tv_nsec = 100000000;
    nanosleep(&d, NULL);                                       /* the reader is blocked by now */
    CHECK_ERR(close(pipefd[0]) == 0, "close the read end under the blocked read");
    ssize_t w = write(pipefd[1], "data", 4);
    CHECK(w == 4, "the write after that close still has a reader");
    pthread_join(t, NULL);
    CHECK(got_n == 4 && memcmp(got, "data", 4) == 0, "the blocked read returned the data");
    CHECK(fcntl(pipefd[0], F_GETFD) == -1 && errno == EBADF, "the closed descriptor is gone");
    w = write(pipefd[1], "more", 4);
    CHECK(w == -1 && errno == EPIPE, "once the read returned, the pipe has no reader (EPIPE)");
    return t_done();
}
