// virtio-net (virtio 1.x, 5.1) over any transport that hands us virtqueues: one receive and one
// transmit queue, buffers of 2 KiB allocated once at start (no allocation per packet). Received
// frames go to OnReceive in interrupt context; Transmit copies a frame into a free transmit buffer.
using Kernel.Arch;
using Kernel.Memory;

namespace Kernel.Drivers.Virtio
{
    internal sealed unsafe class VirtioNet
    {
        public const uint DeviceId = 1;
        private const int FeatureMac = 5, FeatureStatus = 16;
        private const int HeaderSize = 12;                  // virtio_net_hdr with num_buffers (VERSION_1)
        private const int BufferSize = 2048;
        private const ushort QueueSize = 256;

        public static VirtioNet First;                      // the first device found (the only one used today)

        private readonly VirtioMmio _dev;
        private Virtqueue _rx, _tx;
        private byte* _rxBuffers, _txBuffers;
        private ulong _rxPhys, _txPhys;
        private ushort* _txFree;
        private int _txFreeCount;
        public readonly byte* Mac;
        public int Vector;
        public ulong RxPackets, TxPackets, TxDropped;
        public delegate*<byte*, int, void> OnReceive;

        private VirtioNet(VirtioMmio dev)
        {
            _dev = dev;
            Mac = (byte*)Mm.KernelHeap.Alloc(8);
        }

        /// <summary>Probe callback for the transport scan: starts the first network device.</summary>
        public static void Probe(VirtioMmio dev)
        {
            if (dev.DeviceId != DeviceId || First != null) return;
            var n = new VirtioNet(dev);
            if (!n.Start()) { dev.Status = VirtioMmio.StatusFailed; return; }
            First = n;
        }

        private bool Start()
        {
            string refused = _dev.Negotiate(1UL << FeatureMac | 1UL << VirtioMmio.FeatureEventIdx, out ulong features);
            if (refused != null) return Fail(refused);

            if ((features & 1UL << FeatureMac) != 0) for (int i = 0; i < 6; i++) Mac[i] = _dev.ConfigByte(i);
            else { Mac[0] = 0x52; Mac[1] = 0x54; Mac[2] = 0x00; Mac[3] = 0x12; Mac[4] = 0x34; Mac[5] = 0x56; }

            ushort rxSize = Min(_dev.QueueMax(0)), txSize = Min(_dev.QueueMax(1));
            if (rxSize == 0 || txSize == 0) return Fail("the device has no queues");
            _rx = new Virtqueue(0, rxSize);
            _tx = new Virtqueue(1, txSize);
            bool eventIdx = (features & 1UL << VirtioMmio.FeatureEventIdx) != 0;
            _rx.EventIdx = _tx.EventIdx = eventIdx;
            if (!_rx.Allocate() || !_tx.Allocate()) return Fail("out of memory for the rings");
            _rxPhys = Mm.Pages.Alloc((ulong)rxSize * BufferSize / 4096);
            _txPhys = Mm.Pages.Alloc((ulong)txSize * BufferSize / 4096);
            if (_rxPhys == 0 || _txPhys == 0) return Fail("out of memory for the buffers");
            _rxBuffers = (byte*)Mm.PhysToVirt(_rxPhys);
            _txBuffers = (byte*)Mm.PhysToVirt(_txPhys);
            _txFree = (ushort*)Mm.KernelHeap.Alloc((ulong)txSize * 2);
            for (ushort i = 0; i < txSize; i++) _txFree[_txFreeCount++] = i;

            for (ushort i = 0; i < rxSize; i++)
            {
                _rx.Desc[i].Addr = _rxPhys + (ulong)i * BufferSize;
                _rx.Desc[i].Len = BufferSize;
                _rx.Desc[i].Flags = Virtqueue.DescWrite;
                _rx.Push(i);
            }
            for (ushort i = 0; i < txSize; i++) { _tx.Desc[i].Addr = _txPhys + (ulong)i * BufferSize; _tx.Desc[i].Flags = 0; }
            if (eventIdx) _tx.Avail[2 + txSize] = 0xFFFF;   // no transmit-done interrupts: we reclaim on the next send

            _dev.SetupQueue(_rx);
            _dev.SetupQueue(_tx);
            Vector = Irq.Allocate(&OnInterrupt, this);
            _dev.RouteInterrupt(Vector);
            _dev.Status = (byte)(_dev.Status | VirtioMmio.StatusDriverOk);
            _rx.ArmAndCheckEmpty();
            _rx.Kick(0);

            Log.Write("compat: virtio-net at ");
            Log.Hex(_dev.Phys, 8);
            Log.Write(", mac ");
            for (int i = 0; i < 6; i++) { if (i > 0) Log.Char(':'); Log.Char(HexDigit(Mac[i] >> 4)); Log.Char(HexDigit(Mac[i] & 15)); }
            Log.Write(eventIdx ? ", event index" : "");
            Log.Write("\n");
            return true;
        }

        private static char HexDigit(int n) => (char)(n < 10 ? '0' + n : 'a' + n - 10);

