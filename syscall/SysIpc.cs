// System V IPC: shared memory segments, semaphore sets and message queues, shared by every process
// (one IPC namespace). Ids are slot + 32768 * sequence, as Linux makes them, so a stale id fails.
// Permissions as Linux's ipc/util.c: an object belongs to its creator's effective ids; the mode's
// owner, group or other bits decide read and write (CAP_IPC_OWNER overrides), and IPC_SET and
// IPC_RMID are for the owner or creator (or CAP_SYS_ADMIN).
using Kernel.Drivers;
using Kernel.Memory;

namespace Kernel.Syscalls
{
    /// <summary>What every IPC object has: key, id, ipc_perm fields, times.</summary>
    internal class IpcObject
    {
        public int Key, Id, Mode, Uid, Gid, Cuid, Cgid, Seq;
        public long Ctime;
        public bool Removed;
    }

    internal static unsafe class Ipc
    {
        public const int IPC_PRIVATE = 0, IPC_CREAT = 0x200, IPC_EXCL = 0x400, IPC_NOWAIT = 0x800;
        public const int IPC_RMID = 0, IPC_SET = 1, IPC_STAT = 2, IPC_INFO = 3;
        public const int MaxObjects = 4096;

        public static long Now() => (long)(SysTime.RealtimeNs() / 1_000_000_000);

        public const int Read = 0x124, Write = 0x92;                  // S_IRUGO, S_IWUGO

        /// <summary>ipcperms: may the caller have <paramref name="flag"/>'s access (rwx bits for owner, group, other)? 0 or -EACCES.</summary>
        public static long May(IpcObject o, int flag)
        {
            Credentials c = Credentials.Current;
            int requested = (flag >> 6 | flag >> 3 | flag) & 7, granted = o.Mode;
            if (c.Euid == (uint)o.Cuid || c.Euid == (uint)o.Uid) granted >>= 6;
            else if (c.InGroup((uint)o.Cgid) || c.InGroup((uint)o.Gid)) granted >>= 3;
            return (requested & ~granted & 7) != 0 && !c.Capable(Cap.IPC_OWNER) ? -Errno.EACCES : 0;
        }

        /// <summary>The check a *ctl command makes: IPC_SET/IPC_RMID the owner's, reads and writes the mode's (the *_STAT_ANY commands none).</summary>
        public static long CtlCheck(IpcObject o, int cmd, bool read, bool write)
        {
            if (cmd == IPC_SET || cmd == IPC_RMID) return MayChange(o);
            if (write) return May(o, Write);
            return read ? May(o, Read) : 0;
        }

        /// <summary>IPC_SET and IPC_RMID (ipcctl_obtain_check): the owner, the creator or CAP_SYS_ADMIN; else -EPERM.</summary>
        public static long MayChange(IpcObject o)
        {
            Credentials c = Credentials.Current;
            return c.Euid == (uint)o.Cuid || c.Euid == (uint)o.Uid || c.Capable(Cap.SYS_ADMIN) ? 0 : -Errno.EPERM;
        }

        /// <summary>shmget/semget/msgget: finds the object of <paramref name="key"/> or says to create one (returns 0 then).</summary>
        public static long Lookup(IpcObject[] table, int key, int flags, out IpcObject found)
        {
            found = null;
            if (key != IPC_PRIVATE)
                for (int i = 0; i < table.Length; i++)
                    if (table[i] != null && !table[i].Removed && table[i].Key == key) { found = table[i]; break; }
            if (found != null)
                return (flags & (IPC_CREAT | IPC_EXCL)) == (IPC_CREAT | IPC_EXCL) ? -Errno.EEXIST : May(found, flags & 0x1FF);
            if (key != IPC_PRIVATE && (flags & IPC_CREAT) == 0) return -Errno.ENOENT;
            return 0;
        }

        /// <summary>Puts a new object in a free slot and gives it its id.</summary>
        public static long Install(IpcObject[] table, ref int seq, IpcObject o, int key, int flags)
        {
            for (int i = 0; i < table.Length; i++)
            {
                if (table[i] != null) continue;
                o.Key = key;
                o.Mode = flags & 0x1FF;
                Credentials c = Credentials.Current;
                o.Uid = o.Cuid = (int)c.Euid;
                o.Gid = o.Cgid = (int)c.Egid;
                o.Seq = seq++ & 0xFFFF;
                o.Id = i + 32768 * o.Seq;
                o.Ctime = Now();
                table[i] = o;
                return o.Id;
            }
            return -Errno.ENOSPC;
        }

