// Path operations: mkdir, rmdir, unlink, rename, link, symlink, readlink, access, chdir,
// getcwd, chmod/chown, utimensat, truncate, statfs.
using Kernel.Fs;
using Kernel.Memory;
using Kernel.Vfs;

namespace Kernel.Syscalls
{
    internal static unsafe class SysPath
    {
        private const int AT_FDCWD = SysFile.AT_FDCWD;
        private const int PathMax = SysFile.PathMax;

        /// <summary>Copies the user path and finds its parent directory and last component.</summary>
        private static int Parent(int dirfd, ulong userPath, byte* buf, out Inode parent, out int nameStart, out int nameLength) =>
            Parent(dirfd, userPath, buf, PathOp.Create, out parent, out nameStart, out nameLength);

        /// <summary>As above, with the error rules of <paramref name="op"/> (PathOp) for "/", "." and "..".</summary>
        private static int Parent(int dirfd, ulong userPath, byte* buf, int op, out Inode parent, out int nameStart, out int nameLength)
        {
            parent = null; nameStart = 0; nameLength = 0;
            int len = SysFile.CopyPath(userPath, buf);
            if (len < 0) return len;
            if (len == 0) return -Errno.ENOENT;
            int r = SysFile.StartDir(dirfd, buf, len, out Inode start);
            if (r < 0) return r;
            r = FileSystem.ResolveParent(start, new System.ReadOnlySpan<byte>(buf, len), op, out parent, out nameStart, out nameLength);
            if (r == -Errno.ENOENT) MissingFiles.Record(buf, len);
            if (r < 0) return r;
            if (FileSystem.WalkReadOnly)
            {
                // Every caller changes the directory: a read-only mount refuses, though an existing name still says EEXIST to a creation.
                if (op == PathOp.Create && FileSystem.Lookup(parent, new System.ReadOnlySpan<byte>(buf + nameStart, nameLength)) != null) return -Errno.EEXIST;
                return -Errno.EROFS;
            }
            // A trailing slash names a directory: unlink/rename of a non-directory that way is ENOTDIR.
            if (nameStart + nameLength < len && (op == PathOp.Unlink || op == PathOp.Rename))
            {
                Inode target = FileSystem.Lookup(parent, new System.ReadOnlySpan<byte>(buf + nameStart, nameLength));
                if (target != null && !target.IsDirectory) return -Errno.ENOTDIR;
            }
            return 0;
        }

        private static System.ReadOnlySpan<byte> Name(byte* buf, int start, int length) => new System.ReadOnlySpan<byte>(buf + start, length);

        public static long Mkdir(SyscallFrame* f) => DoMkdir(AT_FDCWD, f->A0, (uint)f->A1);
        public static long Mkdirat(SyscallFrame* f) => DoMkdir((int)f->A0, f->A1, (uint)f->A2);

        private static long DoMkdir(int dirfd, ulong path, uint mode)
        {
            byte* buf = stackalloc byte[PathMax + 1];
            int r = Parent(dirfd, path, buf, out Inode parent, out int s, out int n);
            if (r < 0) return r;
            r = Perm.MayCreate(parent, Name(buf, s, n));
            if (r < 0) return r;
            r = FileSystem.Mkdir(parent, Name(buf, s, n), 0x4000 | (mode & 0xFFF & ~(uint)Process.Current.Umask), out Inode dir);
            if (r < 0) return r;
            Perm.InitOwner(parent, dir);
            FsNotify.Entry(parent, InotifyMask.IN_CREATE, Name(buf, s, n), dir, 0);
            return r;
        }

        public static long Rmdir(SyscallFrame* f)
        {
            byte* buf = stackalloc byte[PathMax + 1];
            int r = Parent(AT_FDCWD, f->A0, buf, PathOp.Rmdir, out Inode parent, out int s, out int n);
            return r < 0 ? r : Removed(parent, Name(buf, s, n), true);
        }

        public static long Unlink(SyscallFrame* f) => DoUnlink(AT_FDCWD, f->A0, 0);
        public static long Unlinkat(SyscallFrame* f) => DoUnlink((int)f->A0, f->A1, (int)f->A2);

        private static long DoUnlink(int dirfd, ulong path, int flags)
        {
            if ((flags & ~SysFile.AT_REMOVEDIR) != 0) return -Errno.EINVAL;
            byte* buf = stackalloc byte[PathMax + 1];
            int r = Parent(dirfd, path, buf, (flags & SysFile.AT_REMOVEDIR) != 0 ? PathOp.Rmdir : PathOp.Unlink, out Inode parent, out int s, out int n);
            if (r < 0) return r;
            return Removed(parent, Name(buf, s, n), (flags & SysFile.AT_REMOVEDIR) != 0);
        }

