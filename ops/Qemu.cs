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

/// <summary>Which QEMU machine the kernel boots on.</summary>
public enum Machine
{
    /// <summary>QEMU microvm: virtio-mmio devices, no firmware, no PCI (the default: fastest boot).</summary>
    Microvm,
    /// <summary>QEMU q35: PCI (virtio-net-pci, virtio-serial-pci, modern only, MSI-X), booted through SeaBIOS, like a cloud VM.</summary>
    Q35,
}

/// <summary>How QEMU's standard streams are connected.</summary>
public enum QemuStdio
{
    /// <summary>
    /// ops run: QEMU inherits stdin when <see cref="QemuOptions.InheritStdin"/> (the program's stdin port
    /// reads it directly). QEMU's stdout (the program's stdout port) and stderr (the program's stderr
    /// port, plus QEMU's own messages) are pipes that ops forwards to its own stdout and stderr byte for byte.
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
    /// <summary>The machine type.</summary>
    public Machine Machine { get; init; } = Machine.Microvm;
    /// <summary>Where the kernel log (debugcon 0xE9) goes: a file (or a FIFO).</summary>
    public required string KernelLogPath { get; init; }
    /// <summary>Stream wiring.</summary>
    public QemuStdio Stdio { get; init; } = QemuStdio.Captured;
    /// <summary>Interactive mode only: let QEMU read ops' stdin (the program's stdin); otherwise QEMU's stdin is empty.</summary>
    public bool InheritStdin { get; init; }
    /// <summary>
    /// ops' stdout and stderr are the same file (<c>2&gt;&amp;1</c>, one terminal): the program's stderr port
    /// writes to QEMU's stdout too, so the two streams keep the order the program wrote them in.
    /// </summary>
    public bool StderrWithStdout { get; init; }
    /// <summary>Attach a virtio-net device on QEMU user networking (no root needed).</summary>
    public bool Network { get; init; }
    /// <summary>Host-to-guest port forwards for user networking.</summary>
    public IReadOnlyList<PortForward> Forwards { get; init; } = [];
    /// <summary>A Unix socket QEMU listens on for the guest's signal port (virtio-serial port 4): ops writes a signal number there; null for none.</summary>
    public string? SignalSocketPath { get; init; }
    /// <summary>Instead of user networking: attach to this existing host tap device (no root needed once it exists and the user owns it).</summary>
    public string? Tap { get; init; }
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
        // q35: the same kernel through PVH (SeaBIOS loads it); the ISA devices below sit on its LPC bridge.
        bool pci = o.Machine == Machine.Q35;
        var a = new List<string>
        {
            "-M", pci ? "q35" : "microvm,x-option-roms=off,rtc=off", "-nodefaults", "-no-user-config",
            "-display", "none", "-monitor", "none", "-no-reboot",
            "-accel", o.Accel == Accelerator.Kvm ? "kvm" : "tcg",
            "-m", o.Memory,
            "-kernel", o.Kernel,
        };
        if (o.Initrd != null) { a.Add("-initrd"); a.Add(o.Initrd); }
        if (o.Append.Length > 0) { a.Add("-append"); a.Add(o.Append); }
        a.AddRange([
            // COM1 and debugcon 0xEA: early boot, and stdout/stderr for a kernel without the virtio console.
            "-chardev", "file,id=com1,path=/dev/stdout", "-serial", "chardev:com1",
            "-chardev", "file,id=err,path=/dev/stderr", "-device", "isa-debugcon,iobase=0xea,chardev=err",
            "-chardev", "file,id=klog,path=" + o.KernelLogPath, "-device", "isa-debugcon,iobase=0xe9,chardev=klog",
            "-device", "isa-debug-exit,iobase=0x501,iosize=1",
        ]);
        // The kernel drives only virtio 1.x: modern-only devices on either transport.
        a.AddRange(pci ? [] : ["-global", "virtio-mmio.force-legacy=false"]);
        a.AddRange([
            // The program's streams: one virtio-serial port each. virtserialport (not virtconsole) so that
            // end of file on QEMU's stdin closes port 1 (the guest's end of input) and output is throttled,
            // never dropped, when the reader is slow. stdio reads QEMU's own fd 0 (ops' stdin, inherited),
            // only as far as the guest has posted buffers; QEMU's stdout and stderr are pipes to ops.
            "-device", pci ? "virtio-serial-pci,disable-legacy=on,max_ports=5" : "virtio-serial-device,max_ports=5",
            "-chardev", "stdio,id=stdin,signal=off", "-device", "virtserialport,chardev=stdin,nr=1,name=stdin",
            "-chardev", "file,id=stdout,path=/dev/stdout", "-device", "virtserialport,chardev=stdout,nr=2,name=stdout",
            "-chardev", "file,id=stderr,path=" + (o.StderrWithStdout ? "/dev/stdout" : "/dev/stderr"), "-device", "virtserialport,chardev=stderr,nr=3,name=stderr",
        ]);
        // Port 4: signals ops forwards to the program (one byte each), as a terminal sends ^C.
        if (o.SignalSocketPath != null)
            a.AddRange(["-chardev", "socket,id=signals,server=on,wait=off,path=" + o.SignalSocketPath, "-device", "virtserialport,chardev=signals,nr=4,name=signals"]);
        if (o.Network)
        {
            // QEMU user networking: the guest is 10.0.2.15, the host 10.0.2.2, DNS 10.0.2.3.
            string netdev = o.Tap != null ? "tap,id=net0,ifname=" + o.Tap + ",script=no,downscript=no"
                : "user,id=net0" + string.Concat(o.Forwards.Select(f => "," + f.HostFwd));
            a.AddRange(["-netdev", netdev, "-device", pci ? "virtio-net-pci,disable-legacy=on,netdev=net0" : "virtio-net-device,netdev=net0"]);
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
    private const string SetsidPath = "/usr/bin/setsid";

    internal QemuProcess(QemuOptions o, Action<string>? onOutput)
    {
        _onOutput = onOutput;
        // With a signal port, QEMU gets a session of its own: a ^C or kill aimed at ops' process group
        // must not stop QEMU (its handlers end the VM), but go to the program through ops.
        bool ownSession = o.SignalSocketPath != null && File.Exists(SetsidPath);
        var psi = new ProcessStartInfo(ownSession ? SetsidPath : Qemu.Executable)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = o.Stdio == QemuStdio.Captured || !o.InheritStdin,
        };
        if (ownSession) psi.ArgumentList.Add(Qemu.Executable);     // setsid execs it: the pid stays QEMU's
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
        _stdoutPump = o.Stdio == QemuStdio.Captured ? Pump(_process.StandardOutput.BaseStream, null)
            : Relay(_process.StandardOutput.BaseStream);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteNative(int fd, byte* buf, nint count);

    /// <summary>
    /// All of <paramref name="n"/> bytes to ops' fd 1 with write(2): the shared file offset moves as
    /// the shell expects (a FileStream writes a regular file at its own position), and EPIPE is
    /// reported (Console.OpenStandardOutput pretends success). False when the write fails.
    /// </summary>
    private static unsafe bool WriteStdout(byte[] buf, int n)
    {
        fixed (byte* p = buf)
        {
            for (int done = 0; done < n;)
            {
                nint w = WriteNative(1, p + done, n - done);
                if (w > 0) { done += (int)w; continue; }
                int errno = w < 0 ? System.Runtime.InteropServices.Marshal.GetLastPInvokeError() : 0;
                if (errno == 4) continue;                                   // EINTR
                if (errno == 11) { Thread.Sleep(1); continue; }             // EAGAIN: someone made fd 1 non-blocking
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The program's stdout, raw bytes as they come. When ops' stdout breaks (its reader is gone, as
    /// in <c>ops run yes | head -1</c>) QEMU is stopped, as SIGPIPE would end the program natively:
    /// see <see cref="StdoutBroken"/>. Until it has exited, QEMU is drained so it never blocks.
    /// </summary>
    private Thread Relay(Stream source)
    {
        var t = new Thread(() =>
        {
            var buf = new byte[65536];
            bool forwarding = true;
            int n;
            try
            {
                while ((n = source.Read(buf, 0, buf.Length)) > 0)
                {
                    if (!forwarding) continue;
                    if (WriteStdout(buf, n)) continue;
                    forwarding = false;
                    _stdoutBroken = true;
                    ThreadPool.QueueUserWorkItem(_ =>
                    {
                        try { Terminate(TimeSpan.FromSeconds(2)); }
                        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException) { }   // QEMU already gone
                    });
                }
            }
            catch (IOException) { }
            catch (ObjectDisposedException) { }
        }) { IsBackground = true, Name = "qemu-stdout" };
        t.Start();
        return t;
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

    /// <summary>Interactive mode: ops' stdout failed (a closed pipe) and QEMU was stopped for it.</summary>
    public bool StdoutBroken => _stdoutBroken;
    private volatile bool _stdoutBroken;

    /// <summary>True once QEMU has exited.</summary>
    public bool HasExited { get { try { return _process.HasExited; } catch (InvalidOperationException) { return true; } } }

    /// <summary>Captured mode: everything QEMU wrote to stdout and stderr (QEMU's own messages, the program's stdout and stderr, COM1).</summary>
    public string CapturedOutput { get { lock (_gate) return _captured.ToString(); } }

    /// <summary>Waits for exit; false when <paramref name="timeout"/> passed first. Output pumps are drained on exit.
    /// Safe on any thread after Dispose (a signal handler's waiter may outlive the run): it has exited.</summary>
    public bool WaitForExit(TimeSpan? timeout = null)
    {
        try
        {
            if (!_process.WaitForExit(timeout ?? Timeout.InfiniteTimeSpan)) return false;
            if (_exitTimestamp == 0) _exitTimestamp = Stopwatch.GetTimestamp();
            _process.WaitForExit();
        }
        catch (InvalidOperationException) { return true; }     // disposed meanwhile: reaped already
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
