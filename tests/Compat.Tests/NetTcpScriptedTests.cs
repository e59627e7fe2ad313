using Kernel;
using Kernel.Net;
using Xunit;
using static Compat.Tests.Pkt;

namespace Compat.Tests;

/// <summary>TCP against a scripted peer: every segment crafted by hand, time simulated.</summary>
[Collection("Net")]
public class NetTcpScriptedTests
{
    const int PeerPort = 80;
    const uint PeerIsn = 5000;

    sealed class Conn
    {
        public Harness H = new();
        public TcpSocket S;
        public ushort Port;
        public uint MyIsn;        // our ISN
        public uint PeerNxt = PeerIsn + 1;
        public uint MyNxt;
        public bool Ts;

        public void In(int flags, uint? seq = null, uint? ack = null, byte[] data = null, int wnd = 65535, bool ts = true, uint tsval = 100)
            => H.InjectTcp(PeerPort, Port, seq ?? PeerNxt, ack ?? MyNxt, flags, wnd, Ts && ts ? TsOption(tsval, 1) : null, data);

        public List<Frame> Out() => H.SentTcp();
    }

    /// <summary>Active open against the scripted peer (optionally with options).</summary>
    static Conn Active(bool options = true, int peerWscale = 7, int peerMss = 1460, int rcvBuf = 0)
    {
        var c = new Conn();
        c.S = c.H.Stack.CreateTcp();
        if (rcvBuf > 0) c.S.ReceiveBufferSize = rcvBuf;
        Assert.Equal(-Errno.EINPROGRESS, c.S.Connect(new IpEndpoint(Harness.Peer, PeerPort), c.H.Now));
        var syn = Assert.Single(c.Out());
        Assert.True(syn.Syn && !syn.AckFlag);
        c.Port = syn.SrcPort; c.MyIsn = syn.Seq; c.MyNxt = syn.Seq + 1;
        Assert.Equal(1460, syn.Mss);
        Assert.True(syn.SackOk && syn.HasTs && syn.WScale >= 0);
        c.Ts = options;
        c.H.InjectTcp(PeerPort, c.Port, PeerIsn, c.MyNxt, SYN | ACK, 65535,
            options ? SynOptions(peerMss, peerWscale, true, 100, syn.TsVal) : SynOptions(peerMss));
        var ack = Assert.Single(c.Out());
        Assert.True(ack.AckFlag && !ack.Syn);
        Assert.Equal(PeerIsn + 1, ack.Ack);
        Assert.Equal(TcpState.Established, c.S.State);
        return c;
    }

    /// <summary>Passive open: the scripted peer connects to our listener on port 80.</summary>
    static Conn Passive(out TcpSocket listener, int backlog = 4)
    {
        var c = new Conn();
        listener = c.H.Stack.CreateTcp();
        Assert.Equal(0, listener.Bind(new IpEndpoint(0, 80)));
        Assert.Equal(0, listener.Listen(backlog));
        c.Port = 80; c.Ts = true;
        c.H.InjectTcp(PeerPort, 80, PeerIsn, 0, SYN, 65535, SynOptions(1460, 2, true, 100));
        var sa = Assert.Single(c.Out());
        Assert.True(sa.Syn && sa.AckFlag);
        Assert.Equal(PeerIsn + 1, sa.Ack);
        Assert.True(sa.SackOk && sa.HasTs);
        Assert.Equal(100u, sa.TsEcr);
        c.MyIsn = sa.Seq; c.MyNxt = sa.Seq + 1;
        Assert.Null(listener.Accept(out int e)); Assert.Equal(-Errno.EAGAIN, e);
        c.In(ACK);
        c.S = listener.Accept(out e);
        Assert.NotNull(c.S);
        Assert.Equal(TcpState.Established, c.S.State);
        return c;
    }

