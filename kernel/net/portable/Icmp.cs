// ICMP (RFC 792/1122): echo replies, destination unreachable out (closed UDP port, unknown
// protocol) and in (handed to the UDP/TCP socket the quoted packet came from).
using System;

namespace Kernel.Net
{
    public sealed partial class NetStack
    {
        public const int IcmpEchoReply = 0, IcmpUnreachable = 3, IcmpEchoRequest = 8, IcmpTimeExceeded = 11;
        public long IcmpInEchos, IcmpOutErrors;
        private int _icmpTokens = 50;
        private long _icmpRefillMs;

        private void IcmpInput(NetInterface n, uint src, uint dst, ReadOnlySpan<byte> m, ReadOnlySpan<byte> ipPacket)
        {
            if (m.Length < 8) return;
            if (Checksum.Fold(Checksum.Add(0, m)) != 0xFFFF && !n.IsLoopback) return;
            int type = m[0], code = m[1];
            if (type == IcmpEchoRequest && code == 0)
            {
                if (IsBroadcastAddress(dst)) return;             // as Linux: icmp_echo_ignore_broadcasts
                IcmpInEchos++;
                Route r;
                if (FindRoute(src, out r) < 0) return;
                if (m.Length > TxBuf.Length - L4Off) return;
                Span<byte> o = new Span<byte>(TxBuf).Slice(L4Off, m.Length);
                m.CopyTo(o);
                o[0] = IcmpEchoReply; o[2] = 0; o[3] = 0;
                Be.W16(o, 2, Checksum.Compute(o));
                IpOutput(ref r, dst, src, ProtoIcmp, m.Length, false);
                return;
            }
            if (type == IcmpUnreachable || type == IcmpTimeExceeded)
            {
                // Quoted packet: IP header + at least 8 bytes of the transport header.
                ReadOnlySpan<byte> q = m.Slice(8);
                if (q.Length < 20 || (q[0] >> 4) != 4) return;
                int ihl = (q[0] & 15) * 4;
                if (ihl < 20 || q.Length < ihl + 8) return;
                uint qsrc = Be.U32(q, 12), qdst = Be.U32(q, 16);
                if (!IsLocalAddress(qsrc)) return;
                int qproto = q[9];
                ushort sport = Be.U16(q, ihl), dport = Be.U16(q, ihl + 2);
                int err = Errno.EHOSTUNREACH;
                bool hard = false;
                if (type == IcmpUnreachable)
                {
                    switch (code)
                    {
                        case 0: err = Errno.ENETUNREACH; break;
                        case 1: err = Errno.EHOSTUNREACH; break;
                        case 2: err = Errno.ENOPROTOOPT; hard = true; break;
                        case 3: err = Errno.ECONNREFUSED; hard = true; break;
                        case 4: err = Errno.EMSGSIZE; break;
                        default: err = Errno.EHOSTUNREACH; break;
                    }
                }
                var from = new IpEndpoint(qsrc, sport); var to = new IpEndpoint(qdst, dport);
                if (qproto == ProtoUdp) UdpIcmpError(from, to, err);
                else if (qproto == ProtoTcp) TcpIcmpError(from, to, Be.U32(q, ihl + 4), err, hard, type == IcmpTimeExceeded);
            }
        }

        /// <summary>Token bucket shared by ICMP and ICMPv6 errors (as Linux's icmp_ratelimit): a
        /// burst of 50, then one per 20 ms.</summary>
        private bool TakeIcmpToken()
        {
            long refill = (_now - _icmpRefillMs) / 20;
            if (refill > 0) { _icmpTokens = (int)(_icmpTokens + refill > 50 ? 50 : _icmpTokens + refill); _icmpRefillMs = _now; }
            else if (_now < _icmpRefillMs) _icmpRefillMs = _now;
            if (_icmpTokens <= 0) return false;
            _icmpTokens--;
            return true;
        }

        /// <summary>Sends an ICMP error quoting ipPacket (RFC 1122 3.2.2 rules for when not to).</summary>
        internal void SendIcmpError(int type, int code, ReadOnlySpan<byte> ipPacket)
        {
            if (ipPacket.Length < 20) return;
            int ihl = (ipPacket[0] & 15) * 4;
            if (ihl < 20 || ihl > ipPacket.Length) return;
            uint src = Be.U32(ipPacket, 12), dst = Be.U32(ipPacket, 16);
            if (src == 0 || IsMulticastOrBroadcast(src) || IsMulticastOrBroadcast(dst) || IsBroadcastAddress(dst)) return;
            if ((Be.U16(ipPacket, 6) & 0x1FFF) != 0) return;                  // not the first fragment
            if (ipPacket[9] == ProtoIcmp)
            {
                if (ipPacket.Length < ihl + 1) return;
                int t = ipPacket[ihl];
                if (t != IcmpEchoRequest && t != IcmpEchoReply) return;         // never answer an error with an error
            }
            if (!TakeIcmpToken()) return;
            Route r;
            if (FindRoute(src, out r) < 0) return;
            int quote = ipPacket.Length; if (quote > 576 - 28) quote = 576 - 28;
            Span<byte> o = new Span<byte>(TxBuf).Slice(L4Off, 8 + quote);
            o[0] = (byte)type; o[1] = (byte)code; o[2] = 0; o[3] = 0; o[4] = 0; o[5] = 0; o[6] = 0; o[7] = 0;
            ipPacket.Slice(0, quote).CopyTo(o.Slice(8));
            Be.W16(o, 2, Checksum.Compute(o));
            IcmpOutErrors++;
            IpOutput(ref r, IsLocalAddress(dst) ? dst : r.Source, src, ProtoIcmp, 8 + quote, false);
        }
    }
}
