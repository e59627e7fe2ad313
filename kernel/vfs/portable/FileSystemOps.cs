// Namespace operations (create, mkdir, unlink, rmdir, rename, link, symlink) and directory
// listing. Names are single components (no '/'); the syscall layer splits paths with
// FileSystem.ResolveParent. Error order follows Linux's fs/namei.c.
using System;

namespace Kernel.Vfs
{
    public static unsafe partial class FileSystem
    {
        /// <summary>
        /// mknod/creat: a regular file (type bits 0 or S_IFREG), character/block device, FIFO or
        /// socket named <paramref name="name"/> in <paramref name="dir"/>; permissions = mode &amp; 07777
        /// (apply the umask before). On EEXIST <paramref name="node"/> is the existing node.
        /// Errors: EPERM (S_IFDIR), EINVAL (other types), ENOTDIR, ENOENT (dir removed, empty
        /// name), ENAMETOOLONG, EEXIST (also "." / ".."), ENOSPC.
        /// </summary>
        public static int Create(Inode dir, ReadOnlySpan<byte> name, uint mode, out Inode node)
        {
            node = null;
            uint type = mode & Inode.S_IFMT;
            if (type == 0) type = Inode.S_IFREG;
            if (type == Inode.S_IFDIR) return -Errno.EPERM;
            if (type != Inode.S_IFREG && type != Inode.S_IFCHR && type != Inode.S_IFBLK &&
                type != Inode.S_IFIFO && type != Inode.S_IFSOCK) return -Errno.EINVAL;
            int r = PrepareCreate(dir, name, out node);
            if (r < 0) return r;
            Inode n = NewInode(type | (mode & Inode.PermMask));
            return Attach(dir, name, n, out node);
        }

        /// <summary>mkdir: permissions = mode &amp; 01777. Errors as Create (EEXIST returns the existing node).</summary>
        public static int Mkdir(Inode dir, ReadOnlySpan<byte> name, uint mode, out Inode node)
        {
            int r = PrepareCreate(dir, name, out node);
            if (r < 0) return r;
            Inode n = NewInode(Inode.S_IFDIR | (mode & 0x3FF));
            return Attach(dir, name, n, out node);
        }

        /// <summary>
        /// Links a node built by the kernel (usually a SpecialInode for /dev or /proc, or a plain
        /// Inode) into <paramref name="dir"/>. Sets Ino (when 0), link counts and Parent.
        /// Errors as Create.
        /// </summary>
        public static int AddSpecial(Inode dir, ReadOnlySpan<byte> name, Inode node)
        {
            if (node == null) return -Errno.EINVAL;
            int r = PrepareCreate(dir, name, out Inode existing);
            if (r < 0) return r;
            if (node.Ino == 0) { node.Ino = ++s_nextIno; node.Generation = NextGeneration(); }
            if (node.IsDirectory) node.Nlink = 0;   // Attach sets 2
            return Attach(dir, name, node, out existing);
        }

        private static int PrepareCreate(Inode dir, ReadOnlySpan<byte> name, out Inode existing)
        {
            existing = null;
            int r = CheckDir(dir);
            if (r < 0) return r;
            r = ValidateName(name, PathOp.Create);
            if (r < 0) return r;
            DirEntry e = FindEntry(dir, name);
            if (e != null) { existing = e.Node; return -Errno.EEXIST; }
            if (dir.Nlink == 0) return -Errno.ENOENT;       // directory was removed
            return 0;
        }

        private static int Attach(Inode dir, ReadOnlySpan<byte> name, Inode n, out Inode node)
        {
            node = null;
            int r = AddEntry(dir, name, n);
            if (r < 0) return r;
            if (n.IsDirectory) { n.Nlink = 2; dir.Nlink++; }
            else n.Nlink++;
            n.SetParent(dir);
            TouchDir(dir, Time());
            node = n;
            return 0;
        }

