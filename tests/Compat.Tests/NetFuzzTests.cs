using Kernel;
using Kernel.Net;
using Xunit;
using static Compat.Tests.Pkt;

namespace Compat.Tests;

/// <summary>Feeds a stack with live sockets a million mutated frames: nothing may throw (the host
/// BCL turns any out-of-range access into an exception) and nothing may grow without bound.</summary>
[Collection("Net")]
public unsafe class NetFuzzTests
{
    static int s_changed;
    static void OnChanged() => s_changed++;

    sealed class Live { public TcpSocket S; public ushort PeerPort; public bool Ts; }

    [Fact]
    public void Fuzz_MillionMutatedFrames()
    {
        var h = new Harness();
        var rng = new Random(12345);
        NetStack.Changed = &OnChanged;
        try { Run(h, rng, 1_000_000); }
        finally { NetStack.Changed = null; }
    }

    static Live Establish(Harness h, TcpSocket listener, ushort peerPort, bool ts)
    {
        h.Dev.Sent.Clear();
        h.InjectTcp(peerPort, 80, 1000, 0, SYN, 65535, ts ? SynOptions(1460, 4, true, (uint)h.Now) : SynOptions(536));
        var sa = h.SentTcp().LastOrDefault(f => f.Syn);
        if (sa == null) return null;
        h.InjectTcp(peerPort, 80, 1001, sa.Seq + 1, ACK, 65535, ts ? TsOption((uint)h.Now, sa.TsVal) : null);
        var s = listener.Accept(out _);
        return s == null ? null : new Live { S = s, PeerPort = peerPort, Ts = ts };
    }

