// splice, tee and vmsplice: moving data between a pipe and a file or another pipe without passing
// through the program. Here the bytes go through a kernel buffer (no page stealing); the semantics
// are Linux's: one side is a pipe, offsets only for the non-pipe side, SPLICE_F_NONBLOCK makes the
// pipe side non-blocking, 0 at end of input.
using Kernel.Fs;
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysSplice
    {
        private const uint SPLICE_F_MOVE = 1, SPLICE_F_NONBLOCK = 2, SPLICE_F_MORE = 4, SPLICE_F_GIFT = 8;
        private const int Chunk = 16384;

        private static bool IsPipe(File f) => f is PipeFile;

        public static long Splice(SyscallFrame* f)
        {
            File input = FdTable.Get((int)f->A0), output = FdTable.Get((int)f->A2);
            ulong offIn = f->A1, offOut = f->A3, len = f->A4;
            uint flags = (uint)f->A5;
            long r = Check(input, output, offIn != 0, offOut != 0, flags);
            if (r != 0 || len == 0) return r;
            long inPos = -1, outPos = -1;
            if (offIn != 0) { if (UserMemory.Read(offIn, out inPos) != 0) return -Errno.EFAULT; if (inPos < 0) return -Errno.EINVAL; }
            if (offOut != 0) { if (UserMemory.Read(offOut, out outPos) != 0) return -Errno.EFAULT; if (outPos < 0) return -Errno.EINVAL; }
            long w = Move(input, inPos, output, outPos, len, (flags & SPLICE_F_NONBLOCK) != 0, out long n);
            if (n <= 0 || w < 0) return w;
            if (inPos >= 0 && UserMemory.Write(offIn, inPos + n) != 0) return -Errno.EFAULT;
            if (outPos >= 0 && UserMemory.Write(offOut, outPos + w) != 0) return -Errno.EFAULT;
            return w;
        }

        /// <summary>splice's checks before any data moves (offsets: whether each side was given one). 0 or -errno.</summary>
        internal static long Check(File input, File output, bool hasOffIn, bool hasOffOut, uint flags)
        {
            if (input == null || output == null) return -Errno.EBADF;
            if ((flags & ~(SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT)) != 0) return -Errno.EINVAL;
            if (!IsPipe(input) && !IsPipe(output)) return -Errno.EINVAL;
            if (!input.CanRead || !output.CanWrite) return -Errno.EBADF;
            if ((IsPipe(input) && hasOffIn) || (IsPipe(output) && hasOffOut)) return -Errno.ESPIPE;
            if ((output.Flags & OpenFlags.O_APPEND) != 0 && !IsPipe(output)) return -Errno.EINVAL;
            if (IsPipe(input) && IsPipe(output) && ((PipeFile)input).P == ((PipeFile)output).P) return -Errno.EINVAL;
            return 0;
        }

        /// <summary>
        /// Moves up to one chunk of <paramref name="len"/> bytes (positions -1: the files' own). The bytes
        /// written or -errno; <paramref name="read"/>: the bytes taken from the input (or its result).
        /// </summary>
        [System.Runtime.CompilerServices.SkipLocalsInit]
        internal static long Move(File input, long inPos, File output, long outPos, ulong len, bool nonblock, out long read)
        {
            read = 0;
            byte* buf = stackalloc byte[Chunk];
            long want = len < Chunk ? (long)len : Chunk;
            // A pipe that is full would lose what was read: take no more than it can hold now.
            if (output is PipeFile po)
            {
                if (po.P.Readers == 0) { SignalDelivery.RaisePipe(); return -Errno.EPIPE; }
                long room = po.P.Capacity - po.P.Count;
                while (room == 0)
                {
                    if (nonblock || (po.Flags & OpenFlags.O_NONBLOCK) != 0) return -Errno.EAGAIN;
                    if (Scheduler.Sleep(po.P.Waiters, 0) == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
                    if (po.P.Readers == 0) { SignalDelivery.RaisePipe(); return -Errno.EPIPE; }
                    room = po.P.Capacity - po.P.Count;
                }
                if (want > room) want = room;
            }
            long n;
            bool fromPipe = input is PipeFile;
            if (input is PipeFile pi)
            {
                // Into another pipe, room was checked and the write cannot fall short: take the bytes.
                // Into a file or socket, which may take only part (a full non-blocking socket), only
                // look at them, and take what was written: the rest stays queued (nothing is lost).
                bool pipeNonblock = nonblock || (pi.Flags & OpenFlags.O_NONBLOCK) != 0;
                n = output is PipeFile ? pi.P.Read(buf, want, pipeNonblock, null) : pi.P.Peek(buf, want, pipeNonblock);
            }
            else n = inPos >= 0 ? input.Pread(buf, want, inPos) : input.Read(buf, want);
            read = n;
            if (n <= 0) return n;
            long w;
            if (output is PipeFile po2) w = po2.P.Write(buf, n, false, null);        // room was checked: never blocks
            else
            {
                w = outPos >= 0 ? output.Pwrite(buf, n, outPos) : output.Write(buf, n);
                if (fromPipe) { ((PipeFile)input).P.Consume(w); read = w > 0 ? w : 0; }
            }
            return w;
        }

        /// <summary>tee: copies buffered bytes of one pipe into another without consuming them.</summary>
        [System.Runtime.CompilerServices.SkipLocalsInit]
        public static long Tee(SyscallFrame* f)
        {
            File input = FdTable.Get((int)f->A0), output = FdTable.Get((int)f->A1);
            ulong len = f->A2;
            uint flags = (uint)f->A3;
            if (input == null || output == null) return -Errno.EBADF;
            if (!(input is PipeFile pi) || !(output is PipeFile po) || pi.P == po.P) return -Errno.EINVAL;
            if (!input.CanRead || !output.CanWrite) return -Errno.EBADF;
            if (len == 0) return 0;
            bool nonblock = (flags & SPLICE_F_NONBLOCK) != 0;
            while (pi.P.Count == 0)
            {
                if (pi.P.Writers == 0) return 0;
                if (nonblock || (pi.Flags & OpenFlags.O_NONBLOCK) != 0) return -Errno.EAGAIN;
                if (Scheduler.Sleep(pi.P.Waiters, 0) == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
            }
            long room = po.P.Capacity - po.P.Count;
            if (po.P.Readers == 0) { SignalDelivery.RaisePipe(); return -Errno.EPIPE; }
            if (room == 0) return nonblock ? -Errno.EAGAIN : 0;
            long n = pi.P.Count;
            if (n > (long)len) n = (long)len;
            if (n > room) n = room;
            if (n > Chunk) n = Chunk;
            byte* buf = stackalloc byte[Chunk];
            for (long i = 0; i < n; i++) buf[i] = pi.P.Buffer[(pi.P.Head + i) % pi.P.Capacity];
            return po.P.Write(buf, n, true, null);
        }

        /// <summary>vmsplice: user memory into a pipe (as writev), or, on a read end, out of it (as readv).</summary>
        public static long Vmsplice(SyscallFrame* f)
        {
            File file = FdTable.Get((int)f->A0);
            if (file == null) return -Errno.EBADF;
            if (!(file is PipeFile)) return -Errno.EBADF;
            if (((uint)f->A3 & ~(SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT)) != 0) return -Errno.EINVAL;
            return SysFile.Vectored((int)f->A0, f->A1, (long)f->A2, file.CanWrite, -1);
        }
    }
}
