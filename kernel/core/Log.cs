// Kernel console output without allocation: strings, decimal and hex numbers to the serial port.
using Kernel.Drivers;

namespace Kernel
{
    internal static unsafe class Log
    {
        private const ushort DebugconPort = 0xE9;
        private static bool s_debugcon;

        /// <summary>Uses QEMU's debugcon (port 0xE9 reads back 0xE9) for the log when present, else COM1.</summary>
        public static void Init() => s_debugcon = Arch.Native.Inb(DebugconPort) == DebugconPort;

        private static void Put(byte b)
        {
            KernelLog.Put(b);
            if (s_debugcon) Arch.Native.Outb(DebugconPort, b);
            else Serial.Write(b);
        }

        public static void Write(string s)
        {
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (c == '\n' && !s_debugcon) Put((byte)'\r');
                Put(c < 128 ? (byte)c : (byte)'?');
            }
        }

        public static void WriteLine(string s) { Write(s); Write("\n"); }

        public static void WriteBytes(byte* p, ulong n)
        {
            for (ulong i = 0; i < n; i++)
            {
                if (p[i] == '\n' && !s_debugcon) Put((byte)'\r');
                Put(p[i]);
            }
        }

        public static void Char(char c) => Put((byte)c);

        public static void Dec(long v)
        {
            if (v < 0) { Put((byte)'-'); Dec((ulong)(-v)); }
            else Dec((ulong)v);
        }

        public static void Dec(ulong v)
        {
            byte* buf = stackalloc byte[24];
            int n = 0;
            do { buf[n++] = (byte)('0' + v % 10); v /= 10; } while (v != 0);
            while (n > 0) Put(buf[--n]);
        }

        /// <summary>Fixed-point decimal: value / 10^decimals, e.g. Fixed(1234, 2) prints 12.34.</summary>
        public static void Fixed(ulong value, int decimals)
        {
            ulong div = 1;
            for (int i = 0; i < decimals; i++) div *= 10;
            Dec(value / div);
            if (decimals == 0) return;
            Put((byte)'.');
            ulong frac = value % div;
            for (ulong d = div / 10; d > 0; d /= 10) { Put((byte)('0' + frac / d)); frac %= d; }
        }

        public static void Hex(ulong v, int digits = 16)
        {
            Write("0x");
            for (int i = digits - 1; i >= 0; i--)
            {
                int nib = (int)((v >> (i * 4)) & 0xF);
                Put((byte)(nib < 10 ? '0' + nib : 'a' + nib - 10));
            }
        }

        public static void Pair(string label, ulong hex) { Write(label); Write("="); Hex(hex); }

        /// <summary>A label and a decimal value ("label" includes its spacing), as debug counters print.</summary>
        public static void Field(string label, ulong value) { Write(label); Dec(value); }
    }
}
