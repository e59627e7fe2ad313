// The network interfaces as programs see them (lo and, with a NIC, eth0): one description used by
// NETLINK_ROUTE dumps, the SIOCGIF* ioctls and /proc/net and /sys/class/net.
namespace Kernel
{
    internal unsafe struct InterfaceInfo
    {
        public int Index;
        public uint Flags;           // IFF_*
        public ushort Type;          // ARPHRD_*
        public uint Address;         // IPv4, host order (0: none)
        public int PrefixLength;
        public Net.Ip6Address Address6;   // ::1 (lo) or the link-local address (eth0)
        public int PrefixLength6;
        public byte Scope6;          // RT_SCOPE_HOST (lo) or RT_SCOPE_LINK
        public int Mtu;
        public fixed byte Mac[6];
        public fixed byte Name[16];
        public int NameLength;
    }

    internal static unsafe class Interfaces
    {
        public const uint IFF_UP = 0x1, IFF_BROADCAST = 0x2, IFF_LOOPBACK = 0x8, IFF_RUNNING = 0x40, IFF_MULTICAST = 0x1000;
        public const ushort ARPHRD_ETHER = 1, ARPHRD_LOOPBACK = 772;
        public const byte RT_SCOPE_LINK = 253, RT_SCOPE_HOST = 254;

        public static int Count => NetService.Ethernet != null ? 2 : 1;

        /// <summary>Interface number <paramref name="i"/> (0: lo, 1: eth0).</summary>
        public static bool Get(int i, out InterfaceInfo info)
        {
            info = default;
            if (i == 0)
            {
                info.Index = 1;
                info.Flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
                info.Type = ARPHRD_LOOPBACK;
                info.Address = 0x7F000001;
                info.PrefixLength = 8;
                info.Address6 = Net.Ip6Address.Loopback; info.PrefixLength6 = 128; info.Scope6 = RT_SCOPE_HOST;
                info.Mtu = 65536;
                SetName(ref info, "lo");
                return true;
            }
            if (i == 1 && NetService.Ethernet != null)
            {
                var e = NetService.Ethernet;
                info.Index = 2;
                info.Flags = IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST;
                info.Type = ARPHRD_ETHER;
                info.Address = e.Address;
                info.PrefixLength = e.PrefixLength;
                info.Address6 = e.LinkLocal; info.PrefixLength6 = 64; info.Scope6 = RT_SCOPE_LINK;
                info.Mtu = e.Device.Mtu;
                for (int k = 0; k < 6; k++) info.Mac[k] = e.Device.Mac[k];
                SetName(ref info, "eth0");
                return true;
            }
            return false;
        }

        private static void SetName(ref InterfaceInfo info, string name)
        {
            for (int k = 0; k < name.Length; k++) info.Name[k] = (byte)name[k];
            info.NameLength = name.Length;
        }

        /// <summary>The interface named by a NUL-terminated (or 16-byte) name, or -1.</summary>
        public static int Find(byte* name)
        {
            for (int i = 0; i < Count; i++)
            {
                Get(i, out InterfaceInfo info);
                int k = 0;
                while (k < info.NameLength && name[k] == info.Name[k]) k++;
                if (k == info.NameLength && (k == 16 || name[k] == 0)) return i;
            }
            return -1;
        }

        public static uint Netmask(int prefix) => prefix <= 0 ? 0 : prefix >= 32 ? 0xFFFFFFFF : ~((1u << (32 - prefix)) - 1);

        // struct ifreq: ifr_name[16], then a union (sockaddr, flags, ifindex, mtu...).
        private const uint SIOCGIFNAME = 0x8910, SIOCGIFCONF = 0x8912, SIOCGIFFLAGS = 0x8913, SIOCGIFADDR = 0x8915,
            SIOCGIFBRDADDR = 0x8919, SIOCGIFNETMASK = 0x891b, SIOCGIFMTU = 0x8921, SIOCGIFHWADDR = 0x8927, SIOCGIFINDEX = 0x8933, SIOCGIFTXQLEN = 0x8942;

