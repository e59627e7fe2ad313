// PCI: configuration space through the legacy ports 0xCF8/0xCFC (mechanism #1: the first 256
// bytes of each function, enough for the header, the BARs and the capability list), a walk of
// bus 0 and of the buses behind PCI-to-PCI bridges, BARs with their sizes, MSI-X, and INTx
// routed through the I/O APIC. BARs are used where the firmware (SeaBIOS on q35) placed them.
// On a machine without PCI (microvm) the address port does not read back and Scan returns at once.
using Kernel.Arch;
using Kernel.Memory;

namespace Kernel.Drivers
{
    internal sealed unsafe class PciDevice
    {
        public const int CapMsix = 0x11, CapVendor = 0x09;
        private const ushort CmdIo = 1, CmdMemory = 2, CmdBusMaster = 4, CmdIntxDisable = 0x400;

        public readonly byte Bus, Slot, Function;
        public readonly ushort VendorId, DeviceId, SubsystemId;
        public readonly byte InterruptPin;                  // 1-4: INTA-INTD, 0: none
        private readonly ulong* _barBase, _barSize;         // 6 each; size 0: absent (or the upper half of a 64-bit BAR)
        private readonly byte _barIo;                        // bit per BAR: I/O space
        private uint* _msixTable;

        public PciDevice(byte bus, byte slot, byte function)
        {
            Bus = bus; Slot = slot; Function = function;
            VendorId = Read16(0x00);
            DeviceId = Read16(0x02);
            SubsystemId = Read16(0x2E);
            InterruptPin = Read8(0x3D);
            _barBase = (ulong*)Mm.KernelHeap.Alloc(12 * 8);
            _barSize = _barBase + 6;
            for (int i = 0; i < 6; i++) { _barBase[i] = 0; _barSize[i] = 0; }
            ReadBars(out _barIo);
        }

        public uint Read32(int off) => Pci.Read32(Bus, Slot, Function, off);
        public ushort Read16(int off) => (ushort)(Read32(off & ~3) >> (8 * (off & 2)));
        public byte Read8(int off) => (byte)(Read32(off & ~3) >> (8 * (off & 3)));
        public void Write32(int off, uint v) => Pci.Write32(Bus, Slot, Function, off, v);
        public void Write16(int off, ushort v) => Pci.Write16(Bus, Slot, Function, off, v);

        /// <summary>
        /// Base and size of each BAR (PCI 3.0, 6.2.5.1): all ones written, the size read back from
        /// the bits that stuck, the original restored; decoding is off meanwhile so the device does
        /// not answer at the probing address. A 64-bit BAR takes two slots (the second stays empty).
        /// </summary>
        private void ReadBars(out byte io)
        {
            io = 0;
            if ((Read8(0x0E) & 0x7F) != 0) return;          // only ordinary (type 0) headers have six BARs
            ushort cmd = Read16(0x04);
            Write16(0x04, (ushort)(cmd & ~(CmdIo | CmdMemory)));
            for (int i = 0; i < 6; i++)
            {
                int off = 0x10 + 4 * i;
                uint lo = Read32(off);
                Write32(off, 0xFFFFFFFF);
                uint sizeLo = Read32(off);
                Write32(off, lo);
                if ((lo & 1) != 0)
                {
                    io |= (byte)(1 << i);
                    uint ioMask = sizeLo & 0xFFFFFFFC;
                    if (ioMask != 0) { _barBase[i] = lo & 0xFFFFFFFC; _barSize[i] = (~ioMask + 1) & 0xFFFF; }
                    continue;
                }
                bool is64 = ((lo >> 1) & 3) == 2 && i < 5;
                ulong mask = 0xFFFFFFFF00000000UL | (sizeLo & 0xFFFFFFF0), baseHi = 0;
                if (is64)
                {
                    uint hi = Read32(off + 4);
                    Write32(off + 4, 0xFFFFFFFF);
                    uint sizeHi = Read32(off + 4);
                    Write32(off + 4, hi);
                    mask = (ulong)sizeHi << 32 | (sizeLo & 0xFFFFFFF0);
                    baseHi = (ulong)hi << 32;
                }
                if ((uint)mask != 0 || (is64 && mask != 0))          // no bit stuck: no BAR here
                {
                    _barBase[i] = baseHi | (lo & 0xFFFFFFF0);
                    _barSize[i] = ~mask + 1;
                }
                if (is64) i++;
            }
            Write16(0x04, cmd);
        }

        public ulong BarBase(int i) => i >= 0 && i < 6 ? _barBase[i] : 0;
        public ulong BarSize(int i) => i >= 0 && i < 6 ? _barSize[i] : 0;
        public bool BarIsIo(int i) => (_barIo & (1 << i)) != 0;

