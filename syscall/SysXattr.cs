// Extended attributes: set/get/list/remove through a path (following the last symlink or not)
// or a descriptor, as Linux 6.x's fs/xattr.c and tmpfs answer. The store is per node
// (kernel/vfs/portable/Xattr.cs), so hard links share it, rename keeps it and the node's death
// frees it. Namespaces user., trusted. and security. are kept on tmpfs-like mounts (rootfs,
// /tmp, /dev, tmpfs mounts); sysfs keeps trusted. and security.; /proc, /dev/pts, other pseudo
// file systems, pipes and anonymous files have none (EOPNOTSUPP). system.posix_acl_* is not
// supported (EOPNOTSUPP): there are no ACLs here. We run as root, so trusted. is always allowed.
using Kernel.Fs;
using Kernel.Memory;
using Kernel.Vfs;

namespace Kernel.Syscalls
{
    internal static unsafe class SysXattr
    {
        private const int NameBuf = FileSystem.XattrNameMax + 1;
        private const long TMPFS_MAGIC = 0x01021994, SYSFS_MAGIC = 0x62656572;
        private const int NsUser = 1, NsTrusted = 2, NsSecurity = 3, NsSystem = 4;

        /// <summary>The attribute name from user memory (import_xattr_name): its length, -ERANGE
        /// when empty or longer than 255 bytes, -EFAULT.</summary>
        private static int CopyName(ulong user, byte* buf)
        {
            long n = UserMemory.StringLength(user, NameBuf);
            if (n == -Errno.ENAMETOOLONG || n == 0) return -Errno.ERANGE;
            if (n < 0) return (int)n;
            return UserMemory.CopyFrom(buf, user, (ulong)n) != 0 ? -Errno.EFAULT : (int)n;
        }

        private static bool HasPrefix(byte* name, int length, string prefix)
        {
            if (length < prefix.Length) return false;
            for (int i = 0; i < prefix.Length; i++) if (name[i] != (byte)prefix[i]) return false;
            return true;
        }

        private static int Namespace(byte* name, int length) =>
            HasPrefix(name, length, "user.") ? NsUser : HasPrefix(name, length, "trusted.") ? NsTrusted :
            HasPrefix(name, length, "security.") ? NsSecurity : HasPrefix(name, length, "system.") ? NsSystem : 0;

        /// <summary>xattr_permission: user. only on regular files and directories (writes EPERM, reads ENODATA).</summary>
        private static int Permission(Inode node, int ns, bool write)
        {
            if (ns != NsUser) return 0;
            uint type = node != null ? node.Type : 0;
            if (type == Inode.S_IFREG || type == Inode.S_IFDIR) return 0;
            return write ? -Errno.EPERM : -Errno.ENODATA;
        }

        /// <summary>
        /// The file system's handler for the name (xattr_resolve_name): 0, -EOPNOTSUPP, or -EINVAL for
        /// a bare prefix. sysfs (kernfs) reads user. (nothing is there) but refuses to write it;
        /// /dev/pts (devpts here shares /dev's tree) has no handlers.
        /// </summary>
        private static int Handler(Inode node, Mount mount, byte* name, int length, int ns, bool write)
        {
            if (node == null || mount == null || ns == 0 || ns == NsSystem) return -Errno.EOPNOTSUPP;
            if (mount.Magic == SYSFS_MAGIC ? ns == NsUser && write : mount.Magic != TMPFS_MAGIC) return -Errno.EOPNOTSUPP;
            if (node == Devices.Pts || node.Parent == Devices.Pts) return -Errno.EOPNOTSUPP;
            int prefix = ns == NsUser ? 5 : ns == NsTrusted ? 8 : 9;
            return length == prefix ? -Errno.EINVAL : 0;
        }

        /// <summary>The node a path names (the mount it was found on in FileSystem.WalkMount).</summary>
        private static int ByPath(ulong path, bool follow, out Inode node, out Mount mount)
        {
            int r = SysFile.Lookup(SysFile.AT_FDCWD, path, follow, false, out node);
            mount = r < 0 ? null : FileSystem.WalkMount ?? FileSystem.MountOf(node);
            return r;
        }

        /// <summary>The node of a descriptor: null for pipes, sockets and anonymous files (which have no attributes).</summary>
        private static int ByFd(ulong fd, out Inode node, out Mount mount)
        {
            node = null; mount = null;
            File file = FdTable.Get((int)fd);
            if (file == null || (file.Flags & OpenFlags.O_PATH) != 0) return -Errno.EBADF;
            if (file.Node == null || file is SocketFile) return 0;
            node = file.Node;
            FileSystem.NoteMountOf(node);
            mount = FileSystem.WalkMount;
            return 0;
        }

        private static void Changed(Inode node)
        {
            node.CtimeNs = (long)SysTime.RealtimeNs();
            FsNotify.Child(node, InotifyMask.IN_ATTRIB);
        }

        // ---- set --------------------------------------------------------------------------------

        public static long Setxattr(SyscallFrame* f) => Set(f, true, true);
        public static long Lsetxattr(SyscallFrame* f) => Set(f, true, false);
        public static long Fsetxattr(SyscallFrame* f) => Set(f, false, false);

