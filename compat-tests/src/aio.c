/* Linux native AIO through raw syscalls (no libaio): io_setup's mapped completion ring (header
 * fields, consumption from user space as libaio does), io_submit of PREAD/PWRITE/PREADV/PWRITEV/
 * FSYNC/FDSYNC/POLL, IOCB_FLAG_RESFD with an eventfd, a POLL completed later (also by another
 * process), io_cancel, io_getevents/io_pgetevents waiting, timing out and interrupted, the
 * in-flight limit, the errors Linux gives, io_destroy, and a fork child without the contexts.
 * Only values Linux prints the same on any machine: the ring's size depends on the CPU count, so
 * it is printed as "nr >= asked". */
#include "compat.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NR_io_setup 206
#define NR_io_destroy 207
#define NR_io_getevents 208
#define NR_io_submit 209
#define NR_io_cancel 210
#define NR_io_pgetevents 333

enum { CMD_PREAD = 0, CMD_PWRITE = 1, CMD_FSYNC = 2, CMD_FDSYNC = 3, CMD_POLL = 5, CMD_NOOP = 6, CMD_PREADV = 7, CMD_PWRITEV = 8 };
#define FLAG_RESFD 1u

struct iocb_ {
    uint64_t data;
    uint32_t key, rw_flags;
    uint16_t opcode;
    int16_t reqprio;
    uint32_t fildes;
    uint64_t buf, nbytes;
    int64_t offset;
    uint64_t reserved2;
    uint32_t flags, resfd;
};

struct event_ { uint64_t data, obj; int64_t res, res2; };

struct ring_ {
    unsigned id, nr, head, tail, magic, compat_features, incompat_features, header_length;
    struct event_ events[];
};

struct aio_sigset_ { const sigset_t *sigmask; size_t sigsetsize; };

typedef unsigned long ctx_t;

static long setup(unsigned nr, ctx_t *ctx) { return syscall(NR_io_setup, nr, ctx); }
static long destroy(ctx_t ctx) { return syscall(NR_io_destroy, ctx); }
static long submit(ctx_t ctx, long nr, struct iocb_ **cbs) { return syscall(NR_io_submit, ctx, nr, cbs); }
static long getevents(ctx_t ctx, long min, long nr, struct event_ *ev, struct timespec *ts)
{
    return syscall(NR_io_getevents, ctx, min, nr, ev, ts);
}
static long cancel(ctx_t ctx, struct iocb_ *cb, struct event_ *ev) { return syscall(NR_io_cancel, ctx, cb, ev); }

static void prep(struct iocb_ *cb, int op, int fd, void *buf, size_t n, long long off, uint64_t data)
{
    memset(cb, 0, sizeof *cb);
    cb->opcode = op;
    cb->fildes = fd;
    cb->buf = (uint64_t)(uintptr_t)buf;
    cb->nbytes = n;
    cb->offset = off;
    cb->data = data;
}

/* io_submit of one iocb: "1 errno 0", or "-1 errno N". */
static long submit1(ctx_t ctx, struct iocb_ *cb)
{
    struct iocb_ *list[1] = { cb };
    return submit(ctx, 1, list);
}

static const char *ename(int e)
{
    switch (e) {
    case 0: return "0";
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case EINTR: return "EINTR";
    case EINPROGRESS: return "EINPROGRESS";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ENOMEM: return "ENOMEM";
    case ENOSYS: return "ENOSYS";
    default: return "other";
    }
}

/* Prints "what: r errno E" (errno only when r < 0). */
static void show(const char *what, long r)
{
    printf("%s: %ld errno %s\n", what, r, r < 0 ? ename(errno) : "0");
}

static int by_data(const void *x, const void *y)
{
    const struct event_ *a = x, *b = y;
    return a->data < b->data ? -1 : a->data > b->data;
}

static volatile int alarms;
static void on_alarm(int s) { (void)s; alarms++; }

static long ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static int in_maps(const char *needle)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int found = 0;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strstr(line, needle))
            found = 1;
    fclose(f);
    return found;
}

static int mapped(const void *addr)
{
    unsigned char v;
    return mincore((void *)((uintptr_t)addr & ~4095ul), 4096, &v) == 0;
}

