// virtio-net (virtio 1.x, 5.1) over any transport that hands us virtqueues: one receive and one
// transmit queue, buffers of 2 KiB allocated once at start (no allocation per packet). Received
// frames go to OnReceive in interrupt context; Transmit copies a frame into free transmit buffers,
// chained when it is bigger than one (TSO frames reach 64 KiB). Offloads are used when the device
// offers them (QEMU does with a tap backend that has vnet headers, not with user networking):
// checksums and TSO on transmit (CSUM, HOST_TSO4/6), checked checksums on receive (GUEST_CSUM),
// and TSO on receive (GUEST_TSO4/6 with MRG_RXBUF: a frame of up to 64 KiB spreads over several
// receive buffers, copied together into one staging buffer allocated at start).
using Kernel.Arch;
using Kernel.Memory;

namespace Kernel.Drivers.Virtio
{
    internal sealed unsafe class VirtioNet
    {
        public const uint DeviceId = 1;
        private const int FeatureCsum = 0, FeatureGuestCsum = 1, FeatureMac = 5, FeatureGuestTso4 = 7, FeatureGuestTso6 = 8,
            FeatureHostTso4 = 11, FeatureHostTso6 = 12, FeatureMrgRxbuf = 15, FeatureStatus = 16;
        private const int HeaderSize = 12;                  // virtio_net_hdr with num_buffers (VERSION_1)
        public const byte HdrNeedsCsum = 1, HdrDataValid = 2;   // virtio_net_hdr.flags
        /// <summary>Largest frame Transmit takes: an Ethernet header and a 64 KiB IP packet (TSO).</summary>
        public const int MaxFrame = 14 + 65535;
        private const int BufferSize = 2048;
        private const ushort QueueSize = 256;

        public static VirtioNet First;                      // the first device found (the only one used today)

        private readonly VirtioTransport _dev;
        private Virtqueue _rx, _tx;
        private byte* _rxBuffers, _txBuffers;
        private ulong _rxPhys, _txPhys;
        private ushort* _txFree;
        private int _txFreeCount;
        public readonly byte* Mac;
        public int Vector;
        public ulong RxPackets, TxPackets, TxDropped;
        /// <summary>Negotiated offloads: the device completes checksums (NEEDS_CSUM) / segments
        /// TCP over IPv4 / IPv6 / tells us which received checksums it checked.</summary>
        public bool TxChecksum, Tso4, Tso6, RxChecksum;
        /// <summary>MRG_RXBUF: a received frame may span several buffers (with GUEST_TSO4/6 up to 64 KiB).</summary>
        public bool MergeRx, RxTso;
        private byte* _stage;                               // one whole frame spread over several buffers
        private int _stageLen, _stageLeft;                  // bytes gathered, buffers still to come
        private bool _stageValid, _stageOverflow;
        /// <summary>A received frame; the flag says the device checked (or the host never computed)
        /// its TCP/UDP checksum.</summary>
        public delegate*<byte*, int, bool, void> OnReceive;

        private VirtioNet(VirtioTransport dev)
        {
            _dev = dev;
            Mac = (byte*)Mm.KernelHeap.Alloc(8);
        }

        /// <summary>Probe callback for the transport scan: starts the first network device.</summary>
        public static void Probe(VirtioTransport dev)
        {
            if (dev.DeviceId != DeviceId || First != null) return;
            var n = new VirtioNet(dev);
            if (!n.Start()) { dev.Status = VirtioTransport.StatusFailed; return; }
            First = n;
        }

