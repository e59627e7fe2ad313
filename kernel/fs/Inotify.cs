// inotify: watches on inodes of the in-memory tree and the descriptors that read their events.
// The syscall layer reports what it did to a node (FsNotify.*); each watch whose mask matches
// queues a struct inotify_event on its descriptor. With no watch anywhere every report returns
// at once, so file operations pay nothing unless a program uses inotify.
using Kernel.Vfs;

namespace Kernel.Fs
{
    internal static class InotifyMask
    {
        public const uint IN_ACCESS = 1, IN_MODIFY = 2, IN_ATTRIB = 4, IN_CLOSE_WRITE = 8, IN_CLOSE_NOWRITE = 0x10,
            IN_OPEN = 0x20, IN_MOVED_FROM = 0x40, IN_MOVED_TO = 0x80, IN_CREATE = 0x100, IN_DELETE = 0x200,
            IN_DELETE_SELF = 0x400, IN_MOVE_SELF = 0x800, IN_UNMOUNT = 0x2000, IN_Q_OVERFLOW = 0x4000, IN_IGNORED = 0x8000,
            IN_ONLYDIR = 0x1000000, IN_DONT_FOLLOW = 0x2000000, IN_EXCL_UNLINK = 0x4000000, IN_MASK_CREATE = 0x10000000,
            IN_MASK_ADD = 0x20000000, IN_ISDIR = 0x40000000, IN_ONESHOT = 0x80000000;
        public const uint AllEvents = 0xFFF;
        // Events a directory's watch also sees for its entries (with the entry's name).
        public const uint ChildEvents = IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_OPEN;
    }

    internal sealed class InotifyWatch
    {
        public InotifyFile Owner;
        public Inode Node;
        public int Wd;
        public uint Mask;
        public InotifyWatch Next;                   // every watch in the system
    }

    internal sealed unsafe class InotifyFile : File
    {
        public override long Seek(long offset, int whence) => 0;      // noop_llseek, as Linux: lseek succeeds and nothing moves

        public const int MaxQueued = 16384;         // /proc/sys/fs/inotify/max_queued_events
        private const int HeaderSize = 16;
        public override string AnonName => "inotify";
        private readonly byte[] _queue = new byte[256 * 1024];
        private int _head, _used, _events;
        private int _lastAt = -1;                   // the newest event, for merging an identical one
        public int NextWd = 1;
        public static int Instances;                // open inotify descriptions (SysInotify caps them)

        public InotifyFile() { Instances++; }

        public override long Read(byte* dst, long n)
        {
            while (_events == 0)
            {
                if ((Flags & OpenFlags.O_NONBLOCK) != 0) return -Errno.EAGAIN;
                if (Scheduler.Sleep(PollWait.Queue, 0) == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
            }
            long done = 0;
            while (_events > 0)
            {
                int size = HeaderSize + (int)Get(_head + 12);
                if (done + size > n) break;
                for (int i = 0; i < size; i++) dst[done + i] = _queue[(_head + i) % _queue.Length];
                _head = (_head + size) % _queue.Length;
                _used -= size;
                _events--;
                done += size;
            }
            if (_events == 0) _lastAt = -1;
            return done == 0 ? -Errno.EINVAL : done;                 // the buffer cannot hold the next event
        }

        public override long Write(byte* src, long n) => -Errno.EINVAL;
        public override short Poll() => (short)(_events > 0 ? PollBits.POLLIN : 0);
        public override long Available() => _used;

        /// <summary>Queues one event (the name padded with NULs to a multiple of 16); an identical newest event is not repeated.</summary>
        public void Queue(int wd, uint mask, uint cookie, System.ReadOnlySpan<byte> name)
        {
            int nameLen = name.Length == 0 ? 0 : (name.Length + 1 + 15) & ~15;
            int size = HeaderSize + nameLen;
            if (_lastAt >= 0 && cookie == 0 && Same(_lastAt, wd, mask, name)) return;
            if (_events >= MaxQueued || _used + size + HeaderSize > _queue.Length)
            {
                if (_events > 0 && Same(_lastAt, -1, InotifyMask.IN_Q_OVERFLOW, default)) return;
                if (_used + HeaderSize > _queue.Length) return;
                wd = -1; mask = InotifyMask.IN_Q_OVERFLOW; cookie = 0; name = default; nameLen = 0; size = HeaderSize;
            }
            int at = (_head + _used) % _queue.Length;
            Put(at, (uint)wd); Put(at + 4, mask); Put(at + 8, cookie); Put(at + 12, (uint)nameLen);
            for (int i = 0; i < nameLen; i++) _queue[(at + HeaderSize + i) % _queue.Length] = i < name.Length ? name[i] : (byte)0;
            _lastAt = at;
            _used += size;
            _events++;
            PollWait.Changed();
        }

        private void Put(int at, uint v)
        {
            for (int i = 0; i < 4; i++) _queue[(at + i) % _queue.Length] = (byte)(v >> (8 * i));
        }

        private uint Get(int at)
        {
            uint v = 0;
            for (int i = 3; i >= 0; i--) v = v << 8 | _queue[(at + i) % _queue.Length];
            return v;
        }

        private bool Same(int at, int wd, uint mask, System.ReadOnlySpan<byte> name)
        {
            if (Get(at) != (uint)wd || Get(at + 4) != mask || Get(at + 8) != 0) return false;
            int len = (int)Get(at + 12);
            int want = name.Length == 0 ? 0 : (name.Length + 1 + 15) & ~15;
            if (len != want) return false;
            for (int i = 0; i < name.Length; i++) if (_queue[(at + HeaderSize + i) % _queue.Length] != name[i]) return false;
            return true;
        }

        public override void OnLastClose()
        {
            FsNotify.RemoveAll(this);
            Instances--;
            Runtime.Allocator.Free(_queue);                  // no GC: the queue goes with the description
        }
    }

