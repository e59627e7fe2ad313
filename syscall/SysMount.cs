// mount(2) and umount2(2) over the mount table (kernel/vfs/portable/Mount.cs): tmpfs (a fresh
// tree), bind mounts and proc/sysfs/devtmpfs/devpts (views of existing directories), remount with
// new flags, MS_MOVE, propagation changes (accepted: there is one mount namespace), lazy unmount.
using Kernel.Fs;
using Kernel.Memory;
using Kernel.Vfs;

namespace Kernel.Syscalls
{
    internal static unsafe partial class SysMount
    {
        // <sys/mount.h>
        private const ulong MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16, MS_REMOUNT = 32,
            MS_MANDLOCK = 64, MS_DIRSYNC = 128, MS_NOSYMFOLLOW = 256, MS_NOATIME = 1024, MS_NODIRATIME = 2048, MS_BIND = 4096,
            MS_MOVE = 8192, MS_REC = 16384, MS_SILENT = 32768, MS_UNBINDABLE = 1 << 17, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19,
            MS_SHARED = 1 << 20, MS_RELATIME = 1 << 21, MS_STRICTATIME = 1 << 24, MS_NOUSER = 1UL << 31,
            MS_MGC_MSK = 0xFFFF0000, MS_MGC_VAL = 0xC0ED0000;
        private const ulong MS_PROPAGATION = MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;
        private const int MNT_FORCE = 1, MNT_DETACH = 2, MNT_EXPIRE = 4, UMOUNT_NOFOLLOW = 8;
        private const int TypeMax = 256, DataMax = 4096;
        private const long TMPFS_MAGIC = 0x01021994, RAMFS_MAGIC = 0x858458F6;

        /// <summary>Copies an optional user string (null pointer: length -1) of at most <paramref name="max"/> - 1 bytes.</summary>
        private static int CopyString(ulong user, byte* buf, int max)
        {
            if (user == 0) return -1;
            long len = UserMemory.StringLength(user, (ulong)max);
            if (len == -Errno.ENAMETOOLONG) len = max - 1;         // longer strings are cut, as Linux's one page
            if (len < 0) return (int)len;
            if (UserMemory.CopyFrom(buf, user, (ulong)len) != 0) return -Errno.EFAULT;
            buf[len] = 0;
            return (int)len;
        }

        private static bool Is(byte* s, int len, string name)
        {
            if (len != name.Length) return false;
            for (int i = 0; i < len; i++) if (s[i] != name[i]) return false;
            return true;
        }

        /// <summary>The per-mount flags mount(2)'s <paramref name="flags"/> ask for (relatime unless told otherwise).</summary>
        private static int MountFlags(ulong flags)
        {
            int f = (int)(flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOSYMFOLLOW | MS_NOATIME | MS_NODIRATIME));
            if ((flags & MS_STRICTATIME) != 0) f |= Mount.StrictAtime;
            else if ((flags & MS_NOATIME) == 0) f |= Mount.RelAtime;
            return f;
        }

