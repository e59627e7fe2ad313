// An io_uring instance (the syscalls and the opcodes are in syscall/SysIoUring.cs). The program
// maps one region holding both rings ("struct io_rings": SQ and CQ heads and tails, masks, flags,
// the CQE array, then the SQ index array — IORING_FEAT_SINGLE_MMAP) and one holding the SQE array.
// Their frames belong to the ring, as an aio context's do (kernel/fs/Aio.cs): the kernel reads the
// SQ tail and writes CQEs through the direct map whatever address space is loaded, and a fork child
// shares them through its copy of the MAP_SHARED mapping.
// Requests run while io_uring_enter runs. One that has to wait (a poll, a read from an empty pipe
// or socket, a timeout) is "armed": PollWait.Changed or its timer moves it, at the next safe point
// (Deferred), to the ready list, and it runs again in task context — the next io_uring_enter, or
// the end of any syscall of a thread of its submitter's address space (Linux's task_work). A
// posted CQE is never dropped: a full CQ keeps the rest in a kernel list (IORING_FEAT_NODROP).
using Kernel.Memory;

namespace Kernel.Fs
{
    /// <summary>struct io_uring_sqe (64 bytes), the kernel's stable copy (IORING_FEAT_SUBMIT_STABLE).</summary>
    internal struct IoSqe
    {
        public byte Opcode, Flags;
        public ushort Ioprio;
        public int Fd;
        public ulong Off;           // off / addr2
        public ulong Addr;          // addr / splice_off_in
        public uint Len;
        public uint OpFlags;        // rw_flags, msg_flags, poll32_events, timeout_flags, open_flags ...
        public ulong UserData;
        public ushort BufIndex, Personality;
        public int FileIndex;       // splice_fd_in / file_index
        public ulong Addr3, Pad2;
    }

    internal sealed class IoRequest
    {
        public IoRing Ring;
        public IoRequest Next;      // the armed, ready or queued list it is on
        public IoRequest Link;      // the next request of its IOSQE_IO_LINK chain
        public IoSqe Sqe;
        public MemoryMap Mm;        // the submitter's address space: user pointers are in it
        public File File;           // armed: the file it waits for (a reference of its own)
        public int Events;          // armed: the poll bits it waits for
        public bool Fired;          // a timeout whose timer expired
        public bool CountReached;   // a timeout whose completion count was reached
        public ulong Target;        // a timeout's count target (in non-timeout CQEs)
        public KTimer Timer;
        public int InitError;       // refused when submitted (-errno), posted when it runs
    }

    internal sealed class IoOverflow { public IoOverflow Next; public ulong Data; public int Res; public uint Flags; }

    internal sealed unsafe class IoRing : File
    {
        // struct io_rings offsets, as Linux lays them out.
        public const uint OffSqHead = 0, OffSqTail = 4, OffCqHead = 8, OffCqTail = 12, OffSqMask = 16, OffCqMask = 20,
            OffSqEntries = 24, OffCqEntries = 28, OffSqDropped = 32, OffSqFlags = 36, OffCqFlags = 40, OffCqOverflow = 44, OffCqes = 64;
        public const uint IORING_SQ_CQ_OVERFLOW = 2;
        public const ulong OffSqRing = 0, OffCqRing = 0x8000000, OffSqes = 0x10000000;

        public override string AnonName => "[io_uring]";

        public uint SqEntries, CqEntries, SqArrayOff;
        public uint SqHead, CqTail;                 // the kernel's copies
        public ulong NonTimeoutCqes;                // for IORING_OP_TIMEOUT's completion count
        private ulong* _ringFrames, _sqeFrames;
        private int _ringPages, _sqePages;
        public readonly WaitQueue Waiters = new WaitQueue();

        public IoRequest Armed, Ready, Queued;     // waiting; to run again in task context; behind an IO_DRAIN
        public bool DrainDisabled;                  // a CQE_SKIP_SUCCESS request was seen: IO_DRAIN is EOPNOTSUPP
        public int InFlight;                        // armed + ready requests
        private IoOverflow _overflow, _overflowTail;
        public IoRing NextRing;                     // every live ring
        private bool _closed;
        public bool Closed => _closed;

        // Registered resources.
        public File[] FixedFiles;
        public ulong* BufBase, BufLen;
        public int BufCount;
        public EventFile EventFd;

        private static IoRing s_rings;
        public static bool AnyArmedPoll;            // some armed request waits for a file
        public static bool AnyReady;

