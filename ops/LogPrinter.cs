namespace Compat.Ops;

/// <summary>What of the kernel log <see cref="LogPrinter"/> shows on stderr.</summary>
public sealed record LogPrinterOptions
{
    /// <summary>Every line (ops run -v).</summary>
    public bool Verbose { get; init; }
    /// <summary>Trace lines, without their <c>compat: trace </c> prefix.</summary>
    public bool Trace { get; init; }
    /// <summary>The syscall summary table.</summary>
    public bool Summary { get; init; }
    /// <summary>The failed-open list, as <c>ops: missing file: PATH</c> lines.</summary>
    public bool MissingFiles { get; init; }
    /// <summary>Missing paths not worth showing (the dynamic linker's probes for libraries found elsewhere).</summary>
    public Func<string, bool>? IgnoreMissing { get; init; }
    /// <summary>Forwarded ports: when the guest starts listening on one, say where to connect.</summary>
    public IReadOnlyList<PortForward> Forwards { get; init; } = [];
}

/// <summary>
/// Decides, line by line as the kernel log arrives, what reaches the user's stderr: fault reports
/// of the program (from <c>=== user fault</c> to the next blank line or the exit), the kernel's
/// reasons for not starting the program (cannot load, not found), trace, summary and
/// missing-file lines (as <c>ops: missing file: PATH</c>, probes filtered out) when asked for,
/// or everything in verbose mode. Backtrace lines get kernel symbols appended.
/// </summary>
public sealed partial class LogPrinter(LogPrinterOptions options, Lazy<Symbols?> symbols)
{
    /// <summary>Kernel lines that explain why the program never ran (exit status 126/127): always shown.</summary>
    private static readonly string[] LoadFailurePrefixes =
        ["compat: cannot ", "compat: program ", "compat: no program", "compat: out of memory", "compat: every thread waits",
         "compat: futex wait with no timeout", "compat: pause()", "compat: exec of ", "compat: killed by signal"];

    private bool _inUserFault;

    /// <summary>Handles one log line.</summary>
    public void Line(string line)
    {
        if (line.StartsWith(ListeningPrefix, StringComparison.Ordinal)) Listening(line[ListeningPrefix.Length..]);
        if (options.Verbose)
        {
            Print(line);
            AfterLine(line);
            if (options.MissingFiles && line.StartsWith(KernelLog.MissingPrefix, StringComparison.Ordinal)) Missing(line[KernelLog.MissingPrefix.Length..]);
            return;
        }

        if (line.StartsWith(KernelLog.UserFaultPrefix, StringComparison.Ordinal)) _inUserFault = true;
        if (_inUserFault)
        {
            if (line.Length == 0 || line.StartsWith("compat: exit status", StringComparison.Ordinal)
                || line.StartsWith("compat: power off", StringComparison.Ordinal))
                _inUserFault = false;
            else { Print(line); AfterLine(line); return; }
        }
        if (LoadFailurePrefixes.Any(p => line.StartsWith(p, StringComparison.Ordinal))) Print(line);
        else if (options.Trace && line.StartsWith(KernelLog.TracePrefix, StringComparison.Ordinal)) Print(line[KernelLog.TracePrefix.Length..]);
        else if (options.Summary && line.StartsWith(KernelLog.SummaryPrefix, StringComparison.Ordinal)) Print(line);
        else if (options.MissingFiles && line.StartsWith(KernelLog.MissingPrefix, StringComparison.Ordinal)) Missing(line[KernelLog.MissingPrefix.Length..]);
    }

    private const string ListeningPrefix = "compat: net: listening on tcp ";
    private readonly HashSet<int> _announced = [];

    /// <summary>"ADDR:PORT" from the kernel: if a forward reaches that port, tell the user (once per port).</summary>
    private void Listening(string endpoint)
    {
        int colon = endpoint.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(endpoint[(colon + 1)..], out int port)) return;
        foreach (var f in options.Forwards)
        {
            if (f.Protocol != "tcp" || f.GuestPort != port || !_announced.Add(f.HostPort)) continue;
            string host = f.HostAddress is "127.0.0.1" or "0.0.0.0" or "" ? "localhost" : f.HostAddress;
            Ui.Notice($"listening on http://{host}:{f.HostPort}" + (f.HostPort != port ? $" (guest port {port})" : ""));
        }
    }

    /// <summary>Number of <c>ops: missing file:</c> lines printed.</summary>
    public int MissingShown { get; private set; }

    private void Missing(string path)
    {
        if (options.IgnoreMissing?.Invoke(path) == true) return;
        MissingShown++;
        Ui.Notice("missing file: " + path);
    }

    /// <summary>Prints a whole log (for panics and crashes), annotated.</summary>
    public static void PrintAll(KernelLog log, Lazy<Symbols?> symbols, string header)
    {
        Ui.ErrorLine(header);
        foreach (var line in log.Lines) Ui.ErrorLine(Annotate(line, symbols));
    }

    /// <summary>The line with kernel symbols appended to a backtrace address (symbols are loaded only when needed).</summary>
    public static string Annotate(string line, Lazy<Symbols?> symbols) =>
        line.Contains("at 0x", StringComparison.Ordinal) ? symbols.Value?.Annotate(line) ?? line : line;

    private void Print(string line) => Ui.ErrorLine(Annotate(line, symbols));

    private readonly Dictionary<string, Symbols?> _programSymbols = new();

    private void AfterLine(string line)
    {
        // The kernel logs the 16 bytes at a faulting user RIP; name the instruction.
        if (Disassembler.DescribeCodeLine(line) is { } insn) Print("ops: faulting instruction: " + insn);
        // ... and the program, RIP and load bias: name the function from the program's symbol table.
        // ops packs programs at their host paths, so the guest path names the host file.
        var m = FaultLine().Match(line);
        if (!m.Success) return;
        string path = m.Groups[1].Value;
        ulong rip = Convert.ToUInt64(m.Groups[2].Value, 16), bias = Convert.ToUInt64(m.Groups[3].Value, 16);
        if (!_programSymbols.TryGetValue(path, out var syms))
            _programSymbols[path] = syms = File.Exists(path) ? Symbols.Load(path) : null;
        if (rip >= bias && syms?.Lookup(rip - bias) is { } name) Print($"ops: in function {name} of {path}");
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^compat: fault in program (.+) at RIP 0x([0-9a-f]+).*load bias 0x([0-9a-f]+)")]
    private static partial System.Text.RegularExpressions.Regex FaultLine();
}
