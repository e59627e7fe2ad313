// IPv4 (RFC 791/1122): header validation, local delivery, routing (loopback, own addresses,
// on-link subnets, default gateway), output fragmentation; reassembly in Fragments.cs.
using System;

namespace Kernel.Net
{
    internal struct Route
    {
        public NetInterface If;
        public uint NextHop;
        public uint Source;
        public bool Loop;          // delivered through the loopback queue
        public bool Broadcast;     // Ethernet broadcast
        public int Mtu;
        public bool V6;            // IPv6: Source6 and NextHop6 instead of Source and NextHop
        public Ip6Address Source6, NextHop6;
        public bool Multicast;     // IPv6 multicast: 33:33 Ethernet address, no neighbor discovery
    }

    public sealed partial class NetStack
    {
        public const int ProtoIcmp = 1, ProtoTcp = 6, ProtoUdp = 17;
        /// <summary>Transports build their header and payload at TxBuf[L4Off..]; the IP header goes
        /// right before it (20 bytes for IPv4, 40 for IPv6, 48 for an IPv6 fragment) and the
        /// Ethernet header before that.</summary>
        internal const int L4Off = Ethernet.HeaderLength + 48;
        internal const int DefaultTtl = 64;
        internal const uint LoopbackAddress = 0x7F000001;

        internal static bool IsLoopbackNet(uint a) => (a >> 24) == 127;
        internal static bool IsMulticastOrBroadcast(uint a) => a >= 0xE0000000;

        /// <summary>True if a is one of our addresses (127/8 or an interface's address).</summary>
        public bool IsLocalAddress(uint a)
        {
            if (IsLoopbackNet(a)) return true;
            if (a == 0) return false;
            for (int i = 0; i < _ifCount; i++) if (_ifs[i].Address == a && _ifs[i].Up) return true;
            return false;
        }

        internal bool IsBroadcastAddress(uint a)
        {
            if (a == 0xFFFFFFFF) return true;
            for (int i = 0; i < _ifCount; i++)
            {
                NetInterface n = _ifs[i];
                if (!n.IsLoopback && n.Address != 0 && n.PrefixLength < 31 && a == n.SubnetBroadcast) return true;
            }
            return false;
        }

        /// <summary>Chooses the interface, next hop and source address for dst.</summary>
        internal int FindRoute(uint dst, out Route r)
        {
            r = default;
            if (IsLoopbackNet(dst) || dst == 0)
            {
                r.If = _ifs[0]; r.Loop = true; r.Source = LoopbackAddress; r.NextHop = dst; r.Mtu = _ifs[0].Mtu;
                return 0;
            }
            for (int i = 1; i < _ifCount; i++)
            {
                NetInterface n = _ifs[i];
                if (n.Up && n.Address == dst)
                {
                    r.If = _ifs[0]; r.Loop = true; r.Source = dst; r.NextHop = dst; r.Mtu = _ifs[0].Mtu;
                    return 0;
                }
            }
            for (int i = 1; i < _ifCount; i++)
            {
                NetInterface n = _ifs[i];
                if (!n.Up) continue;
                if (dst == 0xFFFFFFFF || (n.OnLink(dst) && dst == n.SubnetBroadcast && n.PrefixLength < 31))
                {
                    r.If = n; r.Broadcast = true; r.NextHop = dst; r.Source = n.Address; r.Mtu = n.Mtu;
                    return 0;
                }
                if (n.OnLink(dst))
                {
                    r.If = n; r.NextHop = dst; r.Source = n.Address; r.Mtu = n.Mtu;
                    return 0;
                }
            }
            for (int i = 1; i < _ifCount; i++)
            {
                NetInterface n = _ifs[i];
                if (n.Up && n.Gateway != 0 && n.Address != 0)
                {
                    r.If = n; r.NextHop = n.Gateway; r.Source = n.Address; r.Mtu = n.Mtu;
                    return 0;
                }
            }
            return -Errno.ENETUNREACH;
        }

