using System.Globalization;
using System.Text.RegularExpressions;

namespace Compat.Ops;

/// <summary>
/// The kernel log (debugcon 0xE9) parsed per ARCHITECTURE.md: every line starts with
/// <c>compat: </c>, <c>selftest: </c>, <c>PANIC</c>, <c>===</c> (fault report) or two spaces,
/// and the last is <c>compat: power off, status N</c>.
/// </summary>
public sealed partial class KernelLog
{
    /// <summary>Prefix of strace-like lines (kernel arg <c>trace</c>).</summary>
    public const string TracePrefix = "compat: trace ";
    /// <summary>Prefix of the syscall summary table (kernel arg <c>syscall_summary</c>).</summary>
    public const string SummaryPrefix = "compat: summary ";
    /// <summary>Prefix of the failed-open list (kernel arg <c>missing_files</c>).</summary>
    public const string MissingPrefix = "compat: missing ";
    /// <summary>First line of a fault report for a fault in the program.</summary>
    public const string UserFaultPrefix = "=== user fault";
    /// <summary>First line of a report of a deliberate kernel fault made by the self-test.</summary>
    public const string ExpectedKernelFaultPrefix = "=== kernel fault (expected, recovered via extable)";

    /// <summary>The log's lines (CR removed, trailing empty line dropped).</summary>
    public IReadOnlyList<string> Lines { get; }

    private KernelLog(IReadOnlyList<string> lines) => Lines = lines;

    /// <summary>Parses log text.</summary>
    public static KernelLog Parse(string text)
    {
        var lines = text.Replace("\r", "").Split('\n').ToList();
        if (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        return new KernelLog(lines);
    }

    /// <summary>Reads and parses a log file (an empty log when the file does not exist).</summary>
    public static KernelLog Read(string path) => Parse(File.Exists(path) ? File.ReadAllText(path) : "");

    [GeneratedRegex(@"^compat: power off, status (-?\d+)\s*$")]
    private static partial Regex PowerOffLine();
    [GeneratedRegex(@"^selftest: (\d+) passed, (\d+) failed\s*$")]
    private static partial Regex SelfTestLine();
    [GeneratedRegex(@"entry to ready ([0-9.]+) ms")]
    private static partial Regex EntryToReady();
    [GeneratedRegex(@"^compat: exit status (-?\d+)\s*$")]
    private static partial Regex ExitStatusLine();

    /// <summary>N of the power-off line (the program's exit status), or null when the kernel never powered off.</summary>
    public int? PowerOffStatus => LastMatch(PowerOffLine()) is { } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    /// <summary>N of <c>compat: exit status N</c>, or null.</summary>
    public int? ExitStatus => LastMatch(ExitStatusLine()) is { } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    /// <summary>True when the kernel panicked (a line starting with PANIC).</summary>
    public bool Panicked => Lines.Any(l => l.StartsWith("PANIC", StringComparison.Ordinal));

    /// <summary>The self-test result line's counts, or null.</summary>
    public (int Passed, int Failed)? SelfTest => LastMatch(SelfTestLine()) is { } m
        ? (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))
        : null;

    /// <summary>Names of failed self-tests (<c>selftest: FAIL ...</c>).</summary>
    public IEnumerable<string> SelfTestFailures => Lines.Where(l => l.StartsWith("selftest: FAIL", StringComparison.Ordinal));

    /// <summary>Number of reports of deliberate (recovered) kernel faults.</summary>
    public int ExpectedKernelFaults => Lines.Count(l => l.StartsWith(ExpectedKernelFaultPrefix, StringComparison.Ordinal));

    /// <summary>The kernel's own measurement of entry to ready, from the <c>compat: ready:</c> banner line.</summary>
    public double? EntryToReadyMs
    {
        get
        {
            var line = Lines.LastOrDefault(l => l.StartsWith("compat: ready:", StringComparison.Ordinal));
            var m = line == null ? null : EntryToReady().Match(line);
            return m is { Success: true } ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
        }
    }

    /// <summary>The lines that start with <c>compat: killed by signal</c>, if any.</summary>
    public string? KilledBy => Lines.LastOrDefault(l => l.StartsWith("compat: killed by signal", StringComparison.Ordinal));

    private Match? LastMatch(Regex r)
    {
        for (int i = Lines.Count - 1; i >= 0; i--)
        {
            var m = r.Match(Lines[i]);
            if (m.Success) return m;
        }
        return null;
    }
}
