using Kernel;
using Kernel.Net;
using Xunit;
using static Compat.Tests.Pkt;

namespace Compat.Tests;

/// <summary>The TCP timer queue (TcpTimers.cs): many sockets fire in deadline order exactly when
/// due, a changed deadline moves its socket, closed sockets leave, and every kind of timer still
/// fires on time after a socket's deadline was changed by another kind.</summary>
[Collection("Net")]
public unsafe class NetTcpTimerTests
{
    const uint PeerIsn = 7000;

    /// <summary>An established connection accepted from the scripted peer's port.</summary>
    sealed class Peer
    {
        public TcpSocket S;
        public ushort Port;          // the peer's port
        public uint MyNxt, PeerNxt = PeerIsn + 1;
    }

    static TcpSocket Listener(Harness h, int backlog = 4096)
    {
        var l = h.Stack.CreateTcp();
        Assert.Equal(0, l.Bind(new IpEndpoint(0, 80)));
        Assert.Equal(0, l.Listen(backlog));
        return l;
    }

    /// <summary>The peer connects from port (no options) and the listener accepts it.</summary>
    static Peer Accept(Harness h, TcpSocket l, ushort port)
    {
        h.InjectTcp(port, 80, PeerIsn, 0, SYN, 65535, SynOptions(1460));
        var sa = Assert.Single(h.SentTcp());
        Assert.True(sa.Syn && sa.AckFlag);
        var p = new Peer { Port = port, MyNxt = sa.Seq + 1 };
        h.InjectTcp(port, 80, p.PeerNxt, p.MyNxt, ACK);
        p.S = l.Accept(out int e);
        Assert.NotNull(p.S);
        Assert.Equal(TcpState.Established, p.S.State);
        return p;
    }

    /// <summary>One Poll at exactly t; the TCP segments that went out.</summary>
    static List<Frame> PollAt(Harness h, long t)
    {
        h.Now = t;
        h.Stack.Poll(t);
        h.AnswerArp();                                   // over 60 s the peer is asked for again
        h.CheckTimers();
        return h.SentTcp();
    }

    /// <summary>The earliest TCP deadline (NextDeadlineMs also has ARP's).</summary>
    static long Next(Harness h) => h.Stack.TcpTimersEarliest;