        /// <summary>The SIOCGIF* requests every socket answers; -ENOTTY for other requests.</summary>
        public static long Ioctl(uint request, ulong arg)
        {
            byte* req = stackalloc byte[40];
            if (request == SIOCGIFCONF) return IfConf(arg);
            if (request != SIOCGIFNAME && request != SIOCGIFFLAGS && request != SIOCGIFADDR && request != SIOCGIFBRDADDR &&
                request != SIOCGIFNETMASK && request != SIOCGIFMTU && request != SIOCGIFHWADDR && request != SIOCGIFINDEX && request != SIOCGIFTXQLEN)
                return -Errno.ENOTTY;
            if (Memory.UserMemory.CopyFrom(req, arg, 40) != 0) return -Errno.EFAULT;
            int i = -1;
            if (request == SIOCGIFNAME)
            {
                int index = *(int*)(req + 16);
                for (int k = 0; k < Count; k++) { Get(k, out InterfaceInfo x); if (x.Index == index) i = k; }
            }
            else
            {
                req[15] = 0;
                i = Find(req);
            }
            if (i < 0) return -Errno.ENODEV;
            Get(i, out InterfaceInfo info);
            byte* u = req + 16;
            Mem.Zero(u, 24);
            switch (request)
            {
                case SIOCGIFNAME: Mem.Zero(req, 16); for (int k = 0; k < info.NameLength; k++) req[k] = info.Name[k]; *(int*)u = info.Index; break;
                case SIOCGIFFLAGS: *(ushort*)u = (ushort)info.Flags; break;
                case SIOCGIFINDEX: *(int*)u = info.Index; break;
                case SIOCGIFMTU: *(int*)u = info.Mtu; break;
                case SIOCGIFTXQLEN: *(int*)u = 1000; break;
                case SIOCGIFHWADDR:
                    *(ushort*)u = info.Type;
                    for (int k = 0; k < 6; k++) u[2 + k] = info.Mac[k];
                    break;
                case SIOCGIFADDR: case SIOCGIFNETMASK: case SIOCGIFBRDADDR:
                {
                    if (info.Address == 0) return -Errno.EADDRNOTAVAIL;
                    uint mask = Netmask(info.PrefixLength);
                    uint a = request == SIOCGIFADDR ? info.Address : request == SIOCGIFNETMASK ? mask : (info.Address & mask) | ~mask;
                    if (request == SIOCGIFBRDADDR && (info.Flags & IFF_BROADCAST) == 0) a = 0;
                    *(ushort*)u = SocketFamilyInet;
                    u[4] = (byte)(a >> 24); u[5] = (byte)(a >> 16); u[6] = (byte)(a >> 8); u[7] = (byte)a;
                    break;
                }
            }
            return Memory.UserMemory.CopyTo(arg, req, 40) != 0 ? -Errno.EFAULT : 0;
        }

        private const ushort SocketFamilyInet = 2;

        // struct ifconf { int ifc_len; char *ifc_buf; }: one 40-byte ifreq per interface with an address.
        private static long IfConf(ulong arg)
        {
            if (Memory.UserMemory.Read(arg, out int len) != 0 || Memory.UserMemory.Read(arg + 8, out ulong buf) != 0) return -Errno.EFAULT;
            int used = 0;
            byte* r = stackalloc byte[40];
            for (int i = 0; i < Count; i++)
            {
                Get(i, out InterfaceInfo info);
                if (info.Address == 0) continue;
                if (buf != 0)
                {
                    if (used + 40 > len) break;
                    Mem.Zero(r, 40);
                    for (int k = 0; k < info.NameLength; k++) r[k] = info.Name[k];
                    *(ushort*)(r + 16) = SocketFamilyInet;
                    uint a = info.Address;
                    r[20] = (byte)(a >> 24); r[21] = (byte)(a >> 16); r[22] = (byte)(a >> 8); r[23] = (byte)a;
                    if (Memory.UserMemory.CopyTo(buf + (ulong)used, r, 40) != 0) return -Errno.EFAULT;
                }
                used += 40;
            }
            return Memory.UserMemory.Write(arg, used) != 0 ? -Errno.EFAULT : 0;
        }
    }
}
