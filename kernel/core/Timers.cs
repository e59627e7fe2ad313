// Kernel timers for things that fire by themselves: POSIX timers and timerfd (sleep deadlines of
// threads live in the scheduler's list). One list sorted by expiry, checked on every timer
// interrupt (the clock is armed for the first expiry);
// a periodic timer re-arms itself, counting the periods it missed as overruns.
using Kernel.Drivers;

namespace Kernel
{
    internal sealed unsafe class KTimer
    {
        public ulong Expires;                   // monotonic ns; 0: disarmed
        public ulong Interval;                  // ns; 0: one-shot
        public KTimer Next;
        public bool Armed;
        public delegate*<KTimer, ulong, void> Fire;   // (timer, expirations) on expiry, from the tick
        public object Owner;
    }

    internal static unsafe class Timers
    {
        private static KTimer s_head;

        public static void Arm(KTimer t, ulong expires, ulong interval)
        {
            Disarm(t);
            t.Interval = interval;
            if (expires == 0) return;
            t.Expires = expires;
            t.Armed = true;
            Timer.Request(expires);
            if (s_head == null || expires < s_head.Expires) { t.Next = s_head; s_head = t; return; }
            KTimer p = s_head;
            while (p.Next != null && p.Next.Expires <= expires) p = p.Next;
            t.Next = p.Next;
            p.Next = t;
        }

        public static void Disarm(KTimer t)
        {
            if (!t.Armed) { t.Expires = 0; return; }
            t.Armed = false;
            t.Expires = 0;
            if (s_head == t) { s_head = t.Next; t.Next = null; return; }
            for (KTimer p = s_head; p != null; p = p.Next)
                if (p.Next == t) { p.Next = t.Next; break; }
            t.Next = null;
        }

        /// <summary>When the first timer fires (monotonic ns), or 0.</summary>
        public static ulong NextExpiry => s_head == null ? 0 : s_head.Expires;

        /// <summary>Time left before <paramref name="t"/> fires (0 when disarmed).</summary>
        public static ulong Remaining(KTimer t)
        {
            if (!t.Armed) return 0;
            ulong now = Tsc.MonotonicNs();
            return t.Expires > now ? t.Expires - now : 1;
        }

        /// <summary>Timer tick: fires every expired timer.</summary>
        public static void Tick(ulong now)
        {
            while (s_head != null && s_head.Expires <= now)
            {
                KTimer t = s_head;
                s_head = t.Next;
                t.Next = null;
                t.Armed = false;
                ulong count = 1;
                if (t.Interval != 0)
                {
                    count += (now - t.Expires) / t.Interval;
                    Arm(t, t.Expires + count * t.Interval, t.Interval);
                }
                else t.Expires = 0;
                t.Fire(t, count);
            }
        }
    }
}
