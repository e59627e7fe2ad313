// Page tables. Every memory map (process) has its own PML4: the upper half is the kernel's and is
// the same in all of them (the direct map of RAM and the kernel-stack area, whose PDPTs are shared);
// the lower half holds the kernel image's first 4 MiB as supervisor 2 MiB pages, then the user's
// 4 KiB pages. Walk/Map/Unmap act on the loaded (active) table; a syscall never switches CR3.
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
        public const ulong KernelLowEnd = 0x400000;     // [0, 4 MiB) is the kernel's
        public const ulong KernelStacksBase = 0xFFFFC00000000000;   // PML4 entry 384: kernel stacks
        private const int KernelStacksSlot = 384;

        private static ulong* s_pml4;                   // the loaded table (per CPU, like CR3 itself)
        public static ulong Root;
        private static ulong* s_kernelPml4;             // the kernel-only table: idle thread, template
        public static ulong KernelRoot;

        private static ulong s_lowPt;                   // [0, 2 MiB) in 4 KiB pages, page 0 left out; shared by every root

        public static void Init()
        {
            ulong bootPml4 = Native.ReadCr3() & AddrMask;
            // Nothing is mapped at virtual address 0: a null dereference faults, in the kernel too.
            ulong* low = NewTable(out s_lowPt);
            for (ulong i = 1; i < 512; i++) low[i] = (i << 12) | Present | Writable;
            s_kernelPml4 = NewTable(out KernelRoot);
            ulong* boot = (ulong*)Mm.PhysToVirt(bootPml4);
            for (int i = 256; i < 512; i++) s_kernelPml4[i] = boot[i];           // direct map
            NewTable(out ulong stacksPdpt);
            s_kernelPml4[KernelStacksSlot] = stacksPdpt | Present | Writable;   // shared by every root
            s_kernelPml4[0] = NewLowPdpt();
            s_pml4 = s_kernelPml4;
            Root = KernelRoot;
            Native.WriteCr3(Root);
        }

        /// <summary>Physical address of the PDPT behind the direct map (PML4 entry 256, shared by every root).</summary>
        public static ulong DirectMapPdpt() => s_kernelPml4[256] & AddrMask;

        /// <summary>PML4 entry 0 of a new root: the kernel image's first 4 MiB, supervisor only.</summary>
        private static ulong NewLowPdpt()
        {
            ulong* pdpt = NewTable(out ulong pdptPhys);
            ulong* pd = NewTable(out ulong pdPhys);
            pdpt[0] = pdPhys | Present | Writable | User;                     // U here; leaves decide
            pd[0] = s_lowPt | Present | Writable;                             // supervisor only, page 0 absent
            for (ulong a = 0x200000; a < KernelLowEnd; a += 0x200000)
                pd[a >> 21] = a | Present | Writable | Huge;                  // supervisor only
            return pdptPhys | Present | Writable | User;
        }

        /// <summary>A new, empty user address space sharing the kernel's upper half. Returns its physical address.</summary>
        public static ulong NewRoot()
        {
            ulong* t = NewTable(out ulong phys);
            for (int i = 256; i < 512; i++) t[i] = s_kernelPml4[i];
            t[0] = NewLowPdpt();
            return phys;
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
                else if ((*e & Huge) != 0) return null;                       // kernel 2 MiB page
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

        /// <summary>
        /// fork: a new root whose lower half is a private copy of the loaded one: every user page gets
        /// a new frame with the same contents, except frames <paramref name="isShared"/> says are
        /// shared (MAP_SHARED); the kernel's 2 MiB pages are referenced, not copied. 0 when out of
        /// memory (nothing is leaked).
        /// </summary>
        public static ulong CloneRoot(delegate*<ulong, bool> isShared)
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

        private static ulong CloneTable(ulong phys, int level, ulong va, delegate*<ulong, bool> isShared)
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
                if (level == 2 && entryVa < KernelLowEnd) { dst[i] = e; continue; }     // the kernel's: shared as is
                if (level == 1)
                {
                    if (isShared(entryVa)) { dst[i] = e; continue; }
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
                else if ((e & Huge) != 0) dst[i] = e;                        // kernel 2 MiB page: shared
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
        /// is given, the user frames still mapped that it does not call shared (only for a half-built
        /// fork copy: a live address space unmaps its pages through its regions first).
        /// </summary>
        public static void FreeRoot(ulong root, delegate*<ulong, bool> isShared)
        {
            if (root == Root) Panic.Fail("freeing the loaded page table");
            ulong* t = (ulong*)Mm.PhysToVirt(root);
            for (int i = 0; i < 256; i++)
                if ((t[i] & Present) != 0) FreeTable(t[i] & AddrMask, 3, isShared, (ulong)i << 39);
            Mm.Pages.Free(root);
        }

        private static void FreeTable(ulong phys, int level, delegate*<ulong, bool> isShared, ulong va)
        {
            ulong* t = (ulong*)Mm.PhysToVirt(phys);
            int shift = 12 + 9 * (level - 1);
            for (int i = 0; i < 512; i++)
            {
                ulong e = t[i];
                ulong entryVa = va + ((ulong)i << shift);
                if (level == 1) { if (isShared != null && Valid(e) && !isShared(entryVa)) FrameRefs.Release(e & AddrMask); continue; }
                if (level == 2 && entryVa < KernelLowEnd) continue;           // the shared kernel table
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
