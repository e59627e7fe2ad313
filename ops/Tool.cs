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
