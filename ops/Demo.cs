using System.Diagnostics;

namespace Compat.Ops;

/// <summary>The bundled demo for <c>ops run --demo</c>: tools/demo/demo.c built statically with gcc.</summary>
public static class Demo
{
    /// <summary>Builds build/demo/demo when missing or older than its source; returns its path.</summary>
    public static string Build()
    {
        var repo = Repo.Locate();
        string source = Path.Combine(repo.Root, "tools", "demo", "demo.c");
        string output = Path.Combine(repo.Root, "build", "demo", "demo");
        if (File.Exists(output) && File.GetLastWriteTimeUtc(output) >= File.GetLastWriteTimeUtc(source)) return output;
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var psi = new ProcessStartInfo("gcc", ["-static", "-O2", "-o", output, source]) { RedirectStandardError = true };
        using var gcc = Process.Start(psi) ?? throw new OpsException("cannot start gcc to build the demo (run tools/setup.sh)");
        string errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        if (gcc.ExitCode != 0) throw new OpsException("building the demo failed:\n" + errors);
        return output;
    }
}
