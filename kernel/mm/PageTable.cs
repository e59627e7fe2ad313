// Page tables. Every memory map (process) has its own PML4: the upper half is the kernel's and is
// the same in all of them (the direct map of RAM, the kernel-stack area and the kernel image at
// 0xFFFFFFFF80000000, whose PDPTs are shared); the lower half is the program's alone, nothing of
// the kernel lives there. Walk/Map/Unmap act on the loaded (active) table; a syscall never
// switches CR3.
using Kernel.Arch;

namespace Kernel.Memory
{
    internal static unsafe class PageTable
    {
        public const ulong Present = 1, Writable = 2, User = 4, Huge = 0x80, NoExecute = 1UL << 63;
        public const ulong Dirty = 0x40;
        public const ulong WriteThrough = 8, CacheDisable = 0x10;   // PWT|PCD with the reset PAT: uncached (MMIO)
        public const ulong ProtNone = 1UL << 9;          // software bit: frame kept, access denied
        public const ulong Cow = 1UL << 10;              // software bit: frame shared copy-on-write, mapped read-only
        private const ulong AddrMask = 0x000FFFFFFFFFF000;
        public const ulong KernelStacksBase = 0xFFFFC00000000000;   // PML4 entry 384: kernel stacks
        private const int KernelStacksSlot = 384;
        private const int DirectMapSlot = 256, KernelImageSlot = 511;

        private static ulong* s_pml4;                   // the loaded table (per CPU, like CR3 itself)
        public static ulong Root;
        private static ulong* s_kernelPml4;             // the kernel-only table: idle thread, template
        public static ulong KernelRoot;

        public static void Init()
        {
            ulong bootPml4 = Native.ReadCr3() & AddrMask;
            s_kernelPml4 = NewTable(out KernelRoot);
            ulong* boot = (ulong*)Mm.PhysToVirt(bootPml4);
            // The direct map (boot.asm's 2 MiB pages, which also served the identity map for the
            // jump high): RAM is data, never code.
            s_kernelPml4[DirectMapSlot] = boot[DirectMapSlot];
            ulong* dmPdpt = (ulong*)Mm.PhysToVirt(boot[DirectMapSlot] & AddrMask);
            for (int g = 0; g < 512; g++)
            {
                if ((dmPdpt[g] & Present) == 0) continue;
                ulong* pd = (ulong*)Mm.PhysToVirt(dmPdpt[g] & AddrMask);
                for (int i = 0; i < 512; i++) if ((pd[i] & Present) != 0) pd[i] |= NoExecute;
            }
            ProtectImageInDirectMap((ulong*)Mm.PhysToVirt(dmPdpt[0] & AddrMask));
            NewTable(out ulong stacksPdpt);
            s_kernelPml4[KernelStacksSlot] = stacksPdpt | Present | Writable;   // shared by every root
            s_kernelPml4[KernelImageSlot] = MapImage();
            // Nothing in the lower half: the identity map is gone, virtual address 0 faults.
            s_pml4 = s_kernelPml4;
            Root = KernelRoot;
            Native.WriteCr3(Root);
        }

        /// <summary>
        /// The kernel image at its link address with 4 KiB pages and per-section rights (W^X):
        /// text read+execute, read-only data read-only and no-execute, data and bss writable and
        /// no-execute. The page before the text (PVH note, 32-bit entry) is left out. Returns the
        /// PML4 entry (a PDPT shared by every root).
        /// </summary>
        private static ulong MapImage()
        {
            ulong* pdpt = NewTable(out ulong pdptPhys);
            ulong text = Symbols.TextStart, rodata = Symbols.RodataStart, data = Symbols.DataStart, end = Symbols.KernelEnd;
            for (ulong va = text; va < end; va += 4096)
            {
                ulong* pde = &pdpt[(va >> 30) & 511];
                if ((*pde & Present) == 0) { NewTable(out ulong p); *pde = p | Present | Writable; }
                ulong* pd = (ulong*)Mm.PhysToVirt(*pde & AddrMask);
                ulong* pte = &pd[(va >> 21) & 511];
                if ((*pte & Present) == 0) { NewTable(out ulong p); *pte = p | Present | Writable; }
                ulong* pt = (ulong*)Mm.PhysToVirt(*pte & AddrMask);
                ulong rights = va < rodata ? 0 : va < data ? NoExecute : Writable | NoExecute;
                pt[(va >> 12) & 511] = (va - Symbols.KernelVirtualBase) | Present | rights;
            }
            return pdptPhys | Present | Writable;
        }

