// AF_INET and AF_INET6 sockets: the descriptor side of the stack's TcpSocket and UdpSocket
// (kernel/net/portable). The stack never blocks; here is where a call sleeps (on the poll wait
// queue, which the stack's Changed hook wakes) until data, space, a connection or an error
// arrives, a timeout, or a signal. An AF_INET6 socket carries IPv6 (::1, link-local addresses
// with their scope id) and, unless IPV6_V6ONLY, IPv4 under v4-mapped addresses (::ffff:a.b.c.d),
// as Linux: the stack holds IPv4 traffic as IPv4 endpoints and this file maps them.
using Kernel.Net;

namespace Kernel.Fs
{
    internal sealed unsafe class InetSocket : SocketFile
    {
        public TcpSocket Tcp;
        public UdpSocket Udp;
        private bool _listening;

        public InetSocket(int type, int flags, int domain = SocketConst.AF_INET)
        {
            Domain = domain;
            Type = type;
            Protocol = type == SocketConst.SOCK_STREAM ? SocketConst.IPPROTO_TCP : SocketConst.IPPROTO_UDP;
            Flags = OpenFlags.O_RDWR | flags;
        }

        public static InetSocket Create(int type, int flags, int domain)
        {
            var s = new InetSocket(type, flags, domain);
            if (type == SocketConst.SOCK_STREAM) s.Tcp = NetService.Stack.CreateTcp();
            else s.Udp = NetService.Stack.CreateUdp();
            if (domain == SocketConst.AF_INET6) { if (s.Tcp != null) s.Tcp.Domain6 = true; else s.Udp.Domain6 = true; }
            return s;
        }

        private static long Now => NetService.NowMs;

        /// <summary>Sleeps until the stack reports a change, the deadline, or a signal: 0, -EAGAIN (timed out) or -ERESTARTSYS/-EINTR.</summary>
        private static long Wait(ulong deadlineNs)
        {
            int r = Scheduler.Sleep(PollWait.Queue, deadlineNs);
            if (r == Scheduler.Interrupted) return deadlineNs != 0 ? -Errno.EINTR : -Errno.ERESTARTSYS;
            if (r == Scheduler.TimedOut) return -Errno.EAGAIN;
            return 0;
        }

        private static ulong Deadline(ulong timeoutNs) => timeoutNs == 0 ? 0 : Drivers.Tsc.MonotonicNs() + timeoutNs;

        private bool V6Only => Tcp != null ? Tcp.V6Only : Udp.V6Only;

        /// <summary>A sockaddr for this socket's family as an endpoint: sockaddr_in (AF_INET, also
        /// accepted by an AF_INET6 socket where Linux accepts it: connect, sendto), or sockaddr_in6:
        /// a v4-mapped address becomes IPv4 (an error on a V6ONLY socket), anything else IPv6 with
        /// the scope id kept for link-local addresses.</summary>
        private bool Parse(byte* addr, int len, bool forBind, out IpEndpoint ep, out long error)
        {
            if (Domain == SocketConst.AF_INET || (len >= 2 && *(ushort*)addr == SocketConst.AF_INET && !forBind))
                return ParseAddress(addr, len, out ep, out error);
            ep = default;
            error = 0;
            if (len < 24) { error = -Errno.EINVAL; return false; }
            if (*(ushort*)addr != SocketConst.AF_INET6) { error = forBind ? -Errno.EINVAL : -Errno.EAFNOSUPPORT; return false; }
            ushort port = (ushort)(addr[2] << 8 | addr[3]);
            Ip6Address a = Ip6Address.Read(new System.ReadOnlySpan<byte>(addr + 8, 16), 0);
            if (a.IsV4Mapped)
            {
                if (V6Only) { error = forBind ? -Errno.EINVAL : -Errno.ENETUNREACH; return false; }
                ep = new IpEndpoint((uint)a.Lo, port);
                return true;
            }
            int scope = len >= 28 && a.IsLinkLocal ? *(int*)(addr + 24) : 0;
            ep = new IpEndpoint(a, port, scope);
            return true;
        }

