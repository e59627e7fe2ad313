// pidfd: a descriptor naming a process (pidfd_open, clone with CLONE_PIDFD). It is readable in poll
// once the process has exited; pidfd_send_signal signals it and pidfd_getfd copies one of its
// descriptors. It holds the pid, not the Process: pids are never reused here, so a pidfd whose
// process was reaped finds nothing (ESRCH) instead of a stranger.
using Kernel.Memory;
using Kernel.Syscalls;

namespace Kernel.Fs
{
    internal sealed unsafe class PidFile : File
    {
        public override string AnonName => "[pidfd]";
        public int Pid;

        public Process Target => Process.FindAny(Pid);

        public override long Read(byte* dst, long n) => -Errno.EINVAL;
        public override long Write(byte* src, long n) => -Errno.EINVAL;

        public override short Poll()
        {
            Process p = Target;
            return p == null || p.Zombie ? (short)(PollBits.POLLIN | PollBits.POLLHUP) : (short)0;
        }

        private const int PIDFD_NONBLOCK = OpenFlags.O_NONBLOCK;

        /// <summary>A new pidfd for <paramref name="p"/> (always close-on-exec, as Linux makes it).</summary>
        public static long Open(Process p, int flags)
        {
            var pf = new PidFile { Pid = p.Pid, Flags = OpenFlags.O_RDWR | (flags & PIDFD_NONBLOCK) };
            int fd = FdTable.Install(pf, 0, true);
            if (fd < 0) FdTable.Release(pf);
            return fd;
        }

        public static long PidfdOpen(SyscallFrame* f)
        {
            int pid = (int)f->A0, flags = (int)f->A1;
            if ((flags & ~PIDFD_NONBLOCK) != 0 || pid <= 0) return -Errno.EINVAL;
            Process p = Process.Find(pid);
            if (p == null) return Process.FindThreadAnywhere(pid) != null ? -Errno.EINVAL : -Errno.ESRCH;   // a thread, not a process
            return Open(p, flags);
        }

        public static long PidfdSendSignal(SyscallFrame* f)
        {
            // flags: at most one of PIDFD_SIGNAL_THREAD (the process's main thread), _THREAD_GROUP (the
            // process, as 0 for a process pidfd) and _PROCESS_GROUP (its process group).
            ulong flags = f->A3;
            if ((flags & ~7UL) != 0 || (flags & (flags - 1)) != 0) return -Errno.EINVAL;
            File file = FdTable.Get((int)f->A0);
            if (file == null) return -Errno.EBADF;
            if (!(file is PidFile pf)) return -Errno.EBADF;                  // pidfd_to_pid: not a pidfd
            int sig = (int)f->A1;
            Process p = pf.Target;
            var si = SigInfo.From(flags == PIDFD_SIGNAL_THREAD ? SigInfo.SI_TKILL : SigInfo.SI_USER, Process.Current.Pid);
            if (f->A2 != 0)
            {
                byte* info = stackalloc byte[128];
                if (UserMemory.CopyFrom(info, f->A2, 128) != 0) return -Errno.EFAULT;
                if (*(int*)info != sig) return -Errno.EINVAL;              // si_signo must be the signal sent
                si = new SigInfo { Code = *(int*)(info + 8), Pid = *(int*)(info + 16), Uid = *(int*)(info + 20), Addr = *(ulong*)(info + 24), HasAddr = true };
                if ((si.Code >= 0 || si.Code == SigInfo.SI_TKILL) && (p != Process.Current || flags == PIDFD_SIGNAL_PROCESS_GROUP)) return -Errno.EPERM;
            }
            if (sig < 0 || sig > Signal.NSIG) return -Errno.EINVAL;
            if (p == null || p.Zombie) return -Errno.ESRCH;
            if (!Syscalls.SignalDelivery.MayKill(p, sig)) return -Errno.EPERM;
            if (sig == 0) return 0;
            if (flags == PIDFD_SIGNAL_THREAD)
            {
                Thread t = p.FindThread(p.Pid);
                if (t == null) return -Errno.ESRCH;
                SignalDelivery.SendToThread(t, sig, si);
            }
            else if (flags == PIDFD_SIGNAL_PROCESS_GROUP) SignalDelivery.SendToGroup(p.Pgid, sig, si);
            else SignalDelivery.SendToProcess(p, sig, si);
            return 0;
        }

        private const ulong PIDFD_SIGNAL_THREAD = 1, PIDFD_SIGNAL_THREAD_GROUP = 2, PIDFD_SIGNAL_PROCESS_GROUP = 4;

        public static long PidfdGetfd(SyscallFrame* f)
        {
            if (f->A2 != 0) return -Errno.EINVAL;
            if (!(FdTable.Get((int)f->A0) is PidFile pf)) return -Errno.EBADF;   // no file, or not a pidfd
            Process p = pf.Target;
            if (p == null || p.Zombie || p.Files == null) return -Errno.ESRCH;
            if (!TaskAccess.May(p, false)) return -Errno.EPERM;
            int target = (int)f->A1;
            File file = (uint)target < (uint)p.Files.Size ? p.Files.Files[target] : null;
            if (file == null) return -Errno.EBADF;
            file.RefCount++;
            int fd = FdTable.Install(file, 0, true);
            if (fd < 0) FdTable.Release(file);
            return fd;
        }
    }
}
