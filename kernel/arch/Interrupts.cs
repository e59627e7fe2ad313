// The C# side of every interrupt and CPU exception. Kernel faults covered by the extable resume
// at their fixup; anything else is reported with registers and a backtrace, then panics.
using System.Runtime.InteropServices;
using Kernel.Drivers;

namespace Kernel.Arch
{
    /// <summary>Registers as pushed by isr_common in boot.asm, lowest address first.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct InterruptFrame
    {
        public ulong R15, R14, R13, R12, R11, R10, R9, R8, Rbp, Rdi, Rsi, Rdx, Rcx, Rbx, Rax;
        public ulong Vector, ErrorCode;
        public ulong Rip, Cs, Rflags, Rsp, Ss;
        public bool FromUser => (Cs & 3) == 3;
    }

    internal static unsafe class Interrupts
    {
        public const int TimerVector = 32;
        public const int SpuriousVector = 0xFF;
        public static ulong FaultsReported;

        [UnmanagedCallersOnly(EntryPoint = "interrupt_dispatch")]
        private static void Dispatch(InterruptFrame* f)
        {
            ulong v = f->Vector;
            if (v == 2 && Profiler.Enabled) { Profiler.Sample(f); return; }      // NMI: the profiler's clock
            if (f->FromUser) { CpuTime.EnterKernel(); Thread.Current.IntFrame = f; }
            if (v < 32) { Exception(f); return; }
            // From kernel code (a syscall, the idle loop) an interrupt only notes itself: its work
            // runs at the next safe point (Deferred). From user mode nothing is half-done: run it now.
            if (v == TimerVector)
            {
                if (Timer.OnInterrupt()) Deferred.PeriodPending = true;
                Lapic.EndOfInterrupt();
                Deferred.TickPending = true;
                if (!f->FromUser) return;
                Deferred.Run();                                            // deadlines, kernel timers, polls
                if (Scheduler.SliceOver) Scheduler.Schedule(true);
                ReturnToUser(f);
                return;
            }
            if (v == SpuriousVector) { if (f->FromUser) CpuTime.LeaveKernel(); return; }
            if (Irq.Owns(v))
            {
                if (!f->FromUser) { Irq.Defer(v); return; }
                ulong t0 = Native.Rdtsc();
                Irq.Dispatch(v);
                CpuTime.Devices += Native.Rdtsc() - t0;
                if (Scheduler.SliceOver) Scheduler.Schedule(true);   // a woken real-time thread runs now
                ReturnToUser(f);
                return;
            }
            Log.Write("compat: unexpected interrupt vector ");
            Log.Dec(v);
            Log.Write("\n");
            Lapic.EndOfInterrupt();
            if (f->FromUser) CpuTime.LeaveKernel();
        }

        /// <summary>Back to user mode from an interrupt or fault: a thread told to end goes, pending signals are delivered.</summary>
        private static void ReturnToUser(InterruptFrame* f)
        {
            Deferred.Run();
            ProcessExit.CheckExitRequest();
            if (Process.Current.Stopped) { Syscalls.SignalDelivery.WaitWhileStopped(); ProcessExit.CheckExitRequest(); }
            if (Thread.Current.PtraceInterrupt) { Ptrace.InterruptStop(); ProcessExit.CheckExitRequest(); }
            if (Syscalls.SignalDelivery.AnyDeliverable) Syscalls.SignalDelivery.DeliverFromInterrupt(f);
            CpuTime.LeaveKernel();
        }

        private struct ExtableEntry { public ulong FaultRip, FixupRip, Flags; }

        private static void Exception(InterruptFrame* f)
        {
            if (f->FromUser)
            {
                ulong t0 = Native.Rdtsc();
                Process.OnUserFault(f);
                CpuTime.Faults += Native.Rdtsc() - t0;
                ReturnToUser(f);
                return;
            }
            if ((f->Vector == 14 || f->Vector == 8) && Thread.IsStackGuard(Native.ReadCr2()))
            {
                Report(f, "kernel stack overflow");
                Backtrace(f);
                Panic.Fail("kernel stack overflow (a thread's kernel stack ran into its guard pages)");
            }
            if (f->Vector == 14 && Memory.AddressSpace.Active)
            {
                // A kernel access to user memory (syscall copy) may touch a not-yet-populated page.
                ulong addr = Native.ReadCr2();
                if (addr < Memory.AddressSpace.UserEnd && ((f->ErrorCode & 1) == 0 || (f->ErrorCode & 2) != 0) &&
                    Memory.AddressSpace.HandleFault(addr, (f->ErrorCode & 2) != 0, false)) { Process.Current.MinorFaults++; return; }
            }
            {
                for (var e = (ExtableEntry*)Symbols.ExtableStart; e < (ExtableEntry*)Symbols.ExtableEnd; e++)
                {
                    if (e->FaultRip != f->Rip) continue;
                    if ((e->Flags & 1) != 0) Report(f, "kernel fault (expected, recovered via extable)");
                    f->Rip = e->FixupRip;
                    return;
                }
            }
            Report(f, f->FromUser ? "user fault" : "kernel fault");
            if (!f->FromUser) Backtrace(f);
            Panic.Fail("unhandled CPU exception");
        }

