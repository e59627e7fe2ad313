using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace Compat.Ops;

/// <summary>
/// A minimal ELF64 symbol-table reader: FUNC and NOTYPE symbols from .symtab (or, in a stripped
/// program or library, .dynsym), looked up by nearest lower address inside executable sections.
/// Used to annotate the return addresses of kernel panics (<c>  at 0x... &lt;symbol+0xoff&gt;</c>),
/// faulting programs and profile samples (which give file offsets: <see cref="AddressOfFileOffset"/>).
/// </summary>
public sealed partial class Symbols
{
    private const uint SHT_SYMTAB = 2, SHT_DYNSYM = 11, PT_LOAD = 1;
    private const ulong SHF_ALLOC = 2, SHF_EXECINSTR = 4;
    private const int STT_NOTYPE = 0, STT_FUNC = 2;

    private readonly ulong[] _addresses, _sizes;
    private readonly string[] _names;
    private readonly List<(ulong Start, ulong End)> _text;
    private readonly List<(ulong Offset, ulong Vaddr, ulong FileSize)> _loads;

    private Symbols(ulong[] addresses, ulong[] sizes, string[] names, List<(ulong, ulong)> text, List<(ulong, ulong, ulong)> loads)
    {
        _addresses = addresses;
        _sizes = sizes;
        _names = names;
        _text = text;
        _loads = loads;
    }

    /// <summary>Number of symbols loaded.</summary>
    public int Count => _addresses.Length;

    /// <summary>Reads the symbols of an ELF64 little-endian file; null when it has none or is not such a file.</summary>
    public static Symbols? Load(string path)
    {
        byte[] f;
        try { f = File.ReadAllBytes(path); } catch (IOException) { return null; } catch (UnauthorizedAccessException) { return null; }
        if (f.Length < 64 || f[0] != 0x7F || f[1] != 'E' || f[2] != 'L' || f[3] != 'F' || f[4] != 2 || f[5] != 1) return null;

        ulong shoff = U64(f, 0x28);
        int shentsize = U16(f, 0x3A), shnum = U16(f, 0x3C);
        if (shoff == 0 || shentsize < 64 || shoff + (ulong)(shnum * shentsize) > (ulong)f.Length) return null;

        var loads = new List<(ulong, ulong, ulong)>();
        ulong phoff = U64(f, 0x20);
        int phentsize = U16(f, 0x36), phnum = U16(f, 0x38);
        if (phentsize >= 56 && phoff + (ulong)(phnum * phentsize) <= (ulong)f.Length)
            for (int i = 0; i < phnum; i++)
            {
                int ph = (int)phoff + i * phentsize;
                if (U32(f, ph) == PT_LOAD) loads.Add((U64(f, ph + 8), U64(f, ph + 16), U64(f, ph + 32)));
            }
        var text = new List<(ulong, ulong)>();
        int symtab = -1, dynsym = -1;
        for (int i = 0; i < shnum; i++)
        {
            int sh = (int)shoff + i * shentsize;
            uint type = U32(f, sh + 4);
            ulong flags = U64(f, sh + 8), addr = U64(f, sh + 16), size = U64(f, sh + 32);
            if ((flags & (SHF_ALLOC | SHF_EXECINSTR)) == (SHF_ALLOC | SHF_EXECINSTR) && size > 0) text.Add((addr, addr + size));
            if (type == SHT_SYMTAB && symtab < 0) symtab = i;
            if (type == SHT_DYNSYM && dynsym < 0) dynsym = i;
        }
        if (symtab < 0) symtab = dynsym;                   // stripped: the exported names at least
        if (symtab < 0) return null;

        int symHdr = (int)shoff + symtab * shentsize;
        ulong symOff = U64(f, symHdr + 24), symSize = U64(f, symHdr + 32), symEnt = U64(f, symHdr + 56);
        int strIndex = (int)U32(f, symHdr + 40);
        if (symEnt < 24 || strIndex >= shnum || symOff + symSize > (ulong)f.Length) return null;
        int strHdr = (int)shoff + strIndex * shentsize;
        ulong strOff = U64(f, strHdr + 24), strSize = U64(f, strHdr + 32);
        if (strOff + strSize > (ulong)f.Length) return null;

        var entries = new List<(ulong Addr, int Rank, string Name, ulong Size)>();
        for (ulong p = symOff; p + 24 <= symOff + symSize; p += symEnt)
        {
            int s = (int)p;
            uint nameOff = U32(f, s);
            int info = f[s + 4], type = info & 0xF, bind = info >> 4;
            ushort shndx = U16(f, s + 6);
            ulong value = U64(f, s + 8);
            if ((type != STT_FUNC && type != STT_NOTYPE) || shndx == 0 || value == 0 || nameOff == 0 || nameOff >= strSize) continue;
            string name = CString(f, (int)(strOff + nameOff), (int)(strOff + strSize));
            if (name.Length == 0 || name.StartsWith(".L", StringComparison.Ordinal)) continue;
            int rank = (type == STT_FUNC ? 0 : 2) + (bind == 0 ? 1 : 0);     // prefer global functions at equal addresses
            entries.Add((value, rank, name, U64(f, s + 16)));
        }
        if (entries.Count == 0) return null;
        entries.Sort((a, b) => a.Addr != b.Addr ? a.Addr.CompareTo(b.Addr) : a.Rank.CompareTo(b.Rank));
        var dedup = new List<(ulong Addr, int Rank, string Name, ulong Size)>();
        foreach (var e in entries) if (dedup.Count == 0 || dedup[^1].Addr != e.Addr) dedup.Add(e);
        return new Symbols(dedup.Select(e => e.Addr).ToArray(), dedup.Select(e => e.Size).ToArray(), dedup.Select(e => e.Name).ToArray(), text, loads);
    }

