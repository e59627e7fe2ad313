// Signal dispositions, the blocked mask and the alternate stack. Dispositions are recorded
// (and reported back); delivery of caught signals is not implemented yet: a fault kills the
// program with the default action.
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysSignal
    {
        private const int SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
        private const ulong Unblockable = SignalDelivery.Unblockable;

        // SA_NOCLDSTOP, SA_NOCLDWAIT, SA_SIGINFO, SA_EXPOSE_TAGBITS, SA_RESTORER, SA_ONSTACK, SA_RESTART, SA_NODEFER, SA_RESETHAND
        private const ulong UapiSaFlags = 0x1 | 0x2 | 0x4 | 0x800 | 0x04000000 | 0x08000000 | 0x10000000 | 0x40000000 | 0x80000000;

        public static long RtSigaction(SyscallFrame* f)
        {
            int sig = (int)f->A0;
            if (f->A3 != 8) return -Errno.EINVAL;
            SigAction act = default;
            if (f->A1 != 0 && UserMemory.Read(f->A1, out act) != 0) return -Errno.EFAULT;   // before the signal's checks, as Linux
            if (sig < 1 || sig > Signal.NSIG) return -Errno.EINVAL;
            Process p = Process.Current;
            SigAction old = p.Actions[sig];
            if (f->A1 != 0)
            {
                if (sig == Signal.SIGKILL || sig == Signal.SIGSTOP) return -Errno.EINVAL;
                act.Flags &= UapiSaFlags;                                     // unknown bits read back clear (SA_UNSUPPORTED probes)
                act.Mask &= ~Unblockable;
                p.Actions[sig] = act;
                if (act.Handler == 1 || (act.Handler == 0 && SignalDelivery.DefaultIgnores(sig)))
                    SignalDelivery.Discard(p, sig);                          // an ignored signal does not stay pending
            }
            if (f->A2 != 0 && UserMemory.Write(f->A2, old) != 0) return -Errno.EFAULT;
            return 0;
        }

        public static long RtSigprocmask(SyscallFrame* f)
        {
            if (f->A3 != 8) return -Errno.EINVAL;
            Thread t = Thread.Current;
            ulong old = t.SignalMask;
            if (f->A1 != 0)
            {
                if (UserMemory.Read(f->A1, out ulong set) != 0) return -Errno.EFAULT;
                switch ((int)f->A0)
                {
                    case SIG_BLOCK: t.SignalMask |= set; break;
                    case SIG_UNBLOCK: t.SignalMask &= ~set; break;
                    case SIG_SETMASK: t.SignalMask = set; break;
                    default: return -Errno.EINVAL;
                }
                t.SignalMask &= ~Unblockable;
            }
            if (f->A2 != 0 && UserMemory.Write(f->A2, old) != 0) return -Errno.EFAULT;
            return 0;
        }

        public static long RtSigpending(SyscallFrame* f)
        {
            if (f->A1 > 8) return -Errno.EINVAL;
            Thread t = Thread.Current;
            ulong pending = (t.Pending | t.Process.Pending) & t.SignalMask;
            return UserMemory.CopyTo(f->A0, &pending, f->A1);
        }

        /// <summary>rt_sigsuspend: waits with a temporary mask until a signal is delivered (always EINTR).</summary>
        public static long RtSigsuspend(SyscallFrame* f)
        {
            if (f->A1 != 8) return -Errno.EINVAL;
            if (UserMemory.Read(f->A0, out ulong mask) != 0) return -Errno.EFAULT;
            SignalDelivery.BeginWaitMask(mask);
            while (Scheduler.Sleep(null, 0) != Scheduler.Interrupted) { }
            return -Errno.EINTR;
        }

        /// <summary>rt_sigtimedwait(set, info, timeout, sigsetsize): takes a pending signal of the set (blocked ones included) or waits for one.</summary>
        public static long RtSigtimedwait(SyscallFrame* f)
        {
            if (f->A3 != 8) return -Errno.EINVAL;
            if (UserMemory.Read(f->A0, out ulong set) != 0) return -Errno.EFAULT;
            set &= ~Unblockable;
            ulong deadline = 0;
            if (f->A2 != 0)
            {
                if (UserMemory.Read(f->A2, out SysTime.Timespec ts) != 0) return -Errno.EFAULT;
                if (ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1_000_000_000) return -Errno.EINVAL;
                deadline = Drivers.Tsc.MonotonicNs() + (ulong)ts.Sec * 1_000_000_000 + (ulong)ts.Nsec;
            }
            Thread t = Thread.Current;
            while (true)
            {
                int sig = SignalDelivery.NextOf(set, out bool threadDirected);
                if (sig != 0)
                {
                    SigInfo si = SignalDelivery.Take(sig, threadDirected);
                    if (f->A1 != 0)
                    {
                        byte* info = stackalloc byte[128];
                        si.WriteTo(info, sig);
                        if (UserMemory.CopyTo(f->A1, info, 128) != 0) return -Errno.EFAULT;
                    }
                    return sig;
                }
                if (f->A2 != 0 && deadline <= Drivers.Tsc.MonotonicNs()) return -Errno.EAGAIN;
                t.SigWaitMask = set;
                int w = Scheduler.Sleep(null, deadline);
                t.SigWaitMask = 0;
                if (w == Scheduler.TimedOut) continue;                 // one more look, then EAGAIN
                if (w == Scheduler.Interrupted && SignalDelivery.NextOf(set, out _) == 0) return -Errno.EINTR;
            }
        }

        /// <summary>rt_sigqueueinfo(tgid, sig, info) and rt_tgsigqueueinfo(tgid, tid, sig, info): a signal with a value.</summary>
        public static long RtSigqueueinfo(SyscallFrame* f) => Queue((int)f->A0, 0, (int)f->A1, f->A2);
        public static long RtTgsigqueueinfo(SyscallFrame* f) =>
            (int)f->A0 <= 0 || (int)f->A1 <= 0 ? -Errno.EINVAL : Queue((int)f->A0, (int)f->A1, (int)f->A2, f->A3);

        private static long Queue(int tgid, int tid, int sig, ulong uinfo)
        {
            if (sig < 0 || sig > Signal.NSIG) return -Errno.EINVAL;
            byte* info = stackalloc byte[128];
            if (UserMemory.CopyFrom(info, uinfo, 128) != 0) return -Errno.EFAULT;
            int code = *(int*)(info + 8);
            Process self = Process.Current;
            Process p = Process.Find(tgid);
            if (p == null) return -Errno.ESRCH;
            // May not pose as the kernel or kill() except to itself: Linux compares the caller's thread id with the target id.
            if ((code >= 0 || code == SigInfo.SI_TKILL) && Thread.Current.Tid != (tid != 0 ? tid : tgid)) return -Errno.EPERM;
            if (!SignalDelivery.MayKill(p, sig)) return -Errno.EPERM;
            var si = new SigInfo { Code = code, Pid = *(int*)(info + 16), Uid = *(int*)(info + 20), Addr = *(ulong*)(info + 24), HasAddr = true };
            if (tid != 0)
            {
                Thread t = p.FindThread(tid);
                if (t == null) return -Errno.ESRCH;
                if (sig != 0 && !SignalDelivery.TrySendToThread(t, sig, si)) return -Errno.EAGAIN;
            }
            else if (sig != 0 && !SignalDelivery.TrySendToProcess(p, sig, si)) return -Errno.EAGAIN;
            return 0;
        }

        private struct StackT { public ulong Sp; public int Flags, Pad; public ulong Size; }
        private const int SS_ONSTACK = 1, SS_DISABLE = 2, MINSIGSTKSZ = 2048;

        public static long Sigaltstack(SyscallFrame* f)
        {
            Thread t = Thread.Current;
            StackT old;
            old.Sp = t.AltStackSp; old.Size = t.AltStackSize; old.Pad = 0;
            bool on = t.AltStackSize != 0 && f->Rsp > t.AltStackSp && f->Rsp <= t.AltStackSp + t.AltStackSize;
            old.Flags = t.AltStackSize == 0 ? SS_DISABLE : on ? SS_ONSTACK : t.AltStackFlags;
            if (f->A0 != 0)
            {
                if (UserMemory.Read(f->A0, out StackT ss) != 0) return -Errno.EFAULT;
                if ((ss.Flags & ~(SS_DISABLE | SS_ONSTACK | (1 << 31))) != 0) return -Errno.EINVAL;
                if (on) return -Errno.EPERM;
                if ((ss.Flags & SS_DISABLE) != 0) { t.AltStackSp = 0; t.AltStackSize = 0; t.AltStackFlags = 0; }
                else
                {
                    if (ss.Size < MINSIGSTKSZ) return -Errno.ENOMEM;
                    t.AltStackSp = ss.Sp; t.AltStackSize = ss.Size; t.AltStackFlags = ss.Flags & (1 << 31);
                }
            }
            if (f->A1 != 0 && UserMemory.Write(f->A1, old) != 0) return -Errno.EFAULT;
            return 0;
        }
    }
}

