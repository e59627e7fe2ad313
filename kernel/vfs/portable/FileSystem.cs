// The in-memory file system: one tree rooted at FileSystem.Root, populated from the initrd
// (cpio newc) and changed by the syscall layer. Portable (kernel + host tests). Every operation
// returns 0 (or a count) on success and a negative errno (Kernel.Errno) on failure, with the
// errors Linux (tmpfs) gives for the same call. Of the permission checks only the walk's search
// permission is made here (through MayLookup); the syscall layer makes the others.
using System;
using Compat.Loader;

namespace Kernel.Vfs
{
    /// <summary>
    /// The operation a ResolveParent caller performs, which decides the error for a last
    /// component that is not a plain name ("/", "." or ".."), as Linux does.
    /// </summary>
    public static class PathOp
    {
        public const int Any = 0;         // no error: the caller inspects the name itself (length 0 = "/")
        public const int Create = 1;      // mkdir, mknod, symlink, link (new path): EEXIST
        public const int OpenCreate = 2;  // open(O_CREAT): EISDIR
        public const int Unlink = 3;      // unlink: EISDIR
        public const int Rmdir = 4;       // rmdir: "." EINVAL, ".." ENOTEMPTY, "/" EBUSY
        public const int Rename = 5;      // rename (either path): EBUSY
    }

    /// <summary>
    /// openat2's RESOLVE_* flags (linux/openat2.h): restrictions on one path walk. The walk gets them
    /// with the anchor they refer to (openat2's dirfd) for BENEATH and IN_ROOT.
    /// </summary>
    public static class ResolveFlags
    {
        public const int NoXdev = 0x01;        // crossing a mount point (either way): EXDEV
        public const int NoMagicLinks = 0x02;  // following a /proc magic link: ELOOP
        public const int NoSymlinks = 0x04;    // following any symlink: ELOOP
        public const int Beneath = 0x08;       // leaving the anchor (absolute path or link, ".." above it): EXDEV
        public const int InRoot = 0x10;        // the anchor is the root: "/" starts there, ".." stops there
        public const int Cached = 0x20;        // only what is in memory (here: everything)
        public const int All = 0x3F;
        public const int Scoped = Beneath | InRoot;
    }

    public static unsafe partial class FileSystem
    {
        public const int PathMax = 4096;          // including the NUL: paths of 4096+ bytes fail
        public const int NameMax = 255;
        public const int MaxSymlinks = 40;        // per resolution, as Linux's MAXSYMLINKS
        public const uint RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;
        public const int LastNorm = 0, LastRoot = 1, LastDot = 2, LastDotDot = 3;

        public static Inode Root;

        /// <summary>
        /// The caller's root directory (chroot) when the kernel sets it (null, or a null answer: Root).
        /// Absolute paths and absolute symlink targets start there, ".." does not climb above it, and
        /// GetPath names nodes from it.
        /// </summary>
        public static unsafe delegate*<Inode> CurrentRoot;

        private static unsafe Inode TopDir
        {
            get
            {
                Inode r = CurrentRoot != null ? CurrentRoot() : null;
                return r ?? Root;
            }
        }

        /// <summary>
        /// Search permission on a directory the walk looks a name up in (Linux's may_lookup): 0 or
        /// -EACCES for the caller's credentials. Null (the host tests): always allowed.
        /// </summary>
        public static delegate*<Inode, int> MayLookup;

        /// <summary>Clock for timestamps (ns since the epoch); 0 when unset.</summary>
        public static delegate*<long> Now;

        private static ulong s_nextIno;
        private static bool s_loading;

        public static long Time() => Now != null ? Now() : 0;

        /// <summary>Creates an empty tree: the root directory (mode 040755, inode 1).</summary>
        public static void Init()
        {
            s_nextIno = 0;
            Root = NewInode(Inode.S_IFDIR | 0x1ED);
            Root.Nlink = 2;
            Root.Parent = null;
            InitMounts();
        }

        private static ulong s_generation = 0x9E3779B97F4A7C15UL;

