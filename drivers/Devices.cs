// Device discovery at boot: the I/O APICs, then every virtio device on the transports we know.
using Kernel.Drivers.Virtio;

namespace Kernel.Drivers
{
    internal static unsafe class DeviceScan
    {
        public static void Init()
        {
            IoApic.Init();
            VirtioMmio.Scan(&Found);
        }

        private static void Found(VirtioMmio dev)
        {
            if (dev.DeviceId == VirtioNet.DeviceId) VirtioNet.Probe(dev);
            else if (dev.DeviceId == VirtioConsole.DeviceId) VirtioConsole.Probe(dev);
        }
    }
}
