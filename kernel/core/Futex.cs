// Futexes: futex(2) and the futex2 calls (futex_waitv, futex_wake, futex_wait, futex_requeue) on
// one set of waiters, so a waiter of either API is woken by the other. A shared (non-private)
// futex word in MAP_SHARED memory is keyed by its physical address (the page cache frame is the
// same in every process that maps it); any other word by (address space, virtual address), since
// a private page may be copied on write after fork while a waiter sleeps on it. A private futex
// (FUTEX_PRIVATE_FLAG, FUTEX2_PRIVATE) is always keyed by (address space, address), as Linux.
// Every waiter sleeps on one FIFO queue and points at the futexes it waits for (a vector on its own
// kernel stack: one entry for futex(2), up to 128 for futex_waitv); wake and requeue walk it.
using Kernel.Memory;
using Kernel.Syscalls;

namespace Kernel
{
    /// <summary>One futex a thread sleeps on.</summary>
    internal struct FutexWait
    {
        public ulong Key, Space;    // Space: the address space's page-table root for a private key, 0 for a physical one
        public ulong Addr;          // the word's user address, to compare its value
        public uint Expected, Bitset;
    }

    internal static unsafe class Futex
    {
        private const int FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5,
            FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10, FUTEX_CMD_MASK = 0x7F, FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;
        private const uint BitsetAny = 0xFFFFFFFF;

        // futex2 flags (struct futex_waitv.flags and the flags of futex_wake/futex_wait).
        private const uint FUTEX2_SIZE_U32 = 2, FUTEX2_SIZE_MASK = 3, FUTEX2_NUMA = 4, FUTEX2_MPOL = 8, FUTEX2_PRIVATE = 128,
            FUTEX2_VALID = FUTEX2_SIZE_MASK | FUTEX2_NUMA | FUTEX2_MPOL | FUTEX2_PRIVATE;
        private const int FUTEX_WAITV_MAX = 128;
        private const uint FUTEX_NO_NODE = 0xFFFFFFFF;

        /// <summary>struct futex_waitv.</summary>
        private struct WaitvEntry { public ulong Val, Uaddr; public uint Flags, Reserved; }

        private static readonly WaitQueue s_waiters = new WaitQueue { Fifo = true };

        // ---- keys ----------------------------------------------------------------------------

        /// <summary>
        /// Keys the futex word at <paramref name="uaddr"/> into <paramref name="w"/>: 0 or -EFAULT. A private
        /// key touches no memory (Linux only range-checks it; the value read faults later); a shared one
        /// faults the page in to find its frame, and refuses a read-only anonymous page as Linux does.
        /// </summary>
        private static long Key(ulong uaddr, bool priv, FutexWait* w)
        {
            w->Addr = uaddr;
            if (uaddr >= AddressSpace.TaskSize - 3) return -Errno.EFAULT;
            if (!priv)
            {
                if (UserMemory.Read(uaddr, out uint _) != 0) return -Errno.EFAULT;
                int i = AddressSpace.Find(uaddr);
                if (i >= 0)
                {
                    ref Vma v = ref AddressSpace.Regions[i];
                    if (v.Kind == Vma.Shared)
                    {
                        ulong phys = PageTable.Lookup(uaddr, out _);
                        if (phys == 0) return -Errno.EFAULT;
                        w->Key = phys + (uaddr & 0xFFF);
                        w->Space = 0;
                        return 0;
                    }
                    bool anon = v.Kind == Vma.Anon || v.Kind == Vma.Heap || v.Kind == Vma.Stack;
                    if (anon && v.FileId == 0 && (v.Prot & 2) == 0) return -Errno.EFAULT;      // PROT_WRITE
                }
            }
            w->Key = uaddr;
            w->Space = MemoryMap.Current.Root;
            return 0;
        }

        /// <summary>futex2 flags: 0 when valid (32-bit words are the only size, as in Linux), else -EINVAL.</summary>
        private static long CheckFlags2(ulong flags) =>
            (flags & ~(ulong)FUTEX2_VALID) != 0 || (flags & FUTEX2_SIZE_MASK) != FUTEX2_SIZE_U32 ? -Errno.EINVAL : 0;

