// open/close, read/write and their vectored and positional forms, lseek, the stat family,
// getdents64, ioctl and poll/select over the descriptor table (kernel/fs).
using Kernel.Fs;
using Kernel.Memory;
using Kernel.Vfs;

namespace Kernel.Syscalls
{
    internal static unsafe class SysFile
    {
        public const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_SYMLINK_FOLLOW = 0x400,
            AT_EACCESS = 0x200, AT_EMPTY_PATH = 0x1000;
        private const int ChunkSize = 16384;
        public const int PathMax = 4096;

        public static void Init()
        {
            FdTable.Install(new ConsoleFile(0, OpenFlags.O_RDWR), 0, false);
            FdTable.Install(new ConsoleFile(1, OpenFlags.O_RDWR), 1, false);
            FdTable.Install(new ConsoleFile(2, OpenFlags.O_RDWR), 2, false);
        }

        // ---- paths ----------------------------------------------------------------------------

        /// <summary>Copies a user path into <paramref name="buf"/> (PathMax bytes). Returns its length or -errno.</summary>
        public static int CopyPath(ulong user, byte* buf)
        {
            long len = UserMemory.StringLength(user, PathMax);
            if (len < 0) return (int)len;
            if (UserMemory.CopyFrom(buf, user, (ulong)len) != 0) return -Errno.EFAULT;
            buf[len] = 0;
            return (int)len;
        }

        /// <summary>The directory a *at() call starts from: the cwd for AT_FDCWD, else the fd's directory.</summary>
        public static int StartDir(int dirfd, byte* path, int len, out Inode start)
        {
            start = Process.Current.Cwd;
            if (len > 0 && path[0] == '/') return 0;
            if (dirfd == AT_FDCWD) return 0;
            File f = FdTable.Get(dirfd);
            if (f == null) return -Errno.EBADF;
            if (f.Node == null || (f.Node.Mode & 0xF000) != 0x4000) return -Errno.ENOTDIR;
            start = f.Node;
            return 0;
        }

        /// <summary>Resolves (dirfd, user path) to an inode. Records ENOENT for --missing-files.</summary>
        public static int Lookup(int dirfd, ulong userPath, bool follow, bool allowEmpty, out Inode node)
        {
            node = null;
            byte* buf = stackalloc byte[PathMax + 1];
            int len = CopyPath(userPath, buf);
            if (len < 0) return len;
            return LookupPath(dirfd, buf, len, follow, allowEmpty, out node);
        }

        /// <summary>As Lookup, for a path already copied into the kernel.</summary>
        public static int LookupPath(int dirfd, byte* buf, int len, bool follow, bool allowEmpty, out Inode node)
        {
            node = null;
            if (len == 0)
            {
                if (!allowEmpty) return -Errno.ENOENT;
                if (dirfd == AT_FDCWD) { node = Process.Current.Cwd; return 0; }
                File f = FdTable.Get(dirfd);
                if (f == null) return -Errno.EBADF;
                if (f.Node == null) return -Errno.EBADF;
                node = f.Node;
                FileSystem.NoteMountOf(node);
                return 0;
            }
            int r = StartDir(dirfd, buf, len, out Inode start);
            if (r < 0) return r;
            ProcFs.Refresh(start, buf, len);
            r = FileSystem.Resolve(start, new System.ReadOnlySpan<byte>(buf, len), follow, out node);
            if (r == -Errno.ENOENT) MissingFiles.Record(buf, len);
            return r;
        }

        // ---- open / close ---------------------------------------------------------------------

        public static long Open(SyscallFrame* f) => DoOpen(AT_FDCWD, f->A0, (int)f->A1, (uint)f->A2);
        public static long Openat(SyscallFrame* f) => DoOpen((int)f->A0, f->A1, (int)f->A2, (uint)f->A3);
        public static long Creat(SyscallFrame* f) =>
            DoOpen(AT_FDCWD, f->A0, OpenFlags.O_CREAT | OpenFlags.O_WRONLY | OpenFlags.O_TRUNC, (uint)f->A1);

        // ---- openat2 -------------------------------------------------------------------------

        private const int OPEN_HOW_SIZE_VER0 = 24;            // struct open_how { u64 flags, mode, resolve; }
        private const ulong VALID_OPEN_FLAGS = 0x7FFFC3;      // O_ACCMODE and every flag bit from O_CREAT to __O_TMPFILE
        private const int O_PATH_FLAGS = OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW | OpenFlags.O_PATH | OpenFlags.O_CLOEXEC;
        private const int O_TMPFILE_BIT = 0x400000;           // __O_TMPFILE (O_TMPFILE adds O_DIRECTORY)

        /// <summary>
        /// openat2(dirfd, path, how, size): openat with a versioned argument that refuses what openat
        /// ignores (unknown flags, a stray mode) and restricts the walk by how->resolve.
        /// </summary>
        public static long Openat2(SyscallFrame* f)
        {
            ulong userHow = f->A2, size = f->A3;
            if (size < OPEN_HOW_SIZE_VER0) return -Errno.EINVAL;
            if (size > 4096) return -Errno.E2BIG;
            // A larger struct from a newer program is fine as long as what we do not know is zero.
            byte* tail = stackalloc byte[64];
            for (ulong off = OPEN_HOW_SIZE_VER0; off < size;)
            {
                ulong chunk = size - off < 64 ? size - off : 64;
                if (UserMemory.CopyFrom(tail, userHow + off, chunk) != 0) return -Errno.EFAULT;
                for (ulong i = 0; i < chunk; i++) if (tail[i] != 0) return -Errno.E2BIG;
                off += chunk;
            }
            ulong* how = stackalloc ulong[3];
            if (UserMemory.CopyFrom(how, userHow, OPEN_HOW_SIZE_VER0) != 0) return -Errno.EFAULT;
            ulong flags = how[0], mode = how[1], resolve = how[2];
            flags &= ~(ulong)OpenFlags.O_CLOEXEC;               // as Linux: not part of the checks below
            if ((flags & ~VALID_OPEN_FLAGS) != 0) return -Errno.EINVAL;
            if ((resolve & ~(ulong)ResolveFlags.All) != 0) return -Errno.EINVAL;
            if ((resolve & ResolveFlags.Scoped) == ResolveFlags.Scoped) return -Errno.EINVAL;
            bool creates = (flags & (OpenFlags.O_CREAT | O_TMPFILE_BIT)) != 0;
            if (creates ? (mode & ~0xFFFUL) != 0 : mode != 0) return -Errno.EINVAL;
            if ((flags & (OpenFlags.O_DIRECTORY | OpenFlags.O_CREAT)) == (OpenFlags.O_DIRECTORY | OpenFlags.O_CREAT)) return -Errno.EINVAL;
            if ((flags & O_TMPFILE_BIT) != 0 && ((flags & OpenFlags.O_DIRECTORY) == 0 || (flags & OpenFlags.O_ACCMODE) == OpenFlags.O_RDONLY))
                return -Errno.EINVAL;
            if ((flags & OpenFlags.O_PATH) != 0 && (flags & ~(ulong)O_PATH_FLAGS) != 0) return -Errno.EINVAL;
            // Everything here is in memory, so a cached lookup always succeeds; but Linux never tries one that may create or truncate.
            if ((resolve & ResolveFlags.Cached) != 0 && (flags & (OpenFlags.O_TRUNC | OpenFlags.O_CREAT | O_TMPFILE_BIT)) != 0) return -Errno.EAGAIN;
            return DoOpen((int)f->A0, f->A1, (int)how[0], (uint)mode, (int)resolve);
        }

        /// <summary>The directory dirfd names (the cwd for AT_FDCWD): EBADF, ENOTDIR.</summary>
        private static int DirOf(int dirfd, out Inode dir)
        {
            dir = Process.Current.Cwd;
            if (dirfd == AT_FDCWD) return 0;
            File f = FdTable.Get(dirfd);
            if (f == null) return -Errno.EBADF;
            if (f.Node == null || !f.Node.IsDirectory) return -Errno.ENOTDIR;
            dir = f.Node;
            return 0;
        }

