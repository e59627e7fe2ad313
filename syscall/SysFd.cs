// Descriptor-level calls: dup family, fcntl, flock, pipes, ftruncate/fsync/fallocate,
// sendfile and copy_file_range.
using Kernel.Fs;
using Kernel.Memory;
using Kernel.Vfs;

namespace Kernel.Syscalls
{
    internal static unsafe class SysFd
    {
        public static long Dup(SyscallFrame* f)
        {
            File file = FdTable.Get((int)f->A0);
            if (file == null) return -Errno.EBADF;
            file.RefCount++;
            int fd = FdTable.Install(file, 0, false);
            if (fd < 0) file.RefCount--;
            return fd;
        }

        public static long Dup2(SyscallFrame* f)
        {
            int oldfd = (int)f->A0, newfd = (int)f->A1;
            File file = FdTable.Get(oldfd);
            if (file == null) return -Errno.EBADF;
            if (oldfd == newfd) return newfd;
            return DupTo(file, newfd, false);
        }

        public static long Dup3(SyscallFrame* f)
        {
            int oldfd = (int)f->A0, newfd = (int)f->A1, flags = (int)f->A2;
            // As ksys_dup3: flags, then the same descriptor twice, then the target, then the source.
            if ((flags & ~OpenFlags.O_CLOEXEC) != 0) return -Errno.EINVAL;
            if (oldfd == newfd) return -Errno.EINVAL;
            if ((uint)newfd >= (uint)FdTable.Limit) return -Errno.EBADF;
            File file = FdTable.Get(oldfd);
            if (file == null) return -Errno.EBADF;
            return DupTo(file, newfd, (flags & OpenFlags.O_CLOEXEC) != 0);
        }

        private static long DupTo(File file, int newfd, bool cloexec)
        {
            if ((uint)newfd >= (uint)FdTable.Limit) return -Errno.EBADF;
            file.RefCount++;
            return FdTable.InstallAt(file, newfd, cloexec);
        }

        private const int F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_GETLK = 5, F_SETLK = 6,
            F_SETLKW = 7, F_SETOWN = 8, F_GETOWN = 9, F_SETSIG = 10, F_GETSIG = 11, F_SETOWN_EX = 15, F_GETOWN_EX = 16, F_OFD_GETLK = 36, F_OFD_SETLK = 37, F_OFD_SETLKW = 38,
            F_DUPFD_CLOEXEC = 1030, F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032, F_ADD_SEALS = 1033, F_GET_SEALS = 1034;
        private const short F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;

        private const int F_OWNER_TID = 0, F_OWNER_PID = 1, F_OWNER_PGRP = 2;

        /// <summary>f_setown: who gets the file's I/O signals (recorded only: no SIGIO is sent yet); a pid, thread or group that does not exist is ESRCH.</summary>
        private static long SetOwner(File file, int type, int who)
        {
            if (who < 0) return -Errno.ESRCH;                               // no such pid, as find_vpid
            if (who != 0)
            {
                bool exists = type == F_OWNER_PGRP ? GroupExists(who)
                            : type == F_OWNER_TID ? Process.FindThreadAnywhere(who) != null
                            : Process.Find(who) != null;
                if (!exists) return -Errno.ESRCH;
            }
            file.OwnerType = type;
            file.OwnerId = who;
            return 0;
        }

        private static bool GroupExists(int pgid)
        {
            for (Process q = Process.First; q != null; q = q.AllNext) if (!q.Zombie && q.Pgid == pgid) return true;
            return false;
        }

        private struct Flock { public short Type, Whence; public long Start, Len; public int Pid, Pad; }

