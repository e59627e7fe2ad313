using System.Buffers.Binary;

namespace Compat.Ops;

/// <summary>
/// Checks, before anything else, that a file is something the kernel can run: an ELF64,
/// little-endian, x86-64, EXEC or DYN file, with a specific message for the usual mistakes
/// (a script, a 32-bit or foreign binary, an object file). The shared reader
/// (<see cref="Image.HostElf"/>) then parses it fully.
/// </summary>
public static class ElfCheck
{
    /// <summary>What the header says.</summary>
    public sealed record Info(bool PositionIndependent);

    /// <summary>
    /// Validates <paramref name="path"/> (named <paramref name="shownAs"/> in messages). Throws
    /// <see cref="OpsException"/> with exit status 2 and a message such as
    /// <c>./foo: not an x86-64 ELF executable (ELF class 32-bit)</c>.
    /// </summary>
    public static Info Validate(string path, string shownAs)
    {
        if (Directory.Exists(path)) throw Fail(shownAs, "is a directory");
        if (!File.Exists(path)) throw Fail(shownAs, "no such file");
        byte[] head;
        try
        {
            using var f = File.OpenRead(path);
            head = new byte[Math.Min(f.Length, 4096)];
            f.ReadExactly(head);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Fail(shownAs, "cannot read: " + e.Message); }

        if (head.Length < 4 || head[0] != 0x7F || head[1] != 'E' || head[2] != 'L' || head[3] != 'F')
        {
            string why = head.Length >= 2 && head[0] == '#' && head[1] == '!' ? "a script; run its interpreter with the script as argument"
                       : head.Length == 0 ? "empty file" : "no ELF magic";
            throw NotRunnable(shownAs, why);
        }
        if (head.Length < 64) throw NotRunnable(shownAs, "truncated ELF header");
        if (head[4] != 2) throw NotRunnable(shownAs, head[4] == 1 ? "ELF class 32-bit" : $"ELF class {head[4]}");
        if (head[5] != 1) throw NotRunnable(shownAs, head[5] == 2 ? "big-endian" : $"data encoding {head[5]}");
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(16));
        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(18));
        if (machine != 62) throw NotRunnable(shownAs, "machine " + MachineName(machine));
        if (type is not (2 or 3))
            throw NotRunnable(shownAs, type switch { 1 => "ELF type REL: an object file, not linked", 4 => "ELF type CORE: a core dump", _ => $"ELF type {type}" });

        return new Info(type == 3);
    }

    private static string MachineName(ushort m) => m switch
    {
        3 => "i386", 40 => "ARM", 183 => "AArch64", 243 => "RISC-V", 8 => "MIPS", 20 => "PowerPC", 21 => "PowerPC64",
        22 => "S/390", 2 => "SPARC", 43 => "SPARC v9", 258 => "LoongArch", _ => m.ToString(),
    };

    private static OpsException NotRunnable(string shownAs, string why) => Fail(shownAs, $"not an x86-64 ELF executable ({why})");
    private static OpsException Fail(string shownAs, string what) => new($"{shownAs}: {what}", ExitCodes.Usage);
}
