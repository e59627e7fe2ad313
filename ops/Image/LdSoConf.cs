namespace Compat.Ops.Image;

/// <summary>
/// The directories of the host's <c>/etc/ld.so.conf</c> (with its <c>include</c> globs), in
/// order: what ldconfig puts into <c>/etc/ld.so.cache</c>, which ld.so consults after
/// DT_RUNPATH and before its default directories. ops reads the configuration instead of the
/// binary cache; the resolution order is the same unless the cache is stale.
/// </summary>
public static class LdSoConf
{
    /// <summary>The configuration file ldconfig reads.</summary>
    public const string DefaultPath = "/etc/ld.so.conf";

    /// <summary>Directories listed by <paramref name="path"/> and its includes (missing file: none).</summary>
    public static List<string> Directories(string path = DefaultPath)
    {
        var dirs = new List<string>();
        Parse(path, dirs, depth: 0);
        return dirs.Distinct(StringComparer.Ordinal).ToList();
    }

    private static void Parse(string path, List<string> dirs, int depth)
    {
        if (depth > 16) return;               // include loops
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        string baseDir = Path.GetDirectoryName(path) ?? "/";
        foreach (var raw in lines)
        {
            int hash = raw.IndexOf('#');
            string line = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith("include", StringComparison.Ordinal) && line.Length > 7 && char.IsWhiteSpace(line[7]))
            {
                foreach (var pattern in line[8..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
                    foreach (var file in Glob.Expand(pattern, baseDir))
                        Parse(file, dirs, depth + 1);
                continue;
            }
            if (line.StartsWith("hwcap", StringComparison.Ordinal) && line.Length > 5 && char.IsWhiteSpace(line[5])) continue;
            // Old syntax "DIR=TYPE"; several directories may share a line.
            foreach (var item in line.Split([' ', '\t', ',', ':'], StringSplitOptions.RemoveEmptyEntries))
            {
                string dir = item;
                int eq = dir.IndexOf('=');
                if (eq >= 0) dir = dir[..eq];
                dir = dir.TrimEnd('/');
                if (dir.StartsWith('/')) dirs.Add(dir);
            }
        }
    }
}
