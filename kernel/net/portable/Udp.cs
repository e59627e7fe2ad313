// UDP (RFC 768) sockets over IPv4 and IPv6 (a socket bound to :: without V6Only takes both):
// bind/connect, datagram queues with source addresses, ICMP/ICMPv6 errors for connected sockets,
// port unreachable for closed ports.
using System;

namespace Kernel.Net
{
    public sealed class UdpSocket : NetSocket
    {
        public const int MaxPayload = 65507, MaxPayload6 = 65527;
        // Each queued datagram: length (3 bytes), family (1: IPv6), address (4 or 16 bytes),
        // port, pad, scope id; then the data.
        private const int RecordHeader = 28;

        internal readonly NetStack Stack;
        internal UdpSocket NextInList, PrevInList;
        internal bool InList;

        public IpEndpoint Local, Remote;
        /// <summary>IPV6_V6ONLY: an IPv6 wildcard bind takes no IPv4 traffic (set before Bind).</summary>
        public bool V6Only;
        /// <summary>The kernel's mark for a socket of an AF_INET6 descriptor (/proc/net/udp6). The stack ignores it.</summary>
        public bool Domain6;
        public bool Broadcast, ReuseAddress, ReusePort;
        public int ReceiveBufferSize = 212992;
        public int SendBufferSize = 212992;
        public long Drops;                          // datagrams dropped: receive queue full

        private ByteRing _rx;
        private int _queued;
        private int _error;
        private bool _closed;
        private readonly byte[] _hdr = new byte[RecordHeader];

        internal UdpSocket(NetStack s) { Stack = s; }

        /// <summary>connect() gave a peer (sk_state TCP_ESTABLISHED); its port may be 0, as Linux allows
        /// (glibc's getaddrinfo connects to each result, port 0, to learn the source address).</summary>
        public bool IsConnected => _connected;
        private bool _connected;
        public int QueuedDatagrams => _queued;

        public int Bind(IpEndpoint local)
        {
            if (_closed) return -Errno.EBADF;
            if (Local.Port != 0) return -Errno.EINVAL;
            int e = Stack.CheckBindAddress(ref local, true);
            if (e < 0) return e;
            return BindPort(local);
        }

        private int BindPort(IpEndpoint address)
        {
            ushort port = address.Port;
            if (port == 0)
            {
                port = Stack.UdpEphemeral(address, V6Only);
                if (port == 0) return -Errno.EADDRINUSE;
            }
            else if (Stack.UdpPortInUse(port, address, V6Only, this, ReuseAddress, ReusePort)) return -Errno.EADDRINUSE;
            Local = address; Local.Port = port;
            if (_rx == null) _rx = new ByteRing(ReceiveBufferSize < 2048 ? 2048 : ReceiveBufferSize);
            Stack.AddUdp(this);
            return 0;
        }

        /// <summary>Sets the default destination and filters incoming datagrams to it. Address 0
        /// (or ::) means 127.0.0.1 (::1) as Linux; port 0 with address 0 dissolves the association.</summary>
        public int Connect(IpEndpoint remote)
        {
            if (_closed) return -Errno.EBADF;
            if (!remote.V6 && remote.Address == 0 && remote.Port == 0) { Remote = default; _connected = false; return 0; }
            IpEndpoint a;
            int e = Destination(remote, out a);
            if (e < 0) return e;
            Route r;
            e = Stack.FindRoute(a, out r);
            if (e < 0) return e;
            if (Local.Port == 0) { e = BindPort(Wildcard(a)); if (e < 0) return e; }
            if (Local.IsAny && !r.Broadcast && !r.Multicast)
            {
                // The source becomes the route's (an IPv6 dual wildcard becomes IPv4 for an IPv4 peer).
                ushort port = Local.Port;
                Local = Stack.RouteSource(ref r); Local.Port = port;
            }
            Remote = a;
            _connected = true;
            _error = 0;
            return 0;
        }

        /// <summary>The wildcard of dst's family (what an unbound socket binds to on first use).</summary>
        private static IpEndpoint Wildcard(IpEndpoint dst) => dst.V6 ? new IpEndpoint(Ip6Address.Any, 0) : default;

