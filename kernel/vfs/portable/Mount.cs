// The mount table: which tree a path walk enters at a directory. Portable (kernel + host tests).
//
// A mount covers a directory (Point) with the root of another tree (Root): the walk that reaches
// Point goes on at Root (Point.Mounted names the mount, mounts stack by covering the previous
// mount's root), and ".." from Root climbs back to Point's parent. Three kinds:
// - boot mounts (/, /proc, /sys, /dev, /tmp): directories of the one tree built at boot; Point and
//   Root are the same node and they share one file system (one st_dev, rename between them works);
// - fresh trees (tmpfs): Root is a new directory whose RootOf names the mount, with its own st_dev;
// - views (bind mounts, and proc/sysfs/devtmpfs mounts, which show the boot directories): Root is
//   an existing directory, so only the walk that crossed the mount knows it is inside it.
// Errors are negative errno values; the syscall layer (syscall/SysMount.cs) decodes mount(2).
using System;

namespace Kernel.Vfs
{
    public sealed unsafe class Mount
    {
        // Per-mount flags, with mount(2)'s MS_* values.
        public const int ReadOnly = 1, NoSuid = 2, NoDev = 4, NoExec = 8, NoSymFollow = 256, NoAtime = 1024, NoDirAtime = 2048,
            RelAtime = 1 << 21, StrictAtime = 1 << 24;
        public const int KindBoot = 0, KindTree = 1, KindView = 2;

        public int Id;
        public Mount ParentMount;             // the mount Point lies in (null: detached, or the root mount)
        public Mount Next;                    // the table in mount order
        public Inode Point;                   // the covered directory (null once detached)
        public Inode Root;
        public int Kind;
        public int Flags;
        public ulong Dev;                     // st_dev of the files of a fresh tree; a view's is its source's
        public long Magic;                    // statfs f_type
        public string Type;                   // file system type as /proc/mounts shows it
        public byte* Source;                  // the source string (VfsMemory), Source[SourceLength]
        public int SourceLength;
        public string FixedSource;            // or a constant one (boot mounts)
        public long SizeLimit;                // tmpfs size= in bytes (0: none, half of RAM shown)
        public bool SizeGiven;
        public bool Expiring;                 // umount2(MNT_EXPIRE) marked it
        public uint RootMode = 0x3FF;         // tmpfs mode= of the root (shown when not 01777)
        public uint OptUid, OptGid;           // tmpfs uid=, gid= of the root

        public bool Attached => Point != null;
        public bool IsReadOnly => (Flags & ReadOnly) != 0;
    }

    public static unsafe partial class FileSystem
    {
        public static Mount RootMount;
        public static Mount FirstMount, LastMount;

        /// <summary>
        /// The mount the last Resolve/ResolveParent result lies in (its parent directory for
        /// ResolveParent). One CPU and no preemption inside a syscall's walk: read it right after.
        /// </summary>
        public static Mount WalkMount;

        private static int s_nextMountId;
        private static ulong s_nextDev;

        private static void InitMounts()
        {
            FirstMount = LastMount = null;
            s_nextMountId = 21;                           // Linux numbers its first mounts in the twenties
            s_nextDev = 0x30;
            RootMount = null;
            RootMount = AddBootMount(Root, "rootfs", "tmpfs", 0, 0x01021994);
        }

        /// <summary>Lists a directory of the boot tree as a mount of its own (one file system, st_dev 0x801).</summary>
        public static Mount AddBootMount(Inode dir, string source, string type, int flags, long magic)
        {
            var m = new Mount();
            m.Id = s_nextMountId++;
            m.Kind = Mount.KindBoot;
            m.Point = m.Root = dir;
            m.ParentMount = RootMount;
            m.Flags = flags;
            m.Dev = 0x801;
            m.Magic = magic;
            m.Type = type;
            m.FixedSource = source;
            dir.RootOf = m;
            Append(m);
            return m;
        }

