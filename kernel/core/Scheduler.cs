// The scheduler: a FIFO run queue, context switches between threads of any process (CR3 changes
// only when the process does), sleeping on wait queues with an optional deadline, one ordered
// list of deadlines checked on every timer tick, and time slices that end by preemption when the
// tick interrupts user mode or a syscall returns. Interrupts stay enabled while syscalls run, but
// kernel code is not preempted: an interrupt in kernel code defers its work (Deferred), and the
// queues below are changed only by kernel code and that deferred work, which runs with interrupts
// masked at the points listed there (one CPU, so no other lock). The boot thread becomes the idle
// thread.
using Kernel.Arch;
using Kernel.Drivers;
using Kernel.Memory;

namespace Kernel
{
    /// <summary>Threads sleeping until something changes (a pipe gets data, a child exits...).</summary>
    internal sealed class WaitQueue
    {
        public Thread Head;
        public bool Fifo;       // sleepers join at the tail (futexes wake the oldest waiter first); else at the head

        public void Add(Thread t)
        {
            t.WaitingOn = this;
            t.WaitNext = null;
            if (!Fifo || Head == null) { t.WaitNext = Head; Head = t; return; }
            Thread p = Head;
            while (p.WaitNext != null) p = p.WaitNext;
            p.WaitNext = t;
        }

        public void Remove(Thread t)
        {
            if (t.WaitingOn != this) return;
            if (Head == t) Head = t.WaitNext;
            else for (Thread p = Head; p != null; p = p.WaitNext) if (p.WaitNext == t) { p.WaitNext = t.WaitNext; break; }
            t.WaitNext = null;
            t.WaitingOn = null;
        }

        /// <summary>Wakes every sleeper (each re-checks its condition).</summary>
        public void WakeAll()
        {
            while (Head != null) Scheduler.Wake(Head, Scheduler.Woken);
        }

        public bool IsEmpty => Head == null;
    }

    internal static unsafe class Scheduler
    {
        public const int Woken = 0, TimedOut = 1, Interrupted = 2;
        public const ulong SliceNs = 20_000_000;

        private static Thread s_runHead, s_runTail;
        private static Thread s_idle;
        private static Thread s_dead;          // exited threads whose stacks can go once nobody runs on them
        private static Thread s_timers;        // sleepers with a deadline, earliest first
        private static ulong s_sliceStart;
        public static ulong Switches;

        [System.Runtime.RuntimeImport("switch_context")]
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
        private static extern void SwitchContext(ulong* saveRsp, ulong newRsp, byte* saveFx, byte* loadFx);

        [System.Runtime.RuntimeImport("asm_syscall_symbols")]
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
        private static extern ulong* SyscallSymbols();

        private const uint MsrFsBase = 0xC0000100, MsrGsBase = 0xC0000101;

        /// <summary>The boot thread becomes the idle thread of the kernel process.</summary>
        public static void Init(Process kernel)
        {
            s_idle = new Thread { Tid = 0, Process = kernel };
            s_idle.Fx = (byte*)Mm.KernelHeap.Alloc(512);
            Thread.Current = s_idle;
        }

        public static bool IsIdle => Thread.Current == s_idle;

        public static void Enqueue(Thread t)
        {
            if (t.Queued || t == s_idle) return;
            t.Queued = true;
            t.RunNext = null;
            if (s_runTail == null) s_runHead = t; else s_runTail.RunNext = t;
            s_runTail = t;
        }

        private static Thread Dequeue()
        {
            Thread t = s_runHead;
            if (t == null) return null;
            s_runHead = t.RunNext;
            if (s_runHead == null) s_runTail = null;
            t.RunNext = null;
            t.Queued = false;
            return t;
        }

        public static bool AnyRunnable => s_runHead != null;

        /// <summary>Gives the CPU to the next runnable thread; the caller stays runnable unless it blocked or died.</summary>
        public static void Schedule()
        {
            // Switches happen with interrupts masked; each thread gets back the state it came in with.
            bool interrupts = Native.SaveAndCli();
            Deferred.Run();                                        // wake-ups first: they may pick the next thread
            Thread cur = Thread.Current;
            if (cur.State == Thread.Runnable) Enqueue(cur);
            // Once the program ops ran has exited, the machine powers off: only the idle thread runs on.
            Thread next = Process.MainExited ? s_idle : Dequeue();
            if (next == null) next = s_idle;
            SwitchTo(next);
            Native.RestoreInterrupts(interrupts);
        }

