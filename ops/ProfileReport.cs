using System.Globalization;
using System.Text.RegularExpressions;

namespace Compat.Ops;

/// <summary>
/// <c>ops run --profile</c>: the kernel (kernel arg <c>profile</c>) samples where the CPU is from a
/// PIT-driven NMI and prints at power-off "compat: profile VALUE COUNT" per distinct sample (a
/// kernel RIP, or a user RIP tagged with its address space's id in bits 47-62), the executable
/// regions of every address space ("compat: profile map ID START END OFFSET NAME") and a total
/// line. This names the function of each sample: kernel ones from the kernel image, user ones from
/// the program or library file on the host (ops packs files at their host paths; .symtab, or
/// .dynsym when stripped), and lists functions by share of all samples, with user mode also as
/// one row and by object.
/// </summary>
public static partial class ProfileReport
{
    [GeneratedRegex(@"^compat: profile (0x[0-9a-fA-F]+) (\d+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"^compat: profile map (\d+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) (.+)$")]
    private static partial Regex MapLine();

    [GeneratedRegex(@"^compat: profile total (\d+) samples at (\d+) Hz: kernel (\d+), user (\d+), dropped (\d+)")]
    private static partial Regex TotalLine();

    private const int IdShift = 47;

    /// <summary>ILC's mangled names made readable: Compat_Kernel_Kernel_Net_TcpSocket__Receive is Kernel_Net_TcpSocket.Receive.</summary>
    private static string? Pretty(string? name)
    {
        if (name == null || !name.StartsWith("Compat_", StringComparison.Ordinal)) return name;
        string rest = name.StartsWith("Compat_Kernel_", StringComparison.Ordinal) ? name["Compat_Kernel_".Length..] : name["Compat_".Length..];
        return rest.Replace("__", ".", StringComparison.Ordinal);
    }

    private readonly record struct Region(ulong Start, ulong End, ulong Offset, string Name);

    /// <summary>The report's lines; a single explanatory line when the log has no profile.</summary>
    public static List<string> Format(KernelLog log, Symbols? symbols, int top = 25)
    {
        var byFunction = new Dictionary<string, long>();
        var byObject = new Dictionary<string, long>();
        var regions = new Dictionary<ulong, List<Region>>();
        var userSamples = new List<(ulong Value, long Count)>();
        long total = 0, hz = 0, user = 0, kernel = 0, dropped = 0;
        bool found = false;
        foreach (var line in log.Lines)
        {
            var m = SampleLine().Match(line);
            if (m.Success)
            {
                ulong rip = ulong.Parse(m.Groups[1].Value.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                long count = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                if ((rip >> 63) == 0) { userSamples.Add((rip, count)); continue; }
                string name = Pretty(symbols?.Function(rip)) ?? $"0x{rip:x}";
                byFunction[name] = byFunction.GetValueOrDefault(name) + count;
                continue;
            }
            m = MapLine().Match(line);
            if (m.Success)
            {
                ulong id = ulong.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                if (!regions.TryGetValue(id, out var list)) regions[id] = list = new List<Region>();
                list.Add(new Region(Hex(m.Groups[2].Value), Hex(m.Groups[3].Value), Hex(m.Groups[4].Value), m.Groups[5].Value));
                continue;
            }
            m = TotalLine().Match(line);
            if (!m.Success) continue;
            found = true;
            total = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            hz = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            kernel = long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
            user = long.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture);
            dropped = long.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture);
        }
        if (!found) return ["profile: the kernel printed no profile (did the program run to its end?)"];

        var files = new Dictionary<string, Symbols?>();
        foreach (var (value, count) in userSamples)
        {
            string name = UserFunction(value, regions, files, out string obj);
            byFunction[name] = byFunction.GetValueOrDefault(name) + count;
            byObject[obj] = byObject.GetValueOrDefault(obj) + count;
        }

        string Pct(long n) => total == 0 ? "-" : (100.0 * n / total).ToString("0.0", CultureInfo.InvariantCulture) + "%";
        var lines = new List<string>
        {
            $"profile: {total} samples at {hz} Hz ({(hz == 0 ? 0 : (double)total / hz).ToString("0.0", CultureInfo.InvariantCulture)} s): " +
            $"user mode {Pct(user)}, kernel {Pct(kernel)} (asm_sti_hlt: idle)" + (dropped > 0 ? $", {dropped} samples dropped (buffer full)" : ""),
        };
        if (byObject.Count > 0)
            lines.Add("user mode by object: " + string.Join(", ", byObject.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal)
                .Select(e => $"{e.Key} {Pct(e.Value)}")));
        lines.Add($"{"share",7} {"samples",8}  function ([object] for user mode)");
        lines.Add($"{Pct(user),7} {user,8}  (user mode)");
        foreach (var (name, n) in byFunction.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Take(top))
            lines.Add($"{Pct(n),7} {n,8}  {name}");
        return lines;
    }

    /// <summary>"[object] function" for a tagged user sample; <paramref name="obj"/> is the object's file name.</summary>
    private static string UserFunction(ulong value, Dictionary<ulong, List<Region>> regions, Dictionary<string, Symbols?> files, out string obj)
    {
        ulong id = value >> IdShift, rip = value & ((1UL << IdShift) - 1);
        Region? hit = null;
        if (regions.TryGetValue(id, out var list))
            foreach (var r in list) if (rip >= r.Start && rip < r.End) { hit = r; break; }
        if (hit is not { } region) { obj = "(unknown)"; return "[(unknown)] (no map)"; }
        obj = region.Name.StartsWith('/') ? Path.GetFileName(region.Name) : region.Name;
        if (!region.Name.StartsWith('/')) return obj;                      // [vdso], [anon]: already bracketed
        if (!files.TryGetValue(region.Name, out var syms))
            files[region.Name] = syms = File.Exists(region.Name) ? Symbols.Load(region.Name) : null;
        ulong offset = region.Offset + (rip - region.Start);
        string? fn = syms?.AddressOfFileOffset(offset) is { } vaddr ? syms.Function(vaddr) : null;
        return fn != null ? $"[{obj}] {fn}" : $"[{obj}] (no symbol)";
    }

    private static ulong Hex(string s) => ulong.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
