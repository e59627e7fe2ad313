using Kernel;
using Kernel.Net;
using Xunit;
using static Compat.Tests.Pkt;

namespace Compat.Tests;

/// <summary>The shared reassembly (Fragments.cs) under each version's rules.</summary>
[Collection("Net")]
public class NetFragmentTests
{
    static readonly uint Me = Harness.Me, Peer = Harness.Peer;

    /// <summary>IPv4 fragment of a datagram's payload (offset and length in bytes).</summary>
    static byte[] Frag4(byte[] payload, int id, int off, int len, bool more, int proto = 17) =>
        Ip(Peer, Me, proto, payload.Skip(off).Take(len).ToArray(), id, (off >> 3) | (more ? 0x2000 : 0));

    [Fact]
    public void Ipv4_OutOfOrderOverlapsLastWins_ProtocolInKey_TimeoutAt30s()
    {
        var h = new Harness();
        var u = h.Stack.CreateUdp(); Assert.Equal(0, u.Bind(new IpEndpoint(0, 53)));
        var data = new byte[2000]; new Random(9).NextBytes(data);
        byte[] udp = Udp(Peer, Me, 1000, 53, data);                      // 2008 bytes
        var buf = new byte[4000];
        // Last piece first, then an overlapping middle piece carrying garbage, then the true
        // middle over it (IPv4 keeps the last copy), then the first: complete and intact.
        h.InjectIp(Frag4(udp, 5, 1600, 408, false));
        byte[] junk = (byte[])udp.Clone(); for (int i = 800; i < 1700; i++) junk[i] ^= 0x5A;
        h.InjectIp(Frag4(junk, 5, 800, 900, true));
        h.InjectIp(Frag4(udp, 5, 800, 808, true));
        Assert.Equal(1, h.Stack.ReassemblyActive);
        Assert.Equal(-Errno.EAGAIN, u.ReceiveFrom(buf, out _, false, out _));
        // Same id and addresses but another protocol: a datagram of its own.
        h.InjectIp(Frag4(udp, 5, 0, 800, true, proto: 6));
        Assert.Equal(2, h.Stack.ReassemblyActive);
        h.InjectIp(Frag4(udp, 5, 0, 808, true));
        Assert.Equal(2000, u.ReceiveFrom(buf, out _, false, out _));
        Assert.Equal(data, buf[..2000]);
        Assert.Equal(1, h.Stack.ReassemblyActive);                        // the TCP one waits
        // A piece past the announced end drops the datagram.
        h.InjectIp(Frag4(udp, 6, 1600, 408, false));
        h.InjectIp(Frag4(new byte[4000], 6, 1600, 800, true));
        Assert.Equal(1, h.Stack.ReassemblyActive);
        // Incomplete: still there just before 30 s, gone at 30 s.
        h.InjectIp(Frag4(udp, 7, 0, 808, true));
        Assert.Equal(2, h.Stack.ReassemblyActive);
        h.Advance(29_000);
        Assert.Equal(2, h.Stack.ReassemblyActive);
        h.Advance(1_000);
        Assert.Equal(0, h.Stack.ReassemblyActive);
        h.InjectIp(Frag4(udp, 7, 800, 1208, false));                     // its rest alone does nothing
        Assert.Equal(-Errno.EAGAIN, u.ReceiveFrom(buf, out _, false, out _));
    }

    static byte[] Frag6(Ip6Address src, Ip6Address dst, byte[] udp, uint id, int off, int len, bool more) =>
        Pkt6.Ip6(src, dst, 44, udp.Skip(off).Take(len).ToArray(),
            ext: new byte[] { 17, 0, (byte)((off | (more ? 1 : 0)) >> 8), (byte)(off | (more ? 1 : 0)), (byte)(id >> 24), (byte)(id >> 16), (byte)(id >> 8), (byte)id });

    [Fact]
    public void Ipv6_OutOfOrderRepeatsIgnored_OverlapDiscards_TimeoutAt60s()
    {
        var h = new Harness();
        Ip6Address me = Ip6Address.LinkLocalFromMac(Harness.MyMac), peer = Ip6Address.LinkLocalFromMac(Harness.PeerMac);
        void In(byte[] ip6) => h.Inject(Eth(Harness.MyMac, Harness.PeerMac, 0x86DD, ip6));
        var u = h.Stack.CreateUdp(); Assert.Equal(0, u.Bind(new IpEndpoint(Ip6Address.Any, 53)));
        var data = new byte[2000]; new Random(10).NextBytes(data);
        byte[] udp = Pkt6.Udp6(peer, me, 1000, 53, data);
        var buf = new byte[4000];
        In(Frag6(peer, me, udp, 1, 1600, 408, false));
        In(Frag6(peer, me, udp, 1, 800, 800, true));
        In(Frag6(peer, me, udp, 1, 800, 800, true));                     // an exact repeat: ignored
        In(Frag6(peer, me, udp, 1, 0, 800, true));
        Assert.Equal(2000, u.ReceiveFrom(buf, out _, false, out _));
        Assert.Equal(data, buf[..2000]);
        Assert.Equal(0, h.Stack.Reassembly6Active);
        // A piece overlapping what arrived throws the datagram away; its rest completes nothing.
        In(Frag6(peer, me, udp, 2, 0, 808, true));
        In(Frag6(peer, me, udp, 2, 800, 808, true));
        Assert.Equal(0, h.Stack.Reassembly6Active);
        In(Frag6(peer, me, udp, 2, 1600, 408, false));
        Assert.Equal(1, h.Stack.Reassembly6Active);
        Assert.Equal(-Errno.EAGAIN, u.ReceiveFrom(buf, out _, false, out _));
        // IPv6 waits 60 s, not IPv4's 30.
        h.Advance(59_000);
        Assert.Equal(1, h.Stack.Reassembly6Active);
        h.Advance(1_000);
        Assert.Equal(0, h.Stack.Reassembly6Active);
    }
}