        /// <summary>Memory decoding and bus mastering (the device reads and writes our rings).</summary>
        public void EnableMemoryAndDma() => Write16(0x04, (ushort)(Read16(0x04) | CmdMemory | CmdBusMaster));

        /// <summary>
        /// The capability after the one at <paramref name="after"/> (0: the first); 0 at the end.
        /// Callers bound their walks (a broken list could loop).
        /// </summary>
        public int NextCapability(int after)
        {
            int p;
            if (after == 0) p = (Read16(0x06) & 0x10) != 0 ? Read8(0x34) : 0;
            else p = Read8(after + 1);
            p &= 0xFC;
            return p < 0x40 ? 0 : p;
        }

        public int FindCapability(int id)
        {
            int c = NextCapability(0);
            for (int n = 0; c != 0 && n < 48; n++, c = NextCapability(c))
                if (Read8(c) == id) return c;
            return 0;
        }

        /// <summary>
        /// Points MSI-X table entry <paramref name="entry"/> at <paramref name="vector"/> on this
        /// CPU (message address 0xFEE00000 | APIC ID &lt;&lt; 12, data = vector: fixed delivery,
        /// edge), unmasks it and enables MSI-X, which turns the function's INTx off. False when the
        /// device has no MSI-X or the table cannot be mapped.
        /// </summary>
        public bool EnableMsix(int entry, int vector)
        {
            int cap = FindCapability(CapMsix);
            if (cap == 0) return false;
            ushort control = Read16(cap + 2);
            int size = (control & 0x7FF) + 1;
            if (entry >= size) return false;
            if (_msixTable == null)
            {
                uint table = Read32(cap + 4);
                int bir = (int)(table & 7);
                if (bir > 5 || BarIsIo(bir) || BarBase(bir) == 0) return false;
                _msixTable = (uint*)Mm.MapMmio(BarBase(bir) + (table & ~7u), (ulong)size * 16);
                if (_msixTable == null) return false;
            }
            // Function-masked while the entry changes, then enabled and unmasked.
            Write16(cap + 2, (ushort)((control | 0x4000) & ~0x8000));
            uint* e = _msixTable + 4 * entry;
            Native.MmioWrite32(e, 0xFEE00000u | Lapic.Id << 12);
            Native.MmioWrite32(e + 1, 0);
            Native.MmioWrite32(e + 2, (uint)vector);
            Native.MmioWrite32(e + 3, 0);                     // vector control: unmasked
            Write16(cap + 2, (ushort)((control | 0x8000) & ~0x4000));
            Write16(0x04, (ushort)(Read16(0x04) | CmdIntxDisable));
            return true;
        }

        /// <summary>Turns MSI-X off again (the device refused our vectors): INTx takes over.</summary>
        public void DisableMsix()
        {
            int cap = FindCapability(CapMsix);
            if (cap != 0) Write16(cap + 2, (ushort)(Read16(cap + 2) & ~0xC000));
            Write16(0x04, (ushort)(Read16(0x04) & ~CmdIntxDisable));
        }

        /// <summary>
        /// The I/O APIC input this function's INTx pin reaches, or -1 when we cannot tell. Only
        /// QEMU's q35 is known without reading ACPI's _PRT: a device in slot S on bus 0 with pin P
        /// (0 = INTA) raises PIRQ E-H as (S + P) mod 4, and the ICH9 wires PIRQ A-H to GSI 16-23.
        /// </summary>
        public int IntxGsi()
        {
            if (InterruptPin == 0 || InterruptPin > 4 || !Pci.IsQ35 || Bus != 0) return -1;
            return 20 + (Slot + InterruptPin - 1) % 4;
        }

        /// <summary>"pci 00:02.0", as lspci names functions.</summary>
        public void LogName()
        {
            Log.Write("pci ");
            Hex2(Bus); Log.Char(':'); Hex2(Slot); Log.Char('.'); Log.Dec((ulong)Function);
        }

        private static void Hex2(int v)
        {
            Log.Char((char)((v >> 4) < 10 ? '0' + (v >> 4) : 'a' + (v >> 4) - 10));
            Log.Char((char)((v & 15) < 10 ? '0' + (v & 15) : 'a' + (v & 15) - 10));
        }
    }

    internal static unsafe class Pci
    {
        private const ushort ConfigAddress = 0xCF8, ConfigData = 0xCFC;
        private const int MaxBridgeDepth = 8;
        /// <summary>Mechanism #1 answered at boot.</summary>
        public static bool Present;
        /// <summary>The host bridge is QEMU's q35 MCH (8086:29C0), whose INTx routing we know.</summary>
        public static bool IsQ35;
        public static int Functions;

        private static uint Address(int bus, int slot, int fn, int off) =>
            0x80000000u | (uint)bus << 16 | (uint)slot << 11 | (uint)fn << 8 | (uint)(off & 0xFC);