        /// <summary>unlink or rmdir of one name, with its inotify events: IN_ATTRIB (the link count) and IN_DELETE_SELF on the node, IN_DELETE in the directory.</summary>
        private static long Removed(Inode parent, System.ReadOnlySpan<byte> name, bool dir)
        {
            int p = Perm.MayDelete(parent, name);
            if (p < 0) return p;
            Inode node = FsNotify.Active ? FileSystem.Lookup(parent, name) : null;
            // The node may be freed by the removal unless a watch holds it: look before.
            bool watched = node != null && FsNotify.Watched(node);
            uint isDir = node != null && node.IsDirectory ? InotifyMask.IN_ISDIR : 0;
            int r = dir ? FileSystem.Rmdir(parent, name) : FileSystem.Unlink(parent, name);
            if (r < 0 || node == null) return r;
            // As Linux orders them: the link count change, the node's end (an open node's waits for its last close), the name's removal.
            if (watched && !dir) FsNotify.Self(node, InotifyMask.IN_ATTRIB);
            if (watched && (dir || node.Nlink == 0)) FsNotify.Deleted(node);
            FsNotify.Entry(parent, InotifyMask.IN_DELETE | isDir, name, null, 0);
            return r;
        }

        public static long Rename(SyscallFrame* f) => DoRename(AT_FDCWD, f->A0, AT_FDCWD, f->A1, 0);
        public static long Renameat(SyscallFrame* f) => DoRename((int)f->A0, f->A1, (int)f->A2, f->A3, 0);
        public static long Renameat2(SyscallFrame* f) => DoRename((int)f->A0, f->A1, (int)f->A2, f->A3, (uint)f->A4);

        private static long DoRename(int olddir, ulong oldPath, int newdir, ulong newPath, uint flags)
        {
            const uint NOREPLACE = FileSystem.RENAME_NOREPLACE, EXCHANGE = FileSystem.RENAME_EXCHANGE, WHITEOUT = FileSystem.RENAME_WHITEOUT;
            if ((flags & ~(NOREPLACE | EXCHANGE | WHITEOUT)) != 0) return -Errno.EINVAL;
            if ((flags & EXCHANGE) != 0 && (flags & (NOREPLACE | WHITEOUT)) != 0) return -Errno.EINVAL;
            if ((flags & WHITEOUT) != 0 && !Credentials.Current.Capable(Cap.MKNOD)) return -Errno.EPERM;
            byte* a = stackalloc byte[PathMax + 1];
            byte* b = stackalloc byte[PathMax + 1];
            int r = Parent(olddir, oldPath, a, PathOp.Rename, out Inode op, out int os, out int on);
            if (r < 0) return r;
            Mount from = FileSystem.WalkMount;
            r = Parent(newdir, newPath, b, PathOp.Rename, out Inode np, out int ns, out int nn);
            if (r < 0) return r;
            if (FileSystem.CrossesMounts(from, FileSystem.WalkMount)) return -Errno.EXDEV;
            r = MayRename(op, Name(a, os, on), np, Name(b, ns, nn), flags);
            if (r < 0) return r;
            Inode moved = FsNotify.Active ? FileSystem.Lookup(op, Name(a, os, on)) : null;
            Inode replaced = FsNotify.Active ? FileSystem.Lookup(np, Name(b, ns, nn)) : null;
            bool replacedWatched = replaced != null && FsNotify.Watched(replaced);   // else it may be freed by the rename
            r = FileSystem.Rename(op, Name(a, os, on), np, Name(b, ns, nn), flags & ~WHITEOUT);
            // RENAME_WHITEOUT leaves a whiteout (a 0:0 character device, as overlayfs reads it) at the old name.
            if (r == 0 && (flags & WHITEOUT) != 0 && FileSystem.Lookup(op, Name(a, os, on)) == null) SysFile.AddWhiteout(op, Name(a, os, on));
            if (r < 0 || moved == null || moved == replaced) return r;
            uint cookie = FsNotify.NewCookie();
            FsNotify.Entry(op, InotifyMask.IN_MOVED_FROM, Name(a, os, on), moved, cookie);
            FsNotify.Entry(np, InotifyMask.IN_MOVED_TO, Name(b, ns, nn), moved, cookie);
            // RENAME_EXCHANGE (2) swaps; otherwise a replaced node lost a name (its link count: IN_ATTRIB, before the mover's IN_MOVE_SELF as on Linux).
            bool lost = replacedWatched && (flags & 2) == 0;
            if (lost) FsNotify.Self(replaced, InotifyMask.IN_ATTRIB);
            FsNotify.Self(moved, InotifyMask.IN_MOVE_SELF);
            if (lost && (replaced.IsDirectory || replaced.Nlink == 0)) FsNotify.Deleted(replaced);
            return r;
        }

