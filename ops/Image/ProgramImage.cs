using System.Text;

namespace Compat.Ops.Image;

/// <summary>What to run and what to pack with it.</summary>
public sealed record ProgramSpec
{
    /// <summary>The executable on the host (absolute; may be a symlink).</summary>
    public required string HostPath { get; init; }
    /// <summary>argv[0] (the program as the user named it).</summary>
    public required string Argv0 { get; init; }
    /// <summary>argv[1..].</summary>
    public IReadOnlyList<string> Args { get; init; } = [];
    /// <summary>The environment, KEY=VALUE strings in order (LD_LIBRARY_PATH in it steers library resolution).</summary>
    public IReadOnlyList<string> Environment { get; init; } = [];
    /// <summary>User files and directories (--file, --dir, config Files/Dirs/MapDirs), in order.</summary>
    public IReadOnlyList<UserPath> Paths { get; init; } = [];
    /// <summary>
    /// Pack the Python standard library (and the script argument): true (--python), false
    /// (--no-python), or null: when the program is python3 or python3.X.
    /// </summary>
    public bool? Python { get; init; }
    /// <summary>Pack Perl's @INC directories: false (--no-perl), or null: when the program is perl or perl5.X (with the script argument), or a packed file is.</summary>
    public bool? Perl { get; init; }
    /// <summary>--allow-missing: a library that cannot be found is a warning, not an error.</summary>
    public bool AllowMissing { get; init; }
    /// <summary>Name servers for /etc/resolv.conf (config NameServers), or empty for the default.</summary>
    public IReadOnlyList<string> NameServers { get; init; } = [];
}

/// <summary>The result of <see cref="ProgramImage.Build"/>.</summary>
public sealed record BuiltImage
{
    /// <summary>The tree.</summary>
    public required RootImage Root { get; init; }
    /// <summary>Where the program is in it (/.compat/exe).</summary>
    public required string GuestProgramPath { get; init; }
    /// <summary>Number of shared libraries packed (the interpreter included).</summary>
    public int Libraries { get; init; }
    /// <summary>File names the libraries were looked up by (DT_NEEDED names, sonames, file names).</summary>
    public IReadOnlySet<string> LibraryFileNames { get; init; } = new HashSet<string>();
    /// <summary>Directories the dynamic linker searches or found libraries in.</summary>
    public IReadOnlySet<string> LibraryDirectories { get; init; } = new HashSet<string>();
    /// <summary>"3.11" when the Python standard library was packed, else null.</summary>
    public string? PythonVersion { get; init; }
    /// <summary>Perl's @INC entries (absolute ones, as perl prints them) when its directories were packed, else empty.</summary>
    public IReadOnlyList<string> PerlInc { get; init; } = [];
    /// <summary>Perl's @INC directories that were packed (entries as perl prints them), else empty.</summary>
    public IReadOnlyList<string> PerlDirectories { get; init; } = [];
    /// <summary>What was packed for an interpreter, for the summary line ("Python 3.11 standard library: 1873 files"), or null.</summary>
    public string? InterpreterLibrary { get; init; }
}

/// <summary>
/// Lays out the root image for <c>ops run</c> (ARCHITECTURE.md "Root file tree"):
/// <list type="bullet">
/// <item>the program at its real host path (symlinks resolved; a symlink the user named, such as
/// /usr/bin/python3, is packed too). So /proc/self/exe and AT_EXECFN match the host and $ORIGIN
/// means the same directory in the guest as on the host; argv[0] stays as the user typed it;</item>
/// <item>its interpreter and shared libraries where the host's ld.so would find them
/// (<see cref="LibraryResolver"/>), each with the symlinks that lead to it;</item>
/// <item>for python3 (or with --python) the Python standard library, for perl the directories
/// of its @INC, each with the script argument; the user's files and directories, with what
/// their symlinks lead to (<see cref="HostPaths.PackLinkTargets"/>); the interpreters of packed
/// scripts (<see cref="Shebang"/>), and the library of a python3 or perl among the packed files;
/// libraries needed by packed shared objects (dlopen-able modules), interpreters of packed
/// dynamically linked executables; terminfo entries for programs that link ncurses (<see cref="Terminfo"/>);</item>
/// <item>the minimal /etc (<see cref="EtcFiles"/>), and /etc/ld.so.cache when a library was found through /etc/ld.so.conf only;</item>
/// <item><c>/.compat/exe</c>, <c>/.compat/argv</c>, <c>/.compat/envp</c> and, for a non-terminal stdin, <c>/.compat/stdin</c>.</item>
/// </list>
/// </summary>
public static class ProgramImage
{
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

