// IPv6 (RFC 8200): header validation, extension headers walked and skipped, local delivery,
// routing (::1 and our own addresses through the loopback queue, link-local and link-scope
// multicast on the interface named by the scope id) and output (fragments: Ipv6Fragments.cs).
// The addresses: ::1 on the loopback, one fe80::/64 address per Ethernet interface (EUI-64 from
// the MAC, no duplicate address detection). Not done: routers, global addresses, multicast
// group membership beyond all-nodes and our solicited-node group.
using System;

namespace Kernel.Net
{
    public sealed partial class NetStack
    {
        public const int ProtoIcmp6 = 58;
        internal const int Ext6HopByHop = 0, Ext6Routing = 43, Ext6Fragment = 44, Ext6NoNext = 59, Ext6DestOptions = 60;
        internal const int MaxExtensionHeaders = 8;
        public const int DefaultHopLimit = 64;
        public long Ip6InDropped;

        /// <summary>True if a is ::1 or the link-local address of an interface that is up.</summary>
        public bool IsLocalAddress6(Ip6Address a)
        {
            if (a.IsLoopback) return true;
            return OwnerOf6(a) != null;
        }

        /// <summary>The Ethernet interface whose (link-local) address a is, or null.</summary>
        internal NetInterface OwnerOf6(Ip6Address a)
        {
            if (a.IsUnspecified) return null;
            for (int i = 1; i < _ifCount; i++)
                if (_ifs[i].Up && _ifs[i].LinkLocal.Same(a)) return _ifs[i];
            return null;
        }

        /// <summary>The interface with this Linux-style index (lo is 1), or null.</summary>
        public NetInterface InterfaceByIfIndex(int ifIndex) => GetInterface(ifIndex - 1);

        /// <summary>The scope id an address seen on n carries: its interface for link-local addresses.</summary>
        internal int ScopeOf(NetInterface n, Ip6Address a)
        {
            if (!a.IsLinkLocal && !(a.IsMulticast && (a.Hi >> 48 & 0xF) <= 2)) return 0;
            if (!n.IsLoopback) return n.IfIndex;
            NetInterface owner = OwnerOf6(a);
            return owner != null ? owner.IfIndex : 0;
        }

        /// <summary>Chooses the interface, next hop and source address for an IPv6 destination.
        /// Link-local and link-scope multicast destinations need a scope id (-EINVAL without one,
        /// as Linux); there is no default router, so any other destination is unreachable.</summary>
        internal int FindRoute6(Ip6Address dst, int scopeId, out Route r)
        {
            r = default;
            r.V6 = true;
            if (dst.IsLoopback || dst.IsUnspecified)
            {
                r.If = _ifs[0]; r.Loop = true; r.Source6 = Ip6Address.Loopback; r.NextHop6 = Ip6Address.Loopback; r.Mtu = _ifs[0].Mtu;
                return 0;
            }
            NetInterface owner = OwnerOf6(dst);
            bool linkScope = dst.IsLinkLocal || (dst.IsMulticast && (dst.Hi >> 48 & 0xF) <= 2);
            if (linkScope && scopeId == 0) return -Errno.EINVAL;
            if (owner != null)
            {
                if (scopeId != 0 && scopeId != owner.IfIndex) return -Errno.ENETUNREACH;
                r.If = _ifs[0]; r.Loop = true; r.Source6 = dst; r.NextHop6 = dst; r.Mtu = _ifs[0].Mtu;
                return 0;
            }
            if (!linkScope) return -Errno.ENETUNREACH;
            NetInterface n = InterfaceByIfIndex(scopeId);
            if (n == null) return -Errno.ENODEV;
            if (n.IsLoopback || !n.Up) return -Errno.ENETUNREACH;
            r.If = n; r.Source6 = n.LinkLocal; r.NextHop6 = dst; r.Mtu = n.Mtu; r.Multicast = dst.IsMulticast;
            return 0;
        }

        /// <summary>Sends the transport payload already written at TxBuf[L4Off..] with a 40-byte
        /// IPv6 header in front, in fragments if it exceeds the route's MTU.</summary>
        internal int Ip6Output(ref Route r, Ip6Address src, Ip6Address dst, int proto, int payloadLen, int hopLimit = DefaultHopLimit, NetOffload off = default)
        {
            if (payloadLen > 65535) return -Errno.EMSGSIZE;
            if (40 + payloadLen > r.Mtu && (r.Loop || off.GsoType == NetOffload.GsoNone))
            {
                if (off.NeedsChecksum) off.FinishChecksum(new Span<byte>(TxBuf).Slice(L4Off, payloadLen));   // fragments carry no offload
                return Ip6Fragment(ref r, src, dst, proto, payloadLen, hopLimit);
            }
            return Ip6Emit(ref r, src, dst, proto, hopLimit, L4Off, payloadLen, off);
        }

