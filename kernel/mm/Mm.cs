// Physical memory bring-up from the PVH boot memory map, and the kernel's global allocators.
// All of RAM is reachable at DirectMapBase + phys: the boot stub maps the first 4 GiB, MapHighMemory
// the rest (up to 512 GiB, one PML4 entry) once the kernel's page tables exist.
using Kernel.Arch;

namespace Kernel.Memory
{
    internal static unsafe class Mm
    {
        public const ulong DirectMapBase = 0xFFFF800000000000;
        public const ulong BootMapped = 4UL << 30;          // what boot.asm's direct map covers
        public const ulong MaxPhysical = 512UL << 30;       // what one PML4 entry of direct map covers
        private static BootInfo* s_info;

        public static PageAllocator Pages;
        public static Heap KernelHeap;
        public static ulong TotalRam;

        public static void* PhysToVirt(ulong phys) => (void*)(phys + DirectMapBase);
        public static ulong VirtToPhys(void* virt) => (ulong)virt - DirectMapBase;

        /// <summary>Device registers (PCI BARs) are mapped here, uncached, in the kernel-stack PML4 slot
        /// past its 4 GiB of stacks: the direct map is write-back and ends at RAM's top, while a
        /// 64-bit BAR may sit anywhere in the physical address space.</summary>
        public const ulong MmioBase = PageTable.KernelStacksBase + (256UL << 30);
        public const ulong MmioLimit = MmioBase + (64UL << 30);
        private static ulong s_mmioNext;

        /// <summary>
        /// Maps <paramref name="size"/> bytes of device memory at <paramref name="phys"/> uncached
        /// (PCD|PWT) and returns the address of <paramref name="phys"/>; null when out of virtual
        /// space or page-table memory. Never unmapped: devices stay for the kernel's lifetime.
        /// </summary>
        public static void* MapMmio(ulong phys, ulong size)
        {
            if (s_mmioNext == 0) s_mmioNext = MmioBase;
            ulong first = phys & ~0xFFFUL, end = (phys + size + 0xFFF) & ~0xFFFUL;
            if (size == 0 || end <= first || s_mmioNext + (end - first) > MmioLimit) return null;
            ulong va = s_mmioNext;
            for (ulong p = first; p < end; p += 4096)
                if (!PageTable.MapKernel(va + (p - first), p, PageTable.CacheDisable | PageTable.WriteThrough)) return null;
            s_mmioNext += end - first;
            return (void*)(va + (phys - first));
        }

