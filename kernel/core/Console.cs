// The program's console. With a virtio console (drivers/virtio/VirtioConsole.cs; ops always
// attaches one) stdin, stdout and stderr are its ports: input arrives by interrupt as the
// program asks for it and ends when the host closes stdin. Without one (another launcher), the
// old wiring: stdout on COM1, stderr on debugcon 0xEA (else COM1), stdin from /.compat/stdin in
// the root image (end of file at its end) or interactively from COM1, polled from the timer tick.
// On a terminal (stdin_tty) the host sends raw keys: '\r' reads as '\n', Ctrl-D is end of file.
using Compat.Loader;
using Kernel.Arch;
using Kernel.Drivers;
using Kernel.Drivers.Virtio;

namespace Kernel
{
    internal static unsafe class Console
    {
        private const ushort StderrPort = 0xEA;
        private const int StdinVirtio = 1, StdinImage = 2, StdinSerial = 3;
        private static bool s_stderrPort;
        private static int s_stdinSource = StdinSerial;
        private static byte* s_stdin;
        private static ulong s_stdinLength, s_stdinPos;
        private static bool s_interactiveEof;
        private static int s_lastRead = 1;                         // bytes the last stdin read asked for
        public static bool StdinTty, StdoutTty, StderrTty;

        public static void Init()
        {
            byte readback = Native.Inb(StderrPort);                 // QEMU debugcon reads back 0xE9 by default
            s_stderrPort = readback == 0xE9 || readback == StderrPort;
            StdinTty = CommandLine.Has("stdin_tty");
            StdoutTty = CommandLine.Has("stdout_tty");
            StderrTty = CommandLine.Has("stderr_tty");
        }

        /// <summary>Picks the stdin source once devices are known: the virtio input port, else the packed file, else COM1.</summary>
        public static void InitStdin(byte* initrd, ulong length)
        {
            VirtioConsole vc = VirtioConsole.Instance;
            if (vc != null) { vc.OnInput = &OnVirtioInput; vc.OnHostSignal = &OnHostSignal; }
            if (vc != null && StdinTty && vc.HasInput) { vc.InputFilter = &TerminalInput; vc.KeepTerminalInputPosted(); }
            if (vc != null && vc.HasInput) s_stdinSource = StdinVirtio;
            else if (CpioReader.Find(initrd, length, "/.compat/stdin", out CpioEntry e))
            {
                s_stdin = e.Data;
                s_stdinLength = e.Size;
                s_stdinSource = StdinImage;
            }
        }

        /// <summary>
        /// A signal ops forwards (it got SIGINT, SIGTERM, SIGHUP or SIGQUIT itself). With bit 7 set it
        /// goes where a terminal sends ^C: the terminal's foreground process group, or the program's
        /// own group when no terminal is in use; without, to the program's process alone (kill PID).
        /// Interrupt context.
        /// </summary>
        private static void OnHostSignal(int value)
        {
            int sig = value & 0x7F;
            bool group = (value & 0x80) != 0;
            if (sig < 1 || sig > 64) return;
            Process main = Process.Main;
            int pgrp = Syscalls.SysIo.TtyForeground != 0 ? Syscalls.SysIo.TtyForeground : main != null ? main.Pgid : 0;
            Log.Write("compat: signal ");
            Log.Dec((ulong)sig);
            Log.Write(" from the host");
            if (main == null || main.Zombie) { Log.WriteLine(" with no program running: ignored"); return; }
            var info = Syscalls.SigInfo.From(Syscalls.SigInfo.SI_KERNEL, 0);
            if (!group)
            {
                Log.Field(" to process ", (ulong)main.Pid);
                Log.Write("\n");
                Syscalls.SignalDelivery.SendToProcess(main, sig, info);
                return;
            }
            Log.Field(" to process group ", (ulong)pgrp);
            Log.Write("\n");
            Syscalls.SignalDelivery.SendToGroup(pgrp, sig, info);
        }

        /// <summary>Received terminal input: signal characters become signals to the foreground group (Linux's n_tty with ISIG) and leave the data.</summary>
        private static int TerminalInput(byte* p, int n)
        {
            int kept = 0;
            for (int i = 0; i < n; i++)
            {
                int sig = Syscalls.SysIo.SignalFor(p[i]);
                if (sig == 0) { p[kept++] = p[i]; continue; }
                OnHostSignal(sig | 0x80);
            }
            return kept;
        }

        public static bool IsTty(int fd) => fd == 0 ? StdinTty : fd == 1 ? StdoutTty : StderrTty;

        public static void Write(int fd, byte* p, ulong n)
        {
            VirtioConsole vc = VirtioConsole.Instance;
            if (vc != null && vc.HasOutput(fd))
            {
                vc.Write(fd, p, n);
                return;
            }
            if (fd == 2 && s_stderrPort)
            {
                for (ulong i = 0; i < n; i++) Native.Outb(StderrPort, p[i]);
                return;
            }
            for (ulong i = 0; i < n; i++) Serial.Write(p[i]);
        }

