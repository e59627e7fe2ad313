// SYSCALL lands here (boot.asm syscall_entry -> syscall_dispatch). The handler for each number
// is registered in Handlers.cs; the names, argument kinds and statuses come from the generated
// table, so --trace, --syscall-summary and the coverage report all read the same data.
using System.Runtime.InteropServices;
using Kernel.Arch;
using Kernel.Drivers;
using Kernel.Memory;

namespace Kernel.Syscalls
{
    /// <summary>Registers saved by syscall_entry, lowest address first. Rax carries the number in and the result out.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SyscallFrame
    {
        public ulong R15, R14, R13, R12, Rbp, Rbx, R9, R8, R10, Rdx, Rsi, Rdi, Rax, Rip, Rflags, Rsp;
        public ulong A0 => Rdi;
        public ulong A1 => Rsi;
        public ulong A2 => Rdx;
        public ulong A3 => R10;
        public ulong A4 => R8;
        public ulong A5 => R9;
    }

    /// <summary>
    /// The iret return a syscall chose (rt_sigreturn, a signal handler's entry) waits in boot.asm's
    /// syscall_full_restore block until syscall_return takes it; a thread switched out before its
    /// return keeps its own copy, so another thread's return never takes the wrong one.
    /// </summary>
    internal static unsafe class SyscallReturnState
    {
        [StructLayout(LayoutKind.Sequential)]
        public struct Saved { public ulong Full, Rcx, R11, Rip, Cs, Rflags, Rsp, Ss; }

        [System.Runtime.RuntimeImport("asm_syscall_symbols")]
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
        private static extern ulong* SyscallSymbols();

        public static void Switch(Thread prev, Thread next)
        {
            var live = (Saved*)SyscallSymbols()[2];
            if (live->Full == 0 && next.ReturnState.Full == 0) return;
            prev.ReturnState = *live;
            *live = next.ReturnState;
            next.ReturnState = default;
        }
    }

    internal static unsafe class SyscallDispatcher
    {
        private static delegate*<SyscallFrame*, long>* s_handlers;
        private static ulong* s_counts, s_errors, s_ticks;
        private static byte* s_reported;
        private static readonly ulong[] s_outOfRange = new ulong[32];
        private static int s_outOfRangeCount;
        public static bool Trace, Summary;
        public static ulong Total;

        private const uint MsrStar = 0xC0000081, MsrLstar = 0xC0000082, MsrSfmask = 0xC0000084;

        public static void Register(int nr, delegate*<SyscallFrame*, long> handler) => s_handlers[nr] = handler;

        /// <summary>Builds the handler table, checks it against the generated status table, and enables SYSCALL.</summary>
        public static void Init()
        {
            int n = SyscallTable.Count;
            s_handlers = (delegate*<SyscallFrame*, long>*)Mm.KernelHeap.Alloc((ulong)(n * sizeof(void*)));
            s_counts = (ulong*)Mm.KernelHeap.Alloc((ulong)n * 8);
            s_errors = (ulong*)Mm.KernelHeap.Alloc((ulong)n * 8);
            s_ticks = (ulong*)Mm.KernelHeap.Alloc((ulong)n * 8);
            s_reported = (byte*)Mm.KernelHeap.Alloc((ulong)n);
            Handlers.RegisterAll();
            for (int nr = 0; nr < n; nr++)
            {
                bool listed = SyscallTable.Status(nr) != SyscallStatus.Missing;
                bool handled = s_handlers[nr] != null;
                if (listed == handled) continue;
                Log.Write("compat: syscall table mismatch: ");
                Log.Write(SyscallTable.Name(nr) ?? "?");
                Log.WriteLine(handled ? " has a handler but is marked missing" : " is marked present but has no handler");
                Panic.Fail("syscall table and handlers disagree (edit syscall/syscalls.tsv and Handlers.cs together)");
            }
            Trace = CommandLine.Has("trace");
            Summary = CommandLine.Has("syscall_summary");
        }

