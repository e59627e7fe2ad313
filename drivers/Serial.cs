// 16550 UART on COM1: early boot, panics without a debugcon, and the program's console when there is
// no virtio console (kernel/core/Console.cs). Polled transmit and receive.
using Kernel.Arch;

namespace Kernel.Drivers
{
    internal static class Serial
    {
        private const ushort Com1 = 0x3F8;
        private const ushort Data = 0, IntEnable = 1, FifoCtrl = 2, LineCtrl = 3, ModemCtrl = 4, LineStatus = 5;
        private const byte LsrDataReady = 0x01, LsrThrEmpty = 0x20;

        public static void Init()
        {
            Native.Outb(Com1 + IntEnable, 0x00);
            Native.Outb(Com1 + LineCtrl, 0x80);   // DLAB on: divisor follows
            Native.Outb(Com1 + Data, 0x01);       // 115200 baud
            Native.Outb(Com1 + IntEnable, 0x00);
            Native.Outb(Com1 + LineCtrl, 0x03);   // 8N1
            Native.Outb(Com1 + FifoCtrl, 0xC7);   // FIFO on, cleared, 14-byte threshold
            Native.Outb(Com1 + ModemCtrl, 0x0B);
        }

        public static void Write(byte b)
        {
            // QEMU's UART is always ready; bound the wait so a wedged device cannot hang a panic.
            for (int i = 0; i < 100000 && (Native.Inb(Com1 + LineStatus) & LsrThrEmpty) == 0; i++) Native.Pause();
            Native.Outb(Com1 + Data, b);
        }

        public static bool HasInput() => (Native.Inb(Com1 + LineStatus) & LsrDataReady) != 0;

        public static bool TryRead(out byte b)
        {
            if ((Native.Inb(Com1 + LineStatus) & LsrDataReady) == 0) { b = 0; return false; }
            b = Native.Inb(Com1 + Data);
            return true;
        }
    }
}
