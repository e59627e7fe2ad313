using System.Runtime.CompilerServices;
using Kernel;
using Kernel.Net;
using Xunit;

namespace Compat.Tests;

/// <summary>The explicit-free hook: everything a finished connection owned is freed exactly once.</summary>
[Collection("Net")]
public unsafe class NetMemoryTests : IDisposable
{
    static readonly HashSet<object> Freed = new(ReferenceEqualityComparer.Instance);
    static int s_doubleFrees;

    static void Free(object o)
    {
        lock (Freed) if (!Freed.Add(o)) s_doubleFrees++;
    }

    public NetMemoryTests()
    {
        lock (Freed) Freed.Clear();
        s_doubleFrees = 0;
        NetMemory.FreeObject = &Free;
    }

    public void Dispose() => NetMemory.FreeObject = null;

    [Fact]
    public void FinishedConnectionsAreFreedOnce()
    {
        var s = new NetStack();
        var l = s.CreateTcp();
        l.Bind(new IpEndpoint(0, 80)); l.Listen(4);
        var c = s.CreateTcp();
        c.Connect(new IpEndpoint(0x7F000001, 80), 0);
        var a = l.Accept(out _);
        c.Send(new byte[1000], 0);
        a.Receive(new byte[1000], false, 0);
        c.Close(1);
        a.Close(1);
        s.Poll(2);
        Assert.Contains(a, Freed);                 // LAST_ACK done: freed at once
        Assert.DoesNotContain(c, Freed);           // TIME_WAIT keeps it
        s.Poll(70_000);
        Assert.Contains(c, Freed);
        Assert.DoesNotContain(l, Freed);
        l.Close(70_001);
        Assert.Contains(l, Freed);
        Assert.Equal(0, s.TcpSocketCount);
        // Each socket: object + two rings (object + array) + two SACK arrays.
        Assert.True(Freed.Count >= 3 + 2 * 6, "freed " + Freed.Count);
        var u = s.CreateUdp();
        u.Bind(new IpEndpoint(0, 53));
        u.Close();
        Assert.Contains(u, Freed);
        Assert.Equal(0, s_doubleFrees);
    }

    [Fact]
    public void ResetAndTimedOutConnectionsAreFreedAfterClose()
    {
        var h = new Harness();
        h.Stack.TcpRetries2 = 3;
        var t = h.Stack.CreateTcp();
        t.Connect(new IpEndpoint(Harness.Peer, 80), h.Now);
        var syn = h.SentTcp().Single();
        h.InjectTcp(80, syn.SrcPort, 1, syn.Seq + 1, Pkt.SYN | Pkt.ACK);
        t.Send(new byte[10], h.Now);
        h.Advance(100_000);
        Assert.Equal(TcpState.Closed, t.State);
        Assert.DoesNotContain(t, Freed);            // the descriptor still holds it
        t.Close(h.Now);
        Assert.Contains(t, Freed);
        Assert.Equal(0, h.Stack.TcpSocketCount);
        Assert.Equal(0, s_doubleFrees);
    }

    [Fact]
    public void FuzzWithFreeHook_NoDoubleFreeNoUseAfterFree()
    {
        var h = new Harness();
        var rng = new Random(777);
        var l = h.Stack.CreateTcp(); l.Bind(new IpEndpoint(0, 80)); l.Listen(8);
        for (int i = 0; i < 20000; i++)
        {
            int kind = rng.Next(4);
            ushort port = (ushort)(1000 + rng.Next(0, 50));
            uint seq = (uint)rng.Next(0, 5000);
            int flags = kind == 0 ? Pkt.SYN : rng.Next(64);
            uint ack = rng.Next(2) == 0 ? (uint)rng.Next() : 0;
            h.InjectTcp(port, 80, seq, ack, flags, rng.Next(65536), null, new byte[rng.Next(0, 3) * 100]);
            while (l.Accept(out _) is TcpSocket a) { if (rng.Next(2) == 0) a.Close(h.Now); else a.Shutdown(1, h.Now); }
            if (rng.Next(50) == 0) h.Advance(rng.Next(0, 5000));
            h.Dev.Sent.Clear();
        }
        h.Advance(3_600_000);
        Assert.Equal(0, s_doubleFrees);
    }
}
