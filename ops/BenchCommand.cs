using Spectre.Console;

namespace Compat.Ops;

/// <summary>
/// <c>ops bench boot</c>: boots the kernel (no program) N times and reports median, min and max
/// of (a) QEMU spawn to the kernel's first log byte (host clock; the kernel log is a FIFO read
/// by a blocked thread), (b) kernel entry to ready as the kernel measures it (TSC), and (c)
/// QEMU spawn to QEMU exit (host clock).
/// </summary>
public static class BenchCommand
{
    /// <summary>Runs the benchmark; returns the exit status.</summary>
    public static int Boot(int count, string? accelOverride)
    {
        if (count < 1) throw new OpsException("--count: expected at least 1", ExitCodes.Usage);
        var repo = Repo.Locate();
        KernelBuild.Ensure(repo);
        var accel = Accel.Choose(repo, accelOverride);

        var first = new List<double>();
        var ready = new List<double>();
        var total = new List<double>();
        for (int i = 0; i < count; i++)
        {
            var r = Ui.Spin($"Boot {i + 1}/{count}...", () => KernelBoot.Run(repo, accel.Accel, "", LogTransport.Fifo, TimeSpan.FromSeconds(60)));
            if (r.TimedOut || r.Log.PowerOffStatus is null || r.Log.Panicked || r.FirstLogLine is null)
            {
                LogPrinter.PrintAll(r.Log, new Lazy<Symbols?>(() => Symbols.Load(repo.KernelImage)), $"ops: boot {i + 1} failed (QEMU exit status {r.QemuExitCode}{(r.TimedOut ? ", timed out" : "")}); kernel log follows");
                if (r.QemuOutput.Length > 0) Ui.ErrorLine("ops: QEMU said:\n" + r.QemuOutput.TrimEnd());
                return 1;
            }
            first.Add(r.FirstLogLine.Value.TotalMilliseconds);
            if (r.Log.EntryToReadyMs is { } ms) ready.Add(ms);
            total.Add(r.Total.TotalMilliseconds);
        }

        var image = new FileInfo(repo.KernelImage);
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"kernel boot, {count} run{(count == 1 ? "" : "s")}, {accel.Accel.ToString().ToLowerInvariant()}");
        table.AddColumn("measure");
        table.AddColumn(new TableColumn("median ms").RightAligned());
        table.AddColumn(new TableColumn("min ms").RightAligned());
        table.AddColumn(new TableColumn("max ms").RightAligned());
        AddRow(table, "QEMU start -> first kernel log byte (host)", first);
        AddRow(table, "kernel entry -> ready (kernel TSC)", ready);
        AddRow(table, "QEMU start -> QEMU exit (host)", total);
        Ui.Out.Write(table);
        Ui.Out.WriteLine($"kernel image: {image.Length / 1024.0:0.0} KiB ({Path.GetRelativePath(repo.Root, image.FullName)})");
        Ui.Out.WriteLine($"accelerator: {accel.Accel.ToString().ToLowerInvariant()} ({accel.Reason})");
        return 0;
    }

    private static void AddRow(Table table, string name, List<double> values)
    {
        if (values.Count == 0) { table.AddRow(Markup.Escape(name), "n/a", "n/a", "n/a"); return; }
        table.AddRow(Markup.Escape(name), $"{Median(values):0.0}", $"{values.Min():0.0}", $"{values.Max():0.0}");
    }

    private static double Median(List<double> values)
    {
        var s = values.OrderBy(v => v).ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