        private static long DoOpen(int dirfd, ulong userPath, int flags, uint mode, int resolve = 0)
        {
            // As Linux's build_open_how: O_PATH keeps only the flags that mean something to it (open
            // and openat drop the rest silently, openat2 refused them); others gain O_LARGEFILE on 64-bit.
            if ((flags & OpenFlags.O_PATH) != 0) flags &= O_PATH_FLAGS;
            else flags |= OpenFlags.O_LARGEFILE;
            // build_open_flags: O_CREAT|O_DIRECTORY is refused (it once made regular files), and an
            // unnamed temporary file must be writable; both before the path is read.
            if ((flags & (OpenFlags.O_CREAT | OpenFlags.O_DIRECTORY)) == (OpenFlags.O_CREAT | OpenFlags.O_DIRECTORY)) return -Errno.EINVAL;
            if ((flags & O_TMPFILE_BIT) != 0 && (flags & OpenFlags.O_ACCMODE) == OpenFlags.O_RDONLY) return -Errno.EINVAL;
            byte* buf = stackalloc byte[PathMax + 1];
            int len = CopyPath(userPath, buf);
            if (len < 0) return len;
            if (len == 0) return -Errno.ENOENT;
            int r = StartDir(dirfd, buf, len, out Inode start);
            if (r < 0) return r;
            // BENEATH and IN_ROOT are relative to dirfd; IN_ROOT needs it even for an absolute path.
            Inode anchor = null;
            if ((resolve & ResolveFlags.Scoped) != 0)
            {
                anchor = start;
                if (buf[0] == '/' && (resolve & ResolveFlags.InRoot) != 0)
                {
                    r = DirOf(dirfd, out anchor);
                    if (r < 0) return r;
                }
            }
            ProcFs.Refresh(start, buf, len);
            var path = new System.ReadOnlySpan<byte>(buf, len);
            bool follow = (flags & OpenFlags.O_NOFOLLOW) == 0;
            r = FileSystem.Resolve(start, path, follow, resolve, anchor, out Inode node);
            if ((flags & O_TMPFILE_BIT) != 0) return r < 0 ? r : OpenTmpfile(node, flags, mode);
            bool created = false;
            // O_CREAT with a trailing slash is EISDIR whether or not the name exists (after the parent's errors).
            if ((flags & OpenFlags.O_CREAT) != 0 && (r == -Errno.ENOENT || buf[len - 1] == '/'))
            {
                r = CreateFollowing(start, buf, len, flags, mode, resolve, anchor, out node);
                if (r < 0) return r;
                created = r == 1;
            }
            else if (r < 0)
            {
                if (r == -Errno.ENOENT) MissingFiles.Record(buf, len);
                return r;
            }
            else if ((flags & (OpenFlags.O_CREAT | OpenFlags.O_EXCL)) == (OpenFlags.O_CREAT | OpenFlags.O_EXCL)) return -Errno.EEXIST;
            return OpenNode(node, flags, created);
        }

        /// <summary>
        /// O_TMPFILE: an unnamed regular file on <paramref name="dir"/>'s file system, as if created
        /// there and unlinked at once; linkat(fd, "", AT_EMPTY_PATH) can name it later unless O_EXCL.
        /// </summary>
        private static long OpenTmpfile(Inode dir, int flags, uint mode)
        {
            if (!dir.IsDirectory) return -Errno.ENOTDIR;
            if (FileSystem.WalkReadOnly) return -Errno.EROFS;
            int r = Perm.Check(dir, Perm.MAY_WRITE | Perm.MAY_EXEC);
            if (r < 0) return r;
            Inode node = FileSystem.NewInode(0x8000 | (mode & 0xFFF & ~(uint)Process.Current.Umask));
            Perm.InitOwner(dir, node);
            node.SetParent(dir);
            node.Linkable = (flags & OpenFlags.O_EXCL) == 0;
            var file = new InodeFile(node, flags & ~(OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_TRUNC | OpenFlags.O_CLOEXEC | OpenFlags.O_NOCTTY | O_TMPFILE_BIT | OpenFlags.O_DIRECTORY));
            int fd = FdTable.Install(file, 0, (flags & OpenFlags.O_CLOEXEC) != 0);
            if (fd < 0) FdTable.Release(file);
            return fd;
        }

        /// <summary>
        /// The second half of open: a descriptor for a node already found (open_by_handle_at starts here).
        /// A file this open <paramref name="created"/> is not checked against its mode (Linux: O_CREAT with mode 0 still gives a writable descriptor).
        /// </summary>
        internal static long OpenNode(Inode node, int flags, bool created = false)
        {
            int r;
            uint type = node.Mode & 0xF000;
            int acc = flags & OpenFlags.O_ACCMODE;
            if (FileSystem.IsFileLink(node) && (flags & OpenFlags.O_PATH) == 0) return Reopen(ProcFs.FileOfLink(node), flags);
            if (type == 0xA000 && (flags & OpenFlags.O_PATH) == 0) return -Errno.ELOOP;   // O_NOFOLLOW on a symlink
            if ((flags & OpenFlags.O_DIRECTORY) != 0 && type != 0x4000) return -Errno.ENOTDIR;
            if (type == 0x4000 && (acc != OpenFlags.O_RDONLY || (flags & (OpenFlags.O_CREAT | OpenFlags.O_TRUNC)) != 0) && (flags & OpenFlags.O_PATH) == 0) return -Errno.EISDIR;
            if ((flags & OpenFlags.O_PATH) == 0 && FileSystem.WalkMount != null)
            {
                // The mount's flags: devices need a mount without nodev, writing a file one that is not read-only.
                if ((type == 0x2000 || type == 0x6000) && (FileSystem.WalkMount.Flags & Mount.NoDev) != 0) return -Errno.EACCES;
                if (type == 0x8000 && (acc != OpenFlags.O_RDONLY || (flags & OpenFlags.O_TRUNC) != 0) && FileSystem.WalkReadOnly) return -Errno.EROFS;
            }
            if ((flags & OpenFlags.O_PATH) == 0 && !created)
            {
                int mask = acc == OpenFlags.O_RDONLY ? Perm.MAY_READ : acc == OpenFlags.O_WRONLY ? Perm.MAY_WRITE : Perm.MAY_READ | Perm.MAY_WRITE;
                if ((flags & OpenFlags.O_TRUNC) != 0) mask |= Perm.MAY_WRITE;
                r = Perm.Check(node, mask);
                if (r < 0) return r;
                if ((flags & OpenFlags.O_NOATIME) != 0 && !Perm.OwnerOrCapable(node)) return -Errno.EPERM;
            }
            // A running program's file is not written (Linux's get_write_access), nor cut short first.
            if (type == 0x8000 && (flags & OpenFlags.O_PATH) == 0 && (acc != OpenFlags.O_RDONLY || (flags & OpenFlags.O_TRUNC) != 0) && node.WriteCount < 0)
                return -Errno.ETXTBSY;
            if ((flags & OpenFlags.O_TRUNC) != 0 && type == 0x8000 && (flags & OpenFlags.O_PATH) == 0)   // O_RDONLY too, as Linux
            {
                r = Seals.CheckResize(node, 0);
                if (r == 0) r = FileSystem.Truncate(node, 0);
                if (r < 0) return r;
                FsNotify.Child(node, InotifyMask.IN_MODIFY);
            }
            if (node is FifoInode fifo && (flags & OpenFlags.O_PATH) == 0) return OpenFifo(fifo, flags);
            if ((node is DeadDevice || node is SocketInode) && (flags & OpenFlags.O_PATH) == 0) return -Errno.ENXIO;
            if ((flags & OpenFlags.O_PATH) == 0)
            {
                if (node is PtmxDevice) return Pty.OpenMaster(node, flags);
                if (node is PtsInode pts) return Pty.OpenSlave(pts.Pair, node, flags);
                // /dev/tty is the caller's controlling terminal: a pseudo-terminal's slave when it has one.
                if (node is TtyDevice && node.Rdev == 0x500)
                {
                    if (Process.Current.CttyPty != null) return Pty.OpenSlave(Process.Current.CttyPty, node, flags);
                    if (!Process.Current.HasCtty) return -Errno.ENXIO;         // no controlling terminal at all
                }
            }
            var file = new InodeFile(node, flags & ~(OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_TRUNC | OpenFlags.O_CLOEXEC | OpenFlags.O_NOCTTY));
            int fd = FdTable.Install(file, 0, (flags & OpenFlags.O_CLOEXEC) != 0);
            if (fd < 0) FdTable.Release(file);
            else if ((flags & OpenFlags.O_PATH) == 0) FsNotify.Child(node, InotifyMask.IN_OPEN);
            return fd;
        }

