using System.IO.MemoryMappedFiles;
using System.Text;
using Compat.Loader;

namespace Compat.Ops.Image;

/// <summary>
/// What ops needs to know about an ELF file on the host to pack it and its libraries: read with
/// the kernel's own parsers (<see cref="ElfFile"/>, <see cref="ElfDynamic"/>) from a read-only
/// mapping of the file. Never executes anything.
/// </summary>
public sealed class HostElf
{
    /// <summary>The path the file was read from.</summary>
    public required string Path { get; init; }
    /// <summary>ELF type (2 = EXEC, 3 = DYN).</summary>
    public ushort Type { get; init; }
    /// <summary>PT_INTERP, or null.</summary>
    public string? Interpreter { get; init; }
    /// <summary>DT_NEEDED names in order.</summary>
    public IReadOnlyList<string> Needed { get; init; } = [];
    /// <summary>DT_SONAME, or null.</summary>
    public string? Soname { get; init; }
    /// <summary>DT_RPATH as ld.so uses it: null when absent or when DT_RUNPATH is present (which makes ld.so ignore DT_RPATH).</summary>
    public string? RPath { get; init; }
    /// <summary>DT_RUNPATH, or null.</summary>
    public string? RunPath { get; init; }
    /// <summary>DF_1_NODEFLIB: the default directories are not searched for this object's dependencies.</summary>
    public bool NoDefaultLib { get; init; }

    /// <summary>
    /// True when <paramref name="path"/> is a regular file that starts like an ELF64 little-endian
    /// x86-64 file (what ld.so accepts as a library candidate; other files are skipped).
    /// </summary>
    public static bool IsCandidate(string path)
    {
        try
        {
            if (!File.Exists(path)) return false;
            Span<byte> h = stackalloc byte[20];
            using var f = File.OpenRead(path);                // FileInfo.Length would be a symlink's own size
            if (f.Length < 64) return false;
            f.ReadExactly(h);
            return h[0] == 0x7F && h[1] == 'E' && h[2] == 'L' && h[3] == 'F' && h[4] == 2 && h[5] == 1
                   && (h[16] | (h[17] << 8)) is ElfFile.ET_DYN or ElfFile.ET_EXEC && (h[18] | (h[19] << 8)) == ElfFile.EM_X86_64;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>True when the file starts with the ELF magic (cheap; for scanning packed trees).</summary>
    public static bool HasElfMagic(string path)
    {
        try
        {
            Span<byte> h = stackalloc byte[4];
            using var f = File.OpenRead(path);
            return f.Read(h) == 4 && h[0] == 0x7F && h[1] == 'E' && h[2] == 'L' && h[3] == 'F';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>
    /// Reads <paramref name="path"/>; on failure returns null and a description in
    /// <paramref name="problem"/>. An <paramref name="executable"/> is validated as the kernel's
    /// loader validates programs (entry point included); otherwise as a shared object.
    /// </summary>
    public static unsafe HostElf? Read(string path, out string? problem, bool executable = false)
    {
        problem = null;
        long length;
        try { using var f = File.OpenRead(path); length = f.Length; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { problem = e.Message; return null; }
        if (length < 64) { problem = ElfFile.Describe(ElfError.TooSmall); return null; }
        try
        {
            using var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            using var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* data = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref data);
            try
            {
                data += view.PointerOffset;
                var error = executable ? ElfFile.Parse(data, (ulong)length, out ElfFile elf) : ElfFile.ParseSharedObject(data, (ulong)length, out elf);
                if (error != ElfError.None) { problem = ElfFile.Describe(error); return null; }
                var dynError = ElfDynamic.Read(ref elf, out ElfDynamic dyn);
                if (dynError != ElfDynamicError.None) { problem = ElfDynamic.Describe(dynError); return null; }

                string? interp = null;
                if (elf.HasInterpreter)
                {
                    byte* p = elf.InterpPath(out int n);
                    interp = Encoding.UTF8.GetString(p, n);
                }
                var needed = new List<string>(dyn.NeededCount);
                for (int i = 0; i < dyn.NeededCount; i++)
                {
                    byte* p = dyn.Needed(i, out int n);
                    needed.Add(Encoding.UTF8.GetString(p, n));
                }
                int len;
                byte* s = dyn.Soname(out len);
                string? soname = s == null ? null : Encoding.UTF8.GetString(s, len);
                s = dyn.RunPath(out len);
                string? runpath = s == null ? null : Encoding.UTF8.GetString(s, len);
                s = dyn.RPath(out len);
                string? rpath = s == null || runpath != null ? null : Encoding.UTF8.GetString(s, len);
                return new HostElf
                {
                    Path = path, Type = elf.Type, Interpreter = interp, Needed = needed, Soname = soname,
                    RPath = rpath, RunPath = runpath, NoDefaultLib = (dyn.Flags1 & ElfDynamic.DF_1_NODEFLIB) != 0,
                };
            }
            finally { view.SafeMemoryMappedViewHandle.ReleasePointer(); }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { problem = e.Message; return null; }
    }
}
