using System.Security.Cryptography;
using Kernel;
using Kernel.Net;
using Xunit;
using static Compat.Tests.Pkt;

namespace Compat.Tests;

/// <summary>Two stacks joined by a simulated Ethernet that loses, delays, reorders and duplicates.</summary>
[Collection("Net")]
public class NetWireTests
{
    sealed class Wire
    {
        public readonly NetStack A = new(), B = new();
        public readonly FakeDevice Da = new(Mac(0xA)), Db = new(Mac(0xB));
        public readonly NetInterface Ia, Ib;
        readonly Random _rng;
        readonly PriorityQueue<(bool toB, byte[] f), (long, long)> _q = new();
        long _order;
        public long Now = 1;
        public double Loss, Dup, Reorder;
        public int Delivered, Dropped;

        public Wire(int seed)
        {
            _rng = new Random(seed);
            Ia = A.AddEthernet(Da); Ib = B.AddEthernet(Db);
            A.ConfigureStatic(Ia, Addr(1), 24, 0, 0);
            B.ConfigureStatic(Ib, Addr(2), 24, 0, 0);
            Da.OnTransmit = f => Send(true, f);
            Db.OnTransmit = f => Send(false, f);
        }

        public static uint Addr(int n) => A(192, 168, 1, n);

        public static bool Trace;
        void Send(bool toB, byte[] f)
        {
            if (Trace) Console.WriteLine($"TRACE {Now} {(toB ? "A>B" : "B>A")} {Pkt.Parse(f)} sack={string.Join(",", Pkt.Parse(f).Sack)}");
            if (_rng.NextDouble() < Loss) { Dropped++; return; }
            long delay = 1 + (_rng.NextDouble() < Reorder ? _rng.Next(0, 15) : 0);
            _q.Enqueue((toB, f), (Now + delay, _order++));
            if (_rng.NextDouble() < Dup) _q.Enqueue((toB, f), (Now + delay + _rng.Next(0, 5), _order++));
        }

        /// <summary>Runs to the next event (a frame arrival or a timer) and returns false if there is none before limit.</summary>
        public bool Step(long limit)
        {
            long next = long.MaxValue;
            if (_q.TryPeek(out _, out var pri)) next = pri.Item1;
            next = Math.Min(next, Math.Min(A.NextDeadlineMs, B.NextDeadlineMs));
            if (next > limit) return false;
            if (next > Now) Now = next;
            while (_q.TryPeek(out var item, out var p) && p.Item1 <= Now)
            {
                _q.Dequeue();
                Delivered++;
                if (item.toB) B.Input(Ib, item.f, Now); else A.Input(Ia, item.f, Now);
            }
            if (A.NextDeadlineMs <= Now) A.Poll(Now);
            if (B.NextDeadlineMs <= Now) B.Poll(Now);
            Assert.Null(A.CheckTcpTimers());
            Assert.Null(B.CheckTcpTimers());
            return true;
        }
    }

