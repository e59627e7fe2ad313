using System.Text.RegularExpressions;

namespace Compat.Ops.Image;

/// <summary>
/// Interpreters whose support files live outside their executable and libraries, like Perl's
/// @INC and Python's standard library (which have their own classes): a small table of
/// interpreter names and how to find the directories they read at start-up or on demand. The
/// host interpreter itself is asked (with the guest's environment), so the answer is what the
/// same binary will look for in the guest, where the directories are packed at their host paths:
/// <list type="bullet">
/// <item>tclsh: <c>info library</c> (<c>/usr/share/tcltk/tcl8.6</c>: init.tcl, without which
/// tclsh does not start, the encodings, and the bundled modules http and msgcat);</item>
/// <item>zsh: <c>$module_path</c> (<c>zmodload zsh/datetime</c>...) and the function directories
/// of <c>$fpath</c> (<c>autoload zmv</c>...) except the completion functions, which only an
/// interactive shell's compinit reads (15 MiB);</item>
/// <item>gawk: <c>AWKPATH</c> (<c>@include</c>, <c>-i</c>) and <c>AWKLIBPATH</c> (<c>@load</c>,
/// <c>-l</c>: extension modules), which gawk puts in its ENVIRON when the environment has none.</item>
/// </list>
/// Shared objects among them (zsh modules, gawk extensions) get their libraries like any packed ELF file.
/// </summary>
public static partial class InterpreterSupport
{
    /// <summary>One interpreter: what it is called, and how to ask it for its directories.</summary>
    /// <param name="Name">For messages ("tclsh").</param>
    /// <param name="Program">Matches the file name of the program (as named, or its real path).</param>
    /// <param name="Ask">The interpreter's path and the guest's environment to the directories it uses (may not exist).</param>
    /// <param name="Skip">Directories among the answer not to pack.</param>
    public sealed record Interpreter(string Name, Regex Program, Func<string, IReadOnlyList<string>, IEnumerable<string>> Ask,
                                     Func<string, bool>? Skip = null);

    [GeneratedRegex(@"^tclsh(\d+(\.\d+)*)?$")]
    private static partial Regex TclName();

    [GeneratedRegex(@"^zsh(-?\d+(\.\d+)*)?$")]
    private static partial Regex ZshName();

    [GeneratedRegex(@"^gawk(-\d+(\.\d+)*)?$")]
    private static partial Regex GawkName();

    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(20);

    public static readonly IReadOnlyList<Interpreter> Table =
    [
        new("tclsh", TclName(), (exe, env) => AskTcl(exe, env)),
        new("zsh", ZshName(), (exe, env) => Lines(Tool.Stdout("zsh $module_path", exe, ["-fc", "print -rl -- $module_path $fpath"], env, AskTimeout)),
            dir => dir.Contains("/Completion", StringComparison.Ordinal) || dir.EndsWith("completions", StringComparison.Ordinal)),
        new("gawk", GawkName(), (exe, env) => Lines(Tool.Stdout("gawk AWKPATH", exe, ["BEGIN { print ENVIRON[\"AWKPATH\"]; print ENVIRON[\"AWKLIBPATH\"] }"], env, AskTimeout))
                                                  .SelectMany(l => l.Split(':'))),
    ];

    /// <summary>The interpreter one of <paramref name="names"/> (the program as named, its real path...) is, or null.</summary>
    public static Interpreter? Find(params string[] names) =>
        Table.FirstOrDefault(i => names.Any(n => i.Program.IsMatch(Path.GetFileName(n))));

    /// <summary>
    /// Asks <paramref name="exe"/> for its directories and packs those that exist (each once, none
    /// inside another), with the links that lead to them. Returns the summary text
    /// ("tclsh /usr/share/tcltk/tcl8.6: 86 files"). Throws <see cref="OpsException"/> when the interpreter cannot be asked.
    /// </summary>
    public static string Pack(Interpreter interpreter, string exe, IReadOnlyList<string> environment, HostPaths host, Action<string, string> onFile)
    {
        var dirs = new List<(string Entry, string Real)>();
        foreach (var entry in interpreter.Ask(exe, environment))
        {
            if (!entry.StartsWith('/') || interpreter.Skip?.Invoke(entry) == true) continue;      // "." in AWKPATH: the working directory
            string dir = entry.Length > 1 ? entry.TrimEnd('/') : entry;
            if (HostPaths.RealPath(dir) is not { } real || !Directory.Exists(real)) continue;
            if (dirs.Any(d => IsInside(real, d.Real))) continue;
            dirs.RemoveAll(d => IsInside(d.Real, real));
            dirs.Add((dir, real));
        }
        int files = 0;
        foreach (var (dir, _) in dirs) files += host.AddTree(dir, null, null, onFile, packLinkTargets: true);
        return dirs.Count == 0 ? $"{interpreter.Name}: no support directories" : $"{interpreter.Name} {string.Join(" ", dirs.Select(d => d.Entry))}: {files} files";
    }

    private static bool IsInside(string path, string dir) => path == dir || path.StartsWith(dir + "/", StringComparison.Ordinal);

    private static IEnumerable<string> Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>tclsh reads its script from a file (it has no -c): a temporary one.</summary>
    private static IEnumerable<string> AskTcl(string exe, IReadOnlyList<string> environment)
    {
        string script = Path.Combine(Path.GetTempPath(), $"ops-tcl-{Environment.ProcessId}.tcl");
        try
        {
            File.WriteAllText(script, "puts [info library]\n");
            return Lines(Tool.Stdout("tclsh info library", exe, [script], environment, AskTimeout));
        }
        finally { File.Delete(script); }
    }
}