        private bool Start()
        {
            // Kernel arg net.nooffload: none of them (to compare, or to rule them out).
            ulong wanted = 1UL << FeatureMac | 1UL << VirtioTransport.FeatureEventIdx;
            if (!CommandLine.Has("net.nooffload"))
            {
                wanted |= 1UL << FeatureCsum | 1UL << FeatureGuestCsum | 1UL << FeatureHostTso4 | 1UL << FeatureHostTso6 | 1UL << FeatureMrgRxbuf;
                // Big received frames only into merged 2 KiB buffers (not 64 KiB buffers each).
                if ((_dev.DeviceFeatures() & 1UL << FeatureMrgRxbuf) != 0) wanted |= 1UL << FeatureGuestTso4 | 1UL << FeatureGuestTso6;
            }
            string refused = _dev.Negotiate(wanted, out ulong features);
            if (refused != null) return Fail(refused);
            MergeRx = (features & 1UL << FeatureMrgRxbuf) != 0;
            RxTso = (features & (1UL << FeatureGuestTso4 | 1UL << FeatureGuestTso6)) != 0;
            if (MergeRx)
            {
                _stage = (byte*)Mm.KernelHeap.Alloc(MaxFrame + 1);
                if (_stage == null) return Fail("out of memory for the receive staging buffer");
            }
            TxChecksum = (features & 1UL << FeatureCsum) != 0;
            Tso4 = TxChecksum && (features & 1UL << FeatureHostTso4) != 0;
            Tso6 = TxChecksum && (features & 1UL << FeatureHostTso6) != 0;
            RxChecksum = (features & 1UL << FeatureGuestCsum) != 0;

            if ((features & 1UL << FeatureMac) != 0) for (int i = 0; i < 6; i++) Mac[i] = _dev.ConfigByte(i);
            else { Mac[0] = 0x52; Mac[1] = 0x54; Mac[2] = 0x00; Mac[3] = 0x12; Mac[4] = 0x34; Mac[5] = 0x56; }

            ushort rxSize = Min(_dev.QueueMax(0)), txSize = Min(_dev.QueueMax(1));
            if (rxSize == 0 || txSize == 0) return Fail("the device has no queues");
            _rx = new Virtqueue(0, rxSize);
            _tx = new Virtqueue(1, txSize);
            bool eventIdx = (features & 1UL << VirtioTransport.FeatureEventIdx) != 0;
            _rx.EventIdx = _tx.EventIdx = eventIdx;
            if (!_rx.Allocate() || !_tx.Allocate()) return Fail("out of memory for the rings");
            // Before the queues: virtio-pci binds each queue to the MSI-X vector as it is set up.
            Vector = _dev.AttachInterrupt(&OnInterrupt, this);
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
            _dev.Status = (byte)(_dev.Status | VirtioTransport.StatusDriverOk);
            _rx.ArmAndCheckEmpty();
            _rx.Kick(0);

            Log.Write("compat: virtio-net");
            _dev.LogLocation();
            Log.Write(", mac ");
            for (int i = 0; i < 6; i++) { if (i > 0) Log.Char(':'); Log.Char(HexDigit(Mac[i] >> 4)); Log.Char(HexDigit(Mac[i] & 15)); }
            Log.Write(eventIdx ? ", event index" : "");
            Log.Write(TxChecksum ? ", tx csum" : "");
            Log.Write(Tso4 ? ", tso4" : "");
            Log.Write(Tso6 ? ", tso6" : "");
            Log.Write(RxChecksum ? ", rx csum" : "");
            Log.Write(MergeRx ? ", merged rx buffers" : "");
            Log.Write(RxTso ? ", rx tso" : "");
            Log.Write("\n");
            _started = true;
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

        private bool _started;

        /// <summary>Ignored until Start has finished (an INTx line may be shared with a running device).</summary>
        private static void OnInterrupt(object self)
        {
            var n = (VirtioNet)self;
            if (n._started) n.Service();
        }

        /// <summary>netdebug: the receive ring's indices (avail, device used, ours, used_event, avail_event) and the interrupt status.</summary>
        public void LogRings()
        {
            Log.Field(" rxring avail ", _rx.AvailIndex);
            Log.Field(" used ", _rx.DeviceUsedIndex);
            Log.Field(" last ", _rx.LastUsed);
            Log.Field(" usedev ", _rx.UsedEvent);
            Log.Field(" availev ", _rx.DeviceAvailEvent);
            Log.Field(" txring avail ", _tx.AvailIndex);
            Log.Field(" used ", _tx.DeviceUsedIndex);
            Log.Field(" free ", (ulong)_txFreeCount);
            Log.Field(" missed ", MissedInterrupts);
            Log.Field(" kicks ", MissedKicks);
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
                    if (head < _rx.Size && len <= BufferSize) Received(_rxBuffers + (ulong)head * BufferSize, (int)len);
                    if (head < _rx.Size) _rx.Push(head);
                }
            } while (!_rx.ArmAndCheckEmpty());
            if (_rx.AvailIndex != before) _rx.Kick(before);
        }

