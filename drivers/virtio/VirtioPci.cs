// The modern virtio-pci transport (virtio 1.x, 4.1): vendor 0x1AF4, device 0x1040 + type, or a
// transitional 0x1000-0x103F device (type in the subsystem ID) driven through its modern
// interface; legacy-only devices (no common configuration capability) are left alone. The
// registers live in BARs that vendor capabilities point at: common configuration, notification,
// ISR status, device configuration. Each region is mapped uncached on its own.
//
// Interrupts: one MSI-X vector (table entry 0) for configuration changes and every queue. The
// drivers service all their queues from one handler anyway, and kernel code runs with interrupts
// masked, so a vector per queue would buy no concurrency, only more vectors and table entries.
// Without MSI-X (or kernel arg pci.nomsix) the INTx line through the I/O APIC, level-triggered;
// reading the ISR register acknowledges it and lowers the line.
using Kernel.Arch;
using Kernel.Memory;

namespace Kernel.Drivers.Virtio
{
    internal sealed unsafe class VirtioPci : VirtioTransport
    {
        public const ushort VendorId = 0x1AF4;
        private const int CfgCommon = 1, CfgNotify = 2, CfgIsr = 3, CfgDevice = 4;
        private const ushort NoVector = 0xFFFF;
        // struct virtio_pci_common_cfg
        private const int DeviceFeatureSelect = 0, DeviceFeature = 4, DriverFeatureSelect = 8, DriverFeature = 12,
            MsixConfig = 16, NumQueues = 18, DeviceStatus = 20, QueueSelect = 22, QueueSize = 24, QueueMsixVector = 26,
            QueueEnable = 28, QueueNotifyOff = 30, QueueDesc = 32, QueueDriver = 40, QueueDevice = 48;

        public readonly PciDevice Pci;
        private byte* _common, _notify, _isr, _device;
        private ulong _commonPhys;
        private uint _notifyMultiplier;
        private ulong _notifyLength;
        private byte** _queueNotify;                         // per queue index: where to write its notification
        private int _numQueues;
        private bool _msix;

        private VirtioPci(PciDevice pci, uint type) { Pci = pci; DeviceId = type; }

        /// <summary>The transport for a virtio function, or null (not virtio, legacy only, or its registers cannot be mapped).</summary>
        public static VirtioPci Probe(PciDevice pci)
        {
            if (pci.VendorId != VendorId || pci.DeviceId < 0x1000 || pci.DeviceId > 0x107F) return null;
            uint type = pci.DeviceId >= 0x1040 ? (uint)(pci.DeviceId - 0x1040) : pci.SubsystemId;
            var t = new VirtioPci(pci, type);
            string why = t.MapRegions();
            if (why == null) return t;
            Log.Write("compat: virtio device at ");
            pci.LogName();
            Log.Write(": ");
            Log.WriteLine(why);
            return null;
        }

        /// <summary>Finds the first capability of each kind we use (4.1.4: the driver takes the first it understands) and maps its part of the BAR.</summary>
        private string MapRegions()
        {
            int c = Pci.NextCapability(0);
            for (int n = 0; c != 0 && n < 48; n++, c = Pci.NextCapability(c))
            {
                if (Pci.Read8(c) != PciDevice.CapVendor) continue;
                int cfgType = Pci.Read8(c + 3), bar = Pci.Read8(c + 4);
                uint offset = Pci.Read32(c + 8), length = Pci.Read32(c + 12);
                if (cfgType < CfgCommon || cfgType > CfgDevice || bar > 5 || length == 0) continue;
                if (cfgType == CfgCommon && _common != null || cfgType == CfgNotify && _notify != null ||
                    cfgType == CfgIsr && _isr != null || cfgType == CfgDevice && _device != null) continue;
                if (Pci.BarIsIo(bar) || Pci.BarBase(bar) == 0 || (ulong)offset + length > Pci.BarSize(bar)) continue;
                var p = (byte*)Mm.MapMmio(Pci.BarBase(bar) + offset, length);
                if (p == null) return "cannot map its registers";
                switch (cfgType)
                {
                    case CfgCommon: _common = p; _commonPhys = Pci.BarBase(bar) + offset; break;
                    case CfgNotify: _notify = p; _notifyLength = length; _notifyMultiplier = Pci.Read32(c + 16); break;
                    case CfgIsr: _isr = p; break;
                    case CfgDevice: _device = p; break;
                }
            }
            if (_common == null) return "no modern interface (legacy-only device; QEMU: disable-legacy=on or a 1.x device)";
            if (_notify == null || _isr == null) return "no notification or ISR region";
            Pci.EnableMemoryAndDma();
            _numQueues = Native.MmioRead16(_common + NumQueues);
            _queueNotify = (byte**)Mm.KernelHeap.Alloc((ulong)(_numQueues + 1) * 8);
            if (_queueNotify == null) return "out of memory";
            for (int i = 0; i < _numQueues; i++) _queueNotify[i] = null;
            return null;
        }

