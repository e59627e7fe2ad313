using System.Text;

namespace Compat.Ops.Image;

/// <summary>How an object came into the process.</summary>
public enum ObjectKind
{
    /// <summary>The executable.</summary>
    Program,
    /// <summary>Its PT_INTERP (ld.so).</summary>
    Interpreter,
    /// <summary>A DT_NEEDED dependency.</summary>
    Library,
    /// <summary>A shared object packed by the user (or --python) that the program may dlopen.</summary>
    Module,
}

/// <summary>An ELF object as the guest's ld.so will find it.</summary>
public sealed class LoadedObject
{
    /// <summary>Program, interpreter, library or module.</summary>
    public required ObjectKind Kind { get; init; }
    /// <summary>The host path as ld.so opens it (directory from the search path + name; may go through symlinks).</summary>
    public required string Path { get; init; }
    /// <summary>How messages name it (the program as the user typed it, else <see cref="Path"/>).</summary>
    public required string ShownAs { get; init; }
    /// <summary>Its dynamic information.</summary>
    public required HostElf Elf { get; init; }
    /// <summary>The object whose DT_NEEDED loaded it (ld.so's l_loader), or null.</summary>
    public LoadedObject? Loader { get; init; }
    /// <summary>What $ORIGIN expands to in its search paths.</summary>
    public required string Origin { get; init; }
    /// <summary>Names that match it when another object needs it (requested names, DT_SONAME).</summary>
    public List<string> Names { get; } = [];
    /// <summary>True when it was found through an ld.so.conf directory that is not a default directory.</summary>
    public bool FoundViaLdSoCache { get; init; }
}

/// <summary>A DT_NEEDED name found in no searched directory.</summary>
public sealed record MissingLibrary(string Name, LoadedObject NeededBy, IReadOnlyList<string> Searched);

/// <summary>Inputs of <see cref="LibraryResolver"/>.</summary>
public sealed record ResolverOptions
{
    /// <summary>LD_LIBRARY_PATH of the guest's environment, or null.</summary>
    public string? LdLibraryPath { get; init; }
    /// <summary>Directories from /etc/ld.so.conf (glibc; ld.so.cache order), null to read the host's.</summary>
    public IReadOnlyList<string>? CacheDirectories { get; init; }
}

/// <summary>
/// Finds, without running anything, the shared libraries the guest's dynamic linker will load,
/// by simulating its search: for glibc (<c>elf/dl-load.c</c>, <c>_dl_map_object</c>) a
/// DT_NEEDED name with a '/' is a path; otherwise an already loaded object whose name or
/// DT_SONAME matches is reused; else the directories are tried in this order: DT_RPATH of the
/// requesting object and of its loaders up to the executable (only when the requesting object
/// has no DT_RUNPATH), LD_LIBRARY_PATH, DT_RUNPATH of the requesting object, the ld.so.cache
/// directories (read from /etc/ld.so.conf), and the interpreter's system directories (unless
/// the requester has DF_1_NODEFLIB). Dependencies are loaded breadth-first, so the loader chain
/// is ld.so's. $ORIGIN / ${ORIGIN} expand to the requesting object's directory, $LIB to "lib",
/// $PLATFORM to "x86_64". Candidates that are not ELF64 x86-64 files are skipped, as ld.so does.
/// For a musl interpreter the order is musl's: LD_LIBRARY_PATH, DT_RUNPATH-or-DT_RPATH of the
/// requester and its loaders, then /etc/ld-musl-x86_64.path (default /lib:/usr/local/lib:/usr/lib).
/// The guest's working directory is /, so relative search directories are taken from /.
/// </summary>
public sealed class LibraryResolver
{
    /// <summary>Default directories when the interpreter does not name its own.</summary>
    public static readonly IReadOnlyList<string> FallbackSystemDirectories =
        ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"];

    private readonly ResolverOptions _options;
    private readonly List<LoadedObject> _objects = [];
    private readonly List<MissingLibrary> _missing = [];
    private readonly List<MissingLibrary> _missingOptional = [];
    private IReadOnlyList<string>? _cacheDirectories;
    private IReadOnlyList<string> _systemDirectories = FallbackSystemDirectories;
    private bool _musl;
    private readonly Dictionary<LoadedObject, string?> _realPaths = [];

    /// <summary>A resolver for one image.</summary>
    public LibraryResolver(ResolverOptions options) => _options = options;

