namespace Compat.Ops.Image;

/// <summary>
/// <c>ops run /usr/bin/gdb ...</c>: what Debian's gdb reads besides its libraries. Its data
/// directory (<c>/usr/share/gdb</c>: the Python <c>gdb</c> module, syscall and signal tables),
/// glibc's iconv module list with the UTF-32 module (gdb converts every name it prints to UTF-32
/// and warns on each one otherwise), and <c>/bin/sh</c>, through which gdb starts the program
/// unless told <c>set startup-with-shell off</c>. The Python standard library comes with the
/// libpython gdb links (<see cref="PythonStdlib.Embeds"/>).
/// </summary>
public static class GdbSupport
{
    private const string Gconv = "/usr/lib/x86_64-linux-gnu/gconv";

    /// <summary>True when one of <paramref name="names"/> (the program as named, its real path...) is gdb.</summary>
    public static bool IsGdb(params string[] names) =>
        names.Any(n => Path.GetFileName(n) is "gdb" or "gdb-multiarch");

    /// <summary>The host files and directories gdb needs that exist here, as paths to pack.</summary>
    public static IEnumerable<UserPath> Paths()
    {
        if (Directory.Exists("/usr/share/gdb")) yield return new UserPath(UserPathKind.Directory, "/usr/share/gdb", null, "gdb data");
        foreach (var f in new[] { Gconv + "/gconv-modules", Gconv + "/gconv-modules.cache", Gconv + "/UTF-32.so", "/bin/sh" })
            if (File.Exists(f)) yield return new UserPath(UserPathKind.File, f, null, "gdb support");
    }
}