        /// <summary>A new i_generation (a 64-bit LCG's high half, as tmpfs draws a random one).</summary>
        internal static uint NextGeneration()
        {
            s_generation = s_generation * 6364136223846793005UL + 1442695040888963407UL;
            return (uint)(s_generation >> 32);
        }

        /// <summary>
        /// The linked node numbered <paramref name="ino"/> (a file handle's target), searched from the root;
        /// null when no name reaches it any more (deleted). Depth-first, at most MaxHandleDepth levels.
        /// </summary>
        public static Inode FindByIno(ulong ino) => Root == null ? null : Root.Ino == ino ? Root : FindByIno(Root, ino, 0);

        private const int MaxHandleDepth = 256;

        private static Inode FindByIno(Inode dir, ulong ino, int depth)
        {
            for (DirEntry e = dir.First; e != null; e = e.Next)
            {
                Inode n = e.Node;
                if (n == null) continue;
                if (n.Ino == ino) return n;
                if (n.IsDirectory && n.Parent == dir && depth < MaxHandleDepth)
                {
                    Inode found = FindByIno(n, ino, depth + 1);
                    if (found != null) return found;
                }
            }
            return null;
        }

        /// <summary>A fresh, unlinked node with a new inode number and the current time.</summary>
        public static Inode NewInode(uint mode)
        {
            var n = new Inode();
            InitInode(n, mode);
            return n;
        }

        private static void InitInode(Inode n, uint mode)
        {
            n.Ino = ++s_nextIno;
            n.Generation = NextGeneration();
            n.Mode = mode;
            long t = Time();
            n.AtimeNs = n.MtimeNs = n.CtimeNs = n.BtimeNs = t;
        }

        // ---------------------------------------------------------------- directory entries

        private static bool NameIs(DirEntry e, ReadOnlySpan<byte> name)
        {
            if (e.NameLength != name.Length) return false;
            for (int i = 0; i < name.Length; i++) if (e.Name[i] != name[i]) return false;
            return true;
        }

        private static DirEntry FindEntry(Inode dir, ReadOnlySpan<byte> name)
        {
            for (DirEntry e = dir.First; e != null; e = e.Next) if (NameIs(e, name)) return e;
            return null;
        }

        private static DirEntry FindEntryFor(Inode dir, Inode node)
        {
            if (dir == null) return null;
            for (DirEntry e = dir.First; e != null; e = e.Next) if (e.Node == node) return e;
            return null;
        }

        /// <summary>
        /// A walk that followed a /proc magic link to an open file outside every tree (a pipe, a
        /// socket) ends at the link: true for such a result.
        /// </summary>
        /// <summary>The node a /proc magic link (fd/N, exe) stands for, when the kernel knows it (set by the kernel; null in host tests).</summary>
        public static delegate*<Inode, Inode> MagicLinkTarget;

        public static bool IsFileLink(Inode node) =>
            node != null && node.MagicLink && node.IsSymlink && node.Size > 0 && node.Data != null && node.Data[0] != (byte)'/';

        /// <summary>The name <paramref name="node"/> has in the directory it was last linked into; its length, or -ENOENT.</summary>
        public static int NameOf(Inode node, Span<byte> dst)
        {
            if (node == null) return -Errno.ENOENT;
            int len = NameOf(node, false, out byte* name);
            if (len < 0) return -Errno.ENOENT;
            if (len > dst.Length) return -Errno.ERANGE;
            for (int i = 0; i < len; i++) dst[i] = name[i];
            return len;
        }

        /// <summary>The node named <paramref name="name"/> in <paramref name="dir"/> (no "." / ".."), or null.</summary>
        public static Inode Lookup(Inode dir, ReadOnlySpan<byte> name)
        {
            if (dir == null || !dir.IsDirectory) return null;
            DirEntry e = FindEntry(dir, name);
            return e != null ? e.Node : null;
        }

        private static int AddEntry(Inode dir, ReadOnlySpan<byte> name, Inode node)
        {
            byte* copy = (byte*)VfsMemory.Alloc((ulong)(name.Length > 0 ? name.Length : 1));
            if (copy == null) return -Errno.ENOSPC;
            for (int i = 0; i < name.Length; i++) copy[i] = name[i];
            var e = new DirEntry();
            e.Name = copy;
            e.NameLength = name.Length;
            e.Node = node;
            e.Seq = dir.NextSeq++;
            e.Prev = dir.Last;
            if (dir.Last != null) dir.Last.Next = e; else dir.First = e;
            dir.Last = e;
            dir.EntryCount++;
            return 0;
        }

