// TCP at the stack level: segment parsing and validation, demultiplexing to connections and
// listeners (either IP version), resets for segments nobody wants, ICMP errors, ports and initial
// sequence numbers.
using System;

namespace Kernel.Net
{
    /// <summary>A parsed TCP header (payload passed separately).</summary>
    internal struct TcpSeg
    {
        public IpEndpoint Src, Dst;           // addresses and ports, either family
        public ushort SrcPort => Src.Port;
        public ushort DstPort => Dst.Port;
        public uint Seq, Ack, Wnd;
        public int Flags;
        public int Mss, WScale;
        public bool SackOk, HasTs;
        public uint TsVal, TsEcr;
        public int SackN;                     // up to 4 SACK blocks
        public uint S0, E0, S1, E1, S2, E2, S3, E3;

        public void SackBlock(int i, out uint s, out uint e)
        {
            switch (i)
            {
                case 0: s = S0; e = E0; break;
                case 1: s = S1; e = E1; break;
                case 2: s = S2; e = E2; break;
                default: s = S3; e = E3; break;
            }
        }
    }

    public sealed partial class NetStack
    {
        // Tunables (Linux defaults).
        public int TcpSynRetries = 6, TcpSynAckRetries = 5, TcpRetries2 = 15;
        public long TcpTimeWaitMs = 60000, TcpFinTimeoutMs = 60000;
        public int TcpMaxHalfOpen = 256;
        /// <summary>tcp_syncookies = 1: SYNs beyond the half-open cap get a SYN cookie (false: dropped).</summary>
        public bool TcpSynCookies = true;
        public long TcpSynCookiesSent, TcpSynCookiesReceived, TcpSynCookiesFailed;
        public long TcpSegmentsIn, TcpSegmentsOut, TcpRetransmits, TcpResetsOut, TcpBadSegments;

        private ushort _tcpNextPort;

        private ulong _listSeq;
        private readonly SocketTable _tcpConns = new SocketTable();      // by 4-tuple: every state but LISTEN and CLOSED
        private readonly SocketTable _tcpListeners = new SocketTable();  // by local port: LISTEN

        internal void AddTcp(TcpSocket s)
        {
            if (s.InList) return;
            s.InList = true; s.PrevInList = null; s.NextInList = TcpList;
            if (TcpList != null) TcpList.PrevInList = s;
            TcpList = s;
            s.ListSeq = ++_listSeq;
            s.Rearm();                                   // only listed sockets run timers
        }

        internal void RemoveTcp(TcpSocket s)
        {
            UnhashTcp(s);
            if (!s.InList) return;
            s.InList = false;
            if (s.PrevInList != null) s.PrevInList.NextInList = s.NextInList; else TcpList = s.NextInList;
            if (s.NextInList != null) s.NextInList.PrevInList = s.PrevInList;
            s.NextInList = null; s.PrevInList = null;
            _tcpTimers.Remove(s);
        }

        /// <summary>Enters s in the table its state calls for: listeners by port, others by tuple.</summary>
        internal void HashTcp(TcpSocket s)
        {
            if (s.State == TcpState.Listen) _tcpListeners.Add(s, PortHash(s.Local.Port));
            else if (s.State != TcpState.Closed) _tcpConns.Add(s, TupleHash(s.Local, s.Remote));
        }

        internal void UnhashTcp(TcpSocket s) { if (s.HashedIn != null) s.HashedIn.Remove(s); }

        /// <summary>Keyed hash of a 4-tuple (addresses as SameAddress compares them: no scope).</summary>
        internal uint TupleHash(IpEndpoint local, IpEndpoint remote)
        {
            ulong h = Mix(Secret ^ ((ulong)AddressHash(local) << 32 | AddressHash(remote)));
            h = Mix(h ^ ((ulong)local.Port << 16 | remote.Port) ^ (local.V6 ? 0x5555555500000000UL : 0));
            return (uint)(h ^ (h >> 32));
        }