        /// <summary>open(O_CREAT) of a missing file; a dangling symlink as the last component creates its target. 1: created, 0: found.</summary>
        private static int CreateFollowing(Inode start, byte* path, int len, int flags, uint mode, int resolve, Inode anchor, out Inode node)
        {
            node = null;
            byte* target = stackalloc byte[PathMax + 1];
            for (int hops = 0; hops <= FileSystem.MaxSymlinks; hops++)
            {
                var p = new System.ReadOnlySpan<byte>(path, len);
                int r = FileSystem.ResolveParent(start, p, PathOp.OpenCreate, resolve, anchor, out Inode parent, out int nameStart, out int nameLength);
                if (r < 0) return r;
                if (path[len - 1] == '/') return -Errno.EISDIR;
                var name = new System.ReadOnlySpan<byte>(path + nameStart, nameLength);
                Inode existing = FileSystem.Lookup(parent, name);
                if (existing == null)
                {
                    if (FileSystem.WalkReadOnly) return -Errno.EROFS;
                    int c = Perm.MayCreate(parent, name);
                    if (c < 0) return c;
                    c = FileSystem.Create(parent, name, 0x8000 | (mode & 0xFFF & ~(uint)Process.Current.Umask), out node);
                    if (c < 0) return c;
                    Perm.InitOwner(parent, node);
                    FsNotify.Entry(parent, InotifyMask.IN_CREATE, name, node, 0);
                    return 1;                                 // created: open does not check its mode
                }
                if (!existing.IsSymlink) return FileSystem.Resolve(start, p, true, resolve, anchor, out node);
                if ((flags & (OpenFlags.O_EXCL | OpenFlags.O_NOFOLLOW)) != 0) return (flags & OpenFlags.O_EXCL) != 0 ? -Errno.EEXIST : -Errno.ELOOP;
                if ((resolve & ResolveFlags.NoSymlinks) != 0) return -Errno.ELOOP;
                int tl = FileSystem.ReadLink(existing, new System.Span<byte>(target, PathMax));
                if (tl <= 0) return -Errno.ENOENT;
                for (int i = 0; i < tl; i++) path[i] = target[i];
                path[tl] = 0;
                len = tl;
                start = parent;                               // a relative target is relative to the link's directory
            }
            return -Errno.ELOOP;
        }

        /// <summary>
        /// Opens a named pipe as Linux's fifo_open: the new end counts at once (so an opener waiting
        /// for it can go on), then a blocking open for reading (writing) waits until a writer (reader)
        /// has opened since, even one that has closed again. O_RDWR never waits; a non-blocking open
        /// for writing without a reader fails with ENXIO.
        /// </summary>
        private static long OpenFifo(FifoInode fifo, int flags)
        {
            int acc = flags & OpenFlags.O_ACCMODE;
            bool nonblock = (flags & OpenFlags.O_NONBLOCK) != 0;
            if (acc == OpenFlags.O_WRONLY && fifo.OpenReaders == 0 && nonblock) return -Errno.ENXIO;
            if (fifo.P == null) { fifo.P = new Pipe(); fifo.P.Readers = 0; fifo.P.Writers = 0; }
            bool writer = acc == OpenFlags.O_WRONLY;
            bool wait = !nonblock && acc != OpenFlags.O_RDWR && (writer ? fifo.OpenReaders == 0 : fifo.OpenWriters == 0);
            uint partners = writer ? fifo.ReaderOpens : fifo.WriterOpens;
            PipeFile end = NewPipeEnd(fifo.P, fifo, flags);       // holds the pipe while we wait
            while (wait && (writer ? fifo.ReaderOpens : fifo.WriterOpens) == partners)
            {
                if (Scheduler.Sleep(end.P.Waiters, 0) == Scheduler.Interrupted) { FdTable.Release(end); return -Errno.ERESTARTSYS; }
            }
            return InstallNew(end, flags);
        }

        /// <summary>
        /// open of /proc/PID/fd/N (or /dev/fd/N, /dev/stdin) when N is not a file in a tree: Linux
        /// opens the pipe's inode afresh, so a pipe end gives a new description of the same pipe in
        /// the access mode asked for (bash's &lt;(...), `cat /dev/stdin`), with no wait for the other
        /// end unless it is a named FIFO; the program's console streams (what ops connects, a pipe
        /// or a terminal to the program) open afresh as well (`cat /dev/stdin`, `echo > /dev/stderr`
        /// in dash); sockets and anonymous inodes cannot be opened (ENXIO).
        /// </summary>
        private static long Reopen(File file, int flags)
        {
            if (file == null) return -Errno.ENOENT;                 // closed since the walk
            if (file is ConsoleFile con) return InstallNew(new ConsoleFile(con.Stream, flags & (OpenFlags.O_ACCMODE | OpenFlags.Settable)), flags);
            if (!(file is PipeFile pipe)) return -Errno.ENXIO;
            if (pipe.Fifo != null) return OpenFifo(pipe.Fifo, flags);
            return InstallNew(NewPipeEnd(pipe.P, null, flags), flags);
        }

        /// <summary>A new description of pipe <paramref name="p"/> (of <paramref name="fifo"/> when named) in the access mode of <paramref name="flags"/>, counted as an end.</summary>
        private static PipeFile NewPipeEnd(Pipe p, FifoInode fifo, int flags)
        {
            int acc = flags & OpenFlags.O_ACCMODE;
            int status = flags & (OpenFlags.O_NONBLOCK | OpenFlags.O_ACCMODE);
            PipeFile end;
            if (acc == OpenFlags.O_RDWR)
            {
                // Linux allows O_RDWR on a pipe: this descriptor is both ends; reads see its own writes.
                end = new PipeFile(p, true, status) { Fifo = fifo, BothEnds = true };
                p.Writers++; p.Readers++;
                if (fifo != null) { fifo.OpenWriters++; fifo.OpenReaders++; fifo.WriterOpens++; fifo.ReaderOpens++; }
            }
            else
            {
                bool writeEnd = acc == OpenFlags.O_WRONLY;
                end = new PipeFile(p, writeEnd, status) { Fifo = fifo };
                if (writeEnd) p.Writers++; else p.Readers++;
                if (fifo != null)
                {
                    if (writeEnd) { fifo.OpenWriters++; fifo.WriterOpens++; }
                    else { fifo.OpenReaders++; fifo.ReaderOpens++; }
                }
            }
            if (fifo != null) fifo.OpenRef();
            p.Changed();                                       // an opener waiting for this end may go on
            return end;
        }

        /// <summary>A descriptor for a new open file description (O_CLOEXEC from <paramref name="flags"/>); it goes again when the table is full.</summary>
        private static long InstallNew(File f, int flags)
        {
            int fd = FdTable.Install(f, 0, (flags & OpenFlags.O_CLOEXEC) != 0);
            if (fd < 0) FdTable.Release(f);
            return fd;
        }

        public static long Mknod(SyscallFrame* f) => DoMknod(AT_FDCWD, f->A0, (uint)f->A1, f->A2);
        public static long Mknodat(SyscallFrame* f) => DoMknod((int)f->A0, f->A1, (uint)f->A2, f->A3);