        /// <summary>
        /// unlink: removes a non-directory name. The node's data lives on while it is open
        /// (OpenCount &gt; 0) or linked elsewhere. Errors: ENOTDIR (dir), ENOENT, ENAMETOOLONG,
        /// EISDIR (a directory, or "." / "..").
        /// </summary>
        public static int Unlink(Inode dir, ReadOnlySpan<byte> name)
        {
            int r = CheckDir(dir);
            if (r < 0) return r;
            r = ValidateName(name, PathOp.Unlink);
            if (r < 0) return r;
            DirEntry e = FindEntry(dir, name);
            if (e == null) return -Errno.ENOENT;
            Inode node = e.Node;
            if (node.IsDirectory) return -Errno.EISDIR;
            RemoveEntry(dir, e, node.Nlink <= 1);
            long t = Time();
            if (node.Nlink > 0) node.Nlink--;
            node.CtimeNs = t;
            TouchDir(dir, t);
            node.Release();
            return 0;
        }

        /// <summary>
        /// rmdir: removes an empty directory. The node keeps its Parent (".." of a removed cwd
        /// still works) but can no longer get entries. Errors: ENOTDIR (dir, or the name is not
        /// a directory), ENOENT, ENAMETOOLONG, ENOTEMPTY (also ".."), EINVAL ("."), EBUSY (Root).
        /// </summary>
        public static int Rmdir(Inode dir, ReadOnlySpan<byte> name)
        {
            int r = CheckDir(dir);
            if (r < 0) return r;
            r = ValidateName(name, PathOp.Rmdir);
            if (r < 0) return r;
            DirEntry e = FindEntry(dir, name);
            if (e == null) return -Errno.ENOENT;
            Inode node = e.Node;
            if (!node.IsDirectory) return -Errno.ENOTDIR;
            if (node == Root || node.Mounted != null || node.RootOf != null) return -Errno.EBUSY;   // a mount point
            if (node.EntryCount > 0) return -Errno.ENOTEMPTY;
            RemoveEntry(dir, e, true);
            long t = Time();
            node.Nlink = 0;
            if (dir.Nlink > 2) dir.Nlink--;
            node.CtimeNs = t;
            TouchDir(dir, t);
            node.Release();
            return 0;
        }

        /// <summary>
        /// renameat2. flags: 0, RENAME_NOREPLACE or RENAME_EXCHANGE. Same node under both names
        /// (including a name to itself) is a no-op returning 0. A replaced target keeps its
        /// directory position (readdir) and is released like an unlink.
        /// Errors, in Linux's order: EINVAL (bad flags), ENOTDIR (a dir is not a directory),
        /// EBUSY ("." / ".."), ENAMETOOLONG, ENOENT (no source; EXCHANGE without target; new dir
        /// removed), EEXIST (NOREPLACE with a target), EINVAL (directory into its own subtree),
        /// ENOTEMPTY (target is an ancestor of the source; EINVAL with EXCHANGE), ENOTDIR (dir over
        /// non-dir), EISDIR (non-dir over dir), ENOTEMPTY (non-empty target dir), ENOSPC.
        /// Trailing slashes: the caller must give ENOTDIR when the source is not a directory.
        /// </summary>
        public static int Rename(Inode oldDir, ReadOnlySpan<byte> oldName, Inode newDir, ReadOnlySpan<byte> newName, uint flags)
        {
            if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0) return -Errno.EINVAL;
            bool noReplace = (flags & RENAME_NOREPLACE) != 0, exchange = (flags & RENAME_EXCHANGE) != 0;
            if (noReplace && exchange) return -Errno.EINVAL;
            int r = CheckDir(oldDir);
            if (r < 0) return r;
            r = CheckDir(newDir);
            if (r < 0) return r;
            r = ValidateName(oldName, PathOp.Rename);
            if (r < 0) return r;
            r = ValidateName(newName, PathOp.Rename);
            if (r < 0) return r;
            DirEntry oe = FindEntry(oldDir, oldName);
            if (oe == null) return -Errno.ENOENT;
            DirEntry ne = FindEntry(newDir, newName);
            if (noReplace && ne != null) return -Errno.EEXIST;
            if (exchange && ne == null) return -Errno.ENOENT;
            Inode src = oe.Node;
            Inode dst = ne != null ? ne.Node : null;
            if (src.Mounted != null || src.RootOf != null || (dst != null && (dst.Mounted != null || dst.RootOf != null))) return -Errno.EBUSY;
            if (src.IsDirectory && IsAncestorOrSelf(src, newDir)) return -Errno.EINVAL;
            if (dst != null && dst.IsDirectory && IsAncestorOrSelf(dst, oldDir))
                return exchange ? -Errno.EINVAL : -Errno.ENOTEMPTY;
            if (src == dst) return 0;
            long t = Time();
            if (exchange)
            {
                oe.Node = dst;
                ne.Node = src;
                if (oldDir != newDir)
                {
                    if (src.IsDirectory) { oldDir.Nlink--; newDir.Nlink++; }
                    if (dst.IsDirectory) { newDir.Nlink--; oldDir.Nlink++; }
                }
                src.SetParent(newDir);
                dst.SetParent(oldDir);
                src.CtimeNs = dst.CtimeNs = t;
                TouchDir(oldDir, t);
                TouchDir(newDir, t);
                return 0;
            }
            if (dst != null)
            {
                if (src.IsDirectory && !dst.IsDirectory) return -Errno.ENOTDIR;
                if (!src.IsDirectory && dst.IsDirectory) return -Errno.EISDIR;
                if (dst.IsDirectory && dst.EntryCount > 0) return -Errno.ENOTEMPTY;
                if (dst.Parent == newDir && (dst.IsDirectory || dst.Nlink <= 1) && (dst.OpenCount > 0 || dst.Children > 0))
                    StashName(dst, new ReadOnlySpan<byte>(ne.Name, ne.NameLength));
                ne.Node = src;                                 // the target name keeps its position
                if (dst.IsDirectory) { dst.Nlink = 0; newDir.Nlink--; }
                else if (dst.Nlink > 0) dst.Nlink--;
                dst.CtimeNs = t;
            }
            else
            {
                if (newDir.Nlink == 0) return -Errno.ENOENT;
                r = AddEntry(newDir, newName, src);
                if (r < 0) return r;
            }
            RemoveEntry(oldDir, oe);
            if (src.IsDirectory && oldDir != newDir) { oldDir.Nlink--; newDir.Nlink++; }
            src.SetParent(newDir);
            src.CtimeNs = t;
            TouchDir(oldDir, t);
            TouchDir(newDir, t);
            if (dst != null) dst.Release();
            return 0;
        }

