// Loads an ELF executable into the user address space and builds the initial stack
// (argc, argv, envp, auxv) exactly as Linux's binfmt_elf lays it out.
using Compat.Loader;
using Kernel.Memory;

namespace Kernel.Loader
{
    internal struct LoadedImage
    {
        public ulong Entry;          // where execution starts (the interpreter's entry when there is one)
        public ulong ProgramEntry;   // the program's own entry (AT_ENTRY)
        public ulong Bias;           // load bias (0 for ET_EXEC)
        public ulong PhdrAddress, PhEntSize, PhCount;
        public ulong InterpBase;     // AT_BASE
        public ulong End;            // end of the highest segment (brk starts here)
        public ulong Vdso;           // AT_SYSINFO_EHDR, 0 when no vDSO is mapped
    }

    internal static unsafe class ElfLoader
    {
        public const ulong PieBase = 0x0000555555554000;
        public const ulong InterpBase = 0x00007FFFF7FC0000;

        /// <summary>
        /// Maps every PT_LOAD of <paramref name="elf"/> (the contents of <paramref name="node"/>) at
        /// <paramref name="bias"/>. Returns 0 or -errno. As Linux's binfmt_elf, the pages holding file
        /// bytes are a private mapping of the file (named in /proc/PID/maps, refilled from it after
        /// MADV_DONTNEED) and the bss pages past them anonymous memory.
        /// </summary>
        public static long MapSegments(ref ElfFile elf, ulong bias, Vfs.Inode node)
        {
            ulong prevEnd = 0;
            for (int i = 0; i < elf.PhCount; i++)
            {
                ElfSegment s = elf.Segment(i);
                if (s.Type != ElfSegment.PT_LOAD || s.MemSize == 0) continue;
                int prot = ((s.Flags & ElfSegment.PF_R) != 0 ? Prot.Read : 0) |
                           ((s.Flags & ElfSegment.PF_W) != 0 ? Prot.Write : 0) |
                           ((s.Flags & ElfSegment.PF_X) != 0 ? Prot.Exec : 0);
                ulong start = AddressSpace.PageDown(s.VAddr + bias);
                ulong end = AddressSpace.PageUp(s.VAddr + bias + s.MemSize);
                // A page shared with the previous segment keeps its mapping; its rights become the union.
                ulong vmaStart = start < prevEnd ? prevEnd : start;
                if (vmaStart < end)
                {
                    if (!AddressSpace.IsFree(vmaStart, end)) return -Errno.ENOMEM;
                    ulong fileEnd = s.FileSize == 0 ? vmaStart : AddressSpace.PageUp(s.VAddr + bias + s.FileSize);
                    if (fileEnd > end) fileEnd = end;
                    if (fileEnd < vmaStart) fileEnd = vmaStart;
                    int fileId = fileEnd > vmaStart && node != null ? MappedFiles.Add(node) : 0;   // 0: no memory for the table, unnamed
                    if (fileId != 0)
                    {
                        AddressSpace.Insert(vmaStart, fileEnd, prot, Vma.Image, fileId, AddressSpace.PageDown(s.Offset) + (vmaStart - start));
                        if (fileEnd < end) AddressSpace.Insert(fileEnd, end, prot, Vma.Image);
                    }
                    else AddressSpace.Insert(vmaStart, end, prot, Vma.Image);
                }
                ulong flags = PageTable.FlagsFor(prot);
                for (ulong va = start; va < end; va += AddressSpace.PageSize)
                {
                    ulong phys = PageTable.Lookup(va, out ulong oldFlags);
                    bool fresh = phys == 0;
                    if (fresh)
                    {
                        phys = Mm.Pages.Alloc(1);
                        if (phys == 0) return -Errno.ENOMEM;
                        PageTable.Map(va, phys, flags);
                        AddressSpace.PagesMapped++;
                    }
                    else
                    {
                        ulong union = (oldFlags | flags) & ~PageTable.NoExecute;
                        if ((oldFlags & PageTable.NoExecute) != 0 && (flags & PageTable.NoExecute) != 0) union |= PageTable.NoExecute;
                        PageTable.SetFlags(va, union & (PageTable.Writable | PageTable.NoExecute));
                    }
                    // Copy the part of the file image that falls in this page (through the direct map,
                    // so read-only pages can be filled).
                    ulong segFileStart = s.VAddr + bias, segFileEnd = segFileStart + s.FileSize;
                    ulong copyStart = va > segFileStart ? va : segFileStart;
                    ulong copyEnd = va + AddressSpace.PageSize < segFileEnd ? va + AddressSpace.PageSize : segFileEnd;
                    byte* page = (byte*)Mm.PhysToVirt(phys);
                    if (copyStart < copyEnd)
                    {
                        // A new page is written once: zeroes only where the file's bytes do not go.
                        if (fresh)
                        {
                            Mem.Zero(page, copyStart - va);
                            Mem.Zero(page + (copyEnd - va), va + AddressSpace.PageSize - copyEnd);
                        }
                        Mem.Copy(page + (copyStart - va), elf.Data + s.Offset + (copyStart - segFileStart), copyEnd - copyStart);
                    }
                    else if (fresh) Mem.Zero(page, AddressSpace.PageSize);
                }
                if (end > prevEnd) prevEnd = end;
            }
            return 0;
        }

