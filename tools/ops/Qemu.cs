using System.Diagnostics;
using System.Text;

namespace Compat.Ops;

/// <summary>Which QEMU accelerator boots the kernel.</summary>
public enum Accelerator
{
    /// <summary>QEMU's portable binary translator (always works, slower).</summary>
    Tcg,
    /// <summary>Linux KVM hardware virtualisation (only when the probe says it really works).</summary>
    Kvm,
}

/// <summary>How QEMU's standard streams are connected.</summary>
public enum QemuStdio
{
    /// <summary>
    /// ops run: QEMU inherits stdout (COM1 = program stdout) and, when <see cref="QemuOptions.InheritStdin"/>,
    /// stdin. QEMU's stderr (debugcon 0xEA = program stderr, plus QEMU's own messages) is a pipe that
    /// ops forwards to its own stderr byte for byte.
    /// </summary>
    Interactive,
    /// <summary>doctor, probe, bench: all streams are pipes; stdout and stderr are captured.</summary>
    Captured,
}

/// <summary>Everything that varies between QEMU boots.</summary>
public sealed record QemuOptions
{
    /// <summary>The kernel image (PVH ELF).</summary>
    public required string Kernel { get; init; }
    /// <summary>The root image (cpio newc), or null to boot without one.</summary>
    public string? Initrd { get; init; }
    /// <summary>The kernel command line.</summary>
    public string Append { get; init; } = "";
    /// <summary>Guest RAM in QEMU's -m syntax.</summary>
    public string Memory { get; init; } = "256M";
    /// <summary>The accelerator.</summary>
    public Accelerator Accel { get; init; } = Accelerator.Tcg;
    /// <summary>Where the kernel log (debugcon 0xE9) goes: a file (or a FIFO).</summary>
    public required string KernelLogPath { get; init; }
    /// <summary>Stream wiring.</summary>
    public QemuStdio Stdio { get; init; } = QemuStdio.Captured;
    /// <summary>Interactive mode only: let QEMU read ops' stdin (a terminal); otherwise QEMU's stdin is empty.</summary>
    public bool InheritStdin { get; init; }
    /// <summary>Attach a virtio-net device on QEMU user networking (no root needed).</summary>
    public bool Network { get; init; }
    /// <summary>Host-to-guest port forwards for user networking.</summary>
    public IReadOnlyList<PortForward> Forwards { get; init; } = [];
}

/// <summary>One forwarded port: connections to HostAddress:HostPort reach the guest's GuestPort.</summary>
public sealed record PortForward(string Protocol, string HostAddress, int HostPort, int GuestPort)
{
    /// <summary>Parses <c>PORT</c>, <c>HOSTPORT:GUESTPORT</c> or <c>HOSTADDR:HOSTPORT:GUESTPORT</c> (host address 127.0.0.1 by default).</summary>
    public static PortForward Parse(string text, string protocol, string what)
    {
        string[] parts = text.Trim().Split(':');
        static int Port(string s, string text, string what) =>
            int.TryParse(s, out int p) && p is > 0 and < 65536 ? p : throw new OpsException($"{what}: '{text}' is not a port (1-65535), HOST:GUEST or ADDR:HOST:GUEST", ExitCodes.Usage);
        return parts.Length switch
        {
            1 => new PortForward(protocol, "127.0.0.1", Port(parts[0], text, what), Port(parts[0], text, what)),
            2 => new PortForward(protocol, "127.0.0.1", Port(parts[0], text, what), Port(parts[1], text, what)),
            3 => new PortForward(protocol, parts[0].Length == 0 ? "127.0.0.1" : parts[0], Port(parts[1], text, what), Port(parts[2], text, what)),
            _ => throw new OpsException($"{what}: '{text}' is not a port (1-65535), HOST:GUEST or ADDR:HOST:GUEST", ExitCodes.Usage),
        };
    }

    /// <summary>QEMU's hostfwd form.</summary>
    public string HostFwd => $"hostfwd={Protocol}:{HostAddress}:{HostPort}-:{GuestPort}";
}

/// <summary>Builds the QEMU command line of ARCHITECTURE.md and runs QEMU.</summary>
public static class Qemu
{
    /// <summary>The QEMU executable.</summary>
    public const string Executable = "qemu-system-x86_64";

    /// <summary>The argument list for <paramref name="o"/> (the contract's command line).</summary>
    public static List<string> Arguments(QemuOptions o)
    {
        var a = new List<string>
        {
            "-M", "microvm,x-option-roms=off,rtc=off", "-nodefaults", "-no-user-config",
            "-display", "none", "-monitor", "none", "-no-reboot",
            "-accel", o.Accel == Accelerator.Kvm ? "kvm" : "tcg",
            "-m", o.Memory,
            "-kernel", o.Kernel,
        };
        if (o.Initrd != null) { a.Add("-initrd"); a.Add(o.Initrd); }
        if (o.Append.Length > 0) { a.Add("-append"); a.Add(o.Append); }
        a.AddRange([
            "-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con",
            "-chardev", "file,id=err,path=/dev/stderr", "-device", "isa-debugcon,iobase=0xea,chardev=err",
            "-chardev", "file,id=klog,path=" + o.KernelLogPath, "-device", "isa-debugcon,iobase=0xe9,chardev=klog",
            "-device", "isa-debug-exit,iobase=0x501,iosize=1",
        ]);
        if (o.Network)
        {
            // QEMU user networking: the guest is 10.0.2.15, the host 10.0.2.2, DNS 10.0.2.3.
            string netdev = "user,id=net0" + string.Concat(o.Forwards.Select(f => "," + f.HostFwd));
            a.AddRange(["-netdev", netdev, "-global", "virtio-mmio.force-legacy=false", "-device", "virtio-net-device,netdev=net0"]);
        }
        return a;
    }

