using Kernel;
using Kernel.Net;
using Xunit;

namespace Compat.Tests;

/// <summary>A NIC that records what the stack transmits.</summary>
public sealed class FakeDevice : NetDevice
{
    public readonly List<byte[]> Sent = new();
    public bool Full;
    public Action<byte[]> OnTransmit;

    public FakeDevice(byte[] mac, int mtu = 1500) { Mac = mac; Mtu = mtu; }

    public override bool Transmit(ReadOnlySpan<byte> frame)
    {
        if (Full) return false;
        byte[] f = frame.ToArray();
        if (OnTransmit != null) OnTransmit(f); else Sent.Add(f);
        return true;
    }

    public List<byte[]> TakeAll() { var l = new List<byte[]>(Sent); Sent.Clear(); return l; }

    /// <summary>Frames handed over with offload work, as the stack gave them; what the wire gets
    /// (segments, finished checksums, see <see cref="DeviceOffload"/>) goes to Sent.</summary>
    public readonly List<(byte[] Frame, NetOffload Offload)> Offloaded = new();

    public override bool Transmit(ReadOnlySpan<byte> frame, in NetOffload offload)
    {
        if (Full) return false;
        Assert.True(TxChecksum, "offload work for a device that offers none");
        byte[] f = frame.ToArray();
        Offloaded.Add((f, offload));
        foreach (byte[] w in DeviceOffload.Apply(f, offload)) { if (OnTransmit != null) OnTransmit(w); else Sent.Add(w); }
        return true;
    }
}

/// <summary>What a virtio-net device (or Linux's GSO behind a tap) does with an offloaded IPv4
/// frame: cuts a TSO frame into GsoSize segments (IP length, id and checksum, TCP sequence, FIN
/// and PSH on the last only) and completes the partial checksum of each.</summary>
public static class DeviceOffload
{
    static ushort R16(byte[] b, int o) => (ushort)(b[o] << 8 | b[o + 1]);
    static uint R32(byte[] b, int o) => (uint)(b[o] << 24 | b[o + 1] << 16 | b[o + 2] << 8 | b[o + 3]);
    static void W16(byte[] b, int o, int v) { b[o] = (byte)(v >> 8); b[o + 1] = (byte)v; }
    static void W32(byte[] b, int o, uint v) { b[o] = (byte)(v >> 24); b[o + 1] = (byte)(v >> 16); b[o + 2] = (byte)(v >> 8); b[o + 3] = (byte)v; }

    /// <summary>The device's checksum job: the ones' complement sum from CsumStart (the field
    /// holds the pseudo-header sum) stored complemented at CsumStart + CsumOffset.</summary>
    public static void Complete(byte[] f, int start, int offset)
    {
        ushort c = Checksum.Finish(Checksum.Add(0, new ReadOnlySpan<byte>(f, start, f.Length - start)));
        W16(f, start + offset, c);
    }

    public static List<byte[]> Apply(byte[] f, NetOffload o)
    {
        if (o.GsoType == NetOffload.GsoNone)
        {
            Assert.True(o.NeedsChecksum);
            Complete(f, o.CsumStart, o.CsumOffset);
            return new List<byte[]> { f };
        }
        Assert.Equal(NetOffload.GsoTcp4, o.GsoType);
        Assert.True(o.NeedsChecksum);
        const int ip = 14;
        int tcp = o.CsumStart, hl = o.HeaderLength;
        Assert.Equal(ip + 20, tcp);
        Assert.Equal(16, o.CsumOffset);
        Assert.Equal(tcp + (f[tcp + 12] >> 4) * 4, hl);
        uint src = R32(f, ip + 12), dst = R32(f, ip + 16);
        // The field holds the pseudo-header sum over the whole TCP length (Linux's GSO adjusts it per segment).
        Assert.Equal(Checksum.Fold(Checksum.Pseudo(src, dst, 6, f.Length - tcp)), R16(f, tcp + 16));
        var list = new List<byte[]>();
        int id = R16(f, ip + 4);
        uint seq = R32(f, tcp + 4);
        for (int off = hl, k = 0; off < f.Length; off += o.GsoSize, k++)
        {
            int n = Math.Min(o.GsoSize, f.Length - off);
            bool last = off + n == f.Length;
            byte[] s = new byte[hl + n];
            Array.Copy(f, s, hl); Array.Copy(f, off, s, hl, n);
            W16(s, ip + 2, s.Length - ip); W16(s, ip + 4, id + k);
            W16(s, ip + 10, 0); W16(s, ip + 10, Checksum.Compute(new ReadOnlySpan<byte>(s, ip, 20)));
            W32(s, tcp + 4, seq + (uint)(off - hl));
            if (!last) s[tcp + 13] &= unchecked((byte)~(1 | 8));
            W16(s, tcp + 16, Checksum.Fold(Checksum.Pseudo(src, dst, 6, s.Length - tcp)));
            Complete(s, tcp, 16);
            list.Add(s);
        }
        return list;
    }
}

