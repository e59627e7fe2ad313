// read/write family, ioctl and poll on the console file descriptors (0, 1, 2).
// Files, pipes and sockets join the same descriptor table later.
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysIo
    {
        private const int MaxFds = 3;
        private static bool* s_closed;
        private const int ChunkSize = 4096;

        public static void Init() => s_closed = (bool*)Mm.KernelHeap.Alloc(MaxFds);

        private static bool IsConsole(long fd) => fd >= 0 && fd < MaxFds && !s_closed[fd];

        public static long Read(SyscallFrame* f) => ReadConsole((int)f->A0, f->A1, f->A2);

        private static long ReadConsole(int fd, ulong buf, ulong count)
        {
            if (!IsConsole(fd)) return -Errno.EBADF;
            if (fd != 0) return -Errno.EBADF;                 // stdout/stderr are write-only here
            if (count == 0) return 0;
            if (!AddressSpace.IsUserRange(buf, count, true)) return -Errno.EFAULT;
            byte* chunk = stackalloc byte[ChunkSize];
            long n = Console.Read(chunk, count < ChunkSize ? count : ChunkSize);
            if (n > 0 && UserMemory.CopyTo(buf, chunk, (ulong)n) != 0) return -Errno.EFAULT;
            return n;
        }

        public static long Write(SyscallFrame* f) => WriteConsole((int)f->A0, f->A1, f->A2);

        private static long WriteConsole(int fd, ulong buf, ulong count)
        {
            if (!IsConsole(fd)) return -Errno.EBADF;
            if (fd == 0 && !Console.StdinTty) return -Errno.EBADF;
            byte* chunk = stackalloc byte[ChunkSize];
            ulong done = 0;
            while (done < count)
            {
                ulong n = count - done < ChunkSize ? count - done : ChunkSize;
                if (UserMemory.CopyFrom(chunk, buf + done, n) != 0) return done > 0 ? (long)done : -Errno.EFAULT;
                Console.Write(fd, chunk, n);
                done += n;
            }
            return (long)done;
        }

        private struct IoVec { public ulong Base, Len; }

        public static long Readv(SyscallFrame* f) => Vectored((int)f->A0, f->A1, (long)f->A2, false);
        public static long Writev(SyscallFrame* f) => Vectored((int)f->A0, f->A1, (long)f->A2, true);

        private static long Vectored(int fd, ulong iov, long count, bool write)
        {
            if (!IsConsole(fd)) return -Errno.EBADF;
            if (count < 0 || count > 1024) return -Errno.EINVAL;
            long total = 0;
            for (long i = 0; i < count; i++)
            {
                if (UserMemory.Read(iov + (ulong)i * 16, out IoVec v) != 0) return total > 0 ? total : -Errno.EFAULT;
                if (v.Len == 0) continue;
                long r = write ? WriteConsole(fd, v.Base, v.Len) : ReadConsole(fd, v.Base, v.Len);
                if (r < 0) return total > 0 ? total : r;
                total += r;
                if ((ulong)r < v.Len) break;                  // short read/write ends the vector
            }
            return total;
        }

        public static long Close(SyscallFrame* f)
        {
            long fd = (int)f->A0;
            if (!IsConsole(fd)) return -Errno.EBADF;
            s_closed[fd] = true;
            return 0;
        }

        /// <summary>struct stat (x86-64, 144 bytes).</summary>
        public struct Stat
        {
            public ulong Dev, Ino, Nlink;
            public uint Mode, Uid, Gid, Pad0;
            public ulong Rdev;
            public long Size, Blksize, Blocks;
            public long Atime, AtimeNsec, Mtime, MtimeNsec, Ctime, CtimeNsec;
            public long Reserved0, Reserved1, Reserved2;
        }

        private static long StatConsole(int fd, ulong buf)
        {
            Stat st = default;
            bool tty = Console.IsTty(fd);
            st.Dev = tty ? 0x16UL : 0xDUL;
            st.Ino = (ulong)(fd + 3);
            st.Nlink = 1;
            st.Mode = tty ? 0x2190u : 0x1180u;   // S_IFCHR|0620 (a pts), or S_IFIFO|0600 (a pipe)
            st.Rdev = tty ? 0x8800UL : 0;
            st.Blksize = 4096;
            return UserMemory.Write(buf, st);
        }

        public static long Fstat(SyscallFrame* f)
        {
            int fd = (int)f->A0;
            if (!IsConsole(fd)) return -Errno.EBADF;
            return StatConsole(fd, f->A1);
        }

        private const int AT_EMPTY_PATH = 0x1000;

        public static long Newfstatat(SyscallFrame* f)
        {
            int fd = (int)f->A0;
            long len = UserMemory.StringLength(f->A1, 4096);
            if (len < 0) return len;
            if (len == 0 && ((int)f->A3 & AT_EMPTY_PATH) != 0)
            {
                if (!IsConsole(fd)) return -Errno.EBADF;
                return StatConsole(fd, f->A2);
            }
            return -Errno.ENOENT;                       // no file system yet
        }

        // ioctl requests (asm-generic/ioctls.h)
        private const uint TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCGWINSZ = 0x5413,
            TIOCSWINSZ = 0x5414, TIOCGPGRP = 0x540F, FIONREAD = 0x541B, FIONBIO = 0x5421, FIOCLEX = 0x5451, FIONCLEX = 0x5450;

        private struct Termios
        {
            public uint Iflag, Oflag, Cflag, Lflag;
            public byte Line;
            public fixed byte Cc[19];
        }

        private struct WinSize { public ushort Row, Col, XPixel, YPixel; }

        public static long Ioctl(SyscallFrame* f)
        {
            int fd = (int)f->A0;
            uint req = (uint)f->A1;
            ulong arg = f->A2;
            if (!IsConsole(fd)) return -Errno.EBADF;
            if (req == FIOCLEX || req == FIONCLEX || req == FIONBIO) return 0;
            if (req == FIONREAD) return UserMemory.Write(arg, fd == 0 && Console.StdinReady() ? 1 : 0);
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
                    return UserMemory.Write(arg, Process.Pid);
            }
            return -Errno.EINVAL;
        }

        private struct PollFd { public int Fd; public short Events, Revents; }
        private const short POLLIN = 1, POLLOUT = 4, POLLNVAL = 0x20;

        public static long Poll(SyscallFrame* f) => DoPoll(f->A0, f->A1, (long)(int)f->A2);

        public static long Ppoll(SyscallFrame* f)
        {
            long timeoutMs = -1;
            if (f->A2 != 0)
            {
                if (UserMemory.Read(f->A2, out SysTime.Timespec ts) != 0) return -Errno.EFAULT;
                timeoutMs = ts.Sec * 1000 + ts.Nsec / 1_000_000;
            }
            return DoPoll(f->A0, f->A1, timeoutMs);
        }

        private static long DoPoll(ulong fds, ulong nfds, long timeoutMs)
        {
            if (nfds > 1024) return -Errno.EINVAL;
            ulong deadline = timeoutMs < 0 ? ulong.MaxValue : Drivers.Tsc.MonotonicNs() + (ulong)timeoutMs * 1_000_000;
            while (true)
            {
                long ready = 0;
                for (ulong i = 0; i < nfds; i++)
                {
                    if (UserMemory.Read(fds + i * 8, out PollFd p) != 0) return -Errno.EFAULT;
                    p.Revents = 0;
                    if (p.Fd < 0) { }
                    else if (!IsConsole(p.Fd)) p.Revents = POLLNVAL;
                    else
                    {
                        if ((p.Events & POLLIN) != 0 && p.Fd == 0 && Console.StdinReady()) p.Revents |= POLLIN;
                        if ((p.Events & POLLOUT) != 0 && p.Fd != 0) p.Revents |= POLLOUT;
                    }
                    if (p.Revents != 0) ready++;
                    if (UserMemory.Write(fds + i * 8 + 6, p.Revents) != 0) return -Errno.EFAULT;
                }
                if (ready > 0 || Drivers.Tsc.MonotonicNs() >= deadline) return ready;
                Arch.Native.StiHlt();
            }
        }
    }
}
