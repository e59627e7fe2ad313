// AF_NETLINK / NETLINK_ROUTE, enough for getifaddrs(3), if_nameindex(3) and Go's net.Interfaces:
// RTM_GETLINK and RTM_GETADDR dumps answered from the interface list; anything else gets an
// NLMSG_ERROR of EOPNOTSUPP. Replies are queued as datagrams and read with recv/recvmsg.
using Kernel.Memory;

namespace Kernel.Fs
{
    internal sealed unsafe class NetlinkSocket : SocketFile
    {
        public const int NETLINK_ROUTE = 0;
        private const byte IFA_F_PERMANENT = 0x80;
        private const ushort NLMSG_ERROR = 2, NLMSG_DONE = 3, RTM_NEWLINK = 16, RTM_GETLINK = 18, RTM_NEWADDR = 20, RTM_GETADDR = 22;
        private const ushort NLM_F_REQUEST = 1, NLM_F_MULTI = 2, NLM_F_ACK = 4, NLM_F_DUMP = 0x300;
        private const int Capacity = 16384;

        private sealed class Reply { public byte* Data; public int Length; public Reply Next; }
        private Reply _head, _tail;
        private uint _portId;

        public NetlinkSocket(int type, int flags)
        {
            Domain = SocketConst.AF_NETLINK;
            Type = type;
            Protocol = NETLINK_ROUTE;
            Flags = OpenFlags.O_RDWR | flags;
        }

        private uint PortId => _portId != 0 ? _portId : (_portId = (uint)Process.Current.Pid);

        public override long Bind(byte* addr, int len)
        {
            if (len < 12 || *(ushort*)addr != SocketConst.AF_NETLINK) return -Errno.EINVAL;
            uint pid = *(uint*)(addr + 4);
            _portId = pid != 0 ? pid : (uint)Process.Current.Pid;
            return 0;
        }

        public override long Connect(byte* addr, int len) => len < 12 ? -Errno.EINVAL : 0;

        public override long GetName(bool peer, byte* addr)
        {
            Mem.Zero(addr, 12);
            *(ushort*)addr = SocketConst.AF_NETLINK;
            if (!peer) *(uint*)(addr + 4) = PortId;
            return 12;
        }

        public override long Read(byte* dst, long n) => ReceiveFrom(dst, n, 0, null, null);
        public override long Write(byte* src, long n) => SendTo(src, n, 0, null, 0);

        public override long SendTo(byte* src, long n, int flags, byte* addr, int addrLen)
        {
            long off = 0;
            while (off + 16 <= n)
            {
                uint len = *(uint*)(src + off);
                ushort type = *(ushort*)(src + off + 4), mflags = *(ushort*)(src + off + 6);
                uint seq = *(uint*)(src + off + 8);
                if (len < 16 || off + len > n) break;
                byte family = len >= 17 ? src[off + 16] : (byte)0;
                if ((mflags & NLM_F_REQUEST) != 0)
                {
                    if (type == RTM_GETLINK && (mflags & NLM_F_DUMP) == NLM_F_DUMP) DumpLinks(seq);
                    else if (type == RTM_GETADDR && (mflags & NLM_F_DUMP) == NLM_F_DUMP) DumpAddresses(seq, family);
                    else Error(seq, src + off, -Errno.EOPNOTSUPP);
                }
                off += (len + 3) & ~3u;
            }
            PollWait.Changed();
            return n;
        }

        // ---- building replies ----

        private byte* _buf;
        private int _used;

        private void Begin() { _buf = (byte*)Mm.KernelHeap.Alloc(Capacity); _used = 0; Mem.Zero(_buf, Capacity); }

        private byte* Message(ushort type, ushort flags, uint seq, int bodyLength)
        {
            byte* m = _buf + _used;
            *(uint*)m = (uint)(16 + bodyLength);
            *(ushort*)(m + 4) = type;
            *(ushort*)(m + 6) = flags;
            *(uint*)(m + 8) = seq;
            *(uint*)(m + 12) = PortId;
            _used += 16 + ((bodyLength + 3) & ~3);
            return m + 16;
        }

        private void Attribute(byte* msg, ushort type, byte* data, int length)
        {
            byte* a = _buf + _used;
            *(ushort*)a = (ushort)(4 + length);
            *(ushort*)(a + 2) = type;
            Mem.Copy(a + 4, data, (ulong)length);
            int step = (4 + length + 3) & ~3;
            _used += step;
            *(uint*)(msg - 16) += (uint)step;                         // the message grows by the aligned attribute
        }

        private void Finish(uint seq)
        {
            Message(NLMSG_DONE, NLM_F_MULTI, seq, 4);                 // the body is an int: 0
            Queue(_buf, _used);
        }

        private void Queue(byte* data, int length)
        {
            var r = new Reply { Data = data, Length = length };
            if (_tail == null) _head = r; else _tail.Next = r;
            _tail = r;
        }

        private void DumpLinks(uint seq)
        {
            Begin();
            for (int i = 0; i < Interfaces.Count; i++)
            {
                Interfaces.Get(i, out InterfaceInfo info);
                byte* body = Message(RTM_NEWLINK, NLM_F_MULTI, seq, 16);   // struct ifinfomsg
                *(ushort*)(body + 2) = info.Type;
                *(int*)(body + 4) = info.Index;
                *(uint*)(body + 8) = info.Flags;
                byte* name = stackalloc byte[17];
                for (int k = 0; k < info.NameLength; k++) name[k] = info.Name[k];
                name[info.NameLength] = 0;
                Attribute(body, 3, name, info.NameLength + 1);                 // IFLA_IFNAME
                int mtu = info.Mtu;
                Attribute(body, 4, (byte*)&mtu, 4);                            // IFLA_MTU
                byte* mac = stackalloc byte[6];
                for (int k = 0; k < 6; k++) mac[k] = info.Mac[k];
                Attribute(body, 1, mac, 6);                                    // IFLA_ADDRESS
                if ((info.Flags & Interfaces.IFF_BROADCAST) != 0)
                {
                    for (int k = 0; k < 6; k++) mac[k] = 0xFF;
                    Attribute(body, 2, mac, 6);                                // IFLA_BROADCAST
                }
            }
            Finish(seq);
        }

