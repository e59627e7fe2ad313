using Kernel;
using Kernel.Net;
using Xunit;

namespace Compat.Tests;

[Collection("Net")]
public unsafe class NetTcpLoopbackTests
{
    const uint Lo = 0x7F000001;
    static int s_changed;
    static void OnChanged() => s_changed++;

    static (TcpSocket listener, TcpSocket client, TcpSocket server) Pair(NetStack s, ushort port = 8080)
    {
        var l = s.CreateTcp();
        Assert.Equal(0, l.Bind(new IpEndpoint(0, port)));
        Assert.Equal(0, l.Listen(16));
        var c = s.CreateTcp();
        int r = c.Connect(new IpEndpoint(Lo, port), 0);
        Assert.True(r == 0 || r == -Errno.EINPROGRESS, "connect " + r);
        s.Poll(0);
        Assert.Equal(TcpState.Established, c.State);
        var a = l.Accept(out int err);
        Assert.NotNull(a);
        Assert.Equal(0, err);
        Assert.Equal(TcpState.Established, a.State);
        return (l, c, a);
    }

    [Fact]
    public void ConnectAcceptDataBothWaysClose()
    {
        var s = new NetStack();
        s_changed = 0;
        NetStack.Changed = &OnChanged;
        try
        {
            var (l, c, a) = Pair(s);
            Assert.True(s_changed > 0);
            Assert.Equal(c.Local.Port, a.Remote.Port);
            Assert.Equal(Lo, a.Local.Address);
            Assert.NotEqual(0, c.PollEvents & TcpSocket.POLLOUT);
            Assert.Equal(0, c.PollEvents & TcpSocket.POLLIN);
            Assert.Equal(5, c.Send("hello"u8, 1));
            Assert.Equal(5, a.BytesAvailable);
            Assert.NotEqual(0, a.PollEvents & TcpSocket.POLLIN);
            var buf = new byte[100];
            Assert.Equal(2, a.Receive(buf.AsSpan(0, 2), true, 1));
            Assert.Equal(5, a.Receive(buf, false, 1));
            Assert.Equal("hello"u8.ToArray(), buf[..5]);
            Assert.Equal(-Errno.EAGAIN, a.Receive(buf, false, 1));
            Assert.Equal(6, a.Send("world!"u8, 2));
            Assert.Equal(6, c.Receive(buf, false, 2));
            // Client closes: server sees EOF, then closes too.
            c.Close(3);
            Assert.Equal(0, a.Receive(buf, false, 3));
            Assert.NotEqual(0, a.PollEvents & TcpSocket.POLLRDHUP);
            Assert.Equal(TcpState.CloseWait, a.State);
            a.Close(4);
            s.Poll(4);
            // The client side lingers in TIME_WAIT, then everything is gone.
            Assert.Equal(2, s.TcpSocketCount);     // listener + TIME_WAIT
            s.Poll(4 + 60000);
            Assert.Equal(1, s.TcpSocketCount);
            l.Close(60005);
            Assert.Equal(0, s.TcpSocketCount);
        }
        finally { NetStack.Changed = null; }
    }

    [Fact]
    public void ConnectToClosedPortIsRefused()
    {
        var s = new NetStack();
        var c = s.CreateTcp();
        int r = c.Connect(new IpEndpoint(Lo, 1), 0);
        if (r == -Errno.EINPROGRESS) { s.Poll(0); r = c.TakeError(); }
        Assert.Equal(-Errno.ECONNREFUSED, r);
        Assert.Equal(TcpState.Closed, c.State);
        int ev = c.PollEvents;
        Assert.NotEqual(0, ev & TcpSocket.POLLHUP);
        Assert.Equal(0, s.TcpSocketCount);
    }

    [Fact]
    public void BulkTransferWithSmallBuffers()
    {
        var s = new NetStack();
        var l = s.CreateTcp();
        l.ReceiveBufferSize = 4096; l.SendBufferSize = 4096;
        Assert.Equal(0, l.Bind(new IpEndpoint(Lo, 9000)));
        Assert.Equal(0, l.Listen(1));
        var c = s.CreateTcp();
        c.ReceiveBufferSize = 4096; c.SendBufferSize = 3000;
        c.Connect(new IpEndpoint(Lo, 9000), 0);
        s.Poll(0);
        var a = l.Accept(out _);
        var data = new byte[1 << 20];
        new Random(5).NextBytes(data);
        var got = new MemoryStream();
        int sent = 0; long now = 0;
        var buf = new byte[1500];
        int guard = 0;
        while (got.Length < data.Length)
        {
            Assert.True(++guard < 1_000_000);
            if (sent < data.Length)
            {
                int n = c.Send(data.AsSpan(sent, Math.Min(7000, data.Length - sent)), now);
                if (n > 0) sent += n; else Assert.Equal(-Errno.EAGAIN, n);
            }
            int m = a.Receive(buf, false, now);
            if (m > 0) got.Write(buf, 0, m);
            else
            {
                Assert.Equal(-Errno.EAGAIN, m);
                now += 1;
                if (s.NextDeadlineMs <= now) s.Poll(now);
            }
        }
        Assert.Equal(data, got.ToArray());
        Assert.True(now < 20000, "took " + now + " ms of simulated time");
    }

