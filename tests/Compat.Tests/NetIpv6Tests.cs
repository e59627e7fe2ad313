using Kernel;
using Kernel.Net;
using Xunit;
using static Compat.Tests.Pkt;

namespace Compat.Tests;

/// <summary>IPv6 frames for scripted peers.</summary>
public static class Pkt6
{
    public static readonly Ip6Address Lo = Ip6Address.Loopback;
    public static Ip6Address LinkLocal(byte[] mac) => Ip6Address.LinkLocalFromMac(mac);

    public static byte[] Bytes(Ip6Address a) { var b = new byte[16]; a.Write(b, 0); return b; }

    public static ulong Sum(Ip6Address src, Ip6Address dst, int proto, int len) => Checksum.Pseudo6(src, dst, proto, len);

    /// <summary>An IPv6 packet; extension headers (already chained) go in ext, nh names the first.</summary>
    public static byte[] Ip6(Ip6Address src, Ip6Address dst, int nh, byte[] payload, int hop = 64, byte[] ext = null)
    {
        ext ??= Array.Empty<byte>();
        var p = new byte[40 + ext.Length + payload.Length];
        p[0] = 0x60; p[4] = (byte)((ext.Length + payload.Length) >> 8); p[5] = (byte)(ext.Length + payload.Length);
        p[6] = (byte)nh; p[7] = (byte)hop;
        src.Write(p, 8); dst.Write(p, 24);
        Array.Copy(ext, 0, p, 40, ext.Length);
        Array.Copy(payload, 0, p, 40 + ext.Length, payload.Length);
        return p;
    }

    public static byte[] Udp6(Ip6Address src, Ip6Address dst, int sp, int dp, byte[] data)
    {
        var u = new byte[8 + data.Length];
        u[0] = (byte)(sp >> 8); u[1] = (byte)sp; u[2] = (byte)(dp >> 8); u[3] = (byte)dp;
        u[4] = (byte)(u.Length >> 8); u[5] = (byte)u.Length;
        Array.Copy(data, 0, u, 8, data.Length);
        ushort c = Csum(u, 0, u.Length, Sum(src, dst, 17, u.Length));
        if (c == 0) c = 0xFFFF;
        u[6] = (byte)(c >> 8); u[7] = (byte)c;
        return u;
    }

    public static byte[] Tcp6(Ip6Address src, Ip6Address dst, int sp, int dp, uint seq, uint ack, int flags, int wnd = 65535, byte[] options = null, byte[] data = null)
    {
        // Build with a dummy IPv4 pseudo header of zero, then redo the checksum for IPv6.
        byte[] t = Tcp(0, 0, sp, dp, seq, ack, flags, wnd, options, data);
        t[16] = 0; t[17] = 0;
        ushort c = Csum(t, 0, t.Length, Sum(src, dst, 6, t.Length));
        t[16] = (byte)(c >> 8); t[17] = (byte)c;
        return t;
    }

    public static byte[] Icmp6(Ip6Address src, Ip6Address dst, int type, int code, byte[] rest)
    {
        var m = new byte[4 + rest.Length];
        m[0] = (byte)type; m[1] = (byte)code;
        Array.Copy(rest, 0, m, 4, rest.Length);
        ushort c = Csum(m, 0, m.Length, Sum(src, dst, 58, m.Length));
        m[2] = (byte)(c >> 8); m[3] = (byte)c;
        return m;
    }

    /// <summary>A neighbor solicitation for target, with a source link-layer address option.</summary>
    public static byte[] Solicit(Ip6Address src, Ip6Address dst, Ip6Address target, byte[] mac)
    {
        var rest = new byte[4 + 16 + 8];
        target.Write(rest, 4);
        rest[20] = 1; rest[21] = 1; Array.Copy(mac, 0, rest, 22, 6);
        return Icmp6(src, dst, 135, 0, rest);
    }

    public static byte[] Advert(Ip6Address src, Ip6Address dst, Ip6Address target, byte[] mac, int flags = 0x60)
    {
        var rest = new byte[4 + 16 + 8];
        rest[0] = (byte)flags;
        target.Write(rest, 4);
        rest[20] = 2; rest[21] = 1; Array.Copy(mac, 0, rest, 22, 6);
        return Icmp6(src, dst, 136, 0, rest);
    }

    public static byte[] MulticastMac(Ip6Address group) =>
        new byte[] { 0x33, 0x33, (byte)(group.Lo >> 24), (byte)(group.Lo >> 16), (byte)(group.Lo >> 8), (byte)group.Lo };

