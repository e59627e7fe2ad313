// The virtio-mmio transport (virtio 1.x, 4.2; version 2 registers only: ops asks QEMU for
// force-legacy=false). Devices are found by scanning microvm's window (24 slots of 512 bytes at
// 0xFEB00000) and from virtio_mmio.device=SIZE@ADDR:IRQ words on the command line (Firecracker).
using Kernel.Arch;
using Kernel.Memory;

namespace Kernel.Drivers.Virtio
{
    internal sealed unsafe class VirtioMmio : VirtioTransport
    {
        public const uint Magic = 0x74726976;                  // "virt"
        public const ulong MicrovmBase = 0xFEB00000;
        public const int MicrovmSlots = 24;

        private readonly byte* _regs;
        public readonly ulong Phys;
        public readonly int Slot;

        private VirtioMmio(ulong phys, int slot)
        {
            Phys = phys;
            Slot = slot;
            _regs = (byte*)Mm.PhysToVirt(phys);
            DeviceId = R(0x008);
        }

        private uint R(int off) => Native.MmioRead32(_regs + off);
        private void W(int off, uint v) => Native.MmioWrite32(_regs + off, v);

        /// <summary>Calls <paramref name="found"/> for every version-2 device present (device ID not 0).</summary>
        public static void Scan(delegate*<VirtioTransport, void> found)
        {
            for (int slot = 0; slot < MicrovmSlots; slot++)
            {
                ulong phys = MicrovmBase + (ulong)slot * 512;
                var p = (uint*)Mm.PhysToVirt(phys);
                uint magic = Native.MmioRead32(p), version = Native.MmioRead32(p + 1), id = Native.MmioRead32(p + 2);
                if (magic != Magic || id == 0) continue;
                if (version != 2)
                {
                    Log.Write("compat: virtio-mmio device ");
                    Log.Dec(id);
                    Log.WriteLine(" is legacy (version 1); not supported (QEMU: -global virtio-mmio.force-legacy=false)");
                    continue;
                }
                found(new VirtioMmio(phys, slot));
            }
        }

        /// <summary>One vector, routed to every GSI this slot may be wired to on microvm (24+slot with the second I/O APIC, else 16+slot or 5+slot).</summary>
        public override int AttachInterrupt(delegate*<object, void> handler, object context)
        {
            int vector = Irq.Allocate(handler, context);
            if (vector == 0) return 0;
            IoApic.Route((uint)(24 + Slot), vector);
            if (Slot < 8) { IoApic.Route((uint)(16 + Slot), vector); IoApic.Route((uint)(5 + Slot), vector); }
            return vector;
        }

        public override void LogLocation()
        {
            Log.Write(" at ");
            Log.Hex(Phys, 8);
        }

        public override byte Status { get => (byte)R(0x070); set => W(0x070, value); }

        public override void Reset() { W(0x070, 0); while (R(0x070) != 0) Native.Pause(); }

        public override ulong DeviceFeatures()
        {
            W(0x014, 0); ulong lo = R(0x010);
            W(0x014, 1); ulong hi = R(0x010);
            return lo | hi << 32;
        }

        protected override void WriteDriverFeatures(ulong features)
        {
            W(0x024, 0); W(0x020, (uint)features);
            W(0x024, 1); W(0x020, (uint)(features >> 32));
        }

        public override ushort QueueMax(int index) { W(0x030, (uint)index); return (ushort)R(0x034); }

        public override void SetupQueue(Virtqueue q)
        {
            W(0x030, (uint)q.Index);
            W(0x038, q.Size);
            W(0x080, (uint)q.DescPhys); W(0x084, (uint)(q.DescPhys >> 32));
            W(0x090, (uint)q.AvailPhys); W(0x094, (uint)(q.AvailPhys >> 32));
            W(0x0A0, (uint)q.UsedPhys); W(0x0A4, (uint)(q.UsedPhys >> 32));
            W(0x044, 1);
            q.NotifyFn = &Notify;
            q.NotifyContext = this;
        }

        private static void Notify(object self, int queue) => ((VirtioMmio)self).W(0x050, (uint)queue);

        /// <summary>Reads and acknowledges the interrupt status (bit 0: used buffers, bit 1: configuration change).</summary>
        public override uint AckInterrupt()
        {
            uint s = R(0x060);
            if (s != 0) W(0x064, s);
            return s;
        }

        public override byte ConfigByte(int off) => (byte)(R(0x100 + (off & ~3)) >> (8 * (off & 3)));
    }
}
