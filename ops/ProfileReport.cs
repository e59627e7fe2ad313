using System.Globalization;
using System.Text.RegularExpressions;

namespace Compat.Ops;

/// <summary>
/// <c>ops run --profile</c>: the kernel (kernel arg <c>profile</c>) samples where the CPU is from a
/// PIT-driven NMI and prints "compat: profile RIP COUNT" per kernel address and a total line at
/// power-off. This names the kernel function of each address and lists functions by share of all
/// samples, user mode as one row.
/// </summary>
public static partial class ProfileReport
{
    [GeneratedRegex(@"^compat: profile (0x[0-9a-fA-F]+) (\d+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"^compat: profile total (\d+) samples at (\d+) Hz: kernel (\d+), user (\d+), dropped (\d+)")]
    private static partial Regex TotalLine();

    /// <summary>ILC's mangled names made readable: Compat_Kernel_Kernel_Net_TcpSocket__Receive is Kernel_Net_TcpSocket.Receive.</summary>
    private static string? Pretty(string? name)
    {
        if (name == null || !name.StartsWith("Compat_", StringComparison.Ordinal)) return name;
        string rest = name.StartsWith("Compat_Kernel_", StringComparison.Ordinal) ? name["Compat_Kernel_".Length..] : name["Compat_".Length..];
        return rest.Replace("__", ".", StringComparison.Ordinal);
    }

    /// <summary>The report's lines; a single explanatory line when the log has no profile.</summary>
    public static List<string> Format(KernelLog log, Symbols? symbols, int top = 25)
    {
        var byFunction = new Dictionary<string, long>();
        long total = 0, hz = 0, user = 0, kernel = 0, dropped = 0;
        bool found = false;
        foreach (var line in log.Lines)
        {
            var m = SampleLine().Match(line);
            if (m.Success)
            {
                ulong rip = ulong.Parse(m.Groups[1].Value.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                string name = Pretty(symbols?.Function(rip)) ?? $"0x{rip:x}";
                byFunction[name] = byFunction.GetValueOrDefault(name) + long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
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
        string Pct(long n) => total == 0 ? "-" : (100.0 * n / total).ToString("0.0", CultureInfo.InvariantCulture) + "%";
        var lines = new List<string>
        {
            $"profile: {total} samples at {hz} Hz ({(hz == 0 ? 0 : (double)total / hz).ToString("0.0", CultureInfo.InvariantCulture)} s): " +
            $"user mode {Pct(user)}, kernel {Pct(kernel)} (asm_sti_hlt: idle)" + (dropped > 0 ? $", {dropped} samples dropped (buffer full)" : ""),
            $"{"share",7} {"samples",8}  function",
            $"{Pct(user),7} {user,8}  (user mode)",
        };
        foreach (var (name, n) in byFunction.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Take(top))
            lines.Add($"{Pct(n),7} {n,8}  {name}");
        return lines;
    }
}
