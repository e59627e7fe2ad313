/* string: libc string/memory routines (SIMD-dispatched in glibc through
 * IFUNCs chosen from CPUID) across lengths and alignments, checked against
 * simple byte loops. */
#include "compat.h"
#include <stdint.h>
#include <wchar.h>

#define BUF 1024

static unsigned char src[BUF + 128], dst[BUF + 128], ref[BUF + 128];

static size_t ref_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static int sign(int x) { return (x > 0) - (x < 0); }

int main(void)
{
    size_t len, i;
    int sa, da, ok;

    for (i = 0; i < sizeof(src); i++)
        src[i] = (unsigned char)(t_rand() | 1); /* no zero bytes */

    /* memcpy / memmove / memset */
    ok = 1;
    for (len = 0; len < 300; len += (len < 70 ? 1 : 13))
        for (sa = 0; sa < 16; sa += 3)
            for (da = 0; da < 16; da += 5) {
                memset(dst, 0xee, sizeof(dst));
                memcpy(dst + da, src + sa, len);
                for (i = 0; i < len; i++)
                    if (dst[da + i] != src[sa + i])
                        ok = 0;
                if (dst[da + len] != 0xee || (da && dst[da - 1] != 0xee))
                    ok = 0;
            }
    CHECK(ok, "memcpy across lengths 0..299 and alignments");

    ok = 1;
    for (len = 0; len < 700; len += 7)
        for (sa = 0; sa < 40; sa += 9)
            for (da = 0; da < 40; da += 11) {
                memcpy(dst, src, sizeof(dst));
                memcpy(ref, src, sizeof(ref));
                memmove(dst + da, dst + sa, len);
                /* reference: copy through a temporary */
                {
                    static unsigned char tmp[BUF];
                    for (i = 0; i < len; i++)
                        tmp[i] = ref[sa + i];
                    for (i = 0; i < len; i++)
                        ref[da + i] = tmp[i];
                }
                if (memcmp(dst, ref, sizeof(dst)) != 0)
                    ok = 0;
            }
    CHECK(ok, "memmove with overlapping ranges in both directions");

    ok = 1;
    for (len = 0; len < 600; len += 3)
        for (da = 0; da < 32; da += 7) {
            memset(dst, 1, sizeof(dst));
            memset(dst + da, 0xab, len);
            for (i = 0; i < sizeof(dst); i++) {
                unsigned char want = (i >= (size_t)da && i < da + len) ? 0xab : 1;
                if (dst[i] != want)
                    ok = 0;
            }
        }
    CHECK(ok, "memset across lengths and alignments");

    /* strlen / strchr / strrchr / memchr at every offset */
    ok = 1;
    for (sa = 0; sa < 64; sa++)
        for (len = 0; len < 200; len += 1 + len / 8) {
            char *s = (char *)dst + sa;
            memcpy(s, src, len);
            s[len] = 0;
            if (strlen(s) != ref_strlen(s) || strlen(s) != len)
                ok = 0;
            if (len > 0) {
                char c = s[len - 1];
                char *first = NULL;
                for (i = 0; i < len; i++)
                    if (s[i] == c) {
                        first = s + i;
                        break;
                    }
                if (strchr(s, c) != first || memchr(s, c, len) != first)
                    ok = 0;
                if (strrchr(s, c) != s + len - 1)
                    ok = 0;
            }
            if (strchr(s, 0) != s + len)
                ok = 0;
            if (memchr(s, 0, len) != NULL)
                ok = 0;
        }
    CHECK(ok, "strlen/strchr/strrchr/memchr at every alignment");

    /* memcmp / strcmp / strncmp sign */
    ok = 1;
    for (len = 1; len < 300; len += 5)
        for (i = 0; i < len; i += 1 + len / 4) {
            memcpy(dst, src, len);
            memcpy(ref, src, len);
            ref[i] ^= 0x80;
            {
                int want = sign((int)dst[i] - (int)ref[i]);
                if (sign(memcmp(dst, ref, len)) != want)
                    ok = 0;
                if (memcmp(dst, dst, len) != 0)
                    ok = 0;
                dst[len] = 0;
                ref[len] = 0;
                if (sign(strcmp((char *)dst, (char *)ref)) != want)
                    ok = 0;
                if (strncmp((char *)dst, (char *)ref, i) != 0)
                    ok = 0;
            }
        }
    CHECK(ok, "memcmp/strcmp/strncmp ordering (unsigned bytes)");

    /* misc */
    {
        char buf[64];
        CHECK(strcmp(strcpy(buf, "alpha"), "alpha") == 0, "strcpy");
        CHECK(strcmp(strcat(buf, "-beta"), "alpha-beta") == 0, "strcat");
        CHECK(strstr("the quick brown fox", "brown") != NULL &&
                  strcmp(strstr("the quick brown fox", "brown"), "brown fox") == 0,
              "strstr");
        CHECK(strstr("aaaaaaaaab", "aab") != NULL && strstr("abc", "abd") == NULL, "strstr misses and near-misses");
        CHECK(strspn("aabbcx", "abc") == 5 && strcspn("hello, world", ",") == 5, "strspn/strcspn");
        CHECK(strcasecmp("HeLLo", "hello") == 0 && strncasecmp("ABCd", "abcE", 3) == 0, "strcasecmp/strncasecmp");
        strcpy(buf, "ab");
        CHECK(strnlen("abcdef", 3) == 3 && strnlen(buf, 10) == 2, "strnlen");
        {
            char *d = strdup("duplicate");
            CHECK(d && strcmp(d, "duplicate") == 0, "strdup");
            free(d);
        }
        strcpy(buf, "abcabc");
        CHECK(memrchr(buf, 'b', 6) == buf + 4 && memrchr(buf, 'z', 6) == NULL, "memrchr");
        CHECK(wcslen(L"wide string") == 11 && wcscmp(L"abc", L"abd") < 0, "wcslen/wcscmp");
        CHECK(strtol("-0x7f", NULL, 16) == -127 && strtoul("777", NULL, 8) == 511 && atoi("  42z") == 42,
              "strtol/strtoul/atoi");
        CHECK(strtoll("9223372036854775807", NULL, 10) == INT64_MAX, "strtoll INT64_MAX");
        errno = 0;
        CHECK(strtol("99999999999999999999", NULL, 10) == INT64_MAX && errno == ERANGE, "strtol overflow sets ERANGE");
    }
    return t_done();
}
