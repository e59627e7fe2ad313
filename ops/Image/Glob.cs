using System.IO.Enumeration;

namespace Compat.Ops.Image;

/// <summary>
/// Shell-style path globbing for ld.so.conf <c>include</c> lines and config MapDirs keys:
/// <c>*</c> and <c>?</c> in any component; like the shell, wildcards do not match a leading
/// dot. Results are sorted in each directory (as glob(3) sorts them).
/// </summary>
public static class Glob
{
    /// <summary>True when <paramref name="pattern"/> contains a wildcard.</summary>
    public static bool HasWildcards(string pattern) => pattern.IndexOfAny(['*', '?']) >= 0;

    /// <summary>
    /// The existing paths matching <paramref name="pattern"/> (relative patterns are taken
    /// relative to <paramref name="baseDirectory"/>; results are absolute). A pattern without
    /// wildcards yields itself when it exists.
    /// </summary>
    public static List<string> Expand(string pattern, string baseDirectory)
    {
        string full = Path.IsPathRooted(pattern) ? pattern : Path.Combine(baseDirectory, pattern);
        var current = new List<string> { "/" };
        foreach (var part in full.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = new List<string>();
            foreach (var dir in current)
            {
                if (!HasWildcards(part))
                {
                    string p = Path.Combine(dir, part);
                    if (Path.Exists(p) || new FileInfo(p).LinkTarget != null) next.Add(p);
                    continue;
                }
                if (!Directory.Exists(dir)) continue;
                IEnumerable<string> names;
                try { names = Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).OfType<string>().ToList(); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
                foreach (var name in names.Order(StringComparer.Ordinal))
                {
                    if (name[0] == '.' && part[0] != '.') continue;
                    if (FileSystemName.MatchesSimpleExpression(part, name, ignoreCase: false)) next.Add(Path.Combine(dir, name));
                }
            }
            current = next;
        }
        return current;
    }
}
