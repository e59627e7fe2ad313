using System.Diagnostics;
using System.Text;

namespace Compat.Ops;

/// <summary>How the kernel log reaches ops during a measured boot.</summary>
public enum LogTransport
{
    /// <summary>A temporary file polled every millisecond (the contract's command line).</summary>
    File,
    /// <summary>A FIFO read by a blocked thread: the first byte is timestamped the moment it arrives.</summary>
    Fifo,
}

/// <summary>The outcome of one measured boot.</summary>
public sealed record BootResult(
    KernelLog Log,
    TimeSpan? FirstLogLine,
    TimeSpan Total,
    int QemuExitCode,
    bool TimedOut,
    string QemuOutput);

/// <summary>
/// Boots the kernel without a root image (for doctor and bench), captures its log and measures,
/// host-side, the time from spawning QEMU to the first kernel log byte and to QEMU's exit.
/// </summary>
public static class KernelBoot
{
    /// <summary>One boot with the given kernel command line.</summary>
    public static BootResult Run(Repo repo, Accelerator accel, string append, LogTransport transport, TimeSpan timeout)
    {
        var dir = Directory.CreateTempSubdirectory("ops-boot-");
        try
        {
            var logPath = Path.Combine(dir.FullName, transport == LogTransport.Fifo ? "kernel.fifo" : "kernel.log");
            var options = new QemuOptions
            {
                Kernel = repo.KernelImage, Append = append, Accel = accel,
                KernelLogPath = logPath, Stdio = QemuStdio.Captured,
            };
            return transport == LogTransport.Fifo ? ViaFifo(options, timeout) : ViaFile(options, timeout);
        }
        finally
        {
            try { dir.Delete(recursive: true); } catch (IOException) { }
        }
    }

    private static BootResult ViaFile(QemuOptions options, TimeSpan timeout)
    {
        var follower = new LogFollower(options.KernelLogPath, _ => { }, TimeSpan.FromMilliseconds(1));
        using var qemu = Qemu.Start(options);
        bool timedOut = !qemu.WaitForExit(timeout);
        if (timedOut) qemu.Kill();
        follower.Stop();
        TimeSpan? first = follower.FirstByteTimestamp != 0 ? Stopwatch.GetElapsedTime(qemu.StartTimestamp, follower.FirstByteTimestamp) : null;
        return new BootResult(KernelLog.Read(options.KernelLogPath), first, qemu.Elapsed, qemu.HasExited ? qemu.ExitCode : -1, timedOut, qemu.CapturedOutput);
    }

    private static BootResult ViaFifo(QemuOptions options, TimeSpan timeout)
    {
        Posix.MkFifo(options.KernelLogPath);
        long firstByte = 0;
        var text = new MemoryStream();
        var reader = new Thread(() =>
        {
            using var fifo = new FileStream(options.KernelLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 0);
            var buf = new byte[4096];
            int n;
            while ((n = fifo.Read(buf, 0, buf.Length)) > 0)
            {
                if (firstByte == 0) firstByte = Stopwatch.GetTimestamp();
                text.Write(buf, 0, n);
            }
        }) { IsBackground = true, Name = "klog-fifo" };
        reader.Start();

        using var qemu = Qemu.Start(options);
        bool timedOut = !qemu.WaitForExit(timeout);
        if (timedOut) qemu.Kill();
        if (!reader.Join(TimeSpan.FromMilliseconds(500)))
        {
            Posix.PokeFifo(options.KernelLogPath);      // QEMU never opened it: wake the reader
            reader.Join(TimeSpan.FromSeconds(5));
        }
        TimeSpan? first = firstByte != 0 ? Stopwatch.GetElapsedTime(qemu.StartTimestamp, firstByte) : null;
        var log = KernelLog.Parse(Encoding.UTF8.GetString(text.ToArray()));
        return new BootResult(log, first, qemu.Elapsed, qemu.HasExited ? qemu.ExitCode : -1, timedOut, qemu.CapturedOutput);
    }
}
