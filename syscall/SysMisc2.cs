// sysinfo, times, and the real-time interval timer (alarm, setitimer ITIMER_REAL) that raises SIGALRM.
using Kernel.Drivers;
using Kernel.Memory;
using Kernel.Vfs;

namespace Kernel.Syscalls
{
    internal static unsafe class SysInfo
    {
        private struct Sysinfo
        {
            public long Uptime;
            public ulong Load0, Load1, Load2;
            public ulong TotalRam, FreeRam, SharedRam, BufferRam, TotalSwap, FreeSwap;
            public ushort Procs, Pad;
            public uint Pad2;
            public ulong TotalHigh, FreeHigh;
            public uint MemUnit;
            public fixed byte Reserved[4];
        }

        public static long SysinfoSyscall(SyscallFrame* f)
        {
            Sysinfo s = default;
            s.Uptime = (long)(Tsc.MonotonicNs() / 1_000_000_000);
            s.TotalRam = Mm.TotalRam;
            s.FreeRam = Mm.Pages.FreeFrames * 4096;
            s.Procs = 1;
            s.MemUnit = 1;
            return UserMemory.Write(f->A0, s);
        }

        private struct Tms { public long Utime, Stime, Cutime, Cstime; }

        /// <summary>times(): CPU times in clock ticks (USER_HZ 100); returns ticks since boot.</summary>
        public static long Times(SyscallFrame* f)
        {
            long ticks = (long)(Tsc.MonotonicNs() / 10_000_000);
            if (f->A0 != 0)
            {
                CpuTime.OfProcess(Process.Current, out ulong u, out ulong s);
                CpuTime.OfChildren(Process.Current, out ulong cu, out ulong cs);
                Tms t; t.Utime = (long)(u / 10_000_000); t.Stime = (long)(s / 10_000_000); t.Cutime = (long)(cu / 10_000_000); t.Cstime = (long)(cs / 10_000_000);
                if (UserMemory.Write(f->A0, t) != 0) return -Errno.EFAULT;
            }
            return ticks;
        }
    }

    /// <summary>ITIMER_REAL / alarm: SIGALRM to the process when its deadline passes (checked on every timer tick). Not inherited by fork.</summary>
    internal static unsafe class RealTimer
    {
        private static Process s_armed;        // processes with an armed timer (linked through AlarmNext)

        private struct Timeval { public long Sec, Usec; }
        private struct Itimerval { public Timeval Interval, Value; }

        private static void Remaining(Process p, out Timeval value)
        {
            ulong now = Tsc.MonotonicNs();
            ulong left = p.AlarmAt == 0 ? 0 : p.AlarmAt > now ? p.AlarmAt - now : 1000;
            value.Sec = (long)(left / 1_000_000_000);
            value.Usec = (long)(left % 1_000_000_000 / 1000);
        }

        private static void Arm(Process p, ulong at, ulong interval)
        {
            Disarm(p);
            p.AlarmAt = at;
            p.AlarmInterval = interval;
            if (at == 0) return;
            p.AlarmNext = s_armed;
            s_armed = p;
            Timer.Request(at);
        }

        /// <summary>The earliest armed alarm or ITIMER_REAL expiry (monotonic ns), or 0.</summary>
        public static ulong NextExpiry
        {
            get
            {
                ulong first = 0;
                for (Process p = s_armed; p != null; p = p.AlarmNext)
                    if (p.AlarmAt != 0 && (first == 0 || p.AlarmAt < first)) first = p.AlarmAt;
                return first;
            }
        }

        public static void Disarm(Process p)
        {
            p.AlarmAt = 0;
            if (s_armed == p) { s_armed = p.AlarmNext; p.AlarmNext = null; return; }
            for (Process q = s_armed; q != null; q = q.AlarmNext)
                if (q.AlarmNext == p) { q.AlarmNext = p.AlarmNext; p.AlarmNext = null; return; }
        }