        public static bool ParseAddress(byte* addr, int len, out IpEndpoint ep, out long error)
        {
            ep = default;
            error = 0;
            if (len < 16) { error = -Errno.EINVAL; return false; }
            ushort family = *(ushort*)addr;
            if (family != SocketConst.AF_INET) { error = -Errno.EAFNOSUPPORT; return false; }
            ep.Port = (ushort)(addr[2] << 8 | addr[3]);
            ep.Address = (uint)(addr[4] << 24 | addr[5] << 16 | addr[6] << 8 | addr[7]);
            return true;
        }

        /// <summary>An endpoint as this socket's family writes it: sockaddr_in, or sockaddr_in6 (an
        /// IPv4 endpoint v4-mapped, 0.0.0.0 as ::; the scope id of a link-local address).</summary>
        private int Format(IpEndpoint ep, byte* addr)
        {
            if (Domain == SocketConst.AF_INET) return FormatAddress(ep, addr);
            Mem.Zero(addr, 28);
            *(ushort*)addr = SocketConst.AF_INET6;
            addr[2] = (byte)(ep.Port >> 8); addr[3] = (byte)ep.Port;
            if (ep.V6)
            {
                ep.Address6.Write(new System.Span<byte>(addr + 8, 16), 0);
                *(int*)(addr + 24) = ep.Address6.IsLinkLocal ? ep.ScopeId : 0;
            }
            else if (ep.Address != 0)
            {
                addr[18] = 0xFF; addr[19] = 0xFF;
                addr[20] = (byte)(ep.Address >> 24); addr[21] = (byte)(ep.Address >> 16); addr[22] = (byte)(ep.Address >> 8); addr[23] = (byte)ep.Address;
            }
            return 28;
        }

        public static int FormatAddress(IpEndpoint ep, byte* addr)
        {
            Mem.Zero(addr, 16);
            *(ushort*)addr = SocketConst.AF_INET;
            addr[2] = (byte)(ep.Port >> 8); addr[3] = (byte)ep.Port;
            addr[4] = (byte)(ep.Address >> 24); addr[5] = (byte)(ep.Address >> 16); addr[6] = (byte)(ep.Address >> 8); addr[7] = (byte)ep.Address;
            return 16;
        }

        public override long Bind(byte* addr, int len)
        {
            if (!Parse(addr, len, true, out IpEndpoint ep, out long e)) return e;
            // Ports below net.ipv4.ip_unprivileged_port_start (1024) need CAP_NET_BIND_SERVICE.
            if (ep.Port != 0 && ep.Port < 1024 && !Credentials.Current.Capable(Cap.NET_BIND_SERVICE)) return -Errno.EACCES;
            return Tcp != null ? Tcp.Bind(ep) : Udp.Bind(ep);
        }

        public override long Listen(int backlog)
        {
            if (Tcp == null) return -Errno.EOPNOTSUPP;
            if (backlog < 0 || backlog > 4096) backlog = 4096;
            long r = Tcp.Listen(backlog);
            if (r == 0 && !_listening)
            {
                _listening = true;
                NetService.AnnounceListen(Tcp.Local, true);
            }
            return r;
        }

        public override bool Listening => _listening;

        public override SocketFile Accept(bool nonblock, out long error)
        {
            if (Tcp == null) { error = -Errno.EOPNOTSUPP; return null; }
            ulong deadline = Deadline(ReceiveTimeoutNs);
            while (true)
            {
                int err;
                TcpSocket child = Tcp.Accept(out err);
                NetService.Flush();
                if (child != null)
                {
                    error = 0;
                    var s = new InetSocket(SocketConst.SOCK_STREAM, 0, Domain) { Tcp = child };
                    return s;
                }
                if (err != -Errno.EAGAIN || nonblock || NonBlocking) { error = err; return null; }
                long w = Wait(deadline);
                if (w != 0) { error = w; return null; }
            }
        }