namespace Kernel.Syscalls
{
    using Kernel.Arch;

    /// <summary>What a pending signal carries: si_code and the union fields we keep (standard signals do not queue: the last send wins).</summary>
    /// <summary>One more instance of a real-time signal already pending (POSIX queues them; standard signals merge).</summary>
    internal sealed class QueuedSignal
    {
        public int Sig;
        public SigInfo Info;
        public QueuedSignal Next;
    }

    internal unsafe struct SigInfo
    {
        public int Code, Pid, Uid, Status;        // Status: SIGCHLD's si_status, or si_int of a queued value
        public ulong Addr;                        // faults: si_addr; timers and sigqueue: si_value
        public bool HasAddr;

        public const int SI_USER = 0, SI_KERNEL = 0x80, SI_QUEUE = -1, SI_TIMER = -2, SI_MESGQ = -3, SI_TKILL = -6;
        public const int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_STOPPED = 5, CLD_CONTINUED = 6;

        /// <summary>A signal from a process (kill, tkill: si_uid is the sender's real uid) or from the kernel.</summary>
        public static SigInfo From(int code, int pid) =>
            new SigInfo { Code = code, Pid = pid, Uid = code == SI_USER || code == SI_TKILL ? (int)Credentials.Current.Uid : 0 };

        /// <summary>The 128-byte siginfo_t as Linux lays it out for this signal.</summary>
        public void WriteTo(byte* inf, int sig)
        {
            Mem.Zero(inf, 128);
            *(int*)inf = sig;
            *(int*)(inf + 8) = Code;
            if (sig == 31 && Code == 1)                                   // SIGSYS from seccomp: _sigsys and si_errno
            {
                *(int*)(inf + 4) = Status;
                *(ulong*)(inf + 16) = Addr;                               // si_call_addr
                *(int*)(inf + 24) = Pid;                                  // si_syscall
                *(uint*)(inf + 28) = (uint)Uid;                           // si_arch
                return;
            }
            if (HasAddr && Code != SI_QUEUE && Code != SI_TIMER && Code != SI_MESGQ) { *(ulong*)(inf + 16) = Addr; return; }   // si_addr
            *(int*)(inf + 16) = Pid;                                      // si_pid (si_tid for timers)
            *(int*)(inf + 20) = Uid;                                      // si_uid (si_overrun)
            if (sig == Signal.SIGCHLD) *(int*)(inf + 24) = Status;        // si_status
            else if (HasAddr) *(ulong*)(inf + 24) = Addr;                 // si_value
        }
    }

    /// <summary>
    /// Sending and delivering signals: process-directed signals wait in the process's pending set,
    /// thread-directed ones (faults, tkill, SIGPIPE) in the thread's; either is delivered on the way
    /// back to user mode by a thread that does not block it, through the Linux x86-64 rt_sigframe
    /// layout, and rt_sigreturn restores the interrupted context. Sending wakes an interruptible sleep.
    /// </summary>
    internal static unsafe class SignalDelivery
    {
        public const ulong Unblockable = (1UL << (Signal.SIGKILL - 1)) | (1UL << (Signal.SIGSTOP - 1));
        private const ulong SIG_DFL = 0, SIG_IGN = 1;
        public const ulong SA_SIGINFO = 4, SA_ONSTACK = 0x08000000, SA_RESTORER = 0x04000000, SA_RESTART = 0x10000000,
            SA_NODEFER = 0x40000000, SA_RESETHAND = 0x80000000;
        private const int UcOffset = 8, UcSize = 304, McOffset = 40, InfoSize = 128, FpSize = 512;

