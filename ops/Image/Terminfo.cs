namespace Compat.Ops.Image;

/// <summary>
/// Terminal descriptions for programs that link ncurses (top, less, vim...): setupterm fails
/// (and top exits 1 without a word) when no terminfo entry for $TERM is found. Packed: the
/// entries for the guest's TERM and for xterm, linux, vt100 and dumb, from every directory
/// ncurses searches (Debian's compiled-in list, after $TERMINFO and $TERMINFO_DIRS of the
/// guest's environment), with the links that lead to them (<c>/lib -&gt; usr/lib</c>).
/// </summary>
public static class Terminfo
{
    /// <summary>Debian's ncurses search list (TERMINFO_DIRS compiled into libtinfo).</summary>
    private static readonly string[] DefaultDirectories = ["/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo"];

    /// <summary>Terminals packed besides the guest's TERM: what a user may set it to in the guest.</summary>
    private static readonly string[] CommonTerminals = ["xterm", "linux", "vt100", "dumb"];

    /// <summary>True when one of the loaded objects links ncurses' terminfo library (libtinfo, libncurses, libncursesw).</summary>
    public static bool Needed(IEnumerable<LoadedObject> objects) =>
        objects.Any(o => o.Elf.Needed.Any(n => n.StartsWith("libtinfo", StringComparison.Ordinal) || n.StartsWith("libncurses", StringComparison.Ordinal)));

    /// <summary>Packs the entries; returns how many were found.</summary>
    public static int Add(HostPaths host, IReadOnlyList<string> environment)
    {
        string? Value(string key) => environment.LastOrDefault(e => e.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..];
        var dirs = new List<string>();
        if (Value("TERMINFO") is { } own) dirs.Add(own);
        if (Value("TERMINFO_DIRS") is { } list) dirs.AddRange(list.Split(':'));
        dirs.AddRange(DefaultDirectories);
        var names = new List<string>();
        if (Value("TERM") is { Length: > 0 } term && !term.Contains('/')) names.Add(term);
        names.AddRange(CommonTerminals);
        int found = 0;
        foreach (var dir in dirs.Where(d => d.StartsWith('/')).Distinct())
            foreach (var name in names.Distinct())
            {
                // ncurses' layouts: a directory per first letter, or per its hex code (case-insensitive file systems).
                foreach (var sub in new[] { name[..1], ((int)name[0]).ToString("x2") })
                {
                    string entry = dir.TrimEnd('/') + "/" + sub + "/" + name;
                    if (File.Exists(entry) && host.Add(entry) != null) found++;
                }
            }
        return found;
    }
}
