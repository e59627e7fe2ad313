// One split virtqueue (virtio 1.x, 2.6): the descriptor table, the driver's available ring and the
// device's used ring, each in its own zeroed page-aligned DMA memory. Shared by every virtio driver
// and transport; the transport only learns the three physical addresses.
using Kernel.Arch;
using Kernel.Memory;

namespace Kernel.Drivers.Virtio
{
    internal unsafe struct VirtqDesc { public ulong Addr; public uint Len; public ushort Flags, Next; }

    internal sealed unsafe class Virtqueue
    {
        public const ushort DescNext = 1, DescWrite = 2;
        public readonly ushort Size;
        public readonly int Index;
        public VirtqDesc* Desc;
        public ushort* Avail;          // flags, idx, ring[Size], used_event
        public byte* Used;             // flags, idx, {id u32, len u32}[Size], avail_event
        public ulong DescPhys, AvailPhys, UsedPhys;
        private ushort _availIdx, _lastUsed;
        public bool EventIdx;          // VIRTIO_F_EVENT_IDX negotiated
        public delegate*<object, int, void> NotifyFn;
        public object NotifyContext;

        public Virtqueue(int index, ushort size) { Index = index; Size = size; }

        /// <summary>Allocates the rings; false when memory is short.</summary>
        public bool Allocate()
        {
            DescPhys = AllocPages((ulong)Size * 16);
            AvailPhys = AllocPages(6 + 2UL * Size);
            UsedPhys = AllocPages(6 + 8UL * Size);
            if (DescPhys == 0 || AvailPhys == 0 || UsedPhys == 0) return false;
            Desc = (VirtqDesc*)Mm.PhysToVirt(DescPhys);
            Avail = (ushort*)Mm.PhysToVirt(AvailPhys);
            Used = (byte*)Mm.PhysToVirt(UsedPhys);
            return true;
        }

        private static ulong AllocPages(ulong bytes)
        {
            ulong pages = (bytes + 4095) / 4096;
            ulong phys = Mm.Pages.Alloc(pages);
            if (phys != 0) Mem.Zero(Mm.PhysToVirt(phys), pages * 4096);
            return phys;
        }

        /// <summary>Makes descriptor chain head <paramref name="head"/> available (the notification is separate: <see cref="Kick"/>).</summary>
        public void Push(ushort head)
        {
            Avail[2 + (_availIdx % Size)] = head;
            Native.Mfence();                                   // the ring entry before the index
            _availIdx++;
            Avail[1] = _availIdx;
        }

        /// <summary>Tells the device about new buffers unless it asked not to be told (event index, or NO_NOTIFY).</summary>
        public void Kick(ushort availBefore)
        {
            Native.Mfence();                                   // the index before reading the device's wishes
            if (EventIdx)
            {
                ushort availEvent = *(ushort*)(Used + 4 + 8 * Size);
                // vring_need_event: notify if the device's event index lies in (old, new].
                if ((ushort)(_availIdx - availEvent - 1) >= (ushort)(_availIdx - availBefore)) return;
            }
            else if ((*(ushort*)Used & 1) != 0) return;        // VIRTQ_USED_F_NO_NOTIFY
            NotifyFn(NotifyContext, Index);
        }

        /// <summary>Notifies the device whatever it asked for (a spare notification is harmless; a missed one stalls the queue).</summary>
        public void ForceNotify()
        {
            Native.Mfence();
            NotifyFn(NotifyContext, Index);
        }

        public ushort AvailIndex => _availIdx;
        public ushort LastUsed => _lastUsed;
        public ushort DeviceUsedIndex => *(ushort*)(Used + 2);
        public ushort DeviceAvailEvent => *(ushort*)(Used + 4 + 8 * Size);
        public ushort UsedEvent => Avail[2 + Size];

        /// <summary>The next used element, if the device returned one: its chain head and written length.</summary>
        public bool PopUsed(out ushort head, out uint len)
        {
            ushort usedIdx = *(ushort*)(Used + 2);
            if (usedIdx == _lastUsed) { head = 0; len = 0; return false; }
            Native.Mfence();                                   // the index before the element
            byte* e = Used + 4 + 8 * (_lastUsed % Size);
            head = (ushort)*(uint*)e;
            len = *(uint*)(e + 4);
            _lastUsed++;
            return true;
        }

        /// <summary>With event index: ask for an interrupt when the device uses the next buffer, then re-check (no lost wake-up).</summary>
        public bool ArmAndCheckEmpty()
        {
            if (EventIdx) Avail[2 + Size] = _lastUsed;             // used_event
            Native.Mfence();
            return *(ushort*)(Used + 2) == _lastUsed;
        }
    }
}