        internal uint PortHash(ushort port)
        {
            ulong h = Mix((Secret >> 16) ^ port ^ 0x632BE59BD9B4E019UL);
            return (uint)(h ^ (h >> 32));
        }

        /// <summary>The connection (any state but LISTEN and CLOSED) with this tuple, other than
        /// self; null if none.</summary>
        internal TcpSocket FindConnection(IpEndpoint local, IpEndpoint remote, TcpSocket self = null)
        {
            uint h = TupleHash(local, remote);
            for (NetSocket x = _tcpConns.First(h); x != null; x = x.HashNext)
            {
                if (x.HashKey != h || x == self) continue;
                TcpSocket s = (TcpSocket)x;
                if (s.State == TcpState.Closed || s.State == TcpState.Listen) continue;
                if (s.Local.Port == local.Port && s.Remote.Port == remote.Port && s.Local.SameAddress(local) && s.Remote.SameAddress(remote)) return s;
            }
            return null;
        }

        /// <summary>The listener taking a SYN for dst: a specific-address listener before a
        /// wildcard one. Within a SO_REUSEPORT group (the only way several listeners accept the same
        /// destination) the choice is what the list walk this replaces made: the newest wildcard
        /// listener, and the oldest specific one for new connections (oldestSpecific) or the newest
        /// for a SYN reusing a TIME_WAIT tuple.</summary>
        private TcpSocket FindListener(IpEndpoint dst, bool oldestSpecific = false)
        {
            uint h = PortHash(dst.Port);
            TcpSocket any = null, specific = null;
            for (NetSocket x = _tcpListeners.First(h); x != null; x = x.HashNext)
            {
                if (x.HashKey != h) continue;
                TcpSocket s = (TcpSocket)x;
                if (s.Local.Port != dst.Port || s.State != TcpState.Listen || !LocalAccepts(s.Local, s.V6Only, dst)) continue;
                if (!s.Local.IsAny)
                {
                    if (specific == null || (oldestSpecific ? s.ListSeq < specific.ListSeq : s.ListSeq > specific.ListSeq)) specific = s;
                }
                else if (any == null || s.ListSeq > any.ListSeq) any = s;
            }
            return specific != null ? specific : any;
        }

        /// <summary>Sockets in the lookup tables (tests: closing removes them).</summary>
        public int TcpConnectionsHashed => _tcpConns.Count;
        public int TcpListenersHashed => _tcpListeners.Count;
        public int TcpConnectionBuckets => _tcpConns.Buckets;

        /// <summary>Would binding self to addr:port conflict with another TCP socket?</summary>
        internal bool TcpBindConflict(IpEndpoint addr, ushort port, TcpSocket self)
        {
            for (TcpSocket s = TcpList; s != null; s = s.NextInList)
            {
                if (s == self || s.Local.Port != port) continue;
                if (!AddressesOverlap(s.Local, s.V6Only, addr, self.V6Only)) continue;
                if (self.ReusePort && s.ReusePort) continue;
                if (self.ReuseAddress && s.State == TcpState.TimeWait) continue;
                if (self.ReuseAddress && s.ReuseAddress && s.State != TcpState.Listen) continue;
                return true;
            }
            return false;
        }

        internal bool TcpListenConflict(IpEndpoint addr, ushort port, TcpSocket self)
        {
            uint h = PortHash(port);
            for (NetSocket x = _tcpListeners.First(h); x != null; x = x.HashNext)
            {
                TcpSocket s = (TcpSocket)x;
                if (s == self || s.Local.Port != port || s.State != TcpState.Listen) continue;
                if (!AddressesOverlap(s.Local, s.V6Only, addr, self.V6Only)) continue;
                if (self.ReusePort && s.ReusePort) continue;
                return true;
            }
            return false;
        }

        private bool TcpPortUsed(ushort port)
        {
            for (TcpSocket s = TcpList; s != null; s = s.NextInList) if (s.Local.Port == port) return true;
            return false;
        }

