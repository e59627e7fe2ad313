using Kernel;
using Kernel.Net;
using Xunit;
using static Compat.Tests.Pkt;

namespace Compat.Tests;

/// <summary>Device offloads (virtio-net CSUM, HOST_TSO4, GUEST_CSUM): a fake device that takes
/// checksum and TSO work and does it as a device would (<see cref="DeviceOffload"/>), against the
/// same scripted peer as the other TCP tests.</summary>
[Collection("Net")]
public class NetOffloadTests
{
    const int PeerPort = 80;
    const uint PeerIsn = 5000;

    /// <summary>An established connection to the peer (timestamps, SACK, window scale 7).</summary>
    static (Harness H, TcpSocket S, ushort Port, uint MyNxt) Connect(bool offloads)
    {
        var h = new Harness(offloads: offloads);
        TcpSocket s = h.Stack.CreateTcp();
        Assert.Equal(-Errno.EINPROGRESS, s.Connect(new IpEndpoint(Harness.Peer, PeerPort), h.Now));
        var syn = Assert.Single(h.SentTcp());
        Assert.True(syn.L4ChecksumOk);
        h.InjectTcp(PeerPort, syn.SrcPort, PeerIsn, syn.Seq + 1, SYN | ACK, 65535, SynOptions(1460, 7, true, 100, syn.TsVal));
        Assert.Single(h.SentTcp());
        Assert.Equal(TcpState.Established, s.State);
        return (h, s, syn.SrcPort, syn.Seq + 1);
    }

    [Fact]
    public void Tso_BulkDataLeavesInFramesBiggerThanTheMss_WithGsoMetadataAndAPartialChecksum()
    {
        var (h, s, port, nxt) = Connect(offloads: true);
        int mss = s.Mss;
        Assert.Equal(1448, mss);
        var data = new byte[100000];
        new Random(5).NextBytes(data);
        Assert.Equal(data.Length, s.Send(data, h.Now));
        // The initial window (10 segments) goes as one TSO frame (the SYN and ACK before it had
        // their checksums offloaded too).
        Assert.All(h.Dev.Offloaded, x => Assert.True(x.Offload.NeedsChecksum));
        var (frame, off) = Assert.Single(h.Dev.Offloaded, x => x.Offload.GsoType != NetOffload.GsoNone);
        Assert.Equal(NetOffload.GsoTcp4, off.GsoType);
        Assert.Equal(mss, off.GsoSize);
        Assert.Equal(14 + 20 + 32, off.HeaderLength);
        Assert.Equal(14 + 20, off.CsumStart);
        Assert.Equal(16, off.CsumOffset);
        Assert.Equal(off.HeaderLength + 10 * mss, frame.Length);
        // What the device puts on the wire: ten segments with right checksums, in sequence.
        var segs = h.SentTcp();
        Assert.Equal(10, segs.Count);
        uint seq = nxt;
        foreach (var f in segs)
        {
            Assert.True(f.IpChecksumOk);
            Assert.True(f.L4ChecksumOk);
            Assert.Equal(seq, f.Seq);
            Assert.Equal(mss, f.Data.Length);
            Assert.True(f.Raw.Length <= 1514);
            Assert.Equal(data.AsSpan((int)(seq - nxt), mss).ToArray(), f.Data);
            seq += (uint)mss;
        }
        // An ACK of everything opens cwnd: the next frames are bigger still, all multiples of the MSS.
        h.Dev.Offloaded.Clear();
        h.InjectTcp(PeerPort, port, PeerIsn + 1, seq, ACK, 65535, TsOption(101, segs[^1].TsVal));
        Assert.NotEmpty(h.Dev.Offloaded);
        foreach (var (fr, o) in h.Dev.Offloaded)
            if (o.GsoType != NetOffload.GsoNone) Assert.Equal(0, (fr.Length - o.HeaderLength) % mss);
        foreach (var f in h.SentTcp()) { Assert.True(f.L4ChecksumOk); Assert.Equal(data.AsSpan((int)(f.Seq - nxt), f.Data.Length).ToArray(), f.Data); }
    }

    [Fact]
    public void Tso_LostFrameIsRetransmittedAfterRto_WithACorrectChecksum()
    {
        var (h, s, port, nxt) = Connect(offloads: true);
        h.Dev.Offloaded.Clear();
        s.Send(new byte[5000], h.Now);
        var first = h.SentTcp();
        Assert.Equal(3, first.Count);                            // 3 full segments from one TSO frame; Nagle holds the tail
        var (_, tso) = Assert.Single(h.Dev.Offloaded);
        Assert.Equal(NetOffload.GsoTcp4, tso.GsoType);
        h.Dev.Offloaded.Clear();
        h.Advance(200);                                          // RTO: the first segment again
        var re = Assert.Single(h.SentTcp());
        Assert.Equal(nxt, re.Seq);
        Assert.Equal(s.Mss, re.Data.Length);
        Assert.True(re.L4ChecksumOk);
        var (_, o) = Assert.Single(h.Dev.Offloaded);
        Assert.True(o.NeedsChecksum);
        Assert.Equal(NetOffload.GsoNone, o.GsoType);
        Assert.True(s.Retransmits >= 1);
        h.InjectTcp(PeerPort, port, PeerIsn + 1, nxt + (uint)(3 * s.Mss), ACK, 65535, TsOption(101, re.TsVal));
        var tail = Assert.Single(h.SentTcp());
        Assert.Equal(5000 - 3 * s.Mss, tail.Data.Length);
        Assert.True(tail.L4ChecksumOk);
        h.InjectTcp(PeerPort, port, PeerIsn + 1, nxt + 5000, ACK, 65535, TsOption(102, tail.TsVal));
        h.Advance(10000);
        Assert.Equal(0, s.BytesQueued);
    }

