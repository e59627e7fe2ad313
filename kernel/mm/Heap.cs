// Kernel heap: size classes from 16 B to 2 KiB carved out of 4 KiB pages, larger blocks as
// whole contiguous page runs. Every frame carries a tag (its size class, or large-run head)
// so Free needs only the pointer. Memory is returned zeroed. Portable (host-tested).
namespace Kernel.Memory
{
    public unsafe struct Heap
    {
        private const int ClassCount = 12;
        private const byte TagNone = 0, TagLargeHead = 0xFE, TagLargeTail = 0xFD;
        public const ulong MaxSmall = 2048;

        private PageAllocator* _pages;
        private ulong _virtOffset;        // virtual = physical + offset
        private byte* _tags;              // per frame of _pages
        private uint* _runs;              // per frame: pages in a large run (head frames only)
        private fixed ulong _freeLists[ClassCount];

        public ulong BytesInUse;
        public ulong Allocations;
        public ulong Frees;
        public fixed uint LiveByClass[16];         // blocks in use per size class (leak hunting: memstats)

        public static ulong MetadataBytes(ulong frames) => frames + frames * 4;

        public static ulong ClassSize(int c) => c switch
        {
            0 => 16, 1 => 32, 2 => 48, 3 => 64, 4 => 96, 5 => 128, 6 => 192, 7 => 256,
            8 => 512, 9 => 768, 10 => 1024, _ => 2048,
        };

        private static int ClassOf(ulong size)
        {
            for (int c = 0; c < ClassCount; c++) if (size <= ClassSize(c)) return c;
            return -1;
        }

        /// <param name="metadata">MetadataBytes(pages->FrameCount) bytes, zeroed by the caller.</param>
        public void Init(PageAllocator* pages, ulong virtOffset, byte* metadata)
        {
            _pages = pages;
            _virtOffset = virtOffset;
            _tags = metadata;
            _runs = (uint*)(metadata + pages->FrameCount);
            for (int i = 0; i < ClassCount; i++) _freeLists[i] = 0;
            BytesInUse = Allocations = Frees = 0;
        }

        public bool IsReady => _pages != null;

        public void* Alloc(ulong size)
        {
            if (size == 0) size = 1;
            void* p;
            int c = ClassOf(size);
            if (c < 0)
            {
                ulong count = (size + PageAllocator.PageSize - 1) / PageAllocator.PageSize;
                ulong phys = _pages->Alloc(count);
                if (phys == 0) return null;
                ulong f = _pages->FrameOf(phys);
                _tags[f] = TagLargeHead;
                _runs[f] = (uint)count;
                for (ulong i = 1; i < count; i++) _tags[f + i] = TagLargeTail;
                p = (void*)(phys + _virtOffset);
                BytesInUse += count * PageAllocator.PageSize;
            }
            else
            {
                if (_freeLists[c] == 0 && !Refill(c)) return null;
                p = (void*)_freeLists[c];
                _freeLists[c] = *(ulong*)p;
                BytesInUse += ClassSize(c);
                LiveByClass[c]++;
            }
            Mem.Zero(p, c < 0 ? ((size + PageAllocator.PageSize - 1) & ~(PageAllocator.PageSize - 1)) : ClassSize(c));
            Allocations++;
            return p;
        }

        private bool Refill(int c)
        {
            ulong phys = _pages->Alloc(1);
            if (phys == 0) return false;
            _tags[_pages->FrameOf(phys)] = (byte)(c + 1);
            ulong size = ClassSize(c);
            byte* page = (byte*)(phys + _virtOffset);
            // Thread the page's blocks onto the free list, lowest address first.
            for (ulong off = (PageAllocator.PageSize / size - 1) * size; ; off -= size)
            {
                *(ulong*)(page + off) = _freeLists[c];
                _freeLists[c] = (ulong)(page + off);
                if (off == 0) break;
            }
            return true;
        }

        /// <summary>Size of the block holding <paramref name="p"/>, or 0 if it is not a live heap block start.</summary>
        public ulong BlockSize(void* p)
        {
            ulong f = _pages->FrameOf((ulong)p - _virtOffset);
            if (f == ulong.MaxValue) return 0;
            byte tag = _tags[f];
            if (tag == TagLargeHead) return _runs[f] * PageAllocator.PageSize;
            if (tag == TagNone || tag == TagLargeTail) return 0;
            return ClassSize(tag - 1);
        }

        /// <summary>Frees a block; returns false (and changes nothing) for a pointer the heap never gave out.</summary>
        public bool Free(void* p)
        {
            if (p == null) return true;
            ulong phys = (ulong)p - _virtOffset;
            ulong f = _pages->FrameOf(phys);
            if (f == ulong.MaxValue) return false;
            byte tag = _tags[f];
            if (tag == TagLargeHead)
            {
                if ((phys & (PageAllocator.PageSize - 1)) != 0) return false;
                uint count = _runs[f];
                for (uint i = 0; i < count; i++) _tags[f + i] = TagNone;
                _runs[f] = 0;
                _pages->Free(phys, count);
                BytesInUse -= count * PageAllocator.PageSize;
            }
            else if (tag != TagNone && tag != TagLargeTail)
            {
                int c = tag - 1;
                if ((phys & (PageAllocator.PageSize - 1)) % ClassSize(c) != 0) return false;
                *(ulong*)p = _freeLists[c];
                _freeLists[c] = (ulong)p;
                BytesInUse -= ClassSize(c);
                LiveByClass[c]--;
            }
            else return false;
            Frees++;
            return true;
        }
    }
}