        public static long MountSyscall(SyscallFrame* f)
        {
            ulong userSource = f->A0, userTarget = f->A1, userType = f->A2, flags = f->A3, userData = f->A4;
            byte* type = stackalloc byte[TypeMax];
            byte* source = stackalloc byte[SysFile.PathMax + 1];
            byte* data = stackalloc byte[DataMax];
            int typeLen = CopyString(userType, type, TypeMax);
            if (typeLen < -1) return typeLen;
            int sourceLen = CopyString(userSource, source, SysFile.PathMax + 1);
            if (sourceLen < -1) return sourceLen;
            int dataLen = -1;
            if (userData != 0)
            {
                // Linux copies a page of options; only tmpfs's text form is understood here.
                dataLen = CopyString(userData, data, DataMax);
                if (dataLen < -1) return dataLen;
            }
            int r = SysFile.Lookup(SysFile.AT_FDCWD, userTarget, true, false, out Inode target);
            if (r < 0) return r;
            Mount where = FileSystem.WalkMount ?? FileSystem.MountOf(target);
            bool isMountRoot = where != null && where.Root == target;

            if ((flags & MS_MGC_MSK) == MS_MGC_VAL) flags &= ~MS_MGC_MSK;
            if ((flags & MS_NOUSER) != 0) return -Errno.EINVAL;
            if (!Credentials.Current.Capable(Cap.SYS_ADMIN)) return -Errno.EPERM;
            int mntFlags = MountFlags(flags);

            if ((flags & (MS_REMOUNT | MS_BIND)) == (MS_REMOUNT | MS_BIND))
            {
                // Only this mount's flags change.
                if (!isMountRoot || !where.Attached) return -Errno.EINVAL;
                where.Flags = mntFlags;
                return 0;
            }
            if ((flags & MS_REMOUNT) != 0)
            {
                if (!isMountRoot || !where.Attached) return -Errno.EINVAL;
                if (where.Magic == TMPFS_MAGIC && where.Kind == Mount.KindTree && dataLen > 0)
                {
                    r = ParseTmpfs(data, dataLen, where, true, ref mntFlags);
                    if (r < 0) return r;
                }
                if (where.Kind == Mount.KindBoot) mntFlags &= ~Mount.RelAtime;   // the boot mounts keep their short options
                where.Flags = mntFlags;
                return 0;
            }
            if ((flags & MS_BIND) != 0) return Bind(source, sourceLen, target, where, mntFlags);
            if ((flags & MS_PROPAGATION) != 0)
            {
                // One mount namespace: nothing propagates anywhere, so every type is already true.
                if (!isMountRoot) return -Errno.EINVAL;
                ulong kind = flags & ~(MS_REC | MS_SILENT);
                if (kind == 0 || (kind & (kind - 1)) != 0 || (kind & ~MS_PROPAGATION) != 0) return -Errno.EINVAL;
                return 0;
            }
            if ((flags & MS_MOVE) != 0) return MoveMount(source, sourceLen, target, where);
            return NewMount(type, typeLen, source, sourceLen, data, dataLen, target, where, mntFlags);
        }

        private static long NewMount(byte* type, int typeLen, byte* source, int sourceLen, byte* data, int dataLen, Inode target, Mount where, int mntFlags)
        {
            if (typeLen <= 0) return -Errno.EINVAL;
            Mount m;
            if (Is(type, typeLen, "tmpfs") || Is(type, typeLen, "ramfs"))
            {
                bool ram = type[0] == 'r';
                m = FileSystem.NewTree(ram ? "ramfs" : "tmpfs", ram ? RAMFS_MAGIC : TMPFS_MAGIC, ram ? 0x1EDu : 0x3FFu, 0, 0);
                if (m == null || m.Root == null) return -Errno.ENOMEM;
                if (!ram && dataLen > 0)
                {
                    int r = ParseTmpfs(data, dataLen, m, false, ref mntFlags);
                    if (r < 0) return r;
                    m.Root.Mode = Inode.S_IFDIR | m.RootMode;
                    m.Root.Uid = m.OptUid;
                    m.Root.Gid = m.OptGid;
                }
                else if (dataLen > 0) mntFlags |= SbFlags(data, dataLen);
            }
            else if (Is(type, typeLen, "proc")) m = View(Devices.ProcSelf.Parent, "proc");
            else if (Is(type, typeLen, "sysfs")) m = View(Devices.Sys, "sysfs");
            else if (Is(type, typeLen, "devtmpfs")) m = View(Devices.Dev, "devtmpfs");
            else if (Is(type, typeLen, "devpts")) m = View(Devices.Pts, "devpts");
            else if (IsBlockFs(type, typeLen)) return BlockSource(source, sourceLen);
            else return -Errno.ENODEV;
            if (m == null) return -Errno.ENODEV;
            if (target.IsDirectory != m.Root.IsDirectory) return -Errno.ENOTDIR;
            m.Flags = mntFlags;
            if (sourceLen > 0)
            {
                m.Source = (byte*)VfsMemory.Alloc((ulong)sourceLen);
                if (m.Source == null) return -Errno.ENOMEM;
                for (int i = 0; i < sourceLen; i++) m.Source[i] = source[i];
                m.SourceLength = sourceLen;
            }
            FileSystem.Attach(m, target, where);
            return 0;
        }

