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

        /// <summary>Maps [vvar] and [vdso] into the current address space. Returns AT_SYSINFO_EHDR, or 0.</summary>
        public static ulong Map()
        {
            ulong start = Image()[0], end = Image()[1];
            ulong size = AddressSpace.PageUp(end - start);
            if (size == 0 || !AddressSpace.IsFree(DataAddress, ImageAddress + size)) return 0;

            ulong dataPhys = Mm.Pages.Alloc(1);
            if (dataPhys == 0) return 0;
            ulong* d = (ulong*)Mm.PhysToVirt(dataPhys);
            Mem.Zero(d, 4096);
            d[0] = Drivers.Tsc.Base;
            d[1] = Drivers.Tsc.Mult;
            d[2] = Syscalls.SysTime.RealtimeBaseNs;
            AddressSpace.Insert(DataAddress, DataAddress + 4096, Prot.Read, Vma.Vvar);
            PageTable.Map(DataAddress, dataPhys, PageTable.FlagsFor(Prot.Read));
            AddressSpace.PagesMapped++;

            AddressSpace.Insert(ImageAddress, ImageAddress + size, Prot.Read | Prot.Exec, Vma.VdsoImage);
            for (ulong off = 0; off < size; off += 4096)
            {
                ulong phys = Mm.Pages.Alloc(1);
                if (phys == 0) return 0;
                byte* page = (byte*)Mm.PhysToVirt(phys);
                Mem.Zero(page, 4096);
                ulong n = end - start - off < 4096 ? end - start - off : 4096;
                if (off < end - start) Mem.Copy(page, (byte*)(start + off), n);
                PageTable.Map(ImageAddress + off, phys, PageTable.FlagsFor(Prot.Read | Prot.Exec));
                AddressSpace.PagesMapped++;
            }
            return ImageAddress;
        }
    }
}
