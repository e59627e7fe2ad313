// A thread: what the scheduler runs. Each has its own kernel stack (64 KiB below an unmapped guard
// area, in the kernel-stack region every page table shares), its saved kernel context (the stack
// pointer switch_context left), its FPU image while it does not run, and the per-thread parts of
// Linux's task: tid, signal mask and pending set, alternate stack, TLS base, clear_child_tid,
// robust list and rseq area.
using Kernel.Arch;
using Kernel.Memory;
using Kernel.Syscalls;

namespace Kernel
{
    internal sealed unsafe class Thread
    {
        /// <summary>The thread running on this CPU (one CPU for now). Handlers reach everything through it.</summary>
        public static Thread Current;

        public const int Runnable = 0, Blocked = 1, Dead = 2;

        public int Tid;
        public Process Process;
        public int State;
        public Thread ProcessNext;            // the process's thread list

        // Kernel stack and saved kernel context.
        public int StackSlot = -1;
        public ulong StackTop;
        public ulong SavedRsp;
        public byte* Fx;                      // 512-byte fxsave image while switched out (16-aligned)
        public ulong FsBase, GsBase;
        public Syscalls.SyscallReturnState.Saved ReturnState;   // a chosen iret return while switched out (SyscallReturnState)
        public ulong UserTicks, SystemTicks;  // CPU time (TSC ticks), charged at every kernel entry, exit and switch
        public ulong CpuStamp;                // when the stretch being charged began

        // Scheduling: run queue, wait queue, timer.
        public Thread RunNext;
        public bool Queued;
        public int Policy;                    // SCHED_OTHER 0, FIFO 1, RR 2, BATCH 3, IDLE 5
        public int RtPriority;                // 1-99 for FIFO and RR, else 0
        public bool ResetOnFork;              // SCHED_RESET_ON_FORK: children start as SCHED_OTHER
        public const int SchedFifo = 1, SchedRr = 2;
        public static bool IsRealtimePolicy(int policy) => policy == SchedFifo || policy == SchedRr;
        public bool IsRealtime => IsRealtimePolicy(Policy);
        public WaitQueue WaitingOn;
        public Thread WaitNext;
        public ulong WakeAt;                  // monotonic ns; 0: no timer armed
        public Thread TimerNext;
        public int WakeReason;
        public bool Interruptible;
        public FutexWait* FutexWaits;         // the futexes this thread sleeps on (on its kernel stack); null when none
        public int FutexCount;
        public int FutexWoken;                // index in FutexWaits of the futex whose wake ended the sleep; -1: none

        // Linux per-thread state.
        public ulong ClearChildTid, RobustList, RobustListLen, RseqArea;
        public ulong SignalMask, Pending;
        public Syscalls.QueuedSignal RtQueue;   // real-time signals pending more than once (beyond SigInfo's one slot)
        // sigsuspend, ppoll, pselect6, epoll_pwait: the caller's mask while a wait runs under another.
        public ulong SavedMask;
        public bool HasSavedMask;
        public ulong AltStackSp, AltStackSize;
        public int AltStackFlags;
        public bool ExitRequested;            // another thread's exec or exit_group ends this one
        public Syscalls.SigInfo* SigInfo;     // what each pending thread-directed signal carries
        // restart_syscall's work (Linux's restart_block): set by a call that returned -ERESTART_RESTARTBLOCK,
        // dropped by rt_sigreturn; null: restart_syscall gives EINTR.
        public delegate*<long> RestartFn;
        public ulong RestartDeadline;         // the interrupted sleep's end (monotonic ns)
        public ulong RestartRemaining;        // where to report the time left (nanosleep's rem), 0: nowhere
        public ulong SigWaitMask;             // signals sigtimedwait/signalfd waits for (they may be blocked)
        public int SeccompMode;               // SysSeccomp.Mode*: none, strict, filter
        public Syscalls.SeccompFilter Seccomp;   // the newest filter (each links to the ones before)
        public bool NoNewPrivs;               // PR_SET_NO_NEW_PRIVS (inherited; never cleared)
        public Credentials Cred;              // shared with the threads and children made since its last set* call (kernel/core/Credentials.cs)
        public Syscalls.Key ThreadKeyring;    // KEY_SPEC_THREAD_KEYRING (syscall/SysKeys.cs)
        public bool NoTsc;                    // PR_SET_TSC(PR_TSC_SIGSEGV): CR4.TSD while it runs, so its rdtsc faults
        public ulong TimerSlackNs = 50_000;   // PR_SET_TIMERSLACK (recorded: timers here have tick granularity)

