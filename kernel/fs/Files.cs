// The kinds of open file: the console, inodes of the in-memory file system (regular files,
// directories, devices, /proc entries) and pipes.
using Kernel.Vfs;

namespace Kernel.Fs
{
    /// <summary>fd 0, 1, 2 at start: COM1 / debugcon, see kernel/core/Console.cs.</summary>
    internal sealed unsafe class ConsoleFile : File
    {
        private readonly int _stream;   // 0 stdin, 1 stdout, 2 stderr

        public ConsoleFile(int stream, int flags) { _stream = stream; Flags = flags; }

        public int Stream => _stream;
        public override bool IsTty => Console.IsTty(_stream);

        public override long Read(byte* dst, long n)
        {
            if (_stream != 0) return -Errno.EBADF;
            long jc = Syscalls.SysIo.CheckRead();                 // a background group reading the terminal
            return jc < 0 ? jc : Console.Read(dst, (ulong)n, (Flags & OpenFlags.O_NONBLOCK) != 0);
        }

        public override long Write(byte* src, long n)
        {
            int stream = _stream == 0 ? 1 : _stream;
            long jc = Syscalls.SysIo.CheckWrite(stream);          // TOSTOP
            if (jc < 0) return jc;
            Console.Write(stream, src, (ulong)n);
            return n;
        }

        public override short Poll() =>
            _stream == 0 ? (Console.StdinReady() ? PollBits.POLLIN : (short)0) : PollBits.POLLOUT;

        public override long Available() => _stream == 0 && Console.StdinReady() ? 1 : 0;
        public override long Ioctl(uint request, ulong arg) => Syscalls.SysIo.ConsoleIoctl(_stream, request, arg);
    }

    /// <summary>An inode of the VFS opened by path: regular file, directory, device or /proc entry.</summary>
    internal sealed unsafe class InodeFile : File
    {
        public long DirCookie;        // getdents64 position

        public InodeFile(Inode node, int flags)
        {
            Node = node;
            Flags = flags;
            node.OpenRef();
            if (HoldsWriteAccess) node.WriteCount++;
        }

        private bool IsDirectory => (Node.Mode & 0xF000) == 0x4000;
        // A memfd's descriptors take no write access (Linux makes them with alloc_file_pseudo), so a
        // memfd still open for writing can be run (fexecve).
        private bool HoldsWriteAccess => CanWrite && (Node.Mode & 0xF000) == 0x8000 && (Node.Seals & Seals.Sealable) == 0;

        public override void OnLastClose()
        {
            if (HoldsWriteAccess) Node.WriteCount--;
            if ((Flags & OpenFlags.O_PATH) == 0) FsNotify.Child(Node, CanWrite ? InotifyMask.IN_CLOSE_WRITE : InotifyMask.IN_CLOSE_NOWRITE);
        }

        public override long Read(byte* dst, long n)
        {
            if (IsDirectory) return -Errno.EISDIR;
            Memory.AddressSpace.FlushShared(Node);
            long r = FileSystem.Read(Node, Offset, new System.Span<byte>(dst, (int)n));
            if (r > 0) Offset += r;
            return r;
        }

        public override long Write(byte* src, long n)
        {
            if (IsDirectory) return -Errno.EISDIR;
            if ((Flags & OpenFlags.O_APPEND) != 0 && !(Node is SpecialInode)) Offset = Node.Size;
            long sealErr = Seals.CheckWrite(Node, Offset, n);
            if (sealErr < 0) return sealErr;
            long r = FileSystem.Write(Node, Offset, new System.ReadOnlySpan<byte>(src, (int)n));
            if (r > 0) { Memory.AddressSpace.RefreshShared(Node, Offset, r); Offset += r; }
            return r;
        }

        public override long Pread(byte* dst, long n, long offset)
        {
            if (IsDirectory) return -Errno.EISDIR;
            if (offset < 0) return -Errno.EINVAL;
            Memory.AddressSpace.FlushShared(Node);
            return FileSystem.Read(Node, offset, new System.Span<byte>(dst, (int)n));
        }