        public static IpcObject Get(IpcObject[] table, int id)
        {
            if (id < 0) return null;
            int slot = id % 32768;
            if (slot >= table.Length) return null;
            IpcObject o = table[slot];
            return o != null && o.Id == id && !o.Removed ? o : null;
        }

        public static void Remove(IpcObject[] table, IpcObject o)
        {
            int slot = o.Id % 32768;
            if (table[slot] == o) table[slot] = null;
            o.Removed = true;
        }

        /// <summary>struct ipc_perm (48 bytes) at <paramref name="p"/>.</summary>
        public static void WritePerm(byte* p, IpcObject o)
        {
            *(int*)p = o.Key; *(int*)(p + 4) = o.Uid; *(int*)(p + 8) = o.Gid; *(int*)(p + 12) = o.Cuid; *(int*)(p + 16) = o.Cgid;
            *(ushort*)(p + 20) = (ushort)o.Mode; *(ushort*)(p + 24) = (ushort)o.Seq;
        }

        /// <summary>IPC_SET: uid, gid and the permission bits from a user ipc_perm.</summary>
        public static void ReadPerm(byte* p, IpcObject o)
        {
            o.Uid = *(int*)(p + 4); o.Gid = *(int*)(p + 8);
            o.Mode = (o.Mode & ~0x1FF) | (*(ushort*)(p + 20) & 0x1FF);
            o.Ctime = Now();
        }
    }

    // ---- shared memory ---------------------------------------------------------------------------

    internal sealed class ShmSegment : IpcObject
    {
        public ulong Size;
        public int FileId;                     // MappedFiles id of the unnamed inode holding the pages
        public int Cpid, Lpid;
        public long Atime, Dtime;
    }

    internal static unsafe class SysShm
    {
        private static readonly IpcObject[] s_table = new IpcObject[Ipc.MaxObjects];
        private static int s_seq;
        private const int SHM_RDONLY = 0x1000, SHM_RND = 0x2000, SHM_REMAP = 0x4000, SHM_EXEC = 0x8000;
        private const int SHM_LOCK = 11, SHM_UNLOCK = 12, SHM_STAT = 13, SHM_INFO = 14, SHM_STAT_ANY = 15;
        private const ulong ShmMax = 1UL << 40, Shmlba = 4096;

        private static int Attaches(ShmSegment s) => MappedFiles.RefCount(s.FileId) - (s.Removed ? 0 : 1);

        public static long Shmget(SyscallFrame* f)
        {
            int key = (int)f->A0, flags = (int)f->A2;
            ulong size = f->A1;
            long r = Ipc.Lookup(s_table, key, flags, out IpcObject found);
            if (r < 0) return r;
            if (found != null) return ((ShmSegment)found).Size < size ? -Errno.EINVAL : found.Id;
            if (size < 1 || size > ShmMax) return -Errno.EINVAL;
            Vfs.Inode node = Vfs.FileSystem.NewInode(0x8000 | 0x180);
            node.AnonymousMemory = true;
            int id = MappedFiles.Add(node);
            if (id == 0) return -Errno.ENOSPC;
            var s = new ShmSegment { Size = size, FileId = id, Cpid = Process.Current.Pid };
            r = Ipc.Install(s_table, ref s_seq, s, key, flags);
            if (r < 0) { MappedFiles.Release(id); Runtime.Allocator.Free(s); }
            return r;
        }

        public static long Shmat(SyscallFrame* f)
        {
            var s = Ipc.Get(s_table, (int)f->A0) as ShmSegment;
            if (s == null) return -Errno.EINVAL;
            ulong addr = f->A1;
            int flags = (int)f->A2;
            if (addr != 0)
            {
                if ((flags & SHM_RND) != 0) addr &= ~(Shmlba - 1);
                else if ((addr & (Shmlba - 1)) != 0) return -Errno.EINVAL;
            }
            int prot = (flags & SHM_RDONLY) != 0 ? Prot.Read : Prot.Read | Prot.Write;
            if ((flags & SHM_EXEC) != 0) prot |= Prot.Exec;
            long denied = Ipc.May(s, ((flags & SHM_RDONLY) != 0 ? Ipc.Read : Ipc.Read | Ipc.Write) | ((flags & SHM_EXEC) != 0 ? 0x49 : 0));
            if (denied < 0) return denied;
            if (addr != 0 && (flags & SHM_REMAP) == 0 && !AddressSpace.IsFree(addr, addr + AddressSpace.PageUp(s.Size))) return -Errno.EINVAL;
            MappedFiles.AddRef(s.FileId);
            long r = AddressSpace.MapRegion(addr, s.Size, prot, addr != 0, false, Vma.Shared, s.FileId, 0);
            if (r < 0) { MappedFiles.Release(s.FileId); return r; }
            if ((flags & SHM_RDONLY) != 0) AddressSpace.SetNoWrite((ulong)r);
            s.Atime = Ipc.Now();
            s.Lpid = Process.Current.Pid;
            return r;
        }

