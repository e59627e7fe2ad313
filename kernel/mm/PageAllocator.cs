// Physical page allocator: one bit per 4 KiB frame (1 = in use), first-fit runs with a
// rotating hint. Portable: the host build tests it over an ordinary buffer.
namespace Kernel.Memory
{
    public unsafe struct PageAllocator
    {
        public const ulong PageSize = 4096;

        private ulong* _bitmap;
        private ulong _baseAddress;   // physical address of frame 0
        private ulong _frameCount;
        private ulong _freeFrames;
        private ulong _hint;          // frame index where the next search starts

        public ulong FreeFrames => _freeFrames;
        public ulong FrameCount => _frameCount;
        public ulong BaseAddress => _baseAddress;

        /// <summary>Bytes of bitmap needed to track <paramref name="frames"/> frames.</summary>
        public static ulong BitmapBytes(ulong frames) => (frames + 63) / 64 * 8;

        /// <summary>Starts with every frame in use; the caller frees what the memory map says is RAM.</summary>
        public void Init(ulong* bitmap, ulong baseAddress, ulong frames)
        {
            _bitmap = bitmap;
            _baseAddress = baseAddress;
            _frameCount = frames;
            _freeFrames = 0;
            _hint = 0;
            for (ulong i = 0; i < (frames + 63) / 64; i++) bitmap[i] = ~0UL;
        }

        private bool IsUsed(ulong f) => (_bitmap[f >> 6] & (1UL << (int)(f & 63))) != 0;
        private void SetUsed(ulong f) => _bitmap[f >> 6] |= 1UL << (int)(f & 63);
        private void SetFree(ulong f) => _bitmap[f >> 6] &= ~(1UL << (int)(f & 63));

        /// <summary>Frame index of a physical address, or ulong.MaxValue when outside the managed range.</summary>
        public ulong FrameOf(ulong address)
        {
            if (address < _baseAddress) return ulong.MaxValue;
            ulong f = (address - _baseAddress) / PageSize;
            return f < _frameCount ? f : ulong.MaxValue;
        }

        /// <summary>Marks whole frames inside [address, address+length) free (the range is trimmed inward).</summary>
        public void AddFreeRange(ulong address, ulong length)
        {
            ulong start = (address + PageSize - 1) & ~(PageSize - 1);
            ulong end = (address + length) & ~(PageSize - 1);
            for (ulong a = start; a < end; a += PageSize)
            {
                ulong f = FrameOf(a);
                if (f == ulong.MaxValue || !IsUsed(f)) continue;
                SetFree(f);
                _freeFrames++;
            }
        }

        /// <summary>Marks frames overlapping [address, address+length) used (the range is rounded outward).</summary>
        public void Reserve(ulong address, ulong length)
        {
            ulong start = address & ~(PageSize - 1);
            ulong end = (address + length + PageSize - 1) & ~(PageSize - 1);
            for (ulong a = start; a < end; a += PageSize)
            {
                ulong f = FrameOf(a);
                if (f == ulong.MaxValue || IsUsed(f)) continue;
                SetUsed(f);
                _freeFrames--;
            }
        }

        /// <summary>Allocates <paramref name="count"/> physically contiguous frames; returns 0 when none.</summary>
        public ulong Alloc(ulong count = 1)
        {
            if (count == 0 || count > _freeFrames) return 0;
            ulong f = FindRun(_hint, _frameCount, count);
            if (f == ulong.MaxValue) f = FindRun(0, _frameCount, count);
            if (f == ulong.MaxValue) return 0;
            for (ulong i = 0; i < count; i++) SetUsed(f + i);
            _freeFrames -= count;
            _hint = f + count;
            return _baseAddress + f * PageSize;
        }

        private ulong FindRun(ulong from, ulong to, ulong count)
        {
            if (count == 1) return FindOne(from, to);
            ulong run = 0;
            for (ulong f = from; f < to; f++)
            {
                // Skip fully used words quickly.
                if ((f & 63) == 0 && _bitmap[f >> 6] == ~0UL && f + 64 <= to) { run = 0; f += 63; continue; }
                if (IsUsed(f)) { run = 0; continue; }
                if (++run == count) return f + 1 - count;
            }
            return ulong.MaxValue;
        }

        /// <summary>The first free frame in [from, to), a word of the bitmap at a time.</summary>
        private ulong FindOne(ulong from, ulong to)
        {
            for (ulong w = from >> 6; w << 6 < to; w++)
            {
                ulong used = _bitmap[w];
                if (w == from >> 6 && (from & 63) != 0) used |= (1UL << (int)(from & 63)) - 1;   // frames below from
                if (used == ~0UL) continue;
                ulong f = (w << 6) + LowestZero(used);
                return f < to ? f : ulong.MaxValue;
            }
            return ulong.MaxValue;
        }

        private static ulong LowestZero(ulong used)
        {
            ulong free = ~used;
            ulong n = 0;
            if ((free & 0xFFFFFFFF) == 0) { n += 32; free >>= 32; }
            if ((free & 0xFFFF) == 0) { n += 16; free >>= 16; }
            if ((free & 0xFF) == 0) { n += 8; free >>= 8; }
            if ((free & 0xF) == 0) { n += 4; free >>= 4; }
            if ((free & 0x3) == 0) { n += 2; free >>= 2; }
            if ((free & 0x1) == 0) n += 1;
            return n;
        }

        /// <summary>Frees frames from <see cref="Alloc"/>. Returns false on a double free or a foreign address.</summary>
        public bool Free(ulong address, ulong count = 1)
        {
            if ((address & (PageSize - 1)) != 0) return false;
            ulong f = FrameOf(address);
            if (f == ulong.MaxValue || f + count > _frameCount) return false;
            for (ulong i = 0; i < count; i++) if (!IsUsed(f + i)) return false;
            for (ulong i = 0; i < count; i++) SetFree(f + i);
            _freeFrames += count;
            if (f < _hint) _hint = f;
            return true;
        }
    }
}
