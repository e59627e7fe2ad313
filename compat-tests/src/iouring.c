/* io_uring through raw syscalls (no liburing): setup errors, the mapped rings, opcodes (NOP,
 * READ/WRITE at offsets and at the file position, READV/WRITEV, FSYNC, OPENAT/CLOSE/STATX,
 * MKDIRAT/RENAMEAT/UNLINKAT, FALLOCATE/FADVISE, SEND/RECV/SENDMSG/RECVMSG on a socketpair,
 * ACCEPT/CONNECT/SHUTDOWN on loopback), reads from a pipe and a socket that complete later, POLL_ADD
 * and POLL_REMOVE, TIMEOUT (relative, absolute, by count) and TIMEOUT_REMOVE, ASYNC_CANCEL, links
 * and hard links, IO_DRAIN, CQE_SKIP_SUCCESS, registered files and buffers, a registered eventfd,
 * REGISTER_PROBE, waiting with a timeout (EXT_ARG) and a signal. Only what Linux prints the same on
 * any machine (no offsets, no feature masks). */
#include "compat.h"
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NR_setup 425
#define NR_enter 426
#define NR_register 427

struct sqoff { uint32_t head, tail, ring_mask, ring_entries, flags, dropped, array, resv1; uint64_t user_addr; };
struct cqoff { uint32_t head, tail, ring_mask, ring_entries, overflow, cqes, flags, resv1; uint64_t user_addr; };
struct params { uint32_t sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd, resv[3]; struct sqoff sq_off; struct cqoff cq_off; };
struct sqe {
    uint8_t opcode, flags; uint16_t ioprio; int32_t fd;
    uint64_t off, addr; uint32_t len, op_flags; uint64_t user_data;
    uint16_t buf_index, personality; int32_t file_index; uint64_t addr3, pad2;
};
struct cqe { uint64_t user_data; int32_t res; uint32_t flags; };
struct getevents_arg { uint64_t sigmask; uint32_t sigmask_sz, min_wait_usec; uint64_t ts; };
struct kts { int64_t sec; long long nsec; };

enum { OP_NOP = 0, OP_READV = 1, OP_WRITEV = 2, OP_FSYNC = 3, OP_READ_FIXED = 4, OP_WRITE_FIXED = 5, OP_POLL_ADD = 6,
       OP_POLL_REMOVE = 7, OP_SENDMSG = 9, OP_RECVMSG = 10, OP_TIMEOUT = 11, OP_TIMEOUT_REMOVE = 12, OP_ACCEPT = 13,
       OP_ASYNC_CANCEL = 14, OP_CONNECT = 16, OP_FALLOCATE = 17, OP_OPENAT = 18, OP_CLOSE = 19, OP_STATX = 21,
       OP_READ = 22, OP_WRITE = 23, OP_FADVISE = 24, OP_SEND = 26, OP_RECV = 27, OP_SHUTDOWN = 34, OP_RENAMEAT = 35,
       OP_UNLINKAT = 36, OP_MKDIRAT = 37, OP_SPLICE = 30 };
#define SQE_FIXED_FILE 1
#define SQE_IO_DRAIN 2
#define SQE_IO_LINK 4
#define SQE_IO_HARDLINK 8
#define SQE_CQE_SKIP 64
#define ENTER_GETEVENTS 1
#define ENTER_EXT_ARG 8

static long setup(unsigned n, struct params *p) { return syscall(NR_setup, n, p); }
static long enter(int fd, unsigned sub, unsigned min, unsigned fl, void *arg, size_t sz) { return syscall(NR_enter, fd, sub, min, fl, arg, sz); }
static long reg(int fd, unsigned op, void *arg, unsigned nr) { return syscall(NR_register, fd, op, arg, nr); }

struct ring {
    int fd; unsigned entries;
    unsigned *sq_head, *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
    struct sqe *sqes; struct cqe *cqes;
};