        private static void Append(Mount m)
        {
            m.Next = null;
            if (LastMount != null) LastMount.Next = m; else FirstMount = m;
            LastMount = m;
        }

        private static void Unlist(Mount m)
        {
            Mount prev = null;
            for (Mount c = FirstMount; c != null; prev = c, c = c.Next)
            {
                if (c != m) continue;
                if (prev != null) prev.Next = c.Next; else FirstMount = c.Next;
                if (LastMount == c) LastMount = prev;
                c.Next = null;
                return;
            }
        }

        /// <summary>A new, empty tmpfs tree (root mode 040000|<paramref name="mode"/>), not yet attached.</summary>
        public static Mount NewTree(string type, long magic, uint mode, uint uid, uint gid)
        {
            var m = new Mount();
            Inode root = NewInode(Inode.S_IFDIR | (mode & Inode.PermMask));
            root.Nlink = 2;
            root.Uid = uid;
            root.Gid = gid;
            root.RootOf = m;
            m.Root = root;
            m.Kind = Mount.KindTree;
            m.Type = type;
            m.Magic = magic;
            m.RootMode = mode & Inode.PermMask;
            m.Dev = s_nextDev++;
            return m;
        }

        /// <summary>A view of the directory <paramref name="root"/> (bind, or a pseudo file system shown again); not yet attached.</summary>
        public static Mount NewView(Inode root, Mount source, string type)
        {
            var m = new Mount();
            m.Root = root;
            m.Kind = Mount.KindView;
            m.Type = type != null ? type : source.Type;
            m.Magic = source.Magic;
            m.Dev = source.Dev;
            m.RootMode = source.RootMode;
            m.SizeLimit = source.SizeLimit;
            m.SizeGiven = source.SizeGiven;
            return m;
        }

        /// <summary>Covers <paramref name="point"/> (reached in mount <paramref name="parent"/>) with <paramref name="m"/> and lists it last.</summary>
        public static void Attach(Mount m, Inode point, Mount parent)
        {
            m.Id = s_nextMountId++;
            m.Point = point;
            m.ParentMount = parent;
            point.Mounted = m;
            Append(m);
        }

        /// <summary>
        /// Takes <paramref name="m"/> and every mount below it out of the table; their trees live on
        /// for whoever still holds a node of them. The caller has checked they may go.
        /// </summary>
        public static void Detach(Mount m)
        {
            // Children first (they are listed after their parent), so each uncovers its own point.
            for (bool again = true; again;)
            {
                again = false;
                for (Mount c = FirstMount; c != null; c = c.Next)
                    if (c != m && IsBelow(c, m)) { DetachOne(c); again = true; break; }
            }
            DetachOne(m);
        }

        private static void DetachOne(Mount m)
        {
            if (m.Point != null && m.Point.Mounted == m) m.Point.Mounted = null;
            Unlist(m);
            m.Point = null;
            m.ParentMount = null;
        }

        /// <summary>Moves an attached mount to cover <paramref name="point"/> in <paramref name="parent"/> (MS_MOVE).</summary>
        public static void Move(Mount m, Inode point, Mount parent)
        {
            if (m.Point != null && m.Point.Mounted == m) m.Point.Mounted = null;
            m.Point = point;
            m.ParentMount = parent;
            point.Mounted = m;
        }

        /// <summary><paramref name="c"/> is attached somewhere under <paramref name="m"/>.</summary>
        public static bool IsBelow(Mount c, Mount m)
        {
            for (int depth = 0; c != null && depth < 4096; depth++)
            {
                c = c.ParentMount;
                if (c == m) return true;
            }
            return false;
        }

        /// <summary>Some mount is attached directly under <paramref name="m"/>.</summary>
        public static bool HasChildMounts(Mount m)
        {
            for (Mount c = FirstMount; c != null; c = c.Next) if (c.ParentMount == m && c != m) return true;
            return false;
        }

