using Kernel;
using Kernel.Net;
using Xunit;
using static Compat.Tests.Pkt;

namespace Compat.Tests;

[Collection("Net")]
public class NetBasicTests
{
    static readonly uint Me = Harness.Me, Peer = Harness.Peer;

    [Fact]
    public void Checksum_MatchesRfc1071Example()
    {
        byte[] d = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
        Assert.Equal(0xddf2, Checksum.Fold(Checksum.Add(0, d)));
        Assert.Equal((ushort)0x220d, Checksum.Compute(d));
        byte[] odd = { 0x01, 0x02, 0x03 };
        Assert.Equal(0x0402, Checksum.Fold(Checksum.Add(0, odd)));
    }

    [Fact]
    public void Arp_ConfiguredAddressIsAnnounced()
    {
        var s = new NetStack();
        var dev = new FakeDevice(Harness.MyMac, 1500);
        var i = s.AddEthernet(dev);
        s.ConfigureStatic(i, Me, 24, 0, 0);
        var f = Pkt.Parse(Assert.Single(dev.Sent));
        Assert.Equal(0x0806, f.EtherType);
        Assert.Equal(1, f.ArpOp);                                 // a request ...
        Assert.Equal(Me, f.ArpSpa);                               // ... from our address
        Assert.Equal(Me, f.ArpTpa);                               // ... for our address: gratuitous
        Assert.Equal(new byte[] { 255, 255, 255, 255, 255, 255 }, f.DstMac);
    }

    [Fact]
    public void Arp_RequestForUs_IsAnsweredAndCached()
    {
        var h = new Harness(resolvePeer: false);
        h.Inject(Eth(new byte[] { 255, 255, 255, 255, 255, 255 }, Harness.PeerMac, 0x0806, Arp(1, Harness.PeerMac, Peer, new byte[6], Me)));
        var f = Assert.Single(h.Sent());
        Assert.Equal(0x0806, f.EtherType);
        Assert.Equal(2, f.ArpOp);
        Assert.Equal(Me, f.ArpSpa);
        Assert.Equal(Peer, f.ArpTpa);
        Assert.Equal(Harness.PeerMac, f.DstMac);
        // Cached: a datagram to the peer goes out at once, no request.
        var u = h.Stack.CreateUdp();
        Assert.Equal(3, u.SendTo(new byte[] { 1, 2, 3 }, new IpEndpoint(Peer, 9), h.Now));
        var s = Assert.Single(h.Sent());
        Assert.Equal(17, s.Proto);
        Assert.Equal(Harness.PeerMac, s.DstMac);
        Assert.True(s.L4ChecksumOk);
        Assert.True(s.IpChecksumOk);
    }

    [Fact]
    public void Arp_UnknownHost_RequestsRetriesQueuesAndFlushes()
    {
        var h = new Harness(resolvePeer: false);
        var u = h.Stack.CreateUdp();
        uint other = A(10, 0, 0, 7);
        u.SendTo(new byte[] { 1 }, new IpEndpoint(other, 9), h.Now);
        u.SendTo(new byte[] { 2 }, new IpEndpoint(other, 9), h.Now);
        var req = Assert.Single(h.Sent());
        Assert.Equal(1, req.ArpOp);
        Assert.Equal(other, req.ArpTpa);
        h.Advance(1000);
        Assert.Equal(1, Assert.Single(h.Sent()).ArpOp);              // retry after 1 s
        var mac7 = Mac(7);
        h.Inject(Eth(Harness.MyMac, mac7, 0x0806, Arp(2, mac7, other, Harness.MyMac, Me)));
        var flushed = h.Sent();
        Assert.Equal(2, flushed.Count);
        Assert.All(flushed, f => Assert.Equal(mac7, f.DstMac));
        Assert.Equal(new byte[] { 1 }, flushed[0].Data);
        Assert.Equal(new byte[] { 2 }, flushed[1].Data);
    }

    [Fact]
    public void Arp_GivesUpAfterThreeRequests_ConnectFailsHostUnreachable()
    {
        var h = new Harness(resolvePeer: false);
        var t = h.Stack.CreateTcp();
        Assert.Equal(-Errno.EINPROGRESS, t.Connect(new IpEndpoint(A(10, 0, 0, 9), 80), h.Now));
        h.Advance(5000);
        Assert.Equal(3, h.Sent().Count(f => f.ArpOp == 1));
        Assert.Equal(TcpState.Closed, t.State);
        Assert.Equal(-Errno.EHOSTUNREACH, t.TakeError());
    }