    /// <summary>The executable, once added.</summary>
    public LoadedObject? Program { get; private set; }
    /// <summary>Everything found, in load order (program, interpreter, libraries breadth-first, modules).</summary>
    public IReadOnlyList<LoadedObject> Objects => _objects;
    /// <summary>DT_NEEDED names of the program and its libraries that were not found.</summary>
    public IReadOnlyList<MissingLibrary> Missing => _missing;
    /// <summary>DT_NEEDED names of modules (or their libraries) that were not found: only the module will fail.</summary>
    public IReadOnlyList<MissingLibrary> MissingForModules => _missingOptional;
    /// <summary>The default directories used (the interpreter's, else <see cref="FallbackSystemDirectories"/>).</summary>
    public IReadOnlyList<string> SystemDirectories => _systemDirectories;

    /// <summary>Shared libraries (and the interpreter) to pack.</summary>
    public IEnumerable<LoadedObject> Libraries => _objects.Where(o => o.Kind is ObjectKind.Library or ObjectKind.Interpreter);

    /// <summary>
    /// Adds the executable (its $ORIGIN is the directory of <paramref name="realPath"/>, as ld.so
    /// takes it from /proc/self/exe), its interpreter and all their dependencies.
    /// <paramref name="interpreterPath"/> is the host file to use for PT_INTERP, already checked.
    /// </summary>
    public void AddProgram(string realPath, string shownAs, HostElf elf, string? interpreterPath, HostElf? interpreter)
    {
        if (Program != null) throw new InvalidOperationException("program already added");
        Program = new LoadedObject { Kind = ObjectKind.Program, Path = realPath, ShownAs = shownAs, Elf = elf, Origin = DirectoryOf(realPath) };
        _objects.Add(Program);
        if (interpreterPath != null && interpreter != null)
        {
            _musl = System.IO.Path.GetFileName(elf.Interpreter ?? interpreterPath).StartsWith("ld-musl", StringComparison.Ordinal);
            _systemDirectories = _musl ? MuslSystemDirectories() : SystemDirectoriesOf(interpreterPath);
            var ld = new LoadedObject
            {
                Kind = ObjectKind.Interpreter, Path = interpreterPath, ShownAs = interpreterPath, Elf = interpreter,
                Origin = DirectoryOf(interpreterPath),
            };
            ld.Names.Add(elf.Interpreter ?? interpreterPath);
            if (interpreter.Soname != null) ld.Names.Add(interpreter.Soname);
            _objects.Add(ld);
        }
        LoadDependencies(Program, optional: false);
    }

    /// <summary>
    /// Adds a shared object the program may dlopen (a Python extension module, a plugin packed
    /// with --dir): its dependencies are resolved as ld.so would at dlopen time; the ones not
    /// found end up in <see cref="MissingForModules"/>.
    /// </summary>
    public void AddModule(string path, HostElf elf)
    {
        if (_objects.Any(o => o.Path == path)) return;
        var module = new LoadedObject
        {
            Kind = ObjectKind.Module, Path = path, ShownAs = path, Elf = elf, Loader = Program, Origin = DirectoryOf(path),
        };
        if (elf.Soname != null) module.Names.Add(elf.Soname);
        _objects.Add(module);
        LoadDependencies(module, optional: true);
    }

    /// <summary>Breadth-first over DT_NEEDED, as _dl_map_object_deps.</summary>
    private void LoadDependencies(LoadedObject root, bool optional)
    {
        var queue = new Queue<LoadedObject>();
        queue.Enqueue(root);
        while (queue.Count > 0)
        {
            var obj = queue.Dequeue();
            foreach (var name in obj.Elf.Needed)
            {
                if (Loaded(name, obj) != null) continue;
                var searched = new List<string>();
                var found = _musl ? SearchMusl(name, obj, searched) : SearchGlibc(name, obj, searched);
                if (found == null)
                {
                    var list = optional ? _missingOptional : _missing;
                    if (!list.Any(m => m.Name == name)) list.Add(new MissingLibrary(name, obj, searched.Distinct().ToList()));
                    continue;
                }
                if (!found.Names.Contains(name)) found.Names.Add(name);
                if (_objects.Contains(found)) continue;           // the same file under another name
                if (found.Elf.Soname != null && !found.Names.Contains(found.Elf.Soname)) found.Names.Add(found.Elf.Soname);
                _objects.Add(found);
                queue.Enqueue(found);
            }
        }
    }

