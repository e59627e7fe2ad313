namespace Compat.Ops;

/// <summary>
/// Well-known locations in the repository: its root (the directory holding Compat.sln), the
/// kernel image, the build script and ops' own state directory.
/// </summary>
public sealed class Repo
{
    /// <summary>The repository root.</summary>
    public string Root { get; }

    private Repo(string root) => Root = root;

    /// <summary>The bootable kernel image built by tools/build-kernel.sh.</summary>
    public string KernelImage => Path.Combine(Root, "build", "kernel", "compat.elf");

    /// <summary>The script that builds <see cref="KernelImage"/>.</summary>
    public string KernelBuildScript => Path.Combine(Root, "tools", "build-kernel.sh");

    /// <summary>ops' build output and cache directory (build/ops).</summary>
    public string OpsStateDir => Path.Combine(Root, "build", "ops");

    /// <summary>
    /// Finds the root: first upwards from where ops.dll lives (build/ops/ inside the repository),
    /// then upwards from the current directory.
    /// </summary>
    public static Repo Locate()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Compat.sln"))) return new Repo(dir.FullName);
        }
        throw new OpsException("cannot find the repository root (a directory containing Compat.sln) above "
                               + AppContext.BaseDirectory + " or " + Environment.CurrentDirectory);
    }
}