    public sealed class P6
    {
        public byte[] DstMac; public int EtherType;
        public Ip6Address Src, Dst; public int Next, Hop, PayloadLength;
        public byte[] Payload;
        public bool ChecksumOk;
        public int Type => Payload.Length > 0 ? Payload[0] : -1;
        public ushort SrcPort => (ushort)(Payload[0] << 8 | Payload[1]);
        public ushort DstPort => (ushort)(Payload[2] << 8 | Payload[3]);
        public int TcpFlags => Payload[13];
        public uint Seq => (uint)(Payload[4] << 24 | Payload[5] << 16 | Payload[6] << 8 | Payload[7]);
    }

    /// <summary>An Ethernet frame carrying IPv6 (null otherwise).</summary>
    public static P6 Parse(byte[] f)
    {
        if (f.Length < 54 || f[12] != 0x86 || f[13] != 0xDD) return null;
        var r = new P6 { DstMac = f[0..6], EtherType = 0x86DD };
        r.PayloadLength = f[18] << 8 | f[19]; r.Next = f[20]; r.Hop = f[21];
        r.Src = Ip6Address.Read(f, 22); r.Dst = Ip6Address.Read(f, 38);
        r.Payload = f[54..(54 + r.PayloadLength)];
        r.ChecksumOk = Checksum.Fold(Checksum.Add(Sum(r.Src, r.Dst, r.Next, r.Payload.Length), r.Payload)) == 0xFFFF;
        return r;
    }
}

[Collection("Net")]
public class NetIpv6Tests
{
    static readonly Ip6Address Lo6 = Ip6Address.Loopback;
    static IpEndpoint Ep6(Ip6Address a, int port, int scope = 0) => new IpEndpoint(a, (ushort)port, scope);

    [Fact]
    public void AddressHelpers()
    {
        var ll = Ip6Address.LinkLocalFromMac(new byte[] { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 });
        Assert.Equal(0xFE80000000000000UL, ll.Hi);
        Assert.Equal(0x505400FFFE123456UL, ll.Lo);
        Assert.True(ll.IsLinkLocal);
        Assert.Equal(0x00000001FF123456UL, ll.SolicitedNode.Lo);
        Assert.True(ll.SolicitedNode.IsMulticast);
        Assert.True(new Ip6Address(0, 0xFFFF7F000001UL).IsV4Mapped);
        Assert.True(Lo6.IsLoopback && !Lo6.IsLinkLocal);
    }

    [Fact]
    public void TcpOverLoopback_DualListener_DataAndClose()
    {
        var s = new NetStack();
        var l = s.CreateTcp();
        Assert.Equal(0, l.Bind(Ep6(Ip6Address.Any, 8080)));
        Assert.Equal(0, l.Listen(8));
        var c = s.CreateTcp();
        Assert.Equal(0, c.Connect(Ep6(Lo6, 8080), 0));
        Assert.Equal(TcpState.Established, c.State);
        Assert.True(c.Local.V6 && c.Local.Address6.IsLoopback && c.Local.Port != 0);
        Assert.Equal(65476, c.Mss + 12);                      // 65536 - 40 - 20, timestamps on
        var a = l.Accept(out int err);
        Assert.NotNull(a);
        Assert.True(a.Remote.V6 && a.Remote.Address6.IsLoopback);
        Assert.Equal(c.Local.Port, a.Remote.Port);
        Assert.Equal(8080, a.Local.Port);
        var big = new byte[200000];
        new Random(1).NextBytes(big);
        var got = new List<byte>();
        var buf = new byte[70000];
        int sent = 0;
        long now = 1;
        while (got.Count < big.Length)
        {
            if (sent < big.Length) { int n = c.Send(big.AsSpan(sent), now); if (n > 0) sent += n; }
            int r = a.Receive(buf, false, now);
            if (r > 0) got.AddRange(buf[..r]);
            s.Poll(++now);
            Assert.True(now < 10000);
        }
        Assert.Equal(big, got.ToArray());
        Assert.Equal(3, a.Send("bye"u8, now));
        Assert.Equal(3, c.Receive(buf, false, now));
        c.Close(now);
        Assert.Equal(0, a.Receive(buf, false, now));
        a.Close(now);
        Assert.Equal(TcpState.TimeWait, c.State);
        // An IPv4 client reaches the same (dual-stack) listener as IPv4.
        var c4 = s.CreateTcp();
        Assert.Equal(0, c4.Connect(new IpEndpoint(0x7F000001, 8080), now));
        var a4 = l.Accept(out err);
        Assert.NotNull(a4);
        Assert.False(a4.Local.V6);
        Assert.Equal(0x7F000001u, a4.Remote.Address);
    }