        public static long Fcntl(SyscallFrame* f)
        {
            int fd = (int)f->A0, cmd = (int)f->A1;
            ulong arg = f->A2;
            File file = FdTable.Get(fd);
            if (file == null) return -Errno.EBADF;
            // An O_PATH descriptor only names a file: it can be duplicated and its flags read, no more.
            if ((file.Flags & OpenFlags.O_PATH) != 0 && cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC && cmd != F_GETFD && cmd != F_SETFD && cmd != F_GETFL)
                return -Errno.EBADF;
            switch (cmd)
            {
                case F_DUPFD:
                case F_DUPFD_CLOEXEC:
                    if ((long)arg < 0 || (long)arg >= FdTable.Limit) return -Errno.EINVAL;
                    file.RefCount++;
                    int n = FdTable.Install(file, (int)arg, cmd == F_DUPFD_CLOEXEC);
                    if (n < 0) file.RefCount--;
                    return n;
                case F_GETFD: return FdTable.GetCloexec(fd) ? 1 : 0;
                case F_SETFD: FdTable.SetCloexec(fd, (arg & 1) != 0); return 0;
                case F_GETFL: return file.Flags;
                case F_SETFL:
                    file.Flags = (file.Flags & ~OpenFlags.Settable) | ((int)arg & OpenFlags.Settable);
                    return 0;
                case F_GETLK:
                case F_OFD_GETLK:
                case F_SETLK:
                case F_SETLKW:
                case F_OFD_SETLK:
                case F_OFD_SETLKW:
                    return RecordLock(file, cmd, arg);
                case F_GETOWN:
                    return file.OwnerType == F_OWNER_PGRP ? -file.OwnerId : file.OwnerId;
                case F_SETOWN:
                {
                    int who = (int)arg, type = F_OWNER_PID;
                    if (who == int.MinValue) return -Errno.EINVAL;
                    if (who < 0) { type = F_OWNER_PGRP; who = -who; }
                    return SetOwner(file, type, who);
                }
                case F_GETOWN_EX:
                {
                    int* ex = stackalloc int[2];
                    ex[0] = file.OwnerType; ex[1] = file.OwnerId;
                    return UserMemory.CopyTo(arg, ex, 8);
                }
                case F_SETOWN_EX:
                {
                    int* ex = stackalloc int[2];
                    if (UserMemory.CopyFrom(ex, arg, 8) != 0) return -Errno.EFAULT;
                    if (ex[0] != F_OWNER_TID && ex[0] != F_OWNER_PID && ex[0] != F_OWNER_PGRP) return -Errno.EINVAL;
                    return SetOwner(file, ex[0], ex[1]);
                }
                case F_GETSIG: return file.AsyncSignal;
                case F_SETSIG:
                    if (arg > (ulong)Signal.NSIG) return -Errno.EINVAL;
                    file.AsyncSignal = (int)arg;
                    return 0;
                case F_GETPIPE_SZ: return file is PipeFile gp ? gp.P.Capacity : -Errno.EBADF;
                case F_SETPIPE_SZ: return file is PipeFile sp ? SetPipeSize(sp.P, (uint)arg) : -Errno.EBADF;
                case F_GET_SEALS: return Seals.Get(file);
                case F_ADD_SEALS: return Seals.Add(file, arg);
            }
            return -Errno.EINVAL;
        }

        /// <summary>
        /// F_SETPIPE_SZ as pipe_set_size: the size rounds up to a power-of-two number of pages (one at
        /// least); past 2^31 is EINVAL, past fs.pipe-max-size needs CAP_SYS_RESOURCE (EPERM), and
        /// less than is buffered is EBUSY.
        /// </summary>
        private static long SetPipeSize(Pipe p, uint arg)
        {
            if (arg > 1u << 31) return -Errno.EINVAL;
            uint size = 4096;
            while (size < arg) size <<= 1;
            if (size > Pipe.MaxUserSize && !Credentials.Current.Capable(Cap.SYS_RESOURCE)) return -Errno.EPERM;
            if (size > 1u << 30) return -Errno.ENOMEM;             // a buffer the kernel heap cannot hold
            return p.Resize((int)size);
        }