    /// <summary>
    /// Builds the tree. <paramref name="step"/> is told what is being done (progress display);
    /// <paramref name="warn"/> gets warnings. Throws <see cref="OpsException"/> (status 2) for a
    /// library that cannot be found (unless <see cref="ProgramSpec.AllowMissing"/>).
    /// </summary>
    public static BuiltImage Build(ProgramSpec spec, Action<string> step, Action<string> warn)
    {
        var root = new RootImage();
        var host = new HostPaths(root);

        step("reading " + spec.Argv0);
        var (realPath, elf, interpreter, interpreterElf) = ReadProgram(spec);

        step("resolving shared libraries");
        var resolver = new LibraryResolver(new ResolverOptions { LdLibraryPath = EnvironmentValue(spec.Environment, "LD_LIBRARY_PATH") });
        resolver.AddProgram(realPath, spec.Argv0, elf, interpreter, interpreterElf);
        foreach (var m in resolver.Missing)
        {
            string message = $"{spec.Argv0}: library {m.Name} not found (needed by {m.NeededBy.ShownAs}; searched: {string.Join(", ", m.Searched)})";
            if (!spec.AllowMissing) throw new OpsException(message + "; add its directory with -e LD_LIBRARY_PATH=DIR, or --allow-missing", ExitCodes.Usage);
            warn("warning: " + message + "; continuing (--allow-missing)");
        }

        step("packing the program and its libraries");
        host.Add(spec.HostPath);
        foreach (var lib in resolver.Libraries) host.Add(lib.Path);

        // Everything else: ELF files among it may need libraries of their own; the user's files
        // may be (or hold) interpreters and scripts whose interpreters must come along.
        var elfFiles = new List<string>();
        var interpreters = new List<string>();
        bool userFiles = false;
        void OnFile(string hostPath, string guestPath)
        {
            if (hostPath != realPath && HostElf.HasElfMagic(hostPath)) elfFiles.Add(hostPath);
            else if (userFiles) interpreters.AddRange(Shebang.Interpreters(hostPath, spec.Environment));
        }
        var paths = spec.Paths.ToList();
        string? pythonVersion = null;
        var interpreterLibraries = new List<string>();
        IReadOnlyList<string> perlInc = [], perlDirectories = [];
        string[] names = [spec.Argv0, spec.HostPath, realPath];
        bool isPython = PythonStdlib.IsPython(names);
        if (spec.Python ?? (isPython || PythonStdlib.Embeds(elf)))
        {
            pythonVersion = PythonStdlib.Version(realPath, elf) ?? PythonStdlib.AskVersion(realPath);
            if (pythonVersion == null && spec.Python == true)
                throw new OpsException($"--python: cannot tell the Python version of {spec.Argv0} (expected a name like python3.11); pack the library with --dir", ExitCodes.Usage);
            if (pythonVersion == null) warn($"warning: {spec.Argv0}: cannot tell its Python version; the standard library is not packed (pack it with --dir)");
            else
            {
                interpreterLibraries.Add(PackPython(host, pythonVersion, step, OnFile));
                if ((isPython || spec.Python == true) && PythonStdlib.ScriptArgument(spec.Args) is { } script && File.Exists(script))
                    paths.Add(new UserPath(UserPathKind.File, script, null, "python script"));
            }
        }
        if (spec.Perl ?? PerlLib.IsPerl(names))
        {
            (perlInc, perlDirectories) = PackPerl(host, realPath, spec.Environment, step, OnFile, interpreterLibraries);
            if (PerlLib.ScriptArgument(spec.Args) is { } script && File.Exists(script))
                paths.Add(new UserPath(UserPathKind.File, script, null, "perl script"));
        }
        if (GdbSupport.IsGdb(names))
            foreach (var p in GdbSupport.Paths())
                if (!paths.Any(q => q.Destination == p.Destination)) paths.Add(p);
        if (paths.Count > 0) step("packing files");
        userFiles = true;
        foreach (var item in paths) UserFiles.Add(root, host, item, OnFile);
        host.PackLinkTargets(warn);
        userFiles = false;

        // Interpreters of packed scripts, then the libraries of a python or perl among the user's files.
        foreach (var interp in interpreters.Distinct())
            if (!root.Contains(interp) && host.Add(interp) is { } real && HostElf.HasElfMagic(real)) elfFiles.Add(real);
        var packedPrograms = elfFiles.Concat(interpreters).Distinct().Select(p => (Path: p, Real: HostPaths.RealPath(p))).Where(p => p.Real != null).ToList();
        if (pythonVersion == null && spec.Python != false
            && packedPrograms.FirstOrDefault(p => PythonStdlib.IsPython(p.Path, p.Real!) && HostElf.HasElfMagic(p.Real!)) is { Real: { } python } pp)
        {
            pythonVersion = (HostElf.Read(python, out _) is { } pythonElf ? PythonStdlib.Version(python, pythonElf) : null) ?? PythonStdlib.AskVersion(python);
            if (pythonVersion == null) warn($"warning: {pp.Path}: cannot tell its Python version; the standard library is not packed (pack it with --dir)");
            else interpreterLibraries.Add(PackPython(host, pythonVersion, step, OnFile));
        }
        if (perlInc.Count == 0 && spec.Perl != false
            && packedPrograms.FirstOrDefault(p => PerlLib.IsPerl(p.Path, p.Real!) && HostElf.HasElfMagic(p.Real!)) is { Real: { } perl })
            (perlInc, perlDirectories) = PackPerl(host, perl, spec.Environment, step, OnFile, interpreterLibraries);
        host.PackLinkTargets(warn);

        if (elfFiles.Count > 0)
        {
            step("resolving libraries of packed shared objects");
            PackDependencies(elfFiles, resolver, host, warn);
        }
        if (Terminfo.Needed(resolver.Objects))
        {
            step("packing terminfo entries");
            Terminfo.Add(host, spec.Environment);
        }

        if (resolver.Libraries.Any(l => l.FoundViaLdSoCache) && !root.Contains("/etc/ld.so.cache") && File.Exists("/etc/ld.so.cache"))
            host.Add("/etc/ld.so.cache");
        EtcFiles.AddMissing(root, spec.NameServers);

        root.AddFile("/.compat/exe", Encoding.UTF8.GetBytes(realPath));
        root.AddFile("/.compat/argv", NulTerminated([spec.Argv0, .. spec.Args]));
        root.AddFile("/.compat/envp", NulTerminated(spec.Environment));
        return Result(root, realPath, resolver, pythonVersion) with
        {
            PerlInc = perlInc, PerlDirectories = perlDirectories,
            InterpreterLibrary = interpreterLibraries.Count > 0 ? string.Join("; ", interpreterLibraries) : null,
        };
    }

