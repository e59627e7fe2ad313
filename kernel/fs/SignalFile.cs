// signalfd: a descriptor that reads pending signals of its mask as 128-byte signalfd_siginfo
// records (the signals are meant to be blocked; reading takes them like sigtimedwait would).
using Kernel.Memory;
using Kernel.Syscalls;

namespace Kernel.Fs
{
    internal sealed unsafe class SignalFile : File
    {
        public override long Seek(long offset, int whence) => 0;      // noop_llseek, as Linux: lseek succeeds and nothing moves

        public override string AnonName => "[signalfd]";
        public ulong Mask;
        private const int RecordSize = 128;

        public override long Read(byte* dst, long n)
        {
            if (n < RecordSize) return -Errno.EINVAL;
            long done = 0;
            while (done + RecordSize <= n)
            {
                int sig = SignalDelivery.NextOf(Mask, out bool threadDirected);
                if (sig == 0)
                {
                    if (done > 0) break;
                    if ((Flags & OpenFlags.O_NONBLOCK) != 0) return -Errno.EAGAIN;
                    Thread t = Thread.Current;
                    t.SigWaitMask = Mask;
                    int w = Scheduler.Sleep(PollWait.Queue, 0);
                    t.SigWaitMask = 0;
                    if (w == Scheduler.Interrupted && SignalDelivery.NextOf(Mask, out _) == 0) return -Errno.ERESTARTSYS;
                    continue;
                }
                SigInfo si = SignalDelivery.Take(sig, threadDirected);
                byte* r = dst + done;
                Mem.Zero(r, RecordSize);
                *(uint*)r = (uint)sig;                                   // ssi_signo
                *(int*)(r + 8) = si.Code;                                // ssi_code
                *(uint*)(r + 12) = (uint)si.Pid;                         // ssi_pid
                *(uint*)(r + 16) = (uint)si.Uid;                         // ssi_uid
                if (sig == Signal.SIGCHLD) *(int*)(r + 40) = si.Status;  // ssi_status
                if (si.HasAddr)
                {
                    *(int*)(r + 44) = (int)si.Addr;                      // ssi_int
                    *(ulong*)(r + 48) = si.Addr;                         // ssi_ptr
                    *(ulong*)(r + 72) = si.Addr;                         // ssi_addr
                }
                done += RecordSize;
            }
            return done;
        }

        public override long Write(byte* src, long n) => -Errno.EINVAL;

        public override short Poll()
        {
            Thread t = Thread.Current;
            return ((t.Pending | t.Process.Pending) & Mask) != 0 ? PollBits.POLLIN : (short)0;
        }

        /// <summary>signalfd(fd, mask, size) and signalfd4(..., flags): a new descriptor (fd -1) or a new mask for one.</summary>
        public static long Create(int fd, ulong umask, ulong size, int flags)
        {
            if (size != 8) return -Errno.EINVAL;
            if ((flags & ~(OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC)) != 0) return -Errno.EINVAL;
            if (UserMemory.Read(umask, out ulong mask) != 0) return -Errno.EFAULT;
            mask &= ~SignalDelivery.Unblockable;
            if (fd != -1)
            {
                if (!(FdTable.Get(fd) is SignalFile existing)) return FdTable.Get(fd) == null ? -Errno.EBADF : -Errno.EINVAL;
                existing.Mask = mask;
                return fd;
            }
            var sf = new SignalFile { Mask = mask, Flags = OpenFlags.O_RDONLY | (flags & OpenFlags.O_NONBLOCK) };
            int r = FdTable.Install(sf, 0, (flags & OpenFlags.O_CLOEXEC) != 0);
            if (r < 0) FdTable.Release(sf);
            return r;
        }

        public static long Signalfd(Syscalls.SyscallFrame* f) => Create((int)f->A0, f->A1, f->A2, 0);
        public static long Signalfd4(Syscalls.SyscallFrame* f) => Create((int)f->A0, f->A1, f->A2, (int)f->A3);
    }
}