        private static long RecordLock(File file, int cmd, ulong arg)
        {
            if (UserMemory.Read(arg, out Flock l) != 0) return -Errno.EFAULT;
            if (l.Type != F_RDLCK && l.Type != F_WRLCK && l.Type != F_UNLCK) return -Errno.EINVAL;
            if (file.Node == null) return -Errno.EINVAL;
            bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
            if (ofd && l.Pid != 0) return -Errno.EINVAL;
            long origin = l.Whence == 0 ? 0 : l.Whence == 1 ? file.Offset : l.Whence == 2 ? file.Node.Size : -1;
            if (origin < 0) return -Errno.EINVAL;
            long start = (long)((ulong)origin + (ulong)l.Start), end;
            if (start < 0) return -Errno.EINVAL;
            if (l.Len > 0)
            {
                if (l.Len - 1 > long.MaxValue - start) return -Errno.EOVERFLOW;
                end = start + l.Len - 1;
            }
            else if (l.Len == 0) end = long.MaxValue;
            else { end = start - 1; start += l.Len; }
            if (start < 0) return -Errno.EINVAL;
            object owner = ofd ? file : Process.Current;
            if (cmd == F_GETLK || cmd == F_OFD_GETLK)
            {
                if (l.Type == F_UNLCK) return -Errno.EINVAL;       // as fcntl_getlk: only a read or write lock can be asked about
                LockRecord c = l.Type == F_UNLCK ? null : Locks.FindConflict(file.Node, owner, l.Type, start, end);
                if (c == null) l.Type = F_UNLCK;
                else
                {
                    l.Type = c.Type; l.Whence = 0; l.Start = c.Start;
                    l.Len = c.End == long.MaxValue ? 0 : c.End - c.Start + 1;
                    l.Pid = c.Owner is Process holder ? holder.Pid : -1;
                }
                return UserMemory.Write(arg, l);
            }
            if (l.Type == F_RDLCK && !file.CanRead) return -Errno.EBADF;
            if (l.Type == F_WRLCK && !file.CanWrite) return -Errno.EBADF;
            if (cmd == F_SETLKW || cmd == F_OFD_SETLKW) return Locks.SetRangeWait(file.Node, owner, l.Type, start, end);
            return Locks.SetRange(file.Node, owner, l.Type, start, end);
        }

        public static long FlockSyscall(SyscallFrame* f)
        {
            const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
            File file = FdTable.GetOpen((int)f->A0);
            if (file == null) return -Errno.EBADF;
            int op = (int)f->A1 & ~LOCK_NB;
            if (op != LOCK_SH && op != LOCK_EX && op != LOCK_UN) return -Errno.EINVAL;
            if (file.Node == null) return -Errno.EINVAL;
            short type = op == LOCK_EX ? Locks.F_WRLCK : Locks.F_RDLCK;
            if (op != LOCK_UN && ((int)f->A1 & LOCK_NB) == 0) return Locks.FlockWait(file.Node, file, type);
            return Locks.Flock(file.Node, file, type, op == LOCK_UN);
        }

        public static long PipeSyscall(SyscallFrame* f) => MakePipe(f->A0, 0);
        public static long Pipe2(SyscallFrame* f) => MakePipe(f->A0, (int)f->A1);

        /// <summary>memfd_create(name, flags): an anonymous regular file in memory (mmap MAP_SHARED of it is shared across fork).</summary>
        public static long MemfdCreate(SyscallFrame* f)
        {
            const uint MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2, MFD_NOEXEC_SEAL = 8, MFD_EXEC = 0x10;
            uint flags = (uint)f->A1;
            if ((flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC)) != 0) return -Errno.EINVAL;
            if ((flags & MFD_NOEXEC_SEAL) != 0 && (flags & MFD_EXEC) != 0) return -Errno.EINVAL;
            long len = UserMemory.StringLength(f->A0, 250);
            if (len < 0) return len == -Errno.ENAMETOOLONG ? -Errno.EINVAL : len;
            if (len >= 250) return -Errno.EINVAL;
            byte* name = stackalloc byte[256];
            name[0] = (byte)'m'; name[1] = (byte)'e'; name[2] = (byte)'m'; name[3] = (byte)'f'; name[4] = (byte)'d'; name[5] = (byte)':';
            if (UserMemory.CopyFrom(name + 6, f->A0, (ulong)len) != 0) return -Errno.EFAULT;
            Vfs.Inode node = FileSystem.NewInode(0x8000 | 0x1FF);
            // Named as on Linux: readlink of its descriptor and /proc/PID/maps say "/memfd:NAME (deleted)".
            FileSystem.StashName(node, new System.ReadOnlySpan<byte>(name, 6 + (int)len));
            node.SetParent(FileSystem.Root);
            if ((flags & MFD_NOEXEC_SEAL) != 0) node.Mode &= ~0x49u;
            Seals.Init(node, (flags & MFD_ALLOW_SEALING) != 0, (flags & MFD_NOEXEC_SEAL) != 0);
            var file = new InodeFile(node, OpenFlags.O_RDWR | OpenFlags.O_LARGEFILE);
            int fd = FdTable.Install(file, 0, (flags & MFD_CLOEXEC) != 0);
            if (fd < 0) FdTable.Release(file);
            return fd;
        }

