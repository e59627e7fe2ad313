using System.Globalization;
using System.Text.Json;

namespace Compat.Ops.Image;

/// <summary>
/// An ops configuration file (<c>ops run -c FILE</c>) with the field names of Nanos ops'
/// config.json (matched case-insensitively, as Go's encoding/json does):
/// <list type="bullet">
/// <item><c>Program</c>: the program when none is given on the command line.</item>
/// <item><c>Args</c>: the program arguments (argv[1..], as in Nanos); arguments given after PROGRAM on the command line come first.</item>
/// <item><c>Env</c>: object of environment variables (-e on the command line overrides them).</item>
/// <item><c>Files</c> / <c>Dirs</c>: host paths packed at the same path (relative ones under /, the guest's working directory).</item>
/// <item><c>MapDirs</c>: object, host path pattern (glob) -&gt; guest directory.</item>
/// <item><c>NameServers</c>: array of addresses for /etc/resolv.conf.</item>
/// <item><c>Memory</c> or <c>RunConfig.Memory</c> ("256M", "1G", "512MB"); <c>CPUs</c> or <c>RunConfig.CPUs</c> (only 1 is supported);
/// <c>RunConfig.Ports</c> and <c>RunConfig.UDPPorts</c> (forwarded from the host's 127.0.0.1);
/// <c>RunConfig.Machine</c> ("microvm" or "q35", as ops run --machine; compat ops' own field).</item>
/// </list>
/// Other fields produce a warning, never an error; wrong types are errors.
/// </summary>
public sealed class ConfigFile
{
    /// <summary>Nanos fields that mean nothing here (accepted with a warning saying so).</summary>
    private static readonly string[] IgnoredNanosFields =
    [
        "Boot", "Kernel", "Klibs", "KlibDir", "BaseVolumeSz", "TargetRoot", "Version", "NanosVersion", "Debugflags", "DebugFlags",
        "ManifestPassthrough", "CloudConfig", "Mounts", "LocalFilesParentDirectory", "Uefi", "UefiBoot", "VolumesDir", "BuildDir",
        "Features", "Force", "NoTrace", "Tracing", "ProgramPath", "RebootOnExit",
    ];

    private static readonly string[] IgnoredRunConfigFields =
    [
        "Accel", "Background", "Bridged", "BridgeName", "Debug", "GdbPort", "Gateway", "IPAddress", "IPv6Address", "Imagename",
        "InstanceName", "Klibs", "Mounts", "NetMask", "Netmask", "Nics", "ShowDebug", "ShowErrors", "ShowWarnings", "Smp",
        "TapName", "Verbose", "Vga", "VirtioNet", "QMP", "AtExit", "JSON",
    ];

    /// <summary>The file as named.</summary>
    public required string Path { get; init; }
    /// <summary>Program, or null.</summary>
    public string? Program { get; private set; }
    /// <summary>Program arguments.</summary>
    public List<string> Args { get; } = [];
    /// <summary>Environment, KEY=VALUE in file order.</summary>
    public List<string> Env { get; } = [];
    /// <summary>Files and Dirs and MapDirs entries, in that order.</summary>
    public List<UserPath> Paths { get; } = [];
    /// <summary>Memory size (normalized to QEMU's syntax), or null.</summary>
    public string? Memory { get; private set; }
    /// <summary>RunConfig.Machine: "microvm" or "q35" (lower case), or null.</summary>
    public string? Machine { get; private set; }
    /// <summary>CPUs asked for, or null.</summary>
    public int? Cpus { get; private set; }
    /// <summary>RunConfig.Ports: TCP ports forwarded from the host.</summary>
    public List<string> Ports { get; } = [];
    /// <summary>RunConfig.UDPPorts.</summary>
    public List<string> UdpPorts { get; } = [];
    /// <summary>Name servers for /etc/resolv.conf.</summary>
    public List<string> NameServers { get; } = [];