        [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
        private struct MemmapEntry { public ulong Addr, Size; public uint Type, Reserved; }

        public static void Init(BootInfo* info)
        {
            s_info = info;
            MemmapEntry* map = (MemmapEntry*)PhysToVirt(info->MemmapPaddr);
            ulong top = 0;
            TotalRam = 0;
            for (uint i = 0; i < info->MemmapEntries; i++)
            {
                if (map[i].Type != 1) continue;
                ulong end = map[i].Addr + map[i].Size;
                if (end > MaxPhysical) end = MaxPhysical;
                if (end > top) top = end;
                if (end > map[i].Addr) TotalRam += end - map[i].Addr;
            }
            ulong frames = top / PageAllocator.PageSize;

            // Allocator metadata goes right after the kernel image (2 MiB aligned, past the boot tables).
            ulong metaPhys = (Symbols.KernelPhysEnd + 0xFFFF) & ~0xFFFFUL;
            ulong bitmapBytes = PageAllocator.BitmapBytes(frames);
            ulong heapMetaBytes = Heap.MetadataBytes(frames);
            ulong metaEnd = metaPhys + bitmapBytes + heapMetaBytes;
            if (metaEnd > top) Panic.Fail("not enough memory for allocator metadata");

            fixed (PageAllocator* pages = &Pages)
            {
                pages->Init((ulong*)PhysToVirt(metaPhys), 0, frames);
                // Frames above the boot map stay reserved until MapHighMemory can reach them.
                for (uint i = 0; i < info->MemmapEntries; i++)
                {
                    if (map[i].Type != 1 || map[i].Addr >= BootMapped) continue;
                    ulong end = map[i].Addr + map[i].Size;
                    pages->AddFreeRange(map[i].Addr, (end > BootMapped ? BootMapped : end) - map[i].Addr);
                }
                pages->Reserve(0, 0x100000);                                   // real-mode area, BIOS data
                pages->Reserve(Symbols.KernelPhysStart, Symbols.KernelPhysEnd - Symbols.KernelPhysStart);
                pages->Reserve(metaPhys, metaEnd - metaPhys);
                pages->Reserve(Symbols.StartInfo & ~0xFFFUL, 0x1000);
                pages->Reserve(info->MemmapPaddr, info->MemmapEntries * (ulong)sizeof(MemmapEntry));
                if (info->CmdlinePaddr != 0) pages->Reserve(info->CmdlinePaddr, 4096);
                if (info->NrModules != 0)
                {
                    var mods = (BootModule*)PhysToVirt(info->ModlistPaddr);
                    pages->Reserve(info->ModlistPaddr, info->NrModules * (ulong)sizeof(BootModule));
                    for (uint i = 0; i < info->NrModules; i++) pages->Reserve(mods[i].Paddr, mods[i].Size);
                }
                byte* heapMeta = (byte*)PhysToVirt(metaPhys + bitmapBytes);
                Mem.Zero(heapMeta, heapMetaBytes);
                fixed (Heap* heap = &KernelHeap) heap->Init(pages, DirectMapBase, heapMeta);
            }
            FrameRefs.Init(frames);
        }

        /// <summary>
        /// Extends the direct map past 4 GiB (2 MiB pages in the boot PDPT, which every page table
        /// shares) and hands the RAM there to the page allocator. Call after PageTable.Init.
        /// </summary>
        public static void MapHighMemory()
        {
            ulong top = Pages.FrameCount * PageAllocator.PageSize;
            if (top <= BootMapped) return;
            ulong* pdpt = (ulong*)PhysToVirt(PageTable.DirectMapPdpt());
            for (ulong gib = BootMapped >> 30; gib < (top + (1UL << 30) - 1) >> 30; gib++)
            {
                if ((pdpt[gib] & PageTable.Present) != 0) continue;
                ulong pdPhys = Pages.Alloc(1);
                if (pdPhys == 0) return;                            // keep what is mapped so far
                ulong* pd = (ulong*)PhysToVirt(pdPhys);
                for (ulong i = 0; i < 512; i++)
                    pd[i] = ((gib << 30) + (i << 21)) | PageTable.Present | PageTable.Writable | PageTable.Huge | PageTable.NoExecute;
                pdpt[gib] = pdPhys | PageTable.Present | PageTable.Writable;
            }
            Native.WriteCr3(Native.ReadCr3());
            var map = (MemmapEntry*)PhysToVirt(s_info->MemmapPaddr);
            for (uint i = 0; i < s_info->MemmapEntries; i++)
            {
                if (map[i].Type != 1) continue;
                ulong start = map[i].Addr, end = map[i].Addr + map[i].Size;
                if (end > top) end = top;
                if (start < BootMapped) start = BootMapped;
                if (end > start) fixed (PageAllocator* pages = &Pages) pages->AddFreeRange(start, end - start);
            }
        }
    }

    /// <summary>PVH hvm_start_info (version 1), as QEMU and Firecracker pass it in EBX.</summary>
    internal struct BootInfo
    {
        public const uint MagicValue = 0x336EC578;
        public uint Magic, Version, Flags, NrModules;
        public ulong ModlistPaddr, CmdlinePaddr, RsdpPaddr, MemmapPaddr;
        public uint MemmapEntries, Reserved;
    }

    internal struct BootModule { public ulong Paddr, Size, CmdlinePaddr, Reserved; }
}
