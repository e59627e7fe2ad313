// The assembly helpers in kernel/boot/boot.asm, called directly (no P/Invoke transition).
using System.Runtime;
using System.Runtime.CompilerServices;

namespace Kernel.Arch
{
    internal static unsafe class Native
    {
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_outb")] public static extern void Outb(ushort port, byte value);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_inb")] public static extern byte Inb(ushort port);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_outw")] public static extern void Outw(ushort port, ushort value);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_inw")] public static extern ushort Inw(ushort port);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_outd")] public static extern void Outd(ushort port, uint value);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_ind")] public static extern uint Ind(ushort port);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_rdtsc")] public static extern ulong Rdtsc();
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_cpuid")] public static extern void Cpuid(uint leaf, uint subleaf, uint* regs);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_rdmsr")] public static extern ulong Rdmsr(uint msr);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_wrmsr")] public static extern void Wrmsr(uint msr, ulong value);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_lgdt")] public static extern void Lgdt(void* descriptor);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_lidt")] public static extern void Lidt(void* descriptor);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_ltr")] public static extern void Ltr(ushort selector);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_read_cr0")] public static extern ulong ReadCr0();
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_read_cr2")] public static extern ulong ReadCr2();
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_read_cr3")] public static extern ulong ReadCr3();
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_read_cr4")] public static extern ulong ReadCr4();
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_write_cr4")] public static extern void WriteCr4(ulong value);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_write_cr3")] public static extern void WriteCr3(ulong value);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_invlpg")] public static extern void Invlpg(ulong address);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_hlt")] public static extern void Hlt();
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_cli")] public static extern void Cli();
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_sti")] public static extern void Sti();
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_sti_hlt")] public static extern void StiHlt();
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_pause")] public static extern void Pause();
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_mmio_read32")] public static extern uint MmioRead32(void* address);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_mmio_write32")] public static extern void MmioWrite32(void* address, uint value);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_mmio_read8")] public static extern byte MmioRead8(void* address);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_mmio_write8")] public static extern void MmioWrite8(void* address, byte value);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_mmio_read16")] public static extern ushort MmioRead16(void* address);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_mmio_write16")] public static extern void MmioWrite16(void* address, ushort value);
        /// <summary>A full memory barrier, and a compiler barrier (an external call): for rings shared with devices.</summary>
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_mfence")] public static extern void Mfence();
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_read_rsp")] public static extern ulong ReadRsp();
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_read_rbp")] public static extern ulong ReadRbp();
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_read_rflags")] public static extern ulong ReadRflags();
        public static bool InterruptsEnabled => (ReadRflags() & 0x200) != 0;

        /// <summary>Masks interrupts; true if they were enabled (hand it to <see cref="RestoreInterrupts"/>).</summary>
        public static bool SaveAndCli()
        {
            bool enabled = InterruptsEnabled;
            Cli();
            return enabled;
        }

        public static void RestoreInterrupts(bool enabled) { if (enabled) Sti(); }
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("memcpy")] public static extern void* Memcpy(void* dst, void* src, ulong n);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("memmove")] public static extern void* Memmove(void* dst, void* src, ulong n);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("memset")] public static extern void* Memset(void* dst, int value, ulong n);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("probe_read64")] public static extern long ProbeRead64(ulong address);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("probe_ud")] public static extern long ProbeUd();
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("probe_div0")] public static extern long ProbeDiv0(long a);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("probe_write64")] public static extern long ProbeWrite64(ulong address, ulong value);
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("probe_exec_data")] public static extern long ProbeExecData();
    }

    /// <summary>Addresses of linker-script and boot-stub symbols.</summary>
    internal static unsafe class Symbols
    {
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("asm_symbols")] private static extern ulong* Table();
        /// <summary>The image runs at this offset from its physical address (linker.ld KERNEL_VMA).</summary>
        public const ulong KernelVirtualBase = 0xFFFFFFFF80000000;
        public static ulong KernelStart => Table()[0];
        public static ulong KernelEnd => Table()[1];
        public static ulong TextStart => Table()[2];
        public static ulong TextEnd => Table()[3];
        public static ulong ExtableStart => Table()[4];
        public static ulong ExtableEnd => Table()[5];
        public static ulong ModulesStart => Table()[6];
        public static ulong ModulesEnd => Table()[7];
        public static ulong IsrTable => Table()[8];
        public static ulong StartInfo => *(ulong*)Table()[9];
        public static ulong TscAtEntry => *(ulong*)Table()[10];
        public static ulong BootStackBottom => Table()[11];
        public static ulong BootStackTop => Table()[12];
        public static ulong RodataStart => Table()[13];            // page-aligned: end of text
        public static ulong DataStart => Table()[14];              // page-aligned: end of read-only data
        /// <summary>Physical addresses of the image (what the page allocator must keep).</summary>
        public static ulong KernelPhysStart => KernelStart - KernelVirtualBase;
        public static ulong KernelPhysEnd => KernelEnd - KernelVirtualBase;
    }
}