        /// <summary>
        /// Keys a futex2 word: alignment (a FUTEX2_NUMA futex is two words, value then node, aligned to
        /// their pair), then the node (one node here: 0, or FUTEX_NO_NODE, which is set to 0 as Linux
        /// sets it to the caller's node), then the key.
        /// </summary>
        private static long Key2(ulong uaddr, uint flags, FutexWait* w)
        {
            bool numa = (flags & FUTEX2_NUMA) != 0;
            if ((uaddr & (numa ? 7UL : 3UL)) != 0) return -Errno.EINVAL;
            if (numa)
            {
                if (uaddr >= AddressSpace.TaskSize - 7) return -Errno.EFAULT;
                if (UserMemory.Read(uaddr + 4, out uint node) != 0) return -Errno.EFAULT;
                if (node != FUTEX_NO_NODE && node != 0) return -Errno.EINVAL;
                if (node == FUTEX_NO_NODE && UserMemory.Write(uaddr + 4, 0u) != 0) return -Errno.EFAULT;
            }
            return Key(uaddr, (flags & FUTEX2_PRIVATE) != 0, w);
        }

        private static bool Same(in FutexWait a, in FutexWait b) => a.Key == b.Key && a.Space == b.Space;

        // ---- wake, requeue, wait -------------------------------------------------------------

        /// <summary>Wakes up to <paramref name="count"/> waiters (oldest first) on the futex <paramref name="k"/> whose bitset meets <paramref name="bitset"/>.</summary>
        private static int WakeKey(FutexWait* k, int count, uint bitset)
        {
            int woken = 0;
            Thread t = s_waiters.Head;
            while (t != null && woken < count)
            {
                Thread next = t.WaitNext;
                for (int i = 0; i < t.FutexCount; i++)
                {
                    FutexWait* w = t.FutexWaits + i;
                    if (Same(*w, *k) && (w->Bitset & bitset) != 0)
                    {
                        t.FutexWoken = i;
                        Scheduler.Wake(t, Scheduler.Woken);
                        woken++;
                        break;
                    }
                }
                t = next;
            }
            return woken;
        }

        /// <summary>Wakes up to <paramref name="count"/> waiters on the word at a user address of the calling process (CLONE_CHILD_CLEARTID).</summary>
        public static int WakeAddress(ulong uaddr, int count)
        {
            FutexWait k;
            return Key(uaddr, false, &k) != 0 ? 0 : WakeKey(&k, count, BitsetAny);
        }

        /// <summary>Moves up to <paramref name="limit"/> waits (oldest first) from futex <paramref name="from"/> to <paramref name="to"/>.</summary>
        private static int Requeue(FutexWait* from, FutexWait* to, int limit)
        {
            int moved = 0;
            for (Thread t = s_waiters.Head; t != null && moved < limit; t = t.WaitNext)
                for (int i = 0; i < t.FutexCount && moved < limit; i++)
                {
                    FutexWait* w = t.FutexWaits + i;
                    if (Same(*w, *from)) { w->Key = to->Key; w->Space = to->Space; moved++; }
                }
            return moved;
        }

        /// <summary>
        /// Wakes up to <paramref name="nrWake"/> waiters on <paramref name="from"/> (none for 0, unlike a
        /// wake) and moves up to <paramref name="nrRequeue"/> more to <paramref name="to"/>: woken plus moved.
        /// </summary>
        private static long WakeAndRequeue(FutexWait* from, FutexWait* to, int nrWake, int nrRequeue)
        {
            int woken = WakeKey(from, nrWake, BitsetAny);
            return woken + Requeue(from, to, nrRequeue);
        }

