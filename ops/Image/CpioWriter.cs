using System.Text;

namespace Compat.Ops.Image;

/// <summary>
/// Writes a cpio "newc" archive (the format the kernel's <c>Compat.Loader.CpioReader</c> and
/// Linux's initramfs read): per entry a 110-byte ASCII header (magic <c>070701</c> and thirteen
/// 8-digit hex fields), the NUL-terminated name padded to a multiple of 4, then the data padded
/// to a multiple of 4; the archive ends with the entry <c>TRAILER!!!</c>.
/// Callers are responsible for adding parent directories first (<see cref="RootImage"/> does).
/// </summary>
public sealed class CpioWriter : IDisposable
{
    /// <summary>File type bits of st_mode.</summary>
    public const uint S_IFDIR = 0x4000, S_IFREG = 0x8000, S_IFLNK = 0xA000, S_IFIFO = 0x1000;

    private const string Magic = "070701";
    private const string Trailer = "TRAILER!!!";
    private readonly Stream _out;
    private readonly bool _leaveOpen;
    private long _position;
    private uint _nextInode = 1;
    private bool _finished;

    /// <summary>Writes to <paramref name="output"/>.</summary>
    public CpioWriter(Stream output, bool leaveOpen = false)
    {
        _out = output;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Adds a directory (<paramref name="permissions"/> without type bits, e.g. 0755).</summary>
    public void AddDirectory(string name, uint permissions = 0x1ED, uint mtime = 0) =>
        WriteHeader(name, S_IFDIR | (permissions & 0xFFF), 0, nlink: 2, mtime);

    /// <summary>Adds a regular file whose contents are in memory.</summary>
    public void AddFile(string name, ReadOnlySpan<byte> data, uint permissions = 0x1A4, uint mtime = 0)
    {
        WriteHeader(name, S_IFREG | (permissions & 0xFFF), CheckSize(data.Length), nlink: 1, mtime);
        _out.Write(data);
        _position += data.Length;
        Pad();
    }

    /// <summary>Adds a regular file copied from a stream of known length.</summary>
    public void AddFile(string name, Stream data, long length, uint permissions = 0x1A4, uint mtime = 0)
    {
        WriteHeader(name, S_IFREG | (permissions & 0xFFF), CheckSize(length), nlink: 1, mtime);
        var buffer = new byte[81920];
        long left = length;
        while (left > 0)
        {
            int n = data.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n <= 0) throw new IOException($"{name}: source ended {left} bytes early");
            _out.Write(buffer, 0, n);
            left -= n;
        }
        _position += length;
        Pad();
    }

    /// <summary>Adds a symbolic link (its target is the data).</summary>
    public void AddSymlink(string name, string target, uint mtime = 0)
    {
        var data = Encoding.UTF8.GetBytes(target);
        WriteHeader(name, S_IFLNK | 0x1FF, CheckSize(data.Length), nlink: 1, mtime);
        _out.Write(data);
        _position += data.Length;
        Pad();
    }

    /// <summary>Adds a FIFO (named pipe): a node without data.</summary>
    public void AddFifo(string name, uint permissions = 0x1A4, uint mtime = 0) =>
        WriteHeader(name, S_IFIFO | (permissions & 0xFFF), 0, nlink: 1, mtime);

    /// <summary>Writes the trailer entry. Called by Dispose if not called before.</summary>
    public void Finish()
    {
        if (_finished) return;
        _finished = true;
        _nextInode = 0;
        WriteHeader(Trailer, 0, 0, nlink: 1, 0);
        _out.Flush();
    }

    private static uint CheckSize(long size) =>
        size <= uint.MaxValue ? (uint)size : throw new IOException("cpio newc cannot hold files of 4 GiB or more");

    private void WriteHeader(string name, uint mode, uint size, uint nlink, uint mtime)
    {
        if (_finished && name != Trailer) throw new InvalidOperationException("archive already finished");
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var h = new StringBuilder(110);
        h.Append(Magic);
        foreach (uint field in new uint[]
        {
            name == Trailer ? 0 : _nextInode++,   // c_ino
            mode,                                  // c_mode
            0, 0,                                  // c_uid, c_gid
            nlink,                                 // c_nlink
            mtime,                                 // c_mtime
            size,                                  // c_filesize
            0, 0, 0, 0,                            // c_devmajor, c_devminor, c_rdevmajor, c_rdevminor
            (uint)nameBytes.Length + 1,            // c_namesize, including the NUL
            0,                                     // c_check
        })
            h.Append(field.ToString("X8"));
        var header = Encoding.ASCII.GetBytes(h.ToString());
        _out.Write(header);
        _out.Write(nameBytes);
        _out.WriteByte(0);
        _position += header.Length + nameBytes.Length + 1;
        Pad();
    }

    private void Pad()
    {
        while ((_position & 3) != 0) { _out.WriteByte(0); _position++; }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Finish();
        if (!_leaveOpen) _out.Dispose();
    }
}