    [Fact]
    public void Ping_IsAnswered()
    {
        var h = new Harness();
        byte[] rest = { 0, 1, 0, 7, (byte)'h', (byte)'i', (byte)'!', 0 };
        h.InjectIp(Ip(Peer, Me, 1, Icmp(8, 0, rest)));
        var r = Assert.Single(h.Sent());
        Assert.Equal(1, r.Proto);
        Assert.Equal(0, r.IcmpType);
        Assert.True(r.L4ChecksumOk);
        Assert.Equal(Peer, r.Dst);
        Assert.Equal(rest, r.Data[4..]);
    }

    [Fact]
    public void Ping_BadChecksumIgnored_AndNotForUsIgnored()
    {
        var h = new Harness();
        var m = Icmp(8, 0, new byte[] { 1, 2, 3, 4 });
        m[5] ^= 0xFF;
        h.InjectIp(Ip(Peer, Me, 1, m));
        h.InjectIp(Ip(Peer, A(10, 0, 0, 99), 1, Icmp(8, 0, new byte[] { 1, 2, 3, 4 })));
        Assert.Empty(h.Sent());
    }

    [Fact]
    public void Udp_Echo_AndClosedPortUnreachable()
    {
        var h = new Harness();
        var u = h.Stack.CreateUdp();
        Assert.Equal(0, u.Bind(new IpEndpoint(0, 7)));
        h.InjectIp(Ip(Peer, Me, 17, Udp(Peer, Me, 5555, 7, new byte[] { 9, 8, 7 })));
        Assert.Equal(TcpSocket.POLLIN, u.PollEvents & TcpSocket.POLLIN);
        Assert.Equal(3, u.NextDatagramLength);
        var buf = new byte[2];
        Assert.Equal(2, u.ReceiveFrom(buf, out var from, false, out int full));
        Assert.Equal(3, full);
        Assert.Equal(Peer, from.Address);
        Assert.Equal(5555, from.Port);
        Assert.Equal(-Errno.EAGAIN, u.ReceiveFrom(buf, out _, false, out _));
        Assert.Equal(2, u.SendTo(buf, from, h.Now));
        var r = Assert.Single(h.Sent());
        Assert.Equal(7, r.SrcPort); Assert.Equal(5555, r.DstPort); Assert.Equal(Me, r.Src);
        // Closed port: ICMP port unreachable quoting the datagram.
        h.InjectIp(Ip(Peer, Me, 17, Udp(Peer, Me, 5555, 8, new byte[] { 1 })));
        var icmp = Assert.Single(h.Sent());
        Assert.Equal(3, icmp.IcmpType); Assert.Equal(3, icmp.IcmpCode);
        Assert.True(icmp.L4ChecksumOk);
    }

    [Fact]
    public void IcmpErrors_AreRateLimited()
    {
        var h = new Harness();
        for (int i = 0; i < 200; i++) h.InjectIp(Ip(Peer, Me, 17, Udp(Peer, Me, 5555, 9, new byte[] { 1 })));
        Assert.Equal(50, h.Sent().Count);
        h.Advance(200);
        for (int i = 0; i < 200; i++) h.InjectIp(Ip(Peer, Me, 17, Udp(Peer, Me, 5555, 9, new byte[] { 1 })));
        Assert.Equal(10, h.Sent().Count);
    }

    [Fact]
    public void Udp_ConnectedGetsEconnrefusedFromIcmp_AndFiltersSources()
    {
        var h = new Harness();
        var u = h.Stack.CreateUdp();
        Assert.Equal(0, u.Connect(new IpEndpoint(Peer, 53)));
        Assert.Equal(Me, u.Local.Address);
        Assert.Equal(1, u.SendTo(new byte[] { 1 }, default, h.Now));
        var sent = Assert.Single(h.Sent());
        // Another source is filtered.
        h.InjectIp(Ip(A(10, 0, 0, 5), Me, 17, Udp(A(10, 0, 0, 5), Me, 53, u.Local.Port, new byte[] { 1 })));
        Assert.Equal(0, u.PollEvents & TcpSocket.POLLIN);
        // The peer says port unreachable.
        byte[] quoted = sent.Raw[14..];
        h.InjectIp(Ip(Peer, Me, 1, Icmp(3, 3, new byte[4].Concat(quoted).ToArray())));
        Assert.NotEqual(0, u.PollEvents & TcpSocket.POLLERR);
        Assert.Equal(-Errno.ECONNREFUSED, u.ReceiveFrom(new byte[4], out _, false, out _));
        Assert.Equal(-Errno.EAGAIN, u.ReceiveFrom(new byte[4], out _, false, out _));
    }