    [Fact]
    public void ShutdownWrite_HalfClose()
    {
        var s = new NetStack();
        var (l, c, a) = Pair(s, 8081);
        Assert.Equal(0, c.Shutdown(1, 1));
        Assert.Equal(TcpState.FinWait2, c.State);
        Assert.Equal(-Errno.EPIPE, c.Send(new byte[1], 1));
        var buf = new byte[10];
        Assert.Equal(0, a.Receive(buf, false, 1));
        Assert.Equal(3, a.Send(new byte[] { 1, 2, 3 }, 1));
        Assert.Equal(3, c.Receive(buf, false, 1));
        a.Shutdown(1, 2);
        Assert.Equal(0, c.Receive(buf, false, 2));
        Assert.Equal(TcpState.TimeWait, c.State);
        Assert.Equal(TcpState.Closed, a.State);
    }

    [Fact]
    public void CloseWithUnreadDataResets()
    {
        var s = new NetStack();
        var (l, c, a) = Pair(s, 8082);
        c.Send(new byte[] { 1, 2, 3 }, 0);
        a.Close(1);
        Assert.Equal(TcpState.Closed, c.State);
        Assert.Equal(-Errno.ECONNRESET, c.Receive(new byte[4], false, 1));
        Assert.Equal(0, c.Receive(new byte[4], false, 1));
        Assert.Equal(-Errno.EPIPE, c.Send(new byte[1], 1));
    }

    [Fact]
    public void ListenerCloseResetsUnacceptedChildren_AndBacklogIsEnforced()
    {
        var s = new NetStack();
        var l = s.CreateTcp();
        l.Bind(new IpEndpoint(0, 7000));
        l.Listen(1);
        var cs = new List<TcpSocket>();
        for (int i = 0; i < 4; i++)
        {
            var c = s.CreateTcp();
            c.Connect(new IpEndpoint(Lo, 7000), 0);
            cs.Add(c);
        }
        s.Poll(0);
        Assert.Equal(2, l.PendingAccepts);                   // backlog 1 allows 2 (as Linux)
        Assert.Equal(2, cs.Count(c => c.State == TcpState.Established));
        l.Close(1);
        s.Poll(1);
        Assert.All(cs.Where(c => c.State != TcpState.SynSent), c => Assert.Equal(TcpState.Closed, c.State));
        Assert.Equal(-Errno.ECONNRESET, cs.First(c => c.State == TcpState.Closed).TakeError());
    }

    [Fact]
    public void BindRules()
    {
        var s = new NetStack();
        var a = s.CreateTcp(); var b = s.CreateTcp();
        Assert.Equal(0, a.Bind(new IpEndpoint(0, 5000)));
        Assert.Equal(-Errno.EADDRINUSE, b.Bind(new IpEndpoint(Lo, 5000)));
        Assert.Equal(-Errno.EADDRNOTAVAIL, b.Bind(new IpEndpoint(Pkt.A(1, 1, 1, 1), 5000)));
        Assert.Equal(0, b.Bind(new IpEndpoint(0, 0)));
        Assert.InRange(b.Local.Port, NetStack.EphemeralLow, NetStack.EphemeralHigh);
        Assert.Equal(-Errno.EINVAL, b.Bind(new IpEndpoint(0, 0)));
        a.Listen(5);
        var c = s.CreateTcp(); c.ReuseAddress = true;
        Assert.Equal(-Errno.EADDRINUSE, c.Bind(new IpEndpoint(0, 5000)));    // listener still there
        var r1 = s.CreateTcp(); r1.ReusePort = true;
        var r2 = s.CreateTcp(); r2.ReusePort = true;
        Assert.Equal(0, r1.Bind(new IpEndpoint(0, 5001)));
        Assert.Equal(0, r2.Bind(new IpEndpoint(0, 5001)));
        var x = s.CreateTcp();
        Assert.Equal(-Errno.ENOTCONN, x.Receive(new byte[1], false, 0));
        Assert.Equal(-Errno.ENOTCONN, x.Send(new byte[1], 0));
        Assert.Null(x.Accept(out int e)); Assert.Equal(-Errno.EINVAL, e);
        Assert.Equal(-Errno.ENOTCONN, x.Shutdown(1, 0));
    }

    [Fact]
    public void TimeWaitBlocksRebindWithoutReuseAddr()
    {
        var s = new NetStack();
        var l = s.CreateTcp();
        l.Bind(new IpEndpoint(0, 6000)); l.Listen(4);
        var c = s.CreateTcp(); c.Connect(new IpEndpoint(Lo, 6000), 0);
        var a = l.Accept(out _);
        a.Close(1);           // server closes first: server side goes to TIME_WAIT
        c.Close(1);
        s.Poll(1);
        l.Close(2);
        Assert.Equal(1, s.TcpSocketCount);
        var n = s.CreateTcp();
        Assert.Equal(-Errno.EADDRINUSE, n.Bind(new IpEndpoint(0, 6000)));
        n.ReuseAddress = true;
        Assert.Equal(0, n.Bind(new IpEndpoint(0, 6000)));
        Assert.Equal(0, n.Listen(4));
    }

    [Fact]
    public void SelfConnectThroughOwnAddress()
    {
        var h = new Harness();
        var l = h.Stack.CreateTcp();
        l.Bind(new IpEndpoint(Harness.Me, 80)); l.Listen(4);
        var c = h.Stack.CreateTcp();
        c.Connect(new IpEndpoint(Harness.Me, 80), h.Now);
        h.Stack.Poll(h.Now);
        Assert.Equal(TcpState.Established, c.State);
        Assert.Equal(Harness.Me, c.Local.Address);
        Assert.Empty(h.Sent());
    }
}