/// <summary>A parsed frame (whatever layers it has).</summary>
public sealed class Frame
{
    public byte[] Raw;
    public byte[] DstMac, SrcMac;
    public int EtherType;
    // ARP
    public int ArpOp; public uint ArpSpa, ArpTpa; public byte[] ArpSha;
    // IPv4
    public uint Src, Dst; public int Proto, Ttl, IpId, FragField, IpTotal; public bool IpChecksumOk;
    public byte[] IpPayload;
    // ICMP
    public int IcmpType, IcmpCode;
    // UDP / TCP
    public ushort SrcPort, DstPort; public byte[] Data; public bool L4ChecksumOk;
    public uint Seq, Ack; public int Flags; public ushort Window;
    public int Mss = -1, WScale = -1; public bool SackOk; public bool HasTs; public uint TsVal, TsEcr;
    public List<(uint, uint)> Sack = new();

    public bool Syn => (Flags & 2) != 0;
    public bool Fin => (Flags & 1) != 0;
    public bool Rst => (Flags & 4) != 0;
    public bool AckFlag => (Flags & 16) != 0;
    public override string ToString() =>
        Proto == 6 ? $"TCP {SrcPort}->{DstPort} [{FlagStr()}] seq={Seq} ack={Ack} win={Window} len={Data?.Length}" : $"proto {Proto} type {EtherType:X}";
    public string FlagStr() => (Syn ? "S" : "") + (Fin ? "F" : "") + (Rst ? "R" : "") + ((Flags & 8) != 0 ? "P" : "") + (AckFlag ? "." : "");
}

public static class Pkt
{
    public const int FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16;

    public static uint A(int a, int b, int c, int d) => IpEndpoint.MakeAddress(a, b, c, d);
    public static byte[] Mac(int last) => new byte[] { 2, 0, 0, 0, 0, (byte)last };

    static void W16(byte[] b, int o, int v) { b[o] = (byte)(v >> 8); b[o + 1] = (byte)v; }
    static void W32(byte[] b, int o, uint v) { b[o] = (byte)(v >> 24); b[o + 1] = (byte)(v >> 16); b[o + 2] = (byte)(v >> 8); b[o + 3] = (byte)v; }
    static ushort R16(byte[] b, int o) => (ushort)(b[o] << 8 | b[o + 1]);
    static uint R32(byte[] b, int o) => (uint)(b[o] << 24 | b[o + 1] << 16 | b[o + 2] << 8 | b[o + 3]);

    public static ushort Csum(byte[] b, int o, int n, ulong initial = 0) => Checksum.Finish(Checksum.Add(initial, new ReadOnlySpan<byte>(b, o, n)));

    public static byte[] Eth(byte[] dst, byte[] src, int type, byte[] payload)
    {
        var f = new byte[14 + payload.Length];
        Array.Copy(dst, 0, f, 0, 6); Array.Copy(src, 0, f, 6, 6); W16(f, 12, type);
        Array.Copy(payload, 0, f, 14, payload.Length);
        return f;
    }

    public static byte[] Ip(uint src, uint dst, int proto, byte[] payload, int id = 1, int frag = 0, int ttl = 64)
    {
        var p = new byte[20 + payload.Length];
        p[0] = 0x45; W16(p, 2, p.Length); W16(p, 4, id); W16(p, 6, frag); p[8] = (byte)ttl; p[9] = (byte)proto;
        W32(p, 12, src); W32(p, 16, dst);
        W16(p, 10, Csum(p, 0, 20));
        Array.Copy(payload, 0, p, 20, payload.Length);
        return p;
    }

    public static byte[] Udp(uint src, uint dst, int sp, int dp, byte[] data)
    {
        var u = new byte[8 + data.Length];
        W16(u, 0, sp); W16(u, 2, dp); W16(u, 4, u.Length);
        Array.Copy(data, 0, u, 8, data.Length);
        ushort c = Csum(u, 0, u.Length, Checksum.Pseudo(src, dst, 17, u.Length));
        W16(u, 6, c == 0 ? 0xFFFF : c);
        return u;
    }

    public static byte[] Tcp(uint src, uint dst, int sp, int dp, uint seq, uint ack, int flags, int wnd, byte[] options = null, byte[] data = null)
    {
        options ??= Array.Empty<byte>(); data ??= Array.Empty<byte>();
        int ol = (options.Length + 3) & ~3;
        var t = new byte[20 + ol + data.Length];
        W16(t, 0, sp); W16(t, 2, dp); W32(t, 4, seq); W32(t, 8, ack);
        t[12] = (byte)(((20 + ol) / 4) << 4); t[13] = (byte)flags; W16(t, 14, wnd);
        Array.Copy(options, 0, t, 20, options.Length);
        for (int i = options.Length; i < ol; i++) t[20 + i] = 0;
        Array.Copy(data, 0, t, 20 + ol, data.Length);
        W16(t, 16, Csum(t, 0, t.Length, Checksum.Pseudo(src, dst, 6, t.Length)));
        return t;
    }