        public static void Prepare()
        {
            // SYSRET takes CS from STAR[63:48] + 16 and SS from + 8; SYSCALL takes CS and SS = CS + 8 from STAR[47:32].
            Native.Wrmsr(MsrStar, ((ulong)Cpu.User32Code << 48) | ((ulong)Cpu.KernelCode << 32));
            Native.Wrmsr(MsrLstar, EntryAddress());
            Native.Wrmsr(MsrSfmask, 0x47700);        // clear TF, IF, DF, IOPL, NT, AC on entry
        }

        [System.Runtime.RuntimeImport("asm_syscall_symbols")]
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
        private static extern ulong* SyscallSymbols();
        private static ulong EntryAddress() => SyscallSymbols()[0];

        [UnmanagedCallersOnly(EntryPoint = "syscall_dispatch")]
        private static void Dispatch(SyscallFrame* f)
        {
            ulong nr = f->Rax;
            CpuTime.EnterKernel();
            Native.Sti();                                         // interrupts in a syscall only defer their work (Deferred)
            Thread caller = Thread.Current;
            caller.SysFrame = f;
            caller.IntFrame = null;
            Total++;
            // Counted before the call: exit never returns, execve returns into a new image.
            if (nr < (ulong)SyscallTable.Count) s_counts[nr]++;
            if (Trace && (nr == Nr.exit || nr == Nr.exit_group || nr == Nr.execve)) { TraceCall((int)nr, f); Log.WriteLine(" = ?"); }
            ulong sys0 = caller.SystemTicks;
            long r;
            caller.InSyscall = true;
            caller.OrigRax = nr;
            int tidBefore = caller.Tid;                           // exec gives a non-leader the process's id
            bool skip = false;
            if (caller.Tracer != null)
            {
                if (Ptrace.TracingSyscalls(caller))
                {
                    // The tracer may change the number and the arguments, or skip the call (-1 or any
                    // number past the table: the result is then whatever rax holds, -ENOSYS unless changed).
                    nr = Ptrace.SyscallEntry(f, nr);
                    skip = nr >= (ulong)SyscallTable.Count;
                }
                if ((nr == Nr.exit || nr == Nr.exit_group) && Ptrace.Wants(caller, Ptrace.O_TRACEEXIT))
                    Ptrace.Event(Ptrace.EventExit, (f->A0 & 0xFF) << 8);
            }
            if (skip) r = (long)f->Rax;
            else if (caller.SeccompMode != 0 && SysSeccomp.Blocks(caller, nr, f, out r)) { }   // refused by a filter: r says how
            else if (nr < (ulong)SyscallTable.Count && s_handlers[nr] != null) r = s_handlers[nr](f);
            else r = NoSys(nr, f);
            if (Fs.IoRing.AnyReady) Fs.IoRing.RunReady();                        // io_uring requests whose file became ready (task work)
            Thread.Current.ReturnBorrowed();
            if (Fs.DeadInodes.Any) Fs.DeadInodes.Collect();
            if (Fs.AioContext.EndedWaiting) Fs.AioContext.ReleaseEnded();      // files of aio polls that ended outside a syscall
            if (nr < (ulong)SyscallTable.Count)
            {
                // The caller's own system time: not the time it spent switched out while the call blocked.
                CpuTime.Charge(caller);
                s_ticks[nr] += caller.SystemTicks - sys0;
                if (r < 0 && r > -4096) s_errors[nr]++;
            }
            // From here on interrupts stay masked. The deferred interrupt work runs first: a signal it
            // raises (a timer's) takes part in the restart decision and in the delivery below.
            Native.Cli();
            Deferred.Run();
            if (caller.Tracer != null)
            {
                if (r == 0 && (nr == Nr.execve || nr == Nr.execveat)) Ptrace.AfterExec(caller, tidBefore);
                if (Ptrace.TracingSyscalls(caller))
                {
                    f->Rax = (ulong)r;
                    Ptrace.SyscallExit();
                    r = (long)f->Rax;
                }
            }
            int tracedSig = -1;
            if (caller.Tracer != null && IsRestart(r) && nr != Nr.rt_sigreturn)
            {
                // The tracer sees the interrupting signal first (rax = -ERESTART*, which it may change)
                // and may suppress it, which restarts the call.
                f->Rax = (ulong)r;
                tracedSig = SignalDelivery.TracedSignalBeforeRestart();
                r = (long)f->Rax;
            }
            if (IsRestart(r) && nr != Nr.rt_sigreturn)
            {
                // Interrupted by a signal: ERESTARTSYS runs the call again after the handler if it has
                // SA_RESTART (or no handler runs); the other two only when no handler runs (a stop and
                // SIGCONT, an ignored signal). Otherwise EINTR. The registers still hold the arguments;
                // ERESTART_RESTARTBLOCK goes on through restart_syscall instead of the call itself. A
                // PTRACE_INTERRUPT restarts the call once the tracer lets the thread go on.
                int sig = tracedSig >= 0 ? tracedSig : SignalDelivery.Next(out _);
                bool again = tracedSig == 0 || (r == -Errno.ERESTARTSYS ? SignalDelivery.RestartsAfter(sig) : !SignalDelivery.HandlerRuns(sig));
                if ((again || (sig == 0 && caller.PtraceInterrupt)) && !Process.Current.Exiting)
                {
                    if (Trace) { TraceCall((int)nr, f); Log.WriteLine(" = ? (restarted after a signal)"); }
                    f->Rip -= 2;                                  // syscall is 0F 05
                    f->Rax = r == -Errno.ERESTART_RESTARTBLOCK ? (ulong)Nr.restart_syscall : nr;
                    ReturnToUser(f);
                    return;
                }
                r = -Errno.EINTR;
            }
            if (Trace) { TraceCall((int)nr, f); TraceResult(r); }
            f->Rax = (ulong)r;
            ReturnToUser(f);
        }

