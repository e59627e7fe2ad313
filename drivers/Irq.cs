// Device interrupts: a table of handlers that drivers register (one vector each), and the I/O
// APICs that route a GSI (a device's interrupt line) to a vector on this CPU. An interrupt that
// arrives while kernel code runs (a syscall, the idle loop) only marks its vector pending; the
// handler runs at the next safe point (Deferred.Run), so handlers never race the code they
// interrupted.
using Kernel.Arch;
using Kernel.Memory;

namespace Kernel.Drivers
{
    internal static unsafe class Irq
    {
        public const int FirstVector = 48, LastVector = 239;
        private struct Entry { public delegate*<object, void> Handler; public object Context; public ulong Count; public uint LevelGsi; }
        private static Entry* s_table;
        private static int s_next = FirstVector;
        private static ulong* s_pending;                 // 256 bits: vectors whose handler has not run yet
        /// <summary>Some vector's handler is waiting for <see cref="RunPending"/>.</summary>
        public static volatile bool AnyPending;

        /// <summary>A fresh vector whose interrupts call <paramref name="handler"/>(<paramref name="context"/>); 0 when none is left.</summary>
        public static int Allocate(delegate*<object, void> handler, object context)
        {
            if (s_table == null)
            {
                s_table = (Entry*)Mm.KernelHeap.Alloc((ulong)(sizeof(Entry) * 256));
                Mem.Zero(s_table, (ulong)(sizeof(Entry) * 256));
                s_pending = (ulong*)Mm.KernelHeap.Alloc(32);
                Mem.Zero(s_pending, 32);
            }
            if (s_next > LastVector) return 0;
            int v = s_next++;
            s_table[v].Handler = handler;
            s_table[v].Context = context;
            return v;
        }

        /// <summary><paramref name="vector"/> comes from the level-triggered line <paramref name="gsi"/> (PCI INTx):
        /// while its handler waits, the line is masked, or it would interrupt again at once.</summary>
        public static void SetLevelTriggered(int vector, uint gsi) => s_table[vector].LevelGsi = gsi + 1;

        public static bool Owns(ulong vector) => vector >= FirstVector && vector <= LastVector;

        /// <summary>Interrupt context, from user mode: run the vector's handler, then EOI.</summary>
        public static void Dispatch(ulong vector)
        {
            Run(vector);
            Lapic.EndOfInterrupt();
        }

        private static void Run(ulong vector)
        {
            if (s_table == null || s_table[vector].Handler == null) return;
            s_table[vector].Count++;
            s_table[vector].Handler(s_table[vector].Context);
        }

        /// <summary>Interrupt context, from kernel code: the handler waits for <see cref="RunPending"/>.</summary>
        public static void Defer(ulong vector)
        {
            if (s_pending != null)
            {
                s_pending[vector >> 6] |= 1UL << (int)(vector & 63);
                AnyPending = true;
                if (s_table[vector].LevelGsi != 0) IoApic.Mask(s_table[vector].LevelGsi - 1);
            }
            Lapic.EndOfInterrupt();
        }

        /// <summary>Interrupts masked: runs the handlers of every deferred vector (re-opening a masked line after its handler).</summary>
        public static void RunPending()
        {
            AnyPending = false;
            for (int w = 0; w < 4; w++)
            {
                while (s_pending[w] != 0)
                {
                    ulong bits = s_pending[w];
                    int b = 0;
                    while ((bits & (1UL << b)) == 0) b++;
                    s_pending[w] = bits & ~(1UL << b);
                    ulong vector = (ulong)(w * 64 + b);
                    Run(vector);
                    if (s_table[vector].LevelGsi != 0) IoApic.Unmask(s_table[vector].LevelGsi - 1);
                }
            }
        }

        public static ulong Count(int vector) => s_table == null ? 0 : s_table[vector].Count;

        /// <summary>Device interrupts taken since boot (/proc/stat's intr).</summary>
        public static ulong Total
        {
            get
            {
                ulong n = 0;
                if (s_table != null) for (int v = FirstVector; v <= LastVector; v++) n += s_table[v].Count;
                return n;
            }
        }
    }

