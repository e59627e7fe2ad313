using System.Globalization;
using Iced.Intel;

namespace Compat.Ops;

/// <summary>Decodes x86-64 instructions (Iced) for fault reports.</summary>
public static class Disassembler
{
    private const string CodeLinePrefix = "compat: code at RIP:";

    /// <summary>Formats the first instruction in <paramref name="code"/> (Intel syntax), or null if it does not decode.</summary>
    public static string? First(byte[] code, ulong rip = 0)
    {
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(code), rip);
        decoder.Decode(out var insn);
        if (insn.IsInvalid) return null;
        var formatter = new IntelFormatter();
        var output = new StringOutput();
        formatter.Format(insn, output);
        return output.ToStringAndReset();
    }

    /// <summary>For a kernel log line <c>compat: code at RIP: 0f 0b ...</c>, the first instruction; else null.</summary>
    public static string? DescribeCodeLine(string line)
    {
        if (!line.StartsWith(CodeLinePrefix, StringComparison.Ordinal)) return null;
        var bytes = new List<byte>();
        foreach (var tok in line[CodeLinePrefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!byte.TryParse(tok, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b)) return null;
            bytes.Add(b);
        }
        return bytes.Count == 0 ? null : First(bytes.ToArray());
    }
}
