// Timers on CPU-time clocks: ITIMER_VIRTUAL and ITIMER_PROF, POSIX timers and clock_nanosleep on
// CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID and clock_getcpuclockid's ids, and
// RLIMIT_CPU. As on Linux, they are checked on the 10 ms tick against the thread the tick finds
// running (CPU time only advances while a thread runs), so they fire up to a tick late.
using Kernel.Syscalls;

namespace Kernel
{
    internal sealed unsafe class CpuTimer
    {
        public CpuTimer Next;                   // in the measured process's list (CpuTimers.Register)
        public Process Process;                 // whose CPU time is measured; null once it has ended
        public Thread Thread;                   // a thread's clock; null: the whole process
        public bool UserOnly;                   // user time only (ITIMER_VIRTUAL, CPUCLOCK_VIRT)
        public bool Gone;                       // the measured thread or process has ended: the clock reads 0
        public bool WakeWhenGone;               // a clock_nanosleep: Fire once more when the clock goes
        public bool Armed;
        public ulong Expires, Interval;         // ns on the measured clock
        public delegate*<CpuTimer, ulong, void> Fire;   // (timer, expirations), from the tick
        public object Owner;
    }

    internal static unsafe class CpuTimers
    {
        public const int RLIMIT_CPU = 0;
        public const ulong Infinity = ulong.MaxValue;

        /// <summary>The measured clock now (ns); a clock whose thread or process has ended stays at 0.</summary>
        public static ulong Now(CpuTimer t)
        {
            ulong u, s;
            if (t.Gone) return 0;
            if (t.Thread != null) CpuTime.OfThread(t.Thread, out u, out s);
            else CpuTime.OfProcess(t.Process, out u, out s);
            return t.UserOnly ? u : u + s;
        }

        public static void Register(CpuTimer t)
        {
            t.Next = t.Process.CpuTimers;
            t.Process.CpuTimers = t;
        }

        /// <summary>The timer's owner frees it: it leaves its process's list.</summary>
        public static void Unregister(CpuTimer t)
        {
            t.Armed = false;
            Process p = t.Process;
            if (p == null) return;
            if (p.CpuTimers == t) p.CpuTimers = t.Next;
            else for (CpuTimer q = p.CpuTimers; q != null; q = q.Next) if (q.Next == t) { q.Next = t.Next; break; }
            t.Next = null;
            t.Process = null;
        }

        /// <summary>Arms <paramref name="t"/> to fire when its clock reaches <paramref name="expires"/> (0: disarm), then every
        /// <paramref name="interval"/> ns. The period is kept while disarmed (getitimer reports it, as Linux).</summary>
        public static void Arm(CpuTimer t, ulong expires, ulong interval)
        {
            t.Expires = expires;
            t.Interval = interval;
            t.Armed = expires != 0 && !t.Gone;
        }

        /// <summary>CPU time left before <paramref name="t"/> fires (0 when disarmed).</summary>
        public static ulong Remaining(CpuTimer t)
        {
            if (!t.Armed) return 0;
            ulong now = Now(t);
            return t.Expires > now ? t.Expires - now : 1;
        }

        /// <summary>The 10 ms tick: the expired CPU timers of <paramref name="running"/>'s process fire, and RLIMIT_CPU is enforced.</summary>
        public static void Check(Thread running)
        {
            if (running.State == Thread.Dead) return;                 // its process may be gone already
            Process p = running.Process;
            if (p.Limits != null && p.Limits[RLIMIT_CPU].Cur != Infinity) CheckLimit(p);
            for (CpuTimer t = p.CpuTimers, next; t != null; t = next)
            {
                next = t.Next;
                if (!t.Armed) continue;
                ulong now = Now(t);
                if (now < t.Expires) continue;
                ulong count = 1;
                if (t.Interval != 0)
                {
                    count += (now - t.Expires) / t.Interval;
                    t.Expires += count * t.Interval;
                }
                else t.Armed = false;
                t.Fire(t, count);
            }
        }

        /// <summary>RLIMIT_CPU: SIGXCPU at the soft limit and every second after it, SIGKILL at the hard limit (as Linux).</summary>
        private static void CheckLimit(Process p)
        {
            CpuTime.OfProcess(p, out ulong u, out ulong s);
            ulong seconds = (u + s) / 1_000_000_000;
            Rlimit l = p.Limits[RLIMIT_CPU];
            if (l.Max != Infinity && seconds >= l.Max) { SignalDelivery.SendToProcess(p, Signal.SIGKILL); return; }
            if (seconds < l.Cur) return;
            p.Limits[RLIMIT_CPU].Cur = l.Cur + 1;                  // as Linux: the next SIGXCPU a second later, and getrlimit shows it
            SignalDelivery.SendToProcess(p, Signal.SIGXCPU);
        }

        /// <summary>A thread ends: timers on its clock stop for good (their owners may still read them: 0 left).</summary>
        public static void OnThreadExit(Thread t)
        {
            for (CpuTimer c = t.Process.CpuTimers; c != null; c = c.Next)
                if (c.Thread == t) { c.Thread = null; c.Gone = true; c.Armed = false; if (c.WakeWhenGone) c.Fire(c, 0); }
        }

        /// <summary>A process ends: every timer measuring it stops; its own interval timers are freed.</summary>
        public static void OnProcessExit(Process p)
        {
            FreeItimer(p, ref p.ItimerVirtual);
            FreeItimer(p, ref p.ItimerProf);
            CpuTimer c = p.CpuTimers;
            p.CpuTimers = null;
            while (c != null)
            {
                CpuTimer next = c.Next;
                c.Next = null; c.Process = null; c.Thread = null; c.Gone = true; c.Armed = false;
                if (c.WakeWhenGone) c.Fire(c, 0);
                c = next;
            }
        }

        // ---- ITIMER_VIRTUAL and ITIMER_PROF ----------------------------------------------------

        /// <summary>The process's ITIMER_VIRTUAL (which 1) or ITIMER_PROF (which 2), made on first use.</summary>
        public static CpuTimer Itimer(Process p, int which)
        {
            ref CpuTimer slot = ref which == 1 ? ref p.ItimerVirtual : ref p.ItimerProf;
            if (slot == null)
            {
                slot = new CpuTimer { Process = p, UserOnly = which == 1, Fire = which == 1 ? &OnVirtual : &OnProf, Owner = p };
                Register(slot);
            }
            return slot;
        }

        private static void OnVirtual(CpuTimer t, ulong count) => SignalDelivery.SendToProcess((Process)t.Owner, Signal.SIGVTALRM);
        private static void OnProf(CpuTimer t, ulong count) => SignalDelivery.SendToProcess((Process)t.Owner, Signal.SIGPROF);

        private static void FreeItimer(Process p, ref CpuTimer slot)
        {
            if (slot == null) return;
            Unregister(slot);
            Runtime.Allocator.Free(slot);
            slot = null;
        }
    }
}
