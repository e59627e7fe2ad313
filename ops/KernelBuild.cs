namespace Compat.Ops;

/// <summary>
/// Keeps build/kernel/compat.elf up to date: rebuilds it with tools/build-kernel.sh when it is
/// missing or older than any kernel source (*.cs, *.asm, *.ld, *.inc under kernel/, drivers/,
/// loader/, syscall/).
/// </summary>
public static class KernelBuild
{
    private static readonly string[] SourceDirs = ["kernel", "drivers", "loader", "syscall"];
    private static readonly string[] SourceExtensions = [".cs", ".asm", ".ld", ".inc"];

    /// <summary>What <see cref="Ensure"/> did.</summary>
    public sealed record Outcome(bool Built, long ImageBytes, TimeSpan BuildTime, string Reason);

    /// <summary>Why the image needs building, or null when it is up to date.</summary>
    public static string? StaleReason(Repo repo)
    {
        var image = new FileInfo(repo.KernelImage);
        if (!image.Exists) return "no kernel image yet";
        var newest = NewestSource(repo);
        if (newest != null && newest.LastWriteTimeUtc > image.LastWriteTimeUtc)
            return Path.GetRelativePath(repo.Root, newest.FullName) + " is newer than the kernel image";
        return null;
    }

    /// <summary>
    /// Builds the kernel when stale (or when <paramref name="force"/>), saying so on stderr (with a
    /// spinner on a terminal).
    /// Throws <see cref="OpsException"/> with the build output when the build fails.
    /// </summary>
    public static Outcome Ensure(Repo repo, bool force = false)
    {
        string? reason = force ? "forced" : StaleReason(repo);
        if (reason == null) return new Outcome(false, new FileInfo(repo.KernelImage).Length, TimeSpan.Zero, "up to date");

        Directory.CreateDirectory(repo.OpsStateDir);
        using var buildLock = FileLock.Acquire(Path.Combine(repo.OpsStateDir, "kernel-build.lock"));
        if (!force) reason = StaleReason(repo);                 // another ops may have built it meanwhile
        if (reason == null) return new Outcome(false, new FileInfo(repo.KernelImage).Length, TimeSpan.Zero, "built by another ops");

        // Said on every build, terminal or not: the first one takes a while and should not look like a hang.
        Ui.Notice($"building the kernel ({reason}): tools/build-kernel.sh -> {Path.GetRelativePath(repo.Root, repo.KernelImage)} ...");
        var started = DateTime.UtcNow;
        var result = Ui.Spin($"Building the kernel ({reason})...",
            () => Tool.Run("bash", [repo.KernelBuildScript], repo.Root, TimeSpan.FromMinutes(20)));
        var elapsed = DateTime.UtcNow - started;

        // build-kernel.sh filters the C# compiler's output; a compile error can leave a stale IL
        // assembly behind that still links, so treat reported errors as failure too.
        bool errors = result.Output.Split('\n').Any(l => l.Contains(": error ", StringComparison.Ordinal));
        var image = new FileInfo(repo.KernelImage);
        if (!result.Ok || errors || !image.Exists || image.LastWriteTimeUtc < started.AddSeconds(-2))
        {
            Console.Error.Write(result.Output);
            throw new OpsException($"kernel build failed (tools/build-kernel.sh exit status {result.ExitCode}{(errors ? ", compiler errors" : "")})");
        }
        Ui.Notice($"built the kernel ({image.Length / 1024.0:0.0} KiB) in {elapsed.TotalSeconds:0.0} s");
        return new Outcome(true, image.Length, elapsed, reason);
    }

    private static FileInfo? NewestSource(Repo repo)
    {
        FileInfo? newest = null;
        foreach (var dir in SourceDirs)
            Walk(new DirectoryInfo(Path.Combine(repo.Root, dir)), ref newest);
        return newest;
    }

    private static void Walk(DirectoryInfo dir, ref FileInfo? newest)
    {
        if (!dir.Exists) return;
        foreach (var f in dir.EnumerateFiles())
            if (SourceExtensions.Contains(f.Extension) && (newest == null || f.LastWriteTimeUtc > newest.LastWriteTimeUtc))
                newest = f;
        foreach (var sub in dir.EnumerateDirectories())
            if (sub.Name is not ("bin" or "obj") && !sub.Name.StartsWith('.'))
                Walk(sub, ref newest);
    }
}