        public override long Connect(byte* addr, int len)
        {
            if (!Parse(addr, len, false, out IpEndpoint ep, out long e))
            {
                // connect(AF_UNSPEC) dissolves a UDP association.
                if (Udp != null && len >= 2 && *(ushort*)addr == 0) { Udp.Connect(default); return 0; }
                return e;
            }
            if (Udp != null) { long u = Udp.Connect(ep); NetService.Flush(); return u; }
            long r = Tcp.Connect(ep, Now);
            NetService.Flush();
            if (r != -Errno.EINPROGRESS || NonBlocking) return r;
            ulong deadline = Deadline(SendTimeoutNs);
            while (true)
            {
                int ev = Tcp.PollEvents;
                if ((ev & (PollBits.POLLOUT | PollBits.POLLERR | PollBits.POLLHUP)) != 0)
                {
                    int err = Tcp.TakeError();
                    if (err != 0) return err;
                    return (ev & PollBits.POLLOUT) != 0 ? 0 : -Errno.ECONNREFUSED;
                }
                long w = Wait(deadline);
                if (w == -Errno.EAGAIN) return -Errno.EINPROGRESS;
                if (w != 0) return w == -Errno.ERESTARTSYS ? -Errno.EINTR : w;   // Linux: connect is never restarted
            }
        }

        public override long Read(byte* dst, long n) => ReceiveFrom(dst, n, 0, null, null);
        public override long Write(byte* src, long n) => SendTo(src, n, 0, null, 0);

        public override long SendTo(byte* src, long n, int flags, byte* addr, int addrLen)
        {
            bool nonblock = NonBlocking || (flags & SocketConst.MSG_DONTWAIT) != 0;
            ulong deadline = Deadline(SendTimeoutNs);
            if (Udp != null)
            {
                IpEndpoint to = default;                    // the connected peer (its port may be 0)
                if (addr != null)
                {
                    if (!Parse(addr, addrLen, false, out to, out long e)) return e;
                }
                else if (!Udp.IsConnected) return -Errno.EDESTADDRREQ;
                while (true)
                {
                    long r = Udp.SendTo(new System.ReadOnlySpan<byte>(src, (int)n), to, Now);
                    NetService.Flush();
                    if (r != -Errno.EAGAIN || nonblock) return r;
                    long w = Wait(deadline);
                    if (w != 0) return w;
                }
            }
            if (addr != null && Tcp.State == TcpState.Closed) return -Errno.ENOTCONN;
            long done = 0;
            bool cork = (flags & SocketConst.MSG_MORE) != 0;
            bool oldCork = Tcp.Cork;
            if (cork) Tcp.Cork = true;
            while (done < n)
            {
                long r = Tcp.Send(new System.ReadOnlySpan<byte>(src + done, (int)(n - done)), Now);
                NetService.Flush();
                if (r > 0) { done += r; continue; }
                if (r == -Errno.EAGAIN && !nonblock)
                {
                    long w = Wait(deadline);
                    if (w == 0) continue;
                    r = w;
                }
                if (cork) Tcp.Cork = oldCork;
                if (done > 0) return done;
                if (r == -Errno.EPIPE && (flags & SocketConst.MSG_NOSIGNAL) == 0) Syscalls.SignalDelivery.RaisePipe();
                return r;
            }
            if (cork) Tcp.Cork = oldCork;
            return done;
        }

