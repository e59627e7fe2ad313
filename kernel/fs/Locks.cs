// Advisory locks: POSIX record locks (owned by the process), open-file-description locks
// (owned by the File) and flock locks (owned by the File), with Linux's conflict rules. A
// blocking request (F_SETLKW, flock without LOCK_NB) sleeps on one wait queue that every release
// wakes; a POSIX request that would wait on a process already waiting for one of ours is EDEADLK.
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
        public static readonly WaitQueue Waiters = new WaitQueue();
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
            Waiters.WakeAll();
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
            Waiters.WakeAll();
            return 0;
        }

        /// <summary>Last close of an open file description: its OFD and flock locks go.</summary>
        public static void ReleaseOwner(object owner)
        {
            for (int i = s_count - 1; i >= 0; i--) if (s_locks[i].Owner == owner) RemoveAt(i);
            Waiters.WakeAll();
        }

        /// <summary>POSIX rule: closing any descriptor of a file drops the process's record locks on it.</summary>
        public static void ReleaseProcessLocks(Inode node)
        {
            Process p = Process.Current;
            bool any = false;
            for (int i = s_count - 1; i >= 0; i--)
                if (s_locks[i].Owner == p && s_locks[i].Node == node) { RemoveAt(i); any = true; }
            if (any) Waiters.WakeAll();
        }

        /// <summary>
        /// Sets a record lock, waiting while another owner's lock conflicts. EDEADLK when the holder
        /// is itself waiting for a lock the caller holds; -ERESTARTSYS when a signal ends the wait.
        /// </summary>
        public static int SetRangeWait(Inode node, object owner, short type, long start, long end)
        {
            while (true)
            {
                int r = SetRange(node, owner, type, start, end);
                if (r != -Errno.EAGAIN) return r;
                LockRecord holder = FindConflict(node, owner, type, start, end);
                if (holder != null && holder.Owner is Process hp && owner is Process me && WaitsFor(hp, me)) return -Errno.EDEADLK;
                if (owner is Process self) self.LockWaitFor = holder?.Owner as Process;
                int w = Scheduler.Sleep(Waiters, 0);
                if (owner is Process self2) self2.LockWaitFor = null;
                if (w == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
            }
        }

        /// <summary>True when <paramref name="p"/> waits (directly or through a chain) for a lock of <paramref name="target"/>.</summary>
        private static bool WaitsFor(Process p, Process target)
        {
            for (int hops = 0; p != null && hops < 64; hops++, p = p.LockWaitFor)
                if (p == target) return true;
            return false;
        }

        /// <summary>flock, waiting while another description holds a conflicting lock.</summary>
        public static int FlockWait(Inode node, object owner, short type)
        {
            while (true)
            {
                int r = Flock(node, owner, type, false);
                if (r != -Errno.EAGAIN) return r;
                if (Scheduler.Sleep(Waiters, 0) == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
            }
        }
    }
}