    [Fact]
    public void V6OnlyListenerRefusesIpv4_AndBindConflictsFollowLinux()
    {
        var s = new NetStack();
        var l = s.CreateTcp();
        l.V6Only = true;
        Assert.Equal(0, l.Bind(Ep6(Ip6Address.Any, 9000)));
        Assert.Equal(0, l.Listen(4));
        var c4 = s.CreateTcp();
        Assert.Equal(-Errno.ECONNREFUSED, c4.Connect(new IpEndpoint(0x7F000001, 9000), 0));
        var c6 = s.CreateTcp();
        Assert.Equal(0, c6.Connect(Ep6(Lo6, 9000), 0));
        // IPv4 wildcard + V6ONLY IPv6 wildcard coexist; a dual wildcard conflicts with the IPv4 one.
        var v4 = s.CreateTcp();
        Assert.Equal(0, v4.Bind(new IpEndpoint(0, 9000)));
        var dual = s.CreateTcp();
        Assert.Equal(-Errno.EADDRINUSE, dual.Bind(Ep6(Ip6Address.Any, 9000)));
        Assert.Equal(-Errno.EADDRINUSE, dual.Bind(Ep6(Lo6, 9000)));
        Assert.Equal(0, dual.Bind(Ep6(Lo6, 9001)));
        var v4b = s.CreateTcp();
        Assert.Equal(0, v4b.Bind(new IpEndpoint(0, 9001)));       // ::1 does not overlap 0.0.0.0
        // Addresses we do not have.
        var x = s.CreateTcp();
        Assert.Equal(-Errno.EADDRNOTAVAIL, x.Bind(Ep6(new Ip6Address(0x20010DB800000000UL, 1), 9002)));
        Assert.Equal(-Errno.EINVAL, x.Bind(Ep6(new Ip6Address(0xFE80000000000000UL, 1), 9002)));   // link-local needs a scope
        // Nothing listens on ::1:9999: refused inside the call; no route to a global address.
        var r = s.CreateTcp();
        Assert.Equal(-Errno.ECONNREFUSED, r.Connect(Ep6(Lo6, 9999), 0));
        Assert.Equal(-Errno.ENETUNREACH, s.CreateTcp().Connect(Ep6(new Ip6Address(0x20010DB800000000UL, 1), 80), 0));
    }

    [Fact]
    public void UdpOverLoopback()
    {
        var s = new NetStack();
        var srv = s.CreateUdp();
        Assert.Equal(0, srv.Bind(Ep6(Lo6, 5353)));
        var cli = s.CreateUdp();
        Assert.Equal(5, cli.SendTo("hello"u8, Ep6(Lo6, 5353), 1));
        var buf = new byte[100];
        Assert.Equal(5, srv.ReceiveFrom(buf, out IpEndpoint from, false, out int full));
        Assert.True(from.V6 && from.Address6.IsLoopback);
        Assert.Equal(cli.Local.Port, from.Port);
        Assert.True(cli.Local.V6);
        Assert.Equal(2, srv.SendTo("ok"u8, from, 2));
        Assert.Equal(2, cli.ReceiveFrom(buf, out from, false, out full));
        Assert.Equal(5353, from.Port);
        // A dual wildcard socket gets IPv4 too, with an IPv4 source.
        var dual = s.CreateUdp();
        Assert.Equal(0, dual.Bind(Ep6(Ip6Address.Any, 6000)));
        var c4 = s.CreateUdp();
        Assert.Equal(1, c4.SendTo(new byte[] { 7 }, new IpEndpoint(0x7F000001, 6000), 3));
        Assert.Equal(1, dual.ReceiveFrom(buf, out from, false, out full));
        Assert.False(from.V6);
        Assert.Equal(0x7F000001u, from.Address);
        var v6only = s.CreateUdp();
        v6only.V6Only = true;
        Assert.Equal(0, v6only.Bind(Ep6(Ip6Address.Any, 6001)));
        Assert.Equal(1, c4.SendTo(new byte[] { 7 }, new IpEndpoint(0x7F000001, 6001), 3));
        Assert.Equal(-Errno.EAGAIN, v6only.ReceiveFrom(buf, out from, false, out full));
        // A connected socket learns of a closed port through ICMPv6 port unreachable.
        var conn = s.CreateUdp();
        Assert.Equal(0, conn.Connect(Ep6(Lo6, 7777)));
        Assert.Equal(1, conn.Send(new byte[] { 1 }, 4));
        Assert.Equal(-Errno.ECONNREFUSED, conn.ReceiveFrom(buf, out from, false, out full));
        Assert.True(s.Icmp6OutErrors > 0);
    }