        // setxattr_copy's order: flags, name, size and value before the lookup.
        private static long Set(SyscallFrame* f, bool byPath, bool follow)
        {
            ulong value = f->A2, size = f->A3;
            int flags = (int)f->A4;
            if ((flags & ~(FileSystem.XATTR_CREATE | FileSystem.XATTR_REPLACE)) != 0) return -Errno.EINVAL;
            byte* name = stackalloc byte[NameBuf];
            int nameLength = CopyName(f->A1, name);
            if (nameLength < 0) return nameLength;
            if (size > FileSystem.XattrSizeMax) return -Errno.E2BIG;
            byte* small = stackalloc byte[256];
            byte* copy = size <= 256 ? small : (byte*)Mm.KernelHeap.Alloc(size);
            if (copy == null) return -Errno.ENOMEM;
            long r = size > 0 && UserMemory.CopyFrom(copy, value, size) != 0 ? -Errno.EFAULT
                : SetValue(f->A0, byPath, follow, name, nameLength, copy, (int)size, flags);
            if (copy != small) Mm.KernelHeap.Free(copy);
            return r;
        }

        private static long SetValue(ulong target, bool byPath, bool follow, byte* name, int nameLength, byte* value, int size, int flags)
        {
            int r = Open(target, byPath, follow, name, nameLength, true, out Inode node);
            if (r < 0) return r;
            r = FileSystem.SetXattr(node, new System.ReadOnlySpan<byte>(name, nameLength), new System.ReadOnlySpan<byte>(value, size), flags);
            if (r == 0) Changed(node);
            return r;
        }

        /// <summary>The node a get/set/remove names (path or descriptor), after the checks Linux makes
        /// in its order: read-only mount (writes), the namespace's permission, the file system's handler.</summary>
        private static int Open(ulong target, bool byPath, bool follow, byte* name, int nameLength, bool write, out Inode node)
        {
            int r = byPath ? ByPath(target, follow, out node, out Mount mount) : ByFd(target, out node, out mount);
            if (r < 0) return r;
            if (write && FileSystem.WalkReadOnly && node != null) return -Errno.EROFS;
            int ns = Namespace(name, nameLength);
            if ((r = Permission(node, ns, write)) < 0) return r;
            return Handler(node, mount, name, nameLength, ns, write);
        }

        // ---- get --------------------------------------------------------------------------------

        public static long Getxattr(SyscallFrame* f) => Get(f, true, true);
        public static long Lgetxattr(SyscallFrame* f) => Get(f, true, false);
        public static long Fgetxattr(SyscallFrame* f) => Get(f, false, false);

        private static long Get(SyscallFrame* f, bool byPath, bool follow)
        {
            byte* name = stackalloc byte[NameBuf];
            int nameLength = CopyName(f->A1, name);
            if (nameLength < 0) return nameLength;
            int r = Open(f->A0, byPath, follow, name, nameLength, false, out Inode node);
            if (r < 0) return r;
            var key = new System.ReadOnlySpan<byte>(name, nameLength);
            int length = FileSystem.GetXattr(node, key, default);
            if (length <= 0 || f->A3 == 0) return length;
            if ((ulong)length > f->A3) return -Errno.ERANGE;
            return CopyOut(f->A2, length, node, key);
        }

        /// <summary>
        /// A value (name != default) or the name list, <paramref name="length"/> bytes, to user memory
        /// through a kernel copy, so that a fault while copying never sees the store change under it
        /// (on the stack when small, as most are).
        /// </summary>
        private static long CopyOut(ulong user, int length, Inode node, System.ReadOnlySpan<byte> name)
        {
            byte* small = stackalloc byte[256];
            byte* buf = length <= 256 ? small : (byte*)Mm.KernelHeap.Alloc((ulong)length);
            if (buf == null) return -Errno.ENOMEM;
            var dst = new System.Span<byte>(buf, length);
            int r = name.Length > 0 ? FileSystem.GetXattr(node, name, dst) : FileSystem.ListXattrs(node, dst);
            if (r > 0 && UserMemory.CopyTo(user, buf, (ulong)r) != 0) r = -Errno.EFAULT;
            if (buf != small) Mm.KernelHeap.Free(buf);
            return r;
        }

        // ---- list -------------------------------------------------------------------------------

        public static long Listxattr(SyscallFrame* f) => List(f, true, true);
        public static long Llistxattr(SyscallFrame* f) => List(f, true, false);
        public static long Flistxattr(SyscallFrame* f) => List(f, false, false);

        private static long List(SyscallFrame* f, bool byPath, bool follow)
        {
            int r = byPath ? ByPath(f->A0, follow, out Inode node, out Mount _) : ByFd(f->A0, out node, out Mount _);
            if (r < 0) return r;
            if (node == null) return 0;
            int total = FileSystem.ListXattrs(node, default);
            if (total <= 0 || f->A2 == 0) return total;
            // Linux lists into at most XATTR_LIST_MAX (64 KiB) bytes; a longer list there is E2BIG.
            ulong room = f->A2 < FileSystem.XattrSizeMax ? f->A2 : FileSystem.XattrSizeMax;
            if ((ulong)total > room) return room == FileSystem.XattrSizeMax ? -Errno.E2BIG : -Errno.ERANGE;
            return CopyOut(f->A1, total, node, default);
        }

        // ---- remove -----------------------------------------------------------------------------

        public static long Removexattr(SyscallFrame* f) => Remove(f, true, true);
        public static long Lremovexattr(SyscallFrame* f) => Remove(f, true, false);
        public static long Fremovexattr(SyscallFrame* f) => Remove(f, false, false);

        private static long Remove(SyscallFrame* f, bool byPath, bool follow)
        {
            byte* name = stackalloc byte[NameBuf];
            int nameLength = CopyName(f->A1, name);
            if (nameLength < 0) return nameLength;
            int r = Open(f->A0, byPath, follow, name, nameLength, true, out Inode node);
            if (r < 0) return r;
            r = FileSystem.RemoveXattr(node, new System.ReadOnlySpan<byte>(name, nameLength));
            if (r == 0) Changed(node);
            return r;
        }
    }
}
