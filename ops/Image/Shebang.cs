using System.Text;

namespace Compat.Ops.Image;

/// <summary>
/// The interpreter line of a packed script, read as Linux's binfmt_script reads it: the first
/// 256 bytes of an executable file that starts with <c>#!</c>, the interpreter path up to the
/// first blank, the rest of the line one optional argument. For <c>#!/usr/bin/env NAME</c> the
/// command env runs is looked up in the guest's PATH (on the host, where the guest's files come from).
/// </summary>
public static class Shebang
{
    /// <summary>binfmt_script's buffer (BINPRM_BUF_SIZE).</summary>
    private const int LineLimit = 256;

    /// <summary>
    /// The host paths a script needs to start: its interpreter and, behind env, the command env
    /// runs (when found). Empty for a file that is not an executable script.
    /// </summary>
    public static IReadOnlyList<string> Interpreters(string path, IReadOnlyList<string> environment)
    {
        if (Line(path) is not { } line) return [];
        int blank = line.IndexOfAny([' ', '\t']);
        string interpreter = blank < 0 ? line : line[..blank];
        string argument = blank < 0 ? "" : line[(blank + 1)..].Trim(' ', '\t');
        if (!interpreter.StartsWith('/')) return [];                 // relative to the working directory: nothing to find here
        if (Path.GetFileName(interpreter) != "env") return [interpreter];
        // env's arguments: options (-S splits the rest into words), VAR=value, then the command.
        foreach (var word in argument.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (word.StartsWith('-') || word.Contains('=')) continue;
            return Search(word, environment) is { } command ? [interpreter, command] : [interpreter];
        }
        return [interpreter];
    }

    /// <summary>The text after <c>#!</c> on the first line (blanks trimmed), or null when the file is not an executable script.</summary>
    private static string? Line(string path)
    {
        try
        {
            if (((int)File.GetUnixFileMode(path) & 0x49) == 0) return null;          // no execute bit: execve refuses it
            Span<byte> head = stackalloc byte[LineLimit];
            int n;
            using (var f = File.OpenRead(path)) n = f.Read(head);
            if (n < 2 || head[0] != '#' || head[1] != '!') return null;
            var rest = head[2..n];
            int end = rest.IndexOf((byte)'\n');
            if (end >= 0) rest = rest[..end];
            string line = Encoding.UTF8.GetString(rest).Trim(' ', '\t', '\r');
            return line.Length == 0 ? null : line;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>The first executable file named <paramref name="command"/> in the guest's PATH (absolute entries only).</summary>
    private static string? Search(string command, IReadOnlyList<string> environment)
    {
        if (command.Contains('/')) return command.StartsWith('/') && File.Exists(command) ? command : null;
        string path = environment.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? "/bin:/usr/bin";
        foreach (var dir in path.Split(':'))
        {
            if (!dir.StartsWith('/')) continue;
            string candidate = dir.TrimEnd('/') + "/" + command;
            if (File.Exists(candidate) && ((int)File.GetUnixFileMode(candidate) & 0x49) != 0) return candidate;
        }
        return null;
    }
}