        /// <summary>
        /// A wait under a temporary mask (sigsuspend, ppoll, pselect6, epoll_pwait): the caller's
        /// mask is kept in the thread and comes back when the call returns without EINTR
        /// (<see cref="EndWaitMask"/>), else in the frame of the handler that interrupted the wait.
        /// </summary>
        public static void BeginWaitMask(ulong mask)
        {
            Thread t = Thread.Current;
            t.SavedMask = t.SignalMask;
            t.HasSavedMask = true;
            t.SignalMask = mask & ~Unblockable;
        }

        /// <summary>Reads a user sigset (size must be 8) and begins the wait under it; a null pointer keeps the mask.</summary>
        public static long BeginWaitMask(ulong userSet, ulong size)
        {
            if (userSet == 0) return 0;
            if (size != 8) return -Errno.EINVAL;
            if (UserMemory.Read(userSet, out ulong mask) != 0) return -Errno.EFAULT;
            BeginWaitMask(mask);
            return 0;
        }

        /// <summary>The wait is over: unless it was interrupted (a handler's frame takes the saved mask), the caller's mask is back.</summary>
        public static long EndWaitMask(long result)
        {
            if (result != -Errno.EINTR) RestoreSavedMask();
            return result;
        }

        /// <summary>Puts back a saved mask no handler frame took (also on the way out of every syscall).</summary>
        public static void RestoreSavedMask()
        {
            Thread t = Thread.Current;
            if (!t.HasSavedMask) return;
            t.SignalMask = t.SavedMask;
            t.HasSavedMask = false;
        }

        /// <summary>Sigcontext, as Linux lays out uc_mcontext on x86-64 (256 bytes).</summary>
        private struct SigContext
        {
            public ulong R8, R9, R10, R11, R12, R13, R14, R15, Rdi, Rsi, Rbp, Rbx, Rdx, Rax, Rcx, Rsp, Rip, Eflags;
            public ushort Cs, Gs, Fs, Ss;
            public ulong Err, Trapno, Oldmask, Cr2, Fpstate;
            public fixed ulong Reserved[8];
        }

        /// <summary>
        /// Writes an rt_sigframe for <paramref name="sig"/> on the user stack (or the alternate stack):
        /// return address (sa_restorer), ucontext with <paramref name="sc"/> and the mask, siginfo, and
        /// the 512-byte fxsave image <paramref name="fx"/>. False when the stack is not writable.
        /// </summary>
        private static bool WriteFrame(ref SigContext sc, in SigAction act, int sig, in SigInfo si, byte* fx,
                                       out ulong frame, out ulong info, out ulong uc)
        {
            Thread t = Thread.Current;
            ulong sp = sc.Rsp - 128;                                      // skip the red zone
            if ((act.Flags & SA_ONSTACK) != 0 && t.AltStackSize != 0 &&
                !(sc.Rsp > t.AltStackSp && sc.Rsp <= t.AltStackSp + t.AltStackSize))
                sp = t.AltStackSp + t.AltStackSize;
            ulong fpstate = (sp - FpSize) & ~63UL;
            frame = ((fpstate - (8 + UcSize + InfoSize)) & ~15UL) - 8;   // as after a call: (rsp + 8) % 16 == 0
            uc = frame + UcOffset;
            info = uc + UcSize;
            if (UserMemory.CopyTo(fpstate, fx, FpSize) != 0) return false;
            ulong mask = t.HasSavedMask ? t.SavedMask : t.SignalMask;    // after a wait under a temporary mask: the caller's
            sc.Oldmask = mask;
            sc.Fpstate = fpstate;

            byte* buf = stackalloc byte[8 + UcSize + InfoSize];
            Mem.Zero(buf, 8 + UcSize + InfoSize);
            *(ulong*)buf = act.Restorer;                                  // pretcode: the handler returns here
            byte* ucp = buf + UcOffset;
            *(ulong*)ucp = UcSigcontextSs | UcStrictRestoreSs;            // uc_flags: sc.Ss is saved, and restored as is
            *(ulong*)(ucp + 16) = t.AltStackSp;                           // uc_stack
            *(int*)(ucp + 24) = t.AltStackSize == 0 ? 2 : 0;
            *(ulong*)(ucp + 32) = t.AltStackSize;
            *(SigContext*)(ucp + McOffset) = sc;
            *(ulong*)(ucp + McOffset + 256) = mask;                       // uc_sigmask
            si.WriteTo(buf + UcOffset + UcSize, sig);
            if (UserMemory.CopyTo(frame, buf, 8 + UcSize + InfoSize) != 0) return false;
            if (t.HasSavedMask) { t.SignalMask = t.SavedMask; t.HasSavedMask = false; }
            return true;
        }

        private static void EnterHandler(in SigAction act, int sig)
        {
            Thread t = Thread.Current;
            ulong bit = 1UL << (sig - 1);
            if ((act.Flags & SA_NODEFER) == 0) t.SignalMask |= bit;
            t.SignalMask |= act.Mask;
            t.SignalMask &= ~Unblockable;
            if ((act.Flags & SA_RESETHAND) != 0) { t.Process.Actions[sig].Handler = SIG_DFL; t.Process.Actions[sig].Flags &= ~SA_SIGINFO; }
        }

        /// <summary>Sends a fault signal to its handler. False when the default action applies (the caller kills).</summary>
        public static bool DeliverFault(InterruptFrame* f, int sig, int code, ulong addr)
        {
            SigAction act = Process.Current.Actions[sig];
            ulong bit = 1UL << (sig - 1);
            if (act.Handler == SIG_DFL || act.Handler == SIG_IGN || (Thread.Current.SignalMask & bit) != 0) return false;
            if ((act.Flags & SA_RESTORER) == 0) return false;            // no way back: Linux would also fail
            var si = new SigInfo { Code = code, Addr = addr, HasAddr = true };
            return EnterFromInterrupt(f, act, sig, si, addr, f->ErrorCode, f->Vector);
        }