    [Fact]
    public void Udp_BindConflicts_AndErrors()
    {
        var s = new NetStack();
        var a = s.CreateUdp(); var b = s.CreateUdp();
        Assert.Equal(0, a.Bind(new IpEndpoint(0, 1000)));
        Assert.Equal(-Errno.EADDRINUSE, b.Bind(new IpEndpoint(0x7F000001, 1000)));
        Assert.Equal(-Errno.EADDRNOTAVAIL, b.Bind(new IpEndpoint(A(1, 2, 3, 4), 1000)));
        Assert.Equal(-Errno.EDESTADDRREQ, b.SendTo(new byte[1], default, 0));
        Assert.Equal(-Errno.EMSGSIZE, b.SendTo(new byte[65508], new IpEndpoint(0x7F000001, 1), 0));
        Assert.Equal(-Errno.ENETUNREACH, b.SendTo(new byte[1], new IpEndpoint(A(8, 8, 8, 8), 53), 0));
        a.Close();
        Assert.Equal(0, b.Bind(new IpEndpoint(0x7F000001, 1000)));
    }

    [Fact]
    public void Udp_Loopback_LargeDatagram()
    {
        var s = new NetStack();
        var a = s.CreateUdp(); var b = s.CreateUdp();
        Assert.Equal(0, a.Bind(new IpEndpoint(0x7F000001, 2000)));
        var data = new byte[65507];
        new Random(1).NextBytes(data);
        Assert.Equal(data.Length, b.SendTo(data, new IpEndpoint(0x7F000001, 2000), 0));
        var into = new byte[70000];
        Assert.Equal(data.Length, a.ReceiveFrom(into, out var from, false, out int full));
        Assert.Equal(data, into[..data.Length]);
        Assert.Equal(b.Local.Port, from.Port);
        Assert.Equal(0x7F000001u, from.Address);
    }

    [Fact]
    public void Ip_FragmentsOutput_AndReassemblesInput()
    {
        var h = new Harness();
        var u = h.Stack.CreateUdp();
        Assert.Equal(0, u.Bind(new IpEndpoint(0, 9)));
        var data = new byte[4000];
        new Random(2).NextBytes(data);
        Assert.Equal(4000, u.SendTo(data, new IpEndpoint(Peer, 9), h.Now));
        var frags = h.Sent();
        Assert.Equal(3, frags.Count);
        Assert.All(frags, f => Assert.True(f.IpTotal <= 1500 && f.IpChecksumOk));
        // Feed them back reversed, with the addresses swapped: we must reassemble.
        var ips = frags.Select(f =>
        {
            byte[] ip = f.Raw[14..];
            for (int i = 0; i < 4; i++) (ip[12 + i], ip[16 + i]) = (ip[16 + i], ip[12 + i]);
            ip[10] = 0; ip[11] = 0;
            ushort c = Csum(ip, 0, 20); ip[10] = (byte)(c >> 8); ip[11] = (byte)c;
            return ip;
        }).Reverse().ToList();
        // The UDP checksum covers the pseudo header, which is symmetric in src/dst: still valid.
        foreach (var ip in ips) h.InjectIp(ip);
        var into = new byte[5000];
        Assert.Equal(4000, u.ReceiveFrom(into, out var from, false, out _));
        Assert.Equal(data, into[..4000]);
        Assert.Equal(0, h.Stack.ReassemblyActive);
    }

    [Fact]
    public void Ip_IncompleteReassemblyTimesOut()
    {
        var h = new Harness();
        var payload = new byte[1000];
        h.InjectIp(Ip(Peer, Me, 17, payload, id: 77, frag: 0x2000));
        Assert.Equal(1, h.Stack.ReassemblyActive);
        h.Advance(31000);
        Assert.Equal(0, h.Stack.ReassemblyActive);
    }

