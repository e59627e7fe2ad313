// IPv6 fragments (RFC 8200 4.5): reassembly of what arrives, in a few slots like IPv4's, and
// the datagrams we send that exceed the route's MTU cut into fragments. Overlapping fragments
// discard the whole datagram (RFC 5722); exact repeats are ignored. An incomplete datagram is
// dropped after 60 s (no ICMPv6 time exceeded is sent) or when a newer one needs its slot.
using System;

namespace Kernel.Net
{
    internal sealed class Reassembly6
    {
        internal const int Slots = 4, TimeoutMs = 60000, MaxPayload = 65535;
        private readonly byte[][] _buf = new byte[Slots][];        // a rebuilt 40-byte header + payload
        private readonly byte[][] _map = new byte[Slots][];        // one bit per 8-byte block
        private readonly bool[] _used = new bool[Slots];
        private readonly Ip6Address[] _src = new Ip6Address[Slots], _dst = new Ip6Address[Slots];
        private readonly uint[] _id = new uint[Slots];
        private readonly int[] _total = new int[Slots], _next = new int[Slots], _hop = new int[Slots];
        private readonly long[] _expires = new long[Slots];
        private readonly bool[] _haveFirst = new bool[Slots];
        internal int Active;

        /// <summary>One fragment (data: what follows its fragment header). Returns the slot of the
        /// datagram it completes (read it with <see cref="Packet"/>, then call <see cref="Done"/>),
        /// or -1.</summary>
        internal int Input(NetInterface n, Ip6Address src, Ip6Address dst, int hopLimit, uint id, int off, bool more, int next,
                           ReadOnlySpan<byte> data, long now)
        {
            int len = data.Length;
            if ((more && (len & 7) != 0) || len == 0 || off + len > MaxPayload) { n.RxDropped++; return -1; }
            int slot = -1, free = -1, oldest = -1;
            for (int i = 0; i < Slots; i++)
            {
                if (!_used[i]) { if (free < 0) free = i; continue; }
                if (_id[i] == id && _src[i].Same(src) && _dst[i].Same(dst)) { slot = i; break; }
                if (oldest < 0 || _expires[i] < _expires[oldest]) oldest = i;
            }
            if (slot < 0)
            {
                slot = free >= 0 ? free : oldest;
                if (_buf[slot] == null) { _buf[slot] = new byte[40 + MaxPayload]; _map[slot] = new byte[(MaxPayload + 7) / 8 / 8 + 1]; }
                if (!_used[slot]) Active++;
                _used[slot] = true; _src[slot] = src; _dst[slot] = dst; _id[slot] = id;
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
            int first = off >> 3, last = (off + len + 7) >> 3, seen = 0;
            for (int k = first; k < last; k++) if ((map[k >> 3] & (1 << (k & 7))) != 0) seen++;
            if (seen == last - first) return -1;                                   // a repeat
            if (seen != 0) { Drop(slot); n.RxDropped++; return -1; }               // an overlap
            for (int k = first; k < last; k++) map[k >> 3] |= (byte)(1 << (k & 7));
            data.CopyTo(new Span<byte>(b).Slice(40 + off, len));
            if (off == 0) { _haveFirst[slot] = true; _next[slot] = next; _hop[slot] = hopLimit; }
            int total = _total[slot];
            if (total < 0 || !_haveFirst[slot]) return -1;
            int blocks = (total + 7) >> 3;
            for (int k = 0; k < blocks; k++) if ((map[k >> 3] & (1 << (k & 7))) == 0) return -1;
            Be.W32(b, 0, 0x60000000); Be.W16(b, 4, total); b[6] = (byte)_next[slot]; b[7] = (byte)_hop[slot];
            src.Write(b, 8); dst.Write(b, 24);
            return slot;
        }

        internal ReadOnlySpan<byte> Packet(int slot) => new ReadOnlySpan<byte>(_buf[slot]).Slice(0, 40 + _total[slot]);

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

    public sealed partial class NetStack
    {
        private uint _ip6FragmentId;
        public long Ip6FragmentsOut, Ip6Reassembled;

        /// <summary>Sends TxBuf[L4Off..+payloadLen) as fragments of at most the route's MTU. Each
        /// fragment's headers are written in place right before its piece of the payload, over
        /// the end of the previous piece, which is already on its way (every output path copies).</summary>
        private int Ip6Fragment(ref Route r, Ip6Address src, Ip6Address dst, int proto, int payloadLen, int hopLimit)
        {
            int chunk = (r.Mtu - 48) & ~7;
            if (chunk < L4Off) return -Errno.EMSGSIZE;                 // the headers must fit in a piece
            uint id = ++_ip6FragmentId;
            if (id == 1) id = _ip6FragmentId = (uint)Secret | 1;     // start somewhere unpredictable
            byte[] b = TxBuf;
            int result = 0;
            for (int off = 0; off < payloadLen; off += chunk)
            {
                int len = payloadLen - off; if (len > chunk) len = chunk;
                bool more = off + len < payloadLen;
                int at = L4Off + off;
                b[at - 8] = (byte)proto; b[at - 7] = 0; Be.W16(b, at - 6, off | (more ? 1 : 0)); Be.W32(b, at - 4, id);
                Ip6FragmentsOut++;
                int e = Ip6Emit(ref r, src, dst, Ext6Fragment, hopLimit, at - 8, len + 8);
                if (e < 0) result = e;
            }
            return result;
        }
    }
}