        /// <summary>One packet: TxBuf[start..start+len) gets an IPv6 header in front (and an
        /// Ethernet header in front of that) and goes to the loopback queue or the interface.</summary>
        private int Ip6Emit(ref Route r, Ip6Address src, Ip6Address dst, int next, int hopLimit, int start, int len, NetOffload off = default)
        {
            byte[] b = TxBuf;
            int ip = start - 40, total = 40 + len;
            Be.W32(b, ip, 0x60000000); Be.W16(b, ip + 4, len); b[ip + 6] = (byte)next; b[ip + 7] = (byte)hopLimit;
            src.Write(b, ip + 8); dst.Write(b, ip + 24);
            if (r.Loop) return LoopOutput(new ReadOnlySpan<byte>(b).Slice(ip, total));
            NetInterface n = r.If;
            Span<byte> frame = new Span<byte>(b).Slice(ip - Ethernet.HeaderLength, Ethernet.HeaderLength + total);
            off = off.Shifted(Ethernet.HeaderLength + 40);
            ulong mac;
            if (r.Multicast)
            {
                Ethernet.WriteHeader(frame, Ethernet.MulticastMac(dst), n.Device.Mac, Ethernet.TypeIpv6);
                TransmitFrame(n, frame, off);
                return 0;
            }
            if (n.Ndp.Lookup(r.NextHop6, _now, out mac))
            {
                Ethernet.WriteHeader(frame, mac, n.Device.Mac, Ethernet.TypeIpv6);
                TransmitFrame(n, frame, off);
                return 0;
            }
            Ethernet.WriteHeader(frame, 0, n.Device.Mac, Ethernet.TypeIpv6);
            if (!ReadyToPark(n, frame, off)) return 0;
            return n.Ndp.Park(r.NextHop6, frame, _now) ? 0 : -Errno.EHOSTUNREACH;
        }

        /// <summary>Is dst addressed to us on n? The loopback takes ::1 and our own addresses; an
        /// Ethernet interface its link-local address, all-nodes and its solicited-node group.</summary>
        private bool AcceptsDestination6(NetInterface n, Ip6Address dst)
        {
            if (n.IsLoopback) return IsLocalAddress6(dst);
            if (n.LinkLocal.Same(dst)) return true;
            if (dst.Same(Ip6Address.AllNodes)) return true;
            return dst.Same(n.LinkLocal.SolicitedNode);
        }

        /// <summary>One IPv6 packet (no link header) received on n.</summary>
        internal void Ip6Input(NetInterface n, ReadOnlySpan<byte> p)
        {
            if (p.Length < 40 || (p[0] >> 4) != 6) { Drop6(n); return; }
            int plen = Be.U16(p, 4);
            if (40 + plen > p.Length) { Drop6(n); return; }         // jumbograms (length 0) included
            p = p.Slice(0, 40 + plen);
            Ip6Address src = Ip6Address.Read(p, 8), dst = Ip6Address.Read(p, 24);
            int hopLimit = p[7];
            if (src.IsMulticast || dst.IsUnspecified) { Drop6(n); return; }
            if (!n.IsLoopback && (src.IsLoopback || dst.IsLoopback || IsLocalAddress6(src))) { Drop6(n); return; }
            if (!AcceptsDestination6(n, dst)) { Drop6(n); return; }
            Walk6(n, p, src, dst, hopLimit, true);
        }