        public static long Shmdt(SyscallFrame* f)
        {
            ulong addr = f->A0;
            if ((addr & (Shmlba - 1)) != 0) return -Errno.EINVAL;
            int i = AddressSpace.Find(addr);
            if (i < 0 || AddressSpace.Regions[i].Start != addr || AddressSpace.Regions[i].Kind != Vma.Shared) return -Errno.EINVAL;
            int fileId = AddressSpace.Regions[i].FileId;
            ShmSegment seg = null;
            for (int k = 0; k < s_table.Length && seg == null; k++)
                if (s_table[k] is ShmSegment s && s.FileId == fileId) seg = s;
            if (seg == null && !IsRemovedSegment(fileId)) return -Errno.EINVAL;
            // The whole attach goes, including the parts a later mprotect split off.
            ulong end = addr;
            for (int k = i; k < AddressSpace.Count && AddressSpace.Regions[k].Start == end && AddressSpace.Regions[k].FileId == fileId; k++)
                end = AddressSpace.Regions[k].End;
            AddressSpace.Unmap(addr, end - addr);
            if (seg != null) { seg.Dtime = Ipc.Now(); seg.Lpid = Process.Current.Pid; }
            return 0;
        }

        // A removed segment still mapped somewhere: its id is only known to MappedFiles.
        private static int[] s_removedIds = new int[64];
        private static bool IsRemovedSegment(int fileId)
        {
            for (int i = 0; i < s_removedIds.Length; i++) if (s_removedIds[i] == fileId && MappedFiles.RefCount(fileId) > 0) return true;
            return false;
        }

        public static long Shmctl(SyscallFrame* f)
        {
            int cmd = (int)f->A1 & 0xFF;                    // IPC_64 (0x100) is the only layout there is
            ulong buf = f->A2;
            if (cmd == Ipc.IPC_INFO || cmd == SHM_INFO)
            {
                byte* info = stackalloc byte[128];
                Mem.Zero(info, 128);
                if (cmd == Ipc.IPC_INFO)
                {
                    *(ulong*)info = ShmMax; *(ulong*)(info + 8) = 1; *(ulong*)(info + 16) = Ipc.MaxObjects;
                    *(ulong*)(info + 24) = 1; *(ulong*)(info + 32) = ShmMax / 4096;
                }
                int used = 0, highest = 0;
                for (int k = 0; k < s_table.Length; k++) if (s_table[k] != null) { used++; highest = k; }
                if (cmd == SHM_INFO) *(int*)info = used;
                if (UserMemory.CopyTo(buf, info, cmd == Ipc.IPC_INFO ? 72UL : 48UL) != 0) return -Errno.EFAULT;
                return highest;
            }
            ShmSegment s;
            if (cmd == SHM_STAT || cmd == SHM_STAT_ANY)
            {
                int slot = (int)f->A0;
                s = slot >= 0 && slot < s_table.Length ? s_table[slot] as ShmSegment : null;
                if (s == null) return -Errno.EINVAL;
            }
            else s = Ipc.Get(s_table, (int)f->A0) as ShmSegment;
            if (s == null) return -Errno.EINVAL;
            long perm = Ipc.CtlCheck(s, cmd, cmd == Ipc.IPC_STAT || cmd == SHM_STAT, false);
            if (perm < 0) return perm;
            switch (cmd)
            {
                case Ipc.IPC_STAT:
                case SHM_STAT:
                case SHM_STAT_ANY:
                {
                    byte* ds = stackalloc byte[112];
                    Mem.Zero(ds, 112);
                    Ipc.WritePerm(ds, s);
                    *(ulong*)(ds + 48) = s.Size;
                    *(long*)(ds + 56) = s.Atime; *(long*)(ds + 64) = s.Dtime; *(long*)(ds + 72) = s.Ctime;
                    *(int*)(ds + 80) = s.Cpid; *(int*)(ds + 84) = s.Lpid;
                    *(ulong*)(ds + 88) = (ulong)Attaches(s);
                    if (UserMemory.CopyTo(buf, ds, 112) != 0) return -Errno.EFAULT;
                    return cmd == Ipc.IPC_STAT ? 0 : s.Id;
                }
                case Ipc.IPC_SET:
                {
                    byte* ds = stackalloc byte[112];
                    if (UserMemory.CopyFrom(ds, buf, 112) != 0) return -Errno.EFAULT;
                    Ipc.ReadPerm(ds, s);
                    return 0;
                }
                case Ipc.IPC_RMID:
                    // The key goes now; the pages when the last attach goes (MappedFiles counts them).
                    Ipc.Remove(s_table, s);
                    for (int k = 0; k < s_removedIds.Length; k++)
                        if (s_removedIds[k] == 0 || MappedFiles.RefCount(s_removedIds[k]) == 0) { s_removedIds[k] = s.FileId; break; }
                    MappedFiles.Release(s.FileId);
                    return 0;
                case SHM_LOCK:
                case SHM_UNLOCK:
                    return 0;                                // nothing is ever swapped out
            }
            return -Errno.EINVAL;
        }
    }