    /// <summary>What the syscall layer reports, and the watch list.</summary>
    internal static unsafe class FsNotify
    {
        private static InotifyWatch s_watches;
        private static int s_count;
        private static uint s_cookie;

        public static bool Active => s_count != 0;

        public static InotifyWatch Find(InotifyFile owner, Inode node)
        {
            for (InotifyWatch w = s_watches; w != null; w = w.Next) if (w.Owner == owner && w.Node == node) return w;
            return null;
        }

        public static InotifyWatch FindWd(InotifyFile owner, int wd)
        {
            for (InotifyWatch w = s_watches; w != null; w = w.Next) if (w.Owner == owner && w.Wd == wd) return w;
            return null;
        }

        public static InotifyWatch Add(InotifyFile owner, Inode node, uint mask)
        {
            var w = new InotifyWatch { Owner = owner, Node = node, Wd = owner.NextWd++, Mask = mask, Next = s_watches };
            node.OpenRef();                                  // the watch keeps the node alive, as Linux's inode reference
            node.WatchCount++;
            s_watches = w;
            s_count++;
            return w;
        }

        /// <summary>Ends a watch: IN_IGNORED is queued unless its descriptor is closing.</summary>
        public static void Remove(InotifyWatch w, bool tell)
        {
            InotifyWatch prev = null;
            for (InotifyWatch x = s_watches; x != null; prev = x, x = x.Next)
            {
                if (x != w) continue;
                if (prev == null) s_watches = x.Next; else prev.Next = x.Next;
                s_count--;
                if (tell) w.Owner.Queue(w.Wd, InotifyMask.IN_IGNORED, 0, default);
                w.Node.WatchCount--;
                w.Node.CloseRef();
                Runtime.Allocator.Free(w);
                return;
            }
        }

        public static void RemoveAll(InotifyFile owner)
        {
            InotifyWatch w = s_watches;
            while (w != null)
            {
                InotifyWatch next = w.Next;
                if (w.Owner == owner) Remove(w, false);
                w = next;
            }
        }

        public static uint NewCookie() => ++s_cookie == 0 ? ++s_cookie : s_cookie;

        /// <summary>An event on <paramref name="node"/> itself: its own watches, and its directory's with its name (open, access, modify, attrib, close).</summary>
        public static void Child(Inode node, uint mask)
        {
            if (s_count == 0 || node == null) return;
            // The directory's watches first, then the node's own, as Linux reports them.
            Inode dir = node.Parent;
            if (dir != null && dir != node && Watched(dir))
            {
                DirEntry e = dir.First;
                while (e != null && e.Node != node) e = e.Next;
                if (e != null) Entry(dir, mask, new System.ReadOnlySpan<byte>(e.Name, e.NameLength), node, 0);
                else if (node.LastName != null) Entry(dir, mask, new System.ReadOnlySpan<byte>(node.LastName, node.LastNameLength), node, 0);   // unlinked, still open: the name it had, as Linux's dentry
            }
            Deliver(node, mask, 0, default);
        }

        /// <summary>
        /// A node lost its last name (unlink, rmdir, renamed over): IN_DELETE_SELF, and the end of its
        /// watches, now, or at the last close when a descriptor, cwd or mapping still holds it (Linux:
        /// when the last dentry reference goes).
        /// </summary>
        public static void Deleted(Inode node)
        {
            if (node.OpenCount > node.WatchCount) { node.DeleteSelfPending = true; return; }
            Self(node, InotifyMask.IN_DELETE_SELF);
        }

        /// <summary>VfsMemory.Unused: the last user of a node unlinked while open is gone.</summary>
        public static void Unused(Inode node)
        {
            node.DeleteSelfPending = false;
            if (node.Nlink == 0) Self(node, InotifyMask.IN_DELETE_SELF);
        }

        /// <summary>An event about an entry of <paramref name="dir"/> (create, delete, moved from/to; or a child event), with the entry's name.</summary>
        public static void Entry(Inode dir, uint mask, System.ReadOnlySpan<byte> name, Inode child, uint cookie)
        {
            if (s_count == 0 || dir == null) return;
            if (child != null && child.IsDirectory) mask |= InotifyMask.IN_ISDIR;
            Deliver(dir, mask, cookie, name);
        }

        /// <summary>An event on the node alone (IN_DELETE_SELF ends its watches; IN_MOVE_SELF).</summary>
        public static void Self(Inode node, uint mask)
        {
            if (s_count == 0 || node == null) return;
            Deliver(node, mask, 0, default);
            if ((mask & InotifyMask.IN_DELETE_SELF) == 0) return;
            InotifyWatch w = s_watches;
            while (w != null)
            {
                InotifyWatch next = w.Next;
                if (w.Node == node) Remove(w, true);
                w = next;
            }
        }

        public static bool Watched(Inode node)
        {
            for (InotifyWatch w = s_watches; w != null; w = w.Next) if (w.Node == node) return true;
            return false;
        }

        private static void Deliver(Inode node, uint mask, uint cookie, System.ReadOnlySpan<byte> name)
        {
            uint ev = mask & InotifyMask.AllEvents;
            InotifyWatch w = s_watches;
            while (w != null)
            {
                InotifyWatch next = w.Next;
                if (w.Node == node && (w.Mask & ev) != 0)
                {
                    // The event bit the watch asked for, with IN_ISDIR and the like kept.
                    w.Owner.Queue(w.Wd, (mask & ~InotifyMask.AllEvents) | (ev & w.Mask), cookie, name);
                    if ((w.Mask & InotifyMask.IN_ONESHOT) != 0) Remove(w, true);
                }
                w = next;
            }
        }
    }
}