        private static bool EnterFromInterrupt(InterruptFrame* f, in SigAction act, int sig, in SigInfo si, ulong addr, ulong err, ulong trapno)
        {
            SigContext sc = default;
            sc.R8 = f->R8; sc.R9 = f->R9; sc.R10 = f->R10; sc.R11 = f->R11; sc.R12 = f->R12; sc.R13 = f->R13;
            sc.R14 = f->R14; sc.R15 = f->R15; sc.Rdi = f->Rdi; sc.Rsi = f->Rsi; sc.Rbp = f->Rbp; sc.Rbx = f->Rbx;
            sc.Rdx = f->Rdx; sc.Rax = f->Rax; sc.Rcx = f->Rcx; sc.Rsp = f->Rsp; sc.Rip = f->Rip; sc.Eflags = f->Rflags;
            sc.Cs = (ushort)f->Cs; sc.Ss = (ushort)f->Ss;
            sc.Err = err; sc.Trapno = trapno; sc.Cr2 = addr;
            // The user's SSE state is in isr_common's save area below the register frame (SyscallFpu's
            // layout); the signal frame wants an fxsave image.
            byte* raw = stackalloc byte[512 + 16];
            byte* fx = (byte*)(((ulong)raw + 15) & ~15UL);
            SyscallFpu.ToFxsave(SyscallFpu.Area(f), fx);
            if (!WriteFrame(ref sc, act, sig, si, fx, out ulong frame, out ulong info, out ulong uc)) return false;
            EnterHandler(act, sig);
            f->Rsp = frame;
            f->Rip = act.Handler;
            f->Rdi = (ulong)sig;
            f->Rsi = info;
            f->Rdx = uc;
            f->Rax = 0;
            f->Rflags &= ~0x40500UL;                                      // clear TF, DF, AC
            return true;
        }

        [System.Runtime.RuntimeImport("asm_syscall_symbols")]
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
        private static extern ulong* SyscallSymbols();

        public static bool DefaultIgnores(int sig) => sig == Signal.SIGCHLD || sig == 23 /* SIGURG */ || sig == 28 /* SIGWINCH */ || sig == 18 /* SIGCONT */;

        private static bool Ignored(Process p, int sig)
        {
            if (sig == Signal.SIGKILL || sig == Signal.SIGSTOP) return false;
            SigAction act = p.Actions[sig];
            return act.Handler == SIG_IGN || (act.Handler == SIG_DFL && DefaultIgnores(sig));
        }

        /// <summary>The thread whose id is the process id (the first thread when it is gone).</summary>
        /// <summary>wants_signal, roughly: the thread does not block the signal (or waits for it) and is not ending.</summary>
        private static bool Takes(Thread t, ulong bit) =>
            ((t.SignalMask & bit) == 0 || (t.SigWaitMask & bit) != 0) && !t.ExitRequested && t.State != Thread.Dead;

        private static Thread Leader(Process p)
        {
            for (Thread t = p.Threads; t != null; t = t.ProcessNext) if (t.Tid == p.Pid) return t;
            return p.Threads;
        }

        private static bool AnyTraced(Process p)
        {
            if (!Ptrace.Used) return false;
            for (Thread t = p.Threads; t != null; t = t.ProcessNext) if (t.Tracer != null) return true;
            return false;
        }

        /// <summary>Removes a pending signal everywhere in the process (it became ignored).</summary>
        public static void Discard(Process p, int sig)
        {
            ulong bit = 1UL << (sig - 1);
            p.Pending &= ~bit;
            DropQueued(p, ref p.RtQueue, sig);
            for (Thread t = p.Threads; t != null; t = t.ProcessNext) { t.Pending &= ~bit; DropQueued(p, ref t.RtQueue, sig); }
        }

        public static void RaisePipe() => Raise(Signal.SIGPIPE);

        /// <summary>A signal for the calling thread (raise, SIGPIPE), delivered when the syscall returns.</summary>
        public static void Raise(int sig) => SendToThread(Thread.Current, sig, SigInfo.From(SigInfo.SI_USER, Process.Current.Pid));

        private static void Record(ref SigInfo* slots, int sig, in SigInfo si)
        {
            if (slots == null)
            {
                slots = (SigInfo*)Mm.KernelHeap.Alloc((ulong)((Signal.NSIG + 1) * sizeof(SigInfo)));
                if (slots == null) return;
            }
            slots[sig] = si;
        }

        public const int SIGRTMIN = 32, MaxQueued = 4096;            // RLIMIT_SIGPENDING's share here

        /// <summary>
        /// Makes <paramref name="sig"/> pending in <paramref name="pending"/>: the first instance
        /// takes the signal's slot, a real-time signal already pending queues behind it (false when
        /// the process's queue is full), a standard one merges.
        /// </summary>
        private static bool MakePending(Process p, ref ulong pending, ref SigInfo* slots, ref QueuedSignal queue, int sig, in SigInfo si)
        {
            ulong bit = 1UL << (sig - 1);
            if ((pending & bit) != 0 && sig >= SIGRTMIN && slots != null)
            {
                if (p.QueuedSignals >= MaxQueued) return false;
                var q = new QueuedSignal { Sig = sig, Info = si };
                if (queue == null) queue = q;
                else { QueuedSignal last = queue; while (last.Next != null) last = last.Next; last.Next = q; }
                p.QueuedSignals++;
                return true;
            }
            if ((pending & bit) != 0) return true;                   // a standard signal already pending: one instance
            pending |= bit;
            Record(ref slots, sig, si);
            return true;
        }

        /// <summary>The next queued instance of <paramref name="sig"/> moves into its slot (true), or there is none.</summary>
        private static bool Dequeue(Process p, ref QueuedSignal queue, SigInfo* slots, int sig)
        {
            QueuedSignal prev = null;
            for (QueuedSignal q = queue; q != null; prev = q, q = q.Next)
            {
                if (q.Sig != sig) continue;
                if (prev == null) queue = q.Next; else prev.Next = q.Next;
                if (slots != null) slots[sig] = q.Info;
                p.QueuedSignals--;
                Runtime.Allocator.Free(q);
                return true;
            }
            return false;
        }

        /// <summary>Forgets every queued instance of <paramref name="sig"/>.</summary>
        private static void DropQueued(Process p, ref QueuedSignal queue, int sig)
        {
            while (Dequeue(p, ref queue, null, sig)) { }
        }

        private static bool IsStopSignal(int sig) => sig == Signal.SIGSTOP || sig == 20 || sig == 21 || sig == 22;