        /// <summary>
        /// The direct map aliases the image: its 2 MiB pages over text and read-only data become
        /// 4 KiB pages with those frames read-only, so W^X holds through the alias too.
        /// <paramref name="pd"/> is the direct map's first GiB (the image lies below 1 GiB).
        /// </summary>
        private static void ProtectImageInDirectMap(ulong* pd)
        {
            ulong roStart = Symbols.TextStart - Symbols.KernelVirtualBase, roEnd = Symbols.DataStart - Symbols.KernelVirtualBase;
            for (ulong big = roStart & ~0x1FFFFFUL; big < roEnd; big += 0x200000)
            {
                ulong* e = &pd[big >> 21];
                if ((*e & (Present | Huge)) != (Present | Huge)) continue;
                ulong* pt = NewTable(out ulong ptPhys);
                for (ulong i = 0; i < 512; i++)
                {
                    ulong pa = big + (i << 12);
                    pt[i] = pa | Present | NoExecute | (pa >= roStart && pa < roEnd ? 0 : Writable);
                }
                *e = ptPhys | Present | Writable;
            }
        }

        /// <summary>Physical address of the PDPT behind the direct map (PML4 entry 256, shared by every root).</summary>
        public static ulong DirectMapPdpt() => s_kernelPml4[DirectMapSlot] & AddrMask;

        /// <summary>A new, empty user address space sharing the kernel's upper half. Returns its physical address.</summary>
        public static ulong NewRoot()
        {
            ulong* t = NewTable(out ulong phys);
            for (int i = 256; i < 512; i++) t[i] = s_kernelPml4[i];
            return phys;
        }

        /// <summary>True when nothing is mapped in the lower half of <paramref name="root"/> (self-test).</summary>
        public static bool LowerHalfEmpty(ulong root)
        {
            ulong* t = (ulong*)Mm.PhysToVirt(root);
            for (int i = 0; i < 256; i++) if (t[i] != 0) return false;
            return true;
        }

        /// <summary>The leaf entry mapping kernel address <paramref name="va"/> in the kernel table (4 KiB or 2 MiB), or 0 (self-test).</summary>
        public static ulong KernelEntry(ulong va)
        {
            ulong* table = s_kernelPml4;
            for (int shift = 39; shift >= 12; shift -= 9)
            {
                ulong e = table[(va >> shift) & 511];
                if ((e & Present) == 0 || shift == 12 || (e & Huge) != 0) return e;
                table = (ulong*)Mm.PhysToVirt(e & AddrMask);
            }
            return 0;
        }

        /// <summary>Loads another root into CR3 (a switch between processes).</summary>
        public static void Activate(ulong root)
        {
            if (root == Root) return;
            Root = root;
            s_pml4 = (ulong*)Mm.PhysToVirt(root);
            Native.WriteCr3(root);
        }

        /// <summary>Maps one kernel page (supervisor, no-execute) in the kernel-stack area, visible in every root.</summary>
        public static bool MapKernel(ulong va, ulong phys) => MapKernel(va, phys, 0);