    /// <summary>An object already loaded under <paramref name="name"/> (or, for a path, at that path).</summary>
    private LoadedObject? Loaded(string name, LoadedObject requester)
    {
        if (_musl && IsMuslLibcName(name)) return _objects.FirstOrDefault(o => o.Kind == ObjectKind.Interpreter);
        if (name.Contains('/'))
        {
            string path = Expand(name, requester);
            return SameFile(path.StartsWith('/') ? path : "/" + path);
        }
        return _objects.FirstOrDefault(o => o.Kind != ObjectKind.Program && o.Names.Contains(name));
    }

    // ------------------------------------------------------------------ glibc

    private LoadedObject? SearchGlibc(string name, LoadedObject loader, List<string> searched)
    {
        if (name.Contains('/')) return TryPath(Expand(name, loader), name, loader, searched);

        if (loader.Elf.RunPath == null)
        {
            bool didMain = false;
            for (var l = loader; l != null; l = l.Loader)
            {
                if (l.Elf.RPath == null) continue;
                if (TryDirectories(SplitPath(l.Elf.RPath, l, ":"), name, loader, searched) is { } viaRPath) return viaRPath;
                didMain |= l == Program;
            }
            if (!didMain && Program?.Elf.RPath is { } mainRPath && loader.Kind != ObjectKind.Program)
                if (TryDirectories(SplitPath(mainRPath, Program, ":"), name, loader, searched) is { } viaMain) return viaMain;
        }
        if (_options.LdLibraryPath is { Length: > 0 } llp && Program != null)
            if (TryDirectories(SplitPath(llp, Program, ":;"), name, loader, searched) is { } viaEnv) return viaEnv;
        if (loader.Elf.RunPath is { } runpath)
            if (TryDirectories(SplitPath(runpath, loader, ":"), name, loader, searched) is { } viaRunPath) return viaRunPath;

        bool noDefault = loader.Elf.NoDefaultLib;
        _cacheDirectories ??= _options.CacheDirectories ?? LdSoConf.Directories();
        var cacheDirs = _cacheDirectories.Where(d => !(noDefault && IsSystemDirectory(d))).ToList();
        if (TryDirectories(cacheDirs, name, loader, searched, viaCache: true) is { } viaCache) return viaCache;
        if (!noDefault && TryDirectories(_systemDirectories, name, loader, searched) is { } viaDefault) return viaDefault;
        return null;
    }

    private bool IsSystemDirectory(string dir) => _systemDirectories.Contains(Normalize(dir));