    static string Diag(TcpSocket t)
    {
        if (t == null) return "null";
        var sb = new System.Text.StringBuilder();
        foreach (var f in typeof(TcpSocket).GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance))
        {
            var v = f.GetValue(t);
            if (v is null || v is TcpSocket || v is NetStack || f.FieldType.IsArray) continue;
            sb.Append(f.Name).Append('=').Append(v).Append(' ');
        }
        return sb.ToString();
    }

    static void Transfer(int seed, double loss, double dup, double reorder, int size, int bufSize, bool bothWays)
    {
        var w = new Wire(seed) { Loss = loss, Dup = dup, Reorder = reorder };
        var l = w.B.CreateTcp();
        l.ReceiveBufferSize = bufSize; l.SendBufferSize = bufSize;
        Assert.Equal(0, l.Bind(new IpEndpoint(0, 5001)));
        Assert.Equal(0, l.Listen(8));
        var c = w.A.CreateTcp();
        c.ReceiveBufferSize = bufSize; c.SendBufferSize = bufSize;
        Assert.Equal(-Errno.EINPROGRESS, c.Connect(new IpEndpoint(Wire.Addr(2), 5001), w.Now));
        TcpSocket s = null;
        var up = new byte[size]; new Random(seed).NextBytes(up);
        var down = new byte[bothWays ? size / 2 : 0]; new Random(seed + 1).NextBytes(down);
        var gotUp = new MemoryStream(); var gotDown = new MemoryStream();
        int sentUp = 0, sentDown = 0;
        bool upEof = false, downEof = false, cShut = false, sShut = false;
        var buf = new byte[16384];
        long limit = 3_600_000;
        while (!(upEof && (downEof || !bothWays)))
        {
            if (s == null) s = l.Accept(out _);
            if (c.State == TcpState.Established || c.State == TcpState.CloseWait || c.State == TcpState.FinWait1 || c.State == TcpState.FinWait2)
            {
                while (sentUp < up.Length)
                {
                    int n = c.Send(up.AsSpan(sentUp, Math.Min(20000, up.Length - sentUp)), w.Now);
                    if (n <= 0) { Assert.True(n == -Errno.EAGAIN, $"client send {n} at {w.Now} state {c.State} {Diag(c)} server {Diag(s)}"); break; }
                    sentUp += n;
                }
                if (sentUp == up.Length && !cShut) { Assert.Equal(0, c.Shutdown(1, w.Now)); cShut = true; }
            }
            if (c.State != TcpState.SynSent)
            {
                if (bothWays)
                    while (!downEof)
                    {
                        int n = c.Receive(buf, false, w.Now);
                        if (n > 0) gotDown.Write(buf, 0, n);
                        else if (n == 0) downEof = true;
                        else { Assert.True(n == -Errno.EAGAIN, $"client recv {n} at {w.Now} state {c.State} {Diag(c)} SERVER {s?.State} {Diag(s)}"); break; }
                    }
            }
            if (s != null)
            {
                while (!upEof)
                {
                    int n = s.Receive(buf, false, w.Now);
                    if (n > 0) gotUp.Write(buf, 0, n);
                    else if (n == 0) upEof = true;
                    else { Assert.Equal(-Errno.EAGAIN, n); break; }
                }
                if (bothWays)
                {
                    while (sentDown < down.Length)
                    {
                        int n = s.Send(down.AsSpan(sentDown, Math.Min(9000, down.Length - sentDown)), w.Now);
                        if (n <= 0) break;
                        sentDown += n;
                    }
                    if (sentDown == down.Length && !sShut) { s.Shutdown(1, w.Now); sShut = true; }
                }
            }
            Assert.True(w.Step(limit), $"stalled at {w.Now} ms: up {gotUp.Length}/{up.Length} down {gotDown.Length}/{down.Length} c={c.State} s={s?.State}");
        }
        Console.WriteLine($"WIRE seed={seed} loss={loss} size={size} simulated={w.Now} ms frames={w.Delivered} dropped={w.Dropped} rexmit={w.A.TcpRetransmits}+{w.B.TcpRetransmits}");
        Assert.Equal(SHA256.HashData(up), SHA256.HashData(gotUp.ToArray()));
        if (bothWays) Assert.Equal(SHA256.HashData(down), SHA256.HashData(gotDown.ToArray()));
        if (!bothWays) { s.Shutdown(1, w.Now); }
        c.Close(w.Now); s.Close(w.Now); l.Close(w.Now);
        // Everything drains: FINs get through, TIME_WAIT expires.
        while (w.Step(w.Now + 200_000)) { }
        Assert.Equal(0, w.A.TcpSocketCount);
        Assert.Equal(0, w.B.TcpSocketCount);
    }

    [Fact]
    public void OneMiB_CleanWire() => Transfer(1, 0, 0, 0, 1 << 20, 65536, false);

    [Fact]
    public void OneMiB_LossyReorderingDuplicatingWire() => Transfer(2, 0.03, 0.02, 0.1, 1 << 20, 131072, false);

    [Fact]
    public void OneMiB_BothWays_HeavyLoss_SmallBuffers() => Transfer(3, 0.10, 0.05, 0.2, 1 << 20, 8192, true);

    [Fact]
    public void ManySeeds_SmallTransfers()
    {
        for (int seed = 10; seed < 40; seed++) Transfer(seed, 0.08, 0.05, 0.3, 50_000, 16384, true);
    }
}
