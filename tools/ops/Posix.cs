using System.Runtime.InteropServices;

namespace Compat.Ops;

/// <summary>The few libc calls .NET does not wrap: FIFOs and sending a signal.</summary>
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