    [Fact]
    public void ActiveOpen_NegotiatesOptions_AndExchangesData()
    {
        var c = Active();
        Assert.Equal(7, c.S.SendWindowScale);
        Assert.True(c.S.TimestampsEnabled);
        Assert.True(c.S.SackEnabled);
        Assert.Equal(1460 - 12, c.S.Mss);
        Assert.Equal(5, c.S.Send("hello"u8, c.H.Now));
        var d = Assert.Single(c.Out());
        Assert.Equal(c.MyNxt, d.Seq);
        Assert.Equal("hello"u8.ToArray(), d.Data);
        Assert.True(d.HasTs);
        Assert.True(d.L4ChecksumOk);
        c.MyNxt += 5;
        c.In(ACK | PSH, data: "world"u8.ToArray());
        c.PeerNxt += 5;
        var buf = new byte[10];
        Assert.Equal(5, c.S.Receive(buf, false, c.H.Now));
        // The ACK of our data came with the data; our ACK of theirs is delayed 40 ms.
        Assert.Empty(c.Out());
        c.H.Advance(40);
        var ack = Assert.Single(c.Out());
        Assert.Equal(c.PeerNxt, ack.Ack);
    }

    [Fact]
    public void WindowScaling_NotUsedWhenPeerDoesNotOffer()
    {
        var c = Active(options: false);
        Assert.Equal(0, c.S.SendWindowScale);
        Assert.Equal(0, c.S.ReceiveWindowScale);
        Assert.False(c.S.TimestampsEnabled);
        Assert.False(c.S.SackEnabled);
        Assert.Equal(1460, c.S.Mss);
        // Our window field is unscaled (capped at 65535).
        c.S.Send(new byte[1], c.H.Now);
        Assert.Equal(65535, Assert.Single(c.Out()).Window);
    }

    [Fact]
    public void WindowScaling_ReceiveWindowIsScaledAndPeerWindowIsShifted()
    {
        var c = Active(rcvBuf: 1 << 20, peerWscale: 3);
        Assert.Equal(5, c.S.ReceiveWindowScale);         // 1 MiB >> 5 = 32768
        c.S.Send(new byte[1], c.H.Now);
        Assert.Equal(32768, Assert.Single(c.Out()).Window);
        c.MyNxt += 1;
        // The peer advertises 1000 << 3 = 8000 bytes: we may send 8000 - 0 in flight.
        c.In(ACK, wnd: 1810);               // 1810 << 3 = 14480 = 10 segments
        c.S.NoDelay = true;
        c.S.Send(new byte[20000], c.H.Now);
        var segs = c.Out();
        Assert.Equal(14480, segs.Sum(s => s.Data.Length));
    }

    [Fact]
    public void PassiveOpen_ThreeWayHandshake_AndRetransmittedSynGetsSynAck()
    {
        var c = new Conn();
        var l = c.H.Stack.CreateTcp();
        l.Bind(new IpEndpoint(0, 80)); l.Listen(4);
        c.Port = 80;
        c.H.InjectTcp(PeerPort, 80, PeerIsn, 0, SYN, 65535, SynOptions(1400));
        var sa = Assert.Single(c.Out());
        Assert.Equal(-1, sa.WScale);                     // we only echo what the peer offered
        Assert.False(sa.HasTs); Assert.False(sa.SackOk);
        c.H.InjectTcp(PeerPort, 80, PeerIsn, 0, SYN, 65535, SynOptions(1400));
        var sa2 = Assert.Single(c.Out());
        Assert.Equal(sa.Seq, sa2.Seq);
        // SYN-ACK is retransmitted on timeout too.
        c.H.Advance(1000);
        Assert.True(Assert.Single(c.Out()).Syn);
        c.MyNxt = sa.Seq + 1;
        c.In(ACK);
        var s = l.Accept(out _);
        Assert.Equal(1400, s.Mss);
    }

    [Fact]
    public void SynRetransmission_BacksOff_ThenTimesOut()
    {
        var h = new Harness();
        var s = h.Stack.CreateTcp();
        s.Connect(new IpEndpoint(Harness.Peer, 80), h.Now);
        long start = h.Now;
        var times = new List<long>();
        Assert.Single(h.SentTcp());
        for (int i = 0; i < 200 && s.State == TcpState.SynSent; i++)
        {
            h.RunUntil(h.Stack.NextDeadlineMs);
            foreach (var f in h.SentTcp()) times.Add(h.Now - start);
        }
        Assert.Equal(new long[] { 1000, 3000, 7000, 15000, 31000, 63000 }, times);
        Assert.Equal(TcpState.Closed, s.State);
        Assert.Equal(-Errno.ETIMEDOUT, s.TakeError());
    }