    // ---- semaphores --------------------------------------------------------------------------------

    internal sealed unsafe class SemSet : IpcObject
    {
        public int Count;
        public ushort[] Values;
        public int[] Pids;
        public long Otime;
        public readonly WaitQueue Waiters = new WaitQueue();
    }

    /// <summary>A SEM_UNDO adjustment a process owes a semaphore, applied when it exits.</summary>
    internal sealed class SemUndo
    {
        public int Id, Num, Adj;
        public SemUndo Next;
    }

    internal static unsafe class SysSem
    {
        private static readonly IpcObject[] s_table = new IpcObject[Ipc.MaxObjects];
        private static int s_seq;
        private const int SEMMSL = 32000, SEMOPM = 500, SEMVMX = 32767, SEM_UNDO = 0x1000;
        private const int GETPID = 11, GETVAL = 12, GETALL = 13, GETNCNT = 14, GETZCNT = 15, SETVAL = 16, SETALL = 17,
            SEM_STAT = 18, SEM_INFO = 19, SEM_STAT_ANY = 20;
        private struct Sembuf { public ushort Num; public short Op, Flg; }

        public static long Semget(SyscallFrame* f)
        {
            int key = (int)f->A0, nsems = (int)f->A1, flags = (int)f->A2;
            long r = Ipc.Lookup(s_table, key, flags, out IpcObject found);
            if (r < 0) return r;
            if (found != null) return nsems > ((SemSet)found).Count ? -Errno.EINVAL : found.Id;
            if (nsems <= 0 || nsems > SEMMSL) return -Errno.EINVAL;
            var s = new SemSet { Count = nsems, Values = new ushort[nsems], Pids = new int[nsems] };
            r = Ipc.Install(s_table, ref s_seq, s, key, flags);
            if (r < 0) Free(s);
            return r;
        }

        private static void Free(SemSet s)
        {
            Runtime.Allocator.Free(s.Values);
            Runtime.Allocator.Free(s.Pids);
            Runtime.Allocator.Free(s.Waiters);
            Runtime.Allocator.Free(s);
        }

        public static long Semop(SyscallFrame* f) => DoSemop((int)f->A0, f->A1, f->A2, 0);
        public static long Semtimedop(SyscallFrame* f) => DoSemop((int)f->A0, f->A1, f->A2, f->A3);

        private static long DoSemop(int id, ulong usops, ulong nsops, ulong utimeout)
        {
            if (nsops == 0) return -Errno.EINVAL;
            if (nsops > SEMOPM) return -Errno.E2BIG;
            var ops = new Sembuf[(int)nsops];
            fixed (Sembuf* p = ops)
                if (UserMemory.CopyFrom(p, usops, nsops * 6) != 0) { Runtime.Allocator.Free(ops); return -Errno.EFAULT; }
            long r = DoSemop(id, ops, utimeout);
            Runtime.Allocator.Free(ops);
            return r;
        }