        // ptrace (kernel/core/Ptrace.cs, syscall/SysPtrace.cs). The user registers of a stopped
        // tracee are in the frame of its last kernel entry: IntFrame when that was an interrupt or
        // fault from user mode (cleared at each syscall entry), else SysFrame.
        public Process Tracer;
        public int PtraceOptions;
        public bool PtraceSeized, PtraceStopped, PtraceReport, PtraceInterrupt;
        public bool GroupStopPending;         // a group-stop began that this traced thread has not reported yet
        public int PtraceDeliverSig;          // the signal the tracer let through before a restart decision (NextToHandle delivers it)
        public Syscalls.SigInfo PtraceDeliverInfo;
        public int PtraceStatus, PtraceStopKind, PtraceResume, PtraceResumeSig, PtraceInfoSig;
        public Syscalls.SigInfo PtraceInfo;   // what the stop carries (GETSIGINFO; the signal's own at a signal-delivery-stop)
        public ulong PtraceEventMsg;
        public ulong OrigRax;                 // the syscall number while a syscall runs (user_regs_struct.orig_rax)
        public SyscallFrame* SysFrame;
        public InterruptFrame* IntFrame;

        // ---- kernel stacks -------------------------------------------------------------------
        private const ulong SlotSize = 128 * 1024, StackSize = 64 * 1024;
        private const int MaxSlots = 32768;
        private static int* s_freeSlots;
        private static int s_freeCount, s_nextSlot;

        /// <summary>Maps a 64 KiB kernel stack with at least 64 KiB of unmapped guard below it. False when out of memory.</summary>
        private bool AllocStack()
        {
            if (s_freeSlots == null) s_freeSlots = (int*)Mm.KernelHeap.Alloc(MaxSlots * 4);
            int slot = s_freeCount > 0 ? s_freeSlots[--s_freeCount] : s_nextSlot < MaxSlots ? s_nextSlot++ : -1;
            if (slot < 0) return false;
            ulong top = PageTable.KernelStacksBase + (ulong)(slot + 1) * SlotSize;
            for (ulong va = top - StackSize; va < top; va += 4096)
            {
                ulong phys = Mm.Pages.Alloc(1);
                if (phys == 0 || !PageTable.MapKernel(va, phys))
                {
                    if (phys != 0) Mm.Pages.Free(phys);
                    for (ulong v = top - StackSize; v < va; v += 4096) Mm.Pages.Free(PageTable.UnmapKernel(v));
                    s_freeSlots[s_freeCount++] = slot;
                    return false;
                }
            }
            StackSlot = slot;
            StackTop = top;
            return true;
        }

        private void FreeStack()
        {
            if (StackSlot < 0) return;
            for (ulong va = StackTop - StackSize; va < StackTop; va += 4096)
            {
                ulong phys = PageTable.UnmapKernel(va);
                if (phys != 0) Mm.Pages.Free(phys);
            }
            s_freeSlots[s_freeCount++] = StackSlot;
            StackSlot = -1;
        }

        /// <summary>True when <paramref name="va"/> lies in a kernel stack's guard area (a kernel stack overflow).</summary>
        public static bool IsStackGuard(ulong va) =>
            va >= PageTable.KernelStacksBase && va < PageTable.KernelStacksBase + (ulong)MaxSlots * SlotSize &&
            (va - PageTable.KernelStacksBase) % SlotSize < SlotSize - StackSize;

        /// <summary>A thread object with its stack and FPU image; not yet runnable. Null when out of memory.</summary>
        public static Thread Create(Process p, int tid)
        {
            var t = new Thread { Tid = tid, Process = p, Cred = Credentials.Root };
            Credentials.Hold(t.Cred);
            t.Fx = (byte*)Mm.KernelHeap.Alloc(512);
            t._borrowed = (Fs.File[])Runtime.Allocator.TryNewArrayLike(s_noFiles, 4);
            if (t.Fx == null || t._borrowed == null || !t.AllocStack()) { t.Free(); return null; }
            return t;
        }