        /// <summary>
        /// link: a new name for <paramref name="target"/>. Errors: ENOTDIR, ENAMETOOLONG, EEXIST
        /// (also "." / ".."), ENOENT (dir removed, or target no longer linked), EPERM (directory).
        /// </summary>
        public static int Link(Inode target, Inode dir, ReadOnlySpan<byte> name)
        {
            if (target == null) return -Errno.ENOENT;
            int r = PrepareCreate(dir, name, out Inode existing);
            if (r < 0) return r;
            if (target.IsDirectory) return -Errno.EPERM;
            if (target.Nlink == 0 && !target.Linkable) return -Errno.ENOENT;
            r = AddEntry(dir, name, target);
            if (r < 0) return r;
            long t = Time();
            target.Nlink++;
            target.Linkable = false;
            target.SetParent(dir);
            target.CtimeNs = t;
            TouchDir(dir, t);
            return 0;
        }

        /// <summary>
        /// symlink: a link named <paramref name="name"/> whose target is <paramref name="target"/>
        /// (copied, not checked). Errors: ENOENT (empty target), ENAMETOOLONG (target of 4096+
        /// bytes), then those of Create.
        /// </summary>
        /// <summary>Points an existing symlink at a new target in place: the node keeps its identity (no new inode).</summary>
        public static int Retarget(Inode link, ReadOnlySpan<byte> target)
        {
            if (!link.IsSymlink) return -Errno.EINVAL;
            if (target.Length == 0) return -Errno.ENOENT;
            if (target.Length >= PathMax) return -Errno.ENAMETOOLONG;
            if (!link.DataOwned || link.Capacity < target.Length)
            {
                byte* data = (byte*)VfsMemory.Alloc((ulong)target.Length);
                if (data == null) return -Errno.ENOSPC;
                if (link.DataOwned && link.Data != null) VfsMemory.Free(link.Data);
                link.Data = data;
                link.Capacity = target.Length;
                link.DataOwned = true;
            }
            for (int i = 0; i < target.Length; i++) link.Data[i] = target[i];
            link.Size = target.Length;
            link.MtimeNs = link.CtimeNs = Time();
            return 0;
        }

