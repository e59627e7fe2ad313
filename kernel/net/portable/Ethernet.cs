// Ethernet framing, the device abstraction and the per-interface configuration.
using System;

namespace Kernel.Net
{
    /// <summary>An IPv4 address (host byte order: 127.0.0.1 == 0x7F000001) and a port.</summary>
    public struct IpEndpoint
    {
        public uint Address;
        public ushort Port;
        public IpEndpoint(uint address, ushort port) { Address = address; Port = port; }
        public static uint MakeAddress(int a, int b, int c, int d) => ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | (uint)d;
    }

    /// <summary>A network card: the virtio-net driver on metal, fakes in the tests.</summary>
    public abstract class NetDevice
    {
        public byte[] Mac;            // 6 bytes
        public int Mtu = 1500;        // IP bytes per frame (the frame is Mtu + 14)
        /// <summary>Copies the frame out; false if the device queue is full (the frame is dropped).</summary>
        public abstract bool Transmit(ReadOnlySpan<byte> frame);
    }

    public static class Ethernet
    {
        public const int HeaderLength = 14;
        public const int TypeIpv4 = 0x0800, TypeArp = 0x0806;

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
        public int Index;
        public int Mtu;
        public long LeaseExpiresMs = long.MaxValue;   // DHCP lease end (long.MaxValue when static)

        // Counters (the kernel can show them in /proc/net/dev).
        public long RxPackets, TxPackets, RxBytes, TxBytes, RxDropped, TxDropped;

        internal NetStack Stack;
        internal ArpCache Arp;
        internal DhcpClient Dhcp;
        internal byte[] FragBuf;      // one frame for output fragmentation

        internal uint Mask => PrefixLength <= 0 ? 0 : PrefixLength >= 32 ? 0xFFFFFFFF : ~(0xFFFFFFFFu >> PrefixLength);
        internal uint SubnetBroadcast => Address | ~Mask;
        internal bool OnLink(uint a) => Address != 0 && PrefixLength > 0 && ((a ^ Address) & Mask) == 0;
    }
}
