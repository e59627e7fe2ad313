// The network as /proc/net and /sys/class/net show it: interfaces and their counters, the
// routing table, and the TCP and UDP sockets in Linux's formats (netstat, ss -a, ip and
// ifconfig from busybox read these).
using Kernel.Fs;
using Kernel.Net;

namespace Kernel
{
    internal static unsafe class NetProc
    {
        // /proc/net/dev: per interface, 8 receive and 8 transmit counters.
        public static void Dev(ref TextBuffer t)
        {
            t.Str("Inter-|   Receive                                                |  Transmit\n");
            t.Str(" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n");
            for (int i = 0; i < Interfaces.Count; i++)
            {
                Interfaces.Get(i, out InterfaceInfo info);
                NetInterface ni = i == 0 ? NetService.Stack.Loopback : NetService.Ethernet;
                for (int pad = info.NameLength; pad < 6; pad++) t.Byte((byte)' ');
                t.Bytes(info.Name, info.NameLength);
                t.Byte((byte)':');
                long rxb = ni != null ? ni.RxBytes : 0, rxp = ni != null ? ni.RxPackets : 0, rxd = ni != null ? ni.RxDropped : 0;
                long txb = ni != null ? ni.TxBytes : 0, txp = ni != null ? ni.TxPackets : 0, txd = ni != null ? ni.TxDropped : 0;
                Col(ref t, rxb, 8); Col(ref t, rxp, 8); Col(ref t, 0, 5); Col(ref t, rxd, 5); Col(ref t, 0, 5); Col(ref t, 0, 6); Col(ref t, 0, 11); Col(ref t, 0, 10);
                Col(ref t, txb, 9); Col(ref t, txp, 8); Col(ref t, 0, 5); Col(ref t, txd, 5); Col(ref t, 0, 5); Col(ref t, 0, 6); Col(ref t, 0, 8); Col(ref t, 0, 11);
                t.Byte((byte)'\n');
            }
        }

        private static void Col(ref TextBuffer t, long v, int width)
        {
            int digits = 1;
            for (long x = v; x >= 10; x /= 10) digits++;
            t.Byte((byte)' ');
            for (int i = digits; i < width; i++) t.Byte((byte)' ');
            t.Dec((ulong)v);
        }

        /// <summary>An IPv4 address as /proc/net prints it: the network-order word in host-order hex.</summary>
        private static void Addr(ref TextBuffer t, uint a)
        {
            uint le = (a >> 24) | ((a >> 8) & 0xFF00) | ((a << 8) & 0xFF0000) | (a << 24);
            Hex(ref t, le, 8);
        }

        /// <summary>Upper-case hex, <paramref name="digits"/> wide (/proc/net's style).</summary>
        private static void Hex(ref TextBuffer t, ulong v, int digits)
        {
            for (int i = digits - 1; i >= 0; i--)
            {
                int d = (int)((v >> (4 * i)) & 15);
                t.Byte((byte)(d < 10 ? '0' + d : 'A' + d - 10));
            }
        }

        // /proc/net/route: destination, gateway and mask per route of eth0.
        public static void Route(ref TextBuffer t)
        {
            t.Str("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n");
            NetInterface e = NetService.Ethernet;
            if (e == null || e.Address == 0) return;
            uint mask = Interfaces.Netmask(e.PrefixLength);
            if (e.Gateway != 0)
            {
                t.Str("eth0\t"); Addr(ref t, 0); t.Byte((byte)'\t'); Addr(ref t, e.Gateway); t.Str("\t0003\t0\t0\t0\t"); Addr(ref t, 0); t.Str("\t0\t0\t0\n");
            }
            t.Str("eth0\t"); Addr(ref t, e.Address & mask); t.Byte((byte)'\t'); Addr(ref t, 0); t.Str("\t0001\t0\t0\t0\t"); Addr(ref t, mask); t.Str("\t0\t0\t0\n");
        }

        // /proc/net/tcp, udp (AF_INET sockets) and tcp6, udp6 (AF_INET6 sockets, IPv4 traffic
        // v4-mapped): "sl local rem st tx_queue:rx_queue tr:when retrnsmt uid timeout inode".
        public static void Tcp(ref TextBuffer t) => TcpTable(ref t, false);
        public static void Tcp6(ref TextBuffer t) => TcpTable(ref t, true);
        public static void Udp(ref TextBuffer t) => UdpTable(ref t, false);
        public static void Udp6(ref TextBuffer t) => UdpTable(ref t, true);

