// The new mount API (Linux 5.2+): fsopen/fsconfig/fsmount build a tmpfs (or ramfs) as a detached
// mount behind a descriptor, move_mount attaches or moves a mount, open_tree names a mount or
// clones a bind mount of it, fspick reconfigures a mounted tmpfs, mount_setattr changes a mount's
// flags. Detached mounts are Mount objects not in the table (kernel/vfs/portable/Mount.cs); the
// descriptor that holds one frees its tree on the last close unless it was attached meanwhile.
using Kernel.Fs;
using Kernel.Memory;
using Kernel.Vfs;

namespace Kernel.Syscalls
{
    /// <summary>An fsopen/fspick descriptor: the file system's parameters until it is created or reconfigured.</summary>
    internal sealed unsafe class FsContextFile : File
    {
        public const int CreateParams = 0, AwaitingMount = 1, Mounted = 2, ReconfParams = 3;
        public int Phase;
        public Mount Tree;                 // fsopen: the tree being built (options apply to it directly)
        public Mount Picked;               // fspick: the mount whose file system is reconfigured
        public bool SetRo, ClearRo;        // "ro" / "rw" given (the last one wins)

        public FsContextFile() { Flags = OpenFlags.O_RDWR; }
        public override long Read(byte* dst, long n) => -Errno.ENODATA;   // no log messages are kept
        public override long Write(byte* src, long n) => -Errno.EINVAL;
        public override string AnonName => "[fscontext]";

        public override void OnLastClose()
        {
            // A tree that was never mounted goes with its context.
            if (Tree != null && Phase != Mounted) FileSystem.FreeTree(Tree.Root);
        }
    }

    /// <summary>An fsmount/open_tree descriptor (O_PATH): the root of a mount, which it owns while detached.</summary>
    internal sealed unsafe class MountFile : File
    {
        public Mount M;
        public bool Owns;                  // a detached mount made for this descriptor

        public MountFile(Mount m, Inode node, bool owns)
        {
            M = m; Owns = owns; Node = node; Flags = OpenFlags.O_PATH;
            node.OpenRef();
        }
        public override long Read(byte* dst, long n) => -Errno.EBADF;
        public override long Write(byte* src, long n) => -Errno.EBADF;

        public override void OnLastClose()
        {
            if (!Owns || M.Attached) return;
            Node.CloseRef();
            Node = null;
            if (M.Kind == Mount.KindTree && !FileSystem.TreeInUse(M.Root)) FileSystem.FreeTree(M.Root);
            if (M.Source != null) { VfsMemory.Free(M.Source); M.Source = null; M.SourceLength = 0; }
        }
    }

    internal static unsafe partial class SysMount
    {
        private const uint FSOPEN_CLOEXEC = 1, FSMOUNT_CLOEXEC = 1;
        private const uint FSCONFIG_SET_FLAG = 0, FSCONFIG_SET_STRING = 1, FSCONFIG_SET_BINARY = 2, FSCONFIG_SET_PATH = 3,
            FSCONFIG_SET_PATH_EMPTY = 4, FSCONFIG_SET_FD = 5, FSCONFIG_CMD_CREATE = 6, FSCONFIG_CMD_RECONFIGURE = 7,
            FSCONFIG_CMD_CREATE_EXCL = 8;
        private const ulong MOUNT_ATTR_RDONLY = 1, MOUNT_ATTR_NOSUID = 2, MOUNT_ATTR_NODEV = 4, MOUNT_ATTR_NOEXEC = 8,
            MOUNT_ATTR__ATIME = 0x70, MOUNT_ATTR_RELATIME = 0, MOUNT_ATTR_NOATIME = 0x10, MOUNT_ATTR_STRICTATIME = 0x20,
            MOUNT_ATTR_NODIRATIME = 0x80, MOUNT_ATTR_IDMAP = 0x100000, MOUNT_ATTR_NOSYMFOLLOW = 0x200000;
        private const ulong MOUNT_ATTR_VALID = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
            MOUNT_ATTR__ATIME | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_IDMAP | MOUNT_ATTR_NOSYMFOLLOW;
        private const uint MOVE_MOUNT_F_SYMLINKS = 1, MOVE_MOUNT_F_AUTOMOUNTS = 2, MOVE_MOUNT_F_EMPTY_PATH = 4,
            MOVE_MOUNT_T_SYMLINKS = 0x10, MOVE_MOUNT_T_AUTOMOUNTS = 0x20, MOVE_MOUNT_T_EMPTY_PATH = 0x40,
            MOVE_MOUNT_SET_GROUP = 0x100, MOVE_MOUNT_BENEATH = 0x200, MOVE_MOUNT_MASK = 0x377;
        private const uint OPEN_TREE_CLONE = 1, AT_NO_AUTOMOUNT = 0x800, AT_RECURSIVE = 0x8000;
        private const uint FSPICK_CLOEXEC = 1, FSPICK_SYMLINK_NOFOLLOW = 2, FSPICK_NO_AUTOMOUNT = 4, FSPICK_EMPTY_PATH = 8;
        private const int KeyMax = 256;