    static void Run(Harness h, Random rng, int frames)
    {
        var st = h.Stack;
        var listener = st.CreateTcp();
        Assert.Equal(0, listener.Bind(new IpEndpoint(0, 80)));
        Assert.Equal(0, listener.Listen(16));
        var udp = st.CreateUdp();
        Assert.Equal(0, udp.Bind(new IpEndpoint(0, 53)));
        var udp6 = st.CreateUdp();
        Assert.Equal(0, udp6.Bind(new IpEndpoint(Ip6Address.Any, 5353)));
        var listener6 = st.CreateTcp();
        listener6.V6Only = true;
        Assert.Equal(0, listener6.Bind(new IpEndpoint(Ip6Address.Any, 80)));
        Assert.Equal(0, listener6.Listen(16));
        var lives = new Live[4];
        ushort nextPort = 20000;
        // A loopback pair so internal traffic flows as well.
        var lol = st.CreateTcp(); lol.Bind(new IpEndpoint(0x7F000001, 81)); lol.Listen(4);
        var loc = st.CreateTcp(); loc.Connect(new IpEndpoint(0x7F000001, 81), h.Now);
        var los = lol.Accept(out _);
        Assert.NotNull(los);
        var buf = new byte[70000];
        int maxTcp = 0, maxLoop = 0;

        for (int i = 0; i < frames; i++)
        {
            if ((i & 1023) == 0)
            {
                for (int k = 0; k < lives.Length; k++)
                {
                    var l = lives[k];
                    if (l != null && (l.S.State == TcpState.Closed || l.S.State == TcpState.TimeWait)) { l.S.Close(h.Now); lives[k] = null; }
                    if (lives[k] == null) lives[k] = Establish(h, listener, nextPort++, (k & 1) == 0);
                    if (nextPort > 60000) nextPort = 20000;
                }
                foreach (var l in lives)
                {
                    if (l == null) continue;
                    l.S.Receive(buf, false, h.Now);
                    l.S.Send(new byte[rng.Next(0, 3000)], h.Now);
                }
                while (listener.Accept(out _) is TcpSocket extra) extra.Close(h.Now);
                while (listener6.Accept(out _) is TcpSocket extra6) extra6.Close(h.Now);
                while (udp.ReceiveFrom(buf, out _, false, out _) >= 0) { }
                while (udp6.ReceiveFrom(buf, out _, false, out _) >= 0) { }
                loc.Send(new byte[rng.Next(1, 5000)], h.Now);
                los.Receive(buf, false, h.Now);
                los.Send(new byte[rng.Next(1, 100)], h.Now);
                loc.Receive(buf, false, h.Now);
                h.Dev.Sent.Clear();
                maxTcp = Math.Max(maxTcp, st.TcpSocketCount);
                maxLoop = Math.Max(maxLoop, st.LoopbackQueued);
            }
            if ((i & 63) == 0)
            {
                h.Now += rng.Next(0, 40);
                if (st.NextDeadlineMs <= h.Now) st.Poll(h.Now);
            }
            byte[] f = Make(h, rng, lives);
            Mutate(f = f, rng, out f);
            if (rng.Next(10) < 6) FixChecksums(f);
            st.Input(h.If, f, h.Now);
            h.CheckTimers();
            if (h.Dev.Sent.Count > 4096) h.Dev.Sent.Clear();
        }
        Console.WriteLine($"FUZZSTATS segsIn={st.TcpSegmentsIn} bad={st.TcpBadSegments} segsOut={st.TcpSegmentsOut} rst={st.TcpResetsOut} rexmit={st.TcpRetransmits} echos={st.IcmpInEchos} icmpErr={st.IcmpOutErrors} changed={s_changed} rxDrop={h.If.RxDropped} maxTcp={maxTcp} now={h.Now} lives={string.Join(",", lives.Select(l => l?.S.State.ToString() ?? "-"))} udpDrops={udp.Drops} ip6drop={st.Ip6InDropped} echos6={st.Icmp6InEchos} icmp6Err={st.Icmp6OutErrors} udp6Queued={udp6.QueuedDatagrams} reasm6={st.Ip6Reassembled}");
        // Bounded: half-open cap + backlog + the live ones + TIME_WAITs of closed ones.
        Assert.True(maxTcp < 400, "tcp sockets " + maxTcp);
        Assert.True(st.ReassemblyActive <= 4);
        Assert.True(st.Reassembly6Active <= 4);
        Assert.True(maxLoop < 1000);
        // The loopback pair still works after all that.
        Assert.Equal(TcpState.Established, loc.State);
        while (los.Receive(buf, false, h.Now) > 0) { }
        Assert.Equal(3, loc.Send(new byte[] { 1, 2, 3 }, h.Now));
        loc.NoDelay = true;
        h.Now += 1000; st.Poll(h.Now);
        Assert.True(los.Receive(buf, false, h.Now) > 0);
        // Let everything time out: only the sockets we hold remain.
        foreach (var l in lives) l?.S.Close(h.Now);
        h.RunUntil(h.Now + 20 * 60 * 1000);
        while (listener.Accept(out _) is TcpSocket late) late.Close(h.Now);
        while (listener6.Accept(out _) is TcpSocket late6) late6.Close(h.Now);
        h.RunUntil(h.Now + 20 * 60 * 1000);
        Assert.True(st.TcpSocketCount <= 5, "left " + st.TcpSocketCount);
    }

    static readonly uint Me = Harness.Me, Peer = Harness.Peer;

