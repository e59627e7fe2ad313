namespace Compat.Ops.Image;

/// <summary>Whether a user path is one file or a directory tree.</summary>
public enum UserPathKind
{
    /// <summary>--file, config Files: one file (a symlink is followed).</summary>
    File,
    /// <summary>--dir, config Dirs and MapDirs: a tree (symlinks inside are kept as links, and what they lead to outside it is packed too).</summary>
    Directory,
}

/// <summary>
/// A host file or directory the user asked to pack. <see cref="GuestPath"/> null means "where
/// the guest will look for it": an absolute source at the same path (with the host's symlinks
/// leading to it), a relative source under / (the guest's working directory), so the same
/// command line works natively and in the guest.
/// </summary>
public sealed record UserPath(UserPathKind Kind, string HostPath, string? GuestPath, string From)
{
    /// <summary>Where it goes in the image.</summary>
    public string Destination => GuestPath ?? (Path.IsPathRooted(HostPath) ? Path.GetFullPath(HostPath) : Path.GetFullPath(HostPath, "/"));
}

/// <summary>
/// Parses the user's file options (<c>--file SRC[:DEST]</c>, <c>--dir SRC[:DEST]</c>, config
/// Files, Dirs and MapDirs) and packs them into the image.
/// </summary>
public static class UserFiles
{
    /// <summary>
    /// Parses <c>SRC[:DEST]</c>. DEST must be absolute. A spec that names an existing host path
    /// is all SRC (paths with ':' work); otherwise it splits at the last ":/".
    /// </summary>
    public static UserPath Parse(string spec, UserPathKind kind, string option)
    {
        if (spec.Length == 0) throw new OpsException($"{option}: empty path", ExitCodes.Usage);
        string src = spec;
        string? dest = null;
        int colon = spec.LastIndexOf(":/", StringComparison.Ordinal);
        if (!PathExists(spec))
        {
            if (colon > 0) { src = spec[..colon]; dest = spec[(colon + 1)..]; }
            else if (spec.Contains(':')) throw new OpsException($"{option} {spec}: DEST must be an absolute guest path (SRC:/path)", ExitCodes.Usage);
        }
        return new UserPath(kind, src, dest, option);
    }

    /// <summary>
    /// Expands a config MapDirs item: each host path matching <paramref name="pattern"/> (relative
    /// to the current directory; * and ? allowed) goes under <paramref name="guestDir"/>: a
    /// directory without wildcards gives its contents, a match of a pattern goes in by its name.
    /// </summary>
    public static List<UserPath> MapDir(string pattern, string guestDir)
    {
        if (!guestDir.StartsWith('/')) throw new OpsException($"config MapDirs: guest directory '{guestDir}' must be absolute", ExitCodes.Usage);
        var matches = Glob.Expand(pattern, Environment.CurrentDirectory);
        if (matches.Count == 0) throw new OpsException($"config MapDirs: nothing matches '{pattern}'", ExitCodes.Usage);
        if (!Glob.HasWildcards(pattern) && Directory.Exists(matches[0]))
            return [new UserPath(UserPathKind.Directory, matches[0], guestDir, "MapDirs")];
        return matches.Select(m => new UserPath(Directory.Exists(m) ? UserPathKind.Directory : UserPathKind.File, m,
                                                guestDir.TrimEnd('/') + "/" + Path.GetFileName(m), "MapDirs")).ToList();
    }

    /// <summary>
    /// Packs <paramref name="item"/>; <paramref name="onFile"/> gets (host path, guest path) of
    /// every regular file. Returns the number of files and links added.
    /// </summary>
    public static int Add(RootImage image, HostPaths host, UserPath item, Action<string, string>? onFile = null)
    {
        string src = item.HostPath;
        bool sameAsHost = item.GuestPath == null && Path.IsPathRooted(src);
        if (item.Kind == UserPathKind.File)
        {
            if (Directory.Exists(src)) throw new OpsException($"{item.From} {src}: is a directory (use --dir)", ExitCodes.Usage);
            if (!File.Exists(src)) throw new OpsException($"{item.From} {src}: no such file", ExitCodes.Usage);
            if (sameAsHost)
            {
                string real = host.Add(src) ?? throw new OpsException($"{item.From} {src}: no such file", ExitCodes.Usage);
                onFile?.Invoke(real, real);
            }
            else
            {
                string dest = item.Destination;
                if (dest.EndsWith('/')) dest += Path.GetFileName(src);
                image.AddHostFile(dest, src);
                onFile?.Invoke(Path.GetFullPath(src), dest);
            }
            return 1;
        }
        if (File.Exists(src)) throw new OpsException($"{item.From} {src}: is a file (use --file)", ExitCodes.Usage);
        if (!Directory.Exists(src)) throw new OpsException($"{item.From} {src}: no such directory", ExitCodes.Usage);
        return host.AddTree(src, sameAsHost ? null : item.Destination, onFile: onFile, packLinkTargets: true);
    }

    private static bool PathExists(string p) => File.Exists(p) || Directory.Exists(p);
}