static int ring_init(struct ring *r, unsigned n)
{
    struct params p; memset(&p, 0, sizeof p);
    r->fd = (int)setup(n, &p);
    if (r->fd < 0) { printf("setup: %s\n", strerror(errno)); return -1; }
    size_t sqsz = p.sq_off.array + p.sq_entries * 4, cqsz = p.cq_off.cqes + p.cq_entries * sizeof(struct cqe);
    size_t sz = sqsz > cqsz ? sqsz : cqsz;
    char *q = mmap(0, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, 0);
    struct sqe *s = mmap(0, p.sq_entries * sizeof(struct sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, 0x10000000);
    if (q == MAP_FAILED || s == MAP_FAILED) { printf("mmap failed\n"); return -1; }
    r->entries = p.sq_entries;
    r->sq_head = (unsigned *)(q + p.sq_off.head); r->sq_tail = (unsigned *)(q + p.sq_off.tail);
    r->sq_mask = (unsigned *)(q + p.sq_off.ring_mask); r->sq_array = (unsigned *)(q + p.sq_off.array);
    r->cq_head = (unsigned *)(q + p.cq_off.head); r->cq_tail = (unsigned *)(q + p.cq_off.tail);
    r->cq_mask = (unsigned *)(q + p.cq_off.ring_mask); r->cqes = (struct cqe *)(q + p.cq_off.cqes);
    r->sqes = s;
    return 0;
}

/* A zeroed SQE at the SQ tail (published by submit). */
static struct sqe *get_sqe(struct ring *r, int op, int fd, uint64_t data)
{
    unsigned t = *r->sq_tail, i = t & *r->sq_mask;
    struct sqe *e = &r->sqes[i];
    memset(e, 0, sizeof *e);
    e->opcode = op; e->fd = fd; e->user_data = data;
    r->sq_array[i] = i;
    __atomic_store_n(r->sq_tail, t + 1, __ATOMIC_RELEASE);
    return e;
}

static unsigned pending(struct ring *r) { return *r->sq_tail - *r->sq_head; }

static long submit(struct ring *r, unsigned wait)
{
    long n = enter(r->fd, pending(r), wait, wait ? ENTER_GETEVENTS : 0, 0, 0);
    if (n < 0) printf("enter: %s\n", strerror(errno));
    return n;
}

/* Prints and consumes every CQE there (user_data order as posted). */
static int reap(struct ring *r, const char *what)
{
    int n = 0;
    unsigned h = *r->cq_head;
    while (h != __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE)) {
        struct cqe *c = &r->cqes[h & *r->cq_mask];
        if (c->res < 0) printf("%s: cqe %llu res %s\n", what, (unsigned long long)c->user_data, strerror(-c->res));
        else printf("%s: cqe %llu res %d\n", what, (unsigned long long)c->user_data, c->res);
        h++; n++;
    }
    __atomic_store_n(r->cq_head, h, __ATOMIC_RELEASE);
    return n;
}

static struct cqe got[64];

/* Waits for and consumes n CQEs, sorted by user_data (Linux may post a batch's CQEs in any order). */
static void collect(struct ring *r, unsigned n)
{
    unsigned k = 0;
    while (k < n) {
        unsigned h = *r->cq_head;
        if (h == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE)) {
            if (enter(r->fd, 0, 1, ENTER_GETEVENTS, 0, 0) < 0 && errno != EINTR) { printf("wait: %s\n", strerror(errno)); return; }
            continue;
        }
        got[k++] = r->cqes[h & *r->cq_mask];
        __atomic_store_n(r->cq_head, h + 1, __ATOMIC_RELEASE);
    }
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && got[j - 1].user_data > got[j].user_data; j--) { struct cqe t = got[j]; got[j] = got[j - 1]; got[j - 1] = t; }
}

static void show(const char *what, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (got[i].res < 0) printf("%s: cqe %llu res %s\n", what, (unsigned long long)got[i].user_data, strerror(-got[i].res));
        else printf("%s: cqe %llu res %d\n", what, (unsigned long long)got[i].user_data, got[i].res);
    }
}

static void run(struct ring *r, const char *what, unsigned n) { submit(r, 0); collect(r, n); show(what, n); }