        /// <summary>What every send does first: SIGCONT resumes a stopped process (even if blocked or ignored), stop and continue cancel each other, SIGKILL wakes a stopped process.</summary>
        private static void BeforeSend(Process p, int sig)
        {
            if (sig == Signal.SIGCONT)
            {
                ulong stops = (1UL << (Signal.SIGSTOP - 1)) | (1UL << 19) | (1UL << 20) | (1UL << 21);
                p.Pending &= ~stops;
                for (Thread t = p.Threads; t != null; t = t.ProcessNext) t.Pending &= ~stops;
                if (p.Stopped) Continue(p);
            }
            else if (IsStopSignal(sig)) Discard(p, Signal.SIGCONT);
            else if (sig == Signal.SIGKILL && p.Stopped) p.StopWait.WakeAll();
        }

        public static void SendToThread(Thread t, int sig) => SendToThread(t, sig, SigInfo.From(SigInfo.SI_TKILL, Process.Current.Pid));

        public static void SendToThread(Thread t, int sig, in SigInfo si) => TrySendToThread(t, sig, si);

        /// <summary>
        /// A signal the thread cannot refuse (a seccomp trap, a fault under ptrace), as Linux's
        /// force_sig_info: blocked or ignored, it is unblocked and gets its default action back.
        /// </summary>
        public static void Force(Thread t, int sig, in SigInfo si)
        {
            ulong bit = 1UL << (sig - 1);
            if ((t.SignalMask & bit) != 0 || t.Process.Actions[sig].Handler == SIG_IGN)
            {
                t.SignalMask &= ~bit;
                t.Process.Actions[sig].Handler = SIG_DFL;
            }
            SendToThread(t, sig, si);
        }

        /// <summary>As SendToThread; false when a real-time signal found the queue full (sigqueue: EAGAIN).</summary>
        public static bool TrySendToThread(Thread t, int sig, in SigInfo si)
        {
            if (sig < 1 || sig > Signal.NSIG || t.Process.Zombie) return true;
            BeforeSend(t.Process, sig);
            ulong bit = 1UL << (sig - 1);
            // A tracer sees even ignored signals; a blocked one stays pending (see TrySendToProcess).
            if (Ignored(t.Process, sig) && t.Tracer == null && (t.SignalMask & bit) == 0) return true;
            if (!MakePending(t.Process, ref t.Pending, ref t.SigInfo, ref t.RtQueue, sig, si)) return false;
            if ((t.SignalMask & bit) == 0 || (t.SigWaitMask & bit) != 0 || sig == Signal.SIGKILL) Scheduler.Interrupt(t);
            Fs.PollWait.Changed();                                       // signalfd readers
            return true;
        }

        /// <summary>A process-directed signal (kill, SIGCHLD, SIGALRM): one thread that does not block it is woken to take it.</summary>
        public static void SendToProcess(Process p, int sig) => SendToProcess(p, sig, SigInfo.From(SigInfo.SI_KERNEL, 0));

        public static void SendToProcess(Process p, int sig, in SigInfo si) => TrySendToProcess(p, sig, si);

        /// <summary>Sends <paramref name="sig"/> (0: none, a probe) to every live process of group <paramref name="pgid"/>; false when the group has none.</summary>
        public static bool SendToGroup(int pgid, int sig, in SigInfo si)
        {
            bool found = false;
            for (Process p = Process.First; p != null; p = p.AllNext)
            {
                if (p.Zombie || p == Process.Kernel || p.Pgid != pgid) continue;
                found = true;
                if (sig != 0) SendToProcess(p, sig, si);
            }
            return found;
        }

        /// <summary>As SendToProcess; false when a real-time signal found the queue full (sigqueue: EAGAIN).</summary>
        public static bool TrySendToProcess(Process p, int sig, in SigInfo si)
        {
            if (sig < 1 || sig > Signal.NSIG || p.Zombie || p == Process.Kernel) return true;   // init takes no signals
            BeforeSend(p, sig);
            ulong bit = 1UL << (sig - 1);
            // Linux never drops a blocked signal here, "since the handler may change by the time it
            // is unblocked": a blocked SIGCHLD with the default action waits for signalfd or
            // sigtimedwait. Like kill(2), it asks the thread the pid names (the leader).
            Thread leader = Leader(p);
            if (Ignored(p, sig) && !AnyTraced(p) && (leader == null || (leader.SignalMask & bit) == 0)) return true;
            if (!MakePending(p, ref p.Pending, ref p.SigInfo, ref p.RtQueue, sig, si)) return false;
            if (sig == Signal.SIGKILL)
                for (Thread t = p.Threads; t != null; t = t.ProcessNext) Scheduler.Interrupt(t);
            else
            {
                // complete_signal: the thread the pid names (the leader) takes it unless it blocks it,
                // then the running thread (a sender signalling its own process), then any other; only
                // that one is woken, so other threads' waits go on undisturbed.
                Thread pick = leader != null && Takes(leader, bit) ? leader : null;
                if (pick == null && Thread.Current.Process == p && Takes(Thread.Current, bit)) pick = Thread.Current;
                for (Thread t = p.Threads; pick == null && t != null; t = t.ProcessNext) if (Takes(t, bit)) pick = t;
                if (pick != null) Scheduler.Interrupt(pick);
            }
            Fs.PollWait.Changed();
            return true;
        }

        /// <summary>The next signal of <paramref name="allowed"/> pending for the calling thread (0: none): its own first, then the process's.</summary>
        public static int NextOf(ulong allowed, out bool threadDirected)
        {
            Thread t = Thread.Current;
            ulong ready = t.Pending & allowed;
            threadDirected = ready != 0;
            if (ready == 0) ready = t.Process.Pending & allowed;
            if (ready == 0) return 0;
            int sig = 1;
            while ((ready & 1) == 0) { ready >>= 1; sig++; }
            return sig;
        }

        /// <summary>The next signal the calling thread would take (0: none).</summary>
        public static int Next(out bool threadDirected) => NextOf(~(Thread.Current.SignalMask & ~Unblockable), out threadDirected);

