using Kernel;
using Kernel.Net;
using Xunit;
using static Compat.Tests.Pkt;

namespace Compat.Tests;

/// <summary>The socket hash tables: many connections demultiplex right, closing empties the tables.</summary>
[Collection("Net")]
public class NetSocketTableTests
{
    /// <summary>A remote host off our subnet (reached through the gateway, which answers ARP).</summary>
    static uint Remote(int i) => A(192, 168, 1 + i / 200, 1 + i % 200);

    static void In(Harness h, uint src, int sp, uint seq, uint ack, int flags, byte[] data = null) =>
        h.InjectIp(Ip(src, Harness.Me, 6, Tcp(src, Harness.Me, sp, 80, seq, ack, flags, 65535, null, data)));

    [Fact]
    public void FiveThousandConnectionsThroughOneListener_DemultiplexAndLeaveNothingBehind()
    {
        const int N = 5000;
        var h = new Harness();
        var l = h.Stack.CreateTcp();
        Assert.Equal(0, l.Bind(new IpEndpoint(0, 80)));
        Assert.Equal(0, l.Listen(64));
        Assert.Equal(1, h.Stack.TcpListenersHashed);
        var conns = new TcpSocket[N];
        var isn = new uint[N];
        // Remote hosts and ports chosen so that both addresses and ports repeat across tuples.
        (uint src, int port) Tuple(int i) => (Remote(i % 700), 1024 + i / 700 * 3 + (i % 3));
        for (int i = 0; i < N; i++)
        {
            var (src, port) = Tuple(i);
            In(h, src, port, 1000u * (uint)i, 0, SYN);
            var sa = Assert.Single(h.SentTcp());
            Assert.True(sa.Syn && sa.AckFlag);
            Assert.Equal(src, sa.Dst); Assert.Equal(port, sa.DstPort);
            isn[i] = sa.Seq + 1;
            In(h, src, port, 1000u * (uint)i + 1, isn[i], ACK);
            conns[i] = l.Accept(out int e);
            Assert.Equal(0, e);
            Assert.Equal(src, conns[i].Remote.Address);
        }
        Assert.Equal(N, h.Stack.TcpConnectionsHashed);
        Assert.True(h.Stack.TcpConnectionBuckets >= N, "buckets " + h.Stack.TcpConnectionBuckets);
        // Data to every connection in a scrambled order reaches exactly that connection.
        for (int k = 0; k < N; k++)
        {
            int i = (int)((k * 2654435761L) % N);
            var (src, port) = Tuple(i);
            In(h, src, port, 1000u * (uint)i + 1, isn[i], ACK | PSH, BitConverter.GetBytes(i));
        }
        var buf = new byte[16];
        for (int i = 0; i < N; i++)
        {
            Assert.Equal(4, conns[i].Receive(buf, false, h.Now));
            Assert.Equal(i, BitConverter.ToInt32(buf, 0));
        }
        h.Dev.Sent.Clear();
        // We close; the peer acknowledges our FIN and sends its own: TIME_WAIT, then gone.
        for (int i = 0; i < N; i++)
        {
            var (src, port) = Tuple(i);
            conns[i].Close(h.Now);
            In(h, src, port, 1000u * (uint)i + 5, isn[i] + 1, ACK | FIN);
            Assert.Equal(TcpState.TimeWait, conns[i].State);
        }
        Assert.Equal(N, h.Stack.TcpConnectionsHashed);
        h.Advance(61_000);
        Assert.Equal(0, h.Stack.TcpConnectionsHashed);
        Assert.Equal(1, h.Stack.TcpSocketCount);
        // A segment for a finished tuple now meets no connection: RST.
        h.Dev.Sent.Clear();
        var (s0, p0) = Tuple(17);
        In(h, s0, p0, 1, 1, ACK);
        Assert.True(Assert.Single(h.SentTcp()).Rst);
        l.Close(h.Now);
        Assert.Equal(0, h.Stack.TcpListenersHashed);
        Assert.Equal(0, h.Stack.TcpSocketCount);
    }

    [Fact]
    public void AbortedAndRefusedConnectionsLeaveTheTable()
    {
        var h = new Harness();
        var l = h.Stack.CreateTcp(); l.Bind(new IpEndpoint(0, 80)); l.Listen(8);
        // Half-open children reset by the peer, accepted ones reset, SYN_SENT refused.
        for (int i = 0; i < 50; i++)
        {
            In(h, Remote(i), 2000, 10, 0, SYN);
            var sa = Assert.Single(h.SentTcp());
            In(h, Remote(i), 2000, 11, 0, RST);
        }
        Assert.Equal(0, h.Stack.TcpConnectionsHashed);
        for (int i = 0; i < 50; i++)
        {
            In(h, Remote(i), 3000, 10, 0, SYN);
            var sa = Assert.Single(h.SentTcp());
            In(h, Remote(i), 3000, 11, sa.Seq + 1, ACK);
            var a = l.Accept(out _);
            In(h, Remote(i), 3000, 11, sa.Seq + 1, RST);
            Assert.Equal(TcpState.Closed, a.State);
            a.Close(h.Now);
        }
        Assert.Equal(0, h.Stack.TcpConnectionsHashed);
        for (int i = 0; i < 50; i++)
        {
            var c = h.Stack.CreateTcp();
            c.Connect(new IpEndpoint(Harness.Peer, 9), h.Now);
            var syn = Assert.Single(h.SentTcp());
            h.InjectTcp(9, syn.SrcPort, 0, syn.Seq + 1, RST | ACK);
            Assert.Equal(-Errno.ECONNREFUSED, c.TakeError());
            c.Close(h.Now);
        }
        Assert.Equal(0, h.Stack.TcpConnectionsHashed);
        l.Close(h.Now);
        Assert.Equal(0, h.Stack.TcpSocketCount);
        Assert.Equal(0, h.Stack.TcpListenersHashed);
    }

