// What every socket does, whatever its family: the operations the socket syscalls (syscall/SysSocket.cs)
// call with kernel buffers. Families override what they support; the rest answers as Linux does for a
// socket that cannot do it. Addresses cross this boundary as kernel copies of struct sockaddr.
namespace Kernel.Fs
{
    internal static class SocketConst
    {
        public const int AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16;
        public const int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_SEQPACKET = 5, SOCK_TYPE_MASK = 0xF,
            SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
        public const int MSG_OOB = 1, MSG_PEEK = 2, MSG_DONTROUTE = 4, MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40, MSG_EOR = 0x80,
            MSG_WAITALL = 0x100, MSG_NOSIGNAL = 0x4000, MSG_MORE = 0x8000, MSG_CMSG_CLOEXEC = 0x40000000;
        public const int SOL_SOCKET = 1, IPPROTO_IP = 0, IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_IPV6 = 41;
        public const int SO_DEBUG = 1, SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4, SO_DONTROUTE = 5, SO_BROADCAST = 6,
            SO_SNDBUF = 7, SO_RCVBUF = 8, SO_KEEPALIVE = 9, SO_OOBINLINE = 10, SO_LINGER = 13, SO_REUSEPORT = 15,
            SO_PASSCRED = 16, SO_PEERCRED = 17, SO_RCVLOWAT = 18, SO_SNDLOWAT = 19, SO_RCVTIMEO = 20, SO_SNDTIMEO = 21,
            SO_ACCEPTCONN = 30, SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33, SO_PROTOCOL = 38, SO_DOMAIN = 39;
        public const int TCP_NODELAY = 1, TCP_MAXSEG = 2, TCP_CORK = 3, TCP_KEEPIDLE = 4, TCP_KEEPINTVL = 5, TCP_KEEPCNT = 6,
            TCP_DEFER_ACCEPT = 9, TCP_INFO = 11, TCP_QUICKACK = 12, TCP_FASTOPEN = 23;
        public const int IP_TOS = 1, IP_TTL = 2, IP_RECVERR = 11, IPV6_V6ONLY = 26, IPV6_UNICAST_HOPS = 16, IPV6_RECVERR = 25, IPV6_TCLASS = 67;
        public const int MaxAddress = 128;   // sizeof(struct sockaddr_storage)
    }

    /// <summary>struct ucred: who sent a message (SCM_CREDENTIALS, SO_PEERCRED).</summary>
    internal struct Ucred
    {
        public int Pid, Uid, Gid;

        /// <summary>The caller as SCM_CREDENTIALS names a sender (real ids) or SO_PEERCRED a peer (effective ids).</summary>
        public static Ucred OfCaller(bool effective)
        {
            Credentials c = Credentials.Current;
            return new Ucred { Pid = Process.Current.Pid, Uid = (int)(effective ? c.Euid : c.Uid), Gid = (int)(effective ? c.Egid : c.Gid) };
        }
    }

    internal abstract unsafe class SocketFile : File
    {
        public int Domain, Type, Protocol;
        public bool PassCred;                                  // SO_PASSCRED: recvmsg adds SCM_CREDENTIALS
        public ulong ReceiveTimeoutNs, SendTimeoutNs;      // SO_RCVTIMEO / SO_SNDTIMEO (0: none)
        /// <summary>The socket's inode number in sockfs (fstat, "socket:[N]" in /proc/PID/fd).</summary>
        public readonly ulong Ino = ++s_lastIno;
        private static ulong s_lastIno = 10000;

        public bool NonBlocking => (Flags & OpenFlags.O_NONBLOCK) != 0;

        /// <summary>The SO_RCVTIMEO deadline of a receive starting now (0: none).</summary>
        protected ulong ReceiveDeadline() => ReceiveTimeoutNs == 0 ? 0 : Drivers.Tsc.MonotonicNs() + ReceiveTimeoutNs;

        /// <summary>
        /// One wait for input: -EAGAIN at once when non-blocking (or MSG_DONTWAIT); else sleeps until a
        /// poll wake-up (0: look again), the deadline (-EAGAIN) or a signal (-ERESTARTSYS).
        /// </summary>
        protected long WaitForInput(int flags, ulong deadline)
        {
            if (NonBlocking || (flags & SocketConst.MSG_DONTWAIT) != 0) return -Errno.EAGAIN;
            int w = Scheduler.Sleep(PollWait.Queue, deadline);
            return w == Scheduler.Interrupted ? -Errno.ERESTARTSYS : w == Scheduler.TimedOut ? -Errno.EAGAIN : 0;
        }

        public virtual long Bind(byte* addr, int len) => -Errno.EOPNOTSUPP;
        public virtual long Listen(int backlog) => -Errno.EOPNOTSUPP;
        /// <summary>One connection from the queue (blocking unless <paramref name="nonblock"/>), or -errno.</summary>
        public virtual SocketFile Accept(bool nonblock, out long error) { error = -Errno.EOPNOTSUPP; return null; }
        public virtual long Connect(byte* addr, int len) => -Errno.EOPNOTSUPP;
        /// <summary>Sends from kernel memory; <paramref name="addr"/> null when none was given.</summary>
        public virtual long SendTo(byte* src, long n, int flags, byte* addr, int addrLen) => Write(src, n);
        /// <summary>Receives into kernel memory; fills <paramref name="addr"/> (MaxAddress bytes) and *addrLen when not null.</summary>
        public virtual long ReceiveFrom(byte* dst, long n, int flags, byte* addr, int* addrLen)
        {
            if (addrLen != null) *addrLen = 0;
            return Read(dst, n);
        }
        public virtual long Shutdown(int how) => -Errno.ENOTCONN;
        /// <summary>The local (or, with <paramref name="peer"/>, the remote) address into <paramref name="addr"/> (MaxAddress bytes); its length, or -errno.</summary>
        public virtual long GetName(bool peer, byte* addr) { *(ushort*)addr = (ushort)Domain; return 2; }
        /// <summary>Options this family handles; the syscall layer handles the generic SOL_SOCKET ones first.</summary>
        public virtual long GetOption(int level, int name, byte* value, int* len) => -Errno.ENOPROTOOPT;
        public virtual long SetOption(int level, int name, byte* value, int len) => -Errno.ENOPROTOOPT;
        public virtual int PendingError() => 0;
        /// <summary>Every socket answers the interface queries (SIOCGIFCONF, SIOCGIFADDR, ...), as on Linux.</summary>
        public override long Ioctl(uint request, ulong arg) => Interfaces.Ioctl(request, arg);
        public virtual bool Listening => false;
        /// <summary>For a datagram socket: whether each receive returns one whole message (MSG_TRUNC applies).</summary>
        /// <summary>Message boundaries are kept (datagram, raw, sequenced-packet): one send is one receive.</summary>
        public bool IsDatagram => Type == SocketConst.SOCK_DGRAM || Type == SocketConst.SOCK_RAW || Type == SocketConst.SOCK_SEQPACKET;
    }
}