        /// <summary>
        /// rename's permission checks (vfs_rename): deleting the old name, deleting or creating the new
        /// one, and write permission on a directory that moves to another parent (its ".." changes).
        /// Missing names are left to FileSystem.Rename's errors.
        /// </summary>
        private static int MayRename(Inode oldDir, System.ReadOnlySpan<byte> oldName, Inode newDir, System.ReadOnlySpan<byte> newName, uint flags)
        {
            Inode src = FileSystem.Lookup(oldDir, oldName);
            if (src == null) return 0;
            Inode dst = FileSystem.Lookup(newDir, newName);
            if (src == dst) return 0;
            int r = Perm.MayDelete(oldDir, src);
            if (r < 0) return r;
            r = dst != null ? Perm.MayDelete(newDir, dst) : Perm.MayCreate(newDir, newName);
            if (r < 0) return r;
            if (oldDir != newDir)
            {
                if (src.IsDirectory && (r = Perm.Check(src, Perm.MAY_WRITE)) < 0) return r;
                if ((flags & FileSystem.RENAME_EXCHANGE) != 0 && dst != null && dst.IsDirectory && (r = Perm.Check(dst, Perm.MAY_WRITE)) < 0) return r;
            }
            return 0;
        }

        public static long Link(SyscallFrame* f) => DoLink(AT_FDCWD, f->A0, AT_FDCWD, f->A1, 0);
        public static long Linkat(SyscallFrame* f) => DoLink((int)f->A0, f->A1, (int)f->A2, f->A3, (int)f->A4);

        private static long DoLink(int olddir, ulong oldPath, int newdir, ulong newPath, int flags)
        {
            if ((flags & ~(SysFile.AT_SYMLINK_FOLLOW | SysFile.AT_EMPTY_PATH)) != 0) return -Errno.EINVAL;
            int r = SysFile.Lookup(olddir, oldPath, (flags & SysFile.AT_SYMLINK_FOLLOW) != 0, (flags & SysFile.AT_EMPTY_PATH) != 0, out Inode target);
            if (r < 0) return r;
            Mount from = FileSystem.WalkMount;
            byte* buf = stackalloc byte[PathMax + 1];
            r = Parent(newdir, newPath, buf, out Inode parent, out int s, out int n);
            if (r < 0) return r;
            if (FileSystem.CrossesMounts(from, FileSystem.WalkMount)) return -Errno.EXDEV;
            if (FileSystem.Lookup(parent, Name(buf, s, n)) == null)
            {
                if (!SafeHardlinkSource(target)) return -Errno.EPERM;
                r = Perm.MayCreate(parent, Name(buf, s, n));
                if (r < 0) return r;
            }
            r = FileSystem.Link(target, parent, Name(buf, s, n));
            if (r >= 0) { FsNotify.Self(target, InotifyMask.IN_ATTRIB); FsNotify.Entry(parent, InotifyMask.IN_CREATE, Name(buf, s, n), target, 0); }
            return r;
        }

        /// <summary>
        /// fs.protected_hardlinks (on, as Linux distributions set it): someone other than the owner
        /// (without CAP_FOWNER) may link only a regular file that is not set-user-ID, not executable
        /// set-group-ID, and that they may read and write.
        /// </summary>
        private static bool SafeHardlinkSource(Inode n)
        {
            if (Perm.OwnerOrCapable(n)) return true;
            if (!n.IsRegular || (n.Mode & 0x800) != 0 || (n.Mode & 0x408) == 0x408) return false;
            return Perm.Check(n, Perm.MAY_READ | Perm.MAY_WRITE) == 0;
        }

        public static long Symlink(SyscallFrame* f) => DoSymlink(f->A0, AT_FDCWD, f->A1);
        public static long Symlinkat(SyscallFrame* f) => DoSymlink(f->A0, (int)f->A1, f->A2);

        private static long DoSymlink(ulong targetPath, int newdir, ulong linkPath)
        {
            byte* target = stackalloc byte[PathMax + 1];
            int tl = SysFile.CopyPath(targetPath, target);
            if (tl < 0) return tl;
            if (tl == 0) return -Errno.ENOENT;
            byte* buf = stackalloc byte[PathMax + 1];
            int r = Parent(newdir, linkPath, buf, out Inode parent, out int s, out int n);
            if (r < 0) return r;
            r = Perm.MayCreate(parent, Name(buf, s, n));
            if (r < 0) return r;
            r = FileSystem.Symlink(parent, Name(buf, s, n), new System.ReadOnlySpan<byte>(target, tl));
            if (r < 0) return r;
            Inode link = FileSystem.Lookup(parent, Name(buf, s, n));
            Perm.InitOwner(parent, link);
            FsNotify.Entry(parent, InotifyMask.IN_CREATE, Name(buf, s, n), link, 0);
            return r;
        }