    /// <summary>A harness peer on the same link, speaking IPv6 from its link-local address.</summary>
    sealed class Link6
    {
        public readonly Harness H = new();
        public readonly Ip6Address Me, Peer;
        public Link6()
        {
            Me = Ip6Address.LinkLocalFromMac(Harness.MyMac);
            Peer = Ip6Address.LinkLocalFromMac(Harness.PeerMac);
        }
        public void Inject(byte[] ip6, byte[] dstMac = null) => H.Inject(Eth(dstMac ?? Harness.MyMac, Harness.PeerMac, 0x86DD, ip6));
        public List<Pkt6.P6> Sent() => H.Dev.TakeAll().Select(Pkt6.Parse).Where(p => p != null).ToList();
    }

    [Fact]
    public void NeighborSolicitationAnswered()
    {
        var k = new Link6();
        Assert.Equal(k.Me, k.H.If.LinkLocal);
        var group = k.Me.SolicitedNode;
        k.Inject(Pkt6.Ip6(k.Peer, group, 58, Pkt6.Solicit(k.Peer, group, k.Me, Harness.PeerMac), hop: 255), Pkt6.MulticastMac(group));
        var na = Assert.Single(k.Sent());
        Assert.Equal(Harness.PeerMac, na.DstMac);
        Assert.Equal(136, na.Type);
        Assert.Equal(255, na.Hop);
        Assert.True(na.ChecksumOk);
        Assert.Equal(k.Me, na.Src);
        Assert.Equal(k.Peer, na.Dst);
        Assert.Equal(0x60, na.Payload[4]);                     // solicited, override
        Assert.Equal(k.Me, Ip6Address.Read(na.Payload, 8));
        Assert.Equal(new byte[] { 2, 1 }.Concat(Harness.MyMac).ToArray(), na.Payload[24..32]);
        // Not for us, wrong hop limit, another group: ignored.
        k.Inject(Pkt6.Ip6(k.Peer, group, 58, Pkt6.Solicit(k.Peer, group, k.Me, Harness.PeerMac), hop: 64), Pkt6.MulticastMac(group));
        var other = new Ip6Address(0xFE80000000000000UL, 99);
        k.Inject(Pkt6.Ip6(k.Peer, other.SolicitedNode, 58, Pkt6.Solicit(k.Peer, other.SolicitedNode, other, Harness.PeerMac), hop: 255), Pkt6.MulticastMac(other.SolicitedNode));
        Assert.Empty(k.Sent());
        // Duplicate address detection probe for our address: we defend it to all-nodes.
        k.Inject(Pkt6.Ip6(Ip6Address.Any, group, 58, Pkt6.Icmp6(Ip6Address.Any, group, 135, 0, new byte[4].Concat(Pkt6.Bytes(k.Me)).ToArray()), hop: 255), Pkt6.MulticastMac(group));
        var dad = Assert.Single(k.Sent());
        Assert.Equal(Ip6Address.AllNodes, dad.Dst);
        Assert.Equal(0x20, dad.Payload[4]);
    }

    [Fact]
    public void EchoRequestAnsweredAfterNeighborDiscovery()
    {
        var k = new Link6();
        var echo = Pkt6.Icmp6(k.Peer, k.Me, 128, 0, new byte[] { 0, 1, 0, 2, 9, 8, 7 });
        k.Inject(Pkt6.Ip6(k.Peer, k.Me, 58, echo));
        // We do not know the peer's MAC yet: a solicitation goes to its solicited-node group.
        var ns = Assert.Single(k.Sent());
        Assert.Equal(135, ns.Type);
        Assert.Equal(k.Peer.SolicitedNode, ns.Dst);
        Assert.Equal(Pkt6.MulticastMac(k.Peer.SolicitedNode), ns.DstMac);
        Assert.True(ns.ChecksumOk);
        Assert.Equal(k.Peer, Ip6Address.Read(ns.Payload, 8));
        k.Inject(Pkt6.Ip6(k.Peer, k.Me, 58, Pkt6.Advert(k.Peer, k.Me, k.Peer, Harness.PeerMac), hop: 255));
        var reply = Assert.Single(k.Sent());
        Assert.Equal(Harness.PeerMac, reply.DstMac);
        Assert.Equal(129, reply.Type);
        Assert.True(reply.ChecksumOk);
        Assert.Equal(echo[4..], reply.Payload[4..]);
        Assert.Equal(1, k.H.Stack.Icmp6InEchos);
        // Now cached: the next echo is answered at once.
        k.Inject(Pkt6.Ip6(k.Peer, k.Me, 58, echo));
        Assert.Equal(129, Assert.Single(k.Sent()).Type);
    }