        /// <summary>The mount whose tree holds <paramref name="n"/>, by its parent chain (a view is not seen: its source's is).</summary>
        public static Mount MountOf(Inode n)
        {
            for (int depth = 0; n != null && depth < PathMax; depth++, n = n.Parent)
                if (n.RootOf != null) return n.RootOf;
            return RootMount;
        }

        /// <summary>Records the mount of <paramref name="n"/> as WalkMount (for calls on a descriptor rather than a path).</summary>
        public static void NoteMountOf(Inode n) { WalkMount = MountOf(n); }

        /// <summary>The last walk ended on a read-only mount (writes there fail with EROFS).</summary>
        public static bool WalkReadOnly => WalkMount != null && WalkMount.IsReadOnly;

        /// <summary>st_dev of <paramref name="n"/>: its file system's device.</summary>
        public static ulong DeviceOf(Inode n)
        {
            Mount m = MountOf(n);
            return m != null ? m.Dev : 0x801;
        }

        /// <summary>rename/link between these mounts would cross file systems (EXDEV). The boot mounts are one tree.</summary>
        public static bool CrossesMounts(Mount a, Mount b)
        {
            if (a == b || a == null || b == null) return false;
            return !(a.Kind == Mount.KindBoot && b.Kind == Mount.KindBoot);
        }

        /// <summary>
        /// Some node of the fresh tree under <paramref name="root"/> is open (a descriptor, a watch)
        /// or covered by a mount. Iterative: trees can be deep.
        /// </summary>
        public static bool TreeInUse(Inode root)
        {
            if (root.OpenCount > 0) return true;
            Inode dir = root;
            DirEntry e = root.First;
            for (long steps = 0; steps < (1L << 30); steps++)
            {
                if (e == null)
                {
                    if (dir == root || dir.Parent == null) return false;
                    Inode up = dir.Parent;
                    DirEntry mine = FindEntryFor(up, dir);
                    dir = up;
                    e = mine != null ? mine.Next : null;
                    continue;
                }
                Inode n = e.Node;
                if (n.OpenCount > 0 || n.Mounted != null) return true;
                if (n.IsDirectory && n.Parent == dir && n.First != null) { dir = n; e = n.First; continue; }
                e = e.Next;
            }
            return true;
        }

        /// <summary>Unlinks everything in a fresh tree that nobody uses any more (its data is freed).</summary>
        public static void FreeTree(Inode root)
        {
            while (root.First != null) RemoveAny(root, root.First);
        }

        /// <summary>
        /// The path of <paramref name="node"/> from the root of the file system it lies in (a fresh
        /// tree's root, or the boot tree's "/"): mountinfo's root field. 0 for the root itself.
        /// </summary>
        public static int PathInTree(Inode node, Span<byte> dst)
        {
            int total = 0;
            Inode cur = node;
            for (int depth = 0; cur != Root && !(cur.RootOf != null && cur.RootOf.Kind == Mount.KindTree); depth++)
            {
                DirEntry e = FindEntryFor(cur.Parent, cur);
                if (e == null || depth > PathMax) return -Errno.ENOENT;
                total += 1 + e.NameLength;
                if (total > dst.Length) return -Errno.ERANGE;
                cur = cur.Parent;
            }
            int pos = total;
            for (cur = node; pos > 0; cur = cur.Parent)
            {
                DirEntry e = FindEntryFor(cur.Parent, cur);
                pos -= e.NameLength;
                for (int i = 0; i < e.NameLength; i++) dst[pos + i] = e.Name[i];
                dst[--pos] = (byte)'/';
            }
            return total;
        }

        /// <summary><paramref name="n"/> lies in the tree of <paramref name="m"/> (fresh trees only: views share their nodes).</summary>
        public static bool InTree(Inode n, Mount m) => n != null && m.Kind == Mount.KindTree && MountOf(n) == m;
    }
}
