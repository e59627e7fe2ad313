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
        public const int Settable = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME;   // Linux's SETFL_MASK (less FASYNC)
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
        public bool WriteBlocked;  // a write ended in EAGAIN since epoll last reported EPOLLOUT (EPOLLET)
        public int OwnerId, OwnerType, AsyncSignal;   // F_SETOWN(_EX) and F_SETSIG (recorded: no SIGIO is sent)

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
        /// <summary>An anonymous-inode file's name, as Linux shows it in "anon_inode:[eventfd]" (fstat: mode 0600, no type); null for others.</summary>
        public virtual string AnonName => null;
        /// <summary>
        /// Counts input events (data in, an end closed, an error): epoll's EPOLLET reports readability
        /// again only after it moves, as Linux wakes a file's read waiters. Files that keep no count of
        /// their own answer every readiness change in the system (PollWait.Generation), which reports
        /// more edges than Linux, never fewer.
        /// </summary>
        public virtual ulong InputEvents => PollWait.Generation;
        public virtual void OnLastClose() { }
    }

    /// <summary>A descriptor table: owned by a process, shared by its threads (and by CLONE_FILES children).</summary>
    internal sealed class FileTable
    {
        /// <summary>Slots a new table has (Linux's NR_OPEN_DEFAULT); it grows when a descriptor above is used.</summary>
        public const int InitialSize = 64;
        public File[] Files;
        public bool[] Cloexec;
        public int Refs = 1;
        /// <summary>Every descriptor below this is in use (Linux's next_fd): the search for a free one starts here.</summary>
        public int NextFree;

        public FileTable() : this(InitialSize) { }
        private FileTable(int size) { Files = new File[size]; Cloexec = new bool[size]; }

        /// <summary>Slots in the table: every descriptor is below this.</summary>
        public int Size => Files.Length;

        /// <summary>Makes room for descriptor <paramref name="fd"/> (the caller has checked it against RLIMIT_NOFILE).</summary>
        public void Grow(int fd)
        {
            int n = Files.Length;
            if (fd < n) return;
            while (n <= fd) n *= 2;
            var files = new File[n];
            var cloexec = new bool[n];
            for (int i = 0; i < Files.Length; i++) { files[i] = Files[i]; cloexec[i] = Cloexec[i]; }
            Runtime.Allocator.Free(Files);
            Runtime.Allocator.Free(Cloexec);
            Files = files;
            Cloexec = cloexec;
        }

        /// <summary>fork: a table referring to the same open files (each gains a reference).</summary>
        public FileTable Copy()
        {
            var t = new FileTable(Files.Length) { NextFree = NextFree };
            for (int fd = 0; fd < Files.Length; fd++)
            {
                t.Files[fd] = Files[fd];
                t.Cloexec[fd] = Cloexec[fd];
                if (Files[fd] != null) Files[fd].RefCount++;
            }
            return t;
        }
    }

    /// <summary>Descriptor operations on the calling process's table.</summary>
    internal static unsafe class FdTable
    {
        private static FileTable T => Process.Current.Files;

        /// <summary>fs.nr_open: no descriptor table grows past this many slots.</summary>
        public const int NrOpen = 1 << 20;

        /// <summary>RLIMIT_NOFILE of the calling process (at most nr_open): new descriptors stay below it.</summary>
        public static int Limit
        {
            get
            {
                ulong l = Process.Current.Limits[Syscalls.SysProcess.RLIMIT_NOFILE].Cur;
                return l > NrOpen ? NrOpen : (int)l;
            }
        }

        /// <summary>
        /// The open file at <paramref name="fd"/>, or null. Inside a syscall the calling thread takes a
        /// reference of its own, dropped when the call returns (Linux's fdget/fdput): a close() by
        /// another thread meanwhile does not free the file under a call that sleeps, and the call
        /// goes on as on Linux (a blocked read still gets the data written next).
        /// </summary>
        public static File Get(int fd)
        {
            File f = Peek(fd);
            if (f != null) Thread.Current.Borrow(f);
            return f;
        }

        /// <summary>
        /// <see cref="Get"/> for calls that use the file itself (I/O, sync, truncate, locks): an O_PATH
        /// descriptor only names a file, so they see none (EBADF), as Linux's fdget.
        /// </summary>
        public static File GetOpen(int fd)
        {
            File f = Get(fd);
            return f != null && (f.Flags & OpenFlags.O_PATH) != 0 ? null : f;
        }

        /// <summary>The open file at <paramref name="fd"/> without taking a reference (identity checks, close).</summary>
        public static File Peek(int fd) => (uint)fd < (uint)T.Size ? T.Files[fd] : null;

        /// <summary>exec: close-on-exec descriptors go.</summary>
        public static void CloseOnExec()
        {
            for (int fd = 0; fd < T.Size; fd++) if (T.Files[fd] != null && T.Cloexec[fd]) Close(fd);
        }

        /// <summary>exit: drops the process's reference to its table; the last one closes every descriptor.</summary>
        public static void ReleaseTable()
        {
            FileTable t = T;
            if (--t.Refs > 0) return;
            for (int fd = 0; fd < t.Size; fd++) if (t.Files[fd] != null) Close(fd);
            Runtime.Allocator.Free(t.Files);
            Runtime.Allocator.Free(t.Cloexec);
            Runtime.Allocator.Free(t);
        }
        public static bool GetCloexec(int fd) => (uint)fd < (uint)T.Size && T.Cloexec[fd];
        public static void SetCloexec(int fd, bool on) { if ((uint)fd < (uint)T.Size) T.Cloexec[fd] = on; }

        /// <summary>
        /// Installs <paramref name="f"/> at the lowest free descriptor &gt;= minFd (takes over one
        /// reference); EMFILE when none is free below RLIMIT_NOFILE.
        /// </summary>
        public static int Install(File f, int minFd, bool cloexec)
        {
            FileTable t = T;
            int limit = Limit;
            if (minFd < 0) minFd = 0;
            int start = minFd > t.NextFree ? minFd : t.NextFree;     // below NextFree all are taken
            for (int fd = start; fd < limit; fd++)
            {
                if (fd < t.Size && t.Files[fd] != null) continue;
                t.Grow(fd);
                t.Files[fd] = f;
                t.Cloexec[fd] = cloexec;
                if (minFd <= t.NextFree) t.NextFree = fd + 1;
                return fd;
            }
            return -Errno.EMFILE;
        }

        /// <summary>Puts <paramref name="f"/> at exactly <paramref name="fd"/>, closing what was there (EBADF at or above RLIMIT_NOFILE).</summary>
        public static int InstallAt(File f, int fd, bool cloexec)
        {
            if ((uint)fd >= (uint)Limit) return -Errno.EBADF;
            T.Grow(fd);
            File old = T.Files[fd];
            T.Files[fd] = f;
            T.Cloexec[fd] = cloexec;
            if (old != null) Release(old);
            return fd;
        }

        public static int Close(int fd)
        {
            File f = Peek(fd);
            if (f == null) return -Errno.EBADF;
            T.Files[fd] = null;
            T.Cloexec[fd] = false;
            if (fd < T.NextFree) T.NextFree = fd;
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
            for (int fd = 0; fd < T.Size; fd++) if (T.Files[fd] != null) n++;
            return n;
        }
    }
}
