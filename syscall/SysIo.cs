// Terminal ioctls for the console (the descriptor-level calls live in SysFile.cs).
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysIo
    {
        // ioctl requests (asm-generic/ioctls.h)
        private const uint TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCGWINSZ = 0x5413,
            TIOCSWINSZ = 0x5414, TIOCGPGRP = 0x540F;

        private struct Termios
        {
            public uint Iflag, Oflag, Cflag, Lflag;
            public byte Line;
            public fixed byte Cc[19];
        }

        private struct WinSize { public ushort Row, Col, XPixel, YPixel; }

        /// <summary>Terminal ioctls on the console streams (0 stdin, 1 stdout, 2 stderr): ENOTTY unless the host side is a terminal.</summary>
        public static long ConsoleIoctl(int fd, uint req, ulong arg)
        {
            if (!Console.IsTty(fd)) return -Errno.ENOTTY;
            switch (req)
            {
                case TCGETS:
                    Termios t = default;
                    t.Iflag = 0x500;            // ICRNL | IXON
                    t.Oflag = 0x5;              // OPOST | ONLCR
                    t.Cflag = 0xBF;             // B38400 | CS8 | CREAD
                    t.Lflag = 0x8A3B;           // ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN
                    t.Cc[0] = 3; t.Cc[1] = 28; t.Cc[2] = 127; t.Cc[3] = 21; t.Cc[4] = 4; t.Cc[6] = 1;
                    return UserMemory.Write(arg, t);
                case TCSETS: case TCSETSW: case TCSETSF:
                    return UserMemory.Read(arg, out Termios _);      // accepted; the serial line has no modes
                case TIOCGWINSZ:
                    WinSize w; w.Row = 24; w.Col = 80; w.XPixel = 0; w.YPixel = 0;
                    return UserMemory.Write(arg, w);
                case TIOCSWINSZ:
                    return 0;
                case TIOCGPGRP:
                    return UserMemory.Write(arg, Process.Current.Pid);
            }
            return -Errno.EINVAL;
        }

    }
}