        /// <summary>MOUNT_ATTR_* (not the atime enum) as Mount flags; IDMAP is not supported (-1: no user namespaces).</summary>
        private static int AttrFlags(ulong attr)
        {
            if ((attr & MOUNT_ATTR_IDMAP) != 0) return -1;
            int f = 0;
            if ((attr & MOUNT_ATTR_RDONLY) != 0) f |= Mount.ReadOnly;
            if ((attr & MOUNT_ATTR_NOSUID) != 0) f |= Mount.NoSuid;
            if ((attr & MOUNT_ATTR_NODEV) != 0) f |= Mount.NoDev;
            if ((attr & MOUNT_ATTR_NOEXEC) != 0) f |= Mount.NoExec;
            if ((attr & MOUNT_ATTR_NODIRATIME) != 0) f |= Mount.NoDirAtime;
            if ((attr & MOUNT_ATTR_NOSYMFOLLOW) != 0) f |= Mount.NoSymFollow;
            return f;
        }

        private static int AtimeFlags(ulong attr) =>
            (attr & MOUNT_ATTR__ATIME) == MOUNT_ATTR_NOATIME ? Mount.NoAtime :
            (attr & MOUNT_ATTR__ATIME) == MOUNT_ATTR_STRICTATIME ? Mount.StrictAtime : Mount.RelAtime;

        /// <summary>A path for the new API: (dirfd, path), "" allowed with <paramref name="emptyPath"/>; a MountFile gives its own mount.</summary>
        private static int LookupMount(int dirfd, ulong path, bool follow, bool emptyPath, out Inode node, out Mount m)
        {
            m = null;
            byte* buf = stackalloc byte[SysFile.PathMax + 1];
            int len = SysFile.CopyPath(path, buf);
            if (len < 0) { node = null; return len; }
            if (len == 0 && emptyPath && dirfd != SysFile.AT_FDCWD && FdTable.Get(dirfd) is MountFile mf)
            {
                node = mf.Node;
                m = mf.M;
                return node == null ? -Errno.EBADF : 0;
            }
            int r = SysFile.LookupPath(dirfd, buf, len, follow, emptyPath, out node);
            if (r < 0) return r;
            m = FileSystem.WalkMount ?? FileSystem.MountOf(node);
            return 0;
        }

        private static long InstallFile(File f, bool cloexec)
        {
            int fd = FdTable.Install(f, 0, cloexec);
            if (fd < 0) FdTable.Release(f);
            return fd;
        }

        // ---- fsopen / fsconfig / fsmount / fspick -------------------------------------------------

        public static long Fsopen(SyscallFrame* f)
        {
            byte* name = stackalloc byte[TypeMax];
            long len = UserMemory.StringLength(f->A0, TypeMax);
            if (len == -Errno.ENAMETOOLONG) return -Errno.ENODEV;
            if (len < 0) return len;
            if (UserMemory.CopyFrom(name, f->A0, (ulong)len) != 0) return -Errno.EFAULT;
            if ((f->A1 & ~(ulong)FSOPEN_CLOEXEC) != 0) return -Errno.EINVAL;
            bool ram = Is(name, (int)len, "ramfs");
            if (!ram && !Is(name, (int)len, "tmpfs")) return -Errno.ENODEV;
            Mount m = FileSystem.NewTree(ram ? "ramfs" : "tmpfs", ram ? RAMFS_MAGIC : TMPFS_MAGIC, ram ? 0x1EDu : 0x3FFu, 0, 0);
            if (m == null || m.Root == null) return -Errno.ENOMEM;
            return InstallFile(new FsContextFile { Tree = m, Phase = FsContextFile.CreateParams }, (f->A1 & FSOPEN_CLOEXEC) != 0);
        }

