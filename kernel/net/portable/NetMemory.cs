// Memory and randomness hooks for the network stack. Portable: compiled into the kernel and into
// the host library (xunit tests). Only what the kernel's System module provides: no collections,
// exceptions or string formatting. Errors are negative errno values (Kernel.Errno).
using System;
using System.Runtime.CompilerServices;

namespace Kernel.Net
{
    /// <summary>
    /// <see cref="FreeObject"/> is optional: when set (kernel: its explicit free) the stack frees
    /// objects it no longer references (closed sockets, their buffers). On the host it stays null
    /// and the GC collects them. <see cref="Random"/> is optional too: a source of 64 random bits
    /// (initial sequence numbers, ephemeral ports, DHCP transaction ids); without it the stack
    /// uses a xorshift generator seeded from the clock. <see cref="TryAllocBytes"/> lets growable
    /// buffers fail instead of ending the kernel when its heap is exhausted.
    /// </summary>
    public static unsafe class NetMemory
    {
        public static delegate*<object, void> FreeObject;
        public static delegate*<ulong> Random;
        /// <summary>Optional: a zeroed byte array, or null when memory is exhausted (kernel: instead of a panic).</summary>
        public static delegate*<int, byte[]> TryAllocBytes;
        /// <summary>Optional: a zeroed array of the same type as the given one with this many
        /// elements, or null when memory is exhausted (the socket tables and the TCP timer heap grow
        /// through it).</summary>
        public static delegate*<object, int, object> TryAllocArrayLike;

        private static ulong s_state;

        internal static void Free(object o)
        {
            if (o != null && FreeObject != null) FreeObject(o);
        }

        /// <summary>A zeroed byte array for a buffer that can do without (null: memory is short).</summary>
        internal static byte[] AllocBytes(int length) => TryAllocBytes != null ? TryAllocBytes(length) : new byte[length];

        /// <summary>A bigger bucket array for a socket table (null: memory is short).</summary>
        internal static NetSocket[] AllocArrayLike(NetSocket[] like, int length) =>
            TryAllocArrayLike != null ? Unsafe.As<NetSocket[]>(TryAllocArrayLike(like, length)) : new NetSocket[length];

        /// <summary>A bigger array for the TCP timer heap (null: memory is short).</summary>
        internal static TcpSocket[] AllocArrayLike(TcpSocket[] like, int length) =>
            TryAllocArrayLike != null ? Unsafe.As<TcpSocket[]>(TryAllocArrayLike(like, length)) : new TcpSocket[length];

        internal static ulong NextRandom(long nowMs)
        {
            if (Random != null) return Random();
            if (s_state == 0) s_state = 0x9E3779B97F4A7C15UL ^ (ulong)nowMs;
            ulong x = s_state;
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            s_state = x;
            return x * 0x2545F4914F6CDD1DUL;
        }
    }
}