        private static long MakePipe(ulong fds, int flags)
        {
            const int O_NOTIFICATION_PIPE = OpenFlags.O_EXCL;
            if ((flags & ~(OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK | OpenFlags.O_DIRECT | O_NOTIFICATION_PIPE)) != 0) return -Errno.EINVAL;
            if ((flags & O_NOTIFICATION_PIPE) != 0) return -Errno.ENOPKG;   // no watch queues (as a kernel without CONFIG_WATCH_QUEUE)
            if (!AddressSpace.IsUserRange(fds, 8, true)) return -Errno.EFAULT;
            var p = new Pipe();
            var r = new PipeFile(p, false, OpenFlags.O_RDONLY | (flags & OpenFlags.O_NONBLOCK));
            var w = new PipeFile(p, true, OpenFlags.O_WRONLY | (flags & (OpenFlags.O_NONBLOCK | OpenFlags.O_DIRECT)));   // as Linux: O_DIRECT shows on the write end
            bool cloexec = (flags & OpenFlags.O_CLOEXEC) != 0;
            int rfd = FdTable.Install(r, 0, cloexec);
            if (rfd < 0) { FdTable.Release(r); FdTable.Release(w); return rfd; }
            int wfd = FdTable.Install(w, 0, cloexec);
            if (wfd < 0) { FdTable.Close(rfd); FdTable.Release(w); return wfd; }
            int* pair = stackalloc int[2];
            pair[0] = rfd; pair[1] = wfd;
            if (UserMemory.CopyTo(fds, pair, 8) != 0) { FdTable.Close(rfd); FdTable.Close(wfd); return -Errno.EFAULT; }
            return 0;
        }

        private static File RegularFile(int fd, out long error)
        {
            error = 0;
            File file = FdTable.GetOpen(fd);
            if (file == null) { error = -Errno.EBADF; return null; }
            if (file.Node == null) { error = file is PipeFile ? -Errno.ESPIPE : -Errno.EINVAL; return null; }
            return file;
        }

        public static long Ftruncate(SyscallFrame* f)
        {
            if ((long)f->A1 < 0) return -Errno.EINVAL;
            File file = RegularFile((int)f->A0, out long err);
            if (file == null) return err == -Errno.ESPIPE ? -Errno.EINVAL : err;
            if (!file.CanWrite) return -Errno.EINVAL;
            if ((file.Node.Mode & 0xF000) != 0x8000) return -Errno.EINVAL;
            int r = SysFile.SizeLimitOk(file.Node, (long)f->A1);
            if (r == 0) r = Seals.CheckResize(file.Node, (long)f->A1);
            if (r < 0) return r;
            Perm.RemovePrivs(file.Node);
            r = FileSystem.Truncate(file.Node, (long)f->A1);
            if (r >= 0) FsNotify.Child(file.Node, InotifyMask.IN_MODIFY);
            return r;
        }

        // RAM-backed files are always "on disk": sync has nothing to do (MAP_SHARED pages are written back on msync).
        public static long Fsync(SyscallFrame* f)
        {
            File file = FdTable.GetOpen((int)f->A0);
            if (file == null) return -Errno.EBADF;
            // Pipes, sockets, the console and device or /proc nodes have nothing to sync (Linux: EINVAL).
            return file.Node == null || file.Node.IsSpecial ? -Errno.EINVAL : 0;
        }