static void setup_errors(void)
{
    struct params p;
    memset(&p, 0, sizeof p);
    printf("entries 0: %s\n", setup(0, &p) < 0 ? strerror(errno) : "ok");
    memset(&p, 0, sizeof p);
    printf("entries 65536: %s\n", setup(65536, &p) < 0 ? strerror(errno) : "ok");
    memset(&p, 0, sizeof p); p.flags = 1u << 4;    /* CLAMP */
    long fd = setup(65536, &p);
    printf("clamped: fd %s sq %u cq %u\n", fd >= 0 ? "ok" : strerror(errno), p.sq_entries, p.cq_entries);
    if (fd >= 0) close((int)fd);
    memset(&p, 0, sizeof p);
    fd = setup(5, &p);
    printf("entries 5: sq %u cq %u single_mmap %d nodrop %d\n", p.sq_entries, p.cq_entries, !!(p.features & 1), !!(p.features & 2));
    char link[64] = {0}, path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%ld", fd);
    readlink(path, link, sizeof link - 1);
    printf("fd: %s cloexec %d\n", link, !!(fcntl((int)fd, F_GETFD) & FD_CLOEXEC));
    close((int)fd);
    memset(&p, 0, sizeof p); p.flags = 1u << 3; p.cq_entries = 2;   /* CQSIZE smaller than SQ */
    printf("cqsize 2 for 8: %s\n", setup(8, &p) < 0 ? strerror(errno) : "ok");
    memset(&p, 0, sizeof p); p.flags = 1u << 3; p.cq_entries = 100;
    fd = setup(8, &p);
    printf("cqsize 100: sq %u cq %u\n", p.sq_entries, p.cq_entries);
    close((int)fd);
    memset(&p, 0, sizeof p); p.resv[1] = 1;
    printf("resv set: %s\n", setup(4, &p) < 0 ? strerror(errno) : "ok");
    memset(&p, 0, sizeof p); p.flags = 1u << 31;
    printf("unknown flag: %s\n", setup(4, &p) < 0 ? strerror(errno) : "ok");
    printf("bad params: %s\n", setup(4, (void *)8) < 0 ? strerror(errno) : "ok");
    printf("enter on a pipe: %s\n", enter(0, 0, 0, 0, 0, 0) < 0 ? strerror(errno) : "ok");
    printf("enter bad fd: %s\n", enter(999, 0, 0, 0, 0, 0) < 0 ? strerror(errno) : "ok");
}

static void file_ops(struct ring *r)
{
    char buf[64] = {0};
    const char *dir = "/tmp/iouring-test";
    struct sqe *e = get_sqe(r, OP_MKDIRAT, AT_FDCWD, 1); e->addr = (uintptr_t)dir; e->len = 0755;
    run(r, "mkdirat", 1);
    e = get_sqe(r, OP_OPENAT, AT_FDCWD, 2); e->addr = (uintptr_t)"/tmp/iouring-test/a"; e->op_flags = O_CREAT | O_RDWR | O_TRUNC; e->len = 0644;
    submit(r, 0);
    collect(r, 1);
    int fd = got[0].res;
    printf("openat: %s\n", fd >= 0 ? "fd" : strerror(-fd));
    e = get_sqe(r, OP_WRITE, fd, 3); e->addr = (uintptr_t)"hello world"; e->len = 11; e->off = 0;
    e = get_sqe(r, OP_WRITE, fd, 4); e->addr = (uintptr_t)"XY"; e->len = 2; e->off = (uint64_t)-1;   /* position: 0 */
    e = get_sqe(r, OP_FSYNC, fd, 5);
    run(r, "write", 3);
    e = get_sqe(r, OP_READ, fd, 6); e->addr = (uintptr_t)buf; e->len = 5; e->off = 6;
    run(r, "read", 1);
    printf("read: %s\n", buf);
    memset(buf, 0, sizeof buf);
    e = get_sqe(r, OP_READ, fd, 7); e->addr = (uintptr_t)buf; e->len = 4; e->off = (uint64_t)-1;
    run(r, "read pos", 1);
    printf("read pos: %s lseek %ld\n", buf, (long)lseek(fd, 0, SEEK_CUR));
    char a[4] = {0}, b[8] = {0};
    struct iovec iov[2] = {{a, 3}, {b, 7}};
    e = get_sqe(r, OP_READV, fd, 8); e->addr = (uintptr_t)iov; e->len = 2; e->off = 1;
    run(r, "readv", 1);
    printf("readv: %s|%s\n", a, b);
    struct iovec wv[2] = {{"ab", 2}, {"cd", 2}};
    e = get_sqe(r, OP_WRITEV, fd, 9); e->addr = (uintptr_t)wv; e->len = 2; e->off = 20;
    e = get_sqe(r, OP_FALLOCATE, fd, 10); e->off = 0; e->addr = 100; e->len = 0;
    e = get_sqe(r, OP_FADVISE, fd, 11); e->op_flags = POSIX_FADV_SEQUENTIAL;
    run(r, "writev", 3);
    struct stat st; fstat(fd, &st);
    printf("size after writev+fallocate: %ld\n", (long)st.st_size);
    char sx[256];
    e = get_sqe(r, OP_STATX, AT_FDCWD, 12); e->addr = (uintptr_t)"/tmp/iouring-test/a"; e->len = 0x7ff; e->off = (uintptr_t)sx;
    run(r, "statx", 1);
    printf("statx size: %llu\n", (unsigned long long)*(uint64_t *)(sx + 40));
    e = get_sqe(r, OP_CLOSE, fd, 13);
    e = get_sqe(r, OP_CLOSE, fd, 14);
    run(r, "close", 2);
    e = get_sqe(r, OP_RENAMEAT, AT_FDCWD, 15); e->addr = (uintptr_t)"/tmp/iouring-test/a"; e->len = AT_FDCWD; e->off = (uintptr_t)"/tmp/iouring-test/b";
    e = get_sqe(r, OP_UNLINKAT, AT_FDCWD, 16); e->addr = (uintptr_t)"/tmp/iouring-test/a";
    e = get_sqe(r, OP_UNLINKAT, AT_FDCWD, 17); e->addr = (uintptr_t)"/tmp/iouring-test/b";
    e = get_sqe(r, OP_UNLINKAT, AT_FDCWD, 18); e->addr = (uintptr_t)dir; e->op_flags = AT_REMOVEDIR;
    run(r, "paths", 4);
    e = get_sqe(r, OP_NOP, -1, 19);
    e = get_sqe(r, 250, -1, 20);                 /* an unknown opcode ends the batch */
    e = get_sqe(r, OP_READ, 999, 21); e->addr = (uintptr_t)buf; e->len = 1;
    e = get_sqe(r, OP_CLOSE, r->fd, 22);
    printf("misc submitted: %ld\n", submit(r, 0));
    collect(r, 2); show("misc", 2);
    run(r, "misc rest", 2);
}

