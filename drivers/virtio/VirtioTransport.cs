// What a virtio driver needs from its transport (virtio 1.x, 4): status, features, queue setup
// and notification, the interrupt, the device-specific configuration. virtio-mmio (microvm,
// Firecracker) and modern virtio-pci (q35, clouds) implement it, so virtio-net, virtio-console
// and the one Virtqueue are the same code on either.
namespace Kernel.Drivers.Virtio
{
    internal abstract unsafe class VirtioTransport
    {
        public const byte StatusAcknowledge = 1, StatusDriver = 2, StatusDriverOk = 4, StatusFeaturesOk = 8, StatusFailed = 128;
        public const int FeatureVersion1 = 32, FeatureEventIdx = 29;

        /// <summary>The virtio device type (1 network, 3 console, ...).</summary>
        public uint DeviceId { get; protected set; }

        public abstract byte Status { get; set; }

        /// <summary>Writes 0 to the status and waits until the device reads back reset.</summary>
        public abstract void Reset();

        public abstract ulong DeviceFeatures();

        protected abstract void WriteDriverFeatures(ulong features);

        /// <summary>The largest size queue <paramref name="index"/> may have; 0 when it does not exist.</summary>
        public abstract ushort QueueMax(int index);

        /// <summary>Tells the device where <paramref name="q"/>'s rings are and enables it; sets its notify hook. After <see cref="AttachInterrupt"/>.</summary>
        public abstract void SetupQueue(Virtqueue q);

        /// <summary>Reads and acknowledges the interrupt status (bit 0: used buffers, bit 1: configuration change).</summary>
        public abstract uint AckInterrupt();

        public abstract byte ConfigByte(int off);

        /// <summary>
        /// Makes the device's interrupts (every queue and configuration changes) call
        /// <paramref name="handler"/>(<paramref name="context"/>). Call after <see cref="Negotiate"/>
        /// and before <see cref="SetupQueue"/> (virtio-pci binds each queue to its MSI-X vector
        /// as the queue is set up). Returns the CPU vector, 0 when none could be had.
        /// </summary>
        public abstract int AttachInterrupt(delegate*<object, void> handler, object context);

        /// <summary>Where the device is, for the driver's log line (" at 0xfeb00000", " at pci 00:02.0, msi-x").</summary>
        public abstract void LogLocation();

        /// <summary>
        /// The start of every driver's initialisation (virtio 1.x, 3.1.1): reset, ACKNOWLEDGE, DRIVER,
        /// and the features both sides have out of <paramref name="wanted"/> (VERSION_1 is required).
        /// Returns null with the features accepted (FEATURES_OK set), or why the device cannot be used.
        /// </summary>
        public string Negotiate(ulong wanted, out ulong features)
        {
            Reset();
            Status = StatusAcknowledge;
            Status = StatusAcknowledge | StatusDriver;
            features = DeviceFeatures() & (wanted | 1UL << FeatureVersion1);
            if ((features & 1UL << FeatureVersion1) == 0) return "the device does not offer VIRTIO_F_VERSION_1";
            WriteDriverFeatures(features);
            Status = (byte)(Status | StatusFeaturesOk);
            return (Status & StatusFeaturesOk) != 0 ? null : "the device refused our features";
        }
    }
}