        public static long Readlink(SyscallFrame* f) => DoReadlink(AT_FDCWD, f->A0, f->A1, f->A2);
        public static long Readlinkat(SyscallFrame* f) => DoReadlink((int)f->A0, f->A1, f->A2, f->A3);

        private static long DoReadlink(int dirfd, ulong path, ulong buf, ulong size)
        {
            if ((long)size <= 0) return -Errno.EINVAL;
            long len = UserMemory.StringLength(path, SysFile.PathMax);
            if (len < 0) return len;
            int r = SysFile.Lookup(dirfd, path, false, true, out Inode node);
            if (r < 0) return r;
            // An empty path names the descriptor's own file: one that is not a symlink is ENOENT there.
            if ((node.Mode & 0xF000) != 0xA000) return len == 0 ? -Errno.ENOENT : -Errno.EINVAL;
            byte* tmp = stackalloc byte[PathMax];
            int n = FileSystem.ReadLink(node, new System.Span<byte>(tmp, PathMax));
            if (n < 0) return n;
            ulong copy = (ulong)n < size ? (ulong)n : size;
            return UserMemory.CopyTo(buf, tmp, copy) != 0 ? -Errno.EFAULT : (long)copy;
        }

        private const int F_OK = 0, X_OK = 1, W_OK = 2, R_OK = 4;

        public static long Access(SyscallFrame* f) => DoAccess(AT_FDCWD, f->A0, (int)f->A1, 0);
        public static long Faccessat(SyscallFrame* f) => DoAccess((int)f->A0, f->A1, (int)f->A2, 0);
        public static long Faccessat2(SyscallFrame* f) => DoAccess((int)f->A0, f->A1, (int)f->A2, (int)f->A3);

        /// <summary>
        /// access and faccessat check with the real uid and gid (and root's capabilities only when
        /// the real uid is 0) unless AT_EACCESS: the walk and the check run under those
        /// credentials for the call (Linux's access_override_creds).
        /// </summary>
        private static long DoAccess(int dirfd, ulong path, int mode, int flags)
        {
            if ((mode & ~7) != 0) return -Errno.EINVAL;
            if ((flags & ~(SysFile.AT_EACCESS | SysFile.AT_SYMLINK_NOFOLLOW | SysFile.AT_EMPTY_PATH)) != 0) return -Errno.EINVAL;
            Thread self = Thread.Current;
            Credentials saved = self.Cred;
            Credentials real = (flags & SysFile.AT_EACCESS) != 0 ? null : RealIds(saved);
            if (real != null) { Credentials.Hold(real); self.Cred = real; }
            int r = SysFile.Lookup(dirfd, path, (flags & SysFile.AT_SYMLINK_NOFOLLOW) == 0, (flags & SysFile.AT_EMPTY_PATH) != 0, out Inode node);
            if (r >= 0 && mode != F_OK)
            {
                r = Perm.Check(self.Cred, node, mode);
                // Writing needs a writable mount as well (files, directories and symlinks).
                if (r >= 0 && (mode & W_OK) != 0 && FileSystem.WalkReadOnly && (node.IsRegular || node.IsDirectory || node.IsSymlink)) r = -Errno.EROFS;
            }
            if (real != null) { self.Cred = saved; Credentials.Release(real); }
            return r;
        }

        /// <summary>The credentials access checks with, or null when they are the caller's own (root's usual case: no copy).</summary>
        private static Credentials RealIds(Credentials c)
        {
            ulong caps = (c.Securebits & Credentials.SECBIT_NO_SETUID_FIXUP) != 0 ? c.CapEff : c.Uid == 0 ? c.CapPrm : 0;
            if (c.Fsuid == c.Uid && c.Fsgid == c.Gid && caps == c.CapEff) return null;
            Credentials r = c.Copy();
            r.Fsuid = c.Uid;
            r.Fsgid = c.Gid;
            r.CapEff = caps;
            return r;
        }

        /// <summary>chroot: the directory becomes the process's "/" (children inherit it); the working directory stays where it is.</summary>
        public static long Chroot(SyscallFrame* f)
        {
            int r = SysFile.Lookup(AT_FDCWD, f->A0, true, false, out Inode node);
            if (r < 0) return r;
            if (!node.IsDirectory) return -Errno.ENOTDIR;
            r = Perm.Check(node, Perm.MAY_EXEC);
            if (r < 0) return r;
            if (!Credentials.Current.Capable(Cap.SYS_CHROOT)) return -Errno.EPERM;
            Process p = Process.Current;
            node.OpenRef();
            if (p.Root != null) p.Root.CloseRef();
            p.Root = node == FileSystem.Root ? null : node;
            if (p.Root == null) node.CloseRef();
            return 0;
        }