        private static long DoSemop(int id, Sembuf[] ops, ulong utimeout)
        {
            ulong deadline = 0;
            if (utimeout != 0)
            {
                if (UserMemory.Read(utimeout, out SysTime.Timespec ts) != 0) return -Errno.EFAULT;
                if (ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1_000_000_000) return -Errno.EINVAL;
                deadline = Tsc.MonotonicNs() + (ulong)ts.Sec * 1_000_000_000 + (ulong)ts.Nsec;
                if (deadline == 0) deadline = 1;
            }
            while (true)
            {
                var s = Ipc.Get(s_table, id) as SemSet;
                if (s == null) return -Errno.EINVAL;
                for (int i = 0; i < ops.Length; i++) if (ops[i].Num >= s.Count) return -Errno.EFBIG;
                bool alter = false;
                for (int i = 0; i < ops.Length; i++) if (ops[i].Op != 0) alter = true;
                long perm = Ipc.May(s, alter ? Ipc.Write : Ipc.Read);
                if (perm < 0) return perm;
                // All or nothing: check every operation on a copy of the values first.
                int blocked = -1;
                for (int i = 0; i < ops.Length && blocked < 0; i++)
                {
                    int v = s.Values[ops[i].Num];
                    for (int k = 0; k < i; k++) if (ops[k].Num == ops[i].Num) v += ops[k].Op;
                    if (ops[i].Op < 0 && v + ops[i].Op < 0) blocked = i;
                    else if (ops[i].Op == 0 && v != 0) blocked = i;
                    else if (v + ops[i].Op > SEMVMX) return -Errno.ERANGE;
                }
                if (blocked < 0)
                {
                    for (int i = 0; i < ops.Length; i++)
                    {
                        s.Values[ops[i].Num] = (ushort)(s.Values[ops[i].Num] + ops[i].Op);
                        s.Pids[ops[i].Num] = Process.Current.Pid;
                        if ((ops[i].Flg & SEM_UNDO) != 0 && ops[i].Op != 0) AddUndo(Process.Current, s.Id, ops[i].Num, -ops[i].Op);
                    }
                    s.Otime = Ipc.Now();
                    s.Waiters.WakeAll();
                    return 0;
                }
                if ((ops[blocked].Flg & Ipc.IPC_NOWAIT) != 0) return -Errno.EAGAIN;
                int w = Scheduler.Sleep(s.Waiters, deadline);
                if (s.Removed) return -Errno.EIDRM;
                if (w == Scheduler.Interrupted) return -Errno.EINTR;          // semop is never restarted after a handler
                if (w == Scheduler.TimedOut) return -Errno.EAGAIN;
            }
        }

        private static void AddUndo(Process p, int id, int num, int adj)
        {
            for (SemUndo u = p.SemUndos; u != null; u = u.Next)
                if (u.Id == id && u.Num == num) { u.Adj += adj; return; }
            p.SemUndos = new SemUndo { Id = id, Num = num, Adj = adj, Next = p.SemUndos };
        }

        /// <summary>Exit: the process's SEM_UNDO adjustments are applied (clamped to 0..SEMVMX, as Linux does).</summary>
        public static void ApplyUndos(Process p)
        {
            while (p.SemUndos != null)
            {
                SemUndo u = p.SemUndos;
                p.SemUndos = u.Next;
                if (Ipc.Get(s_table, u.Id) is SemSet s && u.Num < s.Count)
                {
                    int v = s.Values[u.Num] + u.Adj;
                    s.Values[u.Num] = (ushort)(v < 0 ? 0 : v > SEMVMX ? SEMVMX : v);
                    s.Pids[u.Num] = p.Pid;
                    s.Waiters.WakeAll();
                }
                Runtime.Allocator.Free(u);
            }
        }

        /// <summary>SETVAL/SETALL and removal clear the adjustments every process holds for those semaphores.</summary>
        private static void ClearUndos(int id, int num)
        {
            for (Process p = Process.First; p != null; p = p.AllNext)
            {
                SemUndo prev = null;
                for (SemUndo u = p.SemUndos; u != null;)
                {
                    SemUndo next = u.Next;
                    if (u.Id == id && (num < 0 || u.Num == num))
                    {
                        if (prev == null) p.SemUndos = next; else prev.Next = next;
                        Runtime.Allocator.Free(u);
                    }
                    else prev = u;
                    u = next;
                }
            }
        }

        private static int Waiting(SemSet s, int num, bool forZero)
        {
            // Waiters are not told apart per semaphore here: count every sleeper as waiting for any.
            int n = 0;
            for (Thread t = s.Waiters.Head; t != null; t = t.WaitNext) n++;
            return forZero ? (s.Values[num] == 0 ? 0 : n) : n;
        }