    /// <summary>Packs the Python standard library; returns the summary text.</summary>
    private static string PackPython(HostPaths host, string version, Action<string> step, Action<string, string> onFile)
    {
        step($"packing the Python {version} standard library ({PythonStdlib.LibraryDirectory(version)})");
        int files = PythonStdlib.Add(host, version, onFile);
        return $"Python {version} standard library {PythonStdlib.LibraryDirectory(version)}: {files} files";
    }

    /// <summary>Packs the directories of the host perl's @INC (asked of <paramref name="perl"/>); adds the summary text to <paramref name="summaries"/>.</summary>
    private static (IReadOnlyList<string> Inc, IReadOnlyList<string> Directories) PackPerl(HostPaths host, string perl, IReadOnlyList<string> environment,
                                                                                           Action<string> step, Action<string, string> onFile, List<string> summaries)
    {
        step("asking perl for @INC");
        var (inc, directories) = PerlLib.Inc(perl, environment);
        int files = 0;
        foreach (var dir in directories)
        {
            step($"packing perl's @INC: {dir}");
            files += PerlLib.Add(host, dir, onFile);
        }
        foreach (var entry in inc.Except(directories)) host.Add(entry);     // the links to a directory inside a packed one
        summaries.Add($"perl @INC {string.Join(" ", directories)}: {files} files");
        return (inc, directories);
    }