        public static long Getcwd(SyscallFrame* f)
        {
            byte* buf = stackalloc byte[PathMax + 1];
            int n = FileSystem.GetPath(Process.Current.Cwd, new System.Span<byte>(buf, PathMax));
            if (n < 0) return n;
            buf[n] = 0;
            if ((ulong)n + 1 > f->A1) return -Errno.ERANGE;
            return UserMemory.CopyTo(f->A0, buf, (ulong)n + 1) != 0 ? -Errno.EFAULT : n + 1;
        }

        public static long Chdir(SyscallFrame* f)
        {
            int r = SysFile.Lookup(AT_FDCWD, f->A0, true, false, out Inode node);
            if (r < 0) return r;
            if ((node.Mode & 0xF000) != 0x4000) return -Errno.ENOTDIR;
            r = Perm.Check(node, Perm.MAY_EXEC);
            if (r < 0) return r;
            Process.Current.SetCwd(node);
            return 0;
        }

        public static long Fchdir(SyscallFrame* f)
        {
            File file = FdTable.Get((int)f->A0);
            if (file == null) return -Errno.EBADF;
            if (file.Node == null || (file.Node.Mode & 0xF000) != 0x4000) return -Errno.ENOTDIR;
            int r = Perm.Check(file.Node, Perm.MAY_EXEC);
            if (r < 0) return r;
            Process.Current.SetCwd(file.Node);
            return 0;
        }

        /// <summary>chmod: the owner or CAP_FOWNER (EPERM); S_ISGID goes unless the caller is in the file's group or holds CAP_FSETID.</summary>
        private static long SetMode(Inode node, uint mode)
        {
            if (FileSystem.WalkReadOnly) return -Errno.EROFS;
            if (!Perm.OwnerOrCapable(node)) return -Errno.EPERM;
            if (Seals.CheckMode(node, mode) < 0) return -Errno.EPERM;
            Credentials c = Credentials.Current;
            if ((mode & 0x400) != 0 && !c.InGroup(node.Gid) && !c.Capable(Cap.FSETID)) mode &= ~0x400u;
            node.Mode = (node.Mode & 0xF000) | (mode & 0xFFF);
            node.CtimeNs = (long)SysTime.RealtimeNs();
            FsNotify.Child(node, InotifyMask.IN_ATTRIB);
            return 0;
        }

        public static long Chmod(SyscallFrame* f)
        {
            int r = SysFile.Lookup(AT_FDCWD, f->A0, true, false, out Inode node);
            return r < 0 ? r : SetMode(node, (uint)f->A1);
        }

        public static long Fchmod(SyscallFrame* f)
        {
            File file = FdTable.GetOpen((int)f->A0);
            if (file == null) return -Errno.EBADF;
            if (file.Node == null) return -Errno.EINVAL;
            FileSystem.NoteMountOf(file.Node);
            return SetMode(file.Node, (uint)f->A1);
        }

        public static long Fchmodat(SyscallFrame* f)
        {
            int r = SysFile.Lookup((int)f->A0, f->A1, true, false, out Inode node);
            return r < 0 ? r : SetMode(node, (uint)f->A2);
        }

        /// <summary>fchmodat with flags: AT_SYMLINK_NOFOLLOW (a symlink's mode cannot change: EOPNOTSUPP) and AT_EMPTY_PATH.</summary>
        public static long Fchmodat2(SyscallFrame* f)
        {
            int flags = (int)f->A3;
            if ((flags & ~(SysFile.AT_SYMLINK_NOFOLLOW | SysFile.AT_EMPTY_PATH)) != 0) return -Errno.EINVAL;
            int r = SysFile.Lookup((int)f->A0, f->A1, (flags & SysFile.AT_SYMLINK_NOFOLLOW) == 0, (flags & SysFile.AT_EMPTY_PATH) != 0, out Inode node);
            if (r < 0) return r;
            if ((node.Mode & 0xF000) == 0xA000) return -Errno.EOPNOTSUPP;
            return SetMode(node, (uint)f->A2);
        }

        /// <summary>
        /// chown (fs/attr.c chown_ok, chgrp_ok): CAP_CHOWN, or the owner keeping the owner and giving
        /// the file one of its groups (EPERM). A non-directory loses S_ISUID, and S_ISGID when group-executable.
        /// </summary>
        private static long SetOwner(Inode node, uint uid, uint gid)
        {
            if (FileSystem.WalkReadOnly) return -Errno.EROFS;
            Credentials c = Credentials.Current;
            bool cap = c.Capable(Cap.CHOWN);
            if (uid != 0xFFFFFFFF && !cap && !(c.Fsuid == node.Uid && uid == node.Uid)) return -Errno.EPERM;
            if (gid != 0xFFFFFFFF && !cap && !(c.Fsuid == node.Uid && (gid == node.Gid || c.InGroup(gid)))) return -Errno.EPERM;
            // Decided before the change, with the old group (setattr_should_drop_sgid).
            bool dropSgid = (node.Mode & 0x400) != 0 && ((node.Mode & 0x8) != 0 || (!c.InGroup(node.Gid) && !c.Capable(Cap.FSETID)));
            if (uid != 0xFFFFFFFF) node.Uid = uid;
            if (gid != 0xFFFFFFFF) node.Gid = gid;
            if (!node.IsDirectory)
            {
                node.Mode &= ~0x800u;
                if (dropSgid) node.Mode &= ~0x400u;
            }
            node.CtimeNs = (long)SysTime.RealtimeNs();
            FsNotify.Child(node, InotifyMask.IN_ATTRIB);
            return 0;
        }

