// The stack object: interfaces, the entry points the kernel drives (Input, Poll), socket
// creation, readiness notification and the loopback delivery loop.
using System;

namespace Kernel.Net
{
    public sealed unsafe partial class NetStack
    {
        /// <summary>Called (if set) whenever any socket's readiness may have changed. Invoked at the
        /// end of the stack call that caused it, never from deep inside packet processing.</summary>
        public static delegate*<void> Changed;

        public const int MaxInterfaces = 8;
        public const int EphemeralLow = 32768, EphemeralHigh = 60999;

        private readonly NetInterface[] _ifs = new NetInterface[MaxInterfaces];
        private int _ifCount;
        internal readonly byte[] TxBuf = new byte[Ethernet.HeaderLength + 65535 + 64];
        private readonly byte[] _rxBuf = new byte[65536];
        private readonly LoopbackQueue _loop;
        private readonly Reassembly _reasm;
        private readonly Reassembly _reasm6;
        private ushort _ipId;
        internal long _now;
        private bool _changed;
        private bool _busy;
        internal ulong Secret;

        internal TcpSocket TcpList;      // every TCP socket holding a port (intrusive list)
        internal UdpSocket UdpList;      // every bound UDP socket
        // Lookups go through hash tables (SocketTable.cs), TCP timers through a heap (TcpTimers.cs);
        // the lists serve listings and bind checks.
        internal readonly TcpTimerQueue _tcpTimers = new TcpTimerQueue();

        public NetStack()
        {
            _loop = new LoopbackQueue();
            _reasm = new Reassembly(20, 65535 - 20, 30000, false);
            _reasm6 = new Reassembly(40, 65535, 60000, true);
            var lo = new NetInterface();
            lo.IsLoopback = true; lo.Address = LoopbackAddress; lo.PrefixLength = 8; lo.Up = true;
            lo.Mtu = 65536; lo.Stack = this; lo.Index = 0;
            _ifs[0] = lo; _ifCount = 1;
            Secret = NetMemory.NextRandom(0) | 1;
            _ipId = (ushort)Secret;
        }

        public NetInterface Loopback => _ifs[0];
        public int InterfaceCount => _ifCount;
        public NetInterface GetInterface(int i) => (uint)i < (uint)_ifCount ? _ifs[i] : null;

        public NetInterface AddEthernet(NetDevice dev)
        {
            if (_ifCount == MaxInterfaces || dev == null || dev.Mac == null || dev.Mac.Length < 6) return null;
            var n = new NetInterface();
            n.Device = dev; n.Stack = this; n.Index = _ifCount;
            n.Mtu = dev.Mtu < 576 ? 576 : dev.Mtu > 9000 ? 9000 : dev.Mtu;
            n.FragBuf = new byte[n.Mtu + Ethernet.HeaderLength];
            n.Arp = new ArpCache(n);
            n.Ndp = new NeighborCache(n);
            n.LinkLocal = Ip6Address.LinkLocalFromMac(dev.Mac);
            _ifs[_ifCount++] = n;
            return n;
        }

        public void ConfigureStatic(NetInterface i, uint address, int prefixLength, uint gateway, uint dns)
        {
            if (i == null || i.IsLoopback) return;
            i.Address = address; i.PrefixLength = prefixLength < 0 ? 0 : prefixLength > 32 ? 32 : prefixLength;
            i.Gateway = gateway; i.Dns = dns; i.Up = true; i.LeaseExpiresMs = long.MaxValue;
            if (i.Dhcp != null) i.Dhcp.Stop();
            if (i.Arp != null) i.Arp.Announce();
            MarkChanged();
        }

        public void StartDhcp(NetInterface i, long nowMs)
        {
            if (i == null || i.IsLoopback) return;
            _now = nowMs;
            if (i.Dhcp == null) i.Dhcp = new DhcpClient(this, i);
            i.Up = true;
            i.Dhcp.Start(nowMs);
            Finish();
        }