    static byte[] Make(Harness h, Random rng, Live[] lives)
    {
        int kind = rng.Next(26);
        if (kind >= 20) return Make6(h, rng, kind);
        uint src = rng.Next(4) == 0 ? A(10, 0, 0, rng.Next(1, 255)) : Peer;
        switch (kind)
        {
            case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
            {
                var l = lives[rng.Next(lives.Length)];
                if (l == null) goto case 8;
                var s = l.S;
                uint seq = s.ReceiveNext + (uint)(rng.Next(3) == 0 ? rng.Next(-3000, 70000) : rng.Next(-10, 3000));
                uint ack = s.SendUnacked + (uint)rng.Next(-100, (int)(s.SendNext - s.SendUnacked) + 100);
                int flags = rng.Next(10) == 0 ? rng.Next(64) : ACK | (rng.Next(8) == 0 ? FIN : 0) | (rng.Next(4) == 0 ? PSH : 0) | (rng.Next(60) == 0 ? RST : 0);
                byte[] opts = null;
                int oc = rng.Next(6);
                if (l.Ts && oc < 4) opts = TsOption((uint)h.Now + (uint)rng.Next(-5, 5), (uint)rng.Next());
                else if (oc == 4) opts = RandomOptions(rng);
                else if (oc == 5)
                {
                    var o = new List<byte> { 1, 1, 5, 18 };
                    for (int b = 0; b < 16; b++) o.Add((byte)rng.Next(256));
                    opts = o.ToArray();
                }
                var data = new byte[rng.Next(3) == 0 ? 0 : rng.Next(0, 1400)];
                rng.NextBytes(data);
                return Eth(Harness.MyMac, Harness.PeerMac, 0x0800, Ip(Peer, Me, 6, Tcp(Peer, Me, l.PeerPort, 80, seq, ack, flags, rng.Next(0, 65536), opts, data)));
            }
            case 8: case 9:
            {
                byte[] opts = rng.Next(2) == 0 ? SynOptions(rng.Next(0, 2000), rng.Next(-1, 20), rng.Next(2) == 0, rng.Next(2) == 0 ? (uint)rng.Next() : null) : RandomOptions(rng);
                int flags = rng.Next(4) == 0 ? rng.Next(64) : SYN;
                int dport = rng.Next(3) == 0 ? rng.Next(1, 100) : 80;
                return Eth(Harness.MyMac, Harness.PeerMac, 0x0800, Ip(src, Me, 6, Tcp(src, Me, rng.Next(1, 65536), dport, (uint)rng.Next(), (uint)rng.Next(), flags, rng.Next(65536), opts)));
            }
            case 10: case 11:
            {
                var data = new byte[rng.Next(0, 600)]; rng.NextBytes(data);
                int dport = rng.Next(3) switch { 0 => 53, 1 => 68, _ => rng.Next(1, 65536) };
                uint dst = rng.Next(5) == 0 ? 0xFFFFFFFF : Me;
                return Eth(Harness.MyMac, Harness.PeerMac, 0x0800, Ip(src, dst, 17, Udp(src, dst, rng.Next(1, 65536), dport, data)));
            }
            case 12:
            {
                var rest = new byte[rng.Next(4, 200)]; rng.NextBytes(rest);
                return Eth(Harness.MyMac, Harness.PeerMac, 0x0800, Ip(src, Me, 1, Icmp(8, 0, rest)));
            }
            case 13:
            {
                // ICMP error quoting one of our connections (or garbage).
                var l = lives[rng.Next(lives.Length)];
                byte[] inner = l != null
                    ? Ip(Me, Peer, 6, Tcp(Me, Peer, 80, l.PeerPort, l.S.SendUnacked + (uint)rng.Next(0, 100), 0, ACK, 0))
                    : Ip(Me, Peer, 17, Udp(Me, Peer, 53, rng.Next(65536), new byte[8]));
                int type = rng.Next(2) == 0 ? 3 : 11;
                return Eth(Harness.MyMac, Harness.PeerMac, 0x0800, Ip(Peer, Me, 1, Icmp(type, rng.Next(0, 16), new byte[4].Concat(inner[..Math.Min(inner.Length, 28 + rng.Next(0, 20))]).ToArray())));
            }
            case 14: case 15:
            {
                // Fragments of a UDP datagram, any piece, random ids (a few), random offsets.
                var payload = new byte[rng.Next(8, 3000)]; rng.NextBytes(payload);
                int off = rng.Next(0, 400) * 8;
                int len = Math.Min(payload.Length, rng.Next(1, 185) * 8);
                int frag = (off / 8) | (rng.Next(3) != 0 ? 0x2000 : 0);
                return Eth(Harness.MyMac, Harness.PeerMac, 0x0800, Ip(src, Me, 17, payload[..len], id: rng.Next(0, 6), frag: frag));
            }
            case 16:
            {
                var mac = Mac(rng.Next(256));
                return Eth(rng.Next(2) == 0 ? Harness.MyMac : new byte[] { 255, 255, 255, 255, 255, 255 }, mac, 0x0806,
                    Arp(rng.Next(0, 4), mac, rng.Next(2) == 0 ? A(10, 0, 0, rng.Next(256)) : (uint)rng.Next(), mac, rng.Next(2) == 0 ? Me : (uint)rng.Next()));
            }
            case 17:
            {
                // A TCP segment with a big payload split into IP fragments? Just a random IP protocol.
                var data = new byte[rng.Next(0, 100)]; rng.NextBytes(data);
                return Eth(Harness.MyMac, Harness.PeerMac, 0x0800, Ip(src, Me, rng.Next(256), data));
            }
            default:
            {
                var f = new byte[rng.Next(0, 200)]; rng.NextBytes(f);
                if (f.Length >= 14) { Array.Copy(Harness.MyMac, f, 6); f[12] = 8; f[13] = (byte)(rng.Next(2) == 0 ? 0 : 6); }
                return f;
            }
        }
    }

