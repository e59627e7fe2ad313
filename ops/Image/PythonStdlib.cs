using System.Text.RegularExpressions;

namespace Compat.Ops.Image;

/// <summary>
/// <c>ops run python3 ...</c> (or <c>--python</c> for a program not named so): packs the standard library of the Python the program is
/// (<c>/usr/lib/python3.X</c>, X from the executable's real name or its libpython DT_NEEDED)
/// at its host path, where Python finds it from the executable's location (prefix /usr).
/// The byte-compiled <c>__pycache__</c> files are kept (no compile time in the guest); the test
/// suite, IDLE, tkinter, turtledemo, ensurepip, lib2to3, the build configuration directory and
/// the test extension modules are left out to keep the image small. Extension modules'
/// libraries (libssl, libsqlite3, libffi...) are resolved like the program's. Python's own
/// dist-packages are not packed.
/// </summary>
public static partial class PythonStdlib
{
    /// <summary>Top-level entries of the library directory that are not packed.</summary>
    public static readonly IReadOnlyList<string> SkippedTopLevel =
        ["test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "site-packages", "dist-packages"];

    [GeneratedRegex(@"python(\d+\.\d+)")]
    private static partial Regex VersionInName();

    [GeneratedRegex(@"^python3(\.\d+)?$")]
    private static partial Regex PythonName();

    /// <summary>True when one of <paramref name="names"/> (the program as named, its real path...) is python3 or python3.X.</summary>
    public static bool IsPython(params string[] names) => names.Any(n => PythonName().IsMatch(Path.GetFileName(n)));

    /// <summary>"3.11", asked from the host executable itself (for a python3 that is not a link to python3.X).</summary>
    public static string? AskVersion(string python)
    {
        try
        {
            string v = Tool.Stdout("python version", python, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], ["PATH=/usr/bin:/bin"], TimeSpan.FromSeconds(20)).Trim();
            return Regex.IsMatch(v, @"^\d+\.\d+$") ? v : null;
        }
        catch (OpsException) { return null; }
    }

    /// <summary>"3.11" for /usr/bin/python3.11 (or a program needing libpython3.11.so), else null.</summary>
    public static string? Version(string realPath, HostElf elf)
    {
        var m = VersionInName().Match(Path.GetFileName(realPath));
        if (m.Success) return m.Groups[1].Value;
        foreach (var needed in elf.Needed)
            if (VersionInName().Match(needed) is { Success: true } n) return n.Groups[1].Value;
        return null;
    }

    /// <summary>True when the program links libpython (it embeds Python, as gdb does): it needs the standard library too.</summary>
    public static bool Embeds(HostElf elf) => elf.Needed.Any(n => n.StartsWith("libpython3", StringComparison.Ordinal));

    /// <summary>The library directory for <paramref name="version"/>.</summary>
    public static string LibraryDirectory(string version) => "/usr/lib/python" + version;

    /// <summary>True for paths (relative to the library directory) that are not packed.</summary>
    public static bool Skip(string relative)
    {
        int slash = relative.IndexOf('/');
        string top = slash < 0 ? relative : relative[..slash];
        if (slash < 0 && top.StartsWith("config-", StringComparison.Ordinal)) return true;      // libpython.a, Makefile: building only
        if (SkippedTopLevel.Contains(top)) return true;
        if (top == "lib-dynload" && slash > 0)
        {
            string name = relative[(slash + 1)..];
            return name.StartsWith("_test", StringComparison.Ordinal) || name.StartsWith("_ctypes_test", StringComparison.Ordinal)
                   || name.StartsWith("xx", StringComparison.Ordinal) || name.StartsWith("_xx", StringComparison.Ordinal);
        }
        return false;
    }

    /// <summary>
    /// Packs the standard library; symlinks inside it that lead out of it (Debian's
    /// sitecustomize.py -&gt; /etc/python3.X/) get their targets packed too. Returns the number of files.
    /// </summary>
    public static int Add(HostPaths host, string version, Action<string, string> onFile)
    {
        string dir = LibraryDirectory(version);
        if (!Directory.Exists(dir))
            throw new OpsException($"--python: {dir} does not exist (is the python{version} standard library installed?)", ExitCodes.Usage);
        return host.AddTree(dir, null, Skip, onFile, packLinkTargets: true);
    }

    /// <summary>
    /// The script argument of a Python command line (the first argument that is not an option or
    /// an option's value), or null when there is none or -c / -m comes first.
    /// </summary>
    public static string? ScriptArgument(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "-") return null;
            if (a == "--") return i + 1 < args.Count ? args[i + 1] : null;
            if (!a.StartsWith('-')) return a;
            if (a.StartsWith("--", StringComparison.Ordinal)) continue;           // --version, --help: no value
            for (int j = 1; j < a.Length; j++)
            {
                if (a[j] is 'c' or 'm') return null;
                if (a[j] is 'W' or 'X')
                {
                    if (j == a.Length - 1) i++;                                   // the value is the next argument
                    break;
                }
            }
        }
        return null;
    }
}