    [Fact]
    public void DataRetransmission_RtoDoublesAndGivesUp()
    {
        var c = Active();
        c.H.Stack.TcpRetries2 = 5;
        c.S.Send(new byte[100], c.H.Now);
        Assert.Single(c.Out());
        long t0 = c.H.Now;
        var gaps = new List<long>();
        long last = t0;
        while (c.S.State == TcpState.Established)
        {
            c.H.RunUntil(c.H.Stack.NextDeadlineMs);
            foreach (var f in c.Out())
                if (!f.Rst) { Assert.Equal(c.MyNxt, f.Seq); Assert.Equal(100, f.Data.Length); gaps.Add(c.H.Now - last); last = c.H.Now; }
        }
        Assert.Equal(5, gaps.Count);
        for (int i = 1; i < gaps.Count; i++) Assert.Equal(gaps[i - 1] * 2, gaps[i]);
        Assert.Equal(-Errno.ETIMEDOUT, c.S.TakeError());
    }

    [Fact]
    public void LostSegment_RetransmittedAfterRto_ThenAcked()
    {
        var c = Active();
        c.S.Send(new byte[300], c.H.Now);
        var first = Assert.Single(c.Out());
        Assert.Equal(200, c.S.RtoMs);                   // RTT ~0: the 200 ms floor
        c.H.Advance(199);
        Assert.Empty(c.Out());
        c.H.Advance(1);
        var re = Assert.Single(c.Out());
        Assert.Equal(first.Seq, re.Seq);
        Assert.Equal(300, re.Data.Length);
        c.MyNxt += 300;
        c.In(ACK);
        c.H.Advance(10000);
        Assert.Empty(c.Out());
        Assert.Equal(0, c.S.BytesQueued);
    }

    [Fact]
    public void FastRetransmit_OnThreeDupAcks_NewRenoRecovers()
    {
        var c = Active();
        c.S.NoDelay = true;
        c.In(ACK);                          // the peer's first scaled window
        int mss = c.S.Mss;
        c.S.Send(new byte[mss * 6], c.H.Now);
        var segs = c.Out();
        Assert.Equal(6, segs.Count);
        uint baseSeq = c.MyNxt;
        // Segment 0 lost: three dup ACKs for baseSeq.
        for (int i = 0; i < 2; i++) c.In(ACK, ack: baseSeq);
        Assert.Empty(c.Out());
        c.In(ACK, ack: baseSeq);
        var re = Assert.Single(c.Out());
        Assert.Equal(baseSeq, re.Seq);
        // Partial ACK (segment 3 also lost): retransmit it at once.
        c.In(ACK, ack: baseSeq + (uint)(3 * mss));
        var re2 = c.Out();
        Assert.Contains(re2, f => f.Seq == baseSeq + (uint)(3 * mss) && f.Data.Length == mss);
        c.In(ACK, ack: baseSeq + (uint)(6 * mss));
        Assert.Equal(0, c.S.BytesQueued);
        Assert.True(c.S.Retransmits >= 2);
    }

    static byte[] SackOpt(params (uint s, uint e)[] blocks)
    {
        var o = new List<byte> { 1, 1, 5, (byte)(2 + 8 * blocks.Length) };
        foreach (var (bs, be) in blocks)
            foreach (uint v in new[] { bs, be }) { o.Add((byte)(v >> 24)); o.Add((byte)(v >> 16)); o.Add((byte)(v >> 8)); o.Add((byte)v); }
        return o.ToArray();
    }

    [Fact]
    public void Rto_DoesNotResendWhatThePeerSacked()
    {
        var c = Active(options: false);
        c.In(ACK);
        Assert.True(c.S.SackEnabled || true);
        c.S.NoDelay = true;
        int mss = c.S.Mss;
        c.S.Send(new byte[mss * 6], c.H.Now);
        Assert.Equal(6, c.Out().Count);
        uint b = c.MyNxt;
        // Segment 1 lost; the peer holds 2..6 and says so once (not enough dup ACKs for fast retransmit).
        c.H.InjectTcp(PeerPort, c.Port, c.PeerNxt, b, ACK, 65535, SackOpt((b + (uint)mss, b + (uint)(6 * mss))));
        c.Out();
        c.H.RunUntil(c.H.Stack.NextDeadlineMs);
        var re = c.Out();
        Assert.Single(re);
        Assert.Equal(b, re[0].Seq);
        c.H.InjectTcp(PeerPort, c.Port, c.PeerNxt, b + (uint)(6 * mss), ACK, 65535);
        Assert.Empty(c.Out());
        Assert.Equal(0, c.S.BytesQueued);
    }