    /// <summary>Reads and checks <paramref name="path"/>; warnings (unknown or ignored fields) go to <paramref name="warn"/>.</summary>
    public static ConfigFile Load(string path, Action<string> warn)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new OpsException($"--config {path}: {e.Message}", ExitCodes.Usage); }
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }); }
        catch (JsonException e) { throw new OpsException($"{path}: not valid JSON: {e.Message}", ExitCodes.Usage); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new OpsException($"{path}: expected a JSON object", ExitCodes.Usage);
            var config = new ConfigFile { Path = path };
            config.ReadTop(doc.RootElement, warn);
            return config;
        }
    }

    private void ReadTop(JsonElement root, Action<string> warn)
    {
        foreach (var field in root.EnumerateObject())
        {
            var v = field.Value;
            switch (field.Name.ToLowerInvariant())
            {
                case "program": Program = String(v, "Program"); break;
                case "args": Args.AddRange(Strings(v, "Args")); break;
                case "env":
                    foreach (var kv in Object(v, "Env").EnumerateObject())
                    {
                        if (kv.Name.Length == 0 || kv.Name.Contains('=')) throw Error($"Env: bad variable name '{kv.Name}'");
                        Env.Add(kv.Name + "=" + Scalar(kv.Value, "Env." + kv.Name));
                    }
                    break;
                case "files": Paths.AddRange(Strings(v, "Files").Select(f => new UserPath(UserPathKind.File, f, null, "config Files"))); break;
                case "dirs": Paths.AddRange(Strings(v, "Dirs").Select(d => new UserPath(UserPathKind.Directory, d, null, "config Dirs"))); break;
                case "mapdirs":
                    foreach (var kv in Object(v, "MapDirs").EnumerateObject())
                        Paths.AddRange(UserFiles.MapDir(kv.Name, String(kv.Value, "MapDirs." + kv.Name)));
                    break;
                case "nameservers": NameServers.AddRange(Strings(v, "NameServers")); break;
                case "memory": Memory = MemorySize(v, "Memory"); break;
                case "cpus": Cpus = Integer(v, "CPUs"); break;
                case "runconfig": ReadRunConfig(Object(v, "RunConfig"), warn); break;
                default:
                    warn(IgnoredNanosFields.Contains(field.Name, StringComparer.OrdinalIgnoreCase)
                        ? $"{Path}: field '{field.Name}' is not used by compat ops; ignored"
                        : $"{Path}: unknown field '{field.Name}' ignored");
                    break;
            }
        }
    }

    private void ReadRunConfig(JsonElement run, Action<string> warn)
    {
        foreach (var field in run.EnumerateObject())
        {
            var v = field.Value;
            switch (field.Name.ToLowerInvariant())
            {
                case "memory": Memory = MemorySize(v, "RunConfig.Memory"); break;
                case "cpus": Cpus = Integer(v, "RunConfig.CPUs"); break;
                case "ports": Ports.AddRange(Strings(v, "RunConfig.Ports", allowNumbers: true)); break;
                case "udpports": UdpPorts.AddRange(Strings(v, "RunConfig.UDPPorts", allowNumbers: true)); break;
                case "machine":
                    Machine = String(v, "RunConfig.Machine").ToLowerInvariant();
                    if (Machine is not ("microvm" or "q35")) throw Error($"RunConfig.Machine must be \"microvm\" or \"q35\", not \"{v.GetString()}\"");
                    break;
                default:
                    warn(IgnoredRunConfigFields.Contains(field.Name, StringComparer.OrdinalIgnoreCase)
                        ? $"{Path}: field 'RunConfig.{field.Name}' is not used by compat ops; ignored"
                        : $"{Path}: unknown field 'RunConfig.{field.Name}' ignored");
                    break;
            }
        }
    }

    private OpsException Error(string what) => new($"{Path}: {what}", ExitCodes.Usage);

    private string String(JsonElement v, string name) =>
        v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Error($"{name} must be a string");

    /// <summary>A string, number or boolean as text (Env values are often written as numbers).</summary>
    private string Scalar(JsonElement v, string name) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString()!,
        JsonValueKind.Number => v.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw Error($"{name} must be a string"),
    };

    private JsonElement Object(JsonElement v, string name) =>
        v.ValueKind == JsonValueKind.Object ? v : throw Error($"{name} must be an object");

    private List<string> Strings(JsonElement v, string name, bool allowNumbers = false)
    {
        if (v.ValueKind == JsonValueKind.Null) return [];
        if (v.ValueKind != JsonValueKind.Array) throw Error($"{name} must be an array of strings");
        return v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()!
            : allowNumbers && e.ValueKind == JsonValueKind.Number ? e.GetRawText()
            : throw Error($"{name} must be an array of strings")).ToList();
    }

    private int Integer(JsonElement v, string name)
    {
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) && n > 0) return n;
        if (v.ValueKind == JsonValueKind.String && int.TryParse(v.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out n) && n > 0) return n;
        throw Error($"{name} must be a positive integer");
    }

    /// <summary>"256M", "1G", "512MB", "2GiB", or a number of MiB -> QEMU's -m syntax.</summary>
    private string MemorySize(JsonElement v, string name)
    {
        string s = v.ValueKind switch
        {
            JsonValueKind.String => v.GetString()!.Trim(),
            JsonValueKind.Number => v.GetRawText() + "M",
            _ => throw Error($"{name} must be a size such as \"256M\""),
        };
        var m = System.Text.RegularExpressions.Regex.Match(s, @"^(\d+)\s*([KMGT])?(i?B)?$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (!m.Success) throw Error($"{name}: expected a size such as \"256M\" or \"1G\", not '{s}'");
        return m.Groups[1].Value + m.Groups[2].Value.ToUpperInvariant();
    }
}