        private void DumpAddresses(uint seq, byte family)
        {
            Begin();
            if (family == 0 || family == SocketConst.AF_INET)
            {
                for (int i = 0; i < Interfaces.Count; i++)
                {
                    Interfaces.Get(i, out InterfaceInfo info);
                    if (info.Address == 0) continue;
                    byte* body = Message(RTM_NEWADDR, NLM_F_MULTI, seq, 8);    // struct ifaddrmsg
                    body[0] = SocketConst.AF_INET;
                    body[1] = (byte)info.PrefixLength;
                    body[3] = (byte)((info.Flags & Interfaces.IFF_LOOPBACK) != 0 ? 254 : 0);   // RT_SCOPE_HOST / UNIVERSE
                    *(uint*)(body + 4) = (uint)info.Index;
                    byte* a = stackalloc byte[4];
                    a[0] = (byte)(info.Address >> 24); a[1] = (byte)(info.Address >> 16); a[2] = (byte)(info.Address >> 8); a[3] = (byte)info.Address;
                    Attribute(body, 1, a, 4);                                  // IFA_ADDRESS
                    Attribute(body, 2, a, 4);                                  // IFA_LOCAL
                    if ((info.Flags & Interfaces.IFF_BROADCAST) != 0)
                    {
                        uint b = info.Address | ~Interfaces.Netmask(info.PrefixLength);
                        a[0] = (byte)(b >> 24); a[1] = (byte)(b >> 16); a[2] = (byte)(b >> 8); a[3] = (byte)b;
                        Attribute(body, 4, a, 4);                              // IFA_BROADCAST
                    }
                    byte* name = stackalloc byte[17];
                    for (int k = 0; k < info.NameLength; k++) name[k] = info.Name[k];
                    name[info.NameLength] = 0;
                    Attribute(body, 3, name, info.NameLength + 1);             // IFA_LABEL
                }
            }
            if (family == 0 || family == SocketConst.AF_INET6)
            {
                for (int i = 0; i < Interfaces.Count; i++)
                {
                    Interfaces.Get(i, out InterfaceInfo info);
                    if (info.Address6.IsUnspecified) continue;
                    byte* body = Message(RTM_NEWADDR, NLM_F_MULTI, seq, 8);    // struct ifaddrmsg
                    body[0] = SocketConst.AF_INET6;
                    body[1] = (byte)info.PrefixLength6;
                    body[2] = IFA_F_PERMANENT;
                    body[3] = info.Scope6;
                    *(uint*)(body + 4) = (uint)info.Index;
                    byte* a = stackalloc byte[16];
                    info.Address6.Write(new System.Span<byte>(a, 16), 0);
                    Attribute(body, 1, a, 16);                                 // IFA_ADDRESS
                    uint flags = IFA_F_PERMANENT;
                    Attribute(body, 8, (byte*)&flags, 4);                      // IFA_FLAGS
                }
            }
            Finish(seq);
        }

        private void Error(uint seq, byte* request, int error)
        {
            Begin();
            byte* body = Message(NLMSG_ERROR, 0, seq, 4 + 16);
            *(int*)body = error;
            Mem.Copy(body + 4, request, 16);                               // the request's header
            Queue(_buf, _used);
        }

        public override long ReceiveFrom(byte* dst, long n, int flags, byte* addr, int* addrLen)
        {
            if (addrLen != null) *addrLen = 0;
            ulong deadline = ReceiveDeadline();
            while (_head == null)
            {
                long w = WaitForInput(flags, deadline);
                if (w != 0) return w;
            }
            Reply r = _head;
            long copy = r.Length < n ? r.Length : n;
            Mem.Copy(dst, r.Data, (ulong)copy);
            if (addr != null && addrLen != null) { Mem.Zero(addr, 12); *(ushort*)addr = SocketConst.AF_NETLINK; *addrLen = 12; }
            long full = r.Length;
            if ((flags & SocketConst.MSG_PEEK) == 0) Drop();
            return (flags & SocketConst.MSG_TRUNC) != 0 ? full : copy;
        }

        private void Drop()
        {
            Reply r = _head;
            _head = r.Next;
            if (_head == null) _tail = null;
            Mm.KernelHeap.Free(r.Data);
            Runtime.Allocator.Free(r);
        }

        public override short Poll() => (short)(PollBits.POLLOUT | (_head != null ? PollBits.POLLIN : 0));
        public override long Available() => _head != null ? _head.Length : 0;

        public override long SetOption(int level, int name, byte* value, int len) =>
            level == SocketConst.SOL_SOCKET || level == 270 /* SOL_NETLINK */ ? 0 : -Errno.ENOPROTOOPT;

        public override long GetOption(int level, int name, byte* value, int* len)
        {
            if (level == SocketConst.SOL_SOCKET && (name == SocketConst.SO_RCVBUF || name == SocketConst.SO_SNDBUF)) { *(int*)value = 212992; *len = 4; return 0; }
            return -Errno.ENOPROTOOPT;
        }

        public override void OnLastClose() { while (_head != null) Drop(); }
    }
}