    [Fact]
    public void OutOfOrder_IsQueued_SackBlocksSent_AndHoleFillDelivers()
    {
        var c = Active();
        byte[] d1 = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        byte[] d2 = Enumerable.Range(100, 100).Select(i => (byte)i).ToArray();
        byte[] d3 = Enumerable.Range(200, 50).Select(i => (byte)i).ToArray();
        c.In(ACK, seq: c.PeerNxt + 100, data: d2);
        var a1 = Assert.Single(c.Out());
        Assert.Equal(c.PeerNxt, a1.Ack);                           // duplicate ACK at once
        Assert.Equal((c.PeerNxt + 100, c.PeerNxt + 200), Assert.Single(a1.Sack));
        c.In(ACK, seq: c.PeerNxt + 200, data: d3);
        var a2 = Assert.Single(c.Out());
        Assert.Equal((c.PeerNxt + 100, c.PeerNxt + 250), Assert.Single(a2.Sack));
        // Duplicate of an out-of-order segment changes nothing.
        c.In(ACK, seq: c.PeerNxt + 100, data: d2);
        Assert.Single(Assert.Single(c.Out()).Sack);
        Assert.Equal(0, c.S.BytesAvailable);
        c.In(ACK, seq: c.PeerNxt, data: d1);
        var a3 = Assert.Single(c.Out());
        Assert.Equal(c.PeerNxt + 250, a3.Ack);
        Assert.Empty(a3.Sack);
        var buf = new byte[300];
        Assert.Equal(250, c.S.Receive(buf, false, c.H.Now));
        Assert.Equal(d1.Concat(d2).Concat(d3).ToArray(), buf[..250]);
        // Old duplicate: ignored but ACKed.
        c.In(ACK, seq: c.PeerNxt, data: d1);
        Assert.Equal(c.PeerNxt + 250, Assert.Single(c.Out()).Ack);
        Assert.Equal(0, c.S.BytesAvailable);
    }

    [Fact]
    public void OverlappingSegments_AreMergedCorrectly()
    {
        var c = Active();
        byte[] all = Enumerable.Range(0, 400).Select(i => (byte)(i * 7)).ToArray();
        c.In(ACK, seq: c.PeerNxt + 50, data: all[50..150]);
        c.In(ACK, seq: c.PeerNxt + 300, data: all[300..400]);
        c.In(ACK, seq: c.PeerNxt + 100, data: all[100..320]);
        c.In(ACK, seq: c.PeerNxt, data: all[0..60]);
        var buf = new byte[500];
        Assert.Equal(400, c.S.Receive(buf, false, c.H.Now));
        Assert.Equal(all, buf[..400]);
    }

    [Fact]
    public void OutOfOrderFin_IsHeldUntilTheHoleFills()
    {
        var c = Active();
        c.In(ACK | FIN, seq: c.PeerNxt + 10, data: new byte[5]);
        Assert.Equal(TcpState.Established, c.S.State);
        c.In(ACK, seq: c.PeerNxt, data: new byte[10]);
        Assert.Equal(TcpState.CloseWait, c.S.State);
        var ack = c.Out().Last();
        Assert.Equal(c.PeerNxt + 16, ack.Ack);
        Assert.Equal(15, c.S.Receive(new byte[100], false, c.H.Now));
        Assert.Equal(0, c.S.Receive(new byte[100], false, c.H.Now));
    }