        /// <summary>The same with extra leaf flags (<see cref="CacheDisable"/> | <see cref="WriteThrough"/> for device registers).</summary>
        public static bool MapKernel(ulong va, ulong phys, ulong flags)
        {
            ulong* table = s_kernelPml4;
            for (int shift = 39; shift > 12; shift -= 9)
            {
                ulong* e = &table[(va >> shift) & 511];
                if ((*e & Present) == 0)
                {
                    ulong* t = NewTableOrNull(out ulong p);
                    if (t == null) return false;
                    *e = p | Present | Writable;
                }
                table = (ulong*)Mm.PhysToVirt(*e & AddrMask);
            }
            table[(va >> 12) & 511] = (phys & AddrMask) | Present | Writable | NoExecute | flags;
            Native.Invlpg(va);
            return true;
        }

        /// <summary>Removes a kernel-area page and returns its frame.</summary>
        public static ulong UnmapKernel(ulong va)
        {
            ulong* table = s_kernelPml4;
            for (int shift = 39; shift > 12; shift -= 9)
            {
                ulong e = table[(va >> shift) & 511];
                if ((e & Present) == 0) return 0;
                table = (ulong*)Mm.PhysToVirt(e & AddrMask);
            }
            ulong* leaf = &table[(va >> 12) & 511];
            ulong phys = *leaf & AddrMask;
            *leaf = 0;
            Native.Invlpg(va);
            return phys;
        }

        private static ulong* NewTableOrNull(out ulong phys)
        {
            phys = Mm.Pages.Alloc(1);
            if (phys == 0) return null;
            ulong* t = (ulong*)Mm.PhysToVirt(phys);
            Mem.Zero(t, 4096);
            return t;
        }

        private static ulong* NewTable(out ulong phys)
        {
            phys = Mm.Pages.Alloc(1);
            if (phys == 0) Panic.Fail("out of memory for page tables");
            ulong* t = (ulong*)Mm.PhysToVirt(phys);
            Mem.Zero(t, 4096);
            return t;
        }

        /// <summary>The leaf entry for a user page, creating intermediate tables when asked.</summary>
        private static ulong* Walk(ulong va, bool create)
        {
            if (va >= AddressSpace.UserEnd) return null;                      // the kernel half is not user pages
            ulong* table = s_pml4;
            for (int shift = 39; shift > 12; shift -= 9)
            {
                ulong* e = &table[(va >> shift) & 511];
                if ((*e & Present) == 0)
                {
                    if (!create) return null;
                    NewTable(out ulong phys);
                    *e = phys | Present | Writable | User;
                }
                table = (ulong*)Mm.PhysToVirt(*e & AddrMask);
            }
            return &table[(va >> 12) & 511];
        }

        public static bool Map(ulong va, ulong phys, ulong flags)
        {
            ulong* e = Walk(va, true);
            if (e == null) return false;
            *e = Entry(phys, flags);
            Native.Invlpg(va);
            return true;
        }

        private static ulong Entry(ulong phys, ulong flags) =>
            (flags & ProtNone) != 0 ? (phys & AddrMask) | ProtNone : (phys & AddrMask) | flags | Present | User;

        private static bool Valid(ulong e) => (e & (Present | ProtNone)) != 0;

        /// <summary>Physical frame behind a user page, or 0.</summary>
        public static ulong Lookup(ulong va, out ulong flags)
        {
            ulong* e = Walk(va, false);
            flags = e == null ? 0 : *e & ~AddrMask;
            return e == null || !Valid(*e) ? 0 : *e & AddrMask;
        }

        /// <summary>Removes a user mapping and returns the frame it pointed to (0 if none).</summary>
        public static ulong Unmap(ulong va)
        {
            ulong* e = Walk(va, false);
            if (e == null || !Valid(*e)) return 0;
            ulong phys = *e & AddrMask;
            *e = 0;
            Native.Invlpg(va);
            return phys;
        }

        public static void ClearDirty(ulong va)
        {
            ulong* e = Walk(va, false);
            if (e == null) return;
            *e &= ~Dirty;
            Native.Invlpg(va);
        }

        public static void SetFlags(ulong va, ulong flags)
        {
            ulong* e = Walk(va, false);
            if (e == null || !Valid(*e)) return;
            ulong dirty = *e & Dirty;                       // keep MAP_SHARED write-back information
            *e = Entry(*e & AddrMask, flags);
            if ((*e & Present) != 0) *e |= dirty;
            Native.Invlpg(va);
        }