        /// <summary>
        /// mknod: a regular file, FIFO, socket node, or device node. A character device node gets the
        /// driver of its number (Devices.CharDevice: 1,3 behaves as /dev/null wherever it is made); a
        /// number without a driver, and every block device (there are no block drivers), opens with
        /// ENXIO. The type is checked before the path (may_mknod): a directory EPERM, others EINVAL.
        /// </summary>
        private static long DoMknod(int dirfd, ulong userPath, uint mode, ulong devArg)
        {
            uint type = mode & Inode.S_IFMT, dev = (uint)devArg;      // the syscall's dev is an unsigned int
            if (type == Inode.S_IFDIR) return -Errno.EPERM;
            if (type != 0 && type != Inode.S_IFREG && type != Inode.S_IFCHR && type != Inode.S_IFBLK &&
                type != Inode.S_IFIFO && type != Inode.S_IFSOCK) return -Errno.EINVAL;
            byte* buf = stackalloc byte[PathMax + 1];
            int len = CopyPath(userPath, buf);
            if (len < 0) return len;
            if (len == 0) return -Errno.ENOENT;
            int r = StartDir(dirfd, buf, len, out Inode start);
            if (r < 0) return r;
            r = FileSystem.ResolveParent(start, new System.ReadOnlySpan<byte>(buf, len), PathOp.Create, out Inode parent, out int ns, out int nl);
            if (r < 0) return r;
            var name = new System.ReadOnlySpan<byte>(buf + ns, nl);
            if (FileSystem.WalkReadOnly) return FileSystem.Lookup(parent, name) != null ? -Errno.EEXIST : -Errno.EROFS;
            uint perm = mode & 0xFFF & ~(uint)Process.Current.Umask;
            if (FileSystem.Lookup(parent, name) == null)
            {
                r = Perm.MayCreate(parent, name);
                if (r < 0) return r;
                if ((type == Inode.S_IFCHR || type == Inode.S_IFBLK) && !Credentials.Current.Capable(Cap.MKNOD)) return -Errno.EPERM;
            }
            if (type == 0 || type == Inode.S_IFREG)
            {
                r = FileSystem.Create(parent, name, Inode.S_IFREG | perm, out Inode created);
                if (r < 0) return r;
                Perm.InitOwner(parent, created);
                FsNotify.Entry(parent, InotifyMask.IN_CREATE, name, created, 0);
                return r;
            }
            SpecialInode node = type == Inode.S_IFIFO ? new FifoInode()
                : type == Inode.S_IFCHR ? Devices.CharDevice(Devices.Major(dev), Devices.Minor(dev))
                : null;
            node ??= new DeadDevice();                         // sockets (opened: ENXIO), block devices, unknown numbers
            node.Mode = type | perm;
            node.Rdev = type == Inode.S_IFCHR || type == Inode.S_IFBLK ? dev : 0;
            Perm.InitOwner(parent, node);
            r = FileSystem.AddSpecial(parent, name, node);
            if (r >= 0) FsNotify.Entry(parent, InotifyMask.IN_CREATE, name, node, 0);
            return r;
        }

        /// <summary>A whiteout at <paramref name="name"/>: a character device 0:0 with no permissions (RENAME_WHITEOUT).</summary>
        internal static void AddWhiteout(Inode parent, System.ReadOnlySpan<byte> name)
        {
            var node = new DeadDevice();
            node.Mode = Inode.S_IFCHR;
            node.Rdev = 0;
            Perm.InitOwner(parent, node);
            if (FileSystem.AddSpecial(parent, name, node) >= 0) FsNotify.Entry(parent, InotifyMask.IN_CREATE, name, node, 0);
        }

        public static long Close(SyscallFrame* f) => FdTable.Close((int)f->A0);

        public static long CloseRange(SyscallFrame* f)
        {
            uint first = (uint)f->A0, last = (uint)f->A1, flags = (uint)f->A2;
            const uint CLOSE_RANGE_UNSHARE = 2, CLOSE_RANGE_CLOEXEC = 4;
            if ((flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) != 0 || first > last) return -Errno.EINVAL;
            for (uint fd = first; fd <= last && fd < (uint)Process.Current.Files.Size; fd++)
            {
                if (FdTable.Get((int)fd) == null) continue;
                if ((flags & CLOSE_RANGE_CLOEXEC) != 0) FdTable.SetCloexec((int)fd, true);
                else FdTable.Close((int)fd);
            }
            return 0;
        }

        // ---- read / write ---------------------------------------------------------------------

