// Ethernet framing, the device abstraction and the per-interface configuration.
using System;

namespace Kernel.Net
{
    /// <summary>An IPv6 address as two big-endian halves (::1 is Hi 0, Lo 1).</summary>
    public struct Ip6Address
    {
        public ulong Hi, Lo;
        public Ip6Address(ulong hi, ulong lo) { Hi = hi; Lo = lo; }

        public static Ip6Address Any => default;
        public static Ip6Address Loopback => new Ip6Address(0, 1);
        public static Ip6Address AllNodes => new Ip6Address(0xFF02000000000000UL, 1);

        public bool IsUnspecified => Hi == 0 && Lo == 0;
        public bool IsLoopback => Hi == 0 && Lo == 1;
        public bool IsLinkLocal => (Hi >> 54) == 0x3FA;                  // fe80::/10
        public bool IsMulticast => (Hi >> 56) == 0xFF;
        public bool IsV4Mapped => Hi == 0 && (Lo >> 32) == 0xFFFF;      // ::ffff:a.b.c.d
        public bool Same(Ip6Address o) => Hi == o.Hi && Lo == o.Lo;

        /// <summary>ff02::1:ffXX:XXXX, the group a node joins for each of its addresses (RFC 4291 2.7.1).</summary>
        public Ip6Address SolicitedNode => new Ip6Address(0xFF02000000000000UL, 0x00000001FF000000UL | (Lo & 0xFFFFFF));

        /// <summary>fe80::/64 with the modified EUI-64 interface identifier of a MAC (RFC 4291 appendix A).</summary>
        public static Ip6Address LinkLocalFromMac(byte[] m) =>
            new Ip6Address(0xFE80000000000000UL,
                (ulong)(m[0] ^ 2) << 56 | (ulong)m[1] << 48 | (ulong)m[2] << 40 | 0xFFUL << 32 | 0xFEUL << 24 |
                (ulong)m[3] << 16 | (ulong)m[4] << 8 | m[5]);

        public static Ip6Address Read(ReadOnlySpan<byte> b, int o) =>
            new Ip6Address((ulong)Be.U32(b, o) << 32 | Be.U32(b, o + 4), (ulong)Be.U32(b, o + 8) << 32 | Be.U32(b, o + 12));

        public void Write(Span<byte> b, int o)
        {
            Be.W32(b, o, (uint)(Hi >> 32)); Be.W32(b, o + 4, (uint)Hi);
            Be.W32(b, o + 8, (uint)(Lo >> 32)); Be.W32(b, o + 12, (uint)Lo);
        }
    }

    /// <summary>An address and a port. IPv4 (V6 false): Address in host byte order (127.0.0.1 ==
    /// 0x7F000001). IPv6 (V6 true): Address6, and ScopeId, the stack's interface index a link-local
    /// address belongs to (0 otherwise). default is IPv4 0.0.0.0:0. The stack never holds a
    /// v4-mapped IPv6 address: IPv4 traffic is always an IPv4 endpoint.</summary>
    public struct IpEndpoint
    {
        public uint Address;
        public ushort Port;
        public bool V6;
        public Ip6Address Address6;
        public int ScopeId;
        public IpEndpoint(uint address, ushort port) { Address = address; Port = port; V6 = false; Address6 = default; ScopeId = 0; }
        public IpEndpoint(Ip6Address address, ushort port, int scopeId = 0) { Address = 0; Port = port; V6 = true; Address6 = address; ScopeId = scopeId; }
        public static uint MakeAddress(int a, int b, int c, int d) => ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | (uint)d;

        /// <summary>0.0.0.0 or ::.</summary>
        public bool IsAny => V6 ? Address6.IsUnspecified : Address == 0;
        /// <summary>Same family and address (ports and scopes not compared).</summary>
        public bool SameAddress(IpEndpoint o) => V6 == o.V6 && (V6 ? Address6.Same(o.Address6) : Address == o.Address);
    }

    /// <summary>A network card: the virtio-net driver on metal, fakes in the tests.</summary>
    public abstract class NetDevice
    {
        public byte[] Mac;            // 6 bytes
        public int Mtu = 1500;        // IP bytes per frame (the frame is Mtu + 14)
        /// <summary>The device completes TCP/UDP checksums of frames sent with
        /// <see cref="NetOffload.NeedsChecksum"/> (virtio VIRTIO_NET_F_CSUM).</summary>
        public bool TxChecksum;
        /// <summary>The device cuts TCP frames sent with a <see cref="NetOffload.GsoType"/> into
        /// MSS-sized segments (virtio HOST_TSO4 / HOST_TSO6); both need TxChecksum.</summary>
        public bool Tso4, Tso6;
        /// <summary>Largest IP packet (header included) of one TSO frame.</summary>
        public int TsoMaxPacket = 65535;
        /// <summary>Copies the frame out; false if the device queue is full (the frame is dropped).</summary>
        public abstract bool Transmit(ReadOnlySpan<byte> frame);
        /// <summary>A frame with offload work for the device (only what the capabilities above
        /// announce is ever asked). Devices without offloads never get this call.</summary>
        public virtual bool Transmit(ReadOnlySpan<byte> frame, in NetOffload offload) => !offload.Any && Transmit(frame);
    }