        /// <summary>A view of a boot directory under another name (proc, sysfs...): the same nodes.</summary>
        private static Mount View(Inode dir, string type)
        {
            if (dir == null || dir.RootOf == null) return null;
            Mount m = FileSystem.NewView(dir, dir.RootOf, type);
            m.Kind = Mount.KindView;
            return m;
        }

        /// <summary>Disk file systems Linux knows: they need a block device, and there are none here.</summary>
        private static bool IsBlockFs(byte* t, int n) =>
            Is(t, n, "ext2") || Is(t, n, "ext3") || Is(t, n, "ext4") || Is(t, n, "xfs") || Is(t, n, "btrfs") || Is(t, n, "vfat") ||
            Is(t, n, "msdos") || Is(t, n, "iso9660") || Is(t, n, "squashfs") || Is(t, n, "f2fs") || Is(t, n, "exfat") || Is(t, n, "erofs");

        /// <summary>What Linux answers a disk file system's source: EINVAL none, the lookup's error, ENOTBLK not a block device, ENXIO no such device.</summary>
        private static long BlockSource(byte* source, int sourceLen)
        {
            if (sourceLen <= 0) return -Errno.EINVAL;
            int r = SysFile.LookupPath(SysFile.AT_FDCWD, source, sourceLen, true, false, out Inode dev);
            if (r < 0) return r;
            return (dev.Mode & Inode.S_IFMT) == Inode.S_IFBLK ? -Errno.ENXIO : -Errno.ENOTBLK;
        }

        private static long Bind(byte* source, int sourceLen, Inode target, Mount where, int mntFlags)
        {
            if (sourceLen <= 0) return -Errno.EINVAL;
            int r = SysFile.LookupPath(SysFile.AT_FDCWD, source, sourceLen, true, false, out Inode from);
            if (r < 0) return r;
            Mount fromMount = FileSystem.WalkMount ?? FileSystem.MountOf(from);
            if (target.IsDirectory != from.IsDirectory) return -Errno.ENOTDIR;
            r = (int)NewBind(from, fromMount, out Mount m);
            if (r < 0) return r;
            // mount(2)'s bind takes the atime mode asked for; the rest of the flags stay the source's.
            m.Flags = m.Flags & ~(Mount.RelAtime | Mount.StrictAtime) | (mntFlags & (Mount.RelAtime | Mount.StrictAtime));
            if (fromMount.Kind == Mount.KindBoot) m.Flags |= Mount.RelAtime;
            FileSystem.Attach(m, target, where);
            return 0;
        }

        /// <summary>A view of <paramref name="from"/> (in <paramref name="fromMount"/>) with its source's flags and source string; not attached.</summary>
        private static long NewBind(Inode from, Mount fromMount, out Mount m)
        {
            m = FileSystem.NewView(from, fromMount, null);
            m.Flags = fromMount.Flags;         // a bind keeps its source's flags (read-only stays read-only)
            if (fromMount.FixedSource != null) m.FixedSource = fromMount.FixedSource;
            else if (fromMount.SourceLength > 0)
            {
                m.Source = (byte*)VfsMemory.Alloc((ulong)fromMount.SourceLength);
                if (m.Source == null) return -Errno.ENOMEM;
                for (int i = 0; i < fromMount.SourceLength; i++) m.Source[i] = fromMount.Source[i];
                m.SourceLength = fromMount.SourceLength;
            }
            return 0;
        }