static void links(struct ring *r)
{
    struct sqe *e = get_sqe(r, OP_NOP, -1, 1); e->flags = SQE_IO_LINK;
    e = get_sqe(r, OP_READ, 999, 2); e->flags = SQE_IO_LINK; e->len = 1;
    e = get_sqe(r, OP_NOP, -1, 3); e->flags = SQE_IO_LINK;
    e = get_sqe(r, OP_NOP, -1, 4);
    e = get_sqe(r, OP_NOP, -1, 5);
    run(r, "link", 5);
    e = get_sqe(r, OP_READ, 999, 6); e->flags = SQE_IO_HARDLINK; e->len = 1;
    e = get_sqe(r, OP_NOP, -1, 7);
    run(r, "hardlink", 2);
    e = get_sqe(r, OP_NOP, -1, 8); e->flags = SQE_IO_DRAIN;
    run(r, "drain", 1);
    e = get_sqe(r, OP_NOP, -1, 9); e->flags = SQE_CQE_SKIP;
    e = get_sqe(r, OP_READ, 999, 10); e->flags = SQE_CQE_SKIP; e->len = 1;
    e = get_sqe(r, OP_NOP, -1, 11);
    run(r, "skip", 2);
    e = get_sqe(r, OP_NOP, -1, 12); e->flags = SQE_IO_DRAIN;     /* after a skip, Linux refuses drains */
    run(r, "drain after skip", 1);
}

