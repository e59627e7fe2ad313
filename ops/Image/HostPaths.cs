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
    /// Most bytes packed for what symbolic links lead to outside the trees that hold them (all
    /// such links together): enough for /usr/lib/ssl's links into /etc/ssl (1 MiB), not a link to /usr.
    /// </summary>
    public const long LinkTargetLimit = 64L << 20;

    /// <summary>A link out of a packed tree whose target is still to be packed.</summary>
    /// <param name="Link">"link -> target", for messages.</param>
    /// <param name="HostTarget">Where the target is on the host (through the link's directory).</param>
    /// <param name="GuestTarget">Where the guest will look for it, or null: at its host path, with the links on the way.</param>
    /// <param name="OnFile">The tree's callback for regular files.</param>
    private sealed record LinkJob(string Link, string HostTarget, string? GuestTarget, Action<string, string>? OnFile);

    private readonly Queue<LinkJob> _linkJobs = new();
    /// <summary>Real paths of the directories packed as trees at their host paths.</summary>
    private readonly List<string> _trees = [];
    private readonly HashSet<string> _followed = new(StringComparer.Ordinal);
    private long _linkBytes;

    /// <summary>
    /// Adds the directory tree at host <paramref name="hostDir"/> under guest
    /// <paramref name="guestDir"/> (null: the same path, with the links that lead to it):
    /// directories and files keep their permission bits, symbolic links are packed as links (not
    /// followed); FIFOs, sockets and devices are skipped. <paramref name="skip"/> gets paths
    /// relative to <paramref name="hostDir"/>. With <paramref name="packLinkTargets"/>, what links
    /// that lead out of the tree point at (files, and directories recursively) is queued to be
    /// packed where the guest will look for it (<see cref="PackLinkTargets"/>), so each link
    /// resolves in the guest as on the host. Regular files are reported to
    /// <paramref name="onFile"/> (host path, guest path). Returns the number of files and links.
    /// </summary>
    public int AddTree(string hostDir, string? guestDir, Func<string, bool>? skip = null, Action<string, string>? onFile = null,
                       bool packLinkTargets = false)
    {
        string root = guestDir == null ? Add(hostDir) ?? throw new DirectoryNotFoundException(hostDir) : Path.GetFullPath(hostDir);
        string guestRoot = guestDir == null ? root : Path.GetFullPath(guestDir);
        if (guestDir != null) image.AddDirectory(guestRoot, Permissions(root));
        else _trees.Add(root);
        string realRoot = guestDir == null ? root : RealPath(root) ?? root;
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
                try
                {
                    if (entry.LinkTarget is { } target)
                    {
                        image.AddSymlink(guestPath, target);
                        if (packLinkTargets) QueueLinkTarget(entry.FullName, target, host, guest, realRoot, guestDir == null ? null : guestRoot, onFile);
                        files++;
                    }
                    else if (entry is DirectoryInfo)
                    {
                        image.AddDirectory(guestPath, Permissions(entry.FullName));
                        pending.Push((entry.FullName, guestPath, relative));
                    }
                    else switch (Posix.FileType(entry.FullName))
                    {
                        case Posix.S_IFREG:
                            image.AddHostFile(guestPath, entry.FullName);
                            onFile?.Invoke(entry.FullName, guestPath);
                            files++;
                            break;
                        case Posix.S_IFIFO:
                            image.AddHostFifo(guestPath, entry.FullName);
                            files++;
                            break;
                        case 0:
                            Ui.Notice($"{entry.FullName} vanished while it was packed; left out");
                            break;
                        case Posix.S_IFSOCK:
                            Ui.Notice($"{entry.FullName} is a socket; left out (a program makes its own with bind)");
                            break;
                        default:
                            Ui.Notice($"{entry.FullName} is a device node; left out (the guest's /dev has its own)");
                            break;
                    }
                }
                catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
                {
                    // A tree that changes while it is read (a log directory, /proc): as cp -r would, go on.
                    Ui.Notice($"{entry.FullName} vanished while it was packed; left out");
                }
            }
        }
        return files;
    }

    /// <summary>
    /// Queues the target of link <paramref name="link"/> (in host directory
    /// <paramref name="hostDir"/>, packed in guest directory <paramref name="guestDir"/>) when
    /// the guest would not find it inside the tree. A tree at its host path (<paramref
    /// name="relocatedRoot"/> null) needs what leads out of its real directory
    /// <paramref name="root"/>, at the host path; a relocated tree needs every absolute target
    /// (at its host path) and relative targets that climb out of it (where the guest resolves them).
    /// A link to a directory that holds the tree (<c>up -&gt; ..</c>) is left alone: it would
    /// pack everything around the tree, and the directory exists in the guest anyway.
    /// </summary>
    private void QueueLinkTarget(string link, string target, string hostDir, string guestDir, string root, string? relocatedRoot,
                                 Action<string, string>? onFile)
    {
        if (RealPath(link) is not { } real || IsInside(root, real)) return;             // dangling on the host too, or an ancestor
        string shown = link + " -> " + target;
        if (target.StartsWith('/') || relocatedRoot == null)
        {
            if (relocatedRoot == null && IsInside(real, root)) return;
            _linkJobs.Enqueue(new LinkJob(shown, target.StartsWith('/') ? target : hostDir + "/" + target, null, onFile));
            return;
        }
        string guestTarget = Path.GetFullPath(target, guestDir);
        if (!IsInside(guestTarget, relocatedRoot)) _linkJobs.Enqueue(new LinkJob(shown, real, guestTarget, onFile));
    }

    /// <summary>
    /// Packs what the links queued by <see cref="AddTree"/> lead to (links in what is packed are
    /// followed in turn), skipping what a packed tree already holds. A target that would take the
    /// total past <see cref="LinkTargetLimit"/> is left out with a warning (its link dangles).
    /// </summary>
    public void PackLinkTargets(Action<string> warn)
    {
        while (_linkJobs.TryDequeue(out var job))
        {
            if (RealPath(job.HostTarget) is not { } real) continue;
            bool isDir = Directory.Exists(real);
            if (job.GuestTarget == null && (_trees.Any(t => IsInside(real, t)) || (!isDir && image.Contains(real))))
            {
                Add(job.HostTarget);                                                     // packed already: the links on the way
                continue;
            }
            if (!_followed.Add(real + "\0" + job.GuestTarget)) continue;
            long size = isDir ? TreeBytes(real, LinkTargetLimit - _linkBytes + 1) : new FileInfo(real).Length;
            if (_linkBytes + size > LinkTargetLimit)
            {
                warn($"warning: not packing what the link {job.Link} leads to: it holds more than the {Mib(LinkTargetLimit - _linkBytes)} left of the "
                     + $"{LinkTargetLimit >> 20} MiB ops packs for links out of packed directories; the link dangles in the guest unless its target is packed with --dir or --file");
                continue;
            }
            _linkBytes += size;
            if (job.GuestTarget == null)
            {
                if (isDir) AddTree(job.HostTarget, null, null, job.OnFile, packLinkTargets: true);
                else { Add(job.HostTarget); job.OnFile?.Invoke(real, real); }
            }
            else if (isDir) AddTree(real, job.GuestTarget, null, job.OnFile, packLinkTargets: true);
            else { image.AddHostFile(job.GuestTarget, real); job.OnFile?.Invoke(real, job.GuestTarget); }
        }
    }

    private static string Mib(long bytes) => $"{bytes / 1048576.0:0.##} MiB";

    /// <summary>Bytes of the regular files under <paramref name="dir"/> (links not followed), counting stops past <paramref name="stopAt"/>.</summary>
    private static long TreeBytes(string dir, long stopAt)
    {
        long total = 0;
        var pending = new Stack<string>();
        pending.Push(dir);
        while (pending.Count > 0 && total < stopAt)
        {
            try
            {
                foreach (var entry in new DirectoryInfo(pending.Pop()).EnumerateFileSystemInfos())
                {
                    if (entry.LinkTarget != null) continue;
                    if (entry is DirectoryInfo) pending.Push(entry.FullName);
                    else if (entry is FileInfo f) total += f.Length;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }       // AddTree says so when it reads it
        }
        return total;
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