    /// <summary>The program's real path and dynamic information, and its interpreter's (checked to exist).</summary>
    private static (string RealPath, HostElf Elf, string? Interpreter, HostElf? InterpreterElf) ReadProgram(ProgramSpec spec)
    {
        string realPath = HostPaths.RealPath(spec.HostPath) ?? throw new OpsException($"{spec.Argv0}: no such file", ExitCodes.Usage);
        var elf = HostElf.Read(realPath, out var problem, executable: true)
                  ?? throw new OpsException($"{spec.Argv0}: cannot be loaded: {problem}", ExitCodes.Usage);
        if (elf.Interpreter == null) return (realPath, elf, null, null);
        string interpreter = elf.Interpreter.StartsWith('/') ? elf.Interpreter : "/" + elf.Interpreter;     // the kernel resolves it from /
        if (HostPaths.RealPath(interpreter) is not { } realInterp)
            throw new OpsException($"{spec.Argv0}: its interpreter {interpreter} does not exist on this host", ExitCodes.Usage);
        var interpreterElf = HostElf.Read(realInterp, out problem)
                             ?? throw new OpsException($"{spec.Argv0}: its interpreter {interpreter} cannot be loaded: {problem}", ExitCodes.Usage);
        return (realPath, elf, interpreter, interpreterElf);
    }

    /// <summary>
    /// Packs what packed ELF files need: the libraries of shared objects the program may dlopen
    /// (missing ones are warnings: only that object fails), and the interpreter of dynamically
    /// linked executables the program may execve.
    /// </summary>
    private static void PackDependencies(IEnumerable<string> elfFiles, LibraryResolver resolver, HostPaths host, Action<string> warn)
    {
        int known = resolver.Objects.Count;
        foreach (var file in elfFiles)
        {
            var elf = HostElf.Read(file, out _);
            if (elf is { Needed.Count: > 0 }) resolver.AddModule(file, elf);
            if (elf?.Interpreter is { } interp && host.Add(interp.StartsWith('/') ? interp : "/" + interp) == null)
                warn($"warning: {file}: its interpreter {interp} does not exist on this host");
        }
        foreach (var m in resolver.MissingForModules)
            warn($"warning: library {m.Name} not found (needed by {m.NeededBy.ShownAs}); that object will fail to load");
        foreach (var lib in resolver.Objects.Skip(known).Where(o => o.Kind == ObjectKind.Library)) host.Add(lib.Path);
    }

    private static BuiltImage Result(RootImage root, string realPath, LibraryResolver resolver, string? pythonVersion)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var dirs = new HashSet<string>(resolver.SystemDirectories, StringComparer.Ordinal);
        foreach (var o in resolver.Objects.Where(o => o.Kind != ObjectKind.Program))
        {
            names.UnionWith(o.Names.Select(Path.GetFileName).OfType<string>());
            names.Add(Path.GetFileName(o.Path));
            dirs.Add(Path.GetDirectoryName(o.Path) ?? "/");
        }
        return new BuiltImage
        {
            Root = root, GuestProgramPath = realPath, Libraries = resolver.Libraries.Count(), LibraryFileNames = names,
            LibraryDirectories = dirs, PythonVersion = pythonVersion,
        };
    }

    private static string? EnvironmentValue(IReadOnlyList<string> env, string key) =>
        env.LastOrDefault(e => e.StartsWith(key + "=", StringComparison.Ordinal)) is { } kv ? kv[(key.Length + 1)..] : null;

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
