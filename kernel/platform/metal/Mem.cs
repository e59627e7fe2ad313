// Memory primitives for the metal build: boot.asm's memcpy/memmove/memset (rep movsq/stosq, then bytes).
namespace Kernel
{
    public static unsafe class Mem
    {
        public static void Copy(void* dst, void* src, ulong n) => Arch.Native.Memcpy(dst, src, n);
        public static void Move(void* dst, void* src, ulong n) => Arch.Native.Memmove(dst, src, n);
        public static void Zero(void* dst, ulong n) => Arch.Native.Memset(dst, 0, n);
        public static void Fill(void* dst, byte value, ulong n) => Arch.Native.Memset(dst, value, n);
    }
}