        // ---- hints about future access: everything is in memory, so they only validate -----------

        private const int POSIX_FADV_NOREUSE = 5;

        /// <summary>A pipe (or the console on a host pipe) is ESPIPE; other files without an inode have no page cache (EINVAL).</summary>
        public static long Fadvise64(SyscallFrame* f)
        {
            File file = FdTable.Get((int)f->A0);
            if (file == null) return -Errno.EBADF;
            // generic_fadvise: a FIFO is ESPIPE; everything else has a mapping, and those without a
            // backing device (sockets, eventfd, epoll, devices) take any valid advice as a no-op.
            if (file is PipeFile || (file is ConsoleFile && !file.IsTty)) return -Errno.ESPIPE;
            if ((long)f->A2 < 0 || (int)f->A3 < 0 || (int)f->A3 > POSIX_FADV_NOREUSE) return -Errno.EINVAL;
            return 0;
        }

        /// <summary>
        /// cachestat(fd, range, stats, flags): the page-cache state of a file range. Every stored page
        /// of an in-memory file is "cached"; nothing is ever dirty (as tmpfs on Linux), under
        /// writeback or evicted. Files with no page cache (pipes, sockets, devices) report zeros.
        /// </summary>
        public static long Cachestat(SyscallFrame* f)
        {
            File file = FdTable.Get((int)f->A0);
            if (file == null || (file.Flags & OpenFlags.O_PATH) != 0) return -Errno.EBADF;
            ulong* range = stackalloc ulong[2];                    // struct cachestat_range { u64 off, len; }
            if (UserMemory.CopyFrom(range, f->A1, 16) != 0) return -Errno.EFAULT;
            if ((uint)f->A3 != 0) return -Errno.EINVAL;
            ulong off = range[0], len = range[1];
            ulong first = off >> 12, last = len == 0 ? ulong.MaxValue : (off + len - 1) >> 12;
            ulong* stats = stackalloc ulong[5];                    // nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted
            for (int i = 0; i < 5; i++) stats[i] = 0;
            if (file.Node != null) stats[0] = FileSystem.StoredPages(file.Node, first, last);
            return UserMemory.CopyTo(f->A2, stats, 40) != 0 ? -Errno.EFAULT : 0;
        }

        public static long Readahead(SyscallFrame* f)
        {
            File file = FdTable.Get((int)f->A0);
            if (file == null || !file.CanRead) return -Errno.EBADF;
            if (file.Node == null || (file.Node.Mode & 0xF000) != 0x8000) return -Errno.EINVAL;
            return 0;
        }

        private const uint SYNC_FILE_RANGE_ALL = 7;

        public static long SyncFileRange(SyscallFrame* f)
        {
            File file = FdTable.GetOpen((int)f->A0);
            if (file == null) return -Errno.EBADF;
            long offset = (long)f->A1, end = (long)(f->A1 + f->A2);
            if (((uint)f->A3 & ~SYNC_FILE_RANGE_ALL) != 0 || offset < 0 || end < 0 || end < offset) return -Errno.EINVAL;
            uint type = file.Node == null ? 0 : file.Node.Mode & 0xF000;
            return type == 0x8000 || type == 0x6000 || type == 0x4000 || type == 0xA000 ? 0 : -Errno.ESPIPE;
        }

        private const long RAMFS_MAGIC = 0x858458F6;
        // <linux/falloc.h>
        private const int FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2, FALLOC_FL_COLLAPSE_RANGE = 8, FALLOC_FL_ZERO_RANGE = 0x10,
            FALLOC_FL_INSERT_RANGE = 0x20, FALLOC_FL_UNSHARE_RANGE = 0x40, FALLOC_FL_WRITE_ZEROES = 0x80;
        private const int FALLOC_FL_MODE_MASK = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_ZERO_RANGE |
            FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_WRITE_ZEROES;

