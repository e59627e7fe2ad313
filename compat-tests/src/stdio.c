/* stdio: console output paths (printf, puts, fwrite, raw write(2),
 * unbuffered stderr), integer/string formatting and sscanf. */
#include "compat.h"
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/uio.h>

static void fmt(const char *what, const char *got, const char *want)
{
    if (strcmp(got, want) == 0)
        t_pass("%s -> \"%s\"", what, want);
    else
        t_fail("mismatch", "%s -> \"%s\" (got \"%s\")", what, want, got);
}

int main(void)
{
    char buf[256];
    int i, n;
    unsigned long sum;

    /* formatting */
    snprintf(buf, sizeof(buf), "%d|%5d|%-5d|%05d|%+d", 42, 42, 42, 42, 42);
    fmt("%d variants", buf, "42|   42|42   |00042|+42");
    snprintf(buf, sizeof(buf), "%d %d", INT_MIN, INT_MAX);
    fmt("INT_MIN INT_MAX", buf, "-2147483648 2147483647");
    snprintf(buf, sizeof(buf), "%lld %llu", LLONG_MIN, ULLONG_MAX);
    fmt("LLONG_MIN ULLONG_MAX", buf, "-9223372036854775808 18446744073709551615");
    snprintf(buf, sizeof(buf), "%x %X %#x %o %#o", 48879, 48879, 255, 8, 8);
    fmt("hex/octal", buf, "beef BEEF 0xff 10 010");
    snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRId32 " %zu %td", UINT64_C(1) << 63, INT32_C(-5), (size_t)77, (ptrdiff_t)-3);
    fmt("inttypes/size_t/ptrdiff_t", buf, "9223372036854775808 -5 77 -3");
    snprintf(buf, sizeof(buf), "[%s|%10s|%-10s|%.3s]", "abc", "right", "left", "truncate");
    fmt("strings", buf, "[abc|     right|left      |tru]");
    snprintf(buf, sizeof(buf), "%c%c%c %%", 'x', 'y', 'z');
    fmt("chars and %%", buf, "xyz %");
    snprintf(buf, sizeof(buf), "%*d|%-*d|%.*s", 6, 1, 4, 2, 2, "abcdef");
    fmt("star width/precision", buf, "     1|2   |ab");
    snprintf(buf, sizeof(buf), "%hhd %hd %ld", 300, 70000, -1L);
    fmt("length modifiers", buf, "44 4464 -1");
    snprintf(buf, sizeof(buf), "%2$s %1$s", "world", "hello");
    fmt("positional arguments", buf, "hello world");
    snprintf(buf, sizeof(buf), "%s%s", "", "plain");
    fmt("empty and plain %s", buf, "plain");

    {
        const char *volatile ten = "0123456789"; /* volatile: no truncation warning */
        n = snprintf(buf, 8, "%s", ten);
    }
    CHECK(n == 10 && strcmp(buf, "0123456") == 0, "snprintf truncates and returns the full length");
    n = snprintf(NULL, 0, "%d-%d", 123, 4567);
    CHECK(n == 8, "snprintf(NULL, 0) returns the needed length");

    /* sscanf */
    {
        int a = 0, b = 0;
        char word[32] = "";
        double d = 0;
        unsigned x = 0;
        n = sscanf("  17 -4 token 2.5e2 ff", "%d %d %31s %lf %x", &a, &b, word, &d, &x);
        CHECK(n == 5 && a == 17 && b == -4 && strcmp(word, "token") == 0 && d == 250.0 && x == 255,
              "sscanf of int, string, double, hex");
        n = sscanf("abc", "%d", &a);
        CHECK(n == 0, "sscanf mismatch returns 0");
        n = sscanf("", "%d", &a);
        CHECK(n == EOF, "sscanf of empty input returns EOF");
    }

    /* output paths, all to stdout (order must be preserved) */
    fflush(stdout);
    puts("puts line");
    fputs("fputs line\n", stdout);
    putchar('p');
    putchar('\n');
    fwrite("fwrite line\n", 1, 12, stdout);
    fflush(stdout);
    CHECK(write(1, "write(2) line\n", 14) == 14, "write(2) to stdout returns the byte count");
    {
        struct iovec iov[3];
        iov[0].iov_base = "writev ";
        iov[0].iov_len = 7;
        iov[1].iov_base = "three ";
        iov[1].iov_len = 6;
        iov[2].iov_base = "parts\n";
        iov[2].iov_len = 6;
        fflush(stdout);
        CHECK(writev(1, iov, 3) == 19, "writev(2) to stdout returns the byte count");
    }
    CHECK(write(1, "", 0) == 0, "write of 0 bytes returns 0");
    errno = 0;
    CHECK(write(999, "x", 1) == -1 && errno == EBADF, "write to a closed fd fails with EBADF");
    /* stderr is not compared, but writing to it must work */
    CHECK(fprintf(stderr, "stdio: this line goes to stderr\n") > 0, "fprintf to stderr");
    CHECK(write(2, "stdio: raw stderr\n", 18) == 18, "write(2) to stderr");

    /* a larger volume of output: 400 numbered lines */
    sum = 0;
    for (i = 0; i < 400; i++) {
        printf("line %03d %08x %s\n", i, (unsigned)(i * 2654435761u), (i % 7) ? "abcdefghijklmnopqrstuvwxyz" : "");
        sum += i;
    }
    CHECK(sum == 79800, "400 lines printed");

    /* a single long line */
    for (i = 0; i < 200; i++)
        putchar('a' + i % 26);
    putchar('\n');
    t_pass("long line printed");

    /* a line without a trailing newline at exit is still flushed */
    printf("last line without newline");
    return t_failures ? 1 : 0;
}
