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