        [System.Runtime.CompilerServices.SkipLocalsInit]
        internal static long ReadInto(File file, ulong buf, ulong count, long offset)
        {
            if (!file.CanRead) return -Errno.EBADF;
            long bad = VerifyArea(file, buf, count, offset);
            if (bad < 0) return bad;
            if (count == 0) return file is InodeFile && file.Node.IsDirectory ? -Errno.EISDIR : 0;
            // Pipes copy straight between the ring and user memory.
            if (file is PipeFile pr && offset < 0)
            {
                if (pr.WriteEnd && (pr.Flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDWR) return -Errno.EBADF;
                return pr.P.ReadUser(buf, count > int.MaxValue ? int.MaxValue : (long)count, (pr.Flags & OpenFlags.O_NONBLOCK) != 0);
            }
            // A socket reads as recv(fd, buf, count, 0): a stream takes all that is queued (not one
            // chunk: libuv takes a short read after EPOLLHUP as the end), a datagram one message.
            if (file is SocketFile sock && offset < 0) return SysSocket.ReceiveUser(sock, buf, count, 0, null, null);
            byte* chunk = stackalloc byte[ChunkSize];
            ulong done = 0;
            while (done < count)
            {
                // A long read lets other threads run every MiB (no lock is held between chunks; a
                // write may land between them, as on Linux, where reads take no inode lock).
                if ((done & (PreemptEvery - 1)) == 0 && done > 0) Scheduler.PreemptPoint();
                long want = (long)(count - done < ChunkSize ? count - done : ChunkSize);
                // Read no more than the buffer can take, so nothing is consumed that cannot be delivered
                // (a buffer that ends early gives a short read, as on Linux; none at all gives EFAULT).
                ulong room = AddressSpace.AccessibleLength(buf + done, (ulong)want, true);
                if (room == 0) return done > 0 ? (long)done : AtEndOfFile(file, offset) ? 0 : -Errno.EFAULT;
                if ((long)room < want) want = (long)room;
                long n = offset < 0 ? file.Read(chunk, want) : file.Pread(chunk, want, offset + (long)done);
                if (n < 0) return done > 0 ? (long)done : n;
                if (n > 0 && UserMemory.CopyTo(buf + done, chunk, (ulong)n) != 0) return done > 0 ? (long)done : -Errno.EFAULT;
                if (done == 0 && n > 0 && file is InodeFile) FsNotify.Child(file.Node, InotifyMask.IN_ACCESS);
                done += (ulong)n;
                if (n < want || file is ConsoleFile || file is PipeFile || file is SocketFile || file is PtyEnd) break;   // short read: stop
            }
            return (long)done;
        }

        /// <summary>
        /// vfs_read/vfs_write's checks before any transfer: a buffer that cannot lie in user memory is
        /// EFAULT (access_ok), and on a file with positions a transfer whose end passes 2^63 is EINVAL
        /// (rw_verify_area). Pipes and sockets have no position; /proc/PID/mem's is unsigned.
        /// </summary>
        internal static long VerifyArea(File file, ulong buf, ulong count, long offset)
        {
            if (!UserMemory.AccessOk(buf, count)) return -Errno.EFAULT;
            if (!(file is InodeFile) || file.Node is ProcessMemFile) return 0;
            long pos = offset < 0 ? file.Offset : offset;
            return (long)((ulong)pos + count) < 0 ? -Errno.EINVAL : 0;
        }

        /// <summary>
        /// RLIMIT_FSIZE (generic_write_check_limits): a write to a regular file stops at the limit; one
        /// that starts at or past it is EFBIG, with SIGXFSZ. Returns the count to write or -EFBIG.
        /// </summary>
        private static long FileSizeLimit(File file, ulong count, long offset)
        {
            ulong limit = Process.Current.Limits[SysProcess.RLIMIT_FSIZE].Cur;
            if (limit == ulong.MaxValue || count == 0) return (long)count;
            long pos = (file.Flags & OpenFlags.O_APPEND) != 0 ? file.Node.Size : offset < 0 ? file.Offset : offset;
            if ((ulong)pos >= limit) { SignalDelivery.Raise(Signal.SIGXFSZ); return -Errno.EFBIG; }
            return (long)(count < limit - (ulong)pos ? count : limit - (ulong)pos);
        }

        /// <summary>inode_newsize_ok: truncate or fallocate growing a file past RLIMIT_FSIZE is EFBIG, with SIGXFSZ.</summary>
        internal static int SizeLimitOk(Inode node, long size)
        {
            ulong limit = Process.Current.Limits[SysProcess.RLIMIT_FSIZE].Cur;
            if (size <= node.Size || limit == ulong.MaxValue || (ulong)size <= limit) return 0;
            SignalDelivery.Raise(Signal.SIGXFSZ);
            return -Errno.EFBIG;
        }

        /// <summary>A regular file read at or past its end: Linux copies nothing, so a bad buffer goes unnoticed (0, not EFAULT).</summary>
        private static bool AtEndOfFile(File file, long offset)
        {
            Inode n = file.Node;
            if (n == null || (n.Mode & 0xF000) != 0x8000 || n is SpecialInode) return false;
            return (offset < 0 ? file.Offset : offset) >= (long)n.Size;
        }

        internal static long WriteFrom(File file, ulong buf, ulong count, long offset)
        {
            if (!file.CanWrite) return -Errno.EBADF;
            long bad = VerifyArea(file, buf, count, offset);
            if (bad < 0) return bad;
            if (file is PipeFile pw && offset < 0)
            {
                if (!pw.WriteEnd && (pw.Flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDWR) return -Errno.EBADF;
                return pw.P.WriteUser(buf, count > 0x7ffff000 ? 0x7ffff000 : (long)count, (pw.Flags & OpenFlags.O_NONBLOCK) != 0);
            }
            // A regular file has one writer at a time (Linux's inode lock): a write of more than a MiB
            // holds it and lets other threads run every MiB, so no other write lands in its middle.
            Inode locked = null;
            if (file is InodeFile && file.Node != null && file.Node.IsRegular && !file.Node.IsSpecial)
            {
                Inode node = file.Node;
                if (count > 0) Perm.RemovePrivs(node);
                while (node.Writer != null && node.Writer != Thread.Current) Scheduler.Sleep(s_fileWriters, 0, interruptible: false);
                long allowed = FileSizeLimit(file, count, offset);
                if (allowed < 0) return allowed;
                count = (ulong)allowed;
                if (count > PreemptEvery && node.Writer == null) { node.Writer = Thread.Current; locked = node; }
            }
            long r = WriteChunks(file, buf, count, offset, locked != null);
            if (locked != null) { locked.Writer = null; s_fileWriters.WakeAll(); }
            return r;
        }

        /// <summary>How much a long read, write or copy moves between preemption points.</summary>
        internal const ulong PreemptEvery = 0x100000;
        private static readonly WaitQueue s_fileWriters = new WaitQueue();

        [System.Runtime.CompilerServices.SkipLocalsInit]
        private static long WriteChunks(File file, ulong buf, ulong count, long offset, bool preemptible)
        {
            byte* chunk = stackalloc byte[ChunkSize];
            ulong done = 0;
            while (done < count)
            {
                if (preemptible && (done & (PreemptEvery - 1)) == 0 && done > 0) Scheduler.PreemptPoint();
                long want = (long)(count - done < ChunkSize ? count - done : ChunkSize);
                if (UserMemory.CopyFrom(chunk, buf + done, (ulong)want) != 0) return done > 0 ? (long)done : -Errno.EFAULT;
                long n = offset < 0 ? file.Write(chunk, want) : file.Pwrite(chunk, want, offset + (long)done);
                if (done == 0 && n > 0 && file is InodeFile) FsNotify.Child(file.Node, InotifyMask.IN_MODIFY);
                if (n < 0) return done > 0 ? (long)done : n;
                done += (ulong)n;
                if (n < want) break;
            }
            return (long)done;
        }

        public static long Read(SyscallFrame* f)
        {
            File file = FdTable.GetOpen((int)f->A0);
            return file == null ? -Errno.EBADF : ReadInto(file, f->A1, f->A2, -1);
        }

        public static long Write(SyscallFrame* f)
        {
            File file = FdTable.GetOpen((int)f->A0);
            if (file == null) return -Errno.EBADF;
            long r = WriteFrom(file, f->A1, f->A2, -1);
            if (r == -Errno.EAGAIN || (r >= 0 && (ulong)r < f->A2)) file.WriteBlocked = true;   // full: EPOLLET's next EPOLLOUT is an edge
            return r;
        }

        // pread/pwrite/preadv/pwritev: a negative offset is EINVAL before the descriptor is looked at,
        // and a file without positions (pipe, socket) is ESPIPE before its access mode is.
        public static long Pread64(SyscallFrame* f)
        {
            if ((long)f->A3 < 0) return -Errno.EINVAL;
            File file = FdTable.GetOpen((int)f->A0);
            if (file == null) return -Errno.EBADF;
            if (IsStream(file)) return -Errno.ESPIPE;
            return ReadInto(file, f->A1, f->A2, (long)f->A3);
        }

        public static long Pwrite64(SyscallFrame* f)
        {
            if ((long)f->A3 < 0) return -Errno.EINVAL;
            File file = FdTable.GetOpen((int)f->A0);
            if (file == null) return -Errno.EBADF;
            if (IsStream(file)) return -Errno.ESPIPE;
            return WriteFrom(file, f->A1, f->A2, (long)f->A3);
        }

        private static bool IsStream(File file) => file is PipeFile || file is SocketFile;

        private struct IoVec { public ulong Base, Len; }

        internal static long Vectored(int fd, ulong iov, long count, bool write, long offset)
        {
            File file = FdTable.GetOpen(fd);
            if (file == null) return -Errno.EBADF;
            if (offset >= 0 && IsStream(file)) return -Errno.ESPIPE;
            return VectoredFile(file, iov, count, write, offset);
        }

        private const long UioMaxIov = 1024, MaxRwCount = 0x7ffff000;

        /// <summary>
        /// The checks of vfs_readv/vfs_writev before any transfer, in Linux's order: the access mode
        /// (EBADF), the vector (more than UIO_MAXIOV entries or a negative length: EINVAL; a buffer
        /// beyond user memory: EFAULT), then the range (<see cref="VerifyArea"/>). Returns the total
        /// length (capped at MAX_RW_COUNT) or -errno.
        /// </summary>
        internal static long CheckIovecs(File file, ulong iov, long count, bool write, long offset)
        {
            if (write ? !file.CanWrite : !file.CanRead) return -Errno.EBADF;
            if ((ulong)count > UioMaxIov) return -Errno.EINVAL;
            long total = 0;
            bool fault = false;
            for (long i = 0; i < count; i++)
            {
                if (UserMemory.Read(iov + (ulong)i * 16, out IoVec v) != 0) return -Errno.EFAULT;
                if ((long)v.Len < 0) return -Errno.EINVAL;
                if (!UserMemory.AccessOk(v.Base, v.Len)) fault = true;
                total += (long)v.Len > MaxRwCount - total ? MaxRwCount - total : (long)v.Len;
            }
            if (fault) return -Errno.EFAULT;
            return total == 0 ? 0 : VerifyArea(file, 0, (ulong)total, offset) < 0 ? -Errno.EINVAL : total;
        }

        /// <summary>readv/writev (offset -1: the file position) on an open file (io_uring's registered files have no descriptor).</summary>
        internal static long VectoredFile(File file, ulong iov, long count, bool write, long offset)
        {
            long check = CheckIovecs(file, iov, count, write, offset);
            if (check <= 0) return check;
            long total = 0;
            for (long i = 0; i < count; i++)
            {
                if (UserMemory.Read(iov + (ulong)i * 16, out IoVec v) != 0) return total > 0 ? total : -Errno.EFAULT;
                if (v.Len == 0) continue;
                long at = offset < 0 ? -1 : offset + total;
                // readv from a pipe or socket: after the first buffer, take only what is already there.
                if (!write && total > 0 && (file.Node == null || file is PtyEnd) && (file.Poll() & PollBits.POLLIN) == 0) break;
                long r = write ? WriteFrom(file, v.Base, v.Len, at) : ReadInto(file, v.Base, v.Len, at);
                if (write && (r == -Errno.EAGAIN || (r >= 0 && (ulong)r < v.Len))) file.WriteBlocked = true;
                if (r < 0) return total > 0 ? total : r;
                total += r;
                if ((ulong)r < v.Len) break;
            }
            return total;
        }

        /// <summary>readv/writev at the file offset (for sendmsg/recvmsg).</summary>
        public static long VectoredIo(int fd, ulong iov, long count, bool write) => Vectored(fd, iov, count, write, -1);

        public static long Readv(SyscallFrame* f) => Vectored((int)f->A0, f->A1, (long)f->A2, false, -1);
        public static long Writev(SyscallFrame* f) => Vectored((int)f->A0, f->A1, (long)f->A2, true, -1);
        private const int RWF_NOWAIT = 8, RWF_APPEND = 0x10, RWF_KNOWN = 0x1FF;   // HIPRI, DSYNC, SYNC ... NOSIGNAL: no effect in memory

        public static long Preadv2(SyscallFrame* f) => Vectored2(f, false);
        public static long Pwritev2(SyscallFrame* f) => Vectored2(f, true);

        /// <summary>preadv2/pwritev2: offset -1 is the file position; RWF_NOWAIT refuses to wait, RWF_APPEND writes at the end.</summary>
        private static long Vectored2(SyscallFrame* f, bool write)
        {
            long offset = (long)f->A3;
            int flags = (int)f->A5;
            if (offset < -1) return -Errno.EINVAL;
            File file = FdTable.GetOpen((int)f->A0);
            if (file == null) return -Errno.EBADF;
            if (offset >= 0 && IsStream(file)) return -Errno.ESPIPE;
            // As Linux, the flags are looked at only once there is something to transfer.
            long check = CheckIovecs(file, f->A1, (long)f->A2, write, offset);
            if (check <= 0) return check;
            if ((flags & ~RWF_KNOWN) != 0) return -Errno.EOPNOTSUPP;
            if ((flags & RWF_NOWAIT) != 0 && (file.Node == null || file is PtyEnd) && (file.Poll() & (write ? PollBits.POLLOUT : PollBits.POLLIN)) == 0) return -Errno.EAGAIN;
            bool atPosition = offset == -1;
            if (write && (flags & RWF_APPEND) != 0 && file.Node != null && (file.Node.Mode & 0xF000) == 0x8000)
            {
                offset = (long)file.Node.Size;
                long r = Vectored((int)f->A0, f->A1, (long)f->A2, true, offset);
                if (r > 0 && atPosition) file.Offset = offset + r;
                return r;
            }
            return Vectored((int)f->A0, f->A1, (long)f->A2, write, offset);
        }

        public static long Preadv(SyscallFrame* f) => (long)f->A3 < 0 ? -Errno.EINVAL : Vectored((int)f->A0, f->A1, (long)f->A2, false, (long)f->A3);
        public static long Pwritev(SyscallFrame* f) => (long)f->A3 < 0 ? -Errno.EINVAL : Vectored((int)f->A0, f->A1, (long)f->A2, true, (long)f->A3);

        public static long Lseek(SyscallFrame* f)
        {
            File file = FdTable.GetOpen((int)f->A0);
            return file == null ? -Errno.EBADF : file.Seek((long)f->A1, (int)f->A2);
        }

        // ---- stat -----------------------------------------------------------------------------

        public struct Stat
        {
            public ulong Dev, Ino, Nlink;
            public uint Mode, Uid, Gid, Pad0;
            public ulong Rdev;
            public long Size, Blksize, Blocks;
            public long Atime, AtimeNsec, Mtime, MtimeNsec, Ctime, CtimeNsec;
            public long Reserved0, Reserved1, Reserved2;
        }

        public static void Fill(Inode n, Stat* st)
        {
            *st = default;
            st->Dev = FileSystem.DeviceOf(n);      // each fresh tree (tmpfs mount) is a device of its own
            st->Ino = n.Ino;
            st->Nlink = n.Nlink;
            st->Mode = n.Mode;
            Perm.OwnerOf(n, out st->Uid, out st->Gid);
            st->Rdev = n.Rdev;
            // Report sizes the way a 4 KiB-block disk file system does (ls -l "total", du): a directory
            // occupies one block and a file the pages it stores (holes take none, as on Linux), so
            // tools print what they print on Linux.
            st->Size = n.IsDirectory ? 4096 : n.Size;
            st->Blksize = 4096;
            st->Blocks = n.IsDirectory ? 8 : n.IsSymlink ? 0 :
                n.IsRegular && !n.IsSpecial ? (long)FileSystem.StoredPages(n, 0, ulong.MaxValue) * 8 : (n.Size + 4095) / 4096 * 8;
            st->Atime = n.AtimeNs / 1_000_000_000; st->AtimeNsec = n.AtimeNs % 1_000_000_000;
            st->Mtime = n.MtimeNs / 1_000_000_000; st->MtimeNsec = n.MtimeNs % 1_000_000_000;
            st->Ctime = n.CtimeNs / 1_000_000_000; st->CtimeNsec = n.CtimeNs % 1_000_000_000;
        }

        /// <summary>stat of an open file: its inode, or what Linux reports for a pipe, a socket, an anonymous inode or a terminal.</summary>
        private static void FillFile(File file, Stat* st)
        {
            if (file.Node != null) { Fill(file.Node, st); return; }
            *st = default;
            st->Nlink = 1;
            st->Blksize = 4096;
            if (file is PipeFile p) { st->Mode = 0x1180; st->Ino = p.P.Id; st->Dev = 0xD; }
            else if (file is SocketFile s) { st->Mode = 0xC1FF; st->Ino = s.Ino; st->Dev = 0x8; st->Blksize = 4096; }
            else if (file is MqFile mq) { st->Mode = 0x8000 | mq.Queue.Mode; st->Ino = mq.Queue.Ino; st->Dev = 0x13; st->Size = 80; }   // an mqueue fs inode
            else if (file.AnonName != null) { st->Mode = 0x180; st->Ino = 1; st->Dev = 0xE; }   // the one anon inode
            else if (file.IsTty) { st->Mode = 0x2190; st->Rdev = 0x8800; st->Dev = 0x16; st->Ino = 3; }
            else { st->Mode = 0x1180; st->Dev = 0xD; st->Ino = 2; }      // a host pipe
        }

        /// <summary>stat of a node a walk found; a walk that ended at a /proc link to a pipe or socket stats that file.</summary>
        private static int FillNode(Inode node, Stat* st)
        {
            if (!FileSystem.IsFileLink(node)) { Fill(node, st); return 0; }
            File file = ProcFs.FileOfLink(node);
            if (file == null) return -Errno.ENOENT;
            FillFile(file, st);
            return 0;
        }

        private static long StatFile(File file, ulong buf)
        {
            Stat st;
            FillFile(file, &st);
            return UserMemory.Write(buf, st);
        }

        public static long Fstat(SyscallFrame* f)
        {
            File file = FdTable.Get((int)f->A0);
            return file == null ? -Errno.EBADF : StatFile(file, f->A1);
        }

        private const int AT_NO_AUTOMOUNT = 0x800, AT_STATX_SYNC_TYPE = 0x6000;

        private static long StatPath(int dirfd, ulong path, ulong buf, int flags)
        {
            if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH)) != 0) return -Errno.EINVAL;
            if ((flags & AT_EMPTY_PATH) != 0)
            {
                // As Linux 6.11+: with AT_EMPTY_PATH a null path is the empty one.
                long len = path == 0 ? 0 : UserMemory.StringLength(path, PathMax);
                if (len < 0) return len;
                if (len == 0)
                {
                    if (dirfd == AT_FDCWD) { Stat s0; Fill(Process.Current.Cwd, &s0); return UserMemory.Write(buf, s0); }
                    File file = FdTable.Get(dirfd);
                    return file == null ? -Errno.EBADF : StatFile(file, buf);
                }
            }
            int r = Lookup(dirfd, path, (flags & AT_SYMLINK_NOFOLLOW) == 0, false, out Inode node);
            if (r < 0) return r;
            Stat st;
            r = FillNode(node, &st);
            return r < 0 ? r : UserMemory.Write(buf, st);
        }

