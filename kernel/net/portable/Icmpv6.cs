// ICMPv6 (RFC 4443): echo replies, errors out (port unreachable, parameter problem for an
// unknown next header; rate limited with ICMP's bucket) and in (handed to the UDP/TCP socket the
// quoted packet came from), and neighbor discovery messages passed to the interface's cache.
using System;

namespace Kernel.Net
{
    public sealed partial class NetStack
    {
        public const int Icmp6Unreachable = 1, Icmp6PacketTooBig = 2, Icmp6TimeExceeded = 3, Icmp6ParamProblem = 4;
        public const int Icmp6EchoRequest = 128, Icmp6EchoReply = 129;
        public long Icmp6InEchos, Icmp6OutErrors;

        private void Icmp6Input(NetInterface n, IpEndpoint from, IpEndpoint to, int hopLimit, ReadOnlySpan<byte> m, ReadOnlySpan<byte> packet)
        {
            if (m.Length < 8) { Drop6(n); return; }
            if (!n.IsLoopback && Checksum.Fold(Checksum.Add(Checksum.Pseudo6(from.Address6, to.Address6, ProtoIcmp6, m.Length), m)) != 0xFFFF)
            {
                Drop6(n); return;
            }
            int type = m[0], code = m[1];
            if (type == Icmp6EchoRequest && code == 0)
            {
                if (to.Address6.IsMulticast) return;
                Icmp6InEchos++;
                Route r;
                if (FindRoute6(from.Address6, from.ScopeId, out r) < 0) return;
                if (m.Length > TxBuf.Length - L4Off) return;
                Span<byte> o = new Span<byte>(TxBuf).Slice(L4Off, m.Length);
                m.CopyTo(o);
                o[0] = Icmp6EchoReply; o[2] = 0; o[3] = 0;
                Be.W16(o, 2, Checksum.Finish(Checksum.Add(Checksum.Pseudo6(to.Address6, from.Address6, ProtoIcmp6, m.Length), o)));
                Ip6Output(ref r, to.Address6, from.Address6, ProtoIcmp6, m.Length);
                return;
            }
            if (type == NeighborCache.TypeSolicit || type == NeighborCache.TypeAdvert)
            {
                if (n.Ndp != null) n.Ndp.Input(from.Address6, to.Address6, hopLimit, m, _now);
                return;
            }
            if (type != Icmp6Unreachable && type != Icmp6TimeExceeded && type != Icmp6ParamProblem) return;
            // Quoted packet: the IPv6 header and at least 8 bytes of a TCP or UDP header right after it.
            ReadOnlySpan<byte> q = m.Slice(8);
            if (q.Length < 48 || (q[0] >> 4) != 6) return;
            Ip6Address qsrc = Ip6Address.Read(q, 8), qdst = Ip6Address.Read(q, 24);
            if (!IsLocalAddress6(qsrc)) return;
            int qproto = q[6];
            int err = Errno.EHOSTUNREACH;
            bool hard = false;
            if (type == Icmp6Unreachable)
            {
                switch (code)
                {
                    case 0: err = Errno.ENETUNREACH; break;
                    case 1: err = Errno.EACCES; hard = true; break;
                    case 4: err = Errno.ECONNREFUSED; hard = true; break;
                    default: err = Errno.EHOSTUNREACH; break;
                }
            }
            else if (type == Icmp6ParamProblem) { err = Errno.EPROTO; hard = true; }
            var qfrom = new IpEndpoint(qsrc, Be.U16(q, 40), ScopeOf(n, qsrc));
            var qto = new IpEndpoint(qdst, Be.U16(q, 42), ScopeOf(n, qdst));
            if (qproto == ProtoUdp) UdpIcmpError(qfrom, qto, err);
            else if (qproto == ProtoTcp) TcpIcmpError(qfrom, qto, Be.U32(q, 44), err, hard, type == Icmp6TimeExceeded);
        }

        /// <summary>Sends an ICMPv6 error quoting packet (as much as fits in the minimum MTU), never
        /// about an error, a multicast destination or an unspecified/multicast source (RFC 4443 2.4).</summary>
        internal void SendIcmp6Error(int type, int code, int pointer, ReadOnlySpan<byte> packet, NetInterface n)
        {
            if (packet.Length < 40) return;
            Ip6Address src = Ip6Address.Read(packet, 8), dst = Ip6Address.Read(packet, 24);
            if (src.IsUnspecified || src.IsMulticast || dst.IsMulticast) return;
            if (packet[6] == ProtoIcmp6 && (packet.Length < 41 || packet[40] < 128)) return;
            if (!TakeIcmpToken()) return;
            Route r;
            if (FindRoute6(src, ScopeOf(n, src), out r) < 0) return;
            Ip6Address from = IsLocalAddress6(dst) ? dst : r.Source6;
            int quote = packet.Length; if (quote > 1280 - 48) quote = 1280 - 48;
            Span<byte> o = new Span<byte>(TxBuf).Slice(L4Off, 8 + quote);
            o[0] = (byte)type; o[1] = (byte)code; o[2] = 0; o[3] = 0;
            Be.W32(o, 4, (uint)pointer);
            packet.Slice(0, quote).CopyTo(o.Slice(8));
            Be.W16(o, 2, Checksum.Finish(Checksum.Add(Checksum.Pseudo6(from, src, ProtoIcmp6, o.Length), o)));
            Icmp6OutErrors++;
            Ip6Output(ref r, from, src, ProtoIcmp6, o.Length);
        }
    }
}
