// File contents (read, write, truncate) and loading the initrd (cpio newc).
using System;
using Compat.Loader;

namespace Kernel.Vfs
{
    public static unsafe partial class FileSystem
    {
        /// <summary>
        /// pread: copies up to dst.Length bytes at <paramref name="offset"/>; returns the count (0 at
        /// or past end of file). SpecialInode: its Read. Errors: EISDIR, EINVAL (negative offset,
        /// symlink or other non-regular node).
        /// </summary>
        public static long Read(Inode node, long offset, Span<byte> dst)
        {
            if (node == null) return -Errno.EBADF;
            if (node.IsSpecial) return ((SpecialInode)node).Read(offset, dst);
            if (node.IsDirectory) return -Errno.EISDIR;
            if (!node.IsRegular) return -Errno.EINVAL;
            if (offset < 0) return -Errno.EINVAL;
            if (offset >= node.Size || dst.Length == 0) return 0;
            long n = Math.Min((long)dst.Length, node.Size - offset);
            long stored = Math.Min(n, Math.Max(0L, node.Capacity - offset));
            fixed (byte* d = dst)
            {
                if (stored > 0) Mem.Copy(d, node.Data + offset, (ulong)stored);
                if (n > stored) Mem.Zero(d + stored, (ulong)(n - stored));
            }
            return n;
        }

        /// <summary>
        /// pwrite: writes all of <paramref name="src"/> at <paramref name="offset"/> (a gap past the
        /// end reads as zeros), grows Size, sets mtime/ctime; returns src.Length. SpecialInode: its
        /// Write. Errors: EISDIR, EINVAL (negative offset, non-regular), EFBIG (offset + length
        /// overflows), ENOSPC (out of memory).
        /// </summary>
        public static long Write(Inode node, long offset, ReadOnlySpan<byte> src)
        {
            if (node == null) return -Errno.EBADF;
            if (node.IsSpecial) return ((SpecialInode)node).Write(offset, src);
            if (node.IsDirectory) return -Errno.EISDIR;
            if (!node.IsRegular) return -Errno.EINVAL;
            if (offset < 0) return -Errno.EINVAL;
            if (src.Length == 0) return 0;
            if (offset > long.MaxValue - src.Length) return -Errno.EFBIG;
            long end = offset + src.Length;
            int r = EnsureOwned(node, end);
            if (r < 0) return r;
            fixed (byte* s = src) Mem.Copy(node.Data + offset, s, (ulong)src.Length);
            if (end > node.Size) node.Size = end;
            long t = Time();
            node.MtimeNs = t;
            node.CtimeNs = t;
            return src.Length;
        }

        /// <summary>
        /// truncate: sets the size; new bytes read as zeros (no memory is allocated for them);
        /// truncating to 0 frees the buffer. mtime/ctime change when the size does. SpecialInode: its
        /// Truncate. Errors: EISDIR, EINVAL (negative size, non-regular).
        /// </summary>
        public static int Truncate(Inode node, long size)
        {
            if (node == null) return -Errno.EBADF;
            if (node.IsSpecial) return ((SpecialInode)node).Truncate(size);
            if (node.IsDirectory) return -Errno.EISDIR;
            if (!node.IsRegular) return -Errno.EINVAL;
            if (size < 0) return -Errno.EINVAL;
            if (size == node.Size) return 0;
            if (size < node.Size)
            {
                if (size == 0)
                {
                    if (node.DataOwned && node.Data != null) VfsMemory.Free(node.Data);
                    node.Data = null;
                    node.Capacity = 0;
                    node.DataOwned = false;
                }
                else if (node.DataOwned)
                {
                    // Keep the invariant: owned buffer bytes past Size are zero.
                    long stop = Math.Min(node.Size, node.Capacity);
                    if (stop > size) Mem.Zero(node.Data + size, (ulong)(stop - size));
                }
                else if (node.Capacity > size) node.Capacity = size;   // borrowed bytes past Size are never read
            }
            node.Size = size;
            long t = Time();
            node.MtimeNs = t;
            node.CtimeNs = t;
            return 0;
        }

        /// <summary>Makes Data an owned buffer of at least <paramref name="needed"/> bytes (doubling).</summary>
        private static int EnsureOwned(Inode node, long needed)
        {
            if (node.DataOwned && node.Capacity >= needed) return 0;
            long keep = Math.Min(node.Size, node.Capacity);      // stored bytes to carry over
            if (keep < 0) keep = 0;
            long cap = needed > keep ? needed : keep;
            if (node.DataOwned && node.Capacity <= long.MaxValue / 2 && node.Capacity * 2 > cap) cap = node.Capacity * 2;
            if (cap < 16) cap = 16;
            cap = (cap + 15) & ~15L;
            if (cap <= 0) return -Errno.EFBIG;
            byte* p = (byte*)VfsMemory.Alloc((ulong)cap);
            if (p == null) return -Errno.ENOSPC;
            if (keep > 0) Mem.Copy(p, node.Data, (ulong)keep);
            if (node.DataOwned && node.Data != null) VfsMemory.Free(node.Data);
            node.Data = p;
            node.Capacity = cap;
            node.DataOwned = true;
            return 0;
        }