        /// <summary>Walks a packet's extension headers (each bounds-checked) to its upper layer and
        /// delivers it; "no next header" or anything we refuse ends the walk (silently dropped).
        /// A fragment goes to reassembly, and a reassembled datagram comes back here with
        /// fragments no longer allowed.</summary>
        private void Walk6(NetInterface n, ReadOnlySpan<byte> p, Ip6Address src, Ip6Address dst, int hopLimit, bool fragmentsAllowed)
        {
            int nh = p[6], nhField = 6, off = 40;
            for (int count = 0; ; count++)
            {
                if (nh != Ext6HopByHop && nh != Ext6DestOptions && nh != Ext6Routing && nh != Ext6Fragment) break;
                if (count == MaxExtensionHeaders || off + 8 > p.Length) { Drop6(n); return; }
                if (nh == Ext6HopByHop && off != 40) { Drop6(n); return; }   // only right after the header
                int len = nh == Ext6Fragment ? 8 : (p[off + 1] + 1) * 8;
                if (off + len > p.Length) { Drop6(n); return; }
                if (nh == Ext6HopByHop || nh == Ext6DestOptions)
                {
                    if (!OptionsAcceptable(p.Slice(off + 2, len - 2))) { Drop6(n); return; }
                }
                else if (nh == Ext6Routing)
                {
                    if (p[off + 3] != 0) { Drop6(n); return; }         // segments left: we do not forward
                }
                else if ((Be.U16(p, off + 2) & 0xFFF9) != 0)                // not an atomic fragment
                {
                    if (!fragmentsAllowed) { Drop6(n); return; }
                    _rxChecksumValid = false;                           // vouched for a fragment, not the datagram
                    int fo = Be.U16(p, off + 2);
                    int slot = _reasm6.Input(n, src, dst, Be.U32(p, off + 4), 0, fo & 0xFFF8, (fo & 1) != 0, p.Slice(off + 8),
                                             default, p[off] | hopLimit << 8, _now);
                    if (slot < 0) return;
                    Ip6Reassembled++;
                    // A fixed header in front of the payload (next header and hop limit: the first fragment's).
                    byte[] b = _reasm6.Buffer(slot);
                    int total = _reasm6.Total(slot), tag = _reasm6.Tag(slot);
                    Be.W32(b, 0, 0x60000000); Be.W16(b, 4, total); b[6] = (byte)tag; b[7] = (byte)(tag >> 8);
                    src.Write(b, 8); dst.Write(b, 24);
                    Walk6(n, new ReadOnlySpan<byte>(b).Slice(0, 40 + total), src, dst, hopLimit, false);
                    _reasm6.Done(slot);
                    return;
                }
                nhField = off; nh = p[off]; off += len;
            }
            if (nh == Ext6NoNext) return;
            Deliver6(n, src, dst, hopLimit, nh, nhField, p.Slice(off), p);
        }

        private void Drop6(NetInterface n) { n.RxDropped++; Ip6InDropped++; }

        /// <summary>Hop-by-hop or destination options: all must be padding or of a type whose
        /// high bits say "skip if unknown" (RFC 8200 4.2); anything else drops the packet.</summary>
        private static bool OptionsAcceptable(ReadOnlySpan<byte> o)
        {
            int i = 0;
            while (i < o.Length)
            {
                int type = o[i];
                if (type == 0) { i++; continue; }                     // Pad1
                if (i + 2 > o.Length) return false;
                int len = o[i + 1];
                if (i + 2 + len > o.Length) return false;
                if (type != 1 && (type >> 6) != 0) return false;       // not PadN and not skippable
                i += 2 + len;
            }
            return true;
        }

        private void Deliver6(NetInterface n, Ip6Address src, Ip6Address dst, int hopLimit, int proto, int nhField, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> packet)
        {
            var from = new IpEndpoint(src, 0, ScopeOf(n, src));
            var to = new IpEndpoint(dst, 0, ScopeOf(n, dst));
            switch (proto)
            {
                case ProtoIcmp6: Icmp6Input(n, from, to, hopLimit, payload, packet); break;
                case ProtoUdp: UdpInput(n, from, to, payload, packet); break;
                case ProtoTcp:
                    if (dst.IsMulticast) { Drop6(n); break; }
                    TcpInput(n, from, to, payload);
                    break;
                default:
                    // Unrecognized next header: parameter problem pointing at the field (RFC 8200 4).
                    if (!dst.IsMulticast) SendIcmp6Error(Icmp6ParamProblem, 1, nhField, packet, n);
                    break;
            }
        }

        // =====================================================================================
        // Either family: what the transports call.
        // =====================================================================================

        internal int FindRoute(IpEndpoint dst, out Route r) =>
            dst.V6 ? FindRoute6(dst.Address6, dst.ScopeId, out r) : FindRoute(dst.Address, out r);

        /// <summary>The pseudo-header sum for a transport checksum.</summary>
        internal static ulong PseudoSum(IpEndpoint src, IpEndpoint dst, int proto, int length) =>
            src.V6 ? Checksum.Pseudo6(src.Address6, dst.Address6, proto, length) : Checksum.Pseudo(src.Address, dst.Address, proto, length);