        /// <summary>MS_MOVE: the mount at <paramref name="source"/> now covers the target.</summary>
        private static long MoveMount(byte* source, int sourceLen, Inode target, Mount where)
        {
            if (sourceLen <= 0) return -Errno.EINVAL;
            int r = SysFile.LookupPath(SysFile.AT_FDCWD, source, sourceLen, true, false, out Inode from);
            if (r < 0) return r;
            Mount m = FileSystem.WalkMount;
            if (m == null || m.Root != from || !m.Attached || m.Kind == Mount.KindBoot) return -Errno.EINVAL;
            // Not into itself or a mount below it.
            for (Mount c = where; c != null; c = c.ParentMount) if (c == m) return -Errno.ELOOP;
            if (target.IsDirectory != m.Root.IsDirectory) return -Errno.ENOTDIR;
            FileSystem.Move(m, target, where);
            return 0;
        }

        /// <summary>The super-block flags a mount's data may carry for any file system ("ro", "rw"...).</summary>
        private static int SbFlags(byte* data, int len)
        {
            int flags = 0;
            for (int s = 0; s < len;)
            {
                int e = s;
                while (e < len && data[e] != ',') e++;
                if (Is(data + s, e - s, "ro")) flags |= Mount.ReadOnly;
                s = e + 1;
            }
            return flags;
        }

        /// <summary>
        /// tmpfs's options: size=N[kmgtpe%], nr_blocks=, nr_inodes=, mode=, uid=, gid= (not on
        /// remount), huge=, mpol=, inode32, inode64, noswap, and the generic ro/rw/sync/... An
        /// unknown option or a bad number: EINVAL.
        /// </summary>
        private static int ParseTmpfs(byte* data, int len, Mount m, bool remount, ref int mntFlags)
        {
            for (int s = 0; s < len;)
            {
                int e = s;
                while (e < len && data[e] != ',') e++;
                int eq = s;
                while (eq < e && data[eq] != '=') eq++;
                byte* key = data + s;
                int keyLen = eq - s;
                byte* val = data + eq + 1;
                int valLen = eq < e ? e - eq - 1 : -1;
                s = e + 1;
                if (keyLen == 0 && valLen < 0) continue;
                if (Is(key, keyLen, "size") || Is(key, keyLen, "nr_blocks"))
                {
                    if (!ParseSize(val, valLen, key[0] == 'n', out ulong bytes)) return -Errno.EINVAL;
                    m.SizeLimit = (long)((bytes + 4095) & ~4095UL);
                    m.SizeGiven = true;
                }
                else if (Is(key, keyLen, "mode") || Is(key, keyLen, "uid") || Is(key, keyLen, "gid"))
                {
                    bool octal = key[0] == 'm';
                    if (!ParseNumber(val, valLen, octal ? 8u : 10u, out ulong v) || v > 0xFFFFFFFE) return -Errno.EINVAL;
                    if (remount) continue;                    // Linux ignores them on remount
                    if (octal) m.RootMode = (uint)v & Inode.PermMask;
                    else if (key[0] == 'u') m.OptUid = (uint)v;
                    else m.OptGid = (uint)v;
                }
                else if (Is(key, keyLen, "nr_inodes") || Is(key, keyLen, "huge") || Is(key, keyLen, "mpol")) { if (valLen < 0) return -Errno.EINVAL; }
                else if (Is(key, keyLen, "ro") && valLen < 0) mntFlags |= Mount.ReadOnly;
                else if (Is(key, keyLen, "rw") && valLen < 0) mntFlags &= ~Mount.ReadOnly;
                else if (valLen < 0 && (Is(key, keyLen, "inode32") || Is(key, keyLen, "inode64") || Is(key, keyLen, "noswap") ||
                         Is(key, keyLen, "sync") || Is(key, keyLen, "async") || Is(key, keyLen, "dirsync") || Is(key, keyLen, "lazytime") ||
                         Is(key, keyLen, "nolazytime") || Is(key, keyLen, "silent") || Is(key, keyLen, "loud") ||
                         Is(key, keyLen, "mand") || Is(key, keyLen, "nomand"))) { }
                else return -Errno.EINVAL;
            }
            return 0;
        }

