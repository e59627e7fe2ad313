using System.Text;

namespace Compat.Ops.Image;

/// <summary>
/// The minimal system files programs expect (user and group names, host name lookup, resolver,
/// NSS configuration) and the home and temporary directories. Each is added only when the image
/// does not already hold that path (the user's --file/--dir/config content wins).
/// </summary>
public static class EtcFiles
{
    /// <summary>The guest's host name (also /etc/hostname).</summary>
    public const string HostName = "compat";

    /// <summary>Default contents by path.</summary>
    public static IReadOnlyList<(string Path, string Contents)> Defaults(IReadOnlyList<string>? nameServers = null) =>
    [
        ("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
        ("/etc/group", "root:x:0:\n"),
        ("/etc/hosts", "127.0.0.1 localhost\n::1 localhost\n127.0.1.1 " + HostName + "\n"),
        ("/etc/resolv.conf", string.Concat((nameServers is { Count: > 0 } ns ? ns : ["10.0.2.3"]).Select(n => "nameserver " + n + "\n"))),
        ("/etc/nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n"),
        ("/etc/hostname", HostName + "\n"),
    ];

    /// <summary>Adds what is missing; returns how many files were added.</summary>
    public static int AddMissing(RootImage image, IReadOnlyList<string>? nameServers = null)
    {
        int added = 0;
        foreach (var (path, contents) in Defaults(nameServers))
        {
            if (image.Contains(path)) continue;
            image.AddFile(path, Encoding.UTF8.GetBytes(contents));
            added++;
        }
        if (!image.Contains("/root")) image.AddDirectory("/root", 0x1C0);     // 0700
        if (!image.Contains("/tmp")) image.AddDirectory("/tmp", 0x3FF);       // 01777 (the kernel sets it too)
        return added;
    }
}