        /// <summary>Checks a destination against this socket: families, broadcast permission; the
        /// wildcard means the loopback address.</summary>
        private int Destination(IpEndpoint to, out IpEndpoint dst)
        {
            dst = to;
            if (dst.V6)
            {
                if (dst.Address6.IsUnspecified) dst.Address6 = Ip6Address.Loopback;
                if (dst.Address6.IsV4Mapped) return -Errno.ENETUNREACH;
            }
            else
            {
                if (dst.Address == 0) dst.Address = NetStack.LoopbackAddress;
                if (Stack.IsBroadcastAddress(dst.Address) && !Broadcast) return -Errno.EACCES;
            }
            return Stack.CheckFamilies(Local, V6Only, dst);
        }

        public int Send(ReadOnlySpan<byte> data, long nowMs) => SendTo(data, default, nowMs);

        /// <summary>to with address 0 and port 0 = the connected destination.</summary>
        public int SendTo(ReadOnlySpan<byte> data, IpEndpoint to, long nowMs)
        {
            if (_closed) return -Errno.EBADF;
            Stack.SetNow(nowMs);
            if (_error != 0) return TakeError();
            if (!to.V6 && to.Address == 0 && to.Port == 0)
            {
                if (!IsConnected) return -Errno.EDESTADDRREQ;
                to = Remote;                                // a connected port 0 is sent to, as Linux
            }
            else if (to.Port == 0) return -Errno.EINVAL;
            if (data.Length > (to.V6 ? MaxPayload6 : MaxPayload)) return -Errno.EMSGSIZE;
            IpEndpoint dst;
            int e = Destination(to, out dst);
            if (e < 0) return e;
            Route r;
            e = Stack.FindRoute(dst, out r);
            if (e < 0) return e;
            if (Local.Port == 0) { e = BindPort(Wildcard(dst)); if (e < 0) return e; }
            IpEndpoint src;
            if (Local.V6 == dst.V6 && !Local.IsAny && (dst.V6 || !Stack.IsBroadcastAddress(Local.Address))) src = Local;
            else src = Stack.RouteSource(ref r);
            if (src.IsAny && !r.Broadcast) return -Errno.ENETUNREACH;
            src.Port = Local.Port;
            e = Stack.UdpOutput(ref r, src, dst, data);
            Stack.Finish();
            if (e < 0 && e != -Errno.EHOSTUNREACH) return e;
            return data.Length;
        }

        /// <summary>Next datagram: copies min(into.Length, size) bytes, fullLength = its size.</summary>
        public int ReceiveFrom(Span<byte> into, out IpEndpoint from, bool peek, out int fullLength)
        {
            from = default; fullLength = 0;
            if (_closed) return -Errno.EBADF;
            if (_error != 0) return TakeError();
            if (_queued == 0) return -Errno.EAGAIN;
            byte[] h = _hdr;
            _rx.CopyOut(0, h);
            int len = h[0] | (h[1] << 8) | (h[2] << 16);
            if (h[3] != 0) from = new IpEndpoint(Ip6Address.Read(h, 4), Be.U16(h, 20), (int)Be.U32(h, 24));
            else from = new IpEndpoint(Be.U32(h, 4), Be.U16(h, 20));
            int n = len < into.Length ? len : into.Length;
            _rx.CopyOut(RecordHeader, into.Slice(0, n));
            fullLength = len;
            if (!peek)
            {
                _rx.Consume(RecordHeader + len);
                _queued--;
            }
            return n;
        }

        public int NextDatagramLength
        {
            get
            {
                if (_queued == 0) return 0;
                return _rx.At(0) | (_rx.At(1) << 8) | (_rx.At(2) << 16);
            }
        }

        public int PollEvents
        {
            get
            {
                int m = TcpSocket.POLLOUT;
                if (_queued > 0) m |= TcpSocket.POLLIN;
                if (_error != 0) m |= TcpSocket.POLLERR;
                return m;
            }
        }

        public int TakeError() { int e = _error; _error = 0; return e == 0 ? 0 : -e; }

        public void Close()
        {
            if (_closed) return;
            _closed = true;
            Stack.RemoveUdp(this);
            if (_rx != null) { NetMemory.Free(_rx.Buf); NetMemory.Free(_rx); _rx = null; }
            NetMemory.Free(_hdr);
            NetMemory.Free(this);
        }

        /// <summary>Would a datagram from src to dst (addresses and ports) reach this socket?</summary>
        internal bool Matches(IpEndpoint src, IpEndpoint dst)
        {
            if (Local.Port != dst.Port) return false;
            bool boundBroadcast = !Local.V6 && !dst.V6 && Stack.IsBroadcastAddress(Local.Address);
            if (!boundBroadcast && !NetStack.LocalAccepts(Local, V6Only, dst)) return false;
            // A connected socket takes only its peer's datagrams (any port when connected to port 0).
            if (IsConnected && (!Remote.SameAddress(src) || (Remote.Port != 0 && Remote.Port != src.Port))) return false;
            return true;
        }

