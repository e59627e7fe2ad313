/* float: printf/strtod formatting and round trips, libm functions, the
 * initial FPU/SSE control state, rounding modes, long double (x87). */
#include "compat.h"
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdint.h>

static void fmt_d(const char *fmt, double v, const char *expect)
{
    char buf[128];
    snprintf(buf, sizeof(buf), fmt, v);
    if (strcmp(buf, expect) == 0)
        t_pass("printf \"%s\" -> %s", fmt, expect);
    else
        t_fail("mismatch", "printf \"%s\" -> %s (got %s)", fmt, expect, buf);
}

static void fmt_f(const char *fmt, float v, const char *expect)
{
    char buf[128];
    snprintf(buf, sizeof(buf), fmt, (double)v); /* floats are promoted */
    if (strcmp(buf, expect) == 0)
        t_pass("printf float \"%s\" -> %s", fmt, expect);
    else
        t_fail("mismatch", "printf float \"%s\" -> %s (got %s)", fmt, expect, buf);
}

static void fmt_ld(const char *fmt, long double v, const char *expect)
{
    char buf[128];
    snprintf(buf, sizeof(buf), fmt, v);
    if (strcmp(buf, expect) == 0)
        t_pass("printf long double \"%s\" -> %s", fmt, expect);
    else
        t_fail("mismatch", "printf long double \"%s\" -> %s (got %s)", fmt, expect, buf);
}

static uint64_t bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static double from_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/* libm result printed with fixed precision and checked against a reference. */
static void mathv(const char *what, double got, double want)
{
    double err = fabs(got - want);
    double tol = 1e-12 * (fabs(want) > 1 ? fabs(want) : 1);
    if (err <= tol)
        t_pass("%s = %.10f", what, want);
    else
        t_fail("out of tolerance", "%s = %.10f (got %.17g)", what, want, got);
}