        public static long Chown(SyscallFrame* f)
        {
            int r = SysFile.Lookup(AT_FDCWD, f->A0, true, false, out Inode node);
            return r < 0 ? r : SetOwner(node, (uint)f->A1, (uint)f->A2);
        }

        public static long Lchown(SyscallFrame* f)
        {
            int r = SysFile.Lookup(AT_FDCWD, f->A0, false, false, out Inode node);
            return r < 0 ? r : SetOwner(node, (uint)f->A1, (uint)f->A2);
        }

        public static long Fchown(SyscallFrame* f)
        {
            File file = FdTable.GetOpen((int)f->A0);
            if (file == null) return -Errno.EBADF;
            if (file.Node == null) return -Errno.EINVAL;
            FileSystem.NoteMountOf(file.Node);
            return SetOwner(file.Node, (uint)f->A1, (uint)f->A2);
        }

        public static long Fchownat(SyscallFrame* f)
        {
            int flags = (int)f->A4;
            if ((flags & ~(SysFile.AT_SYMLINK_NOFOLLOW | SysFile.AT_EMPTY_PATH)) != 0) return -Errno.EINVAL;
            int r = SysFile.Lookup((int)f->A0, f->A1, (flags & SysFile.AT_SYMLINK_NOFOLLOW) == 0, (flags & SysFile.AT_EMPTY_PATH) != 0, out Inode node);
            return r < 0 ? r : SetOwner(node, (uint)f->A2, (uint)f->A3);
        }

        private const long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;

        // Times for SetTimes besides nanoseconds since the epoch.
        private const long TimeNow = long.MinValue, TimeOmit = long.MinValue + 1;

        /// <summary>The file utimensat and its elders name (a null path: the descriptor itself) gets the two times.</summary>
        private static long SetTimes(int dirfd, ulong path, bool follow, long atime, long mtime, bool allowEmpty = false)
        {
            Inode node;
            if (path == 0 && dirfd != AT_FDCWD)
            {
                // The descriptor itself (do_utimes_fd): no flags, and not an O_PATH one. A null path
                // with AT_FDCWD is looked up like any other (EFAULT).
                if (!follow || allowEmpty) return -Errno.EINVAL;
                File file = FdTable.GetOpen(dirfd);
                if (file == null || file.Node == null) return -Errno.EBADF;
                node = file.Node;
                FileSystem.NoteMountOf(node);
            }
            else
            {
                int r = SysFile.Lookup(dirfd, path, follow, allowEmpty, out node);
                if (r < 0) return r;
            }
            if (FileSystem.WalkReadOnly) return -Errno.EROFS;
            // "Now" for both (or no times): the owner, CAP_FOWNER or anyone who may write (EACCES).
            // Any other times (one omitted included): the owner or CAP_FOWNER (EPERM).
            if (!Perm.OwnerOrCapable(node))
            {
                if (atime != TimeNow || mtime != TimeNow) return -Errno.EPERM;
                int w = Perm.Check(node, Perm.MAY_WRITE);
                if (w < 0) return w;
            }
            long now = (long)SysTime.RealtimeNs();
            if (atime != TimeOmit) node.AtimeNs = atime == TimeNow ? now : atime;
            if (mtime != TimeOmit) node.MtimeNs = mtime == TimeNow ? now : mtime;
            node.CtimeNs = now;
            FsNotify.Child(node, InotifyMask.IN_ATTRIB);
            return 0;
        }

