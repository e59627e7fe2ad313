// Maps the vDSO (kernel/vdso/vdso.c, embedded in the kernel image) and its read-only data page
// into a program, so clock_gettime/gettimeofday/time/getcpu run without entering the kernel.
using System.Runtime;
using System.Runtime.CompilerServices;

namespace Kernel.Memory
{
    internal static unsafe class Vdso
    {
        public const ulong DataAddress = 0x00007FFFF7F00000;
        public const ulong ImageAddress = DataAddress + 4096;

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_vdso_image")] private static extern ulong* Image();

        // One data page and one copy of the image for every process (mapped read-only; the frames'
        // owner counts keep them alive), so setting the clock updates every program at once.
        private static ulong s_dataPhys;
        private static ulong* s_imagePhys;
        private static ulong s_imagePages;

        private static bool Init()
        {
            ulong start = Image()[0], end = Image()[1];
            s_imagePages = AddressSpace.PageUp(end - start) / 4096;
            s_dataPhys = Mm.Pages.Alloc(1);
            s_imagePhys = (ulong*)Mm.KernelHeap.Alloc(s_imagePages * 8);
            if (s_dataPhys == 0 || s_imagePhys == null) return false;
            ulong* d = (ulong*)Mm.PhysToVirt(s_dataPhys);
            Mem.Zero(d, 4096);
            d[0] = Drivers.Tsc.Base;
            d[1] = Drivers.Tsc.Mult;
            d[2] = Syscalls.SysTime.RealtimeBaseNs;
            for (ulong i = 0; i < s_imagePages; i++)
            {
                ulong phys = Mm.Pages.Alloc(1);
                if (phys == 0) return false;
                byte* page = (byte*)Mm.PhysToVirt(phys);
                Mem.Zero(page, 4096);
                ulong off = i * 4096, n = end - start - off < 4096 ? end - start - off : 4096;
                Mem.Copy(page, (byte*)(start + off), n);
                s_imagePhys[i] = phys;
            }
            return true;
        }

        /// <summary>The wall clock moved (settimeofday, clock_settime): every program's vDSO sees the new offset.</summary>
        public static void SetRealtimeBase(ulong ns)
        {
            if (s_dataPhys != 0) ((ulong*)Mm.PhysToVirt(s_dataPhys))[2] = ns;
        }

        /// <summary>Maps [vvar] and [vdso] into the current address space. Returns AT_SYSINFO_EHDR, or 0.</summary>
        public static ulong Map()
        {
            if (s_dataPhys == 0 && !Init()) return 0;
            ulong size = s_imagePages * 4096;
            if (size == 0 || !AddressSpace.IsFree(DataAddress, ImageAddress + size)) return 0;
            AddressSpace.Insert(DataAddress, DataAddress + 4096, Prot.Read, Vma.Vvar);
            FrameRefs.Share(s_dataPhys);
            PageTable.Map(DataAddress, s_dataPhys, PageTable.FlagsFor(Prot.Read));
            *PageTable.EntryOf(DataAddress) |= PageTable.Cow;        // never written in place, even after mprotect
            AddressSpace.PagesMapped++;
            AddressSpace.Insert(ImageAddress, ImageAddress + size, Prot.Read | Prot.Exec, Vma.VdsoImage);
            for (ulong i = 0; i < s_imagePages; i++)
            {
                FrameRefs.Share(s_imagePhys[i]);
                PageTable.Map(ImageAddress + i * 4096, s_imagePhys[i], PageTable.FlagsFor(Prot.Read | Prot.Exec));
                *PageTable.EntryOf(ImageAddress + i * 4096) |= PageTable.Cow;
                AddressSpace.PagesMapped++;
            }
            return ImageAddress;
        }
    }
}