    [Fact]
    public void NeighborDiscoveryGivesUp_ConnectFails()
    {
        var k = new Link6();
        var c = k.H.Stack.CreateTcp();
        Assert.Equal(-Errno.EINVAL, c.Connect(Ep6(k.Peer, 80), k.H.Now));          // link-local without a scope
        Assert.Equal(-Errno.EINPROGRESS, c.Connect(Ep6(k.Peer, 80, k.H.If.IfIndex), k.H.Now));
        k.H.Advance(5000);
        var sent = k.Sent();
        Assert.Equal(3, sent.Count(p => p.Type == 135));
        Assert.Equal(TcpState.Closed, c.State);
        Assert.Equal(-Errno.EHOSTUNREACH, c.TakeError());
    }

    [Fact]
    public void UnknownNextHeaderGetsParameterProblem_UdpClosedPortUnreachable()
    {
        var k = new Link6();
        k.Inject(Pkt6.Ip6(k.Peer, k.Me, 58, Pkt6.Advert(k.Peer, k.Me, k.Peer, Harness.PeerMac, 0x20), hop: 255));   // unsolicited: not cached
        k.Inject(Pkt6.Ip6(k.Peer, k.Me, 58, Pkt6.Solicit(k.Peer, k.Me, k.Me, Harness.PeerMac), hop: 255));         // cached now
        k.Sent();
        k.Inject(Pkt6.Ip6(k.Peer, k.Me, 200, new byte[8]));
        var pp = Assert.Single(k.Sent());
        Assert.Equal(4, pp.Type);
        Assert.Equal(1, pp.Payload[1]);
        Assert.Equal(6, pp.Payload[7]);                         // pointer: the next header field
        k.Inject(Pkt6.Ip6(k.Peer, k.Me, 17, Pkt6.Udp6(k.Peer, k.Me, 1234, 4321, new byte[3])));
        var pu = Assert.Single(k.Sent());
        Assert.Equal(1, pu.Type);
        Assert.Equal(4, pu.Payload[1]);
        Assert.True(pu.ChecksumOk);
    }