        /// <summary>Loads the program and, for a dynamic one, its interpreter (PT_INTERP) from the VFS.
        /// Returns 0 or -errno; <paramref name="error"/> names ELF problems.</summary>
        public static long Load(Vfs.Inode node, byte* file, ulong length, out LoadedImage image, out ElfError error, out byte* interpPath)
        {
            image = default;
            interpPath = null;
            error = ElfFile.ParseForLoad(file, length, out ElfFile elf);
            if (error != ElfError.None) return -Errno.ENOEXEC;
            ulong bias = elf.IsPositionIndependent ? PieBase - elf.LowAddress : 0;
            if (!elf.IsPositionIndependent && elf.LowAddress < AddressSpace.MinAddress) return -Errno.ENOMEM;
            long r = MapSegments(ref elf, bias, node);
            if (r < 0) return r;

            if (elf.HasInterpreter)
            {
                interpPath = elf.InterpPath(out int interpLen);
                r = Process.FindExecutable(interpPath, (ulong)interpLen, out Vfs.Inode interpNode);
                if (r < 0) return r;
                // One block for the parser: the initrd's bytes, or a copy of a file written at run time.
                byte* data = Vfs.FileSystem.Contiguous(interpNode, out byte* copy);
                if (data == null) return interpNode.Size > 0 ? -Errno.ENOMEM : -Errno.ELIBBAD;
                error = ElfFile.ParseForLoad(data, (ulong)interpNode.Size, out ElfFile interp);
                if (error != ElfError.None) r = -Errno.ELIBBAD;
                else if (!interp.IsPositionIndependent || interp.HasInterpreter) r = -Errno.ELIBBAD;
                else r = MapSegments(ref interp, InterpBase - interp.LowAddress, interpNode);
                Vfs.FileSystem.FreeContiguous(copy);
                if (r < 0) return r;
                ulong interpBias = InterpBase - interp.LowAddress;
                image.InterpBase = InterpBase;
                image.Entry = interp.Entry + interpBias;
            }
            image.Bias = bias;
            image.ProgramEntry = elf.Entry + bias;
            if (!elf.HasInterpreter) image.Entry = image.ProgramEntry;
            image.PhEntSize = 56;
            image.PhCount = (ulong)elf.PhCount;
            image.End = elf.HighAddress + bias;
            image.PhdrAddress = 0;
            for (int i = 0; i < elf.PhCount; i++)
            {
                ElfSegment s = elf.Segment(i);
                if (s.Type == ElfSegment.PT_PHDR) { image.PhdrAddress = s.VAddr + bias; break; }
                if (s.Type == ElfSegment.PT_LOAD && elf.PhOffset >= s.Offset && elf.PhOffset < s.Offset + s.FileSize)
                    image.PhdrAddress = s.VAddr + bias + (elf.PhOffset - s.Offset);
            }
            return 0;
        }
    }

    /// <summary>Builds the System V initial process stack at the top of the stack region.</summary>
    internal static unsafe class InitialStack
    {
        private static ulong s_sp;
        private static bool s_fault;

        /// <summary>AT_SECURE for the next Build: the exec changed identity or gained capabilities (the C library then ignores LD_* and the like).</summary>
        public static bool Secure;

