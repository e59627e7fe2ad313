// IPv6 Neighbor Discovery (RFC 4861) for one Ethernet interface: the link-layer half only.
// Solicitations for our link-local address are answered; neighbors are solicited (to their
// solicited-node group, 3 times 1 s apart), cached for 30 s and a few frames wait while they
// resolve, as Arp.cs does for IPv4. Not done: router discovery, redirects, duplicate address
// detection, the STALE/DELAY/PROBE states (an entry simply expires and is solicited again).
using System;

namespace Kernel.Net
{
    internal sealed class NeighborCache
    {
        internal const int Entries = 32, PendingSlots = 8, MaxSolicits = 3;
        internal const int RetryMs = 1000, ReachableMs = 30000, FailedHoldMs = 3000;
        internal const int TypeSolicit = 135, TypeAdvert = 136;
        private const byte Free = 0, Incomplete = 1, Reachable = 2, Failed = 3;
        private const int OptSourceMac = 1, OptTargetMac = 2;

        private readonly NetInterface _if;
        private readonly Ip6Address[] _ip = new Ip6Address[Entries];
        private readonly ulong[] _mac = new ulong[Entries];
        private readonly byte[] _state = new byte[Entries];
        private readonly long[] _expires = new long[Entries];   // Reachable/Failed: when it goes; Incomplete: next solicitation
        private readonly int[] _solicits = new int[Entries];

        private readonly byte[][] _pend = new byte[PendingSlots][];
        private readonly int[] _pendLen = new int[PendingSlots];
        private readonly Ip6Address[] _pendIp = new Ip6Address[PendingSlots];
        private readonly long[] _pendAge = new long[PendingSlots];
        private readonly byte[] _frame = new byte[Ethernet.HeaderLength + 40 + 32];   // one NS or NA

        internal NeighborCache(NetInterface iface)
        {
            _if = iface;
            for (int i = 0; i < PendingSlots; i++) _pend[i] = new byte[iface.Mtu + Ethernet.HeaderLength];
        }

        internal void Release()
        {
            for (int i = 0; i < PendingSlots; i++) NetMemory.Free(_pend[i]);
            NetMemory.Free(_pend); NetMemory.Free(_ip); NetMemory.Free(_mac); NetMemory.Free(_state);
            NetMemory.Free(_expires); NetMemory.Free(_solicits); NetMemory.Free(_pendLen); NetMemory.Free(_pendIp);
            NetMemory.Free(_pendAge); NetMemory.Free(_frame);
        }

        private int Find(Ip6Address ip)
        {
            for (int i = 0; i < Entries; i++) if (_state[i] != Free && _ip[i].Same(ip)) return i;
            return -1;
        }

        private int Allocate()
        {
            int victim = 0; long oldest = long.MaxValue;
            for (int i = 0; i < Entries; i++)
            {
                if (_state[i] == Free) return i;
                long age = _state[i] == Incomplete ? long.MaxValue - 1 : _expires[i];
                if (age < oldest) { oldest = age; victim = i; }
            }
            if (_state[victim] == Incomplete) DropPending(_ip[victim]);
            _state[victim] = Free;
            return victim;
        }

        /// <summary>Known hardware address for ip (tests, introspection).</summary>
        internal bool TryGet(Ip6Address ip, out ulong mac)
        {
            int i = Find(ip);
            if (i >= 0 && _state[i] == Reachable) { mac = _mac[i]; return true; }
            mac = 0; return false;
        }

        /// <summary>True with mac when ip is resolved; otherwise starts (or continues) resolution.</summary>
        internal bool Lookup(Ip6Address ip, long now, out ulong mac)
        {
            int i = Find(ip);
            if (i >= 0 && _state[i] == Reachable) { mac = _mac[i]; return true; }
            mac = 0;
            if (i >= 0) return false;
            i = Allocate();
            _ip[i] = ip; _state[i] = Incomplete; _solicits[i] = 1; _expires[i] = now + RetryMs;
            SendSolicit(ip);
            return false;
        }

        /// <summary>Parks a frame until ip resolves; false when resolution has failed.</summary>
        internal bool Park(Ip6Address ip, ReadOnlySpan<byte> frame, long now)
        {
            int e = Find(ip);
            if (e >= 0 && _state[e] == Failed) return false;
            if (frame.Length > _pend[0].Length) return true;   // too big to park: dropped
            int slot = -1; long oldest = long.MaxValue;
            for (int i = 0; i < PendingSlots; i++)
            {
                if (_pendLen[i] == 0) { slot = i; break; }
                if (_pendAge[i] < oldest) { oldest = _pendAge[i]; slot = i; }
            }
            frame.CopyTo(new Span<byte>(_pend[slot]));
            _pendLen[slot] = frame.Length; _pendIp[slot] = ip; _pendAge[slot] = now;
            return true;
        }

        private void DropPending(Ip6Address ip)
        {
            for (int i = 0; i < PendingSlots; i++) if (_pendLen[i] != 0 && _pendIp[i].Same(ip)) { _pendLen[i] = 0; _if.TxDropped++; }
        }

        private void Flush(Ip6Address ip, ulong mac)
        {
            for (int i = 0; i < PendingSlots; i++)
            {
                if (_pendLen[i] == 0 || !_pendIp[i].Same(ip)) continue;
                byte[] f = _pend[i];
                for (int k = 0; k < 6; k++) f[k] = (byte)(mac >> (40 - 8 * k));
                _if.Stack.TransmitFrame(_if, new ReadOnlySpan<byte>(f).Slice(0, _pendLen[i]));
                _pendLen[i] = 0;
            }
        }

        private void Learn(Ip6Address ip, ulong mac, long now, bool create)
        {
            int i = Find(ip);
            if (i < 0 && !create) return;
            if (i < 0) i = Allocate();
            _ip[i] = ip; _mac[i] = mac; _state[i] = Reachable; _expires[i] = now + ReachableMs;
            Flush(ip, mac);
        }

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

        internal void Poll(long now)
        {
            for (int i = 0; i < Entries; i++)
            {
                byte s = _state[i];
                if (s == Free || _expires[i] > now) continue;
                if (s == Incomplete)
                {
                    if (_solicits[i] >= MaxSolicits)
                    {
                        DropPending(_ip[i]);
                        _state[i] = Failed; _expires[i] = now + FailedHoldMs;
                        _if.Stack.HostUnreachable(new IpEndpoint(_ip[i], 0, _if.IfIndex));
                    }
                    else { _solicits[i]++; _expires[i] = now + RetryMs; SendSolicit(_ip[i]); }
                }
                else _state[i] = Free;
            }
        }

        internal long NextDeadline
        {
            get
            {
                long d = long.MaxValue;
                for (int i = 0; i < Entries; i++) if (_state[i] != Free && _expires[i] < d) d = _expires[i];
                return d;
            }
        }
    }
}