        public static long Fspick(SyscallFrame* f)
        {
            uint flags = (uint)f->A2;
            if ((flags & ~(FSPICK_CLOEXEC | FSPICK_SYMLINK_NOFOLLOW | FSPICK_NO_AUTOMOUNT | FSPICK_EMPTY_PATH)) != 0) return -Errno.EINVAL;
            int r = LookupMount((int)f->A0, f->A1, (flags & FSPICK_SYMLINK_NOFOLLOW) == 0, (flags & FSPICK_EMPTY_PATH) != 0, out Inode node, out Mount m);
            if (r < 0) return r;
            if (m == null || m.Root != node) return -Errno.EINVAL;
            return InstallFile(new FsContextFile { Picked = m, Phase = FsContextFile.ReconfParams }, (flags & FSPICK_CLOEXEC) != 0);
        }

        /// <summary>fsconfig: the argument checks per command, then the descriptor, then the parameter (vfs_fsconfig_locked).</summary>
        public static long Fsconfig(SyscallFrame* f)
        {
            int fd = (int)f->A0;
            uint cmd = (uint)f->A1;
            ulong key = f->A2, value = f->A3;
            int aux = (int)f->A4;
            if (fd < 0) return -Errno.EINVAL;
            switch (cmd)
            {
                case FSCONFIG_SET_FLAG: if (key == 0 || value != 0 || aux != 0) return -Errno.EINVAL; break;
                case FSCONFIG_SET_STRING: if (key == 0 || value == 0 || aux != 0) return -Errno.EINVAL; break;
                case FSCONFIG_SET_BINARY: if (key == 0 || value == 0 || aux <= 0 || aux > 1024 * 1024) return -Errno.EINVAL; break;
                case FSCONFIG_SET_PATH: case FSCONFIG_SET_PATH_EMPTY:
                    if (key == 0 || value == 0 || (aux != SysFile.AT_FDCWD && aux < 0)) return -Errno.EINVAL;
                    break;
                case FSCONFIG_SET_FD: if (key == 0 || value != 0 || aux < 0) return -Errno.EINVAL; break;
                case FSCONFIG_CMD_CREATE: case FSCONFIG_CMD_CREATE_EXCL: case FSCONFIG_CMD_RECONFIGURE:
                    if (key != 0 || value != 0 || aux != 0) return -Errno.EINVAL;
                    break;
                default: return -Errno.EOPNOTSUPP;
            }
            File file = FdTable.Get(fd);
            if (file == null) return -Errno.EBADF;
            if (file is not FsContextFile ctx) return -Errno.EINVAL;
            // "key=value" in one buffer, as mount(2)'s data, for the tmpfs option parser.
            byte* opt = stackalloc byte[2 * KeyMax + 1];
            int optLen = 0;
            if (key != 0)
            {
                long n = UserMemory.StringLength(key, KeyMax);
                if (n == -Errno.ENAMETOOLONG) return -Errno.EINVAL;
                if (n < 0) return n;
                if (UserMemory.CopyFrom(opt, key, (ulong)n) != 0) return -Errno.EFAULT;
                optLen = (int)n;
            }
            if (cmd == FSCONFIG_SET_STRING)
            {
                long n = UserMemory.StringLength(value, KeyMax);
                if (n == -Errno.ENAMETOOLONG) return -Errno.EINVAL;
                if (n < 0) return n;
                opt[optLen++] = (byte)'=';
                if (UserMemory.CopyFrom(opt + optLen, value, (ulong)n) != 0) return -Errno.EFAULT;
                optLen += (int)n;
            }
            if (cmd == FSCONFIG_CMD_CREATE || cmd == FSCONFIG_CMD_CREATE_EXCL)
            {
                if (ctx.Phase != FsContextFile.CreateParams) return -Errno.EBUSY;
                Mount m = ctx.Tree;
                m.Root.Mode = Inode.S_IFDIR | m.RootMode;
                m.Root.Uid = m.OptUid;
                m.Root.Gid = m.OptGid;
                ctx.Phase = FsContextFile.AwaitingMount;
                return 0;
            }
            if (cmd == FSCONFIG_CMD_RECONFIGURE)
            {
                if (ctx.Phase != FsContextFile.ReconfParams) return -Errno.EBUSY;
                Reconfigure(ctx);
                return 0;
            }
            if (ctx.Phase != FsContextFile.CreateParams && ctx.Phase != FsContextFile.ReconfParams) return -Errno.EBUSY;
            if (cmd != FSCONFIG_SET_FLAG && cmd != FSCONFIG_SET_STRING) return -Errno.EINVAL;   // tmpfs takes no binary, path or fd values
            for (int i = 0; i < optLen; i++) if (opt[i] == ',') return -Errno.EINVAL;       // one parameter, not a list
            if (Is(opt, optLen, "ro")) { ctx.SetRo = true; ctx.ClearRo = false; return 0; }
            if (Is(opt, optLen, "rw")) { ctx.ClearRo = true; ctx.SetRo = false; return 0; }
            Mount target = ctx.Tree ?? ctx.Picked;
            if (target.Magic != TMPFS_MAGIC || target.Kind != Mount.KindTree)
                return target.Magic == RAMFS_MAGIC ? 0 : -Errno.EINVAL;                    // ramfs ignores options
            int ignored = 0;
            return ParseTmpfs(opt, optLen, target, ctx.Tree == null, ref ignored);
        }