        /// <summary>
        /// Sleeps on the <paramref name="n"/> keyed futexes of <paramref name="w"/> while each word still holds
        /// its expected value: the index of the futex whose wake ended the sleep, -EAGAIN (a value differs,
        /// checked in order), -EFAULT, -ETIMEDOUT at <paramref name="deadline"/> (monotonic, 0: none) or
        /// -ERESTARTSYS on a signal. No other thread runs between the check and the sleep (one CPU, kernel
        /// code is not preempted), so a wake that follows a change of the word cannot be missed.
        /// </summary>
        private static long Wait(FutexWait* w, int n, ulong deadline)
        {
            Thread t = Thread.Current;
            while (true)
            {
                for (int i = 0; i < n; i++)
                {
                    if (UserMemory.Read(w[i].Addr, out uint value) != 0) return -Errno.EFAULT;
                    if (value != w[i].Expected) return -Errno.EAGAIN;
                }
                t.FutexWaits = w;
                t.FutexCount = n;
                t.FutexWoken = -1;
                int r = Scheduler.Sleep(s_waiters, deadline);
                int woken = t.FutexWoken;
                t.FutexWaits = null;
                t.FutexCount = 0;
                if (woken >= 0) return woken;
                if (r == Scheduler.TimedOut) return -Errno.ETIMEDOUT;
                if (r == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
                // Woken by something else than a futex wake: look at the words again, as Linux does.
            }
        }

        /// <summary>A timespec's nanoseconds, saturated far beyond any real deadline.</summary>
        private static ulong Nanoseconds(in SysTime.Timespec ts) =>
            (ulong)ts.Sec >= 1UL << 33 ? 1UL << 62 : (ulong)ts.Sec * 1_000_000_000 + (ulong)ts.Nsec;

        /// <summary>futex2's timeout: an absolute time on <paramref name="clock"/> (CLOCK_MONOTONIC or CLOCK_REALTIME), NULL for none. 0 or -errno.</summary>
        private static long Deadline2(ulong timeout, int clock, out ulong deadline)
        {
            deadline = 0;
            if (timeout == 0) return 0;
            if (clock != SysTime.CLOCK_REALTIME && clock != SysTime.CLOCK_MONOTONIC) return -Errno.EINVAL;
            if (UserMemory.Read(timeout, out SysTime.Timespec ts) != 0) return -Errno.EFAULT;
            if (ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1_000_000_000) return -Errno.EINVAL;
            deadline = SysTime.ToMonotonic(clock, Nanoseconds(ts));
            return 0;
        }

        // ---- futex(2) ------------------------------------------------------------------------

        // FUTEX_WAKE_OP: *uaddr2 = op(*uaddr2, oparg); wake on uaddr; wake on uaddr2 too if cmp(old, cmparg).
        private static long WakeOp(SyscallFrame* f, bool priv)
        {
            ulong uaddr = f->A0, uaddr2 = f->A4;
            uint encoded = (uint)f->A5;
            if ((uaddr2 & 3) != 0) return -Errno.EINVAL;
            if (UserMemory.Read(uaddr2, out int old) != 0) return -Errno.EFAULT;
            int op = (int)(encoded >> 28) & 7;
            int cmp = (int)(encoded >> 24) & 15;
            int oparg = (int)(encoded << 8) >> 20;
            int cmparg = (int)(encoded << 20) >> 20;
            if ((encoded >> 31) != 0) oparg = 1 << (oparg & 31);         // FUTEX_OP_OPARG_SHIFT
            if (op > 4 || cmp > 5) return -Errno.ENOSYS;
            int value = op switch { 0 => oparg, 1 => old + oparg, 2 => old | oparg, 3 => old & ~oparg, _ => old ^ oparg };
            if (UserMemory.Write(uaddr2, value) != 0) return -Errno.EFAULT;
            FutexWait k, k2;
            bool ok = Key(uaddr, priv, &k) == 0, ok2 = Key(uaddr2, priv, &k2) == 0;
            int woken = ok ? WakeKey(&k, AtLeastOne((int)f->A2), BitsetAny) : 0;
            bool hit = cmp switch { 0 => old == cmparg, 1 => old != cmparg, 2 => old < cmparg, 3 => old <= cmparg, 4 => old > cmparg, _ => old >= cmparg };
            if (hit && ok2) woken += WakeKey(&k2, AtLeastOne((int)f->A3), BitsetAny);
            return woken;
        }

        // futex(2)'s wakes end after the first waiter even when asked for none (Linux counts after waking).
        private static int AtLeastOne(int n) => n < 1 ? 1 : n;

        public static long Syscall(SyscallFrame* f)
        {
            int op = (int)f->A1 & FUTEX_CMD_MASK;
            bool realtime = ((int)f->A1 & FUTEX_CLOCK_REALTIME) != 0;
            bool priv = ((int)f->A1 & FUTEX_PRIVATE_FLAG) != 0;
            ulong uaddr = f->A0;
            if ((uaddr & 3) != 0) return -Errno.EINVAL;
            if (realtime && op != FUTEX_WAIT && op != FUTEX_WAIT_BITSET) return -Errno.ENOSYS;
            FutexWait k;
            switch (op)
            {
                case FUTEX_WAKE:
                case FUTEX_WAKE_BITSET:
                {
                    uint bits = op == FUTEX_WAKE ? BitsetAny : (uint)f->A5;
                    if (bits == 0) return -Errno.EINVAL;
                    if (Key(uaddr, priv, &k) != 0) return -Errno.EFAULT;
                    return WakeKey(&k, AtLeastOne((int)f->A2), bits);
                }
                case FUTEX_REQUEUE:
                case FUTEX_CMP_REQUEUE:
                {
                    int nrWake = (int)f->A2, nrRequeue = (int)f->A3;
                    if (nrWake < 0 || nrRequeue < 0) return -Errno.EINVAL;
                    FutexWait k2;
                    if (Key(uaddr, priv, &k) != 0) return -Errno.EFAULT;
                    if ((f->A4 & 3) != 0) return -Errno.EINVAL;
                    if (Key(f->A4, priv, &k2) != 0) return -Errno.EFAULT;
                    if (op == FUTEX_CMP_REQUEUE)
                    {
                        if (UserMemory.Read(uaddr, out uint cur) != 0) return -Errno.EFAULT;
                        if (cur != (uint)f->A5) return -Errno.EAGAIN;
                    }
                    return WakeAndRequeue(&k, &k2, nrWake, nrRequeue);
                }
                case FUTEX_WAKE_OP:
                    return WakeOp(f, priv);
                case FUTEX_WAIT:
                case FUTEX_WAIT_BITSET:
                {
                    uint bits = op == FUTEX_WAIT ? BitsetAny : (uint)f->A5;
                    if (bits == 0) return -Errno.EINVAL;
                    ulong deadline = 0;
                    if (f->A3 != 0)
                    {
                        if (UserMemory.Read(f->A3, out SysTime.Timespec ts) != 0) return -Errno.EFAULT;
                        if (ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1_000_000_000) return -Errno.EINVAL;
                        // FUTEX_WAIT takes a relative timeout; FUTEX_WAIT_BITSET an absolute one on its clock.
                        if (op == FUTEX_WAIT) deadline = Drivers.Tsc.MonotonicNs() + Nanoseconds(ts);
                        else deadline = SysTime.ToMonotonic(realtime ? SysTime.CLOCK_REALTIME : SysTime.CLOCK_MONOTONIC, Nanoseconds(ts));
                        if (deadline == 0) deadline = 1;
                    }
                    if (Key(uaddr, priv, &k) != 0) return -Errno.EFAULT;
                    k.Expected = (uint)f->A2;
                    k.Bitset = bits;
                    long r = Wait(&k, 1, deadline);
                    return r >= 0 ? 0 : r;
                }
            }
            return -Errno.ENOSYS;
        }

        // ---- futex2 ----------------------------------------------------------------------------

        /// <summary>futex_waitv(waiters, nr_futexes, flags, timeout, clockid): the index of the futex woken.</summary>
        public static long Waitv(SyscallFrame* f)
        {
            ulong waiters = f->A0;
            uint nr = (uint)f->A1;
            if ((uint)f->A2 != 0) return -Errno.EINVAL;
            if (nr == 0 || nr > FUTEX_WAITV_MAX || waiters == 0) return -Errno.EINVAL;
            long e = Deadline2(f->A3, (int)f->A4, out ulong deadline);
            if (e != 0) return e;
            FutexWait* w = stackalloc FutexWait[(int)nr];      // at most 4 KiB of this thread's kernel stack
            uint* flags = stackalloc uint[(int)nr];
            // Linux reads and checks the whole vector, then keys every futex, then compares the values.
            for (uint i = 0; i < nr; i++)
            {
                if (UserMemory.Read(waiters + i * (ulong)sizeof(WaitvEntry), out WaitvEntry v) != 0) return -Errno.EFAULT;
                if (CheckFlags2(v.Flags) != 0 || v.Reserved != 0 || v.Val > uint.MaxValue) return -Errno.EINVAL;
                w[i].Addr = v.Uaddr;
                w[i].Expected = (uint)v.Val;
                w[i].Bitset = BitsetAny;
                flags[i] = v.Flags;
            }
            for (uint i = 0; i < nr; i++)
            {
                e = Key2(w[i].Addr, flags[i], w + i);
                if (e != 0) return e;
            }
            return Wait(w, (int)nr, deadline);
        }

        /// <summary>futex_wake(uaddr, mask, nr, flags): the number of waiters woken.</summary>
        public static long Wake2(SyscallFrame* f)
        {
            ulong mask = f->A1;
            int nr = (int)f->A2;
            uint flags = (uint)f->A3;
            if (CheckFlags2(flags) != 0 || mask > uint.MaxValue || mask == 0) return -Errno.EINVAL;
            FutexWait k;
            long e = Key2(f->A0, flags, &k);
            if (e != 0) return e;
            if (nr == 0) return 0;                                   // futex2 is strict: nr 0 wakes nobody
            return WakeKey(&k, AtLeastOne(nr), (uint)mask);
        }

        /// <summary>futex_wait(uaddr, val, mask, flags, timeout, clockid): 0 once woken.</summary>
        public static long Wait2(SyscallFrame* f)
        {
            ulong val = f->A1, mask = f->A2;
            uint flags = (uint)f->A3;
            if (CheckFlags2(flags) != 0 || val > uint.MaxValue || mask > uint.MaxValue) return -Errno.EINVAL;
            long e = Deadline2(f->A4, (int)f->A5, out ulong deadline);
            if (e != 0) return e;
            if (mask == 0) return -Errno.EINVAL;
            FutexWait k;
            e = Key2(f->A0, flags, &k);
            if (e != 0) return e;
            k.Expected = (uint)val;
            k.Bitset = (uint)mask;
            long r = Wait(&k, 1, deadline);
            return r >= 0 ? 0 : r;
        }

        /// <summary>futex_requeue(waiters[2], flags, nr_wake, nr_requeue): waiters[0] is the source and its expected value, waiters[1] the target.</summary>
        public static long Requeue2(SyscallFrame* f)
        {
            ulong waiters = f->A0;
            int nrWake = (int)f->A2, nrRequeue = (int)f->A3;
            if ((uint)f->A1 != 0 || waiters == 0) return -Errno.EINVAL;
            WaitvEntry* v = stackalloc WaitvEntry[2];
            for (int i = 0; i < 2; i++)
            {
                if (UserMemory.Read(waiters + (ulong)(i * sizeof(WaitvEntry)), out v[i]) != 0) return -Errno.EFAULT;
                if (CheckFlags2(v[i].Flags) != 0 || v[i].Reserved != 0 || v[i].Val > uint.MaxValue) return -Errno.EINVAL;
            }
            if (v[0].Flags != v[1].Flags) return -Errno.EINVAL;        // Linux mandates identical flags, as futex(2) has
            if (nrWake < 0 || nrRequeue < 0) return -Errno.EINVAL;
            FutexWait from, to;
            long e = Key2(v[0].Uaddr, v[0].Flags, &from);
            if (e == 0) e = Key2(v[1].Uaddr, v[1].Flags, &to);
            if (e != 0) return e;
            if (UserMemory.Read(v[0].Uaddr, out uint cur) != 0) return -Errno.EFAULT;
            if (cur != (uint)v[0].Val) return -Errno.EAGAIN;
            return WakeAndRequeue(&from, &to, nrWake, nrRequeue);
        }
    }
}
