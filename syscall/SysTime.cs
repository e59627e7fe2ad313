// Clocks and sleeping. CLOCK_MONOTONIC is the calibrated TSC; CLOCK_REALTIME adds the host's
// wall-clock time at boot (ops passes realtime_ns=), since microvm has no RTC.
using Kernel.Drivers;
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysTime
    {
        public struct Timespec { public long Sec, Nsec; }
        private struct Timeval { public long Sec, Usec; }

        public const int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3,
            CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7;
        private const int TIMER_ABSTIME = 1;

        private static ulong s_realtimeBaseNs;

        public static void Init() => s_realtimeBaseNs = CommandLine.GetNumber("realtime_ns");

        public static ulong RealtimeBaseNs => s_realtimeBaseNs;

        /// <summary>Sets the wall clock (the guest's clock is its own to set).</summary>
        private static long SetRealtime(long sec, long nsec)
        {
            if (sec < 0 || nsec < 0 || nsec >= 1_000_000_000) return -Errno.EINVAL;
            ulong want = (ulong)sec * 1_000_000_000 + (ulong)nsec, mono = Tsc.MonotonicNs();
            s_realtimeBaseNs = want - mono;                          // wraps below the boot time: still consistent
            Memory.Vdso.SetRealtimeBase(s_realtimeBaseNs);
            return 0;
        }

        public static long ClockSettime(SyscallFrame* f)
        {
            int clock = (int)f->A0;
            if (UserMemory.Read(f->A1, out Timespec ts) != 0) return -Errno.EFAULT;
            if (clock != CLOCK_REALTIME) return ClockNs(clock, out _) ? -Errno.EINVAL : -Errno.EINVAL;
            return SetRealtime(ts.Sec, ts.Nsec);
        }

        public static long Settimeofday(SyscallFrame* f)
        {
            if (f->A0 == 0) return 0;                                 // only a time zone: ignored, as Linux mostly does
            if (UserMemory.Read(f->A0, out Timespec tv) != 0) return -Errno.EFAULT;   // timeval: sec, usec
            if (tv.Nsec < 0 || tv.Nsec >= 1_000_000) return -Errno.EINVAL;
            return SetRealtime(tv.Sec, tv.Nsec * 1000);
        }

        public static ulong RealtimeNs() => s_realtimeBaseNs + Tsc.MonotonicNs();

        public static bool ClockNs(int clock, out ulong ns)
        {
            switch (clock)
            {
                case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE: ns = RealtimeNs(); return true;
                case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME:
                case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
                    ns = Tsc.MonotonicNs(); return true;
            }
            ns = 0;
            return false;
        }

        public static long ClockGettime(SyscallFrame* f)
        {
            if (!ClockNs((int)f->A0, out ulong ns)) return -Errno.EINVAL;
            Timespec ts; ts.Sec = (long)(ns / 1_000_000_000); ts.Nsec = (long)(ns % 1_000_000_000);
            return UserMemory.Write(f->A1, ts);
        }

        public static long ClockGetres(SyscallFrame* f)
        {
            if (!ClockNs((int)f->A0, out _)) return -Errno.EINVAL;
            if (f->A1 == 0) return 0;
            Timespec ts; ts.Sec = 0; ts.Nsec = 1;
            return UserMemory.Write(f->A1, ts);
        }

        public static long Gettimeofday(SyscallFrame* f)
        {
            if (f->A0 != 0)
            {
                ulong ns = RealtimeNs();
                Timeval tv; tv.Sec = (long)(ns / 1_000_000_000); tv.Usec = (long)(ns % 1_000_000_000 / 1000);
                if (UserMemory.Write(f->A0, tv) != 0) return -Errno.EFAULT;
            }
            if (f->A1 != 0 && UserMemory.Zero(f->A1, 8) != 0) return -Errno.EFAULT;
            return 0;
        }

        public static long Time(SyscallFrame* f)
        {
            long t = (long)(RealtimeNs() / 1_000_000_000);
            if (f->A0 != 0 && UserMemory.Write(f->A0, t) != 0) return -Errno.EFAULT;
            return t;
        }

        /// <summary>Converts a deadline on <paramref name="clock"/> (absolute ns) to the monotonic clock the scheduler uses.</summary>
        public static ulong ToMonotonic(int clock, ulong absoluteNs)
        {
            ulong now = Tsc.MonotonicNs();
            ulong clockNow = clock == CLOCK_REALTIME ? RealtimeNs() : now;
            ulong d = absoluteNs <= clockNow ? now : now + (absoluteNs - clockNow);
            return d == 0 ? 1 : d;
        }

        private static long SleepFor(SyscallFrame* f, ulong req, bool absolute, int clock, ulong remaining)
        {
            if (UserMemory.Read(req, out Timespec ts) != 0) return -Errno.EFAULT;
            if (ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1_000_000_000) return -Errno.EINVAL;
            ulong ns = (ulong)ts.Sec * 1_000_000_000 + (ulong)ts.Nsec;
            ulong deadline = absolute ? ToMonotonic(clock, ns) : Tsc.MonotonicNs() + ns;
            if (deadline == 0) deadline = 1;
            while (true)
            {
                int r = Scheduler.Sleep(null, deadline);
                if (r == Scheduler.TimedOut) return 0;
                if (r == Scheduler.Interrupted) break;
            }
            if (!absolute && remaining != 0)
            {
                ulong now = Tsc.MonotonicNs();
                ulong left = deadline > now ? deadline - now : 0;
                Timespec rem; rem.Sec = (long)(left / 1_000_000_000); rem.Nsec = (long)(left % 1_000_000_000);
                if (UserMemory.Write(remaining, rem) != 0) return -Errno.EFAULT;
            }
            return -Errno.EINTR;
        }

        public static long Nanosleep(SyscallFrame* f) => SleepFor(f, f->A0, false, CLOCK_MONOTONIC, f->A1);

        public static long ClockNanosleep(SyscallFrame* f)
        {
            int clock = (int)f->A0;
            if (!ClockNs(clock, out _)) return -Errno.EINVAL;
            return SleepFor(f, f->A2, ((int)f->A1 & TIMER_ABSTIME) != 0, clock, f->A3);
        }
    }
}