        private static bool ParseNumber(byte* s, int len, uint radix, out ulong v)
        {
            v = 0;
            if (len <= 0) return false;
            for (int i = 0; i < len; i++)
            {
                uint d = (uint)(s[i] - '0');
                if (d >= radix) return false;
                if (v > (ulong.MaxValue - d) / radix) return false;
                v = v * radix + d;
            }
            return true;
        }

        /// <summary>A size with an optional k/m/g/t/p/e suffix or "%" of RAM; <paramref name="pages"/>: a count of pages.</summary>
        private static bool ParseSize(byte* s, int len, bool pages, out ulong bytes)
        {
            bytes = 0;
            if (len <= 0) return false;
            int shift = 0;
            bool percent = false;
            byte last = s[len - 1];
            if (last == '%' && !pages) percent = true;
            else if (last == 'k' || last == 'K') shift = 10;
            else if (last == 'm' || last == 'M') shift = 20;
            else if (last == 'g' || last == 'G') shift = 30;
            else if (last == 't' || last == 'T') shift = 40;
            else if (last == 'p' || last == 'P') shift = 50;
            else if (last == 'e' || last == 'E') shift = 60;
            int digits = percent || shift != 0 ? len - 1 : len;
            if (!ParseNumber(s, digits, 10, out ulong v)) return false;
            if (percent) { if (v > 100) return false; bytes = Mm.TotalRam / 100 * v; return true; }
            if (pages) shift += 12;
            if (shift > 0 && v > (ulong.MaxValue >> shift)) return false;
            bytes = v << shift;
            return true;
        }

        // ---- umount2 ------------------------------------------------------------------------------

        public static long Umount2(SyscallFrame* f)
        {
            int flags = (int)f->A1;
            if ((flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) != 0) return -Errno.EINVAL;
            int r = SysFile.Lookup(SysFile.AT_FDCWD, f->A0, (flags & UMOUNT_NOFOLLOW) == 0, false, out Inode node);
            if (r < 0) return r;
            if (!Credentials.Current.Capable(Cap.SYS_ADMIN)) return -Errno.EPERM;
            Mount m = FileSystem.WalkMount;
            if (m == null || m.Root != node || !m.Attached) return -Errno.EINVAL;
            if (m.Kind == Mount.KindBoot) return -Errno.EBUSY;    // the boot mounts are one tree: nothing to uncover
            bool busy = FileSystem.HasChildMounts(m) || InUse(m);
            if ((flags & MNT_EXPIRE) != 0)
            {
                // The first call marks the mount, a second one with no use meanwhile unmounts it.
                if ((flags & (MNT_FORCE | MNT_DETACH)) != 0) return -Errno.EINVAL;
                if (busy) return -Errno.EBUSY;
                if (!m.Expiring) { m.Expiring = true; return -Errno.EAGAIN; }
            }
            if (busy && (flags & MNT_DETACH) == 0) return -Errno.EBUSY;
            FileSystem.Detach(m);
            // A fresh tree nobody uses any more goes now; a lazily detached one lives on for its users.
            if (m.Kind == Mount.KindTree && !InUse(m)) FileSystem.FreeTree(m.Root);
            if (m.Source != null) { VfsMemory.Free(m.Source); m.Source = null; m.SourceLength = 0; }
            return 0;
        }

        /// <summary>A fresh tree is in use while one of its nodes is open or some process's cwd or root lies in it.</summary>
        private static bool InUse(Mount m)
        {
            if (m.Kind != Mount.KindTree) return false;
            if (FileSystem.TreeInUse(m.Root)) return true;
            for (Process p = Process.First; p != null; p = p.AllNext)
            {
                if (p.Zombie) continue;
                if (FileSystem.InTree(p.Cwd, m) || FileSystem.InTree(p.Root, m)) return true;
            }
            return false;
        }
    }
}
