using Kernel;
using Kernel.Net;
using Xunit;
using static Compat.Tests.Pkt;

namespace Compat.Tests;

/// <summary>SYN cookies: a listener whose half-open queue is full answers with cookies, keeps
/// nothing, and builds the connection from a valid final ACK.</summary>
[Collection("Net")]
public class NetSynCookieTests
{
    const int HalfOpen = 32;

    /// <summary>A listener on port 80 with its half-open queue filled by a flood of n SYNs
    /// (from ports 1024..): returns the SYN-ACKs sent.</summary>
    static List<Frame> Flood(Harness h, TcpSocket l, int n, int firstPort = 1024)
    {
        for (int i = 0; i < n; i++)
            h.InjectIp(Ip(Harness.Peer, Harness.Me, 6, Tcp(Harness.Peer, Harness.Me, firstPort + i, 80, (uint)i * 77, 0, SYN, 1000)));
        return h.SentTcp();
    }

    static (Harness, TcpSocket) Listener()
    {
        var h = new Harness();
        h.Stack.TcpMaxHalfOpen = HalfOpen;
        var l = h.Stack.CreateTcp(); l.Bind(new IpEndpoint(0, 80)); l.Listen(128);
        return (h, l);
    }

    [Fact]
    public void Flood_BeyondTheHalfOpenCap_IsAnsweredWithCookies_AndKeepsNoState()
    {
        var (h, l) = Listener();
        var sent = Flood(h, l, 1000);
        Assert.Equal(1000, sent.Count);
        Assert.All(sent, f => Assert.True(f.Syn && f.AckFlag));
        Assert.Equal(1000 - HalfOpen, h.Stack.TcpSynCookiesSent);
        Assert.Equal(HalfOpen + 1, h.Stack.TcpSocketCount);
        Assert.Equal(HalfOpen, h.Stack.TcpConnectionsHashed);
        // A flood SYN without options gets a SYN-ACK offering nothing but the MSS.
        var last = sent[^1];
        Assert.Equal(1460, last.Mss);
        Assert.False(last.HasTs || last.SackOk || last.WScale >= 0);
        h.Advance(200_000);
        Assert.Equal(1, h.Stack.TcpSocketCount);
    }

    [Fact]
    public void LegitimateClient_CompletesThroughACookie_WithTimestampsWindowScaleAndSack()
    {
        var (h, l) = Listener();
        Flood(h, l, 100);
        const int Port = 50000; const uint Isn = 777_000;
        h.InjectTcp(Port, 80, Isn, 0, SYN, 65535, SynOptions(1460, 7, true, 4242));
        var sa = Assert.Single(h.SentTcp());
        Assert.True(sa.Syn && sa.AckFlag);
        Assert.Equal(Isn + 1, sa.Ack);
        Assert.True(sa.HasTs && sa.SackOk && sa.WScale >= 0);
        Assert.Equal(4242u, sa.TsEcr);
        Assert.Equal(7u, sa.TsVal & 15);                               // the peer's window scale
        Assert.Equal(16u, sa.TsVal & 16);                              // SACK permitted
        Assert.Equal(HalfOpen + 1, h.Stack.TcpSocketCount);            // nothing kept for it
        // The final ACK carries data already.
        uint my = sa.Seq + 1;
        h.InjectTcp(Port, 80, Isn + 1, my, ACK | PSH, 1000, TsOption(4243, sa.TsVal), "hi"u8.ToArray());
        var s = l.Accept(out int e);
        Assert.Equal(0, e);
        Assert.NotNull(s);
        Assert.Equal(1, h.Stack.TcpSynCookiesReceived);
        Assert.Equal(TcpState.Established, s.State);
        Assert.Equal(Port, s.Remote.Port);
        Assert.True(s.TimestampsEnabled);
        Assert.True(s.SackEnabled);
        Assert.Equal(7, s.SendWindowScale);
        Assert.Equal(1460 - 12, s.Mss);
        Assert.Equal(1000 << 7, s.SendWindow);
        var buf = new byte[16];
        Assert.Equal(2, s.Receive(buf, false, h.Now));
        Assert.Equal("hi"u8.ToArray(), buf[..2]);
        s.NoDelay = true;
        Assert.Equal(5, s.Send("hello"u8, h.Now));
        var d = h.SentTcp().Single(f => f.Data.Length > 0);
        Assert.Equal(my, d.Seq);
        Assert.Equal(Isn + 3, d.Ack);
        Assert.True(d.HasTs);
        Assert.True((int)(d.TsVal - sa.TsVal) >= 0);                   // our clock never went back
        Assert.Equal(4243u, d.TsEcr);
        Assert.Equal((int)s.ReceiveWindowScale, ReceiveScaleFromWindow(d.Window, s));
        h.InjectTcp(Port, 80, Isn + 3, my + 5, ACK | FIN, 1000, TsOption(4244, d.TsVal));
        Assert.Equal(TcpState.CloseWait, s.State);
        s.Close(h.Now);
        h.InjectTcp(Port, 80, Isn + 4, my + 6, ACK, 1000, TsOption(4245, d.TsVal));
        Assert.Equal(HalfOpen + 1, h.Stack.TcpSocketCount);
    }