        private uint R32(int off) => Native.MmioRead32(_common + off);
        private void W32(int off, uint v) => Native.MmioWrite32(_common + off, v);
        private ushort R16(int off) => Native.MmioRead16(_common + off);
        private void W16(int off, ushort v) => Native.MmioWrite16(_common + off, v);

        public override byte Status { get => Native.MmioRead8(_common + DeviceStatus); set => Native.MmioWrite8(_common + DeviceStatus, value); }

        public override void Reset() { Status = 0; while (Status != 0) Native.Pause(); }

        public override ulong DeviceFeatures()
        {
            W32(DeviceFeatureSelect, 0); ulong lo = R32(DeviceFeature);
            W32(DeviceFeatureSelect, 1); ulong hi = R32(DeviceFeature);
            return lo | hi << 32;
        }

        protected override void WriteDriverFeatures(ulong features)
        {
            W32(DriverFeatureSelect, 0); W32(DriverFeature, (uint)features);
            W32(DriverFeatureSelect, 1); W32(DriverFeature, (uint)(features >> 32));
        }

        public override ushort QueueMax(int index)
        {
            if (index >= _numQueues) return 0;
            W16(QueueSelect, (ushort)index);
            return R16(QueueSize);
        }

        public override void SetupQueue(Virtqueue q)
        {
            if (q.Index >= _numQueues) return;
            W16(QueueSelect, (ushort)q.Index);
            W16(QueueSize, q.Size);
            if (_msix)
            {
                W16(QueueMsixVector, 0);
                if (R16(QueueMsixVector) == NoVector) Log.WriteLine("compat: virtio-pci: the device refused a queue's MSI-X vector (serviced from the tick)");
            }
            W32(QueueDesc, (uint)q.DescPhys); W32(QueueDesc + 4, (uint)(q.DescPhys >> 32));
            W32(QueueDriver, (uint)q.AvailPhys); W32(QueueDriver + 4, (uint)(q.AvailPhys >> 32));
            W32(QueueDevice, (uint)q.UsedPhys); W32(QueueDevice + 4, (uint)(q.UsedPhys >> 32));
            ulong off = (ulong)R16(QueueNotifyOff) * _notifyMultiplier;
            _queueNotify[q.Index] = off + 2 <= _notifyLength ? _notify + off : _notify;
            W16(QueueEnable, 1);
            q.NotifyFn = &Notify;
            q.NotifyContext = this;
        }

        private static void Notify(object self, int queue)
        {
            var t = (VirtioPci)self;
            Native.MmioWrite16(t._queueNotify[queue], (ushort)queue);
        }

        /// <summary>With MSI-X nothing to acknowledge (the ISR register is not used); with INTx reading it lowers the line.</summary>
        public override uint AckInterrupt() => _msix ? 1u : Native.MmioRead8(_isr);

        public override byte ConfigByte(int off) => _device == null ? (byte)0 : Native.MmioRead8(_device + off);

        public override int AttachInterrupt(delegate*<object, void> handler, object context)
        {
            if (!CommandLine.Has("pci.nomsix"))
            {
                int vector = Irq.Allocate(handler, context);
                if (vector != 0 && Pci.EnableMsix(0, vector))
                {
                    W16(MsixConfig, 0);
                    if (R16(MsixConfig) == 0) { _msix = true; return vector; }
                    Pci.DisableMsix();                       // the device could not take the vector
                }
            }
            int gsi = Pci.IntxGsi();
            if (gsi < 0) return 0;                           // routing unknown: the scheduler tick's watchdog still services the device
            return Kernel.Drivers.Pci.AttachIntx(gsi, handler, context);
        }

        public override void LogLocation()
        {
            Log.Write(" at ");
            Pci.LogName();
            Log.Write(" (registers ");
            Log.Hex(_commonPhys, _commonPhys >> 32 != 0 ? 12 : 8);
            Log.Write(_msix ? "), msi-x" : "), intx");
        }
    }
}
