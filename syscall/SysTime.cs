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
            CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7,
            CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9, CLOCK_TAI = 11;
        private const int TIMER_ABSTIME = 1;

        private static ulong s_realtimeBaseNs;

        public static void Init() => s_realtimeBaseNs = CommandLine.GetNumber("realtime_ns");

        public static ulong RealtimeBaseNs => s_realtimeBaseNs;

        /// <summary>Sets the wall clock (the guest's clock is its own to set).</summary>
        private static long SetRealtime(long sec, long nsec)
        {
            if (sec < 0 || nsec < 0 || nsec >= 1_000_000_000) return -Errno.EINVAL;
            if (!Credentials.Current.Capable(Cap.SYS_TIME)) return -Errno.EPERM;
            ulong want = (ulong)sec * 1_000_000_000 + (ulong)nsec, mono = Tsc.MonotonicNs();
            s_realtimeBaseNs = want - mono;                          // wraps below the boot time: still consistent
            Memory.Vdso.SetRealtimeBase(s_realtimeBaseNs);
            Fs.PollWait.Changed();                                   // timerfds waiting with TFD_TIMER_CANCEL_ON_SET
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
            if (f->A0 == 0) return Credentials.Current.Capable(Cap.SYS_TIME) ? 0 : -Errno.EPERM;   // only a time zone: ignored, as Linux mostly does
            if (UserMemory.Read(f->A0, out Timespec tv) != 0) return -Errno.EFAULT;   // timeval: sec, usec
            if (tv.Nsec < 0 || tv.Nsec >= 1_000_000) return -Errno.EINVAL;
            return SetRealtime(tv.Sec, tv.Nsec * 1000);
        }

        public static ulong RealtimeNs() => s_realtimeBaseNs + Tsc.MonotonicNs();

        // ---- adjtimex / clock_adjtime ----------------------------------------------------------
        // The clock is not disciplined: NTP values a daemon sets are kept and reported back, and
        // ADJ_SETOFFSET steps the clock as clock_settime does.

        private struct Timex
        {
            public uint Modes; public int Pad0;
            public long Offset, Freq, Maxerror, Esterror;
            public int Status, Pad1;
            public long Constant, Precision, Tolerance;
            public Timeval Time;
            public long Tick, Ppsfreq, Jitter;
            public int Shift, Pad2;
            public long Stabil, Jitcnt, Calcnt, Errcnt, Stbcnt;
            public int Tai;
            public fixed int Reserved[11];
        }

        private const uint ADJ_OFFSET = 1, ADJ_FREQUENCY = 2, ADJ_MAXERROR = 4, ADJ_ESTERROR = 8, ADJ_STATUS = 0x10,
            ADJ_TIMECONST = 0x20, ADJ_TAI = 0x80, ADJ_SETOFFSET = 0x100, ADJ_MICRO = 0x1000, ADJ_NANO = 0x2000,
            ADJ_TICK = 0x4000, ADJ_OFFSET_SINGLESHOT = 0x8001, ADJ_ADJTIME = 0x8000, ADJ_OFFSET_SS_READ = 0xa001;
        private const int STA_UNSYNC = 0x40, STA_NANO = 0x2000, TIME_OK = 0, TIME_ERROR = 5;
        private static long s_ntpOffset, s_ntpFreq, s_ntpMaxerror = 16_000_000, s_ntpEsterror = 16_000_000, s_ntpConstant = 2, s_ntpTick = 10000;
        private static int s_ntpStatus = STA_UNSYNC, s_ntpTai;

        public static long Adjtimex(SyscallFrame* f) => Adjust(f->A0);

        public static long ClockAdjtime(SyscallFrame* f)
        {
            int clock = (int)f->A0;
            if (clock == CLOCK_REALTIME) return Adjust(f->A1);
            return ClockNs(clock, out _) ? -Errno.EOPNOTSUPP : -Errno.EINVAL;
        }

        private static long Adjust(ulong user)
        {
            if (UserMemory.Read(user, out Timex t) != 0) return -Errno.EFAULT;
            uint modes = t.Modes;
            if ((modes & ADJ_ADJTIME) != 0)
            {
                if ((modes & ADJ_OFFSET_SINGLESHOT) != ADJ_OFFSET_SINGLESHOT) return -Errno.EINVAL;
                if (modes != ADJ_OFFSET_SINGLESHOT && modes != ADJ_OFFSET_SS_READ) return -Errno.EINVAL;
                if (modes == ADJ_OFFSET_SINGLESHOT && !Credentials.Current.Capable(Cap.SYS_TIME)) return -Errno.EPERM;
                modes = 0;                                            // an old-style adjtime: nothing to slew here
            }
            if (modes != 0 && !Credentials.Current.Capable(Cap.SYS_TIME)) return -Errno.EPERM;
            if ((modes & ADJ_TICK) != 0 && (t.Tick < 9000 || t.Tick > 11000)) return -Errno.EINVAL;
            if ((modes & ADJ_SETOFFSET) != 0)
            {
                long nsec = (modes & ADJ_NANO) != 0 ? t.Time.Usec : t.Time.Usec * 1000;
                if (nsec < 0 || nsec >= 1_000_000_000) return -Errno.EINVAL;
                long now = (long)RealtimeNs() + t.Time.Sec * 1_000_000_000 + nsec;
                long r = SetRealtime(now / 1_000_000_000, now % 1_000_000_000);
                if (r < 0) return r;
            }
            if ((modes & ADJ_NANO) != 0) s_ntpStatus |= STA_NANO;
            if ((modes & ADJ_MICRO) != 0) s_ntpStatus &= ~STA_NANO;
            if ((modes & ADJ_STATUS) != 0) s_ntpStatus = (t.Status & 0xff) | (s_ntpStatus & STA_NANO);
            if ((modes & ADJ_OFFSET) != 0) s_ntpOffset = t.Offset;
            if ((modes & ADJ_FREQUENCY) != 0) s_ntpFreq = t.Freq;
            if ((modes & ADJ_MAXERROR) != 0) s_ntpMaxerror = t.Maxerror;
            if ((modes & ADJ_ESTERROR) != 0) s_ntpEsterror = t.Esterror;
            if ((modes & ADJ_TIMECONST) != 0) s_ntpConstant = t.Constant;
            if ((modes & ADJ_TAI) != 0 && t.Constant >= 0) s_ntpTai = (int)t.Constant;
            if ((modes & ADJ_TICK) != 0) s_ntpTick = t.Tick;

            Timex o = default;
            o.Modes = t.Modes;
            o.Offset = s_ntpOffset; o.Freq = s_ntpFreq; o.Maxerror = s_ntpMaxerror; o.Esterror = s_ntpEsterror;
            o.Status = s_ntpStatus; o.Constant = s_ntpConstant; o.Precision = 1; o.Tolerance = 32768000;
            ulong ns = RealtimeNs();
            o.Time.Sec = (long)(ns / 1_000_000_000);
            o.Time.Usec = (s_ntpStatus & STA_NANO) != 0 ? (long)(ns % 1_000_000_000) : (long)(ns % 1_000_000_000 / 1000);
            o.Tick = s_ntpTick; o.Tai = s_ntpTai;
            if (UserMemory.Write(user, o) != 0) return -Errno.EFAULT;
            return (s_ntpStatus & STA_UNSYNC) != 0 ? TIME_ERROR : TIME_OK;
        }

        public static bool ClockNs(int clock, out ulong ns)
        {
            switch (clock)
            {
                case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE: ns = RealtimeNs(); return true;
                case CLOCK_TAI: ns = RealtimeNs() + (ulong)((long)s_ntpTai * 1_000_000_000); return true;   // TAI = UTC + adjtimex's offset
                case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME:
                    ns = Tsc.MonotonicNs(); return true;
            }
            ns = 0;
            if (!FindCpuClock(clock, out Process p, out Thread t, out bool userOnly)) return false;
            ulong u, s;
            if (t != null) CpuTime.OfThread(t, out u, out s);
            else CpuTime.OfProcess(p, out u, out s);
            ns = userOnly ? u : u + s;
            return true;
        }

        private const int CPUCLOCK_PROF = 0, CPUCLOCK_VIRT = 1, CPUCLOCK_SCHED = 2;

        /// <summary>
        /// For a CPU-time clock id (CLOCK_PROCESS/THREAD_CPUTIME_ID, or clock_getcpuclockid's and
        /// pthread_getcpuclockid's ~pid &lt;&lt; 3 | per-thread 4 | PROF 0, VIRT 1, SCHED 2; 3, fd clocks, is
        /// unsupported): the process or the caller's thread it measures, and whether user time only.
        /// False for other clocks and when nobody is behind it (Linux: EINVAL).
        /// </summary>
        private static bool FindCpuClock(int clock, out Process p, out Thread t, out bool userOnly)
        {
            p = null; t = null; userOnly = false;
            int id, which;
            bool thread;
            if (clock == CLOCK_PROCESS_CPUTIME_ID) { id = 0; thread = false; which = CPUCLOCK_SCHED; }
            else if (clock == CLOCK_THREAD_CPUTIME_ID) { id = 0; thread = true; which = CPUCLOCK_SCHED; }
            else if (clock < 0 && (clock & 3) != 3) { id = ~(clock >> 3); thread = (clock & 4) != 0; which = clock & 3; }
            else return false;
            userOnly = which == CPUCLOCK_VIRT;
            if (thread)
            {
                t = id == 0 ? Thread.Current : Process.FindThreadAnywhere(id);
                if (t == null || t.Process != Process.Current) { t = null; return false; }   // only threads of the caller's group
                p = t.Process;
                return true;
            }
            p = id == 0 ? Process.Current : Process.Find(id);
            return p != null;
        }

        /// <summary>A CPU-time clock a timer or a sleep may use: one of a live thread or process (an
        /// ending process drops its timers once, so none may be added after).</summary>
        public static bool CpuClockTarget(int clock, out Process p, out Thread t, out bool userOnly) =>
            FindCpuClock(clock, out p, out t, out userOnly) && (t != null ? t.State != Thread.Dead : !p.Exiting);

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
            ulong clockNow = now;
            if (clock != CLOCK_MONOTONIC && !ClockNs(clock, out clockNow)) clockNow = now;
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
            return SleepUntil(deadline, absolute, remaining);
        }

        /// <summary>
        /// The sleep itself. Interrupted by a signal, an absolute sleep is simply called again
        /// (ERESTARTNOHAND); a relative one reports the time left in <paramref name="remaining"/> and
        /// leaves its deadline in the thread's restart block, so restart_syscall sleeps only the rest
        /// (ERESTART_RESTARTBLOCK). Both become EINTR when a handler runs, whatever SA_RESTART says.
        /// </summary>
        private static long SleepUntil(ulong deadline, bool absolute, ulong remaining)
        {
            while (true)
            {
                int r = Scheduler.Sleep(null, deadline);
                if (r == Scheduler.TimedOut) return 0;
                if (r == Scheduler.Interrupted) break;
            }
            if (absolute) return -Errno.ERESTARTNOHAND;
            ulong now = Tsc.MonotonicNs();
            if (now >= deadline) return 0;                           // the time was up anyway
            if (remaining != 0)
            {
                ulong left = deadline - now;
                Timespec rem; rem.Sec = (long)(left / 1_000_000_000); rem.Nsec = (long)(left % 1_000_000_000);
                if (UserMemory.Write(remaining, rem) != 0) return -Errno.EFAULT;
            }
            Thread t = Thread.Current;
            t.RestartFn = &RestartSleep;
            t.RestartDeadline = deadline;
            t.RestartRemaining = remaining;
            return -Errno.ERESTART_RESTARTBLOCK;
        }

        /// <summary>restart_syscall after an interrupted relative nanosleep/clock_nanosleep: on to the same deadline.</summary>
        private static long RestartSleep()
        {
            Thread t = Thread.Current;
            return SleepUntil(t.RestartDeadline, false, t.RestartRemaining);
        }

        public static long Nanosleep(SyscallFrame* f) => SleepFor(f, f->A0, false, CLOCK_MONOTONIC, f->A1);

        /// <summary>
        /// Clocks that timers and clock_nanosleep can use (Linux's kc->nsleep and kc->timer_create):
        /// not the raw and coarse ones (EOPNOTSUPP), nor the alarm clocks, which need an RTC that can
        /// wake the machine (there is none: EOPNOTSUPP, as Linux without one).
        /// </summary>
        public static long TimerClockCheck(int clock)
        {
            if (clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM) return -Errno.EOPNOTSUPP;
            if (!ClockNs(clock, out _)) return -Errno.EINVAL;
            return clock == CLOCK_MONOTONIC_RAW || clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE ? -Errno.EOPNOTSUPP : 0;
        }

        public static long ClockNanosleep(SyscallFrame* f)
        {
            int clock = (int)f->A0;
            long bad = TimerClockCheck(clock);
            if (bad < 0) return bad;
            if (clock == CLOCK_THREAD_CPUTIME_ID) return -Errno.EOPNOTSUPP;   // Linux's thread clock has no nsleep at all
            if (CpuClockTarget(clock, out Process p, out Thread t, out bool userOnly))
                return t == Thread.Current ? -Errno.EINVAL                  // the caller's own thread clock: EINVAL, as Linux
                     : SleepOnCpuClock(f->A2, ((int)f->A1 & TIMER_ABSTIME) != 0, p, t, userOnly, f->A3);
            return SleepFor(f, f->A2, ((int)f->A1 & TIMER_ABSTIME) != 0, clock, f->A3);
        }

        /// <summary>clock_nanosleep on a process's or another thread's CPU clock: until it has used the time.</summary>
        private static long SleepOnCpuClock(ulong req, bool absolute, Process p, Thread thread, bool userOnly, ulong remaining)
        {
            if (UserMemory.Read(req, out Timespec ts) != 0) return -Errno.EFAULT;
            if (ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1_000_000_000) return -Errno.EINVAL;
            ulong ns = (ulong)ts.Sec * 1_000_000_000 + (ulong)ts.Nsec;
            var timer = new CpuTimer { Process = p, Thread = thread, UserOnly = userOnly, Fire = &WakeSleeper, Owner = Thread.Current, WakeWhenGone = true };
            CpuTimers.Register(timer);
            ulong target = absolute ? ns : CpuTimers.Now(timer) + ns;
            long r = 0;
            while (true)
            {
                if (timer.Gone) { r = -Errno.EINVAL; break; }       // the thread or process ended (its clock is gone)
                if (CpuTimers.Now(timer) >= target) break;
                CpuTimers.Arm(timer, target, 0);
                if (Scheduler.Sleep(null, 0) == Scheduler.Interrupted) { r = -Errno.EINTR; break; }
            }
            ulong left = r == -Errno.EINTR && !timer.Gone ? CpuTimers.Remaining(timer) : 0;
            CpuTimers.Unregister(timer);
            Runtime.Allocator.Free(timer);
            if (r == -Errno.EINTR && !absolute && remaining != 0)
            {
                Timespec rem; rem.Sec = (long)(left / 1_000_000_000); rem.Nsec = (long)(left % 1_000_000_000);
                if (UserMemory.Write(remaining, rem) != 0) return -Errno.EFAULT;
            }
            return r;
        }

        private static void WakeSleeper(CpuTimer t, ulong count) => Scheduler.Wake((Thread)t.Owner, Scheduler.Woken);
    }
}
