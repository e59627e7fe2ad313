// Process groups, sessions, credentials, scheduling parameters, resource usage and other calls
// whose whole truth, in a one-process unikernel running as root on one CPU, is small and fixed.
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
            if (pgid < 0) return -Errno.EINVAL;
            Process self = Process.Current;
            Process p = Target(pid);
            if (p == null || (p != self && p.Parent != self)) return -Errno.ESRCH;
            if (p.Sid != self.Sid) return -Errno.EPERM;
            if (p.Pid == p.Sid) return -Errno.EPERM;                    // a session leader stays in its group
            if (pgid == 0) pgid = p.Pid;
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

        // Root may become any user; we record nothing and stay root (everything runs as uid 0).
        public static long SetId(SyscallFrame* f) => 0;

        public static long Getresid(SyscallFrame* f)
        {
            uint zero = 0;
            if (UserMemory.Write(f->A0, zero) != 0 || UserMemory.Write(f->A1, zero) != 0 || UserMemory.Write(f->A2, zero) != 0) return -Errno.EFAULT;
            return 0;
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
                r.Rest[4] = (long)Process.Current.ChildMinorFaults;
            }
            else
            {
                if (who == RUSAGE_THREAD) CpuTime.OfThread(Thread.Current, out u, out s);
                else CpuTime.OfProcess(Process.Current, out u, out s);
                r.Rest[0] = (long)(AddressSpace.PagesMapped * 4);           // ru_maxrss (kB)
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
            return r;
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

        /// <summary>setfsuid/setfsgid: everything runs as root, so the previous value, 0, comes back and nothing changes.</summary>
        public static long SetFsId(SyscallFrame* f) => 0;

        public static long SchedSetaffinity(SyscallFrame* f)
        {
            if (UserMemory.Read(f->A2, out ulong mask) != 0) return -Errno.EFAULT;
            return (mask & 1) != 0 ? 0 : -Errno.EINVAL;                       // CPU 0 must be in the set
        }

        private const int PRIO_PROCESS = 0, PRIO_PGRP = 1, PRIO_USER = 2;

        // The processes getpriority/setpriority name: (PRIO_PROCESS, pid), (PRIO_PGRP, pgid), (PRIO_USER, uid: everyone is root).
        private static bool Names(Process p, int which, int who) =>
            !p.Zombie && p != Process.Kernel &&
            (which == PRIO_PROCESS ? p.Pid == (who == 0 ? Process.Current.Pid : who) :
             which == PRIO_PGRP ? p.Pgid == (who == 0 ? Process.Current.Pgid : who) : who == 0);

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
            bool found = false;
            for (Process p = Process.First; p != null; p = p.AllNext) if (Names(p, which, who)) { p.Nice = n; found = true; }
            return found ? 0 : -Errno.ESRCH;
        }

        // Memory is never swapped: locking always holds (the range must be mapped, as on Linux);
        // mincore says every mapped page is resident.
        private const int MLOCK_ONFAULT = 1, MCL_CURRENT = 1, MCL_FUTURE = 2, MCL_ONFAULT = 4;

        private static long LockRange(ulong addr, ulong len)
        {
            ulong start = addr & ~4095UL, end = addr + len;
            if (end < addr) return -Errno.ENOMEM;
            if (len == 0) return 0;
            return AddressSpace.IsMapped(start, AddressSpace.PageUp(end) - start) ? 0 : -Errno.ENOMEM;
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

        public static long Membarrier(SyscallFrame* f)
        {
            const int MEMBARRIER_CMD_QUERY = 0;
            int cmd = (int)f->A0;
            if (cmd == MEMBARRIER_CMD_QUERY) return 0x1 | 0x8 | 0x10 | 0x20 | 0x40;   // GLOBAL, PRIVATE_EXPEDITED (+REGISTER), SYNC_CORE variants
            return 0;                                                          // one CPU: every barrier already holds
        }

        public static long Sync(SyscallFrame* f) { AddressSpace.SyncAll(); return 0; }
        public static long Syncfs(SyscallFrame* f) => Fs.FdTable.Get((int)f->A0) == null ? -Errno.EBADF : Sync(f);

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

        private struct CapHeader { public uint Version; public int Pid; }
        private struct CapData { public uint Effective, Permitted, Inheritable; }

        // Root holds every capability.
        public static long Capget(SyscallFrame* f)
        {
            if (UserMemory.Read(f->A0, out CapHeader h) != 0) return -Errno.EFAULT;
            if (h.Version != 0x20080522 && h.Version != 0x20071026 && h.Version != 0x19980330)
            {
                h.Version = 0x20080522;
                UserMemory.Write(f->A0, h);
                return -Errno.EINVAL;
            }
            if (f->A1 == 0) return 0;
            CapData d; d.Effective = d.Permitted = 0xFFFFFFFF; d.Inheritable = 0;
            int n = h.Version == 0x19980330 ? 1 : 2;
            for (int i = 0; i < n; i++)
                if (UserMemory.Write(f->A1 + (ulong)(i * 12), d) != 0) return -Errno.EFAULT;
            return 0;
        }

        public static long Capset(SyscallFrame* f) => 0;

        /// <summary>pause: sleeps until a signal is delivered.</summary>
        public static long Pause(SyscallFrame* f)
        {
            while (Scheduler.Sleep(null, 0) != Scheduler.Interrupted) { }
            return -Errno.EINTR;
        }
    }
}
