// ELF64 dynamic section reader shared by ops (library resolution) and the kernel. Like Elf.cs it
// uses only pointers and primitives (no collections, LINQ or exceptions): a malformed file gives
// an error code, never a crash. Everything an accessor can return is validated by Read.
namespace Compat.Loader
{
    /// <summary>Why a dynamic section cannot be used (<see cref="ElfDynamic.Describe"/> names it).</summary>
    public enum ElfDynamicError
    {
        None,
        MultipleDynamicSegments,
        DynamicOutsideFile,
        DynamicNotTerminated,
        TooManyEntries,
        StringTableMissing,
        StringTableOutsideSegments,
        StringOffsetOutOfRange,
        StringNotTerminated,
    }

    /// <summary>
    /// The dynamic section (PT_DYNAMIC) of a parsed <see cref="ElfFile"/>: its entries up to DT_NULL,
    /// the string table (DT_STRTAB, DT_STRSZ; addresses translated to file offsets through the
    /// PT_LOAD segments) and the strings ld.so searches with: DT_NEEDED, DT_SONAME, DT_RPATH and
    /// DT_RUNPATH. A file without PT_DYNAMIC (a static executable) reads fine with
    /// <see cref="Present"/> false and no entries.
    /// </summary>
    public unsafe struct ElfDynamic
    {
        public const long DT_NULL = 0, DT_NEEDED = 1, DT_STRTAB = 5, DT_STRSZ = 10, DT_SONAME = 14, DT_RPATH = 15,
            DT_RUNPATH = 29, DT_FLAGS_1 = 0x6FFFFFFB;
        /// <summary>DT_FLAGS_1 bit: do not search the default library directories for this object's dependencies.</summary>
        public const ulong DF_1_NODEFLIB = 0x800;
        /// <summary>Upper bound on dynamic entries (real files have well under a hundred).</summary>
        public const int MaxEntries = 65536;
        private const int EntrySize = 16;

        /// <summary>The whole file.</summary>
        public byte* Data;
        /// <summary>Its length in bytes.</summary>
        public ulong Length;
        /// <summary>True when the file has a PT_DYNAMIC segment.</summary>
        public bool Present;
        /// <summary>File offset of the dynamic array.</summary>
        public ulong TableOffset;
        /// <summary>Entries before DT_NULL.</summary>
        public int EntryCount;
        /// <summary>File offset and size of the string table (0, 0 when there is none).</summary>
        public ulong StringsOffset, StringsSize;
        /// <summary>Number of DT_NEEDED entries.</summary>
        public int NeededCount;
        /// <summary>String table offsets of DT_SONAME, DT_RPATH and DT_RUNPATH (the last of each, as ld.so), or -1.</summary>
        public long SonameOffset, RPathOffset, RunPathOffset;
        /// <summary>DT_FLAGS_1 (0 when absent).</summary>
        public ulong Flags1;

        /// <summary>True when the object has DT_RPATH (ld.so ignores DT_RPATH when DT_RUNPATH is also present).</summary>
        public bool HasRPath => RPathOffset >= 0;
        /// <summary>True when the object has DT_RUNPATH.</summary>
        public bool HasRunPath => RunPathOffset >= 0;

        /// <summary>d_tag of entry <paramref name="i"/> (0 &lt;= i &lt; EntryCount).</summary>
        public long Tag(int i) => (long)Read64(Data + TableOffset + (ulong)i * EntrySize);

        /// <summary>d_val / d_ptr of entry <paramref name="i"/>.</summary>
        public ulong Value(int i) => Read64(Data + TableOffset + (ulong)i * EntrySize + 8);

        /// <summary>The NUL-terminated string at <paramref name="offset"/> in the string table (length without the NUL), or null when out of range.</summary>
        public byte* String(ulong offset, out int length)
        {
            length = 0;
            if (StringsSize == 0 || offset >= StringsSize) return null;
            byte* p = Data + StringsOffset + offset;
            ulong max = StringsSize - offset;
            ulong n = 0;
            while (n < max && p[n] != 0) n++;
            if (n == max) return null;
            length = (int)n;
            return p;
        }

