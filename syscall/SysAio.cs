// Linux native AIO: io_setup, io_destroy, io_submit, io_cancel, io_getevents and io_pgetevents over
// the contexts of kernel/fs/Aio.cs. Reads, writes (plain and vectored) and syncs run while io_submit
// runs, through read/write's own paths, and post their io_event at once; a POLL request completes
// when its file becomes ready. Errors of the request itself (a short file, a bad buffer) go in the
// event's res; errors io_submit returns are those Linux finds before it starts the I/O.
using Kernel.Fs;
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysAio
    {
        private const ushort IOCB_CMD_PREAD = 0, IOCB_CMD_PWRITE = 1, IOCB_CMD_FSYNC = 2, IOCB_CMD_FDSYNC = 3,
            IOCB_CMD_POLL = 5, IOCB_CMD_PREADV = 7, IOCB_CMD_PWRITEV = 8;     // 4 (PREADX) and 6 (NOOP) Linux never implemented
        private const uint IOCB_FLAG_RESFD = 1, IOCB_FLAG_IOPRIO = 2;
        private const uint RWF_NOWAIT = 8, RWF_APPEND = 0x10, RWF_SUPPORTED = 0x1FF;
        private const ulong MaxRwCount = 0x7ffff000;                        // MAX_RW_COUNT: longer transfers are cut
        private const int UioMaxIov = 1024;

        /// <summary>struct iocb (64 bytes, little-endian field order).</summary>
        private struct Iocb
        {
            public ulong Data;
            public uint Key, RwFlags;
            public ushort Opcode;
            public short ReqPrio;
            public uint Fildes;
            public ulong Buf, Nbytes;
            public long Offset;
            public ulong Reserved2;
            public uint Flags, ResFd;
        }

        private struct IoVec { public ulong Base, Len; }

        // ---- contexts -------------------------------------------------------------------------

        /// <summary>io_setup(nr_events, ctxp): *ctxp must be 0; it receives the context id (the ring's address).</summary>
        public static long Setup(SyscallFrame* f)
        {
            uint asked = (uint)f->A0;
            if (UserMemory.Read(f->A1, out ulong current) != 0) return -Errno.EFAULT;
            if (current != 0 || asked == 0) return -Errno.EINVAL;
            long r = AioContext.Create(asked, out AioContext ctx);
            if (r < 0) return r;
            if (UserMemory.Write(f->A1, ctx.UserAddr) != 0) { AioContext.Destroy(ctx); return -Errno.EFAULT; }
            return 0;
        }

        /// <summary>io_destroy(ctx): waiting polls are dropped, the ring is unmapped.</summary>
        public static long Destroy(SyscallFrame* f)
        {
            AioContext ctx = AioContext.Lookup(f->A0);
            if (ctx == null) return -Errno.EINVAL;
            AioContext.Destroy(ctx);
            ctx.Put();
            return 0;
        }

        // ---- io_submit ------------------------------------------------------------------------

        /// <summary>io_submit(ctx, nr, iocbpp): the number submitted; an error only when the first one fails.</summary>
        public static long Submit(SyscallFrame* f)
        {
            long nr = (long)f->A1;
            if (nr < 0) return -Errno.EINVAL;
            AioContext ctx = AioContext.Lookup(f->A0);
            if (ctx == null) return -Errno.EINVAL;
            if (nr > ctx.Nr) nr = ctx.Nr;
            long i = 0, r = 0;
            for (; i < nr && !ctx.Dead; i++)
            {
                if (UserMemory.Read(f->A2 + (ulong)i * 8, out ulong iocb) != 0) { r = -Errno.EFAULT; break; }
                r = SubmitOne(ctx, iocb);
                if (r != 0) break;
            }
            ctx.Put();
            return i > 0 ? i : r;
        }

        private static long SubmitOne(AioContext ctx, ulong user)
        {
            if (UserMemory.Read(user, out Iocb cb) != 0) return -Errno.EFAULT;
            if (cb.Reserved2 != 0) return -Errno.EINVAL;
            if ((long)cb.Nbytes < 0) return -Errno.EINVAL;
            if (!ctx.TakeSlot()) return -Errno.EAGAIN;
            long r = Start(ctx, user, ref cb);
            if (r != 0) ctx.ReturnSlot();
            return r;
        }

        /// <summary>Checks one request as Linux does before any I/O, then runs it (or queues a POLL). 0 or -errno.</summary>
        private static long Start(AioContext ctx, ulong user, ref Iocb cb)
        {
            File file = FdTable.Get((int)cb.Fildes);
            if (file == null) return -Errno.EBADF;
            EventFile resfd = null;
            if ((cb.Flags & IOCB_FLAG_RESFD) != 0)
            {
                File e = FdTable.Get((int)cb.ResFd);
                if (e == null) return -Errno.EBADF;
                resfd = e as EventFile;
                if (resfd == null) return -Errno.EINVAL;
            }
            if (UserMemory.Write(user + 8, 0u) != 0) return -Errno.EFAULT;       // aio_key = KIOCB_KEY (io_cancel checks it)
            switch (cb.Opcode)
            {
                case IOCB_CMD_PREAD: case IOCB_CMD_PWRITE: case IOCB_CMD_PREADV: case IOCB_CMD_PWRITEV:
                    return ReadWrite(ctx, user, ref cb, file, resfd);
                case IOCB_CMD_FSYNC: case IOCB_CMD_FDSYNC:
                    if (cb.Buf != 0 || cb.Offset != 0 || cb.Nbytes != 0 || cb.RwFlags != 0) return -Errno.EINVAL;
                    // As fsync(2): pipes, sockets and devices have nothing to sync (no fsync method: EINVAL).
                    if (file.Node == null || file.Node.IsSpecial) return -Errno.EINVAL;
                    ctx.Complete(cb.Data, user, 0, 0, resfd);
                    return 0;
                case IOCB_CMD_POLL:
                    return Poll(ctx, user, ref cb, file, resfd);
            }
            return -Errno.EINVAL;
        }

        private static long ReadWrite(AioContext ctx, ulong user, ref Iocb cb, File file, EventFile resfd)
        {
            bool write = cb.Opcode == IOCB_CMD_PWRITE || cb.Opcode == IOCB_CMD_PWRITEV;
            bool vectored = cb.Opcode == IOCB_CMD_PREADV || cb.Opcode == IOCB_CMD_PWRITEV;
            if ((cb.Flags & IOCB_FLAG_IOPRIO) != 0 && !ValidPriority(cb.ReqPrio)) return -Errno.EINVAL;
            if ((cb.RwFlags & ~RWF_SUPPORTED) != 0) return -Errno.EOPNOTSUPP;
            if (write ? !file.CanWrite : !file.CanRead) return -Errno.EBADF;
            // The buffers: out of the user half is EFAULT now; a hole inside it is the request's EFAULT later.
            ulong total;
            if (vectored)
            {
                if (cb.Nbytes > UioMaxIov) return -Errno.EINVAL;
                total = 0;
                for (ulong k = 0; k < cb.Nbytes; k++)
                {
                    if (UserMemory.Read(cb.Buf + k * 16, out IoVec v) != 0) return -Errno.EFAULT;
                    if ((long)v.Len < 0) return -Errno.EINVAL;
                    ulong len = v.Len > MaxRwCount - total ? MaxRwCount - total : v.Len;
                    if (!InUserHalf(v.Base, len)) return -Errno.EFAULT;
                    total += len;
                }
            }
            else
            {
                total = cb.Nbytes > MaxRwCount ? MaxRwCount : cb.Nbytes;
                if (!InUserHalf(cb.Buf, total)) return -Errno.EFAULT;
            }
            // rw_verify_area: the position is checked even for files that have none.
            if (cb.Offset < 0 || cb.Offset + (long)total < 0) return -Errno.EINVAL;

            // Pipes, sockets and other files without a position read and write as read(2)/write(2) do.
            bool stream = file.Node == null || file is PipeFile;
            long offset = stream ? -1 : cb.Offset;
            if (write && (cb.RwFlags & RWF_APPEND) != 0 && !stream && file.Node.IsRegular) offset = (long)file.Node.Size;
            long res;
            if (stream && (cb.RwFlags & RWF_NOWAIT) != 0 && (file.Poll() & (write ? PollBits.POLLOUT : PollBits.POLLIN)) == 0)
                res = -Errno.EAGAIN;
            else if (vectored) res = SysFile.Vectored((int)cb.Fildes, cb.Buf, (long)cb.Nbytes, write, offset);
            else res = write ? SysFile.WriteFrom(file, cb.Buf, total, offset) : SysFile.ReadInto(file, cb.Buf, total, offset);
            if (res == -Errno.ESPIPE && !stream)                     // a device without positions (the console): as read/write
                res = vectored ? SysFile.Vectored((int)cb.Fildes, cb.Buf, (long)cb.Nbytes, write, -1)
                               : write ? SysFile.WriteFrom(file, cb.Buf, total, -1) : SysFile.ReadInto(file, cb.Buf, total, -1);
            if (res == -Errno.ERESTARTSYS) res = -Errno.EINTR;       // a signal ended a blocking read: the request says EINTR
            ctx.Complete(cb.Data, user, res, 0, resfd);
            return 0;
        }

        /// <summary>access_ok: the range lies below the end of the user half (its pages need not exist).</summary>
        private static bool InUserHalf(ulong addr, ulong len) => addr + len >= addr && addr + len <= AddressSpace.TaskSize;

        /// <summary>ioprio_check_cap for root: classes RT, BE and IDLE; NONE only with level 0.</summary>
        private static bool ValidPriority(short prio)
        {
            if (prio < 0) return false;
            int cls = prio >> 13;
            return cls >= 1 && cls <= 3 || (cls == 0 && (prio & 7) == 0);
        }

        /// <summary>IOCB_CMD_POLL: aio_buf holds the poll events; done now when the file is ready, else when it becomes ready.</summary>
        private static long Poll(AioContext ctx, ulong user, ref Iocb cb, File file, EventFile resfd)
        {
            if ((ushort)cb.Buf != cb.Buf) return -Errno.EINVAL;
            if (cb.Offset != 0 || cb.Nbytes != 0 || cb.RwFlags != 0) return -Errno.EINVAL;
            int events = (int)cb.Buf | PollBits.POLLERR | PollBits.POLLHUP;
            int ready = (ushort)file.Poll() & events;
            if (ready != 0) { ctx.Complete(cb.Data, user, ready, 0, resfd); return 0; }
            file.RefCount++;                                       // the request holds its files until it ends
            if (resfd != null) resfd.RefCount++;
            ctx.AddPoll(file, resfd, cb.Data, user, events);
            return 0;
        }

        /// <summary>io_cancel(ctx, iocb, result): only a waiting POLL can be cancelled; its event still goes to the ring.</summary>
        public static long Cancel(SyscallFrame* f)
        {
            if (UserMemory.Read(f->A1 + 8, out uint key) != 0) return -Errno.EFAULT;
            if (key != 0) return -Errno.EINVAL;
            AioContext ctx = AioContext.Lookup(f->A0);
            if (ctx == null) return -Errno.EINVAL;
            bool cancelled = ctx.CancelPoll(f->A1);
            ctx.Put();
            return cancelled ? -Errno.EINPROGRESS : -Errno.EINVAL;   // Linux: EINPROGRESS, the event comes through the ring
        }

        // ---- io_getevents ---------------------------------------------------------------------

        /// <summary>io_getevents(ctx, min_nr, nr, events, timeout).</summary>
        public static long Getevents(SyscallFrame* f)
        {
            long r = ReadTimeout(f->A4, out long timeoutNs);
            if (r < 0) return r;
            r = GetEvents(f->A0, (long)f->A1, (long)f->A2, f->A3, timeoutNs);
            if (r == 0 && Scheduler.SignalPending(Thread.Current)) r = -Errno.EINTR;
            return r;
        }

        /// <summary>io_pgetevents(..., usig): as io_getevents under the signal mask of struct __aio_sigset { sigmask, sigsetsize }.</summary>
        public static long Pgetevents(SyscallFrame* f)
        {
            long r = ReadTimeout(f->A4, out long timeoutNs);
            if (r < 0) return r;
            ulong mask = 0, size = 0;
            if (f->A5 != 0 && (UserMemory.Read(f->A5, out mask) != 0 || UserMemory.Read(f->A5 + 8, out size) != 0)) return -Errno.EFAULT;
            r = SignalDelivery.BeginWaitMask(mask, size);
            if (r < 0) return r;
            r = GetEvents(f->A0, (long)f->A1, (long)f->A2, f->A3, timeoutNs);
            // A signal the wait mask lets through: a handler runs with the caller's mask put back after it.
            bool interrupted = Scheduler.SignalPending(Thread.Current);
            if (!interrupted) SignalDelivery.RestoreSavedMask();
            return interrupted && r == 0 ? -Errno.EINTR : r;
        }

        /// <summary>The relative timeout in ns (-1: none; 0 or less: do not wait), or -EFAULT. Linux does not validate tv_nsec here.</summary>
        private static long ReadTimeout(ulong user, out long ns)
        {
            ns = -1;
            if (user == 0) return 0;
            if (UserMemory.Read(user, out SysTime.Timespec ts) != 0) return -Errno.EFAULT;
            if (ts.Sec >= long.MaxValue / 1_000_000_000) { ns = -1; return 0; }        // KTIME_MAX: for ever
            ns = ts.Sec <= -(long.MaxValue / 1_000_000_000) ? 0 : ts.Sec * 1_000_000_000 + ts.Nsec;
            if (ns < 0) ns = 0;
            return 0;
        }

        /// <summary>
        /// Linux's read_events: takes what is there; unless that is min_nr, waits (interruptibly, until the
        /// timeout) for completions, taking them as they come. Returns the count, or -errno when none was taken.
        /// </summary>
        private static long GetEvents(ulong ctxId, long minNr, long nr, ulong events, long timeoutNs)
        {
            AioContext ctx = AioContext.Lookup(ctxId);
            if (ctx == null) return -Errno.EINVAL;
            if (minNr > nr || minNr < 0) { ctx.Put(); return -Errno.EINVAL; }
            long got = 0;
            if (!TakeEvents(ctx, minNr, nr, events, ref got) && timeoutNs != 0)
            {
                ulong deadline = timeoutNs < 0 ? 0 : Drivers.Tsc.MonotonicNs() + (ulong)timeoutNs;
                while (true)
                {
                    int w = Scheduler.Sleep(ctx.Waiters, deadline);
                    if (TakeEvents(ctx, minNr, nr, events, ref got) || w != Scheduler.Woken) break;
                }
            }
            ctx.Put();
            return got;
        }

        /// <summary>Linux's aio_read_events: true when the wait is over (min_nr reached, or an error).</summary>
        private static bool TakeEvents(AioContext ctx, long minNr, long nr, ulong events, ref long got)
        {
            long r = ctx.ReadEvents(events + (ulong)got * 32, nr - got);
            if (r > 0) got += r;
            if (ctx.Dead) r = -Errno.EINVAL;
            if (got == 0) got = r;
            return r < 0 || got >= minNr;
        }
    }
}
