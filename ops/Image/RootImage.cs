namespace Compat.Ops.Image;

/// <summary>What an image holds (for ops' summary line).</summary>
public sealed record ImageStats(int Files, int Symlinks, int Directories, long Bytes);

/// <summary>
/// The root file tree the kernel sees, built up in memory (paths and sources, not contents) and
/// written out as a cpio newc archive. Adding a path adds its missing parent directories (mode
/// 040755). Later additions to the same path replace earlier ones. Paths are resolved through
/// the symbolic links already in the tree, as the kernel will resolve them: adding
/// <c>/lib/x/f</c> when <c>/lib</c> is a link to <c>usr/lib</c> adds <c>/usr/lib/x/f</c>, so no
/// entry ever lies beneath a link (the kernel creates entries in archive order and could not
/// follow a link whose target comes later).
/// </summary>
public sealed class RootImage
{
    private abstract record Entry(uint Mtime);
    private sealed record DirectoryEntry(uint Permissions, uint Mtime) : Entry(Mtime);
    private sealed record BytesEntry(byte[] Data, uint Permissions, uint Mtime) : Entry(Mtime);
    private sealed record HostFileEntry(string HostPath, long Length, uint Permissions, uint Mtime) : Entry(Mtime);
    private sealed record SymlinkEntry(string Target, uint Mtime) : Entry(Mtime);
    private sealed record FifoEntry(uint Permissions, uint Mtime) : Entry(Mtime);