        /// <summary>Removes a pending signal and returns what it carries.</summary>
        public static SigInfo Take(int sig, bool threadDirected)
        {
            ulong bit = 1UL << (sig - 1);
            Thread t = Thread.Current;
            SigInfo* slots = threadDirected ? t.SigInfo : t.Process.SigInfo;
            SigInfo si = slots != null ? slots[sig] : SigInfo.From(SigInfo.SI_USER, 0);
            // A real-time signal queued again stays pending with its next instance's siginfo.
            bool more = threadDirected ? Dequeue(t.Process, ref t.RtQueue, slots, sig) : Dequeue(t.Process, ref t.Process.RtQueue, slots, sig);
            if (!more) { if (threadDirected) t.Pending &= ~bit; else t.Process.Pending &= ~bit; }
            return si;
        }

        // ---- job control: stop and continue ------------------------------------------------------

        /// <summary>A stop signal took effect: the process stops, its parent hears of it, the caller waits.</summary>
        private static void Stop(int sig)
        {
            Process p = Process.Current;
            if (!p.Stopped)
            {
                p.Stopped = true;
                p.StopSignal = sig;
                p.ReportStop = true;
                p.ReportContinue = false;
                for (Thread o = p.Threads; o != null; o = o.ProcessNext)
                {
                    o.GroupStopPending = o.Tracer != null;
                    if (o != Thread.Current) Scheduler.Interrupt(o);
                }
                NotifyParent(p, SigInfo.CLD_STOPPED, sig);
            }
            WaitWhileStopped();
        }

        private static void Continue(Process p)
        {
            p.Stopped = false;
            for (Thread o = p.Threads; o != null; o = o.ProcessNext) o.GroupStopPending = false;
            p.ReportStop = false;
            p.ReportContinue = true;
            p.StopWait.WakeAll();
            NotifyParent(p, SigInfo.CLD_CONTINUED, Signal.SIGCONT);
        }

        private static void NotifyParent(Process p, int code, int status)
        {
            Process parent = p.Parent;
            if (parent == null || parent == Process.Kernel) return;
            parent.ChildWait.WakeAll();
            if ((parent.Actions[Signal.SIGCHLD].Flags & 1) != 0) return;             // SA_NOCLDSTOP
            SendToProcess(parent, Signal.SIGCHLD, new SigInfo { Code = code, Pid = p.Pid, Status = status });
        }

        /// <summary>On the way back to user mode: a stopped process's threads wait here until SIGCONT or SIGKILL.</summary>
        public static void WaitWhileStopped()
        {
            Thread t = Thread.Current;
            Process p = t.Process;
            ulong kill = 1UL << (Signal.SIGKILL - 1);
            while (p.Stopped && !p.Exiting && !t.ExitRequested && ((t.Pending | p.Pending) & kill) == 0)
            {
                if (t.Tracer != null)
                {
                    // A traced thread's group-stop is a ptrace-stop, reported once to the tracer (a
                    // seized one sees PTRACE_EVENT_STOP), which alone ends it, SIGCONT or not (Linux).
                    if (!t.GroupStopPending) return;
                    t.GroupStopPending = false;
                    if (t.Tracer == p.Parent) p.ReportStop = false;           // one report to a parent that traces
                    int status = (p.StopSignal << 8) | 0x7F | (t.PtraceSeized ? Ptrace.EventStop << 16 : 0);
                    Ptrace.Stop(status, Ptrace.StopGroup, SigInfo.From(p.StopSignal, 0), p.StopSignal);
                    continue;                                                   // resumed: runs on; detached: stops as the others
                }
                Scheduler.Sleep(p.StopWait, 0, false);
            }
        }

        /// <summary>
        /// Whether a syscall interrupted by <paramref name="sig"/> is restarted: SA_RESTART, no handler
        /// runs, or none is left to take (0: another thread took the signal that woke this one).
        /// </summary>
        public static bool RestartsAfter(int sig)
        {
            if (sig == 0) return true;
            SigAction act = Process.Current.Actions[sig];
            if (sig == Signal.SIGKILL) return false;
            if (act.Handler == SIG_IGN || (act.Handler == SIG_DFL && (DefaultIgnores(sig) || sig == Signal.SIGSTOP || sig == 20 || sig == 21 || sig == 22))) return true;
            return act.Handler > 1 && (act.Flags & SA_RESTART) != 0;
        }

        /// <summary>Whether taking <paramref name="sig"/> (0: none) runs a handler of the program's.</summary>
        public static bool HandlerRuns(int sig) =>
            sig != 0 && sig != Signal.SIGKILL && Process.Current.Actions[sig].Handler > SIG_IGN;

        /// <summary>
        /// restart_syscall: goes on with the call a signal interrupted (the dispatcher set this up when
        /// no handler ran); called directly, with nothing to restart, EINTR as on Linux.
        /// </summary>
        public static long RestartSyscall(SyscallFrame* f)
        {
            delegate*<long> fn = Thread.Current.RestartFn;
            return fn == null ? -Errno.EINTR : fn();
        }

        public static bool AnyDeliverable
        {
            get
            {
                Thread t = Thread.Current;
                return ((t.Pending | t.Process.Pending) & ~(t.SignalMask & ~Unblockable)) != 0 || t.PtraceDeliverSig != 0;
            }
        }

        /// <summary>An interrupt from user mode found a pending signal: handler, or default action.</summary>
        public static void DeliverFromInterrupt(InterruptFrame* f)
        {
            int sig;
            while ((sig = NextToHandle(out SigInfo si, out SigAction act)) != 0)
                if (!EnterFromInterrupt(f, act, sig, si, 0, 0, 0)) Process.Kill(Signal.SIGSEGV);
        }

        /// <summary>
        /// Takes pending signals until one has a handler to run (returned with what it carries and its
        /// action); on the way, ignored ones go, stop signals stop the process, and a default action
        /// that terminates does so. 0 when nothing is left.
        /// </summary>
        private static int NextToHandle(out SigInfo si, out SigAction act)
        {
            while (true)
            {
                Thread t = Thread.Current;
                int sig;
                si = default;
                act = default;
                if (t.PtraceDeliverSig != 0)
                {
                    // Already through its signal-delivery-stop (TracedSignalBeforeRestart).
                    sig = t.PtraceDeliverSig;
                    si = t.PtraceDeliverInfo;
                    t.PtraceDeliverSig = 0;
                }
                else
                {
                    sig = Next(out bool threadDirected);
                    if (sig == 0) return 0;
                    si = Take(sig, threadDirected);
                    if (t.Tracer != null && sig != Signal.SIGKILL && (sig = ReportToTracer(t, sig, ref si)) == 0) continue;
                }
                act = Process.Current.Actions[sig];
                if (Ignored(Process.Current, sig)) continue;
                if (StopsByDefault(sig, act)) { Stop(sig); continue; }
                if (act.Handler == SIG_DFL || sig == Signal.SIGKILL || (act.Flags & SA_RESTORER) == 0) Process.Kill(sig);
                return sig;
            }
        }

