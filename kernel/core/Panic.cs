// Fatal kernel errors: a message, a trace of return addresses, and power-off with a status
// that tells the host it was a panic. Never allocates.
using Kernel.Arch;

namespace Kernel
{
    internal static unsafe class Panic
    {
        private static int s_depth;

        public static void Fail(string message)
        {
            Native.Cli();
            if (++s_depth > 1) { Log.WriteLine("\nPANIC (nested)"); Power.Off(Power.StatusPanic); }
            Log.Write("\nPANIC: ");
            Log.WriteLine(message);
            Backtrace(Native.ReadRsp());
            Power.Off(Power.StatusPanic);
        }

        public static void IndexOutOfRange() => Fail("IndexOutOfRangeException");
        public static void OutOfMemory(ulong size) { Log.Write("\nout of memory allocating "); Log.Dec(size); Fail(" bytes"); }

        /// <summary>Prints likely return addresses found on the stack: values inside kernel text preceded by a call.</summary>
        public static void Backtrace(ulong rsp)
        {
            Log.WriteLine("backtrace (return addresses; decode with tools/crash/decode.sh):");
            ulong text0 = Symbols.TextStart, text1 = Symbols.TextEnd;
            ulong top = rsp + 16384;
            if (rsp >= Symbols.BootStackBottom && rsp < Symbols.BootStackTop) top = Symbols.BootStackTop;
            else if (rsp < Memory.Mm.DirectMapBase) { Log.WriteLine("  (stack is not a kernel stack; not scanned)"); return; }
            else top = (rsp + 4096) & ~4095UL;      // kernel stacks are page-aligned at the top
            int shown = 0;
            for (ulong p = rsp & ~7UL; p < top && shown < 24; p += 8)
            {
                ulong v = *(ulong*)p;
                if (v < text0 + 8 || v >= text1 || !FollowsCall(v)) continue;
                Log.Write("  at ");
                Log.Hex(v);
                Log.Write("\n");
                shown++;
            }
        }

        private static bool FollowsCall(ulong ret)
        {
            byte* b = (byte*)ret;
            if (b[-5] == 0xE8) return true;                                  // call rel32
            if (b[-2] == 0xFF && (b[-1] & 0x38) == 0x10) return true;        // call r/m (reg)
            if (b[-3] == 0xFF && (b[-2] & 0x38) == 0x10) return true;        // call [r+disp8]
            if (b[-6] == 0xFF && (b[-5] & 0x38) == 0x10) return true;        // call [rip+disp32]
            return false;
        }
    }

    internal static class Power
    {
        public const byte StatusPanic = 0x7F;

        /// <summary>Exits QEMU through isa-debug-exit (status becomes (code &lt;&lt; 1) | 1), else halts.</summary>
        public static void Off(int code)
        {
            Log.Write("compat: power off, status ");
            Log.Dec(code);
            Log.Write("\n");
            Native.Outb(0x501, (byte)code);
            Native.Cli();
            while (true) Native.Hlt();
        }
    }
}
