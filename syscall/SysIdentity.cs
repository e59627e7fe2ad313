// Process groups, sessions, credentials (user and group ids, supplementary groups, capabilities;
// kept in kernel/core/Credentials.cs), scheduling parameters, resource usage and other calls whose
// whole truth on one CPU is small.
using Kernel.Drivers;
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysIdentity
    {
        private static Process Target(int pid) => pid == 0 ? Process.Current : Process.Find(pid);

        public static long Getpgrp(SyscallFrame* f) => Process.Current.Pgid;

        public static long Getpgid(SyscallFrame* f)
        {
            Process p = Target((int)f->A0);
            return p == null ? -Errno.ESRCH : p.Pgid;
        }

        public static long Getsid(SyscallFrame* f)
        {
            Process p = Target((int)f->A0);
            return p == null ? -Errno.ESRCH : p.Sid;
        }

        /// <summary>setpgid: the caller or one of its children joins or founds a group in the caller's session.</summary>
        public static long Setpgid(SyscallFrame* f)
        {
            int pid = (int)f->A0, pgid = (int)f->A1;
            Process self = Process.Current;
            if (pid == 0) pid = self.Pid;
            if (pgid == 0) pgid = pid;
            if (pgid < 0) return -Errno.EINVAL;                         // a negative pid too, through pgid = pid
            Process p = Target(pid);
            if (p == null || (p != self && p.Parent != self)) return -Errno.ESRCH;
            if (p != self && p.Sid != self.Sid) return -Errno.EPERM;
            if (p != self && !p.ForkNoExec) return -Errno.EACCES;       // a child that has exec'd is no longer ours to move
            if (p.Pid == p.Sid) return -Errno.EPERM;                    // a session leader stays in its group
            if (pgid != p.Pid)
            {
                bool exists = false;
                for (Process q = Process.First; q != null; q = q.AllNext) if (!q.Zombie && q.Pgid == pgid && q.Sid == self.Sid) { exists = true; break; }
                if (!exists) return -Errno.EPERM;
            }
            p.Pgid = pgid;
            return 0;
        }

        public static long Setsid(SyscallFrame* f)
        {
            Process self = Process.Current;
            for (Process q = Process.First; q != null; q = q.AllNext) if (!q.Zombie && q.Pgid == self.Pid) return -Errno.EPERM;   // already a group leader
            self.Sid = self.Pgid = self.Pid;
            self.HasCtty = false;                      // a new session has no controlling terminal
            self.CttyPty = null;
            return self.Sid;
        }

        // ---- user and group ids (kernel/sys.c's rules) ----------------------------------------

        private const uint NoId = 0xFFFFFFFF;         // -1: "unchanged", and never a valid id

        public static long Getuid(SyscallFrame* f) => Credentials.Current.Uid;
        public static long Geteuid(SyscallFrame* f) => Credentials.Current.Euid;
        public static long Getgid(SyscallFrame* f) => Credentials.Current.Gid;
        public static long Getegid(SyscallFrame* f) => Credentials.Current.Egid;

        private static long WriteThree(ulong a, ulong b, ulong c, uint x, uint y, uint z)
        {
            if (UserMemory.Write(a, x) != 0 || UserMemory.Write(b, y) != 0 || UserMemory.Write(c, z) != 0) return -Errno.EFAULT;
            return 0;
        }

        public static long Getresuid(SyscallFrame* f) { Credentials c = Credentials.Current; return WriteThree(f->A0, f->A1, f->A2, c.Uid, c.Euid, c.Suid); }
        public static long Getresgid(SyscallFrame* f) { Credentials c = Credentials.Current; return WriteThree(f->A0, f->A1, f->A2, c.Gid, c.Egid, c.Sgid); }

        /// <summary>setuid: with CAP_SETUID every uid becomes the new one; without, the effective (and fs) uid may become the real or saved one.</summary>
        public static long Setuid(SyscallFrame* f)
        {
            uint uid = (uint)f->A0;
            if (uid == NoId) return -Errno.EINVAL;
            Credentials old = Credentials.Current;
            Credentials n = old.Copy();
            if (old.Capable(Cap.SETUID)) n.Uid = n.Suid = uid;
            else if (uid != old.Uid && uid != old.Suid) return -Errno.EPERM;
            n.Euid = n.Fsuid = uid;
            n.FixupSetuid(old);
            Credentials.Commit(n);
            return 0;
        }

        public static long Setgid(SyscallFrame* f)
        {
            uint gid = (uint)f->A0;
            if (gid == NoId) return -Errno.EINVAL;
            Credentials old = Credentials.Current;
            Credentials n = old.Copy();
            if (old.Capable(Cap.SETGID)) n.Gid = n.Sgid = gid;
            else if (gid != old.Gid && gid != old.Sgid) return -Errno.EPERM;
            n.Egid = n.Fsgid = gid;
            Credentials.Commit(n);
            return 0;
        }

        /// <summary>setreuid: the real uid may become the effective one, the effective any of the three; the saved uid follows a new effective one.</summary>
        public static long Setreuid(SyscallFrame* f)
        {
            uint r = (uint)f->A0, e = (uint)f->A1;
            Credentials old = Credentials.Current;
            bool cap = old.Capable(Cap.SETUID);
            Credentials n = old.Copy();
            if (r != NoId)
            {
                if (r != old.Uid && r != old.Euid && !cap) return -Errno.EPERM;
                n.Uid = r;
            }
            if (e != NoId)
            {
                if (e != old.Uid && e != old.Euid && e != old.Suid && !cap) return -Errno.EPERM;
                n.Euid = e;
            }
            if (r != NoId || (e != NoId && e != old.Uid)) n.Suid = n.Euid;
            n.Fsuid = n.Euid;
            n.FixupSetuid(old);
            Credentials.Commit(n);
            return 0;
        }

        public static long Setregid(SyscallFrame* f)
        {
            uint r = (uint)f->A0, e = (uint)f->A1;
            Credentials old = Credentials.Current;
            bool cap = old.Capable(Cap.SETGID);
            Credentials n = old.Copy();
            if (r != NoId)
            {
                if (r != old.Gid && r != old.Egid && !cap) return -Errno.EPERM;
                n.Gid = r;
            }
            if (e != NoId)
            {
                if (e != old.Gid && e != old.Egid && e != old.Sgid && !cap) return -Errno.EPERM;
                n.Egid = e;
            }
            if (r != NoId || (e != NoId && e != old.Gid)) n.Sgid = n.Egid;
            n.Fsgid = n.Egid;
            Credentials.Commit(n);
            return 0;
        }

        private static bool OneOf(uint id, uint a, uint b, uint c) => id == NoId || id == a || id == b || id == c;

        /// <summary>setresuid: without CAP_SETUID each new id must be one of the current three.</summary>
        public static long Setresuid(SyscallFrame* f)
        {
            uint r = (uint)f->A0, e = (uint)f->A1, s = (uint)f->A2;
            Credentials old = Credentials.Current;
            if ((r == NoId || r == old.Uid) && (e == NoId || (e == old.Euid && e == old.Fsuid)) && (s == NoId || s == old.Suid)) return 0;
            if ((!OneOf(r, old.Uid, old.Euid, old.Suid) || !OneOf(e, old.Uid, old.Euid, old.Suid) || !OneOf(s, old.Uid, old.Euid, old.Suid)) &&
                !old.Capable(Cap.SETUID)) return -Errno.EPERM;
            Credentials n = old.Copy();
            if (r != NoId) n.Uid = r;
            if (e != NoId) n.Euid = e;
            if (s != NoId) n.Suid = s;
            n.Fsuid = n.Euid;
            n.FixupSetuid(old);
            Credentials.Commit(n);
            return 0;
        }

        public static long Setresgid(SyscallFrame* f)
        {
            uint r = (uint)f->A0, e = (uint)f->A1, s = (uint)f->A2;
            Credentials old = Credentials.Current;
            if ((r == NoId || r == old.Gid) && (e == NoId || (e == old.Egid && e == old.Fsgid)) && (s == NoId || s == old.Sgid)) return 0;
            if ((!OneOf(r, old.Gid, old.Egid, old.Sgid) || !OneOf(e, old.Gid, old.Egid, old.Sgid) || !OneOf(s, old.Gid, old.Egid, old.Sgid)) &&
                !old.Capable(Cap.SETGID)) return -Errno.EPERM;
            Credentials n = old.Copy();
            if (r != NoId) n.Gid = r;
            if (e != NoId) n.Egid = e;
            if (s != NoId) n.Sgid = s;
            n.Fsgid = n.Egid;
            Credentials.Commit(n);
            return 0;
        }

        /// <summary>setfsuid: returns the old fsuid whether or not it changed (one of the other three, or CAP_SETUID, may set it).</summary>
        public static long Setfsuid(SyscallFrame* f)
        {
            uint id = (uint)f->A0;
            Credentials old = Credentials.Current;
            uint was = old.Fsuid;
            if (id == NoId || id == was) return was;
            if (id != old.Uid && id != old.Euid && id != old.Suid && !old.Capable(Cap.SETUID)) return was;
            Credentials n = old.Copy();
            n.Fsuid = id;
            n.FixupSetfsuid(was);
            Credentials.Commit(n);
            return was;
        }

        public static long Setfsgid(SyscallFrame* f)
        {
            uint id = (uint)f->A0;
            Credentials old = Credentials.Current;
            uint was = old.Fsgid;
            if (id == NoId || id == was) return was;
            if (id != old.Gid && id != old.Egid && id != old.Sgid && !old.Capable(Cap.SETGID)) return was;
            Credentials n = old.Copy();
            n.Fsgid = id;
            Credentials.Commit(n);
            return was;
        }

        public static long Getgroups(SyscallFrame* f)
        {
            int size = (int)f->A0;
            if (size < 0) return -Errno.EINVAL;
            uint[] g = Credentials.Current.Groups;
            if (size == 0) return g.Length;
            if (g.Length > size) return -Errno.EINVAL;
            for (int i = 0; i < g.Length; i++)
                if (UserMemory.Write(f->A1 + (ulong)i * 4, g[i]) != 0) return -Errno.EFAULT;
            return g.Length;
        }

        /// <summary>setgroups: CAP_SETGID; the list is kept sorted (getgroups returns it so, as Linux's).</summary>
        public static long Setgroups(SyscallFrame* f)
        {
            int size = (int)f->A0;
            Credentials old = Credentials.Current;
            if (!old.Capable(Cap.SETGID)) return -Errno.EPERM;
            if ((uint)size > Credentials.NgroupsMax) return -Errno.EINVAL;
            uint[] g = size == 0 ? Credentials.NoGroups : (uint[])Runtime.Allocator.TryNewArrayLike(Credentials.NoGroups, size);
            if (g == null) return -Errno.ENOMEM;
            for (int i = 0; i < size; i++)
                if (UserMemory.Read(f->A1 + (ulong)i * 4, out g[i]) != 0) { Runtime.Allocator.Free(g); return -Errno.EFAULT; }
            HeapSort(g);
            Credentials n = old.Copy();
            n.Groups = g;
            Credentials.Commit(n);
            return 0;
        }

        private static void HeapSort(uint[] a)
        {
            int n = a.Length;
            for (int i = n / 2 - 1; i >= 0; i--) SiftDown(a, i, n);
            for (int end = n - 1; end > 0; end--)
            {
                uint t = a[0]; a[0] = a[end]; a[end] = t;
                SiftDown(a, 0, end);
            }
        }

        private static void SiftDown(uint[] a, int i, int n)
        {
            while (true)
            {
                int c = 2 * i + 1;
                if (c >= n) return;
                if (c + 1 < n && a[c + 1] > a[c]) c++;
                if (a[i] >= a[c]) return;
                uint t = a[i]; a[i] = a[c]; a[c] = t;
                i = c;
            }
        }

        public struct Rusage
        {
            public long UtimeSec, UtimeUsec, StimeSec, StimeUsec;
            public fixed long Rest[14];

            public void SetTimes(ulong userNs, ulong systemNs)
            {
                UtimeSec = (long)(userNs / 1_000_000_000); UtimeUsec = (long)(userNs % 1_000_000_000 / 1000);
                StimeSec = (long)(systemNs / 1_000_000_000); StimeUsec = (long)(systemNs % 1_000_000_000 / 1000);
            }
        }

        public const int RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_THREAD = 1;

        public static long Getrusage(SyscallFrame* f)
        {
            int who = (int)f->A0;
            if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD) return -Errno.EINVAL;
            Rusage r = default;
            ulong u, s;
            if (who == RUSAGE_CHILDREN)
            {
                CpuTime.OfChildren(Process.Current, out u, out s);
                r.Rest[0] = (long)Process.Current.ChildMaxRssKb;           // ru_maxrss of the waited-for children
                r.Rest[4] = (long)Process.Current.ChildMinorFaults;
            }
            else
            {
                if (who == RUSAGE_THREAD) CpuTime.OfThread(Thread.Current, out u, out s);
                else CpuTime.OfProcess(Process.Current, out u, out s);
                r.Rest[0] = (long)Process.Current.MaxRssNowKb();          // ru_maxrss (kB): the peak, as Linux
                r.Rest[4] = (long)Process.Current.MinorFaults;              // ru_minflt
            }
            r.SetTimes(u, s);
            return UserMemory.Write(f->A1, r);
        }

        /// <summary>What wait4 and waitid report for a reaped child: its own usage and that of the children it reaped.</summary>
        public static Rusage OfWaitedChild(Process c)
        {
            Rusage r = default;
            CpuTime.OfProcess(c, out ulong u, out ulong s);
            CpuTime.OfChildren(c, out ulong cu, out ulong cs);
            r.SetTimes(u + cu, s + cs);
            r.Rest[4] = (long)(c.MinorFaults + c.ChildMinorFaults);
            r.Rest[0] = (long)(c.MaxRssKb > c.ChildMaxRssKb ? c.MaxRssKb : c.ChildMaxRssKb);
            return r;
        }

        // The sched_* calls live in SysSched.cs; sched_setaffinity and the priority checks they share are here.
        /// <summary>The thread a sched_* call names (0: the caller): 0 if it exists, else -EINVAL or -ESRCH.</summary>
        private static long SchedTarget(int tid) =>
            tid < 0 ? -Errno.EINVAL : tid == 0 || Process.FindThreadAnywhere(tid) != null ? 0 : -Errno.ESRCH;

        /// <summary>As SchedTarget for a call that changes the thread: another user's needs CAP_SYS_NICE (EPERM).</summary>
        private static long SchedChange(int tid, out Process target)
        {
            target = Process.Current;
            long r = SchedTarget(tid);
            if (r < 0 || tid == 0) return r;
            Thread t = Process.FindThreadAnywhere(tid);
            target = t.Process;
            return t.Cred == null || MayReschedule(t.Cred) ? 0 : -Errno.EPERM;
        }

        // I/O priorities: recorded and reported; with memory-backed files there is no I/O to order.
        private const int IOPRIO_WHO_PROCESS = 1, IOPRIO_WHO_PGRP = 2, IOPRIO_WHO_USER = 3;

        public static long IoprioGet(SyscallFrame* f)
        {
            int which = (int)f->A0, who = (int)f->A1;
            if (which < IOPRIO_WHO_PROCESS || which > IOPRIO_WHO_USER) return -Errno.EINVAL;
            int found = -1;
            for (Process p = Process.First; p != null; p = p.AllNext)
                if (Names(p, which - 1, who) && p.IoPriority > found) found = p.IoPriority;
            return found < 0 ? -Errno.ESRCH : found;
        }

        public static long IoprioSet(SyscallFrame* f)
        {
            int which = (int)f->A0, who = (int)f->A1, prio = (int)f->A2;
            if (which < IOPRIO_WHO_PROCESS || which > IOPRIO_WHO_USER) return -Errno.EINVAL;
            int cls = prio >> 13, data = prio & 0x1FFF;
            if (cls < 0 || cls > 3 || (cls != 0 && cls != 3 && data > 7) || (cls == 3 && data != 0 && data != 7 && data > 7)) return -Errno.EINVAL;
            bool found = false;
            for (Process p = Process.First; p != null; p = p.AllNext)
                if (Names(p, which - 1, who)) { p.IoPriority = prio; found = true; }
            return found ? 0 : -Errno.ESRCH;
        }

        public static long SchedSetaffinity(SyscallFrame* f)
        {
            ulong mask = 0;
            if (f->A1 > 0 && UserMemory.CopyFrom(&mask, f->A2, f->A1 < 8 ? f->A1 : 8) != 0) return -Errno.EFAULT;
            long r = SchedChange((int)f->A0, out _);
            if (r < 0) return r;
            return (mask & 1) != 0 ? 0 : -Errno.EINVAL;                       // CPU 0 must be in the set
        }

        private const int PRIO_PROCESS = 0, PRIO_PGRP = 1, PRIO_USER = 2;

        // The processes getpriority/setpriority name: (PRIO_PROCESS, pid), (PRIO_PGRP, pgid), (PRIO_USER, real uid).
        private static bool Names(Process p, int which, int who) =>
            !p.Zombie && p != Process.Kernel &&
            (which == PRIO_PROCESS ? p.Pid == (who == 0 ? Process.Current.Pid : who) :
             which == PRIO_PGRP ? p.Pgid == (who == 0 ? Process.Current.Pgid : who) :
             Credentials.Of(p).Uid == (who == 0 ? Credentials.Current.Uid : (uint)who));

        /// <summary>check_same_owner: the caller's effective uid is the target's effective or real one, or CAP_SYS_NICE.</summary>
        internal static bool MayReschedule(Credentials target)
        {
            Credentials c = Credentials.Current;
            return c.Euid == target.Euid || c.Euid == target.Uid || c.Capable(Cap.SYS_NICE);
        }

        /// <summary>can_nice: a lower nice value needs RLIMIT_NICE (20 - nice at most) or CAP_SYS_NICE.</summary>
        internal static bool MayLowerNice(Process p, int nice) =>
            (ulong)(20 - nice) <= p.Limits[SysProcess.RLIMIT_NICE].Cur || Credentials.Current.Capable(Cap.SYS_NICE);

        public static long Getpriority(SyscallFrame* f)
        {
            int which = (int)f->A0, who = (int)f->A1;
            if (which < PRIO_PROCESS || which > PRIO_USER) return -Errno.EINVAL;
            int best = int.MaxValue;
            for (Process p = Process.First; p != null; p = p.AllNext) if (Names(p, which, who) && p.Nice < best) best = p.Nice;
            return best == int.MaxValue ? -Errno.ESRCH : 20 - best;          // the raw syscall returns 20 - nice
        }

        public static long Setpriority(SyscallFrame* f)
        {
            int which = (int)f->A0, who = (int)f->A1, n = (int)f->A2;
            if (which < PRIO_PROCESS || which > PRIO_USER) return -Errno.EINVAL;
            n = n < -20 ? -20 : n > 19 ? 19 : n;
            // As Linux's set_one_prio: every named process is tried; the last refusal is the answer.
            long error = -Errno.ESRCH;
            Credentials c = Credentials.Current;
            for (Process p = Process.First; p != null; p = p.AllNext)
            {
                if (!Names(p, which, who)) continue;
                Credentials t = Credentials.Of(p);
                if (t.Uid != c.Euid && t.Euid != c.Euid && !c.Capable(Cap.SYS_NICE)) { error = -Errno.EPERM; continue; }
                if (n < p.Nice && !MayLowerNice(p, n)) { error = -Errno.EACCES; continue; }
                if (error == -Errno.ESRCH) error = 0;
                p.Nice = n;
            }
            return error;
        }

        // Memory is never swapped: locking always holds (the range must be mapped, as on Linux);
        // mincore says every mapped page is resident.
        private const int MLOCK_ONFAULT = 1, MCL_CURRENT = 1, MCL_FUTURE = 2, MCL_ONFAULT = 4;

        private static long LockRange(ulong addr, ulong len)
        {
            // As do_mlock: the length grows by the start's offset in its page and rounds up; a range
            // that wraps is EINVAL, an empty one does nothing, a hole is ENOMEM.
            ulong start = addr & ~4095UL, size = AddressSpace.PageUp(len + (addr & 4095UL));
            if (start + size < start) return -Errno.EINVAL;
            if (size == 0) return 0;
            return AddressSpace.IsMapped(start, size) ? 0 : -Errno.ENOMEM;
        }

        public static long Mlock(SyscallFrame* f) => LockRange(f->A0, f->A1);
        public static long Munlock(SyscallFrame* f) => LockRange(f->A0, f->A1);
        public static long Mlock2(SyscallFrame* f) => (f->A2 & ~(ulong)MLOCK_ONFAULT) != 0 ? -Errno.EINVAL : LockRange(f->A0, f->A1);

        public static long Mlockall(SyscallFrame* f)
        {
            int flags = (int)f->A0;
            if (flags == 0 || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) != 0 || flags == MCL_ONFAULT) return -Errno.EINVAL;
            return 0;
        }

        public static long Munlockall(SyscallFrame* f) => 0;

        public static long Mincore(SyscallFrame* f)
        {
            ulong addr = f->A0, len = f->A1;
            if ((addr & 4095) != 0) return -Errno.EINVAL;
            ulong pages = AddressSpace.PageUp(len) / 4096;
            for (ulong i = 0; i < pages; i++)
            {
                ulong va = addr + i * 4096;
                if (AddressSpace.Find(va) < 0) return -Errno.ENOMEM;
                byte resident = (byte)(PageTable.Lookup(va, out _) != 0 ? 1 : 0);
                if (UserMemory.CopyTo(f->A2 + i, &resident, 1) != 0) return -Errno.EFAULT;
            }
            return 0;
        }

        // membarrier commands (<linux/membarrier.h>): each expedited barrier has a REGISTER_ twin at twice its value.
        private const int MEMBARRIER_CMD_QUERY = 0, MEMBARRIER_CMD_GLOBAL = 1, MEMBARRIER_CMD_GLOBAL_EXPEDITED = 2,
            MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 4, MEMBARRIER_CMD_PRIVATE_EXPEDITED = 8,
            MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE = 32, MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ = 128,
            MEMBARRIER_CMD_GET_REGISTRATIONS = 512, MEMBARRIER_CMD_FLAG_CPU = 1;
        private const int MembarrierRegisters = 4 | 16 | 64 | 256;

        /// <summary>
        /// membarrier: with one CPU every barrier already holds, so the commands only keep Linux's
        /// rules: unknown commands and flags are EINVAL, a private expedited barrier needs its
        /// registration first (EPERM), and QUERY / GET_REGISTRATIONS report what exists and what is registered.
        /// </summary>
        public static long Membarrier(SyscallFrame* f)
        {
            int cmd = (int)f->A0;
            uint flags = (uint)f->A1;
            if (cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ ? (flags & ~(uint)MEMBARRIER_CMD_FLAG_CPU) != 0 : flags != 0) return -Errno.EINVAL;
            MemoryMap mm = MemoryMap.Current;
            switch (cmd)
            {
                case MEMBARRIER_CMD_QUERY: return 0x3FF;                  // every command up to GET_REGISTRATIONS
                case MEMBARRIER_CMD_GET_REGISTRATIONS: return mm.MembarrierRegistered;
                case MEMBARRIER_CMD_GLOBAL:
                case MEMBARRIER_CMD_GLOBAL_EXPEDITED: return 0;
                case MEMBARRIER_CMD_PRIVATE_EXPEDITED:
                case MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE:
                case MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ:
                    return (mm.MembarrierRegistered & (cmd << 1)) != 0 ? 0 : -Errno.EPERM;
            }
            if ((cmd & MembarrierRegisters) == 0 || (cmd & (cmd - 1)) != 0) return -Errno.EINVAL;
            mm.MembarrierRegistered |= cmd;
            return 0;
        }

        public static long Sync(SyscallFrame* f) { AddressSpace.SyncAll(); return 0; }
        public static long Syncfs(SyscallFrame* f) => Fs.FdTable.GetOpen((int)f->A0) == null ? -Errno.EBADF : Sync(f);

        /// <summary>personality: records the persona (0xffffffff only asks) and returns the previous one; only PER_LINUX behaviour exists.</summary>
        public static long Personality(SyscallFrame* f)
        {
            Process p = Process.Current;
            uint old = p.Personality;
            if ((uint)f->A0 != 0xFFFFFFFF) p.Personality = (uint)f->A0;
            return old;
        }

        public static long Getcpu(SyscallFrame* f)
        {
            uint zero = 0;
            if (f->A0 != 0 && UserMemory.Write(f->A0, zero) != 0) return -Errno.EFAULT;
            if (f->A1 != 0 && UserMemory.Write(f->A1, zero) != 0) return -Errno.EFAULT;
            return 0;
        }

        // ---- capabilities (kernel/capability.c, security/commoncap.c) ---------------------------

        private struct CapData { public uint Effective, Permitted, Inheritable; }
        private const uint CapV1 = 0x19980330, CapV2 = 0x20071026, CapV3 = 0x20080522;

        /// <summary>cap_validate_magic: the number of 32-bit words the header's version carries; else the kernel's version is written back and EINVAL.</summary>
        private static long CapWords(ulong header)
        {
            if (UserMemory.Read(header, out uint version) != 0) return -Errno.EFAULT;
            if (version == CapV1) return 1;
            if (version == CapV2 || version == CapV3) return 2;
            return UserMemory.Write(header, CapV3) != 0 ? -Errno.EFAULT : -Errno.EINVAL;
        }

        public static long Capget(SyscallFrame* f)
        {
            long words = CapWords(f->A0);
            if (f->A1 == 0 || words < 0) return f->A1 == 0 && words == -Errno.EINVAL ? 0 : words < 0 ? words : 0;
            if (UserMemory.Read(f->A0 + 4, out int pid) != 0) return -Errno.EFAULT;
            if (pid < 0) return -Errno.EINVAL;
            Credentials c = Credentials.Current;
            if (pid != 0 && pid != Thread.Current.Tid)
            {
                Thread t = Process.FindThreadAnywhere(pid);
                if (t == null || t.Process.Zombie) return -Errno.ESRCH;
                c = t.Cred;
            }
            for (int i = 0; i < words; i++)
            {
                var d = new CapData { Effective = (uint)(c.CapEff >> (32 * i)), Permitted = (uint)(c.CapPrm >> (32 * i)), Inheritable = (uint)(c.CapInh >> (32 * i)) };
                if (UserMemory.Write(f->A1 + (ulong)(i * 12), d) != 0) return -Errno.EFAULT;
            }
            return 0;
        }

        /// <summary>capset: only the caller's own; permitted may only shrink, effective stay within it, inheritable within inheritable|permitted (without CAP_SETPCAP) and the bounding set.</summary>
        public static long Capset(SyscallFrame* f)
        {
            long words = CapWords(f->A0);
            if (words < 0) return words;
            if (UserMemory.Read(f->A0 + 4, out int pid) != 0) return -Errno.EFAULT;
            if (pid != 0 && pid != Thread.Current.Tid) return -Errno.EPERM;
            ulong eff = 0, prm = 0, inh = 0;
            for (int i = 0; i < words; i++)
            {
                if (UserMemory.Read(f->A1 + (ulong)(i * 12), out CapData d) != 0) return -Errno.EFAULT;
                eff |= (ulong)d.Effective << (32 * i); prm |= (ulong)d.Permitted << (32 * i); inh |= (ulong)d.Inheritable << (32 * i);
            }
            eff &= Cap.All; prm &= Cap.All; inh &= Cap.All;
            Credentials old = Credentials.Current;
            if (!old.Capable(Cap.SETPCAP) && (inh & ~(old.CapInh | old.CapPrm)) != 0) return -Errno.EPERM;
            if ((inh & ~(old.CapInh | old.CapBnd)) != 0) return -Errno.EPERM;
            if ((prm & ~old.CapPrm) != 0) return -Errno.EPERM;
            if ((eff & ~prm) != 0) return -Errno.EPERM;
            Credentials n = old.Copy();
            n.CapEff = eff; n.CapPrm = prm; n.CapInh = inh;
            n.CapAmb &= prm & inh;
            Credentials.Commit(n);
            return 0;
        }

        private const int PR_GET_KEEPCAPS = 7, PR_SET_KEEPCAPS = 8, PR_CAPBSET_READ = 23, PR_CAPBSET_DROP = 24,
            PR_GET_SECUREBITS = 27, PR_SET_SECUREBITS = 28, PR_CAP_AMBIENT = 47;
        private const ulong PR_CAP_AMBIENT_IS_SET = 1, PR_CAP_AMBIENT_RAISE = 2, PR_CAP_AMBIENT_LOWER = 3, PR_CAP_AMBIENT_CLEAR_ALL = 4;
        // Every securebit and its lock (NOROOT, NO_SETUID_FIXUP, KEEP_CAPS, NO_CAP_AMBIENT_RAISE, EXEC_RESTRICT_FILE, EXEC_DENY_INTERACTIVE).
        private const uint SecureAllBits = 0x555, SecureAllLocks = 0xAAA;

        /// <summary>The prctl options about capabilities and securebits.</summary>
        public static long CapPrctl(int option, ulong a2, ulong a3, ulong a4, ulong a5)
        {
            Credentials old = Credentials.Current;
            Credentials n;
            switch (option)
            {
                case PR_GET_KEEPCAPS:
                    return (old.Securebits & Credentials.SECBIT_KEEP_CAPS) != 0 ? 1 : 0;
                case PR_SET_KEEPCAPS:
                    if (a2 > 1) return -Errno.EINVAL;
                    if ((old.Securebits & Credentials.SECBIT_KEEP_CAPS_LOCKED) != 0) return -Errno.EPERM;
                    n = old.Copy();
                    if (a2 != 0) n.Securebits |= Credentials.SECBIT_KEEP_CAPS; else n.Securebits &= ~Credentials.SECBIT_KEEP_CAPS;
                    break;
                case PR_CAPBSET_READ:
                    return Cap.Valid(a2) ? (long)((old.CapBnd >> (int)a2) & 1) : -Errno.EINVAL;
                case PR_CAPBSET_DROP:
                    if (!old.Capable(Cap.SETPCAP)) return -Errno.EPERM;
                    if (!Cap.Valid(a2)) return -Errno.EINVAL;
                    n = old.Copy();
                    n.CapBnd &= ~(1UL << (int)a2);
                    break;
                case PR_GET_SECUREBITS:
                    return old.Securebits;
                case PR_SET_SECUREBITS:
                {
                    uint locks = old.Securebits & SecureAllLocks;
                    if (((locks >> 1) & (old.Securebits ^ (uint)a2)) != 0 || (locks & ~(uint)a2) != 0 ||
                        (a2 & ~(ulong)(SecureAllLocks | SecureAllBits)) != 0 || !old.Capable(Cap.SETPCAP)) return -Errno.EPERM;
                    n = old.Copy();
                    n.Securebits = (uint)a2;
                    break;
                }
                case PR_CAP_AMBIENT:
                    if (a2 == PR_CAP_AMBIENT_CLEAR_ALL)
                    {
                        if ((a3 | a4 | a5) != 0) return -Errno.EINVAL;
                        n = old.Copy();
                        n.CapAmb = 0;
                        break;
                    }
                    if (!Cap.Valid(a3) || (a4 | a5) != 0) return -Errno.EINVAL;
                    ulong bit = 1UL << (int)a3;
                    if (a2 == PR_CAP_AMBIENT_IS_SET) return (old.CapAmb & bit) != 0 ? 1 : 0;
                    if (a2 != PR_CAP_AMBIENT_RAISE && a2 != PR_CAP_AMBIENT_LOWER) return -Errno.EINVAL;
                    if (a2 == PR_CAP_AMBIENT_RAISE &&
                        ((old.CapPrm & bit) == 0 || (old.CapInh & bit) == 0 || (old.Securebits & Credentials.SECBIT_NO_CAP_AMBIENT_RAISE) != 0)) return -Errno.EPERM;
                    n = old.Copy();
                    if (a2 == PR_CAP_AMBIENT_RAISE) n.CapAmb |= bit; else n.CapAmb &= ~bit;
                    break;
                default:
                    return -Errno.EINVAL;
            }
            Credentials.Commit(n);
            return 0;
        }

        /// <summary>pause: sleeps until a signal is delivered.</summary>
        public static long Pause(SyscallFrame* f)
        {
            while (Scheduler.Sleep(null, 0) != Scheduler.Interrupted) { }
            return -Errno.EINTR;
        }
    }
}