    [Fact]
    public void ManySynRetransmissions_FireExactlyWhenDue_InDeadlineOrder()
    {
        var h = new Harness();
        const int n = 400;
        long start = h.Now;
        var byPort = new Dictionary<ushort, int>();
        for (int i = 0; i < n; i++)
        {
            h.Now = start + i;                           // socket i's SYN times out at start + i + 1000
            var s = h.Stack.CreateTcp();
            Assert.Equal(-Errno.EINPROGRESS, s.Connect(new IpEndpoint(Harness.Peer, 80), h.Now));
            byPort[Assert.Single(h.SentTcp()).SrcPort] = i;
        }
        Assert.Equal(n, h.Stack.TcpTimersQueued);
        Assert.Equal(start + 1000, Next(h));
        Assert.Empty(PollAt(h, start + 999));
        // One a millisecond, each at its own deadline.
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(start + 1000 + i, Next(h));
            var f = Assert.Single(PollAt(h, start + 1000 + i));
            Assert.True(f.Syn);
            Assert.Equal(i, byPort[f.SrcPort]);
        }
        // Backed off to 2 s: a late tick fires all of them in one Poll, earliest first (the list
        // holds them newest first).
        Assert.Equal(start + 3000, Next(h));
        var all = PollAt(h, start + 3000 + n);
        Assert.Equal(Enumerable.Range(0, n), all.Select(f => byPort[f.SrcPort]));
        Assert.Equal(start + 3000 + n + 4000, Next(h));
        Assert.Equal(Next(h), h.Stack.NextDeadlineMs);
    }

    [Fact]
    public void KeepaliveDeadlines_InAnyOrder_FireInOrder_AndMoveWhenChanged()
    {
        var h = new Harness();
        var l = Listener(h);
        var rng = new Random(7);
        const int n = 300;
        int[] idle = Enumerable.Range(1, n).OrderBy(_ => rng.Next()).ToArray();   // seconds, all different
        var peers = new List<Peer>();
        for (int i = 0; i < n; i++) peers.Add(Accept(h, l, (ushort)(10000 + i)));
        long t0 = h.Now;
        for (int i = 0; i < n; i++)
        {
            peers[i].S.KeepIdleSec = idle[i]; peers[i].S.KeepIntervalSec = 10_000; peers[i].S.KeepAlive = true;
        }
        Assert.Equal(n, h.Stack.TcpTimersQueued);
        // Move two: the earliest to the end, another to the front.
        int first = Array.IndexOf(idle, 1);
        int moved = first == 0 ? 1 : 0;
        peers[first].S.KeepIdleSec = n + 5;
        peers[moved].S.KeepIdleSec = 1;
        var due = new SortedDictionary<long, List<int>>();
        for (int i = 0; i < n; i++)
        {
            long d = t0 + peers[i].S.KeepIdleSec * 1000L;
            if (!due.TryGetValue(d, out var list)) due[d] = list = new List<int>();
            list.Add(i);
        }
        foreach (var (t, who) in due)
        {
            Assert.Equal(t, Next(h));
            Assert.Empty(PollAt(h, t - 1));
            var probes = PollAt(h, t);
            Assert.Equal(who.Select(i => peers[i].Port).OrderBy(p => p), probes.Select(f => f.DstPort).OrderBy(p => p));
            foreach (var f in probes) Assert.Equal(peers[f.DstPort - 10000].MyNxt - 1, f.Seq);   // a keepalive probe
        }
        // All probed once: next come the intervals after each probe.
        Assert.Equal(due.Keys.First() + 10_000_000, Next(h));
    }

    [Fact]
    public void ClosedSockets_LeaveTheQueue()
    {
        var h = new Harness();
        var l = Listener(h);
        var peers = new List<Peer>();
        for (int i = 0; i < 100; i++)
        {
            var p = Accept(h, l, (ushort)(20000 + i));
            p.S.KeepIdleSec = 10 + i; p.S.KeepAlive = true;
            peers.Add(p);
        }
        Assert.Equal(100, h.Stack.TcpTimersQueued);
        // Aborted (linger 0: RST, freed at once) and keepalive switched off: gone from the queue.
        for (int i = 0; i < 100; i += 2) { peers[i].S.LingerOn = true; peers[i].S.LingerSeconds = 0; peers[i].S.Close(h.Now); }
        peers[1].S.KeepAlive = false;
        h.CheckTimers();
        Assert.Equal(49, h.Stack.TcpTimersQueued);
        Assert.Equal(h.Now + 13_000, Next(h));
        h.SentTcp();
        // Gracefully closed: FIN, the peer's ACK and FIN, TIME_WAIT, then gone.
        var p3 = peers[3];
        p3.S.Close(h.Now);
        var fin = Assert.Single(h.SentTcp());
        Assert.True(fin.Fin);
        h.InjectTcp(p3.Port, 80, p3.PeerNxt, p3.MyNxt + 1, ACK | FIN);
        Assert.Single(h.SentTcp());
        Assert.Equal(TcpState.TimeWait, p3.S.State);
        Assert.Equal(h.Now + 15_000, Next(h));                // TIME_WAIT (60 s) is later
        long tw = h.Now + h.Stack.TcpTimeWaitMs;
        for (int i = 5; i < 100; i += 2) peers[i].S.KeepAlive = false;
        Assert.Equal(tw, Next(h));
        Assert.Equal(1, h.Stack.TcpTimersQueued);
        Assert.Empty(PollAt(h, tw - 1));
        PollAt(h, tw);
        Assert.Equal(0, h.Stack.TcpTimersQueued);
        Assert.Equal(long.MaxValue, Next(h));
        Assert.Equal(TcpState.Closed, p3.S.State);
        // Closing the listener takes the rest with it.
        foreach (var p in peers)
            if (p.S.State != TcpState.Closed) { p.S.LingerOn = true; p.S.LingerSeconds = 0; p.S.Close(h.Now); }
        l.Close(h.Now);
        h.CheckTimers();
        Assert.Equal(0, h.Stack.TcpSocketCount);
    }

    // ---- Every kind of timer on a socket whose queued deadline was something else (a far
    // keepalive) among many others: the new, earlier deadline must fire exactly when due. A write
    // that forgot to move the socket in the queue would fire late (at the keepalive).

    /// <summary>A harness with many idle connections (keepalive far away) and the one under test.</summary>
    static (Harness h, TcpSocket l, Peer p) Crowd()
    {
        var h = new Harness();
        var l = Listener(h);
        for (int i = 0; i < 50; i++)
        {
            var o = Accept(h, l, (ushort)(30000 + i));
            o.S.KeepIdleSec = 7000 + i; o.S.KeepAlive = true;
        }
        var p = Accept(h, l, 40000);
        p.S.KeepIdleSec = 7200; p.S.KeepAlive = true;
        Assert.Equal(h.Now + 7_000_000, Next(h));
        return (h, l, p);
    }

    /// <summary>Nothing at t - 1, then exactly one segment to p at t.</summary>
    static Frame FiresAt(Harness h, Peer p, long t)
    {
        Assert.Equal(t, Next(h));
        Assert.Empty(PollAt(h, t - 1));
        var f = Assert.Single(PollAt(h, t));
        Assert.Equal(p.Port, f.DstPort);
        return f;
    }

    [Fact]
    public void Retransmission_FiresOnTime()
    {
        var (h, _, p) = Crowd();
        Assert.Equal(1, p.S.Send(new byte[1], h.Now));
        Assert.Single(h.SentTcp());
        var f = FiresAt(h, p, h.Now + p.S.RtoMs);
        Assert.Equal(p.MyNxt, f.Seq);
        Assert.Single(f.Data);
        // Backed off, then the ACK stops it: back to the keepalive.
        long next = h.Now + p.S.RtoMs;
        Assert.Equal(next, Next(h));
        h.InjectTcp(p.Port, 80, p.PeerNxt, p.MyNxt + 1, ACK);
        Assert.True(Next(h) > next);
    }

    [Fact]
    public void DelayedAck_FiresOnTime()
    {
        var (h, _, p) = Crowd();
        h.InjectTcp(p.Port, 80, p.PeerNxt, p.MyNxt, ACK | PSH, data: new byte[10]);
        Assert.Empty(h.SentTcp());
        var f = FiresAt(h, p, h.Now + 40);
        Assert.Equal(p.PeerNxt + 10, f.Ack);
    }

    [Fact]
    public void ZeroWindowProbe_FiresOnTime()
    {
        var (h, _, p) = Crowd();
        h.InjectTcp(p.Port, 80, p.PeerNxt, p.MyNxt, ACK, wnd: 0);
        Assert.Equal(5, p.S.Send(new byte[5], h.Now));
        Assert.Empty(h.SentTcp());
        var probe = FiresAt(h, p, h.Now + Math.Max(p.S.RtoMs, 200));
        Assert.Equal(p.MyNxt - 1, probe.Seq);
        // Backed off; the window opens: the data goes at once and the probe stops.
        Assert.Equal(h.Now + 2 * Math.Max(p.S.RtoMs, 200), Next(h));
        h.InjectTcp(p.Port, 80, p.PeerNxt, p.MyNxt, ACK, wnd: 65535);
        Assert.Equal(5, Assert.Single(h.SentTcp()).Data.Length);
        Assert.Equal(h.Now + p.S.RtoMs, Next(h));
    }

    [Fact]
    public void Keepalive_ShortenedAndLengthened_FiresOnTime()
    {
        var (h, _, p) = Crowd();
        long t = h.Now;
        p.S.KeepIdleSec = 5;
        FiresAt(h, p, t + 5000);
        p.S.KeepIntervalSec = 3;
        FiresAt(h, p, t + 8000);
        p.S.KeepIntervalSec = 10;                        // later than before: nothing at 11 s
        Assert.Empty(PollAt(h, t + 11_000));
        FiresAt(h, p, t + 18_000);
        // Data from the peer makes it idle again.
        h.InjectTcp(p.Port, 80, p.PeerNxt, p.MyNxt, ACK);
        FiresAt(h, p, h.Now + 5000);
    }

    [Fact]
    public void TimeWait_EndsOnTime()
    {
        var (h, _, p) = Crowd();
        h.Stack.TcpTimeWaitMs = 5000;
        p.S.Close(h.Now);
        Assert.True(Assert.Single(h.SentTcp()).Fin);
        h.InjectTcp(p.Port, 80, p.PeerNxt, p.MyNxt + 1, ACK | FIN);
        Assert.Single(h.SentTcp());
        Assert.Equal(TcpState.TimeWait, p.S.State);
        long t = h.Now + 5000;
        Assert.Equal(t, Next(h));
        // A retransmitted FIN restarts it.
        h.Now += 1000;
        h.InjectTcp(p.Port, 80, p.PeerNxt, p.MyNxt + 1, ACK | FIN);
        Assert.Single(h.SentTcp());
        t = h.Now + 5000;
        Assert.Equal(t, Next(h));
        Assert.Empty(PollAt(h, t - 1));
        Assert.Equal(TcpState.TimeWait, p.S.State);
        PollAt(h, t);
        Assert.Equal(TcpState.Closed, p.S.State);
    }

    [Fact]
    public void FinWait2_EndsOnTime()
    {
        var (h, _, p) = Crowd();
        h.Stack.TcpFinTimeoutMs = 3000;
        int before = h.Stack.TcpSocketCount;
        p.S.Close(h.Now);
        Assert.True(Assert.Single(h.SentTcp()).Fin);
        h.InjectTcp(p.Port, 80, p.PeerNxt, p.MyNxt + 1, ACK);
        Assert.Equal(TcpState.FinWait2, p.S.State);
        long t = h.Now + 3000;
        Assert.Equal(t, Next(h));
        Assert.Empty(PollAt(h, t - 1));
        Assert.Equal(before, h.Stack.TcpSocketCount);
        Assert.Empty(PollAt(h, t));
        Assert.Equal(before - 1, h.Stack.TcpSocketCount);
    }

    [Fact]
    public void SynReceived_SynAckRetransmittedOnTime_AndDroppedWhenItGivesUp()
    {
        var (h, l, p) = Crowd();
        h.Stack.TcpSynAckRetries = 1;
        int before = h.Stack.TcpSocketCount;
        h.InjectTcp(41000, 80, PeerIsn, 0, SYN, 65535, SynOptions(1460));
        Assert.True(Assert.Single(h.SentTcp()).Syn);
        var half = new Peer { Port = 41000 };
        long t = h.Now;
        Assert.True(FiresAt(h, half, t + 1000).Syn);
        Assert.Equal(t + 3000, Next(h));
        Assert.Empty(PollAt(h, t + 3000));                // gave up: the half-open socket is gone
        Assert.Equal(before, h.Stack.TcpSocketCount);
        Assert.Equal(t + 7_000_000, Next(h));
    }

    [Fact]
    public void SynCookieConnection_StartsTheListenersKeepalive()
    {
        // Established from a cookie there was no SYN-ACK timer to cancel: only the state change
        // itself starts keepalive.
        var h = new Harness();
        h.Stack.TcpMaxHalfOpen = 0;                      // every SYN gets a cookie
        var l = Listener(h);
        l.KeepAlive = true; l.KeepIdleSec = 10;
        h.InjectTcp(42000, 80, PeerIsn, 0, SYN, 65535, SynOptions(1460));
        var sa = Assert.Single(h.SentTcp());
        Assert.Equal(long.MaxValue, Next(h));
        h.InjectTcp(42000, 80, PeerIsn + 1, sa.Seq + 1, ACK);
        Assert.Equal(1, h.Stack.TcpSynCookiesReceived);
        var s = l.Accept(out _);
        Assert.Equal(TcpState.Established, s.State);
        var p = new Peer { S = s, Port = 42000, MyNxt = sa.Seq + 1 };
        Assert.Equal(p.MyNxt - 1, FiresAt(h, p, h.Now + 10_000).Seq);
    }

    [Fact]
    public void TimersFire_WhenTheHeapCannotGrow()
    {
        delegate*<object, int, object> saved = NetMemory.TryAllocArrayLike;
        NetMemory.TryAllocArrayLike = &NoMemory;
        try
        {
            var h = new Harness();
            long start = h.Now;
            var ports = new List<ushort>();
            for (int i = 0; i < 100; i++)              // the heap holds 64: the rest overflow
            {
                h.Now = start + i;
                h.Stack.CreateTcp().Connect(new IpEndpoint(Harness.Peer, 80), h.Now);
                ports.Add(Assert.Single(h.SentTcp()).SrcPort);
            }
            Assert.Equal(100, h.Stack.TcpTimersQueued);
            h.CheckTimers();
            Assert.Equal(start + 1000, Next(h));
            Assert.Empty(PollAt(h, start + 999));
            Assert.Equal(ports.GetRange(0, 70), PollAt(h, start + 1069).Select(f => f.SrcPort));
            Assert.Equal(start + 1070, Next(h));
            Assert.Equal(ports.GetRange(70, 30), PollAt(h, start + 1099).Select(f => f.SrcPort));
            // Memory again: the overflow joins the heap and everything still fires in order.
            NetMemory.TryAllocArrayLike = saved;
            var again = PollAt(h, start + 5000).Select(f => f.SrcPort).ToList();
            Assert.Equal(100, h.Stack.TcpTimersQueued);
            // Fired together, they are due together: 70 at 1069 + 2000, then 30 at 1099 + 2000.
            Assert.Equal(ports.GetRange(0, 70).Order(), again.GetRange(0, 70).Order());
            Assert.Equal(ports.GetRange(70, 30).Order(), again.GetRange(70, 30).Order());
        }
        finally { NetMemory.TryAllocArrayLike = saved; }
    }

    static object NoMemory(object like, int n) => null;
}