        public override long Pwrite(byte* src, long n, long offset)
        {
            if (IsDirectory) return -Errno.EISDIR;
            if (offset < 0) return -Errno.EINVAL;
            // Linux quirk kept for compatibility: pwrite on an O_APPEND file appends.
            if ((Flags & OpenFlags.O_APPEND) != 0 && !(Node is SpecialInode)) offset = Node.Size;
            long sealErr = Seals.CheckWrite(Node, offset, n);
            if (sealErr < 0) return sealErr;
            long r = FileSystem.Write(Node, offset, new System.ReadOnlySpan<byte>(src, (int)n));
            if (r > 0) Memory.AddressSpace.RefreshShared(Node, offset, r);
            return r;
        }

        public override long Seek(long offset, int whence)
        {
            const int SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;
            long target;
            if (IsDirectory)
            {
                // The position is the readdir cookie (what telldir reports and seekdir gives back);
                // there is no end to seek to, as on tmpfs.
                if (whence == SEEK_SET) target = offset;
                else if (whence == SEEK_CUR) target = DirCookie + offset;
                else return -Errno.EINVAL;
                if (target < 0) return -Errno.EINVAL;
                DirCookie = target;
                Offset = target;
                return target;
            }
            if (Node is ProcessMemFile)
            {
                // /proc/PID/mem: positions are addresses, any 64-bit value (Linux's mem_lseek, an
                // unsigned offset): a seek to a kernel address succeeds and the read there fails
                // with EIO, instead of reading wherever the last position was.
                if (whence == SEEK_SET) Offset = offset;
                else if (whence == SEEK_CUR) Offset = (long)((ulong)Offset + (ulong)offset);
                else return -Errno.EINVAL;
                return Offset;
            }
            switch (whence)
            {
                case SEEK_SET: target = offset; break;
                case SEEK_CUR: target = Offset + offset; break;
                case SEEK_END: target = Node.Size + offset; break;
                case SEEK_DATA: target = FileSystem.SeekData(Node, offset, false); if (target < 0) return target; break;
                case SEEK_HOLE: target = FileSystem.SeekData(Node, offset, true); if (target < 0) return target; break;
                default: return -Errno.EINVAL;
            }
            if (target < 0) return -Errno.EINVAL;
            Offset = target;
            return target;
        }

        public override long Available()
        {
            if (Node is SpecialInode) return 0;
            long left = Node.Size - Offset;
            return left > 0 ? left : 0;
        }

        public override long Ioctl(uint request, ulong arg) => Node is TtyDevice ? Syscalls.SysIo.ConsoleIoctl(0, request, arg) : -Errno.ENOTTY;
    }

    /// <summary>A pipe's ring buffer, shared by its read and write ends.</summary>
    internal sealed unsafe class Pipe
    {
        public const int DefaultSize = 65536;       // Linux's 16 pages
        public const int MaxUserSize = 1 << 20;     // fs.pipe-max-size: the most F_SETPIPE_SZ gives without CAP_SYS_RESOURCE
        public int Capacity = DefaultSize;
        public byte* Buffer;
        public int Head, Count;
        public int Readers = 1, Writers = 1;
        public int Refs;                           // socketpair ends holding this pipe (freed by the last)
        public ulong InputEvents;                  // bytes written in, a writer gone (File.InputEvents)
        public ulong Id;
        public readonly WaitQueue Waiters = new WaitQueue();   // readers and writers waiting for a change
        public const int AtomicLimit = 4096;                   // PIPE_BUF: writes up to this size are never split
        private static ulong s_nextId = 1;

        public Pipe()
        {
            Buffer = (byte*)Memory.Mm.KernelHeap.Alloc(DefaultSize);
            Id = s_nextId++;
        }

        /// <summary>
        /// F_SETPIPE_SZ: a buffer of <paramref name="size"/> bytes takes over what is buffered (EBUSY
        /// when that does not fit). Returns the size or -errno.
        /// </summary>
        public int Resize(int size)
        {
            if (Count > size) return -Errno.EBUSY;
            if (size == Capacity) return size;
            byte* b = (byte*)Memory.Mm.KernelHeap.Alloc((ulong)size);
            if (b == null) return -Errno.ENOMEM;
            int first = Capacity - Head < Count ? Capacity - Head : Count;
            Mem.Copy(b, Buffer + Head, (ulong)first);
            Mem.Copy(b + first, Buffer, (ulong)(Count - first));
            Memory.Mm.KernelHeap.Free(Buffer);
            Buffer = b;
            Head = 0;
            Capacity = size;
            Changed();                                 // more room: writers may go on
            return size;
        }