        public override long ReceiveFrom(byte* dst, long n, int flags, byte* addr, int* addrLen)
        {
            bool nonblock = NonBlocking || (flags & SocketConst.MSG_DONTWAIT) != 0;
            bool peek = (flags & SocketConst.MSG_PEEK) != 0;
            ulong deadline = Deadline(ReceiveTimeoutNs);
            if (addrLen != null) *addrLen = 0;
            if (Udp != null)
            {
                while (true)
                {
                    long r = Udp.ReceiveFrom(new System.Span<byte>(dst, (int)n), out IpEndpoint from, peek, out int full);
                    NetService.Flush();
                    if (r >= 0)
                    {
                        if (addr != null && addrLen != null) *addrLen = Format(from, addr);
                        return (flags & SocketConst.MSG_TRUNC) != 0 ? full : r;
                    }
                    if (r != -Errno.EAGAIN || nonblock) return r;
                    long w = Wait(deadline);
                    if (w != 0) return w;
                }
            }
            if (_listening) return -Errno.ENOTCONN;
            if ((flags & SocketConst.MSG_OOB) != 0) return -Errno.EINVAL;     // no urgent byte is ever held (tcp_recv_urg)
            long done = 0;
            bool waitAll = (flags & SocketConst.MSG_WAITALL) != 0 && !peek;
            while (true)
            {
                long r = Tcp.Receive(new System.Span<byte>(dst + done, (int)(n - done)), peek, Now);
                NetService.Flush();
                if (r > 0)
                {
                    done += r;
                    if (!waitAll || done == n) break;
                    continue;
                }
                if (r == 0) break;                                  // end of stream
                if (r == -Errno.EAGAIN && !nonblock)
                {
                    long w = Wait(deadline);
                    if (w == 0) continue;
                    r = w;
                }
                if (done > 0) break;
                return r;
            }
            if (done > 0 && addr != null && addrLen != null) *addrLen = Format(Tcp.Remote, addr);
            return done;
        }

        public override long Shutdown(int how)
        {
            if (Tcp == null) return Udp.IsConnected ? 0 : -Errno.ENOTCONN;
            long r = Tcp.Shutdown(how, Now);
            NetService.Flush();
            return r;
        }

        public override long GetName(bool peer, byte* addr)
        {
            if (peer)
            {
                IpEndpoint remote = Tcp != null ? Tcp.Remote : Udp.Remote;
                if (remote.Port == 0 || (Tcp != null && (Tcp.State == TcpState.Closed || Tcp.State == TcpState.Listen || Tcp.State == TcpState.SynSent)))
                    return -Errno.ENOTCONN;
                return Format(remote, addr);
            }
            return Format(Tcp != null ? Tcp.Local : Udp.Local, addr);
        }

        public override int PendingError() => Tcp != null ? Tcp.TakeError() : 0;

        public override short Poll()
        {
            int ev = Tcp != null ? Tcp.PollEvents : Udp.PollEvents;
            return (short)ev;
        }

        public override long Available() => Tcp != null ? Tcp.BytesAvailable : Udp.NextDatagramLength;
        public override ulong InputEvents => Tcp != null ? Tcp.InputEvents : Udp.InputEvents;

