// inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch (the objects: kernel/fs/Inotify.cs).
using Kernel.Fs;
using Kernel.Vfs;

namespace Kernel.Syscalls
{
    internal static unsafe class SysInotify
    {
        private const int IN_NONBLOCK = 0x800, IN_CLOEXEC = 0x80000;
        public const int MaxWatches = 8192;          // per descriptor (Linux: max_user_watches per user)
        public const int MaxInstances = 128;         // Linux's max_user_instances (everything runs as one user)

        public static long InotifyInit(SyscallFrame* f) => Create(0);
        public static long InotifyInit1(SyscallFrame* f) => Create((int)f->A0);

        private static long Create(int flags)
        {
            if ((flags & ~(IN_NONBLOCK | IN_CLOEXEC)) != 0) return -Errno.EINVAL;
            if (InotifyFile.Instances >= MaxInstances) return -Errno.EMFILE;
            var file = new InotifyFile { Flags = OpenFlags.O_RDONLY | (flags & IN_NONBLOCK) };
            int fd = FdTable.Install(file, 0, (flags & IN_CLOEXEC) != 0);
            if (fd < 0) { InotifyFile.Instances--; Runtime.Allocator.Free(file); }
            return fd;
        }

        public static long InotifyAddWatch(SyscallFrame* f)
        {
            File file = FdTable.Get((int)f->A0);
            if (file == null) return -Errno.EBADF;
            if (!(file is InotifyFile ino)) return -Errno.EINVAL;
            uint mask = (uint)f->A2;
            // No known bit at all is EINVAL at once; no event bit only after the path resolved (a file
            // named with IN_ONLYDIR alone is ENOTDIR), as Linux.
            if ((mask & (InotifyMask.AllEvents | 0xF700E000u)) == 0) return -Errno.EINVAL;
            if ((mask & InotifyMask.IN_MASK_ADD) != 0 && (mask & InotifyMask.IN_MASK_CREATE) != 0) return -Errno.EINVAL;
            int r = SysFile.Lookup(SysFile.AT_FDCWD, f->A1, (mask & InotifyMask.IN_DONT_FOLLOW) == 0, false, out Inode node);
            if (r < 0) return r;
            if ((mask & InotifyMask.IN_ONLYDIR) != 0 && !node.IsDirectory) return -Errno.ENOTDIR;
            if ((mask & InotifyMask.AllEvents) == 0) return -Errno.EINVAL;
            uint keep = mask & (InotifyMask.AllEvents | InotifyMask.IN_ONESHOT | InotifyMask.IN_EXCL_UNLINK);
            InotifyWatch w = FsNotify.Find(ino, node);
            if (w != null)
            {
                if ((mask & InotifyMask.IN_MASK_CREATE) != 0) return -Errno.EEXIST;
                w.Mask = (mask & InotifyMask.IN_MASK_ADD) != 0 ? w.Mask | keep : keep;
                return w.Wd;
            }
            if (ino.NextWd > MaxWatches) return -Errno.ENOSPC;
            return FsNotify.Add(ino, node, keep).Wd;
        }

        public static long InotifyRmWatch(SyscallFrame* f)
        {
            File file = FdTable.Get((int)f->A0);
            if (file == null) return -Errno.EBADF;
            if (!(file is InotifyFile ino)) return -Errno.EINVAL;
            InotifyWatch w = FsNotify.FindWd(ino, (int)f->A1);
            if (w == null) return -Errno.EINVAL;
            FsNotify.Remove(w, true);
            return 0;
        }
    }
}