        // ---------------------------------------------------------------- initrd

        /// <summary>Entries LoadCpio skipped (name too long, parent not a directory, "." / ".." names).</summary>
        public static int CpioSkipped;

        /// <summary>
        /// Adds the entries of a cpio newc archive to the tree (Init first if needed): directories,
        /// regular files and symlinks whose data stay in the archive (it must outlive the tree and
        /// is never written), and device/FIFO/socket nodes (Rdev 0). Missing parent directories
        /// are created (040755); a later entry replaces an earlier one of the same name (two
        /// directories merge). Returns 0, or -EINVAL if the archive is malformed (entries before
        /// the damage are kept).
        /// </summary>
        public static int LoadCpio(byte* archive, ulong length)
        {
            if (Root == null) Init();
            var reader = new CpioReader(archive, length);
            s_loading = true;
            while (reader.Next(out CpioEntry e))
                if (!AddCpioEntry(ref e)) CpioSkipped++;
            s_loading = false;
            return reader.Failed ? -Errno.EINVAL : 0;
        }

        private static bool AddCpioEntry(ref CpioEntry e)
        {
            var path = new ReadOnlySpan<byte>(e.Name, e.NameLength);
            long t = (long)e.Mtime * 1000000000L;
            uint type = e.Mode & Inode.S_IFMT;
            int len = path.Length;
            Inode dir = Root;
            int i = 0;
            while (true)
            {
                while (i < len && path[i] == (byte)'/') i++;
                if (i == len)
                {
                    // The root itself ("." or "/"): take its metadata.
                    if (dir != Root || type != Inode.S_IFDIR) return false;
                    SetMeta(Root, e.Mode, ref e, t);
                    return true;
                }
                int s = i;
                while (i < len && path[i] != (byte)'/') i++;
                int j = i;
                while (j < len && path[j] == (byte)'/') j++;
                ReadOnlySpan<byte> name = path.Slice(s, i - s);
                if (name.Length > NameMax) return false;
                if (j < len)
                {
                    // An intermediate directory: create it, or follow what is there.
                    if (IsDot(name)) continue;
                    if (IsDotDot(name)) { if (dir.Parent != null) dir = dir.Parent; continue; }
                    DirEntry d = FindEntry(dir, name);
                    Inode next;
                    if (d == null)
                    {
                        if (Mkdir(dir, name, 0x1ED, out next) < 0) return false;
                    }
                    else
                    {
                        next = d.Node;
                        if (next.IsSymlink)
                        {
                            int links = 0;
                            if (next.Size <= 0 || next.Data == null) return false;
                            if (Walk(dir, new ReadOnlySpan<byte>(next.Data, (int)next.Size), true, ref links, out next) < 0) return false;
                        }
                    }
                    if (!next.IsDirectory) return false;
                    dir = next;
                    i = j;
                    continue;
                }
                if (IsDot(name) || IsDotDot(name)) return false;
                return AddCpioNode(dir, name, ref e, type, t);
            }
        }

        private static bool AddCpioNode(Inode dir, ReadOnlySpan<byte> name, ref CpioEntry e, uint type, long t)
        {
            DirEntry old = FindEntry(dir, name);
            if (old != null)
            {
                if (type == Inode.S_IFDIR && old.Node.IsDirectory)
                {
                    SetMeta(old.Node, e.Mode, ref e, t);
                    return true;
                }
                RemoveAny(dir, old);
            }
            Inode n;
            if (type == Inode.S_IFDIR)
            {
                if (Mkdir(dir, name, 0x1ED, out n) < 0) return false;
                SetMeta(n, e.Mode, ref e, t);
                return true;
            }
            if (type != Inode.S_IFREG && type != Inode.S_IFLNK && type != Inode.S_IFCHR && type != Inode.S_IFBLK &&
                type != Inode.S_IFIFO && type != Inode.S_IFSOCK) return false;
            if (e.Size > 0x7FFFFFFFFFFFFFFFUL) return false;
            if (type == Inode.S_IFLNK && e.Size >= PathMax) return false;
            n = NewInode(e.Mode);
            if (type == Inode.S_IFREG || type == Inode.S_IFLNK)
            {
                n.Data = e.Size > 0 ? e.Data : null;
                n.Size = n.Capacity = (long)e.Size;
                n.DataOwned = false;
            }
            if (Attach(dir, name, n, out Inode linked) < 0) return false;
            SetMeta(linked, e.Mode, ref e, t);
            return true;
        }

        private static void SetMeta(Inode n, uint mode, ref CpioEntry e, long t)
        {
            n.Mode = (n.Mode & Inode.S_IFMT) | (mode & Inode.PermMask);
            if (n.IsSymlink) n.Mode = Inode.S_IFLNK | 0x1FF;
            n.Uid = e.Uid;
            n.Gid = e.Gid;
            n.AtimeNs = n.MtimeNs = n.CtimeNs = t;
        }
    }
}