        public ulong RingBytes => (ulong)_ringPages * AddressSpace.PageSize;
        public ulong SqeBytes => (ulong)_sqePages * AddressSpace.PageSize;

        public static long Create(uint sq, uint cq, out IoRing ring)
        {
            ring = null;
            var r = new IoRing { SqEntries = sq, CqEntries = cq, Flags = OpenFlags.O_RDWR };
            r.SqArrayOff = OffCqes + cq * 16;
            ulong ringBytes = r.SqArrayOff + (ulong)sq * 4;
            r._ringPages = (int)(AddressSpace.PageUp(ringBytes) / AddressSpace.PageSize);
            r._sqePages = (int)(AddressSpace.PageUp((ulong)sq * 64) / AddressSpace.PageSize);
            r._ringFrames = AllocFrames(r._ringPages);
            r._sqeFrames = AllocFrames(r._sqePages);
            if (r._ringFrames == null || r._sqeFrames == null) { r.FreeFrames(); Runtime.Allocator.Free(r.Waiters); Runtime.Allocator.Free(r); return -Errno.ENOMEM; }
            *r.U32(OffSqMask) = sq - 1; *r.U32(OffCqMask) = cq - 1;
            *r.U32(OffSqEntries) = sq; *r.U32(OffCqEntries) = cq;
            r.NextRing = s_rings;
            s_rings = r;
            ring = r;
            return 0;
        }

        private static ulong* AllocFrames(int pages)
        {
            var frames = (ulong*)Mm.KernelHeap.Alloc((ulong)pages * 8);
            if (frames == null) return null;
            for (int i = 0; i < pages; i++)
            {
                ulong phys = Mm.Pages.Alloc(1);
                if (phys == 0) { for (int k = 0; k < i; k++) FrameRefs.Release(frames[k]); Mm.KernelHeap.Free(frames); return null; }
                Mem.Zero(Mm.PhysToVirt(phys), AddressSpace.PageSize);
                frames[i] = phys;
            }
            return frames;
        }

        private void FreeFrames()
        {
            if (_ringFrames != null) { for (int i = 0; i < _ringPages; i++) FrameRefs.Release(_ringFrames[i]); Mm.KernelHeap.Free(_ringFrames); _ringFrames = null; }
            if (_sqeFrames != null) { for (int i = 0; i < _sqePages; i++) FrameRefs.Release(_sqeFrames[i]); Mm.KernelHeap.Free(_sqeFrames); _sqeFrames = null; }
        }

        /// <summary>A 4-byte field of the rings region (fields never straddle a page).</summary>
        public uint* U32(ulong off) => (uint*)((byte*)Mm.PhysToVirt(_ringFrames[off / AddressSpace.PageSize]) + off % AddressSpace.PageSize);

        /// <summary>mmap of the ring fd: the rings (at either ring offset: one object) or the SQE array.</summary>
        public long Map(ulong addr, ulong len, int prot, bool fixedAddr, bool noReplace, ulong offset)
        {
            ulong* frames; int pages;
            if (offset == OffSqRing || offset == OffCqRing) { frames = _ringFrames; pages = _ringPages; }
            else if (offset == OffSqes) { frames = _sqeFrames; pages = _sqePages; }
            else return -Errno.EINVAL;
            if (len == 0) return -Errno.EINVAL;
            if (AddressSpace.PageUp(len) > (ulong)pages * AddressSpace.PageSize) return -Errno.EINVAL;
            int n = (int)(AddressSpace.PageUp(len) / AddressSpace.PageSize);
            long at = AddressSpace.MapRegion(addr, len, prot, fixedAddr, noReplace, Vma.IoUring);
            if (at < 0) return at;
            for (int i = 0; i < n; i++)
            {
                ulong va = (ulong)at + (ulong)i * AddressSpace.PageSize;
                bool shared = FrameRefs.Share(frames[i]);
                if (!shared || !PageTable.Map(va, frames[i], PageTable.FlagsFor(prot)))
                {
                    if (shared) FrameRefs.Release(frames[i]);
                    AddressSpace.RemoveRange((ulong)at, (ulong)at + (ulong)n * AddressSpace.PageSize);
                    return -Errno.ENOMEM;
                }
                AddressSpace.PagesMapped++;
            }
            return at;
        }

        // ---- the submission queue --------------------------------------------------------------

        /// <summary>SQEs the program has published and the kernel not consumed yet.</summary>
        public uint SqPending
        {
            get
            {
                uint n = *U32(OffSqTail) - SqHead;
                return n > SqEntries ? SqEntries : n;
            }
        }

