// The scheduler: a FIFO run queue for SCHED_OTHER/BATCH/IDLE threads and, ahead of it, one for the
// real-time classes (SCHED_FIFO and SCHED_RR, highest priority first, FIFO within a priority; RR
// threads of one priority share 100 ms slices; real-time threads may use 95% of each second, as
// Linux's sched_rt_runtime_us, so a spinning one cannot starve the rest), context switches between threads of any process (CR3 changes
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
        private static Thread s_rtHead;        // runnable real-time threads: priority descending, FIFO within one
        public const ulong RrSliceNs = 100_000_000;                // sched_rr_timeslice_ms
        private const ulong RtPeriodNs = 1_000_000_000, RtRuntimeNs = 950_000_000;
        private static ulong s_rtWindowStart, s_rtUsed, s_rtLast;  // real-time CPU time in the current second
        private static bool s_rtThrottled;
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

        /// <summary>Makes <paramref name="t"/> runnable at the tail of its queue (a real-time thread: of its
        /// priority; <paramref name="atHead"/>: at the head of it, where Linux keeps a preempted one).</summary>
        public static void Enqueue(Thread t, bool atHead = false)
        {
            if (t.Queued || t == s_idle) return;
            t.Queued = true;
            t.RunNext = null;
            if (t.IsRealtime)
            {
                Thread prev = null;
                for (Thread q = s_rtHead; q != null; prev = q, q = q.RunNext)
                    if (q.RtPriority < t.RtPriority || (atHead && q.RtPriority == t.RtPriority)) break;
                t.RunNext = prev == null ? s_rtHead : prev.RunNext;
                if (prev == null) s_rtHead = t; else prev.RunNext = t;
                return;
            }
            if (s_runTail == null) s_runHead = t; else s_runTail.RunNext = t;
            s_runTail = t;
        }

        private static Thread Dequeue()
        {
            // Real-time threads first, unless throttled while others wait.
            Thread t = s_rtHead != null && !(s_rtThrottled && s_runHead != null) ? s_rtHead : s_runHead;
            if (t == null) return null;
            if (t == s_rtHead) s_rtHead = t.RunNext;
            else { s_runHead = t.RunNext; if (s_runHead == null) s_runTail = null; }
            t.RunNext = null;
            t.Queued = false;
            return t;
        }

        /// <summary>Takes a queued thread off the run queue (its policy or priority is about to change).</summary>
        private static void Unqueue(Thread t)
        {
            if (!t.Queued) return;
            if (t.IsRealtime)
            {
                if (s_rtHead == t) s_rtHead = t.RunNext;
                else for (Thread q = s_rtHead; q != null; q = q.RunNext) if (q.RunNext == t) { q.RunNext = t.RunNext; break; }
            }
            else
            {
                Thread prev = null;
                for (Thread q = s_runHead; q != null; prev = q, q = q.RunNext)
                {
                    if (q != t) continue;
                    if (prev == null) s_runHead = t.RunNext; else prev.RunNext = t.RunNext;
                    if (s_runTail == t) s_runTail = prev;
                    break;
                }
            }
            t.RunNext = null;
            t.Queued = false;
        }

        /// <summary>sched_setscheduler and friends: a new policy and real-time priority for <paramref name="t"/>,
        /// which keeps its place in the run queue's order (Linux: the tail of its new priority's list, or
        /// the head when its priority went down); the caller then yields if a thread now comes first.</summary>
        public static void SetPolicy(Thread t, int policy, int rtPriority, bool resetOnFork)
        {
            bool interrupts = Native.SaveAndCli();
            bool queued = t.Queued, lowered = t.IsRealtime && (!Thread.IsRealtimePolicy(policy) || rtPriority < t.RtPriority);
            Unqueue(t);
            t.Policy = policy;
            t.RtPriority = rtPriority;
            t.ResetOnFork = resetOnFork;
            if (queued) Enqueue(t, lowered);
            Native.RestoreInterrupts(interrupts);
            if (t == Thread.Current && ShouldPreempt(false)) Schedule(lowered);
        }

        public static bool AnyRunnable => s_runHead != null || s_rtHead != null;

        /// <summary>Threads running or waiting to run (/proc/stat's procs_running, /proc/loadavg).</summary>
        public static int RunnableCount
        {
            get
            {
                int n = Thread.Current != s_idle ? 1 : 0;
                for (Thread t = s_runHead; t != null; t = t.RunNext) n++;
                for (Thread t = s_rtHead; t != null; t = t.RunNext) n++;
                return n;
            }
        }

        /// <summary>Gives the CPU to the next runnable thread; the caller stays runnable unless it blocked or died.
        /// <paramref name="preempted"/>: a runnable real-time caller keeps the head of its priority's list
        /// (it was preempted, not yielding and not at the end of an RR slice).</summary>
        public static void Schedule(bool preempted = false)
        {
            // Switches happen with interrupts masked; each thread gets back the state it came in with.
            bool interrupts = Native.SaveAndCli();
            Deferred.Run();                                        // wake-ups first: they may pick the next thread
            Thread cur = Thread.Current;
            if (cur.State == Thread.Runnable) Enqueue(cur, preempted && cur.IsRealtime && !RrSliceOver(cur));
            // Once the program ops ran has exited, the machine powers off: only the idle thread runs on.
            Thread next = Process.MainExited ? s_idle : Dequeue();
            if (next == null) next = s_idle;
            SwitchTo(next);
            Native.RestoreInterrupts(interrupts);
        }

        private static bool s_tscDisabled;       // CR4.TSD as loaded (idle keeps whatever it finds: it runs no user code)

        /// <summary>CR4.TSD on or off: with it, rdtsc in user mode is a #GP (SIGSEGV), as Linux's PR_TSC_SIGSEGV.</summary>
        public static void SetTscDisabled(bool on)
        {
            ulong cr4 = Native.ReadCr4();
            Native.WriteCr4(on ? cr4 | (1UL << 2) : cr4 & ~(1UL << 2));
            s_tscDisabled = on;
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
            if (next != s_idle && next.NoTsc != s_tscDisabled) SetTscDisabled(next.NoTsc);
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
            if (SliceOver) Schedule(true);
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
                RtAccount(now);
                if (Thread.Current != s_idle) CpuTimers.Check(Thread.Current);
                Console.Poll();
                NetService.Tick();
                Process.MemstatsTick(now);
            }
            Timer.Request(NextDeadline);
            Timer.Request(Timers.NextExpiry);
            Timer.Request(Syscalls.RealTimer.NextExpiry);
        }

        /// <summary>The running thread should give way: a real-time thread of higher priority (or any, for
        /// a SCHED_OTHER thread) waits, or its slice is over and another thread of its rank waits.</summary>
        public static bool SliceOver => ShouldPreempt(true);

        private static bool ShouldPreempt(bool slices)
        {
            Thread cur = Thread.Current;
            if (cur == s_idle) return AnyRunnable;
            if (!cur.IsRealtime)
                return (s_rtHead != null && !s_rtThrottled) || (slices && s_runHead != null && Tsc.MonotonicNs() - s_sliceStart >= SliceNs);
            if (s_rtThrottled && s_runHead != null) return true;          // real-time threads had their 95% of this second
            if (s_rtHead == null) return false;
            if (s_rtHead.RtPriority > cur.RtPriority) return true;
            return slices && s_rtHead.RtPriority == cur.RtPriority && RrSliceOver(cur);
        }

        private static bool RrSliceOver(Thread t) => t.Policy == Thread.SchedRr && Tsc.MonotonicNs() - s_sliceStart >= RrSliceNs;

        /// <summary>The tick: real-time threads' share of the current second (RtRuntimeNs of RtPeriodNs),
        /// charged by the time since the last tick (ticks come late under an emulator: counting them
        /// would undercharge).</summary>
        private static void RtAccount(ulong now)
        {
            ulong since = now - s_rtLast;
            s_rtLast = now;
            if (now - s_rtWindowStart >= RtPeriodNs) { s_rtWindowStart = now; s_rtUsed = 0; s_rtThrottled = false; }
            if (Thread.Current.IsRealtime) s_rtUsed += since < RtPeriodNs ? since : RtPeriodNs;
            if (s_rtUsed >= RtRuntimeNs) s_rtThrottled = true;
        }

        /// <summary>The idle loop: runs whatever is runnable, halts otherwise, until <paramref name="done"/> says stop.</summary>
        public static void Idle(delegate*<bool> done)
        {
            while (!done())
            {
                Native.Cli();
                Deferred.Run();
                if (AnyRunnable) Schedule();
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