        public static int Symlink(Inode dir, ReadOnlySpan<byte> name, ReadOnlySpan<byte> target)
        {
            if (target.Length == 0) return -Errno.ENOENT;
            if (target.Length >= PathMax) return -Errno.ENAMETOOLONG;
            int r = PrepareCreate(dir, name, out Inode existing);
            if (r < 0) return r;
            byte* data = (byte*)VfsMemory.Alloc((ulong)target.Length);
            if (data == null) return -Errno.ENOSPC;
            for (int i = 0; i < target.Length; i++) data[i] = target[i];
            Inode n = NewInode(Inode.S_IFLNK | 0x1FF);
            n.Data = data;
            n.Size = n.Capacity = target.Length;
            n.DataOwned = true;
            r = Attach(dir, name, n, out existing);
            if (r < 0) { n.Nlink = 0; n.Release(); }
            return r;
        }

        /// <summary>readlink: copies up to dst.Length bytes of the target (no NUL); EINVAL if not a symlink.</summary>
        public static int ReadLink(Inode node, Span<byte> dst)
        {
            if (node == null || !node.IsSymlink) return -Errno.EINVAL;
            int n = (int)Math.Min((long)dst.Length, node.Size);
            for (int i = 0; i < n; i++) dst[i] = node.Data[i];
            return n;
        }

        /// <summary>
        /// One directory entry at <paramref name="cookie"/>: 0 is ".", 1 is "..", then entries in
        /// insertion order. Returns 1 with the entry and the cookie of the next one, 0 at the end,
        /// or -errno: ENOTDIR, ENOENT (directory removed), EINVAL (negative cookie, or nameOut
        /// shorter than the name). Cookies stay valid while entries are added or removed: an entry
        /// present for the whole listing is produced exactly once.
        /// </summary>
        public static int ReadDir(Inode dir, long cookie, out long nextCookie, out Inode child, Span<byte> nameOut, out int nameLength)
        {
            nextCookie = cookie;
            child = null;
            nameLength = 0;
            int r = CheckDir(dir);
            if (r < 0) return r;
            if (dir.Nlink == 0) return -Errno.ENOENT;
            if (cookie < 0) return -Errno.EINVAL;
            if (cookie < 2)
            {
                if (nameOut.Length < (int)cookie + 1) return -Errno.EINVAL;
                nameOut[0] = (byte)'.';
                if (cookie == 1) nameOut[1] = (byte)'.';
                nameLength = (int)cookie + 1;
                child = cookie == 0 ? dir : (dir.Parent != null ? dir.Parent : dir);
                nextCookie = cookie + 1;
                return 1;
            }
            for (DirEntry e = dir.First; e != null; e = e.Next)
            {
                if (e.Seq + 2 < cookie) continue;
                if (nameOut.Length < e.NameLength) return -Errno.EINVAL;
                for (int i = 0; i < e.NameLength; i++) nameOut[i] = e.Name[i];
                nameLength = e.NameLength;
                child = e.Node;
                nextCookie = e.Seq + 3;
                return 1;
            }
            return 0;
        }

        /// <summary>
        /// Removes the name of <paramref name="e"/> from <paramref name="dir"/> whatever it is: a
        /// directory's whole subtree is unlinked (iteratively, no recursion).
        /// </summary>
        private static void RemoveAny(Inode dir, DirEntry e)
        {
            Inode top = e.Node;
            if (top.IsDirectory)
            {
                Inode cur = top;
                while (true)
                {
                    DirEntry c = cur.First;
                    if (c == null)
                    {
                        if (cur == top) break;
                        cur = cur.Parent;           // its entry in the parent is removed next round
                        continue;
                    }
                    Inode child = c.Node;
                    if (child.IsDirectory && child.First != null && child.Parent == cur) { cur = child; continue; }
                    RemoveEntry(cur, c);
                    if (child.IsDirectory) { child.Nlink = 0; cur.Nlink--; }
                    else if (child.Nlink > 0) child.Nlink--;
                    child.Release();
                }
            }
            RemoveEntry(dir, e);
            if (top.IsDirectory) { top.Nlink = 0; dir.Nlink--; }
            else if (top.Nlink > 0) top.Nlink--;
            top.Release();
        }
    }
}
