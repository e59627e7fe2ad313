using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Compat.Ops.Image;

namespace Compat.Ops;

/// <summary>Options of <c>ops run</c>.</summary>
public sealed record RunOptions
{
    /// <summary>The program as the user named it (also argv[0]); null to take the config file's Program.</summary>
    public string? Program { get; init; }
    /// <summary>Its arguments.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];
    /// <summary>-e KEY=VALUE items.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];
    /// <summary>Guest RAM.</summary>
    public string Memory { get; init; } = "256M";
    /// <summary>Kernel arg <c>trace</c>.</summary>
    public bool Trace { get; init; }
    /// <summary>Kernel arg <c>syscall_summary</c>.</summary>
    public bool SyscallSummary { get; init; }
    /// <summary>Kernel arg <c>profile</c>, and the report at exit.</summary>
    public bool Profile { get; init; }
    /// <summary>Kernel arg <c>missing_files</c>.</summary>
    public bool MissingFiles { get; init; }
    /// <summary>Extra words for the kernel command line (<c>--kernel-arg</c>).</summary>
    public IReadOnlyList<string> KernelArgs { get; init; } = [];
    /// <summary>kvm, tcg, auto or null.</summary>
    public string? Accel { get; init; }
    /// <summary>Print ops' decisions and the whole kernel log on stderr.</summary>
    public bool Verbose { get; init; }
    /// <summary>Keep the temporary directory (root image, kernel log).</summary>
    public bool Keep { get; init; }
    /// <summary>Kill the guest after this many seconds.</summary>
    public double? TimeoutSeconds { get; init; }
    /// <summary>True when --memory was given (it then wins over the config file's Memory).</summary>
    public bool MemoryGiven { get; init; }
    /// <summary>--file SRC[:DEST] items.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];
    /// <summary>--dir SRC[:DEST] items.</summary>
    public IReadOnlyList<string> Dirs { get; init; } = [];
    /// <summary>-c/--config FILE, or null.</summary>
    public string? Config { get; init; }
    /// <summary>--allow-missing: boot even when a shared library cannot be found.</summary>
    public bool AllowMissing { get; init; }
    /// <summary>--python (true) / --no-python (false): pack the Python standard library; null: when the program is python3.</summary>
    public bool? Python { get; init; }
    /// <summary>--no-python was given (with --python it is an error).</summary>
    public bool NoPython { get; init; }
    /// <summary>--no-perl (false): do not pack perl's @INC; null: pack it when the program is perl.</summary>
    public bool? Perl { get; init; }
    /// <summary>-p/--port items (TCP forwards).</summary>
    public IReadOnlyList<string> Ports { get; init; } = [];
    /// <summary>--udp-port items.</summary>
    public IReadOnlyList<string> UdpPorts { get; init; } = [];
    /// <summary>--no-net: boot without a network device.</summary>
    public bool NoNetwork { get; init; }
    /// <summary>--net: "user" (default) or "tap:NAME".</summary>
    public string? Net { get; init; }
    /// <summary>--ip ADDR/PREFIX, --gateway ADDR, --dns ADDR: the guest's static configuration (tap; user networking has its own).</summary>
    public string? Ip { get; init; }
    public string? Gateway { get; init; }
    public string? Dns { get; init; }
    /// <summary>--machine: microvm or q35; null to take the config file's RunConfig.Machine (default microvm).</summary>
    public string? Machine { get; init; }
    /// <summary>The tap device from --net tap:NAME (filled by Execute).</summary>
    public string? TapName { get; init; }
    /// <summary>The forwards from -p, --udp-port and the config file (filled by Execute).</summary>
    public IReadOnlyList<PortForward> Forwards { get; init; } = [];
}

