// UDP (RFC 768) sockets: bind/connect, datagram queues with source addresses, ICMP errors for
// connected sockets, port unreachable for closed ports.
using System;

namespace Kernel.Net
{
    public sealed class UdpSocket
    {
        public const int MaxPayload = 65507;
        private const int RecordHeader = 12;       // length, source address, source port, pad

        internal readonly NetStack Stack;
        internal UdpSocket NextInList;
        internal bool InList;

        public IpEndpoint Local, Remote;
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

        public bool IsConnected => Remote.Port != 0;
        public int QueuedDatagrams => _queued;

        public int Bind(IpEndpoint local)
        {
            if (_closed) return -Errno.EBADF;
            if (Local.Port != 0) return -Errno.EINVAL;
            if (local.Address != 0 && !Stack.IsLocalAddress(local.Address) && !Stack.IsBroadcastAddress(local.Address)) return -Errno.EADDRNOTAVAIL;
            return BindPort(local.Address, local.Port);
        }

        private int BindPort(uint address, ushort port)
        {
            if (port == 0)
            {
                port = Stack.UdpEphemeral(address);
                if (port == 0) return -Errno.EADDRINUSE;
            }
            else if (Stack.UdpPortInUse(port, address, this, ReuseAddress, ReusePort)) return -Errno.EADDRINUSE;
            Local.Address = address; Local.Port = port;
            if (_rx == null) _rx = new ByteRing(ReceiveBufferSize < 2048 ? 2048 : ReceiveBufferSize);
            Stack.AddUdp(this);
            return 0;
        }

        /// <summary>Sets the default destination and filters incoming datagrams to it. Address 0
        /// means 127.0.0.1 (as Linux); port 0 with address 0 dissolves the association.</summary>
        public int Connect(IpEndpoint remote)
        {
            if (_closed) return -Errno.EBADF;
            if (remote.Address == 0 && remote.Port == 0) { Remote = default; return 0; }
            if (remote.Port == 0) return -Errno.EINVAL;
            uint a = remote.Address == 0 ? NetStack.LoopbackAddress : remote.Address;
            if (Stack.IsBroadcastAddress(a) && !Broadcast) return -Errno.EACCES;
            Route r;
            int e = Stack.FindRoute(a, out r);
            if (e < 0) return e;
            if (Local.Port == 0) { e = BindPort(0, 0); if (e < 0) return e; }
            if (Local.Address == 0 && !r.Broadcast) Local.Address = r.Source;
            Remote.Address = a; Remote.Port = remote.Port;
            _error = 0;
            return 0;
        }

        public int Send(ReadOnlySpan<byte> data, long nowMs) => SendTo(data, default, nowMs);

        /// <summary>to with address 0 and port 0 = the connected destination.</summary>
        public int SendTo(ReadOnlySpan<byte> data, IpEndpoint to, long nowMs)
        {
            if (_closed) return -Errno.EBADF;
            Stack.SetNow(nowMs);
            if (_error != 0) return TakeError();
            if (to.Address == 0 && to.Port == 0)
            {
                if (!IsConnected) return -Errno.EDESTADDRREQ;
                to = Remote;
            }
            if (to.Port == 0) return -Errno.EINVAL;
            if (data.Length > MaxPayload) return -Errno.EMSGSIZE;
            uint dst = to.Address == 0 ? NetStack.LoopbackAddress : to.Address;
            if (Stack.IsBroadcastAddress(dst) && !Broadcast) return -Errno.EACCES;
            Route r;
            int e = Stack.FindRoute(dst, out r);
            if (e < 0) return e;
            if (Local.Port == 0) { e = BindPort(0, 0); if (e < 0) return e; }
            uint src = Local.Address != 0 && !Stack.IsBroadcastAddress(Local.Address) ? Local.Address : r.Source;
            if (src == 0 && !r.Broadcast) return -Errno.ENETUNREACH;
            e = Stack.UdpOutput(ref r, src, Local.Port, dst, to.Port, data);
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
            _rx.CopyOut(0, _hdr);
            int len = _hdr[0] | (_hdr[1] << 8) | (_hdr[2] << 16);
            from.Address = Be.U32(_hdr, 4); from.Port = Be.U16(_hdr, 8);
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

        internal bool Matches(uint src, ushort sport, uint dst, ushort dport)
        {
            if (Local.Port != dport) return false;
            if (Local.Address != 0 && Local.Address != dst && !Stack.IsBroadcastAddress(Local.Address)) return false;
            if (IsConnected && (Remote.Address != src || Remote.Port != sport)) return false;
            return true;
        }

        internal void Enqueue(uint src, ushort sport, ReadOnlySpan<byte> data)
        {
            if (_rx == null || !_rx.Reserve(_rx.Count + RecordHeader + data.Length)) { Drops++; return; }
            byte[] h = _hdr;
            int n = data.Length;
            h[0] = (byte)n; h[1] = (byte)(n >> 8); h[2] = (byte)(n >> 16); h[3] = 0;
            Be.W32(h, 4, src); Be.W16(h, 8, sport); h[10] = 0; h[11] = 0;
            _rx.Append(h);
            _rx.Append(data);
            _queued++;
            Stack.MarkChanged();
        }

        internal void SetError(int errno) { _error = errno; Stack.MarkChanged(); }
    }

