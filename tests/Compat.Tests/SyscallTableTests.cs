using Kernel.Syscalls;
using Xunit;

namespace Compat.Tests;

/// <summary>The syscall table as data: well-formed, honest about partial support, and in step with its source.</summary>
public class SyscallTableTests
{
    private static IEnumerable<int> Numbers => Enumerable.Range(0, SyscallTable.Count).Where(nr => SyscallTable.Name(nr) != null);

    [Fact]
    public void NamesAreUniqueAndMatchTheNrConstants()
    {
        var names = Numbers.Select(SyscallTable.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        foreach (int nr in Numbers)
        {
            var field = typeof(Nr).GetField(SyscallTable.Name(nr)!);
            Assert.NotNull(field);
            Assert.Equal(nr, (int)field!.GetValue(null)!);
        }
        Assert.Equal(0, Nr.read);
        Assert.Equal(60, Nr.exit);
        Assert.Equal(231, Nr.exit_group);
    }

    [Fact]
    public void PartialAndStubEntriesSayWhatIsMissing()
    {
        foreach (int nr in Numbers)
        {
            var status = SyscallTable.Status(nr);
            if (status is SyscallStatus.Partial or SyscallStatus.Stub)
                Assert.False(string.IsNullOrWhiteSpace(SyscallTable.Note(nr)), $"{SyscallTable.Name(nr)} is {status} without a note");
        }
    }

    [Fact]
    public void HandledSyscallsHaveArgumentSignatures()
    {
        string[] kinds = ["int", "uint", "hex", "fd", "ptr", "str", "size", "flags", "mode", "sig", "prot"];
        foreach (int nr in Numbers.Where(n => SyscallTable.Status(n) != SyscallStatus.Missing))
        {
            string args = SyscallTable.Args(nr);
            Assert.False(args.Length == 0, $"{SyscallTable.Name(nr)} has no argument signature (use '-' for none)");
            if (args == "-") continue;
            foreach (string kind in args.Split(',')) Assert.Contains(kind, kinds);
        }
    }

    [Fact]
    public void GeneratedTableMatchesTheTsv()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Compat.sln"))) root = Path.GetDirectoryName(root)!;
        foreach (string line in File.ReadLines(Path.Combine(root, "syscall", "syscalls.tsv")))
        {
            if (line.StartsWith('#') || line.Length == 0) continue;
            string[] f = line.Split('\t');
            int nr = int.Parse(f[0]);
            Assert.Equal(f[1], SyscallTable.Name(nr));
            Assert.Equal(f[3], SyscallTable.StatusName(SyscallTable.Status(nr)));
        }
    }
}
