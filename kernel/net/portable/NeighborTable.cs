// The part ARP (Arp.cs) and IPv6 neighbor discovery (Ndp.cs) share: a small cache of next hops
// and their hardware addresses with expiry, 3 solicitations 1 s apart, and a few frames parked
// while their next hop resolves. Keys are IPv6 addresses (IPv4 ones v4-mapped); the protocols
// say how to solicit and who to tell when a neighbor does not answer.
using System;

namespace Kernel.Net
{
    internal abstract class NeighborTable
    {
        internal const int MaxRequests = 3, RetryMs = 1000, FailedHoldMs = 3000;
        private const byte Free = 0, Incomplete = 1, Reachable = 2, Failed = 3;

        protected readonly NetInterface _if;
        private readonly int _entries, _pendingSlots, _reachableMs;
        private readonly Ip6Address[] _ip;
        private readonly ulong[] _mac;
        private readonly byte[] _state;
        private readonly long[] _expires;            // Reachable/Failed: when it goes; Incomplete: next solicitation
        private readonly int[] _requests;
        private readonly byte[][] _pend;
        private readonly int[] _pendLen;
        private readonly Ip6Address[] _pendIp;
        private readonly long[] _pendAge;

        protected NeighborTable(NetInterface iface, int entries, int pendingSlots, int reachableMs)
        {
            _if = iface;
            _entries = entries; _pendingSlots = pendingSlots; _reachableMs = reachableMs;
            _ip = new Ip6Address[entries]; _mac = new ulong[entries]; _state = new byte[entries];
            _expires = new long[entries]; _requests = new int[entries];
            _pend = new byte[pendingSlots][]; _pendLen = new int[pendingSlots];
            _pendIp = new Ip6Address[pendingSlots]; _pendAge = new long[pendingSlots];
            for (int i = 0; i < pendingSlots; i++) _pend[i] = new byte[iface.Mtu + Ethernet.HeaderLength];
        }

        /// <summary>Sends one request for ip's hardware address (ARP request, neighbor solicitation).</summary>
        protected abstract void Solicit(Ip6Address ip);

        /// <summary>Nobody answered for ip: the stack fails what waits on it.</summary>
        protected abstract void Unreachable(Ip6Address ip);

        internal virtual void Release()
        {
            for (int i = 0; i < _pendingSlots; i++) NetMemory.Free(_pend[i]);
            NetMemory.Free(_pend); NetMemory.Free(_ip); NetMemory.Free(_mac); NetMemory.Free(_state);
            NetMemory.Free(_expires); NetMemory.Free(_requests); NetMemory.Free(_pendLen); NetMemory.Free(_pendIp);
            NetMemory.Free(_pendAge);
        }

        private int Find(Ip6Address ip)
        {
            for (int i = 0; i < _entries; i++) if (_state[i] != Free && _ip[i].Same(ip)) return i;
            return -1;
        }

        private int Allocate()
        {
            int victim = 0; long oldest = long.MaxValue;
            for (int i = 0; i < _entries; i++)
            {
                if (_state[i] == Free) return i;
                long age = _state[i] == Incomplete ? long.MaxValue - 1 : _expires[i];
                if (age < oldest) { oldest = age; victim = i; }
            }
            if (_state[victim] == Incomplete) DropPending(_ip[victim]);
            _state[victim] = Free;
            return victim;
        }

        /// <summary>Known hardware address for ip (no resolution started).</summary>
        protected bool TryGet(Ip6Address ip, out ulong mac)
        {
            int i = Find(ip);
            if (i >= 0 && _state[i] == Reachable) { mac = _mac[i]; return true; }
            mac = 0; return false;
        }

        /// <summary>True with mac when ip is resolved; otherwise starts (or continues) resolution.</summary>
        protected bool Lookup(Ip6Address ip, long now, out ulong mac)
        {
            int i = Find(ip);
            if (i >= 0 && _state[i] == Reachable) { mac = _mac[i]; return true; }
            mac = 0;
            if (i >= 0) return false;                    // Incomplete or Failed
            i = Allocate();
            _ip[i] = ip; _state[i] = Incomplete; _requests[i] = 1; _expires[i] = now + RetryMs;
            Solicit(ip);
            return false;
        }

        /// <summary>Parks a frame (Ethernet header included; the destination MAC is filled in when the
        /// address resolves). False when the entry has failed (host unreachable).</summary>
        protected bool Park(Ip6Address ip, ReadOnlySpan<byte> frame, long now)
        {
            int e = Find(ip);
            if (e >= 0 && _state[e] == Failed) return false;
            if (frame.Length > _pend[0].Length) return true;   // too big to park: dropped
            int slot = -1; long oldest = long.MaxValue;
            for (int i = 0; i < _pendingSlots; i++)
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
            for (int i = 0; i < _pendingSlots; i++) if (_pendLen[i] != 0 && _pendIp[i].Same(ip)) { _pendLen[i] = 0; _if.TxDropped++; }
        }

        private void Flush(Ip6Address ip, ulong mac)
        {
            for (int i = 0; i < _pendingSlots; i++)
            {
                if (_pendLen[i] == 0 || !_pendIp[i].Same(ip)) continue;
                byte[] f = _pend[i];
                for (int k = 0; k < 6; k++) f[k] = (byte)(mac >> (40 - 8 * k));
                _if.Stack.TransmitFrame(_if, new ReadOnlySpan<byte>(f).Slice(0, _pendLen[i]));
                _pendLen[i] = 0;
            }
        }

        /// <summary>ip is at mac (an answer, or a request from it): cached, parked frames go. A
        /// neighbor not in the cache is added only when <paramref name="create"/>.</summary>
        protected void Learn(Ip6Address ip, ulong mac, long now, bool create)
        {
            int i = Find(ip);
            if (i < 0 && !create) return;
            if (i < 0) i = Allocate();
            _ip[i] = ip; _mac[i] = mac; _state[i] = Reachable; _expires[i] = now + _reachableMs;
            Flush(ip, mac);
        }

        internal void Poll(long now)
        {
            for (int i = 0; i < _entries; i++)
            {
                byte s = _state[i];
                if (s == Free || _expires[i] > now) continue;
                if (s == Incomplete)
                {
                    if (_requests[i] >= MaxRequests)
                    {
                        DropPending(_ip[i]);
                        _state[i] = Failed; _expires[i] = now + FailedHoldMs;
                        Unreachable(_ip[i]);
                    }
                    else { _requests[i]++; _expires[i] = now + RetryMs; Solicit(_ip[i]); }
                }
                else _state[i] = Free;
            }
        }

        internal long NextDeadline
        {
            get
            {
                long d = long.MaxValue;
                for (int i = 0; i < _entries; i++) if (_state[i] != Free && _expires[i] < d) d = _expires[i];
                return d;
            }
        }
    }
}