    [Fact]
    public void DeviceWithoutOffloads_GetsMssSizedFramesWithFullChecksums()
    {
        var (h, s, _, nxt) = Connect(offloads: false);
        s.Send(new byte[100000], h.Now);
        Assert.Empty(h.Dev.Offloaded);
        var segs = h.SentTcp();
        Assert.Equal(10, segs.Count);
        foreach (var f in segs) { Assert.True(f.L4ChecksumOk); Assert.Equal(s.Mss, f.Data.Length); Assert.Equal(14 + 20 + 32 + s.Mss, f.Raw.Length); }
        Assert.Equal(nxt, segs[0].Seq);
    }

    [Fact]
    public void Udp_ChecksumLeftToTheDevice_LoopbackNeverOffloads()
    {
        var h = new Harness(offloads: true);
        UdpSocket u = h.Stack.CreateUdp();
        Assert.True(u.SendTo("ping"u8, new IpEndpoint(Harness.Peer, 53), h.Now) >= 0);
        var (_, o) = Assert.Single(h.Dev.Offloaded);
        Assert.Equal(6, o.CsumOffset);
        var f = Assert.Single(h.Sent().Where(x => x.Proto == 17));
        Assert.True(f.L4ChecksumOk);
        Assert.Equal("ping"u8.ToArray(), f.Data);
        // Over the loopback: no offload work anywhere.
        h.Dev.Offloaded.Clear();
        TcpSocket l = h.Stack.CreateTcp();
        Assert.Equal(0, l.Bind(new IpEndpoint(0, 7000)));
        Assert.Equal(0, l.Listen(4));
        TcpSocket c = h.Stack.CreateTcp();
        Assert.Equal(0, c.Connect(new IpEndpoint(Harness.Me, 7000), h.Now));
        Assert.Equal(100000, c.Send(new byte[100000], h.Now));
        h.Advance(10);
        Assert.Empty(h.Dev.Offloaded);
    }

    static byte[] BadChecksumSegment(ushort port, uint seq, uint ack, byte[] data)
    {
        byte[] t = Pkt.Tcp(Harness.Peer, Harness.Me, PeerPort, port, seq, ack, ACK | PSH, 65535, null, data);
        t[16] ^= 0x55;                                           // a wrong TCP checksum
        return Eth(Harness.MyMac, Harness.PeerMac, 0x0800, Ip(Harness.Peer, Harness.Me, 6, t));
    }

    [Fact]
    public void Rx_DataValidSkipsTheChecksum_UnmarkedBadChecksumIsDropped()
    {
        var (h, s, port, nxt) = Connect(offloads: true);
        long bad = h.Stack.TcpBadSegments;
        h.Stack.Input(h.If, BadChecksumSegment(port, PeerIsn + 1, nxt, "dropped"u8.ToArray()), h.Now);
        Assert.Equal(bad + 1, h.Stack.TcpBadSegments);
        Assert.Equal(0, s.BytesAvailable);
        h.Stack.Input(h.If, BadChecksumSegment(port, PeerIsn + 1, nxt, "trusted"u8.ToArray()), h.Now, checksumValid: true);
        Assert.Equal(bad + 1, h.Stack.TcpBadSegments);
        var buf = new byte[16];
        Assert.Equal(7, s.Receive(buf, false, h.Now));
        Assert.Equal("trusted"u8.ToArray(), buf[..7]);
    }

    [Fact]
    public void Rx_ASegmentBiggerThanTheMss_IsAccepted()
    {
        // A receive-TSO (GUEST_TSO4) frame: 20000 bytes in one segment.
        var (h, s, port, nxt) = Connect(offloads: true);
        var data = new byte[20000];
        new Random(7).NextBytes(data);
        byte[] t = Pkt.Tcp(Harness.Peer, Harness.Me, PeerPort, port, PeerIsn + 1, nxt, ACK | PSH, 65535, null, data);
        h.Stack.Input(h.If, Eth(Harness.MyMac, Harness.PeerMac, 0x0800, Ip(Harness.Peer, Harness.Me, 6, t)), h.Now, checksumValid: true);
        var buf = new byte[30000];
        Assert.Equal(20000, s.Receive(buf, false, h.Now));
        Assert.Equal(data, buf[..20000]);
        h.Advance(50);
        Assert.Contains(h.SentTcp(), f => f.Ack == PeerIsn + 1 + 20000);
    }
}
