using System.Text;

namespace Compat.Ops.Image;

/// <summary>What to run: the host executable, the guest's argv and environment, and stdin contents when not interactive.</summary>
public sealed record ProgramSpec
{
    /// <summary>The executable on the host.</summary>
    public required string HostPath { get; init; }
    /// <summary>argv[0] (the program as the user named it).</summary>
    public required string Argv0 { get; init; }
    /// <summary>argv[1..].</summary>
    public IReadOnlyList<string> Args { get; init; } = [];
    /// <summary>The environment, KEY=VALUE strings in order.</summary>
    public IReadOnlyList<string> Environment { get; init; } = [];
    /// <summary>All of a non-terminal stdin (packed as /.compat/stdin), or null for an interactive stdin.</summary>
    public byte[]? Stdin { get; init; }
}

/// <summary>
/// Lays out the root image for <c>ops run</c> (ARCHITECTURE.md "Root file tree"): the program at
/// <c>/app/NAME</c>, and <c>/.compat/exe</c>, <c>/.compat/argv</c>, <c>/.compat/envp</c> and,
/// for a non-terminal stdin, <c>/.compat/stdin</c>.
/// </summary>
public static class ProgramImage
{
    /// <summary>Directory the program is placed in.</summary>
    public const string AppDirectory = "/app";

    /// <summary>The environment every program gets unless overridden.</summary>
    public static readonly IReadOnlyList<string> DefaultEnvironment = ["PATH=/bin:/usr/bin", "HOME=/", "TERM=xterm"];

    /// <summary>
    /// Default environment with <paramref name="overrides"/> applied in order: <c>KEY=VALUE</c>
    /// sets, a bare <c>KEY</c> copies the host's value (and is ignored when the host has none).
    /// </summary>
    public static List<string> MergeEnvironment(IEnumerable<string> overrides)
    {
        var env = new List<(string Key, string Value)>();
        void Set(string key, string value)
        {
            int i = env.FindIndex(e => e.Key == key);
            if (i >= 0) env[i] = (key, value); else env.Add((key, value));
        }
        foreach (var kv in DefaultEnvironment) { int eq = kv.IndexOf('='); Set(kv[..eq], kv[(eq + 1)..]); }
        foreach (var item in overrides)
        {
            int eq = item.IndexOf('=');
            string key = eq < 0 ? item : item[..eq];
            if (key.Length == 0 || key.Contains('\0')) throw new OpsException($"--env: bad variable '{item}' (expected KEY=VALUE)", ExitCodes.Usage);
            if (eq >= 0) Set(key, item[(eq + 1)..]);
            else if (System.Environment.GetEnvironmentVariable(key) is { } hostValue) Set(key, hostValue);
        }
        return env.Select(e => e.Key + "=" + e.Value).ToList();
    }

    /// <summary>Builds the tree; <paramref name="guestPath"/> is where the program lives in it.</summary>
    public static RootImage Build(ProgramSpec spec, out string guestPath)
    {
        guestPath = AppDirectory + "/" + Path.GetFileName(spec.HostPath);
        var root = new RootImage();
        root.AddHostFile(guestPath, spec.HostPath);
        root.AddFile("/.compat/exe", Encoding.UTF8.GetBytes(guestPath));
        root.AddFile("/.compat/argv", NulTerminated([spec.Argv0, .. spec.Args]));
        root.AddFile("/.compat/envp", NulTerminated(spec.Environment));
        if (spec.Stdin != null) root.AddFile("/.compat/stdin", spec.Stdin);
        return root;
    }

    private static byte[] NulTerminated(IEnumerable<string> strings)
    {
        var ms = new MemoryStream();
        foreach (var s in strings)
        {
            if (s.Contains('\0')) throw new OpsException("arguments and environment values cannot contain NUL bytes", ExitCodes.Usage);
            var b = Encoding.UTF8.GetBytes(s);
            ms.Write(b);
            ms.WriteByte(0);
        }
        return ms.ToArray();
    }
}