    /// <summary>The command line as a shell would show it (for -v and error messages).</summary>
    public static string CommandLine(QemuOptions o) =>
        Executable + " " + string.Join(' ', Arguments(o).Select(ShellQuote));

    private static string ShellQuote(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./,=:+@%".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";

    /// <summary>
    /// Starts QEMU. The clock for <see cref="QemuProcess.Elapsed"/> starts just before the process
    /// is spawned. <paramref name="onOutput"/> sees every chunk QEMU writes to its stderr (and, when
    /// captured, its stdout), from the first byte on.
    /// </summary>
    public static QemuProcess Start(QemuOptions o, Action<string>? onOutput = null) => new(o, onOutput);
}

/// <summary>A running QEMU. Dispose kills it if it is still running.</summary>
public sealed partial class QemuProcess : IDisposable
{
    private const string TerminatingMessage = ": terminating on signal ";
    private volatile bool _terminating;

    [System.Text.RegularExpressions.GeneratedRegex(@"[^\n]*: terminating on signal [^\n]*\n?")]
    private static partial System.Text.RegularExpressions.Regex TerminatingLine();

    private readonly Process _process;
    private readonly long _startTimestamp;
    private long _exitTimestamp;
    private readonly Thread? _stderrPump, _stdoutPump;
    private readonly StringBuilder _captured = new();
    private readonly object _gate = new();

    private readonly Action<string>? _onOutput;

    internal QemuProcess(QemuOptions o, Action<string>? onOutput)
    {
        _onOutput = onOutput;
        var psi = new ProcessStartInfo(Qemu.Executable)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = o.Stdio == QemuStdio.Captured,
            RedirectStandardInput = o.Stdio == QemuStdio.Captured || !o.InheritStdin,
        };
        foreach (var arg in Qemu.Arguments(o)) psi.ArgumentList.Add(arg);

        _startTimestamp = Stopwatch.GetTimestamp();
        try { _process = Process.Start(psi) ?? throw new OpsException("cannot start " + Qemu.Executable); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new OpsException($"cannot start {Qemu.Executable}: {e.Message} (install QEMU: tools/setup.sh)");
        }
        if (psi.RedirectStandardInput) _process.StandardInput.Close();

        var errTarget = o.Stdio == QemuStdio.Interactive ? Console.OpenStandardError() : null;
        _stderrPump = Pump(_process.StandardError.BaseStream, errTarget);
        if (o.Stdio == QemuStdio.Captured) _stdoutPump = Pump(_process.StandardOutput.BaseStream, null);
    }

    private Thread Pump(Stream source, Stream? forwardTo)
    {
        var t = new Thread(() =>
        {
            var buf = new byte[8192];
            int n;
            try
            {
                while ((n = source.Read(buf, 0, buf.Length)) > 0)
                {
                    var text = Encoding.UTF8.GetString(buf, 0, n);
                    if (forwardTo != null) Forward(forwardTo, buf, n, text, ref forwardTo);
                    else lock (_gate) _captured.Append(text);
                    _onOutput?.Invoke(text);
                }
            }
            catch (IOException) { }
            catch (ObjectDisposedException) { }
        }) { IsBackground = true, Name = "qemu-pump" };
        t.Start();
        return t;
    }

    /// <summary>Forwards bytes to ops' stderr; if that fails (closed), keeps draining QEMU so it never blocks.</summary>
    private void Forward(Stream target, byte[] buf, int n, string text, ref Stream? forwardTo)
    {
        try
        {
            if (_terminating && text.Contains(TerminatingMessage, StringComparison.Ordinal))
                target.Write(Encoding.UTF8.GetBytes(TerminatingLine().Replace(text, "")));   // QEMU acknowledging ops' SIGTERM
            else target.Write(buf, 0, n);
            target.Flush();
        }
        catch (IOException) { forwardTo = null; }
    }

    /// <summary>QEMU's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Stopwatch timestamp taken just before QEMU was spawned.</summary>
    public long StartTimestamp => _startTimestamp;

    /// <summary>Time from spawn to exit (or to now while running).</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_startTimestamp, _exitTimestamp != 0 ? _exitTimestamp : Stopwatch.GetTimestamp());

    /// <summary>QEMU's exit status (valid after exit).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>True once QEMU has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Captured mode: everything QEMU wrote to stdout and stderr (QEMU's own messages, COM1, app stderr).</summary>
    public string CapturedOutput { get { lock (_gate) return _captured.ToString(); } }

    /// <summary>Waits for exit; false when <paramref name="timeout"/> passed first. Output pumps are drained on exit.</summary>
    public bool WaitForExit(TimeSpan? timeout = null)
    {
        if (!_process.WaitForExit(timeout ?? Timeout.InfiniteTimeSpan)) return false;
        if (_exitTimestamp == 0) _exitTimestamp = Stopwatch.GetTimestamp();
        _process.WaitForExit();
        _stderrPump?.Join(TimeSpan.FromSeconds(5));
        _stdoutPump?.Join(TimeSpan.FromSeconds(5));
        return true;
    }

    /// <summary>
    /// Asks QEMU to quit with SIGTERM (it then restores the terminal it put in raw mode), and
    /// kills it if it has not exited after <paramref name="grace"/>.
    /// </summary>
    public void Terminate(TimeSpan grace)
    {
        try
        {
            if (_process.HasExited) return;
            _terminating = true;
            Posix.Kill(_process.Id, Posix.SIGTERM);
        }
        catch (InvalidOperationException) { return; }
        if (!WaitForExit(grace)) Kill();
    }

    /// <summary>Kills QEMU (if running) and waits for it.</summary>
    public void Kill()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        WaitForExit(TimeSpan.FromSeconds(10));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