        /// <summary>Takes the next SQE (through the index array). False: its index is out of range (counted in sq_dropped).</summary>
        public bool TakeSqe(out IoSqe sqe)
        {
            uint idx = *U32(SqArrayOff + (SqHead & (SqEntries - 1)) * 4);
            SqHead++;
            *U32(OffSqHead) = SqHead;
            if (idx >= SqEntries) { sqe = default; (*U32(OffSqDropped))++; return false; }
            ulong off = (ulong)idx * 64;
            sqe = *(IoSqe*)((byte*)Mm.PhysToVirt(_sqeFrames[off / AddressSpace.PageSize]) + off % AddressSpace.PageSize);
            return true;
        }

        // ---- the completion queue --------------------------------------------------------------

        public uint CqReady => CqTail - *U32(OffCqHead);

        /// <summary>Posts one CQE (or keeps it while the CQ is full); the eventfd counts it, waiters wake.</summary>
        public void Post(ulong data, int res, uint flags, bool timeout)
        {
            if (!timeout) NonTimeoutCqes++;
            if (_closed) return;
            if (_overflow != null || !PutCqe(data, res, flags))
            {
                var o = new IoOverflow { Data = data, Res = res, Flags = flags };
                if (_overflowTail == null) _overflow = o; else _overflowTail.Next = o;
                _overflowTail = o;
                *U32(OffSqFlags) |= IORING_SQ_CQ_OVERFLOW;
            }
            if (EventFd != null) EventFd.Signal();
            if (!Waiters.IsEmpty) Waiters.WakeAll();
            PollWait.Changed();
            if (!timeout && Armed != null) CheckCountTimeouts();
        }

        private bool PutCqe(ulong data, int res, uint flags)
        {
            if (CqReady >= CqEntries) return false;
            ulong off = OffCqes + (ulong)(CqTail & (CqEntries - 1)) * 16;
            byte* p = (byte*)Mm.PhysToVirt(_ringFrames[off / AddressSpace.PageSize]) + off % AddressSpace.PageSize;
            *(ulong*)p = data; *(int*)(p + 8) = res; *(uint*)(p + 12) = flags;
            CqTail++;
            *U32(OffCqTail) = CqTail;            // the CQE is written first (x86 keeps stores in order)
            return true;
        }

        public bool Overflowing => _overflow != null;

        /// <summary>Moves kept CQEs into the CQ as room allows.</summary>
        public void FlushOverflow()
        {
            while (_overflow != null && PutCqe(_overflow.Data, _overflow.Res, _overflow.Flags))
            {
                IoOverflow o = _overflow;
                _overflow = o.Next;
                if (_overflow == null) _overflowTail = null;
                Runtime.Allocator.Free(o);
            }
            if (_overflow == null) *U32(OffSqFlags) &= ~IORING_SQ_CQ_OVERFLOW;
        }

        private void CheckCountTimeouts()
        {
            for (IoRequest r = Armed; r != null; r = r.Next)
                if (r.Timer != null && r.Target != 0 && !r.CountReached && NonTimeoutCqes >= r.Target) { r.CountReached = true; AnyReady = true; }
            if (AnyReady) MoveReadyTimeouts();
        }

        private void MoveReadyTimeouts()
        {
            IoRequest prev = null;
            for (IoRequest r = Armed; r != null;)
            {
                IoRequest next = r.Next;
                if (r.Timer != null && (r.CountReached || r.Fired)) { Unlink(ref Armed, prev, r); PushReady(r); }
                else prev = r;
                r = next;
            }
        }

        // ---- readiness ------------------------------------------------------------------------

        public override short Poll()
        {
            int m = 0;
            if (CqReady != 0 || _overflow != null || Ready != null) m |= PollBits.POLLIN | PollBits.POLLRDNORM;
            if (SqPending < SqEntries) m |= PollBits.POLLOUT | PollBits.POLLWRNORM;
            return (short)m;
        }

        public override long Read(byte* dst, long n) => -Errno.EINVAL;
        public override long Write(byte* src, long n) => -Errno.EINVAL;

        /// <summary>Arms <paramref name="r"/> to run again when <paramref name="file"/> has one of <paramref name="events"/> (takes a file reference).</summary>
        public void ArmPoll(IoRequest r, File file, int events)
        {
            file.RefCount++;
            r.File = file;
            r.Events = events | PollBits.POLLERR | PollBits.POLLHUP;
            r.Next = Armed;
            Armed = r;
            InFlight++;
            AnyArmedPoll = true;
        }

