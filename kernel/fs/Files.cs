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

        public override long Read(byte* dst, long n) => _stream == 0 ? Console.Read(dst, (ulong)n) : -Errno.EBADF;

        public override long Write(byte* src, long n)
        {
            Console.Write(_stream == 0 ? 1 : _stream, src, (ulong)n);
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
        }

        private bool IsDirectory => (Node.Mode & 0xF000) == 0x4000;

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
            long r = FileSystem.Write(Node, offset, new System.ReadOnlySpan<byte>(src, (int)n));
            if (r > 0) Memory.AddressSpace.RefreshShared(Node, offset, r);
            return r;
        }

        public override long Seek(long offset, int whence)
        {
            const int SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;
            long target;
            switch (whence)
            {
                case SEEK_SET: target = offset; break;
                case SEEK_CUR: target = Offset + offset; break;
                case SEEK_END: target = Node.Size + offset; break;
                case SEEK_DATA: if (offset >= Node.Size) return -Errno.ENXIO; target = offset; break;
                case SEEK_HOLE: if (offset >= Node.Size) return -Errno.ENXIO; target = Node.Size; break;
                default: return -Errno.EINVAL;
            }
            if (target < 0) return -Errno.EINVAL;
            if (IsDirectory) { if (target == 0) DirCookie = 0; }
            Offset = target;
            return target;
        }

        public override long Available()
        {
            if (Node is SpecialInode) return 0;
            long left = Node.Size - Offset;
            return left > 0 ? left : 0;
        }

        public override long Ioctl(uint request, ulong arg) => -Errno.ENOTTY;
    }

    /// <summary>A pipe's ring buffer, shared by its read and write ends.</summary>
    internal sealed unsafe class Pipe
    {
        public const int Capacity = 65536;
        public byte* Buffer;
        public int Head, Count;
        public int Readers = 1, Writers = 1;
        public ulong Id;
        private static ulong s_nextId = 1;

        public Pipe()
        {
            Buffer = (byte*)Memory.Mm.KernelHeap.Alloc(Capacity);
            Id = s_nextId++;
        }

        public void Free() { if (Buffer != null) { Memory.Mm.KernelHeap.Free(Buffer); Buffer = null; } }

        /// <summary>Takes up to n buffered bytes (the caller checked Count &gt; 0).</summary>
        public long Take(byte* dst, long n)
        {
            long take = n < Count ? n : Count;
            for (long i = 0; i < take; i++) { dst[i] = Buffer[Head]; Head = (Head + 1) % Capacity; }
            Count -= (int)take;
            return take;
        }

        /// <summary>Appends as much of src as fits; EAGAIN when full.</summary>
        public long Put(byte* src, long n)
        {
            long room = Capacity - Count;
            if (room == 0) return -Errno.EAGAIN;
            long put = n < room ? n : room;
            for (long i = 0; i < put; i++) Buffer[(Head + Count + (int)i) % Capacity] = src[i];
            Count += (int)put;
            return put;
        }
    }

    internal sealed unsafe class PipeFile : File
    {
        public readonly Pipe P;
        public readonly bool WriteEnd;

        public FifoInode Fifo;        // set when opened through a named pipe

        public PipeFile(Pipe p, bool writeEnd, int flags) { P = p; WriteEnd = writeEnd; Flags = flags; }

        public override long Read(byte* dst, long n)
        {
            if (WriteEnd && (Flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDWR) return -Errno.EBADF;
            // One thread runs at a time: nobody can fill an empty pipe while its reader waits.
            if (P.Count == 0) return P.Writers == 0 ? 0 : -Errno.EAGAIN;
            return P.Take(dst, n);
        }

        public override long Write(byte* src, long n)
        {
            if (!WriteEnd && (Flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDWR) return -Errno.EBADF;
            if (P.Readers == 0)
            {
                Syscalls.SignalDelivery.RaisePipe();
                return -Errno.EPIPE;
            }
            return P.Put(src, n);
        }

        public override short Poll()
        {
            if (WriteEnd) return P.Readers == 0 ? PollBits.POLLERR : P.Count < Pipe.Capacity ? PollBits.POLLOUT : (short)0;
            short r = 0;
            if (P.Count > 0) r |= PollBits.POLLIN;
            if (P.Writers == 0) r |= PollBits.POLLHUP;
            return r;
        }

        public override long Available() => WriteEnd ? 0 : P.Count;

        public override long Seek(long offset, int whence) => -Errno.ESPIPE;

        public override void OnLastClose()
        {
            if (WriteEnd) P.Writers--; else P.Readers--;
            if (Fifo != null) { if (WriteEnd) Fifo.OpenWriters--; else Fifo.OpenReaders--; }
            if (P.Readers == 0 && P.Writers == 0)
            {
                P.Free();
                if (Fifo != null) Fifo.P = null;
                Runtime.Allocator.Free(P);
            }
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
    }

    /// <summary>A device node made with mknod that no driver serves: opening it fails with ENXIO.</summary>
    internal sealed class DeadDevice : SpecialInode { }
}