        public static long Semctl(SyscallFrame* f)
        {
            int id = (int)f->A0, num = (int)f->A1, cmd = (int)f->A2 & 0xFF;
            ulong arg = f->A3;
            if (cmd == Ipc.IPC_INFO || cmd == SEM_INFO)
            {
                int* info = stackalloc int[10];
                info[0] = 32000; info[1] = 1024000000; info[2] = 1024000000; info[3] = Ipc.MaxObjects;
                info[4] = SEMMSL; info[5] = SEMOPM; info[6] = SEMVMX; info[7] = 32; info[8] = SEMVMX; info[9] = 32767;
                int used = 0, highest = 0;
                for (int k = 0; k < s_table.Length; k++) if (s_table[k] != null) { used++; highest = k; }
                if (cmd == SEM_INFO) info[7] = used;
                if (UserMemory.CopyTo(arg, info, 40) != 0) return -Errno.EFAULT;
                return highest;
            }
            SemSet s;
            if (cmd == SEM_STAT || cmd == SEM_STAT_ANY) s = id >= 0 && id < s_table.Length ? s_table[id] as SemSet : null;
            else s = Ipc.Get(s_table, id) as SemSet;
            if (s == null) return -Errno.EINVAL;
            long perm = Ipc.CtlCheck(s, cmd, cmd == Ipc.IPC_STAT || cmd == SEM_STAT || cmd == GETVAL || cmd == GETALL || cmd == GETPID || cmd == GETNCNT || cmd == GETZCNT,
                                     cmd == SETVAL || cmd == SETALL);
            if (perm < 0) return perm;
            switch (cmd)
            {
                case Ipc.IPC_RMID:
                    ClearUndos(s.Id, -1);
                    Ipc.Remove(s_table, s);
                    // Woken sleepers still look at the set (to see Removed): then it is left to the heap's mercy.
                    if (s.Waiters.IsEmpty) Free(s); else s.Waiters.WakeAll();
                    return 0;
                case Ipc.IPC_STAT:
                case SEM_STAT:
                case SEM_STAT_ANY:
                {
                    byte* ds = stackalloc byte[104];
                    Mem.Zero(ds, 104);
                    Ipc.WritePerm(ds, s);
                    *(long*)(ds + 48) = s.Otime; *(long*)(ds + 64) = s.Ctime; *(ulong*)(ds + 80) = (ulong)s.Count;
                    if (UserMemory.CopyTo(arg, ds, 104) != 0) return -Errno.EFAULT;
                    return cmd == Ipc.IPC_STAT ? 0 : s.Id;
                }
                case Ipc.IPC_SET:
                {
                    byte* ds = stackalloc byte[104];
                    if (UserMemory.CopyFrom(ds, arg, 104) != 0) return -Errno.EFAULT;
                    Ipc.ReadPerm(ds, s);
                    return 0;
                }
                case GETVAL: return num < 0 || num >= s.Count ? -Errno.EINVAL : s.Values[num];
                case GETPID: return num < 0 || num >= s.Count ? -Errno.EINVAL : s.Pids[num];
                case GETNCNT: return num < 0 || num >= s.Count ? -Errno.EINVAL : Waiting(s, num, false);
                case GETZCNT: return num < 0 || num >= s.Count ? -Errno.EINVAL : Waiting(s, num, true);
                case SETVAL:
                    if (num < 0 || num >= s.Count) return -Errno.EINVAL;
                    if ((int)arg < 0 || (int)arg > SEMVMX) return -Errno.ERANGE;
                    s.Values[num] = (ushort)(int)arg;
                    s.Pids[num] = Process.Current.Pid;
                    ClearUndos(s.Id, num);
                    s.Ctime = Ipc.Now();
                    s.Waiters.WakeAll();
                    return 0;
                case GETALL:
                    fixed (ushort* v = s.Values)
                        return UserMemory.CopyTo(arg, v, (ulong)s.Count * 2) != 0 ? -Errno.EFAULT : 0;
                case SETALL:
                {
                    var tmp = new ushort[s.Count];
                    long r = 0;
                    fixed (ushort* v = tmp)
                        if (UserMemory.CopyFrom(v, arg, (ulong)s.Count * 2) != 0) r = -Errno.EFAULT;
                    for (int i = 0; i < s.Count && r == 0; i++) if (tmp[i] > SEMVMX) r = -Errno.ERANGE;
                    if (r == 0)
                    {
                        for (int i = 0; i < s.Count; i++) { s.Values[i] = tmp[i]; s.Pids[i] = Process.Current.Pid; }
                        ClearUndos(s.Id, -1);
                        s.Ctime = Ipc.Now();
                        s.Waiters.WakeAll();
                    }
                    Runtime.Allocator.Free(tmp);
                    return r;
                }
            }
            return -Errno.EINVAL;
        }
    }