    private const int MaxLinks = 40;
    private readonly SortedDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly uint _now = (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Number of entries (directories included).</summary>
    public int Count => _entries.Count;

    /// <summary>True when <paramref name="path"/> exists in the tree (links followed).</summary>
    public bool Contains(string path) => _entries.ContainsKey(Resolve(Normalize(path), followLast: true));

    /// <summary>Counts of files, links and directories, and the bytes of file contents.</summary>
    public ImageStats Stats
    {
        get
        {
            int files = 0, links = 0, dirs = 0;
            long bytes = 0;
            foreach (var e in _entries.Values)
            {
                switch (e)
                {
                    case DirectoryEntry: dirs++; break;
                    case SymlinkEntry: links++; break;
                    case BytesEntry b: files++; bytes += b.Data.Length; break;
                    case HostFileEntry h: files++; bytes += h.Length; break;
                }
            }
            return new ImageStats(files, links, dirs, bytes);
        }
    }

    /// <summary>Adds a directory (and its parents); an existing directory keeps its entries and takes these permissions.</summary>
    public void AddDirectory(string path, uint permissions = 0x1ED)
    {
        var p = Resolve(Normalize(path), followLast: true);
        if (p.Length == 0) return;
        AddParents(p);
        if (!_entries.TryGetValue(p, out var e) || e is not DirectoryEntry) _entries[p] = new DirectoryEntry(permissions & 0xFFF, _now);
        else _entries[p] = new DirectoryEntry(permissions & 0xFFF, e.Mtime);
    }

    /// <summary>Adds a file with the given contents.</summary>
    public void AddFile(string path, byte[] data, uint permissions = 0x1A4) => Put(path, new BytesEntry(data, permissions, _now));

    /// <summary>Adds a host file (a symlink is followed), read when the archive is written; keeps its permission bits and mtime.</summary>
    public void AddHostFile(string path, string hostPath)
    {
        var info = new FileInfo(hostPath);
        if (info.LinkTarget != null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target) info = target;
        hostPath = info.FullName;
        uint perms = (uint)File.GetUnixFileMode(hostPath) & 0xFFF;
        Put(path, new HostFileEntry(info.FullName, info.Length, perms, (uint)Math.Max(0, new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeSeconds())));
    }

    /// <summary>Adds a FIFO with the host FIFO's permission bits and mtime.</summary>
    public void AddHostFifo(string path, string hostPath)
    {
        var info = new FileInfo(hostPath);
        uint perms = (uint)File.GetUnixFileMode(hostPath) & 0xFFF;
        Put(path, new FifoEntry(perms, (uint)Math.Max(0, new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeSeconds())));
    }

    /// <summary>
    /// Adds a symbolic link. When a directory with entries is at that path, the entries move to
    /// where the link leads.
    /// </summary>
    public void AddSymlink(string path, string target)
    {
        var linkPath = ResolveParent(Normalize(path));
        if (linkPath.Length == 0) throw new OpsException("cannot make the root directory a symbolic link");
        _entries.TryGetValue(linkPath, out var old);
        if (old is SymlinkEntry s && s.Target == target) return;
        var moved = old is DirectoryEntry ? _entries.Where(e => e.Key.StartsWith(linkPath + "/", StringComparison.Ordinal)).ToList() : [];
        foreach (var (key, _) in moved) _entries.Remove(key);
        AddParents(linkPath);
        _entries[linkPath] = new SymlinkEntry(target, _now);
        foreach (var (key, entry) in moved)
        {
            var dest = "/" + key;
            if (entry is DirectoryEntry d) AddDirectory(dest, d.Permissions);
            else Put(dest, entry);
        }
    }

    /// <summary>Writes the archive (parents always precede children: ordinal path order).</summary>
    public void WriteTo(string archivePath)
    {
        using var stream = new FileStream(archivePath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using var cpio = new CpioWriter(stream);
        foreach (var (path, entry) in _entries)
        {
            switch (entry)
            {
                case DirectoryEntry d: cpio.AddDirectory(path, d.Permissions, d.Mtime); break;
                case BytesEntry b: cpio.AddFile(path, b.Data, b.Permissions, b.Mtime); break;
                case SymlinkEntry s: cpio.AddSymlink(path, s.Target, s.Mtime); break;
                case FifoEntry f: cpio.AddFifo(path, f.Permissions, f.Mtime); break;
                case HostFileEntry h:
                    FileStream source;
                    try { source = File.OpenRead(h.HostPath); }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        // Gone since it was listed, or unreadable (a write-only /proc/sys file): as cp -r, go on.
                        Ui.Notice($"cannot read {h.HostPath} ({e.Message}); left out");
                        break;
                    }
                    using (source)
                    {
                        try { cpio.AddFile(path, source, source.Length, h.Permissions, h.Mtime); }
                        catch (IOException e) { throw new OpsException($"cannot pack {h.HostPath}: {e.Message}"); }
                    }
                    break;
            }
        }
        cpio.Finish();
    }

    private void Put(string path, Entry entry)
    {
        var p = ResolveParent(Normalize(path));
        if (p.Length == 0) throw new ArgumentException("cannot replace the root directory", nameof(path));
        AddParents(p);
        if (_entries.TryGetValue(p, out var old) && old is DirectoryEntry && _entries.Keys.Any(k => k.StartsWith(p + "/", StringComparison.Ordinal)))
            throw new OpsException($"/{p} is a directory in the image; cannot replace it with a file");
        _entries[p] = entry;
    }

    private void AddParents(string p)
    {
        for (int i = p.IndexOf('/'); i > 0; i = p.IndexOf('/', i + 1))
        {
            var parent = p[..i];
            if (!_entries.TryGetValue(parent, out var e)) _entries[parent] = new DirectoryEntry(0x1ED, _now);
            else if (e is not DirectoryEntry) throw new OpsException($"/{parent} is a file in the image; cannot hold /{p}");
        }
    }

    /// <summary>The path with its directories resolved through the tree's links (the last component kept).</summary>
    private string ResolveParent(string p)
    {
        int slash = p.LastIndexOf('/');
        if (slash < 0) return p;
        var dir = Resolve(p[..slash], followLast: true);
        return dir.Length == 0 ? p[(slash + 1)..] : dir + "/" + p[(slash + 1)..];
    }

    /// <summary>Resolves a normalized path through the links in the tree (components not in the tree are kept as they are).</summary>
    private string Resolve(string p, bool followLast)
    {
        var pending = new Stack<string>();
        void Push(string s)
        {
            var parts = s.Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (int i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
        }
        Push(p);
        string resolved = "";
        int links = 0;
        while (pending.Count > 0)
        {
            string c = pending.Pop();
            if (c == ".") continue;
            if (c == "..") { int slash = resolved.LastIndexOf('/'); resolved = slash < 0 ? "" : resolved[..slash]; continue; }
            string candidate = resolved.Length == 0 ? c : resolved + "/" + c;
            if ((pending.Count > 0 || followLast) && _entries.TryGetValue(candidate, out var e) && e is SymlinkEntry link)
            {
                if (++links > MaxLinks) throw new OpsException($"too many levels of symbolic links in the image at /{candidate}");
                if (link.Target.StartsWith('/')) resolved = "";
                Push(link.Target);
                continue;
            }
            resolved = candidate;
        }
        return resolved;
    }

    /// <summary>"/a//b/" -> "a/b" (archive names have no leading slash). ".." is kept for <see cref="Resolve"/>.</summary>
    private static string Normalize(string path) =>
        string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != "."));
}
