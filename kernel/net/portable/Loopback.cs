// The loopback queue: IP packets (either version) sent to 127.0.0.0/8, ::1 or one of our own
// addresses wait here and are delivered by NetStack after the current call (or by Poll), never
// recursively.
using System;

namespace Kernel.Net
{
    internal sealed class LoopbackQueue
    {
        internal const int Capacity = 1 << 20;   // bytes of queued packets (each with a 4-byte length)
        private readonly ByteRing _ring;
        internal int Packets;

        internal LoopbackQueue() { _ring = new ByteRing(Capacity); }

        internal bool Enqueue(ReadOnlySpan<byte> packet)
        {
            if (!_ring.Reserve(_ring.Count + packet.Length + 4)) return false;
            int n = packet.Length;
            byte b0 = (byte)n, b1 = (byte)(n >> 8), b2 = (byte)(n >> 16), b3 = 0;
            WriteByte(0, b0); WriteByte(1, b1); WriteByte(2, b2); WriteByte(3, b3);
            _ring.CopyIn(_ring.Count + 4, packet);
            _ring.Count += n + 4;
            Packets++;
            return true;
        }

        private void WriteByte(int rel, byte v)
        {
            int pos = _ring.Head + _ring.Count + rel;
            if (pos >= _ring.Buf.Length) pos -= _ring.Buf.Length;
            _ring.Buf[pos] = v;
        }

        /// <summary>Copies the oldest packet into into and removes it; returns its length or -1.</summary>
        internal int Dequeue(byte[] into)
        {
            if (Packets == 0) return -1;
            int n = _ring.At(0) | (_ring.At(1) << 8) | (_ring.At(2) << 16);
            _ring.CopyOut(4, new Span<byte>(into).Slice(0, n));
            _ring.Consume(n + 4);
            Packets--;
            return n;
        }

        internal void Release() { NetMemory.Free(_ring.Buf); NetMemory.Free(_ring); }
    }
}