    [Fact]
    public void ZeroWindow_PeerIsProbed_UntilItOpens()
    {
        var c = Active();
        c.S.NoDelay = true;
        c.S.Send(new byte[1000], c.H.Now);
        Assert.Single(c.Out());
        c.MyNxt += 1000;
        c.In(ACK, wnd: 0);
        c.S.Send(new byte[500], c.H.Now);
        Assert.Empty(c.Out());
        var probeTimes = new List<long>();
        long t0 = c.H.Now;
        for (int i = 0; i < 3; i++)
        {
            c.H.RunUntil(c.H.Stack.NextDeadlineMs);
            var p = Assert.Single(c.Out());
            Assert.Equal(c.MyNxt - 1, p.Seq);                      // probe: one below snd.una, no data
            Assert.Empty(p.Data);
            probeTimes.Add(c.H.Now - t0);
            c.In(ACK, wnd: 0);                                    // still closed
        }
        Assert.True(probeTimes[2] - probeTimes[1] > probeTimes[1] - probeTimes[0]);   // backs off
        c.In(ACK, wnd: 1000);
        var d = Assert.Single(c.Out());
        Assert.Equal(500, d.Data.Length);
        Assert.Equal(c.MyNxt, d.Seq);
    }

    [Fact]
    public void OurZeroWindow_IsAdvertised_AndReopenedAfterRead()
    {
        var c = Active(rcvBuf: 4096);
        int scale = c.S.ReceiveWindowScale;
        c.In(ACK, data: new byte[2000]); c.PeerNxt += 2000;
        c.In(ACK, data: new byte[2096]); c.PeerNxt += 2096;
        var a = c.Out().Last();
        Assert.Equal(0, a.Window);
        // Data beyond the window is not accepted, the window probe is answered.
        c.In(ACK, data: new byte[10]);
        var p = Assert.Single(c.Out());
        Assert.Equal(c.PeerNxt, p.Ack);
        Assert.Equal(0, p.Window);
        Assert.Equal(4096, c.S.Receive(new byte[8192], false, c.H.Now));
        var upd = Assert.Single(c.Out());
        Assert.Equal(4096, upd.Window << scale);
    }

    [Fact]
    public void Rst_InSynSent_Refuses_OnlyWithAcceptableAck()
    {
        var h = new Harness();
        var s = h.Stack.CreateTcp();
        s.Connect(new IpEndpoint(Harness.Peer, 80), h.Now);
        var syn = Assert.Single(h.SentTcp());
        h.InjectTcp(80, syn.SrcPort, 0, syn.Seq + 5, RST | ACK);       // bad ack: ignored
        Assert.Equal(TcpState.SynSent, s.State);
        h.InjectTcp(80, syn.SrcPort, 0, syn.Seq + 1, RST | ACK);
        Assert.Equal(TcpState.Closed, s.State);
        Assert.Equal(-Errno.ECONNREFUSED, s.TakeError());
    }

    [Fact]
    public void Rst_Established_ExactSeqResets_InWindowGetsChallengeAck_OutsideIgnored()
    {
        var c = Active();
        c.In(RST, seq: c.PeerNxt + 1000);
        var ch = Assert.Single(c.Out());
        Assert.True(ch.AckFlag && !ch.Rst);
        Assert.Equal(c.PeerNxt, ch.Ack);
        c.In(RST, seq: c.PeerNxt + 10_000_000);
        Assert.Empty(c.Out());
        Assert.Equal(TcpState.Established, c.S.State);
        c.In(RST, seq: c.PeerNxt);
        Assert.Equal(TcpState.Closed, c.S.State);
        Assert.Equal(-Errno.ECONNRESET, c.S.Receive(new byte[1], false, c.H.Now));
        Assert.NotEqual(0, c.S.PollEvents & TcpSocket.POLLHUP);
    }

    [Fact]
    public void Syn_InEstablished_GetsChallengeAck()
    {
        var c = Active();
        c.In(SYN, seq: c.PeerNxt + 5);
        var ch = Assert.Single(c.Out());
        Assert.True(ch.AckFlag && !ch.Syn && !ch.Rst);
        Assert.Equal(TcpState.Established, c.S.State);
    }

    [Fact]
    public void AckForUnsentData_IsAnsweredAndDropped()
    {
        var c = Active();
        c.In(ACK, ack: c.MyNxt + 1000, data: new byte[10]);
        var a = Assert.Single(c.Out());
        Assert.Equal(c.PeerNxt, a.Ack);                 // data not accepted
        Assert.Equal(0, c.S.BytesAvailable);
    }