static long aio_nr(void)
{
    FILE *f = fopen("/proc/sys/fs/aio-nr", "r");
    long v = -1;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

extern char **environ;

int main(int argc, char **argv)
{
    ctx_t ctx = 0, bad = 0;
    struct timespec second = { 1, 0 }, zero = { 0, 0 };
    struct event_ ev[256];
    char path[64];
    long r;

    if (argc == 3 && strcmp(argv[1], "after-exec") == 0) {
        /* execve ended the old image's contexts (one had a POLL waiting) and unmapped their rings */
        ctx_t old = strtoul(argv[2], NULL, 10);
        errno = 0; show("after exec: io_destroy of the old context", destroy(old));
        printf("after exec: /[aio] in maps: %s\n", in_maps("[aio]") == 1 ? "yes" : "no");
        errno = 0; show("after exec: io_setup", setup(4, &ctx));
        printf("after exec: ring id %u\n", ctx ? ((struct ring_ *)ctx)->id : 99u);
        return t_done();
    }

    /* ---- io_setup ---------------------------------------------------------------------- */
    errno = 0; show("io_setup nr 0", setup(0, &bad));
    bad = 1; errno = 0; show("io_setup *ctxp != 0", setup(8, &bad));
    bad = 0;
    errno = 0; show("io_setup ctxp NULL", setup(8, NULL));
    errno = 0; show("io_setup nr above aio-max-nr", setup(65537, &bad));
    errno = 0; show("io_setup nr 0xffffffff", setup(0xffffffffu, &bad));
    long nr_before = aio_nr();
    errno = 0; show("io_setup nr 8", setup(8, &ctx));
    printf("aio-nr grew by at least 8: %s\n", aio_nr() - nr_before >= 8 ? "yes" : "no");
    if (ctx == 0) {
        printf("no context: giving up\n");
        return t_done();
    }
    struct ring_ *ring = (struct ring_ *)ctx;
    printf("ring: id %u magic %#x compat %u incompat %u header_length %u head %u tail %u\n",
           ring->id, ring->magic, ring->compat_features, ring->incompat_features, ring->header_length,
           ring->head, ring->tail);
    printf("ring nr >= asked: %s\n", ring->nr >= 8 ? "yes" : "no");
    printf("ring in maps as /[aio] (deleted): %s\n", in_maps("/[aio] (deleted)") == 1 ? "yes" : "no");

    /* ---- reads, writes, syncs ----------------------------------------------------------- */
    snprintf(path, sizeof path, "/tmp/compat-aio-%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK_ERR(fd >= 0, "open a scratch file");
    unlink(path);
    static char text[] = "hello, asynchronous world";
    char rbuf[64] = { 0 }, a[8] = { 0 }, b[8] = { 0 };
    struct iocb_ cbs[8], *list[8];
    prep(&cbs[0], CMD_PWRITE, fd, text, 25, 0, 100);
    prep(&cbs[1], CMD_PREAD, fd, rbuf, 12, 7, 101);
    prep(&cbs[2], CMD_FSYNC, fd, NULL, 0, 0, 102);
    prep(&cbs[3], CMD_FDSYNC, fd, NULL, 0, 0, 103);
    prep(&cbs[4], CMD_PREAD, fd, rbuf + 32, 10, 1000, 104);        /* past the end: 0 */
    for (int i = 0; i < 5; i++) list[i] = &cbs[i];
    cbs[0].key = 77;                                                 /* the kernel sets aio_key to 0 */
    errno = 0; show("io_submit pwrite+pread+fsync+fdsync+pread past EOF", submit(ctx, 5, list));
    printf("aio_key after submit: %u\n", cbs[0].key);
    errno = 0; r = getevents(ctx, 5, 8, ev, &second);
    show("io_getevents min 5", r);
    if (r > 0)
        qsort(ev, r, sizeof ev[0], by_data);
    for (long i = 0; i < r; i++) {
        /* fsync completes from a worker on Linux: look events up by their data */
        struct event_ *e = &ev[i];
        printf("  event data %llu obj is its iocb: %s res %lld res2 %lld\n", (unsigned long long)e->data,
               e->obj == (uint64_t)(uintptr_t)&cbs[e->data - 100] ? "yes" : "no", (long long)e->res, (long long)e->res2);
    }
    printf("pread read \"%s\"\n", rbuf);
    printf("ring head == tail after io_getevents: %s\n", ring->head == ring->tail ? "yes" : "no");

    struct iovec wv[2] = { { "ABC", 3 }, { "defg", 4 } }, rv[2] = { { a, 2 }, { b, 5 } };
    prep(&cbs[0], CMD_PWRITEV, fd, wv, 2, 30, 200);
    prep(&cbs[1], CMD_PREADV, fd, rv, 2, 29, 201);
    list[0] = &cbs[0]; list[1] = &cbs[1];
    errno = 0; show("io_submit pwritev+preadv", submit(ctx, 2, list));
    errno = 0; r = getevents(ctx, 2, 2, ev, &second);
    show("io_getevents min 2", r);
    for (long i = 0; i < r; i++) printf("  event data %llu res %lld\n", (unsigned long long)ev[i].data, (long long)ev[i].res);
    printf("preadv read \"%s\" \"%s\"\n", a, b);

    /* The request's own errors go in res. */
    prep(&cbs[0], CMD_PREAD, fd, (void *)0x10000, 4, 0, 300);        /* nothing mapped there */
    errno = 0; show("io_submit pread into an unmapped buffer", submit1(ctx, &cbs[0]));
    r = getevents(ctx, 1, 1, ev, &second);
    printf("  event res %lld (EFAULT is %d)\n", r == 1 ? (long long)ev[0].res : 0LL, EFAULT);

    /* ---- IOCB_FLAG_RESFD ---------------------------------------------------------------- */
    int efd = eventfd(0, EFD_NONBLOCK);
    uint64_t count = 0;
    prep(&cbs[0], CMD_PWRITE, fd, "xy", 2, 0, 400);
    prep(&cbs[1], CMD_PREAD, fd, rbuf, 2, 0, 401);
    cbs[0].flags = cbs[1].flags = FLAG_RESFD;
    cbs[0].resfd = cbs[1].resfd = efd;
    list[0] = &cbs[0]; list[1] = &cbs[1];
    errno = 0; show("io_submit two with RESFD", submit(ctx, 2, list));
    printf("eventfd counts %d\n", read(efd, &count, 8) == 8 ? (int)count : -1);
    printf("io_getevents takes them: %ld\n", getevents(ctx, 2, 2, ev, &second));

    /* ---- user-space consumption of the ring, as libaio does ---------------------------- */
    prep(&cbs[0], CMD_PREAD, fd, a, 1, 0, 500);
    prep(&cbs[1], CMD_PREAD, fd, b, 1, 1, 501);
    prep(&cbs[2], CMD_FDSYNC, fd, NULL, 0, 0, 502);
    for (int i = 0; i < 3; i++) list[i] = &cbs[i];
    errno = 0; show("io_submit three", submit(ctx, 3, list));
    {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        while ((ring->tail + ring->nr - ring->head) % ring->nr < 3 && ms_since(&t0) < 1000)
            usleep(1000);
    }
    unsigned head = ring->head, seen = 0, sum = 0;
    printf("ring holds %u events\n", (ring->tail + ring->nr - head) % ring->nr);
    while (head != ring->tail) {
        sum += (unsigned)ring->events[head].data;
        seen++;
        head = (head + 1) % ring->nr;
    }
    __atomic_store_n(&ring->head, head, __ATOMIC_RELEASE);
    printf("read %u events from the ring, data sum %u\n", seen, sum);
    errno = 0; show("io_getevents after user-space consumption, timeout 0", getevents(ctx, 0, 8, ev, &zero));

    /* ---- POLL ---------------------------------------------------------------------------- */
    int p[2];
    CHECK_ERR(pipe(p) == 0, "pipe");
    prep(&cbs[0], CMD_POLL, p[0], NULL, 0, 0, 600);
    cbs[0].buf = POLLIN;
    cbs[0].flags = FLAG_RESFD;
    cbs[0].resfd = efd;
    errno = 0; show("io_submit POLL on an empty pipe", submit1(ctx, &cbs[0]));
    errno = 0; show("io_getevents timeout 0 while it waits", getevents(ctx, 1, 1, ev, &zero));
    {
        struct timespec t0, wait = { 0, 50 * 1000000 };
        clock_gettime(CLOCK_MONOTONIC, &t0);
        errno = 0; show("io_getevents 50 ms timeout", getevents(ctx, 1, 1, ev, &wait));
        printf("  waited at least 40 ms: %s\n", ms_since(&t0) >= 40 ? "yes" : "no");
    }
    printf("eventfd before the pipe is written: %s\n", read(efd, &count, 8) < 0 && errno == EAGAIN ? "EAGAIN" : "counted");
    CHECK(write(p[1], "z", 1) == 1, "write to the pipe");
    r = getevents(ctx, 1, 1, ev, &second);
    printf("POLL completes: %ld data %llu res %lld (POLLIN is %d)\n", r, r == 1 ? (unsigned long long)ev[0].data : 0ULL,
           r == 1 ? (long long)ev[0].res : 0LL, POLLIN);
    printf("eventfd counts %d\n", read(efd, &count, 8) == 8 ? (int)count : -1);
    prep(&cbs[0], CMD_POLL, p[0], NULL, 0, 0, 601);
    cbs[0].buf = POLLIN | POLLOUT;
    errno = 0; show("io_submit POLL on a readable pipe", submit1(ctx, &cbs[0]));
    r = getevents(ctx, 1, 1, ev, &zero);
    printf("  completed at once: %ld res %lld\n", r, r == 1 ? (long long)ev[0].res : 0LL);
    char c;
    read(p[0], &c, 1);

    /* Made ready by another process while this one sleeps in io_getevents. */
    prep(&cbs[0], CMD_POLL, p[0], NULL, 0, 0, 602);
    cbs[0].buf = POLLIN;
    errno = 0; show("io_submit POLL, then a child writes", submit1(ctx, &cbs[0]));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(30000);
        write(p[1], "w", 1);
        _exit(0);
    }
    r = getevents(ctx, 1, 1, ev, &second);
    printf("  io_getevents: %ld data %llu res %lld\n", r, r == 1 ? (unsigned long long)ev[0].data : 0ULL,
           r == 1 ? (long long)ev[0].res : 0LL);
    waitpid(pid, NULL, 0);
    read(p[0], &c, 1);
    prep(&cbs[0], CMD_POLL, p[1], NULL, 0, 0, 603);
    cbs[0].buf = 0;                                                   /* no events: only ERR/HUP */
    errno = 0; show("io_submit POLL for nothing on the write end", submit1(ctx, &cbs[0]));
    close(p[0]);
    r = getevents(ctx, 1, 1, ev, &second);
    printf("  the reader closes: %ld res %lld (POLLERR is %d)\n", r, r == 1 ? (long long)ev[0].res : 0LL, POLLERR);
    close(p[1]);

    /* ---- io_cancel ----------------------------------------------------------------------- */
    CHECK_ERR(pipe(p) == 0, "pipe");
    prep(&cbs[0], CMD_POLL, p[0], NULL, 0, 0, 700);
    cbs[0].buf = POLLIN;
    errno = 0; show("io_submit POLL to cancel", submit1(ctx, &cbs[0]));
    errno = 0; show("io_cancel it", cancel(ctx, &cbs[0], ev));
    r = getevents(ctx, 1, 1, ev, &second);
    printf("  its event: %ld data %llu res %lld\n", r, r == 1 ? (unsigned long long)ev[0].data : 0ULL, r == 1 ? (long long)ev[0].res : 0LL);
    errno = 0; show("io_cancel it again", cancel(ctx, &cbs[0], ev));
    prep(&cbs[1], CMD_PREAD, fd, a, 1, 0, 701);
    submit1(ctx, &cbs[1]);
    errno = 0; show("io_cancel a completed pread", cancel(ctx, &cbs[1], ev));
    getevents(ctx, 1, 1, ev, &second);
    cbs[1].key = 5;
    errno = 0; show("io_cancel with aio_key 5", cancel(ctx, &cbs[1], ev));
    errno = 0; show("io_cancel with a NULL iocb", cancel(ctx, NULL, ev));
    errno = 0; show("io_cancel on a bad context", cancel(12345, &cbs[0], ev));

    /* ---- io_submit errors ---------------------------------------------------------------- */
    prep(&cbs[0], CMD_PREAD, fd, a, 1, 0, 800);
    errno = 0; show("io_submit bad context", submit(12345, 1, list));
    errno = 0; show("io_submit nr -1", submit(ctx, -1, list));
    errno = 0; show("io_submit nr 0", submit(ctx, 0, list));
    errno = 0; show("io_submit nr 0 on a bad context", submit(12345, 0, list));
    errno = 0; show("io_submit iocbpp NULL", submit(ctx, 1, NULL));
    list[0] = (struct iocb_ *)8; errno = 0; show("io_submit iocb pointer bad", submit(ctx, 1, list));
    list[0] = &cbs[0];
    cbs[0].fildes = 999; errno = 0; show("io_submit bad fd", submit1(ctx, &cbs[0]));
    prep(&cbs[0], CMD_NOOP, fd, a, 1, 0, 801); errno = 0; show("io_submit IOCB_CMD_NOOP", submit1(ctx, &cbs[0]));
    prep(&cbs[0], 99, fd, a, 1, 0, 802); errno = 0; show("io_submit opcode 99", submit1(ctx, &cbs[0]));
    prep(&cbs[0], CMD_PREAD, fd, a, 1, 0, 803); cbs[0].reserved2 = 1;
    errno = 0; show("io_submit aio_reserved2 set", submit1(ctx, &cbs[0]));
    prep(&cbs[0], CMD_PREAD, fd, a, 1, -1, 804); errno = 0; show("io_submit offset -1", submit1(ctx, &cbs[0]));
    prep(&cbs[0], CMD_PREAD, fd, a, 1, 0, 805); cbs[0].rw_flags = 0x80000000u;
    errno = 0; show("io_submit unknown aio_rw_flags", submit1(ctx, &cbs[0]));
    prep(&cbs[0], CMD_PREAD, fd, a, 1, 0, 806); cbs[0].flags = FLAG_RESFD; cbs[0].resfd = fd;
    errno = 0; show("io_submit RESFD not an eventfd", submit1(ctx, &cbs[0]));
    cbs[0].resfd = 999; errno = 0; show("io_submit RESFD bad fd", submit1(ctx, &cbs[0]));
    prep(&cbs[0], CMD_FSYNC, fd, a, 0, 0, 807); errno = 0; show("io_submit FSYNC with a buffer", submit1(ctx, &cbs[0]));
    CHECK_ERR(pipe(p) == 0, "pipe");
    prep(&cbs[0], CMD_FSYNC, p[1], NULL, 0, 0, 808); errno = 0; show("io_submit FSYNC on a pipe", submit1(ctx, &cbs[0]));
    prep(&cbs[0], CMD_PREAD, p[1], a, 1, 0, 809); errno = 0; show("io_submit PREAD on a write end", submit1(ctx, &cbs[0]));
    prep(&cbs[0], CMD_POLL, p[0], NULL, 0, 0, 810); cbs[0].buf = 0x10000;
    errno = 0; show("io_submit POLL events above 16 bits", submit1(ctx, &cbs[0]));
    prep(&cbs[0], CMD_PREADV, fd, (void *)8, 1, 0, 811); errno = 0; show("io_submit PREADV iovec unreadable", submit1(ctx, &cbs[0]));
    prep(&cbs[0], CMD_PREADV, fd, rv, 1025, 0, 812); errno = 0; show("io_submit PREADV 1025 iovecs", submit1(ctx, &cbs[0]));
    prep(&cbs[0], CMD_PREAD, fd, (void *)0x7ffffffff000ul, 8192, 0, 813);
    errno = 0; show("io_submit PREAD buffer past the user half", submit1(ctx, &cbs[0]));
    /* AIO on a pipe reads and writes as read(2)/write(2): the offset is not used. */
    prep(&cbs[0], CMD_PWRITE, p[1], "pq", 2, 12345, 814);
    prep(&cbs[1], CMD_PREAD, p[0], a, 8, 0, 815);
    list[0] = &cbs[0]; list[1] = &cbs[1];
    memset(a, 0, sizeof a);
    errno = 0; show("io_submit PWRITE+PREAD on a pipe", submit(ctx, 2, list));
    r = getevents(ctx, 2, 2, ev, &second);
    printf("  %ld events, res %lld %lld, read \"%s\"\n", r, r == 2 ? (long long)ev[0].res : 0LL, r == 2 ? (long long)ev[1].res : 0LL, a);
    close(p[0]); close(p[1]);
    prep(&cbs[0], CMD_PREAD, fd, a, 1, 0, 816);
    prep(&cbs[1], CMD_NOOP, fd, a, 1, 0, 817);
    errno = 0; show("io_submit batch whose second fails", submit(ctx, 2, list));
    printf("  events: %ld\n", getevents(ctx, 1, 8, ev, &second));

    /* ---- io_getevents errors and waits ------------------------------------------------- */
    errno = 0; show("io_getevents bad context", getevents(12345, 0, 1, ev, &zero));
    errno = 0; show("io_getevents min_nr > nr", getevents(ctx, 2, 1, ev, &zero));
    errno = 0; show("io_getevents min_nr -1", getevents(ctx, -1, 1, ev, &zero));
    errno = 0; show("io_getevents nr -1", getevents(ctx, 0, -1, ev, &zero));
    errno = 0; show("io_getevents timeout pointer bad", getevents(ctx, 0, 1, ev, (struct timespec *)8));
    errno = 0; show("io_getevents nothing there, timeout 0", getevents(ctx, 1, 1, ev, &zero));
    errno = 0; show("io_getevents nothing there, min_nr 0, no timeout", getevents(ctx, 0, 1, ev, NULL));
    errno = 0; show("io_getevents nothing there, events pointer bad", getevents(ctx, 0, 1, (struct event_ *)8, &zero));
    prep(&cbs[0], CMD_PREAD, fd, a, 1, 0, 900);
    submit1(ctx, &cbs[0]);
    errno = 0; show("io_getevents events pointer bad", getevents(ctx, 1, 1, (struct event_ *)8, &zero));
    errno = 0; show("  the event is still there", getevents(ctx, 1, 1, ev, &zero));

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 0 }, { 0, 30000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    errno = 0; show("io_getevents interrupted by SIGALRM", getevents(ctx, 1, 1, ev, NULL));
    printf("  handler ran: %d\n", alarms);

    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    struct aio_sigset_ ss = { &block, 8 };
    struct timespec t100 = { 0, 100 * 1000000 };
    setitimer(ITIMER_REAL, &it, NULL);
    errno = 0; show("io_pgetevents with SIGALRM blocked, 100 ms: times out", syscall(NR_io_pgetevents, ctx, 1, 1, ev, &t100, &ss));
    printf("  the handler ran once the mask was back: %s\n", alarms == 2 ? "yes" : "no");
    sigset_t none;
    sigemptyset(&none);
    struct aio_sigset_ open_ss = { &none, 8 };
    sigprocmask(SIG_BLOCK, &block, NULL);
    setitimer(ITIMER_REAL, &it, NULL);
    errno = 0; show("io_pgetevents opening the mask for a blocked SIGALRM", syscall(NR_io_pgetevents, ctx, 1, 1, ev, NULL, &open_ss));
    sigset_t now;
    sigprocmask(SIG_SETMASK, NULL, &now);
    printf("  handler ran: %s; SIGALRM blocked again: %s\n", alarms == 3 ? "yes" : "no", sigismember(&now, SIGALRM) ? "yes" : "no");
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    ss.sigsetsize = 4;
    errno = 0; show("io_pgetevents sigsetsize 4", syscall(NR_io_pgetevents, ctx, 0, 1, ev, &zero, &ss));
    errno = 0; show("io_pgetevents usig pointer bad", syscall(NR_io_pgetevents, ctx, 0, 1, ev, &zero, (void *)8));
    prep(&cbs[0], CMD_PREAD, fd, a, 1, 0, 901);
    submit1(ctx, &cbs[0]);
    errno = 0; show("io_pgetevents usig NULL", syscall(NR_io_pgetevents, ctx, 1, 1, ev, &second, NULL));

    /* ---- the in-flight limit ------------------------------------------------------------- */
    ctx_t small = 0;
    errno = 0; show("io_setup nr 1", setup(1, &small));
    static struct iocb_ many[200];
    static struct iocb_ *manyp[200];
    for (int i = 0; i < 200; i++) {
        prep(&many[i], CMD_PWRITE, fd, "m", 1, i, i);
        manyp[i] = &many[i];
    }
    long first = submit(small, 200, manyp);
    printf("io_submit 200 on a small ring: some but not all: %s\n", first > 0 && first < 200 ? "yes" : "no");
    errno = 0; show("io_submit one more", submit(small, 1, manyp));
    r = getevents(small, first, 256, ev, &second);
    printf("io_getevents takes them all: %s\n", r == first ? "yes" : "no");
    errno = 0; show("io_submit one more after that", submit(small, 1, manyp));
    getevents(small, 1, 1, ev, &second);

    /* ---- ring ids, madvise, mremap --------------------------------------------------------- */
    printf("second context's ring id: %u\n", ((struct ring_ *)small)->id);
    madvise((void *)small, 4096, MADV_DONTNEED);
    printf("ring magic after MADV_DONTNEED: %#x\n", ((struct ring_ *)small)->magic);
    size_t ringbytes = 0;
    {
        /* the ring's mapping: from its start to the end of its line in maps */
        FILE *f = fopen("/proc/self/maps", "r");
        char line[512];
        while (f && fgets(line, sizeof line, f)) {
            unsigned long s, e;
            if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s == small) ringbytes = e - s;
        }
        if (f) fclose(f);
    }
    void *dest = mmap(NULL, ringbytes + 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *moved = mremap((void *)small, ringbytes, ringbytes, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
    printf("mremap the ring: %s\n", moved == dest ? "moved" : "failed");
    if (moved == dest) {
        prep(&cbs[0], CMD_PREAD, fd, a, 1, 0, 950);
        errno = 0; show("io_submit with the old id", submit1(small, &cbs[0]));
        errno = 0; show("io_submit with the new id", submit1((ctx_t)dest, &cbs[0]));
        errno = 0; show("io_getevents with the new id", getevents((ctx_t)dest, 1, 1, ev, &second));
        small = (ctx_t)dest;
    }
    errno = 0; show("io_destroy the small context", destroy(small));
    printf("its ring is unmapped: %s\n", mapped((void *)small) ? "no" : "yes");
    ctx_t third = 0;
    errno = 0; show("io_setup a third context", setup(4, &third));
    printf("third context takes the free ring id: %u\n", ((struct ring_ *)third)->id);

    /* ---- fork: the child has no contexts and no rings --------------------------------------- */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        errno = 0; show("child: io_submit on the parent's context", submit1(ctx, &cbs[0]));
        errno = 0; show("child: io_getevents on it", getevents(ctx, 0, 1, ev, &zero));
        errno = 0; show("child: io_destroy it", destroy(ctx));
        printf("child: the ring is mapped: %s, magic %#x\n", mapped((void *)ctx) ? "yes" : "no",
               mapped((void *)ctx) ? ((struct ring_ *)ctx)->magic : 0u);
        printf("child: /[aio] in maps: %s\n", in_maps("[aio]") == 1 ? "yes" : "no");
        ctx_t mine = 0;
        errno = 0; show("child: io_setup", setup(4, &mine));
        printf("child: its ring id %u\n", mine ? ((struct ring_ *)mine)->id : 99u);
        fflush(stdout);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    prep(&cbs[0], CMD_PREAD, fd, a, 1, 0, 960);
    errno = 0; show("parent: its context still works", submit1(ctx, &cbs[0]));
    getevents(ctx, 1, 1, ev, &second);

    /* ---- io_destroy ------------------------------------------------------------------------- */
    CHECK_ERR(pipe(p) == 0, "pipe");
    prep(&cbs[0], CMD_POLL, p[0], NULL, 0, 0, 970);
    cbs[0].buf = POLLIN;
    errno = 0; show("io_submit a POLL left waiting", submit1(ctx, &cbs[0]));
    errno = 0; show("io_destroy", destroy(ctx));
    errno = 0; show("io_destroy again", destroy(ctx));
    errno = 0; show("io_submit after io_destroy", submit1(ctx, &cbs[0]));
    errno = 0; show("io_getevents after io_destroy", getevents(ctx, 0, 1, ev, &zero));
    printf("the ring is unmapped: %s\n", mapped((void *)ctx) ? "no" : "yes");
    write(p[1], "x", 1);
    close(p[0]); close(p[1]);
    errno = 0; show("io_destroy the third context", destroy(third));
    errno = 0; show("io_destroy 0", destroy(0));
    printf("/[aio] left in maps: %s\n", in_maps("[aio]") == 1 ? "yes" : "no");
    close(fd);

    /* ---- execve: the contexts go with the old image ------------------------------------------- */
    ctx_t last = 0;
    errno = 0; show("io_setup before execve", setup(4, &last));
    CHECK_ERR(pipe(p) == 0, "pipe");
    prep(&cbs[0], CMD_POLL, p[0], NULL, 0, 0, 990);
    cbs[0].buf = POLLIN;
    cbs[0].flags = FLAG_RESFD;
    cbs[0].resfd = efd;
    errno = 0; show("io_submit a POLL left waiting across execve", submit1(last, &cbs[0]));
    char arg[32];
    snprintf(arg, sizeof arg, "%lu", last);
    char *args[] = { argv[0], "after-exec", arg, NULL };
    fflush(stdout);
    if (t_failures)
        return t_done();
    execve("/proc/self/exe", args, environ);
    printf("execve failed\n");
    return 1;
}
