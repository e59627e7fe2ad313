// Math helpers ILC binds conversions to, plus the few math functions kernel code uses.
namespace System
{
    public static class Math
    {
        private static int ConvertToInt32Checked(double v)
        {
            if (!(v > -2147483649.0 && v < 2147483648.0)) Kernel.Panic.Fail("OverflowException (double to int)");
            return (int)v;
        }

        private static uint ConvertToUInt32Checked(double v)
        {
            if (!(v > -1.0 && v < 4294967296.0)) Kernel.Panic.Fail("OverflowException (double to uint)");
            return (uint)v;
        }

        private static long ConvertToInt64Checked(double v)
        {
            if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) Kernel.Panic.Fail("OverflowException (double to long)");
            return (long)v;
        }

        private static ulong ConvertToUInt64Checked(double v)
        {
            if (!(v > -1.0 && v < 18446744073709551616.0)) Kernel.Panic.Fail("OverflowException (double to ulong)");
            return v < 9223372036854775808.0 ? (ulong)(long)v : (ulong)(long)(v - 9223372036854775808.0) + 0x8000000000000000UL;
        }

        public static int Min(int a, int b) => a < b ? a : b;
        public static int Max(int a, int b) => a > b ? a : b;
        public static long Min(long a, long b) => a < b ? a : b;
        public static long Max(long a, long b) => a > b ? a : b;
        public static ulong Min(ulong a, ulong b) => a < b ? a : b;
        public static ulong Max(ulong a, ulong b) => a > b ? a : b;
        public static int Abs(int a) => a < 0 ? -a : a;
        public static long Abs(long a) => a < 0 ? -a : a;
    }
}
