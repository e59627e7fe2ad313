// Kernel randomness: a ChaCha20 keystream generator (RFC 8439 block function) keyed from the
// host's entropy (ops passes entropy=<hex> on the command line) mixed with TSC jitter.
// Serves getrandom and AT_RANDOM.
using Kernel.Arch;

namespace Kernel
{
    internal static unsafe class Random
    {
        private struct State { public fixed uint Words[16]; public fixed byte Block[64]; }
        private static State s_state;
        private static int s_used = 64;
        public static bool HostSeeded;

        private static uint Rotl(uint v, int c) => (v << c) | (v >> (32 - c));

        private static void Quarter(uint* x, int a, int b, int c, int d)
        {
            x[a] += x[b]; x[d] = Rotl(x[d] ^ x[a], 16);
            x[c] += x[d]; x[b] = Rotl(x[b] ^ x[c], 12);
            x[a] += x[b]; x[d] = Rotl(x[d] ^ x[a], 8);
            x[c] += x[d]; x[b] = Rotl(x[b] ^ x[c], 7);
        }

        /// <summary>The ChaCha20 block function: 20 rounds over the state, added to the input.</summary>
        public static void Block(uint* input, uint* output)
        {
            for (int i = 0; i < 16; i++) output[i] = input[i];
            for (int round = 0; round < 10; round++)
            {
                Quarter(output, 0, 4, 8, 12); Quarter(output, 1, 5, 9, 13);
                Quarter(output, 2, 6, 10, 14); Quarter(output, 3, 7, 11, 15);
                Quarter(output, 0, 5, 10, 15); Quarter(output, 1, 6, 11, 12);
                Quarter(output, 2, 7, 8, 13); Quarter(output, 3, 4, 9, 14);
            }
            for (int i = 0; i < 16; i++) output[i] += input[i];
        }

        public static void Init(byte* hostEntropyHex)
        {
            fixed (State* s = &s_state)
            {
                s->Words[0] = 0x61707865; s->Words[1] = 0x3320646e; s->Words[2] = 0x79622d32; s->Words[3] = 0x6b206574;
                // Key words 4..11: host entropy, then mixed with TSC jitter.
                if (hostEntropyHex != null)
                {
                    for (int i = 0; i < 64 && IsHex(hostEntropyHex[i]); i++)
                        s->Words[4 + i / 8] = (s->Words[4 + i / 8] << 4) | Nibble(hostEntropyHex[i]);
                    HostSeeded = true;
                }
                for (int i = 0; i < 8; i++)
                {
                    ulong t0 = Native.Rdtsc();
                    Native.Inb(0x80);                       // an I/O exit adds timing jitter
                    ulong t1 = Native.Rdtsc();
                    s->Words[4 + i] ^= (uint)(t1 * 0x9E3779B97F4A7C15UL >> 32) ^ (uint)t0;
                }
                s->Words[12] = 0;
                s->Words[13] = (uint)Native.Rdtsc();
                s->Words[14] = (uint)(Native.Rdtsc() >> 32);
                s->Words[15] = 0x636f6d70;                 // "comp"
            }
            s_used = 64;
        }

        private static bool IsHex(byte c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        private static uint Nibble(byte c) => c <= '9' ? (uint)(c - '0') : c >= 'a' ? (uint)(c - 'a' + 10) : (uint)(c - 'A' + 10);

        public static void Fill(byte* dst, ulong n)
        {
            fixed (State* s = &s_state)
            {
                for (ulong i = 0; i < n; i++)
                {
                    if (s_used == 64)
                    {
                        Block(s->Words, (uint*)s->Block);
                        if (++s->Words[12] == 0) s->Words[13]++;
                        s_used = 0;
                    }
                    dst[i] = s->Block[s_used++];
                }
            }
        }
    }
}
