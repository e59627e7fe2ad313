/* futex: single-threaded futex calls that never block. */
#include "compat.h"
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/* <linux/futex.h> values (musl ships no kernel headers) */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_REQUEUE_PRIVATE (FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

static long futex(uint32_t *uaddr, int op, uint32_t val, void *timeout, uint32_t *uaddr2, uint32_t val3)
{
    return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

int main(void)
{
    static uint32_t word = 7;
    uint32_t other = 0;
    long r;

    r = futex(&word, FUTEX_WAKE, 1, NULL, NULL, 0);
    CHECK(r == 0, "FUTEX_WAKE with no waiters returns 0");
    r = futex(&word, FUTEX_WAKE_PRIVATE, 100, NULL, NULL, 0);
    CHECK(r == 0, "FUTEX_WAKE_PRIVATE with no waiters returns 0");
    r = futex(&word, FUTEX_WAKE, 0, NULL, NULL, 0);
    CHECK(r == 0, "FUTEX_WAKE of 0 waiters returns 0");

    errno = 0;
    r = futex(&word, FUTEX_WAIT, 8, NULL, NULL, 0);
    CHECK(r == -1 && errno == EAGAIN, "FUTEX_WAIT with mismatched value fails with EAGAIN");
    errno = 0;
    r = futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    CHECK(r == -1 && errno == EAGAIN, "FUTEX_WAIT_PRIVATE with mismatched value fails with EAGAIN");
    errno = 0;
    r = futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 1, NULL, NULL, FUTEX_BITSET_MATCH_ANY);
    CHECK(r == -1 && errno == EAGAIN, "FUTEX_WAIT_BITSET with mismatched value fails with EAGAIN");
    r = futex(&word, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, FUTEX_BITSET_MATCH_ANY);
    CHECK(r == 0, "FUTEX_WAKE_BITSET with no waiters returns 0");
    CHECK(word == 7, "futex calls did not modify the word");

    r = futex(&word, FUTEX_REQUEUE_PRIVATE, 1, (void *)1, &other, 0);
    CHECK(r == 0, "FUTEX_REQUEUE with no waiters returns 0");
    errno = 0;
    r = futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &other, 99);
    CHECK(r == -1 && errno == EAGAIN, "FUTEX_CMP_REQUEUE with mismatched value fails with EAGAIN");

    /* errors */
    errno = 0;
    r = futex((uint32_t *)((char *)&word + 1), FUTEX_WAIT, 7, NULL, NULL, 0);
    CHECK(r == -1 && errno == EINVAL, "FUTEX_WAIT on a misaligned address fails with EINVAL");
    errno = 0;
    r = futex((uint32_t *)8, FUTEX_WAIT, 7, NULL, NULL, 0);
    CHECK(r == -1 && errno == EFAULT, "FUTEX_WAIT on a bad address fails with EFAULT");
    errno = 0;
    r = futex(&word, 99, 0, NULL, NULL, 0);
    CHECK(r == -1 && errno == ENOSYS, "unknown futex op fails with ENOSYS");
    return t_done();
}