    [Fact]
    public void MalformedPacketsDropped()
    {
        var k = new Link6();
        var st = k.H.Stack;
        var u = st.CreateUdp();
        Assert.Equal(0, u.Bind(Ep6(Ip6Address.Any, 53)));
        var good = Pkt6.Udp6(k.Peer, k.Me, 1000, 53, new byte[] { 1, 2, 3 });
        byte[] padN = { 17, 0, 1, 4, 0, 0, 0, 0 };                // next: UDP, 8 bytes, PadN(4)
        var cases = new List<byte[]>
        {
            Pkt6.Ip6(k.Peer, k.Me, 17, good)[..39],                                   // truncated header
            Pkt6.Ip6(k.Peer, k.Me, 17, good)[..45],                                   // payload length beyond the frame
            Pkt6.Ip6(k.Peer, k.Me, 17, good[..7]),                                    // truncated UDP header
            Pkt6.Ip6(k.Peer, k.Me, 60, good, ext: new byte[] { 17, 0, 0xC2, 4, 0, 0, 0, 0 }),   // option that must not be skipped
            Pkt6.Ip6(k.Peer, k.Me, 60, good, ext: new byte[] { 17, 0, 1, 9, 0, 0, 0, 0 }),      // option longer than its header
            Pkt6.Ip6(k.Peer, k.Me, 60, good, ext: new byte[] { 17, 5, 1, 4, 0, 0, 0, 0 }),      // header longer than the packet
            Pkt6.Ip6(k.Peer, k.Me, 60, good, ext: new byte[] { 0, 0, 1, 4, 0, 0, 0, 0, 17, 0, 1, 4, 0, 0, 0, 0 }),   // hop-by-hop not first
            Pkt6.Ip6(k.Peer, k.Me, 43, good, ext: new byte[] { 17, 0, 0, 1, 0, 0, 0, 0 }),      // routing with segments left
            Pkt6.Ip6(k.Peer, k.Me, 44, good, ext: new byte[] { 17, 0, 0, 1, 0, 0, 0, 7 }),      // more to come, but 11 bytes
            Pkt6.Ip6(k.Peer, k.Me, 44, good, ext: new byte[] { 17, 0, 0xFF, 0xF8, 0, 0, 0, 7 }),  // beyond 65535
            Pkt6.Ip6(k.Peer, k.Me, 60, good, ext: Enumerable.Range(0, 9).SelectMany(i => new byte[] { (byte)(i == 8 ? 17 : 60), 0, 1, 4, 0, 0, 0, 0 }).ToArray()),   // too many headers
            Pkt6.Ip6(k.Peer, k.Me, 60, new byte[0], ext: new byte[] { 60, 0, 1, 4, 0, 0, 0 }),  // runs off the end
            Pkt6.Ip6(Ip6Address.AllNodes, k.Me, 17, good),                            // multicast source
            Pkt6.Ip6(k.Peer, new Ip6Address(0xFE80000000000000UL, 5), 17, good),      // not our address
            Pkt6.Ip6(Lo6, k.Me, 17, good),                                            // ::1 from the wire
            Pkt6.Ip6(k.Peer, k.Me, 17, Pkt6.Udp6(k.Peer, k.Me, 1000, 53, new byte[] { 1, 2, 4 })[..8].Concat(new byte[] { 1, 2, 3 }).ToArray()),   // bad checksum
        };
        var zero = Pkt6.Udp6(k.Peer, k.Me, 1000, 53, new byte[] { 1 }); zero[6] = 0; zero[7] = 0;
        cases.Add(Pkt6.Ip6(k.Peer, k.Me, 17, zero));                                  // zero UDP checksum: not allowed in IPv6
        var badVersion = Pkt6.Ip6(k.Peer, k.Me, 17, good); badVersion[0] = 0x40;
        cases.Add(badVersion);
        foreach (var c in cases) k.Inject(c);
        var buf = new byte[100];
        Assert.Equal(-Errno.EAGAIN, u.ReceiveFrom(buf, out _, false, out _));
        Assert.DoesNotContain(k.Sent(), p => p.Type != 135);       // no errors sent about any of them
        Assert.True(k.H.If.RxDropped >= cases.Count, "dropped " + k.H.If.RxDropped);
        Assert.True(st.Ip6InDropped >= cases.Count - 5, "dropped " + st.Ip6InDropped);   // three at UDP, two at reassembly
        Assert.Equal(0, st.Reassembly6Active);                  // fragments of odd length never take a slot
        // Skippable options, an atomic fragment, a finished routing header: delivered.
        k.Inject(Pkt6.Ip6(k.Peer, k.Me, 0, good, ext: new byte[] {
            60, 0, 1, 4, 0, 0, 0, 0,            // hop-by-hop: PadN
            43, 0, 1, 4, 0, 0, 0, 0,            // destination options: PadN
            44, 0, 0x25, 0, 0, 0, 0, 0,         // routing, no segments left
            17, 0, 0, 0, 0, 0, 0, 5 }));        // fragment header of an unfragmented packet
        Assert.Equal(3, u.ReceiveFrom(buf, out IpEndpoint from, false, out _));
        Assert.True(from.V6);
        Assert.Equal(k.Peer, from.Address6);
        Assert.Equal(k.H.If.IfIndex, from.ScopeId);
        Assert.Equal(1000, from.Port);
    }

