using Spectre.Console;

namespace Compat.Ops;

/// <summary>
/// ops' two consoles. Everything ops itself says (notices, spinners, diagnostics) goes to stderr,
/// so that stdout carries only the guest program's output (ops run) or a report (doctor, bench).
/// </summary>
public static class Ui
{
    /// <summary>Spectre console writing to stdout (reports: doctor and bench tables).</summary>
    public static IAnsiConsole Out { get; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Out),
    });

    /// <summary>Spectre console writing to stderr (status spinners).</summary>
    public static IAnsiConsole Err { get; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Error),
    });

    private static readonly object s_lock = new();

    /// <summary>True when stderr is a terminal (spinners and colour make sense).</summary>
    public static bool StderrIsTerminal => !Console.IsErrorRedirected;

    /// <summary>Writes one plain line to stderr, prefixed with "ops: ".</summary>
    public static void Notice(string message) => ErrorLine("ops: " + message);

    /// <summary>Writes one raw line to stderr (thread-safe, no markup interpretation).</summary>
    public static void ErrorLine(string line)
    {
        lock (s_lock)
        {
            Console.Error.Write(line);
            Console.Error.Write('\n');
            Console.Error.Flush();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/>, which reports its steps through the action it is given: a
    /// status line with a spinner when stderr is a terminal, plain <c>ops: STEP</c> lines when
    /// <paramref name="verbose"/> (and stderr is not a terminal), nothing otherwise.
    /// </summary>
    public static T Progress<T>(string initial, bool verbose, Func<Action<string>, T> work)
    {
        if (!StderrIsTerminal)
        {
            if (verbose) Notice(initial);
            return work(step => { if (verbose) Notice(step); });
        }
        T result = default!;
        Err.Status().Spinner(Spinner.Known.Dots).Start(Markup.Escape(initial), ctx => { result = work(step => ctx.Status(Markup.Escape(step))); });
        return result;
    }

    /// <summary>Runs <paramref name="work"/> under a status spinner on stderr when stderr is a terminal; silently otherwise.</summary>
    public static T Spin<T>(string status, Func<T> work)
    {
        if (!StderrIsTerminal) return work();
        T result = default!;
        Err.Status().Spinner(Spinner.Known.Dots).Start(Markup.Escape(status), _ => { result = work(); });
        return result;
    }
}
