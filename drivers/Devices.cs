// Device discovery at boot: the I/O APICs, then every virtio device on the transports we know
// (virtio-mmio slots on microvm, virtio functions on PCI buses elsewhere).
using Kernel.Drivers.Virtio;

namespace Kernel.Drivers
{
    internal static unsafe class DeviceScan
    {
        public static void Init()
        {
            IoApic.Init();
            VirtioMmio.Scan(&Found);
            Pci.Scan(&FoundPci);
        }

        private static void FoundPci(PciDevice pci)
        {
            var t = VirtioPci.Probe(pci);
            if (t != null) Found(t);
        }

        private static void Found(VirtioTransport dev)
        {
            if (dev.DeviceId == VirtioNet.DeviceId) VirtioNet.Probe(dev);
            else if (dev.DeviceId == VirtioConsole.DeviceId) VirtioConsole.Probe(dev);
        }
    }
}
