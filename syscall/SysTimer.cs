// POSIX per-process timers (timer_create & co.): a kernel timer that sends a signal (SIGEV_SIGNAL,
// SIGEV_THREAD_ID; glibc builds SIGEV_THREAD on the latter) or nothing (SIGEV_NONE) when it fires.
// On a CPU-time clock the timer is a CpuTimer, checked on the tick against CPU time used.
using Kernel.Drivers;
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal sealed class PosixTimer
    {
        public readonly KTimer Timer = new KTimer();
        public CpuTimer Cpu;                        // on a CPU-time clock: this instead of Timer
        public Process Owner;
        public int Id, Signo, Notify, Tid, Clock, Overrun;
        public ulong Value;
    }

    internal static unsafe class SysTimer
    {
        private const int SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD = 2, SIGEV_THREAD_ID = 4, TIMER_ABSTIME = 1;
        private const int MaxTimers = 256;
        private struct Itimerspec { public SysTime.Timespec Interval, Value; }

        /// <summary>Reads an itimerspec: the first expiry on the monotonic clock (0: disarm) and the period.</summary>
        public static long ReadItimerspec(ulong user, int clock, bool absolute, out ulong expires, out ulong interval)
        {
            long r = ReadItimerspec(user, out ulong value, out interval);
            expires = 0;
            if (r < 0 || value == 0) return r;
            expires = absolute ? SysTime.ToMonotonic(clock == SysTime.CLOCK_REALTIME || clock == SysTime.CLOCK_REALTIME_ALARM ? SysTime.CLOCK_REALTIME
                                                     : clock == SysTime.CLOCK_TAI ? clock : SysTime.CLOCK_MONOTONIC, value)
                               : Tsc.MonotonicNs() + value;
            return 0;
        }

        /// <summary>Reads an itimerspec as given: the value (0: disarm) and the period, in ns.</summary>
        private static long ReadItimerspec(ulong user, out ulong value, out ulong interval)
        {
            value = interval = 0;
            if (UserMemory.Read(user, out Itimerspec its) != 0) return -Errno.EFAULT;
            if (its.Value.Sec < 0 || its.Value.Nsec < 0 || its.Value.Nsec >= 1_000_000_000 ||
                its.Interval.Sec < 0 || its.Interval.Nsec < 0 || its.Interval.Nsec >= 1_000_000_000) return -Errno.EINVAL;
            value = (ulong)its.Value.Sec * 1_000_000_000 + (ulong)its.Value.Nsec;
            interval = value == 0 ? 0 : (ulong)its.Interval.Sec * 1_000_000_000 + (ulong)its.Interval.Nsec;
            return 0;
        }

        public static long WriteItimerspec(ulong user, KTimer t) => WriteItimerspec(user, Timers.Remaining(t), t.Armed ? t.Interval : 0);

        private static long WriteItimerspec(ulong user, ulong left, ulong interval)
        {
            Itimerspec its;
            its.Value.Sec = (long)(left / 1_000_000_000); its.Value.Nsec = (long)(left % 1_000_000_000);
            its.Interval.Sec = (long)(interval / 1_000_000_000); its.Interval.Nsec = (long)(interval % 1_000_000_000);
            return UserMemory.Write(user, its);
        }

        private static long WriteItimerspec(ulong user, PosixTimer pt) =>
            pt.Cpu == null ? WriteItimerspec(user, pt.Timer) : WriteItimerspec(user, CpuTimers.Remaining(pt.Cpu), pt.Cpu.Armed ? pt.Cpu.Interval : 0);

        private static void OnFire(KTimer k, ulong count) => Notify((PosixTimer)k.Owner, count);
        private static void OnCpuFire(CpuTimer c, ulong count) => Notify((PosixTimer)c.Owner, count);

        private static void Notify(PosixTimer pt, ulong count)
        {
            if (pt.Notify == SIGEV_NONE) return;
            Thread t = pt.Notify == SIGEV_THREAD_ID ? pt.Owner.FindThread(pt.Tid) : null;
            ulong bit = 1UL << (pt.Signo - 1);
            // As Linux: while the last signal is still pending, further expirations only count as overruns.
            if (((t != null ? t.Pending : pt.Owner.Pending) & bit) != 0) { pt.Overrun += (int)count; return; }
            pt.Overrun = (int)(count - 1);
            var si = new SigInfo { Code = SigInfo.SI_TIMER, Pid = pt.Id, Uid = pt.Overrun, Addr = pt.Value, HasAddr = true };
            if (t != null) SignalDelivery.SendToThread(t, pt.Signo, si);
            else SignalDelivery.SendToProcess(pt.Owner, pt.Signo, si);
        }

        private static PosixTimer Get(ulong id)
        {
            PosixTimer[] table = Process.Current.PosixTimers;
            return table != null && id < (ulong)table.Length ? table[(int)id] : null;
        }

        /// <summary>timer_create(clockid, sevp, timerid).</summary>
        public static long Create(SyscallFrame* f)
        {
            int clock = (int)f->A0;
            long bad = SysTime.TimerClockCheck(clock);
            if (bad < 0) return bad;
            int signo = Signal.SIGALRM, notify = SIGEV_SIGNAL, tid = 0;
            ulong value = 0;
            bool valueGiven = false;
            if (f->A1 != 0)
            {
                byte* ev = stackalloc byte[64];
                if (UserMemory.CopyFrom(ev, f->A1, 64) != 0) return -Errno.EFAULT;
                value = *(ulong*)ev; valueGiven = true;
                signo = *(int*)(ev + 8);
                notify = *(int*)(ev + 12);
                tid = *(int*)(ev + 16);
                if (notify != SIGEV_SIGNAL && notify != SIGEV_NONE && notify != SIGEV_THREAD_ID) return -Errno.EINVAL;
                if (notify != SIGEV_NONE && (signo < 1 || signo > Signal.NSIG)) return -Errno.EINVAL;
                if (notify == SIGEV_THREAD_ID && Process.Current.FindThread(tid) == null) return -Errno.EINVAL;
            }
            Process p = Process.Current;
            if (p.PosixTimers == null) p.PosixTimers = new PosixTimer[MaxTimers];
            int id = -1;
            for (int i = 0; i < MaxTimers; i++) if (p.PosixTimers[i] == null) { id = i; break; }
            if (id < 0) return -Errno.EAGAIN;
            var pt = new PosixTimer { Owner = p, Id = id, Signo = signo, Notify = notify, Tid = tid, Clock = clock, Value = valueGiven ? value : (ulong)id };
            pt.Timer.Owner = pt;
            pt.Timer.Fire = &OnFire;
            if (SysTime.CpuClockTarget(clock, out Process measured, out Thread thread, out bool userOnly))
            {
                pt.Cpu = new CpuTimer { Process = measured, Thread = thread, UserOnly = userOnly, Owner = pt, Fire = &OnCpuFire };
                CpuTimers.Register(pt.Cpu);
            }
            if (UserMemory.Write(f->A2, id) != 0) { FreeTimer(pt); return -Errno.EFAULT; }
            p.PosixTimers[id] = pt;
            return 0;
        }

        /// <summary>timer_settime(timerid, flags, new, old).</summary>
        public static long Settime(SyscallFrame* f)
        {
            if (f->A2 == 0) return -Errno.EINVAL;                        // no new setting: EINVAL before the timer is looked up
            PosixTimer pt = Get(f->A0);
            if (pt == null) return -Errno.EINVAL;
            bool absolute = ((int)f->A1 & TIMER_ABSTIME) != 0;
            if (pt.Cpu != null)
            {
                if (pt.Cpu.Gone) return -Errno.ESRCH;                    // the thread or process measured has ended (Linux: ESRCH)
                long rc = ReadItimerspec(f->A2, out ulong value, out ulong period);
                if (rc < 0) return rc;
                if (f->A3 != 0 && WriteItimerspec(f->A3, pt) != 0) return -Errno.EFAULT;
                CpuTimers.Arm(pt.Cpu, value == 0 ? 0 : absolute ? value : CpuTimers.Now(pt.Cpu) + value, period);
                return 0;
            }
            long r = ReadItimerspec(f->A2, pt.Clock, absolute, out ulong expires, out ulong interval);
            if (r < 0) return r;
            if (f->A3 != 0 && WriteItimerspec(f->A3, pt) != 0) return -Errno.EFAULT;
            Timers.Arm(pt.Timer, expires, interval);
            return 0;
        }

        public static long Gettime(SyscallFrame* f)
        {
            PosixTimer pt = Get(f->A0);
            if (pt == null) return -Errno.EINVAL;
            return WriteItimerspec(f->A1, pt) != 0 ? -Errno.EFAULT : 0;
        }

        public static long Getoverrun(SyscallFrame* f)
        {
            PosixTimer pt = Get(f->A0);
            return pt == null ? -Errno.EINVAL : pt.Overrun;
        }

        public static long Delete(SyscallFrame* f)
        {
            PosixTimer pt = Get(f->A0);
            if (pt == null) return -Errno.EINVAL;
            Free(Process.Current, pt);
            return 0;
        }

        private static void Free(Process p, PosixTimer pt)
        {
            p.PosixTimers[pt.Id] = null;
            FreeTimer(pt);
        }

        private static void FreeTimer(PosixTimer pt)
        {
            Timers.Disarm(pt.Timer);
            if (pt.Cpu != null) { CpuTimers.Unregister(pt.Cpu); Runtime.Allocator.Free(pt.Cpu); }
            Runtime.Allocator.Free(pt.Timer);
            Runtime.Allocator.Free(pt);
        }

        /// <summary>exec and exit: the process's timers go.</summary>
        public static void DeleteAll(Process p)
        {
            if (p.PosixTimers == null) return;
            for (int i = 0; i < p.PosixTimers.Length; i++) if (p.PosixTimers[i] != null) Free(p, p.PosixTimers[i]);
            Runtime.Allocator.Free(p.PosixTimers);
            p.PosixTimers = null;
        }
    }
}