    [Fact]
    public void Rst_InEveryState()
    {
        // SYN_RECEIVED (passive child): silently dropped, listener keeps listening.
        {
            var c = new Conn();
            var l = c.H.Stack.CreateTcp(); l.Bind(new IpEndpoint(0, 80)); l.Listen(4);
            c.Port = 80;
            c.H.InjectTcp(PeerPort, 80, PeerIsn, 0, SYN, 65535, SynOptions());
            var sa = Assert.Single(c.Out());
            Assert.Equal(2, c.H.Stack.TcpSocketCount);
            c.H.InjectTcp(PeerPort, 80, PeerIsn + 1, 0, RST, 0);
            Assert.Equal(1, c.H.Stack.TcpSocketCount);
            Assert.Equal(TcpState.Listen, l.State);
        }
        // ESTABLISHED -> ECONNRESET; CLOSE_WAIT -> EPIPE; FIN_WAIT_1/2; CLOSING; LAST_ACK; TIME_WAIT.
        foreach (var setup in new Func<Conn, TcpState>[]
        {
            c => TcpState.Established,
            c => { c.In(ACK | FIN); c.PeerNxt++; return TcpState.CloseWait; },
            c => { c.S.Shutdown(1, c.H.Now); return TcpState.FinWait1; },
            c => { c.S.Shutdown(1, c.H.Now); c.MyNxt++; c.In(ACK); return TcpState.FinWait2; },
            c => { c.S.Shutdown(1, c.H.Now); c.In(ACK | FIN); c.PeerNxt++; return TcpState.Closing; },
            c => { c.In(ACK | FIN); c.PeerNxt++; c.S.Shutdown(1, c.H.Now); return TcpState.LastAck; },
            c => { c.S.Shutdown(1, c.H.Now); c.MyNxt++; c.In(ACK | FIN); c.PeerNxt++; return TcpState.TimeWait; },
        })
        {
            var c = Active();
            var st = setup(c);
            Assert.Equal(st, c.S.State);
            c.Out();
            c.In(RST, seq: c.PeerNxt, ts: false);
            Assert.Equal(TcpState.Closed, c.S.State);
            int err = c.S.TakeError();
            if (st == TcpState.Established || st == TcpState.FinWait1 || st == TcpState.FinWait2) Assert.Equal(-Errno.ECONNRESET, err);
            else if (st == TcpState.CloseWait) Assert.Equal(-Errno.EPIPE, err);
            else Assert.Equal(0, err);
            Assert.Empty(c.Out());
        }
    }

    [Fact]
    public void SegmentToNoSocket_GetsRst()
    {
        var h = new Harness();
        h.InjectTcp(1234, 99, 777, 0, SYN);
        var r = Assert.Single(h.SentTcp());
        Assert.True(r.Rst && r.AckFlag);
        Assert.Equal(778u, r.Ack);
        h.InjectTcp(1234, 99, 777, 4242, ACK, data: new byte[3]);
        r = Assert.Single(h.SentTcp());
        Assert.True(r.Rst && !r.AckFlag);
        Assert.Equal(4242u, r.Seq);
        h.InjectTcp(1234, 99, 777, 4242, RST);
        Assert.Empty(h.SentTcp());
    }

    [Fact]
    public void SimultaneousOpen()
    {
        var h = new Harness();
        var s = h.Stack.CreateTcp();
        s.Bind(new IpEndpoint(0, 4000));
        s.Connect(new IpEndpoint(Harness.Peer, 4001), h.Now);
        var syn = Assert.Single(h.SentTcp());
        h.InjectTcp(4001, 4000, PeerIsn, 0, SYN, 65535, SynOptions(1460, 1, true, 10));
        var sa = Assert.Single(h.SentTcp());
        Assert.True(sa.Syn && sa.AckFlag);
        Assert.Equal(syn.Seq, sa.Seq);
        Assert.Equal(TcpState.SynReceived, s.State);
        h.InjectTcp(4001, 4000, PeerIsn, syn.Seq + 1, SYN | ACK, 65535, SynOptions(1460, 1, true, 11, sa.TsVal));
        Assert.Equal(TcpState.Established, s.State);
        Assert.Equal(3, s.Send(new byte[3], h.Now));
    }