    /// <summary>Two stacks on a simulated wire: TCP over link-local, with neighbor discovery both ways.</summary>
    [Fact]
    public void TcpOverLinkLocalBetweenTwoStacks()
    {
        var a = new NetStack(); var b = new NetStack();
        var da = new FakeDevice(Mac(0xA)); var db = new FakeDevice(Mac(0xB));
        var ia = a.AddEthernet(da); var ib = b.AddEthernet(db);
        a.ConfigureStatic(ia, A(192, 168, 1, 1), 24, 0, 0);
        b.ConfigureStatic(ib, A(192, 168, 1, 2), 24, 0, 0);
        var q = new Queue<(bool toB, byte[] f)>();
        da.OnTransmit = f => q.Enqueue((true, f));
        db.OnTransmit = f => q.Enqueue((false, f));
        long now = 1;
        void Run(int steps)
        {
            for (int i = 0; i < steps; i++)
            {
                while (q.Count > 0) { var (toB, f) = q.Dequeue(); if (toB) b.Input(ib, f, now); else a.Input(ia, f, now); }
                now++;
                if (a.NextDeadlineMs <= now) a.Poll(now);
                if (b.NextDeadlineMs <= now) b.Poll(now);
            }
        }
        var l = b.CreateTcp();
        Assert.Equal(0, l.Bind(Ep6(ib.LinkLocal, 443, ib.IfIndex)));
        Assert.Equal(0, l.Listen(4));
        var c = a.CreateTcp();
        Assert.Equal(-Errno.EINPROGRESS, c.Connect(Ep6(ib.LinkLocal, 443, ia.IfIndex), now));
        Run(10);
        Assert.Equal(TcpState.Established, c.State);
        Assert.Equal(ia.LinkLocal, c.Local.Address6);
        Assert.Equal(ia.IfIndex, c.Local.ScopeId);
        Assert.Equal(1500 - 60 - 12, c.Mss);
        var s = l.Accept(out _);
        Assert.NotNull(s);
        Assert.Equal(ia.LinkLocal, s.Remote.Address6);
        Assert.Equal(ib.IfIndex, s.Remote.ScopeId);
        var data = new byte[100000]; new Random(3).NextBytes(data);
        var got = new List<byte>(); var buf = new byte[65536];
        int sent = 0;
        for (int i = 0; i < 5000 && got.Count < data.Length; i++)
        {
            if (sent < data.Length) { int n = c.Send(data.AsSpan(sent), now); if (n > 0) sent += n; }
            Run(1);
            int r = s.Receive(buf, false, now);
            if (r > 0) got.AddRange(buf[..r]);
        }
        Assert.Equal(data, got.ToArray());
        c.Close(now); Run(5);
        Assert.Equal(0, s.Receive(buf, false, now));
        s.Close(now); Run(5);
        Assert.Equal(TcpState.TimeWait, c.State);
        // UDP too, and b's own link-local address from b itself goes through its loopback.
        var ub = b.CreateUdp(); Assert.Equal(0, ub.Bind(Ep6(Ip6Address.Any, 9)));
        var ua = a.CreateUdp();
        Assert.Equal(4, ua.SendTo("ping"u8, Ep6(ib.LinkLocal, 9, ia.IfIndex), now)); Run(2);
        Assert.Equal(4, ub.ReceiveFrom(buf, out IpEndpoint from, false, out _));
        Assert.Equal(ia.LinkLocal, from.Address6);
        var self = b.CreateUdp();
        Assert.Equal(2, self.SendTo("me"u8, Ep6(ib.LinkLocal, 9, ib.IfIndex), now));
        Assert.Equal(2, ub.ReceiveFrom(buf, out from, false, out _));
        Assert.Equal(ib.LinkLocal, from.Address6);
        Assert.Equal(ib.IfIndex, from.ScopeId);
    }

    /// <summary>Fragments of a UDP datagram from the scripted peer (each piece a multiple of 8 but the last).</summary>
    static byte[][] Fragments(Link6 k, byte[] udp, uint id, params (int off, int len, bool more)[] pieces) =>
        pieces.Select(p => Pkt6.Ip6(k.Peer, k.Me, 44, udp.Skip(p.off).Take(p.len).ToArray(),
            ext: new byte[] { 17, 0, (byte)((p.off | (p.more ? 1 : 0)) >> 8), (byte)(p.off | (p.more ? 1 : 0)), (byte)(id >> 24), (byte)(id >> 16), (byte)(id >> 8), (byte)id })).ToArray();