        /// <summary>One received Ethernet frame. checksumValid: the device has verified (or, for a
        /// frame from the host itself, will never need) its TCP/UDP checksum (virtio DATA_VALID or
        /// NEEDS_CSUM with GUEST_CSUM); the transports then skip theirs.</summary>
        public void Input(NetInterface i, ReadOnlySpan<byte> frame, long nowMs, bool checksumValid = false)
        {
            _now = nowMs;
            _rxChecksumValid = checksumValid;
            if (i == null || i.IsLoopback || !i.Up) return;
            i.RxPackets++; i.RxBytes += frame.Length;
            if (frame.Length < Ethernet.HeaderLength) { i.RxDropped++; return; }
            int type = Be.U16(frame, 12);
            bool multicast6 = type == Ethernet.TypeIpv6 && frame[0] == 0x33 && frame[1] == 0x33;   // the IPv6 layer filters groups
            if (!Ethernet.IsMac(frame, 0, i.Device.Mac) && !Ethernet.IsBroadcast(frame, 0) && !multicast6) { i.RxDropped++; return; }
            ReadOnlySpan<byte> payload = frame.Slice(Ethernet.HeaderLength);
            if (type == Ethernet.TypeArp) i.Arp.Input(payload, nowMs);
            else if (type == Ethernet.TypeIpv4) IpInput(i, payload);
            else if (type == Ethernet.TypeIpv6) Ip6Input(i, payload);
            else i.RxDropped++;
            _rxChecksumValid = false;
            Finish();
        }

        /// <summary>True while the frame being input had its transport checksum checked by the
        /// device (cleared for fragments: reassembled datagrams are always verified).</summary>
        private bool _rxChecksumValid;

        /// <summary>Must a TCP/UDP checksum received on n be verified?</summary>
        internal bool MustVerify(NetInterface n) => !n.IsLoopback && !_rxChecksumValid;

        /// <summary>Runs every timer that is due and delivers queued loopback packets.</summary>
        public void Poll(long nowMs)
        {
            _now = nowMs;
            DrainLoopback();
            for (int k = 1; k < _ifCount; k++)
            {
                NetInterface n = _ifs[k];
                n.Arp.Poll(nowMs);
                n.Ndp.Poll(nowMs);
                if (n.Dhcp != null) n.Dhcp.Poll(nowMs);
            }
            _reasm.Poll(nowMs);
            _reasm6.Poll(nowMs);
            // Only the sockets that are due, earliest first. OnTimer always moves the socket's
            // deadline past now (or closes it); the budget (each queued socket once, as the list
            // scan did) is the guarantee that a tick ends whatever a socket does.
            _tcpTimers.Unspill();
            int budget = _tcpTimers.Count;
            TcpSocket s;
            while (budget-- > 0 && (s = _tcpTimers.Due(nowMs)) != null) s.OnTimer(nowMs);
            Finish();
        }

        /// <summary>
        /// Delivers what waits on the loopback and reports changes, without running timers: for the
        /// event paths, a received frame or a socket call. Timers are run by Poll from the periodic
        /// tick once NextDeadlineMs has passed.
        /// </summary>
        public void Flush(long nowMs)
        {
            _now = nowMs;
            Finish();
        }

        /// <summary>Earliest time Poll has work to do (long.MaxValue if none).</summary>
        public long NextDeadlineMs
        {
            get
            {
                if (_loop.Packets > 0) return _now;
                long d = _reasm.NextDeadline;
                if (_reasm6.NextDeadline < d) d = _reasm6.NextDeadline;
                for (int k = 1; k < _ifCount; k++)
                {
                    NetInterface n = _ifs[k];
                    long a = n.Arp.NextDeadline; if (a < d) d = a;
                    a = n.Ndp.NextDeadline; if (a < d) d = a;
                    if (n.Dhcp != null) { a = n.Dhcp.NextDeadline; if (a < d) d = a; }
                }
                long t = _tcpTimers.Earliest;
                return t < d ? t : d;
            }
        }

