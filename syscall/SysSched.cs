// Scheduling policies and priorities: sched_setscheduler, sched_setparam, sched_setattr and their
// getters. SCHED_OTHER, BATCH and IDLE share the ordinary run queue (the nice value is kept per
// process); SCHED_FIFO and SCHED_RR are real-time classes the scheduler runs first, by priority.
// SCHED_DEADLINE is refused (EPERM), as for a process without CAP_SYS_NICE.
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysSched
    {
        public const int SCHED_OTHER = 0, SCHED_FIFO = Thread.SchedFifo, SCHED_RR = Thread.SchedRr, SCHED_BATCH = 3, SCHED_IDLE = 5, SCHED_DEADLINE = 6;
        private const int SCHED_RESET_ON_FORK = 0x40000000;
        private const ulong SCHED_FLAG_RESET_ON_FORK = 1, SCHED_FLAG_KEEP_POLICY = 8, SCHED_FLAG_KEEP_PARAMS = 0x10,
            SCHED_FLAG_ALL = 0x7F;
        private const int KeepPolicy = -1;                 // sched_setparam: the policy stays

        private static bool IsRealtime(int policy) => Thread.IsRealtimePolicy(policy);
        private static bool IsValid(int policy) =>
            policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE || IsRealtime(policy) || policy == SCHED_DEADLINE;

        /// <summary>The thread a sched_* call names (0: the caller), or null.</summary>
        private static Thread Target(int tid) => tid == 0 ? Thread.Current : Process.FindThreadAnywhere(tid);

        /// <summary>Linux's __sched_setscheduler checks, then the change. Returns 0 or -errno.</summary>
        private static long Set(Thread t, int policy, int priority, bool resetOnFork, int nice, bool setNice)
        {
            if (policy == KeepPolicy) { policy = t.Policy; resetOnFork = t.ResetOnFork; }
            else if (!IsValid(policy)) return -Errno.EINVAL;
            if (priority < 0 || priority > 99 || IsRealtime(policy) != (priority != 0)) return -Errno.EINVAL;
            if (policy == SCHED_DEADLINE) return -Errno.EPERM;
            if (!Credentials.Current.Capable(Cap.SYS_NICE))
            {
                // Linux's user checks without CAP_SYS_NICE: RLIMIT_RTPRIO bounds the real-time classes,
                // RLIMIT_NICE a lower nice value, another user's thread is refused, and the reset-on-fork
                // flag cannot be cleared.
                ulong rtprio = t.Process.Limits[SysProcess.RLIMIT_RTPRIO].Cur;
                if (IsRealtime(policy) && ((policy != t.Policy && rtprio == 0) || ((ulong)priority > (ulong)t.RtPriority && (ulong)priority > rtprio)))
                    return -Errno.EPERM;
                if (setNice && nice < t.Process.Nice && !SysIdentity.MayLowerNice(t.Process, nice)) return -Errno.EPERM;
                if (t.Cred != null && !SysIdentity.MayReschedule(t.Cred)) return -Errno.EPERM;
                if (t.ResetOnFork && !resetOnFork) return -Errno.EPERM;
            }
            if (setNice) t.Process.Nice = nice < -20 ? -20 : nice > 19 ? 19 : nice;
            Scheduler.SetPolicy(t, policy, priority, resetOnFork);
            return 0;
        }

        private static long SetFromParam(int pid, int policy, ulong param)
        {
            if (param == 0 || pid < 0) return -Errno.EINVAL;
            if (UserMemory.Read(param, out int priority) != 0) return -Errno.EFAULT;
            Thread t = Target(pid);
            if (t == null) return -Errno.ESRCH;
            bool reset = policy != KeepPolicy && (policy & SCHED_RESET_ON_FORK) != 0;
            if (policy != KeepPolicy) policy &= ~SCHED_RESET_ON_FORK;
            return Set(t, policy, priority, reset, 0, false);
        }

        public static long SchedSetscheduler(SyscallFrame* f)
        {
            int policy = (int)f->A1;
            if (policy < 0 && (policy & ~SCHED_RESET_ON_FORK) < 0) return -Errno.EINVAL;
            return SetFromParam((int)f->A0, policy, f->A2);
        }

        public static long SchedSetparam(SyscallFrame* f) => SetFromParam((int)f->A0, KeepPolicy, f->A1);

        public static long SchedGetscheduler(SyscallFrame* f)
        {
            if ((int)f->A0 < 0) return -Errno.EINVAL;
            Thread t = Target((int)f->A0);
            if (t == null) return -Errno.ESRCH;
            return t.Policy | (t.ResetOnFork ? SCHED_RESET_ON_FORK : 0);
        }

        public static long SchedGetparam(SyscallFrame* f)
        {
            if (f->A1 == 0 || (int)f->A0 < 0) return -Errno.EINVAL;
            Thread t = Target((int)f->A0);
            if (t == null) return -Errno.ESRCH;
            return UserMemory.Write(f->A1, t.RtPriority) != 0 ? -Errno.EFAULT : 0;
        }

        /// <summary>SCHED_RR: 100 ms (sched_rr_timeslice_ms); SCHED_FIFO: 0 (no slice); the others: the scheduler's slice.</summary>
        public static long SchedRrGetInterval(SyscallFrame* f)
        {
            if ((int)f->A0 < 0) return -Errno.EINVAL;
            Thread t = Target((int)f->A0);
            if (t == null) return -Errno.ESRCH;
            ulong ns = t.Policy == SCHED_RR ? Scheduler.RrSliceNs : t.Policy == SCHED_FIFO ? 0 : Scheduler.SliceNs;
            var ts = new SysTime.Timespec { Sec = (long)(ns / 1_000_000_000), Nsec = (long)(ns % 1_000_000_000) };
            return UserMemory.Write(f->A1, ts) != 0 ? -Errno.EFAULT : 0;
        }

        public static long SchedPriorityMax(SyscallFrame* f) => IsRealtime((int)f->A0) ? 99 : IsValid((int)f->A0) ? 0 : -Errno.EINVAL;
        public static long SchedPriorityMin(SyscallFrame* f) => IsRealtime((int)f->A0) ? 1 : IsValid((int)f->A0) ? 0 : -Errno.EINVAL;

        // struct sched_attr: size, policy, flags, nice, priority, runtime, deadline, period, util_min, util_max.
        private const uint SchedAttrSize0 = 48, SchedAttrSize = 56;
        private struct SchedAttr { public uint Size, Policy; public ulong Flags; public int Nice; public uint Priority; public ulong Runtime, Deadline, Period; public uint UtilMin, UtilMax; }

        public static long SchedGetattr(SyscallFrame* f)
        {
            uint size = (uint)f->A2;
            if (f->A1 == 0 || (int)f->A0 < 0 || size < SchedAttrSize0 || size > 4096 || f->A3 != 0) return -Errno.EINVAL;
            Thread t = Target((int)f->A0);
            if (t == null) return -Errno.ESRCH;
            var a = new SchedAttr
            {
                Size = size < SchedAttrSize ? size : SchedAttrSize, Policy = (uint)t.Policy,
                Flags = t.ResetOnFork ? SCHED_FLAG_RESET_ON_FORK : 0,
                Nice = t.IsRealtime ? 0 : t.Process.Nice, Priority = (uint)t.RtPriority,
                UtilMax = SchedAttrSize <= size ? 1024u : 0u,
            };
            return UserMemory.CopyTo(f->A1, &a, a.Size) != 0 ? -Errno.EFAULT : 0;
        }

        public static long SchedSetattr(SyscallFrame* f)
        {
            if (f->A1 == 0 || (int)f->A0 < 0 || f->A2 != 0) return -Errno.EINVAL;
            if (UserMemory.Read(f->A1, out uint size) != 0) return -Errno.EFAULT;
            if (size == 0) size = SchedAttrSize0;
            if (size < SchedAttrSize0 || size > 4096)
            {
                UserMemory.Write(f->A1, SchedAttrSize);           // Linux tells the size it knows
                return -Errno.E2BIG;
            }
            SchedAttr a = default;
            if (UserMemory.CopyFrom(&a, f->A1, size < SchedAttrSize ? size : SchedAttrSize) != 0) return -Errno.EFAULT;
            if ((int)a.Policy < 0 || (a.Flags & ~SCHED_FLAG_ALL) != 0) return -Errno.EINVAL;
            Thread t = Target((int)f->A0);
            if (t == null) return -Errno.ESRCH;
            int policy = (a.Flags & SCHED_FLAG_KEEP_POLICY) != 0 ? KeepPolicy : (int)a.Policy;
            int priority = (a.Flags & SCHED_FLAG_KEEP_PARAMS) != 0 ? t.RtPriority : (int)a.Priority;
            bool fair = policy == KeepPolicy ? !t.IsRealtime : !IsRealtime(policy) && policy != SCHED_DEADLINE;
            long r = Set(t, policy, priority, (a.Flags & SCHED_FLAG_RESET_ON_FORK) != 0, a.Nice, fair);
            if (r == 0 && policy == KeepPolicy) t.ResetOnFork = (a.Flags & SCHED_FLAG_RESET_ON_FORK) != 0;
            return r;
        }
    }
}
