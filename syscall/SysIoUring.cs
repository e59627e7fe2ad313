// io_uring: io_uring_setup, io_uring_enter and io_uring_register over the rings of
// kernel/fs/IoUring.cs. Requests run while io_uring_enter runs, mostly through the syscalls' own
// handlers (the SQE's fields become the call's arguments), and post their CQE at once; a request
// that would block on a pipe or socket (READ, RECV, ACCEPT ...) and POLL_ADD are armed and run
// again when their file is ready; TIMEOUT waits for its timer or its completion count. Links run
// their requests one after the other; IO_DRAIN waits for everything before it.
using Kernel.Fs;
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysIoUring
    {
        private const uint IORING_MAX_ENTRIES = 32768, IORING_MAX_CQ_ENTRIES = 2 * IORING_MAX_ENTRIES;
        private const uint IORING_SETUP_CQSIZE = 1 << 3, IORING_SETUP_CLAMP = 1 << 4;
        private const uint IORING_SETUP_ALL = (1u << 19) - 1;                   // every flag Linux 6.18 knows
        private const uint IORING_FEAT_SINGLE_MMAP = 1, IORING_FEAT_NODROP = 2, IORING_FEAT_SUBMIT_STABLE = 4,
            IORING_FEAT_RW_CUR_POS = 8, IORING_FEAT_FAST_POLL = 32, IORING_FEAT_POLL_32BITS = 64,
            IORING_FEAT_EXT_ARG = 256, IORING_FEAT_CQE_SKIP = 2048;
        private const uint IORING_ENTER_GETEVENTS = 1, IORING_ENTER_SQ_WAKEUP = 2, IORING_ENTER_SQ_WAIT = 4,
            IORING_ENTER_EXT_ARG = 8, IORING_ENTER_REGISTERED_RING = 16;
        private const byte IOSQE_FIXED_FILE = 1, IOSQE_IO_DRAIN = 2, IOSQE_IO_LINK = 4, IOSQE_IO_HARDLINK = 8,
            IOSQE_ASYNC = 16, IOSQE_BUFFER_SELECT = 32, IOSQE_CQE_SKIP_SUCCESS = 64;
        private const uint IORING_TIMEOUT_ABS = 1;
        private const uint IORING_ASYNC_CANCEL_ALL = 1, IORING_ASYNC_CANCEL_FD = 2, IORING_ASYNC_CANCEL_ANY = 4;
        private const int MSG_DONTWAIT = 0x40, MSG_WAITALL = 0x100, RWF_NOWAIT = 8;
        private const ulong MaxRwCount = 0x7ffff000;

        // Opcodes (enum io_uring_op).
        private const byte OP_NOP = 0, OP_READV = 1, OP_WRITEV = 2, OP_FSYNC = 3, OP_READ_FIXED = 4, OP_WRITE_FIXED = 5,
            OP_POLL_ADD = 6, OP_POLL_REMOVE = 7, OP_SYNC_FILE_RANGE = 8, OP_SENDMSG = 9, OP_RECVMSG = 10, OP_TIMEOUT = 11,
            OP_TIMEOUT_REMOVE = 12, OP_ACCEPT = 13, OP_ASYNC_CANCEL = 14, OP_CONNECT = 16, OP_FALLOCATE = 17,
            OP_OPENAT = 18, OP_CLOSE = 19, OP_STATX = 21, OP_READ = 22, OP_WRITE = 23, OP_FADVISE = 24, OP_MADVISE = 25,
            OP_SEND = 26, OP_RECV = 27, OP_OPENAT2 = 28, OP_EPOLL_CTL = 29, OP_SPLICE = 30, OP_SHUTDOWN = 34, OP_RENAMEAT = 35,
            OP_UNLINKAT = 36, OP_MKDIRAT = 37, OP_SYMLINKAT = 38, OP_LINKAT = 39, OP_SOCKET = 45, OP_FTRUNCATE = 55,
            OP_BIND = 56, OP_LISTEN = 57, OP_LAST = 58;

        /// <summary>The opcodes run here (REGISTER_PROBE reports them).</summary>
        private static bool Supported(int op) =>
            (op >= OP_NOP && op <= OP_ASYNC_CANCEL) || (op >= OP_CONNECT && op <= OP_CLOSE) || (op >= OP_STATX && op <= OP_SPLICE) ||
            (op >= OP_SHUTDOWN && op <= OP_LINKAT) || op == OP_SOCKET || (op >= OP_FTRUNCATE && op <= OP_LISTEN);

        private const long Armed = long.MinValue;   // Run's answer for a request that now waits

        private struct SqOffsets { public uint Head, Tail, RingMask, RingEntries, Flags, Dropped, Array, Resv1; public ulong UserAddr; }
        private struct CqOffsets { public uint Head, Tail, RingMask, RingEntries, Overflow, Cqes, Flags, Resv1; public ulong UserAddr; }
        private struct Params
        {
            public uint SqEntries, CqEntries, Flags, SqThreadCpu, SqThreadIdle, Features, WqFd, Resv0, Resv1, Resv2;
            public SqOffsets SqOff;
            public CqOffsets CqOff;
        }

        // ---- io_uring_setup -------------------------------------------------------------------

        private static uint RoundUpPow2(uint v) { uint p = 1; while (p < v) p <<= 1; return p; }

        /// <summary>io_uring_setup(entries, params): a ring fd. Flags asking for what is not done here (SQPOLL, IOPOLL, ...) are EINVAL.</summary>
        public static long Setup(SyscallFrame* f)
        {
            uint entries = (uint)f->A0;
            if (UserMemory.Read(f->A1, out Params p) != 0) return -Errno.EFAULT;
            if (p.Resv0 != 0 || p.Resv1 != 0 || p.Resv2 != 0) return -Errno.EINVAL;
            if ((p.Flags & ~IORING_SETUP_ALL) != 0) return -Errno.EINVAL;
            if ((p.Flags & ~(IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP)) != 0) return -Errno.EINVAL;   // not implemented
            if (entries == 0) return -Errno.EINVAL;
            if (entries > IORING_MAX_ENTRIES)
            {
                if ((p.Flags & IORING_SETUP_CLAMP) == 0) return -Errno.EINVAL;
                entries = IORING_MAX_ENTRIES;
            }
            uint sq = RoundUpPow2(entries), cq;
            if ((p.Flags & IORING_SETUP_CQSIZE) != 0)
            {
                if (p.CqEntries == 0) return -Errno.EINVAL;
                cq = p.CqEntries;
                if (cq > IORING_MAX_CQ_ENTRIES)
                {
                    if ((p.Flags & IORING_SETUP_CLAMP) == 0) return -Errno.EINVAL;
                    cq = IORING_MAX_CQ_ENTRIES;
                }
                cq = RoundUpPow2(cq);
                if (cq < sq) return -Errno.EINVAL;
            }
            else cq = 2 * sq;

            long r = IoRing.Create(sq, cq, out IoRing ring);
            if (r < 0) return r;
            p.SqEntries = sq; p.CqEntries = cq;
            p.Features = IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP | IORING_FEAT_SUBMIT_STABLE | IORING_FEAT_RW_CUR_POS |
                         IORING_FEAT_FAST_POLL | IORING_FEAT_POLL_32BITS | IORING_FEAT_EXT_ARG | IORING_FEAT_CQE_SKIP;
            p.SqOff = new SqOffsets { Head = IoRing.OffSqHead, Tail = IoRing.OffSqTail, RingMask = IoRing.OffSqMask, RingEntries = IoRing.OffSqEntries,
                                      Flags = IoRing.OffSqFlags, Dropped = IoRing.OffSqDropped, Array = ring.SqArrayOff };
            p.CqOff = new CqOffsets { Head = IoRing.OffCqHead, Tail = IoRing.OffCqTail, RingMask = IoRing.OffCqMask, RingEntries = IoRing.OffCqEntries,
                                      Overflow = IoRing.OffCqOverflow, Cqes = IoRing.OffCqes, Flags = IoRing.OffCqFlags };
            if (UserMemory.Write(f->A1, p) != 0) { FdTable.Release(ring); return -Errno.EFAULT; }
            int fd = FdTable.Install(ring, 0, true);          // Linux: O_RDWR | O_CLOEXEC
            if (fd < 0) FdTable.Release(ring);
            return fd;
        }

        // ---- io_uring_enter -------------------------------------------------------------------

        private struct GeteventsArg { public ulong Sigmask; public uint SigmaskSz, MinWaitUsec; public ulong Ts; }

        /// <summary>io_uring_enter(fd, to_submit, min_complete, flags, arg, argsz): the number submitted.</summary>
        public static long Enter(SyscallFrame* f)
        {
            uint toSubmit = (uint)f->A1, minComplete = (uint)f->A2, flags = (uint)f->A3;
            if ((flags & ~(IORING_ENTER_GETEVENTS | IORING_ENTER_SQ_WAKEUP | IORING_ENTER_SQ_WAIT | IORING_ENTER_EXT_ARG | IORING_ENTER_REGISTERED_RING)) != 0)
                return -Errno.EINVAL;
            if ((flags & IORING_ENTER_REGISTERED_RING) != 0) return (uint)f->A0 >= 16 ? -Errno.EINVAL : -Errno.EBADF;   // no ring is ever registered
            File file = FdTable.Get((int)f->A0);
            if (file == null) return -Errno.EBADF;
            var ring = file as IoRing;
            if (ring == null) return -Errno.EOPNOTSUPP;

            // The wait's arguments are checked before anything is submitted.
            ulong sigmask = 0, sigsz = 0, ts = 0;
            if ((flags & IORING_ENTER_GETEVENTS) != 0)
            {
                if ((flags & IORING_ENTER_EXT_ARG) != 0)
                {
                    if (f->A5 != (ulong)sizeof(GeteventsArg)) return -Errno.EINVAL;
                    if (f->A4 != 0)
                    {
                        if (UserMemory.Read(f->A4, out GeteventsArg a) != 0) return -Errno.EFAULT;
                        sigmask = a.Sigmask; sigsz = a.SigmaskSz; ts = a.Ts;
                    }
                }
                else { sigmask = f->A4; sigsz = f->A5; }
            }

            long submitted = 0;
            if (ring.Overflowing) ring.FlushOverflow();
            if (toSubmit != 0) submitted = Submit(ring, toSubmit);
            RunReady(ring);
            if ((flags & IORING_ENTER_GETEVENTS) == 0) return submitted;

            long r = Wait(ring, minComplete, sigmask, sigsz, ts);
            return submitted != 0 ? submitted : r;
        }

        /// <summary>Waits (sigmask applied as pselect does) until <paramref name="min"/> CQEs are in the ring. 0, -EINTR or -ETIME.</summary>
        private static long Wait(IoRing ring, uint min, ulong sigmask, ulong sigsz, ulong ts)
        {
            if (min > ring.CqEntries) min = ring.CqEntries;
            ulong deadline = 0;
            if (ts != 0)
            {
                if (UserMemory.Read(ts, out SysTime.Timespec t) != 0) return -Errno.EFAULT;
                long ns = t.Sec >= long.MaxValue / 1_000_000_000 ? -1 : t.Sec * 1_000_000_000 + t.Nsec;
                if (ns >= 0) deadline = Drivers.Tsc.MonotonicNs() + (ulong)ns + 1;
            }
            if (ring.Overflowing) ring.FlushOverflow();
            if (ring.CqReady >= min) return 0;
            long r = SignalDelivery.BeginWaitMask(sigmask, sigsz);
            if (r < 0) return r;
            r = 0;
            while (true)
            {
                if (ring.Overflowing) ring.FlushOverflow();
                if (ring.CqReady >= min) break;
                int w = Scheduler.Sleep(ring.Waiters, deadline);
                RunReady(ring);
                if (ring.CqReady >= min) break;
                if (w == Scheduler.Interrupted || Scheduler.SignalPending(Thread.Current)) { r = -Errno.EINTR; break; }
                if (w == Scheduler.TimedOut) { r = -Errno.ETIME; break; }
            }
            return SignalDelivery.EndWaitMask(r);
        }

        // ---- submission -----------------------------------------------------------------------

        private static long Submit(IoRing ring, uint toSubmit)
        {
            uint avail = ring.SqPending;
            if (toSubmit > avail) toSubmit = avail;
            long n = 0;
            IoRequest head = null, tail = null;
            for (uint i = 0; i < toSubmit; i++)
            {
                if (!ring.TakeSqe(out IoSqe sqe)) break;
                var req = new IoRequest { Ring = ring, Sqe = sqe, Mm = MemoryMap.Current };
                if (req == null) break;
                n++;
                // A request refused as it is taken (unknown flags or opcode) ends the batch, as on Linux; its CQE says why.
                int init = InitCheck(ring, ref sqe);
                if (init != 0)
                {
                    req.InitError = init;
                    req.Sqe.Flags &= unchecked((byte)~(IOSQE_IO_LINK | IOSQE_IO_HARDLINK | IOSQE_IO_DRAIN));
                }
                bool links = (sqe.Flags & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK)) != 0;
                if (tail != null)
                {
                    tail.Link = req;
                    tail = req;
                    if (!links) { Start(ring, head); head = tail = null; }
                }
                else if (links) head = tail = req;
                else Start(ring, req);
                if (init != 0) break;
            }
            if (head != null) Start(ring, head);
            return n;
        }

        private static int InitCheck(IoRing ring, ref IoSqe sqe)
        {
            if ((sqe.Flags & ~(IOSQE_FIXED_FILE | IOSQE_IO_DRAIN | IOSQE_IO_LINK | IOSQE_IO_HARDLINK | IOSQE_ASYNC | IOSQE_CQE_SKIP_SUCCESS)) != 0)
                return -Errno.EINVAL;
            if (!Supported(sqe.Opcode)) return -Errno.EINVAL;
            // Once a request skipped its CQE, drains cannot be kept in order any more (Linux: drain_disabled).
            if ((sqe.Flags & IOSQE_CQE_SKIP_SUCCESS) != 0) ring.DrainDisabled = true;
            if ((sqe.Flags & IOSQE_IO_DRAIN) != 0 && ring.DrainDisabled) return -Errno.EOPNOTSUPP;
            return 0;
        }

        /// <summary>A request (or the head of a chain) is ready to go: now, or behind an IO_DRAIN.</summary>
        private static void Start(IoRing ring, IoRequest req)
        {
            if ((req.Sqe.Flags & IOSQE_IO_DRAIN) != 0 || ring.Queued != null)
            {
                req.Next = null;
                if (ring.Queued == null) ring.Queued = req;
                else { IoRequest t = ring.Queued; while (t.Next != null) t = t.Next; t.Next = req; }
                PumpQueue(ring);
                return;
            }
            Drive(ring, req);
        }

        /// <summary>Queued requests go once nothing before a drain is in flight.</summary>
        private static void PumpQueue(IoRing ring)
        {
            while (ring.Queued != null)
            {
                IoRequest q = ring.Queued;
                if ((q.Sqe.Flags & IOSQE_IO_DRAIN) != 0 && ring.InFlight != 0) return;
                ring.Queued = q.Next;
                q.Next = null;
                Drive(ring, q);
            }
        }

        /// <summary>Runs a request and, as each completes, the rest of its chain.</summary>
        private static void Drive(IoRing ring, IoRequest req)
        {
            while (req != null)
            {
                long res = Run(ring, req);
                if (res == Armed) return;
                req = Complete(ring, req, (int)res);
            }
        }

        /// <summary>Posts the CQE, frees the request; returns the next request of its chain to run, cancelling the chain on failure.</summary>
        private static IoRequest Complete(IoRing ring, IoRequest req, int res)
        {
            byte op = req.Sqe.Opcode;
            bool rw = op == OP_READ || op == OP_WRITE || op == OP_READV || op == OP_WRITEV || op == OP_READ_FIXED || op == OP_WRITE_FIXED;
            bool failed = res < 0 || ring.Closed || s_cancelling || (rw && op != OP_READV && op != OP_WRITEV && (uint)res != req.Sqe.Len);
            if (!(res >= 0 && (req.Sqe.Flags & IOSQE_CQE_SKIP_SUCCESS) != 0))
                ring.Post(req.Sqe.UserData, res, 0, op == OP_TIMEOUT);
            IoRequest next = req.Link;
            bool hard = (req.Sqe.Flags & IOSQE_IO_HARDLINK) != 0 && !ring.Closed && !s_cancelling;
            Free(req);
            if (next != null && failed && !hard)
            {
                // The rest of the chain is cancelled.
                while (next != null)
                {
                    IoRequest after = next.Link;
                    ring.Post(next.Sqe.UserData, -Errno.ECANCELED, 0, next.Sqe.Opcode == OP_TIMEOUT);
                    Free(next);
                    next = after;
                }
            }
            if (ring.Queued != null && next == null && !s_cancelling) PumpQueue(ring);
            return next;
        }

        private static void Free(IoRequest req)
        {
            if (req.File != null) { FdTable.Release(req.File); req.File = null; }
            if (req.Timer != null) { Timers.Disarm(req.Timer); Runtime.Allocator.Free(req.Timer); req.Timer = null; }
            Runtime.Allocator.Free(req);
        }

        /// <summary>Ready requests of the loaded address space run again (their poll fired, their timer expired).</summary>
        public static void RunReady(IoRing ring)
        {
            IoRequest req;
            while ((req = ring.TakeReady()) != null)
            {
                ring.InFlight--;
                File held = req.File;
                req.File = null;
                long res;
                if (req.Sqe.Opcode == OP_TIMEOUT) res = req.CountReached ? 0 : -Errno.ETIME;
                else if (req.Sqe.Opcode == OP_POLL_ADD)
                {
                    int ready = (ushort)held.Poll() & req.Events;
                    res = ready != 0 ? ready : Rearm(ring, req, held, req.Events);
                }
                else res = Run(ring, req, held);
                if (held != null) FdTable.Release(held);
                if (res == Armed) continue;
                IoRequest next = Complete(ring, req, (int)res);
                if (next != null) Drive(ring, next);
                if (ring.Queued != null) PumpQueue(ring);
            }
        }

        private static long Rearm(IoRing ring, IoRequest req, File file, int events)
        {
            ring.ArmPoll(req, file, events);
            return Armed;
        }

        /// <summary>Cancels every waiting request (of <paramref name="mm"/>, or all): each posts -ECANCELED.</summary>
        public static void CancelAll(IoRing ring, MemoryMap mm)
        {
            s_cancelling = true;                          // exit or close: chains end here, none runs on
            CancelAllNow(ring, mm);
            s_cancelling = false;
        }

        private static bool s_cancelling;

        private static void CancelAllNow(IoRing ring, MemoryMap mm)
        {
            for (bool again = true; again;)
            {
                again = false;
                for (IoRequest r = ring.Armed; r != null; r = r.Next)
                    if (mm == null || r.Mm == mm) { CancelOne(ring, r); again = true; break; }
                if (again) continue;
                for (IoRequest r = ring.Ready; r != null; r = r.Next)
                    if (mm == null || r.Mm == mm) { CancelOne(ring, r); again = true; break; }
            }
            // Requests behind a drain: theirs (or all) go too; Complete cancels each one's chain.
            IoRequest prev = null;
            for (IoRequest q = ring.Queued; q != null;)
            {
                IoRequest next = q.Next;
                if (mm != null && q.Mm != mm) { prev = q; q = next; continue; }
                if (prev == null) ring.Queued = next; else prev.Next = next;
                q.Next = null;
                Complete(ring, q, -Errno.ECANCELED);
                q = next;
            }
        }

        private static void CancelOne(IoRing ring, IoRequest r)
        {
            ring.Detach(r);
            ring.InFlight--;
            IoRequest next = Complete(ring, r, -Errno.ECANCELED);
            if (next != null) Drive(ring, next);
        }

        /// <summary>The first armed or ready request of the opcode (0xFF: any) matching user_data, or the file (byFd), or any (any).</summary>
        private static IoRequest FindWaiting(IoRing ring, ulong data, int fd, File file, bool byFd, bool any, byte op)
        {
            for (int list = 0; list < 2; list++)
                for (IoRequest r = list == 0 ? ring.Armed : ring.Ready; r != null; r = r.Next)
                {
                    if (op != 0xFF && r.Sqe.Opcode != op) continue;
                    if (any) return r;
                    if (byFd ? (r.File == file && file != null) || (r.Sqe.Fd == fd && r.File == null) : r.Sqe.UserData == data) return r;
                }
            return null;
        }

        // ---- running one request --------------------------------------------------------------

        private static long Run(IoRing ring, IoRequest req) => Run(ring, req, null);

        /// <summary>
        /// Runs <paramref name="req"/>: its result, or Armed when it now waits. <paramref name="retry"/>:
        /// the file an armed request waited for (it runs again on that file).
        /// </summary>
        private static long Run(IoRing ring, IoRequest req, File retry)
        {
            ref IoSqe s = ref req.Sqe;
            if (req.InitError != 0) return req.InitError;
            if ((s.Flags & ~(IOSQE_FIXED_FILE | IOSQE_IO_DRAIN | IOSQE_IO_LINK | IOSQE_IO_HARDLINK | IOSQE_ASYNC | IOSQE_CQE_SKIP_SUCCESS)) != 0)
                return -Errno.EINVAL;
            if (!Supported(s.Opcode)) return -Errno.EINVAL;
            bool fixedFile = (s.Flags & IOSQE_FIXED_FILE) != 0;
            File file = retry;
            if (file == null && NeedsFile(s.Opcode))
            {
                if (fixedFile)
                {
                    if (ring.FixedFiles == null || (uint)s.Fd >= (uint)ring.FixedFiles.Length || ring.FixedFiles[s.Fd] == null) return -Errno.EBADF;
                    file = ring.FixedFiles[s.Fd];
                }
                else
                {
                    file = FdTable.Get(s.Fd);
                    if (file == null) return -Errno.EBADF;
                }
            }
            // Opcodes that go through a descriptor-based syscall handler need the descriptor.
            if (fixedFile && !FileBased(s.Opcode)) return -Errno.EBADF;
            if (retry != null && !FileBased(s.Opcode) && FdTable.Peek(s.Fd) != retry) return -Errno.EBADF;

            switch (s.Opcode)
            {
                case OP_NOP:
                    return (s.OpFlags & 1) != 0 ? (int)s.Len : 0;                // IORING_NOP_INJECT_RESULT
                case OP_READ: case OP_WRITE: case OP_READV: case OP_WRITEV: case OP_READ_FIXED: case OP_WRITE_FIXED:
                    return ReadWrite(ring, req, file);
                case OP_FSYNC:
                    if ((s.OpFlags & ~1u) != 0 || s.Addr != 0 || s.BufIndex != 0) return -Errno.EINVAL;
                    return file.Node == null || file.Node.IsSpecial ? -Errno.EINVAL : 0;
                case OP_POLL_ADD:
                {
                    if (s.Addr != 0 || s.Off != 0 || s.BufIndex != 0) return -Errno.EINVAL;
                    if (s.Len != 0) return -Errno.EINVAL;           // IORING_POLL_ADD_MULTI and the update flags: not done
                    int events = (int)(s.OpFlags & 0xFFFF) | PollBits.POLLERR | PollBits.POLLHUP;
                    int ready = (ushort)file.Poll() & events;
                    if (ready != 0) return ready;
                    ring.ArmPoll(req, file, events);
                    return Armed;
                }
                case OP_POLL_REMOVE:
                {
                    if (s.Len != 0 || s.OpFlags != 0) return -Errno.EINVAL;             // poll update: not done
                    IoRequest t = FindWaiting(ring, s.Addr, 0, null, false, false, OP_POLL_ADD);
                    if (t == null) return -Errno.ENOENT;
                    CancelOne(ring, t);
                    return 0;
                }
                case OP_TIMEOUT:
                    return Timeout(ring, req);
                case OP_TIMEOUT_REMOVE:
                {
                    if (s.OpFlags != 0) return -Errno.EINVAL;                           // timeout update: not done
                    IoRequest t = FindWaiting(ring, s.Addr, 0, null, false, false, OP_TIMEOUT);
                    if (t == null) return -Errno.ENOENT;
                    CancelOne(ring, t);
                    return 0;
                }
                case OP_ASYNC_CANCEL:
                {
                    uint cf = s.OpFlags;
                    if ((cf & ~(IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ANY)) != 0) return -Errno.EINVAL;
                    bool byFd = (cf & IORING_ASYNC_CANCEL_FD) != 0, any = (cf & IORING_ASYNC_CANCEL_ANY) != 0;
                    File target = byFd ? FdTable.Peek(s.Fd) : null;
                    int count = 0;
                    IoRequest t;
                    while ((t = FindWaiting(ring, s.Addr, s.Fd, target, byFd, any, 0xFF)) != null)
                    {
                        CancelOne(ring, t);
                        count++;
                        if ((cf & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY)) == 0) break;
                    }
                    if (count == 0) return -Errno.ENOENT;
                    return (cf & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY)) != 0 ? count : 0;
                }
                case OP_SYNC_FILE_RANGE: return Call(&SysFd.SyncFileRange, (ulong)s.Fd, s.Off, s.Len, s.OpFlags);
                case OP_FALLOCATE: return Call(&SysFd.Fallocate, (ulong)s.Fd, s.Len, s.Off, s.Addr);
                case OP_FADVISE: return Call(&SysFd.Fadvise64, (ulong)s.Fd, s.Off, s.Len, s.OpFlags);
                case OP_MADVISE: return Call(&SysMemory.Madvise, s.Addr, s.Len, s.OpFlags);
                case OP_FTRUNCATE:
                    if (s.Addr != 0 || s.Len != 0 || s.OpFlags != 0 || s.BufIndex != 0) return -Errno.EINVAL;
                    return Call(&SysFd.Ftruncate, (ulong)s.Fd, s.Off);
                case OP_OPENAT:
                    if (s.FileIndex != 0 || s.BufIndex != 0) return -Errno.EINVAL;      // direct descriptors: not done
                    return Call(&SysFile.Openat, (ulong)s.Fd, s.Addr, s.OpFlags, s.Len);
                case OP_OPENAT2:
                    if (s.FileIndex != 0 || s.BufIndex != 0) return -Errno.EINVAL;
                    return Call(&SysFile.Openat2, (ulong)s.Fd, s.Addr, s.Off, s.Len);
                case OP_CLOSE:
                {
                    if (s.Off != 0 || s.Addr != 0 || s.Len != 0 || s.OpFlags != 0 || s.BufIndex != 0 || s.FileIndex != 0) return -Errno.EINVAL;
                    if (FdTable.Peek(s.Fd) is IoRing) return -Errno.EBADF;
                    return FdTable.Close(s.Fd);
                }
                case OP_STATX:
                    if (s.BufIndex != 0 || s.FileIndex != 0) return -Errno.EINVAL;
                    return Call(&SysFile.StatxSyscall, (ulong)s.Fd, s.Addr, s.OpFlags, s.Len, s.Off);
                case OP_RENAMEAT: return Call(&SysPath.Renameat2, (ulong)s.Fd, s.Addr, s.Len, s.Off, s.OpFlags);
                case OP_UNLINKAT: return Call(&SysPath.Unlinkat, (ulong)s.Fd, s.Addr, s.OpFlags);
                case OP_MKDIRAT: return Call(&SysPath.Mkdirat, (ulong)s.Fd, s.Addr, s.Len);
                case OP_SYMLINKAT: return Call(&SysPath.Symlinkat, s.Addr, (ulong)s.Fd, s.Off);
                case OP_LINKAT: return Call(&SysPath.Linkat, (ulong)s.Fd, s.Addr, s.Len, s.Off, s.OpFlags);
                case OP_EPOLL_CTL: return Call(&Epoll.Ctl, (ulong)s.Fd, s.Len, s.Off, s.Addr);
                case OP_SOCKET:
                    if (s.OpFlags != 0 || s.FileIndex != 0) return -Errno.EINVAL;
                    return Call(&SysSocket.Socket, (ulong)s.Fd, s.Off, s.Len);
                case OP_BIND: return Call(&SysSocket.Bind, (ulong)s.Fd, s.Addr, s.Off);
                case OP_LISTEN: return Call(&SysSocket.Listen, (ulong)s.Fd, s.Len);
                case OP_CONNECT: return Call(&SysSocket.Connect, (ulong)s.Fd, s.Addr, s.Off);
                case OP_SHUTDOWN: return Call(&SysSocket.Shutdown, (ulong)s.Fd, s.Len);
                case OP_SEND: case OP_RECV: case OP_SENDMSG: case OP_RECVMSG: case OP_ACCEPT:
                    return SocketOp(ring, req, file);
                case OP_SPLICE:
                    return Splice(ring, req);
            }
            return -Errno.EINVAL;
        }

        /// <summary>Opcodes with a file in sqe->fd.</summary>
        private static bool NeedsFile(byte op) =>
            op == OP_READ || op == OP_WRITE || op == OP_READV || op == OP_WRITEV || op == OP_READ_FIXED || op == OP_WRITE_FIXED ||
            op == OP_FSYNC || op == OP_POLL_ADD || op == OP_SEND || op == OP_RECV || op == OP_SENDMSG || op == OP_RECVMSG ||
            op == OP_ACCEPT || op == OP_CONNECT || op == OP_SHUTDOWN || op == OP_SYNC_FILE_RANGE || op == OP_FALLOCATE ||
            op == OP_FADVISE || op == OP_FTRUNCATE || op == OP_BIND || op == OP_LISTEN;

        /// <summary>Opcodes run on the File itself (so registered files work for them).</summary>
        private static bool FileBased(byte op) =>
            op == OP_READ || op == OP_WRITE || op == OP_READV || op == OP_WRITEV || op == OP_READ_FIXED || op == OP_WRITE_FIXED ||
            op == OP_FSYNC || op == OP_POLL_ADD || op == OP_NOP || op == OP_TIMEOUT || op == OP_TIMEOUT_REMOVE ||
            op == OP_POLL_REMOVE || op == OP_ASYNC_CANCEL || op == OP_MADVISE || op == OP_SPLICE;

        private static long Call(delegate*<SyscallFrame*, long> h, ulong a0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, ulong a4 = 0, ulong a5 = 0)
        {
            SyscallFrame fr = default;
            fr.Rdi = a0; fr.Rsi = a1; fr.Rdx = a2; fr.R10 = a3; fr.R8 = a4; fr.R9 = a5;
            long r = h(&fr);
            return r == -Errno.ERESTARTSYS || r == -Errno.ERESTARTNOHAND ? -Errno.EINTR : r;
        }

        /// <summary>Pipes, sockets, ttys...: files that may have to wait.</summary>
        private static bool IsStream(File f) => f.Node == null || f is PipeFile || f.Node.IsSpecial;

        private static long ReadWrite(IoRing ring, IoRequest req, File file)
        {
            ref IoSqe s = ref req.Sqe;
            byte op = s.Opcode;
            bool write = op == OP_WRITE || op == OP_WRITEV || op == OP_WRITE_FIXED;
            bool vectored = op == OP_READV || op == OP_WRITEV;
            if ((s.OpFlags & ~0x1FFu) != 0) return -Errno.EOPNOTSUPP;
            if (write ? !file.CanWrite : !file.CanRead) return -Errno.EBADF;
            if (vectored && s.Len > 1024) return -Errno.EINVAL;
            ulong len = s.Len > MaxRwCount ? MaxRwCount : s.Len;
            if (op == OP_READ_FIXED || op == OP_WRITE_FIXED)
            {
                if (ring.BufBase == null || s.BufIndex >= ring.BufCount) return -Errno.EFAULT;
                ulong b = ring.BufBase[s.BufIndex], l = ring.BufLen[s.BufIndex];
                if (s.Addr < b || s.Addr + len < s.Addr || s.Addr + len > b + l) return -Errno.EFAULT;
            }
            bool stream = IsStream(file) && !(file.Node != null && file.Node.IsRegular && !file.Node.IsSpecial);
            long offset = (long)s.Off;
            if (stream) offset = -1;
            else if (offset < -1) return -Errno.EINVAL;

            // A stream that is not ready: armed (RWF_NOWAIT: EAGAIN), as Linux's poll-driven retry.
            if (stream && (file.Poll() & (write ? PollBits.POLLOUT : PollBits.POLLIN) | (file.Poll() & (PollBits.POLLERR | PollBits.POLLHUP))) == 0)
            {
                if ((s.OpFlags & RWF_NOWAIT) != 0) return -Errno.EAGAIN;
                ring.ArmPoll(req, file, write ? PollBits.POLLOUT : PollBits.POLLIN);
                return Armed;
            }
            long res;
            if (vectored) res = SysFile.VectoredFile(file, s.Addr, s.Len, write, offset);
            else if (write && file is PipeFile pw && pw.WriteEnd) res = pw.P.WriteUser(s.Addr, (long)len, true);   // ready, never waits
            else res = write ? SysFile.WriteFrom(file, s.Addr, len, offset) : SysFile.ReadInto(file, s.Addr, len, offset);
            if (res == -Errno.EAGAIN && stream && (s.OpFlags & RWF_NOWAIT) == 0)
            {
                ring.ArmPoll(req, file, write ? PollBits.POLLOUT : PollBits.POLLIN);
                return Armed;
            }
            if (res == -Errno.ERESTARTSYS) res = -Errno.EINTR;
            return res;
        }

        private static long SocketOp(IoRing ring, IoRequest req, File file)
        {
            ref IoSqe s = ref req.Sqe;
            byte op = s.Opcode;
            if (!(file is SocketFile)) return -Errno.ENOTSOCK;
            bool output = op == OP_SEND || op == OP_SENDMSG;
            long res;
            if (op == OP_ACCEPT)
            {
                if (s.FileIndex != 0 || s.Ioprio != 0 || s.Len != 0) return -Errno.EINVAL;     // multishot, direct descriptors: not done
                if ((file.Poll() & (PollBits.POLLIN | PollBits.POLLERR | PollBits.POLLHUP)) == 0) res = -Errno.EAGAIN;
                else res = Call(&SysSocket.Accept4, (ulong)s.Fd, s.Addr, s.Off, s.OpFlags);
            }
            else
            {
                if (s.Ioprio != 0 || s.BufIndex != 0) return -Errno.EINVAL;       // recvsend flags (zero copy, bundles...): not done
                ulong flags = s.OpFlags | MSG_DONTWAIT;
                res = op switch
                {
                    OP_SEND => Call(&SysSocket.Sendto, (ulong)s.Fd, s.Addr, s.Len, flags, 0, 0),
                    OP_RECV => Call(&SysSocket.Recvfrom, (ulong)s.Fd, s.Addr, s.Len, flags, 0, 0),
                    OP_SENDMSG => Call(&SysSocket.Sendmsg, (ulong)s.Fd, s.Addr, flags),
                    _ => Call(&SysSocket.Recvmsg, (ulong)s.Fd, s.Addr, flags),
                };
            }
            if (res == -Errno.EAGAIN && (s.OpFlags & MSG_DONTWAIT) == 0)
            {
                ring.ArmPoll(req, file, output ? PollBits.POLLOUT : PollBits.POLLIN);
                return Armed;
            }
            return res;
        }

        private const uint SPLICE_F_NONBLOCK = 2, SPLICE_F_FD_IN_FIXED = 1u << 31;

        /// <summary>
        /// SPLICE: fd_in (splice_fd_in, registered with SPLICE_F_FD_IN_FIXED) at splice_off_in into fd at
        /// off (-1: no offset). An empty input pipe or a full output pipe arms the request (Linux runs it
        /// in a worker that blocks); O_NONBLOCK pipes and SPLICE_F_NONBLOCK say EAGAIN.
        /// </summary>
        private static long Splice(IoRing ring, IoRequest req)
        {
            ref IoSqe s = ref req.Sqe;
            uint flags = s.OpFlags;
            File output = Resolve(ring, s.Fd, (s.Flags & IOSQE_FIXED_FILE) != 0);
            File input = Resolve(ring, s.FileIndex, (flags & SPLICE_F_FD_IN_FIXED) != 0);
            flags &= ~SPLICE_F_FD_IN_FIXED;
            long inPos = (long)s.Addr, outPos = (long)s.Off;
            long r = SysSplice.Check(input, output, inPos != -1, outPos != -1, flags);
            if (r != 0 || s.Len == 0) return r;
            if (inPos < -1 || outPos < -1) return -Errno.EINVAL;
            r = SysSplice.Move(input, inPos, output, outPos, s.Len, true, out _);
            if (r != -Errno.EAGAIN || (flags & SPLICE_F_NONBLOCK) != 0) return r;
            if (output is PipeFile po && po.P.Count == po.P.Capacity)
            {
                if ((po.Flags & OpenFlags.O_NONBLOCK) != 0) return r;
                ring.ArmPoll(req, output, PollBits.POLLOUT);
            }
            else
            {
                if ((input.Flags & OpenFlags.O_NONBLOCK) != 0) return r;
                ring.ArmPoll(req, input, PollBits.POLLIN);
            }
            return Armed;
        }

        private static File Resolve(IoRing ring, int fd, bool fixedFile)
        {
            if (!fixedFile) return FdTable.Get(fd);
            return ring.FixedFiles != null && (uint)fd < (uint)ring.FixedFiles.Length ? ring.FixedFiles[fd] : null;
        }

        private static long Timeout(IoRing ring, IoRequest req)
        {
            ref IoSqe s = ref req.Sqe;
            if (s.Len != 1 || s.BufIndex != 0 || s.FileIndex != 0) return -Errno.EINVAL;
            if ((s.OpFlags & ~IORING_TIMEOUT_ABS) != 0) return -Errno.EINVAL;      // clocks, update, multishot: not done
            if (UserMemory.Read(s.Addr, out SysTime.Timespec ts) != 0) return -Errno.EFAULT;
            if (ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1_000_000_000) return -Errno.EINVAL;
            ulong ns = ts.Sec >= long.MaxValue / 1_000_000_000 ? ulong.MaxValue / 2 : (ulong)ts.Sec * 1_000_000_000 + (ulong)ts.Nsec;
            ulong now = Drivers.Tsc.MonotonicNs();
            ulong expires = (s.OpFlags & IORING_TIMEOUT_ABS) != 0 ? ns : now + ns;
            if (expires == 0) expires = 1;
            var t = new KTimer { Owner = req, Fire = &IoRing.TimerFired };
            req.Timer = t;
            if (s.Off != 0) req.Target = ring.NonTimeoutCqes + s.Off;
            ring.ArmTimer(req);
            if (expires <= now) { req.Fired = true; IoRing.TimerFired(t, 1); }
            else Timers.Arm(t, expires, 0);
            return Armed;
        }

        // ---- io_uring_register ----------------------------------------------------------------

        private const uint REG_BUFFERS = 0, UNREG_BUFFERS = 1, REG_FILES = 2, UNREG_FILES = 3, REG_EVENTFD = 4, UNREG_EVENTFD = 5, REG_PROBE = 8;
        private const uint IORING_REGISTER_USE_REGISTERED_RING = 1u << 31;
        private const int MaxFixedFiles = 1024, MaxBuffers = 1 << 14;

        /// <summary>io_uring_register(fd, opcode, arg, nr_args).</summary>
        public static long Register(SyscallFrame* f)
        {
            uint op = (uint)f->A1, nr = (uint)f->A3;
            ulong arg = f->A2;
            if ((op & IORING_REGISTER_USE_REGISTERED_RING) != 0) return -Errno.EINVAL;
            File file = FdTable.Get((int)f->A0);
            if (file == null) return -Errno.EBADF;
            var ring = file as IoRing;
            if (ring == null) return -Errno.EOPNOTSUPP;
            switch (op)
            {
                case REG_FILES: return RegisterFiles(ring, arg, nr);
                case UNREG_FILES:
                    if (arg != 0 || nr != 0) return -Errno.EINVAL;
                    if (ring.FixedFiles == null) return -Errno.ENXIO;
                    DropFiles(ring);
                    return 0;
                case REG_BUFFERS: return RegisterBuffers(ring, arg, nr);
                case UNREG_BUFFERS:
                    if (arg != 0 || nr != 0) return -Errno.EINVAL;
                    if (ring.BufBase == null) return -Errno.ENXIO;
                    DropBuffers(ring);
                    return 0;
                case REG_EVENTFD:
                {
                    if (nr != 1) return -Errno.EINVAL;
                    if (ring.EventFd != null) return -Errno.EBUSY;
                    if (UserMemory.Read(arg, out int efd) != 0) return -Errno.EFAULT;
                    File e = FdTable.Peek(efd);
                    if (e == null) return -Errno.EBADF;
                    if (!(e is EventFile ev)) return -Errno.EINVAL;
                    ev.RefCount++;
                    ring.EventFd = ev;
                    return 0;
                }
                case UNREG_EVENTFD:
                    if (arg != 0 || nr != 0) return -Errno.EINVAL;
                    if (ring.EventFd == null) return -Errno.ENXIO;
                    FdTable.Release(ring.EventFd);
                    ring.EventFd = null;
                    return 0;
                case REG_PROBE: return Probe(arg, nr);
            }
            return -Errno.EINVAL;
        }

        private static long RegisterFiles(IoRing ring, ulong arg, uint nr)
        {
            if (ring.FixedFiles != null) return -Errno.EBUSY;
            if (nr == 0 || nr > MaxFixedFiles) return -Errno.EINVAL;
            var files = new File[nr];
            if (files == null) return -Errno.ENOMEM;
            for (uint i = 0; i < nr; i++)
            {
                long r = 0;
                if (UserMemory.Read(arg + i * 4, out int fd) != 0) r = -Errno.EFAULT;
                else if (fd != -1)
                {
                    File fl = FdTable.Peek(fd);
                    if (fl == null || fl is IoRing) r = -Errno.EBADF;
                    else { fl.RefCount++; files[i] = fl; }
                }
                if (r != 0)
                {
                    for (uint k = 0; k < i; k++) if (files[k] != null) FdTable.Release(files[k]);
                    Runtime.Allocator.Free(files);
                    return r;
                }
            }
            ring.FixedFiles = files;
            return 0;
        }

        private static void DropFiles(IoRing ring)
        {
            File[] files = ring.FixedFiles;
            ring.FixedFiles = null;
            for (int i = 0; i < files.Length; i++) if (files[i] != null) FdTable.Release(files[i]);
            Runtime.Allocator.Free(files);
        }

        private struct IoVec { public ulong Base, Len; }

        private static long RegisterBuffers(IoRing ring, ulong arg, uint nr)
        {
            if (ring.BufBase != null) return -Errno.EBUSY;
            if (nr == 0 || nr > MaxBuffers) return -Errno.EINVAL;
            var bases = (ulong*)Mm.KernelHeap.Alloc((ulong)nr * 16);
            if (bases == null) return -Errno.ENOMEM;
            ulong* lens = bases + nr;
            for (uint i = 0; i < nr; i++)
            {
                long r = 0;
                if (UserMemory.Read(arg + i * 16, out IoVec v) != 0) r = -Errno.EFAULT;
                else if (v.Base == 0 && v.Len != 0) r = -Errno.EFAULT;
                else if (v.Len > (1UL << 30)) r = -Errno.EFAULT;
                else if (v.Len != 0 && !AddressSpace.IsMapped(AddressSpace.PageDown(v.Base), AddressSpace.PageUp(v.Base + v.Len) - AddressSpace.PageDown(v.Base))) r = -Errno.EFAULT;
                if (r != 0) { Mm.KernelHeap.Free(bases); return r; }
                bases[i] = v.Base; lens[i] = v.Len;
            }
            ring.BufBase = bases; ring.BufLen = lens; ring.BufCount = (int)nr;
            return 0;
        }

        private static void DropBuffers(IoRing ring)
        {
            Mm.KernelHeap.Free(ring.BufBase);
            ring.BufBase = ring.BufLen = null;
            ring.BufCount = 0;
        }

        /// <summary>IORING_REGISTER_PROBE: struct io_uring_probe (16 bytes) and nr io_uring_probe_op (8 bytes each), all zero on entry.</summary>
        private static long Probe(ulong arg, uint nr)
        {
            if (nr > OP_LAST) nr = OP_LAST;
            ulong size = 16 + (ulong)nr * 8;
            for (ulong o = 0; o < size; o += 8)
            {
                if (UserMemory.Read(arg + o, out ulong v) != 0) return -Errno.EFAULT;
                if (v != 0) return -Errno.EINVAL;
            }
            byte* hdr = stackalloc byte[16];
            Mem.Zero(hdr, 16);
            hdr[0] = OP_LAST - 1;                   // last_op
            hdr[1] = (byte)nr;                      // ops_len
            if (UserMemory.CopyTo(arg, hdr, 16) != 0) return -Errno.EFAULT;
            for (uint i = 0; i < nr; i++)
            {
                ulong e = i | (Supported((int)i) ? 1UL << 16 : 0);     // op, resv, flags (IO_URING_OP_SUPPORTED)
                if (UserMemory.Write(arg + 16 + (ulong)i * 8, e) != 0) return -Errno.EFAULT;
            }
            return 0;
        }

        /// <summary>The ring's last close: registered files, buffers and eventfd are let go.</summary>
        public static void Unregister(IoRing ring)
        {
            if (ring.FixedFiles != null) DropFiles(ring);
            if (ring.BufBase != null) DropBuffers(ring);
            if (ring.EventFd != null) { FdTable.Release(ring.EventFd); ring.EventFd = null; }
        }
    }
}