        public static long StatSyscall(SyscallFrame* f) => StatPath(AT_FDCWD, f->A0, f->A1, 0);
        public static long Lstat(SyscallFrame* f) => StatPath(AT_FDCWD, f->A0, f->A1, AT_SYMLINK_NOFOLLOW);
        public static long Newfstatat(SyscallFrame* f) => StatPath((int)f->A0, f->A1, f->A2, (int)f->A3);

        private struct StatxTimestamp { public long Sec; public uint Nsec; public int Reserved; }
        private struct Statx
        {
            public uint Mask, Blksize;
            public ulong Attributes;
            public uint Nlink, Uid, Gid;
            public ushort Mode, Pad1;
            public ulong Ino, Size, Blocks, AttributesMask;
            public StatxTimestamp Atime, Btime, Ctime, Mtime;
            public uint RdevMajor, RdevMinor, DevMajor, DevMinor;
            public ulong MntId;
            public fixed ulong Spare[13];
        }

        private const uint STATX_MTIME = 0x40, STATX_CTIME = 0x80, STATX_BTIME = 0x800, STATX_MNT_ID = 0x1000;

        public static long StatxSyscall(SyscallFrame* f)
        {
            Stat st;
            long r;
            int flags = (int)f->A2;
            int dirfd = (int)f->A0;
            if (((uint)f->A3 & 0x80000000u) != 0) return -Errno.EINVAL;   // STATX__RESERVED
            if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) != 0) return -Errno.EINVAL;
            if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE) return -Errno.EINVAL;   // FORCE_SYNC and DONT_SYNC at once
            long len = f->A1 == 0 && (flags & AT_EMPTY_PATH) != 0 ? 0 : UserMemory.StringLength(f->A1, PathMax);
            if (len < 0) return len;
            Mount mount;
            Inode of;
            if (len == 0 && (flags & AT_EMPTY_PATH) != 0)
            {
                File file = dirfd == AT_FDCWD ? null : FdTable.Get(dirfd);
                if (dirfd != AT_FDCWD && file == null) return -Errno.EBADF;
                if (file == null) { of = Process.Current.Cwd; Fill(of, &st); }
                else { of = file.Node; FillFile(file, &st); }
                mount = file != null && file.Node != null ? FileSystem.MountOf(file.Node) : FileSystem.MountOf(Process.Current.Cwd);
            }
            else
            {
                r = Lookup(dirfd, f->A1, (flags & AT_SYMLINK_NOFOLLOW) == 0, false, out of);
                if (r < 0) return r;
                r = FillNode(of, &st);
                if (r < 0) return r;
                mount = FileSystem.WalkMount ?? FileSystem.MountOf(of);
            }
            Statx x = default;
            // STATX_BASIC_STATS; as Linux 6.13+ (multigrain timestamps), mtime and ctime only when asked for.
            // STATX_MNT_ID is always there, as Linux (the id /proc/PID/mountinfo shows).
            x.Mask = ((uint)f->A3 & (STATX_MTIME | STATX_CTIME)) != 0 ? 0x7FFu : 0x7FFu & ~(STATX_MTIME | STATX_CTIME);
            x.Mask |= STATX_MNT_ID;
            x.MntId = mount != null ? (ulong)mount.Id : 0;
            // Birth time, as tmpfs keeps it (reported when asked for); /proc and the kernel's own nodes have none.
            if (((uint)f->A3 & STATX_BTIME) != 0 && of != null && !of.Pinned && !of.Transient)
            {
                x.Mask |= STATX_BTIME;
                x.Btime.Sec = of.BtimeNs / 1_000_000_000; x.Btime.Nsec = (uint)(of.BtimeNs % 1_000_000_000);
            }
            x.Blksize = 4096;
            x.Nlink = (uint)st.Nlink; x.Uid = st.Uid; x.Gid = st.Gid; x.Mode = (ushort)st.Mode;
            x.Ino = st.Ino; x.Size = (ulong)st.Size; x.Blocks = (ulong)st.Blocks;
            x.Atime.Sec = st.Atime; x.Atime.Nsec = (uint)st.AtimeNsec;
            x.Mtime.Sec = st.Mtime; x.Mtime.Nsec = (uint)st.MtimeNsec;
            x.Ctime.Sec = st.Ctime; x.Ctime.Nsec = (uint)st.CtimeNsec;
            x.RdevMajor = (uint)(st.Rdev >> 8) & 0xFFF; x.RdevMinor = (uint)(st.Rdev & 0xFF);
            x.DevMajor = (uint)(st.Dev >> 8) & 0xFFF; x.DevMinor = (uint)(st.Dev & 0xFF) | (uint)(st.Dev >> 12) & 0xFFF00;   // as stat's st_dev
            return UserMemory.Write(f->A4, x);
        }

        // ---- directories ------------------------------------------------------------------------

        public static long Getdents64(SyscallFrame* f) => ReadDirectory(f, false);

        /// <summary>The old getdents: d_ino, d_off, d_reclen, the name, then d_type in the record's last byte.</summary>
        public static long Getdents(SyscallFrame* f) => ReadDirectory(f, true);

        private static long ReadDirectory(SyscallFrame* f, bool old)
        {
            File file = FdTable.Get((int)f->A0);
            if (file == null) return -Errno.EBADF;
            if (!(file is InodeFile dir) || (file.Node.Mode & 0xF000) != 0x4000) return -Errno.ENOTDIR;
            ulong buf = f->A1, size = f->A2;
            byte* name = stackalloc byte[256];
            byte* rec = stackalloc byte[256 + 24];
            ulong used = 0;
            while (true)
            {
                int r = FileSystem.ReadDir(dir.Node, dir.DirCookie, out long next, out Inode child, new System.Span<byte>(name, 256), out int nameLen);
                if (r < 0) return used > 0 ? (long)used : r;
                if (r == 0) break;
                int nameAt = old ? 18 : 19;
                ulong reclen = (ulong)(nameAt + nameLen + 1 + (old ? 1 : 0) + 7) & ~7UL;
                if (used + reclen > size) { if (used == 0) return -Errno.EINVAL; break; }
                *(ulong*)rec = child.Ino;
                *(long*)(rec + 8) = next;
                *(ushort*)(rec + 16) = (ushort)reclen;
                uint type = child.Mode & 0xF000;
                byte dtype = (byte)(type == 0x4000 ? 4 : type == 0x8000 ? 8 : type == 0xA000 ? 10 : type == 0x2000 ? 2 : type == 0x1000 ? 1 :
                                    type == 0x6000 ? 6 : type == 0xC000 ? 12 : 0);
                for (int i = 0; i < nameLen; i++) rec[nameAt + i] = name[i];
                for (ulong i = (ulong)(nameAt + nameLen); i < reclen; i++) rec[i] = 0;
                if (old) rec[reclen - 1] = dtype;
                else rec[18] = dtype;
                if (UserMemory.CopyTo(buf + used, rec, reclen) != 0) return -Errno.EFAULT;
                used += reclen;
                dir.DirCookie = next;
                dir.Offset = next;
            }
            return (long)used;
        }

        // ---- ioctl / poll -----------------------------------------------------------------------

        private const uint FIONREAD = 0x541B, FIONBIO = 0x5421, FIOCLEX = 0x5451, FIONCLEX = 0x5450, FIOASYNC = 0x5452;

        public static long Ioctl(SyscallFrame* f)
        {
            int fd = (int)f->A0;
            File file = FdTable.Get(fd);
            if (file == null) return -Errno.EBADF;
            uint req = (uint)f->A1;
            switch (req)
            {
                case FIOCLEX: FdTable.SetCloexec(fd, true); return 0;
                case FIONCLEX: FdTable.SetCloexec(fd, false); return 0;
                case FIONBIO:
                    if (UserMemory.Read(f->A2, out int on) != 0) return -Errno.EFAULT;
                    file.Flags = on != 0 ? file.Flags | OpenFlags.O_NONBLOCK : file.Flags & ~OpenFlags.O_NONBLOCK;
                    return 0;
                case FIOASYNC: return 0;
                case FIONREAD:
                    if (file.Node != null && (file.Node.Mode & 0xF000) == 0x4000) return -Errno.ENOTTY;
                    return UserMemory.Write(f->A2, (int)file.Available());
            }
            return file.Ioctl(req, f->A2);
        }

        private struct PollFd { public int Fd; public short Events, Revents; }

        public static long Poll(SyscallFrame* f) => DoPoll(f->A0, f->A1, (long)(int)f->A2);

        public static long Ppoll(SyscallFrame* f)
        {
            long timeoutMs = -1;
            if (f->A2 != 0)
            {
                if (UserMemory.Read(f->A2, out SysTime.Timespec ts) != 0) return -Errno.EFAULT;
                if (ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1_000_000_000) return -Errno.EINVAL;
                timeoutMs = ts.Sec * 1000 + (ts.Nsec + 999_999) / 1_000_000;
            }
            if (f->A1 > (ulong)FdTable.Limit) return -Errno.EINVAL;
            long r = SignalDelivery.BeginWaitMask(f->A3, f->A4);
            return r < 0 ? r : SignalDelivery.EndWaitMask(DoPoll(f->A0, f->A1, timeoutMs));
        }

        private static long DoPoll(ulong fds, ulong nfds, long timeoutMs)
        {
            if (nfds > (ulong)FdTable.Limit) return -Errno.EINVAL;   // as Linux: more entries than RLIMIT_NOFILE
            ulong deadline = timeoutMs < 0 ? ulong.MaxValue : Drivers.Tsc.MonotonicNs() + (ulong)timeoutMs * 1_000_000;
            while (true)
            {
                long ready = 0;
                for (ulong i = 0; i < nfds; i++)
                {
                    if (UserMemory.Read(fds + i * 8, out PollFd p) != 0) return -Errno.EFAULT;
                    short rev = 0;
                    if (p.Fd >= 0)
                    {
                        File file = FdTable.Get(p.Fd);
                        if (file == null) rev = PollBits.POLLNVAL;
                        else
                        {
                            short bits = file.Poll();
                            rev = (short)(bits & (p.Events | PollBits.POLLERR | PollBits.POLLHUP));
                            if ((p.Events & PollBits.POLLRDNORM) != 0 && (bits & PollBits.POLLIN) != 0) rev |= PollBits.POLLRDNORM;
                            if ((p.Events & PollBits.POLLWRNORM) != 0 && (bits & PollBits.POLLOUT) != 0) rev |= PollBits.POLLWRNORM;
                        }
                    }
                    if (rev != 0) ready++;
                    if (UserMemory.Write(fds + i * 8 + 6, rev) != 0) return -Errno.EFAULT;
                }
                if (ready > 0 || timeoutMs == 0) return ready;
                int w = Scheduler.Sleep(PollWait.Queue, deadline == ulong.MaxValue ? 0 : deadline);
                if (w == Scheduler.Interrupted) return -Errno.EINTR;
                if (w == Scheduler.TimedOut) timeoutMs = 0;          // one last look, then 0
            }
        }

        public static long Select(SyscallFrame* f)
        {
            long timeoutMs = -1;
            ulong requestNs = 0, start = 0;
            if (f->A4 != 0)
            {
                if (UserMemory.Read(f->A4, out SysTime.Timespec tv) != 0) return -Errno.EFAULT;   // timeval: sec, usec
                if (tv.Sec < 0 || tv.Nsec < 0) return -Errno.EINVAL;
                timeoutMs = tv.Sec * 1000 + tv.Nsec / 1000;
                requestNs = (ulong)tv.Sec * 1_000_000_000 + (ulong)tv.Nsec * 1000;
                start = Drivers.Tsc.MonotonicNs();
            }
            long r = DoSelect((int)f->A0, f->A1, f->A2, f->A3, timeoutMs);
            if (f->A4 != 0 && r != -Errno.EINVAL && r != -Errno.EFAULT && r != -Errno.EBADF)
            {
                ulong left = Remaining(start, requestNs);
                SysTime.Timespec tv; tv.Sec = (long)(left / 1_000_000_000); tv.Nsec = (long)(left % 1_000_000_000 / 1000);
                UserMemory.Write(f->A4, tv);                         // a read-only timeval is not an error, as Linux
            }
            return r;
        }

        /// <summary>What is left of a select timeout of <paramref name="requestNs"/> begun at <paramref name="start"/> (Linux writes it back).</summary>
        private static ulong Remaining(ulong start, ulong requestNs)
        {
            ulong spent = Drivers.Tsc.MonotonicNs() - start;
            return spent >= requestNs ? 0 : requestNs - spent;
        }

        public static long Pselect6(SyscallFrame* f)
        {
            long timeoutMs = -1;
            ulong requestNs = 0, start = 0;
            if (f->A4 != 0)
            {
                if (UserMemory.Read(f->A4, out SysTime.Timespec ts) != 0) return -Errno.EFAULT;
                if (ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1_000_000_000) return -Errno.EINVAL;
                timeoutMs = ts.Sec * 1000 + (ts.Nsec + 999_999) / 1_000_000;
                requestNs = (ulong)ts.Sec * 1_000_000_000 + (ulong)ts.Nsec;
                start = Drivers.Tsc.MonotonicNs();
            }
            if ((int)f->A0 < 0) return -Errno.EINVAL;
            // The sixth argument points to { const sigset_t *ss; size_t ss_len }.
            ulong set = 0, size = 0;
            if (f->A5 != 0 && (UserMemory.Read(f->A5, out set) != 0 || UserMemory.Read(f->A5 + 8, out size) != 0)) return -Errno.EFAULT;
            long r = SignalDelivery.BeginWaitMask(set, size);
            if (r < 0) return r;
            r = DoSelect((int)f->A0, f->A1, f->A2, f->A3, timeoutMs);
            if (f->A4 != 0 && r != -Errno.EINVAL && r != -Errno.EFAULT && r != -Errno.EBADF)
            {
                ulong left = Remaining(start, requestNs);           // the time left goes back, as Linux (glibc's select reads it)
                SysTime.Timespec ts; ts.Sec = (long)(left / 1_000_000_000); ts.Nsec = (long)(left % 1_000_000_000);
                UserMemory.Write(f->A4, ts);
            }
            return SignalDelivery.EndWaitMask(r);
        }

        private const int SelectMax = 1024;                   // the bitmaps below hold FD_SETSIZE bits

        private static long DoSelect(int nfds, ulong readSet, ulong writeSet, ulong exceptSet, long timeoutMs)
        {
            if (nfds < 0) return -Errno.EINVAL;
            if (nfds > Process.Current.Files.Size) nfds = Process.Current.Files.Size;   // as Linux: no descriptor lies above the table
            if (nfds > SelectMax) return -Errno.EINVAL;
            int words = (nfds + 63) / 64;
            ulong* inR = stackalloc ulong[16], inW = stackalloc ulong[16], outR = stackalloc ulong[16], outW = stackalloc ulong[16];
            for (int i = 0; i < 16; i++) { inR[i] = inW[i] = 0; }
            if (readSet != 0 && UserMemory.CopyFrom(inR, readSet, (ulong)words * 8) != 0) return -Errno.EFAULT;
            if (writeSet != 0 && UserMemory.CopyFrom(inW, writeSet, (ulong)words * 8) != 0) return -Errno.EFAULT;
            ulong deadline = timeoutMs < 0 ? ulong.MaxValue : Drivers.Tsc.MonotonicNs() + (ulong)timeoutMs * 1_000_000;
            while (true)
            {
                long ready = 0;
                for (int i = 0; i < words; i++) { outR[i] = outW[i] = 0; }
                for (int fd = 0; fd < nfds; fd++)
                {
                    ulong bit = 1UL << (fd & 63);
                    bool wantR = (inR[fd >> 6] & bit) != 0, wantW = (inW[fd >> 6] & bit) != 0;
                    if (!wantR && !wantW) continue;
                    File file = FdTable.Get(fd);
                    if (file == null) return -Errno.EBADF;
                    short bits = file.Poll();
                    if (wantR && (bits & (PollBits.POLLIN | PollBits.POLLHUP | PollBits.POLLERR)) != 0) { outR[fd >> 6] |= bit; ready++; }
                    if (wantW && (bits & (PollBits.POLLOUT | PollBits.POLLERR)) != 0) { outW[fd >> 6] |= bit; ready++; }
                }
                if (ready > 0 || timeoutMs == 0)
                {
                    if (readSet != 0 && UserMemory.CopyTo(readSet, outR, (ulong)words * 8) != 0) return -Errno.EFAULT;
                    if (writeSet != 0 && UserMemory.CopyTo(writeSet, outW, (ulong)words * 8) != 0) return -Errno.EFAULT;
                    if (exceptSet != 0 && UserMemory.Zero(exceptSet, (ulong)words * 8) != 0) return -Errno.EFAULT;
                    return ready;
                }
                int w = Scheduler.Sleep(PollWait.Queue, deadline == ulong.MaxValue ? 0 : deadline);
                if (w == Scheduler.Interrupted) return -Errno.EINTR;
                if (w == Scheduler.TimedOut) timeoutMs = 0;
            }
        }
    }
}
