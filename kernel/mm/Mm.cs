// Physical memory bring-up from the PVH boot memory map, and the kernel's global allocators.
// All of RAM (up to 4 GiB for now: what the boot stub maps) is reachable at DirectMapBase + phys.
using Kernel.Arch;

namespace Kernel.Memory
{
    internal static unsafe class Mm
    {
        public const ulong DirectMapBase = 0xFFFF800000000000;
        public const ulong MaxPhysical = 4UL << 30;

        public static PageAllocator Pages;
        public static Heap KernelHeap;
        public static ulong TotalRam;

        public static void* PhysToVirt(ulong phys) => (void*)(phys + DirectMapBase);
        public static ulong VirtToPhys(void* virt) => (ulong)virt - DirectMapBase;

        [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
        private struct MemmapEntry { public ulong Addr, Size; public uint Type, Reserved; }

        public static void Init(BootInfo* info)
        {
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
            ulong metaPhys = (Symbols.KernelEnd + 0xFFFF) & ~0xFFFFUL;
            ulong bitmapBytes = PageAllocator.BitmapBytes(frames);
            ulong heapMetaBytes = Heap.MetadataBytes(frames);
            ulong metaEnd = metaPhys + bitmapBytes + heapMetaBytes;
            if (metaEnd > top) Panic.Fail("not enough memory for allocator metadata");

            fixed (PageAllocator* pages = &Pages)
            {
                pages->Init((ulong*)PhysToVirt(metaPhys), 0, frames);
                for (uint i = 0; i < info->MemmapEntries; i++)
                    if (map[i].Type == 1) pages->AddFreeRange(map[i].Addr, map[i].Size);
                pages->Reserve(0, 0x100000);                                   // real-mode area, BIOS data
                pages->Reserve(Symbols.KernelStart, Symbols.KernelEnd - Symbols.KernelStart);
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
