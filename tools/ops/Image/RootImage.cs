namespace Compat.Ops.Image;

/// <summary>
/// The root file tree the kernel sees, built up in memory (paths and sources, not contents) and
/// written out as a cpio newc archive. Adding a path adds its missing parent directories (mode
/// 040755). Later additions to the same path replace earlier ones.
/// </summary>
public sealed class RootImage
{
    private abstract record Entry(uint Mtime);
    private sealed record DirectoryEntry(uint Permissions, uint Mtime) : Entry(Mtime);
    private sealed record BytesEntry(byte[] Data, uint Permissions, uint Mtime) : Entry(Mtime);
    private sealed record HostFileEntry(string HostPath, uint Permissions, uint Mtime) : Entry(Mtime);
    private sealed record SymlinkEntry(string Target, uint Mtime) : Entry(Mtime);

    private readonly SortedDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly uint _now = (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Number of entries (directories included).</summary>
    public int Count => _entries.Count;

    /// <summary>True when <paramref name="path"/> is in the tree.</summary>
    public bool Contains(string path) => _entries.ContainsKey(Normalize(path));

    /// <summary>Adds a directory (and its parents).</summary>
    public void AddDirectory(string path, uint permissions = 0x1ED)
    {
        var p = Normalize(path);
        if (p.Length == 0) return;
        AddParents(p);
        if (!_entries.TryGetValue(p, out var e) || e is not DirectoryEntry) _entries[p] = new DirectoryEntry(permissions, _now);
    }

    /// <summary>Adds a file with the given contents.</summary>
    public void AddFile(string path, byte[] data, uint permissions = 0x1A4) => Put(path, new BytesEntry(data, permissions, _now));

    /// <summary>Adds a host file, read when the archive is written; keeps its permission bits and mtime.</summary>
    public void AddHostFile(string path, string hostPath)
    {
        var info = new FileInfo(hostPath);
        uint perms = (uint)File.GetUnixFileMode(hostPath) & 0xFFF;
        Put(path, new HostFileEntry(info.FullName, perms, (uint)Math.Max(0, new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeSeconds())));
    }

    /// <summary>Adds a symbolic link.</summary>
    public void AddSymlink(string path, string target) => Put(path, new SymlinkEntry(target, _now));

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
                case HostFileEntry h:
                    using (var source = File.OpenRead(h.HostPath)) cpio.AddFile(path, source, source.Length, h.Permissions, h.Mtime);
                    break;
            }
        }
        cpio.Finish();
    }

    private void Put(string path, Entry entry)
    {
        var p = Normalize(path);
        if (p.Length == 0) throw new ArgumentException("cannot replace the root directory", nameof(path));
        AddParents(p);
        _entries[p] = entry;
    }

    private void AddParents(string p)
    {
        for (int i = p.IndexOf('/'); i > 0; i = p.IndexOf('/', i + 1))
        {
            var parent = p[..i];
            if (!_entries.TryGetValue(parent, out var e)) _entries[parent] = new DirectoryEntry(0x1ED, _now);
            else if (e is not DirectoryEntry) throw new InvalidOperationException($"/{parent} is a file, cannot hold /{p}");
        }
    }

    /// <summary>"/a//b/" -> "a/b" (archive names have no leading slash).</summary>
    private static string Normalize(string path) =>
        string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != "."));
}