    public sealed partial class NetStack
    {
        private ushort _udpNextPort;

        internal void AddUdp(UdpSocket s)
        {
            if (s.InList) return;
            s.InList = true; s.NextInList = UdpList; UdpList = s;
        }

        internal void RemoveUdp(UdpSocket s)
        {
            if (!s.InList) return;
            s.InList = false;
            if (UdpList == s) { UdpList = s.NextInList; s.NextInList = null; return; }
            for (UdpSocket p = UdpList; p != null; p = p.NextInList)
                if (p.NextInList == s) { p.NextInList = s.NextInList; break; }
            s.NextInList = null;
        }

        internal bool UdpPortInUse(ushort port, uint addr, UdpSocket self, bool reuseAddr, bool reusePort)
        {
            for (UdpSocket s = UdpList; s != null; s = s.NextInList)
            {
                if (s == self || s.Local.Port != port) continue;
                if (s.Local.Address != 0 && addr != 0 && s.Local.Address != addr) continue;
                if (reuseAddr && s.ReuseAddress) continue;
                if (reusePort && s.ReusePort) continue;
                return true;
            }
            return false;
        }

        internal ushort UdpEphemeral(uint addr)
        {
            int range = EphemeralHigh - EphemeralLow + 1;
            if (_udpNextPort == 0) _udpNextPort = (ushort)(EphemeralLow + (int)(NetMemory.NextRandom(_now) % (ulong)range));
            for (int i = 0; i < range; i++)
            {
                ushort p = _udpNextPort;
                _udpNextPort = (ushort)(p == EphemeralHigh ? EphemeralLow : p + 1);
                if (!UdpPortInUse(p, addr, null, false, false)) return p;
            }
            return 0;
        }

        /// <summary>Builds the UDP header + data at TxBuf[L4Off..] and sends it.</summary>
        internal int UdpOutput(ref Route r, uint src, ushort sport, uint dst, ushort dport, ReadOnlySpan<byte> data)
        {
            byte[] b = TxBuf;
            int len = 8 + data.Length;
            Be.W16(b, L4Off, sport); Be.W16(b, L4Off + 2, dport); Be.W16(b, L4Off + 4, len); Be.W16(b, L4Off + 6, 0);
            data.CopyTo(new Span<byte>(b).Slice(L4Off + 8, data.Length));
            ushort c = Checksum.Finish(Checksum.Add(Checksum.Pseudo(src, dst, ProtoUdp, len), new ReadOnlySpan<byte>(b).Slice(L4Off, len)));
            if (c == 0) c = 0xFFFF;
            Be.W16(b, L4Off + 6, c);
            return IpOutput(ref r, src, dst, ProtoUdp, len, false);
        }

        private void UdpInput(NetInterface n, uint src, uint dst, ReadOnlySpan<byte> u, ReadOnlySpan<byte> ipPacket)
        {
            if (u.Length < 8) { n.RxDropped++; return; }
            int ulen = Be.U16(u, 4);
            if (ulen < 8 || ulen > u.Length) { n.RxDropped++; return; }
            u = u.Slice(0, ulen);
            if (Be.U16(u, 6) != 0 && !n.IsLoopback &&
                Checksum.Fold(Checksum.Add(Checksum.Pseudo(src, dst, ProtoUdp, ulen), u)) != 0xFFFF) { n.RxDropped++; return; }
            ushort sport = Be.U16(u, 0), dport = Be.U16(u, 2);
            ReadOnlySpan<byte> data = u.Slice(8);
            if (dport == DhcpClient.ClientPort && n.Dhcp != null && n.Dhcp.Active)
            {
                n.Dhcp.Input(data, _now);
                return;
            }
            bool bcast = IsBroadcastAddress(dst);
            if (bcast)
            {
                for (UdpSocket s = UdpList; s != null; s = s.NextInList)
                    if (s.Matches(src, sport, dst, dport)) s.Enqueue(src, sport, data);
                return;
            }
            UdpSocket best = null; int bestScore = -1;
            for (UdpSocket s = UdpList; s != null; s = s.NextInList)
            {
                if (!s.Matches(src, sport, dst, dport)) continue;
                int score = (s.IsConnected ? 2 : 0) + (s.Local.Address != 0 ? 1 : 0);
                if (score > bestScore) { best = s; bestScore = score; }
            }
            if (best != null) best.Enqueue(src, sport, data);
            else SendIcmpError(IcmpUnreachable, 3, ipPacket);
        }

        private void UdpIcmpError(uint src, ushort sport, uint dst, ushort dport, int err)
        {
            for (UdpSocket s = UdpList; s != null; s = s.NextInList)
            {
                if (s.Local.Port == sport && s.IsConnected && s.Remote.Address == dst && s.Remote.Port == dport)
                    s.SetError(err);
            }
        }
    }
}
