using Kernel;
using Kernel.Net;
using Xunit;

namespace Compat.Tests;

/// <summary>Socket buffers grow with what they hold, and a growth the heap refuses loses nothing.</summary>
[Collection("Net")]
public unsafe class NetBufferTests : IDisposable
{
    static int s_limit = int.MaxValue;

    static byte[] LimitedAlloc(int n) => n > s_limit ? null : new byte[n];

    public NetBufferTests() { s_limit = int.MaxValue; NetMemory.TryAllocBytes = &LimitedAlloc; }

    public void Dispose() => NetMemory.TryAllocBytes = null;

    static byte Pattern(int i) => (byte)(i * 7 + (i >> 8));

    [Fact]
    public void RingStartsSmallGrowsAndKeepsWrappedAndOutOfOrderBytes()
    {
        var r = new ByteRing(131072);
        Assert.Equal(131072, r.Capacity);
        Assert.True(r.Buf.Length <= 2048, "initial storage " + r.Buf.Length);
        var data = new byte[3000];
        for (int i = 0; i < data.Length; i++) data[i] = Pattern(i);
        Assert.Equal(1500, r.Append(data.AsSpan(0, 1500)));
        r.Consume(1000);                                   // read position moves: the next append wraps
        Assert.Equal(1500, r.Append(data.AsSpan(1500, 1500)));
        Assert.True(r.CopyIn(r.Count + 10_000, data.AsSpan(0, 100)));   // out of order, far ahead
        Assert.True(r.Buf.Length >= 12_100 && r.Buf.Length < 131072, "storage " + r.Buf.Length);
        var back = new byte[2000];
        r.CopyOut(0, back);
        for (int i = 0; i < 2000; i++) Assert.Equal(Pattern(1000 + i), back[i]);
        var ahead = new byte[100];
        r.CopyOut(r.Count + 10_000, ahead);
        for (int i = 0; i < 100; i++) Assert.Equal(Pattern(i), ahead[i]);
        Assert.False(r.Reserve(131073));                   // never past the capacity
    }

    [Fact]
    public void RingRefusedByTheHeapKeepsWhatItHas()
    {
        var r = new ByteRing(65536);
        s_limit = 4096;
        var data = new byte[10_000];
        int n = r.Append(data);
        Assert.True(n > 0 && n <= 4096, "appended " + n);
        Assert.False(r.Reserve(8192));
        Assert.Equal(n, r.Count);
    }

    [Fact]
    public void TcpDataRefusedForLackOfMemoryArrivesOnceMemoryReturns()
    {
        var s = new NetStack();
        var l = s.CreateTcp();
        l.Bind(new IpEndpoint(0, 80)); l.Listen(4);
        var c = s.CreateTcp();
        c.Connect(new IpEndpoint(0x7F000001, 80), 0);
        var a = l.Accept(out _);
        Assert.NotNull(a);
        s_limit = 8192;                                   // neither ring may grow past 8 KiB now
        var data = new byte[60_000];
        for (int i = 0; i < data.Length; i++) data[i] = Pattern(i);
        var got = new List<byte>();
        var buf = new byte[4096];
        int sent = 0;
        long now = 1;
        for (int round = 0; round < 2000 && got.Count < data.Length; round++)
        {
            if (round == 200) s_limit = int.MaxValue;     // memory comes back
            if (sent < data.Length)
            {
                int k = c.Send(data.AsSpan(sent), now);
                if (k > 0) sent += k;
                else Assert.True(k == -Errno.EAGAIN || k == -Errno.ENOBUFS, "send " + k);
            }
            int r;
            // The reader starts late: its ring fills to what memory allows and the rest is refused.
            while (round >= 100 && (r = a.Receive(buf, false, now)) > 0) got.AddRange(buf.AsSpan(0, r).ToArray());
            if (round == 99) Assert.True(a.BytesAvailable <= 8192 && a.BytesAvailable > 4096, "buffered " + a.BytesAvailable);
            now += 50;
            s.Poll(now);
        }
        Assert.Equal(data.Length, got.Count);
        Assert.True(data.AsSpan().SequenceEqual(got.ToArray()), "data differs");
    }
}
