// The program's console: stdout on COM1, stderr on debugcon 0xEA (else COM1), stdin either
// from /.compat/stdin in the root image (ops packs a non-terminal stdin there, so EOF works)
// or interactively from COM1 (Ctrl-D is end of file).
using Compat.Loader;
using Kernel.Arch;
using Kernel.Drivers;

namespace Kernel
{
    internal static unsafe class Console
    {
        private const ushort StderrPort = 0xEA;
        private static bool s_stderrPort;
        private static byte* s_stdin;
        private static ulong s_stdinLength, s_stdinPos;
        private static bool s_stdinFromImage, s_interactiveEof;
        public static bool StdinTty, StdoutTty, StderrTty;

        public static void Init()
        {
            byte readback = Native.Inb(StderrPort);                 // QEMU debugcon reads back 0xE9 by default
            s_stderrPort = readback == 0xE9 || readback == StderrPort;
            StdinTty = CommandLine.Has("stdin_tty");
            StdoutTty = CommandLine.Has("stdout_tty");
            StderrTty = CommandLine.Has("stderr_tty");
        }

        public static void InitStdin(byte* initrd, ulong length)
        {
            if (CpioReader.Find(initrd, length, "/.compat/stdin", out CpioEntry e))
            {
                s_stdin = e.Data;
                s_stdinLength = e.Size;
                s_stdinFromImage = true;
            }
        }

        public static bool IsTty(int fd) => fd == 0 ? StdinTty : fd == 1 ? StdoutTty : StderrTty;

        public static void Write(int fd, byte* p, ulong n)
        {
            if (fd == 2 && s_stderrPort)
            {
                for (ulong i = 0; i < n; i++) Native.Outb(StderrPort, p[i]);
                return;
            }
            for (ulong i = 0; i < n; i++) Serial.Write(p[i]);
        }

        private static readonly WaitQueue s_readers = new WaitQueue();

        /// <summary>Timer tick: input arrived for a reader or a poller that waits for it.</summary>
        public static void Poll()
        {
            if (s_stdinFromImage || (s_readers.IsEmpty && Fs.PollWait.Queue.IsEmpty)) return;
            if (!Serial.HasInput()) return;
            s_readers.WakeAll();
            Fs.PollWait.Changed();
        }

        /// <summary>True when a read would not block (data or end of file).</summary>
        public static bool StdinReady()
        {
            if (s_stdinFromImage || s_interactiveEof) return true;
            return Serial.HasInput();
        }

        /// <summary>Reads up to n bytes; blocks for the first byte; returns 0 at end of file.</summary>
        public static long Read(byte* dst, ulong n)
        {
            if (n == 0) return 0;
            if (s_stdinFromImage)
            {
                ulong left = s_stdinLength - s_stdinPos;
                ulong take = n < left ? n : left;
                Mem.Copy(dst, s_stdin + s_stdinPos, take);
                s_stdinPos += take;
                return (long)take;
            }
            if (s_interactiveEof) return 0;
            ulong got = 0;
            while (got < n)
            {
                if (!Serial.TryRead(out byte b))
                {
                    if (got > 0) break;
                    // The UART raises no interrupt here: the timer tick polls it (Poll) and wakes us.
                    if (Scheduler.Sleep(s_readers, 0) == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
                    continue;
                }
                if (b == 4) { if (got == 0) s_interactiveEof = true; break; }   // Ctrl-D
                if (b == '\r') b = (byte)'\n';
                dst[got++] = b;
                if (b == '\n') break;
            }
            return (long)got;
        }
    }
}