        public override long GetOption(int level, int name, byte* value, int* len)
        {
            int v;
            if (level == SocketConst.SOL_SOCKET)
            {
                switch (name)
                {
                    case SocketConst.SO_REUSEADDR: v = Tcp != null ? (Tcp.ReuseAddress ? 1 : 0) : 0; break;
                    case SocketConst.SO_REUSEPORT: v = Tcp != null && Tcp.ReusePort ? 1 : 0; break;
                    case SocketConst.SO_KEEPALIVE: v = Tcp != null && Tcp.KeepAlive ? 1 : 0; break;
                    case SocketConst.SO_BROADCAST: v = Udp != null && Udp.Broadcast ? 1 : 0; break;
                    case SocketConst.SO_RCVBUF: v = 2 * (Tcp != null ? Tcp.ReceiveBufferSize : Udp.ReceiveBufferSize); break;
                    case SocketConst.SO_SNDBUF: v = 2 * (Tcp != null ? Tcp.SendBufferSize : 212992 / 2); break;
                    case SocketConst.SO_LINGER:
                        if (*len < 8) return -Errno.EINVAL;
                        ((int*)value)[0] = Tcp != null && Tcp.LingerOn ? 1 : 0;
                        ((int*)value)[1] = Tcp != null ? Tcp.LingerSeconds : 0;
                        *len = 8;
                        return 0;
                    default: return -Errno.ENOPROTOOPT;
                }
            }
            else if (level == SocketConst.IPPROTO_TCP && Tcp != null)
            {
                switch (name)
                {
                    case SocketConst.TCP_NODELAY: v = Tcp.NoDelay ? 1 : 0; break;
                    case SocketConst.TCP_CORK: v = Tcp.Cork ? 1 : 0; break;
                    case SocketConst.TCP_KEEPIDLE: v = Tcp.KeepIdleSec; break;
                    case SocketConst.TCP_KEEPINTVL: v = Tcp.KeepIntervalSec; break;
                    case SocketConst.TCP_KEEPCNT: v = Tcp.KeepCount; break;
                    case SocketConst.TCP_MAXSEG: v = 1460; break;
                    case SocketConst.TCP_INFO:
                    {
                        if (*len < TcpSocket.InfoSize) return -Errno.EINVAL;           // the caller's buffer: it copies what the user asked for
                        Mem.Zero(value, TcpSocket.InfoSize);
                        Tcp.WriteInfo(value);
                        *len = TcpSocket.InfoSize;
                        return 0;
                    }
                    default: return -Errno.ENOPROTOOPT;
                }
            }
            else if (level == SocketConst.IPPROTO_IP)
            {
                switch (name)
                {
                    case SocketConst.IP_TOS: v = 0; break;
                    case SocketConst.IP_TTL: v = 64; break;
                    default: return -Errno.ENOPROTOOPT;
                }
            }
            else if (level == SocketConst.IPPROTO_IPV6 && Domain == SocketConst.AF_INET6)
            {
                switch (name)
                {
                    case SocketConst.IPV6_V6ONLY: v = V6Only ? 1 : 0; break;
                    case SocketConst.IPV6_UNICAST_HOPS: v = 64; break;
                    default: return -Errno.ENOPROTOOPT;
                }
            }
            else return Domain == SocketConst.AF_INET ? -Errno.EOPNOTSUPP : -Errno.ENOPROTOOPT;   // ip_getsockopt vs ipv6_getsockopt on another level
            if (*len < 4) return -Errno.EINVAL;
            *(int*)value = v;
            *len = 4;
            return 0;
        }