        /// <summary>One used receive buffer (len bytes written): a whole frame, or with MRG_RXBUF
        /// the first or a following piece of one. The buffer is re-posted after this returns.</summary>
        private void Received(byte* buf, int len)
        {
            if (_stageLeft > 0)
            {
                if (_stageLen + len > MaxFrame) _stageOverflow = true;
                else { Mem.Copy(_stage + _stageLen, buf, (ulong)len); _stageLen += len; }
                if (--_stageLeft == 0) Deliver(_stage, _stageOverflow ? 0 : _stageLen, _stageValid);
                return;
            }
            if (len <= HeaderSize) return;
            bool valid = RxChecksum && (buf[0] & (HdrNeedsCsum | HdrDataValid)) != 0;
            int pieces = MergeRx ? *(ushort*)(buf + 10) : 1;
            if (pieces <= 1) { Deliver(buf + HeaderSize, len - HeaderSize, valid); return; }
            Mem.Copy(_stage, buf + HeaderSize, (ulong)(len - HeaderSize));
            _stageLen = len - HeaderSize; _stageLeft = pieces - 1; _stageValid = valid; _stageOverflow = false;
        }

        private void Deliver(byte* frame, int len, bool checksumValid)
        {
            if (len <= 0) return;
            RxPackets++;
            if (OnReceive != null) OnReceive(frame, len, checksumValid);
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

        /// <summary>Frees the descriptor chains the device is done with.</summary>
        private void ReclaimTransmitted()
        {
            while (_tx.PopUsed(out ushort head, out _))
            {
                ushort d = head;
                for (int n = 0; d < _tx.Size && n < _tx.Size; n++)
                {
                    _txFree[_txFreeCount++] = d;
                    if ((_tx.Desc[d].Flags & Virtqueue.DescNext) == 0) break;
                    d = _tx.Desc[d].Next;
                }
            }
        }

        /// <summary>
        /// Queues one Ethernet frame (without FCS) with the virtio_net_hdr fields for its offloads
        /// (all zero: none); false if it is too big or the buffers it needs are in flight. The
        /// header and frame go into as many 2 KiB buffers as they fill, chained.
        /// </summary>
        public bool Transmit(byte* frame, int length, byte flags = 0, byte gsoType = 0, ushort hdrLen = 0, ushort gsoSize = 0, ushort csumStart = 0, ushort csumOffset = 0)
        {
            if (length <= 0 || length > MaxFrame) { TxDropped++; return false; }
            ReclaimTransmitted();
            int need = (HeaderSize + length + BufferSize - 1) / BufferSize;
            if (_txFreeCount < need) { TxDropped++; _tx.ForceNotify(); return false; }   // all in flight: make sure the device knows
            ushort head = _txFree[_txFreeCount - 1];
            byte* hdr = _txBuffers + (ulong)head * BufferSize;
            hdr[0] = flags; hdr[1] = gsoType;
            *(ushort*)(hdr + 2) = hdrLen; *(ushort*)(hdr + 4) = gsoSize;
            *(ushort*)(hdr + 6) = csumStart; *(ushort*)(hdr + 8) = csumOffset; *(ushort*)(hdr + 10) = 0;
            int done = 0, room = BufferSize - HeaderSize, at = HeaderSize;
            ushort d = head;
            while (true)
            {
                _txFreeCount--;
                int n = length - done < room ? length - done : room;
                Mem.Copy(_txBuffers + (ulong)d * BufferSize + (ulong)at, frame + done, (ulong)n);
                _tx.Desc[d].Len = (uint)(at + n);
                done += n;
                if (done == length) { _tx.Desc[d].Flags = 0; break; }
                ushort next = _txFree[_txFreeCount - 1];
                _tx.Desc[d].Flags = Virtqueue.DescNext;
                _tx.Desc[d].Next = next;
                d = next; at = 0; room = BufferSize;
            }
            ushort before = _tx.AvailIndex;
            _tx.Push(head);
            _tx.Kick(before);
            TxPackets++;
            return true;
        }
    }
}