        private static ulong PushBytes(byte* data, ulong n)
        {
            s_sp -= n;
            if (UserMemory.CopyTo(s_sp, data, n) != 0) s_fault = true;
            return s_sp;
        }

        private static void PushWord(ulong v)
        {
            s_sp -= 8;
            if (UserMemory.CopyTo(s_sp, &v, 8) != 0) s_fault = true;
        }

        /// <summary>Returns the initial RSP, or 0 on failure. Strings are NUL-separated lists.</summary>
        public static ulong Build(in LoadedImage img, byte* argv, ulong argvLen, int argc, byte* envp, ulong envpLen, int envc,
                                  byte* execfn, ulong execfnLen, byte* random16)
        {
            s_sp = AddressSpace.StackTop;
            s_fault = false;
            ulong execfnAddr = PushBytes(execfn, execfnLen);       // execfnLen includes the NUL
            ulong envStart = PushBytes(envp, envpLen);
            ulong argStart = PushBytes(argv, argvLen);
            byte* platform = stackalloc byte[7];
            platform[0] = (byte)'x'; platform[1] = (byte)'8'; platform[2] = (byte)'6'; platform[3] = (byte)'_';
            platform[4] = (byte)'6'; platform[5] = (byte)'4'; platform[6] = 0;
            ulong platformAddr = PushBytes(platform, 7);
            s_sp &= ~15UL;
            ulong randomAddr = PushBytes(random16, 16);

            // Words below: auxv pairs, NULL, envp, NULL, argv, argc. Keep the final RSP 16-aligned.
            const int AuxPairs = 21;
            ulong words = 1 + (ulong)argc + 1 + (ulong)envc + 1 + AuxPairs * 2;
            s_sp &= ~15UL;
            if ((words & 1) != 0) s_sp -= 8;

            PushWord(0); PushWord(Auxv.AT_NULL);
            PushWord(execfnAddr); PushWord(Auxv.AT_EXECFN);
            PushWord(platformAddr); PushWord(Auxv.AT_PLATFORM);
            PushWord(randomAddr); PushWord(Auxv.AT_RANDOM);
            Credentials cred = Credentials.Current;
            PushWord(Secure ? 1UL : 0); PushWord(Auxv.AT_SECURE);
            PushWord(cred.Egid); PushWord(Auxv.AT_EGID);
            PushWord(cred.Gid); PushWord(Auxv.AT_GID);
            PushWord(cred.Euid); PushWord(Auxv.AT_EUID);
            PushWord(cred.Uid); PushWord(Auxv.AT_UID);
            PushWord(img.ProgramEntry); PushWord(Auxv.AT_ENTRY);
            PushWord(0); PushWord(Auxv.AT_FLAGS);
            PushWord(img.InterpBase); PushWord(Auxv.AT_BASE);
            PushWord(img.PhCount); PushWord(Auxv.AT_PHNUM);
            PushWord(img.PhEntSize); PushWord(Auxv.AT_PHENT);
            PushWord(img.PhdrAddress); PushWord(Auxv.AT_PHDR);
            PushWord(100); PushWord(Auxv.AT_CLKTCK);
            PushWord(4096); PushWord(Auxv.AT_PAGESZ);
            PushWord(0); PushWord(Auxv.AT_HWCAP2);
            PushWord(Arch.CpuFeatures.Hwcap); PushWord(Auxv.AT_HWCAP);
            PushWord(2048); PushWord(Auxv.AT_MINSIGSTKSZ);
            PushWord(img.Vdso); PushWord(img.Vdso != 0 ? Auxv.AT_SYSINFO_EHDR : Auxv.AT_IGNORE);

            PushWord(0);
            PushPointers(envStart, envp, envpLen, envc);
            PushWord(0);
            PushPointers(argStart, argv, argvLen, argc);
            PushWord((ulong)argc);
            return s_fault ? 0 : s_sp;
        }

        // Pushes the addresses of the NUL-separated strings, last first, so they read in order.
        private static void PushPointers(ulong userBase, byte* list, ulong len, int count)
        {
            ulong* starts = stackalloc ulong[count > 0 ? count : 1];
            int n = 0;
            ulong begin = 0;
            for (ulong i = 0; i < len && n < count; i++)
                if (list[i] == 0) { starts[n++] = userBase + begin; begin = i + 1; }
            for (int i = n - 1; i >= 0; i--) PushWord(starts[i]);
        }
    }
}
