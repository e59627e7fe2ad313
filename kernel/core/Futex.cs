// Futexes. A word in MAP_SHARED memory is keyed by its physical address (the page cache frame is
// the same in every process that maps it); any other word by (address space, virtual address),
// since a private page may be copied on write after fork while a waiter sleeps on it. All waiters
// sleep on one queue and carry their key and bitset; wake, requeue and wake-op walk it.
using Kernel.Memory;
using Kernel.Syscalls;

namespace Kernel
{
    internal static unsafe class Futex
    {
        private const int FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5,
            FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10, FUTEX_CMD_MASK = 0x7F, FUTEX_CLOCK_REALTIME = 256;
        private const uint BitsetAny = 0xFFFFFFFF;

        private static readonly WaitQueue s_waiters = new WaitQueue();

        /// <summary>The key of the futex word at <paramref name="uaddr"/>, or 0 when unmapped; <paramref name="map"/> is null for a shared word.</summary>
        private static ulong Key(ulong uaddr, out MemoryMap map)
        {
            map = null;
            if (UserMemory.Read(uaddr, out uint _) != 0) return 0;         // faults the page in
            int i = AddressSpace.Find(uaddr);
            if (i >= 0 && AddressSpace.Regions[i].Kind == Vma.Shared)
            {
                ulong phys = PageTable.Lookup(uaddr, out _);
                return phys == 0 ? 0 : phys + (uaddr & 0xFFF);
            }
            map = MemoryMap.Current;
            return uaddr;
        }

        private static int WakeKey(ulong key, MemoryMap map, int count, uint bitset)
        {
            int woken = 0;
            Thread t = s_waiters.Head;
            while (t != null && woken < count)
            {
                Thread next = t.WaitNext;
                if (t.FutexKey == key && t.FutexMap == map && (t.FutexBitset & bitset) != 0) { Scheduler.Wake(t, Scheduler.Woken); woken++; }
                t = next;
            }
            return woken;
        }

        /// <summary>Wakes up to <paramref name="count"/> waiters on the word at a user address of the calling process.</summary>
        public static int WakeAddress(ulong uaddr, int count)
        {
            ulong key = Key(uaddr, out MemoryMap map);
            return key == 0 ? 0 : WakeKey(key, map, count, BitsetAny);
        }

        private static int Requeue(ulong from, MemoryMap fromMap, ulong to, MemoryMap toMap, int limit)
        {
            int moved = 0;
            for (Thread t = s_waiters.Head; t != null && moved < limit; t = t.WaitNext)
                if (t.FutexKey == from && t.FutexMap == fromMap) { t.FutexKey = to; t.FutexMap = toMap; moved++; }
            return moved;
        }

        // FUTEX_WAKE_OP: *uaddr2 = op(*uaddr2, oparg); wake on uaddr; wake on uaddr2 too if cmp(old, cmparg).
        private static long WakeOp(SyscallFrame* f)
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
            ulong key = Key(uaddr, out MemoryMap map), key2 = Key(uaddr2, out MemoryMap map2);
            int woken = key == 0 ? 0 : WakeKey(key, map, (int)f->A2, BitsetAny);
            bool hit = cmp switch { 0 => old == cmparg, 1 => old != cmparg, 2 => old < cmparg, 3 => old <= cmparg, 4 => old > cmparg, _ => old >= cmparg };
            if (hit && key2 != 0) woken += WakeKey(key2, map2, (int)f->A3, BitsetAny);
            return woken;
        }

        public static long Syscall(SyscallFrame* f)
        {
            int op = (int)f->A1 & FUTEX_CMD_MASK;
            bool realtime = ((int)f->A1 & FUTEX_CLOCK_REALTIME) != 0;
            ulong uaddr = f->A0;
            if ((uaddr & 3) != 0) return -Errno.EINVAL;
            if (realtime && op != FUTEX_WAIT && op != FUTEX_WAIT_BITSET) return -Errno.ENOSYS;
            switch (op)
            {
                case FUTEX_WAKE:
                case FUTEX_WAKE_BITSET:
                {
                    uint bits = op == FUTEX_WAKE ? BitsetAny : (uint)f->A5;
                    if (bits == 0) return -Errno.EINVAL;
                    ulong key = Key(uaddr, out MemoryMap map);
                    if (key == 0) return -Errno.EFAULT;
                    return WakeKey(key, map, (int)f->A2, bits);
                }
                case FUTEX_REQUEUE:
                case FUTEX_CMP_REQUEUE:
                {
                    ulong key = Key(uaddr, out MemoryMap map);
                    if (key == 0) return -Errno.EFAULT;
                    if (op == FUTEX_CMP_REQUEUE)
                    {
                        UserMemory.Read(uaddr, out uint cur);
                        if (cur != (uint)f->A5) return -Errno.EAGAIN;
                    }
                    ulong key2 = Key(f->A4, out MemoryMap map2);
                    if (key2 == 0) return -Errno.EFAULT;
                    int woken = WakeKey(key, map, (int)f->A2, BitsetAny);
                    return woken + Requeue(key, map, key2, map2, (int)f->A3);
                }
                case FUTEX_WAKE_OP:
                    return WakeOp(f);
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
                        ulong ns = (ulong)ts.Sec * 1_000_000_000 + (ulong)ts.Nsec;
                        // FUTEX_WAIT takes a relative timeout; FUTEX_WAIT_BITSET an absolute one on its clock.
                        if (op == FUTEX_WAIT) deadline = Drivers.Tsc.MonotonicNs() + ns;
                        else deadline = SysTime.ToMonotonic(realtime ? SysTime.CLOCK_REALTIME : SysTime.CLOCK_MONOTONIC, ns);
                        if (deadline == 0) deadline = 1;
                    }
                    if (UserMemory.Read(uaddr, out uint value) != 0) return -Errno.EFAULT;
                    if (value != (uint)f->A2) return -Errno.EAGAIN;
                    ulong key = Key(uaddr, out MemoryMap map);
                    Thread t = Thread.Current;
                    t.FutexKey = key;
                    t.FutexMap = map;
                    t.FutexBitset = bits;
                    int r = Scheduler.Sleep(s_waiters, deadline);
                    t.FutexKey = 0;
                    t.FutexMap = null;
                    if (r == Scheduler.Woken) return 0;
                    if (r == Scheduler.TimedOut) return -Errno.ETIMEDOUT;
                    return -Errno.ERESTARTSYS;
                }
            }
            return -Errno.ENOSYS;
        }
    }
}
