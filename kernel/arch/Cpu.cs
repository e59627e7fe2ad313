// Descriptor tables: the GDT (Linux's x86-64 layout, so programs, signal frames and ptrace see
// the selectors they would on Linux: user CS 0x33, SS 0x2b; SYSCALL/SYSRET need this order), the TSS with
// IST stacks for faults that must not trust the current stack, and the IDT over boot.asm's stubs.
using System.Runtime.InteropServices;
using Kernel.Memory;

namespace Kernel.Arch
{
    internal static unsafe class Cpu
    {
        public const ushort KernelCode = 0x10, KernelData = 0x18, User32Code = 0x20 | 3, UserData = 0x28 | 3, UserCode = 0x30 | 3, TssSelector = 0x40;
        public const int IstDoubleFault = 1, IstNmi = 2, IstMachineCheck = 3;
        private const ulong IstStackSize = 16384;

        [StructLayout(LayoutKind.Sequential, Pack = 4)]
        public struct Tss
        {
            public uint Reserved0;
            public ulong Rsp0, Rsp1, Rsp2;
            public ulong Reserved1;
            public ulong Ist1, Ist2, Ist3, Ist4, Ist5, Ist6, Ist7;
            public ulong Reserved2;
            public ushort Reserved3, IoMapBase;
        }

        [StructLayout(LayoutKind.Sequential, Pack = 2)]
        private struct DescriptorPointer { public ushort Limit; public ulong Base; }

        private struct IdtEntry { public ushort OffsetLow, Selector; public byte Ist, TypeAttr; public ushort OffsetMid; public uint OffsetHigh, Zero; }

        private struct Tables
        {
            public fixed ulong Gdt[10];
            public fixed byte Idt[256 * 16];
        }

        public static Tss TaskState;
        private static Tables s_tables;

        public static void Init()
        {
            fixed (Tables* t = &s_tables)
            fixed (Tss* tss = &TaskState)
            {
                t->Gdt[0] = 0;
                t->Gdt[1] = 0x00CF9A000000FFFF;   // 0x08 kernel code 32-bit (unused)
                t->Gdt[2] = 0x00AF9A000000FFFF;   // 0x10 kernel code 64-bit
                t->Gdt[3] = 0x00CF92000000FFFF;   // 0x18 kernel data
                t->Gdt[4] = 0x00CFFA000000FFFF;   // 0x23 user code 32-bit (unused; SYSRET's base)
                t->Gdt[5] = 0x00CFF2000000FFFF;   // 0x2b user data
                t->Gdt[6] = 0x00AFFA000000FFFF;   // 0x33 user code 64-bit
                t->Gdt[7] = 0;
                ulong tssBase = (ulong)tss, tssLimit = (ulong)sizeof(Tss) - 1;
                t->Gdt[8] = (tssLimit & 0xFFFF) | ((tssBase & 0xFFFFFF) << 16) | (0x89UL << 40) | (((tssBase >> 24) & 0xFF) << 56);
                t->Gdt[9] = tssBase >> 32;

                tss->IoMapBase = (ushort)sizeof(Tss);
                tss->Ist1 = AllocStack();
                tss->Ist2 = AllocStack();
                tss->Ist3 = AllocStack();
                tss->Rsp0 = AllocStack();

                DescriptorPointer gdtr;
                gdtr.Limit = 10 * 8 - 1;
                gdtr.Base = (ulong)t->Gdt;
                Native.Lgdt(&gdtr);
                Native.Ltr(TssSelector);

                ulong* stubs = (ulong*)Symbols.IsrTable;
                var idt = (IdtEntry*)t->Idt;
                for (int v = 0; v < 256; v++)
                {
                    ulong h = stubs[v];
                    idt[v].OffsetLow = (ushort)h;
                    idt[v].Selector = KernelCode;
                    idt[v].Ist = (byte)(v == 8 ? IstDoubleFault : v == 2 ? IstNmi : v == 18 ? IstMachineCheck : 0);
                    // int3 from ring 3 must reach #BP (SIGTRAP), not #GP: DPL 3 for vector 3 only.
                    idt[v].TypeAttr = (byte)(v == 3 ? 0xEE : 0x8E);  // present, DPL 0/3, interrupt gate
                    idt[v].OffsetMid = (ushort)(h >> 16);
                    idt[v].OffsetHigh = (uint)(h >> 32);
                    idt[v].Zero = 0;
                }
                DescriptorPointer idtr;
                idtr.Limit = 256 * 16 - 1;
                idtr.Base = (ulong)t->Idt;
                Native.Lidt(&idtr);
            }
        }

        private static ulong AllocStack()
        {
            ulong phys = Mm.Pages.Alloc(IstStackSize / PageAllocator.PageSize);
            if (phys == 0) Panic.Fail("no memory for interrupt stacks");
            return (ulong)Mm.PhysToVirt(phys) + IstStackSize;
        }
    }
}