        /// <summary>A picked file system's ro/rw applies to every mount of it (a tmpfs and its bind mounts).</summary>
        private static void Reconfigure(FsContextFile ctx)
        {
            if (!ctx.SetRo && !ctx.ClearRo) return;
            Mount p = ctx.Picked;
            for (Mount m = FileSystem.FirstMount; m != null; m = m.Next)
            {
                if (m != p && (p.Kind != Mount.KindTree || m.Dev != p.Dev)) continue;
                if (ctx.SetRo) m.Flags |= Mount.ReadOnly; else m.Flags &= ~Mount.ReadOnly;
            }
        }

        public static long Fsmount(SyscallFrame* f)
        {
            uint flags = (uint)f->A1;
            ulong attr = (uint)f->A2;
            if ((flags & ~FSMOUNT_CLOEXEC) != 0) return -Errno.EINVAL;
            if ((attr & ~(MOUNT_ATTR_VALID & ~MOUNT_ATTR_IDMAP)) != 0) return -Errno.EINVAL;
            ulong atime = attr & MOUNT_ATTR__ATIME;
            if (atime != MOUNT_ATTR_RELATIME && atime != MOUNT_ATTR_NOATIME && atime != MOUNT_ATTR_STRICTATIME) return -Errno.EINVAL;
            int mntFlags = AttrFlags(attr);
            if (mntFlags < 0) return -Errno.EINVAL;
            File file = FdTable.Get((int)f->A0);
            if (file == null) return -Errno.EBADF;
            if (file is not FsContextFile ctx) return -Errno.EINVAL;
            if (ctx.Tree == null && ctx.Picked == null) return -Errno.EINVAL;
            if (ctx.Phase == FsContextFile.CreateParams) return -Errno.EINVAL;            // no super block yet
            if (ctx.Phase != FsContextFile.AwaitingMount) return -Errno.EBUSY;
            Mount m = ctx.Tree;
            m.Flags = mntFlags | AtimeFlags(attr) | (ctx.SetRo ? Mount.ReadOnly : 0);
            ctx.Phase = FsContextFile.Mounted;
            return InstallFile(new MountFile(m, m.Root, true), (flags & FSMOUNT_CLOEXEC) != 0);
        }

        // ---- open_tree / move_mount / mount_setattr ----------------------------------------------

        public static long OpenTree(SyscallFrame* f)
        {
            uint flags = (uint)f->A2;
            if ((flags & ~(SysFile.AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_RECURSIVE | SysFile.AT_SYMLINK_NOFOLLOW | OPEN_TREE_CLONE | OpenFlags.O_CLOEXEC)) != 0)
                return -Errno.EINVAL;
            if ((flags & (AT_RECURSIVE | OPEN_TREE_CLONE)) == AT_RECURSIVE) return -Errno.EINVAL;
            int r = LookupMount((int)f->A0, f->A1, (flags & SysFile.AT_SYMLINK_NOFOLLOW) == 0, (flags & SysFile.AT_EMPTY_PATH) != 0, out Inode node, out Mount m);
            if (r < 0) return r;
            bool cloexec = (flags & OpenFlags.O_CLOEXEC) != 0;
            if ((flags & OPEN_TREE_CLONE) == 0) return InstallFile(new MountFile(m, node, false), cloexec);
            // A detached bind mount of the path (recursive or not: a mount below shows through a view here anyway).
            long b = NewBind(node, m, out Mount clone);
            if (b < 0) return b;
            return InstallFile(new MountFile(clone, node, true), cloexec);
        }

