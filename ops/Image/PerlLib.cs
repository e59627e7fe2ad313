using System.Text.RegularExpressions;

namespace Compat.Ops.Image;

/// <summary>
/// <c>ops run /usr/bin/perl ...</c>: packs the module directories of the Perl the program is.
/// The host perl itself says where they are (<c>perl -e 'print join("\n", @INC)'</c>, run with
/// the guest's environment, so a PERL5LIB given with -e counts); the directories that exist are
/// packed at their host paths with the links that lead to them (Debian's
/// <c>/usr/share/perl/5.36 -&gt; 5.36.0</c>). XS modules' shared objects (<c>auto/**/*.so</c>)
/// are ELF files like Python's extension modules: their libraries are resolved and packed.
/// Left out: C headers and libperl for building XS modules (<c>CORE/</c>), documentation
/// (<c>*.pod</c>, <c>pod/</c>) and Encode's CJK tables (<c>Encode/{CN,JP,KR,TW}</c>, 9 MiB).
/// </summary>
public static partial class PerlLib
{
    [GeneratedRegex(@"^perl(5(\.\d+)*)?$")]
    private static partial Regex PerlName();

    /// <summary>Encode's CJK encodings: big tables few programs load.</summary>
    private static readonly string[] SkippedEncodings = ["CN", "JP", "KR", "TW"];

    /// <summary>True when one of <paramref name="names"/> (the program as named, its real path...) is perl or perl5.X.</summary>
    public static bool IsPerl(params string[] names) => names.Any(n => PerlName().IsMatch(Path.GetFileName(n)));

    /// <summary>
    /// Asks the host perl for @INC. Returns every absolute entry as perl prints it (perl probes
    /// them all for a module), and the entries among them to pack: those that exist on the host,
    /// in @INC order, without one whose real directory is (inside) another's.
    /// Throws <see cref="OpsException"/> when the host perl cannot be asked.
    /// </summary>
    public static (IReadOnlyList<string> Entries, IReadOnlyList<string> Packed) Inc(string perl, IReadOnlyList<string> environment)
    {
        string output = Tool.Stdout("perl @INC", perl, ["-e", "print join(\"\\n\", @INC), \"\\n\""], environment, TimeSpan.FromSeconds(20));
        var entries = new List<string>();
        var dirs = new List<(string Entry, string Real)>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!line.StartsWith('/')) continue;                           // "." in old perls: the guest's working directory
            string entry = line.Length > 1 ? line.TrimEnd('/') : line;
            entries.Add(entry);
            if (HostPaths.RealPath(entry) is not { } real || !Directory.Exists(real)) continue;
            if (dirs.Any(d => IsInside(real, d.Real))) continue;
            dirs.RemoveAll(d => IsInside(d.Real, real));
            dirs.Add((entry, real));
        }
        return (entries, dirs.Select(d => d.Entry).ToList());
    }

    private static bool IsInside(string path, string dir) => path == dir || path.StartsWith(dir + "/", StringComparison.Ordinal);

    /// <summary>True for paths (relative to an @INC directory) that are not packed.</summary>
    public static bool Skip(string relative)
    {
        if (relative.EndsWith(".pod", StringComparison.Ordinal)) return true;
        int slash = relative.IndexOf('/');
        string top = slash < 0 ? relative : relative[..slash];
        if (top is "CORE" or "pod") return true;
        foreach (var e in SkippedEncodings)
            if (relative == "Encode/" + e || relative.StartsWith("Encode/" + e + "/", StringComparison.Ordinal) || relative == "Encode/" + e + ".pm"
                || relative == "auto/Encode/" + e || relative.StartsWith("auto/Encode/" + e + "/", StringComparison.Ordinal))
                return true;
        return false;
    }

    /// <summary>
    /// Packs <paramref name="directory"/> (an @INC entry) at its host path, with the links that
    /// lead to it; links inside it that lead out of it get their targets packed too. Returns the number of files.
    /// </summary>
    public static int Add(HostPaths host, string directory, Action<string, string> onFile) =>
        host.AddTree(directory, null, Skip, onFile, packLinkTargets: true);

    /// <summary>
    /// The script argument of a perl command line (the first argument that is not a switch), or
    /// null when there is none or -e / -E gives the program.
    /// </summary>
    public static string? ScriptArgument(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "-") return null;
            if (a == "--") return i + 1 < args.Count ? args[i + 1] : null;
            if (!a.StartsWith('-')) return a;
            for (int j = 1; j < a.Length; j++)                                        // a cluster of switches: -lne, -wMstrict
            {
                if (a[j] is 'e' or 'E') return null;
                if (a[j] is 'I' or 'M' or 'm' or 'i' or 'x' or 'd' or 'D' or 'C' or '0' or 'V' or '-')
                {
                    if (a[j] == 'I' && j == a.Length - 1) i++;                        // -I DIR: the value is the next argument
                    break;                                                            // the rest of the word is the switch's value
                }
            }
        }
        return null;
    }
}