    [Fact]
    public void Route_GatewayForOffLink_AndOwnAddressLoopsBack()
    {
        var h = new Harness();
        var u = h.Stack.CreateUdp();
        u.SendTo(new byte[] { 1 }, new IpEndpoint(A(8, 8, 8, 8), 53), h.Now);
        var f = Assert.Single(h.Sent());
        Assert.Equal(0x0806, f.EtherType);                 // ARP for the gateway
        Assert.Equal(Harness.Gw, f.ArpTpa);
        var r = h.Stack.CreateUdp();
        Assert.Equal(0, r.Bind(new IpEndpoint(Me, 4444)));
        Assert.Equal(1, u.SendTo(new byte[] { 5 }, new IpEndpoint(Me, 4444), h.Now));
        Assert.Empty(h.Sent());                            // never on the wire
        Assert.Equal(1, r.ReceiveFrom(new byte[4], out var from, false, out _));
        Assert.Equal(Me, from.Address);
    }

    [Fact]
    public void Dhcp_DiscoverOfferRequestAck_ConfiguresInterface()
    {
        var s = new NetStack();
        var dev = new FakeDevice(Mac(0x15));
        var nif = s.AddEthernet(dev);
        s.StartDhcp(nif, 0);
        var disc = Pkt.Parse(Assert.Single(dev.TakeAll()));
        Assert.Equal(17, disc.Proto); Assert.Equal(68, disc.SrcPort); Assert.Equal(67, disc.DstPort);
        Assert.Equal(0xFFFFFFFFu, disc.Dst); Assert.Equal(0u, disc.Src);
        Assert.Equal(1, disc.Data[242]);                       // DHCPDISCOVER
        uint xid = (uint)(disc.Data[4] << 24 | disc.Data[5] << 16 | disc.Data[6] << 8 | disc.Data[7]);
        uint server = A(10, 0, 2, 2);
        byte[] Reply(int type)
        {
            var p = new byte[300];
            p[0] = 2; p[1] = 1; p[2] = 6;
            p[4] = (byte)(xid >> 24); p[5] = (byte)(xid >> 16); p[6] = (byte)(xid >> 8); p[7] = (byte)xid;
            p[16] = 10; p[17] = 0; p[18] = 2; p[19] = 15;
            Array.Copy(Mac(0x15), 0, p, 28, 6);
            p[236] = 99; p[237] = 130; p[238] = 83; p[239] = 99;
            int o = 240;
            byte[] opts = { 53, 1, (byte)type, 54, 4, 10, 0, 2, 2, 1, 4, 255, 255, 255, 0, 3, 4, 10, 0, 2, 2, 6, 4, 10, 0, 2, 3, 51, 4, 0, 0, 0x0e, 0x10, 255 };
            Array.Copy(opts, 0, p, o, opts.Length);
            return Eth(new byte[] { 255, 255, 255, 255, 255, 255 }, Mac(0x22), 0x0800, Ip(server, 0xFFFFFFFF, 17, Udp(server, 0xFFFFFFFF, 67, 68, p)));
        }
        s.Input(nif, Reply(2), 10);
        var req = Pkt.Parse(Assert.Single(dev.TakeAll()));
        Assert.Equal(3, req.Data[242]);                        // DHCPREQUEST
        s.Input(nif, Reply(5), 20);
        Assert.Equal(A(10, 0, 2, 15), nif.Address);
        Assert.Equal(24, nif.PrefixLength);
        Assert.Equal(A(10, 0, 2, 2), nif.Gateway);
        Assert.Equal(A(10, 0, 2, 3), nif.Dns);
        // Renewal at T1 = half of the 3600 s lease, unicast to the server.
        Assert.Equal(20 + 1800 * 1000, s.NextDeadlineMs < 20 + 1800 * 1000 ? 20 + 1800 * 1000 : s.NextDeadlineMs);
        dev.TakeAll();
        s.Poll(20 + 1800 * 1000);
        var arp = Pkt.Parse(Assert.Single(dev.TakeAll()));
        Assert.Equal(1, arp.ArpOp);
        Assert.Equal(server, arp.ArpTpa);
        s.Input(nif, Eth(Mac(0x15), Mac(0x22), 0x0806, Arp(2, Mac(0x22), server, Mac(0x15), A(10, 0, 2, 15))), 20 + 1800 * 1000);
        var renew = Pkt.Parse(Assert.Single(dev.TakeAll()));
        Assert.Equal(17, renew.Proto);
        Assert.Equal(server, renew.Dst);
        Assert.Equal(A(10, 0, 2, 15), renew.Src);
        Assert.Equal(3, renew.Data[242]);
        s.Input(nif, Reply(5), 30 + 1800 * 1000);
        Assert.Equal(A(10, 0, 2, 15), nif.Address);
        Assert.True(nif.LeaseExpiresMs >= 30 + 5400 * 1000L);
    }
}