        /// <summary>Returns the stack, FPU image and object (the thread must not be running on that stack).</summary>
        // Files the running syscall looked up (FdTable.Get), each holding a reference until it returns.
        public bool InSyscall;
        private Fs.File[] _borrowed;
        private int _borrowedCount;

        private static readonly Fs.File[] s_noFiles = new Fs.File[0];

        // The first four come with the thread (Create); more grow the array, and when the heap is
        // exhausted the file simply goes unborrowed (a syscall must not fail for this).
        public void Borrow(Fs.File f)
        {
            if (!InSyscall || _borrowed == null) return;
            for (int i = 0; i < _borrowedCount; i++) if (_borrowed[i] == f) return;
            if (_borrowedCount == _borrowed.Length)
            {
                var grown = (Fs.File[])Runtime.Allocator.TryNewArrayLike(_borrowed, _borrowed.Length * 2);
                if (grown == null) return;
                for (int i = 0; i < _borrowedCount; i++) grown[i] = _borrowed[i];
                Runtime.Allocator.Free(_borrowed);
                _borrowed = grown;
            }
            f.RefCount++;
            _borrowed[_borrowedCount++] = f;
        }

        /// <summary>The syscall returns (or the thread ends in it): its file references go; a file closed meanwhile is released now.</summary>
        public void ReturnBorrowed()
        {
            InSyscall = false;
            while (_borrowedCount > 0)
            {
                Fs.File f = _borrowed[--_borrowedCount];
                _borrowed[_borrowedCount] = null;
                Fs.FdTable.Release(f);
            }
        }

        public void Free()
        {
            if (_borrowed != null) Runtime.Allocator.Free(_borrowed);
            _borrowed = null;
            FreeStack();
            if (Fx != null) Mm.KernelHeap.Free(Fx);
            Fx = null;
            if (SigInfo != null) Mm.KernelHeap.Free(SigInfo);
            SigInfo = null;
            while (RtQueue != null) { Syscalls.QueuedSignal q = RtQueue; RtQueue = q.Next; Process.QueuedSignals--; Runtime.Allocator.Free(q); }
            Syscalls.SeccompFilter.Release(Seccomp);
            Seccomp = null;
            Syscalls.SysKeys.OnThreadExit(this);
            Credentials.Release(Cred);
            Cred = null;
            Runtime.Allocator.Free(this);
        }

        [System.Runtime.RuntimeImport("asm_syscall_symbols")]
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
        private static extern ulong* SyscallSymbols();

        /// <summary>
        /// Lays out the stack so the first switch to this thread returns to user mode with the given
        /// registers (a copy of the caller's syscall frame and SSE area, as fork and clone need).
        /// </summary>
        public void PrepareUserReturn(SyscallFrame* frame, byte* sseArea)
        {
            var f = (SyscallFrame*)(StackTop - (ulong)sizeof(SyscallFrame));         // where syscall_entry puts it
            *f = *frame;
            byte* area = SyscallFpu.Area(f);
            Mem.Copy(area, sseArea, 272);
            ulong* sp = (ulong*)area;
            *--sp = SyscallSymbols()[3];     // fork_return
            *--sp = (ulong)f;                // rbx
            *--sp = 0;                       // rbp
            *--sp = (ulong)area;             // r12
            *--sp = 0; *--sp = 0; *--sp = 0; // r13, r14, r15
            SavedRsp = (ulong)sp;
        }

        /// <summary>A child prepared by PrepareUserReturn that a tracer follows: it stops before its first instruction.</summary>
        public void StartTraced() => ((ulong*)SavedRsp)[6] = SyscallSymbols()[5];   // traced_fork_return for fork_return

        /// <summary>Lays out the stack so the first switch runs <paramref name="fn"/>(<paramref name="arg"/>) in kernel mode.</summary>
        public void PrepareKernelEntry(delegate* unmanaged<ulong, void> fn, ulong arg)
        {
            ulong* sp = (ulong*)(StackTop - 16);
            *--sp = SyscallSymbols()[4];     // kthread_start
            *--sp = 0;                       // rbx
            *--sp = 0;                       // rbp
            *--sp = (ulong)fn;               // r12
            *--sp = arg;                     // r13
            *--sp = 0; *--sp = 0;            // r14, r15
            SavedRsp = (ulong)sp;
        }
    }
}
