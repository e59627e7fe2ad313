using System.Runtime.InteropServices;
using System.Text;
using Kernel;
using Kernel.Vfs;
using Xunit;

namespace Compat.Tests;

/// <summary>
/// The in-memory file system (kernel/vfs/portable) with host memory. FileSystem is static, so
/// every VFS test lives in this one collection (xunit runs a collection's tests one at a time).
/// </summary>
[Collection("Vfs")]
public unsafe class VfsTests : IDisposable
{
    private static readonly HashSet<nint> Live = new();
    private static long s_clock;
    private readonly List<nint> _archives = new();

    private static void* AllocZ(ulong n)
    {
        void* p = NativeMemory.AllocZeroed((nuint)n);
        lock (Live) Assert.True(Live.Add((nint)p));
        return p;
    }

    private static void FreeP(void* p)
    {
        lock (Live) Assert.True(Live.Remove((nint)p), "free of a pointer the VFS never allocated (double free?)");
        NativeMemory.Free(p);
    }

    private static long Clock() => ++s_clock * 1000;

    public VfsTests()
    {
        lock (Live) Live.Clear();
        VfsMemory.Alloc = &AllocZ;
        VfsMemory.Free = &FreeP;
        VfsMemory.FreeObject = null;
        FileSystem.Now = &Clock;
        FileSystem.Init();
    }

    public void Dispose()
    {
        foreach (nint a in _archives) NativeMemory.Free((void*)a);
    }

    private static int LiveCount { get { lock (Live) return Live.Count; } }

    // ------------------------------------------------------------------ helpers

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
    private static Inode Root => FileSystem.Root;

    private static int Resolve(string path, out Inode n, bool follow = true, Inode start = null) =>
        FileSystem.Resolve(start ?? Root, B(path), follow, out n);

    private static Inode Get(string path, bool follow = true, Inode start = null)
    {
        Assert.Equal(0, Resolve(path, out Inode n, follow, start));
        return n;
    }

    private static int Err(string path, bool follow = true, Inode start = null) => Resolve(path, out _, follow, start);

    /// <summary>Path-level helpers like the syscall layer will have: split with ResolveParent, then operate.</summary>
    private static int WithParent(string path, int op, Func<Inode, byte[], int> action)
    {
        byte[] p = B(path);
        int r = FileSystem.ResolveParent(Root, p, op, out Inode dir, out int s, out int l);
        if (r < 0) return r;
        return action(dir, p.AsSpan(s, l).ToArray());
    }

    private static int Mkdir(string path) => WithParent(path, PathOp.Create, (d, n) => FileSystem.Mkdir(d, n, 0x1ED, out _));
    private static int Create(string path) => WithParent(path, PathOp.Create, (d, n) => FileSystem.Create(d, n, 0x1A4, out _));
    private static int Unlink(string path) => WithParent(path, PathOp.Unlink, (d, n) => FileSystem.Unlink(d, n));
    private static int Rmdir(string path) => WithParent(path, PathOp.Rmdir, (d, n) => FileSystem.Rmdir(d, n));
    private static int Symlink(string target, string path) => WithParent(path, PathOp.Create, (d, n) => FileSystem.Symlink(d, n, B(target)));

    private static int Rename(string from, string to, uint flags = 0)
    {
        byte[] a = B(from), b = B(to);
        int r = FileSystem.ResolveParent(Root, a, PathOp.Rename, out Inode od, out int os, out int ol);
        if (r < 0) return r;
        r = FileSystem.ResolveParent(Root, b, PathOp.Rename, out Inode nd, out int ns, out int nl);
        if (r < 0) return r;
        return FileSystem.Rename(od, a.AsSpan(os, ol), nd, b.AsSpan(ns, nl), flags);
    }

    private static Inode CreateFile(string path, string content = null)
    {
        Assert.Equal(0, Create(path));
        Inode n = Get(path);
        if (content != null) Assert.Equal((long)content.Length, FileSystem.Write(n, 0, B(content)));
        return n;
    }

    private static byte[] ReadAll(Inode n)
    {
        var buf = new byte[n.Size];
        Assert.Equal(n.Size, FileSystem.Read(n, 0, buf));
        return buf;
    }

    private static string Text(Inode n) => Encoding.UTF8.GetString(ReadAll(n));

    private static string PathOf(Inode n)
    {
        var buf = new byte[4096];
        int r = FileSystem.GetPath(n, buf);
        Assert.True(r > 0, "GetPath failed: " + r);
        return Encoding.UTF8.GetString(buf, 0, r);
    }

    private static List<string> List(Inode dir)
    {
        var names = new List<string>();
        var name = new byte[256];
        long cookie = 0;
        int r;
        while ((r = FileSystem.ReadDir(dir, cookie, out long next, out Inode child, name, out int len)) == 1)
        {
            Assert.NotNull(child);
            names.Add(Encoding.UTF8.GetString(name, 0, len));
            cookie = next;
        }
        Assert.Equal(0, r);
        return names;
    }

    // A tiny cpio newc writer (the format ops packs and the kernel reads).
    private record struct CpioItem(string Name, uint Mode, byte[] Data, uint Uid = 0, uint Gid = 0, uint Mtime = 0);

    private static byte[] Newc(params CpioItem[] items)
    {
        var ms = new MemoryStream();
        uint ino = 1;
        void Pad() { while (ms.Length % 4 != 0) ms.WriteByte(0); }
        void Entry(string name, uint mode, byte[] data, uint uid, uint gid, uint mtime)
        {
            byte[] nb = B(name);
            var h = new StringBuilder("070701");
            foreach (uint f in new uint[] { ino++, mode, uid, gid, 1, mtime, (uint)data.Length, 0, 0, 0, 0, (uint)nb.Length + 1, 0 })
                h.Append(f.ToString("X8"));
            ms.Write(Encoding.ASCII.GetBytes(h.ToString()));
            ms.Write(nb);
            ms.WriteByte(0);
            Pad();
            ms.Write(data);
            Pad();
        }
        foreach (var it in items) Entry(it.Name, it.Mode, it.Data ?? Array.Empty<byte>(), it.Uid, it.Gid, it.Mtime);
        Entry("TRAILER!!!", 0, Array.Empty<byte>(), 0, 0, 0);
        return ms.ToArray();
    }

