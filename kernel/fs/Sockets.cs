// AF_UNIX stream socket pairs (socketpair): two pipes, one per direction. There is no network
// stack yet, so socket() itself fails with EAFNOSUPPORT for every family; eventfd lives here too.
using Kernel.Memory;
using Kernel.Syscalls;

namespace Kernel.Fs
{
    internal sealed unsafe class SocketPairEnd : File
    {
        public readonly Pipe In, Out;
        public bool ReadShut, WriteShut;

        public SocketPairEnd(Pipe input, Pipe output, int flags) { In = input; Out = output; Flags = flags; In.Refs++; Out.Refs++; }

        public override long Read(byte* dst, long n)
        {
            fixed (bool* shut = &ReadShut) return In.Read(dst, n, (Flags & OpenFlags.O_NONBLOCK) != 0, shut);
        }

        public override long Write(byte* src, long n)
        {
            fixed (bool* shut = &WriteShut) return Out.Write(src, n, (Flags & OpenFlags.O_NONBLOCK) != 0, shut);
        }

        public override short Poll()
        {
            short r = 0;
            if (In.Count > 0 || In.Writers == 0 || ReadShut) r |= PollBits.POLLIN;
            if (!WriteShut && Out.Readers > 0 && Out.Count < Pipe.Capacity) r |= PollBits.POLLOUT;
            if (In.Writers == 0 && Out.Readers == 0) r |= PollBits.POLLHUP;
            return r;
        }

        public override long Available() => In.Count;

        public void Shutdown(int how)
        {
            if (how == 0 || how == 2) ReadShut = true;
            if ((how == 1 || how == 2) && !WriteShut) { WriteShut = true; Out.Writers--; }
            In.Changed();
            Out.Changed();
        }

        // Each pipe is freed by the last end that holds it, whatever shutdowns came before.
        public override void OnLastClose()
        {
            In.Readers--;
            if (!WriteShut) Out.Writers--;
            if (--In.Refs == 0) { In.Free(); Runtime.Allocator.Free(In); } else In.Changed();
            if (--Out.Refs == 0) { Out.Free(); Runtime.Allocator.Free(Out); } else Out.Changed();
        }
    }

    /// <summary>eventfd: a 64-bit counter; read returns and clears it (or decrements by one in semaphore mode).</summary>
    internal sealed unsafe class EventFile : File
    {
        public ulong Counter;
        public bool Semaphore;

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
            PollWait.Changed();
            return 8;
        }