        public static string Name(ulong vector) => vector switch
        {
            0 => "#DE divide error", 1 => "#DB debug", 2 => "NMI", 3 => "#BP breakpoint", 4 => "#OF overflow",
            5 => "#BR bound range", 6 => "#UD invalid opcode", 7 => "#NM device not available",
            8 => "#DF double fault", 10 => "#TS invalid TSS", 11 => "#NP segment not present",
            12 => "#SS stack fault", 13 => "#GP general protection", 14 => "#PF page fault",
            16 => "#MF x87 error", 17 => "#AC alignment check", 18 => "#MC machine check",
            19 => "#XM SIMD exception", 20 => "#VE virtualization", 21 => "#CP control protection",
            _ => "reserved exception",
        };

        public static void Report(InterruptFrame* f, string what)
        {
            FaultsReported++;
            Log.Write("\n=== ");
            Log.Write(what);
            Log.Write(": vector ");
            Log.Dec(f->Vector);
            Log.Write(" ");
            Log.Write(Name(f->Vector));
            Log.Write(", error code ");
            Log.Hex(f->ErrorCode, 4);
            Log.Write(" ===\n");
            Log.Pair("RIP", f->Rip); Log.Write("  "); Log.Pair("CR2", Native.ReadCr2()); Log.Write("  ");
            Log.Pair("RFLAGS", f->Rflags); Log.Write("  CS="); Log.Hex(f->Cs, 4); Log.Write(" SS="); Log.Hex(f->Ss, 4); Log.Write("\n");
            Log.Pair("RAX", f->Rax); Log.Write(" "); Log.Pair("RBX", f->Rbx); Log.Write(" "); Log.Pair("RCX", f->Rcx); Log.Write("\n");
            Log.Pair("RDX", f->Rdx); Log.Write(" "); Log.Pair("RSI", f->Rsi); Log.Write(" "); Log.Pair("RDI", f->Rdi); Log.Write("\n");
            Log.Pair("RBP", f->Rbp); Log.Write(" "); Log.Pair("RSP", f->Rsp); Log.Write(" "); Log.Pair("R8 ", f->R8); Log.Write("\n");
            Log.Pair("R9 ", f->R9); Log.Write(" "); Log.Pair("R10", f->R10); Log.Write(" "); Log.Pair("R11", f->R11); Log.Write("\n");
            Log.Pair("R12", f->R12); Log.Write(" "); Log.Pair("R13", f->R13); Log.Write(" "); Log.Pair("R14", f->R14); Log.Write("\n");
            Log.Pair("R15", f->R15); Log.Write("\n");
            if (f->Vector == 14)
            {
                ulong e = f->ErrorCode;
                ulong cr2 = Native.ReadCr2();
                bool userMapped = cr2 < Memory.AddressSpace.UserEnd && Memory.AddressSpace.Active && Memory.AddressSpace.Find(cr2) >= 0;
                if (f->FromUser && !userMapped) Log.Write("page fault: no mapping at this address");
                else Log.Write((e & 1) != 0 ? "page fault: protection violation" : "page fault: page not present");
                Log.Write((e & 2) != 0 ? ", write" : ", read");
                if ((e & 16) != 0) Log.Write(", instruction fetch");
                Log.Write((e & 4) != 0 ? ", user mode\n" : ", kernel mode\n");
            }
        }

        private static void Backtrace(InterruptFrame* f)
        {
            Log.Write("  at ");
            Log.Hex(f->Rip);
            Log.Write(" (faulting instruction)\n");
            Panic.Backtrace(f->Rsp);
        }
    }
}