        /// <summary>Arms a timeout request (its timer is set by the caller).</summary>
        public void ArmTimer(IoRequest r)
        {
            r.Next = Armed;
            Armed = r;
            InFlight++;
        }

        private void PushReady(IoRequest r)
        {
            r.Next = null;
            if (Ready == null) Ready = r;
            else { IoRequest t = Ready; while (t.Next != null) t = t.Next; t.Next = r; }
            AnyReady = true;
        }

        private static void Unlink(ref IoRequest head, IoRequest prev, IoRequest r)
        {
            if (prev == null) head = r.Next; else prev.Next = r.Next;
            r.Next = null;
        }

        /// <summary>Takes an armed or ready request off its list (it stays counted in flight). False: not there.</summary>
        public bool Detach(IoRequest r)
        {
            IoRequest prev = null;
            for (IoRequest p = Armed; p != null; prev = p, p = p.Next) if (p == r) { Unlink(ref Armed, prev, r); return true; }
            prev = null;
            for (IoRequest p = Ready; p != null; prev = p, p = p.Next) if (p == r) { Unlink(ref Ready, prev, r); return true; }
            return false;
        }

        /// <summary>Deferred work: armed requests whose file is ready go to the ready list; their submitters wake.</summary>
        public static void CheckPolls()
        {
            bool any = false, moved = false;
            for (IoRing ring = s_rings; ring != null; ring = ring.NextRing)
            {
                IoRequest prev = null;
                for (IoRequest r = ring.Armed; r != null;)
                {
                    IoRequest next = r.Next;
                    if (r.File == null) { prev = r; r = next; continue; }
                    if (((ushort)r.File.Poll() & r.Events) == 0) { any = true; prev = r; r = next; continue; }
                    Unlink(ref ring.Armed, prev, r);
                    ring.PushReady(r);
                    if (!ring.Waiters.IsEmpty) ring.Waiters.WakeAll();
                    moved = true;
                    r = next;
                }
            }
            AnyArmedPoll = any;
            if (moved && !PollWait.Queue.IsEmpty) PollWait.Queue.WakeAll();     // epoll on a ring fd: it is readable now
        }

        /// <summary>A timeout's timer (from the tick): the request becomes ready.</summary>
        public static void TimerFired(KTimer t, ulong count)
        {
            var r = (IoRequest)t.Owner;
            IoRing ring = r.Ring;
            r.Fired = true;
            ring.MoveReadyTimeouts();
            if (!ring.Waiters.IsEmpty) ring.Waiters.WakeAll();
            if (!PollWait.Queue.IsEmpty) PollWait.Queue.WakeAll();
        }

        /// <summary>Takes the first ready request that belongs to the loaded address space, or null.</summary>
        public IoRequest TakeReady()
        {
            IoRequest prev = null;
            for (IoRequest r = Ready; r != null; prev = r, r = r.Next)
                if (r.Mm == MemoryMap.Current) { Unlink(ref Ready, prev, r); return r; }
            return null;
        }

        /// <summary>End of a syscall: ready requests of the caller's address space run (Linux's task_work).</summary>
        public static void RunReady()
        {
            AnyReady = false;
            for (IoRing ring = s_rings; ring != null; ring = ring.NextRing)
            {
                if (ring.Ready == null) continue;
                Syscalls.SysIoUring.RunReady(ring);
                if (ring.Ready != null) AnyReady = true;
            }
        }

        // ---- the end --------------------------------------------------------------------------

        public override void OnLastClose()
        {
            _closed = true;
            Syscalls.SysIoUring.CancelAll(this, null);
            Syscalls.SysIoUring.Unregister(this);
            if (s_rings == this) s_rings = NextRing;
            else for (IoRing p = s_rings; p != null; p = p.NextRing) if (p.NextRing == this) { p.NextRing = NextRing; break; }
            while (_overflow != null) { IoOverflow o = _overflow; _overflow = o.Next; Runtime.Allocator.Free(o); }
            FreeFrames();
            Runtime.Allocator.Free(Waiters);              // nobody sleeps on it: io_uring_enter holds a reference
        }

        /// <summary>An address space is going (exit, exec): the requests it submitted are cancelled.</summary>
        public static void ReleaseFor(MemoryMap m)
        {
            for (IoRing ring = s_rings; ring != null; ring = ring.NextRing) Syscalls.SysIoUring.CancelAll(ring, m);
        }
    }
}
