using Compat.Ops.Image;

namespace Compat.Ops;

/// <summary>
/// Tells apart, in the kernel's list of failed opens (<c>ops run --missing-files</c>), the
/// files a program really lacks from the probes that fail on every Linux system: the dynamic
/// linker trying each search directory (and its tls/, x86_64/, glibc-hwcaps/ subdirectories)
/// for a library it then finds elsewhere, /etc/ld.so.preload and /etc/ld.so.cache; and with
/// --python, Python looking for a virtual environment, a zipped library, or an extension
/// module next to a source module that exists.
/// </summary>
public sealed class MissingFileFilter(BuiltImage image)
{
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
        return image.PythonVersion is { } v && IsPythonProbe(path, name, v);
    }

    private static string StripHwcaps(string dir)
    {
        while (HwcapDirectories.Contains(Path.GetFileName(dir)) && Path.GetDirectoryName(dir) is { } parent) dir = parent;
        return dir;
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