        internal void Enqueue(IpEndpoint src, ReadOnlySpan<byte> data)
        {
            if (_rx == null || !_rx.Reserve(_rx.Count + RecordHeader + data.Length)) { Drops++; return; }
            byte[] h = _hdr;
            int n = data.Length;
            new Span<byte>(h).Clear();
            h[0] = (byte)n; h[1] = (byte)(n >> 8); h[2] = (byte)(n >> 16); h[3] = (byte)(src.V6 ? 1 : 0);
            if (src.V6) src.Address6.Write(h, 4); else Be.W32(h, 4, src.Address);
            Be.W16(h, 20, src.Port); Be.W32(h, 24, (uint)src.ScopeId);
            _rx.Append(h);
            _rx.Append(data);
            _queued++;
            InputEvents++;
            Stack.MarkChanged();
        }

        internal void SetError(int errno) { _error = errno; InputEvents++; Stack.MarkChanged(); }
    }

    public sealed partial class NetStack
    {
        private ushort _udpNextPort;

        private readonly SocketTable _udpPorts = new SocketTable();      // every bound UDP socket, by local port

        internal void AddUdp(UdpSocket s)
        {
            if (s.InList) return;
            s.InList = true; s.PrevInList = null; s.NextInList = UdpList;
            if (UdpList != null) UdpList.PrevInList = s;
            UdpList = s;
            s.ListSeq = ++_listSeq;
            _udpPorts.Add(s, PortHash(s.Local.Port));
        }

        internal void RemoveUdp(UdpSocket s)
        {
            _udpPorts.Remove(s);
            if (!s.InList) return;
            s.InList = false;
            if (s.PrevInList != null) s.PrevInList.NextInList = s.NextInList; else UdpList = s.NextInList;
            if (s.NextInList != null) s.NextInList.PrevInList = s.PrevInList;
            s.NextInList = null; s.PrevInList = null;
        }

        /// <summary>Sockets in the UDP lookup table (tests).</summary>
        public int UdpSocketsHashed => _udpPorts.Count;

        /// <summary>The first bound UDP socket on port in its bucket's chain; continue with
        /// <see cref="NextOnPort"/>.</summary>
        private UdpSocket FirstOnPort(ushort port) => NextOnPort(_udpPorts.First(PortHash(port)), port);

        private static UdpSocket NextOnPort(NetSocket x, ushort port)
        {
            for (; x != null; x = x.HashNext)
            {
                UdpSocket s = (UdpSocket)x;
                if (s.Local.Port == port) return s;
            }
            return null;
        }

        internal bool UdpPortInUse(ushort port, IpEndpoint addr, bool v6Only, UdpSocket self, bool reuseAddr, bool reusePort)
        {
            for (UdpSocket s = FirstOnPort(port); s != null; s = NextOnPort(s.HashNext, port))
            {
                if (s == self) continue;
                if (!AddressesOverlap(s.Local, s.V6Only, addr, v6Only)) continue;
                if (reuseAddr && s.ReuseAddress) continue;
                if (reusePort && s.ReusePort) continue;
                return true;
            }
            return false;
        }

        internal ushort UdpEphemeral(IpEndpoint addr, bool v6Only)
        {
            int range = EphemeralHigh - EphemeralLow + 1;
            if (_udpNextPort == 0) _udpNextPort = (ushort)(EphemeralLow + (int)(NetMemory.NextRandom(_now) % (ulong)range));
            for (int i = 0; i < range; i++)
            {
                ushort p = _udpNextPort;
                _udpNextPort = (ushort)(p == EphemeralHigh ? EphemeralLow : p + 1);
                if (!UdpPortInUse(p, addr, v6Only, null, false, false)) return p;
            }
            return 0;
        }

        internal int UdpOutput(ref Route r, uint src, ushort sport, uint dst, ushort dport, ReadOnlySpan<byte> data) =>
            UdpOutput(ref r, new IpEndpoint(src, sport), new IpEndpoint(dst, dport), data);