        public override long SetOption(int level, int name, byte* value, int len)
        {
            if (level == SocketConst.SOL_SOCKET && name == SocketConst.SO_LINGER)
            {
                if (len < 8) return -Errno.EINVAL;
                if (Tcp != null) { Tcp.LingerOn = ((int*)value)[0] != 0; Tcp.LingerSeconds = ((int*)value)[1]; }
                return 0;
            }
            if (len < 4) return -Errno.EINVAL;
            int v = *(int*)value;
            if (level == SocketConst.SOL_SOCKET)
            {
                switch (name)
                {
                    case SocketConst.SO_REUSEADDR: if (Tcp != null) Tcp.ReuseAddress = v != 0; return 0;
                    case SocketConst.SO_REUSEPORT: if (Tcp != null) Tcp.ReusePort = v != 0; return 0;
                    case SocketConst.SO_KEEPALIVE: if (Tcp != null) Tcp.KeepAlive = v != 0; return 0;
                    case SocketConst.SO_BROADCAST: if (Udp != null) Udp.Broadcast = v != 0; return 0;
                    case SocketConst.SO_RCVBUF: case SocketConst.SO_RCVBUFFORCE:
                        v = Clamp(v);
                        if (Tcp != null) Tcp.ReceiveBufferSize = v; else Udp.ReceiveBufferSize = v;
                        return 0;
                    case SocketConst.SO_SNDBUF: case SocketConst.SO_SNDBUFFORCE:
                        if (Tcp != null) Tcp.SendBufferSize = Clamp(v);
                        return 0;
                    default: return -Errno.ENOPROTOOPT;
                }
            }
            if (level == SocketConst.IPPROTO_TCP && Tcp != null)
            {
                switch (name)
                {
                    case SocketConst.TCP_NODELAY: Tcp.NoDelay = v != 0; NetService.Flush(); return 0;
                    case SocketConst.TCP_CORK: Tcp.Cork = v != 0; NetService.Flush(); return 0;
                    case SocketConst.TCP_KEEPIDLE: if (v < 1 || v > 32767) return -Errno.EINVAL; Tcp.KeepIdleSec = v; return 0;
                    case SocketConst.TCP_KEEPINTVL: if (v < 1 || v > 32767) return -Errno.EINVAL; Tcp.KeepIntervalSec = v; return 0;
                    case SocketConst.TCP_KEEPCNT: if (v < 1 || v > 127) return -Errno.EINVAL; Tcp.KeepCount = v; return 0;
                    case SocketConst.TCP_DEFER_ACCEPT: case SocketConst.TCP_QUICKACK: case SocketConst.TCP_FASTOPEN: case SocketConst.TCP_MAXSEG:
                        return 0;                                   // hints: behaviour without them is correct
                    default: return -Errno.ENOPROTOOPT;
                }
            }
            if (level == SocketConst.IPPROTO_IP && (name == SocketConst.IP_TOS || name == SocketConst.IP_TTL || name == SocketConst.IP_RECVERR)) return 0;
            if (level == SocketConst.IPPROTO_IPV6 && Domain == SocketConst.AF_INET6)
            {
                if (name == SocketConst.IPV6_V6ONLY)
                {
                    bool bound = Tcp != null ? Tcp.Local.Port != 0 : Udp.Local.Port != 0;
                    if (bound) return -Errno.EINVAL;                    // as Linux: only before bind
                    if (Tcp != null) Tcp.V6Only = v != 0; else Udp.V6Only = v != 0;
                    return 0;
                }
                if (name == SocketConst.IPV6_UNICAST_HOPS || name == SocketConst.IPV6_RECVERR || name == SocketConst.IPV6_TCLASS) return 0;   // hints
            }
            return -Errno.ENOPROTOOPT;
        }

        private static int Clamp(int v) => v < 2048 ? 2048 : v > 4 << 20 ? 4 << 20 : v;

        /// <summary>
        /// SO_LINGER with a timeout: close waits until the peer has acknowledged everything sent and
        /// our FIN, or the timeout passes; then the connection goes on closing in the background, as
        /// on Linux. Unread input (close resets) and a process that is exiting do not linger.
        /// </summary>
        private void Linger()
        {
            TcpState s = Tcp.State;
            if ((s != TcpState.Established && s != TcpState.CloseWait) || Tcp.BytesAvailable > 0) return;
            Tcp.Shutdown(1, Now);
            NetService.Flush();
            ulong deadline = Drivers.Tsc.MonotonicNs() + (ulong)Tcp.LingerSeconds * 1_000_000_000;
            while (true)
            {
                s = Tcp.State;
                if (s == TcpState.FinWait2 || s == TcpState.TimeWait || s == TcpState.Closed) return;
                if (Scheduler.Sleep(PollWait.Queue, deadline) != Scheduler.Woken) return;   // timeout or a signal
            }
        }

        public override void OnLastClose()
        {
            if (Tcp != null && Tcp.LingerOn && Tcp.LingerSeconds > 0 && !Process.Current.Exiting) Linger();
            if (Tcp != null) Tcp.Close(Now); else Udp.Close();
            if (_listening) NetService.AnnounceListen(Tcp.Local, false);
            NetService.Flush();
        }
    }
}
