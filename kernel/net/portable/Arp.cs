// ARP (RFC 826) for one Ethernet interface: a small cache with expiry, request retries, and a
// few frames parked while their next hop resolves.
using System;

namespace Kernel.Net
{
    internal sealed class ArpCache
    {
        internal const int Entries = 64, PendingSlots = 16, MaxRequests = 3;
        internal const int RetryMs = 1000, ReachableMs = 60000, FailedHoldMs = 3000;
        private const byte Free = 0, Incomplete = 1, Reachable = 2, Failed = 3;

        private readonly NetInterface _if;
        private readonly uint[] _ip = new uint[Entries];
        private readonly ulong[] _mac = new ulong[Entries];
        private readonly byte[] _state = new byte[Entries];
        private readonly long[] _expires = new long[Entries];   // Reachable/Failed: when it goes; Incomplete: next request
        private readonly int[] _requests = new int[Entries];

        private readonly byte[][] _pend = new byte[PendingSlots][];
        private readonly int[] _pendLen = new int[PendingSlots];
        private readonly uint[] _pendIp = new uint[PendingSlots];
        private readonly long[] _pendAge = new long[PendingSlots];
        private readonly byte[] _frame = new byte[42];

        internal ArpCache(NetInterface iface)
        {
            _if = iface;
            for (int i = 0; i < PendingSlots; i++) _pend[i] = new byte[iface.Mtu + Ethernet.HeaderLength];
        }

        internal void Release()
        {
            for (int i = 0; i < PendingSlots; i++) NetMemory.Free(_pend[i]);
            NetMemory.Free(_pend); NetMemory.Free(_ip); NetMemory.Free(_mac); NetMemory.Free(_state);
            NetMemory.Free(_expires); NetMemory.Free(_requests); NetMemory.Free(_pendLen); NetMemory.Free(_pendIp);
            NetMemory.Free(_pendAge); NetMemory.Free(_frame);
        }

        private int Find(uint ip)
        {
            for (int i = 0; i < Entries; i++) if (_state[i] != Free && _ip[i] == ip) return i;
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

        /// <summary>Known hardware address for ip (test/introspection helper).</summary>
        internal bool TryGet(uint ip, out ulong mac)
        {
            int i = Find(ip);
            if (i >= 0 && _state[i] == Reachable) { mac = _mac[i]; return true; }
            mac = 0; return false;
        }

        /// <summary>Fills mac and returns true when ip is resolved; otherwise starts (or continues)
        /// resolution and returns false.</summary>
        internal bool Lookup(uint ip, long now, out ulong mac)
        {
            int i = Find(ip);
            if (i >= 0 && _state[i] == Reachable) { mac = _mac[i]; return true; }
            mac = 0;
            if (i >= 0) return false;                    // Incomplete or Failed
            i = Allocate();
            _ip[i] = ip; _state[i] = Incomplete; _requests[i] = 1; _expires[i] = now + RetryMs;
            SendRequest(ip);
            return false;
        }

        /// <summary>Parks a frame (Ethernet header included; the destination MAC is filled in when the
        /// address resolves). Returns false when the entry has failed (host unreachable).</summary>
        internal bool Park(uint ip, ReadOnlySpan<byte> frame, long now)
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

        private void DropPending(uint ip)
        {
            for (int i = 0; i < PendingSlots; i++) if (_pendLen[i] != 0 && _pendIp[i] == ip) { _pendLen[i] = 0; _if.TxDropped++; }
        }

        private void Flush(uint ip, ulong mac)
        {
            for (int i = 0; i < PendingSlots; i++)
            {
                if (_pendLen[i] == 0 || _pendIp[i] != ip) continue;
                byte[] f = _pend[i];
                for (int k = 0; k < 6; k++) f[k] = (byte)(mac >> (40 - 8 * k));
                _if.Stack.TransmitFrame(_if, new ReadOnlySpan<byte>(f).Slice(0, _pendLen[i]));
                _pendLen[i] = 0;
            }
        }

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
            if (spa != 0 && spa != _if.Address)
            {
                int i = Find(spa);
                if (i < 0 && forUs) i = Allocate();
                if (i >= 0)
                {
                    _ip[i] = spa; _mac[i] = sha; _state[i] = Reachable; _expires[i] = now + ReachableMs;
                    Flush(spa, sha);
                }
            }
            if (op == 1 && forUs) SendArp(2, sha, sha, spa);
        }

        internal void Poll(long now)
        {
            for (int i = 0; i < Entries; i++)
            {
                byte s = _state[i];
                if (s == Free || _expires[i] > now) continue;
                if (s == Incomplete)
                {
                    if (_requests[i] >= MaxRequests)
                    {
                        DropPending(_ip[i]);
                        _state[i] = Failed; _expires[i] = now + FailedHoldMs;
                        _if.Stack.HostUnreachable(_ip[i]);
                    }
                    else { _requests[i]++; _expires[i] = now + RetryMs; SendRequest(_ip[i]); }
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
