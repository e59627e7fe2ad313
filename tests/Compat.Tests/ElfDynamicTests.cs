using System.Runtime.InteropServices;
using System.Text;
using Compat.Loader;
using Xunit;

namespace Compat.Tests;

/// <summary>
/// The dynamic section reader (loader/portable/ElfDynamic.cs) on real Debian files, on synthetic
/// files with every kind of damage, and on truncated and corrupted copies of real files. File
/// bytes are placed so that they end right before an inaccessible page: a read past the end
/// would crash the test run instead of passing silently.
/// </summary>
public unsafe class ElfDynamicTests
{
    // ------------------------------------------------------------------ guarded buffers

    [DllImport("libc", SetLastError = true)] private static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);
    [DllImport("libc", SetLastError = true)] private static extern int munmap(nint addr, nuint length);
    [DllImport("libc", SetLastError = true)] private static extern int mprotect(nint addr, nuint length, int prot);

    /// <summary>Bytes followed by a PROT_NONE page.</summary>
    private sealed class Guarded : IDisposable
    {
        private readonly nint _base;
        private readonly nuint _size;
        public readonly byte* Data;
        public readonly ulong Length;

        public Guarded(ReadOnlySpan<byte> bytes)
        {
            const int page = 4096;
            ulong dataPages = ((ulong)bytes.Length + page - 1) / page;
            _size = (nuint)((dataPages + 1) * page);
            _base = mmap(0, _size, 3, 0x22, -1, 0);               // PROT_READ|WRITE, MAP_PRIVATE|ANONYMOUS
            Assert.NotEqual(-1, (long)_base);
            Assert.Equal(0, mprotect(_base + (nint)(dataPages * page), page, 0));
            Data = (byte*)_base + dataPages * page - (ulong)bytes.Length;
            Length = (ulong)bytes.Length;
            bytes.CopyTo(new Span<byte>(Data, bytes.Length));
        }

        public void Dispose() => munmap(_base, _size);
    }

    private static string Str(byte* p, int len) => p == null ? null : Encoding.UTF8.GetString(p, len);

    /// <summary>Everything the reader exposes, as strings (also exercises every accessor).</summary>
    private sealed record Dyn(bool Present, List<string> Needed, string Soname, string RPath, string RunPath, ulong Flags1);

    private static Dyn Summarize(ref ElfDynamic d)
    {
        var needed = new List<string>();
        for (int i = 0; i < d.NeededCount; i++)
        {
            byte* p = d.Needed(i, out int n);
            Assert.True(p != null, $"DT_NEEDED #{i} validated but not returned");
            needed.Add(Str(p, n));
        }
        Assert.True(d.Needed(d.NeededCount, out _) == null);
        Assert.True(d.Needed(-1, out _) == null);
        int l;
        string soname = Str(d.Soname(out l), l), rpath = Str(d.RPath(out l), l), runpath = Str(d.RunPath(out l), l);
        for (int i = 0; i < d.EntryCount; i++) { _ = d.Tag(i); _ = d.Value(i); }
        return new Dyn(d.Present, needed, soname, rpath, runpath, d.Flags1);
    }

    /// <summary>Parses as a shared object and reads the dynamic section; the ELF parse must succeed.</summary>
    private static ElfDynamicError Read(byte[] bytes, out Dyn result)
    {
        using var g = new Guarded(bytes);
        Assert.Equal(ElfError.None, ElfFile.ParseSharedObject(g.Data, g.Length, out ElfFile elf));
        var e = ElfDynamic.Read(ref elf, out ElfDynamic d);
        result = e == ElfDynamicError.None ? Summarize(ref d) : null;
        return e;
    }

    // ------------------------------------------------------------------ real files

    // The files tools/setup.sh installs (coreutils, libc6, busybox-static): a missing one is a failure
    // that says what is missing, never a test that passes without running.
    private static byte[] ReadRequired(params string[] paths)
    {
        foreach (var p in paths) if (File.Exists(p)) return File.ReadAllBytes(p);
        Assert.Fail($"{string.Join(" or ", paths)} is missing on this host (tools/setup.sh installs it)");
        return null;
    }

    [Fact]
    public void Ls_NeedsLibc_NoSoname()
    {
        var bytes = ReadRequired("/bin/ls");
        using var g = new Guarded(bytes);
        Assert.Equal(ElfError.None, ElfFile.Parse(g.Data, g.Length, out ElfFile elf));
        Assert.Equal(ElfDynamicError.None, ElfDynamic.Read(ref elf, out ElfDynamic d));
        var s = Summarize(ref d);
        Assert.True(s.Present);
        Assert.Contains("libc.so.6", s.Needed);
        Assert.Null(s.Soname);
    }

    [Fact]
    public void Libc_HasSoname_NeedsLdSo()
    {
        var bytes = ReadRequired("/lib/x86_64-linux-gnu/libc.so.6");
        Assert.Equal(ElfDynamicError.None, Read(bytes, out var s));
        Assert.Equal("libc.so.6", s.Soname);
        Assert.Contains("ld-linux-x86-64.so.2", s.Needed);
        Assert.Null(s.RPath);
        Assert.Null(s.RunPath);
    }

    [Fact]
    public void LdSo_NoNeeded()
    {
        var bytes = ReadRequired("/lib64/ld-linux-x86-64.so.2");
        Assert.Equal(ElfDynamicError.None, Read(bytes, out var s));
        Assert.True(s.Present);
        Assert.Empty(s.Needed);
        Assert.Equal("ld-linux-x86-64.so.2", s.Soname);
    }

    [Fact]
    public void StaticBinary_NoDynamicSection()
    {
        var bytes = ReadRequired("/bin/busybox", "/usr/bin/busybox");
        using var g = new Guarded(bytes);
        Assert.Equal(ElfError.None, ElfFile.Parse(g.Data, g.Length, out ElfFile elf));
        Assert.False(elf.HasInterpreter, "busybox must be busybox-static (tools/setup.sh installs it)");
        Assert.Equal(ElfDynamicError.None, ElfDynamic.Read(ref elf, out ElfDynamic d));
        Assert.False(d.Present);
        Assert.Equal(0, d.NeededCount);
        Assert.Equal(0, d.EntryCount);
        Assert.True(d.Soname(out _) == null);
    }

    [Fact]
    public void SharedObjectParse_AcceptsEntryZero_ExecutableParseDoesNot()
    {
        var f = new Synth();
        f.Add(ElfDynamic.DT_NEEDED, f.Str("libc.so.6"));
        byte[] bytes = f.Build(loadFlags: ElfSegment.PF_R, entry: 0x100000);
        using var g = new Guarded(bytes);
        Assert.Equal(ElfError.EntryOutsideSegments, ElfFile.Parse(g.Data, g.Length, out _));
        Assert.Equal(ElfError.None, ElfFile.ParseSharedObject(g.Data, g.Length, out _));
    }

    // ------------------------------------------------------------------ synthetic files

    /// <summary>
    /// Builds a small ET_DYN file: ELF header, program headers (PT_LOAD covering the file at
    /// vaddr <see cref="Base"/>, PT_DYNAMIC), string table, dynamic array.
    /// </summary>
    private sealed class Synth
    {
        public const ulong Base = 0x400000;
        private readonly MemoryStream _strings = new();
        private readonly List<(long Tag, ulong Value)> _entries = new();
        public bool AddStrtab = true, AddStrsz = true, Terminate = true, SecondDynamic;
        public ulong? StrtabOverride, StrszOverride, DynFileSizeOverride, DynOffsetOverride;

        public Synth() => _strings.WriteByte(0);

        public ulong Str(string s)
        {
            ulong off = (ulong)_strings.Length;
            _strings.Write(Encoding.UTF8.GetBytes(s));
            _strings.WriteByte(0);
            return off;
        }

        public void RawStrings(byte[] b) => _strings.Write(b);
        public void Add(long tag, ulong value) => _entries.Add((tag, value));

        public byte[] Build(uint loadFlags = ElfSegment.PF_R | ElfSegment.PF_X, ulong entry = Base)
        {
            int phnum = SecondDynamic ? 3 : 2;
            ulong phoff = 64, strOff = phoff + (ulong)phnum * 56;
            byte[] strings = _strings.ToArray();
            ulong dynOff = (strOff + (ulong)strings.Length + 7) & ~7UL;
            var dyn = new List<(long, ulong)>();
            if (AddStrtab) dyn.Add((ElfDynamic.DT_STRTAB, StrtabOverride ?? Base + strOff));
            if (AddStrsz) dyn.Add((ElfDynamic.DT_STRSZ, StrszOverride ?? (ulong)strings.Length));
            dyn.AddRange(_entries);
            if (Terminate) dyn.Add((ElfDynamic.DT_NULL, 0));
            ulong dynSize = (ulong)dyn.Count * 16, total = dynOff + dynSize;

            var b = new byte[total];
            var w = new BinaryWriter(new MemoryStream(b));
            w.Write(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0 });
            w.Write(new byte[8]);
            w.Write((ushort)ElfFile.ET_DYN); w.Write((ushort)ElfFile.EM_X86_64); w.Write(1u);
            w.Write(entry); w.Write(phoff); w.Write(0UL); w.Write(0u);
            w.Write((ushort)64); w.Write((ushort)56); w.Write((ushort)phnum); w.Write((ushort)64); w.Write((ushort)0); w.Write((ushort)0);
            void Ph(uint type, uint flags, ulong off, ulong vaddr, ulong filesz, ulong memsz, ulong align)
            {
                w.Write(type); w.Write(flags); w.Write(off); w.Write(vaddr); w.Write(vaddr); w.Write(filesz); w.Write(memsz); w.Write(align);
            }
            Ph(ElfSegment.PT_LOAD, loadFlags, 0, Base, total, total, 0x1000);
            ulong dOff = DynOffsetOverride ?? dynOff, dSize = DynFileSizeOverride ?? dynSize;
            Ph(ElfSegment.PT_DYNAMIC, ElfSegment.PF_R | ElfSegment.PF_W, dOff, Base + dOff, dSize, dSize, 8);
            if (SecondDynamic) Ph(ElfSegment.PT_DYNAMIC, ElfSegment.PF_R, dOff, Base + dOff, dSize, dSize, 8);
            w.Seek((int)strOff, SeekOrigin.Begin);
            w.Write(strings);
            w.Seek((int)dynOff, SeekOrigin.Begin);
            foreach (var (tag, val) in dyn) { w.Write(tag); w.Write(val); }
            return b;
        }
    }

    [Fact]
    public void Synthetic_AllStrings()
    {
        var f = new Synth();
        f.Add(ElfDynamic.DT_NEEDED, f.Str("libfoo.so.1"));
        f.Add(ElfDynamic.DT_NEEDED, f.Str("libc.so.6"));
        f.Add(ElfDynamic.DT_SONAME, f.Str("libbar.so.2"));
        f.Add(ElfDynamic.DT_RPATH, f.Str("$ORIGIN/../lib:/opt/x"));
        f.Add(ElfDynamic.DT_RUNPATH, f.Str("${ORIGIN}/rt"));
        f.Add(ElfDynamic.DT_FLAGS_1, ElfDynamic.DF_1_NODEFLIB);
        Assert.Equal(ElfDynamicError.None, Read(f.Build(), out var s));
        Assert.Equal(new[] { "libfoo.so.1", "libc.so.6" }, s.Needed);
        Assert.Equal("libbar.so.2", s.Soname);
        Assert.Equal("$ORIGIN/../lib:/opt/x", s.RPath);
        Assert.Equal("${ORIGIN}/rt", s.RunPath);
        Assert.Equal(ElfDynamic.DF_1_NODEFLIB, s.Flags1);
    }

    [Fact]
    public void Synthetic_LastSonameWins_EmptyStringsAllowed()
    {
        var f = new Synth();
        f.Add(ElfDynamic.DT_SONAME, f.Str("first"));
        f.Add(ElfDynamic.DT_SONAME, f.Str("second"));
        f.Add(ElfDynamic.DT_RPATH, 0);       // offset 0: the empty string
        Assert.Equal(ElfDynamicError.None, Read(f.Build(), out var s));
        Assert.Equal("second", s.Soname);
        Assert.Equal("", s.RPath);
        Assert.Null(s.RunPath);
    }

    [Fact]
    public void Synthetic_NoStrsz_UsesSegmentEnd()
    {
        var f = new Synth { AddStrsz = false };
        f.Add(ElfDynamic.DT_NEEDED, f.Str("libz.so.1"));
        Assert.Equal(ElfDynamicError.None, Read(f.Build(), out var s));
        Assert.Equal(new[] { "libz.so.1" }, s.Needed);
    }

    [Fact]
    public void Synthetic_NoStringsNeeded_NoStrtabIsFine()
    {
        var f = new Synth { AddStrtab = false, AddStrsz = false };
        f.Add(ElfDynamic.DT_FLAGS_1, 1);
        Assert.Equal(ElfDynamicError.None, Read(f.Build(), out var s));
        Assert.Empty(s.Needed);
    }

    [Fact]
    public void Malformed_NoStrtab()
    {
        var f = new Synth { AddStrtab = false };
        f.Add(ElfDynamic.DT_NEEDED, 1);
        Assert.Equal(ElfDynamicError.StringTableMissing, Read(f.Build(), out _));
    }

    [Fact]
    public void Malformed_StringOffsetOutOfRange()
    {
        var f = new Synth();
        f.Str("x");
        f.Add(ElfDynamic.DT_NEEDED, 1000);
        Assert.Equal(ElfDynamicError.StringOffsetOutOfRange, Read(f.Build(), out _));
        var g = new Synth();
        g.Add(ElfDynamic.DT_RUNPATH, ulong.MaxValue);
        Assert.Equal(ElfDynamicError.StringOffsetOutOfRange, Read(g.Build(), out _));
    }

    [Fact]
    public void Malformed_StringNotTerminated()
    {
        var f = new Synth();
        f.RawStrings(Encoding.ASCII.GetBytes("unterminated"));
        f.Add(ElfDynamic.DT_NEEDED, 1);
        Assert.Equal(ElfDynamicError.StringNotTerminated, Read(f.Build(), out _));
    }

    [Fact]
    public void Malformed_StrszBeyondSegment()
    {
        var f = new Synth { StrszOverride = 1UL << 40 };
        f.Add(ElfDynamic.DT_NEEDED, f.Str("a"));
        Assert.Equal(ElfDynamicError.StringTableOutsideSegments, Read(f.Build(), out _));
        var g = new Synth { StrszOverride = ulong.MaxValue };
        g.Add(ElfDynamic.DT_NEEDED, g.Str("a"));
        Assert.Equal(ElfDynamicError.StringTableOutsideSegments, Read(g.Build(), out _));
    }

    [Fact]
    public void Malformed_StrtabNotMapped()
    {
        var f = new Synth { StrtabOverride = 0x10 };
        f.Add(ElfDynamic.DT_NEEDED, f.Str("a"));
        Assert.Equal(ElfDynamicError.StringTableOutsideSegments, Read(f.Build(), out _));
        var g = new Synth { StrtabOverride = ulong.MaxValue - 2 };
        g.Add(ElfDynamic.DT_NEEDED, g.Str("a"));
        Assert.Equal(ElfDynamicError.StringTableOutsideSegments, Read(g.Build(), out _));
    }

    [Fact]
    public void Malformed_NoDtNull()
    {
        var f = new Synth { Terminate = false };
        f.Add(ElfDynamic.DT_NEEDED, f.Str("a"));
        Assert.Equal(ElfDynamicError.DynamicNotTerminated, Read(f.Build(), out _));
    }

    [Fact]
    public void Malformed_DynamicOutsideFile()
    {
        var f = new Synth { DynFileSizeOverride = 1 << 20 };
        Assert.Equal(ElfDynamicError.DynamicOutsideFile, Read(f.Build(), out _));
        var g = new Synth { DynOffsetOverride = ulong.MaxValue - 8, DynFileSizeOverride = 16 };
        Assert.Equal(ElfDynamicError.DynamicOutsideFile, Read(g.Build(), out _));
    }

    [Fact]
    public void Malformed_TwoDynamicSegments()
    {
        var f = new Synth { SecondDynamic = true };
        Assert.Equal(ElfDynamicError.MultipleDynamicSegments, Read(f.Build(), out _));
    }

    [Fact]
    public void Describe_NamesEveryError()
    {
        foreach (ElfDynamicError e in Enum.GetValues<ElfDynamicError>())
            Assert.False(string.IsNullOrEmpty(ElfDynamic.Describe(e)));
    }

    // ------------------------------------------------------------------ damaged real files

    /// <summary>Parses and reads without crashing; when both succeed, every accessor stays inside the file.</summary>
    private static void Survives(byte[] bytes, int length)
    {
        using var g = new Guarded(bytes.AsSpan(0, length));
        if (ElfFile.ParseSharedObject(g.Data, g.Length, out ElfFile elf) != ElfError.None) return;
        if (ElfDynamic.Read(ref elf, out ElfDynamic d) != ElfDynamicError.None) return;
        var s = Summarize(ref d);
        Assert.Equal(d.NeededCount, s.Needed.Count);
    }

    [Fact]
    public void Truncated_NeverCrash()
    {
        foreach (var path in new[] { "/bin/ls", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2" })
        {
            var bytes = ReadRequired(path);
            var rng = new Random(path.Length);
            var lengths = new List<int> { 0, 1, 4, 63, 64, 65, 120, 500, 4096, bytes.Length - 1, bytes.Length };
            for (int i = 0; i < 150; i++) lengths.Add(rng.Next(bytes.Length));
            foreach (int n in lengths) Survives(bytes, Math.Clamp(n, 0, bytes.Length));
        }
    }

    [Fact]
    public void TruncatedInsideDynamicSection_IsAnError()
    {
        var bytes = ReadRequired("/bin/ls");
        ulong dynOff;
        using (var g = new Guarded(bytes))
        {
            Assert.Equal(ElfError.None, ElfFile.Parse(g.Data, g.Length, out ElfFile elf));
            Assert.Equal(ElfDynamicError.None, ElfDynamic.Read(ref elf, out ElfDynamic d));
            dynOff = d.TableOffset;
        }
        // Cut in the middle of the dynamic array: PT_LOAD then extends past the end, or PT_DYNAMIC does.
        using var cut = new Guarded(bytes.AsSpan(0, (int)dynOff + 40));
        var pe = ElfFile.Parse(cut.Data, cut.Length, out ElfFile e2);
        if (pe == ElfError.None) Assert.NotEqual(ElfDynamicError.None, ElfDynamic.Read(ref e2, out _));
        else Assert.Equal(ElfError.SegmentOutsideFile, pe);
    }

    [Fact]
    public void Garbage_NeverCrash()
    {
        var original = ReadRequired("/bin/ls");
        ulong dynOff, strOff, strSize;
        using (var g = new Guarded(original))
        {
            Assert.Equal(ElfError.None, ElfFile.Parse(g.Data, g.Length, out ElfFile elf));
            Assert.Equal(ElfDynamicError.None, ElfDynamic.Read(ref elf, out ElfDynamic d));
            dynOff = d.TableOffset; strOff = d.StringsOffset; strSize = d.StringsSize;
        }
        var rng = new Random(1234);
        for (int round = 0; round < 400; round++)
        {
            var bytes = (byte[])original.Clone();
            int flips = 1 + rng.Next(16);
            for (int i = 0; i < flips; i++)
            {
                // Aim at the dynamic array, the string table, the program headers, or anywhere.
                int where = rng.Next(4) switch
                {
                    0 => (int)dynOff + rng.Next(27 * 16),
                    1 => (int)strOff + rng.Next((int)strSize),
                    2 => 64 + rng.Next(13 * 56),
                    _ => rng.Next(bytes.Length),
                };
                bytes[where] = rng.Next(3) == 0 ? (byte)0xFF : (byte)rng.Next(256);
            }
            Survives(bytes, bytes.Length);
        }
        var noise = new byte[8192];
        for (int round = 0; round < 50; round++)
        {
            rng.NextBytes(noise);
            original.AsSpan(0, 64).CopyTo(noise);     // a plausible header, random everything else
            Survives(noise, noise.Length);
        }
    }
}
