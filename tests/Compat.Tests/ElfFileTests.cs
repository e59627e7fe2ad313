using Compat.Loader;
using Xunit;

namespace Compat.Tests;

/// <summary>The loader's ELF validation on real binaries and on damaged copies of them.</summary>
public unsafe class ElfFileTests
{
    private static ElfError Parse(byte[] data, out ElfFile elf)
    {
        fixed (byte* p = data) return ElfFile.Parse(p, (ulong)data.Length, out elf);
    }

    private static byte[] Busybox() => File.ReadAllBytes(File.Exists("/bin/busybox") ? "/bin/busybox" : "/usr/bin/busybox");

    [Fact]
    public void RealStaticAndDynamicProgramsParse()
    {
        Assert.Equal(ElfError.None, Parse(Busybox(), out ElfFile bb));
        Assert.Equal(ElfFile.ET_EXEC, bb.Type);
        Assert.False(bb.HasInterpreter);
        Assert.Equal(ElfError.None, Parse(File.ReadAllBytes("/bin/ls"), out ElfFile ls));
        Assert.True(ls.IsPositionIndependent);
        Assert.True(ls.HasInterpreter);
        Assert.True(ls.LowAddress < ls.HighAddress);
    }

    [Fact]
    public void TruncatedFilesAreRejectedWithAReason()
    {
        byte[] full = Busybox();
        foreach (int length in new[] { 0, 3, 40, 64, 200, full.Length / 2 })
        {
            ElfError e = Parse(full[..length], out _);
            Assert.NotEqual(ElfError.None, e);
            Assert.False(string.IsNullOrEmpty(ElfFile.Describe(e)));
        }
    }

    [Fact]
    public void ForeignHeadersAreNamed()
    {
        byte[] data = Busybox();
        byte[] c32 = (byte[])data.Clone(); c32[4] = 1;
        Assert.Equal(ElfError.NotElf64, Parse(c32, out _));
        byte[] be = (byte[])data.Clone(); be[5] = 2;
        Assert.Equal(ElfError.NotLittleEndian, Parse(be, out _));
        byte[] arm = (byte[])data.Clone(); arm[18] = 183; arm[19] = 0;
        Assert.Equal(ElfError.NotX86_64, Parse(arm, out _));
        byte[] rel = (byte[])data.Clone(); rel[16] = 1; rel[17] = 0;
        Assert.Equal(ElfError.NotExecutable, Parse(rel, out _));
        byte[] text = "#!/bin/sh\necho hi\n"u8.ToArray();
        Assert.Equal(ElfError.BadMagic, Parse(text, out _));
    }

    private static ExecCheck ExecCheckOf(byte[] data, out int interpLength)
    {
        fixed (byte* p = data) return ElfFile.CheckForExec(p, (ulong)data.Length, out _, out interpLength);
    }

    [Fact]
    public void ExecChecksAreLinuxs()
    {
        // Linux's load_elf_binary ignores EI_CLASS and EI_DATA; the kernel's loader reads the header anyway.
        byte[] data = Busybox();
        byte[] c32 = (byte[])data.Clone(); c32[4] = 1; c32[5] = 2;
        Assert.Equal(ExecCheck.Ok, ExecCheckOf(c32, out _));
        fixed (byte* p = c32) Assert.Equal(ElfError.None, ElfFile.ParseForLoad(p, (ulong)c32.Length, out _));
        byte[] nophdr = (byte[])data.Clone(); nophdr[56] = 0; nophdr[57] = 0;
        Assert.Equal(ExecCheck.NotExecutable, ExecCheckOf(nophdr, out _));
        Assert.Equal(ExecCheck.NotExecutable, ExecCheckOf(data[..63], out _));
        // ls has a PT_INTERP: its string must lie inside the file (else EIO, a short read).
        byte[] ls = File.ReadAllBytes("/bin/ls");
        Assert.Equal(ExecCheck.Ok, ExecCheckOf(ls, out int il));
        Assert.Equal("/lib64/ld-linux-x86-64.so.2".Length, il);
        Assert.Equal(ElfError.None, Parse(ls, out ElfFile elf));
        int at = (int)elf.PhOffset + elf.InterpIndex * 56;
        byte[] past = (byte[])ls.Clone();
        BitConverter.TryWriteBytes(past.AsSpan(at + 8), (ulong)ls.Length);                 // p_offset: the end of the file
        Assert.Equal(ExecCheck.ShortRead, ExecCheckOf(past, out _));
        byte[] huge = (byte[])ls.Clone();
        BitConverter.TryWriteBytes(huge.AsSpan(at + 32), 4097UL);                          // p_filesz past PATH_MAX
        Assert.Equal(ExecCheck.NotExecutable, ExecCheckOf(huge, out _));
    }

    [Fact]
    public void DamagedProgramHeadersAreRejected()
    {
        byte[] data = Busybox();
        Assert.Equal(ElfError.None, Parse(data, out ElfFile elf));
        int ph = (int)elf.PhOffset;
        // Find two PT_LOAD entries and make the second overlap the first.
        var loads = new List<int>();
        for (int i = 0; i < elf.PhCount; i++) if (BitConverter.ToUInt32(data, ph + i * 56) == 1) loads.Add(ph + i * 56);
        Assert.True(loads.Count >= 2);
        byte[] overlap = (byte[])data.Clone();
        Array.Copy(BitConverter.GetBytes(BitConverter.ToUInt64(data, loads[0] + 16)), 0, overlap, loads[1] + 16, 8);
        Array.Copy(BitConverter.GetBytes(BitConverter.ToUInt64(data, loads[0] + 8)), 0, overlap, loads[1] + 8, 8);
        Assert.NotEqual(ElfError.None, Parse(overlap, out _));
        // A segment whose file size exceeds its memory size.
        byte[] sizes = (byte[])data.Clone();
        Array.Copy(BitConverter.GetBytes(BitConverter.ToUInt64(data, loads[0] + 40) + 4096), 0, sizes, loads[0] + 32, 8);
        Assert.NotEqual(ElfError.None, Parse(sizes, out _));
        // An entry point outside every executable segment.
        byte[] entry = (byte[])data.Clone();
        Array.Copy(BitConverter.GetBytes(0x10UL), 0, entry, 24, 8);
        Assert.Equal(ElfError.EntryOutsideSegments, Parse(entry, out _));
        // A program header table that runs off the end of the file.
        byte[] phnum = (byte[])data.Clone();
        phnum[56] = 0xFF; phnum[57] = 0x00;
        Assert.Equal(ElfError.BadProgramHeaders, Parse(phnum[..4096], out _));
    }

    [Fact]
    public void RandomGarbageNeverCrashesTheReader()
    {
        var rng = new Random(7);
        byte[] seed = Busybox()[..8192];
        for (int i = 0; i < 2000; i++)
        {
            byte[] mutated = (byte[])seed.Clone();
            for (int k = 0; k < 8; k++) mutated[rng.Next(0, 256)] = (byte)rng.Next(256);
            Parse(mutated, out _);           // any result is fine; an exception or crash is not
        }
    }
}
