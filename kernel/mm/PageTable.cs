// The one page table. Upper half: the boot stub's direct map of physical memory (supervisor).
// Lower half: the kernel image's first 4 MiB as supervisor 2 MiB pages, then user pages (4 KiB,
// U bit set) created by the address space. There is no CR3 switch on a syscall.
using Kernel.Arch;

namespace Kernel.Memory
{
    internal static unsafe class PageTable
    {
        public const ulong Present = 1, Writable = 2, User = 4, Huge = 0x80, NoExecute = 1UL << 63;
        public const ulong Dirty = 0x40;
        public const ulong ProtNone = 1UL << 9;          // software bit: frame kept, access denied
        private const ulong AddrMask = 0x000FFFFFFFFFF000;
        public const ulong KernelLowEnd = 0x400000;     // [0, 4 MiB) is the kernel's

        private static ulong* s_pml4;
        public static ulong Root;

        public static void Init()
        {
            ulong bootPml4 = Native.ReadCr3() & AddrMask;
            s_pml4 = (ulong*)NewTable(out Root);
            ulong* boot = (ulong*)Mm.PhysToVirt(bootPml4);
            for (int i = 256; i < 512; i++) s_pml4[i] = boot[i];           // direct map

            ulong* pdpt = NewTable(out ulong pdptPhys);
            ulong* pd = NewTable(out ulong pdPhys);
            s_pml4[0] = pdptPhys | Present | Writable | User;                 // U here; leaves decide
            pdpt[0] = pdPhys | Present | Writable | User;
            for (ulong a = 0; a < KernelLowEnd; a += 0x200000)
                pd[a >> 21] = a | Present | Writable | Huge;                  // supervisor only
            Native.WriteCr3(Root);
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

        // ---- process switching: the lower half (PML4 entries 0..255) is per process ---------------

        /// <summary>Copies the 256 lower-half PML4 entries out (the parent's, while its child runs).</summary>
        public static void SaveUserHalf(ulong* into) { for (int i = 0; i < 256; i++) into[i] = s_pml4[i]; }

        /// <summary>Puts saved lower-half entries back and flushes the TLB.</summary>
        public static void LoadUserHalf(ulong* from)
        {
            for (int i = 0; i < 256; i++) s_pml4[i] = from[i];
            Native.WriteCr3(Root);
        }

        /// <summary>
        /// Builds a private copy of the current lower half for a forked child: every user page gets a
        /// new frame with the same contents, except frames <paramref name="isShared"/> says are
        /// shared (MAP_SHARED page cache); the kernel's 2 MiB pages are referenced, not copied.
        /// The copy is written to <paramref name="into"/> (256 entries). Returns false when out of memory.
        /// </summary>
        public static bool CloneUserHalf(ulong* into, delegate*<ulong, bool> isShared)
        {
            for (int i = 0; i < 256; i++)
            {
                into[i] = 0;
                if ((s_pml4[i] & Present) == 0) continue;
                ulong copy = CloneTable(s_pml4[i] & AddrMask, 3, (ulong)i << 39, isShared);
                if (copy == 0) return false;
                into[i] = copy | (s_pml4[i] & ~AddrMask);
            }
            return true;
        }

        private static ulong CloneTable(ulong phys, int level, ulong va, delegate*<ulong, bool> isShared)
        {
            ulong* src = (ulong*)Mm.PhysToVirt(phys);
            ulong* dst = NewTable(out ulong copyPhys);
            int shift = 12 + 9 * (level - 1);
            for (int i = 0; i < 512; i++)
            {
                ulong e = src[i];
                if (!Valid(e)) continue;
                ulong entryVa = va + ((ulong)i << shift);
                if (level == 1)
                {
                    if (isShared(entryVa)) { dst[i] = e; continue; }
                    ulong frame = Mm.Pages.Alloc(1);
                    if (frame == 0) return 0;
                    Mem.Copy(Mm.PhysToVirt(frame), Mm.PhysToVirt(e & AddrMask), 4096);
                    dst[i] = frame | (e & ~AddrMask);
                }
                else if ((e & Huge) != 0) dst[i] = e;                        // kernel 2 MiB page: shared
                else
                {
                    ulong child = CloneTable(e & AddrMask, level - 1, entryVa, isShared);
                    if (child == 0) return 0;
                    dst[i] = child | (e & ~AddrMask);
                }
            }
            return copyPhys;
        }

        /// <summary>
        /// Frees the page-table pages of a lower half that is no longer loaded (user frames must
        /// already be unmapped). Never call it on the live half: the kernel runs from PML4[0].
        /// </summary>
        public static void FreeUserTables(ulong* entries)
        {
            for (int i = 0; i < 256; i++)
                if ((entries[i] & Present) != 0) FreeTable(entries[i] & AddrMask, 3);
        }

        private static void FreeTable(ulong phys, int level)
        {
            ulong* t = (ulong*)Mm.PhysToVirt(phys);
            if (level > 1)
                for (int i = 0; i < 512; i++)
                    if ((t[i] & Present) != 0 && (t[i] & Huge) == 0) FreeTable(t[i] & AddrMask, level - 1);
            Mm.Pages.Free(phys);
        }

        /// <summary>A fresh lower half holding only the kernel's low 4 MiB (for exec after vfork).</summary>
        public static void NewUserHalf()
        {
            // Build the new tables first: PML4[0] must map the kernel at every instant, since the
            // kernel's code and statics live in [0, 4 MiB) and any TLB miss walks the live tables.
            ulong* pdpt = NewTable(out ulong pdptPhys);
            ulong* pd = NewTable(out ulong pdPhys);
            pdpt[0] = pdPhys | Present | Writable | User;
            for (ulong a = 0; a < KernelLowEnd; a += 0x200000) pd[a >> 21] = a | Present | Writable | Huge;
            s_pml4[0] = pdptPhys | Present | Writable | User;
            for (int i = 1; i < 256; i++) s_pml4[i] = 0;
            Native.WriteCr3(Root);
        }

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
