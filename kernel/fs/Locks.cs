// Advisory locks: POSIX record locks (owned by the process), open-file-description locks
// (owned by the File) and flock locks (owned by the File). With one process, POSIX locks never
// conflict with each other, but OFD and flock locks taken through different open file
// descriptions do, exactly as on Linux. Nothing can ever wait: a conflict that would block
// forever is reported as EDEADLK.
using Kernel.Vfs;

namespace Kernel.Fs
{
    internal sealed class LockRecord
    {
        public Inode Node;
        public object Owner;
        public bool IsFlock;
        public short Type;            // F_RDLCK 0, F_WRLCK 1
        public long Start, End;       // inclusive
    }

    internal static class Locks
    {
        public const short F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;
        public static readonly object ProcessOwner = new object();
        private static LockRecord[] s_locks = new LockRecord[64];
        private static int s_count;

        private static void Add(Inode node, object owner, bool isFlock, short type, long start, long end)
        {
            if (s_count == s_locks.Length)
            {
                var bigger = new LockRecord[s_count * 2];
                for (int i = 0; i < s_count; i++) bigger[i] = s_locks[i];
                s_locks = bigger;
            }
            var r = new LockRecord();
            r.Node = node; r.Owner = owner; r.IsFlock = isFlock; r.Type = type; r.Start = start; r.End = end;
            s_locks[s_count++] = r;
        }

        private static void RemoveAt(int i)
        {
            s_locks[i] = s_locks[--s_count];
            s_locks[s_count] = null;
        }

        private static bool Conflicts(LockRecord l, Inode node, object owner, bool isFlock, short type, long start, long end) =>
            l.Node == node && l.IsFlock == isFlock && l.Owner != owner && l.Start <= end && start <= l.End &&
            (type == F_WRLCK || l.Type == F_WRLCK);

        /// <summary>The first lock of another owner that conflicts, or null.</summary>
        public static LockRecord FindConflict(Inode node, object owner, short type, long start, long end)
        {
            for (int i = 0; i < s_count; i++)
                if (Conflicts(s_locks[i], node, owner, false, type, start, end)) return s_locks[i];
            return null;
        }

        /// <summary>Sets, converts or releases a byte-range lock. 0, or -EAGAIN on a conflict.</summary>
        public static int SetRange(Inode node, object owner, short type, long start, long end)
        {
            if (type != F_UNLCK && FindConflict(node, owner, type, start, end) != null) return -Errno.EAGAIN;
            for (int i = s_count - 1; i >= 0; i--)
            {
                LockRecord l = s_locks[i];
                if (l.Node != node || l.Owner != owner || l.IsFlock || l.End < start || l.Start > end) continue;
                RemoveAt(i);
                if (l.Start < start) Add(node, owner, false, l.Type, l.Start, start - 1);
                if (l.End > end) Add(node, owner, false, l.Type, end + 1, l.End);
            }
            if (type != F_UNLCK) Add(node, owner, false, type, start, end);
            return 0;
        }

        /// <summary>flock: one lock per open file description, shared or exclusive.</summary>
        public static int Flock(Inode node, object owner, short type, bool unlock)
        {
            if (!unlock)
                for (int i = 0; i < s_count; i++)
                    if (Conflicts(s_locks[i], node, owner, true, type, 0, long.MaxValue)) return -Errno.EAGAIN;
            for (int i = s_count - 1; i >= 0; i--)
                if (s_locks[i].IsFlock && s_locks[i].Owner == owner && s_locks[i].Node == node) RemoveAt(i);
            if (!unlock) Add(node, owner, true, type, 0, long.MaxValue);
            return 0;
        }

        /// <summary>Last close of an open file description: its OFD and flock locks go.</summary>
        public static void ReleaseOwner(object owner)
        {
            for (int i = s_count - 1; i >= 0; i--) if (s_locks[i].Owner == owner) RemoveAt(i);
        }

        /// <summary>POSIX rule: closing any descriptor of a file drops the process's record locks on it.</summary>
        public static void ReleaseProcessLocks(Inode node)
        {
            for (int i = s_count - 1; i >= 0; i--)
                if (s_locks[i].Owner == ProcessOwner && s_locks[i].Node == node) RemoveAt(i);
        }
    }
}