/// <summary>
/// <c>ops run</c>: merges the command line with an optional config file, checks the program,
/// packs the root image (<see cref="ProgramImage"/>: the program, its shared libraries, the
/// user's files, a minimal /etc), boots QEMU with the program's stdin, stdout and stderr on
/// virtio-serial ports (QEMU reads ops' own stdin as the program reads), follows the kernel log
/// (fault reports, trace, summary, missing files to stderr), and exits with the status from the
/// kernel's power-off line.
/// </summary>
public static partial class RunCommand
{
    [GeneratedRegex(@"^\d+[KMGT]?$", RegexOptions.IgnoreCase)]
    private static partial Regex MemorySize();

    /// <summary>Runs the program; returns ops' exit status.</summary>
    public static int Execute(RunOptions o)
    {
        var repo = Repo.Locate();
        var warnings = new List<string>();
        var config = o.Config is { } configPath ? ConfigFile.Load(configPath, warnings.Add) : null;
        foreach (var w in warnings) Ui.Notice("warning: " + w);
        if (o.Python == true && o.NoPython) throw new OpsException("--python and --no-python contradict each other", ExitCodes.Usage);
        string program = o.Program ?? config?.Program ?? throw new OpsException("ops run: PROGRAM is required (or --demo, or Program in the config file)", ExitCodes.Usage);
        string memory = o.MemoryGiven || config?.Memory == null ? o.Memory : config.Memory;
        var forwards = new List<PortForward>();
        if (config != null)
        {
            forwards.AddRange(config.Ports.Select(p => PortForward.Parse(p, "tcp", "RunConfig.Ports")));
            forwards.AddRange(config.UdpPorts.Select(p => PortForward.Parse(p, "udp", "RunConfig.UDPPorts")));
        }
        forwards.AddRange(o.Ports.Select(p => PortForward.Parse(p, "tcp", "--port")));
        forwards.AddRange(o.UdpPorts.Select(p => PortForward.Parse(p, "udp", "--udp-port")));
        if (o.NoNetwork && forwards.Count > 0) throw new OpsException("--no-net: no ports can be forwarded without a network", ExitCodes.Usage);
        string? tap = null;
        if (o.Net is { } net && net != "user")
        {
            if (!net.StartsWith("tap:", StringComparison.Ordinal) || net.Length == 4) throw new OpsException($"--net: expected user or tap:NAME, not '{net}'", ExitCodes.Usage);
            tap = net[4..];
            if (forwards.Count > 0) throw new OpsException("--net tap: ports need no forwarding; connect to the guest's --ip directly", ExitCodes.Usage);
            if (o.Ip == null) throw new OpsException("--net tap: give the guest an address with --ip ADDR/PREFIX (and --gateway ADDR for routes off the link)", ExitCodes.Usage);
        }
        foreach (var (what, value) in new[] { ("--ip", o.Ip), ("--gateway", o.Gateway), ("--dns", o.Dns) })
        {
            if (value == null) continue;
            string addr = what == "--ip" && value.Contains('/') ? value[..value.IndexOf('/')] : value;
            bool ok = addr.Split('.').Length == 4 && System.Net.IPAddress.TryParse(addr, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
                && (what != "--ip" || !value.Contains('/') || (int.TryParse(value[(value.IndexOf('/') + 1)..], out int p) && p is >= 1 and <= 32));
            if (!ok) throw new OpsException($"{what}: '{value}' is not an IPv4 address" + (what == "--ip" ? " (ADDR or ADDR/PREFIX)" : ""), ExitCodes.Usage);
        }
        string machine = (o.Machine ?? config?.Machine ?? "microvm").ToLowerInvariant();
        if (machine is not ("microvm" or "q35")) throw new OpsException($"--machine: expected microvm or q35, not '{o.Machine}'", ExitCodes.Usage);
        o = o with { TapName = tap, Machine = machine };
        o = o with { Forwards = forwards };
        if (config?.Cpus is > 1) Ui.Notice($"note: CPUs {config.Cpus} ignored: the unikernel runs on one CPU");

        string hostPath = FindProgram(program);
        ElfCheck.Validate(hostPath, program);
        if (!MemorySize().IsMatch(memory)) throw new OpsException($"--memory: expected a size like 256M or 1G, not '{memory}'", ExitCodes.Usage);
        if (o.TimeoutSeconds is <= 0) throw new OpsException("--timeout: expected a positive number of seconds", ExitCodes.Usage);
        var paths = new List<UserPath>();
        if (config != null) paths.AddRange(config.Paths);
        paths.AddRange(o.Files.Select(f => UserFiles.Parse(f, UserPathKind.File, "--file")));
        paths.AddRange(o.Dirs.Select(d => UserFiles.Parse(d, UserPathKind.Directory, "--dir")));

        KernelBuild.Ensure(repo);
        var accel = Accel.Choose(repo, o.Accel);
        if (o.Verbose) Ui.Notice($"accelerator {accel.Accel.ToString().ToLowerInvariant()}: {accel.Reason}");

        // ops never reads its stdin: QEMU inherits it and the guest pulls from it as the program reads.
        bool stdinTty = !Console.IsInputRedirected;

        var spec = new ProgramSpec
        {
            HostPath = hostPath,
            Argv0 = program,
            Args = [.. o.Args, .. config?.Args ?? []],
            Environment = ProgramImage.MergeEnvironment([.. config?.Env ?? [], .. o.Env]),
            Paths = paths,
            Python = o.Python,
            Perl = o.Perl,
            AllowMissing = o.AllowMissing,
            NameServers = config?.NameServers ?? [],
        };
        var tmp = Directory.CreateTempSubdirectory("ops-run-");
        try
        {
            var initrd = Path.Combine(tmp.FullName, "root.cpio");
            var image = BuildImage(spec, initrd, o.Verbose);
            return Boot(repo, o with { Program = program, Memory = memory }, accel, initrd, tmp.FullName, stdinTty, image);
        }
        finally
        {
            if (o.Keep) Ui.Notice("kept " + tmp.FullName + " (root.cpio, kernel.log)");
            else try { tmp.Delete(recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Packs the root image into <paramref name="initrd"/> under a progress display; prints the
    /// warnings afterwards and the summary line when verbose or when it took over a second.
    /// </summary>
    private static BuiltImage BuildImage(ProgramSpec spec, string initrd, bool verbose)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var warnings = new List<string>();
        BuiltImage image;
        try
        {
            image = Ui.Progress("building the root image", verbose, step =>
            {
                var built = ProgramImage.Build(spec, step, warnings.Add);
                step($"writing the root image ({built.Root.Stats.Files} files)");
                built.Root.WriteTo(initrd);
                return built;
            });
        }
        finally
        {
            foreach (var w in warnings) Ui.Notice(w);
        }
        clock.Stop();
        if (verbose || clock.ElapsedMilliseconds > 1000)
        {
            var stats = image.Root.Stats;
            Ui.Notice($"image: {stats.Files} files, {new FileInfo(initrd).Length / 1048576.0:0.0} MiB (libraries: {image.Libraries}{(image.InterpreterLibrary is { } lib ? "; " + lib : "")}), built in {clock.ElapsedMilliseconds} ms");
        }
        if (verbose) Ui.Notice($"program at {image.GuestProgramPath}");
        return image;
    }

    /// <summary>
    /// The host file for PROGRAM: the path itself when it exists (relative to the current
    /// directory), else for a bare name the first match on the host's PATH (as a shell would).
    /// </summary>
    private static string FindProgram(string program)
    {
        if (program.Contains('/') || File.Exists(program) || Directory.Exists(program)) return Path.GetFullPath(program);
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        return Path.GetFullPath(program);
    }

    /// <summary>How long a program may take to end after a forwarded signal before QEMU is stopped.</summary>
    private static readonly TimeSpan ForwardGrace = TimeSpan.FromSeconds(10);

    private static int Boot(Repo repo, RunOptions o, AccelChoice accel, string initrd, string tmpDir, bool stdinTty, BuiltImage image)
    {
        var qemuOptions = new QemuOptions
        {
            Kernel = repo.KernelImage,
            Initrd = initrd,
            Append = KernelArgs(o, stdinTty),
            Memory = o.Memory,
            Accel = accel.Accel,
            Machine = o.Machine == "q35" ? Machine.Q35 : Machine.Microvm,
            KernelLogPath = Path.Combine(tmpDir, "kernel.log"),
            Stdio = QemuStdio.Interactive,
            InheritStdin = true,
            StderrWithStdout = SameFile("/proc/self/fd/1", "/proc/self/fd/2"),
            Network = !o.NoNetwork,
            Forwards = o.Forwards,
            Tap = o.TapName,
            SignalSocketPath = Path.Combine(tmpDir, "signals.sock"),
        };
        if (o.Verbose) Ui.Notice(Qemu.CommandLine(qemuOptions));

        var symbols = new Lazy<Symbols?>(() => Symbols.Load(repo.KernelImage));
        var printer = new LogPrinter(new LogPrinterOptions
        {
            Verbose = o.Verbose, Trace = o.Trace, Summary = o.SyscallSummary, MissingFiles = o.MissingFiles,
            IgnoreMissing = new MissingFileFilter(image).IsProbe,
            Forwards = o.Forwards,
        }, symbols);

        // A signal to ops goes to the program (the signal port), as a terminal would deliver it: the
        // program may shut down cleanly. A second signal, or a program that is still running
        // ForwardGrace later, stops QEMU; so does any signal before the port is connected.
        int interruptedBy = 0, forwarded = 0;
        QemuProcess? qemu = null;
        using var hostSignals = new HostSignals(qemuOptions.SignalSocketPath!);
        var registrations = new List<PosixSignalRegistration>();
        foreach (var (sig, num) in new[] { (PosixSignal.SIGINT, 2), (PosixSignal.SIGTERM, 15), (PosixSignal.SIGHUP, 1), (PosixSignal.SIGQUIT, 3) })
        {
            registrations.Add(PosixSignalRegistration.Create(sig, ctx =>
            {
                ctx.Cancel = true;
                // A terminal's signals (^C, ^\, hangup) go to the program's process group, as they
                // would natively; SIGTERM, usually kill(1) aimed at ops, to the program alone.
                if (Interlocked.Increment(ref forwarded) == 1 && hostSignals.Send(num == 15 ? num : num | 0x80))
                {
                    ThreadPool.QueueUserWorkItem(_ =>
                    {
                        if (qemu != null && !qemu.WaitForExit(ForwardGrace))
                        {
                            interruptedBy = num;
                            Ui.Notice($"the program was still running {ForwardGrace.TotalSeconds:0} s after signal {num}; stopping QEMU");
                            qemu.Terminate(TimeSpan.FromSeconds(2));
                        }
                    });
                    return;
                }
                interruptedBy = num;
                ThreadPool.QueueUserWorkItem(_ => qemu?.Terminate(TimeSpan.FromSeconds(2)));
            }));
        }
        try
        {
            using var follower = new LogFollower(qemuOptions.KernelLogPath, printer.Line, TimeSpan.FromMilliseconds(10));
            bool kvmFailed = false;
            qemu = Qemu.Start(qemuOptions, text =>
            {
                // QEMU pauses the VM forever after a KVM internal error: stop it instead of hanging.
                if (!kvmFailed && text.Contains("KVM internal error", StringComparison.Ordinal))
                {
                    kvmFailed = true;
                    ThreadPool.QueueUserWorkItem(_ => { Thread.Sleep(300); qemu?.Terminate(TimeSpan.FromSeconds(2)); });
                }
            });
            using var _ = qemu;
            if (interruptedBy != 0) qemu.Terminate(TimeSpan.FromSeconds(2));     // a signal arrived while QEMU was starting
            ThreadPool.QueueUserWorkItem(_ => hostSignals.Connect(TimeSpan.FromSeconds(10)));
            bool timedOut = !qemu.WaitForExit(o.TimeoutSeconds is { } s ? TimeSpan.FromSeconds(s) : null);
            if (timedOut) qemu.Terminate(TimeSpan.FromSeconds(2));
            follower.Stop();

            var log = KernelLog.Read(qemuOptions.KernelLogPath);
            if (printer.MissingShown > 0)
                Ui.Notice("hint: pack missing files with --file SRC[:DEST] or directories with --dir SRC[:DEST] (or Files/Dirs in a -c config file)");
            if (timedOut)
            {
                Ui.Notice($"{o.Program}: timed out after {o.TimeoutSeconds} s; QEMU stopped");
                return ExitCodes.Timeout;
            }
            if (log.Panicked)
            {
                if (!o.Verbose) LogPrinter.PrintAll(log, symbols, "ops: kernel panic; kernel log follows");
                return ExitCodes.Internal;
            }
            if (log.PowerOffStatus is not { } status)
            {
                if (interruptedBy != 0) return 128 + interruptedBy;
                if (qemu.StdoutBroken) return 128 + 13;                           // SIGPIPE, as the shell would see natively
                if (kvmFailed)
                {
                    Ui.Notice("KVM internal error: this host's KVM cannot run the kernel; use --accel tcg (or auto)");
                    return ExitCodes.Internal;
                }
                if (!o.Verbose) LogPrinter.PrintAll(log, symbols, $"ops: QEMU exited with status {qemu.ExitCode} before the kernel powered off; kernel log follows");
                else Ui.Notice($"QEMU exited with status {qemu.ExitCode} before the kernel powered off");
                return ExitCodes.Internal;
            }
            if (o.Profile) foreach (var line in ProfileReport.Format(log, symbols.Value)) Ui.ErrorLine(line);
            if (o.Verbose && qemu.ExitCode != (((status & 0xFF) << 1) | 1) % 256)
                Ui.Notice($"note: QEMU exit status {qemu.ExitCode} does not match power-off status {status}");
            return status;
        }
        finally
        {
            foreach (var r in registrations) r.Dispose();
        }
    }

    /// <summary>True when two descriptors name the same pipe, terminal or file (their /proc links agree).</summary>
    private static bool SameFile(string a, string b)
    {
        try
        {
            string? ta = new FileInfo(a).LinkTarget, tb = new FileInfo(b).LinkTarget;
            return ta != null && ta == tb;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>The kernel command line for a run.</summary>
    private static string KernelArgs(RunOptions o, bool stdinTty)
    {
        var args = new List<string>();
        if (o.Trace) args.Add("trace");
        if (o.SyscallSummary) args.Add("syscall_summary");
        if (o.Profile) args.Add("profile");
        if (o.MissingFiles) args.Add("missing_files");
        foreach (var word in o.KernelArgs)
        {
            if (word.Length == 0 || word.Any(char.IsWhiteSpace)) throw new OpsException($"--kernel-arg: '{word}' must be one word", ExitCodes.Usage);
            args.Add(word);
        }
        long ns = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
        args.Add("realtime_ns=" + ns);
        args.Add("entropy=" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
        if (!o.NoNetwork && o.TapName == null)
            args.AddRange(["net.ip=" + (o.Ip ?? "10.0.2.15/24"), "net.gw=" + (o.Gateway ?? "10.0.2.2"), "net.dns=" + (o.Dns ?? "10.0.2.3")]);   // QEMU user networking's plan
        else if (!o.NoNetwork)
        {
            args.Add("net.ip=" + (o.Ip!.Contains('/') ? o.Ip : o.Ip + "/24"));
            if (o.Gateway != null) args.Add("net.gw=" + o.Gateway);
            if (o.Dns != null) args.Add("net.dns=" + o.Dns);
        }
        if (stdinTty) args.Add("stdin_tty");
        if (!Console.IsOutputRedirected) args.Add("stdout_tty");
        if (!Console.IsErrorRedirected) args.Add("stderr_tty");
        return string.Join(' ', args);
    }
}