static void readiness(struct ring *r)
{
    int p[2]; pipe(p);
    char buf[16] = {0};
    struct sqe *e = get_sqe(r, OP_READ, p[0], 1); e->addr = (uintptr_t)buf; e->len = sizeof buf;
    e = get_sqe(r, OP_POLL_ADD, p[0], 2); e->op_flags = POLLIN;
    printf("submitted: %ld\n", submit(r, 0));
    printf("before write: %d cqes\n", reap(r, "pipe"));
    write(p[1], "data", 4);
    collect(r, 2); show("pipe", 2);
    printf("read: %s\n", buf);
    /* a reader chained to a writer: the write runs when the read completes */
    memset(buf, 0, sizeof buf);
    e = get_sqe(r, OP_READ, p[0], 3); e->addr = (uintptr_t)buf; e->len = 3; e->flags = SQE_IO_LINK;
    e = get_sqe(r, OP_WRITE, p[1], 4); e->addr = (uintptr_t)"zz"; e->len = 2;
    submit(r, 0);
    printf("chain waiting: %d cqes\n", reap(r, "chain"));
    if (fork() == 0) { usleep(20000); write(p[1], "abc", 3); _exit(0); }
    collect(r, 2); show("chain", 2);
    wait(0);
    read(p[0], buf, 2);
    printf("then the pipe holds: %.2s\n", buf);
    /* poll remove and cancel */
    e = get_sqe(r, OP_POLL_ADD, p[0], 5); e->op_flags = POLLIN;
    e = get_sqe(r, OP_READ, p[0], 6); e->addr = (uintptr_t)buf; e->len = 1;
    submit(r, 0);
    e = get_sqe(r, OP_POLL_REMOVE, -1, 7); e->addr = 5;
    e = get_sqe(r, OP_ASYNC_CANCEL, -1, 8); e->addr = 6;
    e = get_sqe(r, OP_ASYNC_CANCEL, -1, 9); e->addr = 12345;
    e = get_sqe(r, OP_POLL_REMOVE, -1, 10); e->addr = 5;
    run(r, "cancel", 6);
    /* socketpair: RECV waits, SEND completes it; SENDMSG/RECVMSG */
    int sv[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    e = get_sqe(r, OP_RECV, sv[1], 11); e->addr = (uintptr_t)buf; e->len = sizeof buf;
    submit(r, 0);
    printf("recv waiting: %d cqes\n", reap(r, "sock"));
    e = get_sqe(r, OP_SEND, sv[0], 12); e->addr = (uintptr_t)"ping"; e->len = 4;
    run(r, "sock", 2);
    char mb[8] = {0};
    struct iovec iv = {"pong!", 5}, ov = {mb, sizeof mb};
    struct msghdr sm = {0}, rm = {0};
    sm.msg_iov = &iv; sm.msg_iovlen = 1; rm.msg_iov = &ov; rm.msg_iovlen = 1;
    e = get_sqe(r, OP_SENDMSG, sv[1], 13); e->addr = (uintptr_t)&sm;
    e = get_sqe(r, OP_RECVMSG, sv[0], 14); e->addr = (uintptr_t)&rm;
    run(r, "msg", 2);
    printf("recvmsg: %s\n", mb);
    e = get_sqe(r, OP_RECV, sv[0], 15); e->addr = (uintptr_t)buf; e->len = 4; e->op_flags = MSG_DONTWAIT;
    e = get_sqe(r, OP_SHUTDOWN, sv[1], 16); e->len = SHUT_WR;
    e = get_sqe(r, OP_RECV, sv[0], 17); e->addr = (uintptr_t)buf; e->len = 4;
    run(r, "shutdown", 3);
    close(sv[0]); close(sv[1]); close(p[0]); close(p[1]);
}

static void splice_test(struct ring *r)
{
    int p[2]; pipe(p);
    char path[] = "/tmp/iouring-spl-XXXXXX", buf[16] = {0};
    int fd = mkstemp(path);
    unlink(path);
    write(fd, "splice-me", 9);
    struct sqe *e = get_sqe(r, OP_SPLICE, p[1], 1); e->file_index = fd; e->addr = 0; e->off = (uint64_t)-1; e->len = 9;
    run(r, "splice", 1);
    read(p[0], buf, 9);
    printf("spliced: %s\n", buf);
    e = get_sqe(r, OP_SPLICE, fd, 2); e->file_index = p[0]; e->addr = (uint64_t)-1; e->off = 100; e->len = 5;
    submit(r, 0);
    printf("splice waiting: %d cqes\n", reap(r, "splice"));
    write(p[1], "later", 5);
    collect(r, 1); show("splice", 1);
    memset(buf, 0, sizeof buf);
    pread(fd, buf, 5, 100);
    printf("spliced later: %s\n", buf);
    e = get_sqe(r, OP_SPLICE, fd, 3); e->file_index = p[0]; e->addr = 0; e->off = 0; e->len = 5;
    e = get_sqe(r, OP_SPLICE, fd, 4); e->file_index = fd; e->addr = 0; e->off = 0; e->len = 5;
    run(r, "splice errors", 2);
    close(fd); close(p[0]); close(p[1]);
}

static void inet(struct ring *r)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_addr.s_addr = htonl(0x7f000001);
    bind(ls, (void *)&a, sizeof a);
    socklen_t al = sizeof a;
    getsockname(ls, (void *)&a, &al);
    listen(ls, 4);
    struct sqe *e = get_sqe(r, OP_ACCEPT, ls, 1);
    submit(r, 0);
    printf("accept waiting: %d cqes\n", reap(r, "accept"));
    int c = socket(AF_INET, SOCK_STREAM, 0);
    e = get_sqe(r, OP_CONNECT, c, 2); e->addr = (uintptr_t)&a; e->off = sizeof a;
    submit(r, 0);
    collect(r, 2);
    int afd = got[0].res;
    for (int i = 0; i < 2; i++) printf("inet: cqe %llu %s\n", (unsigned long long)got[i].user_data, got[i].res >= 0 ? "ok" : strerror(-got[i].res));
    if (afd >= 0) {
        char b[8] = {0};
        e = get_sqe(r, OP_RECV, afd, 3); e->addr = (uintptr_t)b; e->len = 5;
        e = get_sqe(r, OP_SEND, c, 4); e->addr = (uintptr_t)"hello"; e->len = 5;
        run(r, "inet", 2);
        printf("inet recv: %s\n", b);
        close(afd);
    }
    close(c); close(ls);
}