    /// <summary>
    /// The I/O APICs. microvm has one at 0xFEC00000 (GSI 0-23) and, with ACPI, a second at
    /// 0xFEC10000 (GSI 24-47); q35 and clouds have the first. An absent one reads as all ones.
    /// </summary>
    internal static unsafe class IoApic
    {
        private struct Unit { public uint* Base; public uint GsiBase, Pins; }
        private static Unit* s_units;
        private static int s_count;

        public static void Init()
        {
            s_units = (Unit*)Mm.KernelHeap.Alloc((ulong)(sizeof(Unit) * 2));
            Probe(0xFEC00000, 0);
            if (s_count == 1) Probe(0xFEC10000, s_units[0].GsiBase + s_units[0].Pins);
        }

        private static void Probe(ulong phys, uint gsiBase)
        {
            var b = (uint*)Mm.PhysToVirt(phys);
            uint version = Read(b, 1);
            if (version == 0xFFFFFFFF || version == 0) return;
            uint pins = ((version >> 16) & 0xFF) + 1;
            var u = &s_units[s_count++];
            u->Base = b; u->GsiBase = gsiBase; u->Pins = pins;
            for (uint pin = 0; pin < pins; pin++) Write(b, 0x10 + 2 * pin, 1u << 16);   // masked
        }

        // Register select, then access: an interrupt in between whose deferral masks a line would
        // move the selection, so both happen with interrupts masked.
        private static uint Read(uint* b, uint reg)
        {
            bool interrupts = Native.SaveAndCli();
            Native.MmioWrite32(b, reg);
            uint v = Native.MmioRead32(b + 4);
            Native.RestoreInterrupts(interrupts);
            return v;
        }

        private static void Write(uint* b, uint reg, uint value)
        {
            bool interrupts = Native.SaveAndCli();
            Native.MmioWrite32(b, reg);
            Native.MmioWrite32(b + 4, value);
            Native.RestoreInterrupts(interrupts);
        }

        public static int Units => s_count;

        /// <summary>Routes <paramref name="gsi"/> (edge, active high; or level, active low for PCI INTx) to <paramref name="vector"/> on the boot CPU; false if no I/O APIC has that pin.</summary>
        public static bool Route(uint gsi, int vector, bool levelActiveLow = false) =>
            Program(gsi, (uint)vector | (levelActiveLow ? 1u << 15 | 1u << 13 : 0));

        /// <summary>Delivers <paramref name="gsi"/> (edge, active high) as an NMI to the boot CPU (the profiler's clock).</summary>
        public static bool RouteNmi(uint gsi) => Program(gsi, 4u << 8);               // delivery mode 100: NMI

        public static void Mask(uint gsi) => SetMask(gsi, true);

        public static void Unmask(uint gsi) => SetMask(gsi, false);

        private static void SetMask(uint gsi, bool masked)
        {
            Unit* u = UnitOf(gsi);
            if (u == null) return;
            bool interrupts = Native.SaveAndCli();
            uint reg = 0x10 + 2 * (gsi - u->GsiBase);
            uint low = Read(u->Base, reg);
            Write(u->Base, reg, masked ? low | 1u << 16 : low & ~(1u << 16));
            Native.RestoreInterrupts(interrupts);
        }

        /// <summary>Points <paramref name="gsi"/>'s redirection entry at the boot CPU with the low word <paramref name="low"/>; false if no I/O APIC has that pin.</summary>
        private static bool Program(uint gsi, uint low)
        {
            Unit* u = UnitOf(gsi);
            if (u == null) return false;
            uint pin = gsi - u->GsiBase;
            Write(u->Base, 0x11 + 2 * pin, Lapic.Id << 24);
            Write(u->Base, 0x10 + 2 * pin, low);
            return true;
        }

        private static Unit* UnitOf(uint gsi)
        {
            for (int i = 0; i < s_count; i++)
                if (gsi >= s_units[i].GsiBase && gsi < s_units[i].GsiBase + s_units[i].Pins) return &s_units[i];
            return null;
        }
    }
}
