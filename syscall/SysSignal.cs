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
