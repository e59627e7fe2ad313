// IPv6 Neighbor Discovery (RFC 4861) for one Ethernet interface: the link-layer half only.
// Solicitations for our link-local address are answered; neighbors are solicited (to their
// solicited-node group, 3 times 1 s apart), cached for 30 s and a few frames wait while they
// resolve (the table is NeighborTable's, shared with Arp.cs). Not done: router discovery, redirects, duplicate address
// detection, the STALE/DELAY/PROBE states (an entry simply expires and is solicited again).
using System;

namespace Kernel.Net
{
    internal sealed class NeighborCache : NeighborTable
    {
        internal const int Entries = 32, PendingSlots = 8, ReachableMs = 30000;
        internal const int TypeSolicit = 135, TypeAdvert = 136;
        private const int OptSourceMac = 1, OptTargetMac = 2;
        private readonly byte[] _frame = new byte[Ethernet.HeaderLength + 40 + 32];   // one NS or NA

        internal NeighborCache(NetInterface iface) : base(iface, Entries, PendingSlots, ReachableMs) { }

        internal override void Release() { base.Release(); NetMemory.Free(_frame); }

        internal new bool Lookup(Ip6Address ip, long now, out ulong mac) => base.Lookup(ip, now, out mac);
        internal new bool Park(Ip6Address ip, ReadOnlySpan<byte> frame, long now) => base.Park(ip, frame, now);

        protected override void Solicit(Ip6Address ip) => SendSolicit(ip);

        protected override void Unreachable(Ip6Address ip) => _if.Stack.HostUnreachable(new IpEndpoint(ip, 0, _if.IfIndex));


        private void SendSolicit(Ip6Address target)
        {
            Ip6Address group = target.SolicitedNode;
            Send(TypeSolicit, 0, Ethernet.MulticastMac(group), group, target, OptSourceMac);
        }

        /// <summary>One NS or NA with a link-layer address option, from our link-local address, hop limit 255.</summary>
        private void Send(int type, int flags, ulong dstMac, Ip6Address dst, Ip6Address target, int option)
        {
            byte[] f = _frame;
            const int ip = Ethernet.HeaderLength, m = ip + 40, len = 32;
            Ethernet.WriteHeader(f, dstMac, _if.Device.Mac, Ethernet.TypeIpv6);
            Be.W32(f, ip, 0x60000000); Be.W16(f, ip + 4, len); f[ip + 6] = NetStack.ProtoIcmp6; f[ip + 7] = 255;
            _if.LinkLocal.Write(f, ip + 8); dst.Write(f, ip + 24);
            f[m] = (byte)type; f[m + 1] = 0; f[m + 2] = 0; f[m + 3] = 0;
            f[m + 4] = (byte)flags; f[m + 5] = 0; f[m + 6] = 0; f[m + 7] = 0;
            target.Write(f, m + 8);
            f[m + 24] = (byte)option; f[m + 25] = 1;
            for (int k = 0; k < 6; k++) f[m + 26 + k] = _if.Device.Mac[k];
            ulong sum = Checksum.Pseudo6(_if.LinkLocal, dst, NetStack.ProtoIcmp6, len);
            Be.W16(f, m + 2, Checksum.Finish(Checksum.Add(sum, new ReadOnlySpan<byte>(f).Slice(m, len))));
            _if.Stack.TransmitFrame(_if, f);
        }

        /// <summary>The link-layer address option of type want, or false (also when an option is malformed).</summary>
        private static bool FindMacOption(ReadOnlySpan<byte> opts, int want, out ulong mac, out bool malformed)
        {
            mac = 0; malformed = false;
            bool found = false;
            int o = 0;
            while (o + 2 <= opts.Length)
            {
                int olen = opts[o + 1] * 8;
                if (olen == 0 || o + olen > opts.Length) { malformed = true; return false; }
                if (opts[o] == want && olen >= 8 && !found) { mac = Ethernet.MacAt(opts, o + 2); found = true; }
                o += olen;
            }
            return found;
        }

        /// <summary>A neighbor solicitation or advertisement (m is the whole ICMPv6 message, its
        /// checksum already verified); hopLimit must be 255 so it cannot come from off-link.</summary>
        internal void Input(Ip6Address src, Ip6Address dst, int hopLimit, ReadOnlySpan<byte> m, long now)
        {
            if (hopLimit != 255 || m.Length < 24 || m[1] != 0) return;
            Ip6Address target = Ip6Address.Read(m, 8);
            if (target.IsMulticast) return;
            ulong mac; bool bad;
            if (m[0] == TypeSolicit)
            {
                bool have = FindMacOption(m.Slice(24), OptSourceMac, out mac, out bad);
                if (bad) return;
                if (src.IsUnspecified && (have || !dst.Same(target.SolicitedNode))) return;
                if (!target.Same(_if.LinkLocal) || !_if.Up) return;
                if (src.IsUnspecified)
                {
                    // Someone's duplicate address detection: tell everybody the address is taken.
                    Send(TypeAdvert, 0x20, Ethernet.MulticastMac(Ip6Address.AllNodes), Ip6Address.AllNodes, target, OptTargetMac);
                    return;
                }
                if (have && (mac & 0x010000000000UL) == 0) Learn(src, mac, now, true);
                else if (!TryGet(src, out mac)) return;            // unicast NS without its address: we cannot answer yet
                Send(TypeAdvert, 0x60, mac, src, target, OptTargetMac);   // Solicited, Override
            }
            else if (m[0] == TypeAdvert)
            {
                bool solicited = (m[4] & 0x40) != 0;
                if (dst.IsMulticast && solicited) return;
                bool have = FindMacOption(m.Slice(24), OptTargetMac, out mac, out bad);
                if (bad || !have || (mac & 0x010000000000UL) != 0) return;
                Learn(target, mac, now, false);                       // only neighbors we asked about
            }
        }

    }
}