int main(void)
{
    volatile double third = 1.0 / 3.0, zero = 0.0, one = 1.0;
    int i, ok;

    /* ---- initial control state (set by the kernel at exec) ---- */
    {
        unsigned int mxcsr;
        unsigned short fcw;
        __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
        __asm__ volatile("fnstcw %0" : "=m"(fcw));
        CHECK((mxcsr & 0xffc0) == 0x1f80, "initial MXCSR control bits are 0x1f80");
        CHECK(fcw == 0x037f, "initial x87 control word is 0x037f");
        CHECK(fegetround() == FE_TONEAREST, "initial rounding mode is to-nearest");
    }

    /* ---- printf ---- */
    fmt_d("%f", 3.14159265358979, "3.141593");
    fmt_d("%.3f", 2.0005, "2.001");
    fmt_d("%.0f", 2.5, "2");
    fmt_d("%.0f", 3.5, "4");
    fmt_d("%10.4f", -1.5, "   -1.5000");
    fmt_d("%-10.2f|", 1e-3, "0.00      |");
    fmt_d("%+.2f", 0.125, "+0.12");
    fmt_d("%f", 1e20, "100000000000000000000.000000");
    fmt_d("%.20f", 0.1, "0.10000000000000000555");
    fmt_d("%e", 123456.789, "1.234568e+05");
    fmt_d("%.3e", 6.02214076e23, "6.022e+23");
    fmt_d("%E", 1e-300, "1.000000E-300");
    fmt_d("%g", 100000.0, "100000");
    fmt_d("%g", 1000000.0, "1e+06");
    fmt_d("%g", 0.0001, "0.0001");
    fmt_d("%g", 0.00001, "1e-05");
    fmt_d("%.17g", third, "0.33333333333333331");
    fmt_d("%#g", 1.0, "1.00000");
    fmt_d("%a", 1.0, "0x1p+0");
    fmt_d("%a", 1.5, "0x1.8p+0");
    fmt_d("%a", -0.1, "-0x1.999999999999ap-4");
    fmt_d("%A", 1024.0, "0X1P+10");
    fmt_d("%.2a", 1.0 / 3.0, "0x1.55p-2");
    fmt_d("%f", -zero, "-0.000000");
    fmt_d("%g", 1.0 / zero, "inf");
    fmt_d("%F", -1.0 / zero, "-INF");
    fmt_d("%f", fabs(zero / zero), "nan");
    fmt_d("%g", DBL_MAX, "1.79769e+308");
    fmt_d("%.17g", DBL_MIN, "2.2250738585072014e-308");
    fmt_d("%g", 4.9406564584124654e-324, "4.94066e-324");
    fmt_f("%f", 1.1f, "1.100000");
    fmt_f("%.10f", 1.1f, "1.1000000238");
    fmt_f("%e", 3.4028235e38f, "3.402823e+38");
    fmt_f("%a", 0.5f, "0x1p-1");
    fmt_ld("%Lf", 1.0L / 3.0L, "0.333333");
    fmt_ld("%.20Lf", 1.0L / 3.0L, "0.33333333333333333334");
    fmt_ld("%Lg", 1e4000L, "1e+4000");

    /* ---- strtod ---- */
    CHECK(strtod("0.1", NULL) == 0.1, "strtod 0.1");
    CHECK(bits(strtod("-0", NULL)) == 0x8000000000000000ull, "strtod -0 keeps the sign");
    CHECK(strtod("1e400", NULL) == HUGE_VAL, "strtod 1e400 overflows to inf");
    CHECK(isnan(strtod("nan", NULL)), "strtod nan");
    CHECK(strtod("0x1.8p3", NULL) == 12.0, "strtod hex float 0x1.8p3 == 12");
    CHECK(strtod("4.9406564584124654e-324", NULL) == from_bits(1), "strtod smallest subnormal");
    CHECK(strtod("2.2250738585072011e-308", NULL) == from_bits(0x000fffffffffffffull),
          "strtod largest subnormal");
    {
        char *end;
        double d = strtod("  12.5e1xyz", &end);
        CHECK(d == 125.0 && strcmp(end, "xyz") == 0, "strtod skips space and stops at junk");
    }
    CHECK(strtof("3.4028235e38", NULL) == FLT_MAX, "strtof FLT_MAX");
    CHECK(strtold("0.1", NULL) == 0.1L, "strtold 0.1");
    CHECK(atof("-2.75") == -2.75, "atof -2.75");

    /* round trips: %.17g and %a reproduce every bit, for 2000 bit patterns */
    ok = 1;
    for (i = 0; i < 2000; i++) {
        char buf[64];
        uint64_t u = t_rand();
        double d = from_bits(u), back;
        if (isnan(d))
            continue;
        snprintf(buf, sizeof(buf), "%.17g", d);
        back = strtod(buf, NULL);
        if (bits(back) != u)
            ok = 0;
        snprintf(buf, sizeof(buf), "%a", d);
        back = strtod(buf, NULL);
        if (bits(back) != u)
            ok = 0;
    }
    CHECK(ok, "2000 random doubles round-trip through %%.17g and %%a");
    ok = 1;
    for (i = 0; i < 2000; i++) {
        char buf[64];
        float f = (float)(t_rand() % 2000000) / 997.0f, back;
        snprintf(buf, sizeof(buf), "%.9g", (double)f);
        back = strtof(buf, NULL);
        if (back != f)
            ok = 0;
    }
    CHECK(ok, "2000 floats round-trip through %%.9g");

    /* ---- libm ---- */
    mathv("sqrt(2)", sqrt(2.0 * one), 1.4142135623730951);
    mathv("sin(1)", sin(one), 0.8414709848078965);
    mathv("cos(1)", cos(one), 0.5403023058681398);
    mathv("tan(0.5)", tan(0.5 * one), 0.5463024898437905);
    mathv("atan2(1,2)", atan2(one, 2.0 * one), 0.4636476090008061);
    mathv("exp(1)", exp(one), 2.718281828459045);
    mathv("exp(-3.5)", exp(-3.5 * one), 0.0301973834223185);
    mathv("log(10)", log(10.0 * one), 2.302585092994046);
    mathv("log10(2)", log10(2.0 * one), 0.3010299956639812);
    mathv("log2(3)", log2(3.0 * one), 1.584962500721156);
    mathv("pow(2,0.5)", pow(2.0 * one, 0.5), 1.4142135623730951);
    mathv("pow(1.0001,10000)", pow(1.0001 * one, 10000.0), 2.7181459268249255);
    mathv("cbrt(27)", cbrt(27.0 * one), 3.0);
    mathv("hypot(3,4)", hypot(3.0 * one, 4.0), 5.0);
    mathv("fmod(10,3)", fmod(10.0 * one, 3.0), 1.0);
    mathv("sinh(1)", sinh(one), 1.1752011936438014);
    mathv("erf(0.5)", erf(0.5 * one), 0.5204998778130465);
    mathv("lgamma(10)", lgamma(10.0 * one), 12.801827480081469);
    CHECK(floor(-2.5 * one) == -3.0 && ceil(-2.5 * one) == -2.0, "floor/ceil of -2.5");
    CHECK(round(2.5 * one) == 3.0 && trunc(-2.7 * one) == -2.0, "round/trunc");
    CHECK(rint(2.5 * one) == 2.0 && nearbyint(3.5 * one) == 4.0, "rint/nearbyint round half to even");
    CHECK(lrint(-1.5 * one) == -2, "lrint(-1.5) == -2");
    CHECK(sqrt(-one) != sqrt(-one), "sqrt(-1) is nan");
    CHECK(isinf(log(zero)) && log(zero) < 0, "log(0) is -inf");
    CHECK(fma(0.1 * one, 10.0, -1.0) == 5.551115123125783e-17, "fma is fused");
    {
        float s = sqrtf(2.0f * (float)one);
        CHECK(s == 1.41421354f, "sqrtf(2)");
        CHECK(fabsf(sinf((float)one) - 0.84147098f) < 1e-6f, "sinf(1)");
    }
    CHECK(fabsl(sqrtl(2.0L) - 1.41421356237309504880L) < 1e-18L, "sqrtl(2) to long double precision");

    /* ---- arithmetic ---- */
    CHECK(0.1 * one + 0.2 != 0.3, "0.1 + 0.2 != 0.3");
    CHECK(from_bits(1) * one > 0 && from_bits(1) * 0.5 * one == 0, "subnormals are not flushed to zero");
    CHECK((long long)(1e18 * one) == 1000000000000000000ll, "double -> int64 conversion");
    CHECK((double)(9007199254740993ll) == 9007199254740992.0, "int64 -> double rounds to even");
    CHECK((unsigned long long)(1.8446744073709550e19 * one) == 18446744073709549568ull,
          "double -> uint64 conversion above 2^63");
    CHECK((third * 3.0) == 1.0, "(1/3)*3 == 1 in double");

    /* ---- rounding modes ---- */
    CHECK(fesetround(FE_UPWARD) == 0, "fesetround FE_UPWARD");
    CHECK(rint(2.1 * one) == 3.0 && one / 3.0 > third, "upward rounding applies to rint and division");
    CHECK(fesetround(FE_DOWNWARD) == 0, "fesetround FE_DOWNWARD");
    CHECK(rint(2.9 * one) == 2.0 && one / 3.0 == third, "downward rounding");
    CHECK(fesetround(FE_TOWARDZERO) == 0, "fesetround FE_TOWARDZERO");
    CHECK(rint(-2.9 * one) == -2.0, "toward-zero rounding");
    fesetround(FE_TONEAREST);
    CHECK(rint(2.5 * one) == 2.0, "back to nearest");

    /* ---- exception flags ---- */
    feclearexcept(FE_ALL_EXCEPT);
    {
        volatile double r = one / zero;
        (void)r;
    }
    CHECK(fetestexcept(FE_DIVBYZERO), "1/0 raises FE_DIVBYZERO flag");
    feclearexcept(FE_ALL_EXCEPT);
    {
        volatile double r = one / 3.0;
        (void)r;
    }
    CHECK(fetestexcept(FE_INEXACT) && !fetestexcept(FE_DIVBYZERO), "1/3 raises only FE_INEXACT");
    feclearexcept(FE_ALL_EXCEPT);
    CHECK(fetestexcept(FE_ALL_EXCEPT) == 0, "feclearexcept clears flags");

    return t_done();
}