    [Fact]
    public void ReassemblyOutOfOrderDuplicatesOverlapsAndTimeout()
    {
        var k = new Link6();
        var st = k.H.Stack;
        var u = st.CreateUdp();
        Assert.Equal(0, u.Bind(Ep6(Ip6Address.Any, 53)));
        var data = new byte[3000]; new Random(5).NextBytes(data);
        var udp = Pkt6.Udp6(k.Peer, k.Me, 1000, 53, data);      // 3008 bytes
        var f = Fragments(k, udp, 77, (0, 1448, true), (1448, 1448, true), (2896, 112, false));
        k.Inject(f[2]); k.Inject(f[0]); k.Inject(f[0]);              // out of order, a repeat
        Assert.Equal(1, st.Reassembly6Active);
        var buf = new byte[4000];
        Assert.Equal(-Errno.EAGAIN, u.ReceiveFrom(buf, out _, false, out _));
        k.Inject(f[1]);
        Assert.Equal(3000, u.ReceiveFrom(buf, out IpEndpoint from, false, out _));
        Assert.Equal(data, buf[..3000]);
        Assert.Equal(k.Peer, from.Address6);
        Assert.Equal(0, st.Reassembly6Active);
        // Overlapping pieces discard the datagram (RFC 5722).
        var g = Fragments(k, udp, 78, (0, 1448, true), (1440, 1456, true), (2896, 112, false));
        foreach (var x in g) k.Inject(x);
        Assert.Equal(-Errno.EAGAIN, u.ReceiveFrom(buf, out _, false, out _));
        Assert.Equal(1, st.Reassembly6Active);                   // the piece after the overlap started afresh
        // Incomplete datagrams go after 60 s.
        k.Inject(Fragments(k, udp, 79, (0, 1448, true))[0]);
        Assert.Equal(2, st.Reassembly6Active);
        k.H.Advance(61000);
        Assert.Equal(0, st.Reassembly6Active);
        // More datagrams at once than slots: the oldest gives way, nothing grows.
        for (uint id = 100; id < 120; id++) k.Inject(Fragments(k, udp, id, (0, 1448, true))[0]);
        Assert.True(st.Reassembly6Active <= 4);
    }

    [Fact]
    public void LargeDatagramsAreFragmentedAndReassembled()
    {
        // Over ::1 (MTU 65536): the largest UDP datagram goes in two fragments through the loopback.
        var s = new NetStack();
        var srv = s.CreateUdp(); Assert.Equal(0, srv.Bind(Ep6(Lo6, 7)));
        var cli = s.CreateUdp();
        var big = new byte[UdpSocket.MaxPayload6]; new Random(9).NextBytes(big);
        Assert.Equal(big.Length, cli.SendTo(big, Ep6(Lo6, 7), 1));
        Assert.Equal(2, s.Ip6FragmentsOut);
        Assert.Equal(1, s.Ip6Reassembled);
        var buf = new byte[70000];
        Assert.Equal(big.Length, srv.ReceiveFrom(buf, out _, false, out _));
        Assert.Equal(big, buf[..big.Length]);
        Assert.Equal(-Errno.EMSGSIZE, cli.SendTo(new byte[UdpSocket.MaxPayload6 + 1], Ep6(Lo6, 7), 2));
        // Over Ethernet (MTU 1500): 5000 bytes in 4 fragments, each within the MTU, and an echo
        // request of 3000 bytes is answered in fragments too.
        var k = new Link6();
        k.Inject(Pkt6.Ip6(k.Peer, k.Me, 58, Pkt6.Solicit(k.Peer, k.Me, k.Me, Harness.PeerMac), hop: 255));   // learn the peer
        k.Sent();
        var u = k.H.Stack.CreateUdp();
        var data = new byte[5000]; new Random(2).NextBytes(data);
        Assert.Equal(5000, u.SendTo(data, Ep6(k.Peer, 9, k.H.If.IfIndex), k.H.Now));
        var frames = k.H.Dev.TakeAll();
        Assert.Equal(4, frames.Count);
        Assert.All(frames, fr => Assert.True(fr.Length <= 1514));
        var got = new List<byte>();
        uint fid = 0;
        foreach (var fr in frames)
        {
            var p = Pkt6.Parse(fr);
            Assert.Equal(44, p.Next);
            Assert.Equal(17, p.Payload[0]);
            uint id = (uint)(p.Payload[4] << 24 | p.Payload[5] << 16 | p.Payload[6] << 8 | p.Payload[7]);
            if (fid == 0) fid = id; else Assert.Equal(fid, id);
            Assert.Equal(got.Count, (p.Payload[2] << 8 | p.Payload[3]) & 0xFFF8);
            got.AddRange(p.Payload[8..]);
        }
        Assert.Equal(5008, got.Count);
        Assert.Equal(data, got.Skip(8).ToArray());
        Assert.Equal(Checksum.Finish(Checksum.Add(Pkt6.Sum(k.Me, k.Peer, 17, 5008), got.ToArray())), 0);
        var echo = Pkt6.Icmp6(k.Peer, k.Me, 128, 0, new byte[2996]);
        foreach (var x in Fragments(k, echo, 5, (0, 1448, true), (1448, 1448, true), (2896, 104, false)))
        {
            x[40] = 58;                                            // the fragment header's next header: ICMPv6
            k.Inject(x);
        }
        var replies = k.Sent();
        Assert.Equal(3, replies.Count);
        Assert.All(replies, r => Assert.Equal(44, r.Next));
        Assert.Equal(129, replies[0].Payload[8]);
    }
}
