// timerfd: a descriptor over a kernel timer; read returns the number of expirations since the
// last read (8 bytes), blocking until there is at least one; poll says POLLIN once it fired.
// TFD_TIMER_CANCEL_ON_SET (absolute CLOCK_REALTIME): a change of the wall clock since the timer
// was set makes the next read fail with ECANCELED, as Linux; checked against the clock's base
// (SysTime.RealtimeBaseNs), so no list of such timers is kept.
using Kernel.Memory;
using Kernel.Syscalls;

namespace Kernel.Fs
{
    internal sealed unsafe class TimerFile : File
    {
        public override long Seek(long offset, int whence) => 0;      // noop_llseek, as Linux: lseek succeeds and nothing moves

        public override string AnonName => "[timerfd]";
        public readonly KTimer Timer = new KTimer();
        public ulong Expirations;
        public int Clock;
        private bool _mightCancel;          // armed with ABSTIME | CANCEL_ON_SET on a real-time clock
        private ulong _realtimeBase;        // the wall clock's base when armed (or last canceled)

        private bool Canceled => _mightCancel && _realtimeBase != SysTime.RealtimeBaseNs;

        private static void OnFire(KTimer t, ulong count)
        {
            var tf = (TimerFile)t.Owner;
            tf.Expirations += count;
            PollWait.Changed();
        }

        public override long Read(byte* dst, long n)
        {
            if (n < 8) return -Errno.EINVAL;
            while (Expirations == 0 && !Canceled)
            {
                if ((Flags & OpenFlags.O_NONBLOCK) != 0) return -Errno.EAGAIN;
                if (Scheduler.Sleep(PollWait.Queue, 0) == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
            }
            if (Canceled)
            {
                _realtimeBase = SysTime.RealtimeBaseNs;   // reported once per change
                Expirations = 0;
                return -Errno.ECANCELED;
            }
            *(ulong*)dst = Expirations;
            Expirations = 0;
            return 8;
        }

        public override long Write(byte* src, long n) => -Errno.EINVAL;
        public override short Poll() => Expirations != 0 || Canceled ? PollBits.POLLIN : (short)0;
        public override void OnLastClose() { Timers.Disarm(Timer); Runtime.Allocator.Free(Timer); }

        private const int TFD_TIMER_ABSTIME = 1, TFD_TIMER_CANCEL_ON_SET = 2;

        public static long Create(SyscallFrame* f)
        {
            int clock = (int)f->A0, flags = (int)f->A1;
            if (clock != SysTime.CLOCK_REALTIME && clock != SysTime.CLOCK_MONOTONIC && clock != SysTime.CLOCK_BOOTTIME && clock != 8 && clock != 9)
                return -Errno.EINVAL;
            if ((flags & ~(OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC)) != 0) return -Errno.EINVAL;
            var tf = new TimerFile { Clock = clock, Flags = OpenFlags.O_RDWR | (flags & OpenFlags.O_NONBLOCK) };
            tf.Timer.Owner = tf;
            tf.Timer.Fire = &OnFire;
            int fd = FdTable.Install(tf, 0, (flags & OpenFlags.O_CLOEXEC) != 0);
            if (fd < 0) FdTable.Release(tf);
            return fd;
        }

        public static long Settime(SyscallFrame* f)
        {
            if (!(FdTable.Get((int)f->A0) is TimerFile tf)) return FdTable.Get((int)f->A0) == null ? -Errno.EBADF : -Errno.EINVAL;
            int flags = (int)f->A1;
            if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) != 0) return -Errno.EINVAL;
            long r = SysTimer.ReadItimerspec(f->A2, tf.Clock, (flags & TFD_TIMER_ABSTIME) != 0, out ulong expires, out ulong interval);
            if (r < 0) return r;
            if (f->A3 != 0 && SysTimer.WriteItimerspec(f->A3, tf.Timer) != 0) return -Errno.EFAULT;
            tf.Expirations = 0;
            tf._mightCancel = (flags & (TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) == (TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) &&
                              (tf.Clock == SysTime.CLOCK_REALTIME || tf.Clock == 8);
            tf._realtimeBase = SysTime.RealtimeBaseNs;
            Timers.Arm(tf.Timer, expires, interval);
            return 0;
        }

        public static long Gettime(SyscallFrame* f)
        {
            if (!(FdTable.Get((int)f->A0) is TimerFile tf)) return FdTable.Get((int)f->A0) == null ? -Errno.EBADF : -Errno.EINVAL;
            return SysTimer.WriteItimerspec(f->A1, tf.Timer) != 0 ? -Errno.EFAULT : 0;
        }
    }
}
