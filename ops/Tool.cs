using System.Diagnostics;

namespace Compat.Ops;

/// <summary>Runs short-lived host tools (version probes, build scripts) and captures their output.</summary>
public static class Tool
{
    /// <summary>The result of <see cref="Run"/>: exit status (-1 when the tool could not be started) and combined output.</summary>
    public readonly record struct Result(int ExitCode, string Output)
    {
        /// <summary>True when the tool ran and exited with status 0.</summary>
        public bool Ok => ExitCode == 0;
        /// <summary>The first non-empty output line, trimmed.</summary>
        public string FirstLine => Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
    }

    /// <summary>Runs <paramref name="file"/> with arguments, stdin from /dev/null, stdout and stderr captured together.</summary>
    public static Result Run(string file, IEnumerable<string> args, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (Exception e) { return new Result(-1, e.Message); }
        using (p)
        {
            p.StandardInput.Close();
            var output = new System.Text.StringBuilder();
            var gate = new object();
            p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (gate) output.Append(e.Data).Append('\n'); };
            p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (gate) output.Append(e.Data).Append('\n'); };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            if (!p.WaitForExit(timeout ?? Timeout.InfiniteTimeSpan))
            {
                try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                p.WaitForExit();
                lock (gate) return new Result(-1, output + $"(killed after {timeout!.Value.TotalSeconds:0} s)\n");
            }
            p.WaitForExit();
            lock (gate) return new Result(p.ExitCode, output.ToString());
        }
    }

    /// <summary>
    /// Runs <paramref name="file"/> (a host interpreter asked where its library is) with stdin
    /// from /dev/null and exactly <paramref name="environment"/> (KEY=VALUE strings); returns its
    /// stdout, or throws <see cref="OpsException"/> naming <paramref name="what"/> when it cannot
    /// start, fails or outlasts <paramref name="timeout"/>.
    /// </summary>
    public static string Stdout(string what, string file, IEnumerable<string> args, IEnumerable<string> environment, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Clear();
        foreach (var kv in environment)
            if (kv.IndexOf('=') is > 0 and var eq) psi.Environment[kv[..eq]] = kv[(eq + 1)..];
        Process p;
        try { p = Process.Start(psi)!; }
        catch (Exception e) { throw new OpsException($"{what}: cannot run {file}: {e.Message}"); }
        using (p)
        {
            p.StandardInput.Close();
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeout))
            {
                try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                throw new OpsException($"{what}: {file} did not answer within {timeout.TotalSeconds:0} s");
            }
            p.WaitForExit();
            if (p.ExitCode != 0) throw new OpsException($"{what}: {file} failed (status {p.ExitCode}): {stderr.Result.Trim()}");
            return stdout.Result;
        }
    }

    /// <summary>Finds an executable on PATH, or null.</summary>
    public static string? Which(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
                return candidate;
        }
        return null;
    }
}