        /// <summary>Unlinks an entry. <paramref name="keepName"/>: the name it had stays with the node when
        /// this was the node's Parent link (GetPath's "... (deleted)"), without a copy.</summary>
        private static void RemoveEntry(Inode dir, DirEntry e, bool keepName = false)
        {
            if (e.Prev != null) e.Prev.Next = e.Next; else dir.First = e.Next;
            if (e.Next != null) e.Next.Prev = e.Prev; else dir.Last = e.Prev;
            dir.EntryCount--;
            Inode node = e.Node;
            if (keepName && node != null && node.Parent == dir)
            {
                if (node.LastName != null) VfsMemory.Free(node.LastName);
                node.LastName = e.Name;
                node.LastNameLength = e.NameLength;
            }
            else VfsMemory.Free(e.Name);
            e.Name = null;
            e.Next = e.Prev = null;
            e.Node = null;
            if (VfsMemory.FreeObject != null) VfsMemory.FreeObject(e);
        }

        private static void TouchDir(Inode dir, long t)
        {
            if (s_loading) return;              // LoadCpio keeps the archive's directory times
            dir.MtimeNs = t;
            dir.CtimeNs = t;
        }

        private static bool IsDot(ReadOnlySpan<byte> n) => n.Length == 1 && n[0] == (byte)'.';
        private static bool IsDotDot(ReadOnlySpan<byte> n) => n.Length == 2 && n[0] == (byte)'.' && n[1] == (byte)'.';

        /// <summary>The error Linux gives operation <paramref name="op"/> for a last component of this type.</summary>
        public static int LastTypeError(int lastType, int op)
        {
            if (lastType == LastNorm || op == PathOp.Any) return 0;
            if (op == PathOp.Create) return -Errno.EEXIST;
            if (op == PathOp.OpenCreate || op == PathOp.Unlink) return -Errno.EISDIR;
            if (op == PathOp.Rmdir)
                return lastType == LastDot ? -Errno.EINVAL : lastType == LastDotDot ? -Errno.ENOTEMPTY : -Errno.EBUSY;
            return -Errno.EBUSY;   // Rename
        }

        /// <summary>Checks a single name given to an operation (op as in PathOp).</summary>
        private static int ValidateName(ReadOnlySpan<byte> name, int op)
        {
            if (name.Length == 0) return -Errno.ENOENT;
            if (IsDot(name)) return LastTypeError(LastDot, op);
            if (IsDotDot(name)) return LastTypeError(LastDotDot, op);
            if (name.Length > NameMax) return -Errno.ENAMETOOLONG;
            for (int i = 0; i < name.Length; i++)
                if (name[i] == (byte)'/' || name[i] == 0) return -Errno.EINVAL;
            return 0;
        }

        private static int CheckDir(Inode dir)
        {
            if (dir == null) return -Errno.ENOENT;
            if (!dir.IsDirectory) return -Errno.ENOTDIR;
            return 0;
        }

        // ---------------------------------------------------------------- path resolution

        /// <summary>
        /// Resolves <paramref name="path"/>: absolute from Root, relative from <paramref name="start"/>
        /// (Root when null). Follows symlinks in every component but the last, and in the last when
        /// <paramref name="followLastSymlink"/> or when the path ends with '/'. Errors: ENOENT (empty
        /// path, missing component, empty symlink target), ENOTDIR (non-directory followed by a
        /// component or a trailing '/'), ENAMETOOLONG (path of 4096+ bytes, component of 256+),
        /// ELOOP (more than 40 symlinks).
        /// </summary>
        public static int Resolve(Inode start, ReadOnlySpan<byte> path, bool followLastSymlink, out Inode result) =>
            Resolve(start, path, followLastSymlink, 0, null, out result);

