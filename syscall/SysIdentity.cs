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

        // Scheduling: one CPU, one run queue; the policies are recorded per thread.
        private const int SCHED_OTHER = 0, SCHED_FIFO = 1, SCHED_RR = 2, SCHED_BATCH = 3, SCHED_IDLE = 5, SCHED_RESET_ON_FORK = 0x40000000;
        private const ulong SCHED_FLAG_RESET_ON_FORK = 1;

        /// <summary>The thread a sched_* call names (0: the caller): 0 if it exists, else -EINVAL or -ESRCH.</summary>
        private static long SchedTarget(int tid) =>
            tid < 0 ? -Errno.EINVAL : tid == 0 || Process.FindThreadAnywhere(tid) != null ? 0 : -Errno.ESRCH;

        /// <summary>The thread SchedTarget accepted.</summary>
        private static Thread SchedThread(int tid) => tid == 0 ? Thread.Current : Process.FindThreadAnywhere(tid);

        private static bool RealTime(int policy) => policy == SCHED_FIFO || policy == SCHED_RR;

        public static long SchedGetscheduler(SyscallFrame* f)
        {
            long r = SchedTarget((int)f->A0);
            if (r < 0) return r;
            Thread t = SchedThread((int)f->A0);
            return t.SchedPolicy | (t.SchedResetOnFork ? SCHED_RESET_ON_FORK : 0);
        }

        public static long SchedGetparam(SyscallFrame* f)
        {
            if (f->A1 == 0) return -Errno.EINVAL;
            long r = SchedTarget((int)f->A0);
            return r < 0 ? r : UserMemory.Write(f->A1, SchedThread((int)f->A0).SchedPriority);
        }

        /// <summary>The time slice of round-robin scheduling, which everything gets here (the scheduler's slice).</summary>
        public static long SchedRrGetInterval(SyscallFrame* f)
        {
            long r = SchedTarget((int)f->A0);
            if (r < 0) return r;
            var ts = new SysTime.Timespec { Sec = 0, Nsec = (long)Scheduler.SliceNs };
            return UserMemory.Write(f->A1, ts);
        }

        // struct sched_attr: size, policy, flags, nice, priority, runtime, deadline, period, util_min, util_max.
        private const uint SchedAttrSize0 = 48, SchedAttrSize = 56;
        private struct SchedAttr { public uint Size, Policy; public ulong Flags; public int Nice; public uint Priority; public ulong Runtime, Deadline, Period; public uint UtilMin, UtilMax; }

        public static long SchedGetattr(SyscallFrame* f)
        {
            uint size = (uint)f->A2;
            if (f->A1 == 0 || size < SchedAttrSize0 || size > 4096 || f->A3 != 0) return -Errno.EINVAL;
            long r = SchedTarget((int)f->A0);
            if (r < 0) return r;
            Thread t = SchedThread((int)f->A0);
            var a = new SchedAttr
            {
                Size = size < SchedAttrSize ? size : SchedAttrSize, Nice = t.Process.Nice,
                Policy = (uint)t.SchedPolicy, Priority = (uint)t.SchedPriority, Flags = t.SchedResetOnFork ? SCHED_FLAG_RESET_ON_FORK : 0,
            };
            return UserMemory.CopyTo(f->A1, &a, a.Size) != 0 ? -Errno.EFAULT : 0;
        }

        /// <summary>As sched_setscheduler, and nice for SCHED_OTHER/BATCH/IDLE; SCHED_DEADLINE is refused.</summary>
        public static long SchedSetattr(SyscallFrame* f)
        {
            if (f->A1 == 0 || f->A2 != 0) return -Errno.EINVAL;
            if (UserMemory.Read(f->A1, out uint size) != 0) return -Errno.EFAULT;
            if (size == 0) size = SchedAttrSize0;
            if (size < SchedAttrSize0 || size > 4096) return -Errno.E2BIG;
            SchedAttr a = default;
            if (UserMemory.CopyFrom(&a, f->A1, size < SchedAttrSize ? size : SchedAttrSize) != 0) return -Errno.EFAULT;
            int policy = (int)a.Policy;
            if (policy == 6)
            {
                long d = SchedTarget((int)f->A0);
                return d < 0 ? d : -Errno.EPERM;
            }
            if (RealTime(policy) ? a.Priority < 1 || a.Priority > 99 : (policy != SCHED_OTHER && policy != SCHED_BATCH && policy != SCHED_IDLE) || a.Priority != 0)
                return -Errno.EINVAL;
            long r = SchedTarget((int)f->A0);
            if (r < 0) return r;
            Thread t = SchedThread((int)f->A0);
            t.SchedPolicy = policy;
            t.SchedPriority = (int)a.Priority;
            t.SchedResetOnFork = (a.Flags & SCHED_FLAG_RESET_ON_FORK) != 0;
            if (!RealTime(policy)) t.Process.Nice = a.Nice < -20 ? -20 : a.Nice > 19 ? 19 : a.Nice;
            return 0;
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

        /// <summary>
        /// Every program runs as root, so SCHED_FIFO and SCHED_RR (priority 1-99) are granted as
        /// Linux grants them with CAP_SYS_NICE, like OTHER/BATCH/IDLE (priority 0): the thread's
        /// policy is recorded and reported (and reset in children under SCHED_RESET_ON_FORK), though
        /// one run queue serves every policy.
        /// </summary>
        public static long SchedSetscheduler(SyscallFrame* f)
        {
            int policy = (int)f->A1 & ~SCHED_RESET_ON_FORK;
            if ((int)f->A0 < 0 || f->A2 == 0) return -Errno.EINVAL;
            if (UserMemory.Read(f->A2, out int priority) != 0) return -Errno.EFAULT;
            bool realtime = RealTime(policy);
            if (!realtime && policy != SCHED_OTHER && policy != SCHED_BATCH && policy != SCHED_IDLE) return -Errno.EINVAL;
            if (realtime ? priority < 1 || priority > 99 : priority != 0) return -Errno.EINVAL;
            long r = SchedTarget((int)f->A0);
            if (r < 0) return r;
            Thread t = SchedThread((int)f->A0);
            t.SchedPolicy = policy;
            t.SchedPriority = priority;
            t.SchedResetOnFork = ((int)f->A1 & SCHED_RESET_ON_FORK) != 0;
            return 0;
        }

        public static long SchedSetparam(SyscallFrame* f)
        {
            if ((int)f->A0 < 0 || f->A1 == 0) return -Errno.EINVAL;
            if (UserMemory.Read(f->A1, out int priority) != 0) return -Errno.EFAULT;
            long r = SchedTarget((int)f->A0);
            if (r < 0) return r;
            Thread t = SchedThread((int)f->A0);
            if (RealTime(t.SchedPolicy) ? priority < 1 || priority > 99 : priority != 0) return -Errno.EINVAL;
            t.SchedPriority = priority;
            return 0;
        }
        public static long SchedPriorityMax(SyscallFrame* f) => (int)f->A0 == 1 || (int)f->A0 == 2 ? 99 : (int)f->A0 == 0 || (int)f->A0 == 3 || (int)f->A0 == 5 ? 0 : -Errno.EINVAL;
        public static long SchedPriorityMin(SyscallFrame* f) => (int)f->A0 == 1 || (int)f->A0 == 2 ? 1 : (int)f->A0 == 0 || (int)f->A0 == 3 || (int)f->A0 == 5 ? 0 : -Errno.EINVAL;
        public static long SchedSetaffinity(SyscallFrame* f)
        {
            ulong mask = 0;
            if (f->A1 > 0 && UserMemory.CopyFrom(&mask, f->A2, f->A1 < 8 ? f->A1 : 8) != 0) return -Errno.EFAULT;
            long r = SchedTarget((int)f->A0);
            if (r < 0) return r;
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
