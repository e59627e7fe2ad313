namespace Compat.Ops.Image;

/// <summary>
/// Copies host paths into a <see cref="RootImage"/> so that the guest sees them where the host
/// does: walking a path component by component, every symbolic link met (a directory link such
/// as Debian's <c>/lib -&gt; usr/lib</c>, or a file link such as
/// <c>/lib64/ld-linux-x86-64.so.2 -&gt; /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2</c>) is packed
/// as a link and the walk continues at its target, so the file itself lands at its real path
/// and every name that led to it still works in the guest.
/// </summary>
public sealed class HostPaths(RootImage image)
{
    /// <summary>Linux's limit on symbolic links followed while resolving one path.</summary>
    private const int MaxLinks = 40;

    /// <summary>The canonical path (every symlink resolved, no "." or ".."), or null when it does not exist.</summary>
    public static string? RealPath(string path) => Walk(path, null);

    /// <summary>
    /// Adds the file or directory (empty: no contents) at absolute host path
    /// <paramref name="path"/>, and the links on the way. Returns its real path, or null
    /// when it does not exist on the host.
    /// </summary>
    public string? Add(string path)
    {
        string? real = Walk(path, (link, target) => image.AddSymlink(link, target));
        if (real == null) return null;
        if (Directory.Exists(real)) image.AddDirectory(real, Permissions(real));
        else image.AddHostFile(real, real);
        return real;
    }

    /// <summary>
    /// Adds the directory tree at host <paramref name="hostDir"/> under guest
    /// <paramref name="guestDir"/> (null: the same path, with the links that lead to it):
    /// directories and files keep their permission bits, symbolic links are packed as links (not
    /// followed); FIFOs, sockets and devices are skipped. <paramref name="skip"/> gets paths
    /// relative to <paramref name="hostDir"/>. With <paramref name="packLinkTargets"/>, links to
    /// files outside the tree also get their target packed (at its host path). Regular files are
    /// reported to <paramref name="onFile"/> (host path, guest path). Returns the number of files.
    /// </summary>
    public int AddTree(string hostDir, string? guestDir, Func<string, bool>? skip = null, Action<string, string>? onFile = null,
                       bool packLinkTargets = false)
    {
        string root = guestDir == null ? Add(hostDir) ?? throw new DirectoryNotFoundException(hostDir) : Path.GetFullPath(hostDir);
        string guestRoot = guestDir ?? root;
        if (guestDir != null) image.AddDirectory(guestRoot, Permissions(root));
        int files = 0;
        var pending = new Stack<(string Host, string Guest, string Relative)>();
        pending.Push((root, guestRoot, ""));
        while (pending.Count > 0)
        {
            var (host, guest, rel) = pending.Pop();
            List<FileSystemInfo> entries;
            try { entries = new DirectoryInfo(host).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal).ToList(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new OpsException($"cannot read directory {host}: {e.Message}"); }
            foreach (var entry in entries)
            {
                string relative = rel.Length == 0 ? entry.Name : rel + "/" + entry.Name;
                if (skip != null && skip(relative)) continue;
                string guestPath = guest.TrimEnd('/') + "/" + entry.Name;
                if (entry.LinkTarget is { } target)
                {
                    image.AddSymlink(guestPath, target);
                    if (packLinkTargets && RealPath(entry.FullName) is { } real && !IsInside(real, root) && File.Exists(real))
                        Add(target.StartsWith('/') ? target : host + "/" + target);      // with the links on the way
                    files++;
                }
                else if (entry is DirectoryInfo)
                {
                    image.AddDirectory(guestPath, Permissions(entry.FullName));
                    pending.Push((entry.FullName, guestPath, relative));
                }
                else if (Posix.FileType(entry.FullName) == Posix.S_IFREG)
                {
                    image.AddHostFile(guestPath, entry.FullName);
                    onFile?.Invoke(entry.FullName, guestPath);
                    files++;
                }
            }
        }
        return files;
    }

    private static bool IsInside(string path, string dir) =>
        path == dir || path.StartsWith(dir.TrimEnd('/') + "/", StringComparison.Ordinal);

    private static uint Permissions(string path) => (uint)File.GetUnixFileMode(path) & 0xFFF;

    /// <summary>
    /// Resolves <paramref name="path"/> physically, calling <paramref name="onLink"/> (link path,
    /// link target) for every symbolic link met. Relative paths are taken from the current directory.
    /// </summary>
    private static string? Walk(string path, Action<string, string>? onLink)
    {
        var pending = new Stack<string>();
        void PushComponents(string p)
        {
            var parts = p.Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (int i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
        }
        PushComponents(Path.IsPathRooted(path) ? path : Path.Combine(Environment.CurrentDirectory, path));
        string resolved = "";
        int links = 0;
        while (pending.Count > 0)
        {
            string c = pending.Pop();
            if (c == ".") continue;
            if (c == "..") { int slash = resolved.LastIndexOf('/'); resolved = slash <= 0 ? "" : resolved[..slash]; continue; }
            if (resolved.Length > 0 && !Directory.Exists(resolved)) return null;
            string candidate = resolved + "/" + c;
            string? target;
            try { target = new FileInfo(candidate).LinkTarget; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
            if (target != null)
            {
                if (++links > MaxLinks) return null;
                onLink?.Invoke(candidate, target);
                if (target.StartsWith('/')) resolved = "";
                PushComponents(target);
                continue;
            }
            if (!File.Exists(candidate) && !Directory.Exists(candidate)) return null;
            resolved = candidate;
        }
        return resolved.Length == 0 ? "/" : resolved;
    }
}