        public override short Poll() =>
            (short)((Counter > 0 ? PollBits.POLLIN : 0) | (Counter < ulong.MaxValue - 1 ? PollBits.POLLOUT : 0));
    }

    internal static unsafe class Sockets
    {
        private const int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_SEQPACKET = 5, SOCK_TYPE_MASK = 0xF,
            SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;

        public static long Socket(SyscallFrame* f)
        {
            int type = (int)f->A1 & SOCK_TYPE_MASK;
            if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET && type != 3) return -Errno.EINVAL;
            return -Errno.EAFNOSUPPORT;                      // no network stack (and no named AF_UNIX sockets) yet
        }

        public static long Socketpair(SyscallFrame* f)
        {
            int domain = (int)f->A0, type = (int)f->A1;
            if (domain != AF_UNIX) return -Errno.EAFNOSUPPORT;
            if ((type & SOCK_TYPE_MASK) != SOCK_STREAM) return -Errno.EOPNOTSUPP;
            if (!AddressSpace.IsUserRange(f->A3, 8, true)) return -Errno.EFAULT;
            var ab = new Pipe();
            var ba = new Pipe();
            int flags = OpenFlags.O_RDWR | ((type & SOCK_NONBLOCK) != 0 ? OpenFlags.O_NONBLOCK : 0);
            var a = new SocketPairEnd(ba, ab, flags);
            var b = new SocketPairEnd(ab, ba, flags);
            bool cloexec = (type & SOCK_CLOEXEC) != 0;
            int fa = FdTable.Install(a, 0, cloexec);
            if (fa < 0) { FdTable.Release(a); FdTable.Release(b); return fa; }
            int fb = FdTable.Install(b, 0, cloexec);
            if (fb < 0) { FdTable.Close(fa); FdTable.Release(b); return fb; }
            int* pair = stackalloc int[2];
            pair[0] = fa; pair[1] = fb;
            if (UserMemory.CopyTo(f->A3, pair, 8) != 0) { FdTable.Close(fa); FdTable.Close(fb); return -Errno.EFAULT; }
            return 0;
        }

        private static SocketPairEnd Get(int fd, out long error)
        {
            File file = FdTable.Get(fd);
            error = file == null ? -Errno.EBADF : file is SocketPairEnd ? 0 : -Errno.ENOTSOCK;
            return file as SocketPairEnd;
        }

        // send/recv on a socket pair are write/read (addresses and most flags do not apply).
        public static long Sendto(SyscallFrame* f)
        {
            if (Get((int)f->A0, out long e) == null) return e;
            return SysFile.Write(f);
        }

        public static long Recvfrom(SyscallFrame* f)
        {
            if (Get((int)f->A0, out long e) == null) return e;
            if (f->A4 != 0 && f->A5 != 0 && UserMemory.Write(f->A5, 0) != 0) return -Errno.EFAULT;   // no peer address
            return SysFile.Read(f);
        }

        private struct MsgHdr { public ulong Name; public uint NameLen, Pad; public ulong Iov, IovLen, Control, ControlLen; public int Flags, Pad2; }

        public static long Sendmsg(SyscallFrame* f)
        {
            if (Get((int)f->A0, out long e) == null) return e;
            if (UserMemory.Read(f->A1, out MsgHdr m) != 0) return -Errno.EFAULT;
            if (m.ControlLen != 0) return -Errno.EOPNOTSUPP;                 // no SCM_RIGHTS yet
            return SysFile.VectoredIo((int)f->A0, m.Iov, (long)m.IovLen, true);
        }

        public static long Recvmsg(SyscallFrame* f)
        {
            if (Get((int)f->A0, out long e) == null) return e;
            if (UserMemory.Read(f->A1, out MsgHdr m) != 0) return -Errno.EFAULT;
            long r = SysFile.VectoredIo((int)f->A0, m.Iov, (long)m.IovLen, false);
            if (r < 0) return r;
            m.NameLen = 0; m.ControlLen = 0; m.Flags = 0;
            return UserMemory.Write(f->A1, m) != 0 ? -Errno.EFAULT : r;
        }

        public static long Shutdown(SyscallFrame* f)
        {
            SocketPairEnd s = Get((int)f->A0, out long e);
            if (s == null) return e;
            int how = (int)f->A1;
            if (how < 0 || how > 2) return -Errno.EINVAL;
            s.Shutdown(how);
            return 0;
        }

        private const int SOL_SOCKET = 1, SO_TYPE = 3, SO_ERROR = 4, SO_SNDBUF = 7, SO_RCVBUF = 8, SO_DOMAIN = 39, SO_PROTOCOL = 38, SO_ACCEPTCONN = 30;

        public static long Getsockopt(SyscallFrame* f)
        {
            if (Get((int)f->A0, out long e) == null) return e;
            if ((int)f->A1 != SOL_SOCKET) return -Errno.EOPNOTSUPP;
            int value;
            switch ((int)f->A2)
            {
                case SO_TYPE: value = SOCK_STREAM; break;
                case SO_ERROR: value = 0; break;
                case SO_SNDBUF: case SO_RCVBUF: value = Pipe.Capacity; break;
                case SO_DOMAIN: value = AF_UNIX; break;
                case SO_PROTOCOL: value = 0; break;
                case SO_ACCEPTCONN: value = 0; break;
                default: return -Errno.ENOPROTOOPT;
            }
            if (UserMemory.Read(f->A4, out uint len) != 0) return -Errno.EFAULT;
            if (len < 4) return -Errno.EINVAL;
            if (UserMemory.Write(f->A3, value) != 0 || UserMemory.Write(f->A4, 4u) != 0) return -Errno.EFAULT;
            return 0;
        }

        public static long Setsockopt(SyscallFrame* f)
        {
            if (Get((int)f->A0, out long e) == null) return e;
            return (int)f->A1 == SOL_SOCKET ? 0 : -Errno.ENOPROTOOPT;      // buffer sizes and the like: accepted, fixed
        }

        public static long Getsockname(SyscallFrame* f)
        {
            if (Get((int)f->A0, out long e) == null) return e;
            if (UserMemory.Read(f->A2, out uint len) != 0) return -Errno.EFAULT;
            ushort family = AF_UNIX;                                          // unnamed: just the family
            if (len >= 2 && UserMemory.Write(f->A1, family) != 0) return -Errno.EFAULT;
            return UserMemory.Write(f->A2, 2u) != 0 ? -Errno.EFAULT : 0;
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

        public static long Getgroups(SyscallFrame* f) => (int)f->A0 < 0 ? -Errno.EINVAL : 0;   // root, no supplementary groups
    }
}