static void timeouts(struct ring *r)
{
    struct kts ts = {0, 20000000};
    struct sqe *e = get_sqe(r, OP_TIMEOUT, -1, 1); e->addr = (uintptr_t)&ts; e->len = 1;
    run(r, "timeout", 1);
    struct timespec now; clock_gettime(CLOCK_MONOTONIC, &now);
    struct kts abs = {now.tv_sec, now.tv_nsec + 10000000};
    if (abs.nsec >= 1000000000) { abs.sec++; abs.nsec -= 1000000000; }
    e = get_sqe(r, OP_TIMEOUT, -1, 2); e->addr = (uintptr_t)&abs; e->len = 1; e->op_flags = 1;
    run(r, "timeout abs", 1);
    struct kts longt = {10, 0};
    e = get_sqe(r, OP_TIMEOUT, -1, 3); e->addr = (uintptr_t)&longt; e->len = 1; e->off = 2;
    e = get_sqe(r, OP_NOP, -1, 4);
    e = get_sqe(r, OP_NOP, -1, 5);
    run(r, "timeout count", 3);
    e = get_sqe(r, OP_TIMEOUT, -1, 6); e->addr = (uintptr_t)&longt; e->len = 1;
    submit(r, 0);
    e = get_sqe(r, OP_TIMEOUT_REMOVE, -1, 7); e->addr = 6;
    e = get_sqe(r, OP_TIMEOUT_REMOVE, -1, 8); e->addr = 6;
    run(r, "timeout remove", 3);
    e = get_sqe(r, OP_TIMEOUT, -1, 9); e->addr = (uintptr_t)&ts; e->len = 2;
    run(r, "timeout len 2", 1);
    /* a timeout link head that fires cancels the rest */
    e = get_sqe(r, OP_TIMEOUT, -1, 10); e->addr = (uintptr_t)&ts; e->len = 1; e->flags = SQE_IO_LINK;
    e = get_sqe(r, OP_NOP, -1, 11);
    run(r, "timeout link", 2);
    /* waiting with EXT_ARG: ETIME when nothing comes */
    struct kts w = {0, 30000000};
    struct getevents_arg ga = {0, 8, 0, (uintptr_t)&w};
    long n = enter(r->fd, 0, 1, ENTER_GETEVENTS | ENTER_EXT_ARG, &ga, sizeof ga);
    printf("wait ext_arg: %ld %s\n", n, n < 0 ? strerror(errno) : "");
    n = enter(r->fd, 0, 1, ENTER_GETEVENTS | ENTER_EXT_ARG, &ga, 8);
    printf("wait ext_arg bad size: %ld %s\n", n, n < 0 ? strerror(errno) : "");
}

static void on_alarm(int s) { (void)s; }

static void signals(struct ring *r)
{
    struct sigaction sa = {0}; sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, 0);
    ualarm(20000, 0);
    long n = enter(r->fd, 0, 1, ENTER_GETEVENTS, 0, 0);
    printf("wait interrupted: %ld %s\n", n, n < 0 ? strerror(errno) : "");
    /* SIGALRM blocked by the wait's mask: the timeout ends it */
    sigset_t m; sigemptyset(&m); sigaddset(&m, SIGALRM);
    struct kts w = {0, 60000000};
    struct getevents_arg ga = {(uintptr_t)&m, 8, 0, (uintptr_t)&w};
    ualarm(10000, 0);
    n = enter(r->fd, 0, 1, ENTER_GETEVENTS | ENTER_EXT_ARG, &ga, sizeof ga);
    printf("wait masked: %ld %s\n", n, n < 0 ? strerror(errno) : "");
    n = enter(r->fd, 0, 1, ENTER_GETEVENTS | ENTER_EXT_ARG, &ga, sizeof ga);   /* the pending SIGALRM is delivered after the mask */
    printf("wait after: %ld %s\n", n, n < 0 ? strerror(errno) : "");
}

