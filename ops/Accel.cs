using System.Text.Json;
using Iced.Intel;

namespace Compat.Ops;

/// <summary>The accelerator to use and why.</summary>
public sealed record AccelChoice(Accelerator Accel, string Reason, bool FromCache, bool Overridden);

/// <summary>
/// Chooses KVM or TCG. /dev/kvm existing is not enough: under nested paravirtual KVM the kernel
/// can die at its first SSE instruction in ring 0. So KVM is used only when a probe (boot the
/// kernel under KVM with <c>selftest</c>, 20 s limit) passes. The result is cached in
/// build/ops/accel.json, keyed by the kernel image's mtime and size.
/// </summary>
public static class Accel
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(20);

    private sealed record CacheEntry(long ImageTicks, long ImageSize, bool KvmDevice, bool KvmWorks, string Reason, DateTime ProbedUtc);

    /// <summary>
    /// Chooses the accelerator: <paramref name="requested"/> ("kvm", "tcg", or null/"auto") wins;
    /// otherwise the cached or freshly probed answer. A fresh probe that rules out KVM prints a
    /// one-line notice on stderr, unless the previous probe (of an older kernel image) said the same.
    /// </summary>
    public static AccelChoice Choose(Repo repo, string? requested)
    {
        switch (requested?.ToLowerInvariant())
        {
            case "kvm": return new AccelChoice(Accelerator.Kvm, "--accel kvm", false, true);
            case "tcg": return new AccelChoice(Accelerator.Tcg, "--accel tcg", false, true);
            case null or "" or "auto": break;
            default: throw new OpsException($"--accel: expected kvm, tcg or auto, not '{requested}'", ExitCodes.Usage);
        }

        var image = new FileInfo(repo.KernelImage);
        bool device = File.Exists("/dev/kvm");
        var cachePath = Path.Combine(repo.OpsStateDir, "accel.json");
        var cached = ReadCache(cachePath);
        if (cached != null && cached.ImageTicks == image.LastWriteTimeUtc.Ticks && cached.ImageSize == image.Length && cached.KvmDevice == device)
            return new AccelChoice(cached.KvmWorks ? Accelerator.Kvm : Accelerator.Tcg, cached.Reason, true, false);

        var (works, reason) = device ? Ui.Spin("Probing KVM (self-test boot)...", () => Probe(repo)) : (false, "no /dev/kvm");
        WriteCache(cachePath, new CacheEntry(image.LastWriteTimeUtc.Ticks, image.Length, device, works, reason, DateTime.UtcNow));
        // Said once, on ops' stderr before the program starts: not again when a rebuilt kernel is
        // probed with the same verdict (-v shows the reason on every run).
        if (!works && (cached == null || cached.KvmWorks || cached.KvmDevice != device)) Ui.Notice(reason + "; using TCG");
        return new AccelChoice(works ? Accelerator.Kvm : Accelerator.Tcg, reason, false, false);
    }

    /// <summary>Boots the self-test under KVM. Never takes longer than the probe timeout: QEMU is killed then.</summary>
    public static (bool Works, string Reason) Probe(Repo repo)
    {
        try { using (File.Open("/dev/kvm", FileMode.Open, FileAccess.ReadWrite)) { } }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (false, "/dev/kvm present but not usable (" + e.Message + ")");
        }

        var dir = Directory.CreateTempSubdirectory("ops-kvm-probe-");
        try
        {
            var logPath = Path.Combine(dir.FullName, "kernel.log");
            using var failedEarly = new ManualResetEventSlim();
            using var qemu = Qemu.Start(new QemuOptions
            {
                Kernel = repo.KernelImage, Append = "selftest", Accel = Accelerator.Kvm,
                KernelLogPath = logPath, Stdio = QemuStdio.Captured,
            }, text =>
            {
                if (text.Contains("KVM internal error", StringComparison.Ordinal) || text.Contains("failed to initialize kvm", StringComparison.OrdinalIgnoreCase))
                    failedEarly.Set();
            });
            var deadline = DateTime.UtcNow + ProbeTimeout;
            bool exited = false;
            while (!exited && DateTime.UtcNow < deadline && !failedEarly.IsSet)
                exited = qemu.WaitForExit(TimeSpan.FromMilliseconds(50));
            if (!exited)
            {
                if (failedEarly.IsSet) Thread.Sleep(200);          // let QEMU finish its register dump
                qemu.Kill();
            }
            var output = qemu.CapturedOutput;
            var log = KernelLog.Read(logPath);
            var st = log.SelfTest;
            if (st is { Failed: 0 } && log.PowerOffStatus == 0) return (true, $"KVM works (self-test: {st.Value.Passed} passed under KVM)");

            string nested = Directory.Exists("/sys/module/kvm_pvm") ? "nested paravirtual KVM" : "";
            if (output.Contains("KVM internal error", StringComparison.Ordinal))
            {
                var insn = FaultingInstruction(output);
                bool sse = insn?.Sse == true;
                string detail = string.Join("; ", new[] { insn != null ? "KVM internal error at " + insn.Value.Text : "KVM internal error", nested }.Where(s => s.Length > 0));
                return (false, sse ? $"KVM present but fails the SSE-in-ring-0 probe ({detail})" : $"KVM present but fails the self-test boot ({detail})");
            }
            var qemuError = output.Split('\n').FirstOrDefault(l => l.Contains("kvm", StringComparison.OrdinalIgnoreCase) && !l.Contains("warning", StringComparison.OrdinalIgnoreCase));
            if (qemuError != null && !exited) return (false, "KVM present but QEMU cannot use it: " + qemuError.Trim());
            if (!exited) return (false, $"KVM present but the self-test boot did not finish within {ProbeTimeout.TotalSeconds:0} s" + (nested.Length > 0 ? $" ({nested})" : ""));
            if (st != null) return (false, $"KVM present but the self-test fails under it ({st.Value.Failed} failed)");
            return (false, "KVM present but the self-test boot under it did not complete" + (qemuError != null ? ": " + qemuError.Trim() : ""));
        }
        finally
        {
            try { dir.Delete(recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Decodes the instruction QEMU marks with &lt;..&gt; in the "Code=" line of a KVM internal error dump.</summary>
    private static (string Text, bool Sse)? FaultingInstruction(string qemuOutput)
    {
        var codeLine = qemuOutput.Split('\n').FirstOrDefault(l => l.StartsWith("Code=", StringComparison.Ordinal));
        if (codeLine == null) return null;
        var tokens = codeLine[5..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int start = Array.FindIndex(tokens, t => t.StartsWith('<'));
        if (start < 0) return null;
        var bytes = tokens.Skip(start).Select(t => t.Trim('<', '>')).TakeWhile(t => t.Length == 2)
            .Select(t => Convert.ToByte(t, 16)).ToArray();
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(bytes));
        decoder.Decode(out var insn);
        if (insn.IsInvalid) return null;
        var output = new StringOutput();
        new IntelFormatter().Format(insn, output);
        bool sse = insn.Code.CpuidFeatures().Any(f => f.ToString().StartsWith("SSE", StringComparison.Ordinal));
        return (output.ToStringAndReset(), sse);
    }

    private static CacheEntry? ReadCache(string path)
    {
        try { return File.Exists(path) ? JsonSerializer.Deserialize<CacheEntry>(File.ReadAllText(path)) : null; }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException) { return null; }
    }

    private static void WriteCache(string path, CacheEntry entry)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var tmp = $"{path}.{Environment.ProcessId}.tmp";
            File.WriteAllText(tmp, JsonSerializer.Serialize(entry, new JsonSerializerOptions { WriteIndented = true }));
            File.Move(tmp, path, overwrite: true);
        }
        catch (IOException) { }
    }
}