        /// <summary>
        /// Resolve under openat2's <paramref name="resolve"/> flags (ResolveFlags); <paramref name="anchor"/>
        /// is the directory BENEATH and IN_ROOT refer to. Further errors: ELOOP (a symlink under
        /// NO_SYMLINKS, a magic link under NO_MAGICLINKS), EXDEV (leaving the anchor under BENEATH, a
        /// magic link under BENEATH or IN_ROOT, crossing a mount point under NO_XDEV).
        /// </summary>
        public static int Resolve(Inode start, ReadOnlySpan<byte> path, bool followLastSymlink, int resolve, Inode anchor, out Inode result)
        {
            int links = 0;
            Mount mnt = start != null ? MountOf(start) : null;
            int r = Walk(start, path, followLastSymlink, ref links, resolve, anchor, ref mnt, out result);
            WalkMount = r < 0 ? null : mnt;
            return r;
        }

        /// <summary>The directory a walk's "/" and ".." clamp at: the anchor under IN_ROOT, else the caller's root.</summary>
        private static Inode WalkTop(int resolve, Inode anchor) => (resolve & ResolveFlags.InRoot) != 0 && anchor != null ? anchor : TopDir;

        /// <summary>
        /// The walk proper. <paramref name="mnt"/> is the mount <paramref name="start"/> lies in on
        /// entry and the result's on return: only the walk knows which view of a tree it went through.
        /// </summary>
        private static int Walk(Inode start, ReadOnlySpan<byte> path, bool followLast, ref int links, int resolve, Inode anchor, ref Mount mnt, out Inode result)
        {
            result = null;
            int len = path.Length;
            if (len == 0) return -Errno.ENOENT;
            if (len >= PathMax) return -Errno.ENAMETOOLONG;
            Inode top = WalkTop(resolve, anchor);
            bool absolute = path[0] == (byte)'/';
            if (absolute && (resolve & ResolveFlags.Beneath) != 0) return -Errno.EXDEV;
            Inode cur = absolute || start == null ? top : start;
            if (absolute || start == null || mnt == null) mnt = MountOf(cur);
            int i = 0;
            while (true)
            {
                while (i < len && path[i] == (byte)'/') i++;
                if (i == len) break;
                int s = i;
                while (i < len && path[i] != (byte)'/') i++;
                int j = i;
                while (j < len && path[j] == (byte)'/') j++;
                bool last = j == len;
                bool trailing = last && i < len;
                if (!cur.IsDirectory) return -Errno.ENOTDIR;
                if (MayLookup != null)
                {
                    int p = MayLookup(cur);
                    if (p < 0) return p;
                }
                ReadOnlySpan<byte> name = path.Slice(s, i - s);
                Inode next;
                if (IsDot(name)) next = cur;
                else if (IsDotDot(name))
                {
                    int r = DotDot(cur, top, resolve, anchor, ref mnt, out next);
                    if (r < 0) return r;
                }
                else
                {
                    if (name.Length > NameMax) return -Errno.ENAMETOOLONG;
                    DirEntry e = FindEntry(cur, name);
                    if (e == null) return -Errno.ENOENT;
                    next = e.Node;
                    if (next.Mounted != null)
                    {
                        // A covered directory: go on at the root of the topmost mount on it.
                        if ((resolve & ResolveFlags.NoXdev) != 0) return -Errno.EXDEV;
                        for (int depth = 0; next.Mounted != null && depth < PathMax; depth++) { mnt = next.Mounted; next = mnt.Root; }
                    }
                    else if (next.RootOf != null && next.RootOf.Kind == Mount.KindBoot)
                    {
                        if ((resolve & ResolveFlags.NoXdev) != 0) return -Errno.EXDEV;
                        mnt = next.RootOf;
                    }
                }
                if (next.IsSymlink && (!last || followLast || trailing))
                {
                    int r = FollowLink(cur, next, top, ref links, resolve, anchor, ref mnt, out Inode target);
                    if (r < 0) return r;
                    next = target;
                }
                cur = next;
            }
            if (path[len - 1] == (byte)'/' && !cur.IsDirectory) return -Errno.ENOTDIR;
            result = cur;
            return 0;
        }