    public static byte[] Arp(int op, byte[] sha, uint spa, byte[] tha, uint tpa)
    {
        var a = new byte[28];
        W16(a, 0, 1); W16(a, 2, 0x0800); a[4] = 6; a[5] = 4; W16(a, 6, op);
        Array.Copy(sha, 0, a, 8, 6); W32(a, 14, spa); Array.Copy(tha, 0, a, 18, 6); W32(a, 24, tpa);
        return a;
    }

    public static byte[] Icmp(int type, int code, byte[] rest)
    {
        var m = new byte[4 + rest.Length];
        m[0] = (byte)type; m[1] = (byte)code;
        Array.Copy(rest, 0, m, 4, rest.Length);
        W16(m, 2, Csum(m, 0, m.Length));
        return m;
    }

    /// <summary>Options: MSS, SACK-permitted, timestamps, window scale (any may be omitted).</summary>
    public static byte[] SynOptions(int mss = 1460, int wscale = -1, bool sack = false, uint? ts = null, uint tsecr = 0)
    {
        var o = new List<byte>();
        if (mss > 0) { o.Add(2); o.Add(4); o.Add((byte)(mss >> 8)); o.Add((byte)mss); }
        if (sack) { o.Add(1); o.Add(1); o.Add(4); o.Add(2); }
        if (ts.HasValue) { o.Add(1); o.Add(1); o.Add(8); o.Add(10); AddU32(o, ts.Value); AddU32(o, tsecr); }
        if (wscale >= 0) { o.Add(1); o.Add(3); o.Add(3); o.Add((byte)wscale); }
        return o.ToArray();
    }

    public static byte[] TsOption(uint val, uint ecr)
    {
        var o = new List<byte> { 1, 1, 8, 10 };
        AddU32(o, val); AddU32(o, ecr);
        return o.ToArray();
    }

    static void AddU32(List<byte> o, uint v) { o.Add((byte)(v >> 24)); o.Add((byte)(v >> 16)); o.Add((byte)(v >> 8)); o.Add((byte)v); }

    public static Frame Parse(byte[] f)
    {
        var r = new Frame { Raw = f };
        if (f.Length < 14) return r;
        r.DstMac = f[0..6]; r.SrcMac = f[6..12]; r.EtherType = R16(f, 12);
        if (r.EtherType == 0x0806 && f.Length >= 42)
        {
            r.ArpOp = R16(f, 20); r.ArpSha = f[22..28]; r.ArpSpa = R32(f, 28); r.ArpTpa = R32(f, 38);
            return r;
        }
        if (r.EtherType != 0x0800) return r;
        ParseIp(r, f, 14);
        return r;
    }

    public static Frame ParseIpPacket(byte[] p)
    {
        var r = new Frame { Raw = p, EtherType = 0x0800 };
        ParseIp(r, p, 0);
        return r;
    }

    static void ParseIp(Frame r, byte[] f, int o)
    {
        int ihl = (f[o] & 15) * 4;
        r.IpTotal = R16(f, o + 2); r.IpId = R16(f, o + 4); r.FragField = R16(f, o + 6); r.Ttl = f[o + 8]; r.Proto = f[o + 9];
        r.Src = R32(f, o + 12); r.Dst = R32(f, o + 16);
        r.IpChecksumOk = Checksum.Fold(Checksum.Add(0, new ReadOnlySpan<byte>(f, o, ihl))) == 0xFFFF;
        r.IpPayload = f[(o + ihl)..(o + r.IpTotal)];
        byte[] p = r.IpPayload;
        if ((r.FragField & 0x3FFF) != 0) return;
        if (r.Proto == 1 && p.Length >= 4) { r.IcmpType = p[0]; r.IcmpCode = p[1]; r.Data = p; r.L4ChecksumOk = Csum(p, 0, p.Length) == 0; }
        else if (r.Proto == 17 && p.Length >= 8)
        {
            r.SrcPort = R16(p, 0); r.DstPort = R16(p, 2); r.Data = p[8..R16(p, 4)];
            r.L4ChecksumOk = Checksum.Fold(Checksum.Add(Checksum.Pseudo(r.Src, r.Dst, 17, p.Length), p)) == 0xFFFF;
        }
        else if (r.Proto == 6 && p.Length >= 20)
        {
            r.SrcPort = R16(p, 0); r.DstPort = R16(p, 2); r.Seq = R32(p, 4); r.Ack = R32(p, 8);
            int hl = (p[12] >> 4) * 4; r.Flags = p[13]; r.Window = R16(p, 14);
            r.L4ChecksumOk = Checksum.Fold(Checksum.Add(Checksum.Pseudo(r.Src, r.Dst, 6, p.Length), p)) == 0xFFFF;
            r.Data = p[hl..];
            int i = 20;
            while (i < hl)
            {
                int k = p[i];
                if (k == 0) break;
                if (k == 1) { i++; continue; }
                int len = p[i + 1];
                if (k == 2) r.Mss = R16(p, i + 2);
                if (k == 3) r.WScale = p[i + 2];
                if (k == 4) r.SackOk = true;
                if (k == 8) { r.HasTs = true; r.TsVal = R32(p, i + 2); r.TsEcr = R32(p, i + 6); }
                if (k == 5) for (int j = i + 2; j + 8 <= i + len; j += 8) r.Sack.Add((R32(p, j), R32(p, j + 4)));
                i += len;
            }
        }
    }
}

