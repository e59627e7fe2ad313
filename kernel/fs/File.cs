// Open file descriptions (what a file descriptor points to) and the descriptor table.
// A File is shared by dup'ed descriptors (offset and status flags are shared, as in Linux);
// close-on-exec is per descriptor.
using Kernel.Vfs;

namespace Kernel.Fs
{
    internal static class OpenFlags
    {
        public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_ACCMODE = 3, O_CREAT = 0x40, O_EXCL = 0x80,
            O_NOCTTY = 0x100, O_TRUNC = 0x200, O_APPEND = 0x400, O_NONBLOCK = 0x800, O_DSYNC = 0x1000,
            O_DIRECT = 0x4000, O_LARGEFILE = 0x8000, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000,
            O_NOATIME = 0x40000, O_CLOEXEC = 0x80000, O_SYNC = 0x101000, O_PATH = 0x200000, O_TMPFILE = 0x410000;
        // Flags F_SETFL may change.
        public const int Settable = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME | O_DSYNC;
    }

    internal static class PollBits
    {
        public const short POLLIN = 1, POLLPRI = 2, POLLOUT = 4, POLLERR = 8, POLLHUP = 16, POLLNVAL = 32, POLLRDNORM = 0x40, POLLWRNORM = 0x100;
    }

    internal abstract unsafe class File
    {
        public int Flags;          // O_* status flags (access mode + settable flags)
        public int RefCount = 1;
        public long Offset;
        public Inode Node;         // null for anonymous files (pipes, console)

        public bool CanRead => (Flags & OpenFlags.O_ACCMODE) != OpenFlags.O_WRONLY && (Flags & OpenFlags.O_PATH) == 0;
        public bool CanWrite => (Flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY && (Flags & OpenFlags.O_PATH) == 0;

        /// <summary>Reads at the file offset (advancing it) into kernel memory. Returns bytes or -errno.</summary>
        public abstract long Read(byte* dst, long n);
        public abstract long Write(byte* src, long n);
        public virtual long Pread(byte* dst, long n, long offset) => -Errno.ESPIPE;
        public virtual long Pwrite(byte* src, long n, long offset) => -Errno.ESPIPE;
        public virtual long Seek(long offset, int whence) => -Errno.ESPIPE;
        /// <summary>Ready bits for poll (POLLIN/POLLOUT/POLLHUP...).</summary>
        public virtual short Poll() => (short)(PollBits.POLLIN | PollBits.POLLOUT);
        public virtual long Ioctl(uint request, ulong arg) => -Errno.ENOTTY;
        /// <summary>Bytes readable without blocking (FIONREAD).</summary>
        public virtual long Available() => 0;
        public virtual bool IsTty => false;
        public virtual void OnLastClose() { }
    }

    internal static unsafe class FdTable
    {
        public const int Max = 1024;
        private static File[] s_files;
        private static bool[] s_cloexec;

        public static void Init()
        {
            s_files = new File[Max];
            s_cloexec = new bool[Max];
        }

        public static File Get(int fd) => (uint)fd < Max ? s_files[fd] : null;

        /// <summary>The table itself, saved while a forked child runs with its own copy.</summary>
        public static void Save(out File[] files, out bool[] cloexec) { files = s_files; cloexec = s_cloexec; }
        public static void Restore(File[] files, bool[] cloexec) { s_files = files; s_cloexec = cloexec; }

        /// <summary>fork: the child's table refers to the same open files (each gains a reference).</summary>
        public static void CopyForChild()
        {
            var files = new File[Max];
            var cloexec = new bool[Max];
            for (int fd = 0; fd < Max; fd++)
            {
                files[fd] = s_files[fd];
                cloexec[fd] = s_cloexec[fd];
                if (files[fd] != null) files[fd].RefCount++;
            }
            s_files = files;
            s_cloexec = cloexec;
        }

        /// <summary>exec: close-on-exec descriptors go.</summary>
        public static void CloseOnExec()
        {
            for (int fd = 0; fd < Max; fd++) if (s_files[fd] != null && s_cloexec[fd]) Close(fd);
        }

        /// <summary>exit: every descriptor closes; the table's memory is returned.</summary>
        public static void CloseAll()
        {
            for (int fd = 0; fd < Max; fd++) if (s_files[fd] != null) Close(fd);
            Runtime.Allocator.Free(s_files);
            Runtime.Allocator.Free(s_cloexec);
            s_files = null;
            s_cloexec = null;
        }
        public static bool GetCloexec(int fd) => (uint)fd < Max && s_cloexec[fd];
        public static void SetCloexec(int fd, bool on) { if ((uint)fd < Max) s_cloexec[fd] = on; }

        /// <summary>Installs <paramref name="f"/> at the lowest free descriptor &gt;= minFd (takes over one reference).</summary>
        public static int Install(File f, int minFd, bool cloexec)
        {
            for (int fd = minFd < 0 ? 0 : minFd; fd < Max; fd++)
            {
                if (s_files[fd] != null) continue;
                s_files[fd] = f;
                s_cloexec[fd] = cloexec;
                return fd;
            }
            return -Errno.EMFILE;
        }

        /// <summary>Puts <paramref name="f"/> at exactly <paramref name="fd"/>, closing what was there.</summary>
        public static int InstallAt(File f, int fd, bool cloexec)
        {
            if ((uint)fd >= Max) return -Errno.EBADF;
            File old = s_files[fd];
            s_files[fd] = f;
            s_cloexec[fd] = cloexec;
            if (old != null) Release(old);
            return fd;
        }

        public static int Close(int fd)
        {
            File f = Get(fd);
            if (f == null) return -Errno.EBADF;
            s_files[fd] = null;
            s_cloexec[fd] = false;
            if (f.Node != null) Locks.ReleaseProcessLocks(f.Node);
            Release(f);
            return 0;
        }

        public static void Release(File f)
        {
            if (--f.RefCount > 0) return;
            Locks.ReleaseOwner(f);
            f.OnLastClose();
            if (f.Node != null) f.Node.CloseRef();
            // No GC: the open file description is gone, give its memory back. Whoever else keeps a
            // File (epoll interest lists) holds a reference of its own.
            Runtime.Allocator.Free(f);
        }

        public static int Count()
        {
            int n = 0;
            for (int fd = 0; fd < Max; fd++) if (s_files[fd] != null) n++;
            return n;
        }
    }
}