    // ---- message queues ----------------------------------------------------------------------------

    internal sealed unsafe class Message
    {
        public long Type;
        public byte* Text;
        public ulong Size;
        public Message Next;
    }

    internal sealed unsafe class MsgQueue : IpcObject
    {
        public Message Head, Tail;
        public ulong Bytes, Count, QBytes = 16384;
        public int Lspid, Lrpid;
        public long Stime, Rtime;
        public readonly WaitQueue Waiters = new WaitQueue();
    }

    internal static unsafe class SysMsg
    {
        private static readonly IpcObject[] s_table = new IpcObject[Ipc.MaxObjects];
        private static int s_seq;
        private const int MSG_NOERROR = 0x1000, MSG_EXCEPT = 0x2000, MSG_COPY = 0x4000;
        private const int MSG_STAT = 11, MSG_INFO = 12, MSG_STAT_ANY = 13;
        private const ulong MSGMAX = 8192;

        public static long Msgget(SyscallFrame* f)
        {
            int key = (int)f->A0, flags = (int)f->A1;
            long r = Ipc.Lookup(s_table, key, flags, out IpcObject found);
            if (r < 0) return r;
            if (found != null) return found.Id;
            var q = new MsgQueue();
            r = Ipc.Install(s_table, ref s_seq, q, key, flags);
            if (r < 0) { Runtime.Allocator.Free(q.Waiters); Runtime.Allocator.Free(q); }
            return r;
        }

        public static long Msgsnd(SyscallFrame* f)
        {
            int id = (int)f->A0, flags = (int)f->A3;
            ulong msgp = f->A1, size = f->A2;
            if (size > MSGMAX) return -Errno.EINVAL;
            if (UserMemory.Read(msgp, out long type) != 0) return -Errno.EFAULT;
            if (type <= 0) return -Errno.EINVAL;
            byte* text = (byte*)Mm.KernelHeap.Alloc(size == 0 ? 1 : size);
            if (text == null) return -Errno.ENOMEM;
            if (UserMemory.CopyFrom(text, msgp + 8, size) != 0) { Mm.KernelHeap.Free(text); return -Errno.EFAULT; }
            while (true)
            {
                var q = Ipc.Get(s_table, id) as MsgQueue;
                if (q == null) { Mm.KernelHeap.Free(text); return -Errno.EIDRM; }
                long perm = Ipc.May(q, Ipc.Write);
                if (perm < 0) { Mm.KernelHeap.Free(text); return perm; }
                if (q.Bytes + size <= q.QBytes)
                {
                    var m = new Message { Type = type, Text = text, Size = size };
                    if (q.Tail == null) q.Head = m; else q.Tail.Next = m;
                    q.Tail = m;
                    q.Bytes += size; q.Count++;
                    q.Lspid = Process.Current.Pid; q.Stime = Ipc.Now();
                    q.Waiters.WakeAll();
                    return 0;
                }
                if ((flags & Ipc.IPC_NOWAIT) != 0) { Mm.KernelHeap.Free(text); return -Errno.EAGAIN; }
                int w = Scheduler.Sleep(q.Waiters, 0);
                if (q.Removed) { Mm.KernelHeap.Free(text); return -Errno.EIDRM; }
                if (w == Scheduler.Interrupted) { Mm.KernelHeap.Free(text); return -Errno.EINTR; }
            }
        }

        private static Message Pick(MsgQueue q, long type, int flags, out Message prev)
        {
            prev = null;
            Message best = null, bestPrev = null;
            for (Message p = null, m = q.Head; m != null; p = m, m = m.Next)
            {
                bool match = type == 0 || (type > 0 ? ((flags & MSG_EXCEPT) != 0 ? m.Type != type : m.Type == type) : m.Type <= -type);
                if (!match) continue;
                if (type >= 0) { prev = p; return m; }
                if (best == null || m.Type < best.Type) { best = m; bestPrev = p; }   // lowest type first
            }
            prev = bestPrev;
            return best;
        }