        /// <summary>
        /// fallocate in vfs_fallocate's order (range, mode, access, file type, overflow), then what
        /// tmpfs does: allocation (mode 0, KEEP_SIZE: space is never reserved, only the size moves)
        /// and PUNCH_HOLE|KEEP_SIZE; the other modes are EOPNOTSUPP, as on tmpfs.
        /// </summary>
        public static long Fallocate(SyscallFrame* f)
        {
            File file = FdTable.Get((int)f->A0);
            if (file == null || (file.Flags & OpenFlags.O_PATH) != 0) return -Errno.EBADF;
            int mode = (int)f->A1;
            long offset = (long)f->A2, len = (long)f->A3;
            if (offset < 0 || len <= 0) return -Errno.EINVAL;
            if ((mode & ~(FALLOC_FL_MODE_MASK | FALLOC_FL_KEEP_SIZE)) != 0) return -Errno.EOPNOTSUPP;
            switch (mode & FALLOC_FL_MODE_MASK)
            {
                case 0: case FALLOC_FL_UNSHARE_RANGE: case FALLOC_FL_ZERO_RANGE: break;
                case FALLOC_FL_PUNCH_HOLE: if ((mode & FALLOC_FL_KEEP_SIZE) == 0) return -Errno.EOPNOTSUPP; break;
                case FALLOC_FL_COLLAPSE_RANGE: case FALLOC_FL_INSERT_RANGE: case FALLOC_FL_WRITE_ZEROES:
                    if ((mode & FALLOC_FL_KEEP_SIZE) != 0) return -Errno.EOPNOTSUPP;
                    break;
                default: return -Errno.EOPNOTSUPP;                 // modes are exclusive
            }
            if (!file.CanWrite) return -Errno.EBADF;
            Inode node = file.Node;
            uint type = node == null ? (file is PipeFile ? Inode.S_IFIFO : 0) : node.Type;
            if (type == Inode.S_IFIFO) return -Errno.ESPIPE;
            if (type == Inode.S_IFDIR) return -Errno.EISDIR;
            if (type != Inode.S_IFREG && type != Inode.S_IFBLK) return -Errno.ENODEV;
            if (offset > long.MaxValue - len) return -Errno.EFBIG;
            if (node.IsSpecial) return -Errno.EOPNOTSUPP;          // /proc files, devices: no fallocate
            if (FileSystem.MountOf(node).Magic == RAMFS_MAGIC) return -Errno.EOPNOTSUPP;   // ramfs has none either
            if ((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) != 0) return -Errno.EOPNOTSUPP;
            int r = Seals.CheckFallocate(node, (mode & FALLOC_FL_PUNCH_HOLE) != 0, offset, len);
            if (r < 0) return r;
            if ((mode & FALLOC_FL_PUNCH_HOLE) != 0)
            {
                AddressSpace.FlushShared(node);                    // dirty mapped pages first, then the hole wins
                r = FileSystem.PunchHole(node, offset, len);
                if (r == 0 && offset < node.Size) AddressSpace.RefreshShared(node, offset, len > node.Size - offset ? node.Size - offset : len);
            }
            else if ((mode & FALLOC_FL_KEEP_SIZE) == 0 && offset + len > node.Size)
            {
                r = SysFile.SizeLimitOk(node, offset + len);
                if (r == 0) r = FileSystem.Truncate(node, offset + len);
            }
            if (r == 0) FsNotify.Child(node, InotifyMask.IN_MODIFY);
            return r;
        }

        private const ulong MaxRw = 0x7ffff000;                   // MAX_RW_COUNT