        // ---- whole address spaces --------------------------------------------------------------

        /// <summary>What fork does with a user page (the callback of CloneRoot and FreeRoot says, per address):
        /// private pages become copy-on-write; shared ones (MAP_SHARED, owned by the mapping page cache) are
        /// mapped as they are; counted ones (an aio ring, owned by its context) too, with one more owner.</summary>
        public const int CopyPrivate = 0, CopyShared = 1, CopyCounted = 2;

        /// <summary>
        /// fork: a new root whose lower half is a private copy of the loaded one (the lower half is
        /// all user pages): private frames are shared copy-on-write, frames <paramref name="isShared"/>
        /// calls CopyShared or CopyCounted are mapped as they are. 0 when out of memory (nothing is leaked).
        /// </summary>
        public static ulong CloneRoot(delegate*<ulong, int> isShared)
        {
            ulong* t = NewTableOrNull(out ulong phys);
            if (t == null) return 0;
            for (int i = 256; i < 512; i++) t[i] = s_kernelPml4[i];
            for (int i = 0; i < 256; i++)
            {
                if ((s_pml4[i] & Present) == 0) continue;
                ulong copy = CloneTable(s_pml4[i] & AddrMask, 3, (ulong)i << 39, isShared);
                if (copy == 0) { FreeRoot(phys, isShared); Native.WriteCr3(Root); return 0; }
                t[i] = copy | (s_pml4[i] & ~AddrMask);
            }
            Native.WriteCr3(Root);                          // the parent's pages just became read-only
            return phys;
        }

        private static ulong CloneTable(ulong phys, int level, ulong va, delegate*<ulong, int> isShared)
        {
            ulong* src = (ulong*)Mm.PhysToVirt(phys);
            ulong* dst = NewTableOrNull(out ulong copyPhys);
            if (dst == null) return 0;
            int shift = 12 + 9 * (level - 1);
            for (int i = 0; i < 512; i++)
            {
                ulong e = src[i];
                if (!Valid(e)) continue;
                ulong entryVa = va + ((ulong)i << shift);
                if (level == 1)
                {
                    int how = isShared(entryVa);
                    if (how == CopyShared) { dst[i] = e; continue; }
                    if (how == CopyCounted)
                    {
                        if (!FrameRefs.Share(e & AddrMask)) { FreeTable(copyPhys, 1, isShared, va); return 0; }
                        dst[i] = e;
                        continue;
                    }
                    // Private page: both sides map the frame read-only until one of them writes.
                    if (FrameRefs.Share(e & AddrMask))
                    {
                        if ((e & Writable) != 0 || (e & Cow) == 0) { e = (e & ~Writable) | Cow; src[i] = e; }
                        dst[i] = e;
                        continue;
                    }
                    ulong frame = Mm.Pages.Alloc(1);           // the count is saturated: copy now
                    if (frame == 0) { FreeTable(copyPhys, 1, isShared, va); return 0; }
                    Mem.Copy(Mm.PhysToVirt(frame), Mm.PhysToVirt(e & AddrMask), 4096);
                    dst[i] = frame | (e & ~AddrMask);
                }
                else
                {
                    ulong child = CloneTable(e & AddrMask, level - 1, entryVa, isShared);
                    if (child == 0) { FreeTable(copyPhys, level, isShared, va); return 0; }
                    dst[i] = child | (e & ~AddrMask);
                }
            }
            return copyPhys;
        }

        /// <summary>
        /// Frees a root that is not loaded: its page-table pages and, when <paramref name="isShared"/>
        /// is given, the user frames still mapped that it does not call CopyShared (only for a half-built
        /// fork copy: a live address space unmaps its pages through its regions first).
        /// </summary>
        public static void FreeRoot(ulong root, delegate*<ulong, int> isShared)
        {
            if (root == Root) Panic.Fail("freeing the loaded page table");
            ulong* t = (ulong*)Mm.PhysToVirt(root);
            for (int i = 0; i < 256; i++)
                if ((t[i] & Present) != 0) FreeTable(t[i] & AddrMask, 3, isShared, (ulong)i << 39);
            Mm.Pages.Free(root);
        }