        /// <summary>
        /// The signal-delivery-stop: the tracer sees <paramref name="sig"/> and says which to deliver
        /// (0: none, the same, or another, with the siginfo it may have changed). 0 when nothing is to
        /// be delivered now (suppressed, or blocked and queued again).
        /// </summary>
        private static int ReportToTracer(Thread t, int sig, ref SigInfo si)
        {
            int resumed = Ptrace.Stop((sig << 8) | 0x7F, Ptrace.StopSignal, si, sig);
            if (resumed == 0) return 0;
            if (resumed == t.PtraceInfoSig) si = t.PtraceInfo;
            else si = SigInfo.From(SigInfo.SI_USER, t.Tracer != null ? t.Tracer.Pid : 0);
            if ((t.SignalMask & (1UL << (resumed - 1))) != 0) { SendToThread(t, resumed, si); return 0; }   // blocked: it waits its turn
            return resumed;
        }

        /// <summary>
        /// A traced thread's syscall was interrupted: its signal-delivery-stops come before the restart
        /// decision, as in Linux's get_signal, so a signal the tracer suppresses restarts the call and
        /// the tracer sees rax = -ERESTART*. Returns the signal to deliver (kept for NextToHandle), or 0.
        /// </summary>
        public static int TracedSignalBeforeRestart()
        {
            Thread t = Thread.Current;
            while (t.PtraceDeliverSig == 0)
            {
                int sig = Next(out bool threadDirected);
                if (sig == 0 || sig == Signal.SIGKILL || t.Tracer == null) return sig;
                SigInfo si = Take(sig, threadDirected);
                if ((sig = ReportToTracer(t, sig, ref si)) == 0) continue;
                t.PtraceDeliverSig = sig;
                t.PtraceDeliverInfo = si;
            }
            return t.PtraceDeliverSig;
        }

        /// <summary>SIGSTOP always stops; SIGTSTP, SIGTTIN and SIGTTOU stop when their action is the default.</summary>
        private static bool StopsByDefault(int sig, in SigAction act) => sig == Signal.SIGSTOP || (act.Handler == SIG_DFL && (sig == 20 || sig == 21 || sig == 22));

        /// <summary>Called as a syscall returns: runs the default action or enters the handler of a pending signal.</summary>
        public static void DeliverPending(SyscallFrame* f)
        {
            int sig;
            while ((sig = NextToHandle(out SigInfo si, out SigAction act)) != 0)
            {
                ulong* state = (ulong*)SyscallSymbols()[2];                   // full_restore, rcx, r11, iret frame
                SigContext sc = default;
                sc.R8 = f->R8; sc.R9 = f->R9; sc.R10 = f->R10; sc.R12 = f->R12; sc.R13 = f->R13;
                sc.R14 = f->R14; sc.R15 = f->R15; sc.Rdi = f->Rdi; sc.Rsi = f->Rsi; sc.Rbp = f->Rbp; sc.Rbx = f->Rbx;
                sc.Rdx = f->Rdx; sc.Rax = f->Rax; sc.Rsp = f->Rsp; sc.Rip = f->Rip; sc.Eflags = f->Rflags;
                // After rt_sigreturn the context to save is the one it restored, RCX and R11 included.
                if (state[0] != 0) { sc.Rcx = state[1]; sc.R11 = state[2]; }
                else { sc.Rcx = f->Rip; sc.R11 = f->Rflags; }
                sc.Cs = Cpu.UserCode; sc.Ss = Cpu.UserData;
                byte* fx = (byte*)Mm.KernelHeap.Alloc(FpSize);               // heap blocks of 512 are 16-aligned
                SyscallFpu.ToFxsave(SyscallFpu.Area(f), fx);
                bool written = WriteFrame(ref sc, act, sig, si, fx, out ulong frame, out ulong info, out ulong uc);
                Mm.KernelHeap.Free(fx);
                if (!written) Process.Kill(Signal.SIGSEGV);
                EnterHandler(act, sig);

                // Enter the handler through the iret path: rdi, rsi, rdx carry (sig, info, uc).
                f->Rdi = (ulong)sig;
                f->Rsi = info;
                f->Rdx = uc;
                f->Rip = act.Handler;
                f->Rsp = frame;
                f->Rflags = 0x202;
                state[0] = 1;
                state[1] = 0;
                state[2] = 0;
                state[3] = act.Handler;
                state[4] = Cpu.UserCode;
                state[5] = 0x202;
                state[6] = frame;
                state[7] = Cpu.UserData;
                f->Rax = 0;
                // As Linux: every deliverable signal gets its frame now, each on top of the last;
                // the handler set up last runs first.
            }
        }

        public static long Kill(SyscallFrame* f) => Send((int)f->A0, (int)f->A1);

        /// <summary>
        /// check_kill_permission: the caller's own process, a process whose real or saved uid is the
        /// caller's real or effective uid, CAP_KILL, or SIGCONT within the caller's session.
        /// </summary>
        public static bool MayKill(Thread target, int sig)
        {
            Process self = Process.Current;
            if (target.Process == self) return true;
            Credentials c = Credentials.Current, t = target.Cred;
            if (t == null || c.Euid == t.Suid || c.Euid == t.Uid || c.Uid == t.Suid || c.Uid == t.Uid || c.Capable(Cap.KILL)) return true;
            return sig == Signal.SIGCONT && target.Process.Sid == self.Sid;
        }

        /// <summary>As above for a process-directed signal: the credentials of its leader (any thread once the leader is gone).</summary>
        public static bool MayKill(Process p, int sig)
        {
            Thread t = p.FindThread(p.Pid) ?? p.Threads;
            return t == null || MayKill(t, sig);
        }

        public static long Tkill(SyscallFrame* f)
        {
            int sig = (int)f->A1;
            if ((int)f->A0 <= 0 || sig < 0 || sig > Signal.NSIG) return -Errno.EINVAL;
            Thread t = Process.FindThreadAnywhere((int)f->A0);
            if (t == null) return -Errno.ESRCH;
            if (!MayKill(t, sig)) return -Errno.EPERM;
            if (sig != 0) SendToThread(t, sig, SigInfo.From(SigInfo.SI_TKILL, Process.Current.Pid));
            return 0;
        }