        public static long Utimensat(SyscallFrame* f)
        {
            int flags = (int)f->A3;
            long atime = TimeNow, mtime = TimeNow;
            if (f->A2 != 0)
            {
                if (UserMemory.Read(f->A2, out SysTime.Timespec a) != 0 || UserMemory.Read(f->A2 + 16, out SysTime.Timespec m) != 0) return -Errno.EFAULT;
                if (a.Nsec == UTIME_OMIT && m.Nsec == UTIME_OMIT) return 0;     // nothing to do: Linux does not even look at the path or flags
                if ((flags & ~(SysFile.AT_SYMLINK_NOFOLLOW | SysFile.AT_EMPTY_PATH)) != 0) return -Errno.EINVAL;
                if ((a.Nsec < 0 || a.Nsec >= 1_000_000_000) && a.Nsec != UTIME_NOW && a.Nsec != UTIME_OMIT) return -Errno.EINVAL;
                if ((m.Nsec < 0 || m.Nsec >= 1_000_000_000) && m.Nsec != UTIME_NOW && m.Nsec != UTIME_OMIT) return -Errno.EINVAL;
                atime = a.Nsec == UTIME_OMIT ? TimeOmit : a.Nsec == UTIME_NOW ? TimeNow : a.Sec * 1_000_000_000 + a.Nsec;
                mtime = m.Nsec == UTIME_OMIT ? TimeOmit : m.Nsec == UTIME_NOW ? TimeNow : m.Sec * 1_000_000_000 + m.Nsec;
            }
            else if ((flags & ~(SysFile.AT_SYMLINK_NOFOLLOW | SysFile.AT_EMPTY_PATH)) != 0) return -Errno.EINVAL;
            return SetTimes((int)f->A0, f->A1, (flags & SysFile.AT_SYMLINK_NOFOLLOW) == 0, atime, mtime, (flags & SysFile.AT_EMPTY_PATH) != 0);
        }

        private struct Timeval { public long Sec, Usec; }

        /// <summary>utimes/futimesat: two timevals (microseconds), or none for now.</summary>
        private static long SetTimesFromTimevals(int dirfd, ulong path, ulong times)
        {
            if (times == 0) return SetTimes(dirfd, path, true, TimeNow, TimeNow);
            if (UserMemory.Read(times, out Timeval a) != 0 || UserMemory.Read(times + 16, out Timeval m) != 0) return -Errno.EFAULT;
            if (a.Usec < 0 || a.Usec >= 1_000_000 || m.Usec < 0 || m.Usec >= 1_000_000) return -Errno.EINVAL;
            return SetTimes(dirfd, path, true, a.Sec * 1_000_000_000 + a.Usec * 1000, m.Sec * 1_000_000_000 + m.Usec * 1000);
        }

        public static long Utimes(SyscallFrame* f) => SetTimesFromTimevals(AT_FDCWD, f->A0, f->A1);
        public static long Futimesat(SyscallFrame* f) => SetTimesFromTimevals((int)f->A0, f->A1, f->A2);

        /// <summary>utime: a struct utimbuf of whole seconds (access, modification), or none for now.</summary>
        public static long Utime(SyscallFrame* f)
        {
            if (f->A0 == 0) return -Errno.EFAULT;
            if (f->A1 == 0) return SetTimes(AT_FDCWD, f->A0, true, TimeNow, TimeNow);
            if (UserMemory.Read(f->A1, out long a) != 0 || UserMemory.Read(f->A1 + 8, out long m) != 0) return -Errno.EFAULT;
            return SetTimes(AT_FDCWD, f->A0, true, a * 1_000_000_000, m * 1_000_000_000);
        }

        public static long Truncate(SyscallFrame* f)
        {
            if ((long)f->A1 < 0) return -Errno.EINVAL;
            int r = SysFile.Lookup(AT_FDCWD, f->A0, true, false, out Inode node);
            if (r < 0) return r;
            if ((node.Mode & 0xF000) == 0x4000) return -Errno.EISDIR;
            if (FileSystem.WalkReadOnly && node.IsRegular) return -Errno.EROFS;
            r = Perm.Check(node, Perm.MAY_WRITE);
            if (r < 0) return r;
            if (node.WriteCount < 0) return -Errno.ETXTBSY;             // a running program's file
            r = SysFile.SizeLimitOk(node, (long)f->A1);
            if (r == 0) r = Seals.CheckResize(node, (long)f->A1);
            if (r < 0) return r;
            Perm.RemovePrivs(node);
            r = FileSystem.Truncate(node, (long)f->A1);
            if (r >= 0) FsNotify.Child(node, InotifyMask.IN_MODIFY);
            return r;
        }

        private struct StatFs
        {
            public long Type, Bsize, Blocks, Bfree, Bavail, Files, Ffree;
            public int Fsid0, Fsid1;
            public long Namelen, Frsize, Flags;
            public fixed long Spare[4];
        }

        private const long ST_RDONLY = 1, ST_NOSUID = 2, ST_NODEV = 4, ST_NOEXEC = 8, ST_NOATIME = 1024, ST_NODIRATIME = 2048,
            ST_RELATIME = 4096, ST_VALID = 0x20, ST_NOSYMFOLLOW = 0x2000;

        /// <summary>statfs of a file on mount <paramref name="m"/>: its file system's type, a tmpfs size= as its size, the mount's flags.</summary>
        private static long FillStatfs(ulong buf, Mount m)
        {
            StatfsOf(m, out StatFs s);
            return UserMemory.Write(buf, s);
        }