        public static long Alarm(SyscallFrame* f)
        {
            Process p = Process.Current;
            Remaining(p, out Timeval old);
            long oldSeconds = old.Sec + (old.Usec > 0 ? 1 : 0);     // alarm rounds up
            ulong seconds = (uint)f->A0;
            Arm(p, seconds == 0 ? 0 : Tsc.MonotonicNs() + seconds * 1_000_000_000, 0);
            return oldSeconds;
        }

        public static long Setitimer(SyscallFrame* f)
        {
            int which = (int)f->A0;
            if (which < 0 || which > 2) return -Errno.EINVAL;
            Process p = Process.Current;
            Itimerval nv = default;
            if (f->A1 != 0 && UserMemory.Read(f->A1, out nv) != 0) return -Errno.EFAULT;
            if (nv.Value.Sec < 0 || nv.Value.Usec < 0 || nv.Value.Usec >= 1_000_000 ||
                nv.Interval.Sec < 0 || nv.Interval.Usec < 0 || nv.Interval.Usec >= 1_000_000) return -Errno.EINVAL;   // timeval_valid
            Itimerval old = Current(p, which);
            if (f->A2 != 0 && UserMemory.Write(f->A2, old) != 0) return -Errno.EFAULT;
            // A null new value disarms, as Linux (nv stays all zeros).
            ulong ns = (ulong)nv.Value.Sec * 1_000_000_000 + (ulong)nv.Value.Usec * 1000;
            ulong interval = (ulong)nv.Interval.Sec * 1_000_000_000 + (ulong)nv.Interval.Usec * 1000;
            if (which == 0) { Arm(p, ns == 0 ? 0 : Tsc.MonotonicNs() + ns, interval); return 0; }
            // ITIMER_VIRTUAL (user CPU time) and ITIMER_PROF (user and system): timers on the process's
            // CPU clocks. Linux keeps (and reports) their period even while the value is zero.
            CpuTimer t = CpuTimers.Itimer(p, which);
            CpuTimers.Arm(t, ns == 0 ? 0 : CpuTimers.Now(t) + ns, interval);
            return 0;
        }

        /// <summary>What getitimer reports for <paramref name="which"/>: time left and the period.</summary>
        private static Itimerval Current(Process p, int which)
        {
            Itimerval v = default;
            ulong interval;
            if (which == 0) { Remaining(p, out v.Value); interval = p.AlarmInterval; }
            else
            {
                CpuTimer t = which == 1 ? p.ItimerVirtual : p.ItimerProf;
                if (t == null) return v;
                ulong left = CpuTimers.Remaining(t);
                v.Value.Sec = (long)(left / 1_000_000_000);
                v.Value.Usec = (long)((left % 1_000_000_000 + 999) / 1000);
                if (v.Value.Usec == 1_000_000) { v.Value.Sec++; v.Value.Usec = 0; }
                interval = t.Interval;
            }
            v.Interval.Sec = (long)(interval / 1_000_000_000);
            v.Interval.Usec = (long)(interval % 1_000_000_000 / 1000);
            return v;
        }

        public static long Getitimer(SyscallFrame* f)
        {
            int which = (int)f->A0;
            if (which < 0 || which > 2) return -Errno.EINVAL;
            return UserMemory.Write(f->A1, Current(Process.Current, which));
        }

        /// <summary>Timer tick: SIGALRM to every process whose deadline passed; interval timers re-arm.</summary>
        public static void Tick(ulong now)
        {
            Process p = s_armed;
            while (p != null)
            {
                Process next = p.AlarmNext;
                if (p.AlarmAt != 0 && now >= p.AlarmAt)
                {
                    if (p.AlarmInterval != 0) p.AlarmAt = now + p.AlarmInterval;
                    else Disarm(p);
                    SignalDelivery.SendToProcess(p, Signal.SIGALRM);
                }
                p = next;
            }
        }
    }
}