        public static long Tgkill(SyscallFrame* f)
        {
            int sig = (int)f->A2;
            if ((int)f->A0 <= 0 || (int)f->A1 <= 0 || sig < 0 || sig > Signal.NSIG) return -Errno.EINVAL;
            Process p = Process.Find((int)f->A0);
            Thread t = p == null ? null : p.FindThread((int)f->A1);
            if (t == null) return -Errno.ESRCH;
            if (!MayKill(t, sig)) return -Errno.EPERM;
            if (sig != 0) SendToThread(t, sig, SigInfo.From(SigInfo.SI_TKILL, Process.Current.Pid));
            return 0;
        }

        /// <summary>kill(pid, sig): a process, the caller's group (0), every process but init and the caller (-1), or a group (&lt; -1).</summary>
        private static long Send(int pid, int sig)
        {
            if (sig < 0 || sig > Signal.NSIG) return -Errno.EINVAL;
            Process self = Process.Current;
            if (pid > 0)
            {
                Process p = Process.Find(pid);
                if (p == null) return -Errno.ESRCH;
                if (!MayKill(p, sig)) return -Errno.EPERM;
                if (sig != 0) SendToProcess(p, sig, SigInfo.From(SigInfo.SI_USER, self.Pid));
                return 0;
            }
            if (pid == int.MinValue) return -Errno.ESRCH;
            bool found = false;
            if (pid != -1)
            {
                // A group: success if any member may be signalled, else EPERM (Linux's __kill_pgrp_info).
                int pgid = pid == 0 ? self.Pgid : -pid;
                bool sent = false;
                for (Process p = Process.First; p != null; p = p.AllNext)
                {
                    if (p.Zombie || p == Process.Kernel || p.Pgid != pgid) continue;
                    found = true;
                    if (!MayKill(p, sig)) continue;
                    sent = true;
                    if (sig != 0) SendToProcess(p, sig, SigInfo.From(SigInfo.SI_USER, self.Pid));
                }
                return !found ? -Errno.ESRCH : sent ? 0 : -Errno.EPERM;
            }
            // Everyone the caller may signal; those it may not are skipped silently (Linux returns 0 then too).
            for (Process p = Process.First; p != null; p = p.AllNext)
            {
                if (p.Zombie || p == Process.Kernel || p == self) continue;
                found = true;
                if (sig != 0 && MayKill(p, sig)) SendToProcess(p, sig, SigInfo.From(SigInfo.SI_USER, self.Pid));
            }
            return found ? 0 : -Errno.ESRCH;
        }

        private const ulong UcSigcontextSs = 2, UcStrictRestoreSs = 4;
        // The flags a frame may change, as Linux's FIX_EFLAGS: CF PF AF ZF SF TF DF OF RF AC (never IF,
        // IOPL, NT or VM). TF single-steps the returned-to code (SIGTRAP, TRAP_TRACE).
        private const ulong FixEflags = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x10000 | 0x40000;

        /// <summary>rt_sigreturn: restores every register and the mask from the frame at the user's stack.</summary>
        public static long RtSigreturn(SyscallFrame* f)
        {
            ulong uc = f->Rsp;                                            // the handler's ret popped pretcode
            Thread.Current.RestartFn = null;                              // as Linux: a handler ran, nothing is left to restart
            SigContext sc;
            ulong mask, ucFlags;
            if (UserMemory.Read(uc + McOffset, out sc) != 0 || UserMemory.Read(uc + McOffset + 256, out mask) != 0 ||
                UserMemory.Read(uc, out ucFlags) != 0)
            {
                Log.WriteLine("compat: rt_sigreturn with a bad frame");
                Process.Kill(Signal.SIGSEGV);
                return 0;
            }
            // Linux loads the frame's selectors with RPL 3, and the return faults (SIGSEGV) unless they
            // name the user code segment and, when the frame says SS is restored strictly, the user
            // data segment; without that flag a bad SS is replaced by the user one (old DOSEMU frames).
            // The 32-bit code segment is not offered here (no compat mode).
            if ((ushort)(sc.Cs | 3) != Cpu.UserCode || ((ucFlags & UcStrictRestoreSs) != 0 && (ushort)(sc.Ss | 3) != Cpu.UserData))
            {
                Process.Kill(Signal.SIGSEGV);
                return 0;
            }
            if (sc.Fpstate != 0)
            {
                byte* fx = (byte*)Mm.KernelHeap.Alloc(FpSize);
                long copied = UserMemory.CopyFrom(fx, sc.Fpstate, FpSize);
                if (copied == 0) SyscallFpu.FromFxsave(fx, SyscallFpu.Area(f));
                Mm.KernelHeap.Free(fx);
                if (copied != 0) { Process.Kill(Signal.SIGSEGV); return 0; }
            }
            Thread.Current.SignalMask = mask & ~Unblockable;
            f->R8 = sc.R8; f->R9 = sc.R9; f->R10 = sc.R10; f->R12 = sc.R12; f->R13 = sc.R13; f->R14 = sc.R14;
            f->R15 = sc.R15; f->Rdi = sc.Rdi; f->Rsi = sc.Rsi; f->Rbp = sc.Rbp; f->Rbx = sc.Rbx; f->Rdx = sc.Rdx;
            ulong rip = sc.Rip;
            if (rip >= Memory.AddressSpace.UserEnd) rip = 0;              // never iret to a kernel address
            ulong flags = (sc.Eflags & FixEflags) | 0x202;                // user-changeable flags only, IF set
            // The frame holds the restored context too, so a signal delivered next saves this one.
            f->Rip = rip; f->Rsp = sc.Rsp; f->Rflags = flags;
            ulong* state = (ulong*)SyscallSymbols()[2];                   // full_restore, rcx, r11, iret frame
            state[0] = 1;
            state[1] = sc.Rcx;
            state[2] = sc.R11;
            state[3] = rip;
            state[4] = Cpu.UserCode;
            state[5] = flags;
            state[6] = sc.Rsp;
            state[7] = Cpu.UserData;
            return (long)sc.Rax;
        }
    }
}
