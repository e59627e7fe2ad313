// AF_UNIX socket pairs (socketpair): two unnamed UnixSockets connected to each other (a stream
// pair's bytes go through two SocketPairEnd pipes, one per direction, as an accepted connection's
// do, so descriptors can travel with them); eventfd lives here too.
using Kernel.Memory;
using Kernel.Syscalls;

namespace Kernel.Fs
{
    internal sealed unsafe class SocketPairEnd : SocketFile
    {
        public readonly Pipe In, Out;
        public bool ReadShut, WriteShut;
        private readonly Ucred _peerCred = Ucred.OfCaller(true); // SO_PEERCRED: both ends name the process that made the pair

        public SocketPairEnd(Pipe input, Pipe output, int flags)
        {
            In = input; Out = output; Flags = flags; In.Refs++; Out.Refs++;
            Domain = SocketConst.AF_UNIX; Type = SocketConst.SOCK_STREAM;
        }

        public override long Read(byte* dst, long n) => ReceiveFrom(dst, n, 0, null, null);
        public override long Write(byte* src, long n) => SendTo(src, n, 0, null, 0);

        public override long ReceiveFrom(byte* dst, long n, int flags, byte* addr, int* addrLen)
        {
            if (addrLen != null) *addrLen = 0;
            bool nonblock = NonBlocking || (flags & SocketConst.MSG_DONTWAIT) != 0;
            fixed (bool* shut = &ReadShut) return In.Read(dst, n, nonblock, shut);
        }

        public override long SendTo(byte* src, long n, int flags, byte* addr, int addrLen)
        {
            if (addr != null) return -Errno.EISCONN;
            bool nonblock = NonBlocking || (flags & SocketConst.MSG_DONTWAIT) != 0;
            fixed (bool* shut = &WriteShut) return Out.Write(src, n, nonblock, shut);
        }

        public override long GetName(bool peer, byte* addr) { *(ushort*)addr = SocketConst.AF_UNIX; return 2; }

        public override long GetOption(int level, int name, byte* value, int* len)
        {
            if (level == SocketConst.SOL_SOCKET && name == SocketConst.SO_PEERCRED)
            {
                *(Ucred*)value = _peerCred;
                *len = 12;
                return 0;
            }
            if (level != SocketConst.SOL_SOCKET || (name != SocketConst.SO_SNDBUF && name != SocketConst.SO_RCVBUF)) return -Errno.ENOPROTOOPT;
            *(int*)value = Pipe.DefaultSize;
            *len = 4;
            return 0;
        }

        public override short Poll()
        {
            short r = 0;
            if (In.Count > 0 || In.Writers == 0 || ReadShut) r |= PollBits.POLLIN;
            if (!WriteShut && Out.Readers > 0 && Out.Count < Out.Capacity) r |= PollBits.POLLOUT;
            if (In.Writers == 0 && Out.Readers == 0) r |= PollBits.POLLHUP;
            return r;
        }

        public override long Available() => In.Count;
        public override ulong InputEvents => In.InputEvents;

        public override long Shutdown(int how)
        {
            if (how == 0 || how == 2) { ReadShut = true; In.InputEvents++; }
            if ((how == 1 || how == 2) && !WriteShut) { WriteShut = true; Out.Writers--; Out.InputEvents++; }
            In.Changed();
            Out.Changed();
            return 0;
        }

        // Each pipe is freed by the last end that holds it, whatever shutdowns came before.
        public override void OnLastClose()
        {
            In.Readers--;
            if (!WriteShut) { Out.Writers--; Out.InputEvents++; }
            if (--In.Refs == 0) { In.Free(); Runtime.Allocator.Free(In); } else In.Changed();
            if (--Out.Refs == 0) { Out.Free(); Runtime.Allocator.Free(Out); } else Out.Changed();
        }
    }

    /// <summary>eventfd: a 64-bit counter; read returns and clears it (or decrements by one in semaphore mode).</summary>
    internal sealed unsafe class EventFile : File
    {
        public override long Seek(long offset, int whence) => 0;      // noop_llseek, as Linux: lseek succeeds and nothing moves

        public override string AnonName => "[eventfd]";
        public ulong Counter;
        public bool Semaphore;
        private ulong _wakeups;                    // every change wakes its one queue on Linux, reads too
        public override ulong InputEvents => _wakeups;