        /// <summary>
        /// ".." from <paramref name="cur"/> in mount <paramref name="mnt"/>: from a mount's root it
        /// first climbs to the covered directory (of every mount stacked there), then to the parent.
        /// It stays at the walk's top; BENEATH refuses to leave the anchor, NO_XDEV a mount.
        /// </summary>
        private static int DotDot(Inode cur, Inode top, int resolve, Inode anchor, ref Mount mnt, out Inode next)
        {
            next = cur;
            if ((resolve & ResolveFlags.Beneath) != 0 && cur == anchor) return -Errno.EXDEV;
            for (int depth = 0; cur != top && depth < PathMax; depth++)
            {
                Mount m = mnt != null && cur == mnt.Root ? mnt : cur.RootOf;
                if (m == null || m.Kind == Mount.KindBoot || m.Point == null || m.Point == cur) break;
                if ((resolve & ResolveFlags.NoXdev) != 0) return -Errno.EXDEV;
                cur = m.Point;
                mnt = m.ParentMount != null ? m.ParentMount : MountOf(cur);
            }
            next = cur;
            if (cur == top || cur.Parent == null) return 0;
            if (cur.RootOf != null && cur.RootOf.Kind == Mount.KindBoot)
            {
                // A boot mount's root is a directory of the root tree: its parent is in the root mount.
                if ((resolve & ResolveFlags.NoXdev) != 0) return -Errno.EXDEV;
                mnt = cur.RootOf.ParentMount;
            }
            next = cur.Parent;
            if (mnt == null) mnt = MountOf(next);
            return 0;
        }

        /// <summary>Follows <paramref name="link"/> found in directory <paramref name="dir"/>, under the walk's resolve flags.</summary>
        private static int FollowLink(Inode dir, Inode link, Inode top, ref int links, int resolve, Inode anchor, ref Mount mnt, out Inode target)
        {
            target = null;
            if ((resolve & ResolveFlags.NoSymlinks) != 0) return -Errno.ELOOP;
            if (mnt != null && (mnt.Flags & Mount.NoSymFollow) != 0) return -Errno.ELOOP;    // the link's mount is nosymfollow
            if (link.MagicLink)
            {
                if ((resolve & ResolveFlags.NoMagicLinks) != 0) return -Errno.ELOOP;
                if ((resolve & ResolveFlags.Scoped) != 0) return -Errno.EXDEV;
            }
            if (++links > MaxSymlinks) return -Errno.ELOOP;
            if (link.Size <= 0 || link.Data == null) return -Errno.ENOENT;
            var text = new ReadOnlySpan<byte>(link.Data, (int)link.Size);
            if (IsFileLink(link))
            {
                // "pipe:[N]", "socket:[N]", "anon_inode:...": the open file is in no tree. The walk
                // ends at the link itself and the kernel opens or stats the file it names (IsFileLink).
                target = link;
                return 0;
            }
            if (link.MagicLink)
            {
                // Linux jumps straight to the open file: no restriction applies on the way, only
                // NO_XDEV's comparison of where the link is and where the file is. The kernel names
                // the file's node when it has one (a deleted file, a memfd: the path text would not
                // lead there); else the link's text is walked.
                Mount linkMount = mnt;
                Inode direct = MagicLinkTarget != null ? MagicLinkTarget(link) : null;
                if (direct != null)
                {
                    mnt = MountOf(direct);
                    if ((resolve & ResolveFlags.NoXdev) != 0 && mnt != linkMount) return -Errno.EXDEV;
                    target = direct;
                    return 0;
                }
                int m = Walk(dir, text, true, ref links, 0, null, ref mnt, out target);
                if (m < 0) return m;
                if ((resolve & ResolveFlags.NoXdev) != 0 && mnt != linkMount) { target = null; return -Errno.EXDEV; }
                return 0;
            }
            // An absolute target jumps to the top: a mount crossing when the link is on another mount.
            if (text[0] == (byte)'/' && (resolve & ResolveFlags.NoXdev) != 0 && (resolve & ResolveFlags.Beneath) == 0 && mnt != MountOf(top))
                return -Errno.EXDEV;
            return Walk(dir, text, true, ref links, resolve, anchor, ref mnt, out target);
        }

