using System.Runtime.InteropServices;
using Kernel.Memory;
using Xunit;

namespace Compat.Tests;

/// <summary>The kernel's page allocator and heap, run over an ordinary host buffer as "RAM".</summary>
public unsafe class MemoryTests : IDisposable
{
    private const ulong Frames = 1024;               // 4 MiB of pretend RAM
    private readonly byte* _ram;
    private readonly ulong* _bitmap;
    private readonly byte* _heapMeta;
    private readonly PageAllocator* _pages;

    public MemoryTests()
    {
        _ram = (byte*)NativeMemory.AlignedAlloc((nuint)(Frames * PageAllocator.PageSize), 4096);
        _bitmap = (ulong*)NativeMemory.AllocZeroed((nuint)PageAllocator.BitmapBytes(Frames));
        _heapMeta = (byte*)NativeMemory.AllocZeroed((nuint)Heap.MetadataBytes(Frames));
        _pages = (PageAllocator*)NativeMemory.AllocZeroed((nuint)sizeof(PageAllocator));
        _pages->Init(_bitmap, (ulong)_ram, Frames);
        _pages->AddFreeRange((ulong)_ram, Frames * PageAllocator.PageSize);
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_ram);
        NativeMemory.Free(_bitmap);
        NativeMemory.Free(_heapMeta);
        NativeMemory.Free(_pages);
    }

    [Fact]
    public void AllocatesEveryFrameOnceThenFails()
    {
        var seen = new HashSet<ulong>();
        for (ulong i = 0; i < Frames; i++)
        {
            ulong a = _pages->Alloc();
            Assert.NotEqual(0UL, a);
            Assert.True(seen.Add(a));
            Assert.Equal(0UL, (a - (ulong)_ram) % PageAllocator.PageSize);
        }
        Assert.Equal(0UL, _pages->Alloc());
        Assert.Equal(0UL, _pages->FreeFrames);
    }

    [Fact]
    public void ContiguousRunsSurviveFragmentation()
    {
        var singles = new List<ulong>();
        for (int i = 0; i < 100; i++) singles.Add(_pages->Alloc());
        for (int i = 0; i < 100; i += 2) Assert.True(_pages->Free(singles[i]));
        ulong run = _pages->Alloc(64);
        Assert.NotEqual(0UL, run);
        foreach (ulong s in singles.Where((_, i) => i % 2 == 1))
            Assert.False(s >= run && s < run + 64 * PageAllocator.PageSize);
    }

    [Fact]
    public void ReserveAndDoubleFreeAreHandled()
    {
        _pages->Reserve((ulong)_ram, 10 * PageAllocator.PageSize);
        Assert.Equal(Frames - 10, _pages->FreeFrames);
        ulong a = _pages->Alloc();
        Assert.True(a >= (ulong)_ram + 10 * PageAllocator.PageSize);
        Assert.True(_pages->Free(a));
        Assert.False(_pages->Free(a));
        Assert.False(_pages->Free(a + 1));
        Assert.False(_pages->Free(0x1000));
    }

    [Fact]
    public void HeapRandomOperationsKeepBlocksDisjointAndZeroed()
    {
        var heap = new Heap();
        heap.Init(_pages, 0, _heapMeta);
        var rng = new Random(1234);
        var live = new Dictionary<ulong, (ulong Size, byte Tag)>();
        ulong freeAtStart = _pages->FreeFrames;
        for (int step = 0; step < 20000; step++)
        {
            if (live.Count > 300 || (live.Count > 0 && rng.Next(3) == 0))
            {
                var (p, info) = live.ElementAt(rng.Next(live.Count));
                for (ulong j = 0; j < info.Size; j++) Assert.Equal(info.Tag, ((byte*)p)[j]);
                Assert.True(heap.Free((void*)p));
                live.Remove(p);
                continue;
            }
            ulong size = rng.Next(10) == 0 ? (ulong)rng.Next(2049, 20000) : (ulong)rng.Next(1, 2048);
            byte* q = (byte*)heap.Alloc(size);
            Assert.True(q != null);
            Assert.True(heap.BlockSize(q) >= size);
            for (ulong j = 0; j < size; j++) Assert.Equal(0, q[j]);
            byte tag = (byte)rng.Next(1, 255);
            new Span<byte>(q, (int)size).Fill(tag);
            foreach (var (p, info) in live)
                Assert.True((ulong)q + size <= p || p + info.Size <= (ulong)q, "blocks overlap");
            live[(ulong)q] = (size, tag);
        }
        foreach (var p in live.Keys) Assert.True(heap.Free((void*)p));
        Assert.Equal(0UL, heap.BytesInUse);
    }

    [Fact]
    public void HeapRefusesForeignAndInteriorPointers()
    {
        var heap = new Heap();
        heap.Init(_pages, 0, _heapMeta);
        byte* small = (byte*)heap.Alloc(100);
        byte* large = (byte*)heap.Alloc(10000);
        Assert.False(heap.Free(small + 8));
        Assert.False(heap.Free(large + 4096));
        Assert.False(heap.Free((void*)0x1000));
        Assert.True(heap.Free(small));
        Assert.True(heap.Free(large));
        Assert.False(heap.Free(large));
    }
}