        public override long Read(byte* dst, long n)
        {
            if (n < 8) return -Errno.EINVAL;
            while (Counter == 0)
            {
                if ((Flags & OpenFlags.O_NONBLOCK) != 0) return -Errno.EAGAIN;
                if (Scheduler.Sleep(PollWait.Queue, 0) == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
            }
            ulong v = Semaphore ? 1 : Counter;
            Counter -= v;
            *(ulong*)dst = v;
            _wakeups++;
            PollWait.Changed();
            return 8;
        }

        public override long Write(byte* src, long n)
        {
            if (n < 8) return -Errno.EINVAL;
            ulong v = *(ulong*)src;
            if (v == ulong.MaxValue) return -Errno.EINVAL;
            if (Counter + v >= ulong.MaxValue || Counter + v < Counter) return -Errno.EAGAIN;
            Counter += v;
            _wakeups++;
            PollWait.Changed();
            return 8;
        }

        public override short Poll() =>
            (short)((Counter > 0 ? PollBits.POLLIN : 0) | (Counter < ulong.MaxValue - 1 ? PollBits.POLLOUT : 0));

        /// <summary>The kernel adds one (an aio completion with IOCB_FLAG_RESFD, Linux's eventfd_signal): never fails, saturates.</summary>
        public void Signal()
        {
            if (Counter < ulong.MaxValue) Counter++;
            _wakeups++;
            PollWait.Changed();
        }
    }

    /// <summary>socketpair, eventfd and getgroups; the other socket calls are in syscall/SysSocket.cs.</summary>
    internal static unsafe class Sockets
    {
        public static long Socketpair(SyscallFrame* f)
        {
            int domain = (int)f->A0, type = (int)f->A1, kind = type & SocketConst.SOCK_TYPE_MASK;
            if ((type & ~(SocketConst.SOCK_TYPE_MASK | SocketConst.SOCK_NONBLOCK | SocketConst.SOCK_CLOEXEC)) != 0) return -Errno.EINVAL;
            // Internet sockets exist but cannot be made in pairs (sock_no_socketpair); other families are unknown.
            if (domain == SocketConst.AF_INET || domain == SocketConst.AF_INET6) return -Errno.EOPNOTSUPP;
            if (domain != SocketConst.AF_UNIX) return -Errno.EAFNOSUPPORT;
            if (kind != SocketConst.SOCK_STREAM && kind != SocketConst.SOCK_DGRAM && kind != SocketConst.SOCK_SEQPACKET) return -Errno.EOPNOTSUPP;
            if ((int)f->A2 != 0 && (int)f->A2 != SocketConst.AF_UNIX) return -Errno.EPROTONOSUPPORT;
            if (!AddressSpace.IsUserRange(f->A3, 8, true)) return -Errno.EFAULT;
            int flags = OpenFlags.O_RDWR | ((type & SocketConst.SOCK_NONBLOCK) != 0 ? OpenFlags.O_NONBLOCK : 0);
            var ua = new UnixSocket(kind, flags & OpenFlags.O_NONBLOCK);
            var ub = new UnixSocket(kind, flags & OpenFlags.O_NONBLOCK);
            UnixSocket.Pair(ua, ub);
            SocketFile a = ua, b = ub;
            bool cloexec = (type & SocketConst.SOCK_CLOEXEC) != 0;
            int fa = FdTable.Install(a, 0, cloexec);
            if (fa < 0) { FdTable.Release(a); FdTable.Release(b); return fa; }
            int fb = FdTable.Install(b, 0, cloexec);
            if (fb < 0) { FdTable.Close(fa); FdTable.Release(b); return fb; }
            int* pair = stackalloc int[2];
            pair[0] = fa; pair[1] = fb;
            if (UserMemory.CopyTo(f->A3, pair, 8) != 0) { FdTable.Close(fa); FdTable.Close(fb); return -Errno.EFAULT; }
            return 0;
        }

        public static long Eventfd(SyscallFrame* f) => MakeEvent((uint)f->A0, 0);
        public static long Eventfd2(SyscallFrame* f) => MakeEvent((uint)f->A0, (int)f->A1);

        private static long MakeEvent(uint initial, int flags)
        {
            const int EFD_SEMAPHORE = 1;
            if ((flags & ~(EFD_SEMAPHORE | OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK)) != 0) return -Errno.EINVAL;
            var ev = new EventFile { Counter = initial, Semaphore = (flags & EFD_SEMAPHORE) != 0, Flags = OpenFlags.O_RDWR | (flags & OpenFlags.O_NONBLOCK) };
            int fd = FdTable.Install(ev, 0, (flags & OpenFlags.O_CLOEXEC) != 0);
            if (fd < 0) FdTable.Release(ev);
            return fd;
        }

    }
}
