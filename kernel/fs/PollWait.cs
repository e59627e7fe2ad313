// One wait queue for every poll, select and epoll_wait in the system: any change of a file's
// readiness (data in or out of a pipe, a closed end, console input, an eventfd write) wakes all
// of them and each re-checks its own descriptors. Simple and never misses a wake-up; per-file
// queues are the refinement when many pollers wait at once.
namespace Kernel.Fs
{
    internal static class PollWait
    {
        public static readonly WaitQueue Queue = new WaitQueue();

        /// <summary>Counts Changed calls: the input edge of files that keep no count of their own (File.InputEvents).</summary>
        public static ulong Generation;

        public static void Changed()
        {
            Generation++;
            if (!Queue.IsEmpty) Queue.WakeAll();
            if (AioContext.PollsWaiting) Deferred.AioPollPending = true;     // checked at the next safe point
            if (IoRing.AnyArmedPoll) Deferred.IoUringPollPending = true;
        }
    }
}
