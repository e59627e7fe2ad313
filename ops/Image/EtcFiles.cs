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
        // The users and groups of a Debian base system: programs (nginx's "nobody") and test suites
        // (LTP looks up nobody, bin, daemon) expect them.
        ("/etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\n" +
            "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" +
            "bin:x:2:2:bin:/bin:/usr/sbin/nologin\n" +
            "sys:x:3:3:sys:/dev:/usr/sbin/nologin\n" +
            "sync:x:4:65534:sync:/bin:/bin/sync\n" +
            "games:x:5:60:games:/usr/games:/usr/sbin/nologin\n" +
            "man:x:6:12:man:/var/cache/man:/usr/sbin/nologin\n" +
            "lp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin\n" +
            "mail:x:8:8:mail:/var/mail:/usr/sbin/nologin\n" +
            "news:x:9:9:news:/var/spool/news:/usr/sbin/nologin\n" +
            "uucp:x:10:10:uucp:/var/spool/uucp:/usr/sbin/nologin\n" +
            "proxy:x:13:13:proxy:/bin:/usr/sbin/nologin\n" +
            "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n" +
            "backup:x:34:34:backup:/var/backups:/usr/sbin/nologin\n" +
            "list:x:38:38:Mailing List Manager:/var/list:/usr/sbin/nologin\n" +
            "irc:x:39:39:ircd:/run/ircd:/usr/sbin/nologin\n" +
            "_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n" +
            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"),
        ("/etc/group",
            "root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:\ntty:x:5:\ndisk:x:6:\nlp:x:7:\nmail:x:8:\n" +
            "news:x:9:\nuucp:x:10:\nman:x:12:\nproxy:x:13:\nkmem:x:15:\ndialout:x:20:\nfax:x:21:\nvoice:x:22:\n" +
            "cdrom:x:24:\nfloppy:x:25:\ntape:x:26:\nsudo:x:27:\naudio:x:29:\ndip:x:30:\nwww-data:x:33:\n" +
            "backup:x:34:\noperator:x:37:\nlist:x:38:\nirc:x:39:\nsrc:x:40:\nshadow:x:42:\nutmp:x:43:\n" +
            "video:x:44:\nsasl:x:45:\nplugdev:x:46:\nstaff:x:50:\ngames:x:60:\nusers:x:100:\nnogroup:x:65534:\n"),
        ("/etc/hosts", "127.0.0.1 localhost\n127.0.1.1 " + HostName + "\n\n" +
            "# The following lines are desirable for IPv6 capable hosts\n" +
            "::1 localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n"),
        ("/etc/resolv.conf", string.Concat((nameServers is { Count: > 0 } ns ? ns : ["10.0.2.3"]).Select(n => "nameserver " + n + "\n"))),
        ("/etc/nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n"),
        ("/etc/hostname", HostName + "\n"),
        ("/etc/host.conf", "multi on\n"),       // as Debian: nss_files returns every address of a name (::1 and 127.0.0.1 for localhost)
    ];

    /// <summary>
    /// The default passwd or group text plus the host's system entries (id below 1000) whose names
    /// it lacks, so a program configured for a service user (redis, memcache, postgres...) finds it.
    /// People's accounts (1000 and up) stay on the host.
    /// </summary>
    public static string WithHostSystemEntries(string defaults, string hostFile)
    {
        string host;
        try { host = File.ReadAllText(hostFile); }
        catch (IOException) { return defaults; }
        catch (UnauthorizedAccessException) { return defaults; }
        var names = new HashSet<string>(defaults.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(':')[0]));
        var sb = new StringBuilder(defaults);
        foreach (var line in host.Split('\n'))
        {
            var f = line.Split(':');
            if (f.Length < 4 || line.StartsWith('#') || !uint.TryParse(f[2], out uint id) || id >= 1000) continue;
            if (!names.Add(f[0])) continue;
            sb.Append(line).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Adds what is missing; returns how many files were added.</summary>
    public static int AddMissing(RootImage image, IReadOnlyList<string>? nameServers = null)
    {
        int added = 0;
        foreach (var (path, contents) in Defaults(nameServers))
        {
            if (image.Contains(path)) continue;
            string text = path is "/etc/passwd" or "/etc/group" ? WithHostSystemEntries(contents, path) : contents;
            image.AddFile(path, Encoding.UTF8.GetBytes(text));
            added++;
        }
        if (!image.Contains("/root")) image.AddDirectory("/root", 0x1C0);     // 0700
        if (!image.Contains("/tmp")) image.AddDirectory("/tmp", 0x3FF);       // 01777 (the kernel sets it too)
        return added;
    }
}
