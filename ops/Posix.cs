using System.Runtime.InteropServices;

namespace Compat.Ops;

/// <summary>The few libc calls .NET does not wrap: FIFOs, sending a signal, a file's type.</summary>
public static partial class Posix
{
    /// <summary>Signal numbers (x86-64 Linux).</summary>
    public const int SIGTERM = 15;
    private const int O_WRONLY = 1, O_NONBLOCK = 0x800;

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MkFifoNative(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenNative(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int CloseNative(int fd);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int sig);

    [LibraryImport("libc", EntryPoint = "lstat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int LstatNative(string path, byte* buffer);

    /// <summary>File type bits of st_mode (S_IFMT).</summary>
    public const uint S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFDIR = 0x4000, S_IFLNK = 0xA000, S_IFIFO = 0x1000,
        S_IFSOCK = 0xC000, S_IFCHR = 0x2000, S_IFBLK = 0x6000;

    /// <summary>The S_IFMT bits of <paramref name="path"/> (not following a final symlink), or 0 when lstat fails.</summary>
    public static unsafe uint FileType(string path)
    {
        byte* st = stackalloc byte[256];                  // struct stat is 144 bytes on x86-64
        if (LstatNative(path, st) != 0) return 0;
        return *(uint*)(st + 24) & S_IFMT;               // st_mode follows st_dev, st_ino, st_nlink
    }

    /// <summary>Creates a FIFO (named pipe) with mode 0600.</summary>
    public static void MkFifo(string path)
    {
        if (MkFifoNative(path, 0x180) != 0) throw new IOException($"mkfifo {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>
    /// Opens a FIFO for writing without blocking and closes it again: wakes a reader blocked in
    /// open() (it then sees end of file). Does nothing when no reader is waiting.
    /// </summary>
    public static void PokeFifo(string path)
    {
        int fd = OpenNative(path, O_WRONLY | O_NONBLOCK);
        if (fd >= 0) CloseNative(fd);
    }

    /// <summary>Sends a signal; false when the process does not exist.</summary>
    public static bool Kill(int pid, int signal) => KillNative(pid, signal) == 0;
}