        internal ushort TcpEphemeral()
        {
            int range = EphemeralHigh - EphemeralLow + 1;
            if (_tcpNextPort == 0) _tcpNextPort = (ushort)(EphemeralLow + (int)(NetMemory.NextRandom(_now) % (ulong)range));
            for (int i = 0; i < range; i++)
            {
                ushort p = _tcpNextPort;
                _tcpNextPort = (ushort)(p == EphemeralHigh ? EphemeralLow : p + 1);
                if (!TcpPortUsed(p)) return p;
            }
            return 0;
        }

        internal bool TcpTupleUsed(IpEndpoint local, IpEndpoint remote, TcpSocket self) => FindConnection(local, remote, self) != null;

        /// <summary>RFC 6528 initial sequence number: a 4 µs clock plus a keyed hash of the tuple.</summary>
        internal uint InitialSequence(IpEndpoint local, IpEndpoint remote, long now)
        {
            ulong h = Secret ^ ((ulong)AddressHash(local) << 32 | AddressHash(remote));
            h = Mix(h ^ ((ulong)local.Port << 16 | remote.Port) ^ 0x9E3779B97F4A7C15UL);
            return (uint)(h ^ (h >> 32)) + (uint)(now * 250);
        }

        /// <summary>The 24 keyed bits of a SYN cookie: both endpoints, the peer's ISN, the cookie
        /// clock and the MSS index.</summary>
        internal uint CookieHash(IpEndpoint local, IpEndpoint remote, uint peerIsn, uint clock, int mssIndex)
        {
            ulong h = Mix(Secret ^ 0x5DEECE66DUL ^ ((ulong)AddressHash(local) << 32 | AddressHash(remote)));
            h = Mix(h ^ ((ulong)local.Port << 48 | (ulong)remote.Port << 32 | peerIsn));
            h = Mix(h ^ ((ulong)clock << 8 | (uint)mssIndex) ^ Secret >> 7);
            return (uint)(h ^ (h >> 32)) & 0xFFFFFF;
        }

        internal static ulong Mix(ulong x)
        {
            x ^= x >> 33; x *= 0xFF51AFD7ED558CCDUL; x ^= x >> 33; x *= 0xC4CEB9FE1A85EC53UL; x ^= x >> 33;
            return x;
        }

        private static bool ParseTcp(IpEndpoint src, IpEndpoint dst, ReadOnlySpan<byte> t, bool verify, out TcpSeg g, out int hdr)
        {
            g = default; hdr = 0;
            if (t.Length < 20) return false;
            hdr = (t[12] >> 4) * 4;
            if (hdr < 20 || hdr > t.Length) return false;
            if (verify && Checksum.Fold(Checksum.Add(PseudoSum(src, dst, ProtoTcp, t.Length), t)) != 0xFFFF) return false;
            g.Src = src; g.Dst = dst;
            g.Src.Port = Be.U16(t, 0); g.Dst.Port = Be.U16(t, 2);
            g.Seq = Be.U32(t, 4); g.Ack = Be.U32(t, 8);
            g.Flags = t[13] & 0x3F;
            g.Wnd = Be.U16(t, 14);
            g.WScale = -1;
            int o = 20;
            while (o < hdr)
            {
                int kind = t[o];
                if (kind == 0) break;
                if (kind == 1) { o++; continue; }
                if (o + 1 >= hdr) break;
                int len = t[o + 1];
                if (len < 2 || o + len > hdr) break;
                switch (kind)
                {
                    case 2: if (len == 4) g.Mss = Be.U16(t, o + 2); break;
                    case 3: if (len == 3) g.WScale = t[o + 2]; break;
                    case 4: if (len == 2) g.SackOk = true; break;
                    case 8: if (len == 10) { g.HasTs = true; g.TsVal = Be.U32(t, o + 2); g.TsEcr = Be.U32(t, o + 6); } break;
                    case 5:
                        for (int b = o + 2; b + 8 <= o + len && g.SackN < 4; b += 8)
                        {
                            uint bs = Be.U32(t, b), be = Be.U32(t, b + 4);
                            switch (g.SackN)
                            {
                                case 0: g.S0 = bs; g.E0 = be; break;
                                case 1: g.S1 = bs; g.E1 = be; break;
                                case 2: g.S2 = bs; g.E2 = be; break;
                                default: g.S3 = bs; g.E3 = be; break;
                            }
                            g.SackN++;
                        }
                        break;
                }
                o += len;
            }
            return true;
        }