    /// <summary>The link-time address of byte <paramref name="offset"/> of the file (through its PT_LOAD headers); null if no segment holds it.</summary>
    public ulong? AddressOfFileOffset(ulong offset)
    {
        foreach (var (off, vaddr, size) in _loads)
            if (offset >= off && offset < off + size) return vaddr + (offset - off);
        return null;
    }

    /// <summary>The nearest symbol at or below <paramref name="address"/>, as <c>name+0xoff</c>; null outside executable sections.</summary>
    public string? Lookup(ulong address)
    {
        int i = IndexOf(address);
        if (i < 0) return null;
        ulong off = address - _addresses[i];
        return off == 0 ? _names[i] : $"{_names[i]}+0x{off:x}";
    }

    /// <summary>The name of the symbol containing <paramref name="address"/> (no offset); null outside executable sections.</summary>
    public string? Function(ulong address)
    {
        int i = IndexOf(address);
        return i < 0 ? null : _names[i];
    }

    /// <summary>
    /// The index of the nearest symbol at or below <paramref name="address"/>; -1 outside executable
    /// sections, below the first symbol, or past the end of a symbol that has a size (a static
    /// function of a stripped library is not its exported neighbour).
    /// </summary>
    private int IndexOf(ulong address)
    {
        if (!_text.Any(r => address >= r.Start && address < r.End)) return -1;
        int i = Array.BinarySearch(_addresses, address);
        i = i >= 0 ? i : ~i - 1;
        if (i >= 0 && _sizes[i] != 0 && address >= _addresses[i] + _sizes[i]) return -1;
        return i;
    }

    [GeneratedRegex(@"^(\s*at )0x([0-9a-fA-F]+)\b")]
    private static partial Regex AtAddress();

    /// <summary>Appends <c> &lt;symbol+0xoff&gt;</c> to a backtrace line (<c>  at 0x...</c>); other lines unchanged.</summary>
    public string Annotate(string line)
    {
        var m = AtAddress().Match(line);
        if (!m.Success) return line;
        var sym = Lookup(Convert.ToUInt64(m.Groups[2].Value, 16));
        return sym == null ? line : line + " <" + sym + ">";
    }

    private static string CString(byte[] f, int start, int limit)
    {
        int end = start;
        while (end < limit && f[end] != 0) end++;
        return Encoding.UTF8.GetString(f, start, end - start);
    }

    private static ushort U16(byte[] f, int o) => BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan(o));
    private static uint U32(byte[] f, int o) => BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(o));
    private static ulong U64(byte[] f, ulong o) => BinaryPrimitives.ReadUInt64LittleEndian(f.AsSpan((int)o));
    private static ulong U64(byte[] f, int o) => BinaryPrimitives.ReadUInt64LittleEndian(f.AsSpan(o));
}