        /// <summary>What statfs says of a file on mount <paramref name="m"/> (null: the boot tree).</summary>
        private static void StatfsOf(Mount m, out StatFs s)
        {
            s = default;
            s.Type = m != null ? m.Magic : 0x01021994;   // the boot tree is a RAM file system (TMPFS_MAGIC)
            s.Bsize = 4096;
            s.Frsize = 4096;
            s.Blocks = (long)(Mm.TotalRam / 4096);
            s.Bfree = s.Bavail = (long)Mm.Pages.FreeFrames;
            if (m != null && m.SizeGiven && m.SizeLimit > 0)
            {
                s.Blocks = m.SizeLimit / 4096;
                if (s.Bfree > s.Blocks) s.Bfree = s.Bavail = s.Blocks;
            }
            if (m != null && m.Kind != Mount.KindBoot)
            {
                int f = m.Flags;
                s.Flags = ST_VALID | ((f & Mount.ReadOnly) != 0 ? ST_RDONLY : 0) | ((f & Mount.NoSuid) != 0 ? ST_NOSUID : 0) |
                    ((f & Mount.NoDev) != 0 ? ST_NODEV : 0) | ((f & Mount.NoExec) != 0 ? ST_NOEXEC : 0) |
                    ((f & Mount.NoAtime) != 0 ? ST_NOATIME : 0) | ((f & Mount.NoDirAtime) != 0 ? ST_NODIRATIME : 0) |
                    ((f & Mount.RelAtime) != 0 ? ST_RELATIME : 0) | ((f & Mount.NoSymFollow) != 0 ? ST_NOSYMFOLLOW : 0);
            }
            s.Files = 1 << 20;
            s.Ffree = 1 << 19;
            s.Namelen = 255;
        }

        /// <summary>The st_dev every node of the tree reports (SysFile.Fill): the only mounted device ustat knows.</summary>
        private const ulong RootDev = 0x801;

        private struct Ustat
        {
            public int Tfree;                    // __kernel_daddr_t
            public ulong Tinode;
            public fixed byte Fname[6], Fpack[6];
        }

        /// <summary>ustat(dev, buf): free blocks and inodes of the mounted file system on dev (statfs's f_bfree and f_ffree).</summary>
        public static long UstatSyscall(SyscallFrame* f)
        {
            if ((uint)f->A0 != RootDev) return -Errno.EINVAL;     // no file system of ours is on that device
            StatfsOf(null, out StatFs s);
            Ustat u = default;
            u.Tfree = (int)s.Bfree;
            u.Tinode = (ulong)s.Ffree;
            return UserMemory.Write(f->A1, u);
        }

        /// <summary>sysfs(option, arg1, arg2): 1 name -> index, 2 index -> name, 3 count, over the file system types /proc/filesystems lists.</summary>
        public static long Sysfs(SyscallFrame* f)
        {
            switch ((int)f->A0)
            {
                case 1:
                {
                    byte* name = stackalloc byte[PathMax + 1];
                    int len = SysFile.CopyPath(f->A1, name);      // getname: EFAULT, ENAMETOOLONG, and "" is ENOENT
                    if (len < 0) return len;
                    if (len == 0) return -Errno.ENOENT;
                    for (int i = 0; i < ProcFs.FileSystemTypeCount; i++)
                    {
                        string t = ProcFs.FileSystemType(i);
                        if (t.Length != len) continue;
                        int k = 0;
                        while (k < len && name[k] == (byte)t[k]) k++;
                        if (k == len) return i;
                    }
                    return -Errno.EINVAL;
                }
                case 2:
                {
                    uint index = (uint)f->A1;
                    if (index >= ProcFs.FileSystemTypeCount) return -Errno.EINVAL;
                    string t = ProcFs.FileSystemType((int)index);
                    byte* buf = stackalloc byte[32];
                    for (int k = 0; k < t.Length; k++) buf[k] = (byte)t[k];
                    buf[t.Length] = 0;
                    return UserMemory.CopyTo(f->A2, buf, (ulong)t.Length + 1) != 0 ? -Errno.EFAULT : 0;
                }
                case 3:
                    return ProcFs.FileSystemTypeCount;
            }
            return -Errno.EINVAL;
        }

        public static long Statfs(SyscallFrame* f)
        {
            int r = SysFile.Lookup(AT_FDCWD, f->A0, true, false, out _);
            return r < 0 ? r : FillStatfs(f->A1, FileSystem.WalkMount);
        }

        public static long Fstatfs(SyscallFrame* f)
        {
            File file = FdTable.Get((int)f->A0);
            if (file == null) return -Errno.EBADF;
            return FillStatfs(f->A1, file.Node != null ? FileSystem.MountOf(file.Node) : null);
        }

        public static long Umask(SyscallFrame* f)
        {
            long old = (long)Process.Current.Umask;
            Process.Current.Umask = f->A0 & 0x1FF;
            return old;
        }
    }
}