        public TcpSocket CreateTcp() => new TcpSocket(this);
        public UdpSocket CreateUdp() => new UdpSocket(this);

        internal void MarkChanged() { _changed = true; }

        /// <summary>End of every public entry: deliver loopback packets, then notify.</summary>
        internal void Finish()
        {
            if (_busy) return;
            DrainLoopback();
            if (_changed)
            {
                _changed = false;
                if (Changed != null) Changed();
            }
        }

        private void DrainLoopback()
        {
            if (_busy) return;
            _busy = true;
            NetInterface lo = _ifs[0];
            int budget = 100000;                 // never spin forever on a packet storm
            while (budget-- > 0)
            {
                int n = _loop.Dequeue(_rxBuf);
                if (n < 0) break;
                lo.RxPackets++; lo.RxBytes += n;
                ReadOnlySpan<byte> p = new ReadOnlySpan<byte>(_rxBuf).Slice(0, n);
                if ((p[0] >> 4) == 6) Ip6Input(lo, p); else IpInput(lo, p);
            }
            _busy = false;
        }

        internal void SetNow(long nowMs) { if (nowMs > _now) _now = nowMs; }

        /// <summary>ARP gave up on ip: connections still trying to reach it fail.</summary>
        internal void HostUnreachable(uint ip) => HostUnreachable(new IpEndpoint(ip, 0));

        /// <summary>ARP or neighbor discovery gave up on a next hop (IPv6 has no routers, so the
        /// next hop is the destination).</summary>
        internal void HostUnreachable(IpEndpoint hop)
        {
            TcpSocket next;
            for (TcpSocket s = TcpList; s != null; s = next)
            {
                next = s.NextInList;
                if (s.State != TcpState.SynSent || s.Remote.V6 != hop.V6) continue;
                bool match = hop.V6 ? s.Remote.Address6.Same(hop.Address6)
                                    : s.Remote.Address == hop.Address || RouteNextHop(s.Remote.Address) == hop.Address;
                if (match) s.AbortWith(Errno.EHOSTUNREACH, false, _now);
            }
        }

        private uint RouteNextHop(uint dst)
        {
            Route r;
            return FindRoute(dst, out r) < 0 ? 0 : r.NextHop;
        }

        /// <summary>Packets waiting in the loopback queue (tests).</summary>
        public int LoopbackQueued => _loop.Packets;
        public int ReassemblyActive => _reasm.Active;
        public int Reassembly6Active => _reasm6.Active;

        /// <summary>Counts sockets in the stack's tables (tests: no leaks).</summary>
        public int TcpSocketCount { get { int c = 0; for (TcpSocket s = TcpList; s != null; s = s.NextInList) c++; return c; } }
        public int UdpSocketCount { get { int c = 0; for (UdpSocket s = UdpList; s != null; s = s.NextInList) c++; return c; } }

#if HOST
        /// <summary>Tests: null if the TCP timer queue matches every socket's deadline, else what is wrong.</summary>
        internal string CheckTcpTimers() => _tcpTimers.Check(TcpList);
        internal int TcpTimersQueued => _tcpTimers.Count;
        internal long TcpTimersEarliest => _tcpTimers.Earliest;
#endif

        /// <summary>Releases the stack's own buffers (the kernel never does; tests may).</summary>
        public void Release()
        {
            _loop.Release(); _reasm.Release(); _reasm6.Release();
            _tcpConns.Release(); _tcpListeners.Release(); _udpPorts.Release(); _tcpTimers.Release();
            for (int k = 1; k < _ifCount; k++) { _ifs[k].Arp.Release(); _ifs[k].Ndp.Release(); NetMemory.Free(_ifs[k].FragBuf); }
            NetMemory.Free(TxBuf); NetMemory.Free(_rxBuf);
        }
    }
}
