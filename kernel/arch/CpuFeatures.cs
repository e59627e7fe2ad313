// CPU identification the kernel reports to programs (AT_HWCAP, /proc/cpuinfo later) and uses itself.
namespace Kernel.Arch
{
    internal static unsafe class CpuFeatures
    {
        public static ulong Hwcap;          // CPUID.1:EDX, what Linux puts in AT_HWCAP on x86-64
        public static bool HasRdrand, Umip;

        public static void Init()
        {
            uint* r = stackalloc uint[4];
            Native.Cpuid(1, 0, r);
            Hwcap = r[3];
            HasRdrand = (r[2] & (1u << 30)) != 0;
            Native.Cpuid(0, 0, r);
            if (r[0] >= 7)
            {
                Native.Cpuid(7, 0, r);
                // UMIP: sgdt/sidt/sldt/smsw/str fault in ring 3 instead of revealing kernel addresses.
                if ((r[2] & (1u << 2)) != 0) { Native.WriteCr4(Native.ReadCr4() | (1UL << 11)); Umip = true; }
            }
        }
    }
}