    /// <summary>Per-frame work left to the device, in virtio_net_hdr's terms (virtio 1.x 5.1.6).
    /// Offsets count from the start of the Ethernet frame.</summary>
    public struct NetOffload
    {
        public const int GsoNone = 0, GsoTcp4 = 1, GsoTcp6 = 4;
        /// <summary>The checksum field at CsumStart + CsumOffset holds the pseudo-header sum; the
        /// device sums from CsumStart to the end and stores the complement there.</summary>
        public bool NeedsChecksum;
        public int CsumStart, CsumOffset;
        /// <summary>TSO: GsoTcp4/GsoTcp6, the payload bytes per segment, and the length of the
        /// headers (Ethernet + IP + TCP) repeated in every segment.</summary>
        public int GsoType, GsoSize, HeaderLength;

        public bool Any => NeedsChecksum || GsoType != GsoNone;

        /// <summary>The same work for a frame that starts delta bytes earlier.</summary>
        internal NetOffload Shifted(int delta)
        {
            NetOffload o = this;
            o.CsumStart += delta;
            if (o.GsoType != GsoNone) o.HeaderLength += delta;
            return o;
        }

        /// <summary>Does in software what the device would do for NeedsChecksum (no TSO).</summary>
        internal void FinishChecksum(Span<byte> frame)
        {
            if (!NeedsChecksum) return;
            int at = CsumStart + CsumOffset;
            ulong sum = Checksum.Add(0, frame.Slice(CsumStart));
            ushort c = Checksum.Finish(sum);
            if (c == 0 && CsumOffset == 6) c = 0xFFFF;        // UDP sends a computed zero as all ones
            Be.W16(frame, at, c);
        }
    }

    public static class Ethernet
    {
        public const int HeaderLength = 14;
        public const int TypeIpv4 = 0x0800, TypeArp = 0x0806, TypeIpv6 = 0x86DD;

        internal static bool IsBroadcast(ReadOnlySpan<byte> f, int o)
        {
            for (int i = 0; i < 6; i++) if (f[o + i] != 0xFF) return false;
            return true;
        }

        internal static bool IsMac(ReadOnlySpan<byte> f, int o, byte[] mac)
        {
            for (int i = 0; i < 6; i++) if (f[o + i] != mac[i]) return false;
            return true;
        }

        /// <summary>33:33 followed by the low 32 bits of an IPv6 multicast group (RFC 2464 7).</summary>
        internal static ulong MulticastMac(Ip6Address group) => 0x333300000000UL | (group.Lo & 0xFFFFFFFFUL);

        internal static void WriteHeader(Span<byte> f, ulong dstMac, byte[] srcMac, int type)
        {
            for (int i = 0; i < 6; i++) f[i] = (byte)(dstMac >> (40 - 8 * i));
            for (int i = 0; i < 6; i++) f[6 + i] = srcMac[i];
            Be.W16(f, 12, type);
        }

        internal static ulong MacAt(ReadOnlySpan<byte> f, int o)
        {
            ulong m = 0;
            for (int i = 0; i < 6; i++) m = (m << 8) | f[o + i];
            return m;
        }

        internal const ulong BroadcastMac = 0xFFFFFFFFFFFFUL;
    }

    /// <summary>One interface: the loopback (Device null) or an Ethernet device.</summary>
    public sealed class NetInterface
    {
        public NetDevice Device;
        public uint Address;
        public int PrefixLength;
        public uint Gateway;
        public uint Dns;
        public bool Up;
        public bool IsLoopback;
        public int Index;             // 0 for the loopback
        /// <summary>The Linux interface index (lo is 1); IPv6 scope ids are these.</summary>
        public int IfIndex => Index + 1;
        public int Mtu;
        public long LeaseExpiresMs = long.MaxValue;   // DHCP lease end (long.MaxValue when static)

        // Counters (the kernel can show them in /proc/net/dev).
        public long RxPackets, TxPackets, RxBytes, TxBytes, RxDropped, TxDropped;

        internal NetStack Stack;
        internal ArpCache Arp;
        internal NeighborCache Ndp;   // IPv6 neighbors (Ethernet interfaces)
        /// <summary>fe80::/64 from the MAC (Ethernet interfaces; usable while Up). No other IPv6
        /// address is configured: no SLAAC, no DHCPv6.</summary>
        public Ip6Address LinkLocal;
        internal DhcpClient Dhcp;
        internal byte[] FragBuf;      // one frame for output fragmentation

        internal uint Mask => PrefixLength <= 0 ? 0 : PrefixLength >= 32 ? 0xFFFFFFFF : ~(0xFFFFFFFFu >> PrefixLength);
        internal uint SubnetBroadcast => Address | ~Mask;
        internal bool OnLink(uint a) => Address != 0 && PrefixLength > 0 && ((a ^ Address) & Mask) == 0;
    }
}
