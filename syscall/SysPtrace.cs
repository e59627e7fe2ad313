// ptrace(2): attaching, resuming, and reading and changing a stopped tracee's registers, memory and
// signal state. The stops themselves are in kernel/core/Ptrace.cs.
using Kernel.Arch;
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysPtrace
    {
        private const int TRACEME = 0, PEEKTEXT = 1, PEEKDATA = 2, PEEKUSR = 3, POKETEXT = 4, POKEDATA = 5, POKEUSR = 6,
            CONT = 7, KILL = 8, SINGLESTEP = 9, GETREGS = 12, SETREGS = 13, GETFPREGS = 14, SETFPREGS = 15,
            ATTACH = 16, DETACH = 17, SYSCALL = 24, SETOPTIONS = 0x4200, GETEVENTMSG = 0x4201, GETSIGINFO = 0x4202,
            SETSIGINFO = 0x4203, GETREGSET = 0x4204, SETREGSET = 0x4205, SEIZE = 0x4206, INTERRUPT = 0x4207,
            GETSIGMASK = 0x420a, SETSIGMASK = 0x420b, GET_SYSCALL_INFO = 0x420e;
        private const int NT_PRSTATUS = 1, NT_PRFPREG = 2;

        // struct user_regs_struct, in order; struct user puts u_debugreg at 848 and ends at 912.
        private const int R15 = 0, R14 = 1, R13 = 2, R12 = 3, RBP = 4, RBX = 5, R11 = 6, R10 = 7, R9 = 8, R8 = 9,
            RAX = 10, RCX = 11, RDX = 12, RSI = 13, RDI = 14, ORIG_RAX = 15, RIP = 16, CS = 17, EFLAGS = 18, RSP = 19,
            SS = 20, FS_BASE = 21, GS_BASE = 22, DS = 23, ES = 24, FS = 25, GS = 26, RegCount = 27;
        private const int RegsSize = RegCount * 8, DebugRegOffset = 848, UserSize = 912;
        private const ulong UserFlags = 0x40DD5;                       // CF PF AF ZF SF TF DF OF AC: what a tracer may set

        public static long Ptrace(SyscallFrame* f)
        {
            long request = (long)f->A0;
            int pid = (int)f->A1;
            ulong addr = f->A2, data = f->A3;
            Thread self = Thread.Current;
            if (request == TRACEME)
            {
                Process parent = self.Process.Parent;
                if (self.Tracer != null || parent == null || parent == Process.Kernel) return -Errno.EPERM;
                self.Tracer = parent;
                Kernel.Ptrace.Used = true;
                self.PtraceOptions = 0;
                self.PtraceResume = Kernel.Ptrace.ResumeCont;
                return 0;
            }
            Thread t = pid > 0 ? Process.FindThreadAnywhere(pid) : null;
            if (t == null)
            {
                // A zombie has no threads left to trace: EPERM, as Linux (ESRCH for no such process).
                Process z = pid > 0 && (request == ATTACH || request == SEIZE) ? Process.FindAny(pid) : null;
                return z != null && z.Zombie ? -Errno.EPERM : -Errno.ESRCH;
            }
            if (request == ATTACH || request == SEIZE) return Attach(t, request == SEIZE, addr, data);
            if (t.Tracer != self.Process) return -Errno.ESRCH;
            if (request == KILL)
            {
                SignalDelivery.SendToThread(t, Signal.SIGKILL);
                return 0;
            }
            if (request == INTERRUPT)
            {
                if (!t.PtraceSeized) return -Errno.EIO;
                if (!t.PtraceStopped) { t.PtraceInterrupt = true; Scheduler.Interrupt(t); }
                return 0;
            }
            if (!t.PtraceStopped) return -Errno.ESRCH;
            switch (request)
            {
                case PEEKTEXT: case PEEKDATA: return Peek(t, addr, data);
                case POKETEXT: case POKEDATA: return Poke(t, addr, data);
                case PEEKUSR: return PeekUser(t, addr, data);
                case POKEUSR: return PokeUser(t, addr, data);
                case CONT: return Resume(t, Kernel.Ptrace.ResumeCont, data);
                case SYSCALL: return Resume(t, Kernel.Ptrace.ResumeSyscall, data);
                case SINGLESTEP: return Resume(t, Kernel.Ptrace.ResumeStep, data);
                case DETACH:
                    if (data > Signal.NSIG) return -Errno.EIO;
                    SetStep(t, false);
                    Kernel.Ptrace.Detach(t, (int)data);
                    return 0;
                case GETREGS: return GetRegs(t, data, RegsSize);
                case SETREGS: return SetRegs(t, data, RegsSize);
                case GETFPREGS: return GetFpRegs(t, data, 512);
                case SETFPREGS: return SetFpRegs(t, data, 512);
                case GETREGSET: return RegSet(t, (int)addr, data, false);
                case SETREGSET: return RegSet(t, (int)addr, data, true);
                case SETOPTIONS:
                    if ((data & ~(ulong)Kernel.Ptrace.O_Mask) != 0) return -Errno.EINVAL;
                    t.PtraceOptions = (int)data;
                    return 0;
                case GETEVENTMSG: return UserMemory.Write(data, t.PtraceEventMsg) != 0 ? -Errno.EFAULT : 0;
                case GETSIGINFO:
                {
                    if (t.PtraceStopKind == Kernel.Ptrace.StopGroup) return -Errno.EINVAL;   // a group-stop carries no siginfo
                    byte* inf = stackalloc byte[128];
                    t.PtraceInfo.WriteTo(inf, t.PtraceInfoSig);
                    return UserMemory.CopyTo(data, inf, 128) != 0 ? -Errno.EFAULT : 0;
                }
                case SETSIGINFO: return SetSigInfo(t, data);
                case GETSIGMASK:
                    if (addr != 8) return -Errno.EINVAL;
                    return UserMemory.Write(data, t.SignalMask) != 0 ? -Errno.EFAULT : 0;
                case SETSIGMASK:
                {
                    if (addr != 8) return -Errno.EINVAL;
                    if (UserMemory.Read(data, out ulong mask) != 0) return -Errno.EFAULT;
                    t.SignalMask = mask & ~SignalDelivery.Unblockable;
                    return 0;
                }
                case GET_SYSCALL_INFO: return SyscallInfo(t, addr, data);
                default: return -Errno.EIO;
            }
        }

        private static long Attach(Thread t, bool seize, ulong addr, ulong data)
        {
            Process self = Process.Current;
            if (seize && addr != 0) return -Errno.EIO;
            if (seize && (data & ~(ulong)Kernel.Ptrace.O_Mask) != 0) return -Errno.EINVAL;
            if (t.Process == self || t.Process == Process.Kernel || t.Tracer != null || t.Process.Exiting) return -Errno.EPERM;
            if (!TaskAccess.May(t, false)) return -Errno.EPERM;
            t.Tracer = self;
            Kernel.Ptrace.Used = true;
            t.PtraceSeized = seize;
            t.PtraceOptions = seize ? (int)data : 0;
            t.PtraceResume = Kernel.Ptrace.ResumeCont;
            if (!seize) SignalDelivery.SendToThread(t, Signal.SIGSTOP, SigInfo.From(SigInfo.SI_USER, self.Pid));
            if (t.Process.Stopped)
            {
                // Already in a group-stop: it reports that stop to its new tracer now (Linux's JOBCTL_TRAP_STOP).
                t.GroupStopPending = true;
                t.Process.StopWait.WakeAll();
            }
            return 0;
        }

        private static long Resume(Thread t, int how, ulong sig)
        {
            if (sig > Signal.NSIG) return -Errno.EIO;
            SetStep(t, how == Kernel.Ptrace.ResumeStep);
            Kernel.Ptrace.Resume(t, how, (int)sig);
            return 0;
        }

        /// <summary>Single-stepping is the trap flag in the tracee's user RFLAGS.</summary>
        private static void SetStep(Thread t, bool on)
        {
            // sysret with TF set traps before the next instruction runs: a step from a stop in a
            // syscall returns through iret, which runs one instruction first (as Linux does).
            if (on && t.IntFrame == null && t.ReturnState.Full == 0) MakeFull(t);
            ulong flags = ReadReg(t, EFLAGS);
            ulong want = on ? flags | 0x100 : flags & ~0x100UL;
            if (want != flags) WriteReg(t, EFLAGS, want);
        }

        // ---- memory -------------------------------------------------------------------------

        private static long Peek(Thread t, ulong addr, ulong data)
        {
            ulong word;
            if (t.Process.Map == null) return -Errno.ESRCH;
            if (AddressSpace.AccessOther(t.Process.Map, addr, (byte*)&word, 8, false) != 8) return -Errno.EIO;
            return UserMemory.Write(data, word) != 0 ? -Errno.EFAULT : 0;
        }

        /// <summary>A forced write: a breakpoint goes into read-only code (on the tracee's own copy of the page).</summary>
        private static long Poke(Thread t, ulong addr, ulong word)
        {
            if (t.Process.Map == null) return -Errno.ESRCH;
            return AddressSpace.AccessOther(t.Process.Map, addr, (byte*)&word, 8, true) == 8 ? 0 : -Errno.EIO;
        }

        // ---- registers ----------------------------------------------------------------------

        private static ulong ReadReg(Thread t, int i)
        {
            if (i == ORIG_RAX) return t.OrigRax;
            if (i == FS_BASE) return t.FsBase;
            if (i == GS_BASE) return t.GsBase;
            if (i == CS) return Cpu.UserCode;
            if (i == SS) return Cpu.UserData;
            if (i >= DS) return 0;
            InterruptFrame* x = t.IntFrame;
            if (x != null)
            {
                return i switch
                {
                    R15 => x->R15, R14 => x->R14, R13 => x->R13, R12 => x->R12, RBP => x->Rbp, RBX => x->Rbx,
                    R11 => x->R11, R10 => x->R10, R9 => x->R9, R8 => x->R8, RAX => x->Rax, RCX => x->Rcx,
                    RDX => x->Rdx, RSI => x->Rsi, RDI => x->Rdi, RIP => x->Rip, EFLAGS => x->Rflags, _ => x->Rsp,
                };
            }
            SyscallFrame* f = t.SysFrame;
            // A return through iret (rt_sigreturn, a handler's entry, a tracer's change) carries its own RCX and R11.
            bool full = t.ReturnState.Full != 0;
            return i switch
            {
                R15 => f->R15, R14 => f->R14, R13 => f->R13, R12 => f->R12, RBP => f->Rbp, RBX => f->Rbx,
                R11 => full ? t.ReturnState.R11 : f->Rflags, R10 => f->R10, R9 => f->R9, R8 => f->R8, RAX => f->Rax,
                RCX => full ? t.ReturnState.Rcx : f->Rip, RDX => f->Rdx, RSI => f->Rsi, RDI => f->Rdi,
                RIP => f->Rip, EFLAGS => f->Rflags, _ => f->Rsp,
            };
        }

        /// <summary>Changes one user register of a stopped tracee; false for a value Linux refuses.</summary>
        private static bool WriteReg(Thread t, int i, ulong v)
        {
            switch (i)
            {
                case ORIG_RAX: t.OrigRax = v; return true;
                case FS_BASE: if (v >= AddressSpace.UserEnd) return false; t.FsBase = v; return true;
                case GS_BASE: if (v >= AddressSpace.UserEnd) return false; t.GsBase = v; return true;
                case CS: return v == Cpu.UserCode;
                case SS: return v == Cpu.UserData;
                case DS: case ES: case FS: case GS: return v == 0;
                case EFLAGS: v = (v & UserFlags) | 0x202; break;
                case RIP: if (v >= AddressSpace.UserEnd) return false; break;
            }
            InterruptFrame* x = t.IntFrame;
            if (x != null)
            {
                switch (i)
                {
                    case R15: x->R15 = v; break; case R14: x->R14 = v; break; case R13: x->R13 = v; break;
                    case R12: x->R12 = v; break; case RBP: x->Rbp = v; break; case RBX: x->Rbx = v; break;
                    case R11: x->R11 = v; break; case R10: x->R10 = v; break; case R9: x->R9 = v; break;
                    case R8: x->R8 = v; break; case RAX: x->Rax = v; break; case RCX: x->Rcx = v; break;
                    case RDX: x->Rdx = v; break; case RSI: x->Rsi = v; break; case RDI: x->Rdi = v; break;
                    case RIP: x->Rip = v; break; case EFLAGS: x->Rflags = v; break; case RSP: x->Rsp = v; break;
                }
                return true;
            }
            SyscallFrame* f = t.SysFrame;
            // sysret returns RCX = RIP and R11 = RFLAGS: other values of the tracer's choosing make the
            // thread return through iret (SyscallReturnState), which carries them.
            bool full = t.ReturnState.Full != 0;
            if (!full && ((i == RCX && v != f->Rip) || (i == R11 && v != f->Rflags)))
            {
                MakeFull(t);
                full = true;
            }
            switch (i)
            {
                case R15: f->R15 = v; break; case R14: f->R14 = v; break; case R13: f->R13 = v; break;
                case R12: f->R12 = v; break; case RBP: f->Rbp = v; break; case RBX: f->Rbx = v; break;
                case R10: f->R10 = v; break; case R9: f->R9 = v; break; case R8: f->R8 = v; break;
                case RAX: f->Rax = v; break; case RDX: f->Rdx = v; break; case RSI: f->Rsi = v; break; case RDI: f->Rdi = v; break;
                case RCX: if (full) t.ReturnState.Rcx = v; break;
                case R11: if (full) t.ReturnState.R11 = v; break;
                case RIP: f->Rip = v; if (full) t.ReturnState.Rip = v; break;
                case EFLAGS: f->Rflags = v; if (full) t.ReturnState.Rflags = v; break;
                case RSP: f->Rsp = v; if (full) t.ReturnState.Rsp = v; break;
            }
            return true;
        }

        /// <summary>The stopped syscall returns through iret with what sysret would have given (RCX = RIP, R11 = RFLAGS).</summary>
        private static void MakeFull(Thread t)
        {
            SyscallFrame* f = t.SysFrame;
            t.ReturnState = new SyscallReturnState.Saved { Full = 1, Rcx = f->Rip, R11 = f->Rflags, Rip = f->Rip, Cs = Cpu.UserCode, Rflags = f->Rflags, Rsp = f->Rsp, Ss = Cpu.UserData };
        }

        private static long GetRegs(Thread t, ulong user, int size)
        {
            ulong* regs = stackalloc ulong[RegCount];
            for (int i = 0; i < RegCount; i++) regs[i] = ReadReg(t, i);
            return UserMemory.CopyTo(user, regs, (ulong)size) != 0 ? -Errno.EFAULT : 0;
        }

        private static long SetRegs(Thread t, ulong user, int size)
        {
            ulong* regs = stackalloc ulong[RegCount];
            for (int i = 0; i < RegCount; i++) regs[i] = ReadReg(t, i);
            if (UserMemory.CopyFrom(regs, user, (ulong)size) != 0) return -Errno.EFAULT;
            // Check everything first: a refused value changes nothing.
            for (int i = CS; i < RegCount; i++)
            {
                if (i == EFLAGS || i == RSP) continue;
                if ((i == CS && regs[i] != Cpu.UserCode) || (i == SS && regs[i] != Cpu.UserData) ||
                    ((i == FS_BASE || i == GS_BASE) && regs[i] >= AddressSpace.UserEnd) || (i >= DS && regs[i] != 0)) return -Errno.EIO;
            }
            if (regs[RIP] >= AddressSpace.UserEnd) return -Errno.EIO;
            for (int i = 0; i < RegCount; i++) if (regs[i] != ReadReg(t, i)) WriteReg(t, i, regs[i]);
            return 0;
        }

        private static byte* FpArea(Thread t) => t.IntFrame != null ? SyscallFpu.Area(t.IntFrame) : SyscallFpu.Area(t.SysFrame);

        // The tracee is switched out: its x87 state is in t.Fx, not in the CPU (that is the tracer's).
        private static long GetFpRegs(Thread t, ulong user, int size)
        {
            byte* fx = stackalloc byte[512];
            SyscallFpu.ToFxsaveOf(t.Fx, FpArea(t), fx);
            return UserMemory.CopyTo(user, fx, (ulong)size) != 0 ? -Errno.EFAULT : 0;
        }

        private static long SetFpRegs(Thread t, ulong user, int size)
        {
            byte* fx = stackalloc byte[512];
            SyscallFpu.ToFxsaveOf(t.Fx, FpArea(t), fx);
            if (UserMemory.CopyFrom(fx, user, (ulong)size) != 0) return -Errno.EFAULT;
            SyscallFpu.FromFxsaveOf(fx, t.Fx, FpArea(t));
            return 0;
        }

        private struct IoVec { public ulong Base, Len; }

        private static long RegSet(Thread t, int type, ulong iovp, bool set)
        {
            if (UserMemory.Read(iovp, out IoVec iov) != 0) return -Errno.EFAULT;
            int full = type == NT_PRSTATUS ? RegsSize : type == NT_PRFPREG ? 512 : 0;
            if (full == 0) return -Errno.EINVAL;
            ulong len = iov.Len < (ulong)full ? iov.Len : (ulong)full;
            if (set && len != (ulong)full) return -Errno.EINVAL;          // a partial set is refused rather than half-applied
            long r = type == NT_PRSTATUS ? (set ? SetRegs(t, iov.Base, (int)len) : GetRegs(t, iov.Base, (int)len))
                                         : (set ? SetFpRegs(t, iov.Base, (int)len) : GetFpRegs(t, iov.Base, (int)len));
            if (r != 0) return r;
            iov.Len = len;
            return UserMemory.Write(iovp, iov) != 0 ? -Errno.EFAULT : 0;
        }

        private static long PeekUser(Thread t, ulong offset, ulong data)
        {
            if ((offset & 7) != 0 || offset >= UserSize) return -Errno.EIO;
            ulong v = offset < RegsSize ? ReadReg(t, (int)(offset / 8)) : 0;   // no debug registers: they read 0
            return UserMemory.Write(data, v) != 0 ? -Errno.EFAULT : 0;
        }

        private static long PokeUser(Thread t, ulong offset, ulong v)
        {
            if ((offset & 7) != 0 || offset >= UserSize) return -Errno.EIO;
            if (offset < RegsSize) return WriteReg(t, (int)(offset / 8), v) ? 0 : -Errno.EIO;
            if (offset >= DebugRegOffset && v == 0) return 0;             // clearing a debug register: there are none set
            return -Errno.EIO;
        }

        // ---- signals and syscall information ------------------------------------------------

        private static long SetSigInfo(Thread t, ulong user)
        {
            byte* inf = stackalloc byte[128];
            if (UserMemory.CopyFrom(inf, user, 128) != 0) return -Errno.EFAULT;
            int sig = *(int*)inf;
            var si = new SigInfo { Code = *(int*)(inf + 8), Pid = *(int*)(inf + 16), Uid = *(int*)(inf + 20) };
            if (sig == Signal.SIGSEGV || sig == Signal.SIGBUS || sig == Signal.SIGILL || sig == Signal.SIGFPE || sig == Signal.SIGTRAP)
            {
                si.Addr = *(ulong*)(inf + 16);
                si.HasAddr = true;
            }
            else if (sig == Signal.SIGCHLD) si.Status = *(int*)(inf + 24);
            t.PtraceInfo = si;
            t.PtraceInfoSig = sig;
            return 0;
        }

        /// <summary>PTRACE_GET_SYSCALL_INFO: what a syscall-stop (with PTRACE_O_TRACESYSGOOD) is about; returns the full size.</summary>
        private static long SyscallInfo(Thread t, ulong userSize, ulong user)
        {
            byte* info = stackalloc byte[88];
            Mem.Zero(info, 88);
            *(uint*)(info + 4) = 0xC000003E;                              // AUDIT_ARCH_X86_64
            *(ulong*)(info + 8) = ReadReg(t, RIP);
            *(ulong*)(info + 16) = ReadReg(t, RSP);
            ulong size = 4;                                               // op NONE: up to the arch field
            bool sysgood = (t.PtraceOptions & Kernel.Ptrace.O_TRACESYSGOOD) != 0;
            if (sysgood && t.PtraceStopKind == Kernel.Ptrace.StopSyscallEntry)
            {
                info[0] = 1;
                *(ulong*)(info + 24) = t.OrigRax;
                *(ulong*)(info + 32) = ReadReg(t, RDI);
                *(ulong*)(info + 40) = ReadReg(t, RSI);
                *(ulong*)(info + 48) = ReadReg(t, RDX);
                *(ulong*)(info + 56) = ReadReg(t, R10);
                *(ulong*)(info + 64) = ReadReg(t, R8);
                *(ulong*)(info + 72) = ReadReg(t, R9);
                size = 80;
            }
            else if (sysgood && t.PtraceStopKind == Kernel.Ptrace.StopSyscallExit)
            {
                info[0] = 2;
                long rval = (long)ReadReg(t, RAX);
                *(long*)(info + 24) = rval;
                info[32] = (byte)(rval < 0 && rval >= -4095 ? 1 : 0);
                size = 33;
            }
            ulong n = userSize < size ? userSize : size;
            return UserMemory.CopyTo(user, info, n) != 0 ? -Errno.EFAULT : (long)size;
        }
    }
}
