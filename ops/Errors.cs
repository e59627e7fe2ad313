namespace Compat.Ops;

/// <summary>An error ops reports as one line on stderr (<c>ops: message</c>) before exiting with <see cref="ExitCode"/>.</summary>
public sealed class OpsException(string message, int exitCode = ExitCodes.Internal) : Exception(message)
{
    /// <summary>The process exit status to use.</summary>
    public int ExitCode { get; } = exitCode;
}

/// <summary>Exit statuses ops itself produces (everything else is the guest program's status).</summary>
public static class ExitCodes
{
    /// <summary>Bad usage or a program that cannot be run (missing, not an x86-64 ELF).</summary>
    public const int Usage = 2;
    /// <summary>The kernel panicked, QEMU died without a power-off, or ops failed internally.</summary>
    public const int Internal = 70;
    /// <summary>--timeout expired (as timeout(1)).</summary>
    public const int Timeout = 124;
}