        public void Free()
        {
            if (Buffer != null) { Memory.Mm.KernelHeap.Free(Buffer); Buffer = null; }
            Runtime.Allocator.Free(Waiters);
        }

        /// <summary>Data, room or an end changed: wake whoever waits on this pipe, and pollers.</summary>
        public void Changed()
        {
            if (!Waiters.IsEmpty) Waiters.WakeAll();
            PollWait.Changed();
        }

        /// <summary>
        /// Reads what is buffered, waiting for the first byte unless <paramref name="nonblock"/>. 0 at end of
        /// file (no writer, or <paramref name="shut"/>() says the reading side was shut down).
        /// </summary>
        public long Read(byte* dst, long n, bool nonblock, bool* shut) => ReadTo((ulong)dst, false, n, nonblock, shut);

        /// <summary>read(2) straight into user memory (no bounce buffer); a fault gives a short read, or EFAULT.</summary>
        public long ReadUser(ulong dst, long n, bool nonblock) => ReadTo(dst, true, n, nonblock, null);

        /// <summary>
        /// Writes all of src, waiting for room unless <paramref name="nonblock"/>; a write of up to
        /// PIPE_BUF bytes goes in whole or not at all. EPIPE (and SIGPIPE) once no reader is left.
        /// </summary>
        public long Write(byte* src, long n, bool nonblock, bool* shut) => WriteFrom((ulong)src, false, n, nonblock, shut);

        /// <summary>write(2) straight from user memory, with <see cref="Write"/>'s rules.</summary>
        public long WriteUser(ulong src, long n, bool nonblock) => WriteFrom(src, true, n, nonblock, null);

        // One copy for kernel buffers and user memory alike: user copies can fault (-EFAULT), kernel ones cannot.
        private static long CopyOut(ulong dst, bool user, byte* src, long n)
        {
            if (user) return Memory.UserMemory.CopyTo(dst, src, (ulong)n);
            Mem.Copy((byte*)dst, src, (ulong)n);
            return 0;
        }

        private static long CopyIn(byte* dst, ulong src, bool user, long n)
        {
            if (user) return Memory.UserMemory.CopyFrom(dst, src, (ulong)n);
            Mem.Copy(dst, (byte*)src, (ulong)n);
            return 0;
        }

        /// <summary>
        /// splice into a file or socket: copies up to n buffered bytes (waiting for some as read does)
        /// without taking them; <see cref="Consume"/> then takes what the output accepted, so what it
        /// refuses stays in the pipe, as with Linux's splice.
        /// </summary>
        public long Peek(byte* dst, long n, bool nonblock) => CopyBuffered((ulong)dst, false, n, nonblock, null);

        /// <summary>Drops the first <paramref name="n"/> buffered bytes (at most what is buffered): the part of a <see cref="Peek"/> delivered.</summary>
        public void Consume(long n)
        {
            if (n <= 0) return;
            if (n > Count) n = Count;
            Head = (int)((Head + n) % Capacity);
            Count -= (int)n;
            Changed();
        }

        /// <summary>Takes what is buffered, up to n bytes; nothing is consumed that could not be delivered.</summary>
        private long ReadTo(ulong dst, bool user, long n, bool nonblock, bool* shut)
        {
            long take = CopyBuffered(dst, user, n, nonblock, shut);
            Consume(take);
            return take;
        }

