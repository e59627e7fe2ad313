// Memory primitives for the host build (tests and tools): the BCL's.
namespace Kernel
{
    public static unsafe class Mem
    {
        public static void Copy(void* dst, void* src, ulong n) => System.Buffer.MemoryCopy(src, dst, n, n);
        public static void Move(void* dst, void* src, ulong n) => System.Buffer.MemoryCopy(src, dst, n, n);
        public static void Zero(void* dst, ulong n) => System.Runtime.InteropServices.NativeMemory.Clear(dst, (nuint)n);
        public static void Fill(void* dst, byte value, ulong n) => System.Runtime.InteropServices.NativeMemory.Fill(dst, (nuint)n, value);
    }
}