        /// <summary>Sends TxBuf[L4Off..+payloadLen) from src to dst (same family as the route).</summary>
        /// <summary>off: work for the device, offsets from L4Off; only where <see cref="OffloadDevice"/> allows it.</summary>
        internal int IpSend(ref Route r, IpEndpoint src, IpEndpoint dst, int proto, int payloadLen, bool dontFragment, NetOffload off = default)
        {
            if (r.V6 != dst.V6 || src.V6 != dst.V6) return -Errno.EAFNOSUPPORT;
            return dst.V6 ? Ip6Output(ref r, src.Address6, dst.Address6, proto, payloadLen, DefaultHopLimit, off)
                          : IpOutput(ref r, src.Address, dst.Address, proto, payloadLen, dontFragment, DefaultTtl, 0, off);
        }

        /// <summary>The device a route sends through, if it takes offload work (never the loopback).</summary>
        internal static NetDevice OffloadDevice(ref Route r) =>
            r.Loop || r.If == null || r.If.Device == null || !r.If.Device.TxChecksum ? null : r.If.Device;

        /// <summary>The source address a route gives (with its scope), as an endpoint with port 0.</summary>
        internal IpEndpoint RouteSource(ref Route r)
        {
            if (!r.V6) return new IpEndpoint(r.Source, 0);
            NetInterface owner = r.Loop ? OwnerOf6(r.Source6) : r.If;
            int scope = r.Source6.IsLinkLocal && owner != null ? owner.IfIndex : 0;
            return new IpEndpoint(r.Source6, 0, scope);
        }

        /// <summary>Does a socket bound to local (with IPV6_V6ONLY v6Only) take traffic for dst?
        /// An IPv6 wildcard without V6ONLY takes IPv4 too (dual stack, as Linux).</summary>
        internal static bool LocalAccepts(IpEndpoint local, bool v6Only, IpEndpoint dst)
        {
            if (local.V6)
            {
                if (local.Address6.IsUnspecified) return dst.V6 || !v6Only;
                return dst.V6 && local.Address6.Same(dst.Address6);
            }
            return !dst.V6 && (local.Address == 0 || local.Address == dst.Address);
        }

        /// <summary>Could two sockets bound to these addresses receive the same packet (bind conflicts)?</summary>
        internal static bool AddressesOverlap(IpEndpoint a, bool aV6Only, IpEndpoint b, bool bV6Only)
        {
            if (a.V6 == b.V6) return a.IsAny || b.IsAny || a.SameAddress(b);
            return a.V6 ? a.Address6.IsUnspecified && !aV6Only : b.Address6.IsUnspecified && !bV6Only;
        }

        /// <summary>Can a socket bind to local? IPv4: a wildcard, one of our addresses, or (broadcast
        /// allowed) a broadcast address. IPv6: ::, ::1, or a link-local address of ours with its
        /// interface's scope id (-EINVAL without one, as Linux).</summary>
        internal int CheckBindAddress(ref IpEndpoint local, bool allowBroadcast = false)
        {
            if (!local.V6)
            {
                if (local.Address == 0 || IsLocalAddress(local.Address)) return 0;
                return allowBroadcast && IsBroadcastAddress(local.Address) ? 0 : -Errno.EADDRNOTAVAIL;
            }
            Ip6Address a = local.Address6;
            if (a.IsV4Mapped) return -Errno.EINVAL;
            if (a.IsUnspecified || a.IsLoopback) { local.ScopeId = 0; return 0; }
            if (!a.IsLinkLocal) return -Errno.EADDRNOTAVAIL;
            if (local.ScopeId == 0) return -Errno.EINVAL;
            NetInterface owner = OwnerOf6(a);
            return owner != null && owner.IfIndex == local.ScopeId ? 0 : -Errno.EADDRNOTAVAIL;
        }

        /// <summary>May a socket bound to local send to dst? An unbound socket (port 0) may go
        /// anywhere; an IPv4-bound one not to IPv6; an IPv6 one to IPv4 only from the dual wildcard.</summary>
        internal int CheckFamilies(IpEndpoint local, bool v6Only, IpEndpoint dst)
        {
            if (dst.V6) return local.Port != 0 && !local.V6 ? -Errno.EAFNOSUPPORT : 0;
            if (v6Only) return -Errno.ENETUNREACH;
            return local.Port != 0 && local.V6 && !local.Address6.IsUnspecified ? -Errno.ENETUNREACH : 0;
        }

        /// <summary>32 bits standing for an address in hashes.</summary>
        internal static uint AddressHash(IpEndpoint e)
        {
            if (!e.V6) return e.Address;
            ulong h = Mix(e.Address6.Hi ^ Mix(e.Address6.Lo));
            return (uint)(h ^ (h >> 32));
        }
    }
}