        private static void FreeTable(ulong phys, int level, delegate*<ulong, int> isShared, ulong va)
        {
            ulong* t = (ulong*)Mm.PhysToVirt(phys);
            int shift = 12 + 9 * (level - 1);
            for (int i = 0; i < 512; i++)
            {
                ulong e = t[i];
                ulong entryVa = va + ((ulong)i << shift);
                if (level == 1) { if (isShared != null && Valid(e) && isShared(entryVa) != CopyShared) FrameRefs.Release(e & AddrMask); continue; }
                if ((e & Present) != 0 && (e & Huge) == 0) FreeTable(e & AddrMask, level - 1, isShared, entryVa);
            }
            Mm.Pages.Free(phys);
        }

        /// <summary>
        /// Calls <paramref name="fn"/>(va, entry, arg) for every mapped user page in [start, end) of the
        /// loaded table, skipping empty subtrees: the cost follows the pages touched, not the range.
        /// The callback may change or clear the entry (and must invalidate the TLB entry).
        /// </summary>
        public static void Visit(ulong start, ulong end, delegate*<ulong, ulong*, ulong, void> fn, ulong arg)
        {
            if (start >= end) return;
            VisitTable(s_pml4, 4, 0, start, end, fn, arg);
        }

        private static void VisitTable(ulong* t, int level, ulong baseVa, ulong start, ulong end, delegate*<ulong, ulong*, ulong, void> fn, ulong arg)
        {
            int shift = 12 + 9 * (level - 1);
            ulong span = 1UL << shift;
            int first = start > baseVa ? (int)((start - baseVa) >> shift) : 0;
            for (int i = first; i < 512; i++)
            {
                ulong va = baseVa + (ulong)i * span;
                if (va >= end || (level == 4 && i >= 256)) break;
                ulong e = t[i];
                if (level == 1) { if (Valid(e)) fn(va, &t[i], arg); continue; }
                if ((e & Present) == 0 || (e & Huge) != 0) continue;
                VisitTable((ulong*)Mm.PhysToVirt(e & AddrMask), level - 1, va, start, end, fn, arg);
            }
        }

        /// <summary>Rewrites a leaf entry's rights, keeping its frame, its dirty bit and copy-on-write (never writable while shared).</summary>
        public static void Reprotect(ulong va, ulong* e, ulong flags)
        {
            ulong keep = *e & (Dirty | Cow);
            *e = Entry(*e & AddrMask, flags);
            if ((keep & Cow) != 0) *e = (*e & ~Writable) | Cow;
            if ((*e & Present) != 0) *e |= keep & Dirty;
            Native.Invlpg(va);
        }

        /// <summary>The leaf entry of a user page in the loaded table, or null.</summary>
        public static ulong* EntryOf(ulong va) => Walk(va, false);

        /// <summary>mremap: moves a page's entry (frame and all its bits) to another address.</summary>
        public static bool MoveEntry(ulong from, ulong to)
        {
            ulong* src = Walk(from, false);
            if (src == null || !Valid(*src)) return true;
            ulong* dst = Walk(to, true);
            if (dst == null) return false;
            *dst = *src;
            *src = 0;
            Native.Invlpg(from);
            Native.Invlpg(to);
            return true;
        }

        public static ulong FrameOf(ulong e) => e & AddrMask;

        public static ulong FlagsFor(int prot)
        {
            if (prot == Prot.None) return ProtNone;
            ulong f = 0;
            if ((prot & Prot.Write) != 0) f |= Writable;
            if ((prot & Prot.Exec) == 0) f |= NoExecute;
            return f;
        }
    }

    internal static class Prot
    {
        public const int None = 0, Read = 1, Write = 2, Exec = 4;
    }
}