    static readonly Ip6Address Me6 = Ip6Address.LinkLocalFromMac(Harness.MyMac), Peer6 = Ip6Address.LinkLocalFromMac(Harness.PeerMac);

    /// <summary>IPv6 frames: transports, ICMPv6 and neighbor discovery, extension header chains.</summary>
    static byte[] Make6(Harness h, Random rng, int kind)
    {
        Ip6Address src = rng.Next(4) == 0 ? new Ip6Address(0xFE80000000000000UL, (ulong)rng.Next(1, 300)) : Peer6;
        Ip6Address dst = rng.Next(6) switch { 0 => Me6.SolicitedNode, 1 => Ip6Address.AllNodes, 2 => new Ip6Address(0xFE80000000000000UL, 7), _ => Me6 };
        byte[] mac = dst.IsMulticast ? Pkt6.MulticastMac(dst) : Harness.MyMac;
        byte[] ext = null; int nh0 = -1;
        if (rng.Next(4) == 0)
        {
            // A chain of one to three extension headers, sometimes bogus.
            var e = new List<byte>(); var kinds = new[] { 0, 60, 43, 44 };
            int n = rng.Next(1, 4);
            int[] chosen = Enumerable.Range(0, n).Select(_ => kinds[rng.Next(kinds.Length)]).ToArray();
            nh0 = chosen[0];
            for (int i = 0; i < n; i++)
            {
                int len8 = chosen[i] == 44 ? 0 : rng.Next(0, 3);
                var hdr = new byte[8 + len8 * 8];
                rng.NextBytes(hdr);
                hdr[1] = (byte)len8;
                if (rng.Next(3) != 0 && chosen[i] != 44 && chosen[i] != 43) { for (int k = 2; k < hdr.Length; k++) hdr[k] = 0; hdr[2] = 1; hdr[3] = (byte)(hdr.Length - 4); }
                if (chosen[i] == 43 && rng.Next(2) == 0) hdr[3] = 0;
                if (chosen[i] == 44 && rng.Next(2) == 0) { hdr[2] = 0; hdr[3] = 0; }
                hdr[0] = (byte)(i + 1 < n ? chosen[i + 1] : 0);     // patched below
                e.AddRange(hdr);
            }
            ext = e.ToArray();
        }
        byte[] payload; int proto;
        switch (kind)
        {
            case 20:
            {
                var data = new byte[rng.Next(0, 600)]; rng.NextBytes(data);
                payload = Pkt6.Udp6(src, dst, rng.Next(1, 65536), rng.Next(2) == 0 ? 5353 : rng.Next(1, 65536), data); proto = 17;
                break;
            }
            case 21:
            {
                byte[] opts = rng.Next(2) == 0 ? SynOptions(rng.Next(0, 2000), rng.Next(-1, 20), rng.Next(2) == 0, rng.Next(2) == 0 ? (uint)rng.Next() : null) : RandomOptions(rng);
                int flags = rng.Next(4) == 0 ? rng.Next(64) : SYN;
                payload = Pkt6.Tcp6(src, dst, rng.Next(1, 65536), rng.Next(3) == 0 ? rng.Next(1, 100) : 80, (uint)rng.Next(), (uint)rng.Next(), flags, rng.Next(65536), opts); proto = 6;
                break;
            }
            case 22:
            {
                var rest = new byte[rng.Next(0, 120)]; rng.NextBytes(rest);
                int type = rng.Next(5) switch { 0 => 128, 1 => 135, 2 => 136, 3 => rng.Next(1, 5), _ => rng.Next(256) };
                if ((type == 135 || type == 136) && rest.Length >= 20 && rng.Next(2) == 0) Me6.Write(rest, 4);
                if ((type == 135 || type == 136) && rest.Length >= 28 && rng.Next(2) == 0) { rest[20] = (byte)(type == 135 ? 1 : 2); rest[21] = (byte)rng.Next(0, 3); }
                if (type < 5 && rest.Length >= 48 && rng.Next(2) == 0) { rest[4] = 0x60; rest[10] = (byte)(rng.Next(2) == 0 ? 6 : 17); Me6.Write(rest, 12); Peer6.Write(rest, 28); }
                payload = Pkt6.Icmp6(src, dst, type, rng.Next(3) == 0 ? rng.Next(256) : 0, rest); proto = 58;
                break;
            }
            case 23:
            {
                // A piece of a fragmented UDP datagram: a few ids, random offsets (multiples of 8).
                // Mostly the three 512-byte pieces of a ~1.3 KB datagram (so some complete), else anywhere.
                var whole = Pkt6.Udp6(src, dst, 7, 5353, new byte[1300]);
                bool tidy = rng.Next(4) != 0;
                int off = tidy ? rng.Next(0, 3) * 512 : rng.Next(0, 500) * 8;
                int len = tidy ? 512 : Math.Min(whole.Length, rng.Next(1, 200) * 8);
                bool more = tidy ? off < 1024 : rng.Next(3) != 0;
                int field = off | (more ? 1 : 0);
                var frag = new byte[] { 17, 0, (byte)(field >> 8), (byte)field, 0, 0, 0, (byte)rng.Next(0, 6) };
                var piece = whole.Skip(Math.Min(off, whole.Length)).Take(len).ToArray();
                return Eth(mac, Harness.PeerMac, 0x86DD, Pkt6.Ip6(src, dst, 44, piece.Length > 0 ? piece : whole[..8], 64, frag));
            }
            default:
            {
                payload = new byte[rng.Next(0, 100)]; rng.NextBytes(payload); proto = rng.Next(256);
                break;
            }
        }
        if (ext != null) ext[LastHeaderOffset(ext)] = (byte)proto;
        return Eth(mac, Harness.PeerMac, 0x86DD, Pkt6.Ip6(src, dst, ext != null ? nh0 : proto, payload, rng.Next(3) == 0 ? 255 : 64, ext));
    }