    private byte* Pin(byte[] archive)
    {
        byte* p = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, archive.Length));
        archive.CopyTo(new Span<byte>(p, archive.Length));
        _archives.Add((nint)p);
        return p;
    }

    private int Load(byte[] archive) => FileSystem.LoadCpio(Pin(archive), (ulong)archive.Length);

    private const uint Dir = Inode.S_IFDIR, Reg = Inode.S_IFREG, Lnk = Inode.S_IFLNK;

    // ------------------------------------------------------------------ initrd

    [Fact]
    public void LoadCpioBuildsTheTree()
    {
        byte[] archive = Newc(
            new(".", Dir | 0x1C0, null, Mtime: 7),
            new("bin", Dir | 0x1ED, null),
            new("bin/hello", Reg | 0x1ED, B("first"), Uid: 1000, Gid: 100, Mtime: 1700000000),
            new("./etc/passwd", Reg | 0x1A4, B("root:x:0:0::/root:/bin/sh\n")),   // parent not listed
            new("usr/lib/libc.so", Reg | 0x1A4, B("ELF")),
            new("lib", Lnk | 0x1FF, B("usr/lib")),
            new("bin/sh", Lnk | 0x1FF, B("/bin/hello")),
            new("bin/hello", Reg | 0x1C0, B("second!")),                          // replaces
            new("dev/null", Inode.S_IFCHR | 0x1B6, null),
            new("empty", Reg | 0x1A4, null),
            new("lib/libm.so", Reg | 0x1A4, B("M")));                              // through a symlink
        Assert.Equal(0, Load(archive));
        Assert.Equal(0, FileSystem.CpioSkipped);

        Assert.Equal(Dir | 0x1C0, Root.Mode);
        Assert.Equal(7L * 1000000000, Root.MtimeNs);
        Inode hello = Get("/bin/hello");
        Assert.Equal("second!", Text(hello));
        Assert.Equal(Reg | 0x1C0, hello.Mode);
        Assert.False(hello.DataOwned);
        Assert.Equal(1u, hello.Nlink);
        Inode passwd = Get("/etc/passwd");
        Assert.StartsWith("root:", Text(passwd));
        Assert.Equal(Dir | 0x1ED, Get("/etc").Mode);
        Assert.Equal("ELF", Text(Get("/lib/libc.so")));
        Assert.Equal("M", Text(Get("/usr/lib/libm.so")));
        Assert.Same(Get("/bin/hello"), Get("/bin/sh"));
        Assert.True(Get("/bin/sh", follow: false).IsSymlink);
        Assert.Equal(Inode.S_IFCHR | 0x1B6, Get("/dev/null").Mode);
        Assert.Equal(0L, Get("/empty").Size);
        Assert.Equal(new[] { ".", "..", "bin", "etc", "usr", "lib", "dev", "empty" }, List(Root));
        Assert.Equal(new[] { ".", "..", "sh", "hello" }, List(Get("/bin")));   // a replaced name is re-added
        Assert.Equal(2u + 4, Root.Nlink);   // bin etc usr dev

        // The first write copies the archive bytes into an owned buffer; the archive is untouched.
        byte[] before = new Span<byte>((byte*)_archives[0], archive.Length).ToArray();
        Assert.Equal(1L, FileSystem.Write(passwd, 0, B("R")));
        Assert.True(passwd.DataOwned);
        Assert.StartsWith("Root:", Text(passwd));
        Assert.Equal(before, new Span<byte>((byte*)_archives[0], archive.Length).ToArray());
    }

    [Fact]
    public void LoadCpioReplacesAcrossTypesAndRejectsGarbage()
    {
        Assert.Equal(0, Load(Newc(
            new("x/y/z", Reg | 0x1A4, B("deep")),
            new("x", Reg | 0x1A4, B("now a file")),          // replaces a whole subtree
            new("d", Reg | 0x1A4, B("f")),
            new("d", Dir | 0x1ED, null),                       // file replaced by a directory
            new("d/inner", Reg | 0x1A4, B("i")))));
        Assert.Equal("now a file", Text(Get("/x")));
        Assert.Equal(3u, Root.Nlink);                          // d is the only subdirectory now
        Assert.Equal("i", Text(Get("/d/inner")));

        byte[] bad = Newc(new CpioItem("ok", Reg | 0x1A4, B("fine")));
        bad[0] = (byte)'1';
        FileSystem.Init();
        Assert.Equal(-Errno.EINVAL, Load(bad));
        byte[] cut = Newc(new CpioItem("a", Reg | 0x1A4, B("aaaa")), new CpioItem("b", Reg | 0x1A4, B("bbbbbbbb")));
        Assert.Equal(-Errno.EINVAL, Load(cut.AsSpan(0, cut.Length - 130).ToArray()));
        Assert.Equal("aaaa", Text(Get("/a")));                 // entries before the damage are kept
    }

    // ------------------------------------------------------------------ resolution

    [Fact]
    public void ResolveHandlesDotsSlashesAndErrors()
    {
        Assert.Equal(0, Mkdir("/dir"));
        Assert.Equal(0, Mkdir("/dir/sub"));
        Inode file = CreateFile("/dir/file", "x");
        Inode dir = Get("/dir"), sub = Get("/dir/sub");

        Assert.Same(Root, Get("/"));
        Assert.Same(Root, Get("///"));
        Assert.Same(Root, Get("/.."));
        Assert.Same(Root, Get("/../../.."));
        Assert.Same(dir, Get("/dir/"));
        Assert.Same(sub, Get("//dir///sub//"));
        Assert.Same(dir, Get("/dir/sub/.."));
        Assert.Same(dir, Get("/dir/./sub/../."));
        Assert.Same(file, Get("/dir/sub/../file"));
        Assert.Same(file, Get("file", start: dir));
        Assert.Equal(0, Resolve("sub/..", out Inode n, start: dir)); Assert.Same(dir, n);
        Assert.Equal(0, Resolve(".", out n, start: sub)); Assert.Same(sub, n);
        Assert.Equal(0, Resolve("/dir", out n, start: file)); Assert.Same(dir, n);   // absolute ignores start

        Assert.Equal(-Errno.ENOENT, Err(""));
        Assert.Equal(-Errno.ENOENT, Err("/missing"));
        Assert.Equal(-Errno.ENOENT, Err("/missing/x"));
        Assert.Equal(-Errno.ENOENT, Err("/missing/"));
        Assert.Equal(-Errno.ENOTDIR, Err("/dir/file/x"));
        Assert.Equal(-Errno.ENOTDIR, Err("/dir/file/"));
        Assert.Equal(-Errno.ENOTDIR, Err("/dir/file/."));
        Assert.Equal(-Errno.ENOTDIR, Err("/dir/file/.."));
        Assert.Equal(-Errno.ENOTDIR, Err("x", start: file));
        Assert.Equal(-Errno.ENOTDIR, Err(".", start: file));

        string n255 = new string('a', 255), n256 = new string('a', 256);
        Assert.Equal(-Errno.ENOENT, Err("/" + n255));
        Assert.Equal(-Errno.ENAMETOOLONG, Err("/" + n256));
        Assert.Equal(-Errno.ENAMETOOLONG, Err("/dir/" + n256 + "/x"));
        Assert.Equal(-Errno.ENOENT, Err("/missing/" + n256));           // checked when looked up
        Assert.Equal(-Errno.ENOTDIR, Err("/dir/file/" + n256));
        string p4095 = "/dir" + string.Concat(Enumerable.Repeat("/.", (4095 - 4) / 2)) + "/";
        Assert.Equal(4095, p4095.Length);
        Assert.Same(dir, Get(p4095));
        Assert.Equal(-Errno.ENAMETOOLONG, Err(p4095 + "."));              // 4096 bytes
        Assert.Equal(-Errno.ENAMETOOLONG, Err(new string('/', 5000)));
    }

    [Fact]
    public void SymlinksAreFollowedLikeLinux()
    {
        Assert.Equal(0, Mkdir("/d"));
        Assert.Equal(0, Mkdir("/d/e"));
        Inode f = CreateFile("/d/e/f", "data");
        Assert.Equal(0, Symlink("/d/e", "/abs"));
        Assert.Equal(0, Symlink("e/f", "/d/rel"));
        Assert.Equal(0, Symlink("../e", "/d/e/up"));
        Assert.Equal(0, Symlink("/nowhere", "/dangling"));
        Assert.Equal(0, Symlink("/d/e/f", "/tofile"));
        Assert.Equal(0, Symlink("abs/", "/slash"));

        Assert.Same(f, Get("/abs/f"));
        Assert.Same(f, Get("/d/rel"));
        Assert.Same(f, Get("/d/e/up/up/up/f"));
        Assert.Same(Get("/d/e"), Get("/abs"));
        Assert.True(Get("/abs", follow: false).IsSymlink);
        Assert.Same(Get("/d/e"), Get("/abs/", follow: false));           // trailing slash follows
        Assert.Same(Get("/d/e"), Get("/slash"));
        Assert.Same(Get("/d"), Get("/abs/.."));                           // ".." of the target, not of the link
        Assert.Equal(-Errno.ENOENT, Err("/dangling"));
        Assert.True(Get("/dangling", follow: false).IsSymlink);
        Assert.Equal(-Errno.ENOENT, Err("/dangling/", follow: false));
        Assert.Equal(-Errno.ENOTDIR, Err("/tofile/"));
        Assert.Equal(-Errno.ENOTDIR, Err("/tofile/x"));
        Assert.Same(f, Get("/tofile"));

        var buf = new byte[64];
        Assert.Equal(4, FileSystem.ReadLink(Get("/d/e/up", false), buf));
        Assert.Equal("../e", Encoding.UTF8.GetString(buf, 0, 4));
        Assert.Equal(2, FileSystem.ReadLink(Get("/d/e/up", false), buf.AsSpan(0, 2)));   // truncated, no NUL
        Assert.Equal(-Errno.EINVAL, FileSystem.ReadLink(f, buf));
        Assert.Equal(4L, Get("/d/e/up", false).Size);
        Assert.Equal(Lnk | 0x1FF, Get("/abs", false).Mode);
        Assert.Equal(-Errno.ENOENT, Symlink("", "/empty"));
        Assert.Equal(-Errno.ENAMETOOLONG, Symlink(new string('x', 4096), "/long"));
        Assert.Equal(0, Symlink(new string('x', 4095), "/long"));
        Assert.Equal(-Errno.EEXIST, Symlink("x", "/abs"));
    }

    [Fact]
    public void SymlinkLoopsGiveEloop()
    {
        // A chain of 40 links resolves; 41 is one too many (Linux MAXSYMLINKS).
        CreateFile("/target", "t");
        Assert.Equal(0, Symlink("/target", "/l0"));
        for (int i = 1; i <= 40; i++) Assert.Equal(0, Symlink("l" + (i - 1), "/l" + i));
        Assert.Same(Get("/target"), Get("/l39"));
        Assert.Equal(-Errno.ELOOP, Err("/l40"));
        Assert.True(Get("/l40", follow: false).IsSymlink);              // the last link itself is fine

        Assert.Equal(0, Symlink("self", "/self"));
        Assert.Equal(0, Symlink("b", "/a"));
        Assert.Equal(0, Symlink("a", "/b"));
        Assert.Equal(0, Symlink("loopdir/x", "/loopdir"));
        Assert.Equal(-Errno.ELOOP, Err("/self"));
        Assert.Equal(-Errno.ELOOP, Err("/a"));
        Assert.Equal(-Errno.ELOOP, Err("/a/x"));
        Assert.Equal(-Errno.ELOOP, Err("/self/", follow: false));
        Assert.Equal(-Errno.ELOOP, Err("/loopdir"));
        Assert.True(Get("/self", follow: false).IsSymlink);
        Assert.Equal(-Errno.ELOOP, FileSystem.ResolveParent(Root, B("/a/new"), out _, out _, out _));
    }

    [Fact]
    public void ResolveParentReportsTheLastComponent()
    {
        Assert.Equal(0, Mkdir("/a"));
        CreateFile("/a/file");
        byte[] p = B("/a//name//");
        Assert.Equal(0, FileSystem.ResolveParent(Root, p, out Inode dir, out int s, out int l));
        Assert.Same(Get("/a"), dir);
        Assert.Equal("name", Encoding.UTF8.GetString(p, s, l));
        Assert.True(s + l < p.Length);                                  // trailing slash visible to the caller
        Assert.Equal(0, FileSystem.ResolveParent(Get("/a"), B("rel"), out dir, out s, out l));
        Assert.Same(Get("/a"), dir);
        Assert.Equal((0, 3), (s, l));

        int RP(string path, int op) => FileSystem.ResolveParent(Root, B(path), op, out _, out _, out _);
        Assert.Equal(-Errno.ENOENT, RP("", PathOp.Create));
        Assert.Equal(-Errno.ENOENT, RP("/missing/x", PathOp.Create));
        Assert.Equal(-Errno.ENOTDIR, RP("/a/file/x", PathOp.Create));
        Assert.Equal(-Errno.ENOTDIR, RP("/a/file/.", PathOp.Rmdir));
        Assert.Equal(-Errno.ENOTDIR, FileSystem.ResolveParent(Get("/a/file"), B("x"), out _, out _, out _));
        Assert.Equal(-Errno.ENAMETOOLONG, RP("/a/" + new string('n', 256), PathOp.Create));
        Assert.Equal(0, RP("/a/" + new string('n', 255), PathOp.Create));
        Assert.Equal(-Errno.ENAMETOOLONG, RP("/" + new string('n', 4095), PathOp.Create));

        foreach (string path in new[] { "/", "///", "/a/.", "/a/..", ".", ".." })
        {
            Assert.Equal(-Errno.EEXIST, RP(path, PathOp.Create));
            Assert.Equal(-Errno.EISDIR, RP(path, PathOp.OpenCreate));
            Assert.Equal(-Errno.EISDIR, RP(path, PathOp.Unlink));
            Assert.Equal(-Errno.EBUSY, RP(path, PathOp.Rename));
            Assert.Equal(0, RP(path, PathOp.Any));
        }
        Assert.Equal(-Errno.EBUSY, RP("/", PathOp.Rmdir));
        Assert.Equal(-Errno.EINVAL, RP("/a/.", PathOp.Rmdir));
        Assert.Equal(-Errno.EINVAL, RP("/a/./", PathOp.Rmdir));
        Assert.Equal(-Errno.ENOTEMPTY, RP("/a/..", PathOp.Rmdir));
        Assert.Equal(0, FileSystem.ResolveParent(Root, B("/"), PathOp.Any, out dir, out s, out l));
        Assert.Same(Root, dir);
        Assert.Equal(0, l);

        // The same answers from the operations given "." / ".." directly.
        Assert.Equal(-Errno.EEXIST, FileSystem.Mkdir(Root, B("."), 0x1ED, out _));
        Assert.Equal(-Errno.EEXIST, FileSystem.Create(Root, B(".."), 0x1A4, out _));
        Assert.Equal(-Errno.EISDIR, FileSystem.Unlink(Root, B(".")));
        Assert.Equal(-Errno.EINVAL, FileSystem.Rmdir(Root, B(".")));
        Assert.Equal(-Errno.ENOTEMPTY, FileSystem.Rmdir(Root, B("..")));
        Assert.Equal(-Errno.EBUSY, FileSystem.Rename(Root, B("a"), Root, B(".."), 0));
        Assert.Equal(-Errno.ENOENT, FileSystem.Create(Root, B(""), 0x1A4, out _));
    }

    // ------------------------------------------------------------------ data

    [Fact]
    public void CreateWriteReadTruncateWithSparseRegions()
    {
        Assert.Equal(0, FileSystem.Create(Root, B("f"), 0x81A4, out Inode f));
        Assert.Equal(Reg | 0x1A4, f.Mode);
        Assert.Equal(1u, f.Nlink);
        Assert.NotEqual(0UL, f.Ino);
        Assert.Equal(-Errno.EEXIST, FileSystem.Create(Root, B("f"), 0x1A4, out Inode existing));
        Assert.Same(f, existing);
        Assert.Equal(-Errno.EPERM, FileSystem.Create(Root, B("d"), Dir | 0x1ED, out _));
        Assert.Equal(-Errno.EINVAL, FileSystem.Create(Root, B("l"), Lnk | 0x1ED, out _));
        Assert.Equal(0, FileSystem.Create(Root, B("fifo"), Inode.S_IFIFO | 0x1A4, out Inode fifo));
        Assert.Equal(Inode.S_IFIFO | 0x1A4, fifo.Mode);
        Assert.Equal(-Errno.EINVAL, FileSystem.Read(fifo, 0, new byte[4]));

        var buf = new byte[20000];
        Assert.Equal(0L, FileSystem.Read(f, 0, buf));
        long t0 = f.MtimeNs;
        Assert.Equal(5L, FileSystem.Write(f, 0, B("hello")));
        Assert.True(f.MtimeNs > t0);
        Assert.Equal(5L, f.Size);
        Assert.Equal("hello", Text(f));
        Assert.Equal(3L, FileSystem.Read(f, 2, buf));
        Assert.Equal(0L, FileSystem.Read(f, 5, buf));
        Assert.Equal(0L, FileSystem.Read(f, 500, buf));
        Assert.Equal(2L, FileSystem.Read(f, 1, buf.AsSpan(0, 2)));
        Assert.Equal("el", Encoding.UTF8.GetString(buf, 0, 2));

        // Sparse write: the gap reads as zeros.
        Assert.Equal(3L, FileSystem.Write(f, 10000, B("end")));
        Assert.Equal(10003L, f.Size);
        byte[] all = ReadAll(f);
        Assert.Equal("hello", Encoding.UTF8.GetString(all, 0, 5));
        Assert.True(all.AsSpan(5, 9995).IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal("end", Encoding.UTF8.GetString(all, 10000, 3));

        // Shrink then grow: the bytes that came back are zeros, not the old contents.
        Assert.Equal(0, FileSystem.Truncate(f, 3));
        Assert.Equal(3L, f.Size);
        Assert.Equal(0, FileSystem.Truncate(f, 12));
        Assert.Equal(new byte[] { (byte)'h', (byte)'e', (byte)'l', 0, 0, 0, 0, 0, 0, 0, 0, 0 }, ReadAll(f));
        Assert.Equal(1L, FileSystem.Write(f, 20, B("z")));             // write past a truncate-grown end
        Assert.Equal(21L, f.Size);
        Assert.Equal(new byte[] { (byte)'h', (byte)'e', (byte)'l', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)'z' }, ReadAll(f));

        // Growing by truncate allocates nothing; reading the tail gives zeros.
        Assert.Equal(0, FileSystem.Truncate(f, 1L << 40));
        Assert.Equal(1L << 40, f.Size);
        Assert.Equal(100L, FileSystem.Read(f, (1L << 40) - 100, buf.AsSpan(0, 100)));
        Assert.True(buf.AsSpan(0, 100).IndexOfAnyExcept((byte)0) < 0);
        Assert.True(f.Capacity < 1 << 20);

        int before = LiveCount;
        Assert.Equal(0, FileSystem.Truncate(f, 0));
        Assert.Equal(before - 1, LiveCount);                            // the buffer was freed
        Assert.True(f.Data == null);
        Assert.Equal(0L, FileSystem.Read(f, 0, buf));
        Assert.Equal(2L, FileSystem.Write(f, 0, B("ok")));
        Assert.Equal("ok", Text(f));

        Assert.Equal(-Errno.EINVAL, FileSystem.Truncate(f, -1));
        Assert.Equal(-Errno.EINVAL, FileSystem.Read(f, -1, buf));
        Assert.Equal(-Errno.EINVAL, FileSystem.Write(f, -1, B("x")));
        Assert.Equal(-Errno.EFBIG, FileSystem.Write(f, long.MaxValue - 1, B("xx")));
        Assert.Equal(0L, FileSystem.Write(f, 5, ReadOnlySpan<byte>.Empty));
        Assert.Equal(2L, f.Size);
        Assert.Equal(0, FileSystem.Mkdir(Root, B("d"), 0x1ED, out Inode d));
        Assert.Equal(-Errno.EISDIR, FileSystem.Read(d, 0, buf));
        Assert.Equal(-Errno.EISDIR, FileSystem.Write(d, 0, B("x")));
        Assert.Equal(-Errno.EISDIR, FileSystem.Truncate(d, 0));
        Assert.Equal(0, FileSystem.Symlink(Root, B("s"), B("f")));
        Assert.Equal(-Errno.EINVAL, FileSystem.Truncate(Get("/s", false), 0));
        Assert.Equal(-Errno.EINVAL, FileSystem.Write(Get("/s", false), 0, B("x")));
    }

    [Fact]
    public void RandomWritesMatchAByteArray()
    {
        var rng = new Random(77);
        Inode f = CreateFile("/r");
        var model = new List<byte>();
        for (int step = 0; step < 3000; step++)
        {
            int op = rng.Next(10);
            if (op < 6)
            {
                int off = rng.Next(model.Count + 300);
                var data = new byte[rng.Next(1, 700)];
                rng.NextBytes(data);
                Assert.Equal((long)data.Length, FileSystem.Write(f, off, data));
                while (model.Count < off + data.Length) model.Add(0);
                for (int i = 0; i < data.Length; i++) model[off + i] = data[i];
            }
            else if (op < 9)
            {
                int size = rng.Next(model.Count + 500);
                Assert.Equal(0, FileSystem.Truncate(f, size));
                while (model.Count < size) model.Add(0);
                if (model.Count > size) model.RemoveRange(size, model.Count - size);
            }
            else
            {
                int off = rng.Next(model.Count + 10), len = rng.Next(2000);
                var buf = new byte[len];
                long expect = Math.Max(0, Math.Min(len, model.Count - off));
                Assert.Equal(expect, FileSystem.Read(f, off, buf));
                for (int i = 0; i < expect; i++) Assert.Equal(model[off + i], buf[i]);
            }
            Assert.Equal((long)model.Count, f.Size);
        }
        Assert.Equal(model.ToArray(), ReadAll(f));
    }

    // ------------------------------------------------------------------ chunked contents

    private const long Chunk = FileSystem.ChunkSize;

    private static byte[] Pattern(long length, int seed)
    {
        var b = new byte[length];
        for (long i = 0; i < length; i++) b[i] = (byte)(i * 31 + seed + (i >> 8));
        return b;
    }

    private static long LiveChunks(Inode f)
    {
        long n = 0;
        for (long i = 0; i < f.ChunkSlots; i++) if (f.Chunks[i] != null) n++;
        return n;
    }

    [Fact]
    public void SmallFilesStayContiguousAndLargeOnesBecomeChunks()
    {
        Inode f = CreateFile("/f");
        byte[] a = Pattern(Chunk, 1);
        Assert.Equal(Chunk, FileSystem.Write(f, 0, a));                 // exactly one chunk: still one buffer
        Assert.True(f.Chunks == null && f.DataOwned && f.Capacity == Chunk);
        byte* first = f.Data;
        Assert.Equal(1L, FileSystem.Write(f, Chunk, B("x")));          // one byte more: chunks
        Assert.True(f.Chunks != null && f.Data == null && !f.DataOwned);
        Assert.True(f.Chunks[0] == first);                             // the full buffer became chunk 0 as is
        Assert.Equal(2L, LiveChunks(f));
        byte[] all = ReadAll(f);
        Assert.Equal(a, all.AsSpan(0, (int)Chunk).ToArray());
        Assert.Equal((byte)'x', all[Chunk]);

        // A small buffer that has not reached a chunk's size is copied into chunk 0.
        Inode g = CreateFile("/g", "small");
        Assert.Equal(3L, FileSystem.Write(g, 3 * Chunk + 5, B("far")));
        Assert.Equal(2L, LiveChunks(g));                               // chunk 0 and chunk 3; 1 and 2 are holes
        Assert.Equal(3 * Chunk + 8, g.Size);
        byte[] gb = ReadAll(g);
        Assert.Equal("small", Encoding.UTF8.GetString(gb, 0, 5));
        Assert.True(gb.AsSpan(5, (int)(3 * Chunk)).IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal("far", Encoding.UTF8.GetString(gb, (int)(3 * Chunk + 5), 3));

        Assert.Equal(0, Unlink("/f"));
        Assert.Equal(0, Unlink("/g"));
        Assert.Equal(0, LiveCount);                                     // chunks and tables freed
    }

    [Fact]
    public void LargeSparseFileAllocatesOnlyWhatIsWritten()
    {
        Inode f = CreateFile("/sparse");
        const long GiB = 1L << 30;
        Assert.Equal(5L, FileSystem.Write(f, GiB, B("hello")));
        Assert.Equal(GiB + 5, f.Size);
        Assert.Equal(1L, LiveChunks(f));
        Assert.True(f.ChunkSlots * 8 < 256 * 1024);                    // the table: 8 bytes a chunk of offset
        Assert.Equal(3, LiveCount);                                     // name, table, one chunk

        var buf = new byte[3 * Chunk];
        Array.Fill(buf, (byte)0xEE);
        Assert.Equal(2 * Chunk + 12, FileSystem.Read(f, GiB - 2 * Chunk - 7, buf));   // holes read as zeros, up to Size
        Assert.True(buf.AsSpan(0, (int)(2 * Chunk + 7)).IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal("hello", Encoding.UTF8.GetString(buf, (int)(2 * Chunk + 7), 5));
        Assert.Equal(5L, FileSystem.Read(f, GiB, buf));
        Assert.Equal(0L, FileSystem.Read(f, GiB + 5, buf));
        Assert.Equal(0L, FileSystem.Read(f, 0, buf) - buf.Length);
        Assert.True(buf.AsSpan().IndexOfAnyExcept((byte)0) < 0);

        // Truncating up past the table allocates nothing; reads there are zeros.
        Assert.Equal(0, FileSystem.Truncate(f, 1L << 40));
        Assert.Equal(3, LiveCount);
        Assert.Equal(100L, FileSystem.Read(f, (1L << 40) - 100, buf.AsSpan(0, 100)));
        Assert.True(buf.AsSpan(0, 100).IndexOfAnyExcept((byte)0) < 0);
        // ... and down to below the written chunk frees it.
        Assert.Equal(0, FileSystem.Truncate(f, GiB));
        Assert.Equal(0L, LiveChunks(f));
        Assert.Equal(0, FileSystem.Truncate(f, GiB + 5));
        Assert.Equal(5L, FileSystem.Read(f, GiB, buf));
        Assert.True(buf.AsSpan(0, 5).IndexOfAnyExcept((byte)0) < 0);   // the old bytes did not come back
        Assert.Equal(0, Unlink("/sparse"));
        Assert.Equal(0, LiveCount);
    }

    private static string Names(Inode n)
    {
        var buf = new byte[1024];
        int len = FileSystem.ListXattrs(n, buf);
        Assert.True(len >= 0);
        return Encoding.UTF8.GetString(buf, 0, len).Replace('\0', ' ');
    }

    [Fact]
    public void XattrsAreKeptPerNodeInTmpfsOrderAndFreedWithIt()
    {
        int baseline = LiveCount;
        Inode f = CreateFile("/x", "data");
        Assert.Equal(0, FileSystem.ListXattrs(f, default));
        Assert.Equal(-Errno.ENODATA, FileSystem.GetXattr(f, B("user.a"), new byte[8]));
        Assert.Equal(0, FileSystem.SetXattr(f, B("user.a"), B("v1"), 0));
        Assert.Equal(0, FileSystem.SetXattr(f, B("trusted.t"), B(""), FileSystem.XATTR_CREATE));
        Assert.Equal(0, FileSystem.SetXattr(f, B("user.b"), B("bee"), 0));
        Assert.Equal("user.b user.a trusted.t ", Names(f));                 // descending, as tmpfs lists them
        Assert.Equal(-Errno.EEXIST, FileSystem.SetXattr(f, B("user.a"), B("x"), FileSystem.XATTR_CREATE));
        Assert.Equal(-Errno.ENODATA, FileSystem.SetXattr(f, B("user.c"), B("x"), FileSystem.XATTR_REPLACE));
        Assert.Equal(0, FileSystem.SetXattr(f, B("user.a"), B("longer value"), FileSystem.XATTR_REPLACE));
        var buf = new byte[64];
        Assert.Equal(12, FileSystem.GetXattr(f, B("user.a"), default));     // a size query
        Assert.Equal(-Errno.ERANGE, FileSystem.GetXattr(f, B("user.a"), new byte[11]));
        Assert.Equal(12, FileSystem.GetXattr(f, B("user.a"), buf));
        Assert.Equal("longer value", Encoding.UTF8.GetString(buf, 0, 12));
        Assert.Equal(0, FileSystem.GetXattr(f, B("trusted.t"), buf));
        Assert.Equal(-Errno.ERANGE, FileSystem.ListXattrs(f, new byte[5]));
        Assert.Equal(-Errno.ENODATA, FileSystem.GetXattr(f, B("user."), buf));   // a prefix is not a name
        Assert.Equal(0, FileSystem.RemoveXattr(f, B("user.b")));
        Assert.Equal(-Errno.ENODATA, FileSystem.RemoveXattr(f, B("user.b")));
        Assert.Equal("user.a trusted.t ", Names(f));

        // Hard links and renames keep them (they belong to the node); the node's death frees them.
        Assert.Equal(0, FileSystem.Link(f, Root, B("y")));
        Assert.Equal(0, Rename("/y", "/z"));
        Assert.Equal(12, FileSystem.GetXattr(Get("/z"), B("user.a"), buf));
        Assert.Equal(0, Unlink("/x"));
        Assert.Equal(0, Unlink("/z"));
        Assert.Equal(baseline, LiveCount);

        // Removing the last one frees the buffer; so does rmdir.
        Assert.Equal(0, Mkdir("/d"));
        Inode d = Get("/d");
        int withDir = LiveCount;
        Assert.Equal(0, FileSystem.SetXattr(d, B("user.d"), new byte[FileSystem.XattrSizeMax], 0));
        Assert.Equal(0, FileSystem.RemoveXattr(d, B("user.d")));
        Assert.Equal(withDir, LiveCount);
        Assert.Equal(0, FileSystem.SetXattr(d, B("user.d"), B("x"), 0));
        Assert.Equal(0, Rmdir("/d"));
        Assert.Equal(baseline, LiveCount);
    }

    [Fact]
    public void PunchHoleZeroesAndFreesWholeChunks()
    {
        Inode f = CreateFile("/p");
        var data = new byte[4 * Chunk];
        new Random(7).NextBytes(data);
        Assert.Equal(data.Length, FileSystem.Write(f, 0, data));
        Assert.Equal(4L, LiveChunks(f));
        Assert.Equal(0, FileSystem.PunchHole(f, Chunk - 10, Chunk + 20));   // all of chunk 1, the edges of 0 and 2
        Array.Clear(data, (int)Chunk - 10, (int)Chunk + 20);
        Assert.Equal(3L, LiveChunks(f));
        Assert.Equal(4 * Chunk, f.Size);
        Assert.Equal(data, ReadAll(f));
        Assert.Equal(Chunk, FileSystem.SeekData(f, 0, true));
        Assert.Equal(2 * Chunk, FileSystem.SeekData(f, Chunk, false));
        Assert.Equal(0, FileSystem.PunchHole(f, 3 * Chunk, 100 * Chunk));   // past the end: the size stays
        Assert.Equal(4 * Chunk, f.Size);
        Assert.Equal(2L, LiveChunks(f));
        Assert.Equal(3 * Chunk, FileSystem.SeekData(f, 2 * Chunk, true));
        Assert.Equal(-Errno.ENXIO, FileSystem.SeekData(f, 3 * Chunk, false));
        Assert.Equal(-Errno.ENXIO, FileSystem.SeekData(f, 4 * Chunk, true));
        Array.Clear(data, (int)(3 * Chunk), (int)Chunk);
        Assert.Equal(data, ReadAll(f));
        Assert.Equal(0, FileSystem.PunchHole(f, 5 * Chunk, 10));            // wholly past the end: nothing
        Assert.Equal(0, Unlink("/p"));

        // A small contiguous file: partly zeroed, or freed when the hole covers what is stored.
        Inode s = CreateFile("/s", "0123456789");
        Assert.Equal(0, FileSystem.PunchHole(s, 2, 3));
        Assert.Equal("01\0\0\056789", Text(s));
        Assert.Equal(0, FileSystem.PunchHole(s, 0, 100));
        Assert.True(s.Data == null);
        Assert.Equal(10L, s.Size);
        Assert.Equal("\0\0\0\0\0\0\0\0\0\0", Text(s));
        Assert.Equal(0L, FileSystem.SeekData(s, 0, true));
        Assert.Equal(0, Unlink("/s"));
        Assert.Equal(0, LiveCount);
    }

    [Fact]
    public void GrowthThroughManyWritesKeepsEveryByte()
    {
        Inode f = CreateFile("/grow");
        const long total = 40 * Chunk + 12345;
        byte[] data = Pattern(total, 7);
        long off = 0;
        int step = 0;
        while (off < total)
        {
            int n = (int)Math.Min(total - off, 1 + (step++ * 7919) % 9000);   // odd sizes across boundaries
            long t0 = f.MtimeNs;
            Assert.Equal(n, FileSystem.Write(f, off, data.AsSpan((int)off, n)));
            Assert.True(f.MtimeNs > t0 && f.CtimeNs == f.MtimeNs);
            off += n;
            Assert.Equal(off, f.Size);
        }
        Assert.Equal(data, ReadAll(f));
        Assert.Equal(41L, LiveChunks(f));
        Assert.True(f.ChunkSlots >= 41 && f.ChunkSlots <= 2 * 41 + 4);  // the table grows geometrically
        // Reads of every alignment around a boundary.
        var buf = new byte[300];
        for (long at = 5 * Chunk - 300; at <= 5 * Chunk + 10; at += 37)
        {
            Assert.Equal(300L, FileSystem.Read(f, at, buf));
            Assert.Equal(data.AsSpan((int)at, 300).ToArray(), buf);
        }
        Assert.Equal(0, Unlink("/grow"));
        Assert.Equal(0, LiveCount);
    }

    [Fact]
    public void TruncateAndOverwriteAcrossChunkBoundaries()
    {
        Inode f = CreateFile("/t");
        byte[] data = Pattern(6 * Chunk, 3);
        Assert.Equal(data.Length, FileSystem.Write(f, 0, data));
        Assert.Equal(6L, LiveChunks(f));

        // Down into the middle of chunk 2: chunks 3..5 go, chunk 2's tail is zeroed.
        long cut = 2 * Chunk + 100;
        Assert.Equal(0, FileSystem.Truncate(f, cut));
        Assert.Equal(3L, LiveChunks(f));
        Assert.Equal(data.AsSpan(0, (int)cut).ToArray(), ReadAll(f));
        // Up again across two chunk boundaries: zeros, no allocation.
        Assert.Equal(0, FileSystem.Truncate(f, 4 * Chunk + 1));
        Assert.Equal(3L, LiveChunks(f));
        byte[] all = ReadAll(f);
        Assert.Equal(data.AsSpan(0, (int)cut).ToArray(), all.AsSpan(0, (int)cut).ToArray());
        Assert.True(all.AsSpan((int)cut).IndexOfAnyExcept((byte)0) < 0);
        // Exactly on a boundary: no partial chunk to zero.
        Assert.Equal(0, FileSystem.Truncate(f, 2 * Chunk));
        Assert.Equal(2L, LiveChunks(f));
        Assert.Equal(0, FileSystem.Truncate(f, 2 * Chunk + 10));
        all = ReadAll(f);
        Assert.True(all.AsSpan((int)(2 * Chunk)).IndexOfAnyExcept((byte)0) < 0);

        // A write spanning three chunks, the middle one a hole.
        Assert.Equal(0, FileSystem.Truncate(f, 5 * Chunk));
        byte[] over = Pattern(Chunk + 50, 99);                         // chunk 1's tail, hole 2, chunk 3's head
        long at = Chunk + (Chunk - 25);
        Assert.Equal(over.Length, FileSystem.Write(f, at, over));
        byte[] expect = new byte[5 * Chunk];
        data.AsSpan(0, (int)(2 * Chunk)).CopyTo(expect);
        over.CopyTo(expect, at);
        Assert.Equal(expect, ReadAll(f));
        Assert.Equal(4L, LiveChunks(f));                               // chunk 4 is still a hole

        long before = f.MtimeNs;
        Assert.Equal(0, FileSystem.Truncate(f, 0));                     // everything, table included
        Assert.True(f.Chunks == null && f.ChunkSlots == 0 && f.MtimeNs > before);
        Assert.Equal(1, LiveCount);                                     // the name
        Assert.Equal(2L, FileSystem.Write(f, 0, B("ok")));
        Assert.Equal("ok", Text(f));
    }

    [Fact]
    public void FirstWriteToAnArchiveFileBeyondAChunkCopiesItIntoChunks()
    {
        byte[] big = Pattern(3 * Chunk + 77, 5);
        byte[] archive = Newc(new CpioItem("big", Reg | 0x1ED, big));
        Assert.Equal(0, Load(archive));
        Inode f = Get("/big");
        Assert.False(f.DataOwned);
        byte* view = FileSystem.Contiguous(f, out byte* copy);
        Assert.True(copy == null && view == f.Data);                   // the archive's bytes, no copy
        byte[] pristine = new Span<byte>((byte*)_archives[0], archive.Length).ToArray();
        Assert.Equal(2L, FileSystem.Write(f, 10, B("zz")));             // inside chunk 0, but the file is larger
        Assert.True(f.Chunks != null && f.Data == null);
        big[10] = big[11] = (byte)'z';
        Assert.Equal(big, ReadAll(f));
        Assert.Equal(pristine, new Span<byte>((byte*)_archives[0], archive.Length).ToArray());   // the archive is untouched

        // A chunked file reads back through a contiguous copy (what exec does).
        view = FileSystem.Contiguous(f, out copy);
        Assert.True(copy != null && view == copy);
        Assert.Equal(big, new Span<byte>(view, big.Length).ToArray());
        FileSystem.FreeContiguous(copy);
        Assert.Equal(0, Unlink("/big"));
        Assert.Equal(0, LiveCount);
    }

    [Fact]
    public void ChunkedWritesMatchAByteArray()
    {
        var rng = new Random(2024);
        Inode f = CreateFile("/m");
        byte[] model = Array.Empty<byte>();
        for (int step = 0; step < 600; step++)
        {
            int op = rng.Next(10);
            if (op < 6)
            {
                int off = rng.Next((int)Math.Min(model.Length + 2 * Chunk, 12 * Chunk));
                var data = new byte[rng.Next(1, op == 0 ? (int)(2 * Chunk + 100) : 3000)];
                rng.NextBytes(data);
                Assert.Equal((long)data.Length, FileSystem.Write(f, off, data));
                if (model.Length < off + data.Length) Array.Resize(ref model, off + data.Length);
                data.CopyTo(model, off);
            }
            else if (op < 8)
            {
                int size = rng.Next(model.Length + (int)Chunk);
                if (rng.Next(4) == 0) size = (int)(Chunk * rng.Next(6));
                Assert.Equal(0, FileSystem.Truncate(f, size));
                Array.Resize(ref model, size);
            }
            else
            {
                int off = rng.Next(model.Length + 10), len = rng.Next((int)(2 * Chunk));
                var buf = new byte[len];
                long expect = Math.Max(0, Math.Min(len, model.Length - off));
                Assert.Equal(expect, FileSystem.Read(f, off, buf));
                Assert.True(model.AsSpan(Math.Min(off, model.Length), (int)expect).SequenceEqual(buf.AsSpan(0, (int)expect)), $"step {step}");
            }
            Assert.Equal((long)model.Length, f.Size);
        }
        Assert.Equal(model, ReadAll(f));
        Assert.Equal(0, Unlink("/m"));
        Assert.Equal(0, LiveCount);
    }

    [Fact]
    public void ChunkAllocationFailureIsEnospcNotACrash()
    {
        Inode f = CreateFile("/full");
        Assert.Equal(Chunk, FileSystem.Write(f, 0, Pattern(Chunk, 1)));
        s_failAfter = 0;                                                // every allocation fails from here
        VfsMemory.Alloc = &FailingAlloc;
        try
        {
            Assert.Equal(-Errno.ENOSPC, FileSystem.Write(f, Chunk, B("x")));    // the table cannot be made
            Assert.True(f.Chunks == null && f.Capacity == Chunk);                   // unchanged
            Assert.Equal(Chunk, f.Size);
            s_failAfter = 2;                                            // table and one chunk, then nothing
            Assert.Equal(Chunk, FileSystem.Write(f, 2 * Chunk - 10, Pattern(Chunk, 2)) + Chunk - 10);   // a short write
            Assert.Equal(2 * Chunk, f.Size);
            Assert.Equal(-Errno.ENOSPC, FileSystem.Write(f, 5 * Chunk, B("y")));   // nothing at all: ENOSPC
            Assert.Equal(2 * Chunk, f.Size);
        }
        finally { VfsMemory.Alloc = &AllocZ; }
        Assert.Equal(0, Unlink("/full"));
        Assert.Equal(0, LiveCount);
    }

    private static int s_failAfter;

    private static void* FailingAlloc(ulong n) => s_failAfter-- > 0 ? AllocZ(n) : null;

    [Fact]
    public void RemovedDirectoryKeepsItsNameWhileAChildIsOpen()
    {
        int baseline = LiveCount;
        Assert.Equal(0, Mkdir("/gone"));
        Inode d = Get("/gone");
        Inode f = CreateFile("/gone/f", "x");
        f.OpenRef();
        Assert.Equal(1, d.Children);
        Assert.Equal(0, Unlink("/gone/f"));
        Assert.Equal(0, Rmdir("/gone"));
        var path = new byte[100];
        int pl = FileSystem.GetPath(f, path, deleted: true);                   // Linux: the dentries keep their names
        Assert.Equal("/gone/f (deleted)", System.Text.Encoding.ASCII.GetString(path, 0, pl));
        Assert.Equal(-Errno.ENOENT, FileSystem.GetPath(f, path));              // getcwd-style: no path
        f.CloseRef();                                                          // the file lets go of the directory, which goes too
        Assert.Equal(0, d.Children);
        Assert.Null(f.Parent);
        Assert.Equal(baseline, LiveCount);
    }

    [Fact]
    public void UnlinkWhileOpenKeepsTheDataUntilClose()
    {
        int baseline = LiveCount;
        Inode f = CreateFile("/tmpfile", "still here");
        f.OpenRef();
        Assert.Equal(0, Unlink("/tmpfile"));
        Assert.Equal(-Errno.ENOENT, Err("/tmpfile"));
        Assert.Equal(0u, f.Nlink);
        Assert.Equal("still here", Text(f));
        Assert.Equal(4L, FileSystem.Write(f, 0, B("STIL")));
        Assert.Equal("STILl here", Text(f));
        Assert.Equal(-Errno.ENOENT, FileSystem.GetPath(f, new byte[100]));
        var path = new byte[100];
        int pl = FileSystem.GetPath(f, path, deleted: true);                   // readlink of its descriptor
        Assert.Equal("/tmpfile (deleted)", System.Text.Encoding.ASCII.GetString(path, 0, pl));
        Assert.Equal(-Errno.ENOENT, FileSystem.Link(f, Root, B("relink")));   // no linkat of a deleted file
        Assert.Equal(baseline + 2, LiveCount);                                 // the data buffer and the name it had
        f.CloseRef();
        Assert.Equal(baseline, LiveCount);
        Assert.True(f.Data == null);

        Assert.Equal(-Errno.ENOENT, Unlink("/tmpfile"));
        Assert.Equal(0, Mkdir("/dir"));
        Assert.Equal(-Errno.EISDIR, Unlink("/dir"));
        Assert.Equal(-Errno.ENOTDIR, FileSystem.Unlink(CreateFile("/plain"), B("x")));
        Assert.Equal(-Errno.ENAMETOOLONG, Unlink("/" + new string('q', 256)));

        // Hard links share the node; the data lives until the last name goes.
        Inode a = CreateFile("/dir/a", "shared");
        Assert.Equal(0, FileSystem.Link(a, Root, B("b")));
        Assert.Equal(2u, a.Nlink);
        Assert.Same(a, Get("/b"));
        Assert.Equal(-Errno.EEXIST, FileSystem.Link(a, Root, B("b")));
        Assert.Equal(-Errno.EPERM, FileSystem.Link(Get("/dir"), Root, B("dirlink")));
        Assert.Equal(-Errno.EEXIST, FileSystem.Link(Get("/dir"), Root, B("b")));   // EEXIST is checked first
        Assert.Equal(0, Unlink("/dir/a"));
        Assert.Equal(1u, a.Nlink);
        Assert.Equal("shared", Text(Get("/b")));
        int withA = LiveCount;
        Assert.Equal(0, Unlink("/b"));
        Assert.True(LiveCount < withA);
    }

    [Fact]
    public void RmdirRules()
    {
        Assert.Equal(0, Mkdir("/p"));
        Assert.Equal(3u, Root.Nlink);
        Assert.Equal(0, Mkdir("/p/c"));
        Assert.Equal(3u, Get("/p").Nlink);
        CreateFile("/p/file");
        Assert.Equal(-Errno.ENOTEMPTY, Rmdir("/p"));
        Assert.Equal(-Errno.ENOTDIR, Rmdir("/p/file"));
        Assert.Equal(-Errno.ENOENT, Rmdir("/p/none"));
        Assert.Equal(-Errno.EINVAL, Rmdir("/p/c/."));
        Assert.Equal(-Errno.ENOTEMPTY, Rmdir("/p/c/.."));
        Assert.Equal(-Errno.EBUSY, Rmdir("/"));
        Assert.Equal(-Errno.EEXIST, Mkdir("/p/c"));
        Assert.Equal(-Errno.EEXIST, Mkdir("/p/file"));
        Assert.Equal(0, Mkdir("/p/trailing/"));
        Assert.Equal(0, Rmdir("/p/trailing//"));

        Inode c = Get("/p/c");
        c.OpenRef();                                                   // e.g. the cwd
        Assert.Equal(0, Rmdir("/p/c"));
        Assert.Equal(2u, Get("/p").Nlink);
        Assert.Equal(0u, c.Nlink);
        Assert.Equal(-Errno.ENOENT, FileSystem.Create(c, B("x"), 0x1A4, out _));   // can't populate a removed dir
        Assert.Equal(-Errno.ENOENT, FileSystem.Mkdir(c, B("x"), 0x1ED, out _));
        Assert.Equal(-Errno.ENOENT, FileSystem.ReadDir(c, 0, out _, out _, new byte[256], out _));
        Assert.Equal(-Errno.ENOENT, FileSystem.GetPath(c, new byte[256]));
        Assert.Equal(0, Resolve("..", out Inode up, start: c));
        Assert.Same(Get("/p"), up);
        Assert.Equal(-Errno.ENOENT, Rename("/p/file", "/p/c/file"));
        Assert.Equal(-Errno.ENOENT, FileSystem.Rename(Get("/p"), B("file"), c, B("file"), 0));
        c.CloseRef();
        Assert.Equal(0, Unlink("/p/file"));
        Assert.Equal(0, Rmdir("/p/"));
        Assert.Equal(2u, Root.Nlink);
        Assert.Equal(0, LiveCount);                                     // every name and buffer freed
    }

    // ------------------------------------------------------------------ rename

    [Fact]
    public void RenameMatrix()
    {
        Inode f1 = CreateFile("/f1", "one");
        Inode f2 = CreateFile("/f2", "two");
        Assert.Equal(0, Mkdir("/d1"));
        Assert.Equal(0, Mkdir("/d2"));
        Assert.Equal(0, Mkdir("/full"));
        CreateFile("/full/x", "x");
        Assert.Equal(0, Mkdir("/d1/sub"));
        Assert.Equal(0, Mkdir("/d1/sub/deeper"));

        // file over file: the old target is released, the name keeps its place.
        int live = LiveCount;
        Assert.Equal(0, Rename("/f1", "/f2"));
        Assert.Equal(-Errno.ENOENT, Err("/f1"));
        Assert.Same(f1, Get("/f2"));
        Assert.Equal(0u, f2.Nlink);
        Assert.True(f2.Data == null);
        Assert.Equal(live - 2, LiveCount);                              // f2's buffer and f1's old name
        Assert.Equal("/f2", PathOf(f1));

        // type mismatches and non-empty targets.
        Assert.Equal(-Errno.EISDIR, Rename("/f2", "/d2"));
        Assert.Equal(-Errno.ENOTDIR, Rename("/d2", "/f2"));
        Assert.Equal(-Errno.ENOTEMPTY, Rename("/d2", "/full"));
        Assert.Equal(-Errno.ENOENT, Rename("/none", "/x"));
        Assert.Equal(-Errno.ENOENT, Rename("/f2", "/none/x"));
        Assert.Equal(-Errno.ENOTDIR, Rename("/f2", "/f2/x"));
        Assert.Equal(-Errno.EBUSY, Rename("/f2", "/d2/."));
        Assert.Equal(-Errno.EBUSY, Rename("/", "/d2/x"));

        // dir over empty dir: link counts follow.
        Inode d1 = Get("/d1"), d2 = Get("/d2");
        uint rootLinks = Root.Nlink;
        Assert.Equal(0, Rename("/d1", "/d2"));
        Assert.Same(d1, Get("/d2"));
        Assert.Equal(0u, d2.Nlink);
        Assert.Equal(rootLinks - 1, Root.Nlink);
        Assert.Equal("/d2/sub/deeper", PathOf(Get("/d2/sub/deeper")));

        // into its own subtree / onto an ancestor.
        Assert.Equal(-Errno.EINVAL, Rename("/d2", "/d2/sub/new"));
        Assert.Equal(-Errno.EINVAL, Rename("/d2", "/d2/sub/deeper/new"));
        Assert.Equal(-Errno.EINVAL, Rename("/d2/sub", "/d2/sub/deeper"));
        Assert.Equal(-Errno.ENOTEMPTY, Rename("/d2/sub/deeper", "/d2"));
        Assert.Equal(-Errno.ENOTEMPTY, Rename("/d2/sub/deeper", "/d2/sub"));
        Assert.Equal(-Errno.EINVAL, Rename("/d2/sub/deeper", "/d2", FileSystem.RENAME_EXCHANGE));

        // moving a directory between parents fixes both link counts and "..".
        Inode sub = Get("/d2/sub");
        Assert.Equal(3u, d1.Nlink);
        Assert.Equal(0, Rename("/d2/sub", "/full/sub"));
        Assert.Equal(2u, d1.Nlink);
        Assert.Equal(3u, Get("/full").Nlink);
        Assert.Same(Get("/full"), Get("/full/sub/.."));
        Assert.Same(sub, Get("/full/sub/deeper/.."));

        // a name onto itself, and two names of one node, are no-ops.
        Assert.Equal(0, Rename("/f2", "/f2"));
        Assert.Equal(0, Rename("/full", "/full"));
        Assert.Equal(0, FileSystem.Link(f1, Root, B("hard")));
        Assert.Equal(0, Rename("/f2", "/hard"));
        Assert.Same(f1, Get("/f2"));
        Assert.Same(f1, Get("/hard"));
        Assert.Equal(2u, f1.Nlink);

        // RENAME_NOREPLACE.
        Assert.Equal(-Errno.EEXIST, Rename("/f2", "/hard", FileSystem.RENAME_NOREPLACE));
        Assert.Equal(-Errno.EEXIST, Rename("/f2", "/f2", FileSystem.RENAME_NOREPLACE));
        Assert.Equal(0, Rename("/hard", "/fresh", FileSystem.RENAME_NOREPLACE));
        Assert.Same(f1, Get("/fresh"));

        // RENAME_EXCHANGE: a file and a directory in different parents swap places.
        Inode full = Get("/full");
        Inode x = Get("/full/x");
        Assert.Equal(-Errno.ENOENT, Rename("/fresh", "/missing", FileSystem.RENAME_EXCHANGE));
        uint fullLinks = full.Nlink;
        Assert.Equal(0, Rename("/fresh", "/full/sub", FileSystem.RENAME_EXCHANGE));
        Assert.Same(f1, Get("/full/sub"));
        Assert.Same(sub, Get("/fresh"));
        Assert.Same(Root, Get("/fresh/.."));
        Assert.Equal(fullLinks - 1, full.Nlink);
        Assert.Equal("/fresh/deeper", PathOf(Get("/fresh/deeper")));
        Assert.Equal(0, Rename("/full/x", "/f2", FileSystem.RENAME_EXCHANGE));
        Assert.Same(x, Get("/f2"));
        Assert.Same(f1, Get("/full/x"));
        Assert.Equal(-Errno.EINVAL, Rename("/f2", "/x", FileSystem.RENAME_EXCHANGE | FileSystem.RENAME_NOREPLACE));
        Assert.Equal(-Errno.EINVAL, Rename("/f2", "/x", FileSystem.RENAME_WHITEOUT));
        Assert.Equal(-Errno.EINVAL, Rename("/f2", "/x", 8));

        // the renamed node keeps its position in readdir when it replaces a name.
        Assert.Equal(new[] { ".", "..", "f2", "d2", "full", "fresh" }, List(Root));
    }

    // ------------------------------------------------------------------ readdir, paths, special nodes

    [Fact]
    public void ReadDirSurvivesRemovalsDuringIteration()
    {
        Assert.Equal(0, Mkdir("/d"));
        Inode d = Get("/d");
        const int N = 200;
        for (int i = 0; i < N; i++) CreateFile("/d/f" + i);
        var rng = new Random(5);
        var removed = new HashSet<string>();
        var seen = new List<string>();
        var name = new byte[256];
        long cookie = 0;
        int r;
        while ((r = FileSystem.ReadDir(d, cookie, out long next, out Inode child, name, out int len)) == 1)
        {
            string s = Encoding.UTF8.GetString(name, 0, len);
            Assert.DoesNotContain(s, removed);
            seen.Add(s);
            cookie = next;
            if (s.StartsWith("f"))
            {
                Assert.Equal(0, FileSystem.Unlink(d, name.AsSpan(0, len)));   // remove the current one
                removed.Add(s);
                int k = rng.Next(N);                                           // and maybe a later one
                if (!removed.Contains("f" + k) && !seen.Contains("f" + k))
                {
                    Assert.Equal(0, Unlink("/d/f" + k));
                    removed.Add("f" + k);
                }
                if (rng.Next(4) == 0) CreateFile("/d/new" + seen.Count);      // additions may or may not show
            }
        }
        Assert.Equal(0, r);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(".", seen[0]);
        Assert.Equal("..", seen[1]);
        for (int i = 0; i < N; i++)
            Assert.True(seen.Contains("f" + i) || removed.Contains("f" + i));
        Assert.All(List(d).Skip(2), n => Assert.StartsWith("new", n));

        // Cookies: restart from any cookie continues after the entry that produced it.
        Assert.Equal(1, FileSystem.ReadDir(Root, 1, out long c2, out Inode dotdot, name, out int l2));
        Assert.Same(Root, dotdot);                                     // ".." of the root is the root
        Assert.Equal(1, FileSystem.ReadDir(Root, c2, out long c3, out Inode first, name, out _));
        Assert.Same(d, first);
        Assert.Equal(0, FileSystem.ReadDir(Root, c3, out _, out _, name, out _));
        Assert.Equal(-Errno.EINVAL, FileSystem.ReadDir(Root, c2, out _, out _, new byte[0], out _));
        Assert.Equal(-Errno.ENOTDIR, FileSystem.ReadDir(Get("/d/" + List(d)[2]), 0, out _, out _, name, out _));
        Assert.Equal(-Errno.EINVAL, FileSystem.ReadDir(Root, -1, out _, out _, name, out _));
    }

    [Fact]
    public void GetPathNamesNodes()
    {
        Assert.Equal("/", PathOf(Root));
        Assert.Equal(0, Mkdir("/usr"));
        Assert.Equal(0, Mkdir("/usr/local"));
        Inode f = CreateFile("/usr/local/file");
        Assert.Equal("/usr/local", PathOf(Get("/usr/local")));
        Assert.Equal("/usr/local/file", PathOf(f));
        Assert.Equal(0, Rename("/usr/local", "/opt"));
        Assert.Equal("/opt/file", PathOf(f));
        Assert.Equal(-Errno.ERANGE, FileSystem.GetPath(f, new byte[8]));
        Assert.Equal(9, FileSystem.GetPath(f, new byte[9]));
        Assert.Equal(-Errno.ERANGE, FileSystem.GetPath(Root, Span<byte>.Empty));

        // A tree deeper than PATH_MAX: reachable step by step, but its path is too long.
        Inode cur = Root;
        string comp = new string('n', 250);
        for (int i = 0; i < 17; i++)
        {
            Assert.Equal(0, FileSystem.Mkdir(cur, B(comp), 0x1ED, out Inode next));
            cur = next;
        }
        Assert.Equal(-Errno.ENAMETOOLONG, FileSystem.GetPath(cur, new byte[8192]));
        Assert.Equal(16 * 251, FileSystem.GetPath(cur.Parent, new byte[8192]));
    }

    private sealed class CountingDevice : SpecialInode
    {
        public long Written;
        public override long Read(long offset, Span<byte> dst) { dst.Fill(0x5A); return dst.Length; }
        public override long Write(long offset, ReadOnlySpan<byte> src) { Written += src.Length; return src.Length; }
    }

    [Fact]
    public void SpecialNodesDispatchToTheirCode()
    {
        Assert.Equal(0, Mkdir("/dev"));
        var dev = new CountingDevice { Mode = Inode.S_IFCHR | 0x1B6, Rdev = 0x103 };
        Assert.Equal(0, FileSystem.AddSpecial(Get("/dev"), B("zap"), dev));
        Assert.NotEqual(0UL, dev.Ino);
        Assert.Equal(1u, dev.Nlink);
        Assert.Same(dev, Get("/dev/zap"));
        Assert.Equal("/dev/zap", PathOf(dev));
        var buf = new byte[10];
        Assert.Equal(10L, FileSystem.Read(dev, 12345, buf));
        Assert.All(buf, b => Assert.Equal(0x5A, b));
        Assert.Equal(3L, FileSystem.Write(dev, 0, B("abc")));
        Assert.Equal(3L, dev.Written);
        Assert.Equal(-Errno.EINVAL, FileSystem.Truncate(dev, 0));
        Assert.Equal(-Errno.EEXIST, FileSystem.AddSpecial(Get("/dev"), B("zap"), new CountingDevice()));

        var proc = FileSystem.NewInode(Dir | 0x16D);
        Assert.Equal(0, FileSystem.AddSpecial(Root, B("proc"), proc));
        Assert.Equal(2u, proc.Nlink);
        Assert.Same(Root, Get("/proc/.."));
        Assert.Equal(0, FileSystem.Mkdir(proc, B("self"), 0x16D, out _));
        Assert.Equal("/proc/self", PathOf(Get("/proc/self")));
    }

    // ------------------------------------------------------------------ randomized model check

    private sealed class Model
    {
        public readonly Dictionary<string, byte[]> Files = new();
        public readonly HashSet<string> Dirs = new() { "" };

        public bool IsDir(string p) => Dirs.Contains(p);
        public bool IsFile(string p) => Files.ContainsKey(p);
        public bool Exists(string p) => IsDir(p) || IsFile(p);
        public static string Parent(string p) => p.Contains('/') ? p[..p.LastIndexOf('/')] : "";
        public bool HasChildren(string p) => Files.Keys.Concat(Dirs).Any(k => k.StartsWith(p + "/"));

        /// <summary>The error of resolving the parent of <paramref name="p"/> (components left to right).</summary>
        public int ParentError(string p)
        {
            string[] parts = p.Split('/');
            string cur = "";
            for (int i = 0; i < parts.Length - 1; i++)
            {
                cur = cur.Length == 0 ? parts[i] : cur + "/" + parts[i];
                if (IsFile(cur)) return -Errno.ENOTDIR;
                if (!IsDir(cur)) return -Errno.ENOENT;
            }
            return 0;
        }

        public void MoveTree(string from, string to, Dictionary<string, byte[]> files, HashSet<string> dirs)
        {
            foreach (var k in Files.Keys.Where(k => k == from || k.StartsWith(from + "/")).ToList())
            {
                files[to + k[from.Length..]] = Files[k];
                Files.Remove(k);
            }
            foreach (var k in Dirs.Where(k => k == from || k.StartsWith(from + "/")).ToList())
            {
                dirs.Add(to + k[from.Length..]);
                Dirs.Remove(k);
            }
        }
    }

    private static void Snapshot(Inode dir, string prefix, Dictionary<string, byte[]> files, HashSet<string> dirs)
    {
        int subdirs = 0;
        var name = new byte[256];
        long cookie = 2;
        while (FileSystem.ReadDir(dir, cookie, out long next, out Inode child, name, out int len) == 1)
        {
            cookie = next;
            string p = (prefix.Length == 0 ? "" : prefix + "/") + Encoding.UTF8.GetString(name, 0, len);
            Assert.Equal("/" + p, PathOf(child));
            if (child.IsDirectory)
            {
                subdirs++;
                dirs.Add(p);
                Assert.Same(dir, child.Parent);
                Snapshot(child, p, files, dirs);
            }
            else files.Add(p, ReadAll(child));
        }
        Assert.Equal(2u + (uint)subdirs, dir.Nlink);
    }

    [Fact]
    public void RandomOperationsMatchAModel()
    {
        var rng = new Random(2024);
        var m = new Model();
        string[] pool = { "a", "b", "c", "d" };
        string RandomPath()
        {
            int depth = rng.Next(1, 4);
            return string.Join("/", Enumerable.Range(0, depth).Select(_ => pool[rng.Next(pool.Length)]));
        }
        int[] counts = new int[7];
        int errors = 0;
        for (int step = 0; step < 5000; step++)
        {
            int op = rng.Next(7);
            counts[op]++;
            string p = RandomPath();
            int expect, got;
            switch (op)
            {
                case 0: // create
                    expect = m.ParentError(p);
                    if (expect == 0 && m.Exists(p)) expect = -Errno.EEXIST;
                    if (expect == 0) m.Files[p] = Array.Empty<byte>();
                    got = Create("/" + p);
                    break;
                case 1: // mkdir
                    expect = m.ParentError(p);
                    if (expect == 0 && m.Exists(p)) expect = -Errno.EEXIST;
                    if (expect == 0) m.Dirs.Add(p);
                    got = Mkdir("/" + p);
                    break;
                case 2: // write (usually to an existing file)
                {
                    if (m.Files.Count > 0 && rng.Next(5) > 0) p = m.Files.Keys.ElementAt(rng.Next(m.Files.Count));
                    int off = rng.Next(200);
                    var data = new byte[rng.Next(1, 100)];
                    rng.NextBytes(data);
                    expect = m.ParentError(p);
                    if (expect == 0 && !m.Exists(p)) expect = -Errno.ENOENT;
                    if (expect == 0 && m.IsDir(p)) expect = -Errno.EISDIR;
                    if (expect == 0)
                    {
                        byte[] old = m.Files[p];
                        var nw = new byte[Math.Max(old.Length, off + data.Length)];
                        old.CopyTo(nw, 0);
                        data.CopyTo(nw, off);
                        m.Files[p] = nw;
                    }
                    got = Resolve("/" + p, out Inode n);
                    if (got == 0)
                    {
                        long w = FileSystem.Write(n, off, data);
                        got = w < 0 ? (int)w : 0;
                        if (w >= 0) Assert.Equal(data.Length, w);
                    }
                    if (got == 0 && rng.Next(3) == 0)
                    {
                        int size = rng.Next(300);
                        Assert.Equal(0, FileSystem.Truncate(n, size));
                        var t = new byte[size];
                        Array.Copy(m.Files[p], t, Math.Min(size, m.Files[p].Length));
                        m.Files[p] = t;
                    }
                    break;
                }
                case 3: // unlink
                    if (m.Files.Count > 0 && rng.Next(2) == 0) p = m.Files.Keys.ElementAt(rng.Next(m.Files.Count));
                    expect = m.ParentError(p);
                    if (expect == 0 && !m.Exists(p)) expect = -Errno.ENOENT;
                    if (expect == 0 && m.IsDir(p)) expect = -Errno.EISDIR;
                    if (expect == 0) m.Files.Remove(p);
                    got = Unlink("/" + p);
                    break;
                case 4: // rmdir
                    if (m.Dirs.Count > 1 && rng.Next(2) == 0) p = m.Dirs.Where(d => d.Length > 0).ElementAt(rng.Next(m.Dirs.Count - 1));
                    expect = m.ParentError(p);
                    if (expect == 0 && !m.Exists(p)) expect = -Errno.ENOENT;
                    if (expect == 0 && m.IsFile(p)) expect = -Errno.ENOTDIR;
                    if (expect == 0 && m.HasChildren(p)) expect = -Errno.ENOTEMPTY;
                    if (expect == 0) m.Dirs.Remove(p);
                    got = Rmdir("/" + p);
                    break;
                default: // rename, with random flags
                {
                    var existing = m.Files.Keys.Concat(m.Dirs.Where(d => d.Length > 0)).ToList();
                    if (existing.Count > 0 && rng.Next(4) > 0) p = existing[rng.Next(existing.Count)];
                    string q = existing.Count > 0 && rng.Next(3) == 0 ? existing[rng.Next(existing.Count)] : RandomPath();
                    uint flags = rng.Next(4) switch { 0 => FileSystem.RENAME_NOREPLACE, 1 => FileSystem.RENAME_EXCHANGE, _ => 0u };
                    expect = m.ParentError(p);
                    if (expect == 0) expect = m.ParentError(q);
                    if (expect == 0 && !m.Exists(p)) expect = -Errno.ENOENT;
                    bool targetExists = m.Exists(q);
                    if (expect == 0 && flags == FileSystem.RENAME_NOREPLACE && targetExists) expect = -Errno.EEXIST;
                    if (expect == 0 && flags == FileSystem.RENAME_EXCHANGE && !targetExists) expect = -Errno.ENOENT;
                    string qParent = Model.Parent(q), pParent = Model.Parent(p);
                    if (expect == 0 && m.IsDir(p) && (qParent == p || qParent.StartsWith(p + "/"))) expect = -Errno.EINVAL;
                    if (expect == 0 && m.IsDir(q) && (pParent == q || pParent.StartsWith(q + "/")))
                        expect = flags == FileSystem.RENAME_EXCHANGE ? -Errno.EINVAL : -Errno.ENOTEMPTY;
                    if (expect == 0 && p == q) { got = Rename("/" + p, "/" + q, flags); break; }
                    if (expect == 0 && flags != FileSystem.RENAME_EXCHANGE && targetExists)
                    {
                        if (m.IsDir(p) && m.IsFile(q)) expect = -Errno.ENOTDIR;
                        else if (m.IsFile(p) && m.IsDir(q)) expect = -Errno.EISDIR;
                        else if (m.IsDir(q) && m.HasChildren(q)) expect = -Errno.ENOTEMPTY;
                    }
                    if (expect == 0)
                    {
                        var files = new Dictionary<string, byte[]>();
                        var dirs = new HashSet<string>();
                        if (flags == FileSystem.RENAME_EXCHANGE)
                        {
                            m.MoveTree(p, q, files, dirs);      // both trees out, then back swapped
                            var files2 = new Dictionary<string, byte[]>();
                            var dirs2 = new HashSet<string>();
                            foreach (var k in m.Files.Keys.Where(k => k == q || k.StartsWith(q + "/")).ToList()) { files2[p + k[q.Length..]] = m.Files[k]; m.Files.Remove(k); }
                            foreach (var k in m.Dirs.Where(k => k == q || k.StartsWith(q + "/")).ToList()) { dirs2.Add(p + k[q.Length..]); m.Dirs.Remove(k); }
                            foreach (var kv in files2) m.Files[kv.Key] = kv.Value;
                            m.Dirs.UnionWith(dirs2);
                        }
                        else
                        {
                            m.Files.Remove(q);
                            m.Dirs.Remove(q);
                            m.MoveTree(p, q, files, dirs);
                        }
                        foreach (var kv in files) m.Files[kv.Key] = kv.Value;
                        m.Dirs.UnionWith(dirs);
                    }
                    got = Rename("/" + p, "/" + q, flags);
                    break;
                }
            }
            Assert.True(expect == got, $"step {step} op {op} path {p}: expected {Errno.Name(-expect)} got {Errno.Name(-got)}");
            if (got < 0) errors++;

            var vf = new Dictionary<string, byte[]>();
            var vd = new HashSet<string> { "" };
            Snapshot(Root, "", vf, vd);
            Assert.True(m.Dirs.SetEquals(vd), $"step {step}: directories differ");
            Assert.Equal(m.Files.Count, vf.Count);
            foreach (var kv in m.Files)
            {
                Assert.True(vf.TryGetValue(kv.Key, out byte[] content), $"step {step}: {kv.Key} missing");
                Assert.Equal(kv.Value, content);
            }
        }
        Assert.All(counts, c => Assert.True(c > 500));
        Assert.InRange(errors, 500, 4500);                              // both paths are exercised

        // Tear everything down: every name, buffer and target is freed.
        foreach (string f in m.Files.Keys) Assert.Equal(0, Unlink("/" + f));
        foreach (string d in m.Dirs.Where(d => d.Length > 0).OrderByDescending(d => d.Length)) Assert.Equal(0, Rmdir("/" + d));
        Assert.Equal(new[] { ".", ".." }, List(Root));
        Assert.Equal(0, LiveCount);
    }
}
