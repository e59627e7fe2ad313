// ELF64 reader shared by the kernel's loader and ops (one implementation, both builds).
// Validates everything the loader relies on and names the first problem it finds.
namespace Compat.Loader
{
    public enum ElfError
    {
        None,
        TooSmall,
        BadMagic,
        NotElf64,
        NotLittleEndian,
        BadVersion,
        NotX86_64,
        NotExecutable,
        BadProgramHeaders,
        NoLoadableSegments,
        SegmentOutsideFile,
        SegmentFileLargerThanMemory,
        SegmentMisaligned,
        SegmentsOverlap,
        SegmentAddressInvalid,
        BadInterpreter,
        EntryOutsideSegments,
    }

    /// <summary>The outcome of <see cref="ElfFile.CheckForExec"/> and <see cref="ElfFile.CheckInterpreter"/>.</summary>
    public enum ExecCheck { Ok, NotExecutable, ShortRead, BadInterpreter }

    public struct ElfSegment
    {
        public uint Type, Flags;
        public ulong Offset, VAddr, FileSize, MemSize, Align;
        public const uint PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_PHDR = 6, PT_TLS = 7,
            PT_GNU_STACK = 0x6474E551, PT_GNU_RELRO = 0x6474E552;
        public const uint PF_X = 1, PF_W = 2, PF_R = 4;
    }

    public unsafe struct ElfFile
    {
        public const ushort ET_EXEC = 2, ET_DYN = 3, EM_X86_64 = 62;
        public const ulong MaxUserAddress = 0x0000800000000000;

        public byte* Data;
        public ulong Length;
        public ushort Type;
        public ulong Entry;
        public ulong PhOffset;
        public int PhCount;
        public int InterpIndex;          // index of PT_INTERP, or -1
        public ulong LowAddress;         // lowest PT_LOAD vaddr, page aligned down
        public ulong HighAddress;        // end of the highest PT_LOAD, page aligned up

        public bool IsPositionIndependent => Type == ET_DYN;
        public bool HasInterpreter => InterpIndex >= 0;

        public ElfSegment Segment(int i)
        {
            byte* p = Data + PhOffset + (ulong)i * 56;
            ElfSegment s;
            s.Type = Read32(p);
            s.Flags = Read32(p + 4);
            s.Offset = Read64(p + 8);
            s.VAddr = Read64(p + 16);
            s.FileSize = Read64(p + 32);
            s.MemSize = Read64(p + 40);
            s.Align = Read64(p + 48);
            return s;
        }

        /// <summary>Interpreter path bytes (without the NUL) when PT_INTERP exists.</summary>
        public byte* InterpPath(out int length)
        {
            length = 0;
            if (InterpIndex < 0) return null;
            ElfSegment s = Segment(InterpIndex);
            byte* p = Data + s.Offset;
            while ((ulong)length < s.FileSize && p[length] != 0) length++;
            return p;
        }

        private static uint Read32(byte* p) => (uint)(p[0] | (p[1] << 8) | (p[2] << 16) | (p[3] << 24));
        private static ulong Read64(byte* p) => Read32(p) | ((ulong)Read32(p + 4) << 32);
        private static ushort Read16(byte* p) => (ushort)(p[0] | (p[1] << 8));

        /// <summary>Parses and validates an executable (ET_EXEC or ET_DYN with an entry point inside an executable segment).</summary>
        public static ElfError Parse(byte* data, ulong length, out ElfFile elf) => Parse(data, length, true, true, out elf);

        /// <summary>
        /// <see cref="Parse(byte*, ulong, out ElfFile)"/> for the kernel's loader, which (as Linux's
        /// binfmt_elf) does not look at EI_CLASS, EI_DATA or EI_VERSION: the header is read as
        /// 64-bit little-endian whatever they say.
        /// </summary>
        public static ElfError ParseForLoad(byte* data, ulong length, out ElfFile elf) => Parse(data, length, true, false, out elf);

        /// <summary>Most program headers Linux reads (load_elf_phdrs: 64 KiB of them).</summary>
        public const int MaxProgramHeaders = 65536 / 56;