        /// <summary>The <paramref name="index"/>-th DT_NEEDED name (0 &lt;= index &lt; NeededCount), or null.</summary>
        public byte* Needed(int index, out int length)
        {
            length = 0;
            if (index < 0) return null;
            for (int i = 0; i < EntryCount; i++)
            {
                if (Tag(i) != DT_NEEDED) continue;
                if (index-- == 0) return String(Value(i), out length);
            }
            return null;
        }

        /// <summary>DT_SONAME, or null.</summary>
        public byte* Soname(out int length) => Optional(SonameOffset, out length);
        /// <summary>DT_RPATH (colon-separated directories), or null.</summary>
        public byte* RPath(out int length) => Optional(RPathOffset, out length);
        /// <summary>DT_RUNPATH (colon-separated directories), or null.</summary>
        public byte* RunPath(out int length) => Optional(RunPathOffset, out length);

        private byte* Optional(long offset, out int length)
        {
            length = 0;
            return offset < 0 ? null : String((ulong)offset, out length);
        }

        /// <summary>
        /// Translates the virtual address range [<paramref name="vaddr"/>, +<paramref name="size"/>)
        /// to a file offset: it must lie inside the file-backed part of one PT_LOAD segment.
        /// </summary>
        public static bool FileOffset(ref ElfFile elf, ulong vaddr, ulong size, out ulong offset)
        {
            offset = 0;
            for (int i = 0; i < elf.PhCount; i++)
            {
                ElfSegment s = elf.Segment(i);
                if (s.Type != ElfSegment.PT_LOAD) continue;
                if (vaddr < s.VAddr || vaddr - s.VAddr >= s.FileSize) continue;
                ulong delta = vaddr - s.VAddr;
                if (size > s.FileSize - delta) return false;
                if (s.Offset > elf.Length || delta > elf.Length - s.Offset || size > elf.Length - s.Offset - delta) return false;
                offset = s.Offset + delta;
                return true;
            }
            return false;
        }

