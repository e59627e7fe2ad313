// The syscall table's shape. The data (every x86-64 number: name, argument kinds, status, note)
// is generated into SyscallTable.g.cs from syscall/syscalls.tsv; the kernel checks at boot that
// every non-missing entry has a handler and every handler has a non-missing entry.
namespace Kernel.Syscalls
{
    public enum SyscallStatus : byte
    {
        Missing,        // returns -ENOSYS, reported once
        Implemented,    // Linux semantics
        Partial,        // works for the common cases; the note says what is missing
        Stub,           // returns success or a fixed answer without doing the work; the note says what
    }

    public static partial class SyscallTable
    {
        public static string StatusName(SyscallStatus s) => s switch
        {
            SyscallStatus.Implemented => "implemented",
            SyscallStatus.Partial => "partial",
            SyscallStatus.Stub => "stub",
            _ => "missing",
        };

        /// <summary>Argument kind i (0-based) from the comma-separated signature, or "" past the end.</summary>
        public static string ArgKind(string args, int index, out int count)
        {
            count = 0;
            if (args.Length == 0) return "";
            int start = 0, n = 0;
            string found = "";
            for (int i = 0; i <= args.Length; i++)
            {
                if (i == args.Length || args[i] == ',')
                {
                    if (n == index) found = args.Substring(start, i - start);
                    n++;
                    start = i + 1;
                }
            }
            count = n;
            return found;
        }
    }
}
