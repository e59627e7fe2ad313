using System.Text.RegularExpressions;
using Spectre.Console;

namespace Compat.Ops;

/// <summary>
/// <c>ops doctor</c>: checks the host tools, builds the kernel if needed, chooses the
/// accelerator, and boots the built-in self-test, then prints a table of results. Exit status 0
/// only when every check passes.
/// </summary>
public static partial class Doctor
{
    private enum Status { Pass, Fail, Skip }

    private sealed record Check(string Name, Status Status, string Detail);

    [GeneratedRegex(@"version ([0-9][0-9A-Za-z.+~:-]*)")]
    private static partial Regex VersionNumber();

    /// <summary>Runs all checks; returns the exit status.</summary>
    public static int Execute(string? accelOverride, bool rebuild)
    {
        var repo = Repo.Locate();
        var checks = new List<Check>
        {
            ToolCheck("qemu-system-x86_64", Qemu.Executable, ["--version"]),
            ToolCheck("nasm", "nasm", ["-v"]),
            ToolCheck("ld (GNU binutils)", "ld", ["--version"]),
            DotnetCheck(),
            IlcCheck(),
        };

        Check build;
        try
        {
            var outcome = KernelBuild.Ensure(repo, rebuild);
            string how = outcome.Built ? $"built in {outcome.BuildTime.TotalSeconds:0.0} s ({outcome.Reason})" : outcome.Reason;
            build = new Check("kernel image builds", Status.Pass, $"{outcome.ImageBytes / 1024.0:0.0} KiB, {how}");
        }
        catch (OpsException e) { build = new Check("kernel image builds", Status.Fail, e.Message); }
        checks.Add(build);

        if (build.Status != Status.Pass)
        {
            foreach (var name in new[] { "accelerator", "kernel boots", "built-in self-test passes", "fault handling" })
                checks.Add(new Check(name, Status.Skip, "needs the kernel image"));
            return Report(checks);
        }

        AccelChoice accel;
        try
        {
            accel = Accel.Choose(repo, accelOverride);
            checks.Add(new Check("accelerator", Status.Pass, $"{accel.Accel.ToString().ToLowerInvariant()}: {accel.Reason}{(accel.FromCache ? " (cached)" : "")}"));
        }
        catch (OpsException e)
        {
            checks.Add(new Check("accelerator", Status.Fail, e.Message));
            return Report(checks);
        }

        var boot = Ui.Spin("Booting the self-test...", () =>
            KernelBoot.Run(repo, accel.Accel, "selftest", LogTransport.File, TimeSpan.FromSeconds(120)));
        checks.AddRange(BootChecks(boot));
        if (checks.Any(c => c.Status != Status.Pass) && boot.Log.Lines.Count > 0)
            LogPrinter.PrintAll(boot.Log, new Lazy<Symbols?>(() => Symbols.Load(repo.KernelImage)), "ops: self-test boot's kernel log follows");
        if (boot.Log.Lines.Count == 0 && boot.QemuOutput.Length > 0)
            Ui.ErrorLine("ops: QEMU said:\n" + boot.QemuOutput.TrimEnd());
        return Report(checks);
    }

