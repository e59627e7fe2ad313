using Kernel.Syscalls;
using Spectre.Console;

namespace Compat.Ops;

/// <summary>
/// <c>ops syscalls</c>: the syscall coverage report, read from the same generated table the kernel
/// dispatches with (syscall/syscalls.tsv), so it cannot disagree with the kernel.
/// </summary>
public static class SyscallsCommand
{
    /// <summary>Prints counts per status, then every syscall (or only those with <paramref name="status"/>).</summary>
    public static int Execute(string? status, bool markdown)
    {
        var rows = Enumerable.Range(0, SyscallTable.Count)
            .Where(nr => SyscallTable.Name(nr) != null)
            .Select(nr => (Nr: nr, Name: SyscallTable.Name(nr)!, Status: SyscallTable.StatusName(SyscallTable.Status(nr)), Note: SyscallTable.Note(nr)))
            .ToList();
        var counts = rows.GroupBy(r => r.Status).ToDictionary(g => g.Key, g => g.Count());
        string summary = string.Join(", ", new[] { "implemented", "partial", "stub", "missing" }
            .Select(s => $"{counts.GetValueOrDefault(s)} {s}")) + $" (of {rows.Count})";
        var shown = status == null ? rows : rows.Where(r => r.Status == status).ToList();
        if (markdown)
        {
            Console.WriteLine("Syscall coverage: " + summary + "\n");
            Console.WriteLine("| nr | name | status | note |\n|---|---|---|---|");
            foreach (var r in shown) Console.WriteLine($"| {r.Nr} | {r.Name} | {r.Status} | {r.Note.Replace("|", "\\|")} |");
            return 0;
        }
        var table = new Table().Border(TableBorder.Rounded).Title("syscalls: " + summary);
        table.AddColumn(new TableColumn("nr").RightAligned());
        table.AddColumn("name");
        table.AddColumn("status");
        table.AddColumn("note");
        foreach (var r in shown) table.AddRow(r.Nr.ToString(), Markup.Escape(r.Name), r.Status, Markup.Escape(r.Note));
        AnsiConsole.Write(table);
        return 0;
    }
}