        public static long Msgrcv(SyscallFrame* f)
        {
            int id = (int)f->A0, flags = (int)f->A4;
            ulong msgp = f->A1, size = f->A2;
            long type = (long)f->A3;
            if ((long)size < 0) return -Errno.EINVAL;
            if ((flags & MSG_COPY) != 0) return -Errno.ENOSYS;
            while (true)
            {
                var q = Ipc.Get(s_table, id) as MsgQueue;
                if (q == null) return -Errno.EIDRM;
                long perm = Ipc.May(q, Ipc.Read);
                if (perm < 0) return perm;
                Message m = Pick(q, type, flags, out Message prev);
                if (m != null)
                {
                    if (m.Size > size && (flags & MSG_NOERROR) == 0) return -Errno.E2BIG;
                    ulong n = m.Size < size ? m.Size : size;
                    if (UserMemory.Write(msgp, m.Type) != 0 || UserMemory.CopyTo(msgp + 8, m.Text, n) != 0) return -Errno.EFAULT;
                    if (prev == null) q.Head = m.Next; else prev.Next = m.Next;
                    if (q.Tail == m) q.Tail = prev;
                    q.Bytes -= m.Size; q.Count--;
                    q.Lrpid = Process.Current.Pid; q.Rtime = Ipc.Now();
                    Mm.KernelHeap.Free(m.Text);
                    Runtime.Allocator.Free(m);
                    q.Waiters.WakeAll();
                    return (long)n;
                }
                if ((flags & Ipc.IPC_NOWAIT) != 0) return -Errno.ENOMSG;
                int w = Scheduler.Sleep(q.Waiters, 0);
                if (q.Removed) return -Errno.EIDRM;
                if (w == Scheduler.Interrupted) return -Errno.EINTR;
            }
        }

        private static void Free(MsgQueue q)
        {
            while (q.Head != null) { Message m = q.Head; q.Head = m.Next; Mm.KernelHeap.Free(m.Text); Runtime.Allocator.Free(m); }
            Runtime.Allocator.Free(q.Waiters);
            Runtime.Allocator.Free(q);
        }

        public static long Msgctl(SyscallFrame* f)
        {
            int id = (int)f->A0, cmd = (int)f->A1 & 0xFF;
            ulong buf = f->A2;
            if (cmd == Ipc.IPC_INFO || cmd == MSG_INFO)
            {
                int* info = stackalloc int[8];
                info[0] = 0; info[1] = (int)MSGMAX; info[2] = 16384; info[3] = Ipc.MaxObjects; info[4] = 0; info[5] = 0; info[6] = 0; info[7] = 16;
                int used = 0, highest = 0;
                for (int k = 0; k < s_table.Length; k++) if (s_table[k] != null) { used++; highest = k; }
                if (cmd == MSG_INFO) info[0] = used;
                if (UserMemory.CopyTo(buf, info, 32) != 0) return -Errno.EFAULT;
                return highest;
            }
            MsgQueue q;
            if (cmd == MSG_STAT || cmd == MSG_STAT_ANY) q = id >= 0 && id < s_table.Length ? s_table[id] as MsgQueue : null;
            else q = Ipc.Get(s_table, id) as MsgQueue;
            if (q == null) return -Errno.EINVAL;
            long perm = Ipc.CtlCheck(q, cmd, cmd == Ipc.IPC_STAT || cmd == MSG_STAT, false);
            if (perm < 0) return perm;
            switch (cmd)
            {
                case Ipc.IPC_RMID:
                    Ipc.Remove(s_table, q);
                    if (q.Waiters.IsEmpty) Free(q); else q.Waiters.WakeAll();   // woken sleepers still look at it
                    return 0;
                case Ipc.IPC_STAT:
                case MSG_STAT:
                case MSG_STAT_ANY:
                {
                    byte* ds = stackalloc byte[120];
                    Mem.Zero(ds, 120);
                    Ipc.WritePerm(ds, q);
                    *(long*)(ds + 48) = q.Stime; *(long*)(ds + 56) = q.Rtime; *(long*)(ds + 64) = q.Ctime;
                    *(ulong*)(ds + 72) = q.Bytes; *(ulong*)(ds + 80) = q.Count; *(ulong*)(ds + 88) = q.QBytes;
                    *(int*)(ds + 96) = q.Lspid; *(int*)(ds + 100) = q.Lrpid;
                    if (UserMemory.CopyTo(buf, ds, 120) != 0) return -Errno.EFAULT;
                    return cmd == Ipc.IPC_STAT ? 0 : q.Id;
                }
                case Ipc.IPC_SET:
                {
                    byte* ds = stackalloc byte[120];
                    if (UserMemory.CopyFrom(ds, buf, 120) != 0) return -Errno.EFAULT;
                    Ipc.ReadPerm(ds, q);
                    ulong qbytes = *(ulong*)(ds + 88);
                    if (qbytes != 0) q.QBytes = qbytes;
                    q.Waiters.WakeAll();
                    return 0;
                }
            }
            return -Errno.EINVAL;
        }
    }
}