        /// <summary>Builds the UDP header + data at TxBuf[L4Off..] and sends it.</summary>
        internal int UdpOutput(ref Route r, IpEndpoint src, IpEndpoint dst, ReadOnlySpan<byte> data)
        {
            byte[] b = TxBuf;
            int len = 8 + data.Length;
            Be.W16(b, L4Off, src.Port); Be.W16(b, L4Off + 2, dst.Port); Be.W16(b, L4Off + 4, len); Be.W16(b, L4Off + 6, 0);
            data.CopyTo(new Span<byte>(b).Slice(L4Off + 8, data.Length));
            // IPv4 datagrams that need no fragmenting leave the sum to the device (a device-made
            // zero means "no checksum" there, harmless; IPv6 forbids it, so IPv6 sums here).
            if (!dst.V6 && 20 + len <= r.Mtu && OffloadDevice(ref r) != null)
            {
                Be.W16(b, L4Off + 6, Checksum.Fold(PseudoSum(src, dst, ProtoUdp, len)));
                var off = new NetOffload { NeedsChecksum = true, CsumStart = 0, CsumOffset = 6 };
                return IpSend(ref r, src, dst, ProtoUdp, len, false, off);
            }
            ushort c = Checksum.Finish(Checksum.Add(PseudoSum(src, dst, ProtoUdp, len), new ReadOnlySpan<byte>(b).Slice(L4Off, len)));
            if (c == 0) c = 0xFFFF;
            Be.W16(b, L4Off + 6, c);
            return IpSend(ref r, src, dst, ProtoUdp, len, false);
        }

        /// <summary>A UDP datagram for us; src and dst carry the addresses (ports are in the header).</summary>
        private void UdpInput(NetInterface n, IpEndpoint src, IpEndpoint dst, ReadOnlySpan<byte> u, ReadOnlySpan<byte> ipPacket)
        {
            if (u.Length < 8) { n.RxDropped++; return; }
            int ulen = Be.U16(u, 4);
            if (ulen < 8 || ulen > u.Length) { n.RxDropped++; return; }
            u = u.Slice(0, ulen);
            if (src.V6 && Be.U16(u, 6) == 0) { n.RxDropped++; return; }   // the checksum is mandatory in IPv6
            if (Be.U16(u, 6) != 0 && MustVerify(n) &&
                Checksum.Fold(Checksum.Add(PseudoSum(src, dst, ProtoUdp, ulen), u)) != 0xFFFF) { n.RxDropped++; return; }
            src.Port = Be.U16(u, 0); dst.Port = Be.U16(u, 2);
            ReadOnlySpan<byte> data = u.Slice(8);
            if (!dst.V6 && dst.Port == DhcpClient.ClientPort && n.Dhcp != null && n.Dhcp.Active)
            {
                n.Dhcp.Input(data, _now);
                return;
            }
            if (dst.V6 ? dst.Address6.IsMulticast : IsBroadcastAddress(dst.Address))
            {
                if (dst.V6) return;                    // no IPv6 multicast group membership for sockets
                for (UdpSocket s = FirstOnPort(dst.Port); s != null; s = NextOnPort(s.HashNext, dst.Port))
                    if (s.Matches(src, dst)) s.Enqueue(src, data);
                return;
            }
            // The best match; between equals the newest socket (what the list walk picked).
            UdpSocket best = null; int bestScore = -1;
            for (UdpSocket s = FirstOnPort(dst.Port); s != null; s = NextOnPort(s.HashNext, dst.Port))
            {
                if (!s.Matches(src, dst)) continue;
                int score = (s.IsConnected ? 4 : 0) + (!s.Local.IsAny ? 2 : 0) + (s.Local.V6 == dst.V6 ? 1 : 0);
                if (score > bestScore || (score == bestScore && s.ListSeq > best.ListSeq)) { best = s; bestScore = score; }
            }
            if (best != null) best.Enqueue(src, data);
            else if (dst.V6) SendIcmp6Error(Icmp6Unreachable, 4, 0, ipPacket, n);
            else SendIcmpError(IcmpUnreachable, 3, ipPacket);
        }

        /// <summary>An ICMP or ICMPv6 error quoting a datagram from src to dst (addresses and ports).</summary>
        private void UdpIcmpError(IpEndpoint src, IpEndpoint dst, int err)
        {
            for (UdpSocket s = FirstOnPort(src.Port); s != null; s = NextOnPort(s.HashNext, src.Port))
            {
                if (s.IsConnected && s.Remote.SameAddress(dst) && s.Remote.Port == dst.Port)
                    s.SetError(err);
            }
        }
    }
}