        private static void SwitchTo(Thread next)
        {
            Thread prev = Thread.Current;
            s_sliceStart = Tsc.MonotonicNs();
            if (next == prev) return;
            Switches++;
            prev.FsBase = Native.Rdmsr(MsrFsBase);
            prev.GsBase = Native.Rdmsr(MsrGsBase);
            // The idle thread touches only the kernel half, so it runs on whatever address space is
            // loaded: a CR3 write empties the TLB (all of it, under TCG), and going to idle and back
            // on every blocking call would do that twice. A map is freed only after its last user
            // has switched away from it (MemoryMap.ReleaseCurrent), so idle never keeps a freed one.
            MemoryMap m = next.Process.Map;
            if (next != s_idle && m != MemoryMap.Current) MemoryMap.Activate(m);
            Native.Wrmsr(MsrFsBase, next.FsBase);
            Native.Wrmsr(MsrGsBase, next.GsBase);
            if (next != s_idle)
            {
                Cpu.TaskState.Rsp0 = next.StackTop;
                *(ulong*)SyscallSymbols()[1] = next.StackTop;
            }
            CpuTime.Switch(prev, next);
            Syscalls.SyscallReturnState.Switch(prev, next);
            Thread.Current = next;
            fixed (ulong* save = &prev.SavedRsp) SwitchContext(save, next.SavedRsp, prev.Fx, next.Fx);
            FreeDead();
        }

        /// <summary>The calling thread is gone for good: its stack is freed once another thread runs.</summary>
        public static void ExitCurrent()
        {
            Thread t = Thread.Current;
            t.State = Thread.Dead;
            t.RunNext = s_dead;
            s_dead = t;
            Schedule();
            Panic.Fail("a dead thread was scheduled");
        }

        private static void FreeDead()
        {
            Thread keep = null;
            while (s_dead != null)
            {
                Thread t = s_dead;
                s_dead = t.RunNext;
                if (t == Thread.Current) { keep = t; continue; }
                t.Free();
            }
            if (keep != null) { keep.RunNext = null; s_dead = keep; }
        }

        // ---- sleeping and waking -------------------------------------------------------------

        /// <summary>A signal the thread does not block is pending, or its process is ending: interruptible waits end.</summary>
        public static bool SignalPending(Thread t) =>
            t.ExitRequested || t.Process.Exiting || t.PtraceInterrupt ||
            ((t.Pending | t.Process.Pending) & (~(t.SignalMask & ~Syscalls.SignalDelivery.Unblockable) | t.SigWaitMask)) != 0;

        /// <summary>
        /// Sleeps on <paramref name="q"/> (may be null) until woken, until <paramref name="deadlineNs"/>
        /// (monotonic; 0: none) or, when interruptible, until a signal arrives. Returns Woken, TimedOut
        /// or Interrupted. The caller re-checks its condition: a wake-up is a hint, not a promise.
        /// </summary>
        public static int Sleep(WaitQueue q, ulong deadlineNs, bool interruptible = true)
        {
            Thread t = Thread.Current;
            if (interruptible && SignalPending(t)) return Interrupted;
            if (deadlineNs != 0 && Tsc.MonotonicNs() >= deadlineNs) return TimedOut;
            t.State = Thread.Blocked;
            t.Interruptible = interruptible;
            t.WakeReason = Woken;
            if (q != null) q.Add(t);
            if (deadlineNs != 0) ArmTimer(t, deadlineNs);
            Schedule();
            if (t.WaitingOn != null) t.WaitingOn.Remove(t);
            DisarmTimer(t);
            return t.WakeReason;
        }