    [Fact]
    public void SimultaneousClose_GoesThroughClosingToTimeWait_ThenExpires()
    {
        var c = Active();
        c.S.Shutdown(1, c.H.Now);
        var fin = Assert.Single(c.Out());
        Assert.True(fin.Fin);
        Assert.Equal(TcpState.FinWait1, c.S.State);
        c.In(ACK | FIN);                         // their FIN crosses ours (does not ack it)
        c.PeerNxt++;
        Assert.Equal(TcpState.Closing, c.S.State);
        Assert.Equal(c.PeerNxt, Assert.Single(c.Out()).Ack);
        c.MyNxt++;
        c.In(ACK);
        Assert.Equal(TcpState.TimeWait, c.S.State);
        c.H.Advance(59_000);
        Assert.Equal(TcpState.TimeWait, c.S.State);
        c.H.Advance(1_001);
        Assert.Equal(TcpState.Closed, c.S.State);
    }

    [Fact]
    public void TimeWait_ReAcksRetransmittedFin()
    {
        var c = Active();
        c.S.Shutdown(1, c.H.Now);
        c.Out();
        c.MyNxt++;
        c.In(ACK | FIN);
        c.PeerNxt++;
        Assert.Equal(TcpState.TimeWait, c.S.State);
        c.Out();
        c.H.Advance(30_000);
        c.In(ACK | FIN, seq: c.PeerNxt - 1);
        var a = Assert.Single(c.Out());
        Assert.Equal(c.PeerNxt, a.Ack);
        c.H.Advance(45_000);
        Assert.Equal(TcpState.TimeWait, c.S.State);        // restarted
        c.H.Advance(16_000);
        Assert.Equal(TcpState.Closed, c.S.State);
    }

    [Fact]
    public void FinRetransmitted_AndLastAckCompletes()
    {
        var c = Passive(out var l);
        c.In(ACK | FIN);
        c.PeerNxt++;
        Assert.Equal(TcpState.CloseWait, c.S.State);
        c.Out();
        c.S.Close(c.H.Now);
        Assert.Equal(TcpState.LastAck, c.S.State);
        var fin = Assert.Single(c.Out());
        Assert.True(fin.Fin);
        c.H.Advance(1000);
        var fin2 = Assert.Single(c.Out());
        Assert.True(fin2.Fin);
        Assert.Equal(fin.Seq, fin2.Seq);
        c.MyNxt++;
        c.In(ACK);
        Assert.Equal(1, c.H.Stack.TcpSocketCount);       // freed; only the listener left
    }

    [Fact]
    public void Nagle_HoldsSmallSegments_NoDelayAndCork()
    {
        var c = Active();
        c.S.Send(new byte[10], c.H.Now);
        Assert.Single(c.Out());
        c.S.Send(new byte[10], c.H.Now);
        c.S.Send(new byte[10], c.H.Now);
        Assert.Empty(c.Out());                         // Nagle: one small segment in flight
        c.MyNxt += 10;
        c.In(ACK);
        var d = Assert.Single(c.Out());
        Assert.Equal(20, d.Data.Length);
        c.MyNxt += 20;
        c.In(ACK);
        c.S.NoDelay = true;
        c.S.Send(new byte[5], c.H.Now);
        c.S.Send(new byte[5], c.H.Now);
        Assert.Equal(2, c.Out().Count);
        c.MyNxt += 10;
        c.In(ACK);
        c.S.Cork = true;
        c.S.Send(new byte[5], c.H.Now);
        Assert.Empty(c.Out());
        c.S.Cork = false;
        Assert.Equal(5, Assert.Single(c.Out()).Data.Length);
    }

    [Fact]
    public void DelayedAck_EverySecondSegmentImmediately()
    {
        var c = Active();
        c.In(ACK, data: new byte[100]); c.PeerNxt += 100;
        Assert.Empty(c.Out());
        c.In(ACK, data: new byte[100]); c.PeerNxt += 100;
        Assert.Equal(c.PeerNxt, Assert.Single(c.Out()).Ack);
        c.In(ACK, data: new byte[100]); c.PeerNxt += 100;
        Assert.Empty(c.Out());
        c.H.Advance(39);
        Assert.Empty(c.Out());
        c.H.Advance(1);
        Assert.Equal(c.PeerNxt, Assert.Single(c.Out()).Ack);
    }

