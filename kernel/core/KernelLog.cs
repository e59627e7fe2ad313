// The kernel log as programs see it: every byte Log writes also goes into a 128 KiB ring, each line
// prefixed "<6>[seconds.micros] " as Linux's printk records read back through syslog(2) (dmesg).
// Only value-type statics: Log writes before the runtime's reference statics are set up.
namespace Kernel
{
    internal static unsafe class KernelLog
    {
        public const int Size = 1 << 17;                       // Linux's usual log_buf_len (CONFIG_LOG_BUF_SHIFT=17)
        private struct Ring { public fixed byte Bytes[Size]; }
        private static Ring s_ring;
        private static ulong s_written, s_readPos, s_clearedAt;   // bytes ever written; syslog's read and clear marks
        private static bool s_midLine;

        /// <summary>From Log: one byte of a line ('\r' is the serial port's, not the log's).</summary>
        public static void Put(byte b)
        {
            if (b == '\r') return;
            if (!s_midLine) Prefix();
            Append(b);
            s_midLine = b != '\n';
        }

        private static void Append(byte b)
        {
            fixed (byte* r = s_ring.Bytes) r[s_written % Size] = b;
            s_written++;
        }

        private static void Prefix()
        {
            ulong ns = Drivers.Tsc.MonotonicNs();
            Append((byte)'<'); Append((byte)'6'); Append((byte)'>'); Append((byte)'[');
            ulong sec = ns / 1_000_000_000, us = ns % 1_000_000_000 / 1000;
            byte* d = stackalloc byte[20];
            int n = 0;
            do { d[n++] = (byte)('0' + sec % 10); sec /= 10; } while (sec != 0);
            for (int pad = n; pad < 5; pad++) Append((byte)' ');
            while (n > 0) Append(d[--n]);
            Append((byte)'.');
            for (ulong div = 100000; div > 0; div /= 10) Append((byte)('0' + us / div % 10));
            Append((byte)']'); Append((byte)' ');
        }

        private static ulong Oldest => s_written > Size ? s_written - Size : 0;

        /// <summary>Copies bytes [from, from + n) of the log into kernel memory.</summary>
        private static void CopyOut(ulong from, byte* dst, int n)
        {
            fixed (byte* r = s_ring.Bytes)
                for (int i = 0; i < n; i++) dst[i] = r[(from + (ulong)i) % Size];
        }

        public static int Unread => (int)(s_written - (s_readPos < Oldest ? Oldest : s_readPos));

        /// <summary>SYSLOG_ACTION_READ_ALL: the last <paramref name="max"/> bytes since the last clear, not consumed.</summary>
        public static int ReadAll(byte* dst, int max)
        {
            ulong start = s_clearedAt < Oldest ? Oldest : s_clearedAt;
            ulong n = s_written - start;
            if (n > (ulong)max) { start = s_written - (ulong)max; n = (ulong)max; }
            CopyOut(start, dst, (int)n);
            return (int)n;
        }

        /// <summary>SYSLOG_ACTION_READ: consumes up to <paramref name="max"/> unread bytes; waits for some when there are none.</summary>
        public static int Read(byte* dst, int max)
        {
            // Polled every 100 ms: Log runs before the runtime's statics exist, so it wakes no queue.
            while (Unread == 0)
                if (Scheduler.Sleep(null, Drivers.Tsc.MonotonicNs() + 100_000_000) == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
            if (s_readPos < Oldest) s_readPos = Oldest;
            int n = Unread < max ? Unread : max;
            CopyOut(s_readPos, dst, n);
            s_readPos += (ulong)n;
            return n;
        }

        public static void Clear() { s_clearedAt = s_written; }
    }
}