static void registered(struct ring *r)
{
    char path[] = "/tmp/iouring-reg-XXXXXX";
    int fd = mkstemp(path);
    unlink(path);
    write(fd, "0123456789", 10);
    int fds[3] = {-1, fd, 999};
    printf("register bad fd: %s\n", reg(r->fd, 2, fds, 3) < 0 ? strerror(errno) : "ok");
    printf("register files: %s\n", reg(r->fd, 2, fds, 2) < 0 ? strerror(errno) : "ok");
    printf("register again: %s\n", reg(r->fd, 2, fds, 2) < 0 ? strerror(errno) : "ok");
    static char big[8192];
    struct iovec bv = {big, sizeof big};
    printf("register buffers: %s\n", reg(r->fd, 0, &bv, 1) < 0 ? strerror(errno) : "ok");
    struct sqe *e = get_sqe(r, OP_READ, 1, 1); e->flags = SQE_FIXED_FILE; e->addr = (uintptr_t)big; e->len = 4; e->off = 2;
    e = get_sqe(r, OP_READ, 0, 2); e->flags = SQE_FIXED_FILE; e->addr = (uintptr_t)big; e->len = 4;
    e = get_sqe(r, OP_READ, 5, 3); e->flags = SQE_FIXED_FILE; e->addr = (uintptr_t)big; e->len = 4;
    e = get_sqe(r, OP_READ_FIXED, fd, 4); e->addr = (uintptr_t)big + 100; e->len = 3; e->off = 7;
    e = get_sqe(r, OP_READ_FIXED, fd, 5); e->addr = (uintptr_t)big + 8190; e->len = 4;
    e = get_sqe(r, OP_WRITE_FIXED, 1, 6); e->flags = SQE_FIXED_FILE; e->addr = (uintptr_t)big; e->len = 2; e->off = 10;
    run(r, "fixed", 6);
    printf("fixed read: %.4s %.3s\n", big, big + 100);
    printf("unregister files: %s\n", reg(r->fd, 3, 0, 0) < 0 ? strerror(errno) : "ok");
    printf("unregister files again: %s\n", reg(r->fd, 3, 0, 0) < 0 ? strerror(errno) : "ok");
    printf("unregister buffers: %s\n", reg(r->fd, 1, 0, 0) < 0 ? strerror(errno) : "ok");
    close(fd);
    int efd = eventfd(0, EFD_NONBLOCK);
    printf("register eventfd: %s\n", reg(r->fd, 4, &efd, 1) < 0 ? strerror(errno) : "ok");
    printf("register eventfd again: %s\n", reg(r->fd, 4, &efd, 1) < 0 ? strerror(errno) : "ok");
    get_sqe(r, OP_NOP, -1, 7);
    run(r, "eventfd", 1);
    uint64_t v = 0;
    printf("eventfd signalled: %s\n", read(efd, &v, 8) == 8 && v > 0 ? "yes" : "no");
    printf("unregister eventfd: %s\n", reg(r->fd, 5, 0, 0) < 0 ? strerror(errno) : "ok");
    get_sqe(r, OP_NOP, -1, 8);
    run(r, "eventfd", 1);
    printf("eventfd after: %s\n", read(efd, &v, 8) < 0 ? strerror(errno) : "signalled");
    close(efd);
    int pfd = 3;
    printf("register eventfd non-eventfd: %s\n", reg(r->fd, 4, &pfd, 1) < 0 ? strerror(errno) : "ok");
    printf("register unknown: %s\n", reg(r->fd, 9999, 0, 0) < 0 ? strerror(errno) : "ok");
    printf("register on a pipe: %s\n", reg(0, 8, 0, 0) < 0 ? strerror(errno) : "ok");

    static struct { uint8_t last_op, ops_len; uint16_t resv; uint32_t resv2[3]; struct { uint8_t op, resv; uint16_t flags; uint32_t resv2; } ops[256]; } pr;
    printf("probe: %s\n", reg(r->fd, 8, &pr, 256) < 0 ? strerror(errno) : "ok");
    static const struct { int op; const char *name; } names[] = {
        {0, "NOP"}, {1, "READV"}, {2, "WRITEV"}, {3, "FSYNC"}, {4, "READ_FIXED"}, {5, "WRITE_FIXED"}, {6, "POLL_ADD"},
        {7, "POLL_REMOVE"}, {9, "SENDMSG"}, {10, "RECVMSG"}, {11, "TIMEOUT"}, {12, "TIMEOUT_REMOVE"}, {13, "ACCEPT"},
        {14, "ASYNC_CANCEL"}, {16, "CONNECT"}, {17, "FALLOCATE"}, {18, "OPENAT"}, {19, "CLOSE"}, {21, "STATX"},
        {22, "READ"}, {23, "WRITE"}, {24, "FADVISE"}, {25, "MADVISE"}, {26, "SEND"}, {27, "RECV"}, {34, "SHUTDOWN"},
        {30, "SPLICE"}, {35, "RENAMEAT"}, {36, "UNLINKAT"}, {37, "MKDIRAT"}};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        printf("probe %s: %s\n", names[i].name, names[i].op <= pr.last_op && (pr.ops[names[i].op].flags & 1) ? "supported" : "no");
    pr.resv = 1;
    printf("probe dirty: %s\n", reg(r->fd, 8, &pr, 4) < 0 ? strerror(errno) : "ok");
}

