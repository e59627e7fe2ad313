// Fragment reassembly for both IP versions (IPv4: RFC 791/815; IPv6: RFC 8200 4.5). A few
// slots, each with a buffer for one whole datagram allocated on first use and kept, a bitmap of
// the 8-byte blocks that have arrived, and a deadline. A datagram is identified by source,
// destination, identification and (IPv4) protocol. An incomplete datagram is dropped at its
// deadline (no ICMP time exceeded is sent) or when a newer one needs its slot (the oldest goes).
// The versions differ in their parameters only:
//   IPv4: 20-byte header room, 65515 payload bytes, 30 s, overlaps overwrite (the last wins);
//   IPv6: 40-byte header room, 65535 payload bytes, 60 s, an overlap discards the whole
//         datagram (RFC 5722) and an exact repeat is ignored.
using System;

namespace Kernel.Net
{
    internal sealed class Reassembly
    {
        internal const int Slots = 4;
        internal readonly int HeaderRoom, MaxPayload, TimeoutMs;
        private readonly bool _overlapDiscards;
        private readonly byte[][] _buf = new byte[Slots][];        // header room + payload
        private readonly byte[][] _map = new byte[Slots][];        // one bit per 8-byte block
        private readonly bool[] _used = new bool[Slots];
        private readonly Ip6Address[] _src = new Ip6Address[Slots], _dst = new Ip6Address[Slots];   // IPv4: v4-mapped
        private readonly uint[] _id = new uint[Slots];
        private readonly int[] _proto = new int[Slots], _total = new int[Slots], _tag = new int[Slots];
        private readonly long[] _expires = new long[Slots];
        private readonly bool[] _haveFirst = new bool[Slots];
        internal int Active;

        internal Reassembly(int headerRoom, int maxPayload, int timeoutMs, bool overlapDiscards)
        {
            HeaderRoom = headerRoom; MaxPayload = maxPayload; TimeoutMs = timeoutMs; _overlapDiscards = overlapDiscards;
        }

        internal static Ip6Address Mapped(uint a) => new Ip6Address(0, 0xFFFF00000000UL | a);

        /// <summary>One fragment: data at byte offset off of the datagram (more: not the last).
        /// The fragment at offset 0 also leaves header (at most the header room, copied to the
        /// front of the buffer) and tag (any value the caller wants back). Returns the slot of the
        /// datagram it completes (see <see cref="Buffer"/>, <see cref="Total"/>, <see cref="Tag"/>;
        /// then <see cref="Done"/>), or -1.</summary>
        internal int Input(NetInterface n, Ip6Address src, Ip6Address dst, uint id, int proto, int off, bool more,
                           ReadOnlySpan<byte> data, ReadOnlySpan<byte> header, int tag, long now)
        {
            int len = data.Length;
            if ((more && (len & 7) != 0) || len == 0 || off + len > MaxPayload) { n.RxDropped++; return -1; }
            int slot = -1, free = -1, oldest = -1;
            for (int i = 0; i < Slots; i++)
            {
                if (!_used[i]) { if (free < 0) free = i; continue; }
                if (_id[i] == id && _proto[i] == proto && _src[i].Same(src) && _dst[i].Same(dst)) { slot = i; break; }
                if (oldest < 0 || _expires[i] < _expires[oldest]) oldest = i;
            }
            if (slot < 0)
            {
                slot = free >= 0 ? free : oldest;
                if (_buf[slot] == null) { _buf[slot] = new byte[HeaderRoom + MaxPayload]; _map[slot] = new byte[(MaxPayload + 7) / 8 / 8 + 1]; }
                if (!_used[slot]) Active++;
                _used[slot] = true; _src[slot] = src; _dst[slot] = dst; _id[slot] = id; _proto[slot] = proto;
                _total[slot] = -1; _expires[slot] = now + TimeoutMs; _haveFirst[slot] = false;
                new Span<byte>(_map[slot]).Clear();
            }
            byte[] b = _buf[slot], map = _map[slot];
            if (!more)
            {
                int t = off + len;
                if (_total[slot] >= 0 && _total[slot] != t) { Drop(slot); n.RxDropped++; return -1; }
                _total[slot] = t;
            }
            if (_total[slot] >= 0 && off + len > _total[slot]) { Drop(slot); n.RxDropped++; return -1; }
            int first = off >> 3, last = (off + len + 7) >> 3;
            if (_overlapDiscards)
            {
                int seen = 0;
                for (int k = first; k < last; k++) if ((map[k >> 3] & (1 << (k & 7))) != 0) seen++;
                if (seen == last - first) return -1;                               // a repeat
                if (seen != 0) { Drop(slot); n.RxDropped++; return -1; }           // an overlap
            }
            for (int k = first; k < last; k++) map[k >> 3] |= (byte)(1 << (k & 7));
            data.CopyTo(new Span<byte>(b).Slice(HeaderRoom + off, len));
            if (off == 0)
            {
                _haveFirst[slot] = true; _tag[slot] = tag;
                int h = header.Length < HeaderRoom ? header.Length : HeaderRoom;
                header.Slice(0, h).CopyTo(new Span<byte>(b).Slice(0, h));
            }
            int total = _total[slot];
            if (total < 0 || !_haveFirst[slot]) return -1;
            int blocks = (total + 7) >> 3;
            for (int k = 0; k < blocks; k++) if ((map[k >> 3] & (1 << (k & 7))) == 0) return -1;
            return slot;
        }

        /// <summary>A completed datagram's buffer: the header room (the first fragment's header
        /// as far as it was given), then the payload.</summary>
        internal byte[] Buffer(int slot) => _buf[slot];
        internal int Total(int slot) => _total[slot];
        internal int Tag(int slot) => _tag[slot];

        /// <summary>The completed datagram was delivered: the slot is free again.</summary>
        internal void Done(int slot) => Drop(slot);

        private void Drop(int slot) { if (_used[slot]) { _used[slot] = false; Active--; } }

        internal void Poll(long now)
        {
            for (int i = 0; i < Slots; i++) if (_used[i] && _expires[i] <= now) Drop(i);
        }

        internal long NextDeadline
        {
            get
            {
                long d = long.MaxValue;
                for (int i = 0; i < Slots; i++) if (_used[i] && _expires[i] < d) d = _expires[i];
                return d;
            }
        }

        internal void Release()
        {
            for (int i = 0; i < Slots; i++) { NetMemory.Free(_buf[i]); NetMemory.Free(_map[i]); }
        }
    }
}