        public static uint Read32(int bus, int slot, int fn, int off)
        {
            Native.Outd(ConfigAddress, Address(bus, slot, fn, off));
            return Native.Ind(ConfigData);
        }

        public static void Write32(int bus, int slot, int fn, int off, uint v)
        {
            Native.Outd(ConfigAddress, Address(bus, slot, fn, off));
            Native.Outd(ConfigData, v);
        }

        /// <summary>A 16-bit write of its own: a 32-bit read-modify-write of the command register would also write the status register's write-one-to-clear bits.</summary>
        public static void Write16(int bus, int slot, int fn, int off, ushort v)
        {
            Native.Outd(ConfigAddress, Address(bus, slot, fn, off));
            Native.Outw((ushort)(ConfigData + (off & 2)), v);
        }

        /// <summary>Calls <paramref name="found"/> for every ordinary function on bus 0 and the buses behind bridges.</summary>
        public static void Scan(delegate*<PciDevice, void> found)
        {
            // The address register reads back what was written when mechanism #1 exists; an
            // absent port (microvm) reads all ones.
            Native.Outd(ConfigAddress, 0x80000000);
            Present = Native.Ind(ConfigAddress) == 0x80000000;
            Native.Outd(ConfigAddress, 0);
            if (!Present) return;
            uint host = Read32(0, 0, 0, 0);
            IsQ35 = host == (0x29C0u << 16 | 0x8086);
            ScanBus(0, 0, found);
            Log.Write("compat: pci: ");
            Log.Dec((ulong)Functions);
            Log.Write(" functions, host bridge ");
            Log.Hex(host & 0xFFFF, 4); Log.Char(':'); Log.Hex(host >> 16, 4);
            Log.Write(IsQ35 ? " (q35)\n" : "\n");
        }

        private static void ScanBus(int bus, int depth, delegate*<PciDevice, void> found)
        {
            for (int slot = 0; slot < 32; slot++)
            {
                if ((ushort)Read32(bus, slot, 0, 0) == 0xFFFF) continue;
                int functions = (Read32(bus, slot, 0, 0x0C) >> 16 & 0x80) != 0 ? 8 : 1;
                for (int fn = 0; fn < functions; fn++)
                {
                    if ((ushort)Read32(bus, slot, fn, 0) == 0xFFFF) continue;
                    Functions++;
                    int type = (int)(Read32(bus, slot, fn, 0x0C) >> 16 & 0x7F);
                    if (type == 1)
                    {
                        // A PCI-to-PCI bridge: the firmware numbered the bus behind it.
                        int secondary = (int)(Read32(bus, slot, fn, 0x18) >> 8 & 0xFF);
                        if (secondary > bus && depth < MaxBridgeDepth) ScanBus(secondary, depth + 1, found);
                    }
                    else if (type == 0) found(new PciDevice((byte)bus, (byte)slot, (byte)fn));
                }
            }
        }

        // ---- INTx: level-triggered lines, possibly shared by several functions -------------

        private sealed class IntxHandler
        {
            public int Gsi, Vector;
            public delegate*<object, void> Fn;
            public object Context;
            public IntxHandler Next;
        }
        private static IntxHandler s_intx;

        /// <summary>
        /// Routes <paramref name="gsi"/> (level-triggered, active low as PCI INTx is) to a vector
        /// whose interrupts call <paramref name="fn"/>(<paramref name="context"/>) and every other
        /// handler on the same line (a level line is shared: each handler reads its own device's
        /// status, which deasserts its part of the line). Returns the vector, 0 on failure.
        /// QEMU's I/O APIC ignores the polarity bit (its ACPI tables call these lines active high).
        /// </summary>
        public static int AttachIntx(int gsi, delegate*<object, void> fn, object context)
        {
            var h = new IntxHandler { Gsi = gsi, Fn = fn, Context = context };
            for (var o = s_intx; o != null; o = o.Next)
                if (o.Gsi == gsi) { h.Vector = o.Vector; break; }
            if (h.Vector == 0)
            {
                h.Vector = Irq.Allocate(&DispatchIntx, h);
                if (h.Vector == 0) return 0;
                Irq.SetLevelTriggered(h.Vector, (uint)gsi);          // before the line opens: a deferral must mask it
                if (!IoApic.Route((uint)gsi, h.Vector, levelActiveLow: true)) return 0;
            }
            h.Next = s_intx;
            s_intx = h;
            return h.Vector;
        }

        private static void DispatchIntx(object first)
        {
            int gsi = ((IntxHandler)first).Gsi;
            for (var h = s_intx; h != null; h = h.Next)
                if (h.Gsi == gsi) h.Fn(h.Context);
        }
    }
}