        /// <summary>Sends the transport payload already written at TxBuf[L4Off..]: writes the IP
        /// header and hands the packet to the loopback queue or the Ethernet interface. off is the
        /// device's work with offsets from L4Off (only on a route whose device offers it; a TSO
        /// packet may exceed the MTU).</summary>
        internal int IpOutput(ref Route r, uint src, uint dst, int proto, int payloadLen, bool dontFragment, int ttl = DefaultTtl, int tos = 0, NetOffload offload = default)
        {
            byte[] b = TxBuf;
            int total = 20 + payloadLen;
            if (total > 65535) return -Errno.EMSGSIZE;
            const int ip = L4Off - 20;
            b[ip] = 0x45; b[ip + 1] = (byte)tos; Be.W16(b, ip + 2, total);
            Be.W16(b, ip + 4, _ipId++); Be.W16(b, ip + 6, dontFragment ? 0x4000 : 0);
            b[ip + 8] = (byte)ttl; b[ip + 9] = (byte)proto; b[ip + 10] = 0; b[ip + 11] = 0;
            Be.W32(b, ip + 12, src); Be.W32(b, ip + 16, dst);
            Be.W16(b, ip + 10, Checksum.Compute(new ReadOnlySpan<byte>(b).Slice(ip, 20)));
            if (r.Loop) return LoopOutput(new ReadOnlySpan<byte>(b).Slice(ip, total));
            NetInterface n = r.If;
            if (total <= n.Mtu || offload.GsoType != NetOffload.GsoNone)
                return EthernetOutput(n, r.NextHop, r.Broadcast, b, ip - Ethernet.HeaderLength, Ethernet.HeaderLength + total, offload.Shifted(Ethernet.HeaderLength + 20));
            if (dontFragment) return -Errno.EMSGSIZE;
            if (offload.NeedsChecksum) offload.FinishChecksum(new Span<byte>(b).Slice(L4Off, payloadLen));   // the pieces carry no offload
            // Fragment: every piece but the last carries a multiple of 8 bytes. FragBuf holds one
            // frame: Ethernet header at 0, IP header at fip, payload at fl4.
            const int fip = Ethernet.HeaderLength, fl4 = fip + 20;
            int chunk = (n.Mtu - 20) & ~7;
            byte[] f = n.FragBuf;
            int result = 0;
            for (int off = 0; off < payloadLen; off += chunk)
            {
                int len = payloadLen - off; if (len > chunk) len = chunk;
                bool more = off + len < payloadLen;
                for (int k = 0; k < 20; k++) f[fip + k] = b[ip + k];
                Be.W16(f, fip + 2, 20 + len);
                Be.W16(f, fip + 6, (off >> 3) | (more ? 0x2000 : 0));
                f[fip + 10] = 0; f[fip + 11] = 0;
                Be.W16(f, fip + 10, Checksum.Compute(new ReadOnlySpan<byte>(f).Slice(fip, 20)));
                new ReadOnlySpan<byte>(b).Slice(L4Off + off, len).CopyTo(new Span<byte>(f).Slice(fl4, len));
                int e = EthernetOutput(n, r.NextHop, r.Broadcast, f, 0, fl4 + len);
                if (e < 0) result = e;
            }
            return result;
        }

        /// <summary>An IP packet (either version) into the loopback queue.</summary>
        internal int LoopOutput(ReadOnlySpan<byte> packet)
        {
            NetInterface lo = _ifs[0];
            if (!_loop.Enqueue(packet)) { lo.TxDropped++; return -Errno.ENOBUFS; }
            lo.TxPackets++; lo.TxBytes += packet.Length;
            return 0;
        }

        /// <summary>A frame in buf[start..start+len) with room for the Ethernet header: resolves the
        /// next hop and sends it (or parks it until ARP answers). off counts from the frame start.</summary>
        private int EthernetOutput(NetInterface n, uint nextHop, bool broadcast, byte[] buf, int start, int len, NetOffload off = default)
        {
            Span<byte> frame = new Span<byte>(buf).Slice(start, len);
            if (broadcast)
            {
                Ethernet.WriteHeader(frame, Ethernet.BroadcastMac, n.Device.Mac, Ethernet.TypeIpv4);
                TransmitFrame(n, frame, off);
                return 0;
            }
            ulong mac;
            if (n.Arp.Lookup(nextHop, _now, out mac))
            {
                Ethernet.WriteHeader(frame, mac, n.Device.Mac, Ethernet.TypeIpv4);
                TransmitFrame(n, frame, off);
                return 0;
            }
            Ethernet.WriteHeader(frame, 0, n.Device.Mac, Ethernet.TypeIpv4);
            if (!ReadyToPark(n, frame, off)) return 0;
            return n.Arp.Park(nextHop, frame, _now) ? 0 : -Errno.EHOSTUNREACH;
        }