        /// <summary>Copies up to count bytes between two files through a kernel buffer.</summary>
        [System.Runtime.CompilerServices.SkipLocalsInit]
        private static long Copy(File input, long* inOffset, File output, long* outOffset, ulong count)
        {
            if (!input.CanRead || !output.CanWrite) return -Errno.EBADF;
            if (count > MaxRw) count = MaxRw;                      // as Linux: one call moves at most this much
            // The input's own offset advances by what was written, not by what was read: a socket or
            // pipe that takes part of a chunk (or none: EAGAIN) leaves the rest for the next call.
            long ownOffset = input.Offset;
            if (inOffset == null && input is InodeFile && input.Node.IsRegular && !input.Node.IsSpecial)
            {
                long r = Copy(input, &ownOffset, output, outOffset, count);
                if (r > 0) input.Offset = ownOffset;
                return r;
            }
            byte* chunk = stackalloc byte[16384];
            long total = 0;
            while ((ulong)total < count)
            {
                // A long copy lets other threads run, and a signal ends it early (a short count).
                if (((ulong)total & (SysFile.PreemptEvery - 1)) == 0 && total > 0)
                {
                    if (Scheduler.SignalPending(Thread.Current)) break;
                    Scheduler.PreemptPoint();
                }
                long want = (long)(count - (ulong)total < 16384 ? count - (ulong)total : 16384);
                // A pipe or FIFO is only looked at, then loses what the output took: the rest stays queued.
                PipeFile fifo = inOffset == null ? input as PipeFile : null;
                long n = inOffset != null ? input.Pread(chunk, want, *inOffset)
                       : fifo != null ? fifo.P.Peek(chunk, want, (fifo.Flags & OpenFlags.O_NONBLOCK) != 0) : input.Read(chunk, want);
                if (n < 0) return total > 0 ? total : n;
                if (n == 0) break;
                long w = outOffset != null ? output.Pwrite(chunk, n, *outOffset) : output.Write(chunk, n);
                if (fifo != null) fifo.P.Consume(w);
                if (w < n) output.WriteBlocked = true;            // full (or EAGAIN): EPOLLET's next EPOLLOUT is an edge
                if (w < 0) return total > 0 ? total : w;
                if (inOffset != null) *inOffset += w;
                if (outOffset != null) *outOffset += w;
                total += w;
                if (w < n) break;
            }
            return total;
        }

        public static long Sendfile(SyscallFrame* f)
        {
            File output = FdTable.Get((int)f->A0), input = FdTable.Get((int)f->A1);
            if (output == null || input == null) return -Errno.EBADF;
            if (input.Node == null) return -Errno.EINVAL;
            if ((output.Flags & OpenFlags.O_APPEND) != 0) return -Errno.EINVAL;
            long off;
            if (f->A2 == 0) return Copy(input, null, output, null, f->A3);
            if (UserMemory.Read(f->A2, out off) != 0) return -Errno.EFAULT;
            if (off < 0) return -Errno.EINVAL;
            long r = Copy(input, &off, output, null, f->A3);
            if (r >= 0 && UserMemory.Write(f->A2, off) != 0) return -Errno.EFAULT;
            return r;
        }

        public static long CopyFileRange(SyscallFrame* f)
        {
            File input = FdTable.Get((int)f->A0), output = FdTable.Get((int)f->A2);
            if (input == null || output == null) return -Errno.EBADF;
            if (f->A5 != 0) return -Errno.EINVAL;
            if (input.Node == null || output.Node == null) return -Errno.EINVAL;
            if ((input.Node.Mode & 0xF000) == 0x4000 || (output.Node.Mode & 0xF000) == 0x4000) return -Errno.EISDIR;
            if ((output.Flags & OpenFlags.O_APPEND) != 0) return -Errno.EBADF;
            long inOff = input.Offset, outOff = output.Offset;
            if (f->A1 != 0 && UserMemory.Read(f->A1, out inOff) != 0) return -Errno.EFAULT;
            if (f->A3 != 0 && UserMemory.Read(f->A3, out outOff) != 0) return -Errno.EFAULT;
            if (input.Node == output.Node && inOff < outOff + (long)f->A4 && outOff < inOff + (long)f->A4) return -Errno.EINVAL;
            long r = Copy(input, f->A1 != 0 ? &inOff : null, output, f->A3 != 0 ? &outOff : null, f->A4);
            if (r < 0) return r;
            if (f->A1 != 0 && UserMemory.Write(f->A1, inOff) != 0) return -Errno.EFAULT;
            if (f->A3 != 0 && UserMemory.Write(f->A3, outOff) != 0) return -Errno.EFAULT;
            return r;
        }
    }
}
