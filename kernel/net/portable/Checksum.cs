// Big-endian field access and the Internet checksum (RFC 1071).
using System;

namespace Kernel.Net
{
    /// <summary>Network byte order reads and writes.</summary>
    public static class Be
    {
        public static ushort U16(ReadOnlySpan<byte> b, int o) => (ushort)((b[o] << 8) | b[o + 1]);
        public static uint U32(ReadOnlySpan<byte> b, int o) =>
            ((uint)b[o] << 24) | ((uint)b[o + 1] << 16) | ((uint)b[o + 2] << 8) | b[o + 3];
        public static ushort U16(Span<byte> b, int o) => (ushort)((b[o] << 8) | b[o + 1]);
        public static uint U32(Span<byte> b, int o) =>
            ((uint)b[o] << 24) | ((uint)b[o + 1] << 16) | ((uint)b[o + 2] << 8) | b[o + 3];
        public static void W16(Span<byte> b, int o, int v) { b[o] = (byte)(v >> 8); b[o + 1] = (byte)v; }
        public static void W32(Span<byte> b, int o, uint v)
        {
            b[o] = (byte)(v >> 24); b[o + 1] = (byte)(v >> 16); b[o + 2] = (byte)(v >> 8); b[o + 3] = (byte)v;
        }
        public static ushort U16(byte[] b, int o) => (ushort)((b[o] << 8) | b[o + 1]);
        public static uint U32(byte[] b, int o) =>
            ((uint)b[o] << 24) | ((uint)b[o + 1] << 16) | ((uint)b[o + 2] << 8) | b[o + 3];
        public static void W16(byte[] b, int o, int v) { b[o] = (byte)(v >> 8); b[o + 1] = (byte)v; }
        public static void W32(byte[] b, int o, uint v)
        {
            b[o] = (byte)(v >> 24); b[o + 1] = (byte)(v >> 16); b[o + 2] = (byte)(v >> 8); b[o + 3] = (byte)v;
        }
    }

    /// <summary>One's complement sums. Accumulate with <see cref="Add"/> (every chunk but the last
    /// must have an even length), then <see cref="Finish"/> gives the value to store.</summary>
    public static unsafe class Checksum
    {
        public static ulong Add(ulong sum, ReadOnlySpan<byte> data)
        {
            int n = data.Length;
            if (n == 0) return sum;
            fixed (byte* p0 = data)
            {
                byte* p = p0;
                while (n >= 8)
                {
                    sum += ((uint)p[0] << 8 | p[1]) + ((uint)p[2] << 8 | p[3]) + ((uint)p[4] << 8 | p[5]) + ((uint)p[6] << 8 | p[7]);
                    p += 8; n -= 8;
                }
                while (n >= 2) { sum += (uint)p[0] << 8 | p[1]; p += 2; n -= 2; }
                if (n == 1) sum += (uint)p[0] << 8;
            }
            return sum;
        }

        public static ushort Fold(ulong sum)
        {
            while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
            return (ushort)sum;
        }

        /// <summary>The checksum field value: complement of the folded sum.</summary>
        public static ushort Finish(ulong sum) => (ushort)~Fold(sum);

        public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(0, data));

        /// <summary>IPv4 pseudo header for TCP/UDP.</summary>
        public static ulong Pseudo(uint src, uint dst, int proto, int length) =>
            (ulong)(src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF) + (uint)proto + (uint)length;

        /// <summary>IPv6 pseudo header (RFC 8200 8.1) for TCP, UDP and ICMPv6.</summary>
        public static ulong Pseudo6(Ip6Address src, Ip6Address dst, int proto, int length) =>
            Words(src.Hi) + Words(src.Lo) + Words(dst.Hi) + Words(dst.Lo) + (uint)proto + (uint)length;