        /// <summary>A frame waiting for ARP or neighbor discovery is later sent without offload
        /// metadata: its checksum is finished here. A TSO frame is too big to park: dropped (TCP
        /// sends it again), false.</summary>
        internal static bool ReadyToPark(NetInterface n, Span<byte> frame, NetOffload off)
        {
            if (off.GsoType != NetOffload.GsoNone) { n.TxDropped++; return false; }
            off.FinishChecksum(frame);
            return true;
        }

        internal void TransmitFrame(NetInterface n, ReadOnlySpan<byte> frame, NetOffload off = default)
        {
            bool ok = off.Any ? n.Device.Transmit(frame, off) : n.Device.Transmit(frame);
            if (ok) { n.TxPackets++; n.TxBytes += frame.Length; }
            else n.TxDropped++;
        }

        /// <summary>Is dst addressed to us on interface n?</summary>
        private bool AcceptsDestination(NetInterface n, uint dst)
        {
            if (n.IsLoopback) return true;
            if (n.Address == 0) return true;                       // unconfigured (DHCP in progress)
            if (dst == n.Address || dst == 0xFFFFFFFF) return true;
            if (n.PrefixLength < 31 && dst == n.SubnetBroadcast) return true;
            return false;
        }

        /// <summary>One IPv4 packet (no link header) received on n.</summary>
        internal void IpInput(NetInterface n, ReadOnlySpan<byte> p)
        {
            if (p.Length < 20 || (p[0] >> 4) != 4) { n.RxDropped++; return; }
            int ihl = (p[0] & 15) * 4;
            if (ihl < 20 || ihl > p.Length) { n.RxDropped++; return; }
            int total = Be.U16(p, 2);
            if (total < ihl || total > p.Length) { n.RxDropped++; return; }
            p = p.Slice(0, total);
            if (!n.IsLoopback && Checksum.Fold(Checksum.Add(0, p.Slice(0, ihl))) != 0xFFFF) { n.RxDropped++; return; }
            uint src = Be.U32(p, 12), dst = Be.U32(p, 16);
            if (!AcceptsDestination(n, dst)) { n.RxDropped++; return; }
            if (IsMulticastOrBroadcast(src) || (!n.IsLoopback && IsLoopbackNet(src))) { n.RxDropped++; return; }
            int frag = Be.U16(p, 6);
            int proto = p[9];
            if ((frag & 0x3FFF) != 0)
            {
                _rxChecksumValid = false;                          // the device vouched for a fragment, not the datagram
                int fo = frag & 0x1FFF, slot = _reasm.Input(n, Reassembly.Mapped(src), Reassembly.Mapped(dst), Be.U16(p, 4), proto,
                    fo * 8, (frag & 0x2000) != 0, p.Slice(ihl), p.Slice(0, 20), 0, _now);
                if (slot < 0) return;
                // Complete: a plain 20-byte header (the first fragment's, options dropped) in front.
                byte[] b = _reasm.Buffer(slot);
                int length = _reasm.Total(slot);
                b[0] = 0x45; Be.W16(b, 2, 20 + length); Be.W16(b, 6, 0);
                ReadOnlySpan<byte> whole = new ReadOnlySpan<byte>(b).Slice(0, 20 + length);
                _reasm.Done(slot);
                Deliver(n, src, dst, proto, whole.Slice(20), whole);
                return;
            }
            Deliver(n, src, dst, proto, p.Slice(ihl), p);
        }

        /// <summary>A whole datagram's transport payload; ipPacket is the original (first fragment's
        /// header + payload) for ICMP errors.</summary>
        internal void Deliver(NetInterface n, uint src, uint dst, int proto, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> ipPacket)
        {
            switch (proto)
            {
                case ProtoIcmp: IcmpInput(n, src, dst, payload, ipPacket); break;
                case ProtoUdp: UdpInput(n, new IpEndpoint(src, 0), new IpEndpoint(dst, 0), payload, ipPacket); break;
                case ProtoTcp: TcpInput(n, new IpEndpoint(src, 0), new IpEndpoint(dst, 0), payload); break;
                default:
                    if (!IsBroadcastAddress(dst)) SendIcmpError(3, 2, ipPacket);   // protocol unreachable
                    break;
            }
        }
    }
}