        private static bool IsRestart(long r) => r == -Errno.ERESTARTSYS || r == -Errno.ERESTARTNOHAND || r == -Errno.ERESTART_RESTARTBLOCK;

        /// <summary>The last kernel work before sysret (interrupts masked, deferred work done): a thread whose
        /// slice is over yields, a thread told to end goes, pending signals are delivered.</summary>
        internal static void ReturnToUser(SyscallFrame* f)
        {
            if (Scheduler.SliceOver) Scheduler.Schedule(true);
            ProcessExit.CheckExitRequest();
            if (Process.Current.Stopped) { SignalDelivery.WaitWhileStopped(); ProcessExit.CheckExitRequest(); }
            if (Thread.Current.PtraceInterrupt) { Ptrace.InterruptStop(); ProcessExit.CheckExitRequest(); }
            if (SignalDelivery.AnyDeliverable) SignalDelivery.DeliverPending(f);
            SignalDelivery.RestoreSavedMask();                         // an interrupted wait whose signal ran no handler
            CpuTime.LeaveKernel();
        }

        private static long NoSys(ulong nr, SyscallFrame* f)
        {
            bool inTable = nr < (ulong)SyscallTable.Count;
            if (inTable && s_reported[nr] != 0) return -Errno.ENOSYS;
            if (inTable) s_reported[nr] = 1;
            else
            {
                // Numbers past the table: remember a few, so each is reported once too.
                for (int i = 0; i < s_outOfRangeCount; i++) if (s_outOfRange[i] == nr) return -Errno.ENOSYS;
                if (s_outOfRangeCount < s_outOfRange.Length) s_outOfRange[s_outOfRangeCount++] = nr;
                else if (s_outOfRangeCount == s_outOfRange.Length) { s_outOfRangeCount++; Log.WriteLine("compat: more unimplemented out-of-range syscalls follow; no longer reported"); return -Errno.ENOSYS; }
                else return -Errno.ENOSYS;
            }
            Log.Write("compat: unimplemented syscall ");
            Log.Write(inTable ? SyscallTable.Name((int)nr) ?? "(unassigned)" : "(out of range)");
            Log.Write(" (");
            Log.Dec(nr);
            Log.Write(") called from ");
            Log.Hex(f->Rip);
            Log.WriteLine(", returning -ENOSYS (reported once)");
            return -Errno.ENOSYS;
        }