    static int LastHeaderOffset(byte[] ext)
    {
        int o = 0, last = 0;
        while (o < ext.Length) { last = o; o += 8 + ext[o + 1] * 8; }
        return last;
    }

    static byte[] RandomOptions(Random rng)
    {
        var o = new byte[rng.Next(0, 41)];
        rng.NextBytes(o);
        for (int i = 0; i < o.Length; i++) if (rng.Next(3) == 0) o[i] = (byte)rng.Next(0, 9);
        return o.Length > 40 ? o[..40] : o;
    }

    static void Mutate(byte[] f, Random rng, out byte[] result)
    {
        result = f;
        switch (rng.Next(9))
        {
            case 0: break;   // unmodified
            case 1: case 2:
                for (int n = rng.Next(1, 5); n > 0 && f.Length > 0; n--) f[rng.Next(f.Length)] ^= (byte)(1 << rng.Next(8));
                break;
            case 3:
                if (f.Length > 14) for (int n = rng.Next(1, 4); n > 0; n--) f[14 + rng.Next(Math.Min(60, f.Length - 14))] = (byte)rng.Next(256);
                break;
            case 4:
                result = f[..rng.Next(0, f.Length + 1)];
                break;
            case 5:
            {
                var g = new byte[f.Length + rng.Next(1, 100)];
                Array.Copy(f, g, f.Length);
                for (int k = f.Length; k < g.Length; k++) g[k] = (byte)rng.Next(256);
                result = g;
                break;
            }
            case 6:
                if (f.Length >= 18) { int v = rng.Next(65536); f[16] = (byte)(v >> 8); f[17] = (byte)v; }
                break;
            case 7:
                if (f.Length >= 34 + 14 && f[23] == 6) f[34 + 12] = (byte)(rng.Next(16) << 4);
                break;
            case 8:
                if (f.Length >= 34 + 6 && f[23] == 17) { int v = rng.Next(65536); f[34 + 4] = (byte)(v >> 8); f[34 + 5] = (byte)v; }
                break;
        }
    }