        private static readonly WaitQueue s_readers = new WaitQueue();

        /// <summary>Interrupt: virtio input arrived or ended.</summary>
        private static void OnVirtioInput()
        {
            if (!s_readers.IsEmpty) s_readers.WakeAll();
            Fs.PollWait.Changed();
        }

        /// <summary>Timer tick: the virtio console's watchdog; COM1 input arrived for a reader or a poller that waits for it (the UART raises no interrupt here).</summary>
        public static void Poll()
        {
            VirtioConsole.Instance?.Watchdog();
            if (s_stdinSource != StdinSerial || (s_readers.IsEmpty && Fs.PollWait.Queue.IsEmpty)) return;
            if (!Serial.HasInput()) return;
            s_readers.WakeAll();
            Fs.PollWait.Changed();
        }

        /// <summary>True when a read would not block (data or end of file).</summary>
        public static bool StdinReady()
        {
            if (s_stdinSource == StdinImage || s_interactiveEof) return true;
            if (s_stdinSource == StdinSerial) return Serial.HasInput();
            VirtioConsole vc = VirtioConsole.Instance;
            if (vc.Buffered > 0 || vc.InputEnded) return true;
            // A poller means to read: let as much come as its last read asked for (busybox sh polls,
            // then reads one byte: the host's stdin must lose no more than that, as with a pipe).
            vc.Request(s_lastRead);
            return false;
        }

        /// <summary>Reads up to n bytes; blocks for the first byte (unless <paramref name="nonBlocking"/>: -EAGAIN); returns 0 at end of file.</summary>
        public static long Read(byte* dst, ulong n, bool nonBlocking = false)
        {
            if (n == 0) return 0;
            if (s_stdinSource == StdinImage)
            {
                ulong left = s_stdinLength - s_stdinPos;
                ulong take = n < left ? n : left;
                Mem.Copy(dst, s_stdin + s_stdinPos, take);
                s_stdinPos += take;
                return (long)take;
            }
            if (s_interactiveEof) return 0;
            if (nonBlocking)
            {
                if (s_stdinSource == StdinVirtio) s_lastRead = n > 65536 ? 65536 : (int)n;   // what to let come meanwhile
                if (!StdinReady()) return -Errno.EAGAIN;
            }
            if (s_stdinSource == StdinVirtio) return StdinTty ? ReadVirtioTty(dst, n) : ReadVirtio(dst, n);
            ulong got = 0;
            while (got < n)
            {
                if (!Serial.TryRead(out byte b))
                {
                    if (got > 0) break;
                    if (Scheduler.Sleep(s_readers, 0) == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
                    continue;
                }
                if (!Cook(ref b, got)) break;
                dst[got++] = b;
                if (b == '\n') break;
            }
            return (long)got;
        }

        /// <summary>Terminal keys: Ctrl-D ends input (at the start of a read), '\r' is '\n'. False: stop before this byte.</summary>
        private static bool Cook(ref byte b, ulong got)
        {
            if (b == 4) { if (got == 0) s_interactiveEof = true; return false; }
            if (b == '\r') b = (byte)'\n';
            return true;
        }

        /// <summary>A pipe or file on the host: whatever has arrived, else sleep until some comes or the host closes.</summary>
        private static long ReadVirtio(byte* dst, ulong n)
        {
            VirtioConsole vc = VirtioConsole.Instance;
            int want = n > int.MaxValue ? int.MaxValue : (int)n;
            s_lastRead = want;
            while (true)
            {
                int got = vc.Read(dst, want);
                if (got > 0) return got;
                if (vc.InputEnded) return 0;
                vc.Request(want);
                // Interrupts are masked in kernel code: nothing can arrive between the check and the sleep.
                if (Scheduler.Sleep(s_readers, 0) == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
            }
        }

        /// <summary>A terminal on the host: a line at a time, keys cooked as on COM1.</summary>
        private static long ReadVirtioTty(byte* dst, ulong n)
        {
            VirtioConsole vc = VirtioConsole.Instance;
            s_lastRead = n > 4096 ? 4096 : (int)n;
            ulong got = 0;
            while (got < n)
            {
                byte b;
                if (vc.Read(&b, 1) == 0)
                {
                    if (got > 0) break;
                    if (vc.InputEnded) return 0;
                    vc.Request(s_lastRead);
                    if (Scheduler.Sleep(s_readers, 0) == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
                    continue;
                }
                if (!Cook(ref b, got)) break;
                dst[got++] = b;
                if (b == '\n') break;
            }
            return (long)got;
        }
    }
}
