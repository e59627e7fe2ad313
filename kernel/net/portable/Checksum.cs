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
    /// the loopback queue. Allocated once, never grown.</summary>
    internal sealed class ByteRing
    {
        internal byte[] Buf;
        internal int Head, Count;

        internal ByteRing(int capacity) { Buf = new byte[capacity]; }

        internal int Capacity => Buf.Length;
        internal int Free => Buf.Length - Count;

        /// <summary>Writes at logical offset (from Head) without changing Count.</summary>
        internal void CopyIn(int offset, ReadOnlySpan<byte> data)
        {
            int cap = Buf.Length, len = data.Length;
            if (len == 0) return;
            int pos = Head + offset; if (pos >= cap) pos -= cap;
            int first = cap - pos; if (first > len) first = len;
            Span<byte> b = Buf;
            data.Slice(0, first).CopyTo(b.Slice(pos, first));
            if (first < len) data.Slice(first).CopyTo(b.Slice(0, len - first));
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

        internal int Append(ReadOnlySpan<byte> data)
        {
            int n = data.Length; if (n > Free) n = Free;
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