static void epoll_and_overflow(void)
{
    /* the ring fd in epoll: readable once a waiting read completes */
    struct ring r;
    if (ring_init(&r, 4) < 0) return;
    int p[2]; pipe(p);
    int ep = epoll_create1(0);
    struct epoll_event ev = {EPOLLIN, {0}};
    epoll_ctl(ep, EPOLL_CTL_ADD, r.fd, &ev);
    printf("epoll idle: %d\n", epoll_wait(ep, &ev, 1, 0));
    char b[8] = {0};
    struct sqe *e = get_sqe(&r, OP_READ, p[0], 1); e->addr = (uintptr_t)b; e->len = 8;
    submit(&r, 0);
    printf("epoll waiting read: %d\n", epoll_wait(ep, &ev, 1, 0));
    if (fork() == 0) { usleep(20000); write(p[1], "epo", 3); _exit(0); }
    int n = epoll_wait(ep, &ev, 1, 5000);
    /* Linux's task work may end the wait with EINTR instead of the event; either way the CQE is there */
    printf("epoll: %s, cq holds %u\n", n == 1 || (n < 0 && errno == EINTR) ? "woke" : "timed out", *r.cq_tail - *r.cq_head);
    wait(0);
    collect(&r, 1); show("epoll", 1);
    printf("read: %s\n", b);
    close(ep); close(p[0]); close(p[1]);
    /* more CQEs than the CQ holds: kept (NODROP) and flushed as the CQ drains */
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 4; i++) get_sqe(&r, OP_NOP, -1, 100 + round * 4 + i);
        printf("submit %d: %ld\n", round, enter(r.fd, 4, 0, 0, 0, 0));
    }
    printf("cq holds %u, overflow flag %d\n", *r.cq_tail - *r.cq_head, !!(r.sq_head[9] & 2));
    collect(&r, 12);
    printf("collected 12: first %llu last %llu\n", (unsigned long long)got[0].user_data, (unsigned long long)got[11].user_data);
    close(r.fd);
}

static void forked(struct ring *r)
{
    /* the child shares the rings: its NOP's CQE is the parent's to see */
    pid_t pid = fork();
    if (pid == 0) { get_sqe(r, OP_NOP, -1, 77); submit(r, 0); _exit(0); }
    int st; waitpid(pid, &st, 0);
    collect(r, 1); show("fork", 1);
    /* a pending request of an exiting ring: closing the fd cancels it */
    int p[2]; pipe(p);
    struct ring r2;
    if (ring_init(&r2, 4) < 0) return;
    char b[4];
    struct sqe *e = get_sqe(&r2, OP_READ, p[0], 1); e->addr = (uintptr_t)b; e->len = 1;
    submit(&r2, 0);
    close(r2.fd);
    printf("closed a ring with a request waiting\n");
    close(p[0]); close(p[1]);
}

int main(void)
{
    setvbuf(stdout, 0, _IONBF, 0);
    setup_errors();
    struct ring r;
    if (ring_init(&r, 8) < 0) return 1;
    char line[512]; int maps = 0;
    FILE *mf = fopen("/proc/self/maps", "r");
    while (mf && fgets(line, sizeof line, mf)) if (strstr(line, " anon_inode:[io_uring]\n") && strstr(line, " rw-s ")) maps++;
    if (mf) fclose(mf);
    printf("maps: %d io_uring regions\n", maps);
    file_ops(&r);
    links(&r);
    readiness(&r);
    splice_test(&r);
    inet(&r);
    timeouts(&r);
    signals(&r);
    registered(&r);
    epoll_and_overflow();
    forked(&r);
    return 0;
}
