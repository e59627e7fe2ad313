using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Compat.Ops;

/// <summary>Command-line wiring: commands, options, and mapping errors to exit statuses.</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        var root = new RootCommand("ops: run unmodified Linux x86-64 programs on the compat unikernel under QEMU.");
        var run = RunCommandDefinition();
        root.Add(run);
        root.Add(DoctorCommandDefinition());
        root.Add(BenchCommandDefinition());
        root.Add(BuildCommandDefinition());
        root.Add(SymbolizeCommandDefinition());
        root.Add(SyscallsCommandDefinition());
        var help = root.Options.OfType<HelpOption>().Single();
        if (help.Action is HelpAction standard) help.Action = new TopLevelHelp(standard, run);

        try
        {
            var parse = root.Parse(SeparateProgramArguments(args, run), new ParserConfiguration { ResponseFileTokenReplacer = null });
            if (parse.Errors.Count > 0 && parse.Action is not (HelpAction or TopLevelHelp))
            {
                foreach (var e in parse.Errors) Ui.Notice(e.Message);
                Ui.Notice("see 'ops --help' or 'ops run --help'");
                return ExitCodes.Usage;
            }
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (OpsException e)
        {
            Ui.Notice(e.Message);
            return e.ExitCode;
        }
    }

    private static Command RunCommandDefinition()
    {
        var env = new Option<string[]>("--env", "-e") { Description = "Set an environment variable (KEY=VALUE; KEY alone copies the host's value). Repeatable.", HelpName = "KEY=VALUE", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
        var memory = new Option<string>("--memory", "-m") { Description = "Guest RAM (QEMU -m syntax; wins over a config file's Memory).", DefaultValueFactory = _ => "256M", HelpName = "SIZE" };
        var trace = new Option<bool>("--trace") { Description = "Print every system call (strace-like) on stderr." };
        var summary = new Option<bool>("--syscall-summary") { Description = "Print a table of system calls on stderr at exit." };
        var profile = new Option<bool>("--profile") { Description = "Sample where the CPU is 1000 times a second (kernel and user mode) and print the kernel functions that take the most, at exit." };
        var missing = new Option<bool>("--missing-files") { Description = "List files the program failed to open, at exit (not the dynamic linker's search probes)." };
        var accel = AccelOption();
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print ops' decisions, the QEMU command and the whole kernel log on stderr." };
        var keep = new Option<bool>("--keep") { Description = "Keep the temporary directory (root image and kernel log)." };
        var timeout = new Option<double?>("--timeout") { Description = "Stop the guest after SECONDS and exit with status 124.", HelpName = "SECONDS" };
        var demo = new Option<bool>("--demo") { Description = "Build and run the bundled demo program (tools/demo/demo.c)." };
        var file = new Option<string[]>("--file") { Description = "Pack a host file at DEST (default: the same absolute path; a relative SRC goes under /, the guest's working directory). Repeatable.", HelpName = "SRC[:DEST]", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
        var dir = new Option<string[]>("--dir") { Description = "Pack a host directory tree at DEST (same defaults as --file; keeps modes and symlinks). Repeatable.", HelpName = "SRC[:DEST]", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
        var config = new Option<string?>("--config", "-c") { Description = "A Nanos-style config.json: Program, Args, Env, Files, Dirs, MapDirs, NameServers, Memory, RunConfig.", HelpName = "FILE" };
        var allowMissing = new Option<bool>("--allow-missing") { Description = "Boot even when a shared library the program needs is not found on the host." };
        var kernelArg = new Option<string[]>("--kernel-arg") { Description = "Add a word to the kernel command line (debugging: memstats prints heap and free frames at start and power-off). Repeatable.", HelpName = "WORD", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
        var port = new Option<string[]>("--port", "-p") { Description = "Forward a TCP port from the host (127.0.0.1) to the guest: PORT, HOST:GUEST or ADDR:HOST:GUEST. Repeatable.", HelpName = "PORT", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
        var udpPort = new Option<string[]>("--udp-port") { Description = "Forward a UDP port (same forms as --port). Repeatable.", HelpName = "PORT", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
        var noNet = new Option<bool>("--no-net") { Description = "Boot without a network device." };
        var net = new Option<string?>("--net") { Description = "user (QEMU user networking, the default: no root, ports with -p) or tap:NAME (an existing tap device; give --ip).", HelpName = "MODE" };
        var ip = new Option<string?>("--ip") { Description = "The guest's IPv4 address, ADDR/PREFIX (with --net tap; user networking uses 10.0.2.15/24).", HelpName = "ADDR/N" };
        var gateway = new Option<string?>("--gateway") { Description = "The guest's default gateway.", HelpName = "ADDR" };
        var dns = new Option<string?>("--dns") { Description = "The guest's name server (kernel's view; /etc/resolv.conf comes from NameServers).", HelpName = "ADDR" };
        var python = new Option<bool>("--python") { Description = "Pack the Python standard library matching the program (/usr/lib/python3.X) and the script argument; automatic when PROGRAM is python3 or python3.X or links libpython (gdb), or a packed file is python3 or a script run by it." };
        var noPython = new Option<bool>("--no-python") { Description = "Do not pack the Python standard library even though PROGRAM is python3 (or links libpython, or python3 is packed)." };
        var machine = new Option<string?>("--machine") { Description = "microvm (the default: virtio-mmio, fastest boot) or q35 (PCI: virtio-net-pci and virtio-serial-pci with MSI-X, booted through SeaBIOS; RunConfig.Machine in a config file).", HelpName = "TYPE" };
        var noPerl = new Option<bool>("--no-perl") { Description = "Do not pack perl's @INC directories (packed when PROGRAM is perl or perl5.X, or a packed file is perl or a script run by it)." };
        var program = new Argument<string?>("PROGRAM") { Description = "An x86-64 Linux ELF executable on the host (static, or dynamically linked: its libraries are packed).", Arity = ArgumentArity.ZeroOrOne };
        var args = new Argument<string[]>("ARGS") { Description = "Arguments for the program (everything after PROGRAM).", Arity = ArgumentArity.ZeroOrMore };

        var cmd = new Command("run", "Run a Linux program in the unikernel; exits with the program's exit status.")
        {
            port, udpPort, net, ip, gateway, dns, noNet, machine, env, memory, trace, summary, profile, missing, accel, verbose, keep, timeout, file, dir, config, allowMissing, python, noPython, noPerl, kernelArg, demo, program, args,
        };
        cmd.SetAction(r => RunCommand.Execute(new RunOptions
        {
            Program = r.GetValue(demo) ? Demo.Build() : r.GetValue(program),
            // With --demo every positional word is an argument for the demo.
            Args = r.GetValue(demo) && r.GetValue(program) is { } first ? [first, .. r.GetValue(args) ?? []] : r.GetValue(args) ?? [],
            Env = r.GetValue(env) ?? [],
            Memory = r.GetValue(memory) ?? "256M",
            Trace = r.GetValue(trace),
            SyscallSummary = r.GetValue(summary),
            Profile = r.GetValue(profile),
            MissingFiles = r.GetValue(missing),
            KernelArgs = r.GetValue(kernelArg) ?? [],
            Accel = r.GetValue(accel),
            Verbose = r.GetValue(verbose),
            Keep = r.GetValue(keep),
            TimeoutSeconds = r.GetValue(timeout),
            MemoryGiven = r.GetResult(memory) is { Implicit: false },
            Files = r.GetValue(file) ?? [],
            Dirs = r.GetValue(dir) ?? [],
            Config = r.GetValue(config),
            AllowMissing = r.GetValue(allowMissing),
            Python = r.GetValue(python) ? true : r.GetValue(noPython) ? false : null,
            NoPython = r.GetValue(noPython),
            Perl = r.GetValue(noPerl) ? false : null,
            Ports = r.GetValue(port) ?? [],
            UdpPorts = r.GetValue(udpPort) ?? [],
            NoNetwork = r.GetValue(noNet),
            Net = r.GetValue(net),
            Ip = r.GetValue(ip),
            Gateway = r.GetValue(gateway),
            Dns = r.GetValue(dns),
            Machine = r.GetValue(machine),
        }));
        return cmd;
    }

    private static Command SyscallsCommandDefinition()
    {
        var status = new Option<string?>("--status") { Description = "Only syscalls with this status (implemented, partial, stub, missing).", HelpName = "STATUS" };
        var markdown = new Option<bool>("--markdown") { Description = "Print a Markdown table." };
        var cmd = new Command("syscalls", "Syscall coverage report, from the kernel's own syscall table.") { status, markdown };
        cmd.SetAction(r => SyscallsCommand.Execute(r.GetValue(status), r.GetValue(markdown)));
        return cmd;
    }

    private static Command DoctorCommandDefinition()
    {
        var accel = AccelOption();
        var rebuild = new Option<bool>("--rebuild") { Description = "Rebuild the kernel even when it is up to date." };
        var cmd = new Command("doctor", "Check the host tools, the kernel build, the accelerator and the kernel self-test.") { accel, rebuild };
        cmd.SetAction(r => Doctor.Execute(r.GetValue(accel), r.GetValue(rebuild)));
        return cmd;
    }

    private static Command BenchCommandDefinition()
    {
        var count = new Option<int>("--count", "-n") { Description = "Number of boots.", DefaultValueFactory = _ => 10 };
        var accel = AccelOption();
        var boot = new Command("boot", "Boot the kernel N times; report QEMU start to first log line, kernel entry to ready, and QEMU start to exit.") { count, accel };
        boot.SetAction(r => BenchCommand.Boot(r.GetValue(count), r.GetValue(accel)));
        return new Command("bench", "Benchmarks.") { boot };
    }

    private static Command BuildCommandDefinition()
    {
        var force = new Option<bool>("--force") { Description = "Rebuild even when up to date." };
        var cmd = new Command("build", "Build the kernel image if its sources changed.") { force };
        cmd.SetAction(r =>
        {
            var repo = Repo.Locate();
            var outcome = KernelBuild.Ensure(repo, r.GetValue(force));
            if (!outcome.Built) Ui.Notice($"{Path.GetRelativePath(repo.Root, repo.KernelImage)} is up to date ({outcome.ImageBytes / 1024.0:0.0} KiB)");
            return 0;
        });
        return cmd;
    }

    private static Command SymbolizeCommandDefinition()
    {
        var file = new Argument<string?>("LOG") { Description = "Kernel log file (default: stdin).", Arity = ArgumentArity.ZeroOrOne };
        var image = new Option<string?>("--kernel") { Description = "Kernel image (default: build/kernel/compat.elf).", HelpName = "ELF" };
        var cmd = new Command("symbolize", "Print a kernel log with <symbol+0xoff> appended to its 'at 0x...' backtrace lines.") { file, image };
        cmd.SetAction(r =>
        {
            var elf = r.GetValue(image) ?? Repo.Locate().KernelImage;
            var symbols = Symbols.Load(elf) ?? throw new OpsException($"{elf}: no ELF64 symbol table");
            using var input = r.GetValue(file) is { } path ? new StreamReader(path) : new StreamReader(Console.OpenStandardInput());
            while (input.ReadLine() is { } line) Console.Out.WriteLine(symbols.Annotate(line));
            return 0;
        });
        return cmd;
    }

    private static Option<string> AccelOption() => new("--accel")
    {
        Description = "Accelerator: kvm, tcg or auto (probe KVM once per kernel image; default).",
        HelpName = "kvm|tcg|auto",
    };

    /// <summary>
    /// The standard help, and for <c>ops --help</c> the common options of <c>ops run</c> (taken
    /// from the run command itself, so the two never disagree) with a usage line and examples.
    /// </summary>
    private sealed class TopLevelHelp(HelpAction standard, Command run) : SynchronousCommandLineAction
    {
        private static readonly string[] Common = ["--port", "--net", "--env", "--memory", "--file", "--dir", "--python", "--no-python", "--timeout", "--verbose", "--demo"];

        public override int Invoke(ParseResult parse)
        {
            int status = standard.Invoke(parse);
            if (parse.CommandResult.Command is not RootCommand) return status;
            var rows = Common.Select(name => run.Options.Single(o => o.Name == name)).Select(o =>
            {
                string names = string.Join(", ", o.Aliases.Order().Append(o.Name));
                bool takesValue = o.ValueType != typeof(bool);
                return (Left: takesValue ? $"{names} <{o.HelpName ?? "VALUE"}>" : names, Right: o.Description ?? "");
            }).ToList();
            int width = rows.Max(r => r.Left.Length) + 2;
            var text = new System.Text.StringBuilder();
            text.Append("Running a program (ops run [options] PROGRAM [ARGS...]; every option: ops run --help):\n");
            foreach (var (left, right) in rows)
            {
                var lines = Wrap(right, Math.Max(40, 110 - 2 - width));
                for (int i = 0; i < lines.Count; i++)
                    text.Append("  ").Append(i == 0 ? left.PadRight(width) : new string(' ', width)).Append(lines[i]).Append('\n');
            }
            text.Append("""

                Examples:
                  ops run --demo
                  ops run ./prog arg1 arg2
                  ops run /usr/bin/python3 script.py          # python3 and perl: their libraries are packed
                  ops run -p 8080 /usr/bin/python3 -m http.server 8080
                  ops run --file ./prog /usr/bin/gdb -batch -ex run -ex bt ./prog   # gdb's data, Python and /bin/sh are packed
                  ops doctor


                """);
            parse.InvocationConfiguration.Output.Write(text.ToString());
            return status;
        }

        private static List<string> Wrap(string text, int width)
        {
            var lines = new List<string>();
            var line = new System.Text.StringBuilder();
            foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Length > 0 && line.Length + 1 + word.Length > width) { lines.Add(line.ToString()); line.Clear(); }
                if (line.Length > 0) line.Append(' ');
                line.Append(word);
            }
            if (line.Length > 0 || lines.Count == 0) lines.Add(line.ToString());
            return lines;
        }
    }

    /// <summary>
    /// <c>ops run [options] PROGRAM ARGS...</c>: everything from PROGRAM on belongs to the program,
    /// even tokens that look like ops options (<c>ops run ./ls -l</c>). Inserts <c>--</c> before
    /// the first token that is neither an ops option nor an option's value.
    /// </summary>
    private static string[] SeparateProgramArguments(string[] args, Command run)
    {
        if (args.Length == 0 || args[0] != run.Name) return args;
        for (int i = 1; i < args.Length; i++)
        {
            string token = args[i];
            if (token == "--") return args;
            if (token.Length > 1 && token[0] == '-')
            {
                string name = token.Split('=', 2)[0];
                var option = run.Options.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name));
                if (option == null && name is not ("-h" or "--help" or "-?"))
                    throw new OpsException($"run: unknown option '{name}' (program arguments go after PROGRAM; see 'ops run --help')", ExitCodes.Usage);
                bool takesValue = option != null && option.Arity.MaximumNumberOfValues > 0 && option.ValueType != typeof(bool);
                if (takesValue && !token.Contains('=')) i++;
                continue;
            }
            return [.. args[..i], "--", .. args[i..]];
        }
        return args;
    }
}