    /// <summary>
    /// The default directories compiled into a glibc ld.so (its SYSTEM_DIRS string, e.g. Debian's
    /// "/lib/x86_64-linux-gnu/", "/usr/lib/x86_64-linux-gnu/", "/lib/", "/usr/lib/"), in their
    /// order in the binary; <see cref="FallbackSystemDirectories"/> when none is found.
    /// </summary>
    public static IReadOnlyList<string> SystemDirectoriesOf(string interpreterPath)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(interpreterPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return FallbackSystemDirectories; }
        var found = new List<(int Offset, string Dir)>();
        foreach (var dir in FallbackSystemDirectories)
        {
            int at = bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes("\0" + dir + "/\0"));
            if (at >= 0) found.Add((at, dir));
        }
        return found.Count == 0 ? FallbackSystemDirectories : found.OrderBy(f => f.Offset).Select(f => f.Dir).ToList();
    }

    // ------------------------------------------------------------------ musl

    private LoadedObject? SearchMusl(string name, LoadedObject loader, List<string> searched)
    {
        if (name.Contains('/')) return TryPath(name, name, loader, searched);
        if (_options.LdLibraryPath is { Length: > 0 } llp && Program != null)
            if (TryDirectories(SplitPath(llp, Program, ":\n"), name, loader, searched) is { } viaEnv) return viaEnv;
        for (var l = loader; l != null; l = l.Loader)
        {
            string? rpath = l.Elf.RunPath ?? l.Elf.RPath;
            if (rpath != null && TryDirectories(SplitPath(rpath, l, ":"), name, loader, searched) is { } viaRPath) return viaRPath;
        }
        return TryDirectories(_systemDirectories, name, loader, searched);
    }

    private static IReadOnlyList<string> MuslSystemDirectories()
    {
        const string file = "/etc/ld-musl-x86_64.path";
        try
        {
            if (File.Exists(file))
                return File.ReadAllText(file).Split([':', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return ["/lib", "/usr/local/lib", "/usr/lib"];
    }

    /// <summary>Names musl's ld.so answers with itself (libc.so, libpthread.so.0, libm.so.6...).</summary>
    private static bool IsMuslLibcName(string name)
    {
        if (!name.StartsWith("lib", StringComparison.Ordinal)) return false;
        int dot = name.IndexOf(".so", StringComparison.Ordinal);
        if (dot < 0 || (dot + 3 < name.Length && name[dot + 3] != '.')) return false;
        return name[3..dot] is "c" or "pthread" or "rt" or "m" or "dl" or "util" or "xnet";
    }

    // ------------------------------------------------------------------ search helpers

    private LoadedObject? TryDirectories(IEnumerable<string> dirs, string name, LoadedObject loader, List<string> searched, bool viaCache = false)
    {
        foreach (var dir in dirs)
        {
            searched.Add(dir);
            string path = dir.EndsWith('/') ? dir + name : dir + "/" + name;
            if (TryPath(path, name, loader, searched: null, viaCache && !IsSystemDirectory(dir)) is { } found) return found;
        }
        return null;
    }

    private LoadedObject? TryPath(string path, string name, LoadedObject loader, List<string>? searched, bool viaCache = false)
    {
        if (!path.StartsWith('/')) path = "/" + path;        // the guest's working directory is /
        searched?.Add(path);
        if (!HostElf.IsCandidate(path)) return null;
        // A file that is already loaded (through another path or name) is reused, as ld.so compares device and inode.
        if (SameFile(path) is { } same) return same;
        var elf = HostElf.Read(path, out var problem);
        if (elf == null || elf.Type != Compat.Loader.ElfFile.ET_DYN)
        {
            if (problem != null) Ui.Notice($"warning: skipping {path}: {problem}");
            return null;
        }
        return new LoadedObject
        {
            Kind = ObjectKind.Library, Path = path, ShownAs = path, Elf = elf, Loader = loader,
            Origin = DirectoryOf(path), FoundViaLdSoCache = viaCache,
        };
    }

    /// <summary>Splits a search path and expands dynamic string tokens; empty entries mean the working directory (/).</summary>
    private static IEnumerable<string> SplitPath(string list, LoadedObject owner, string separators)
    {
        foreach (var item in list.Split(separators.ToCharArray()))
            yield return item.Length == 0 ? "/" : Expand(item, owner).TrimEnd('/') is { Length: > 0 } d ? d : "/";
    }

    /// <summary>Expands $ORIGIN, ${ORIGIN}, $LIB, ${LIB}, $PLATFORM, ${PLATFORM}.</summary>
    public static string Expand(string s, LoadedObject owner) => ExpandTokens(s, owner.Origin);

    /// <summary>Expands the dynamic string tokens of <paramref name="s"/> with <paramref name="origin"/> for $ORIGIN.</summary>
    public static string ExpandTokens(string s, string origin)
    {
        if (!s.Contains('$')) return s;
        var sb = new StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] != '$') { sb.Append(s[i]); continue; }
            string? value = null;
            int used = 0;
            foreach (var (token, replacement) in new[] { ("ORIGIN", origin), ("PLATFORM", "x86_64"), ("LIB", "lib") })
            {
                if (string.CompareOrdinal(s, i + 1, token, 0, token.Length) == 0
                    && (i + 1 + token.Length == s.Length || !(char.IsAsciiLetterOrDigit(s[i + 1 + token.Length]) || s[i + 1 + token.Length] == '_')))
                { value = replacement; used = token.Length; break; }
                if (string.CompareOrdinal(s, i + 1, "{" + token + "}", 0, token.Length + 2) == 0)
                { value = replacement; used = token.Length + 2; break; }
            }
            if (value == null) { sb.Append('$'); continue; }
            sb.Append(value);
            i += used;
        }
        return sb.ToString();
    }

    private LoadedObject? SameFile(string path)
    {
        string? real = HostPaths.RealPath(path);
        if (real == null) return null;
        return _objects.FirstOrDefault(o => (_realPaths.TryGetValue(o, out var r) ? r : _realPaths[o] = HostPaths.RealPath(o.Path)) == real);
    }

    private static string DirectoryOf(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    /// <summary>Lexical normalization for comparing paths (collapses "//", "/./"; keeps "..").</summary>
    private static string Normalize(string path) =>
        "/" + string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(c => c != "."));
}