    /// <summary>The scale our window field implies (the free buffer over the field).</summary>
    static int ReceiveScaleFromWindow(ushort field, TcpSocket s)
    {
        int w = s.ReceiveWindow, k = 0;
        while ((w >> k) > field) k++;
        return k;
    }

    [Fact]
    public void WithoutTimestamps_TheCookieConnectionHasNoScalingOrSack_AndTheMssComesFromTheTable()
    {
        var (h, l) = Listener();
        Flood(h, l, 40);
        h.InjectTcp(50001, 80, 9000, 0, SYN, 65535, SynOptions(1400, 7, true));
        var sa = Assert.Single(h.SentTcp());
        Assert.False(sa.HasTs || sa.SackOk || sa.WScale >= 0);
        h.InjectTcp(50001, 80, 9001, sa.Seq + 1, ACK, 3000);
        var s = l.Accept(out _);
        Assert.NotNull(s);
        Assert.False(s.TimestampsEnabled || s.SackEnabled);
        Assert.Equal(0, s.SendWindowScale);
        Assert.Equal(0, s.ReceiveWindowScale);
        Assert.Equal(1300, s.Mss);                                      // the largest entry not above 1400
        Assert.Equal(3000, s.SendWindow);
        s.NoDelay = true;
        s.Send(new byte[5000], h.Now);
        var segs = h.SentTcp();
        Assert.Equal(new[] { 1300, 1300 }, segs.Select(f => f.Data.Length));   // 3000-byte window
        Assert.Equal(65535, segs[0].Window);
    }

    [Fact]
    public void ForgedAcks_AreRefusedWithRst()
    {
        var (h, l) = Listener();
        Flood(h, l, 40);
        h.InjectTcp(50002, 80, 100, 0, SYN, 65535, SynOptions(1460));
        var sa = Assert.Single(h.SentTcp());
        // Off by one, another peer ISN, another port: each a RST, no connection.
        h.InjectTcp(50002, 80, 101, sa.Seq + 2, ACK);
        h.InjectTcp(50002, 80, 5101, sa.Seq + 1, ACK);
        h.InjectTcp(50003, 80, 101, sa.Seq + 1, ACK);
        var rsts = h.SentTcp();
        Assert.Equal(3, rsts.Count);
        Assert.All(rsts, f => Assert.True(f.Rst));
        Assert.Equal(3, h.Stack.TcpSynCookiesFailed);
        Assert.Null(l.Accept(out _));
        Assert.Equal(0, h.Stack.TcpSynCookiesReceived);
        // Random guesses are refused too.
        var rng = new Random(5);
        for (int i = 0; i < 2000; i++) h.InjectTcp(50004, 80, 101, (uint)rng.Next(), ACK);
        Assert.Null(l.Accept(out _));
        Assert.Equal(HalfOpen + 1, h.Stack.TcpSocketCount);
        // The genuine ACK still works.
        h.InjectTcp(50002, 80, 101, sa.Seq + 1, ACK);
        Assert.NotNull(l.Accept(out _));
    }

    [Fact]
    public void Cookies_ValidForTwoClockPeriods_RefusedAfter()
    {
        var (h, l) = Listener();
        h.Now = 0;
        Flood(h, l, 40);
        h.InjectTcp(50010, 80, 100, 0, SYN, 65535, SynOptions(1460));
        var young = Assert.Single(h.SentTcp());
        h.InjectTcp(50011, 80, 200, 0, SYN, 65535, SynOptions(1460));
        var old = Assert.Single(h.SentTcp());
        // Two periods on (clock 2, the cookies' clock 0): still good.
        h.RunUntil(2 * 64_000 + 10);
        h.SentTcp();
        h.InjectTcp(50010, 80, 101, young.Seq + 1, ACK);
        Assert.NotNull(l.Accept(out _));
        // Three periods on: refused, although the listener is being flooded again.
        h.RunUntil(3 * 64_000 + 10);
        long cookies = h.Stack.TcpSynCookiesSent;
        Flood(h, l, 40, 3000);
        Assert.True(h.Stack.TcpSynCookiesSent > cookies);
        h.InjectTcp(50011, 80, 201, old.Seq + 1, ACK);
        Assert.True(Assert.Single(h.SentTcp()).Rst);
        Assert.Null(l.Accept(out _));
        Assert.Equal(1, h.Stack.TcpSynCookiesFailed);
    }

    [Fact]
    public void WithoutARecentFlood_AStrayAckIsJustReset()
    {
        var (h, l) = Listener();
        Flood(h, l, 40);
        h.InjectTcp(50020, 80, 100, 0, SYN, 65535, SynOptions(1460));
        var sa = Assert.Single(h.SentTcp());
        h.RunUntil(h.Now + 4 * 64_000);                               // no cookie sent for 256 s
        h.SentTcp();
        h.InjectTcp(50020, 80, 101, sa.Seq + 1, ACK);
        Assert.True(Assert.Single(h.SentTcp()).Rst);
        Assert.Equal(0, h.Stack.TcpSynCookiesFailed);                 // not even checked
    }
}
