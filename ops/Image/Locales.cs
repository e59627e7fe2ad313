namespace Compat.Ops.Image;

/// <summary>
/// Compiled locales from the host's <c>/usr/lib/locale</c>: always C.UTF-8 (Debian's libc-bin
/// ships it; programs that need UTF-8 fall back to it when the environment names none, as tmux
/// does and Python's C locale coercion does), and each locale the guest's environment names
/// (LC_ALL, LC_*, LANG), as a directory under the name given or glibc's normalized codeset
/// (<c>en_US.UTF-8</c> -&gt; <c>en_US.utf8</c>), else from <c>locale-archive</c>, packed whole.
/// </summary>
public static class Locales
{
    private const string Directory = "/usr/lib/locale";

    /// <summary>Packs what exists; returns the locale names packed (for -v).</summary>
    public static IReadOnlyList<string> Add(HostPaths host, IReadOnlyList<string> environment)
    {
        var names = new List<string> { "C.utf8" };
        foreach (var kv in environment)
        {
            int eq = kv.IndexOf('=');
            if (eq <= 0) continue;
            string key = kv[..eq], value = kv[(eq + 1)..];
            if ((key == "LANG" || key.StartsWith("LC_", StringComparison.Ordinal)) && value.Length > 0 && !value.Contains('/')
                && value is not ("C" or "POSIX"))
                names.Add(value);
        }
        var packed = new List<string>();
        bool needArchive = false;
        foreach (var name in names.Distinct())
        {
            string? found = new[] { name, Normalize(name) }.FirstOrDefault(n => System.IO.Directory.Exists(Directory + "/" + n));
            if (found == null) { needArchive = true; continue; }
            if (packed.Contains(found)) continue;
            host.AddTree(Directory + "/" + found, null);
            packed.Add(found);
        }
        if (needArchive && File.Exists(Directory + "/locale-archive") && host.Add(Directory + "/locale-archive") != null) packed.Add("locale-archive");
        return packed;
    }

    /// <summary>glibc's codeset normalization: "en_US.UTF-8@euro" -&gt; "en_US.utf8@euro" (letters lowered, other than letters and digits dropped).</summary>
    public static string Normalize(string name)
    {
        int dot = name.IndexOf('.');
        if (dot < 0) return name;
        int at = name.IndexOf('@', dot);
        string codeset = at < 0 ? name[(dot + 1)..] : name[(dot + 1)..at];
        var norm = new string(codeset.Where(char.IsAsciiLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
        if (norm.All(char.IsAsciiDigit)) norm = "iso" + norm;
        return name[..(dot + 1)] + norm + (at < 0 ? "" : name[at..]);
    }
}