        private static void TcpTable(ref TextBuffer t, bool six)
        {
            if (six) t.Str("  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
            else t.Str("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
            int n = 0;
            for (TcpSocket s = NetService.Stack.TcpList; s != null; s = s.NextInList)
                if (s.Domain6 == six) Line(ref t, six, n++, s.Local, s.Remote, (int)s.State, s.BytesQueued, s.State == TcpState.Listen ? 0 : s.BytesAvailable);
        }

        private static void UdpTable(ref TextBuffer t, bool six)
        {
            if (six) t.Str("  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n");
            else t.Str("   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n");
            int n = 0;
            for (UdpSocket s = NetService.Stack.UdpList; s != null; s = s.NextInList)
                if (s.Domain6 == six) Line(ref t, six, n++, s.Local, s.Remote, 7, 0, s.NextDatagramLength);
        }

        /// <summary>An address in /proc/net/*6 style: the four network-order words, each in host-order
        /// hex (IPv4 endpoints v4-mapped, 0.0.0.0 as ::).</summary>
        private static void Addr6(ref TextBuffer t, IpEndpoint e)
        {
            Ip6Address a = e.V6 ? e.Address6 : e.Address == 0 ? default : new Ip6Address(0, 0xFFFF00000000UL | e.Address);
            Addr(ref t, (uint)(a.Hi >> 32)); Addr(ref t, (uint)a.Hi); Addr(ref t, (uint)(a.Lo >> 32)); Addr(ref t, (uint)a.Lo);
        }

        private static void Line(ref TextBuffer t, bool six, int slot, IpEndpoint local, IpEndpoint remote, int state, int txq, int rxq)
        {
            Col(ref t, slot, 4); t.Str(": ");
            if (six) Addr6(ref t, local); else Addr(ref t, local.Address);
            t.Byte((byte)':'); Hex(ref t, local.Port, 4); t.Byte((byte)' ');
            if (six) Addr6(ref t, remote); else Addr(ref t, remote.Address);
            t.Byte((byte)':'); Hex(ref t, remote.Port, 4); t.Byte((byte)' ');
            Hex(ref t, (ulong)state, 2); t.Byte((byte)' ');
            Hex(ref t, (ulong)txq, 8); t.Byte((byte)':'); Hex(ref t, (ulong)rxq, 8);
            t.Str(" 00:00000000 00000000     0        0 0 1 0000000000000000\n");
        }

        // /proc/net/if_inet6: "address ifindex prefixlen scope flags name", one IPv6 address a line.
        public static void IfInet6(ref TextBuffer t)
        {
            for (int i = 0; i < Interfaces.Count; i++)
            {
                Interfaces.Get(i, out InterfaceInfo info);
                if (info.Address6.IsUnspecified) continue;
                Ip6Address a = info.Address6;
                t.Hex(a.Hi, 16); t.Hex(a.Lo, 16);
                t.Byte((byte)' '); t.Hex((ulong)info.Index, 2);
                t.Byte((byte)' '); t.Hex((ulong)info.PrefixLength6, 2);
                t.Byte((byte)' '); t.Hex(info.Scope6 == Interfaces.RT_SCOPE_HOST ? 0x10UL : 0x20UL, 2);
                t.Str(" 80 ");
                for (int pad = info.NameLength; pad < 8; pad++) t.Byte((byte)' ');
                t.Bytes(info.Name, info.NameLength);
                t.Byte((byte)'\n');
            }
        }

        // /sys/class/net/IFACE/*: one generator per attribute and interface (0: lo, 1: eth0).
        private static void Attr(ref TextBuffer t, int i, int which)
        {
            if (!Interfaces.Get(i, out InterfaceInfo info)) return;
            switch (which)
            {
                case 0:
                    for (int k = 0; k < 6; k++) { if (k > 0) t.Byte((byte)':'); t.Hex(info.Mac[k], 2); }
                    break;
                case 1: t.Dec((ulong)info.Mtu); break;
                case 2: t.Str("0x"); t.Hex(info.Flags, 0); break;
                case 3: t.Str((info.Flags & Interfaces.IFF_LOOPBACK) != 0 ? "unknown" : "up"); break;
                case 4: t.Dec((ulong)info.Index); break;
                case 5: t.Dec(info.Type); break;
            }
            t.Byte((byte)'\n');
        }

        public static void LoAddress(ref TextBuffer t) => Attr(ref t, 0, 0);
        public static void LoMtu(ref TextBuffer t) => Attr(ref t, 0, 1);
        public static void LoFlags(ref TextBuffer t) => Attr(ref t, 0, 2);
        public static void LoOperstate(ref TextBuffer t) => Attr(ref t, 0, 3);
        public static void LoIfindex(ref TextBuffer t) => Attr(ref t, 0, 4);
        public static void LoType(ref TextBuffer t) => Attr(ref t, 0, 5);
        public static void EthAddress(ref TextBuffer t) => Attr(ref t, 1, 0);
        public static void EthMtu(ref TextBuffer t) => Attr(ref t, 1, 1);
        public static void EthFlags(ref TextBuffer t) => Attr(ref t, 1, 2);
        public static void EthOperstate(ref TextBuffer t) => Attr(ref t, 1, 3);
        public static void EthIfindex(ref TextBuffer t) => Attr(ref t, 1, 4);
        public static void EthType(ref TextBuffer t) => Attr(ref t, 1, 5);
    }
}