        /// <summary>ResolveParent for creating operations (PathOp.Create: "/", "." and ".." give EEXIST).</summary>
        public static int ResolveParent(Inode start, ReadOnlySpan<byte> path, out Inode parent, out int nameStart, out int nameLength) =>
            ResolveParent(start, path, PathOp.Create, out parent, out nameStart, out nameLength);

        /// <summary>
        /// Resolves every component of <paramref name="path"/> but the last (following symlinks) and
        /// returns that directory and where the last component is in <paramref name="path"/>. The last
        /// component is not looked up. When it is "/" (nameLength 0, parent Root), "." or "..", the
        /// result is LastTypeError(type, op) (PathOp.Any: 0). Trailing slashes are allowed; the
        /// caller sees them as nameStart + nameLength &lt; path.Length (Linux: mkdir/rmdir/rename of
        /// directories accept them; open(O_CREAT) gives EISDIR; symlink/mknod/link give EEXIST if the
        /// name exists, else ENOENT; unlink/rename of a non-directory give ENOTDIR).
        /// Errors: ENOENT (empty path), ENAMETOOLONG, ENOTDIR, ELOOP, and those of Resolve.
        /// </summary>
        public static int ResolveParent(Inode start, ReadOnlySpan<byte> path, int op, out Inode parent, out int nameStart, out int nameLength) =>
            ResolveParent(start, path, op, 0, null, out parent, out nameStart, out nameLength);

        /// <summary>ResolveParent under openat2's resolve flags and anchor (see Resolve).</summary>
        public static int ResolveParent(Inode start, ReadOnlySpan<byte> path, int op, int resolve, Inode anchor,
                                        out Inode parent, out int nameStart, out int nameLength)
        {
            parent = null;
            nameStart = nameLength = 0;
            WalkMount = null;
            int len = path.Length;
            if (len == 0) return -Errno.ENOENT;
            if (len >= PathMax) return -Errno.ENAMETOOLONG;
            int end = len;
            while (end > 0 && path[end - 1] == (byte)'/') end--;
            Inode top = WalkTop(resolve, anchor);
            if (end == 0)
            {
                if ((resolve & ResolveFlags.Beneath) != 0) return -Errno.EXDEV;
                parent = top;
                WalkMount = MountOf(top);
                return LastTypeError(LastRoot, op);
            }
            int s = end;
            while (s > 0 && path[s - 1] != (byte)'/') s--;
            Inode dir;
            Mount mnt;
            if (s == 0)
            {
                dir = start != null ? start : top;
                if (!dir.IsDirectory) return -Errno.ENOTDIR;
                mnt = MountOf(dir);
            }
            else
            {
                int links = 0;
                mnt = start != null ? MountOf(start) : null;
                int r = Walk(start, path.Slice(0, s), true, ref links, resolve, anchor, ref mnt, out dir);
                if (r < 0) return r;
            }
            if (MayLookup != null)
            {
                int p = MayLookup(dir);                  // the last component is looked up in dir too
                if (p < 0) return p;
            }
            parent = dir;
            WalkMount = mnt;
            nameStart = s;
            nameLength = end - s;
            ReadOnlySpan<byte> name = path.Slice(s, end - s);
            if (IsDot(name)) return LastTypeError(LastDot, op);
            if (IsDotDot(name))
            {
                // Linux steps to ".." (and may refuse that) before it looks at what the operation wants.
                Mount up = mnt;
                int d = DotDot(dir, top, resolve, anchor, ref up, out _);
                return d < 0 ? d : LastTypeError(LastDotDot, op);
            }
            if (nameLength > NameMax) return -Errno.ENAMETOOLONG;
            return 0;
        }