        /// <summary>
        /// Waits until something is buffered (0 at end of file, -errno), then copies up to n bytes
        /// from the head without taking them; a fault part way gives the bytes before it.
        /// </summary>
        private long CopyBuffered(ulong dst, bool user, long n, bool nonblock, bool* shut)
        {
            while (Count == 0)
            {
                if (Writers == 0 || (shut != null && *shut)) return 0;
                if (nonblock) return -Errno.EAGAIN;
                if (Scheduler.Sleep(Waiters, 0) == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
            }
            long take = n < Count ? n : Count;
            long first = Capacity - Head < take ? Capacity - Head : take;
            if (CopyOut(dst, user, Buffer + Head, first) != 0) return -Errno.EFAULT;
            if (take > first && CopyOut(dst + (ulong)first, user, Buffer, take - first) != 0) take = first;
            return take;
        }

        private long WriteFrom(ulong src, bool user, long n, bool nonblock, bool* shut)
        {
            long done = 0;
            while (done < n)
            {
                if (Readers == 0 || (shut != null && *shut))
                {
                    if (done > 0) return done;
                    Syscalls.SignalDelivery.RaisePipe();
                    return -Errno.EPIPE;
                }
                long room = Capacity - Count;
                if (room == 0 || (n <= AtomicLimit && room < n))
                {
                    if (nonblock) return done > 0 ? done : -Errno.EAGAIN;
                    if (Scheduler.Sleep(Waiters, 0) == Scheduler.Interrupted) return done > 0 ? done : -Errno.ERESTARTSYS;
                    continue;
                }
                long put = n - done < room ? n - done : room;
                int tail = (Head + Count) % Capacity;
                long first = Capacity - tail < put ? Capacity - tail : put;
                if (CopyIn(Buffer + tail, src + (ulong)done, user, first) != 0) return done > 0 ? done : -Errno.EFAULT;
                if (put > first && CopyIn(Buffer, src + (ulong)(done + first), user, put - first) != 0) put = first;
                Count += (int)put;
                done += put;
                InputEvents++;
                Changed();
            }
            return done;
        }
    }

    internal sealed unsafe class PipeFile : File
    {
        public readonly Pipe P;
        public readonly bool WriteEnd;

        public FifoInode Fifo;        // set when opened through a named pipe
        public bool BothEnds;         // a FIFO opened O_RDWR: one description is reader and writer

        public PipeFile(Pipe p, bool writeEnd, int flags) { P = p; WriteEnd = writeEnd; Flags = flags; }

        public override long Read(byte* dst, long n)
        {
            if (WriteEnd && (Flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDWR) return -Errno.EBADF;
            return P.Read(dst, n, (Flags & OpenFlags.O_NONBLOCK) != 0, null);
        }

        public override long Write(byte* src, long n)
        {
            if (!WriteEnd && (Flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDWR) return -Errno.EBADF;
            return P.Write(src, n, (Flags & OpenFlags.O_NONBLOCK) != 0, null);
        }

        public override short Poll()
        {
            if (WriteEnd)
            {
                short w = P.Count < P.Capacity ? PollBits.POLLOUT : (short)0;     // room is reported with or without readers
                return P.Readers == 0 ? (short)(w | PollBits.POLLERR) : w;
            }
            short r = 0;
            if (P.Count > 0) r |= PollBits.POLLIN;
            if (P.Writers == 0) r |= PollBits.POLLHUP;
            return r;
        }

        public override long Available() => WriteEnd ? 0 : P.Count;
        public override ulong InputEvents => P.InputEvents;

        public override long Seek(long offset, int whence) => -Errno.ESPIPE;

        public override void OnLastClose()
        {
            if (WriteEnd || BothEnds) { P.Writers--; P.InputEvents++; }
            if (!WriteEnd || BothEnds) P.Readers--;
            if (Fifo != null)
            {
                if (WriteEnd || BothEnds) Fifo.OpenWriters--;
                if (!WriteEnd || BothEnds) Fifo.OpenReaders--;
            }
            if (P.Readers == 0 && P.Writers == 0 && P.Waiters.IsEmpty)    // nobody is opening the FIFO right now
            {
                P.Free();
                if (Fifo != null) Fifo.P = null;
                Runtime.Allocator.Free(P);
            }
            else P.Changed();
            if (Fifo != null) Fifo.CloseRef();
        }
    }
}

namespace Kernel.Fs
{
    /// <summary>A named pipe (mkfifo): opening it yields pipe ends over one shared buffer.</summary>
    internal sealed class FifoInode : SpecialInode
    {
        public Pipe P;
        public int OpenReaders, OpenWriters;
        public uint ReaderOpens, WriterOpens;      // opens ever made of each end: what a blocking open waits to see change
    }

    /// <summary>A device node made with mknod that no driver serves: opening it fails with ENXIO.</summary>
    internal sealed class DeadDevice : SpecialInode { }
}