        /// <summary>
        /// The checks Linux's load_elf_binary makes before the point of no return, in its order: the
        /// magic, type and machine, the program header table (size, count, inside the file), and
        /// the first PT_INTERP (2 to 4096 bytes, inside the file, NUL-terminated). A file failing
        /// them gets an error from execve (<see cref="ExecCheck.NotExecutable"/>: ENOEXEC;
        /// <see cref="ExecCheck.ShortRead"/>: EIO); one passing them that still cannot be loaded
        /// costs the process its old image (SIGSEGV). <paramref name="interpLength"/> is 0 without
        /// PT_INTERP, else the string's length without its NUL.
        /// </summary>
        public static ExecCheck CheckForExec(byte* data, ulong length, out ulong interpOffset, out int interpLength)
        {
            interpOffset = 0;
            interpLength = 0;
            // Shorter than a header: Linux's buffer is zero-padded, so the type check fails.
            if (length < 64) return ExecCheck.NotExecutable;
            if (data[0] != 0x7F || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F') return ExecCheck.NotExecutable;
            ExecCheck headers = CheckProgramHeaders(data, length);
            if (headers != ExecCheck.Ok) return headers;
            ulong phOffset = Read64(data + 32);
            int count = Read16(data + 56);
            for (int i = 0; i < count; i++)
            {
                byte* p = data + phOffset + (ulong)i * 56;
                if (Read32(p) != ElfSegment.PT_INTERP) continue;
                ulong offset = Read64(p + 8), size = Read64(p + 32);
                if (size > 4096 || size < 2) return ExecCheck.NotExecutable;
                if (offset > length || size > length - offset) return ExecCheck.ShortRead;
                if (data[offset + size - 1] != 0) return ExecCheck.NotExecutable;
                interpOffset = offset;
                interpLength = (int)size - 1;
                break;
            }
            return ExecCheck.Ok;
        }

        /// <summary>
        /// Linux's checks of a PT_INTERP file before the point of no return, given its first 64
        /// bytes and its length: ELF magic, machine, program header table (else ELIBBAD).
        /// </summary>
        public static ExecCheck CheckInterpreter(byte* header, ulong length)
        {
            if (header[0] != 0x7F || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F') return ExecCheck.BadInterpreter;
            if (Read16(header + 18) != EM_X86_64) return ExecCheck.BadInterpreter;
            return ProgramHeaderTableSound(header, length) ? ExecCheck.Ok : ExecCheck.BadInterpreter;
        }

        /// <summary>Linux's load_elf_phdrs: entries of 56 bytes, 1 to <see cref="MaxProgramHeaders"/> of them, all inside the file.</summary>
        private static bool ProgramHeaderTableSound(byte* header, ulong length)
        {
            ushort phEntSize = Read16(header + 54);
            int count = Read16(header + 56);
            ulong phOffset = Read64(header + 32);
            return phEntSize == 56 && count >= 1 && count <= MaxProgramHeaders && phOffset <= length && (ulong)count * 56 <= length - phOffset;
        }

        private static ExecCheck CheckProgramHeaders(byte* data, ulong length)
        {
            ushort type = Read16(data + 16);
            if (type != ET_EXEC && type != ET_DYN) return ExecCheck.NotExecutable;
            if (Read16(data + 18) != EM_X86_64) return ExecCheck.NotExecutable;
            return ProgramHeaderTableSound(data, length) ? ExecCheck.Ok : ExecCheck.NotExecutable;
        }

        /// <summary>
        /// Parses and validates a shared object (or an executable) like <see cref="Parse(byte*, ulong, out ElfFile)"/>
        /// but without the entry point check: libraries usually have e_entry 0 or an entry that is never used.
        /// </summary>
        public static ElfError ParseSharedObject(byte* data, ulong length, out ElfFile elf) => Parse(data, length, false, true, out elf);

        private static ElfError Parse(byte* data, ulong length, bool checkEntry, bool checkIdent, out ElfFile elf)
        {
            elf = default;
            elf.Data = data;
            elf.Length = length;
            elf.InterpIndex = -1;
            if (length < 4) return ElfError.TooSmall;
            if (data[0] != 0x7F || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F') return ElfError.BadMagic;
            if (length < 64) return ElfError.TooSmall;
            if (checkIdent && data[4] != 2) return ElfError.NotElf64;
            if (checkIdent && data[5] != 1) return ElfError.NotLittleEndian;
            if (checkIdent && data[6] != 1) return ElfError.BadVersion;
            elf.Type = Read16(data + 16);
            if (Read16(data + 18) != EM_X86_64) return ElfError.NotX86_64;
            if (elf.Type != ET_EXEC && elf.Type != ET_DYN) return ElfError.NotExecutable;
            elf.Entry = Read64(data + 24);
            elf.PhOffset = Read64(data + 32);
            ushort phEntSize = Read16(data + 54);
            elf.PhCount = Read16(data + 56);
            if (phEntSize != 56 || elf.PhCount == 0 || elf.PhCount > MaxProgramHeaders) return ElfError.BadProgramHeaders;
            if (elf.PhOffset > length || (ulong)elf.PhCount * 56 > length - elf.PhOffset) return ElfError.BadProgramHeaders;

            int loads = 0;
            ulong low = ulong.MaxValue, high = 0, prevEnd = 0;
            bool entryInside = false;
            for (int i = 0; i < elf.PhCount; i++)
            {
                ElfSegment s = elf.Segment(i);
                if (s.Type == ElfSegment.PT_INTERP && elf.InterpIndex < 0)       // the first one counts, as on Linux
                {
                    if (s.Offset > length || s.FileSize > length - s.Offset || s.FileSize < 2 || s.FileSize > 4096) return ElfError.BadInterpreter;
                    if (data[s.Offset + s.FileSize - 1] != 0) return ElfError.BadInterpreter;
                    elf.InterpIndex = i;
                }
                if (s.Type != ElfSegment.PT_LOAD) continue;
                if (s.Offset > length || s.FileSize > length - s.Offset) return ElfError.SegmentOutsideFile;
                if (s.FileSize > s.MemSize) return ElfError.SegmentFileLargerThanMemory;
                if ((s.VAddr & 0xFFF) != (s.Offset & 0xFFF)) return ElfError.SegmentMisaligned;
                if (s.MemSize > MaxUserAddress || s.VAddr >= MaxUserAddress || s.VAddr + s.MemSize > MaxUserAddress) return ElfError.SegmentAddressInvalid;
                ulong start = s.VAddr & ~0xFFFUL, end = (s.VAddr + s.MemSize + 0xFFF) & ~0xFFFUL;
                // Linux requires PT_LOAD in ascending vaddr order; page-granular overlap is fatal.
                if (loads > 0 && start < prevEnd && s.VAddr < prevEnd) return ElfError.SegmentsOverlap;
                if (start < low) low = start;
                if (end > high) high = end;
                prevEnd = s.VAddr + s.MemSize;
                if (elf.Entry >= s.VAddr && elf.Entry < s.VAddr + s.MemSize && (s.Flags & ElfSegment.PF_X) != 0) entryInside = true;
                loads++;
            }
            if (loads == 0) return ElfError.NoLoadableSegments;
            if (checkEntry && !entryInside) return ElfError.EntryOutsideSegments;
            elf.LowAddress = low;
            elf.HighAddress = high;
            return ElfError.None;
        }

        public static string Describe(ElfError e) => e switch
        {
            ElfError.None => "valid",
            ElfError.TooSmall => "file too small to be an ELF executable",
            ElfError.BadMagic => "not an ELF file (bad magic)",
            ElfError.NotElf64 => "not a 64-bit ELF file (ELF class 32-bit)",
            ElfError.NotLittleEndian => "not a little-endian ELF file",
            ElfError.BadVersion => "unknown ELF version",
            ElfError.NotX86_64 => "not an x86-64 ELF file (wrong machine)",
            ElfError.NotExecutable => "not an executable (ELF type is neither EXEC nor DYN)",
            ElfError.BadProgramHeaders => "program header table is truncated or malformed",
            ElfError.NoLoadableSegments => "no loadable (PT_LOAD) segments",
            ElfError.SegmentOutsideFile => "a segment's file data extends past the end of the file (truncated?)",
            ElfError.SegmentFileLargerThanMemory => "a segment's file size exceeds its memory size",
            ElfError.SegmentMisaligned => "a segment's address and file offset disagree modulo the page size",
            ElfError.SegmentsOverlap => "loadable segments overlap or are out of order",
            ElfError.SegmentAddressInvalid => "a segment lies outside the user address space",
            ElfError.BadInterpreter => "malformed PT_INTERP (interpreter path)",
            ElfError.EntryOutsideSegments => "entry point is not inside an executable segment",
            _ => "invalid ELF file",
        };
    }
}