        /// <summary>Makes a blocked thread runnable (it returns from Sleep with <paramref name="reason"/>).</summary>
        public static void Wake(Thread t, int reason)
        {
            if (t.WaitingOn != null) t.WaitingOn.Remove(t);
            if (t.State != Thread.Blocked) return;
            DisarmTimer(t);
            t.WakeReason = reason;
            t.State = Thread.Runnable;
            Enqueue(t);
        }

        /// <summary>A signal or a kill reached <paramref name="t"/>: end an interruptible sleep.</summary>
        public static void Interrupt(Thread t)
        {
            if (t.State == Thread.Blocked && (t.Interruptible || t.PtraceStopped)) Wake(t, Interrupted);   // a ptrace-stop looks whether it was killed
        }

        public static void Yield() => Schedule();

        /// <summary>
        /// A safe point in a long syscall (nothing half-changed that another thread could see):
        /// deferred interrupt work runs (sleepers whose deadline passed wake up, received frames
        /// are processed), and the caller yields once its slice is over and another thread waits.
        /// </summary>
        public static void PreemptPoint()
        {
            if (!Deferred.Pending && !SliceOver) return;
            bool interrupts = Native.SaveAndCli();
            Deferred.Run();
            Native.RestoreInterrupts(interrupts);
            if (SliceOver) Schedule();
        }

        private static void ArmTimer(Thread t, ulong at)
        {
            Timer.Request(at);
            t.WakeAt = at;
            if (s_timers == null || at < s_timers.WakeAt) { t.TimerNext = s_timers; s_timers = t; return; }
            Thread p = s_timers;
            while (p.TimerNext != null && p.TimerNext.WakeAt <= at) p = p.TimerNext;
            t.TimerNext = p.TimerNext;
            p.TimerNext = t;
        }

        private static void DisarmTimer(Thread t)
        {
            if (t.WakeAt == 0) return;
            t.WakeAt = 0;
            if (s_timers == t) { s_timers = t.TimerNext; t.TimerNext = null; return; }
            for (Thread p = s_timers; p != null; p = p.TimerNext)
                if (p.TimerNext == t) { p.TimerNext = t.TimerNext; break; }
            t.TimerNext = null;
        }

        /// <summary>Earliest deadline of any sleeper, or 0.</summary>
        public static ulong NextDeadline => s_timers == null ? 0 : s_timers.WakeAt;

        // ---- the tick ------------------------------------------------------------------------

        /// <summary>A timer interrupt's work (Deferred.Run): expired deadlines wake their sleepers, kernel
        /// timers fire; every 10 ms <paramref name="period"/> also polls devices and the network stack.
        /// Then the clock is armed for the earliest deadline left.</summary>
        public static void TickWork(bool period)
        {
            if (Thread.Current == null) return;                 // no threads yet (boot, self-test)
            ulong now = Tsc.MonotonicNs();
            while (s_timers != null && s_timers.WakeAt <= now) Wake(s_timers, TimedOut);
            Syscalls.RealTimer.Tick(now);
            Timers.Tick(now);
            if (period)
            {
                if (Thread.Current != s_idle) CpuTimers.Check(Thread.Current);
                Console.Poll();
                NetService.Tick();
                Process.MemstatsTick(now);
            }
            Timer.Request(NextDeadline);
            Timer.Request(Timers.NextExpiry);
            Timer.Request(Syscalls.RealTimer.NextExpiry);
        }

        /// <summary>The running thread has used its time slice and another thread is waiting to run.</summary>
        public static bool SliceOver => s_runHead != null && Tsc.MonotonicNs() - s_sliceStart >= SliceNs;

        /// <summary>The idle loop: runs whatever is runnable, halts otherwise, until <paramref name="done"/> says stop.</summary>
        public static void Idle(delegate*<bool> done)
        {
            while (!done())
            {
                Native.Cli();
                Deferred.Run();
                if (s_runHead != null) Schedule();
                else if (!Deferred.Pending)
                {
                    // The halt's time includes the interrupt that ends it, counted again there.
                    ulong t0 = Native.Rdtsc(), before = CpuTime.Devices + CpuTime.Tick;
                    Native.StiHlt();
                    CpuTime.Idle += Native.Rdtsc() - t0 - (CpuTime.Devices + CpuTime.Tick - before);
                }
            }
        }
    }
}