        /// <summary>
        /// Writes the absolute path of <paramref name="node"/> (no NUL) and returns its length; "/"
        /// for Root. A non-directory is named through the directory it was last linked into.
        /// With <paramref name="deleted"/> (readlink of /proc/PID/fd/N, cwd, maps), a node or
        /// ancestor no longer linked is named by the name it had, and an unlinked node gets Linux's
        /// " (deleted)" suffix. Errors: ENOENT (the node or an ancestor is no longer linked, without
        /// <paramref name="deleted"/>), ENAMETOOLONG (4096+ bytes with the NUL), ERANGE (<paramref name="dst"/> too small).
        /// </summary>
        public static int GetPath(Inode node, Span<byte> dst, bool deleted = false)
        {
            if (node == null) return -Errno.ENOENT;
            Inode top = TopDir;
            if (node == top)
            {
                if (dst.Length < 1) return -Errno.ERANGE;
                dst[0] = (byte)'/';
                return 1;
            }
            int total = 0;
            Inode cur = node;
            for (int depth = 0; cur != top && cur != Root; depth++)
            {
                if (depth > PathMax) return -Errno.ENAMETOOLONG;
                Inode covered = CoveredBy(cur);
                if (covered != null) { cur = covered; continue; }
                int len = NameOf(cur, deleted, out _);
                if (len < 0) return -Errno.ENOENT;
                total += 1 + len;
                if (total + 1 > PathMax) return -Errno.ENAMETOOLONG;
                cur = cur.Parent;
            }
            // Outside the caller's root (chroot): Linux's "(unreachable)" prefix.
            string prefix = cur == top ? "" : "(unreachable)";
            string suffix = deleted && node.Nlink == 0 && !node.Transient ? " (deleted)" : "";
            int pos = prefix.Length + total;
            total = pos + suffix.Length;
            if (total > dst.Length) return -Errno.ERANGE;
            for (int i = 0; i < prefix.Length; i++) dst[i] = (byte)prefix[i];
            for (int i = 0; i < suffix.Length; i++) dst[pos + i] = (byte)suffix[i];
            for (cur = node; cur != top && cur != Root; cur = cur.Parent)
            {
                for (Inode covered = CoveredBy(cur); covered != null; covered = CoveredBy(cur)) cur = covered;
                if (cur == top || cur == Root) break;
                int len = NameOf(cur, deleted, out byte* name);
                pos -= len;
                for (int i = 0; i < len; i++) dst[pos + i] = name[i];
                dst[--pos] = (byte)'/';
            }
            return total;
        }

        /// <summary>The name of <paramref name="n"/> in its Parent, or (<paramref name="deleted"/>) the one it had; -1: none.</summary>
        private static int NameOf(Inode n, bool deleted, out byte* name)
        {
            DirEntry e = FindEntryFor(n.Parent, n);
            if (e != null) { name = e.Name; return e.NameLength; }
            name = n.LastName;
            return deleted && n.LastName != null && n.Parent != null ? n.LastNameLength : -1;
        }

        /// <summary>Keeps <paramref name="name"/> as the node's last name (copied; the old one goes).</summary>
        public static void StashName(Inode node, ReadOnlySpan<byte> name)
        {
            byte* copy = (byte*)VfsMemory.Alloc((ulong)(name.Length + 1));
            if (copy == null) return;                       // only readlink's "(deleted)" name is lost
            for (int i = 0; i < name.Length; i++) copy[i] = name[i];
            if (node.LastName != null) VfsMemory.Free(node.LastName);
            node.LastName = copy;
            node.LastNameLength = name.Length;
        }

        /// <summary>
        /// Before the kernel frees a dead node: its kept name goes and its parent loses a child.
        /// Returns the parent, which the caller frees in turn when that made it dead.
        /// </summary>
        public static Inode Forget(Inode n)
        {
            if (n.LastName != null) { VfsMemory.Free(n.LastName); n.LastName = null; n.LastNameLength = 0; }
            Inode p = n.Parent;
            n.Parent = null;
            if (p != null) p.Children--;
            return p;
        }

        /// <summary>The directory a fresh tree's root covers (its name is that directory's), else null.</summary>
        private static Inode CoveredBy(Inode n)
        {
            Mount m = n.RootOf;
            return m != null && m.Kind == Mount.KindTree && m.Point != null ? m.Point : null;
        }

        private static bool IsAncestorOrSelf(Inode ancestor, Inode node)
        {
            for (int depth = 0; node != null && depth < PathMax; depth++, node = node.Parent)
                if (node == ancestor) return true;
            return false;
        }
    }
}