    private static IEnumerable<Check> BootChecks(BootResult boot)
    {
        var log = boot.Log;
        string first = log.Lines.Count > 0 ? log.Lines[0] : "";
        bool parsed = first.StartsWith("compat: ", StringComparison.Ordinal);
        if (boot.FirstLogLine is { } t && parsed)
        {
            string ready = log.EntryToReadyMs is { } ms ? $"; kernel entry to ready {ms:0.##} ms" : "";
            yield return new Check("kernel boots", Status.Pass, $"first log line {t.TotalMilliseconds:0} ms after QEMU start (\"{first}\"){ready}");
        }
        else
        {
            string why = boot.TimedOut ? "no power-off within the time limit" : $"QEMU exit status {boot.QemuExitCode}";
            yield return new Check("kernel boots", Status.Fail, log.Lines.Count == 0 ? $"no kernel log ({why})" : $"unexpected first log line \"{first}\"");
        }

        var st = log.SelfTest;
        var power = log.PowerOffStatus;
        if (st is { Failed: 0 } s && power == 0 && !log.Panicked)
            yield return new Check("built-in self-test passes", Status.Pass, $"{s.Passed} passed, 0 failed; power off status 0 in {boot.Total.TotalMilliseconds:0} ms");
        else
        {
            var parts = new List<string>();
            if (st is { } r) parts.Add($"{r.Passed} passed, {r.Failed} failed");
            else parts.Add("no 'selftest: N passed, M failed' line");
            parts.AddRange(log.SelfTestFailures.Take(3));
            if (log.Panicked) parts.Add("kernel panic");
            parts.Add(power is { } p ? $"power off status {p}" : "no power-off line");
            if (boot.TimedOut) parts.Add("timed out");
            yield return new Check("built-in self-test passes", Status.Fail, string.Join("; ", parts));
        }

        int faults = log.ExpectedKernelFaults;
        yield return faults >= 3
            ? new Check("fault handling", Status.Pass, $"{faults} deliberate kernel faults reported and recovered via extable")
            : new Check("fault handling", Status.Fail, $"{faults} expected-fault reports (need at least 3)");
    }

    private static Check ToolCheck(string name, string exe, string[] args)
    {
        var r = Tool.Run(exe, args, timeout: TimeSpan.FromSeconds(20));
        if (r.ExitCode == -1 && Tool.Which(exe) == null) return new Check(name, Status.Fail, $"{exe} not found on PATH (tools/setup.sh installs it)");
        if (!r.Ok) return new Check(name, Status.Fail, $"{exe} {string.Join(' ', args)} failed: {r.FirstLine}");
        var m = VersionNumber().Match(r.FirstLine);
        string version = m.Success ? m.Groups[1].Value : r.FirstLine;
        if (exe == "ld" && !m.Success) version = r.FirstLine.Split(' ').LastOrDefault() ?? r.FirstLine;
        return new Check(name, Status.Pass, $"{version} ({Tool.Which(exe) ?? exe})");
    }

    private static Check DotnetCheck()
    {
        var r = Tool.Run("dotnet", ["--version"], timeout: TimeSpan.FromSeconds(30));
        if (!r.Ok) return new Check("dotnet SDK", Status.Fail, r.ExitCode == -1 ? "dotnet not found on PATH" : "dotnet --version failed: " + r.FirstLine);
        bool ten = r.FirstLine.StartsWith("10.", StringComparison.Ordinal);
        return new Check("dotnet SDK", ten ? Status.Pass : Status.Fail, ten ? r.FirstLine : r.FirstLine + " (need a .NET 10 SDK)");
    }

    private static Check IlcCheck()
    {
        const string version = "10.0.12";
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                       ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var ilc = Path.Combine(packages, "runtime.linux-x64.microsoft.dotnet.ilcompiler", version, "tools", "ilc");
        return File.Exists(ilc)
            ? new Check("ILCompiler package", Status.Pass, $"{version} ({ilc})")
            : new Check("ILCompiler package", Status.Fail, $"{ilc} missing (tools/setup.sh restores it)");
    }

    private static int Report(List<Check> checks)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("ops doctor");
        table.AddColumn("Check");
        table.AddColumn("Status");
        table.AddColumn("Detail");
        foreach (var c in checks)
        {
            string status = c.Status switch { Status.Pass => "[green]pass[/]", Status.Fail => "[red]FAIL[/]", _ => "[yellow]skip[/]" };
            table.AddRow(new Markup(Markup.Escape(c.Name)), new Markup(status), new Text(c.Detail));
        }
        Ui.Out.Write(table);
        int failed = checks.Count(c => c.Status != Status.Pass);
        Ui.Out.WriteLine(failed == 0 ? "All checks passed." : $"{failed} of {checks.Count} checks did not pass.");
        return failed == 0 ? 0 : 1;
    }
}
