// The SSE state syscall_entry and isr_common save (XMM0-15 at 16-byte slots, MXCSR at 256) and its conversion
// to and from the fxsave image that signal frames and fork keep. x87 state is never touched by
// the kernel, so it is still live in the CPU while a syscall runs and fxsave/fxrstor cover it.
using System.Runtime;
using System.Runtime.CompilerServices;

namespace Kernel.Arch
{
    internal static unsafe class SyscallFpu
    {
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_fxsave")] private static extern void Fxsave(void* area);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_fxrstor")] private static extern void Fxrstor(void* area);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_fninit")] private static extern void Fninit();

        private const int MxcsrSlot = 256, FxMxcsr = 24, FxXmm = 160;

        /// <summary>
        /// The 512-byte FPU save area just below a register frame, where syscall_entry and isr_common
        /// keep the SSE registers and MXCSR (both align it down to 16 bytes).
        /// </summary>
        public static byte* Area(void* frame) => (byte*)(((ulong)frame - 512) & ~15UL);

        /// <summary>Writes the program's complete FPU/SSE state, fxsave layout, to <paramref name="fx"/> (512 bytes, 16-aligned).</summary>
        public static void ToFxsave(byte* area, byte* fx)
        {
            Fxsave(fx);                                             // x87 part (live), MXCSR
            *(uint*)(fx + FxMxcsr) = *(uint*)(area + MxcsrSlot);
            Mem.Copy(fx + FxXmm, area, 256);
        }

        /// <summary>
        /// The SIGFPE si_code of a floating-point exception (#MF from x87 when <paramref name="simd"/>
        /// is false, #XM from SSE when true), from the unmasked exception flags that raised it, as
        /// Linux: FPE_FLTINV 7, FPE_FLTDIV 3, FPE_FLTOVF 4, FPE_FLTUND 5 (or denormal), FPE_FLTRES 6;
        /// 0 when no unmasked flag is set.
        /// </summary>
        public static int MathErrorCode(void* frame, bool simd)
        {
            uint err;
            if (simd)
            {
                uint mxcsr = *(uint*)(Area(frame) + MxcsrSlot);
                err = mxcsr & 0x3f & ~((mxcsr & 0x1f80) >> 7);
            }
            else
            {
                byte* raw = stackalloc byte[512 + 16];
                byte* fx = (byte*)(((ulong)raw + 15) & ~15UL);
                Fxsave(fx);                                         // the x87 part is still the program's
                uint fcw = *(ushort*)fx, fsw = *(ushort*)(fx + 2);
                err = fsw & ~fcw & 0x3f;
            }
            if ((err & 0x01) != 0) return 7;
            if ((err & 0x04) != 0) return 3;
            if ((err & 0x08) != 0) return 4;
            if ((err & 0x12) != 0) return 5;
            if ((err & 0x20) != 0) return 6;
            return 0;
        }

        /// <summary>Makes <paramref name="fx"/> the program's state when the syscall returns.</summary>
        public static void FromFxsave(byte* fx, byte* area)
        {
            *(uint*)(fx + FxMxcsr) &= 0xFFFF;                       // reserved MXCSR bits would #GP
            Fxrstor(fx);                                            // x87 part now; SSE again on return
            Mem.Copy(area, fx + FxXmm, 256);
            *(uint*)(area + MxcsrSlot) = *(uint*)(fx + FxMxcsr);
        }

        /// <summary>
        /// ptrace: the FPU state of a thread that is switched out, fxsave layout: its x87 part is in
        /// <paramref name="saved"/> (the image its switch saved; the live one is the caller's) and its
        /// SSE part in its frame's <paramref name="area"/>.
        /// </summary>
        public static void ToFxsaveOf(byte* saved, byte* area, byte* fx)
        {
            Mem.Copy(fx, saved, 512);
            *(uint*)(fx + FxMxcsr) = *(uint*)(area + MxcsrSlot);
            Mem.Copy(fx + FxXmm, area, 256);
        }

        /// <summary>The reverse: the x87 part into the switch image (its MXCSR and XMM stay the kernel's), SSE into the frame.</summary>
        public static void FromFxsaveOf(byte* fx, byte* saved, byte* area)
        {
            Mem.Copy(saved, fx, FxMxcsr);                           // FCW FSW FTW FOP FIP FDP
            Mem.Copy(saved + 32, fx + 32, FxXmm - 32);              // ST0-ST7
            Mem.Copy(area, fx + FxXmm, 256);
            *(uint*)(area + MxcsrSlot) = *(uint*)(fx + FxMxcsr) & 0xFFFF;   // reserved MXCSR bits would #GP
        }

        /// <summary>The live FPU state, fxsave layout (a new thread's starting x87 state; its SSE registers come from its frame).</summary>
        public static void SaveX87(byte* fx) => Fxsave(fx);

        /// <summary>exec: a clean FPU (x87 reset, SSE registers zero, default MXCSR).</summary>
        public static void Reset(byte* area)
        {
            Fninit();
            Mem.Zero(area, 256);
            *(uint*)(area + MxcsrSlot) = 0x1F80;
        }
    }
}