        /// <summary>
        /// Reads and validates the dynamic section of <paramref name="elf"/> (from
        /// <see cref="ElfFile.Parse"/> or <see cref="ElfFile.ParseSharedObject"/>): every string the
        /// accessors can return is checked to be inside the string table and NUL-terminated.
        /// </summary>
        public static ElfDynamicError Read(ref ElfFile elf, out ElfDynamic dyn)
        {
            dyn = default;
            dyn.Data = elf.Data;
            dyn.Length = elf.Length;
            dyn.SonameOffset = dyn.RPathOffset = dyn.RunPathOffset = -1;

            int index = -1;
            for (int i = 0; i < elf.PhCount; i++)
            {
                if (elf.Segment(i).Type != ElfSegment.PT_DYNAMIC) continue;
                if (index >= 0) return ElfDynamicError.MultipleDynamicSegments;
                index = i;
            }
            if (index < 0) return ElfDynamicError.None;
            dyn.Present = true;

            ElfSegment d = elf.Segment(index);
            if (d.Offset > elf.Length || d.FileSize > elf.Length - d.Offset) return ElfDynamicError.DynamicOutsideFile;
            dyn.TableOffset = d.Offset;
            ulong slots = d.FileSize / EntrySize;
            bool terminated = false;
            ulong strtab = 0, strsz = 0;
            bool haveStrtab = false, haveStrsz = false;
            int count = 0;
            for (ulong i = 0; i < slots; i++)
            {
                if (i >= MaxEntries) return ElfDynamicError.TooManyEntries;
                byte* e = elf.Data + d.Offset + i * EntrySize;
                long tag = (long)Read64(e);
                ulong val = Read64(e + 8);
                if (tag == DT_NULL) { terminated = true; break; }
                count++;
                if (tag == DT_NEEDED) dyn.NeededCount++;
                else if (tag == DT_STRTAB) { strtab = val; haveStrtab = true; }
                else if (tag == DT_STRSZ) { strsz = val; haveStrsz = true; }
                else if (tag == DT_SONAME) dyn.SonameOffset = (long)(val & 0x7FFFFFFFFFFFFFFFUL);
                else if (tag == DT_RPATH) dyn.RPathOffset = (long)(val & 0x7FFFFFFFFFFFFFFFUL);
                else if (tag == DT_RUNPATH) dyn.RunPathOffset = (long)(val & 0x7FFFFFFFFFFFFFFFUL);
                else if (tag == DT_FLAGS_1) dyn.Flags1 = val;
            }
            if (!terminated) return ElfDynamicError.DynamicNotTerminated;
            dyn.EntryCount = count;

            bool needStrings = dyn.NeededCount > 0 || dyn.SonameOffset >= 0 || dyn.RPathOffset >= 0 || dyn.RunPathOffset >= 0;
            if (haveStrtab)
            {
                if (haveStrsz)
                {
                    if (!FileOffset(ref elf, strtab, strsz, out dyn.StringsOffset)) return ElfDynamicError.StringTableOutsideSegments;
                    dyn.StringsSize = strsz;
                }
                else
                {
                    // No DT_STRSZ: the table can extend to the end of the segment's file data.
                    if (!FileOffset(ref elf, strtab, 1, out dyn.StringsOffset)) return ElfDynamicError.StringTableOutsideSegments;
                    dyn.StringsSize = SegmentFileEnd(ref elf, strtab) - strtab;
                }
            }
            else if (needStrings) return ElfDynamicError.StringTableMissing;
            if (!needStrings) return ElfDynamicError.None;

            ElfDynamicError r = ElfDynamicError.None;
            for (int i = 0; i < count && r == ElfDynamicError.None; i++)
            {
                long tag = dyn.Tag(i);
                if (tag == DT_NEEDED || tag == DT_SONAME || tag == DT_RPATH || tag == DT_RUNPATH) r = dyn.CheckString(dyn.Value(i));
            }
            return r;
        }

        private ElfDynamicError CheckString(ulong offset)
        {
            if (offset >= StringsSize) return ElfDynamicError.StringOffsetOutOfRange;
            return String(offset, out _) == null ? ElfDynamicError.StringNotTerminated : ElfDynamicError.None;
        }

        private static ulong SegmentFileEnd(ref ElfFile elf, ulong vaddr)
        {
            for (int i = 0; i < elf.PhCount; i++)
            {
                ElfSegment s = elf.Segment(i);
                if (s.Type == ElfSegment.PT_LOAD && vaddr >= s.VAddr && vaddr - s.VAddr < s.FileSize) return s.VAddr + s.FileSize;
            }
            return vaddr;
        }

        private static ulong Read64(byte* p) =>
            (uint)(p[0] | (p[1] << 8) | (p[2] << 16) | (p[3] << 24)) | ((ulong)(uint)(p[4] | (p[5] << 8) | (p[6] << 16) | (p[7] << 24)) << 32);

        /// <summary>A short English description of <paramref name="e"/>.</summary>
        public static string Describe(ElfDynamicError e) => e switch
        {
            ElfDynamicError.None => "valid",
            ElfDynamicError.MultipleDynamicSegments => "more than one PT_DYNAMIC segment",
            ElfDynamicError.DynamicOutsideFile => "the dynamic section extends past the end of the file (truncated?)",
            ElfDynamicError.DynamicNotTerminated => "the dynamic section has no DT_NULL terminator",
            ElfDynamicError.TooManyEntries => "the dynamic section has too many entries",
            ElfDynamicError.StringTableMissing => "dynamic entries name strings but there is no DT_STRTAB",
            ElfDynamicError.StringTableOutsideSegments => "the dynamic string table is not inside a loadable segment's file data",
            ElfDynamicError.StringOffsetOutOfRange => "a dynamic entry's string offset is outside the string table",
            ElfDynamicError.StringNotTerminated => "a dynamic string is not NUL-terminated inside the string table",
            _ => "invalid dynamic section",
        };
    }
}