        private static ulong Words(ulong v) => (v >> 48) + ((v >> 32) & 0xFFFF) + ((v >> 16) & 0xFFFF) + (v & 0xFFFF);
    }

    /// <summary>A byte ring with random access relative to the read position: the TCP send and
    /// receive buffers (the receive ring also holds out-of-order data past Count), UDP queues,
    /// the loopback queue.</summary>
    internal sealed class ByteRing
    {
        // Storage grows on demand, doubling up to the capacity: a socket costs memory for what it
        // holds, not for what it may hold (nginx's keep-alive connections carry a few hundred bytes
        // each way, against 128 KiB limits). Sizes keep a heap block a power of two with the array
        // header; a growth that finds the heap exhausted fails and the caller drops or refuses.
        private const int ArrayHeader = 24, FirstBlock = 2048;
        internal byte[] Buf;
        internal int Head, Count;
        private readonly int _capacity;

        internal ByteRing(int capacity)
        {
            _capacity = capacity;
            int first = FirstBlock - ArrayHeader;
            Buf = NetMemory.AllocBytes(capacity < first ? capacity : first) ?? new byte[0];
        }

        /// <summary>The most the ring may hold (what windows and poll see); storage may be smaller.</summary>
        internal int Capacity => _capacity;
        internal int Free => _capacity - Count;

        /// <summary>Makes logical offsets [0, end) from Head writable, growing the storage; false if end exceeds the capacity or memory is short.</summary>
        internal bool Reserve(int end)
        {
            int cap = Buf.Length;
            if (end <= cap) return true;
            if (end > _capacity) return false;
            long size = FirstBlock;
            while (size - ArrayHeader < end) size <<= 1;
            int len = size - ArrayHeader > _capacity ? _capacity : (int)(size - ArrayHeader);
            byte[] grown = NetMemory.AllocBytes(len);
            if (grown == null) return false;
            // The whole old storage, unwrapped: bytes past Count may be out-of-order data.
            int first = cap - Head;
            if (cap > 0)
            {
                ReadOnlySpan<byte> old = Buf;
                Span<byte> to = grown;
                old.Slice(Head, first).CopyTo(to);
                old.Slice(0, Head).CopyTo(to.Slice(first, Head));
            }
            NetMemory.Free(Buf);
            Buf = grown;
            Head = 0;
            return true;
        }

        /// <summary>Writes at logical offset (from Head) without changing Count; false (nothing written) if there is no room.</summary>
        internal bool CopyIn(int offset, ReadOnlySpan<byte> data)
        {
            int len = data.Length;
            if (len == 0) return true;
            if (!Reserve(offset + len)) return false;
            int cap = Buf.Length;
            int pos = Head + offset; if (pos >= cap) pos -= cap;
            int first = cap - pos; if (first > len) first = len;
            Span<byte> b = Buf;
            data.Slice(0, first).CopyTo(b.Slice(pos, first));
            if (first < len) data.Slice(first).CopyTo(b.Slice(0, len - first));
            return true;
        }

        internal void CopyOut(int offset, Span<byte> into)
        {
            int cap = Buf.Length, len = into.Length;
            if (len == 0) return;
            int pos = Head + offset; if (pos >= cap) pos -= cap;
            int first = cap - pos; if (first > len) first = len;
            ReadOnlySpan<byte> b = Buf;
            b.Slice(pos, first).CopyTo(into);
            if (first < len) b.Slice(0, len - first).CopyTo(into.Slice(first));
        }

        internal byte At(int offset)
        {
            int pos = Head + offset; if (pos >= Buf.Length) pos -= Buf.Length;
            return Buf[pos];
        }

        /// <summary>Appends what fits (the capacity, or the storage when memory is short); returns the bytes taken.</summary>
        internal int Append(ReadOnlySpan<byte> data)
        {
            int n = data.Length; if (n > Free) n = Free;
            if (!Reserve(Count + n))
            {
                n = Buf.Length - Count;
                if (n <= 0) return 0;
            }
            CopyIn(Count, data.Slice(0, n));
            Count += n;
            return n;
        }

        internal void Consume(int n)
        {
            if (n > Count) n = Count;
            Head += n; if (Head >= Buf.Length) Head -= Buf.Length;
            Count -= n;
        }

        internal void Reset() { Head = 0; Count = 0; }
    }
}