/// <summary>One stack on a fake Ethernet at 10.0.0.2 with a scripted peer at 10.0.0.1.</summary>
public sealed class Harness
{
    public static readonly uint Me = Pkt.A(10, 0, 0, 2), Peer = Pkt.A(10, 0, 0, 1), Gw = Pkt.A(10, 0, 0, 254);
    public static readonly byte[] MyMac = Pkt.Mac(2), PeerMac = Pkt.Mac(1);
    public readonly NetStack Stack = new();
    public readonly FakeDevice Dev;
    public readonly NetInterface If;
    public long Now = 1000;

    public bool AutoArp;

    public Harness(bool resolvePeer = true, int mtu = 1500, bool offloads = false)
    {
        AutoArp = resolvePeer;
        Dev = new FakeDevice(MyMac, mtu);
        if (offloads) Dev.TxChecksum = Dev.Tso4 = Dev.Tso6 = true;
        If = Stack.AddEthernet(Dev);
        Stack.ConfigureStatic(If, Me, 24, Gw, Pkt.A(10, 0, 0, 3));
        Dev.Sent.Clear();                                        // the address announcement (NetBasicTests checks it)
        if (resolvePeer)
        {
            // The peer asks for us: that teaches our cache its MAC too.
            Inject(Pkt.Eth(new byte[] { 255, 255, 255, 255, 255, 255 }, PeerMac, 0x0806, Pkt.Arp(1, PeerMac, Peer, new byte[6], Me)));
            Dev.Sent.Clear();
        }
    }

    public void Inject(byte[] frame) { Stack.Input(If, frame, Now); AnswerArp(); CheckTimers(); }

    /// <summary>The timer queue must hold every socket at its deadline after every stack call: a
    /// write that forgot to move its socket shows here, in whichever test makes it.</summary>
    public void CheckTimers() => Assert.Null(Stack.CheckTcpTimers());

    /// <summary>The scripted peer and gateway answer ARP requests (the stack re-resolves after 60 s).</summary>
    public void AnswerArp()
    {
        if (!AutoArp) return;
        for (int i = 0; i < Dev.Sent.Count; i++)
        {
            var f = Pkt.Parse(Dev.Sent[i]);
            if (f.EtherType != 0x0806 || f.ArpOp != 1 || (f.ArpTpa != Peer && f.ArpTpa != Gw)) continue;
            Dev.Sent.RemoveAt(i--);
            byte[] mac = f.ArpTpa == Peer ? PeerMac : Pkt.Mac(254);
            Stack.Input(If, Pkt.Eth(MyMac, mac, 0x0806, Pkt.Arp(2, mac, f.ArpTpa, MyMac, Me)), Now);
        }
    }
    public void InjectIp(byte[] ip) => Inject(Pkt.Eth(MyMac, PeerMac, 0x0800, ip));

    public void InjectTcp(int sp, int dp, uint seq, uint ack, int flags, int wnd = 65535, byte[] options = null, byte[] data = null) =>
        InjectIp(Pkt.Ip(Peer, Me, 6, Pkt.Tcp(Peer, Me, sp, dp, seq, ack, flags, wnd, options, data)));

    public List<Frame> Sent() => Dev.TakeAll().Select(Pkt.Parse).ToList();
    public List<Frame> SentTcp() => Sent().Where(f => f.Proto == 6).ToList();

    /// <summary>Advances simulated time to t, running Poll at every deadline on the way.</summary>
    public void RunUntil(long t)
    {
        while (true)
        {
            long d = Stack.NextDeadlineMs;
            if (d > t) break;
            if (d > Now) Now = d;
            Stack.Poll(Now);
            AnswerArp();
            CheckTimers();
        }
        Now = t;
        Stack.Poll(Now);
        AnswerArp();
        CheckTimers();
    }

    public void Advance(long ms) => RunUntil(Now + ms);
}