        /// <summary>A TCP segment for us; src and dst carry the addresses (ports are in the header).</summary>
        private void TcpInput(NetInterface n, IpEndpoint src, IpEndpoint dst, ReadOnlySpan<byte> t)
        {
            TcpSeg g; int hdr;
            if (!ParseTcp(src, dst, t, MustVerify(n), out g, out hdr)) { TcpBadSegments++; n.RxDropped++; return; }
            if (!dst.V6 && (IsBroadcastAddress(dst.Address) || IsMulticastOrBroadcast(dst.Address))) return;
            TcpSegmentsIn++;
            ReadOnlySpan<byte> data = t.Slice(hdr);
            TcpSocket listener, conn = FindConnection(g.Dst, g.Src);
            if (conn != null)
            {
                // A new SYN may reuse a TIME_WAIT tuple if it is clearly newer (RFC 6191 style).
                if (conn.State == TcpState.TimeWait && (g.Flags & (TcpSocket.SYN | TcpSocket.ACK | TcpSocket.RST)) == TcpSocket.SYN
                    && (listener = FindListener(g.Dst)) != null && conn.SynMayReuse(ref g))
                {
                    conn.Kill();
                }
                else
                {
                    conn.Segment(ref g, data, _now);
                    return;
                }
            }
            else listener = FindListener(g.Dst, true);
            if (listener != null) { listener.ListenInput(ref g, data, _now); return; }
            SendReset(ref g, data.Length);
        }

        /// <summary>RST answering a segment that reached no connection (RFC 9293 3.10.7.1).</summary>
        internal void SendReset(ref TcpSeg g, int dataLen)
        {
            if ((g.Flags & TcpSocket.RST) != 0) return;
            if ((g.Flags & TcpSocket.ACK) != 0) SendBareSegment(g.Dst, g.Src, g.Ack, 0, TcpSocket.RST);
            else
            {
                uint len = (uint)dataLen + ((g.Flags & TcpSocket.SYN) != 0 ? 1u : 0) + ((g.Flags & TcpSocket.FIN) != 0 ? 1u : 0);
                SendBareSegment(g.Dst, g.Src, 0, g.Seq + len, TcpSocket.RST | TcpSocket.ACK);
            }
        }

        /// <summary>A header-only segment from src to dst (addresses and ports).</summary>
        internal void SendBareSegment(IpEndpoint src, IpEndpoint dst, uint seq, uint ack, int flags)
        {
            Route r;
            if (FindRoute(dst, out r) < 0) return;
            byte[] b = TxBuf;
            int o = L4Off;
            Be.W16(b, o, src.Port); Be.W16(b, o + 2, dst.Port); Be.W32(b, o + 4, seq); Be.W32(b, o + 8, ack);
            b[o + 12] = 5 << 4; b[o + 13] = (byte)flags; Be.W16(b, o + 14, 0); Be.W16(b, o + 16, 0); Be.W16(b, o + 18, 0);
            Be.W16(b, o + 16, Checksum.Finish(Checksum.Add(PseudoSum(src, dst, ProtoTcp, 20), new ReadOnlySpan<byte>(b).Slice(o, 20))));
            if ((flags & TcpSocket.RST) != 0) TcpResetsOut++;
            TcpSegmentsOut++;
            IpSend(ref r, src, dst, ProtoTcp, 20, true);
        }

        /// <summary>An ICMP or ICMPv6 error quoting a segment from src to dst (addresses and ports).</summary>
        private void TcpIcmpError(IpEndpoint src, IpEndpoint dst, uint seq, int err, bool hard, bool timeExceeded)
        {
            TcpSocket s = FindConnection(src, dst);
            if (s != null) s.IcmpError(seq, err, hard || timeExceeded);
        }
    }
}