    static void FixChecksums(byte[] f)
    {
        if (f.Length >= 54 && f[12] == 0x86 && f[13] == 0xDD)
        {
            // Only when the upper layer follows the fixed header directly.
            int plen = f[18] << 8 | f[19], nh = f[20];
            if (54 + plen > f.Length) return;
            var s6 = Ip6Address.Read(f, 22); var d6 = Ip6Address.Read(f, 38);
            int at = nh == 6 ? 16 : nh == 17 ? 6 : nh == 58 ? 2 : -1;
            if (at < 0 || plen < at + 2) return;
            int l6 = nh == 17 && plen >= 8 ? Math.Min(plen, f[58] << 8 | f[59]) : plen;
            if (l6 < at + 2) return;
            f[54 + at] = 0; f[54 + at + 1] = 0;
            ushort c6 = Csum(f, 54, l6, Checksum.Pseudo6(s6, d6, nh, l6));
            if (nh == 17 && c6 == 0) c6 = 0xFFFF;
            f[54 + at] = (byte)(c6 >> 8); f[54 + at + 1] = (byte)c6;
            return;
        }
        if (f.Length < 34 || f[12] != 8 || f[13] != 0) return;
        int ihl = (f[14] & 15) * 4;
        if (ihl < 20 || 14 + ihl > f.Length) return;
        f[24] = 0; f[25] = 0;
        ushort c = Csum(f, 14, ihl); f[24] = (byte)(c >> 8); f[25] = (byte)c;
        int total = f[16] << 8 | f[17];
        if (total < ihl || 14 + total > f.Length) return;
        if (((f[20] << 8 | f[21]) & 0x3FFF) != 0) return;
        int proto = f[23], l4 = 14 + ihl, len = total - ihl;
        uint src = (uint)(f[26] << 24 | f[27] << 16 | f[28] << 8 | f[29]), dst = (uint)(f[30] << 24 | f[31] << 16 | f[32] << 8 | f[33]);
        if (proto == 6 && len >= 20)
        {
            f[l4 + 16] = 0; f[l4 + 17] = 0;
            c = Csum(f, l4, len, Checksum.Pseudo(src, dst, 6, len)); f[l4 + 16] = (byte)(c >> 8); f[l4 + 17] = (byte)c;
        }
        else if (proto == 17 && len >= 8)
        {
            int ulen = f[l4 + 4] << 8 | f[l4 + 5];
            if (ulen < 8 || ulen > len) return;
            f[l4 + 6] = 0; f[l4 + 7] = 0;
            c = Csum(f, l4, ulen, Checksum.Pseudo(src, dst, 17, ulen)); f[l4 + 6] = (byte)(c >> 8); f[l4 + 7] = (byte)c;
        }
        else if (proto == 1 && len >= 4)
        {
            f[l4 + 2] = 0; f[l4 + 3] = 0;
            c = Csum(f, l4, len); f[l4 + 2] = (byte)(c >> 8); f[l4 + 3] = (byte)c;
        }
    }
}
