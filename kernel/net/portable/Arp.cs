// ARP (RFC 826) for one Ethernet interface: requests, answers and announcements; the cache,
// retries and parked frames are NeighborTable's (IPv4 addresses as v4-mapped keys).
using System;

namespace Kernel.Net
{
    internal sealed class ArpCache : NeighborTable
    {
        internal const int Entries = 64, PendingSlots = 16, ReachableMs = 60000;
        private readonly byte[] _frame = new byte[42];

        internal ArpCache(NetInterface iface) : base(iface, Entries, PendingSlots, ReachableMs) { }

        internal override void Release() { base.Release(); NetMemory.Free(_frame); }

        private static Ip6Address Key(uint ip) => new Ip6Address(0, 0xFFFF00000000UL | ip);

        /// <summary>Known hardware address for ip (test/introspection helper).</summary>
        internal bool TryGet(uint ip, out ulong mac) => TryGet(Key(ip), out mac);

        /// <summary>Fills mac and returns true when ip is resolved; otherwise starts (or continues)
        /// resolution and returns false.</summary>
        internal bool Lookup(uint ip, long now, out ulong mac) => Lookup(Key(ip), now, out mac);

        /// <summary>Parks a frame until ip resolves; false when resolution has failed.</summary>
        internal bool Park(uint ip, ReadOnlySpan<byte> frame, long now) => Park(Key(ip), frame, now);

        protected override void Solicit(Ip6Address ip) => SendRequest((uint)ip.Lo);

        protected override void Unreachable(Ip6Address ip) => _if.Stack.HostUnreachable((uint)ip.Lo);

        private void SendRequest(uint ip) => SendArp(1, Ethernet.BroadcastMac, 0, ip);

        /// <summary>
        /// A gratuitous ARP announcement of the interface's address (RFC 5227 2.3: a request whose
        /// sender and target are both our address): neighbours that were already asking for it
        /// (a host sending to a guest that was still booting) learn it now instead of at their next
        /// retry, a second later.
        /// </summary>
        internal void Announce()
        {
            if (_if.Address != 0) SendArp(1, Ethernet.BroadcastMac, 0, _if.Address);
        }

        private void SendArp(int op, ulong dstMac, ulong targetMac, uint targetIp)
        {
            byte[] f = _frame;
            Ethernet.WriteHeader(f, dstMac, _if.Device.Mac, Ethernet.TypeArp);
            Be.W16(f, 14, 1); Be.W16(f, 16, Ethernet.TypeIpv4); f[18] = 6; f[19] = 4; Be.W16(f, 20, op);
            for (int k = 0; k < 6; k++) f[22 + k] = _if.Device.Mac[k];
            Be.W32(f, 28, _if.Address);
            for (int k = 0; k < 6; k++) f[32 + k] = (byte)(targetMac >> (40 - 8 * k));
            Be.W32(f, 38, targetIp);
            _if.Stack.TransmitFrame(_if, f);
        }

        /// <summary>An ARP packet (after the Ethernet header).</summary>
        internal void Input(ReadOnlySpan<byte> p, long now)
        {
            if (p.Length < 28) return;
            if (Be.U16(p, 0) != 1 || Be.U16(p, 2) != Ethernet.TypeIpv4 || p[4] != 6 || p[5] != 4) return;
            int op = Be.U16(p, 6);
            if (op != 1 && op != 2) return;
            ulong sha = Ethernet.MacAt(p, 8);
            uint spa = Be.U32(p, 14), tpa = Be.U32(p, 24);
            if ((sha & 0x010000000000UL) != 0) return;              // multicast/broadcast sender: bogus
            bool forUs = _if.Address != 0 && tpa == _if.Address;
            if (spa != 0 && spa != _if.Address) Learn(Key(spa), sha, now, forUs);
            if (op == 1 && forUs) SendArp(2, sha, sha, spa);
        }

    }
}