    [Fact]
    public void SpecificListenerBeforeWildcard_OnManyPorts()
    {
        var h = new Harness();
        var wild = new TcpSocket[300];
        var spec = new TcpSocket[300];
        for (int i = 0; i < 300; i++)
        {
            // Odd ports: a SO_REUSEPORT pair, 0.0.0.0 and our address (specific wins).
            wild[i] = h.Stack.CreateTcp(); wild[i].ReusePort = i % 2 == 1;
            Assert.Equal(0, wild[i].Bind(new IpEndpoint(0, (ushort)(5000 + i)))); Assert.Equal(0, wild[i].Listen(4));
            if (i % 2 == 0) continue;
            spec[i] = h.Stack.CreateTcp(); spec[i].ReusePort = true;
            Assert.Equal(0, spec[i].Bind(new IpEndpoint(Harness.Me, (ushort)(5000 + i)))); Assert.Equal(0, spec[i].Listen(4));
        }
        Assert.Equal(450, h.Stack.TcpListenersHashed);
        for (int i = 0; i < 300; i++)
        {
            h.InjectTcp(40000 + i, 5000 + i, 1, 0, SYN);
            var sa = Assert.Single(h.SentTcp());
            h.InjectTcp(40000 + i, 5000 + i, 2, sa.Seq + 1, ACK);
            var expect = spec[i] ?? wild[i];
            Assert.NotNull(expect.Accept(out _));
            if (spec[i] != null) Assert.Null(wild[i].Accept(out _));
        }
    }

    [Fact]
    public void ThousandsOfUdpSockets_EachGetsItsDatagrams_AndCloseEmptiesTheTable()
    {
        const int N = 3000;
        var h = new Harness();
        var socks = new UdpSocket[N];
        for (int i = 0; i < N; i++)
        {
            socks[i] = h.Stack.CreateUdp();
            Assert.Equal(0, socks[i].Bind(new IpEndpoint(0, (ushort)(10000 + i))));
        }
        Assert.Equal(N, h.Stack.UdpSocketsHashed);
        // A connected socket on a shared port takes its peer's datagrams, the wildcard the rest.
        var conn = h.Stack.CreateUdp(); conn.ReuseAddress = true; socks[5].ReuseAddress = true;
        Assert.Equal(-Errno.EADDRINUSE, conn.Bind(new IpEndpoint(0, 10006)));
        Assert.Equal(0, conn.Bind(new IpEndpoint(0, 10005)));
        Assert.Equal(0, conn.Connect(new IpEndpoint(Harness.Peer, 53)));
        for (int k = 0; k < N; k++)
        {
            int i = (k * 7919) % N;
            h.InjectIp(Ip(Harness.Peer, Harness.Me, 17, Udp(Harness.Peer, Harness.Me, 999, 10000 + i, BitConverter.GetBytes(i))));
        }
        h.InjectIp(Ip(Harness.Peer, Harness.Me, 17, Udp(Harness.Peer, Harness.Me, 53, 10005, BitConverter.GetBytes(-1))));
        var buf = new byte[8];
        for (int i = 0; i < N; i++)
        {
            Assert.Equal(4, socks[i].ReceiveFrom(buf, out var from, false, out _));
            Assert.Equal(i, BitConverter.ToInt32(buf, 0));
            Assert.Equal(-Errno.EAGAIN, socks[i].ReceiveFrom(buf, out _, false, out _));
        }
        Assert.Equal(4, conn.ReceiveFrom(buf, out _, false, out _));
        Assert.Equal(-1, BitConverter.ToInt32(buf, 0));
        Assert.DoesNotContain(h.Sent(), f => f.Proto == 1);            // no port unreachable
        for (int i = 0; i < N; i++) socks[i].Close();
        conn.Close();
        Assert.Equal(0, h.Stack.UdpSocketsHashed);
        Assert.Equal(0, h.Stack.UdpSocketCount);
        h.InjectIp(Ip(Harness.Peer, Harness.Me, 17, Udp(Harness.Peer, Harness.Me, 999, 10001, new byte[1])));
        Assert.Equal(3, Assert.Single(h.Sent(), f => f.Proto == 1).IcmpCode);
    }
}
