// Work that interrupts hand to the next safe point. Interrupts stay enabled while a syscall runs,
// but an interrupt that arrives in kernel code does no more than note itself (the timer sets
// TickPending, a device vector is marked in Irq): its real work — waking sleepers, firing timers,
// feeding received frames to the network stack — runs here, with interrupts masked, where no
// kernel code is half-way through changing what that work touches: on the way back to user mode,
// before the scheduler picks a thread, and in the idle loop. Linux without kernel preemption
// (CONFIG_PREEMPT_NONE) with its softirqs has the same shape.
using Kernel.Arch;
using Kernel.Drivers;

namespace Kernel
{
    internal static class Deferred
    {
        /// <summary>A timer interrupt arrived; its deadlines have not been checked yet.</summary>
        public static volatile bool TickPending;
        /// <summary>...and a 10 ms period passed with it: the periodic work is due too.</summary>
        public static volatile bool PeriodPending;
        /// <summary>A file's readiness changed while aio POLL requests wait (kernel/fs/Aio.cs): check them here,
        /// where no file is half-way through a change.</summary>
        public static volatile bool AioPollPending;
        /// <summary>...and io_uring requests wait for files (kernel/fs/IoUring.cs).</summary>
        public static volatile bool IoUringPollPending;
        private static bool s_running;

        public static bool Pending => TickPending || Irq.AnyPending || AioPollPending || IoUringPollPending;

        /// <summary>Interrupts masked: runs every deferred device handler and the tick's work.</summary>
        public static void Run()
        {
            // Nested (the work woke a thread and something called Schedule): the outer call finishes.
            // Handlers must not sleep: the work would wait for this one to be scheduled again.
            if (s_running) return;
            s_running = true;
            while (TickPending || Irq.AnyPending || AioPollPending || IoUringPollPending)
            {
                if (Irq.AnyPending)
                {
                    ulong t0 = Native.Rdtsc();
                    Irq.RunPending();
                    CpuTime.Devices += Native.Rdtsc() - t0;
                }
                if (TickPending)
                {
                    bool period = PeriodPending;
                    TickPending = PeriodPending = false;
                    ulong t0 = Native.Rdtsc();
                    Scheduler.TickWork(period);
                    CpuTime.Tick += Native.Rdtsc() - t0;
                }
                if (AioPollPending)
                {
                    AioPollPending = false;
                    Fs.AioContext.CheckPolls();
                }
                if (IoUringPollPending)
                {
                    IoUringPollPending = false;
                    Fs.IoRing.CheckPolls();
                }
            }
            s_running = false;
        }
    }
}