    [Fact]
    public void Keepalive_ProbesThenTimesOut()
    {
        var c = Active();
        c.S.KeepAlive = true; c.S.KeepIdleSec = 10; c.S.KeepIntervalSec = 2; c.S.KeepCount = 3;
        c.H.Advance(10_000);
        var p = Assert.Single(c.Out());
        Assert.Equal(c.MyNxt - 1, p.Seq);
        c.In(ACK);                                      // answered: idle again
        c.H.Advance(9_000);
        Assert.Empty(c.Out());
        c.H.Advance(1_000);
        Assert.Single(c.Out());
        c.H.Advance(2_000); Assert.Single(c.Out());
        c.H.Advance(2_000); Assert.Single(c.Out());
        c.H.Advance(2_000);
        Assert.True(Assert.Single(c.Out()).Rst);
        Assert.Equal(TcpState.Closed, c.S.State);
        Assert.Equal(-Errno.ETIMEDOUT, c.S.TakeError());
    }

    [Fact]
    public void Paws_OldTimestampDropped()
    {
        var c = Active();
        c.In(ACK, data: new byte[10], tsval: 200); c.PeerNxt += 10;
        c.H.Advance(100); c.Out();
        c.In(ACK, data: new byte[10], tsval: 150);
        Assert.Equal(10, c.S.BytesAvailable);
        Assert.Single(c.Out());                        // dup ACK
    }

    [Fact]
    public void SynFlood_HalfOpenConnectionsAreCapped()
    {
        var h = new Harness();
        h.Stack.TcpMaxHalfOpen = 32;
        h.Stack.TcpSynCookies = false;                  // tcp_syncookies = 0: the rest are dropped
        var l = h.Stack.CreateTcp(); l.Bind(new IpEndpoint(0, 80)); l.Listen(128);
        for (int i = 0; i < 1000; i++)
            h.InjectIp(Ip(A(10, 0, 0, 1), Harness.Me, 6, Tcp(A(10, 0, 0, 1), Harness.Me, 1024 + i, 80, (uint)i * 77, 0, SYN, 1000)));
        Assert.Equal(33, h.Stack.TcpSocketCount);
        Assert.Equal(32, h.SentTcp().Count);
        // They expire after the SYN-ACK retries.
        h.Advance(200_000);
        Assert.Equal(1, h.Stack.TcpSocketCount);
    }

    [Fact]
    public void TimeWait_NewerSynReusesTuple()
    {
        var c = Passive(out var l);
        c.In(ACK | FIN); c.PeerNxt++;
        c.S.Close(c.H.Now);
        c.MyNxt++;
        c.In(ACK);
        Assert.Equal(1, c.H.Stack.TcpSocketCount);
        // Now we close first on a second connection so that we hold TIME_WAIT.
        var c2 = new Conn { H = c.H, Port = 80, Ts = true };
        c.Out();
        c.H.InjectTcp(PeerPort, 80, 9000, 0, SYN, 65535, SynOptions(1460, 2, true, 300));
        var sa = Assert.Single(c.Out());
        c2.MyNxt = sa.Seq + 1; c2.PeerNxt = 9001;
        c2.In(ACK, tsval: 301);
        c2.S = l.Accept(out _);
        c2.S.Close(c.H.Now);
        c.Out();
        c2.MyNxt++;
        c2.In(ACK | FIN, tsval: 302); c2.PeerNxt++;
        Assert.Equal(TcpState.TimeWait, c2.S.State);
        c.Out();
        c.H.InjectTcp(PeerPort, 80, c2.PeerNxt + 100000, 0, SYN, 65535, SynOptions(1460, 2, true, 400));
        var sa2 = Assert.Single(c.Out());
        Assert.True(sa2.Syn && sa2.AckFlag);
    }

    [Fact]
    public void IcmpPortUnreachable_AbortsSynSent()
    {
        var h = new Harness();
        var s = h.Stack.CreateTcp();
        s.Connect(new IpEndpoint(Harness.Peer, 80), h.Now);
        var syn = Assert.Single(h.SentTcp());
        h.InjectIp(Ip(Harness.Peer, Harness.Me, 1, Icmp(3, 3, new byte[4].Concat(syn.Raw[14..(14 + 28)]).ToArray())));
        Assert.Equal(TcpState.Closed, s.State);
        Assert.Equal(-Errno.ECONNREFUSED, s.TakeError());
    }
}