        public static long MoveMountSyscall(SyscallFrame* f)
        {
            uint flags = (uint)f->A4;
            if ((flags & ~MOVE_MOUNT_MASK) != 0) return -Errno.EINVAL;
            if ((flags & (MOVE_MOUNT_SET_GROUP | MOVE_MOUNT_BENEATH)) != 0) return -Errno.EINVAL;   // not supported here
            int r = LookupMount((int)f->A0, f->A1, (flags & MOVE_MOUNT_F_SYMLINKS) != 0, (flags & MOVE_MOUNT_F_EMPTY_PATH) != 0, out Inode from, out Mount m);
            if (r < 0) return r;
            MountFile owner = (flags & MOVE_MOUNT_F_EMPTY_PATH) != 0 && (int)f->A0 != SysFile.AT_FDCWD ? FdTable.Get((int)f->A0) as MountFile : null;
            r = LookupMount((int)f->A2, f->A3, (flags & MOVE_MOUNT_T_SYMLINKS) != 0, (flags & MOVE_MOUNT_T_EMPTY_PATH) != 0, out Inode target, out Mount where);
            if (r < 0) return r;
            if (m == null || m.Root != from || m.Kind == Mount.KindBoot) return -Errno.EINVAL;
            if (target.IsDirectory != from.IsDirectory) return -Errno.ENOTDIR;
            if (!m.Attached)
            {
                for (Mount c = where; c != null; c = c.ParentMount) if (c == m) return -Errno.EINVAL;   // not into itself
                FileSystem.Attach(m, target, where);
                if (owner != null && owner.M == m) owner.Owns = false;
                return 0;
            }
            for (Mount c = where; c != null; c = c.ParentMount) if (c == m) return -Errno.ELOOP;
            FileSystem.Move(m, target, where);
            return 0;
        }

        private struct MountAttr { public ulong AttrSet, AttrClr, Propagation, UsernsFd; }

        public static long MountSetattr(SyscallFrame* f)
        {
            uint flags = (uint)f->A2;
            ulong size = f->A4;
            if ((flags & ~(SysFile.AT_EMPTY_PATH | AT_RECURSIVE | SysFile.AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT)) != 0) return -Errno.EINVAL;
            if (size > 4096) return -Errno.E2BIG;
            if (size < 32) return -Errno.EINVAL;
            MountAttr a;
            if (UserMemory.CopyFrom(&a, f->A3, 32) != 0) return -Errno.EFAULT;
            // copy_struct_from_user: a larger struct's tail must be zero.
            for (ulong off = 32; off < size; off += 8)
            {
                ulong word = 0;
                ulong n = size - off < 8 ? size - off : 8;
                if (UserMemory.CopyFrom(&word, f->A3 + off, n) != 0) return -Errno.EFAULT;
                if (word != 0) return -Errno.E2BIG;
            }
            if (a.AttrSet == 0 && a.AttrClr == 0 && a.Propagation == 0) return 0;
            if ((a.Propagation & ~MS_PROPAGATION) != 0 || (a.Propagation & (a.Propagation - 1)) != 0) return -Errno.EINVAL;
            if (((a.AttrSet | a.AttrClr) & ~MOUNT_ATTR_VALID) != 0) return -Errno.EINVAL;
            int set = AttrFlags(a.AttrSet), clear = AttrFlags(a.AttrClr);
            if (set < 0 || clear < 0) return -Errno.EINVAL;
            if ((a.AttrClr & MOUNT_ATTR__ATIME) != 0)
            {
                // The atime modes are an enum: changing one clears them all first.
                if ((a.AttrClr & MOUNT_ATTR__ATIME) != MOUNT_ATTR__ATIME) return -Errno.EINVAL;
                ulong atime = a.AttrSet & MOUNT_ATTR__ATIME;
                if (atime != MOUNT_ATTR_RELATIME && atime != MOUNT_ATTR_NOATIME && atime != MOUNT_ATTR_STRICTATIME) return -Errno.EINVAL;
                clear |= Mount.RelAtime | Mount.NoAtime | Mount.StrictAtime;
                set |= AtimeFlags(a.AttrSet);
            }
            else if ((a.AttrSet & MOUNT_ATTR__ATIME) != 0) return -Errno.EINVAL;
            int r = LookupMount((int)f->A0, f->A1, (flags & SysFile.AT_SYMLINK_NOFOLLOW) == 0, (flags & SysFile.AT_EMPTY_PATH) != 0, out Inode node, out Mount m);
            if (r < 0) return r;
            if (m == null || m.Root != node) return -Errno.EINVAL;
            m.Flags = (m.Flags & ~clear) | set;
            if ((flags & AT_RECURSIVE) != 0)
                for (Mount c = FileSystem.FirstMount; c != null; c = c.Next)
                    if (FileSystem.IsBelow(c, m)) c.Flags = (c.Flags & ~clear) | set;
            return 0;                      // propagation: one mount namespace, nothing propagates anyway
        }
    }
}
