using Compat.Ops.Image;

namespace Compat.Ops;

/// <summary>
/// Tells apart, in the kernel's list of failed opens (<c>ops run --missing-files</c>), the
/// files a program really lacks from the probes that fail on every Linux system: the dynamic
/// linker trying each search directory (and its tls/, x86_64/, glibc-hwcaps/ subdirectories)
/// for a library it then finds elsewhere, /etc/ld.so.preload and /etc/ld.so.cache; and with
/// Python, Python looking for a virtual environment, a zipped library, or an extension
/// module next to a source module that exists; with perl, perl trying each @INC entry for a
/// module it finds in another, its compiled .pmc form, DynaLoader's .bs files and the version
/// and architecture subdirectories of site directories.
/// </summary>
public sealed partial class MissingFileFilter(BuiltImage image)
{
    [System.Text.RegularExpressions.GeneratedRegex(@"^(\d+\.\d+\.\d+(/[\w.-]*-linux[\w.-]*)?|[\w.-]*-linux[\w.-]*)$")]
    private static partial System.Text.RegularExpressions.Regex PerlVersionArchDirectory();

    /// <summary>Subdirectories ld.so tries below each search directory.</summary>
    private static readonly HashSet<string> HwcapDirectories =
        ["tls", "x86_64", "haswell", "xeon_phi", "avx512_1", "glibc-hwcaps", "x86-64-v2", "x86-64-v3", "x86-64-v4"];

    private static readonly string[] PythonStartupFiles = ["pyvenv.cfg", "pybuilddir.txt", "Setup.local"];

    /// <summary>True when <paramref name="path"/> is an expected probe, not worth reporting.</summary>
    public bool IsProbe(string path)
    {
        if (path is "/etc/ld.so.preload" or "/etc/ld.so.cache") return true;
        string name = Path.GetFileName(path);
        string dir = Path.GetDirectoryName(path) ?? "/";
        if (image.LibraryFileNames.Contains(name) && (image.LibraryDirectories.Contains(StripHwcaps(dir)) || HwcapDirectories.Contains(Path.GetFileName(dir))))
            return true;
        if (HwcapDirectories.Contains(name) && image.LibraryDirectories.Contains(StripHwcaps(path))) return true;
        if (image.PythonVersion is { } v && IsPythonProbe(path, name, v)) return true;
        return image.PerlInc.Count > 0 && IsPerlProbe(path);
    }

    private static string StripHwcaps(string dir)
    {
        while (HwcapDirectories.Contains(Path.GetFileName(dir)) && Path.GetDirectoryName(dir) is { } parent) dir = parent;
        return dir;
    }

    private bool IsPerlProbe(string path)
    {
        foreach (var entry in image.PerlInc)
        {
            if (!path.StartsWith(entry + "/", StringComparison.Ordinal)) continue;
            string relative = path[(entry.Length + 1)..];
            if (relative.EndsWith(".pmc", StringComparison.Ordinal)) return true;
            if (relative.StartsWith("auto/", StringComparison.Ordinal) && relative.EndsWith(".bs", StringComparison.Ordinal)) return true;  // DynaLoader's bootstrap files
            if (PerlVersionArchDirectory().IsMatch(relative)) return true;        // perl's version and architecture subdirectories of an entry
            if (image.PerlInc.Any(other => other != entry && image.Root.Contains(other + "/" + relative))) return true;
        }
        return false;
    }

    private bool IsPythonProbe(string path, string name, string version)
    {
        string nodot = version.Replace(".", "");
        if (PythonStartupFiles.Contains(name) || name == $"python{nodot}.zip" || name.EndsWith("._pth", StringComparison.Ordinal)) return true;
        if (path.StartsWith("/usr/bin/lib/", StringComparison.Ordinal)) return true;              // getpath's build-directory check
        if (name is "site-packages" or "dist-packages") return true;
        foreach (var suffix in new[] { $".cpython-{nodot}-x86_64-linux-gnu.so", ".abi3.so", ".so" })
        {
            if (!name.EndsWith(suffix, StringComparison.Ordinal)) continue;
            string module = path[..^suffix.Length];
            if (image.Root.Contains(module + ".py") || image.Root.Contains(module + ".pyc")) return true;
        }
        return false;
    }
}