        private static ushort Min(ushort max) => max == 0 ? (ushort)0 : max < QueueSize ? max : QueueSize;

        private bool Fail(string why)
        {
            Log.Write("compat: virtio-net: ");
            Log.WriteLine(why);
            return false;
        }

        private static void OnInterrupt(object self) => ((VirtioNet)self).Service();

        /// <summary>netdebug: the receive ring's indices (avail, device used, ours, used_event, avail_event) and the interrupt status.</summary>
        public void LogRings()
        {
            Log.Write(" rxring avail ");
            Log.Dec(_rx.AvailIndex);
            Log.Write(" used ");
            Log.Dec(_rx.DeviceUsedIndex);
            Log.Write(" last ");
            Log.Dec(_rx.LastUsed);
            Log.Write(" usedev ");
            Log.Dec(_rx.UsedEvent);
            Log.Write(" availev ");
            Log.Dec(_rx.DeviceAvailEvent);
            Log.Write(" txring avail ");
            Log.Dec(_tx.AvailIndex);
            Log.Write(" used ");
            Log.Dec(_tx.DeviceUsedIndex);
            Log.Write(" free ");
            Log.Dec((ulong)_txFreeCount);
            Log.Write(" missed ");
            Log.Dec(MissedInterrupts);
            Log.Write(" kicks ");
            Log.Dec(MissedKicks);
        }

        /// <summary>Delivers every received frame and re-posts its buffer. Interrupt context, or any kernel code with interrupts masked.</summary>
        public void Service()
        {
            _dev.AckInterrupt();
            ushort before = _rx.AvailIndex;
            // Every buffer used: the device waits for the notification the re-posting below sends.
            if (_rx.DeviceUsedIndex == before) { _rxStarved = true; _rxStarvedAt = before; _rxStarvedKicks = 0; }
            do
            {
                while (_rx.PopUsed(out ushort head, out uint len))
                {
                    if (head < _rx.Size && len > HeaderSize && len <= BufferSize)
                    {
                        RxPackets++;
                        if (OnReceive != null) OnReceive(_rxBuffers + (ulong)head * BufferSize + HeaderSize, (int)len - HeaderSize);
                    }
                    if (head < _rx.Size) _rx.Push(head);
                }
            } while (!_rx.ArmAndCheckEmpty());
            if (_rx.AvailIndex != before) _rx.Kick(before);
        }

        public ulong MissedInterrupts, MissedKicks;
        private ushort _tickTxUsed, _tickRxUsed;
        private bool _rxStarved;
        private ushort _rxStarvedAt;
        private int _rxStarvedKicks;                        // the used index when the device had no buffer left

        /// <summary>
        /// From the scheduler tick, a watchdog for lost notifications in either direction. Under load
        /// the device has been seen to fill the receive ring with no interrupt reaching us, and to
        /// leave a full transmit ring untouched (a kick it never acted on); causes not found yet.
        /// Each such stall now lasts at most one tick: the receive ring is serviced, and a queue with
        /// work pending (transmit: unsent frames; receive: re-posted buffers after the device ran
        /// out) that made no progress since the last tick is notified again.
        /// </summary>
        public void Watchdog()
        {
            if (_rx.DeviceUsedIndex != _rx.LastUsed) { MissedInterrupts++; Service(); }
            ushort txUsed = _tx.DeviceUsedIndex;
            if (_tx.AvailIndex != txUsed && txUsed == _tickTxUsed) { MissedKicks++; _tx.ForceNotify(); }
            _tickTxUsed = txUsed;
            ushort rxUsed = _rx.DeviceUsedIndex;
            // The device ran out of receive buffers and has not used one since we re-posted them:
            // it may be waiting for a notification that got lost. A link that went quiet meanwhile
            // gets 50 of them (half a second); an idle device is left alone.
            if (rxUsed != _rxStarvedAt) _rxStarved = false;
            else if (_rxStarved && rxUsed == _tickRxUsed && _rxStarvedKicks++ < 50) { MissedKicks++; _rx.ForceNotify(); }
            _tickRxUsed = rxUsed;
        }

        private void ReclaimTransmitted()
        {
            while (_tx.PopUsed(out ushort head, out _))
                if (head < _tx.Size) _txFree[_txFreeCount++] = head;
        }

        /// <summary>Queues one Ethernet frame (without FCS); false if it is too big or every buffer is in flight.</summary>
        public bool Transmit(byte* frame, int length)
        {
            if (length <= 0 || length > BufferSize - HeaderSize) { TxDropped++; return false; }
            ReclaimTransmitted();
            if (_txFreeCount == 0) { TxDropped++; _tx.ForceNotify(); return false; }   // all in flight: make sure the device knows
            ushort d = _txFree[--_txFreeCount];
            byte* buf = _txBuffers + (ulong)d * BufferSize;
            Mem.Zero(buf, HeaderSize);
            Mem.Copy(buf + HeaderSize, frame, (ulong)length);
            _tx.Desc[d].Len = (uint)(HeaderSize + length);
            ushort before = _tx.AvailIndex;
            _tx.Push(d);
            _tx.Kick(before);
            TxPackets++;
            return true;
        }
    }
}