        private static void TraceCall(int nr, SyscallFrame* f)
        {
            Log.Write("compat: trace ");
            string name = nr < SyscallTable.Count ? SyscallTable.Name(nr) : null;
            if (name == null) { Log.Write("syscall_"); Log.Dec((ulong)nr); } else Log.Write(name);
            Log.Write("(");
            string args = nr < SyscallTable.Count ? SyscallTable.Args(nr) : "";
            SyscallTable.ArgKind(args, 0, out int count);
            if (args.Length == 0) count = 6;          // signature unknown: show all six registers
            else if (args == "-") count = 0;
            for (int i = 0; i < count; i++)
            {
                if (i > 0) Log.Write(", ");
                ulong v = i == 0 ? f->A0 : i == 1 ? f->A1 : i == 2 ? f->A2 : i == 3 ? f->A3 : i == 4 ? f->A4 : f->A5;
                string kind = args.Length == 0 ? "hex" : SyscallTable.ArgKind(args, i, out _);
                TraceArg(kind, v);
            }
            Log.Write(")");
        }

        private static void TraceArg(string kind, ulong v)
        {
            if (kind == "int" || kind == "fd" || kind == "sig") { if (kind == "fd" && (int)v == -100) Log.Write("AT_FDCWD"); else Log.Dec((long)(int)v); }
            else if (kind == "uint" || kind == "size") Log.Dec(v);
            else if (kind == "mode") { Log.Write("0"); Octal(v); }
            else if (kind == "str") TraceString(v);
            else if (kind == "ptr" && v == 0) Log.Write("NULL");
            else Log.Hex(v, v <= 0xFFFF ? 4 : v <= 0xFFFFFFFF ? 8 : 16);
        }

        private static void Octal(ulong v)
        {
            if (v >= 8) Octal(v >> 3);
            Log.Char((char)('0' + (v & 7)));
        }

        private static void TraceString(ulong user)
        {
            byte* buf = stackalloc byte[64];
            long len = UserMemory.StringLength(user, 4096);
            if (len < 0) { Log.Hex(user); return; }
            ulong n = (ulong)len < 60 ? (ulong)len : 60;
            if (UserMemory.CopyFrom(buf, user, n) != 0) { Log.Hex(user); return; }
            Log.Char('"');
            for (ulong i = 0; i < n; i++)
            {
                byte c = buf[i];
                if (c == '\n') Log.Write("\\n");
                else if (c == '"' || c == '\\') { Log.Char('\\'); Log.Char((char)c); }
                else if (c < 32 || c >= 127) { Log.Write("\\x"); Log.Char("0123456789abcdef"[c >> 4]); Log.Char("0123456789abcdef"[c & 15]); }
                else Log.Char((char)c);
            }
            Log.Char('"');
            if ((ulong)len > n) Log.Write("...");
        }

        private static void TraceResult(long r)
        {
            Log.Write(" = ");
            if (r < 0 && r > -4096) { Log.Write("-1 "); Log.Write(Errno.Name((int)-r)); Log.Write(" ("); Log.Dec(-r); Log.Write(")"); }
            else if (r > 0xFFFF || r < 0) Log.Hex((ulong)r);
            else Log.Dec(r);
            Log.Write("\n");
        }

        /// <summary>The --syscall-summary table, like strace -c: calls, errors, total and average time.</summary>
        public static void PrintSummary()
        {
            Log.WriteLine("compat: summary   calls  errors   total-us     avg-ns  syscall");
            for (int nr = 0; nr < SyscallTable.Count; nr++)
            {
                if (s_counts[nr] == 0) continue;
                ulong ns = Tsc.ToNs(s_ticks[nr]);
                Log.Write("compat: summary ");
                Pad(s_counts[nr], 7); Log.Write(" ");
                Pad(s_errors[nr], 7); Log.Write(" ");
                Pad(ns / 1000, 10); Log.Write(" ");
                Pad(ns / s_counts[nr], 10); Log.Write("  ");
                Log.WriteLine(SyscallTable.Name(nr));
            }
            Log.Write("compat: summary ");
            Pad(Total, 7);
            Log.WriteLine(" total");
            ulong all = 0;
            for (int nr = 0; nr < SyscallTable.Count; nr++) all += s_ticks[nr];
            CpuTime.Print(all);
        }

        private static void Pad(ulong v, int width)
        {
            int digits = 1;
            for (ulong x = v; x >= 10; x /= 10) digits++;
            for (int i = digits; i < width; i++) Log.Char(' ');
            Log.Dec(v);
        }
    }
}
