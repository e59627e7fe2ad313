// Robust futexes (set_robust_list): when a thread ends or execs, the futex words of the locks it
// still holds are marked FUTEX_OWNER_DIED and one waiter is woken, as Linux's exit_robust_list,
// so the next locker of a robust mutex gets EOWNERDEAD instead of waiting forever.
// The list lives in user memory: struct robust_list_head { next; long futex_offset; list_op_pending; },
// each entry a struct robust_list { next; } whose lock word sits at entry + futex_offset; bit 0
// of a pointer marks a PI futex.
using Kernel.Memory;

namespace Kernel
{
    internal static unsafe class RobustList
    {
        private const uint FUTEX_WAITERS = 0x80000000, FUTEX_OWNER_DIED = 0x40000000, FUTEX_TID_MASK = 0x3FFFFFFF;
        private const int Limit = 2048;                  // ROBUST_LIST_LIMIT: a cyclic list cannot hold the thread forever

        /// <summary>Releases what <paramref name="t"/> holds, in the current address space (its process's);
        /// called once, as it exits or execs (the registration goes).</summary>
        public static void Release(Thread t)
        {
            ulong head = t.RobustList;
            t.RobustList = 0;
            if (head == 0) return;
            if (UserMemory.Read(head, out ulong entry) != 0) return;
            if (UserMemory.Read(head + 8, out long offset) != 0) return;
            if (UserMemory.Read(head + 16, out ulong pending) != 0) return;
            bool pi = (entry & 1) != 0, pendingPi = (pending & 1) != 0;
            entry &= ~1UL; pending &= ~1UL;
            for (int n = 0; entry != head && n < Limit; n++)
            {
                // Read the next link first: waking a waiter may let it reuse this entry.
                bool bad = UserMemory.Read(entry, out ulong next) != 0;
                if (entry != pending) OwnerDied(entry + (ulong)offset, t.Tid, pi, false);
                if (bad) return;
                pi = (next & 1) != 0;
                entry = next & ~1UL;
            }
            if (pending != 0) OwnerDied(pending + (ulong)offset, t.Tid, pendingPi, true);
        }

        // Linux's handle_futex_death.
        private static void OwnerDied(ulong uaddr, int tid, bool pi, bool pendingOp)
        {
            if ((uaddr & 3) != 0) return;
            if (UserMemory.Read(uaddr, out uint word) != 0) return;
            // An unlock in flight (list_op_pending) already cleared the word: a waiter may have missed the wake.
            if (pendingOp && !pi && word == 0) { Futex.WakeAddress(uaddr, 1); return; }
            if ((word & FUTEX_TID_MASK) != (uint)tid) return;
            // One CPU and no preemption inside the kernel: a plain write is Linux's cmpxchg loop.
            if (UserMemory.Write(uaddr, (word & FUTEX_WAITERS) | FUTEX_OWNER_DIED) != 0) return;
            if (!pi && (word & FUTEX_WAITERS) != 0) Futex.WakeAddress(uaddr, 1);
        }
    }
}
