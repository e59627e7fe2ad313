// Signal dispositions, the blocked mask and the alternate stack. Dispositions are recorded
// (and reported back); delivery of caught signals is not implemented yet: a fault kills the
// program with the default action.
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysSignal
    {
        private const int SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
        private const ulong Unblockable = (1UL << (Signal.SIGKILL - 1)) | (1UL << (Signal.SIGSTOP - 1));

        public static long RtSigaction(SyscallFrame* f)
        {
            int sig = (int)f->A0;
            if (f->A3 != 8) return -Errno.EINVAL;
            if (sig < 1 || sig > Signal.NSIG) return -Errno.EINVAL;
            SigAction old = Process.Actions[sig];
            if (f->A1 != 0)
            {
                if (sig == Signal.SIGKILL || sig == Signal.SIGSTOP) return -Errno.EINVAL;
                if (UserMemory.Read(f->A1, out SigAction act) != 0) return -Errno.EFAULT;
                act.Mask &= ~Unblockable;
                Process.Actions[sig] = act;
                if (act.Handler == 1) SignalDelivery.Pending &= ~(1UL << (sig - 1));     // SIG_IGN discards a pending signal
            }
            if (f->A2 != 0 && UserMemory.Write(f->A2, old) != 0) return -Errno.EFAULT;
            return 0;
        }

        public static long RtSigprocmask(SyscallFrame* f)
        {
            if (f->A3 != 8) return -Errno.EINVAL;
            ulong old = Process.SignalMask;
            if (f->A1 != 0)
            {
                if (UserMemory.Read(f->A1, out ulong set) != 0) return -Errno.EFAULT;
                switch ((int)f->A0)
                {
                    case SIG_BLOCK: Process.SignalMask |= set; break;
                    case SIG_UNBLOCK: Process.SignalMask &= ~set; break;
                    case SIG_SETMASK: Process.SignalMask = set; break;
                    default: return -Errno.EINVAL;
                }
                Process.SignalMask &= ~Unblockable;
            }
            if (f->A2 != 0 && UserMemory.Write(f->A2, old) != 0) return -Errno.EFAULT;
            return 0;
        }

        public static long RtSigpending(SyscallFrame* f)
        {
            if (f->A1 > 8) return -Errno.EINVAL;
            ulong pending = SignalDelivery.Pending;
            return UserMemory.CopyTo(f->A0, &pending, f->A1);
        }

        private struct StackT { public ulong Sp; public int Flags, Pad; public ulong Size; }
        private const int SS_ONSTACK = 1, SS_DISABLE = 2, MINSIGSTKSZ = 2048;

        public static long Sigaltstack(SyscallFrame* f)
        {
            StackT old;
            old.Sp = Process.AltStackSp; old.Size = Process.AltStackSize; old.Pad = 0;
            old.Flags = Process.AltStackSize == 0 ? SS_DISABLE : Process.AltStackFlags;
            if (f->A0 != 0)
            {
                if (UserMemory.Read(f->A0, out StackT ss) != 0) return -Errno.EFAULT;
                if ((ss.Flags & ~(SS_DISABLE | (1 << 31))) != 0) return -Errno.EINVAL;
                if ((ss.Flags & SS_DISABLE) != 0) { Process.AltStackSp = 0; Process.AltStackSize = 0; Process.AltStackFlags = 0; }
                else
                {
                    if (ss.Size < MINSIGSTKSZ) return -Errno.ENOMEM;
                    Process.AltStackSp = ss.Sp; Process.AltStackSize = ss.Size; Process.AltStackFlags = ss.Flags;
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

    /// <summary>
    /// Delivery of synchronous signals (faults) to handlers installed with rt_sigaction, using the
    /// Linux x86-64 rt_sigframe layout, and rt_sigreturn. Asynchronous signals (kill, alarm) wait for
    /// processes and timers.
    /// </summary>
    internal static unsafe class SignalDelivery
    {
        private const ulong SIG_DFL = 0, SIG_IGN = 1;
        private const ulong SA_SIGINFO = 4, SA_ONSTACK = 0x08000000, SA_RESTORER = 0x04000000, SA_NODEFER = 0x40000000, SA_RESETHAND = 0x80000000;
        private const int UcOffset = 8, UcSize = 304, McOffset = 40, InfoSize = 128, FpSize = 512;

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
        private static bool WriteFrame(ref SigContext sc, in SigAction act, int sig, int code, ulong addrOrPid, byte* fx,
                                       out ulong frame, out ulong info, out ulong uc)
        {
            ulong sp = sc.Rsp - 128;                                      // skip the red zone
            if ((act.Flags & SA_ONSTACK) != 0 && Process.AltStackSize != 0 &&
                !(sc.Rsp > Process.AltStackSp && sc.Rsp <= Process.AltStackSp + Process.AltStackSize))
                sp = Process.AltStackSp + Process.AltStackSize;
            ulong fpstate = (sp - FpSize) & ~63UL;
            frame = ((fpstate - (8 + UcSize + InfoSize)) & ~15UL) - 8;   // as after a call: (rsp + 8) % 16 == 0
            uc = frame + UcOffset;
            info = uc + UcSize;
            if (UserMemory.CopyTo(fpstate, fx, FpSize) != 0) return false;
            sc.Oldmask = Process.SignalMask;
            sc.Fpstate = fpstate;

            byte* buf = stackalloc byte[8 + UcSize + InfoSize];
            Mem.Zero(buf, 8 + UcSize + InfoSize);
            *(ulong*)buf = act.Restorer;                                  // pretcode: the handler returns here
            byte* ucp = buf + UcOffset;
            *(ulong*)(ucp + 16) = Process.AltStackSp;                      // uc_stack
            *(int*)(ucp + 24) = Process.AltStackSize == 0 ? 2 : 0;
            *(ulong*)(ucp + 32) = Process.AltStackSize;
            *(SigContext*)(ucp + McOffset) = sc;
            *(ulong*)(ucp + McOffset + 256) = Process.SignalMask;         // uc_sigmask
            byte* inf = buf + UcOffset + UcSize;
            *(int*)inf = sig;
            *(int*)(inf + 8) = code;
            *(ulong*)(inf + 16) = addrOrPid;                              // si_addr, or si_pid for kill
            return UserMemory.CopyTo(frame, buf, 8 + UcSize + InfoSize) == 0;
        }

        /// <summary>Sends a fault signal to its handler. False when the default action applies (the caller kills).</summary>
        public static bool DeliverFault(InterruptFrame* f, int sig, int code, ulong addr)
        {
            SigAction act = Process.Actions[sig];
            ulong bit = 1UL << (sig - 1);
            if (act.Handler == SIG_DFL || act.Handler == SIG_IGN || (Process.SignalMask & bit) != 0) return false;
            if ((act.Flags & SA_RESTORER) == 0) return false;            // no way back: Linux would also fail

            SigContext sc = default;
            sc.R8 = f->R8; sc.R9 = f->R9; sc.R10 = f->R10; sc.R11 = f->R11; sc.R12 = f->R12; sc.R13 = f->R13;
            sc.R14 = f->R14; sc.R15 = f->R15; sc.Rdi = f->Rdi; sc.Rsi = f->Rsi; sc.Rbp = f->Rbp; sc.Rbx = f->Rbx;
            sc.Rdx = f->Rdx; sc.Rax = f->Rax; sc.Rcx = f->Rcx; sc.Rsp = f->Rsp; sc.Rip = f->Rip; sc.Eflags = f->Rflags;
            sc.Cs = (ushort)f->Cs; sc.Ss = (ushort)f->Ss;
            sc.Err = f->ErrorCode; sc.Trapno = f->Vector; sc.Cr2 = addr;
            // The user's SSE state is the fxsave image isr_common left just below the register frame.
            byte* fx = SyscallFpu.Area(f);
            if (!WriteFrame(ref sc, act, sig, code, addr, fx, out ulong frame, out ulong info, out ulong uc)) return false;

            if ((act.Flags & SA_NODEFER) == 0) Process.SignalMask |= bit;
            Process.SignalMask |= act.Mask;
            if ((act.Flags & SA_RESETHAND) != 0) Process.Actions[sig].Handler = SIG_DFL;

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

        /// <summary>Signals raised by the program itself (kill, raise, a write to a broken pipe), delivered when the syscall returns.</summary>
        public static ulong Pending;

        private static bool DefaultIgnores(int sig) => sig == Signal.SIGCHLD || sig == 23 /* SIGURG */ || sig == 28 /* SIGWINCH */ || sig == 18 /* SIGCONT */;

        public static void RaisePipe() => Raise(Signal.SIGPIPE);

        public static void Raise(int sig)
        {
            if (sig < 1 || sig > Signal.NSIG) return;
            SigAction act = Process.Actions[sig];
            if (sig != Signal.SIGKILL && sig != Signal.SIGSTOP)
            {
                if (act.Handler == SIG_IGN) return;
                if (act.Handler == SIG_DFL && DefaultIgnores(sig)) return;
            }
            Pending |= 1UL << (sig - 1);
        }

        /// <summary>An interrupt from user mode found a pending signal: handler, or default action.</summary>
        public static void DeliverFromInterrupt(InterruptFrame* f)
        {
            ulong ready = Pending & ~Process.SignalMask;
            if (ready == 0) return;
            int sig = 1;
            while ((ready & 1) == 0) { ready >>= 1; sig++; }
            Pending &= ~(1UL << (sig - 1));
            SigAction act = Process.Actions[sig];
            if (act.Handler == SIG_IGN || (act.Handler == SIG_DFL && DefaultIgnores(sig))) return;
            if (act.Handler == SIG_DFL || !DeliverFault(f, sig, 0x80 /* SI_KERNEL */, 0)) Process.Kill(sig);
        }

        /// <summary>Called as a syscall returns: runs the default action or enters the handler of a pending signal.</summary>
        public static void DeliverPending(SyscallFrame* f)
        {
            ulong ready = Pending & ~(Process.SignalMask & ~((1UL << (Signal.SIGKILL - 1)) | (1UL << (Signal.SIGSTOP - 1))));
            if (ready == 0) return;
            int sig = 1;
            while ((ready & 1) == 0) { ready >>= 1; sig++; }
            Pending &= ~(1UL << (sig - 1));
            SigAction act = Process.Actions[sig];
            if (act.Handler == SIG_IGN && sig != Signal.SIGKILL) return;      // ignored while it was pending
            if (act.Handler == SIG_DFL || sig == Signal.SIGKILL || (act.Flags & SA_RESTORER) == 0)
            {
                if (sig == Signal.SIGSTOP || (act.Handler == SIG_DFL && DefaultIgnores(sig))) return;
                Process.Kill(sig);
                return;
            }

            SigContext sc = default;
            sc.R8 = f->R8; sc.R9 = f->R9; sc.R10 = f->R10; sc.R11 = f->Rflags; sc.R12 = f->R12; sc.R13 = f->R13;
            sc.R14 = f->R14; sc.R15 = f->R15; sc.Rdi = f->Rdi; sc.Rsi = f->Rsi; sc.Rbp = f->Rbp; sc.Rbx = f->Rbx;
            sc.Rdx = f->Rdx; sc.Rax = f->Rax; sc.Rcx = f->Rip; sc.Rsp = f->Rsp; sc.Rip = f->Rip; sc.Eflags = f->Rflags;
            sc.Cs = Cpu.UserCode; sc.Ss = Cpu.UserData;
            byte* fx = (byte*)Mm.KernelHeap.Alloc(FpSize);               // heap blocks of 512 are 16-aligned
            SyscallFpu.ToFxsave(SyscallFpu.Area(f), fx);
            bool written = WriteFrame(ref sc, act, sig, -6 /* SI_TKILL */, (ulong)Process.Pid, fx, out ulong frame, out ulong info, out ulong uc);
            Mm.KernelHeap.Free(fx);
            if (!written) { Process.Kill(Signal.SIGSEGV); return; }

            ulong bit = 1UL << (sig - 1);
            if ((act.Flags & SA_NODEFER) == 0) Process.SignalMask |= bit;
            Process.SignalMask |= act.Mask;
            if ((act.Flags & SA_RESETHAND) != 0) Process.Actions[sig].Handler = SIG_DFL;

            // Enter the handler through the iret path: rdi, rsi, rdx carry (sig, info, uc).
            f->Rdi = (ulong)sig;
            f->Rsi = info;
            f->Rdx = uc;
            ulong* state = (ulong*)SyscallSymbols()[2];
            state[0] = 1;
            state[1] = 0;
            state[2] = 0;
            state[3] = act.Handler;
            state[4] = Cpu.UserCode;
            state[5] = 0x202;
            state[6] = frame;
            state[7] = Cpu.UserData;
            f->Rax = 0;
        }

        /// <summary>rt_sigreturn: restores every register and the mask from the frame at the user's stack.</summary>
        public static long Kill(SyscallFrame* f) => Send((int)f->A0, (int)f->A1);
        // Signals go to the process (shared mask and handlers); any of its thread ids names it.
        public static long Tkill(SyscallFrame* f) => Threads.Exists((int)f->A0) ? Send(Process.Pid, (int)f->A1) : -Errno.ESRCH;
        public static long Tgkill(SyscallFrame* f) =>
            (int)f->A0 != Process.Pid || !Threads.Exists((int)f->A1) ? -Errno.ESRCH : Send(Process.Pid, (int)f->A2);

        private static long Send(int pid, int sig)
        {
            if (sig < 0 || sig > Signal.NSIG) return -Errno.EINVAL;
            if (pid != Process.Pid && pid != 0 && pid != -1) return -Errno.ESRCH;
            if (sig != 0) Raise(sig);
            return 0;
        }

        public static long RtSigreturn(SyscallFrame* f)
        {
            ulong uc = f->Rsp;                                            // the handler's ret popped pretcode
            SigContext sc;
            ulong mask;
            if (UserMemory.Read(uc + McOffset, out sc) != 0 || UserMemory.Read(uc + McOffset + 256, out mask) != 0)
            {
                Log.WriteLine("compat: rt_sigreturn with a bad frame");
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
            Process.SignalMask = mask & ~((1UL << (Signal.SIGKILL - 1)) | (1UL << (Signal.SIGSTOP - 1)));
            f->R8 = sc.R8; f->R9 = sc.R9; f->R10 = sc.R10; f->R12 = sc.R12; f->R13 = sc.R13; f->R14 = sc.R14;
            f->R15 = sc.R15; f->Rdi = sc.Rdi; f->Rsi = sc.Rsi; f->Rbp = sc.Rbp; f->Rbx = sc.Rbx; f->Rdx = sc.Rdx;
            ulong* sym = SyscallSymbols();
            ulong* state = (ulong*)sym[2];                                // full_restore, rcx, r11, iret frame
            state[0] = 1;
            state[1] = sc.Rcx;
            state[2] = sc.R11;
            ulong rip = sc.Rip;
            if (rip >= Memory.AddressSpace.UserEnd) rip = 0;              // never iret to a kernel address
            state[3] = rip;
            state[4] = Cpu.UserCode;
            state[5] = (sc.Eflags & 0xCD5) | 0x202;                       // user-changeable flags only, IF set
            state[6] = sc.Rsp;
            state[7] = Cpu.UserData;
            return (long)sc.Rax;
        }
    }
}
